// A duplex with allowHalfOpen: false ends its writable side when its
// readable side ends; with the default (true) the writable side stays
// open until end() is called.
'use strict';
const { Duplex } = require('stream');
const { log, watch, bytes } = require('./lib');

function make(name, allowHalfOpen) {
  return watch(new Duplex({
    allowHalfOpen,
    read() {},
    write(chunk, enc, cb) {
      log(name, '_write', chunk.length);
      cb();
    },
    final(cb) {
      log(name, '_final');
      cb();
    },
  }), name);
}

const a = make('a', false);
const b = make('b', true);
for (const d of [a, b]) {
  d.write(bytes(3));
  d.on('data', (c) => log(d.label, 'data', c.length));
  d.push(bytes(2));
  d.push(null);
}
setImmediate(() => {
  log('b writable=' + b.writable, 'destroyed=' + b.destroyed);
  b.end();
});
