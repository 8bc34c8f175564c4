#include "config.h"
#include "commands.h"
int nl_cmd_bundle(int argc, char **argv) { (void)argc; (void)argv; return 3; }
