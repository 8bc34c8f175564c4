// child_early_close — the child closes its channel at once and lives on:
// the parent sees 'disconnect' (not a hang), later exit and close.
'use strict';
const { fork } = require('child_process');
const path = require('path');
const { log, watchChild, childDir } = require('./child_lib');
const c = watchChild(fork(path.join(childDir, 'ipc.js'), ['early-close', '300']));
c.on('disconnect', () => log('child disconnect', 'exited:', c.exitCode !== null));
