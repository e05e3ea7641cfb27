/* --loglist, --loglist-sig and --loglist-key, shared by the commands that
 * take log lists. A signature applies to the --loglist before it; a list
 * whose signature does not verify is reported and not used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli/cli.h"
#include "ct/loglist.h"
#include "ct/loglist_snapshot.h"
#include "x509/time.h"
#if CAGUARD_HAVE_MONITOR
#include "monitor/http.h"
#endif

#define MAX_LISTS 16

int cg_cli_loglists_add(cg_cli_loglists *ll, const char *path)
{
    if (ll->n == MAX_LISTS)
        return 0;
    ll->paths[ll->n] = path;
    ll->sigs[ll->n] = NULL;
    ll->n++;
    return 1;
}

int cg_cli_loglists_add_sig(cg_cli_loglists *ll, const char *path)
{
    if (ll->n == 0 || ll->sigs[ll->n - 1] != NULL)
        return 0;
    ll->sigs[ll->n - 1] = path;
    return 1;
}

/* A file, or what an http(s) URL serves (a log list is at most 16 MiB). */
static uint8_t *read_list(const char *path, size_t *len, char *err, size_t errcap)
{
#if CAGUARD_HAVE_MONITOR
    if (!cg_http_is_url(path))
        return cg_cli_read_file(path, len, err, errcap);
    /* the reason names the URL */
    return cg_http_get(path, 16u * 1024 * 1024, len, err, errcap);
#else
    if (strncmp(path, "http://", 7) == 0 || strncmp(path, "https://", 8) == 0) {
        snprintf(err, errcap,
                 "this build of caguard fetches no URL (configured without "
                 "CAGUARD_WITH_MONITOR): download the list and give the file");
        return NULL;
    }
    return cg_cli_read_file(path, len, err, errcap);
#endif
}

/* The snapshot, when no --loglist is given. A snapshot that cannot be
 * read leaves the command without lists, as before there was one, and
 * says so. */
static cg_loglist *load_snapshot(const cg_cli_loglists *ll, const char *cmd)
{
    char err[1024];
    cg_loglist_snapshot s;
    cg_loglist *list = cg_loglist_new();
    if (list == NULL || !cg_loglist_snapshot_load(list, &s, err, sizeof(err))) {
        if (!ll->quiet)
            fprintf(stderr,
                    "caguard %s: notice: %s; SCTs are checked against no log list (give "
                    "--loglist FILE, or run 'caguard loglist update')\n",
                    cmd, list == NULL ? "out of memory" : err);
        cg_loglist_free(list);
        return NULL;
    }
    int64_t now_ms = (int64_t)time(NULL) * 1000;
    if (!ll->quiet && s.timestamp_ms >= 0 && now_ms - s.timestamp_ms > CG_SNAPSHOT_MAX_AGE_MS) {
        char when[32];
        cg_time_format(s.timestamp_ms / 1000, when, sizeof(when));
        when[10] = '\0';
        fprintf(stderr,
                "caguard %s: notice: the CT log lists in use (%s) were published on %s, %lld "
                "days ago; 'caguard loglist update' fetches the current ones\n",
                cmd, s.dir, when, (long long)((now_ms - s.timestamp_ms) / 86400000));
    }
    return list;
}

int cg_cli_loglists_load(cg_cli_loglists *ll, const char *cmd, cg_ctx *ctx,
                         cg_loglist **out)
{
    char err[512];
    uint8_t *key = NULL;
    size_t key_len = 0;
    int rc = CG_EXIT_USAGE;
    *out = NULL;
    if (ll->n == 0) {
        if (ll->defaults && !ll->no_defaults)
            *out = load_snapshot(ll, cmd);
        return CG_EXIT_OK;
    }
    for (size_t i = 0; i < ll->n; i++) {
        if (ll->sigs[i] != NULL && ll->key == NULL)
            return cg_cli_usage_error(cmd, "--loglist-sig needs --loglist-key");
    }
    if (ll->key != NULL) {
        key = cg_cli_read_file(ll->key, &key_len, err, sizeof(err));
        if (key == NULL)
            return cg_cli_usage_error(cmd, "--loglist-key: %s", err);
    }
    *out = cg_loglist_new();
    if (*out == NULL)
        goto done;
    for (size_t i = 0; i < ll->n; i++) {
        size_t len, sig_len;
        uint8_t *data = read_list(ll->paths[i], &len, err, sizeof(err)), *sig = NULL;
        if (data == NULL) {
            rc = cg_cli_usage_error(cmd, "--loglist: %s", err);
            goto done;
        }
        if (ll->sigs[i] != NULL) {
            sig = read_list(ll->sigs[i], &sig_len, err, sizeof(err));
            if (sig == NULL) {
                free(data);
                rc = cg_cli_usage_error(cmd, "--loglist-sig: %s", err);
                goto done;
            }
            int ok = cg_loglist_verify_signature(data, len, sig, sig_len, key, key_len, err,
                                                 sizeof(err));
            free(sig);
            if (!ok) {
                cg_objref ref;
                memset(&ref, 0, sizeof(ref));
                ref.file = ll->paths[i];
                ref.kind = CG_KIND_INPUT;
                cg_report(ctx, CG_R_CT_LOGLIST_SIGNATURE_INVALID, &ref,
                          "the signature %s over log list %s does not verify under %s (%s); "
                          "the list is not used",
                          ll->sigs[i], ll->paths[i], ll->key, err);
                free(data);
                continue;
            }
        }
        int ok = cg_loglist_load(*out, data, len, ll->paths[i], err, sizeof(err));
        free(data);
        if (!ok) {
            rc = cg_cli_usage_error(cmd, "--loglist %s: %s", ll->paths[i], err);
            goto done;
        }
    }
    rc = CG_EXIT_OK;
    if (cg_loglist_count(*out) == 0) {
        /* Every list was refused: as if none had been given. */
        cg_loglist_free(*out);
        *out = NULL;
    }
done:
    free(key);
    if (rc != CG_EXIT_OK) {
        cg_loglist_free(*out);
        *out = NULL;
    }
    return rc;
}
