// child_unhandled_error — a parent with no 'error' listener spawns a
// program that does not exist: the unhandled 'error' crashes that parent
// (exit status 1, "Unhandled 'error' event" and the error on stderr).  Its
// own parent watches it die.
'use strict';
const { spawn } = require('child_process');
const path = require('path');
const { log, v, childDir } = require('./child_lib');
const c = spawn(process.execPath, [path.join(childDir, 'unhandled.js')]);
let out = '';
let err = '';
c.stdout.on('data', (d) => { out += d; });
c.stderr.on('data', (d) => { err += d; });
c.on('close', (code, sig) => {
  log('parent stdout', JSON.stringify(out));
  log('parent close', v(code), v(sig));
  log('unhandled', err.includes("throw er; // Unhandled 'error' event"));
  for (const line of err.split('\n')) {
    if (/^(Error: |Emitted 'error' event on |  code: )/.test(line)) {
      log('stderr', line.replace(/ (at:|{)$/, '').replace(/,$/, ''));
    }
  }
});
