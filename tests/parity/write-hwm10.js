// write() against a mark of 10 bytes: 5 → true, 4 → true (length 9),
// 1 → false (length 10), 100 → false (length 110); one 'drain' once the
// whole buffer is written, not when it dips below the mark.
'use strict';
const { Writable } = require('stream');
const { log, watch, bytes } = require('./lib');

const w = watch(new Writable({
  highWaterMark: 10,
  write(chunk, enc, cb) {
    log('w _write', chunk.length, 'len=' + this.writableLength);
    setImmediate(cb);
  },
}), 'w');

for (const n of [5, 4, 1, 100]) {
  const ret = w.write(bytes(n));
  log('w write', n, '->', ret, 'len=' + w.writableLength);
}
w.once('drain', () => {
  log('w drain: len=' + w.writableLength);
  const ret = w.write(bytes(3));
  log('w write 3 ->', ret, 'len=' + w.writableLength);
  w.end();
  log('w end() called');
});
