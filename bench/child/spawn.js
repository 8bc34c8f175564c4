// spawn.js — node's side of the spawn benchmark: spawn /bin/true N times,
// K at a time (default 1: one after the other), each waited for
// ('close'); prints total ms.
'use strict';
const { spawn } = require('child_process');
const n = Number(process.argv[2]);
const k = Number(process.argv[3] || 1);
let started = 0, done = 0;
const t0 = process.hrtime.bigint();
function more() {
  while (started < n && started - done < k) {
    started++;
    spawn('/bin/true').on('close', (code) => {
      if (code !== 0) throw new Error('/bin/true exited ' + code);
      if (++done === n) console.log((Number(process.hrtime.bigint() - t0) / 1e6).toFixed(3));
      else more();
    });
  }
}
more();
