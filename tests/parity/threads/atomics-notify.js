// atomics-notify — two workers sleep in Atomics.wait on one cell; the main
// thread wakes one (notify count 1), then the rest (no count: all).  A
// notify before a worker is asleep wakes nobody, so the main thread
// notifies until the total is right; the total is what is exact.  Each
// worker reports what its wait returned.
'use strict';
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');
if (isMainThread) {
  const a = new Int32Array(new SharedArrayBuffer(8));
  const results = [];
  let exited = 0;
  for (const name of ['w1', 'w2']) {
    const w = new Worker(__filename, { workerData: { sab: a.buffer, name } });
    w.on('message', (m) => results.push(m));
    w.on('exit', (code) => {
      results.push(`${name} exit ${code}`);
      if (++exited === 2) for (const r of results.sort()) console.log(r);
    });
  }
  while (Atomics.load(a, 1) < 2);               // both are about to wait
  let woken = 0;
  while (woken < 1) woken += Atomics.notify(a, 0, 1);
  console.log('notify 1 woke', woken);
  woken = 0;
  while (woken < 1) woken += Atomics.notify(a, 0);
  console.log('notify all woke', woken);
  console.log('notify again woke', Atomics.notify(a, 0));
} else {
  const a = new Int32Array(workerData.sab);
  Atomics.add(a, 1, 1);
  parentPort.postMessage(`${workerData.name} wait ${Atomics.wait(a, 0, 0)}`);
}
