// destroy(err) twice: one 'error' (the first error), one 'close', both on
// the next tick; the write in flight completes, queued writes fail with
// the error.
'use strict';
const { log, bytes, error, sink } = require('./lib');

const w = sink('w', { highWaterMark: 8 });
w.write(bytes(4), (err) => log('w cb1', err ? err.code : 'ok'));
w.write(bytes(4), (err) => log('w cb2', err ? err.code : 'ok'));
w.destroy(error('EFIRST', 'first'));
log('w destroyed=' + w.destroyed);
w.destroy(error('ESECOND', 'second'));
log('w errored=' + w.errored.code);
process.nextTick(() => log('tick'));
