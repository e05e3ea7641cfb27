/* caguard demo: child processes (caguard-testlog, the monitor) and the
 * submissions to the demo logs. Every child is recorded the moment it is
 * forked and is killed when the demo ends, whichever way: normal return,
 * exit(), SIGINT/SIGTERM/SIGHUP (the handler kills them, then dies of the
 * signal), and a demo killed outright (the children ask the kernel for
 * SIGTERM when their parent dies, PR_SET_PDEATHSIG). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cli/cli.h"
#include "cli/demo.h"
#include "util/base64.h"

#define MAX_CHILDREN 16

static volatile pid_t children[MAX_CHILDREN];

static void add_child(pid_t pid)
{
    for (size_t i = 0; i < MAX_CHILDREN; i++) {
        if (children[i] == 0) {
            children[i] = pid;
            return;
        }
    }
}

static void forget_child(pid_t pid)
{
    for (size_t i = 0; i < MAX_CHILDREN; i++) {
        if (children[i] == pid)
            children[i] = 0;
    }
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Waits up to ms for pid; 1 when it has been reaped. */
static int reap(pid_t pid, long ms, int *status)
{
    for (long waited = 0;; waited += 10) {
        pid_t r = waitpid(pid, status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD))
            return 1;
        if (waited >= ms)
            return 0;
        sleep_ms(10);
    }
}

void demo_stop(pid_t pid)
{
    int status;
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    if (!reap(pid, 3000, &status)) {
        kill(pid, SIGKILL);
        reap(pid, 3000, &status);
    }
    forget_child(pid);
}

void demo_children_stop_all(void)
{
    for (size_t i = 0; i < MAX_CHILDREN; i++) {
        if (children[i] != 0)
            demo_stop(children[i]);
    }
}

static void on_signal(int sig)
{
    /* Only async-signal-safe calls: kill, then die of the same signal. */
    for (size_t i = 0; i < MAX_CHILDREN; i++) {
        if (children[i] != 0)
            kill(children[i], SIGTERM);
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

void demo_children_init(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    atexit(demo_children_stop_all);
    cg_cli_on_signals(on_signal, 1);
}

int demo_self_dir(char *out, size_t cap)
{
    ssize_t n = readlink("/proc/self/exe", out, cap - 1);
    if (n <= 0)
        return 0;
    out[n] = '\0';
    char *slash = strrchr(out, '/');
    if (slash == NULL)
        return 0;
    *slash = '\0';
    return 1;
}

int demo_find_program(const char *name, char *out, size_t cap)
{
    char dir[PATH_MAX];
    if (demo_self_dir(dir, sizeof(dir))) {
        snprintf(out, cap, "%s/%s", dir, name);
        if (access(out, X_OK) == 0)
            return 1;
    }
#ifdef CAGUARD_LIBEXECDIR
    /* Installed: the helpers live in caguard's libexec directory. */
    snprintf(out, cap, "%s/%s", CAGUARD_LIBEXECDIR, name);
    if (access(out, X_OK) == 0)
        return 1;
#endif
    const char *path = getenv("PATH");
    while (path != NULL && *path != '\0') {
        const char *colon = strchr(path, ':');
        size_t len = colon != NULL ? (size_t)(colon - path) : strlen(path);
        if (len > 0 && len < PATH_MAX) {
            snprintf(out, cap, "%.*s/%s", (int)len, path, name);
            if (access(out, X_OK) == 0)
                return 1;
        }
        path = colon != NULL ? colon + 1 : NULL;
    }
    return 0;
}

/* Forks argv with stdout to out_path (NULL: log_path) and stderr to
 * log_path, both appended. */
static pid_t spawn(char *const argv[], const char *out_path, const char *log_path, char *err,
                   size_t errcap)
{
    int log = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int out = out_path != NULL ? open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)
                               : -1;
    pid_t parent = getpid();
    if (log < 0 || (out_path != NULL && out < 0)) {
        snprintf(err, errcap, "cannot write %s: %s", out < 0 && out_path ? out_path : log_path,
                 strerror(errno));
        goto fail;
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(err, errcap, "cannot start %s: %s", argv[0], strerror(errno));
        goto fail;
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull >= 0)
            dup2(devnull, 0);
        dup2(out >= 0 ? out : log, 1);
        dup2(log, 2);
        execv(argv[0], argv);
        dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    add_child(pid);
    close(log);
    if (out >= 0)
        close(out);
    return pid;
fail:
    if (log >= 0)
        close(log);
    if (out >= 0)
        close(out);
    return -1;
}

int demo_run(char *const argv[], const char *out_path, const char *log_path, int *status,
             char *err, size_t errcap)
{
    int st = 0;
    FILE *f = fopen(log_path, "a");
    if (f != NULL) {
        fprintf(f, "$");
        for (size_t i = 0; argv[i] != NULL; i++)
            fprintf(f, " %s", argv[i]);
        fprintf(f, "\n");
        fclose(f);
    }
    pid_t pid = spawn(argv, out_path, log_path, err, errcap);
    if (pid < 0)
        return 0;
    while (waitpid(pid, &st, 0) < 0) {
        if (errno != EINTR) {
            snprintf(err, errcap, "waiting for %s: %s", argv[0], strerror(errno));
            forget_child(pid);
            return 0;
        }
    }
    forget_child(pid);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
    return 1;
}

int demo_serve(char *const argv[], const char *out_path, const char *log_path, pid_t *pid,
               char *addr, size_t addr_cap, char *err, size_t errcap)
{
    *pid = spawn(argv, out_path, log_path, err, errcap);
    if (*pid < 0)
        return 0;
    /* The first line of standard output is "listening on ADDR:PORT". */
    for (int waited = 0; waited < 15000; waited += 20) {
        char line[256] = "";
        FILE *f = fopen(out_path, "r");
        if (f != NULL) {
            if (fgets(line, sizeof(line), f) == NULL)
                line[0] = '\0';
            fclose(f);
        }
        size_t n = strlen(line);
        if (n > 0 && line[n - 1] == '\n' && strncmp(line, "listening on ", 13) == 0) {
            line[n - 1] = '\0';
            snprintf(addr, addr_cap, "%s", line + 13);
            return 1;
        }
        int status;
        if (waitpid(*pid, &status, WNOHANG) == *pid) {
            forget_child(*pid);
            snprintf(err, errcap, "%s serve stopped at start (exit %d); see %s", argv[0],
                     WIFEXITED(status) ? WEXITSTATUS(status) : -1, log_path);
            *pid = -1;
            return 0;
        }
        sleep_ms(20);
    }
    demo_stop(*pid);
    snprintf(err, errcap, "%s serve did not say where it listens within 15 s; see %s", argv[0],
             log_path);
    *pid = -1;
    return 0;
}

typedef struct {
    char *data;
    size_t len;
} body;

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    body *b = arg;
    size_t add = size * n;
    if (b->len + add > (1u << 20))
        return 0;
    char *nd = realloc(b->data, b->len + add + 1);
    if (nd == NULL)
        return 0;
    memcpy(nd + b->len, p, add);
    b->data = nd;
    b->len += add;
    b->data[b->len] = '\0';
    return add;
}

int demo_submit(const char *base_url, int precert, X509 *const *chain, size_t n,
                const char *sct_path, char *err, size_t errcap)
{
    size_t cap = 32, len = 0;
    char *req = malloc(cap);
    char url[512];
    body resp = {NULL, 0};
    CURL *c = NULL;
    struct curl_slist *hdr = NULL;
    long code = 0;
    int ok = 0;
    if (req == NULL)
        goto out;
    len = (size_t)snprintf(req, cap, "{\"chain\":[");
    for (size_t i = 0; i < n; i++) {
        unsigned char *der = NULL;
        int dl = i2d_X509(chain[i], &der);
        if (dl <= 0)
            goto out;
        size_t need = len + 4 * ((size_t)dl + 2) / 3 + 8;
        if (need > cap) {
            char *nr = realloc(req, need * 2);
            if (nr == NULL) {
                OPENSSL_free(der);
                goto out;
            }
            req = nr;
            cap = need * 2;
        }
        if (i > 0)
            req[len++] = ',';
        req[len++] = '"';
        len += cg_base64_encode(der, (size_t)dl, req + len);
        req[len++] = '"';
        OPENSSL_free(der);
    }
    req[len++] = ']';
    req[len++] = '}';
    req[len] = '\0';
    snprintf(url, sizeof(url), "%s/ct/v1/%s", base_url, precert ? "add-pre-chain" : "add-chain");
    c = curl_easy_init();
    hdr = curl_slist_append(NULL, "Content-Type: application/json");
    if (c == NULL || hdr == NULL)
        goto out;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, req);
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &resp);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http");
    CURLcode rc = curl_easy_perform(c);
    if (rc != CURLE_OK) {
        snprintf(err, errcap, "POST %s: %s", url, curl_easy_strerror(rc));
        goto done;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
    if (code != 200) {
        snprintf(err, errcap, "POST %s: HTTP %ld: %.200s", url, code,
                 resp.data != NULL ? resp.data : "");
        goto done;
    }
    if (sct_path != NULL) {
        FILE *f = fopen(sct_path, "w");
        if (f == NULL || fwrite(resp.data, 1, resp.len, f) != resp.len) {
            if (f != NULL)
                fclose(f);
            snprintf(err, errcap, "cannot write %s", sct_path);
            goto done;
        }
        if (fclose(f) != 0) {
            snprintf(err, errcap, "cannot write %s", sct_path);
            goto done;
        }
    }
    ok = 1;
    goto done;
out:
    snprintf(err, errcap, "out of memory submitting to %s", base_url);
done:
    curl_slist_free_all(hdr);
    if (c != NULL)
        curl_easy_cleanup(c);
    free(req);
    free(resp.data);
    return ok;
}
