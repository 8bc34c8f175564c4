// pipe() and a failing source: the source is destroyed with the error, the
// destination stays open — still writable, never ended, not destroyed.
// pipe() does not clean up; that is the lesson (and pipeline's job).
'use strict';
const { Readable, Writable } = require('stream');
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
    setImmediate(() => this.push(bytes(5)));
  },
}), 'src');

const dst = watch(new Writable({
  write(chunk, enc, cb) {
    log('dst _write', chunk.length);
    setImmediate(cb);
  },
}), 'dst');

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
