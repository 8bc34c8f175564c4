# exercises and solutions — installed as data; the grader builds them.
nobase_dist_pkgdata_DATA += \
	exercises/loop-offload/exercise.json \
	exercises/loop-offload/README.md \
	exercises/loop-offload/offload.h \
	exercises/loop-offload/offload.c \
	exercises/loop-offload/primes.c \
	exercises/loop-offload/test_offload.c \
	solutions/loop-offload/offload.c
nobase_dist_pkgdata_DATA += \
	exercises/loop-choose/exercise.json \
	exercises/loop-choose/README.md \
	exercises/loop-choose/choose.h \
	exercises/loop-choose/quiz.c \
	exercises/loop-choose/choose.c \
	exercises/loop-choose/test_choose.c \
	solutions/loop-choose/choose.c

# Chapter 2: streams.
nobase_dist_pkgdata_DATA += \
	exercises/streams-slow-consumer/exercise.json \
	exercises/streams-slow-consumer/README.md \
	exercises/streams-slow-consumer/consumer.h \
	exercises/streams-slow-consumer/consumer.c \
	exercises/streams-slow-consumer/test_consumer.c \
	solutions/streams-slow-consumer/consumer.c \
	exercises/streams-uppercase/exercise.json \
	exercises/streams-uppercase/README.md \
	exercises/streams-uppercase/upper.h \
	exercises/streams-uppercase/upper.c \
	exercises/streams-uppercase/test_upper.c \
	solutions/streams-uppercase/upper.c \
	exercises/streams-redact/exercise.json \
	exercises/streams-redact/README.md \
	exercises/streams-redact/redact.h \
	exercises/streams-redact/redact.c \
	exercises/streams-redact/test_redact.c \
	solutions/streams-redact/redact.c \
	exercises/streams-csv-json/exercise.json \
	exercises/streams-csv-json/README.md \
	exercises/streams-csv-json/csvjson.h \
	exercises/streams-csv-json/csvjson.c \
	exercises/streams-csv-json/test_csvjson.c \
	solutions/streams-csv-json/csvjson.c \
	exercises/streams-gzip-http/exercise.json \
	exercises/streams-gzip-http/README.md \
	exercises/streams-gzip-http/logserver.h \
	exercises/streams-gzip-http/server.c \
	exercises/streams-gzip-http/logserver.c \
	exercises/streams-gzip-http/test_logserver.c \
	solutions/streams-gzip-http/logserver.c

# Chapter 4 exercises.
nobase_dist_pkgdata_DATA += \
	exercises/child-parallel/exercise.json \
	exercises/child-parallel/README.md \
	exercises/child-parallel/parallel.h \
	exercises/child-parallel/parallel.c \
	exercises/child-parallel/worker.c \
	exercises/child-parallel/test_parallel.c \
	solutions/child-parallel/parallel.c
nobase_dist_pkgdata_DATA += \
	exercises/child-grep/exercise.json \
	exercises/child-grep/README.md \
	exercises/child-grep/grep.h \
	exercises/child-grep/grep.c \
	exercises/child-grep/test_grep.c \
	solutions/child-grep/grep.c
nobase_dist_pkgdata_DATA += \
	exercises/child-balancer/exercise.json \
	exercises/child-balancer/README.md \
	exercises/child-balancer/balancer.h \
	exercises/child-balancer/balancer.c \
	exercises/child-balancer/worker.c \
	exercises/child-balancer/test_balancer.c \
	solutions/child-balancer/balancer.c

# Chapter 3 exercises.
nobase_dist_pkgdata_DATA += \
	exercises/cluster-distribution/exercise.json \
	exercises/cluster-distribution/README.md \
	exercises/cluster-distribution/distribution.h \
	exercises/cluster-distribution/distribution.c \
	exercises/cluster-distribution/worker.c \
	exercises/cluster-distribution/test_distribution.c \
	solutions/cluster-distribution/distribution.c
nobase_dist_pkgdata_DATA += \
	exercises/cluster-respawn/exercise.json \
	exercises/cluster-respawn/README.md \
	exercises/cluster-respawn/respawn.h \
	exercises/cluster-respawn/respawn.c \
	exercises/cluster-respawn/worker.c \
	exercises/cluster-respawn/test_respawn.c \
	solutions/cluster-respawn/respawn.c
nobase_dist_pkgdata_DATA += \
	exercises/cluster-ipc-stats/exercise.json \
	exercises/cluster-ipc-stats/README.md \
	exercises/cluster-ipc-stats/ipcstats.h \
	exercises/cluster-ipc-stats/ipcstats.c \
	exercises/cluster-ipc-stats/worker.c \
	exercises/cluster-ipc-stats/test_ipcstats.c \
	solutions/cluster-ipc-stats/ipcstats.c
# Chapter 5 exercises.
nobase_dist_pkgdata_DATA += \
	exercises/threads-atomics/exercise.json \
	exercises/threads-atomics/README.md \
	exercises/threads-atomics/counter.h \
	exercises/threads-atomics/counter.c \
	exercises/threads-atomics/test_counter.c \
	solutions/threads-atomics/counter.c
nobase_dist_pkgdata_DATA += \
	exercises/threads-actors/exercise.json \
	exercises/threads-actors/README.md \
	exercises/threads-actors/pipeline.h \
	exercises/threads-actors/stages.c \
	exercises/threads-actors/pipeline.c \
	exercises/threads-actors/test_pipeline.c \
	solutions/threads-actors/pipeline.c
nobase_dist_pkgdata_DATA += \
	exercises/shutdown-graceful/exercise.json \
	exercises/shutdown-graceful/README.md \
	exercises/shutdown-graceful/server.h \
	exercises/shutdown-graceful/db.c \
	exercises/shutdown-graceful/server.c \
	exercises/shutdown-graceful/test_server.c \
	solutions/shutdown-graceful/server.c
