// child_exec_maxbuffer — exec() of a command printing 2 MB: the output is
// cut at 1 MiB and the error is ERR_CHILD_PROCESS_STDIO_MAXBUFFER.
'use strict';
const { exec } = require('child_process');
const { log } = require('./child_lib');
exec('yes | head -c 2000000', (err, stdout, stderr) => {
  log('exec', err.code, JSON.stringify(err.message), stdout.length, stderr.length,
      JSON.stringify(err.cmd));
});
