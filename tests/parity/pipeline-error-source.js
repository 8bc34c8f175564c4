// pipeline() and a failing source: the error wins, every other stream is
// destroyed (no stream left open), the callback runs once with the error.
'use strict';
const { pipeline } = require('stream');
const { log, source, sink, pass } = require('./lib');

const src = source('src', { failAt: 3 });
const mid = pass('mid');
const dst = sink('dst');

pipeline(src, mid, dst, (err) => {
  log('pipeline callback', err ? err.code : 'ok');
  log('destroyed:', src.destroyed, mid.destroyed, dst.destroyed);
});
