/* sd_notify for Type=notify services (sdnotify.h), through libsystemd. */
#include "obs/sdnotify.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/time.h"

#if CAGUARD_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

void cg_sdnotify_init(cg_sdnotify *n)
{
    memset(n, 0, sizeof(*n));
#if CAGUARD_HAVE_SYSTEMD
    const char *sock = getenv("NOTIFY_SOCKET");
    n->active = sock != NULL && sock[0] != '\0';
    if (n->active && sd_watchdog_enabled(0, &n->watchdog_usec) <= 0)
        n->watchdog_usec = 0;
    n->last_ping = cg_time_mono();
#endif
}

static void notify(cg_sdnotify *n, const char *state)
{
#if CAGUARD_HAVE_SYSTEMD
    if (n->active)
        sd_notify(0, state);
#else
    (void)n;
    (void)state;
#endif
}

void cg_sdnotify_ready(cg_sdnotify *n, const char *status)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "READY=1\nSTATUS=%s", status != NULL ? status : "running");
    notify(n, buf);
}

void cg_sdnotify_reloading(cg_sdnotify *n)
{
    char buf[128];
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    snprintf(buf, sizeof(buf), "RELOADING=1\nMONOTONIC_USEC=%llu",
             (unsigned long long)ts.tv_sec * 1000000ULL + (unsigned long long)ts.tv_nsec / 1000);
    notify(n, buf);
}

void cg_sdnotify_stopping(cg_sdnotify *n)
{
    notify(n, "STOPPING=1");
}

void cg_sdnotify_status(cg_sdnotify *n, const char *status)
{
    char buf[512];
    snprintf(buf, sizeof(buf), "STATUS=%s", status);
    notify(n, buf);
}

void cg_sdnotify_tick(cg_sdnotify *n)
{
    double t;
    if (!n->active || n->watchdog_usec == 0)
        return;
    t = cg_time_mono();
    if (t - n->last_ping < (double)n->watchdog_usec / 2e6)
        return;
    n->last_ping = t;
    notify(n, "WATCHDOG=1");
}
