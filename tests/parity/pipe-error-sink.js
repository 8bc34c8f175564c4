// pipe() and a failing destination: the destination is destroyed with the
// error; the source is unpiped and paused but NOT destroyed, its buffer
// still full: it stays open until someone deals with it.
'use strict';
const { Readable, Writable } = require('stream');
const { log, watch, bytes } = require('./lib');

let made = 0;
const src = watch(new Readable({
  highWaterMark: 8,
  read() {
    made++;
    setImmediate(() => this.push(bytes(4)));
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

src.pipe(dst);
dst.on('close', () => {
  setImmediate(() => {
    log('after: dst destroyed=' + dst.destroyed);
    log('after: src destroyed=' + src.destroyed, 'flowing=' + src.readableFlowing,
      'paused=' + src.isPaused(), 'readable=' + src.readable);
    log('after: src len=' + src.readableLength);
    src.destroy();
  });
});
