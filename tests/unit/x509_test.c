/* Certificate, precertificate and CRL views over real objects. */
#include <stdlib.h>
#include <string.h>

#include "der/pem.h"
#include "x509/oid.h"
#include "x509/time.h"
#include "x509/x509.h"
#include "testutil.h"

/* First object of a PEM file, copied out. */
static uint8_t *load_der(const char *path, size_t *len)
{
    return cg_test_read_der(path, len);
}

static void test_time(void)
{
    static const uint8_t utc[] = {0x17, 0x0d, '2', '3', '0', '6', '2', '0',
                                  '1', '2', '3', '4', '5', '6', 'Z'};
    static const uint8_t nosec[] = {0x17, 0x0b, '2', '3', '0', '6', '2', '0',
                                    '1', '2', '3', '4', 'Z'};
    static const uint8_t gen49[] = {0x18, 0x0f, '2', '0', '4', '9', '0', '1', '0', '1',
                                    '0', '0', '0', '0', '0', '0', 'Z'};
    static const uint8_t feb30[] = {0x17, 0x0d, '2', '3', '0', '2', '3', '0',
                                    '1', '2', '3', '4', '5', '6', 'Z'};
    cg_cbs c;
    int64_t t, r;
    unsigned fl;
    char buf[32];
    cg_cbs_init(&c, utc, sizeof(utc));
    CHECK(cg_time_parse(&c, &t, &fl) && fl == 0);
    cg_time_format(t, buf, sizeof(buf));
    CHECK(strcmp(buf, "2023-06-20T12:34:56Z") == 0);
    CHECK(cg_time_parse_rfc3339("2023-06-20T12:34:56Z", &r) && r == t);
    CHECK(cg_time_parse_rfc3339("2023-06-20T14:34:56.250+02:00", &r) && r == t);
    CHECK(!cg_time_parse_rfc3339("2023-06-20", &r));
    CHECK(!cg_time_parse_rfc3339("2023-02-29T00:00:00Z", &r));
    CHECK(cg_time_parse_rfc3339("2024-02-29T00:00:00Z", &r));
    CHECK(!cg_time_parse_rfc3339("2023-06-20T12:34:56Zjunk", &r));
    cg_cbs_init(&c, nosec, sizeof(nosec));
    CHECK(cg_time_parse(&c, &t, &fl) && (fl & CG_TIME_NO_SECONDS));
    cg_cbs_init(&c, gen49, sizeof(gen49));
    CHECK(cg_time_parse(&c, &t, &fl) && (fl & CG_TIME_GEN_BEFORE_2050));
    cg_cbs_init(&c, feb30, sizeof(feb30));
    CHECK(!cg_time_parse(&c, &t, &fl));
    cg_time_format(-1, buf, sizeof(buf));
    CHECK(strcmp(buf, "1969-12-31T23:59:59Z") == 0);
    CHECK(cg_days_from_civil(1970, 1, 1) == 0 && cg_days_from_civil(2000, 3, 1) == 11017);
}

static void test_precert_and_cert(void)
{
    size_t plen = 0, clen = 0;
    uint8_t *pre = load_der("le2023/good/precert.pem", &plen);
    uint8_t *fin = load_der("le2023/good/final.pem", &clen);
    cg_cert p, c;
    cg_der_error err;
    size_t n;
    CHECK(pre != NULL && fin != NULL);
    if (pre == NULL || fin == NULL)
        goto out;
    CHECK(cg_guess_kind(pre, plen) == CG_KIND_CERT);
    CHECK(cg_cert_parse(&p, pre, plen, &err));
    CHECK(cg_cert_parse(&c, fin, clen, &err));
    CHECK(p.is_precert && !c.is_precert);
    CHECK(p.version_num == 2 && p.der.len == plen);
    CHECK(cg_cbs_equal(&p.serial, &c.serial) && cg_cbs_equal(&p.issuer, &c.issuer));
    CHECK(cg_cbs_equal(&p.validity, &c.validity) && p.not_after_t > p.not_before_t);
    CHECK(p.tbs.data == pre + 4 || p.tbs.data == pre + 3);
    CHECK(cg_cert_find_ext(&p, CG_OID_CT_POISON, sizeof(CG_OID_CT_POISON), &n) != NULL &&
          n == 1);
    const cg_ext *sct = cg_cert_find_ext(&c, CG_OID_CT_SCT_LIST, sizeof(CG_OID_CT_SCT_LIST), &n);
    CHECK(sct != NULL && n == 1 && !sct->critical && sct->value.len > 100);
    CHECK(cg_cert_find_ext(&p, CG_OID_CT_SCT_LIST, sizeof(CG_OID_CT_SCT_LIST), &n) == NULL &&
          n == 0);
    CHECK(p.n_ext == c.n_ext);
    /* The issuer read alone is the one the full parse reads. */
    cg_cbs pi, ci;
    CHECK(cg_cert_peek_issuer(pre, plen, &pi) && cg_cbs_equal(&pi, &p.issuer));
    CHECK(cg_cert_peek_issuer(fin, clen, &ci) && cg_cbs_equal(&ci, &c.issuer));
    char oid[64];
    cg_oid_to_string(&p.ext[0].oid, oid, sizeof(oid));
    CHECK(strncmp(oid, "2.5.29.", 7) == 0 || strncmp(oid, "1.3.6.1.", 8) == 0);

    /* Every truncation fails cleanly with an offset inside the input. */
    for (size_t cut = 0; cut < plen; cut++) {
        cg_cert t;
        CHECK(!cg_cert_parse(&t, pre, cut, &err) && err.offset <= cut);
        CHECK(!cg_cert_peek_issuer(pre, cut, &pi));
    }
out:
    free(pre);
    free(fin);
}

static void test_crl(void)
{
    size_t len = 0;
    uint8_t *der = load_der("boulder-crl/crl_good.pem", &len);
    cg_crl crl;
    cg_der_error err;
    cg_crl_entry e;
    CHECK(der != NULL);
    if (der == NULL)
        return;
    CHECK(cg_guess_kind(der, len) == CG_KIND_CRL);
    CHECK(cg_crl_parse(&crl, der, len, &err));
    CHECK(crl.has_version && crl.version_num == 1 && crl.has_next_update && crl.has_revoked);
    CHECK(crl.n_ext == 3);
    CHECK(crl.next_update_t - crl.this_update_t == 9 * 86400 - 1);
    cg_cbs it = crl.revoked;
    size_t entries = 0;
    while (cg_crl_next_entry(&it, &e, der, &err))
        entries++;
    CHECK(entries == 1 && err.what[0] == '\0' && e.has_extensions);
    char oid[32];
    cg_oid_to_string(&crl.ext[2].oid, oid, sizeof(oid));
    CHECK(strcmp(oid, "2.5.29.28") == 0);
    for (size_t cut = 0; cut < len; cut++) {
        cg_crl t;
        CHECK(!cg_crl_parse(&t, der, cut, &err));
    }
    free(der);
}

int main(void)
{
    test_time();
    test_precert_and_cert();
    test_crl();
    return cg_test_done();
}
