// pipeline() and a failing source: the error wins, every other stream is
// destroyed (no stream left open), the callback runs once with the error.
'use strict';
const { Readable, Transform, Writable, pipeline } = require('stream');
const { log, watch, bytes } = require('./lib');

let made = 0;
const src = watch(new Readable({
  read() {
    made++;
    if (made === 3) {
      const e = new Error('disk on fire'); e.code = 'EIO';
      setImmediate(() => this.destroy(e));
      return;
    }
    setImmediate(() => this.push(bytes(3)));
  },
}), 'src');
const mid = watch(new Transform({
  transform(chunk, enc, cb) { cb(null, chunk); },
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
