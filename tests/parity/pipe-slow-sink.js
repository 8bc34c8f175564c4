// pipe() into a slow sink: source mark 4, sink mark 8, 4-byte chunks,
// each write taking 1 ms.  write() returns false at length 8, the source
// pauses, the sink drains (length 0), the source resumes; at the end the
// source ends and closes, then the sink finishes and closes.
'use strict';
const { Readable, Writable } = require('stream');
const { log, watch, bytes } = require('./lib');

let made = 0;
const src = watch(new Readable({
  highWaterMark: 4,
  read() {
    if (made === 6) {
      log('src push EOF');
      this.push(null);
      return;
    }
    made++;
    const ret = this.push(bytes(4));
    log('src push', made, '->', ret, 'len=' + this.readableLength);
  },
}), 'src');

const dst = watch(new Writable({
  highWaterMark: 8,
  write(chunk, enc, cb) {
    log('dst _write', chunk.length, 'len=' + this.writableLength);
    setTimeout(cb, 1);
  },
}), 'dst');

src.pipe(dst);
log('piped: flowing=' + src.readableFlowing);
