// write() after end(): ERR_STREAM_WRITE_AFTER_END, its callback on the
// next tick, the stream destroyed (autoDestroy), 'error' then 'close'.
'use strict';
const { log, bytes, sink } = require('./lib');

const w = sink('w');
w.write(bytes(4));
w.end();
const ret = w.write(bytes(2), (err) => log('w write cb', err && err.code));
log('w write after end ->', ret, 'destroyed=' + w.destroyed);
process.nextTick(() => log('tick'));
