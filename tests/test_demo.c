/* test_demo.c — the demos' shared parameter code (lab/demos/demo.c), with
 * Check: a live string parameter set from the control descriptor keeps
 * its value when later control lines arrive (it is copied out of the
 * control buffer, which the next read overwrites), and each copy is freed
 * when the key is set again or the demo is freed (ASan's leak check). */
#define _GNU_SOURCE
#include "demos/demo.h"

#include "check_run.h"

#include <check.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

static const lab_demo_def fixture = {
    .name = "test.params",
    .params = {
        { "label", LAB_PARAM_STR, 0, 0, 0, "start", "text", "a live text", true },
        { "n", LAB_PARAM_INT, 1, 0, 1000000000, NULL, "", "a live number", true },
    },
};

typedef struct { int sets; int fd; } feed;

/* Each set writes the next control line, so every line comes in a read of
 * its own, at the start of the control buffer. */
static void on_set(lab_demo *d, const char *key)
{
    feed *f = d->data;
    static const char *const lines[] = { "set n=123456789\n", "set n=7\n" };
    if (f->sets < 2) {
        const char *l = lines[f->sets];
        ck_assert_int_eq(write(f->fd, l, strlen(l)), (ssize_t)strlen(l));
    }
    if (++f->sets == 3) lab_loop_stop(d->loop);
    (void)key;
}

static void give_up(lab_timer *t) { lab_loop_stop(t->loop); }

START_TEST(live_text_survives_later_control_lines)
{
    int p[2];
    ck_assert_int_eq(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
    lab_loop *loop = lab_loop_new();
    lab_demo d;
    lab_demo_init(&d, &fixture);
    feed f = { 0, p[1] };
    d.data = &f;
    d.loop = loop;
    d.control_fd = p[0];
    ck_assert_str_eq(lab_demo_str(&d, "label"), "start");
    lab_demo_listen(&d, loop, on_set, NULL);
    const char *first = "set label=first-value\n";
    ck_assert_int_eq(write(p[1], first, strlen(first)), (ssize_t)strlen(first));
    /* The control watcher does not keep the loop alive: a timer does,
     * and ends a run whose lines never came (the counts then say so). */
    lab_timer guard;
    lab_timer_init(loop, &guard);
    lab_timer_start(&guard, give_up, 10000, 0);
    lab_loop_run(loop);
    lab_timer_stop(&guard);
    ck_assert_int_eq(f.sets, 3);
    ck_assert_int_eq(lab_demo_int(&d, "n"), 7);
    ck_assert_str_eq(lab_demo_str(&d, "label"), "first-value");
    /* Set again: the old copy is freed, the new one kept. */
    ck_assert_ptr_null(lab_demo_set(&d, "label", "second"));
    ck_assert_str_eq(lab_demo_str(&d, "label"), "second");
    lab_io_close(&d.control_io);
    lab_demo_free(&d);
    lab_loop_free(loop);
    close(p[1]);
}
END_TEST

START_TEST(set_kv_copies_the_value)
{
    lab_demo d;
    lab_demo_init(&d, &fixture);
    char kv[] = "label=abc";
    ck_assert_ptr_null(lab_demo_set_kv(&d, kv));
    memcpy(kv, "label=xyz", sizeof kv);
    ck_assert_str_eq(lab_demo_str(&d, "label"), "abc");
    lab_demo_free(&d);
}
END_TEST

int main(void)
{
    return CHECK_RUN("demo", 20, NULL, NULL,
                     live_text_survives_later_control_lines, set_kv_copies_the_value);
}
