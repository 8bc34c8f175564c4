// A transform's end: the last 'data', then _flush, the flushed 'data',
// 'prefinish', 'end', 'finish' and 'close' last (autoDestroy).
'use strict';
const { Transform } = require('stream');
const { log, watch } = require('./lib');

const t = watch(new Transform({
  transform(chunk, enc, cb) {
    log('t _transform', chunk.toString());
    this.push(chunk.toString().toUpperCase());
    cb();
  },
  flush(cb) {
    log('t _flush');
    this.push('!');
    cb();
  },
}), 't');

t.on('data', (c) => log('t data', c.toString()));
t.write('ab');
t.write('cd');
t.end();
log('t end() called');
