// lib.js — the trace helpers every parity scenario shares.  The C side
// (parity.h) prints exactly the same lines, so the two traces can be
// diffed.  Keep the two files in step.
'use strict';
const { Readable, Writable, Transform } = require('stream');

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

function error(code, message) {
  const e = new Error(message);
  e.code = code;
  return e;
}

// An asynchronous producer: each _read pushes `size` bytes on an
// immediate, `count` times, then EOF.  With failAt, that read destroys the
// source with EIO instead.  src.made counts the reads.
function source(name, { count = Infinity, size = 3, highWaterMark, failAt } = {}) {
  const src = new Readable({
    highWaterMark,
    read() {
      src.made++;
      if (src.made === failAt) {
        setImmediate(() => src.destroy(error('EIO', 'disk on fire')));
        return;
      }
      setImmediate(() => src.push(src.made <= count ? bytes(size) : null));
    },
  });
  src.made = 0;
  return watch(src, name);
}

// An asynchronous consumer: logs "NAME _write SIZE" and completes each
// write on an immediate; the failAt-th write fails with EPIPE.
function sink(name, { highWaterMark, failAt } = {}) {
  let writes = 0;
  return watch(new Writable({
    highWaterMark,
    write(chunk, enc, cb) {
      writes++;
      log(name, '_write', chunk.length);
      if (writes === failAt) setImmediate(() => cb(error('EPIPE', 'broken pipe')));
      else setImmediate(cb);
    },
  }), name);
}

// A transform passing every chunk through.
function pass(name) {
  return watch(new Transform({
    transform(chunk, enc, cb) { cb(null, chunk); },
  }), name);
}

module.exports = { log, watch, bytes, error, source, sink, pass };
