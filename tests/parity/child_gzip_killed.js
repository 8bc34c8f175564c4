// child_gzip_killed — one upload of together.system in miniature: a body
// piped into a `gzip -c` child, the child's stdout piped into a file-like
// Writable, and the child killed (SIGKILL) half-way.  The Writable still
// gets 'finish': a killed child closes its stdout like one that finished,
// and pipe() ends the destination either way.  So "the file finished" says
// nothing about whether the file is whole; only the child's exit does.
// A write to the dead child's stdin fails with EPIPE (an 'error' on stdin),
// never a SIGPIPE that would kill the parent; pipe() then stops the body.
'use strict';
const { spawn } = require('child_process');
const { Readable, Writable } = require('stream');
const { log, v } = require('./child_lib');
const gz = spawn('gzip', ['-c', '-1'], { stdio: ['pipe', 'pipe', 'inherit'] });
const CHUNK = 65536, KILL_AT = 1 << 20, MAX = 8 << 20;
let made = 0, out = 0, killed = false, finished = false;
const body = new Readable({
  read() {
    setTimeout(() => {
      if (made >= MAX) { this.push(null); return; }
      made += CHUNK;
      this.push(Buffer.alloc(CHUNK, made % 251));
      if (made >= KILL_AT && !killed) { killed = true; gz.kill('SIGKILL'); }
    }, 1);
  },
});
const file = new Writable({ write(chunk, enc, cb) { out += chunk.length; cb(); } });
// A no-op listener: whether a write reaches the dead child first (EPIPE)
// or the child's exit destroys stdin first is a race, and not the point.
gz.stdin.on('error', () => {});
file.on('finish', () => { finished = true; });
gz.on('close', (code, sig) => {
  log('close', v(code), v(sig));
  log('file finished anyway', finished);
  log('body stopped before its end', made < MAX);
});
body.pipe(gz.stdin);
gz.stdout.pipe(file);
