/*
 * app.c — the screen stack, the frame clock, the keyboard, children and
 * signals (see app.h).  tui.c sets it up and runs the loop.
 */
#define _GNU_SOURCE
#include "app.h"
#include "course/workspace.h"

#include <curses.h>
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

app APP;

static struct {
    lab_timer frame, tick;
    lab_io keys;
    lab_signal winch, chld, intr, term, hup;
    uint64_t last_frame_us;
    /* When the pending redraw is due, and the most one ran late: what a
     * student sees as a stuck screen (NODELAB_FRAME_STATS, bench/tui.sh). */
    uint64_t frame_due_us, frame_late_max_us, frames;
    bool help_open;
    int help_scroll;
    char status[200];
    uint64_t status_until_ms;
    /* The prompt line, when open. */
    bool prompting;
    char prompt_label[40], prompt_buf[120];
    app_prompt_cb *prompt_cb;
    screen *prompt_owner;
    /* Children and who wants to know when they end. */
    struct { pid_t pid; app_child_cb *cb; void *arg; } children[16];
} A;

/* ---- the screen stack -------------------------------------------------- */

screen *app_top(void) { return APP.depth ? APP.stack[APP.depth - 1] : NULL; }

void app_push(screen *s)
{
    if (!s) return;
    if (APP.depth == (int)(sizeof APP.stack / sizeof APP.stack[0])) {
        /* Deep enough: drop the one under the new screen's parent. */
        screen *old = APP.stack[1];
        memmove(&APP.stack[1], &APP.stack[2], (size_t)(APP.depth - 2) * sizeof APP.stack[0]);
        APP.depth--;
        old->destroy(old);
    }
    APP.stack[APP.depth++] = s;
    app_dirty();
}

void app_pop(void)
{
    if (APP.depth <= 1) return;
    screen *s = APP.stack[--APP.depth];
    if (A.prompt_owner == s) A.prompting = false;
    s->destroy(s);
    app_dirty();
}

void app_replace(screen *s)
{
    if (!s) return;
    app_pop();
    app_push(s);
}

void app_claim_last(const char *target)
{
    if (strcmp(nl_progress_last(&APP.prog), target) != 0 &&
        nl_progress_set_last(&APP.prog, target) < 0)
        app_status("%s", APP.prog.error);     /* the lab goes on without it */
}

/* ---- status and prompt ------------------------------------------------- */

void app_status(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(A.status, sizeof A.status, fmt, ap);
    va_end(ap);
    A.status_until_ms = lab_clock_us() / 1000 + 4000;
    app_dirty();
}

void app_prompt(screen *s, const char *label, app_prompt_cb *cb)
{
    A.prompting = true;
    A.prompt_owner = s;
    A.prompt_cb = cb;
    snprintf(A.prompt_label, sizeof A.prompt_label, "%s", label);
    A.prompt_buf[0] = '\0';
    app_dirty();
}

static void prompt_key(int key)
{
    size_t n = strlen(A.prompt_buf);
    if (key == 27 || key == 3) {                         /* Esc, Ctrl-C */
        A.prompting = false;
    } else if (key == '\r' || key == '\n' || key == KEY_ENTER) {
        A.prompting = false;
        A.prompt_cb(A.prompt_owner, A.prompt_buf);
    } else if (key == KEY_BACKSPACE || key == 127 || key == 8) {
        while (n > 0 && ((unsigned char)A.prompt_buf[n - 1] & 0xC0) == 0x80) n--;
        if (n > 0) A.prompt_buf[n - 1] = '\0';
    } else if (key >= 32 && key < 256 && n + 1 < sizeof A.prompt_buf) {
        A.prompt_buf[n] = (char)key;
        A.prompt_buf[n + 1] = '\0';
    }
    app_dirty();
}

/* ---- drawing ----------------------------------------------------------- */

static void draw_frame(void)
{
    erase();
    screen *s = app_top();
    if (UI.cols < MIN_COLS || UI.rows < MIN_ROWS) {
        char msg[64];
        snprintf(msg, sizeof msg, "terminal too small (need %d×%d)", MIN_COLS, MIN_ROWS);
        int w = ui_width(msg);
        ui_text(UI.rows / 2, UI.cols > w ? (UI.cols - w) / 2 : 0, UI.cols, msg, S_BAD);
        ui_text(UI.rows / 2 + 1, 0, UI.cols, "q quits", S_DIM);
    } else if (s) {
        s->draw(s, UI.rows - 1, UI.cols);
        const char *status = NULL;
        if (A.status[0] && lab_clock_us() / 1000 < A.status_until_ms) status = A.status;
        if (A.prompting) {
            move(UI.rows - 1, 0);
            clrtoeol();
            int n = ui_text(UI.rows - 1, 1, UI.cols - 2, A.prompt_label, S_KEY);
            n += ui_text(UI.rows - 1, 1 + n, UI.cols - 2 - n, A.prompt_buf, S_BOLD);
            ui_text(UI.rows - 1, 1 + n, 1, "_", S_KEY);
        } else {
            input_draw_footer(s, UI.rows - 1, UI.cols, status);
        }
        if (A.help_open) input_draw_help(s, UI.rows, UI.cols, A.help_scroll);
    }
    wnoutrefresh(stdscr);
    doupdate();
}

static void on_frame(lab_timer *t)
{
    A.last_frame_us = lab_clock_us();
    if (A.last_frame_us > A.frame_due_us && A.last_frame_us - A.frame_due_us > A.frame_late_max_us)
        A.frame_late_max_us = A.last_frame_us - A.frame_due_us;
    A.frames++;
    draw_frame();
}

void app_dirty(void)
{
    if (lab_timer_active(&A.frame)) return;
    uint64_t now = lab_clock_us(), since = (now - A.last_frame_us) / 1000;
    uint64_t delay = since >= FRAME_MS ? 0 : FRAME_MS - since;
    A.frame_due_us = now + delay * 1000;
    lab_timer_start(&A.frame, on_frame, delay, 0);
}

/* NODELAB_FRAME_STATS=FILE: the frames drawn and the most one was late,
 * written when the lab ends (bench/tui.sh reads it). */
static void write_frame_stats(void)
{
    const char *path = getenv("NODELAB_FRAME_STATS");
    FILE *f = path && *path ? fopen(path, "w") : NULL;
    if (!f) return;
    fprintf(f, "frames=%llu max_late_us=%llu\n", (unsigned long long)A.frames,
            (unsigned long long)A.frame_late_max_us);
    fclose(f);
}

/* Another program (nodelab check in a second terminal, the lab's own
 * test runs) may have written progress: read it again if so. */
static void follow_progress(void)
{
    if (nl_progress_refresh(&APP.prog)) app_dirty();
    if (APP.prog.notice[0]) {                 /* a damaged file was set aside */
        app_status("%s", APP.prog.notice);
        APP.prog.notice[0] = '\0';
    }
}

static void on_tick(lab_timer *t)
{
    follow_progress();
    screen *s = app_top();
    if (s && s->tick) s->tick(s);
    if (A.status[0] && lab_clock_us() / 1000 >= A.status_until_ms) {
        A.status[0] = '\0';
        app_dirty();
    }
}

/* ---- keys -------------------------------------------------------------- */

/* Ctrl-Z.  In raw mode the terminal sends it as a key, not as SIGTSTP, so
 * the lab does what the terminal would: give the screen back, stop the
 * job (the shell says "Stopped"; fg continues it), then take the screen
 * again, at its new size if it changed meanwhile.  Demos run in their own
 * process groups and go on running (p pauses one first). */
static void suspend(void)
{
    def_prog_mode();
    endwin();
    fflush(stdout);
    struct sigaction dfl = { .sa_handler = SIG_DFL }, old;
    sigemptyset(&dfl.sa_mask);
    sigaction(SIGTSTP, &dfl, &old);           /* not ncurses' handler: we did its work */
    kill(0, SIGTSTP);                         /* returns once continued */
    sigaction(SIGTSTP, &old, NULL);
    reset_prog_mode();
    clearok(curscr, TRUE);
    ui_resize();
    app_dirty();
}

static void handle_key(int key)
{
    screen *s = app_top();
    if (key == 3) { APP.quit = true; return; }                  /* Ctrl-C */
    if (key == 26) { suspend(); return; }                       /* Ctrl-Z */
    if (A.prompting) { prompt_key(key); return; }
    if (A.help_open) {
        if (key == KEY_DOWN || key == 'j' || key == ' ' || key == KEY_NPAGE) A.help_scroll++;
        else if (key == KEY_UP || key == 'k' || key == KEY_PPAGE) {
            if (A.help_scroll > 0) A.help_scroll--;
        } else A.help_open = false;
        app_dirty();
        return;
    }
    if (UI.cols < MIN_COLS || UI.rows < MIN_ROWS) {      /* only q works */
        if (key == 'q') APP.quit = true;
        return;
    }
    binding b[64];
    int n = input_bindings(s, b, 64);
    const binding *hit = input_lookup(b, n, key);
    if (!hit) return;
    switch (hit->action) {
    case ACT_HELP: A.help_open = true; A.help_scroll = 0; break;
    case ACT_QUIT: APP.quit = true; break;
    case ACT_BACK: if (s->is_root) APP.quit = true; else app_pop(); break;
    default: s->act(s, hit->action, key); break;
    }
    app_dirty();
}

static void on_keys(lab_io *io, int events)
{
    int key;
    while (!APP.quit && (key = getch()) != ERR) {
        if (key == KEY_RESIZE) continue;          /* SIGWINCH is ours */
        handle_key(key);
    }
    if (APP.quit) lab_loop_stop(APP.loop);
}

/* ---- signals and children ---------------------------------------------- */

static void on_winch(lab_signal *sig, int signum)
{
    ui_resize();
    for (int i = 0; i < APP.depth; i++)
        if (APP.stack[i]->resized) APP.stack[i]->resized(APP.stack[i]);
    app_dirty();
}

static void on_stop_signal(lab_signal *sig, int signum)
{
    APP.quit = true;
    lab_loop_stop(APP.loop);
}

void app_watch_child(pid_t pid, app_child_cb *cb, void *arg)
{
    for (size_t i = 0; i < sizeof A.children / sizeof A.children[0]; i++)
        if (A.children[i].pid == 0) {
            A.children[i].pid = pid;
            A.children[i].cb = cb;
            A.children[i].arg = arg;
            return;
        }
}

void app_unwatch_child(pid_t pid)
{
    for (size_t i = 0; i < sizeof A.children / sizeof A.children[0]; i++)
        if (A.children[i].pid == pid) A.children[i].pid = 0;
}

static void on_chld(lab_signal *sig, int signum)
{
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        for (size_t i = 0; i < sizeof A.children / sizeof A.children[0]; i++) {
            if (A.children[i].pid != pid) continue;
            A.children[i].pid = 0;
            A.children[i].cb(pid, status, A.children[i].arg);
        }
    }
    app_dirty();
}

int app_run_in_terminal(char *const argv[])
{
    def_prog_mode();
    endwin();
    pid_t pid = fork();
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execvp(argv[0], argv);
        fprintf(stderr, "nodelab: cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int status = -1;
    /* SIGCHLD is blocked (it goes to the signalfd), so waiting here is safe:
     * the handler will simply find nothing to reap for this pid. */
    if (pid > 0) while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
    reset_prog_mode();
    clearok(curscr, TRUE);
    ui_resize();
    app_dirty();
    return pid > 0 ? status : -1;
}

/* ---- setting up and running -------------------------------------------- */

static void watch_signal(lab_signal *s, lab_signal_cb *cb, int signum)
{
    lab_signal_init(APP.loop, s);
    lab_signal_start(s, cb, signum);
    lab_signal_unref(s);
}

void app_init(void)
{
    APP.loop = lab_loop_new();
    nl_progress_open(&APP.prog, NULL);
    if (nl_workspace_find(&APP.prog, APP.workspace, sizeof APP.workspace) == NL_WS_NONE)
        nl_workspace_default(APP.workspace, sizeof APP.workspace);
    nl_progress_use_workspace(&APP.prog, APP.workspace);
    follow_progress();
    lab_timer_init(APP.loop, &A.frame);
    lab_timer_unref(&A.frame);
    lab_timer_init(APP.loop, &A.tick);
    lab_timer_start(&A.tick, on_tick, 250, 250);
    lab_timer_unref(&A.tick);
    watch_signal(&A.winch, on_winch, SIGWINCH);
    watch_signal(&A.chld, on_chld, SIGCHLD);
    watch_signal(&A.intr, on_stop_signal, SIGINT);
    watch_signal(&A.term, on_stop_signal, SIGTERM);
    watch_signal(&A.hup, on_stop_signal, SIGHUP);
    signal(SIGPIPE, SIG_IGN);                /* a demo that went away is not fatal */
}

void app_run(void)
{
    lab_io_init(APP.loop, &A.keys, STDIN_FILENO);
    lab_io_start(&A.keys, LAB_READABLE, on_keys);
    app_dirty();
    while (!APP.quit)
        if (lab_loop_run(APP.loop) < 0 && errno != EINTR) break;
    lab_io_close(&A.keys);
}

void app_shutdown(void)
{
    while (APP.depth > 0) {                  /* each screen stops what it runs */
        screen *s = APP.stack[--APP.depth];
        s->destroy(s);
    }
    lab_timer_stop(&A.frame);
    lab_timer_stop(&A.tick);
    lab_signal_stop(&A.winch);
    lab_signal_stop(&A.chld);
    lab_signal_stop(&A.intr);
    lab_signal_stop(&A.term);
    lab_signal_stop(&A.hup);
    nl_progress_close(&APP.prog);
    lab_loop_free(APP.loop);
    write_frame_stats();
}
