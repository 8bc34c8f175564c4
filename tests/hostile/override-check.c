// Replaces one of Check's functions to turn failures into passes.
// where: top
// expect: refused | 0 | 
int tr_rtype(void *result) { return 1; }
