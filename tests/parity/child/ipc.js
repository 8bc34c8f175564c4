// ipc.js — the node twins of the other IPC children of `nodelab __child`:
//   early-close MS   disconnect at once, live MS more
//   burst N 1        send N messages, exit when every send callback ran
//   sink NAP_MS      block NAP_MS first (nobody reads the channel), then
//                    count messages; on {done:true} reply {count}
'use strict';
const [mode, a, b] = process.argv.slice(2);
if (mode === 'early-close') {
  process.disconnect();
  setTimeout(() => {}, Number(a));
} else if (mode === 'burst') {
  let left = Number(a);
  for (let i = 0; i < Number(a); i++) {
    process.send({ i }, () => { if (--left === 0) process.exit(0); });
  }
} else if (mode === 'sink') {
  const until = Date.now() + Number(a);
  while (Date.now() < until) { /* the loop is blocked: nothing is read */ }
  let count = 0;
  process.on('message', (m) => {
    if (m.done) process.send({ count });
    else count++;
  });
}
