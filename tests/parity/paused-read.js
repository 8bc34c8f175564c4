// Paused mode: a 'readable' listener, read() until null, 'end' only after
// the last byte was read.  read(n) takes exactly n bytes when it can.
'use strict';
const { Readable } = require('stream');
const { log, watch } = require('./lib');

const parts = ['abc', 'defg', 'hi'];
const r = watch(new Readable({
  read() {
    const p = parts.shift();
    log('r _read ->', p === undefined ? 'EOF' : p);
    setImmediate(() => this.push(p === undefined ? null : Buffer.from(p)));
  },
}), 'r');

r.on('readable', () => {
  log('r readable len=' + r.readableLength, 'flowing=' + r.readableFlowing);
  let c;
  while ((c = r.read(2)) !== null) log('r read(2) ->', c.toString());
  log('r read(2) -> null len=' + r.readableLength);
});
