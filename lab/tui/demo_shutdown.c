/*
 * demo_shutdown.c — the graceful-shutdown view of the dashboard, drawn
 * from model_shutdown (model_shutdown.h): where the shutdown is, as a
 * strip of its steps; the requests in flight and the deadline as gauges;
 * what the clients were told against what the database holds; and the
 * steps as a timeline (demo_cluster.c draws timelines for both views).
 */
#include "screen_demo.h"
#include "widget.h"

#include <stdio.h>
#include <string.h>

int demo_shutdown_rows(void) { return 4; }

/* "● serving → ● SIGTERM → ● stop accepting → ◐ draining 3 → ○ close db → ○ exit" */
static void strip(const model_shutdown *s, int y, int cols)
{
    const char *done = UI.utf8 ? "●" : "*", *now = UI.utf8 ? "◐" : "+",
               *later = UI.utf8 ? "○" : "o", *skipped = UI.utf8 ? "✗" : "x",
               *arrow = UI.utf8 ? " → " : " > ";
    int x = 1;
    for (int p = 0; p < SD_NPHASES && x < cols - 1; p++) {
        char name[40];
        const char *mark = later;
        ui_style st = S_DIM;
        if (p == SD_SIGNAL && s->signal[0]) snprintf(name, sizeof name, "%s", s->signal);
        else if (p == SD_DRAINING && s->phase_seen[p] && s->reached == SD_DRAINING)
            snprintf(name, sizeof name, "draining %lld", (long long)s->in_flight);
        else if (p == SD_EXIT && s->forced) snprintf(name, sizeof name, "exit (forced)");
        else if (p == SD_EXIT && s->killed) snprintf(name, sizeof name, "killed");
        else snprintf(name, sizeof name, "%s", model_shutdown_phase_names[p]);
        if (p < s->reached) {
            mark = s->phase_seen[p] ? done : skipped;
            st = s->phase_seen[p] ? S_GOOD : S_BAD;
        } else if (p == s->reached) {
            bool over = p == SD_EXIT || (p == SD_SERVING && !s->signal[0] && !s->active);
            mark = over ? done : now;
            st = p == SD_EXIT ? (s->forced || s->killed ? S_BAD : S_GOOD) : S_WARN;
        }
        if (p) x += ui_text(y, x, cols - 1 - x, arrow, S_DIM);
        x += ui_text(y, x, cols - 1 - x, mark, st);
        x += ui_text(y, x, cols - 1 - x, " ", S_NORMAL);
        x += ui_text(y, x, cols - 1 - x, name, st == S_DIM ? S_DIM : S_BOLD);
    }
}

void demo_shutdown_draw(demo_screen *d, int y, int h, int cols)
{
    const model *m = &d->m;
    const model_shutdown *s = &m->shutdown;
    if (h < 1) return;
    /* The server: where, which database. */
    int x = 1 + ui_printf(y, 1, cols - 2, S_BOLD, "server %d", s->server_pid);
    if (s->port) x += ui_printf(y, x, cols - 1 - x, S_NORMAL, "  127.0.0.1:%d", s->port);
    if (s->db[0]) ui_printf(y, x, cols - 1 - x, S_NORMAL, "  db %s%s%s%s", s->db,
                            s->journal[0] ? " (" : "", s->journal, s->journal[0] ? ")" : "");
    if (h < 2) return;
    strip(s, y + 1, cols);
    if (h < 3) return;
    /* In flight against the clients there are; the deadline used. */
    const model_param *load = model_param_find(m, "load");
    double clients = load && load->value > 0 ? load->value : (double)s->in_flight_at_signal;
    int bar = (cols - 44) / 2;
    if (bar < 4) bar = 4;
    ui_text(y + 2, 1, 10, "in flight", S_NORMAL);
    x = 11;
    w_gauge(y + 2, x, bar, (double)s->in_flight, clients > 0 ? clients : 1, S_ACCENT);
    x += bar + ui_printf(y + 2, x + bar, 8, S_BOLD, " %lld", (long long)s->in_flight) + 4;
    if (x < cols - 20 && s->killed) {
        ui_text(y + 2, x, cols - 1 - x, "deadline: none, SIGKILL cannot be handled", S_BAD);
    } else if (x < cols - 20) {
        double used = (double)model_shutdown_deadline_used(m, demo_now_us(d));
        x += ui_text(y + 2, x, 9, "deadline ", S_NORMAL);
        w_gauge(y + 2, x, bar, used, s->deadline_ms > 0 ? (double)s->deadline_ms : 1, W_AUTO);
        ui_printf(y + 2, x + bar, cols - 1 - x - bar, S_BOLD, " %.1f s of %.1f s", used / 1000,
                  (double)s->deadline_ms / 1000);
    }
    if (h < 4) return;
    /* What the clients were told, what the file holds. */
    char rows[40];
    if (s->audited) snprintf(rows, sizeof rows, "%lld", (long long)s->rows);
    else snprintf(rows, sizeof rows, "(counted after the exit)");
    x = 1 + ui_printf(y + 3, 1, cols - 2, S_NORMAL, "acknowledged %lld   rows in db ",
                      (long long)s->acknowledged);
    x += ui_text(y + 3, x, cols - 1 - x, rows, s->audited ? (s->missing ? S_BAD : S_GOOD) : S_DIM);
    if (s->signal[0])
        x += ui_printf(y + 3, x, cols - 1 - x, S_NORMAL, "   refused since %s %lld", s->signal,
                       (long long)model_shutdown_refused_since(m));
    if (s->cut_off) ui_printf(y + 3, x, cols - 1 - x, S_BAD, "   cut off %lld", (long long)s->cut_off);
}
