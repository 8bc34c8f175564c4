// cluster_rr_even — round-robin: 9 requests, one after the other, each on
// a new connection, to 3 workers: the primary hands each connection to
// the next free worker, so each serves 3.
'use strict';
const cluster = require('cluster');
const http = require('http');
const { log, watch, get } = require('./cluster_lib');
if (cluster.isPrimary) {
  log('primary', 'policy', cluster.schedulingPolicy === cluster.SCHED_RR ? 'rr' : 'none');
  const ws = [1, 2, 3].map(() => watch(cluster.fork()));
  const served = new Map();
  let listening = 0;
  cluster.on('listening', (w, a) => {
    if (++listening < 3) return;
    let n = 0;
    const next = () => get(a.port, (status, body) => {
      served.set(body, (served.get(body) || 0) + 1);
      if (++n < 9) return next();
      for (const w of ws) log('w' + w.id, 'served', served.get(`${w.process.pid}\n`) || 0);
      cluster.disconnect();
    });
    next();
  });
} else {
  http.createServer((req, res) => res.end(`${process.pid}\n`)).listen(0, '127.0.0.1');
}
