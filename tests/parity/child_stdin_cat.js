// child_stdin_cat — write to the child's stdin, end it: cat echoes it back.
'use strict';
const { spawn } = require('child_process');
const { log, watchChild } = require('./child_lib');
const c = watchChild(spawn('cat'));
log('write', c.stdin.write('hello '));
c.stdin.end('cat');
