// Closes stdin, stdout and stderr, then goes on as if nothing happened.
// where: call
// expect: passed | 12 | 
close(0);
close(1);
close(2);
