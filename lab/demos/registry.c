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

const lab_param *lab_demo_param(const lab_demo_def *def, const char *key, int *index)
{
    for (int i = 0; i < LAB_DEMO_MAX_PARAMS && def->params[i].key; i++)
        if (strcmp(def->params[i].key, key) == 0) {
            if (index) *index = i;
            return &def->params[i];
        }
    return NULL;
}

bool lab_demo_listed(const lab_demo_def *def)
{
    const char *show = getenv("NODELAB_SHOW_HIDDEN");
    return !def->hidden || (show && strcmp(show, "1") == 0);
}
