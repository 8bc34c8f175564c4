/*
 * choose.c — exercise loop-choose, the reference answers, with why.
 */
#include "choose.h"

choice choose(int scenario)
{
    switch (scenario) {
    /* 2-20 GB into 1 GB of memory: only a piece at a time can work. */
    case 1: return (choice){ TOOL_STREAMS, REASON_TOO_BIG_FOR_MEMORY };
    /* The disk outruns a mobile link: backpressure holds the file back. */
    case 2: return (choice){ TOOL_STREAMS, REASON_SLOW_CONSUMER };
    /* A blocking C call: a pool thread waits so the loop does not. */
    case 3: return (choice){ TOOL_POOL, REASON_BLOCKING_NATIVE };
    /* convert is a program: start it, do not rewrite it. */
    case 4: return (choice){ TOOL_CHILD_PROCESS, REASON_OTHER_PROGRAM };
    /* A crash in a thread takes the process down; a child can be killed
     * (timeout) and its crash is only its own. */
    case 5: return (choice){ TOOL_CHILD_PROCESS, REASON_MAY_CRASH_OR_HANG };
    /* One busy core, seven idle, short requests: one copy per core. */
    case 6: return (choice){ TOOL_CLUSTER, REASON_ONE_CORE_SATURATED };
    /* JavaScript cannot run on the pool; a worker thread runs it aside. */
    case 7: return (choice){ TOOL_WORKER_THREAD, REASON_CPU_HEAVY_JS };
    /* Processes share nothing; threads can share a SharedArrayBuffer. */
    case 8: return (choice){ TOOL_WORKER_THREAD, REASON_SHARED_MEMORY };
    /* Native hashing is what Node's own crypto.pbkdf2 sends to the pool. */
    case 9: return (choice){ TOOL_POOL, REASON_BLOCKING_NATIVE };
    /* Throughput that scales with cores: one server process per core. */
    case 10: return (choice){ TOOL_CLUSTER, REASON_ONE_CORE_SATURATED };
    default: return (choice){ TOOL_UNSURE, REASON_UNSURE };
    }
}
