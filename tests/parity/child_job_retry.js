// child_job_retry — the rule of together.jobs' pool (lab/demos/jobpool.c),
// in node: a job whose child dies is sent once more, to a new child; a child
// that does not answer is killed (SIGKILL) at a timeout, and its job gets
// one more try too; a second failure is final.  The pool decides at
// 'close', which comes after every message the child sent.
'use strict';
const { fork } = require('child_process');
const path = require('path');
const { log, v, childDir } = require('./child_lib');
// Job 1 aborts its first child and succeeds on the second; job 2 hangs both.
const jobs = [{ id: 1, first: 'abort', then: 'sum' }, { id: 2, first: 'hang', then: 'hang' }];
let children = 0, next = 0;
function run(job, attempt) {
  const n = ++children;
  const c = fork(path.join(childDir, 'worker.js'));
  let timer = null, answered = false;
  c.on('message', (m) => {
    if (m.cmd === 'online') {
      const cmd = attempt === 1 ? job.first : job.then;
      log('job', job.id, 'attempt', attempt, 'on child', n, cmd);
      c.send({ cmd, id: job.id, from: 1, to: 101 });
      timer = setTimeout(() => {
        log('job', job.id, 'timeout: kill child', n);
        c.kill('SIGKILL');
      }, 300);
      return;
    }
    clearTimeout(timer);
    answered = true;
    log('job', job.id, 'done sum', m.sum);
    c.kill('SIGKILL');
  });
  c.on('close', (code, sig) => {
    clearTimeout(timer);
    log('child', n, 'close', v(code), v(sig));
    if (answered) return start();
    if (attempt < 2) {
      log('job', job.id, 'retry');
      run(job, attempt + 1);
    } else {
      log('job', job.id, 'failed');
      start();
    }
  });
}
function start() { if (next < jobs.length) run(jobs[next++], 1); }
start();
