/* SCT list parser and writer (src/ct/sct.c): a real list, every kind of
 * malformation with its message and offset, unknown versions, round trips
 * through the writer, and every truncation of a valid list. */
#include "ct/sct.h"
#include "testutil.h"
#include "x509/oid.h"
#include "x509/x509.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The SCT list extnValue of ctgo/TestEmbeddedCertPEM.pem: one v1 SCT. */
static const char ctgo_list_hex[] =
    "047a0078007600df1c2ec11500945247a96168325ddc5c7959e8f7c6d388fc002e0bbd3f74d7640000013ddb"
    "27df9300000403004730450220482f6751af35dba65436be1fd6640f3dbf9a41429495924530288fa3e5e23e"
    "06022100e4edc0db3ac572b1e2f5e8ab6a680653987dcf41027dfeffa105519d89edbf08";

/* The SCT list of zlint/empty_sct_list_ok_02.pem: two v1 SCTs. */
static const char zlint_list_hex[] =
    "0481f200f0007600b73efb24df9c4dba75f239c5ba58f46c5dfc42cf7a9f35c49e1d098125edb49900000186"
    "5ca0eec20000040300473045022071a9cff37b85d8fbae8ee6519a731b43558037025d814ed957b43092d32e"
    "f00c022100c0f325a938f0d22989b69e74054333e03beb168be8f1f235c2c887fe505a442b007600adf7befa"
    "7cff10c88b9d3d9c1e3e186ab467295dcfb10c24ca858634ebdc828a000001865ca0eedf0000040300473045"
    "02205a5995ca3d6745ec6fd85ce2a10dc768ccbfc2299b64dfb4190a798df6ea9c22022100ccfa2bb0250d1b"
    "17d64191527cd5afb1c935fccc2aa68bcc6606dd5a2ac2a586";

/* Parses a whole list; returns the number of SCTs, or -1 with err set. */
static long parse_all(const uint8_t *v, size_t len, cg_sct *scts, size_t cap, cg_der_error *err)
{
    cg_cbs value;
    cg_sct_list list;
    cg_sct sct;
    long n = 0;
    cg_cbs_init(&value, v, len);
    if (!cg_sct_list_open(&list, &value, err))
        return -1;
    while (cg_sct_list_next(&list, &sct, err)) {
        if ((size_t)n < cap)
            scts[n] = sct;
        n++;
    }
    return err->what[0] == '\0' ? n : -1;
}

/* Expects a parse error at offset with what containing want. The input is
 * copied to a buffer of exactly its size so that ASan sees any over-read. */
static void expect_error(const char *hex, size_t offset, const char *want)
{
    uint8_t tmp[1024];
    size_t len = cg_test_unhex(hex, tmp, sizeof(tmp));
    uint8_t *buf = malloc(len > 0 ? len : 1);
    cg_der_error err;
    memcpy(buf, tmp, len);
    CHECK(parse_all(buf, len, NULL, 0, &err) == -1);
    CHECK(err.offset == offset);
    CHECK(strstr(err.what, want) != NULL);
    if (err.offset != offset || strstr(err.what, want) == NULL)
        fprintf(stderr, "  input %s: got \"%s\" at %zu, want \"%s\" at %zu\n", hex, err.what,
                err.offset, want, offset);
    free(buf);
}

/* hex of a TLS list to an extnValue with a correct OCTET STRING header. */
static size_t wrap_tls(const char *tls_hex, uint8_t *out, size_t cap)
{
    uint8_t tls[1024];
    size_t n = cg_test_unhex(tls_hex, tls, sizeof(tls)), len = 0;
    cg_cbb cbb;
    cg_cbb_init_fixed(&cbb, out, cap);
    if (!cg_cbb_add_asn1_header(&cbb, CG_ASN1_OCTETSTRING, n) || !cg_cbb_add_bytes(&cbb, tls, n) ||
        !cg_cbb_finish(&cbb, &len))
        return 0;
    return len;
}

static void test_ctgo_embedded(void)
{
    size_t len = 0, n_ext = 0;
    uint8_t *der = cg_test_read_der("ctgo/TestEmbeddedCertPEM.pem", &len);
    cg_cert cert;
    cg_der_error err;
    cg_sct_list list;
    cg_sct sct;
    uint8_t want_log_id[32];
    CHECK(der != NULL);
    if (der == NULL)
        return;
    CHECK(cg_cert_parse(&cert, der, len, &err) == 1);
    const cg_ext *ext =
        cg_cert_find_ext(&cert, CG_OID_CT_SCT_LIST, sizeof(CG_OID_CT_SCT_LIST), &n_ext);
    CHECK(ext != NULL && n_ext == 1);
    if (ext == NULL) {
        free(der);
        return;
    }
    CHECK(cg_sct_list_open(&list, &ext->value, &err) == 1);
    CHECK(list.rest.len == 0x78);
    CHECK(cg_sct_list_next(&list, &sct, &err) == 1);
    CHECK(sct.version == CG_SCT_V1);
    cg_test_unhex("df1c2ec11500945247a96168325ddc5c7959e8f7c6d388fc002e0bbd3f74d764", want_log_id,
                  sizeof(want_log_id));
    CHECK(cg_cbs_mem_equal(&sct.log_id, want_log_id, 32));
    CHECK(sct.timestamp == 0x13ddb27df93ULL); /* 2013-04-05T17:04:16.275Z */
    CHECK(sct.extensions.len == 0);
    CHECK(sct.hash_alg == 4 && sct.sig_alg == 3);
    CHECK(sct.signature.len == 0x47 && sct.signature.data[0] == 0x30);
    CHECK(sct.raw.len == 0x76);
    CHECK(cg_cbs_offset(&sct.raw, ext->value.data) == 6);
    CHECK(cg_sct_list_next(&list, &sct, &err) == 0 && err.what[0] == '\0');
    /* The end stays the end. */
    CHECK(cg_sct_list_next(&list, &sct, &err) == 0 && err.what[0] == '\0');

    /* The writer reproduces the extension value byte for byte. */
    uint8_t buf[512];
    size_t out_len = 0;
    cg_cbb cbb;
    cg_cbb_init_fixed(&cbb, buf, sizeof(buf));
    CHECK(cg_sct_ext_value_write(&cbb, &sct, 0) == 1); /* writes an empty list */
    CHECK(cg_cbb_finish(&cbb, &out_len) == 1 && out_len == 4);
    CHECK(memcmp(buf, "\x04\x02\x00\x00", 4) == 0);
    cg_sct_list_open(&list, &ext->value, &err);
    cg_sct_list_next(&list, &sct, &err);
    cg_cbb_init_fixed(&cbb, buf, sizeof(buf));
    CHECK(cg_sct_ext_value_write(&cbb, &sct, 1) == 1);
    CHECK(cg_cbb_finish(&cbb, &out_len) == 1);
    CHECK(out_len == ext->value.len && memcmp(buf, ext->value.data, out_len) == 0);
    free(der);
}

static void test_round_trip(const char *hex, long want_n)
{
    uint8_t in[1024], out[1024];
    size_t len = cg_test_unhex(hex, in, sizeof(in)), out_len = 0;
    cg_sct scts[8];
    cg_der_error err;
    cg_cbb cbb;
    long n = parse_all(in, len, scts, 8, &err);
    CHECK(n == want_n);
    if (n != want_n)
        return;
    cg_cbb_init_fixed(&cbb, out, sizeof(out));
    CHECK(cg_sct_ext_value_write(&cbb, scts, (size_t)n) == 1);
    CHECK(cg_cbb_finish(&cbb, &out_len) == 1);
    CHECK(out_len == len && memcmp(in, out, len) == 0);

    /* The bare TLS list is the OCTET STRING's contents. */
    size_t hdr = cg_der_header_len(len - cg_der_header_len(len));
    cg_cbb_init_fixed(&cbb, out, sizeof(out));
    CHECK(cg_sct_list_write(&cbb, scts, (size_t)n) == 1);
    CHECK(cg_cbb_finish(&cbb, &out_len) == 1);
    CHECK(out_len == len - hdr && memcmp(in + hdr, out, out_len) == 0);

    /* One byte too few: the writer fails, it does not truncate. */
    cg_cbb_init_fixed(&cbb, out, len - 1);
    CHECK(cg_sct_ext_value_write(&cbb, scts, (size_t)n) == 0 ||
          cg_cbb_finish(&cbb, &out_len) == 0);
}

static void test_second_sct_offsets(void)
{
    uint8_t in[1024];
    size_t len = cg_test_unhex(zlint_list_hex, in, sizeof(in));
    cg_cbs value;
    cg_sct_list list;
    cg_sct sct;
    cg_der_error err;
    cg_cbs_init(&value, in, len);
    CHECK(cg_sct_list_open(&list, &value, &err) == 1);
    CHECK(list.next_index == 1);
    CHECK(cg_sct_list_next(&list, &sct, &err) == 1);
    CHECK(list.next_index == 2);
    CHECK(sct.timestamp == 0x1865ca0eec2ULL);
    CHECK(cg_sct_list_next(&list, &sct, &err) == 1);
    CHECK(sct.timestamp == 0x1865ca0eedfULL);
    CHECK(sct.log_id.data[0] == 0xad && sct.log_id.data[31] == 0x8a);
    /* 3 (04 81 f2) + 2 (list length) + 2 + 0x76 (SCT 1) + 2 (SCT 2 length) */
    CHECK(cg_cbs_offset(&sct.raw, in) == 3 + 2 + 2 + 0x76 + 2);
    CHECK(cg_sct_list_next(&list, &sct, &err) == 0 && err.what[0] == '\0');
}

static void test_wrapping_errors(void)
{
    expect_error("", 0, "an OCTET STRING wrapping the SCT list, found an empty extnValue");
    /* The TLS list without its OCTET STRING (a real-world mistake). */
    expect_error("0078007600", 0, "an OCTET STRING (tag 04) wrapping the SCT list, found tag 00");
    expect_error("30020000", 0, "found tag 30");
    /* Constructed OCTET STRING is BER, not DER. */
    expect_error("24020000", 0, "found tag 24");
    expect_error("0405000000", 0,
                 "an OCTET STRING with a minimal definite length that fits the 5-byte extnValue");
    expect_error("0481020000", 0, "minimal definite length"); /* non-minimal 81 02 */
    expect_error("0480", 0, "minimal definite length");       /* indefinite */
    expect_error("0402000000", 4,
                 "the end of extnValue after the OCTET STRING, found 1 more byte");
    expect_error("0400", 2, "a 2-byte SCT list length, found 0 bytes");
    expect_error("040100", 2, "a 2-byte SCT list length, found 1 byte");
}

static void test_list_errors(void)
{
    char hex[1024];
    /* The message the rule table promises, byte for byte. */
    snprintf(hex, sizeof(hex), "04780078");
    for (int i = 0; i < 118; i++)
        strcat(hex, "00");
    expect_error(hex, 2, "SCT list length says 120 bytes, 118 remain");
    /* Too short: the rest is trailing data after the list. */
    expect_error("0406000200010000", 2,
                 "SCT list length says 2 bytes, 4 remain (trailing data after the list)");
    expect_error("0403000100", 4, "SCT 1: a 2-byte SerializedSCT length, found 1 byte");
    expect_error("040600040005ffff", 4,
                 "SCT 1: SerializedSCT length says 5 bytes, 2 remain in the list");
    expect_error("040400020000", 4,
                 "SCT 1: a SerializedSCT of 1 to 65535 bytes, found a zero-length one");
    /* A good unknown-version SCT, then a zero-length one: SCT 2 at 7. */
    expect_error("040700050001770000", 7, "SCT 2: a SerializedSCT of 1 to 65535 bytes");
}

/* Builds the extnValue for one SCT body (hex) and parses it. */
static void expect_body_error(const char *body_hex, size_t offset_in_body, const char *want)
{
    char hex[2048];
    size_t n = strlen(body_hex) / 2;
    /* 04 LL | list length | SCT length | body: the body starts at offset 6. */
    snprintf(hex, sizeof(hex), "04%02zx%04zx%04zx%s", n + 4, n + 2, n, body_hex);
    expect_error(hex, 6 + offset_in_body, want);
}

static void test_body_errors(void)
{
    static const char log_id[] =
        "df1c2ec11500945247a96168325ddc5c7959e8f7c6d388fc002e0bbd3f74d764";
    char body[1024];
    expect_body_error("00dfdf", 1, "SCT 1: a 32-byte log ID, found 2 bytes");
    snprintf(body, sizeof(body), "00%s0000013d", log_id);
    expect_body_error(body, 33, "SCT 1: an 8-byte timestamp, found 4 bytes");
    snprintf(body, sizeof(body), "00%s0000013ddb27df93", log_id);
    expect_body_error(body, 41, "SCT 1: a 2-byte extensions length, found 0 bytes");
    snprintf(body, sizeof(body), "00%s0000013ddb27df930003abcd", log_id);
    expect_body_error(body, 41, "SCT 1: extensions length says 3 bytes, 2 remain in the SCT");
    snprintf(body, sizeof(body), "00%s0000013ddb27df93000004", log_id);
    expect_body_error(body, 43, "SCT 1: hash and signature algorithm octets, found 1 byte");
    snprintf(body, sizeof(body), "00%s0000013ddb27df9300000403", log_id);
    expect_body_error(body, 45, "SCT 1: a 2-byte signature length, found 0 bytes");
    snprintf(body, sizeof(body), "00%s0000013ddb27df930000040300473045", log_id);
    expect_body_error(body, 45, "SCT 1: signature length says 71 bytes, 2 remain in the SCT");
    snprintf(body, sizeof(body), "00%s0000013ddb27df93000004030002300000", log_id);
    expect_body_error(body, 49,
                      "SCT 1: the end of the SCT after the signature, found 1 more byte");
}

static void test_good_edge_bodies(void)
{
    uint8_t in[256];
    char hex[512];
    cg_sct scts[2];
    cg_der_error err;
    /* Extensions and an empty signature are allowed by the TLS syntax. */
    static const char body[] = "00"
                               "0000000000000000000000000000000000000000000000000000000000000000"
                               "00000000000000010002abcd04030000";
    snprintf(hex, sizeof(hex), "%04zx%04zx%s", strlen(body) / 2 + 2, strlen(body) / 2, body);
    size_t len = wrap_tls(hex, in, sizeof(in));
    CHECK(parse_all(in, len, scts, 2, &err) == 1);
    CHECK(scts[0].timestamp == 1 && scts[0].extensions.len == 2 && scts[0].signature.len == 0);
    CHECK(scts[0].hash_alg == 4 && scts[0].sig_alg == 3);
}

static void test_unknown_version(void)
{
    /* SCT 1 v1 from ctgo, SCT 2 version 1 with an arbitrary body, SCT 3
     * version 255 and nothing else. */
    uint8_t in[512], out[512];
    char hex[1024];
    cg_sct scts[4];
    cg_der_error err;
    cg_cbb cbb;
    size_t out_len = 0;
    const char *sct1 = ctgo_list_hex + 8; /* after 04 7a 00 78 */
    size_t body = strlen(sct1) / 2 + 2 + 4 + 2 + 1;
    snprintf(hex, sizeof(hex), "%04zx%s0004010203040001ff", body, sct1);
    size_t len = wrap_tls(hex, in, sizeof(in));
    CHECK(len == 3 + body + 2); /* 04 81 83 */
    CHECK(parse_all(in, len, scts, 4, &err) == 3);
    CHECK(scts[0].version == 0 && scts[0].log_id.len == 32);
    CHECK(scts[1].version == 1 && scts[1].raw.len == 4 && scts[1].log_id.len == 0 &&
          scts[1].timestamp == 0 && scts[1].signature.len == 0 && scts[1].extensions.len == 0);
    CHECK(scts[2].version == 255 && scts[2].raw.len == 1);
    cg_cbb_init_fixed(&cbb, out, sizeof(out));
    CHECK(cg_sct_ext_value_write(&cbb, scts, 3) == 1);
    CHECK(cg_cbb_finish(&cbb, &out_len) == 1 && out_len == len && memcmp(in, out, len) == 0);
}

static void test_writer_rejects(void)
{
    uint8_t out[512], id[31] = {0};
    cg_cbb cbb;
    cg_sct sct;
    memset(&sct, 0, sizeof(sct));
    cg_cbs_init(&sct.log_id, id, sizeof(id)); /* 31 bytes: not a log ID */
    cg_cbb_init_fixed(&cbb, out, sizeof(out));
    CHECK(cg_sct_write(&cbb, &sct) == 0);
    CHECK(cg_sct_list_write(&cbb, &sct, 1) == 0);
    /* Unknown version whose raw does not start with it. */
    sct.version = 2;
    cg_cbs_init(&sct.raw, id, 1);
    CHECK(cg_sct_write(&cbb, &sct) == 0);
    sct.raw.len = 0;
    CHECK(cg_sct_write(&cbb, &sct) == 0);
    /* Nothing was written by the refusals. */
    size_t n = 99;
    CHECK(cg_cbb_finish(&cbb, &n) == 1 && n == 0);
}

/* Every strict prefix of a valid value fails cleanly, both as raw bytes
 * and re-wrapped so that only the TLS list (then only one SCT) is cut. */
static void test_truncation(const char *hex)
{
    uint8_t in[1024];
    size_t len = cg_test_unhex(hex, in, sizeof(in));
    cg_der_error err;
    long fails = 0;
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *buf = malloc(cut > 0 ? cut : 1);
        memcpy(buf, in, cut);
        if (parse_all(buf, cut, NULL, 0, &err) == -1 && err.what[0] != '\0' && err.offset <= cut)
            fails++;
        free(buf);
    }
    CHECK(fails == (long)len);

    /* The TLS list from its own start (skip the OCTET STRING header). */
    size_t hdr = in[1] < 0x80 ? 2 : 2 + (in[1] & 0x7f);
    size_t tls = len - hdr;
    fails = 0;
    for (size_t cut = 0; cut < tls; cut++) {
        uint8_t tmp[1100];
        size_t n = 0;
        cg_cbb cbb;
        cg_cbb_init_fixed(&cbb, tmp, sizeof(tmp));
        cg_cbb_add_asn1_header(&cbb, CG_ASN1_OCTETSTRING, cut);
        cg_cbb_add_bytes(&cbb, in + hdr, cut);
        cg_cbb_finish(&cbb, &n);
        uint8_t *buf = malloc(n);
        memcpy(buf, tmp, n);
        if (parse_all(buf, n, NULL, 0, &err) == -1 && err.what[0] != '\0')
            fails++;
        free(buf);
    }
    CHECK(fails == (long)tls);

    /* The list length fixed up each time: the last SCT is what is cut. */
    fails = 0;
    size_t first = hdr + 2; /* first SerializedSCT */
    size_t last = first;
    for (size_t p = first; p < len;) {
        last = p;
        p += 2 + ((size_t)in[p] << 8 | in[p + 1]);
    }
    size_t cuts = 0;
    for (size_t cut = last; cut < len; cut++) {
        uint8_t tmp[1100];
        size_t n = 0;
        cg_cbb cbb, octets, list, sct;
        cg_cbb_init_fixed(&cbb, tmp, sizeof(tmp));
        cg_cbb_add_asn1(&cbb, &octets, CG_ASN1_OCTETSTRING);
        cg_cbb_add_length_prefixed(&octets, &list, 2);
        cg_cbb_add_bytes(&list, in + first, last - first);
        /* The cut SCT gets a length that matches what is left of it, once
         * its length field fits. */
        if (cut >= last + 2) {
            cg_cbb_add_length_prefixed(&list, &sct, 2);
            cg_cbb_add_bytes(&sct, in + last + 2, cut - last - 2);
        } else {
            cg_cbb_add_bytes(&list, in + last, cut - last);
        }
        CHECK(cg_cbb_finish(&cbb, &n) == 1);
        uint8_t *buf = malloc(n);
        memcpy(buf, tmp, n);
        cuts++;
        long got = parse_all(buf, n, NULL, 0, &err);
        /* Cutting exactly before the last SCT leaves a shorter good list. */
        if (cut == last ? (got >= 0) : (got == -1 && err.what[0] != '\0'))
            fails++;
        free(buf);
    }
    CHECK(fails == (long)cuts);
}

/* Every single-byte change of a valid value either fails with a message
 * or parses into SCTs that the writer turns back into the same bytes. */
static void test_mutations(const char *hex)
{
    static const uint8_t values[] = {0x00, 0x01, 0x7f, 0x80, 0xff};
    uint8_t in[1024], out[1100];
    size_t len = cg_test_unhex(hex, in, sizeof(in));
    cg_sct scts[16];
    cg_der_error err;
    long bad = 0;
    for (size_t pos = 0; pos < len; pos++) {
        for (size_t v = 0; v < sizeof(values); v++) {
            uint8_t *buf = malloc(len);
            size_t out_len = 0;
            cg_cbb cbb;
            memcpy(buf, in, len);
            buf[pos] ^= values[v] == 0 ? 0x01 : values[v];
            long n = parse_all(buf, len, scts, 16, &err);
            if (n < 0) {
                bad += err.what[0] == '\0';
            } else {
                cg_cbb_init_fixed(&cbb, out, sizeof(out));
                if (n > 16 || !cg_sct_ext_value_write(&cbb, scts, (size_t)n) ||
                    !cg_cbb_finish(&cbb, &out_len) || out_len != len || memcmp(out, buf, len) != 0)
                    bad++;
            }
            free(buf);
        }
    }
    CHECK(bad == 0);
}

int main(void)
{
    test_ctgo_embedded();
    test_round_trip(ctgo_list_hex, 1);
    test_round_trip(zlint_list_hex, 2);
    test_round_trip("04020000", 0);
    test_second_sct_offsets();
    test_wrapping_errors();
    test_list_errors();
    test_body_errors();
    test_good_edge_bodies();
    test_unknown_version();
    test_writer_rejects();
    test_truncation(ctgo_list_hex);
    test_truncation(zlint_list_hex);
    test_mutations(ctgo_list_hex);
    test_mutations(zlint_list_hex);
    return cg_test_done();
}
