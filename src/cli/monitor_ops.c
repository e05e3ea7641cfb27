/* caguard monitor as a service (monitor_ops.h). */
#include "cli/monitor_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#if CAGUARD_HAVE_HTTP_SERVER
#include "obs/httpd.h"
#endif

void cg_cli_ops_init(cg_cli_ops *o)
{
    memset(o, 0, sizeof(*o));
    cg_logger_init(&o->log, stderr, CG_LOGGER_TEXT, "caguard monitor");
    cg_sdnotify_init(&o->sd);
}

#if CAGUARD_HAVE_HTTP_SERVER
/* GET (or HEAD) /metrics; 404 elsewhere, 405 for other methods. Runs on
 * the listener's threads: the registry is thread-safe. */
static void handle(void *arg, const cg_http_request *req, cg_http_response *resp)
{
    cg_cli_ops *o = arg;
    static const char not_found[] = "caguard monitor serves /metrics only\n";
    if (strcmp(req->path, "/metrics") != 0) {
        resp->status = 404;
        resp->content_type = "text/plain; charset=utf-8";
        resp->body = strdup(not_found);
        resp->body_len = resp->body != NULL ? strlen(resp->body) : 0;
        return;
    }
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        resp->status = 405;
        cg_http_response_header(resp, "Allow", "GET, HEAD");
        return;
    }
    resp->body = cg_metrics_render(o->metrics, &resp->body_len);
    if (resp->body == NULL) {
        resp->status = 500;
        return;
    }
    resp->status = 200;
    resp->content_type = CG_METRICS_CONTENT_TYPE;
}
#endif

int cg_cli_ops_metrics(cg_cli_ops *o, const char *spec, char *err, size_t errcap)
{
#if CAGUARD_HAVE_HTTP_SERVER
    cg_httpd_opts ho;
    if (o->metrics == NULL && (o->metrics = cg_metrics_new()) == NULL) {
        snprintf(err, errcap, "out of memory");
        return 0;
    }
    if (!cg_metrics_add_process(o->metrics) ||
        (o->series = cg_monitor_series_new(o->metrics)) == NULL) {
        snprintf(err, errcap, "out of memory");
        return 0;
    }
    memset(&ho, 0, sizeof(ho));
    ho.listen = spec;
    ho.threads = 2; /* a scraper or two: the monitor's own work keeps the CPU */
    ho.max_body = 1024;
    ho.handler = handle;
    ho.arg = o;
    o->httpd = cg_httpd_start(&ho, err, errcap);
    if (o->httpd == NULL)
        return 0;
    snprintf(o->listen, sizeof(o->listen), "%s", cg_httpd_address(o->httpd));
    return 1;
#else
    (void)o;
    (void)spec;
    snprintf(err, errcap,
             "this build of caguard has no HTTP server (configured without "
             "CAGUARD_WITH_HTTP_SERVER)");
    return 0;
#endif
}

void cg_cli_ops_tick(void *arg)
{
    cg_cli_ops *o = arg;
    cg_sdnotify_tick(&o->sd);
}

void cg_cli_ops_cleanup(cg_cli_ops *o)
{
#if CAGUARD_HAVE_HTTP_SERVER
    cg_httpd_stop(o->httpd, 5);
#endif
    o->httpd = NULL;
    cg_monitor_series_free(o->series);
    o->series = NULL;
    cg_metrics_free(o->metrics);
    o->metrics = NULL;
}

int cg_cli_reexec(char *err, size_t errcap)
{
    /* The arguments as the kernel has them: NUL-separated, at most what a
     * command line may hold. */
    char *buf = NULL, **argv = NULL;
    size_t n = 0, cap = 0, argc = 0;
    int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errcap, "cannot read /proc/self/cmdline: %s", strerror(errno));
        return 0;
    }
    for (;;) {
        if (n + 4096 + 1 > cap) {
            char *nb = realloc(buf, cap = 2 * cap + 4096 + 1);
            if (nb == NULL)
                break;
            buf = nb;
        }
        ssize_t r = read(fd, buf + n, cap - n - 1);
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    close(fd);
    if (buf == NULL || n == 0) {
        snprintf(err, errcap, "cannot read /proc/self/cmdline");
        free(buf);
        return 0;
    }
    buf[n] = '\0';
    for (size_t i = 0; i < n; i++)
        if (buf[i] == '\0')
            argc++;
    argv = calloc(argc + 1, sizeof(char *));
    if (argv == NULL) {
        snprintf(err, errcap, "out of memory");
        free(buf);
        return 0;
    }
    for (size_t i = 0, k = 0; i < n && k < argc; k++) {
        argv[k] = buf + i;
        i += strlen(buf + i) + 1;
    }
    fflush(NULL);
    execv("/proc/self/exe", argv);
    snprintf(err, errcap, "cannot start again: %s", strerror(errno));
    free(argv);
    free(buf);
    return 0;
}
