// child_burst — the child sends 2000 messages and exits once every send
// callback has run: all 2000 arrive.
'use strict';
const { fork } = require('child_process');
const path = require('path');
const { log, watchChild, childDir } = require('./child_lib');
let n = 0;
const c = watchChild(fork(path.join(childDir, 'ipc.js'), ['burst', '2000']));
c.on('message', () => n++);
c.on('close', () => log('received', n));
