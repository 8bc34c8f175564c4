// child_exec_failed — a non-zero exit: "Command failed", the code, stderr.
'use strict';
const { exec } = require('child_process');
const { log, v } = require('./child_lib');
exec('echo err >&2; exit 4', (err, stdout, stderr) => {
  log('exec', v(err.code), err.killed, v(err.signal), JSON.stringify(err.message),
      JSON.stringify(stderr));
});
