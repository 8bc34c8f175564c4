// cluster_port_in_use — the port is taken: the primary's bind fails and
// the worker's server gets Node's error (EADDRINUSE, "bind EADDRINUSE
// 127.0.0.1:PORT"); this worker reports it and exits 1, never listening.
'use strict';
const cluster = require('cluster');
const http = require('http');
const net = require('net');
const { log, watch } = require('./cluster_lib');
if (cluster.isPrimary) {
  const blocker = net.createServer().listen(0, '127.0.0.1', () => {
    const w = watch(cluster.fork({ PORT: blocker.address().port }));
    w.on('exit', () => blocker.close(() => log('primary', 'blocker closed')));
  });
} else {
  const port = process.env.PORT;
  http.createServer((req, res) => res.end()).listen(+port, '127.0.0.1')
    .on('error', (e) => {
      process.send({ code: e.code, syscall: e.syscall, message: e.message.replace(port, 'PORT') });
      process.exit(1);
    });
}
