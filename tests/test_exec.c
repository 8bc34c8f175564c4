/* test_exec.c — lab_exec() and lab_exec_file(): buffered output, maxBuffer,
 * timeout, failures, and the shell's part in it, with Check. */
#define _GNU_SOURCE
#include "exec.h"

#include "check_run.h"

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A copy of the one result each test gets. */
typedef struct {
    int calls;
    lab_exec_error error;
    char code[64];
    int exit_code, signal, child_signal;
    bool killed, child_killed;
    char message[256], cmd[128];
    size_t out_len, err_len;
    char out[256], err[256];
} result;

static void keep(const lab_exec_result *r, void *arg)
{
    result *k = arg;
    k->calls++;
    k->error = r->error;
    snprintf(k->code, sizeof k->code, "%s", r->code ? r->code : "");
    k->exit_code = r->exit_code;
    k->signal = r->signal;
    k->killed = r->killed;
    k->child_signal = r->child_signal;
    k->child_killed = r->child_killed;
    snprintf(k->message, sizeof k->message, "%s", r->message);
    snprintf(k->cmd, sizeof k->cmd, "%s", r->cmd);
    k->out_len = r->out_len;
    k->err_len = r->err_len;
    snprintf(k->out, sizeof k->out, "%s", r->out);
    snprintf(k->err, sizeof k->err, "%s", r->err);
}

static result shell(const char *cmd, const lab_exec_options *o)
{
    result r = { 0 };
    lab_loop *loop = lab_loop_new();
    ck_assert_ptr_nonnull(lab_exec(loop, cmd, o, keep, &r));
    lab_loop_run(loop);
    lab_loop_free(loop);
    ck_assert_int_eq(r.calls, 1);
    return r;
}

static result direct(const char *file, char *const argv[], const lab_exec_options *o)
{
    result r = { 0 };
    lab_loop *loop = lab_loop_new();
    ck_assert_ptr_nonnull(lab_exec_file(loop, file, argv, o, keep, &r));
    lab_loop_run(loop);
    lab_loop_free(loop);
    ck_assert_int_eq(r.calls, 1);
    return r;
}

START_TEST(success_collects_both_streams)
{
    result r = shell("echo out; echo err >&2", NULL);
    ck_assert_int_eq(r.error, LAB_EXEC_OK);
    ck_assert_str_eq(r.out, "out\n");
    ck_assert_str_eq(r.err, "err\n");
    ck_assert_int_eq(r.exit_code, 0);
    ck_assert_str_eq(r.message, "");
}
END_TEST

START_TEST(nonzero_exit_is_command_failed)
{
    result r = shell("echo err >&2; exit 4", NULL);
    ck_assert_int_eq(r.error, LAB_EXEC_FAILED);
    ck_assert_int_eq(r.exit_code, 4);
    ck_assert_int_eq(r.signal, 0);
    ck_assert(!r.killed);
    ck_assert_str_eq(r.message, "Command failed: echo err >&2; exit 4\nerr\n");
    ck_assert_str_eq(r.cmd, "echo err >&2; exit 4");
}
END_TEST

/* The flood is followed by a sleep, so that the child cannot end by itself
 * whatever the order in which its writers notice the closed output and
 * the kill signal arrives: on any machine, busy or not, the kill ends it. */
START_TEST(flood_hits_max_buffer_and_is_killed)
{
    result r = shell("yes | head -c 2000000; exec sleep 30", NULL);
    ck_assert_int_eq(r.error, LAB_EXEC_MAXBUFFER);
    ck_assert_str_eq(r.code, "ERR_CHILD_PROCESS_STDIO_MAXBUFFER");
    ck_assert_str_eq(r.message, "stdout maxBuffer length exceeded");
    ck_assert_uint_eq(r.out_len, 1048576);                 /* cut exactly */
    ck_assert(!r.killed);                  /* Node's err has neither... */
    ck_assert_int_eq(r.signal, 0);
    ck_assert(r.child_killed);             /* ...the child was signalled */
    ck_assert_int_eq(r.child_signal, SIGTERM);             /* sh dies of it */
}
END_TEST

START_TEST(small_max_buffer_on_stderr)
{
    lab_exec_options o = { .max_buffer = 10 };
    result r = shell("echo 0123456789abcdef >&2; exec sleep 5", &o);
    ck_assert_int_eq(r.error, LAB_EXEC_MAXBUFFER);
    ck_assert_str_eq(r.message, "stderr maxBuffer length exceeded");
    ck_assert_uint_eq(r.err_len, 10);
    ck_assert_str_eq(r.err, "0123456789");
    ck_assert_int_eq(r.child_signal, SIGTERM);
}
END_TEST

START_TEST(timeout_kills_with_kill_signal)
{
    lab_exec_options o = { .timeout_ms = 100, .kill_signal = SIGKILL };
    result r = shell("exec sleep 5", &o);
    ck_assert_int_eq(r.error, LAB_EXEC_FAILED);
    ck_assert(r.killed);
    ck_assert_int_eq(r.signal, SIGKILL);
    ck_assert_int_eq(r.exit_code, -1);
    ck_assert_str_eq(r.message, "Command failed: exec sleep 5\n");
}
END_TEST

START_TEST(exec_file_missing_program)
{
    char *argv[] = { "nodelab-no-such-program", "a b", NULL };
    result r = direct("nodelab-no-such-program", argv, NULL);
    ck_assert_int_eq(r.error, LAB_EXEC_SPAWN);
    ck_assert_str_eq(r.code, "ENOENT");
    ck_assert_str_eq(r.message, "spawn nodelab-no-such-program ENOENT");
    ck_assert_str_eq(r.cmd, "nodelab-no-such-program a b");
}
END_TEST

START_TEST(the_shell_runs_what_exec_file_passes_literally)
{
    result r = shell("echo hello; echo pwned", NULL);
    ck_assert_str_eq(r.out, "hello\npwned\n");              /* two commands */
    char *argv[] = { "echo", "hello; echo pwned", NULL };
    r = direct("echo", argv, NULL);
    ck_assert_str_eq(r.out, "hello; echo pwned\n");         /* one argument */
}
END_TEST

START_TEST(exec_file_sees_no_globs_or_variables)
{
    char *argv[] = { "echo", "$HOME", "*", NULL };
    result r = direct("echo", argv, NULL);
    ck_assert_str_eq(r.out, "$HOME *\n");
}
END_TEST

int main(void)
{
    return CHECK_RUN("exec", 20, NULL, NULL,
                     success_collects_both_streams, nonzero_exit_is_command_failed,
                     flood_hits_max_buffer_and_is_killed, small_max_buffer_on_stderr,
                     timeout_kills_with_kill_signal, exec_file_missing_program,
                     the_shell_runs_what_exec_file_passes_literally,
                     exec_file_sees_no_globs_or_variables);
}
