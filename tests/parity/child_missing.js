// child_missing — a program that does not exist: 'error' (ENOENT), no
// 'spawn', no 'exit', no pid, then 'close' with -2.
'use strict';
const { spawn } = require('child_process');
const { log, v, watchChild } = require('./child_lib');
const c = watchChild(spawn('nodelab-no-such-program', ['x']));
log('pid', v(c.pid));
