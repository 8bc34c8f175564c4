// Object mode counts chunks, not bytes: with the default mark of 16 the
// 16th write() and the 16th push() return false.
'use strict';
const { Readable, Writable } = require('stream');
const { log, watch } = require('./lib');

const w = watch(new Writable({
  objectMode: true,
  write(obj, enc, cb) {
    setImmediate(cb);
  },
}), 'w');
log('w hwm=' + w.writableHighWaterMark);
for (let i = 1; i <= 17; i++) {
  const ret = w.write({ i });
  if (!ret || i === 1) log('w write', i, '->', ret, 'len=' + w.writableLength);
}
w.end();

const r = watch(new Readable({ objectMode: true, read() {} }), 'r');
log('r hwm=' + r.readableHighWaterMark);
for (let i = 1; i <= 17; i++) {
  const ret = r.push({ i });
  if (!ret || i === 1) log('r push', i, '->', ret, 'len=' + r.readableLength);
}
r.push(null);
let got = 0;
r.on('data', () => { got++; });
r.on('end', () => log('r got', got, 'objects'));
