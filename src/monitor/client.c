/* The one table of log client kinds (client.h). Each row's functions adapt
 * its client's typed API to the handle the monitor holds; a new kind of
 * log is a client file and a row here. */
#include "monitor/client.h"

#include "monitor/tileclient.h"

static void *rfc6962_new(const char *url, EVP_PKEY *key, const cg_logclient_opts *opts)
{
    return cg_logclient_new(url, key, opts);
}

static void *static_new(const char *url, EVP_PKEY *key, const cg_logclient_opts *opts)
{
    return cg_tileclient_new(url, key, opts != NULL ? opts->origin : NULL, opts);
}

static void rfc6962_free(void *c)
{
    cg_logclient_free(c);
}

static void static_free(void *c)
{
    cg_tileclient_free(c);
}

static cg_log_status rfc6962_get_sth(void *c, cg_sth *sth, char *why, size_t whycap)
{
    return cg_logclient_get_sth(c, sth, why, whycap);
}

static cg_log_status static_get_sth(void *c, cg_sth *sth, char *why, size_t whycap)
{
    return cg_tileclient_get_checkpoint(c, sth, why, whycap);
}

static cg_log_status rfc6962_scan(void *c, cg_merkle_hasher *h, cg_merkle_frontier *f,
                                  uint64_t end, const cg_sth *sth, cg_log_entry_fn fn, void *arg,
                                  char *why, size_t whycap)
{
    return cg_logclient_scan(c, h, f, end, sth, fn, arg, why, whycap);
}

static cg_log_status static_scan(void *c, cg_merkle_hasher *h, cg_merkle_frontier *f, uint64_t end,
                                 const cg_sth *sth, cg_log_entry_fn fn, void *arg, char *why,
                                 size_t whycap)
{
    return cg_tileclient_scan(c, h, f, end, sth, fn, arg, why, whycap);
}

static cg_log_status rfc6962_consistency(void *c, uint64_t size1, uint64_t size2, uint8_t *proof,
                                         size_t *n, char *why, size_t whycap)
{
    return cg_logclient_get_consistency(c, size1, size2, proof, n, why, whycap);
}

static cg_log_status static_consistency(void *c, uint64_t size1, uint64_t size2, uint8_t *proof,
                                        size_t *n, char *why, size_t whycap)
{
    return cg_tileclient_get_consistency(c, NULL, size1, size2, proof, n, why, whycap);
}

static cg_log_status rfc6962_frontier(void *c, cg_merkle_hasher *h, const cg_sth *sth,
                                      cg_merkle_frontier *f, char *why, size_t whycap)
{
    return cg_logclient_frontier_at(c, h, sth, f, why, whycap);
}

static cg_log_status static_frontier(void *c, cg_merkle_hasher *h, const cg_sth *sth,
                                     cg_merkle_frontier *f, char *why, size_t whycap)
{
    return cg_tileclient_frontier_at(c, h, sth, f, why, whycap);
}

static const cg_log_client_kind kinds[] = {
    {CG_MONITOR_LOG_RFC6962, "rfc6962", rfc6962_new, rfc6962_free, rfc6962_get_sth, rfc6962_scan,
     rfc6962_consistency, rfc6962_frontier},
    {CG_MONITOR_LOG_STATIC, "static", static_new, static_free, static_get_sth, static_scan,
     static_consistency, static_frontier},
};

const cg_log_client_kind *cg_log_client_kind_get(cg_monitor_log_type type)
{
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (kinds[i].type == type)
            return &kinds[i];
    }
    return NULL;
}
