// unhandled.js — the node twin of `nodelab __child spawn-missing`: a
// parent that spawns a program that does not exist and listens for 'exit'
// only.  The 'error' nobody listens to is thrown and ends this process
// (status 1) before the exit listener or the timer can run.
'use strict';
const { spawn } = require('child_process');
const c = spawn(process.argv[2] || 'nodelab-no-such-program', ['x']);
c.on('exit', (code, sig) => console.log('exit', code, sig));
console.log('started');
setTimeout(() => console.log('still running'), 100);
