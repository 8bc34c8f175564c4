// worker-failures — three workers, one after the other: one throws (an
// uncaught error: 'error', then 'exit' 1), one calls process.exit(3)
// ('exit' 3, no error), one is terminated ('exit' 1).  The parent keeps
// running after each.  The throw comes after the parent's reply, so the
// worker's earlier messages are certainly delivered first.
'use strict';
const { Worker, isMainThread, parentPort, workerData } = require('worker_threads');
if (isMainThread) {
  const kinds = ['throw', 'exit3', 'terminate'];
  const next = () => {
    const kind = kinds.shift();
    if (!kind) return console.log('parent still running');
    const w = new Worker(__filename, { workerData: kind });
    w.on('online', () => {
      console.log(kind, 'online');
      if (kind === 'terminate') w.terminate();
    });
    w.on('message', (m) => {
      console.log(kind, 'message', m);
      if (m === 'b') w.postMessage('go');
    });
    w.on('error', (e) => console.log(kind, 'error', e.message));
    w.on('exit', (code) => {
      console.log(kind, 'exit', code);
      setImmediate(next);
    });
  };
  next();
} else if (workerData === 'throw') {
  parentPort.postMessage('a');
  parentPort.postMessage('b');
  parentPort.on('message', () => { throw new Error('boom'); });
} else if (workerData === 'exit3') {
  parentPort.postMessage('first');
  process.exit(3);
} else {
  parentPort.on('message', () => {});
}
