// child_send_after_disconnect — send() after disconnect(): false, then the
// callback gets ERR_IPC_CHANNEL_CLOSED (after 'disconnect', queued first).
'use strict';
const { fork } = require('child_process');
const path = require('path');
const { log, watchChild, childDir } = require('./child_lib');
const c = watchChild(fork(path.join(childDir, 'ipc.js'), ['sink', '0']), { close: false });
c.on('disconnect', () => log('child disconnect'));
c.disconnect();
log('send', c.send({ x: 1 }, (err) => log('send callback', err.code, JSON.stringify(err.message))));
log('connected', c.connected);
