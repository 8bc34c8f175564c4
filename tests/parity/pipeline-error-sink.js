// pipeline() and a failing destination (EPIPE on the second write).
'use strict';
const { Readable, Writable, pipeline } = require('stream');
const { log, watch, bytes } = require('./lib');

let made = 0;
const src = watch(new Readable({
  read() {
    made++;
    setImmediate(() => this.push(made <= 5 ? bytes(3) : null));
  },
}), 'src');
let writes = 0;
const dst = watch(new Writable({
  write(chunk, enc, cb) {
    writes++;
    log('dst _write', chunk.length);
    if (writes === 2) {
      const e = new Error('broken pipe'); e.code = 'EPIPE';
      setImmediate(() => cb(e));
    } else {
      setImmediate(cb);
    }
  },
}), 'dst');

pipeline(src, dst, (err) => {
  log('pipeline callback', err ? err.code : 'ok');
  log('destroyed:', src.destroyed, dst.destroyed);
});
