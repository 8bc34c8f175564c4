// pipeline() and a failing destination (EPIPE on the second write).
'use strict';
const { pipeline } = require('stream');
const { log, source, sink } = require('./lib');

const src = source('src', { count: 5 });
const dst = sink('dst', { failAt: 2 });

pipeline(src, dst, (err) => {
  log('pipeline callback', err ? err.code : 'ok');
  log('destroyed:', src.destroyed, dst.destroyed);
});
