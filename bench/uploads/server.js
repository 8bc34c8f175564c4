// server.js — node's side of bench/uploads.sh: what `nodelab demo
// together.uploads` does, written for node.  WORKERS workers (cluster, rr)
// each pipe PUT /upload/NAME into DIR/.NAME.part and rename it on the
// file's 'finish'; the primary sends UPLOADS bodies of SIZE bytes at once
// (random bytes, 64 KiB writes that wait for 'drain'), then reads each
// worker's RSS before the first byte and its peak (VmHWM) from /proc, and
// prints one JSON line: {ok, ms, growth: [bytes per worker]}.
'use strict';
const cluster = require('node:cluster');
const crypto = require('node:crypto');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const workers = Number(process.env.WORKERS || 2);
const uploads = Number(process.env.UPLOADS || 4);
const size = Number(process.env.SIZE || 32 << 20);
const dir = process.env.DIR;

function proc(pid, field) {
  const m = fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(field + ':\\s+(\\d+) kB'));
  return m ? Number(m[1]) * 1024 : 0;
}

if (cluster.isPrimary) {
  const base = new Map();
  let listening = 0, done = 0, ok = 0, t0;
  const piece = crypto.randomBytes(64 * 1024);     // one random block, sent again and again
  const send = (port, i) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path: `/upload/u${i}`,
                               headers: { 'content-length': size }, agent: false }, (res) => {
      res.resume();
      res.on('end', () => {
        ok += res.statusCode === 201;
        if (++done < uploads) return;
        const ms = Date.now() - t0;
        const growth = [];
        for (const w of Object.values(cluster.workers))
          growth.push(proc(w.process.pid, 'VmHWM') - base.get(w.process.pid));
        console.log(JSON.stringify({ ok, ms, growth }));
        cluster.disconnect();
      });
    });
    let left = size;
    const pump = () => {
      while (left > 0) {
        const n = Math.min(left, piece.length);
        left -= n;
        if (!req.write(n === piece.length ? piece : piece.subarray(0, n))) return req.once('drain', pump);
      }
      req.end();
    };
    pump();
  };
  for (let i = 0; i < workers; i++) {
    const w = cluster.fork();
    w.on('listening', (a) => {
      base.set(w.process.pid, proc(w.process.pid, 'VmRSS'));
      if (++listening < workers) return;
      t0 = Date.now();
      for (let j = 1; j <= uploads; j++) send(a.port, j);
    });
  }
} else {
  http.createServer((req, res) => {
    const name = req.url.slice('/upload/'.length);
    const part = path.join(dir, `.${name}.part-${process.pid}`);
    const file = fs.createWriteStream(part);
    req.on('error', () => file.destroy());
    file.on('error', () => {});
    file.on('finish', () => {
      fs.renameSync(part, path.join(dir, name));
      res.statusCode = 201;
      res.end(`${name}\n`);
    });
    file.on('close', () => { if (fs.existsSync(part)) fs.unlinkSync(part); });
    req.pipe(file);
  }).listen(0, '127.0.0.1');
}
