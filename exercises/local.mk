# exercises and solutions — installed as data; the grader builds them.
nobase_dist_pkgdata_DATA += \
	exercises/loop-offload/exercise.json \
	exercises/loop-offload/README.md \
	exercises/loop-offload/offload.h \
	exercises/loop-offload/offload.c \
	exercises/loop-offload/primes.c \
	exercises/loop-offload/test_offload.c \
	solutions/loop-offload/offload.c

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
