// child_execfile_enoent — execFile() of a missing program.
'use strict';
const { execFile } = require('child_process');
const { log } = require('./child_lib');
execFile('nodelab-no-such-program', ['a b'], (err) => {
  log('execFile', err.code, JSON.stringify(err.message), JSON.stringify(err.cmd));
});
