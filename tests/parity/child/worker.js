// worker.js — the node twin of `nodelab __child worker`: says it is
// online, answers {cmd:"sum"} and {cmd:"compute"}, echoes anything else,
// and leaves when the parent disconnects.
'use strict';
process.send({ cmd: 'online', pid: process.pid });
process.on('message', (m) => {
  const out = { id: m.id, pid: process.pid };
  if (m.cmd === 'sum') {
    let sum = 0;
    for (let i = m.from; i < m.to; i++) sum += i;
    out.sum = sum;
  } else if (m.cmd === 'abort') {
    process.abort();
  } else if (m.cmd === 'hang') {
    for (;;) { /* never answers */ }
  } else if (m.cmd === 'exit') {
    process.disconnect();
    return;
  } else {
    out.echo = m;
  }
  process.send(out);
});
