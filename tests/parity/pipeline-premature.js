// pipeline() and a middle stream destroyed without an error: a premature
// close, ERR_STREAM_PREMATURE_CLOSE, and everything torn down.
'use strict';
const { PassThrough, Writable, pipeline } = require('stream');
const { log, watch, source } = require('./lib');

const src = source('src', { count: 5 });
const mid = watch(new PassThrough(), 'mid');
const dst = watch(new Writable({
  write(chunk, enc, cb) {
    log('dst _write', chunk.length);
    if (src.made === 2) setImmediate(() => mid.destroy());
    setImmediate(cb);
  },
}), 'dst');

pipeline(src, mid, dst, (err) => {
  log('pipeline callback', err ? err.code : 'ok');
  log('destroyed:', src.destroyed, mid.destroyed, dst.destroyed);
});
