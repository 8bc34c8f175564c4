// child_exec_timeout — exec() with a timeout: killed with SIGTERM, no code.
'use strict';
const { exec } = require('child_process');
const { log, v } = require('./child_lib');
exec('exec sleep 5', { timeout: 100 }, (err) => {
  log('exec', v(err.code), err.killed, v(err.signal), JSON.stringify(err.message));
});
