/*
 * tui.c — `nodelab` and `nodelab open TARGET`: the lab.
 *
 * Checks the arguments and the terminal before touching either, opens the
 * screen, pushes Home (and the target, if any), and runs the loop until the
 * student quits.  On the way out the terminal is restored first, then every
 * screen stops what it started — so no demo outlives the lab.
 */
#include "app.h"
#include "cli/cli.h"
#include "course/catalog.h"
#include "demos/demo.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help[] =
"usage: nodelab [open TARGET [--set KEY=VALUE]...]\n"
"\n"
"Opens the lab: read the chapters, run the demos live, do the exercises.\n"
"With open, starts at TARGET: a chapter (2, streams, chapter:2), a demo\n"
"(loop.blocking, demo:loop.blocking — it starts running) or an exercise\n"
"(loop-offload, exercise:loop-offload).  --set starts a demo with other\n"
"parameters (nodelab demo NAME --help lists them).  In the lab, ? lists\n"
"every key.\n"
"\n"
"Progress (reading position, exercises passed, hints used) is kept in\n"
"$XDG_STATE_HOME/nodelab/progress.json (default ~/.local/state/nodelab).\n"
"NO_COLOR=1 turns colours off.  Exercise files live in the current\n"
"workspace, the same one nodelab check uses: --workspace DIR or\n"
"$NODELAB_WORKSPACE, else the workspace you are in, else the one nodelab\n"
"init made last, else ~/nodelab-work.  NODELAB_RECORD=FILE appends the\n"
"telemetry of every demo run in the lab to FILE (in frame mode: busy events\n"
"come folded, NODELAB_TELEMETRY_FRAME=0 sends each; docs/telemetry.md).\n"
"NODELAB_FRAME_STATS=FILE writes how many frames the lab drew and the most\n"
"one was late when it ends.\n";

/* "2", "streams", "loop.blocking", "demo:loop.blocking"... to the one
 * canonical form "chapter:N", "demo:NAME" or "exercise:ID". */
static int resolve_target(const char *arg, char *out, size_t size)
{
    nl_chapter ch;
    nl_exercise_entry ex;
    const char *colon = strchr(arg, ':');
    const char *name = colon ? colon + 1 : arg;
    bool any = !colon;
    if ((any || !strncmp(arg, "chapter:", 8)) && nl_chapter_find(name, &ch) == 0) {
        snprintf(out, size, "chapter:%d", ch.number);
        return 0;
    }
    if ((any || !strncmp(arg, "demo:", 5)) && lab_demo_find(name)) {
        snprintf(out, size, "demo:%s", name);
        return 0;
    }
    if ((any || !strncmp(arg, "exercise:", 9)) && nl_exercise_find(name, &ex) == 0) {
        snprintf(out, size, "exercise:%s", name);
        return 0;
    }
    return -1;
}

int app_open_target(const char *target)
{
    char canon[256];
    if (resolve_target(target, canon, sizeof canon) < 0) {
        app_status("nothing called '%s' to open", target);
        return -1;
    }
    const char *name = strchr(canon, ':') + 1;
    screen *s = NULL;
    if (!strncmp(canon, "chapter:", 8)) s = screen_reader_new(name);
    else if (!strncmp(canon, "demo:", 5)) s = screen_demo_new(name);
    else s = screen_exercise_new(name);
    if (!s) return -1;
    app_push(s);
    return 0;
}

/* The lab itself crashed: give the terminal back before dying.  (The
 * demo's runner gets SIGTERM from the kernel when we die: PDEATHSIG.) */
static void on_fatal(int sig)
{
    ui_close();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* --set KEY=VALUE after a demo target: checked here, applied when the
 * dashboard starts the demo, over the lab's own defaults for it. */
static int parse_sets(int argc, char **argv, const char *target)
{
    const lab_demo_def *def = strncmp(target, "demo:", 5) ? NULL : lab_demo_find(target + 5);
    static const char **sets;                /* (the dashboard reads them later) */
    int n = 0;
    lab_demo check;
    if (def) lab_demo_init(&check, def);
    sets = calloc((size_t)argc, sizeof *sets);
    for (int i = 2; i < argc; i++) {
        const char *kv = argv[i];
        if (!strcmp(kv, "--set") && i + 1 < argc) kv = argv[++i];
        else if (!strncmp(kv, "--set=", 6)) kv += 6;
        else return nl_usage_error("open: unknown option '%s' (allowed: --set KEY=VALUE, "
                                   "for a demo)", argv[i]);
        if (!def) return nl_usage_error("open: --set is for demos; %s is not one", target);
        const char *err = lab_demo_set_kv(&check, kv);
        lab_demo_free(&check);
        if (err) return nl_usage_error("open %s: %s", def->name, err);
        sets[n++] = kv;
    }
    if (def) screen_demo_preset(def->name, sets, n);
    return 0;
}

int nl_cmd_tui(int argc, char **argv)
{
    char target[256] = "";
    if (argc >= 2 && nl_is_help(argv[1])) { fputs(help, stdout); return 0; }
    if (argc == 1) return nl_usage_error("open: expected a TARGET: a chapter, a demo or an "
                                         "exercise (see nodelab list)");
    if (argc >= 2 && resolve_target(argv[1], target, sizeof target) < 0)
        return nl_usage_error("open: no chapter, demo or exercise '%s' (see nodelab list)",
                              argv[1]);
    if (argc > 2 && parse_sets(argc, argv, target) != 0) return 2;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO))
        return nl_usage_error("the lab needs a terminal; for commands that work without "
                              "one, see nodelab --help");

    ui_setup_locale();
    const char *why = ui_terminal_problem();
    if (why)
        return nl_usage_error("%s; run it in a terminal such as xterm (TERM=xterm-256color), "
                              "or use the commands that print lines: nodelab read, nodelab demo", why);
    app_init();
    ui_open();
    int fatal[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT };
    for (size_t i = 0; i < sizeof fatal / sizeof fatal[0]; i++) signal(fatal[i], on_fatal);
    app_push(screen_home_new());
    if (target[0]) app_open_target(target);
    app_run();
    ui_close();                 /* the terminal first: the rest may take a moment */
    app_shutdown();
    return 0;
}
