// child_fork_worker — fork() a worker: its 'online' message, a request and
// its answer, then disconnect, exit and close.
'use strict';
const { fork } = require('child_process');
const path = require('path');
const { log, watchChild, childDir } = require('./child_lib');
const c = watchChild(fork(path.join(childDir, 'worker.js')), { close: false });
c.on('disconnect', () => log('child disconnect'));
c.on('message', (m) => {
  if (m.cmd === 'online') {
    log('message online');
    log('send', c.send({ cmd: 'sum', id: 1, from: 1, to: 101 }));
  } else {
    log('message id', m.id, 'sum', m.sum);
    c.disconnect();
  }
});
