// pipe() and a failing destination: the destination is destroyed with the
// error; the source is unpiped and paused but NOT destroyed, its buffer
// still full: it stays open until someone deals with it.
'use strict';
const { log, source, sink } = require('./lib');

const src = source('src', { size: 4, highWaterMark: 8 });
const dst = sink('dst', { failAt: 2 });

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
