// child_send_false — 2000 messages of ~1 KB to a child that reads nothing
// for 300 ms: send() turns false once 128 KiB wait, and every message still
// arrives (advice, not a drop).
'use strict';
const { fork } = require('child_process');
const path = require('path');
const { log, watchChild, childDir } = require('./child_lib');
const c = watchChild(fork(path.join(childDir, 'ipc.js'), ['sink', '300']), { close: false });
const pad = 'x'.repeat(1000);
let falses = 0;
for (let i = 0; i < 2000; i++) if (!c.send({ pad })) falses++;
log('saw false', falses > 0);
c.send({ done: true });
c.on('message', (m) => { log('child counted', m.count); c.disconnect(); });
