// child_pipeline_jam — producer → gzip → gzip -d → counter, the counter
// holding its first chunk: the jam travels upstream one process at a time.
// When the producer first pauses, both relays are paused already, the one
// nearer the counter first.  Then the counter lets go and every byte
// arrives.  (The C twin is what together.pipeline is built on.)
'use strict';
const { spawn } = require('child_process');
const { Readable, Writable } = require('stream');
const { log } = require('./child_lib');
const opts = { stdio: ['pipe', 'pipe', 'inherit'] };
const gz = spawn('gzip', ['-c', '-1'], opts);
const gunzip = spawn('gzip', ['-d', '-c'], opts);
const CHUNK = 8192, MAX = 8 << 20;
let made = 0, counted = 0, seq = 0, stopAt = MAX, released = false, held = null;
const since = {};
function text(n) {                       // the same bytes as the C side
  let s = '';
  while (s.length < n) s += `${made + s.length},row,${(made + s.length) % 977}\n`;
  return s.slice(0, n);
}
const producer = new Readable({
  read() {
    setTimeout(() => {                   // about 1 MiB/s: gzip keeps up
      if (made >= stopAt) { this.push(null); return; }
      const s = text(CHUNK);
      made += s.length;
      this.push(s);
    }, 8);
  },
});
const counter = new Writable({
  write(chunk, enc, cb) {
    counted += chunk.length;
    if (released) cb(); else held = cb;
  },
});
function watch(name, s) {
  s.on('pause', () => { if (!s.readableEnded && made < stopAt) since[name] = ++seq; });
  s.on('resume', () => { delete since[name]; });
}
watch('gzip.stdout', gz.stdout);
watch('gunzip.stdout', gunzip.stdout);
producer.on('pause', () => {
  if (released || made >= stopAt) return;
  const a = since['gunzip.stdout'], b = since['gzip.stdout'];
  log('producer paused; relays paused', a !== undefined && b !== undefined, '; nearest first', a < b);
  released = true;
  stopAt = made + 64 * 1024;
  held();
});
counter.on('finish', () => log('finish; every byte', counted === made));
producer.pipe(gz.stdin);
gz.stdout.pipe(gunzip.stdin);
gunzip.stdout.pipe(counter);
