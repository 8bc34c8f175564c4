// A transform nobody reads: both marks 16384, 1 KiB writes.  Its readable
// side fills to the mark (16 chunks), the 16th write's callback is held
// back, the writable side fills behind it: write() says false on the 31st.
// Reading releases it all.
'use strict';
const { Transform } = require('stream');
const { log, watch, bytes } = require('./lib');

const t = watch(new Transform({
  transform(chunk, enc, cb) {
    this.push(chunk);
    cb();
  },
}), 't');

let i = 0;
let ret = true;
while (ret && i < 100) {
  i++;
  ret = t.write(bytes(1024));
}
log('t write', i, '->', ret);
log('t readableLength=' + t.readableLength, 'writableLength=' + t.writableLength);
t.end();
let total = 0;
t.on('data', (c) => { total += c.length; });
t.on('end', () => log('t read', total, 'bytes'));
