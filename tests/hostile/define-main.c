// Brings its own main(), which reports success and runs nothing.
// where: top
// expect: refused | 0 | 
int main(void) { return 0; }
