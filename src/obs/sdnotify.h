/* The service manager's notifications (sd_notify(3)) for a service that runs
 * under systemd with Type=notify: READY when it serves, RELOADING while it
 * reloads, STOPPING when it stops, WATCHDOG from its main loop at half the
 * unit's WatchdogSec, STATUS lines. Without libsystemd in the build
 * (CAGUARD_WITH_SYSTEMD), or outside systemd (no NOTIFY_SOCKET), every call
 * does nothing. A cg_sdnotify is its owner's (no global); the calls are
 * made from one thread. */
#ifndef CAGUARD_OBS_SDNOTIFY_H
#define CAGUARD_OBS_SDNOTIFY_H

#include <stdint.h>

typedef struct cg_sdnotify {
    int active;             /* NOTIFY_SOCKET is set and the build can notify */
    uint64_t watchdog_usec; /* the unit's WatchdogSec for this process; 0: none */
    double last_ping;       /* CLOCK_MONOTONIC seconds of the last WATCHDOG=1 */
} cg_sdnotify;

void cg_sdnotify_init(cg_sdnotify *n);
/* READY=1 and a STATUS= line (status may be NULL). */
void cg_sdnotify_ready(cg_sdnotify *n, const char *status);
/* RELOADING=1 (with MONOTONIC_USEC, as Type=notify-reload wants). */
void cg_sdnotify_reloading(cg_sdnotify *n);
void cg_sdnotify_stopping(cg_sdnotify *n);
void cg_sdnotify_status(cg_sdnotify *n, const char *status);
/* WATCHDOG=1 when half the watchdog interval has passed since the last
 * one; cheap enough to call from every turn of a loop. */
void cg_sdnotify_tick(cg_sdnotify *n);

#endif
