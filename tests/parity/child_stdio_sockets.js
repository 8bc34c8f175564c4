// child_stdio_sockets — a child's piped stdin, stdout and stderr are
// sockets (libuv makes a socketpair for each), not pipes: /proc says so.
'use strict';
const { spawn } = require('child_process');
const { watchChild } = require('./child_lib');
const script = 'for f in 0 1 2; do l=$(readlink /proc/$$/fd/$f); echo "fd $f ${l%%:*}"; done';
const c = watchChild(spawn('sh', ['-c', script]));
c.stdin.end();
