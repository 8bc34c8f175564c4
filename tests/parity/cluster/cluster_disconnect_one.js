// cluster_disconnect_one — worker.disconnect() ends one worker (exit 0,
// exitedAfterDisconnect true) while the other keeps serving; kill() then
// ends the other with SIGTERM (exitedAfterDisconnect false).
'use strict';
const cluster = require('cluster');
const http = require('http');
const { log, watch, get } = require('./cluster_lib');
if (cluster.isPrimary) {
  let listening = 0, port = 0;
  const w1 = watch(cluster.fork());
  const w2 = watch(cluster.fork());
  cluster.on('listening', (w, a) => {
    port = a.port;
    if (++listening === 2) w1.disconnect();
  });
  w1.on('exit', () => get(port, (status, body) => {
    log('client', 'status', status, 'served by w2', body === `${w2.process.pid}\n`);
    w2.kill();
  }));
} else {
  http.createServer((req, res) => res.end(`${process.pid}\n`)).listen(0, '127.0.0.1');
}
