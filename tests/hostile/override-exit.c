// Replaces exit() so that any exit looks like a clean one.
// where: top
// expect: refused | 0 | 
void exit(int status) { _exit(0); }
