// message-order — worker A posts 1..100 to worker B over a MessageChannel
// of their own; B checks the order and reports to the parent.  Each worker
// also posts three messages to the parent.  The parent prints each
// worker's events at the end, A's then B's (the two threads interleave
// differently every run; within one worker the order is fixed).
'use strict';
const { Worker, isMainThread, parentPort, workerData, MessageChannel } = require('worker_threads');
if (isMainThread) {
  const { port1, port2 } = new MessageChannel();
  const lines = { A: [], B: [] };
  let exited = 0;
  for (const [name, port] of [['A', port1], ['B', port2]]) {
    const w = new Worker(__filename, { workerData: { name, port }, transferList: [port] });
    w.on('online', () => lines[name].push(`${name} online`));
    w.on('message', (m) => lines[name].push(`${name} message ${m}`));
    w.on('exit', (code) => {
      lines[name].push(`${name} exit ${code}`);
      if (++exited === 2) for (const l of [...lines.A, ...lines.B]) console.log(l);
    });
  }
} else {
  const { name, port } = workerData;
  for (let i = 1; i <= 3; i++) parentPort.postMessage(`${name}${i}`);
  if (name === 'A') {
    for (let i = 1; i <= 100; i++) port.postMessage(i);
    port.close();
  } else {
    let count = 0, sum = 0, last = 0, ordered = true;
    port.on('message', (v) => { ordered = ordered && v === last + 1; last = v; count++; sum += v; });
    port.on('close', () => parentPort.postMessage(`got ${count} sum ${sum} ordered ${ordered}`));
  }
}
