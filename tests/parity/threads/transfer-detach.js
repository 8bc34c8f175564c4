// transfer-detach — postMessage copies; a transfer list moves the buffer
// and leaves the sender's ArrayBuffer detached (byteLength 0).  A detached
// buffer can be transferred again (an empty one arrives) but not cloned.
'use strict';
const { Worker, isMainThread, parentPort } = require('worker_threads');
if (isMainThread) {
  const w = new Worker(__filename);
  const copied = new ArrayBuffer(4);
  new Uint8Array(copied).fill(1);
  const moved = new ArrayBuffer(8);
  new Uint8Array(moved).fill(7);
  w.postMessage(copied);
  console.log('after copy', copied.byteLength);
  w.postMessage(moved, [moved]);
  console.log('after transfer', moved.byteLength);
  w.postMessage(moved, [moved]);
  console.log('transfer again', moved.byteLength);
  try {
    w.postMessage(moved);
  } catch (e) {
    console.log('clone detached', e.name, e.message);
  }
  w.on('message', (m) => console.log('worker got', m));
  w.on('exit', (code) => console.log('exit', code));
} else {
  let n = 0;
  parentPort.on('message', (buf) => {
    parentPort.postMessage(`${buf.byteLength} bytes, first ${new Uint8Array(buf)[0]}`);
    if (++n === 3) parentPort.close();
  });
}
