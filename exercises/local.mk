# exercises and solutions — installed as data; the grader builds them.
nobase_dist_pkgdata_DATA += \
	exercises/loop-offload/exercise.json \
	exercises/loop-offload/README.md \
	exercises/loop-offload/offload.h \
	exercises/loop-offload/offload.c \
	exercises/loop-offload/primes.c \
	exercises/loop-offload/test_offload.c \
	solutions/loop-offload/offload.c
