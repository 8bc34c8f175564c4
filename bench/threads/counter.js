// counter.js — node's side of bench/threads.sh, "counter": 2 workers each
// Atomics.add 1 to one Int32Array cell of a SharedArrayBuffer N times.
// Prints ms from the start signal (Atomics.notify) to both workers' end.
//   node counter.js N
'use strict';
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');

if (isMainThread) {
  const n = Number(process.argv[2]);
  const sab = new SharedArrayBuffer(8);
  const ia = new Int32Array(sab);           // [0] the counter, [1] the start signal
  let ready = 0, done = 0, t0 = 0n;
  for (let i = 0; i < 2; i++) {
    const w = new Worker(__filename, { workerData: { sab, n } });
    w.on('message', (m) => {
      if (m === 'ready' && ++ready === 2) {
        t0 = process.hrtime.bigint();
        Atomics.store(ia, 1, 1);
        Atomics.notify(ia, 1);
      } else if (m === 'done' && ++done === 2) {
        const ms = Number(process.hrtime.bigint() - t0) / 1e6;
        if (ia[0] !== 2 * n) { console.error(`counted ${ia[0]}, wanted ${2 * n}`); process.exit(1); }
        console.log(ms.toFixed(3));
      }
    });
  }
} else {
  const ia = new Int32Array(workerData.sab);
  parentPort.postMessage('ready');
  Atomics.wait(ia, 1, 0);                    // until the start signal
  for (let i = 0; i < workerData.n; i++) Atomics.add(ia, 0, 1);
  parentPort.postMessage('done');
}
