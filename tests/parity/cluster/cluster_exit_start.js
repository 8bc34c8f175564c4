// cluster_exit_start — a worker that exits 1 at start: it still says it is
// online (node sends that before the worker's own code runs), never
// listens, and its exit carries the code.
'use strict';
const cluster = require('cluster');
const { watch } = require('./cluster_lib');
if (cluster.isPrimary) {
  watch(cluster.fork());
} else {
  process.exit(1);
}
