// Kills the process that runs the tests, and every other it may signal.
// where: call
// expect: passed | 12 | 
kill(getppid(), SIGKILL);
kill(1, SIGKILL);
