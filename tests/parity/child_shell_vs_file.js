// child_shell_vs_file — the same hostile text through the shell (it runs
// a second command) and through execFile (one literal argument).
'use strict';
const { exec, execFile } = require('child_process');
const { log } = require('./child_lib');
exec('echo hello; echo pwned', (err, out) => {
  log('exec', JSON.stringify(out));
  execFile('echo', ['hello; echo pwned'], (err2, out2) => {
    log('execFile', JSON.stringify(out2));
    execFile('echo', ['$HOME', '*'], (err3, out3) => log('execFile', JSON.stringify(out3)));
  });
});
