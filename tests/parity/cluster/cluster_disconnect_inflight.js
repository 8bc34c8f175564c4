// cluster_disconnect_inflight — disconnect() while a request is in
// flight: the worker stops taking connections but finishes the response
// it is writing, then disconnects and exits 0.
'use strict';
const cluster = require('cluster');
const http = require('http');
const { log, watch, get } = require('./cluster_lib');
if (cluster.isPrimary) {
  const w = watch(cluster.fork());
  w.on('listening', (a) => get(a.port, (status, body) => {
    log('client', 'status', status, 'body', JSON.stringify(body));
  }));
  w.on('message', (m) => {
    if (m.got) w.disconnect();           // the request is being served
  });
} else {
  http.createServer((req, res) => {
    process.send({ got: req.url });
    setTimeout(() => res.end('slow answer\n'), 300);
  }).listen(0, '127.0.0.1');
}
