// unpipe() in the middle of a flow: the source pauses (nothing else
// consumes it), the destination gets 'unpipe' and is NOT ended.
'use strict';
const { Readable, Writable } = require('stream');
const { log, watch, bytes } = require('./lib');

let made = 0;
const src = watch(new Readable({
  highWaterMark: 4,
  read() {
    made++;
    setImmediate(() => this.push(made <= 6 ? bytes(2) : null));
  },
}), 'src');
const dst = watch(new Writable({
  write(chunk, enc, cb) {
    log('dst _write', chunk.length);
    if (made === 3) {
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
