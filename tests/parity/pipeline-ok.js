// pipeline() that succeeds: every stream ends, finishes and closes; the
// callback runs once, on a tick after the last 'finish'.  (This source
// pushes synchronously, inside _read.)
'use strict';
const { Readable, pipeline } = require('stream');
const { log, watch, bytes, sink, pass } = require('./lib');

let made = 0;
const src = watch(new Readable({
  read() {
    made++;
    this.push(made <= 3 ? bytes(3) : null);
  },
}), 'src');
const mid = pass('mid');
const dst = sink('dst');

pipeline(src, mid, dst, (err) => log('pipeline callback', err ? err.code : 'ok'));
