// child_kill — kill() right after 'spawn': exit and close carry the
// signal, not a code.
'use strict';
const { spawn } = require('child_process');
const { log, watchChild } = require('./child_lib');
const c = watchChild(spawn('sleep', ['5']));
c.on('spawn', () => log('kill', c.kill()));
c.on('close', () => log('killed', c.killed));
