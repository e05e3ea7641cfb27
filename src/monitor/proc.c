/* Child processes for alerts: proc.h says what and why. */
#define _GNU_SOURCE /* pipe2, posix_spawn_file_actions_addclosefrom_np */

#include "monitor/proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* After a child has exited, how long what it left running may keep its
 * standard output or error open before we stop reading them. */
#define GRACE_MS 200
/* The longest poll: children that exit with their pipes already closed are
 * noticed by waitpid at this pace. */
#define TICK_MS 20

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

static void close_pair(int p[2])
{
    close_fd(&p[0]);
    close_fd(&p[1]);
}

static void set_why(cg_proc *p, const char *what, int e)
{
    snprintf(p->why, sizeof(p->why), "%s: %s", what, strerror(e));
}

/* Signals a child gets back to their default action: whatever the caller
 * ignores or handles (SIGPIPE above all: a hook piping into head(1) must
 * see it) is not the child's business. */
static void default_signals(sigset_t *set)
{
    static const int sigs[] = {SIGPIPE, SIGINT,  SIGTERM, SIGHUP,  SIGQUIT, SIGCHLD,
                               SIGALRM, SIGUSR1, SIGUSR2, SIGTSTP, SIGTTIN, SIGTTOU};
    sigemptyset(set);
    for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
        sigaddset(set, sigs[i]);
}

static int start(cg_proc *p)
{
    int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t empty, defs;
    int rc, have_fa = 0, have_attr = 0;

    if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
        set_why(p, "pipe", errno);
        goto fail;
    }
    rc = posix_spawn_file_actions_init(&fa);
    if (rc != 0) {
        set_why(p, "posix_spawn", rc);
        goto fail;
    }
    have_fa = 1;
    rc = posix_spawnattr_init(&attr);
    if (rc != 0) {
        set_why(p, "posix_spawn", rc);
        goto fail;
    }
    have_attr = 1;
    sigemptyset(&empty);
    default_signals(&defs);
    if ((rc = posix_spawn_file_actions_adddup2(&fa, in[0], 0)) != 0 ||
        (rc = posix_spawn_file_actions_adddup2(&fa, out[1], 1)) != 0 ||
        (rc = posix_spawn_file_actions_adddup2(&fa, err[1], 2)) != 0
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
        /* descriptors the caller opened without O_CLOEXEC (sockets, the
         * store) are not the child's */
        || (rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3)) != 0
#endif
        || (rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                     POSIX_SPAWN_SETSIGDEF)) != 0 ||
        (rc = posix_spawnattr_setpgroup(&attr, 0)) != 0 ||
        (rc = posix_spawnattr_setsigmask(&attr, &empty)) != 0 ||
        (rc = posix_spawnattr_setsigdefault(&attr, &defs)) != 0) {
        set_why(p, "posix_spawn", rc);
        goto fail;
    }
    rc = posix_spawnp(&p->pid, p->path, &fa, &attr, p->argv,
                      p->envp != NULL ? p->envp : environ);
    if (rc != 0) {
        snprintf(p->why, sizeof(p->why), "%s", strerror(rc));
        goto fail;
    }
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close_fd(&in[0]);
    close_fd(&out[1]);
    close_fd(&err[1]);
    p->fd_in = in[1];
    p->fd_out = out[0];
    p->fd_err = err[0];
    /* Our ends never block: one child must not stall the others. */
    fcntl(p->fd_in, F_SETFL, fcntl(p->fd_in, F_GETFL) | O_NONBLOCK);
    fcntl(p->fd_out, F_SETFL, fcntl(p->fd_out, F_GETFL) | O_NONBLOCK);
    fcntl(p->fd_err, F_SETFL, fcntl(p->fd_err, F_GETFL) | O_NONBLOCK);
    p->started = 1;
    if (p->input_len == 0)
        close_fd(&p->fd_in);
    return 1;
fail:
    if (have_fa)
        posix_spawn_file_actions_destroy(&fa);
    if (have_attr)
        posix_spawnattr_destroy(&attr);
    close_pair(in);
    close_pair(out);
    close_pair(err);
    return 0;
}

static void feed(cg_proc *p)
{
    while (p->fd_in >= 0 && p->in_off < p->input_len) {
        ssize_t w = write(p->fd_in, p->input + p->in_off, p->input_len - p->in_off);
        if (w > 0) {
            p->in_off += (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        /* EPIPE: it will not read the rest, which is its choice. */
        p->input_short = 1;
        close_fd(&p->fd_in);
        return;
    }
    close_fd(&p->fd_in);
}

/* Reads what is there; keeps the first CG_PROC_CAPTURE bytes. */
static void drain(int *fd, char *buf, size_t *len, int *truncated)
{
    char scratch[4096];
    while (*fd >= 0) {
        ssize_t r;
        if (*len < CG_PROC_CAPTURE)
            r = read(*fd, buf + *len, CG_PROC_CAPTURE - *len);
        else
            r = read(*fd, scratch, sizeof(scratch));
        if (r > 0) {
            if (*len < CG_PROC_CAPTURE)
                *len += (size_t)r;
            else
                *truncated = 1;
            continue;
        }
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        close_fd(fd); /* end of file, or an error: nothing more to read */
    }
}

static void record(cg_proc *p, int st, int64_t now)
{
    p->reaped = 1;
    p->reaped_at = now;
    if (WIFEXITED(st)) {
        p->exited = 1;
        p->status = WEXITSTATUS(st);
    } else if (WIFSIGNALED(st)) {
        p->signaled = 1;
        p->signo = WTERMSIG(st);
    }
}

static void reap(cg_proc *p, int flags, int64_t now)
{
    int st = 0;
    pid_t r;
    do
        r = waitpid(p->pid, &st, flags);
    while (r < 0 && errno == EINTR);
    if (r == p->pid) {
        record(p, st, now);
    } else if (r < 0) {
        /* ECHILD: someone else reaped it (SIGCHLD ignored): its status is
         * lost, which is said as a failure to start nothing; count it as
         * gone. */
        p->reaped = 1;
        p->reaped_at = now;
        snprintf(p->why, sizeof(p->why), "its exit status was lost: %s", strerror(errno));
    }
}

static void kill_group(cg_proc *p)
{
    /* The group ID is the child's PID (POSIX_SPAWN_SETPGROUP with 0). */
    kill(-p->pid, SIGKILL);
    kill(p->pid, SIGKILL); /* in case it left its group */
}

int cg_proc_ok(const cg_proc *p)
{
    return p->started && p->exited && p->status == 0 && !p->timed_out;
}

int cg_proc_run(cg_proc *procs, size_t n, int64_t timeout_ms)
{
    sigset_t pipe_set, old_mask, pending;
    int pipe_was_pending = 0;
    int64_t deadline = now_ms() + timeout_ms;
    struct pollfd pfd[3 * CG_PROC_MAX];
    cg_proc *owner[3 * CG_PROC_MAX];
    int ok = 1;

    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_set, &old_mask);
    sigemptyset(&pending);
    if (sigpending(&pending) == 0 && sigismember(&pending, SIGPIPE))
        pipe_was_pending = 1;

    for (size_t i = 0; i < n; i++) {
        cg_proc *p = &procs[i];
        p->started = p->exited = p->signaled = p->timed_out = p->input_short = 0;
        p->status = p->signo = 0;
        p->out_len = p->err_len = 0;
        p->out_truncated = p->err_truncated = 0;
        p->why[0] = '\0';
        p->fd_in = p->fd_out = p->fd_err = -1;
        p->in_off = 0;
        p->reaped = 0;
        p->pid = -1;
        if (i < CG_PROC_MAX)
            start(p);
        else
            snprintf(p->why, sizeof(p->why), "more than %d processes at once", CG_PROC_MAX);
    }

    for (;;) {
        int64_t now = now_ms();
        int running = 0;
        nfds_t nfds = 0;
        for (size_t i = 0; i < n; i++) {
            cg_proc *p = &procs[i];
            if (!p->started)
                continue;
            if (!p->reaped)
                reap(p, WNOHANG, now);
            if (!p->reaped && now >= deadline) {
                p->timed_out = 1;
                kill_group(p);
                reap(p, 0, now);
            }
            if (p->reaped && (p->timed_out || now - p->reaped_at >= GRACE_MS)) {
                /* Read what is left, then stop: what it left running does
                 * not hold us (it gets EPIPE or SIGPIPE when it writes). */
                drain(&p->fd_out, p->out, &p->out_len, &p->out_truncated);
                drain(&p->fd_err, p->err, &p->err_len, &p->err_truncated);
                close_fd(&p->fd_in);
                close_fd(&p->fd_out);
                close_fd(&p->fd_err);
            }
            if (!p->reaped || p->fd_out >= 0 || p->fd_err >= 0)
                running = 1;
            if (p->fd_in >= 0) {
                pfd[nfds] = (struct pollfd){p->fd_in, POLLOUT, 0};
                owner[nfds++] = p;
            }
            if (p->fd_out >= 0) {
                pfd[nfds] = (struct pollfd){p->fd_out, POLLIN, 0};
                owner[nfds++] = p;
            }
            if (p->fd_err >= 0) {
                pfd[nfds] = (struct pollfd){p->fd_err, POLLIN, 0};
                owner[nfds++] = p;
            }
        }
        if (!running)
            break;
        int64_t wait = deadline - now;
        if (wait > TICK_MS)
            wait = TICK_MS;
        if (wait < 0)
            wait = 0;
        int r = poll(pfd, nfds, (int)wait);
        if (r < 0 && errno != EINTR)
            break; /* cannot happen with valid descriptors; the deadline still applies below */
        for (nfds_t k = 0; r > 0 && k < nfds; k++) {
            cg_proc *p = owner[k];
            if (pfd[k].revents == 0)
                continue;
            if (pfd[k].fd == p->fd_in)
                feed(p);
            else if (pfd[k].fd == p->fd_out)
                drain(&p->fd_out, p->out, &p->out_len, &p->out_truncated);
            else if (pfd[k].fd == p->fd_err)
                drain(&p->fd_err, p->err, &p->err_len, &p->err_truncated);
        }
    }
    /* Only reached with everything reaped, except after a poll failure:
     * then kill and reap what is left, so no child outlives the call. */
    for (size_t i = 0; i < n; i++) {
        cg_proc *p = &procs[i];
        if (p->started && !p->reaped) {
            p->timed_out = 1;
            kill_group(p);
            reap(p, 0, now_ms());
        }
        close_fd(&p->fd_in);
        close_fd(&p->fd_out);
        close_fd(&p->fd_err);
        if (!cg_proc_ok(p))
            ok = 0;
    }

    /* A SIGPIPE our writes raised is consumed here, not delivered. */
    sigemptyset(&pending);
    if (!pipe_was_pending && !sigismember(&old_mask, SIGPIPE) && sigpending(&pending) == 0 &&
        sigismember(&pending, SIGPIPE)) {
        struct timespec zero = {0, 0};
        while (sigtimedwait(&pipe_set, NULL, &zero) < 0 && errno == EINTR)
            ;
    }
    pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
    return ok;
}

/* The first line of a captured stream, made printable. */
static void first_line(const char *s, size_t len, char *buf, size_t cap)
{
    size_t o = 0, i = 0;
    while (i < len && (s[i] == '\n' || s[i] == '\r' || s[i] == ' ' || s[i] == '\t'))
        i++;
    for (; i < len && s[i] != '\n' && s[i] != '\r' && o + 1 < cap && o < 200; i++) {
        unsigned char c = (unsigned char)s[i];
        buf[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
    }
    while (o > 0 && buf[o - 1] == ' ')
        o--;
    /* Cut on a whole UTF-8 character. */
    if (o > 0 && i < len && s[i] != '\n' && s[i] != '\r') {
        while (o > 0 && ((unsigned char)buf[o - 1] & 0xc0) == 0x80)
            o--;
        if (o > 0 && ((unsigned char)buf[o - 1] & 0xc0) == 0xc0)
            o--;
    }
    if (cap > 0)
        buf[o] = '\0';
}

void cg_proc_describe(const cg_proc *p, int64_t timeout_ms, char *buf, size_t cap)
{
    char line[256];
    if (cap == 0)
        return;
    buf[0] = '\0';
    if (cg_proc_ok(p))
        return;
    if (!p->started) {
        snprintf(buf, cap, "could not be started: %s", p->why);
        return;
    }
    if (p->timed_out) {
        if (timeout_ms % 1000 == 0)
            snprintf(buf, cap, "ran past the %lld s timeout and was killed",
                     (long long)(timeout_ms / 1000));
        else
            snprintf(buf, cap, "ran past the %lld ms timeout and was killed",
                     (long long)timeout_ms);
    } else if (p->signaled) {
        snprintf(buf, cap, "was killed by signal %d (%s)", p->signo, strsignal(p->signo));
    } else if (p->exited) {
        snprintf(buf, cap, "exited with status %d", p->status);
    } else {
        snprintf(buf, cap, "ended in an unknown way (%s)", p->why);
    }
    first_line(p->err, p->err_len, line, sizeof(line));
    if (line[0] == '\0')
        first_line(p->out, p->out_len, line, sizeof(line));
    if (line[0] != '\0') {
        size_t l = strlen(buf);
        snprintf(buf + l, cap - l, ": %s", line);
    }
}
