// pipeline() and a failing transform in the middle.
'use strict';
const { Transform, pipeline } = require('stream');
const { log, watch, error, source, sink } = require('./lib');

const src = source('src', { count: 5 });
let seen = 0;
const mid = watch(new Transform({
  transform(chunk, enc, cb) {
    seen++;
    log('mid _transform', seen);
    if (seen === 2) cb(error('EBADMSG', 'bad input'));
    else cb(null, chunk);
  },
}), 'mid');
const dst = sink('dst');

pipeline(src, mid, dst, (err) => {
  log('pipeline callback', err ? err.code : 'ok');
  log('destroyed:', src.destroyed, mid.destroyed, dst.destroyed);
});
