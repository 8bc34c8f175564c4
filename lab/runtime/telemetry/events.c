/* events.c — the telemetry vocabulary as a table (see events.h). */
#include "events.h"

#include <stddef.h>
#include <string.h>

const char *const lab_ev_names[LAB_EV_COUNT] = {
#define LAB_EV_NAME_(id, name) [LAB_EV_##id] = name,
    LAB_EVENT_LIST(LAB_EV_NAME_)
#undef LAB_EV_NAME_
};

/* A linear search: the lab looks each name up once and remembers the id
 * (lab/tui/model.c), so there is nothing to gain from a hash. */
lab_ev_id lab_ev_lookup(const char *name)
{
    if (!name) return LAB_EV_OTHER;
    for (int i = 0; i < LAB_EV_COUNT; i++)
        if (strcmp(lab_ev_names[i], name) == 0) return (lab_ev_id)i;
    return LAB_EV_OTHER;
}
