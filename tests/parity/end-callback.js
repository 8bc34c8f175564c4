// end(cb): on success the callback runs just before 'finish' (Node's
// finish() calls the end callbacks, then emits); on a failed write it
// gets the error after the write's own callback and before 'error'.
'use strict';
const { log, bytes, sink } = require('./lib');

const ok = sink('ok');
ok.write(bytes(2), (err) => log('ok write cb', err ? err.code : 'null'));
ok.end((err) => log('ok end cb', err ? err.code : 'null'));

const bad = sink('bad', { failAt: 1 });
bad.write(bytes(2), (err) => log('bad write cb', err ? err.code : 'null'));
bad.end((err) => log('bad end cb', err ? err.code : 'null'));
