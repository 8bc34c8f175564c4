// cluster_lib.js — helpers shared by the cluster parity scenarios (the C
// twins are in ../cluster_parity.c and print the same lines).
//
// Workers run at the same time, so the order of two workers' events is
// up to the scheduler, in node as in C.  The trace therefore keeps each
// line in a group — "w1", "w2" for a worker's events, "client" for the
// requests the primary makes — and prints the groups one after the other
// (sorted by name) when the primary exits: the order *within* a group is
// compared, the interleaving of groups is not.
'use strict';
const http = require('http');

const groups = new Map();
function log(group, ...parts) {
  if (!groups.has(group)) groups.set(group, []);
  groups.get(group).push(parts.join(' '));
}
process.on('exit', () => {
  if (!require('cluster').isPrimary) return;
  for (const g of [...groups.keys()].sort())
    for (const line of groups.get(g)) console.log(g + ' ' + line);
});

function v(x) {
  return x === undefined || x === null ? 'null' : String(x);
}

// The worker's state flags, printed after every event.
function flags(w) {
  return `dead=${w.isDead()} connected=${w.isConnected()} after=${v(w.exitedAfterDisconnect)}`;
}

// Logs one worker's lifecycle, as the primary sees it.
function watch(w) {
  const g = 'w' + w.id;
  log(g, 'fork');
  w.on('online', () => log(g, 'online', w.state, flags(w)));
  w.on('listening', (a) =>
    log(g, 'listening', a.address, a.addressType, a.port > 0 ? 'port>0' : 'port=' + a.port, w.state));
  w.on('message', (m) => log(g, 'message', JSON.stringify(m)));
  w.on('disconnect', () => log(g, 'disconnect', w.state, flags(w)));
  w.on('exit', (code, sig) => log(g, 'exit', v(code), v(sig), w.state, flags(w)));
  return w;
}

// One GET / on a new connection; cb(statusCode, body).
function get(port, cb) {
  http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
    let body = '';
    res.setEncoding('utf8');
    res.on('data', (d) => { body += d; });
    res.on('end', () => cb(res.statusCode, body));
  }).on('error', (e) => cb(e.code, ''));
}

module.exports = { log, v, flags, watch, get };
