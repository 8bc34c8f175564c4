// cluster_message — a message round trip: the primary sends, the worker
// answers with its id (NODE_UNIQUE_ID) and that it is a worker; the
// 'message' event fires on the worker object and on the cluster.
'use strict';
const cluster = require('cluster');
const { log, watch } = require('./cluster_lib');
if (cluster.isPrimary) {
  const w = watch(cluster.fork());
  cluster.on('message', (worker, m) => {
    log('w' + worker.id, 'cluster message', m.n);
    worker.disconnect();
  });
  w.on('online', () => log('w1', 'send', w.send({ cmd: 'ping', n: 1 })));
} else {
  process.on('message', (m) => {
    process.send({ cmd: 'pong', n: m.n + 1, id: cluster.worker.id,
                   isWorker: cluster.isWorker, isPrimary: cluster.isPrimary });
  });
}
