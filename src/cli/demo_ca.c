/* What the demo CA does (demo.h), step by step: its hierarchy and the
 * logs' keys, the precertificates of day 0 logged to the two demo logs,
 * the final certificates with the logs' SCTs (each mistake of the seed made
 * where the story says), the logs served and log B moved, the log lists
 * that say so, and the CRLs of day 58. */
/* Paths and messages are built with snprintf into fixed buffers; a --out
 * path too long for them is refused up front (demo_prepare_dirs), so what
 * GCC warns of here cannot cut a path. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/x509.h>

#include "cli/demo.h"
#include "x509/time.h"

/* ---- step 1: the CA hierarchy and the logs' keys ---- */

int demo_make_pki(demo *d)
{
    d->root_key = demo_key_new();
    d->ca_key = demo_key_new();
    d->log_key[0] = demo_key_new();
    d->log_key[1] = demo_key_new();
    /* An older CA: its Names are PrintableString, which is what the CRL
     * issuer mistake below gets wrong. */
    d->root_name = demo_name("caguard Demo Trust", "caguard Demo Root R1", V_ASN1_PRINTABLESTRING);
    d->ca_name =
        demo_name("caguard Demo Trust", "caguard Demo TLS Issuing CA 1", V_ASN1_PRINTABLESTRING);
    if (d->root_key == NULL || d->ca_key == NULL || d->log_key[0] == NULL ||
        d->log_key[1] == NULL || d->root_name == NULL || d->ca_name == NULL) {
        snprintf(d->err, sizeof(d->err), "cannot make keys");
        return 0;
    }
    d->root = demo_ca_cert(d->root_name, d->root_key, NULL, NULL, d->day0 - 400 * DEMO_DAY,
                           d->day0 + 3650 * DEMO_DAY, d->err, sizeof(d->err));
    if (d->root == NULL)
        return 0;
    d->ca = demo_ca_cert(d->ca_name, d->ca_key, d->root, d->root_key, d->day0 - 365 * DEMO_DAY,
                         d->day0 + 1825 * DEMO_DAY, d->err, sizeof(d->err));
    return d->ca != NULL && demo_write_cert("pki/root.pem", &d->root, 1, d->err, sizeof(d->err)) &&
           demo_write_cert("pki/ca.pem", &d->ca, 1, d->err, sizeof(d->err)) &&
           demo_write_key("pki/root.key.pem", d->root_key, 0, d->err, sizeof(d->err)) &&
           demo_write_key("pki/ca.key.pem", d->ca_key, 0, d->err, sizeof(d->err)) &&
           demo_write_key("logs/a.key.pem", d->log_key[0], 0, d->err, sizeof(d->err)) &&
           demo_write_key("logs/a.pub.pem", d->log_key[0], 1, d->err, sizeof(d->err)) &&
           demo_write_key("logs/b.key.pem", d->log_key[1], 0, d->err, sizeof(d->err)) &&
           demo_write_key("logs/b.pub.pem", d->log_key[1], 1, d->err, sizeof(d->err));
}

/* ---- step 2: precertificates, logged on day 0 ---- */

int demo_make_precerts(demo *d)
{
    /* Issued a minute before the SCTs, valid 90 days. */
    int64_t nb = d->day0 - 60, na = nb + 90 * DEMO_DAY - 1;
    for (int i = 0; i < DEMO_N_ITEMS; i++) {
        demo_item *it = &d->it[i];
        it->serial = demo_serial();
        it->key = demo_key_new();
        it->not_before = nb;
        it->not_after = na;
        it->clean = i < DEMO_N_CLEAN;
        if (i < DEMO_N_CLEAN) {
            snprintf(it->name, sizeof(it->name), "clean-%02d", i + 1);
            snprintf(it->dns, sizeof(it->dns), "shop%02d.demo.example.com", i + 1);
        } else if (i == DEMO_IT_DUP) {
            snprintf(it->name, sizeof(it->name), "two-precerts");
            snprintf(it->dns, sizeof(it->dns), "checkout.demo.example.com");
        } else if (i == DEMO_IT_VALIDITY) {
            snprintf(it->name, sizeof(it->name), "validity");
            snprintf(it->dns, sizeof(it->dns), "pay.demo.example.com");
        } else {
            snprintf(it->name, sizeof(it->name), "sct-in-precert");
            snprintf(it->dns, sizeof(it->dns), "shop01.demo.example.com");
        }
        if (it->serial == NULL || it->key == NULL) {
            snprintf(d->err, sizeof(d->err), "cannot make keys");
            return 0;
        }
        if (i == DEMO_IT_SCTPRE)
            continue; /* made once the first certificate has its SCTs */
        it->pre = demo_precert(d->ca, d->ca_key, it->key, it->serial, it->dns, nb, na, NULL, 0,
                               d->err, sizeof(d->err));
        if (it->pre == NULL)
            return 0;
        if (i == DEMO_IT_DUP) {
            /* Log A answered, log B did not: the CT component made the
             * precertificate again (a second later) for log B, same serial. */
            it->pre_b = demo_precert(d->ca, d->ca_key, it->key, it->serial, it->dns, nb + 1, na,
                                     NULL, 0, d->err, sizeof(d->err));
            if (it->pre_b == NULL)
                return 0;
        }
    }
    /* What each log gets on day 0, in this order (entry index = item). */
    X509 *a[DEMO_N_ITEMS], *b[DEMO_N_ITEMS];
    size_t n = 0;
    for (int i = 0; i < DEMO_IT_SCTPRE; i++, n++) {
        a[n] = d->it[i].pre;
        b[n] = i == DEMO_IT_DUP ? d->it[i].pre_b : d->it[i].pre;
    }
    for (int i = 0; i < DEMO_IT_SCTPRE; i++) {
        char p[96];
        snprintf(p, sizeof(p), "certs/%s.precert.pem", d->it[i].name);
        if (!demo_write_cert(p, &d->it[i].pre, 1, d->err, sizeof(d->err)))
            return 0;
        if (d->it[i].pre_b != NULL) {
            snprintf(p, sizeof(p), "certs/%s.precert-2.pem", d->it[i].name);
            if (!demo_write_cert(p, &d->it[i].pre_b, 1, d->err, sizeof(d->err)))
                return 0;
        }
    }
    return demo_write_cert("logs/a-day0.pem", a, n, d->err, sizeof(d->err)) &&
           demo_write_cert("logs/b-day0.pem", b, n, d->err, sizeof(d->err));
}

int demo_build_logs(demo *d)
{
    char ts[32];
    snprintf(ts, sizeof(ts), "%lld", (long long)d->day0 * 1000 + 123);
    for (int l = 0; l < 2; l++) {
        const char *c = l == 0 ? "a" : "b";
        char dir[16], key[32], scts[32], in[32];
        int status;
        snprintf(dir, sizeof(dir), "logs/%s", c);
        snprintf(key, sizeof(key), "logs/%s.key.pem", c);
        snprintf(scts, sizeof(scts), "logs/%s-scts", c);
        snprintf(in, sizeof(in), "logs/%s-day0.pem", c);
        char *argv[] = {
            d->testlog,  "build", "--dir",        dir,          "--key", key, "--timestamp", ts,
            "--sct-dir", scts,    "pki/root.pem", "pki/ca.pem", in,      NULL};
        if (!demo_run(argv, NULL, "run.log", &status, d->err, sizeof(d->err)))
            return 0;
        if (status != 0) {
            snprintf(d->err, sizeof(d->err),
                     "caguard-testlog build of log %s failed (exit %d); "
                     "see %s/run.log",
                     c, status, d->work);
            return 0;
        }
    }
    return 1;
}

/* ---- step 3: final certificates with the logs' SCTs ---- */

static int read_sct(demo *d, int log, int index, uint8_t *sct, size_t *len)
{
    char p[64];
    snprintf(p, sizeof(p), "logs/%s-scts/%d.json", log == 0 ? "a" : "b", index);
    return demo_sct_from_json(p, sct, len, d->err, sizeof(d->err));
}

int demo_make_finals(demo *d)
{
    for (int i = 0; i < DEMO_N_ITEMS; i++) {
        demo_item *it = &d->it[i];
        uint8_t s[2][CG_DEMO_SCT_MAX];
        size_t sl[2];
        const uint8_t *sp[2] = {s[0], s[1]};
        size_t list_len = 0;
        uint8_t *list = NULL;
        char p[96];
        if (i == DEMO_IT_SCTPRE) {
            /* The renewal of shop01 was made from the old certificate as a
             * template, SCT list extension included, and the CT component
             * signed it as a precertificate, poison and all. */
            X509 *tmpl = d->it[0].final;
            int loc = X509_get_ext_by_NID(tmpl, NID_ct_precert_scts, -1);
            ASN1_OCTET_STRING *v = X509_EXTENSION_get_data(X509_get_ext(tmpl, loc));
            const unsigned char *q = ASN1_STRING_get0_data(v);
            ASN1_OCTET_STRING *inner = d2i_ASN1_OCTET_STRING(NULL, &q, ASN1_STRING_length(v));
            if (inner == NULL) {
                snprintf(d->err, sizeof(d->err), "cannot read back an SCT list");
                return 0;
            }
            it->pre = demo_precert(d->ca, d->ca_key, it->key, it->serial, it->dns,
                                   it->not_before + 2 * DEMO_DAY, it->not_after + 2 * DEMO_DAY,
                                   ASN1_STRING_get0_data(inner), (size_t)ASN1_STRING_length(inner),
                                   d->err, sizeof(d->err));
            ASN1_OCTET_STRING_free(inner);
            snprintf(p, sizeof(p), "certs/%s.precert.pem", it->name);
            if (it->pre == NULL || !demo_write_cert(p, &it->pre, 1, d->err, sizeof(d->err)))
                return 0;
            continue;
        }
        if (!read_sct(d, 0, i, s[0], &sl[0]) || !read_sct(d, 1, i, s[1], &sl[1]))
            return 0;
        list = demo_sct_list(sp, sl, 2, &list_len);
        if (list == NULL) {
            snprintf(d->err, sizeof(d->err), "out of memory");
            return 0;
        }
        /* validity: the certificate was signed the next day, and the code
         * computed its notAfter from that day. */
        it->final = demo_final(it->pre, d->ca_key, list, list_len,
                               i == DEMO_IT_VALIDITY ? DEMO_DAY : 0, d->err, sizeof(d->err));
        free(list);
        snprintf(p, sizeof(p), "certs/%s.pem", it->name);
        if (it->final == NULL || !demo_write_cert(p, &it->final, 1, d->err, sizeof(d->err)))
            return 0;
    }
    return 1;
}

/* ---- step 4: the logs served; the finals and the bad precertificate
 * submitted; log B moves ---- */

int demo_serve_log(demo *d, int l)
{
    const char *c = l == 0 ? "a" : "b";
    char dir[16], out[48];
    snprintf(dir, sizeof(dir), "logs/%s", c);
    snprintf(out, sizeof(out), "logs/%s-serve.out", c);
    char *argv[] = {d->testlog, "serve",       "--dir",      dir,
                    "--listen", "127.0.0.1:0", "--no-admin", NULL};
    return demo_serve(argv, out, "run.log", &d->srv[l], d->addr[l], sizeof(d->addr[l]), d->err,
                      sizeof(d->err));
}

/* The CRL endpoint: caguard-testlog serving the files of crl/ (read at
 * each request) at /files/NAME, with ETag and Last-Modified. */
int demo_serve_crls(demo *d)
{
    char *argv[] = {d->testlog, "serve",       "--files",    "crl",
                    "--listen", "127.0.0.1:0", "--no-admin", NULL};
    return demo_serve(argv, "crl/serve.out", "run.log", &d->srv[2], d->addr[2], sizeof(d->addr[2]),
                      d->err, sizeof(d->err));
}

int demo_submit_all(demo *d)
{
    char url[2][96];
    for (int l = 0; l < 2; l++)
        snprintf(url[l], sizeof(url[l]), "http://%s", d->addr[l]);
    for (int i = 0; i < DEMO_N_ITEMS; i++) {
        demo_item *it = &d->it[i];
        X509 *chain[2];
        if (it->final != NULL) {
            chain[0] = it->final;
            chain[1] = d->ca;
            if (!demo_submit(url[0], 0, chain, 2, NULL, d->err, sizeof(d->err)))
                return 0;
        }
        if (i == DEMO_IT_SCTPRE) {
            chain[0] = it->pre;
            chain[1] = d->ca;
            for (int l = 0; l < 2; l++) {
                if (!demo_submit(url[l], 1, chain, 2, NULL, d->err, sizeof(d->err)))
                    return 0;
            }
        }
    }
    return 1;
}

int demo_write_loglist(demo *d, const char *path, int version, const char *b_addr)
{
    char ts[32], usable[32];
    json_t *ops = json_array();
    cg_time_format(d->now - (version == 1 ? 3 * DEMO_DAY : 0), ts, sizeof(ts));
    cg_time_format(d->day0 - 365 * DEMO_DAY, usable, sizeof(usable));
    for (int l = 0; l < 2 && ops != NULL; l++) {
        char spki[512], id[64], url[96], desc[64], op[64], mail[64];
        if (!demo_log_id(d->log_key[l], spki, sizeof(spki), id, sizeof(id)))
            break;
        snprintf(url, sizeof(url), "http://%s/", l == 0 ? d->addr[0] : b_addr);
        snprintf(desc, sizeof(desc), "caguard demo log %c", l == 0 ? 'A' : 'B');
        snprintf(op, sizeof(op), "Demo Log Operator %c", l == 0 ? 'A' : 'B');
        snprintf(mail, sizeof(mail), "ct@%c.demo.invalid", l == 0 ? 'a' : 'b');
        json_t *log = json_pack("{s:s, s:s, s:s, s:s, s:i, s:{s:{s:s}}}", "description", desc,
                                "log_id", id, "key", spki, "url", url, "mmd", 86400, "state",
                                "usable", "timestamp", usable);
        json_t *o = json_pack("{s:s, s:[s], s:[o]}", "name", op, "email", mail, "logs", log);
        if (o == NULL || json_array_append_new(ops, o) != 0) {
            json_decref(ops);
            ops = NULL;
        }
    }
    char ver[16];
    snprintf(ver, sizeof(ver), "demo.%d", version);
    json_t *list = ops != NULL ? json_pack("{s:s, s:s, s:o}", "version", ver, "log_list_timestamp",
                                           ts, "operators", ops)
                               : NULL;
    int ok = list != NULL && json_dump_file(list, path, JSON_INDENT(1) | JSON_PRESERVE_ORDER) == 0;
    json_decref(list);
    if (!ok)
        snprintf(d->err, sizeof(d->err), "cannot write %s", path);
    return ok;
}

int demo_make_crls(demo *d)
{
    /* The CA revokes the two misissued certificates today, day 58: 51 and
     * 35 days after their deadlines, and as keyCompromise where the BRs
     * ask for superseded (§4.9.1.1 (12), Mozilla RSP §6.1.1). */
    demo_revoked r[2] = {
        {d->it[DEMO_IT_SCTPRE].serial, d->now - 3600, 1},
        {d->it[DEMO_IT_VALIDITY].serial, d->now - 3600, 1},
    };
    X509_CRL *ca_crl = demo_crl(d->ca, d->ca_key, d->ca_name, 58, d->now - 1800,
                                d->now - 1800 + 7 * DEMO_DAY, r, 2, d->err, sizeof(d->err));
    X509_CRL *root_crl = NULL;
    X509_NAME *utf8 = NULL;
    int ok = 0;
    if (ca_crl == NULL || !demo_write_crl("crl/ca.crl", ca_crl, d->err, sizeof(d->err)))
        goto out;
    /* The root's CRL, made by the new CRL tool: the same Name, but as
     * UTF8String where the root's subject has PrintableString. */
    utf8 = demo_name("caguard Demo Trust", "caguard Demo Root R1", V_ASN1_UTF8STRING);
    if (utf8 == NULL)
        goto out;
    root_crl = demo_crl(d->root, d->root_key, utf8, 3, d->now - DEMO_DAY,
                        d->now - DEMO_DAY + 180 * DEMO_DAY, NULL, 0, d->err, sizeof(d->err));
    ok = root_crl != NULL && demo_write_crl("crl/root.crl", root_crl, d->err, sizeof(d->err));
out:
    X509_NAME_free(utf8);
    X509_CRL_free(ca_crl);
    X509_CRL_free(root_crl);
    return ok;
}
