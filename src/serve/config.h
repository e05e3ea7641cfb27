/* The configuration of caguard serve from the INI file the monitor reads
 * too (docs/serve.md, "Configuration"): its own [serve] section, and from
 * the shared sections what a check needs: [loglist] source, sig, key and
 * reload_interval, and the CA certificate of every [issuer NAME] (cert).
 * The other sections and keys are the monitor's and are skipped here; the
 * keys serve reads are checked strictly (an unknown or repeated key in
 * [serve], a value not of its type or range: "FILE:LINE: what").
 * Relative paths are resolved against the file's directory.
 *
 * Ownership: a cg_serve_config owns its strings; _clear frees them. */
#ifndef CAGUARD_SERVE_CONFIG_H
#define CAGUARD_SERVE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#define CG_SERVE_MAX_CAS 64

typedef struct cg_serve_config {
    /* [serve] */
    char *listen;     /* NULL: not given */
    int64_t threads;  /* 0: not given */
    int64_t max_body; /* 0: not given */
    int64_t timeout;  /* 0: not given */
    char *token_file; /* NULL: none */
    char *store;      /* NULL: no gate */
    int access_log;   /* -1: not given, else 0 or 1 */
    int br_profile;   /* -1: not given, else 0 or 1 (the TLS BR certificate profile) */
    /* [loglist] */
    char *loglist, *loglist_sig, *loglist_key;
    int64_t reload_interval; /* 0: not given */
    /* [serve] ca and [issuer NAME] cert */
    char *cas[CG_SERVE_MAX_CAS];
    size_t n_cas;
} cg_serve_config;

void cg_serve_config_init(cg_serve_config *c);
void cg_serve_config_clear(cg_serve_config *c);
/* Returns 1, or 0 with "path:LINE: what" (or "path: what") in err. */
int cg_serve_config_load(cg_serve_config *c, const char *path, char *err, size_t errcap);

#endif
