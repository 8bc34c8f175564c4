// One source piped to a fast and a slow destination: the source waits
// for the slow one ('drain' from every destination that said false).
'use strict';
const { Readable, Writable } = require('stream');
const { log, watch, bytes } = require('./lib');

let made = 0;
const src = watch(new Readable({
  highWaterMark: 4,
  read() {
    made++;
    this.push(made <= 4 ? bytes(4) : null);
  },
}), 'src');
const fast = watch(new Writable({
  highWaterMark: 4,
  write(chunk, enc, cb) {
    log('fast _write', chunk.length);
    cb();
  },
}), 'fast');
const slow = watch(new Writable({
  highWaterMark: 4,
  write(chunk, enc, cb) {
    log('slow _write', chunk.length);
    setImmediate(cb);
  },
}), 'slow');

src.pipe(fast);
src.pipe(slow);
