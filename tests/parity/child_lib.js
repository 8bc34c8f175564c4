// child_lib.js — helpers shared by the child_process parity scenarios.
// The C side (child_parity.c) prints the same lines.
'use strict';
const path = require('path');

function log(...parts) {
  console.log(parts.join(' '));
}

// "null" for null/undefined, as the C side prints a missing value.
function v(x) {
  return x === undefined || x === null ? 'null' : String(x);
}

// Logs a child's process-level events: spawn, error, exit, close.  Output
// is collected and shown at 'close' (chunking varies, content does not).
// { close: false } leaves 'close' out: after the *parent* calls
// disconnect(), node v20 never emits it (nodejs/node#19433); the C runtime
// does, and that difference is not what these traces are about.
function watchChild(c, { close = true } = {}) {
  const label = 'child';
  let out = '';
  if (c.stdout) c.stdout.on('data', (d) => { out += d; });
  c.on('spawn', () => log(label, 'spawn'));
  c.on('error', (e) => log(label, 'error', e.code, e.message));
  c.on('exit', (code, sig) => log(label, 'exit', v(code), v(sig)));
  if (close) {
    c.on('close', (code, sig) => {
      if (out) log(label, 'stdout', JSON.stringify(out));
      log(label, 'close', v(code), v(sig));
    });
  }
  return c;
}

// Where the IPC children live.
const childDir = path.join(__dirname, 'child');

module.exports = { log, v, watchChild, childDir };
