// cluster_upload_cut — together.uploads' rule, on node: a worker pipes
// each PUT body into a partial file and renames it on the file's 'finish'.
// The first client sends 64 KiB of a 128 KiB body and hangs up: the body
// fails (ECONNRESET, "aborted") and closes, the worker destroys the file
// stream and removes the partial file once the file's 'close' has come.
// A second, whole upload is answered 201 and its file kept.  (The C
// demo: lab/demos/together_uploads_worker.c; its twin here is in
// ../cluster_parity.c.)
'use strict';
const cluster = require('cluster');
const fs = require('fs');
const http = require('http');
const os = require('os');
const path = require('path');
const { log, watch } = require('./cluster_lib');

if (cluster.isPrimary) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upload-cut-'));
  const w = watch(cluster.fork({ UPLOAD_DIR: dir }));
  let port, cut;
  const whole = () => {
    const req = http.request({ host: '127.0.0.1', port, method: 'PUT', path: '/upload/b',
                               headers: { 'content-length': 65536 }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => {
        log('client', 'whole', res.statusCode, body.trim());
        log('client', 'files', JSON.stringify(fs.readdirSync(dir)));
        fs.rmSync(dir, { recursive: true });
        w.disconnect();
      });
    });
    req.end(Buffer.alloc(65536, 'b'));
  };
  w.on('listening', (a) => {
    port = a.port;
    cut = http.request({ host: '127.0.0.1', port, method: 'PUT', path: '/upload/a',
                         headers: { 'content-length': 131072 }, agent: false });
    // node reports its own hang-up as an error (ECONNRESET); the C client
    // does not report a close it asked for: not traced.
    cut.on('error', () => {});
    cut.write(Buffer.alloc(65536, 'a'));
  });
  w.on('message', (m) => {
    if (m.data) cut.destroy();           // the worker has bytes: hang up
    if (m.gone) whole();                 // the partial file is gone
  });
} else {
  const dir = process.env.UPLOAD_DIR;
  http.createServer((req, res) => {
    const name = req.url.slice('/upload/'.length);
    const part = path.join(dir, '.' + name + '.part');
    const file = fs.createWriteStream(part);
    let told = false, kept = false;
    req.on('data', () => { if (!told) { told = true; process.send({ data: name }); } });
    req.on('error', (e) => {
      process.send({ body: 'error', code: e.code, message: e.message });
      file.destroy();
    });
    req.on('close', () => process.send({ body: 'close', complete: req.complete }));
    file.on('error', () => {});          // a write cut short by destroy()
    file.on('finish', () => {
      fs.renameSync(part, path.join(dir, name));
      kept = true;
      res.statusCode = 201;
      res.end(name + '\n');
    });
    file.on('close', () => {
      if (!kept) {
        fs.unlinkSync(part);
        process.send({ file: 'close', gone: !fs.existsSync(part) });
      }
    });
    req.pipe(file);
  }).listen(0, '127.0.0.1');
}
