// server.js — node's side of bench/cluster.sh: the same tiny answer as
// `nodelab demo cluster.http` (GET / -> a line naming the worker's PID,
// in the body and an X-Worker-Pid header), served by WORKERS processes
// through node's cluster module (rr, its Linux default), or by this one
// process when WORKERS=0.  Prints "listening PORT" once every worker
// listens; SIGTERM stops it.
'use strict';
const cluster = require('node:cluster');
const http = require('node:http');

const workers = Number(process.env.WORKERS || 0);
const port = Number(process.env.PORT || 0);

function serve(onListening) {
  const pid = String(process.pid);
  const server = http.createServer((req, res) => {
    const body = req.url === '/' ? `hello from worker ${cluster.worker ? cluster.worker.id : 0}, pid ${pid}\n`
                                 : `not found (pid ${pid})\n`;
    res.writeHead(req.url === '/' ? 200 : 404,
                  { 'X-Worker-Pid': pid, 'Content-Type': 'text/plain' });
    res.end(body);
  });
  server.listen(port, '127.0.0.1', () => onListening(server.address().port));
}

if (workers === 0) {
  serve((p) => console.log(`listening ${p}`));
  process.on('SIGTERM', () => process.exit(0));
} else if (cluster.isPrimary) {
  let up = 0;
  for (let i = 0; i < workers; i++) cluster.fork();
  cluster.on('listening', (w, address) => {
    if (++up === workers) console.log(`listening ${address.port}`);
  });
  process.on('SIGTERM', () => {
    for (const id in cluster.workers) cluster.workers[id].kill();
    process.exit(0);
  });
} else {
  serve(() => {});
}
