// child_late_output — the shell exits at once, its background job writes
// 200 ms later through the same pipe: 'exit', then the data, then 'close'.
'use strict';
const { spawn } = require('child_process');
const { log, watchChild } = require('./child_lib');
const c = spawn('sh', ['-c', '(sleep 0.2; echo late) & exit 0']);
c.stdout.on('data', (d) => log('data', JSON.stringify(String(d))));
watchChild(c);
