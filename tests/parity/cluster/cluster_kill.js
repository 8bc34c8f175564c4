// cluster_kill — kill('SIGKILL') a listening worker: its channel closes
// (disconnect), then it exits with the signal; exitedAfterDisconnect false.
'use strict';
const cluster = require('cluster');
const http = require('http');
const { watch } = require('./cluster_lib');
if (cluster.isPrimary) {
  const w = watch(cluster.fork());
  w.on('listening', () => w.kill('SIGKILL'));
} else {
  http.createServer((req, res) => res.end('x')).listen(0, '127.0.0.1');
}
