/* registry.c — the one table of demos, built from demos.list. */
#include "demo.h"

#include <stdlib.h>
#include <string.h>

#define DEMO(id) extern const lab_demo_def lab_demo_##id;
#include "demos.list"
#undef DEMO

static const lab_demo_def *const all[] = {
#define DEMO(id) &lab_demo_##id,
#include "demos.list"
#undef DEMO
    NULL
};

const lab_demo_def *const *lab_demo_all(void) { return all; }

const lab_demo_def *lab_demo_find(const char *name)
{
    for (size_t i = 0; all[i]; i++)
        if (strcmp(all[i]->name, name) == 0) return all[i];
    return NULL;
}

bool lab_demo_listed(const lab_demo_def *def)
{
    const char *show = getenv("NODELAB_SHOW_HIDDEN");
    return !def->hidden || (show && strcmp(show, "1") == 0);
}
