// pipeline() and a middle stream destroyed without an error: a premature
// close, ERR_STREAM_PREMATURE_CLOSE, and everything torn down.
'use strict';
const { Readable, PassThrough, Writable, pipeline } = require('stream');
const { log, watch, bytes } = require('./lib');

let made = 0;
const src = watch(new Readable({
  read() {
    made++;
    setImmediate(() => this.push(made <= 5 ? bytes(3) : null));
  },
}), 'src');
const mid = watch(new PassThrough(), 'mid');
const dst = watch(new Writable({
  write(chunk, enc, cb) {
    log('dst _write', chunk.length);
    if (chunk.length && made === 2) setImmediate(() => mid.destroy());
    setImmediate(cb);
  },
}), 'dst');

pipeline(src, mid, dst, (err) => {
  log('pipeline callback', err ? err.code : 'ok');
  log('destroyed:', src.destroyed, mid.destroyed, dst.destroyed);
});
