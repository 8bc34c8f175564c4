// cluster_listen_two — two workers listen on one port (0: the primary
// picks a free one, once, for both): fork, online, listening; then
// cluster.disconnect() ends both, exitedAfterDisconnect true.
'use strict';
const cluster = require('cluster');
const http = require('http');
const { log, watch } = require('./cluster_lib');
if (cluster.isPrimary) {
  const ports = [];
  cluster.on('listening', (w, a) => {
    ports.push(a.port);
    if (ports.length < 2) return;
    log('primary', 'same port', ports[0] === ports[1]);
    cluster.disconnect(() => log('primary', 'all disconnected', Object.keys(cluster.workers).length));
  });
  watch(cluster.fork());
  watch(cluster.fork());
} else {
  http.createServer((req, res) => res.end(`${process.pid}\n`)).listen(0, '127.0.0.1');
}
