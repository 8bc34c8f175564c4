// child_exec_maxbuffer — exec() of a command printing 2 MB: the output is
// cut at 1 MiB and the error is ERR_CHILD_PROCESS_STDIO_MAXBUFFER.  That
// error carries neither killed nor signal (only "Command failed" errors
// do); the ChildProcess itself says it was killed, by SIGTERM.  The shell
// then waits in `read` (its stdin stays open), so SIGTERM is what ends it
// however late the kill lands: without it, on a busy machine the shell
// sometimes exited by itself first (head's write failed) and signal was
// null, in node as in the runtime.
'use strict';
const { exec } = require('child_process');
const { log, v } = require('./child_lib');
const c = exec('yes | head -c 2000000; read line', (err, stdout, stderr) => {
  log('exec', err.code, JSON.stringify(err.message), stdout.length, stderr.length,
      JSON.stringify(err.cmd));
  log('err killed', err.killed === true, 'signal', v(err.signal));
  log('child killed', c.killed, 'signal', v(c.signalCode));
});
