/* cmd_list.c — `nodelab list [chapters|demos|exercises] [--json]`. */
#include "cli.h"
#include "course/catalog.h"
#include "demos/demo.h"
#include "student.h"

#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
"usage: nodelab list [chapters|demos|exercises] [--json]\n"
"\n"
"Lists what nodelab has: chapters to read, demos to run, exercises to do,\n"
"each exercise with where you are with it in the current workspace\n"
"(passed, failing, not started; see nodelab init).  With no kind, lists\n"
"all three.  --json prints one JSON object with the lists asked for (keys:\n"
"chapters, demos, exercises; and workspace, null if there is none).\n";

static cJSON *chapters_json(void)
{
    nl_chapter *list;
    size_t n = nl_chapters(&list);
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "number", list[i].number);
        cJSON_AddStringToObject(o, "name", list[i].slug);
        cJSON_AddStringToObject(o, "title", list[i].title);
        cJSON_AddItemToArray(arr, o);
    }
    free(list);
    return arr;
}

static cJSON *demos_json(void)
{
    cJSON *arr = cJSON_CreateArray();
    for (const lab_demo_def *const *d = lab_demo_all(); *d; d++) {
        if (!lab_demo_listed(*d)) continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", (*d)->name);
        cJSON_AddNumberToObject(o, "chapter", (*d)->chapter);
        cJSON_AddStringToObject(o, "summary", (*d)->summary);
        cJSON_AddNumberToObject(o, "duration_s", (*d)->duration_s);
        cJSON *params = cJSON_AddArrayToObject(o, "params");
        for (const lab_param *p = (*d)->params; p->key; p++) {
            cJSON *po = cJSON_CreateObject();
            cJSON_AddStringToObject(po, "key", p->key);
            if (p->type == LAB_PARAM_INT) {
                cJSON_AddNumberToObject(po, "default", (double)p->def);
                cJSON_AddNumberToObject(po, "min", (double)p->min);
                cJSON_AddNumberToObject(po, "max", (double)p->max);
            } else {
                cJSON_AddStringToObject(po, "default", p->def_str ? p->def_str : "");
            }
            cJSON_AddStringToObject(po, "unit", p->unit);
            cJSON_AddStringToObject(po, "help", p->help);
            cJSON_AddBoolToObject(po, "live", p->live);
            cJSON_AddItemToArray(params, po);
        }
        cJSON_AddItemToArray(arr, o);
    }
    return arr;
}

/* Each exercise, with its progress in the current workspace. */
static cJSON *exercises_json(const nl_progress *p)
{
    nl_exercise_entry *list;
    size_t n = nl_exercises(&list);
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        nl_progress_ex e = nl_progress_exercise(p, list[i].id);
        cJSON_AddStringToObject(o, "id", list[i].id);
        cJSON_AddNumberToObject(o, "chapter", list[i].chapter);
        cJSON_AddStringToObject(o, "title", list[i].title);
        cJSON_AddStringToObject(o, "status", e.status);
        cJSON_AddStringToObject(o, "detail", e.detail);
        cJSON_AddNumberToObject(o, "passed", e.passed);
        cJSON_AddNumberToObject(o, "total", e.total);
        cJSON_AddNumberToObject(o, "hints_used", e.hints_used);
        cJSON_AddItemToArray(arr, o);
    }
    free(list);
    return arr;
}

/* "passed 5/5", "failing 2/5", "not compiling", "not started". */
static void status_text(const cJSON *o, char *out, size_t size)
{
    const char *status = cJSON_GetObjectItem(o, "status")->valuestring;
    const char *detail = cJSON_GetObjectItem(o, "detail")->valuestring;
    int passed = cJSON_GetObjectItem(o, "passed")->valueint, total = cJSON_GetObjectItem(o, "total")->valueint;
    if (!strcmp(detail, "compile error")) snprintf(out, size, "not compiling");
    else if (!strcmp(status, "not started")) snprintf(out, size, "%s", status);
    else snprintf(out, size, "%s %d/%d", status, passed, total);
}

static void print_text(const char *kind, cJSON *arr, bool heading)
{
    if (heading) printf("%s%s:\n", strcmp(kind, "chapters") ? "\n" : "", kind);
    const cJSON *o;
    cJSON_ArrayForEach(o, arr) {
        if (strcmp(kind, "chapters") == 0)
            printf("  %d  %-18s %s\n", cJSON_GetObjectItem(o, "number")->valueint,
                   cJSON_GetObjectItem(o, "name")->valuestring,
                   cJSON_GetObjectItem(o, "title")->valuestring);
        else if (strcmp(kind, "demos") == 0)
            printf("  %-28s ch%d  %s\n", cJSON_GetObjectItem(o, "name")->valuestring,
                   cJSON_GetObjectItem(o, "chapter")->valueint,
                   cJSON_GetObjectItem(o, "summary")->valuestring);
        else {
            char status[32];
            status_text(o, status, sizeof status);
            printf("  %-24s ch%d  %-14s %s\n", cJSON_GetObjectItem(o, "id")->valuestring,
                   cJSON_GetObjectItem(o, "chapter")->valueint, status,
                   cJSON_GetObjectItem(o, "title")->valuestring);
        }
    }
}

/* Under the exercises: whose progress that was. */
static void print_workspace(const char *ws, nl_ws_how how)
{
    if (how == NL_WS_NONE) printf("  (no workspace yet: nodelab init DIR makes one)\n");
    else printf("  (progress in the workspace %s, %s)\n", ws, nl_workspace_how(how));
}

int nl_cmd_list(int argc, char **argv)
{
    bool json = false;
    const char *kind = NULL;
    for (int i = 1; i < argc; i++) {
        if (nl_is_help(argv[i])) { fputs(help, stdout); return 0; }
        if (strcmp(argv[i], "--json") == 0) json = true;
        else if (!kind && (strcmp(argv[i], "chapters") == 0 || strcmp(argv[i], "demos") == 0 ||
                           strcmp(argv[i], "exercises") == 0))
            kind = argv[i];
        else
            return nl_usage_error("list: unknown argument '%s' (allowed: chapters, demos, "
                                  "exercises, --json)", argv[i]);
    }
    static const char *kinds[] = { "chapters", "demos", "exercises" };
    nl_progress p;
    char ws[4096];
    nl_student_progress(&p, NULL);
    nl_ws_how how = nl_workspace_find(&p, ws, sizeof ws);
    nl_progress_use_workspace(&p, ws);
    cJSON *all = cJSON_CreateObject();
    for (int k = 0; k < 3; k++) {
        if (kind && strcmp(kind, kinds[k]) != 0) continue;
        cJSON *arr = k == 0 ? chapters_json() : k == 1 ? demos_json() : exercises_json(&p);
        if (!json) print_text(kinds[k], arr, kind == NULL);
        if (!json && k == 2) print_workspace(ws, how);
        cJSON_AddItemToObject(all, kinds[k], arr);
        if (k == 2) cJSON_AddItemToObject(all, "workspace", ws[0] ? cJSON_CreateString(ws) : cJSON_CreateNull());
    }
    nl_progress_close(&p);
    if (json) {
        char *s = cJSON_Print(all);
        puts(s);
        free(s);
    }
    cJSON_Delete(all);
    return 0;
}
