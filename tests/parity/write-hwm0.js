// A mark of 0.  With an asynchronous sink every write() returns false and
// one 'drain' comes when all are written.  With a synchronous sink the
// length is back to 0 before write() returns, so it returns true: the
// mark only bites while a write is in flight.
'use strict';
const { Writable } = require('stream');
const { log, watch, bytes } = require('./lib');

const a = watch(new Writable({
  highWaterMark: 0,
  write(chunk, enc, cb) {
    log('a _write', chunk.length, 'len=' + this.writableLength);
    setImmediate(cb);
  },
}), 'a');

for (const n of [1, 2, 3]) {
  const ret = a.write(bytes(n), () => log('a write cb', n));
  log('a write', n, '->', ret, 'len=' + a.writableLength,
    'needDrain=' + a.writableNeedDrain);
}
a.end(() => log('a end cb'));
log('a end() called');

const b = watch(new Writable({
  highWaterMark: 0,
  write(chunk, enc, cb) {
    log('b _write', chunk.length, 'len=' + this.writableLength);
    cb();
  },
}), 'b');

for (const n of [1, 2]) {
  const ret = b.write(bytes(n), () => log('b write cb', n));
  log('b write', n, '->', ret, 'len=' + b.writableLength);
}
b.end(() => log('b end cb'));
