// cork() holds writes back; uncork() hands them to _writev in one call.
// Each write's callback still runs, in order; 'finish' waits for _final.
'use strict';
const { Writable } = require('stream');
const { log, watch, bytes } = require('./lib');

const w = watch(new Writable({
  write(chunk, enc, cb) {
    log('w _write', chunk.length);
    setImmediate(cb);
  },
  writev(chunks, cb) {
    log('w _writev', chunks.length, 'chunks',
      chunks.reduce((n, c) => n + c.chunk.length, 0), 'bytes');
    setImmediate(cb);
  },
  final(cb) {
    log('w _final');
    setImmediate(cb);
  },
}), 'w');

w.write(bytes(1), () => log('w cb 1'));
w.cork();
w.write(bytes(2), () => log('w cb 2'));
w.write(bytes(3), () => log('w cb 3'));
w.write(bytes(4), () => log('w cb 4'));
log('corked: len=' + w.writableLength);
process.nextTick(() => {
  w.uncork();
  log('uncorked: len=' + w.writableLength);
  w.end(() => log('w end cb'));
});
