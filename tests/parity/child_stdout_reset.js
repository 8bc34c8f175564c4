// child_stdout_reset — a child is blocked writing to its stdout because
// nobody reads it; the parent destroys stdout with those bytes unread.
// Over a socketpair (what libuv gives a child) the blocked write fails
// with ECONNRESET: head says so and exits 1.  Over a pipe it would fail
// with EPIPE, and SIGPIPE would kill head.  "Blocked" is read from /proc
// (the child sleeps in the kernel), checked every 10 ms.
'use strict';
const { spawn } = require('child_process');
const fs = require('fs');
const { log, v } = require('./child_lib');

function blocked(pid) {
  const state = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1][0];
  const wchan = fs.readFileSync(`/proc/${pid}/wchan`, 'utf8');
  return state === 'S' && wchan !== '0' && wchan !== '';
}

const c = spawn('head', ['-c', '16777216', '/dev/zero']);
let err = '';
c.stderr.on('data', (d) => { err += d; });
c.on('spawn', () => log('child spawn'));
c.on('exit', (code, sig) => log('child exit', v(code), v(sig)));
c.on('close', (code, sig) => {
  log('child stderr', JSON.stringify(err));
  log('child close', v(code), v(sig));
});
let polls = 0;
const timer = setInterval(() => {
  if (!blocked(c.pid) && ++polls < 1000) return;
  clearInterval(timer);
  log('child blocked writing', polls < 1000);
  log('destroy stdout');
  c.stdout.destroy();
}, 10);
