// unpipe() in the middle of a flow: the source pauses (nothing else
// consumes it), the destination gets 'unpipe' and is NOT ended.
'use strict';
const { Writable } = require('stream');
const { log, watch, source } = require('./lib');

const src = source('src', { count: 6, size: 2, highWaterMark: 4 });
const dst = watch(new Writable({
  write(chunk, enc, cb) {
    log('dst _write', chunk.length);
    if (src.made === 3) {
      src.unpipe(dst);
      log('unpiped: flowing=' + src.readableFlowing);
    }
    setImmediate(cb);
  },
}), 'dst');

src.pipe(dst);
setTimeout(() => {
  log('later: src len=' + src.readableLength, 'ended=' + src.readableEnded,
    'dst writable=' + dst.writable);
  dst.end();
  src.destroy();
}, 20);
