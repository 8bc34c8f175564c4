// pipeline() that succeeds: every stream ends, finishes and closes; the
// callback runs once, on a tick after the last 'finish'.
'use strict';
const { Readable, Transform, Writable, pipeline } = require('stream');
const { log, watch, bytes } = require('./lib');

let made = 0;
const src = watch(new Readable({
  read() {
    made++;
    this.push(made <= 3 ? bytes(3) : null);
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

pipeline(src, mid, dst, (err) => log('pipeline callback', err ? err.code : 'ok'));
