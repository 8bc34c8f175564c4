// child_exit_code — output, then a non-zero exit: spawn, exit 3, close 3.
'use strict';
const { spawn } = require('child_process');
const { watchChild } = require('./child_lib');
watchChild(spawn('sh', ['-c', 'echo a; echo b; sleep 0.1; exit 3']));
