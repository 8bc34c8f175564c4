// ipc.js — node's side of the IPC benchmarks.
//   node ipc.js pingpong N   N round trips with a forked echo child
//   node ipc.js oneway N     N messages to a counting child, then {done}
// Prints total ms.  The child is this same file with argv[2] = "child-*".
'use strict';
const { fork } = require('child_process');
const [mode, arg] = process.argv.slice(2);
if (mode === 'child-pong') {
  process.on('message', (m) => process.send(m));
} else if (mode === 'child-sink') {
  let count = 0;
  process.on('message', (m) => { if (m.done) process.send({ count }); else count++; });
} else {
  const n = Number(arg);
  const c = fork(__filename, [mode === 'pingpong' ? 'child-pong' : 'child-sink']);
  const t0 = process.hrtime.bigint();
  const finish = () => {
    console.log((Number(process.hrtime.bigint() - t0) / 1e6).toFixed(3));
    c.disconnect();
  };
  if (mode === 'pingpong') {
    let done = 0;
    c.on('message', () => { if (++done === n) finish(); else c.send({ n: done }); });
    c.send({ n: 0 });
  } else {
    c.on('message', (m) => { if (m.count !== n) throw new Error('lost messages: ' + m.count); finish(); });
    for (let i = 0; i < n; i++) c.send({ n: i });
    c.send({ done: true });
  }
}
