/* Child processes for alerts (hooks, sendmail): several started at once,
 * each in its own process group, with an environment and bytes for its
 * standard input, standard output and error captured into bounded buffers,
 * and all of them waited for up to one deadline. One still running at the
 * deadline is killed with SIGKILL sent to its whole process group (what it
 * started dies with it). Nothing here prints: the caller reads the result
 * of each process and says what went wrong (cg_proc_describe).
 *
 * SIGPIPE: a child that exits without reading all of its input makes the
 * write fail with EPIPE, not kill the caller: SIGPIPE is blocked in the
 * calling thread while the children run, and one raised by such a write is
 * consumed before the mask is restored. Children start with an empty signal
 * mask and the default action for every catchable signal. */
#ifndef CAGUARD_MONITOR_PROC_H
#define CAGUARD_MONITOR_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Bytes of standard output and of standard error kept per process; the
 * rest is read and dropped (so a chatty child never blocks). */
#define CG_PROC_CAPTURE 4096
/* Processes one cg_proc_run handles; past it, the rest are not started. */
#define CG_PROC_MAX 64

typedef struct cg_proc {
    /* in: set by the caller (all borrowed) */
    const char *path;       /* the program; without a '/', looked up in PATH */
    char *const *argv;      /* argv[0] included, NULL-terminated */
    char *const *envp;      /* NULL: the caller's environment */
    const uint8_t *input;   /* written to its standard input, which is then closed */
    size_t input_len;

    /* out: what happened */
    int started;            /* 0: it could not be started (why says so) */
    int exited;             /* it exited by itself; status is its exit status */
    int status;
    int signaled;           /* it was killed by a signal (signo), ours or another's */
    int signo;
    int timed_out;          /* still running at the deadline: killed (SIGKILL to its group) */
    int input_short;        /* it closed its standard input before reading all of it */
    char out[CG_PROC_CAPTURE];
    size_t out_len;
    int out_truncated;
    char err[CG_PROC_CAPTURE];
    size_t err_len;
    int err_truncated;
    char why[256];          /* !started: the reason */

    /* private to proc.c */
    pid_t pid;
    int fd_in, fd_out, fd_err;
    size_t in_off;
    int reaped;
    int64_t reaped_at;
} cg_proc;

/* Starts every process of procs (in, out: see above), feeds their input,
 * captures their output, and waits until each has exited or timeout_ms
 * milliseconds (from the call) have passed; those still running then are
 * killed and reaped. Returns 1 when every process started and exited with
 * status 0, else 0. Blocks for at most about timeout_ms plus the time the
 * kernel takes to deliver SIGKILL. */
int cg_proc_run(cg_proc *procs, size_t n, int64_t timeout_ms);

/* 1 when p started and exited with status 0. */
int cg_proc_ok(const cg_proc *p);

/* What went wrong, for a person: "exited with status 3", "was killed by
 * signal 9 (Killed)", "ran past the 30 s timeout and was killed", "could
 * not be started: No such file or directory", followed by ": " and the
 * first line of its standard error (of its standard output when standard
 * error is empty), control characters replaced and cut at 200 bytes. ""
 * when it went well. timeout_ms is the one given to cg_proc_run. */
void cg_proc_describe(const cg_proc *p, int64_t timeout_ms, char *buf, size_t cap);

#endif
