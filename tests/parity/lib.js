// lib.js — the trace helpers every parity scenario shares.  The C side
// (parity.h) prints exactly the same lines, so the two traces can be
// diffed.  Keep the two files in step.
'use strict';

function log(...parts) {
  console.log(parts.join(' '));
}

// The events watch() listens to, in this order.  No 'data' and no
// 'readable': those listeners change how a stream behaves.
const EVENTS = ['pipe', 'unpipe', 'pause', 'resume', 'drain', 'prefinish',
  'finish', 'end', 'close', 'error'];

function detail(ev, arg) {
  if (ev === 'error') return ' ' + arg.code;
  if (ev === 'pipe' || ev === 'unpipe') return ' ' + arg.label;
  return '';
}

// Logs every lifecycle event of s as "NAME EVENT [detail]".
function watch(s, name) {
  s.label = name;
  for (const ev of EVENTS) s.on(ev, (arg) => log(name, ev + detail(ev, arg)));
  return s;
}

// A chunk of n bytes, all of them `c`.
function bytes(n, c = 'x') {
  return Buffer.alloc(n, c);
}

module.exports = { log, watch, bytes };
