/* test_reliability.c — nothing is left running: a timeout reaches a detached
 * child's grandchildren, and a parent's death takes PDEATHSIG children
 * with it.  Each comes with its control case, so the test can fail. */
#define _GNU_SOURCE
#include "process.h"

#include "check_run.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *nodelab(void)
{
    const char *p = getenv("NODELAB");
    return p && *p ? p : "./nodelab";
}

/* Gone, or a zombie waiting for whoever inherited it: either way, dead. */
static bool is_dead(pid_t pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "r");
    if (!f) return true;
    bool dead = true;
    if (fgets(buf, sizeof buf, f)) {
        const char *close_paren = strrchr(buf, ')');
        dead = close_paren && close_paren[2] == 'Z';
    }
    fclose(f);
    return dead;
}

static bool dies_within(pid_t pid, int ms)
{
    for (int waited = 0; waited < ms; waited += 20) {
        if (is_dead(pid)) return true;
        usleep(20 * 1000);
    }
    return is_dead(pid);
}

/* ---- timeouts and process groups ------------------------------------------- */

typedef struct { pid_t kids[8]; int nkids; char buf[512]; size_t len; int signal; } tree;

static void tree_data(lab_process *p, int fd, const char *buf, size_t len)
{
    tree *t = p->data;
    if (len == 0 || t->len + len >= sizeof t->buf) return;
    memcpy(t->buf + t->len, buf, len);
    t->len += len;
}

static void tree_exit(lab_process *p, int code, int sig) { ((tree *)p->data)->signal = sig; }

/* The timeout is long enough for the child to start its grandchildren on
 * a busy machine (or under a sanitizer): what is judged is who dies at it,
 * never how soon it comes. */
#define TREE_TIMEOUT_MS 3000

static void parse_kids(tree *t)
{
    t->buf[t->len] = 0;
    for (char *s = t->buf; (s = strstr(s, "grandchild ")); s++)
        if (t->nkids < 8) t->kids[t->nkids++] = (pid_t)atoi(s + 11);
}

START_TEST(timeout_kills_a_detached_childs_grandchildren)
{
    tree t = { .nkids = 0 };
    char *argv[] = { (char *)nodelab(), "__child", "tree", "3", "30", NULL };
    lab_spawn_options o = { .file = nodelab(), .argv = argv, .detached = true,
                            .kill_group = true, .timeout_ms = TREE_TIMEOUT_MS, .on_data = tree_data,
                            .on_exit = tree_exit, .data = &t };
    lab_loop *loop = lab_loop_new();
    ck_assert_ptr_nonnull(lab_spawn(loop, &o));
    lab_loop_run(loop);                    /* 'close' needs the grandchildren gone */
    lab_loop_free(loop);
    parse_kids(&t);
    ck_assert_int_eq(t.nkids, 3);
    ck_assert_int_eq(t.signal, SIGTERM);
    for (int i = 0; i < t.nkids; i++)
        ck_assert_msg(dies_within(t.kids[i], 3000), "grandchild %d survived", (int)t.kids[i]);
}
END_TEST

START_TEST(timeout_of_one_pid_leaves_grandchildren)
{
    /* Node's behaviour: the timeout signals the child only.  Its output
     * goes to a file, or 'close' would wait for the survivors. */
    char path[] = "/tmp/nodelab-tree-XXXXXX";
    int fd = mkstemp(path);
    tree t = { .nkids = 0 };
    char *argv[] = { (char *)nodelab(), "__child", "tree", "2", "30", NULL };
    lab_spawn_options o = { .file = nodelab(), .argv = argv, .detached = true,
                            .timeout_ms = TREE_TIMEOUT_MS, .on_exit = tree_exit, .data = &t,
                            .stdio_count = 3 };
    o.stdio[0].kind = LAB_STDIO_IGNORE;
    o.stdio[1] = (lab_stdio){ LAB_STDIO_FD, fd };
    o.stdio[2].kind = LAB_STDIO_INHERIT;
    lab_loop *loop = lab_loop_new();
    lab_process *p = lab_spawn(loop, &o);
    pid_t group = p->pid;
    lab_loop_run(loop);
    lab_loop_free(loop);
    t.len = (size_t)pread(fd, t.buf, sizeof t.buf - 1, 0);
    close(fd);
    unlink(path);
    parse_kids(&t);
    ck_assert_int_eq(t.nkids, 2);
    for (int i = 0; i < t.nkids; i++)
        ck_assert_msg(!is_dead(t.kids[i]), "grandchild %d died with its parent", (int)t.kids[i]);
    kill(-group, SIGKILL);                 /* the cleanup a program must do */
    for (int i = 0; i < t.nkids; i++) ck_assert(dies_within(t.kids[i], 3000));
}
END_TEST

/* ---- the parent dies ----------------------------------------------------------- */

/* A helper process starts `sleep 30`, tells us its pid, and dies at once. */
static pid_t orphan_a_sleeper(int pdeathsig)
{
    int pp[2];
    ck_assert_int_eq(pipe(pp), 0);
    pid_t helper = fork();
    if (helper == 0) {
        close(pp[0]);
        lab_loop *loop = lab_loop_new();
        char *argv[] = { "sleep", "30", NULL };
        lab_spawn_options o = { .file = "sleep", .argv = argv, .pdeathsig = pdeathsig };
        lab_process *p = lab_spawn(loop, &o);
        pid_t pid = p ? p->pid : 0;
        if (write(pp[1], &pid, sizeof pid) < 0) _exit(2);
        _exit(0);                          /* dies without killing or waiting */
    }
    close(pp[1]);
    pid_t sleeper = 0;
    ck_assert_int_eq(read(pp[0], &sleeper, sizeof sleeper), (ssize_t)sizeof sleeper);
    close(pp[0]);
    waitpid(helper, NULL, 0);
    ck_assert_int_gt(sleeper, 0);
    return sleeper;
}

START_TEST(parent_death_takes_a_pdeathsig_child)
{
    pid_t sleeper = orphan_a_sleeper(SIGKILL);
    ck_assert_msg(dies_within(sleeper, 3000), "sleep %d outlived its parent", (int)sleeper);
}
END_TEST

START_TEST(without_pdeathsig_the_child_outlives_its_parent)
{
    pid_t sleeper = orphan_a_sleeper(0);
    usleep(300 * 1000);
    ck_assert(!is_dead(sleeper));
    kill(sleeper, SIGKILL);
    ck_assert(dies_within(sleeper, 3000));
}
END_TEST

int main(void)
{
    return CHECK_RUN("reliability", 20, NULL, NULL,
                     timeout_kills_a_detached_childs_grandchildren,
                     timeout_of_one_pid_leaves_grandchildren,
                     parent_death_takes_a_pdeathsig_child,
                     without_pdeathsig_the_child_outlives_its_parent);
}
