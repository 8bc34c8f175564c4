// destroy(err) twice: one 'error' (the first error), one 'close', both on
// the next tick; queued writes fail with the error.
'use strict';
const { Writable } = require('stream');
const { log, watch, bytes } = require('./lib');

const w = watch(new Writable({
  highWaterMark: 8,
  write(chunk, enc, cb) {
    log('w _write', chunk.length);
    setImmediate(cb);
  },
}), 'w');

w.write(bytes(4), (err) => log('w cb1', err ? err.code : 'ok'));
w.write(bytes(4), (err) => log('w cb2', err ? err.code : 'ok'));
const e1 = new Error('first'); e1.code = 'EFIRST';
const e2 = new Error('second'); e2.code = 'ESECOND';
w.destroy(e1);
log('w destroyed=' + w.destroyed);
w.destroy(e2);
log('w errored=' + w.errored.code);
process.nextTick(() => log('tick'));
