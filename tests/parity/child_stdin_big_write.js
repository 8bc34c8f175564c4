// child_stdin_big_write — node v20's write() looks at the buffer after it
// handed the chunk on: 64 KiB, four times child.stdin's mark, goes into
// the socketpair at once and write() says true; 1 MiB does not fit (the
// child reads nothing), the rest waits in the stream and write() says
// false.  (together.pipeline's relays rely on this: a chunk the pipe takes
// at once costs no pause.)
'use strict';
const { spawn } = require('child_process');
const { log, v } = require('./child_lib');
const c = spawn('sleep', ['30'], { stdio: ['pipe', 'ignore', 'inherit'] });
c.stdin.on('error', () => {});        // EPIPE once it is killed: not the point
log('mark', c.stdin.writableHighWaterMark);
log('write 64 KiB', c.stdin.write(Buffer.alloc(64 * 1024, 'a')), 'buffered', c.stdin.writableLength);
log('write 1 MiB', c.stdin.write(Buffer.alloc(1 << 20, 'b')), 'buffered', c.stdin.writableLength > 0);
c.on('close', (code, sig) => log('close', v(code), v(sig)));
c.kill();
