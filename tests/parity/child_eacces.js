// child_eacces — a file that is not executable: 'error' (EACCES), 'close' -13.
'use strict';
const { spawn } = require('child_process');
const { watchChild } = require('./child_lib');
watchChild(spawn('/etc/passwd'));
