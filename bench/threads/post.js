// post.js — node's side of bench/threads.sh, "post": the main thread posts
// N messages of SIZE bytes to a worker, copied (a Uint8Array, structured
// clone) or transferred (a fresh ArrayBuffer each, in the transfer list);
// the worker acknowledges every 16, at most 64 are unacknowledged.
// Prints ms from the worker's 'online' to the last acknowledgement.
//   node post.js SIZE N copy|transfer
'use strict';
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');
const ACK_EVERY = 16, WINDOW = 64;

if (isMainThread) {
  const size = Number(process.argv[2]), n = Number(process.argv[3]), mode = process.argv[4];
  const w = new Worker(__filename, { workerData: { n } });
  const copy = new Uint8Array(size).fill(120);
  let sent = 0, acked = 0, t0 = 0n;
  const pump = () => {
    while (sent < n && sent - acked * ACK_EVERY < WINDOW) {
      if (mode === 'transfer') {
        const ab = new ArrayBuffer(size);
        w.postMessage(ab, [ab]);
      } else {
        w.postMessage(copy);
      }
      sent++;
    }
  };
  w.on('online', () => { t0 = process.hrtime.bigint(); pump(); });
  w.on('message', () => {
    if (++acked * ACK_EVERY >= n) console.log((Number(process.hrtime.bigint() - t0) / 1e6).toFixed(3));
    else pump();
  });
} else {
  let received = 0;
  parentPort.on('message', () => {
    if (++received % ACK_EVERY === 0) parentPort.postMessage(received);
    if (received === workerData.n) parentPort.close();
  });
}
