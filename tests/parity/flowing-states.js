// readableFlowing is three-valued.  null until someone consumes; true on a
// 'data' listener; false after pause(); and while it is false a new 'data'
// listener does NOT restart the flow — only resume() does.
'use strict';
const { Readable } = require('stream');
const { log, watch } = require('./lib');

let n = 0;
const r = watch(new Readable({
  highWaterMark: 4,
  read() {
    n++;
    log('r _read', n);
    if (n <= 6) this.push(Buffer.from('ab'));
    else this.push(null);
  },
}), 'r');

log('r flowing=' + r.readableFlowing);
r.on('data', (c) => {
  log('r data', c.length, 'flowing=' + r.readableFlowing);
  if (n === 2) {
    r.pause();
    log('r paused: flowing=' + r.readableFlowing, 'isPaused=' + r.isPaused());
    setImmediate(() => {
      r.on('data', () => log('r data (second listener)'));
      log('r second listener: flowing=' + r.readableFlowing);
      setImmediate(() => {
        log('r still paused: len=' + r.readableLength);
        r.resume();
        log('r resume(): flowing=' + r.readableFlowing);
      });
    });
  }
});
log('r on(data): flowing=' + r.readableFlowing);
