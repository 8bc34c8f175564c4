// pipeline() and a failing transform in the middle.
'use strict';
const { Readable, Transform, Writable, pipeline } = require('stream');
const { log, watch, bytes } = require('./lib');

let made = 0;
const src = watch(new Readable({
  read() {
    made++;
    setImmediate(() => this.push(made <= 5 ? bytes(3) : null));
  },
}), 'src');
let seen = 0;
const mid = watch(new Transform({
  transform(chunk, enc, cb) {
    seen++;
    log('mid _transform', seen);
    if (seen === 2) {
      const e = new Error('bad input'); e.code = 'EBADMSG';
      cb(e);
      return;
    }
    cb(null, chunk);
  },
}), 'mid');
const dst = watch(new Writable({
  write(chunk, enc, cb) {
    log('dst _write', chunk.length);
    setImmediate(cb);
  },
}), 'dst');

pipeline(src, mid, dst, (err) => {
  log('pipeline callback', err ? err.code : 'ok');
  log('destroyed:', src.destroyed, mid.destroyed, dst.destroyed);
});
