// pipe() and a failing source: the source is destroyed with the error, the
// destination stays open — still writable, never ended, not destroyed.
// pipe() does not clean up; that is the lesson (and pipeline's job).
'use strict';
const { log, source, sink } = require('./lib');

const src = source('src', { size: 5, failAt: 3 });
const dst = sink('dst');

src.pipe(dst);
src.on('close', () => {
  setImmediate(() => {
    log('after: src destroyed=' + src.destroyed);
    log('after: dst writable=' + dst.writable, 'ended=' + dst.writableEnded,
      'destroyed=' + dst.destroyed);
    log('after: dst close listeners=' + dst.listenerCount('close'));
    dst.end();
  });
});
