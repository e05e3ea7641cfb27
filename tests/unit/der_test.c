/* Strict DER reader, BER scan, validator and writer. */
#include <stdlib.h>
#include <string.h>

#include "der/cbs.h"
#include "testutil.h"

static cg_der_status validate_hex(const char *hex, size_t *consumed, cg_der_error *err)
{
    uint8_t buf[512];
    size_t n = cg_test_unhex(hex, buf, sizeof(buf));
    return cg_der_validate(buf, n, consumed, err);
}

static void test_reader(void)
{
    static const uint8_t seq[] = {0x30, 0x06, 0x02, 0x01, 0x05, 0x01, 0x01, 0xff, 0xaa};
    cg_cbs in, body, elem;
    uint8_t tag;
    size_t hdr;
    uint64_t v;
    int b, present;
    cg_cbs_init(&in, seq, sizeof(seq));
    CHECK(cg_cbs_peek_asn1_tag(&in, CG_ASN1_SEQUENCE));
    CHECK(cg_cbs_get_any_asn1_element(&in, &elem, &tag, &hdr));
    CHECK(tag == CG_ASN1_SEQUENCE && hdr == 2 && elem.len == 8 && in.len == 1);
    cg_cbs_init(&in, seq, sizeof(seq));
    CHECK(cg_cbs_get_asn1(&in, &body, CG_ASN1_SEQUENCE) && body.len == 6);
    CHECK(!cg_cbs_get_asn1(&body, &elem, CG_ASN1_BOOLEAN)); /* wrong tag: no advance */
    CHECK(body.len == 6);
    CHECK(cg_cbs_get_asn1_uint64(&body, &v) && v == 5);
    CHECK(cg_cbs_get_optional_asn1(&body, &elem, &present, CG_ASN1_CTX(0)) && !present);
    CHECK(cg_cbs_get_asn1_bool(&body, &b) && b == 1 && body.len == 0);
    CHECK(cg_cbs_offset(&in, seq) == 8);
    /* Stepping into an element in place (out aliases the cursor). */
    cg_cbs_init(&in, seq, sizeof(seq));
    CHECK(cg_cbs_get_asn1(&in, &in, CG_ASN1_SEQUENCE) && in.len == 6 && in.data == seq + 2);
    cg_cbs_init(&in, seq, sizeof(seq));
    CHECK(cg_cbs_get_asn1_element(&in, &in, CG_ASN1_SEQUENCE) && in.len == 8 && in.data == seq);

    /* Length forms the strict reader must refuse. */
    static const uint8_t nonmin[] = {0x04, 0x81, 0x01, 0xaa};         /* long form for 1 */
    static const uint8_t leadzero[] = {0x04, 0x82, 0x00, 0x81, 0x00}; /* leading zero */
    static const uint8_t indef[] = {0x30, 0x80, 0x05, 0x00, 0x00, 0x00};
    static const uint8_t huge[] = {0x30, 0x84, 0x7f, 0xff, 0xff, 0xff};
    static const uint8_t five[] = {0x30, 0x85, 0x01, 0x00, 0x00, 0x00, 0x00};
    static const uint8_t hightag[] = {0x1f, 0x81, 0x00, 0x00};
    const uint8_t *bad[] = {nonmin, leadzero, indef, huge, five, hightag};
    size_t badlen[] = {sizeof(nonmin), sizeof(leadzero), sizeof(indef), sizeof(huge),
                       sizeof(five), sizeof(hightag)};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        cg_cbs_init(&in, bad[i], badlen[i]);
        CHECK(!cg_cbs_get_any_asn1_element(&in, &elem, &tag, &hdr));
        CHECK(in.len == badlen[i]);
    }
    /* INTEGER forms cg_cbs_get_asn1_uint64 refuses. */
    static const uint8_t neg[] = {0x02, 0x01, 0x80};
    static const uint8_t pad[] = {0x02, 0x02, 0x00, 0x05};
    static const uint8_t empty[] = {0x02, 0x00};
    static const uint8_t big[] = {0x02, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0};
    static const uint8_t max[] = {0x02, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                  0xff};
    cg_cbs_init(&in, neg, sizeof(neg));
    CHECK(!cg_cbs_get_asn1_uint64(&in, &v));
    cg_cbs_init(&in, pad, sizeof(pad));
    CHECK(!cg_cbs_get_asn1_uint64(&in, &v));
    cg_cbs_init(&in, empty, sizeof(empty));
    CHECK(!cg_cbs_get_asn1_uint64(&in, &v));
    cg_cbs_init(&in, big, sizeof(big));
    CHECK(!cg_cbs_get_asn1_uint64(&in, &v));
    cg_cbs_init(&in, max, sizeof(max));
    CHECK(cg_cbs_get_asn1_uint64(&in, &v) && v == UINT64_MAX);
    /* BOOLEAN 01 is BER, not DER. */
    static const uint8_t bool01[] = {0x01, 0x01, 0x01};
    cg_cbs_init(&in, bool01, sizeof(bool01));
    CHECK(!cg_cbs_get_asn1_bool(&in, &b));
}

/* Whether cg_cbs_get_asn1 and cg_cbs_get_asn1_element, asked for tag on
 * the first n octets of buf, give what the full reader
 * (cg_cbs_get_any_asn1_element and a tag comparison) gives: the verdict, the
 * cursor after it, the view. */
static int same_as_full_reader(const uint8_t *buf, size_t n, uint8_t ask)
{
    cg_cbs ref, elem, in, out, in2, out2;
    uint8_t tag;
    size_t hdr;
    cg_cbs_init(&ref, buf, n);
    int ok = cg_cbs_get_any_asn1_element(&ref, &elem, &tag, &hdr) && tag == ask;
    cg_cbs_init(&in, buf, n);
    cg_cbs_init(&in2, buf, n);
    int got = cg_cbs_get_asn1(&in, &out, ask);
    int got2 = cg_cbs_get_asn1_element(&in2, &out2, ask);
    if (got != ok || got2 != ok)
        return 0;
    if (!ok)
        return in.len == n && in2.len == n;
    return in.data == ref.data && in.len == ref.len && in2.data == ref.data &&
           in2.len == ref.len && out.data == elem.data + hdr && out.len == elem.len - hdr &&
           out2.data == elem.data && out2.len == elem.len;
}

/* cg_cbs_get_asn1 and cg_cbs_get_asn1_element take an element with a
 * short-form length, or one of one or two length octets, without the full
 * header reader: for every tag and first length octet, with the contents
 * cut at every length around them, and for the long forms with every kind
 * of length octet after (minimal or not, around each cut), both give what
 * the full reader gives. */
static void test_short_form(void)
{
    static uint8_t buf[66000];
    memset(buf, 0x5a, sizeof(buf));
    size_t cuts[] = {0, 1, 2, 3, 4, 129, 130, 131, 257, 258, 259, 300};
    for (unsigned t = 0; t < 256; t++) {
        for (unsigned l = 0; l < 256; l++) {
            buf[0] = (uint8_t)t;
            buf[1] = (uint8_t)l;
            buf[2] = 0x01; /* a long form's first length octet */
            for (size_t c = 0; c < sizeof(cuts) / sizeof(cuts[0]); c++) {
                const uint8_t asks[] = {(uint8_t)t, (uint8_t)(t ^ 0x01)};
                for (size_t a = 0; a < 2; a++) {
                    int same = same_as_full_reader(buf, cuts[c], asks[a]);
                    CHECK(same);
                    if (!same)
                        return;
                }
            }
        }
    }
    static const uint8_t tags[] = {0x30, 0x31, 0x02, 0x03, 0x04, 0x06, 0xa3, 0x1f, 0x3f};
    static const uint8_t firsts[] = {0x80, 0x81, 0x82, 0x83, 0x84};
    static const uint8_t octets[] = {0x00, 0x01, 0x02, 0x7f, 0x80, 0x81, 0xfe, 0xff};
    for (size_t t = 0; t < sizeof(tags); t++) {
        for (size_t f = 0; f < sizeof(firsts); f++) {
            for (size_t o = 0; o < sizeof(octets) * sizeof(octets); o++) {
                buf[0] = tags[t];
                buf[1] = firsts[f];
                buf[2] = octets[o / sizeof(octets)];
                buf[3] = octets[o % sizeof(octets)];
                /* the element's end by the one- and the two-octet reading */
                size_t ends[] = {3 + (size_t)buf[2], 4 + ((size_t)buf[2] << 8 | buf[3])};
                for (size_t e = 0; e < 2; e++) {
                    for (size_t d = 0; d < 9; d++) {
                        size_t n = d < 6 ? d : ends[e] + d - 7;
                        if (n > sizeof(buf))
                            continue;
                        const uint8_t asks[] = {tags[t], (uint8_t)(tags[t] ^ 0x01)};
                        for (size_t a = 0; a < 2; a++) {
                            int same = same_as_full_reader(buf, n, asks[a]);
                            CHECK(same);
                            if (!same)
                                return;
                        }
                    }
                }
            }
        }
    }
}

static void test_tls(void)
{
    static const uint8_t v[] = {0x00, 0x03, 0xaa, 0xbb, 0xcc, 0x01, 0x02, 0x03, 0x04};
    cg_cbs in, out;
    uint32_t u;
    cg_cbs_init(&in, v, sizeof(v));
    CHECK(cg_cbs_get_u16_length_prefixed(&in, &out) && out.len == 3 && out.data[0] == 0xaa);
    CHECK(cg_cbs_get_u32(&in, &u) && u == 0x01020304 && in.len == 0);
    static const uint8_t shortv[] = {0x00, 0x05, 0xaa};
    cg_cbs_init(&in, shortv, sizeof(shortv));
    CHECK(!cg_cbs_get_u16_length_prefixed(&in, &out) && in.len == 3);
}

static void test_validate(void)
{
    size_t consumed;
    cg_der_error err;
    CHECK(validate_hex("3006020105010100", &consumed, &err) == CG_DER_OK && consumed == 8);
    CHECK(validate_hex("3006020105010100ffff", &consumed, &err) == CG_DER_OK &&
          consumed == 8);
    /* The brief's example: a length field far beyond the input. */
    CHECK(validate_hex("30847fffffff", &consumed, &err) == CG_DER_MALFORMED &&
          err.offset == 0 && strstr(err.what, "length") != NULL);
    CHECK(validate_hex("", &consumed, &err) == CG_DER_MALFORMED);
    CHECK(validate_hex("30", &consumed, &err) == CG_DER_MALFORMED);
    CHECK(validate_hex("3003020105", &consumed, &err) == CG_DER_OK);
    CHECK(validate_hex("3004020105", &consumed, &err) == CG_DER_MALFORMED); /* truncated */
    /* Inner element runs past its parent. */
    CHECK(validate_hex("30030205050000", &consumed, &err) == CG_DER_MALFORMED &&
          err.offset == 2);
    /* Not DER, but BER: each names the offset. */
    CHECK(validate_hex("30810302010a", &consumed, &err) == CG_DER_NONCANONICAL &&
          err.offset == 0 && strstr(err.what, "minimal") != NULL);
    CHECK(validate_hex("3080020105 0000", &consumed, &err) == CG_DER_NONCANONICAL &&
          strstr(err.what, "indefinite") != NULL && consumed == 7);
    CHECK(validate_hex("3003010101", &consumed, &err) == CG_DER_NONCANONICAL &&
          err.offset == 2 && strstr(err.what, "BOOLEAN") != NULL);
    CHECK(validate_hex("300402020005", &consumed, &err) == CG_DER_NONCANONICAL &&
          strstr(err.what, "INTEGER") != NULL);
    CHECK(validate_hex("3106020102020101", &consumed, &err) == CG_DER_NONCANONICAL &&
          err.offset == 5 && strstr(err.what, "SET OF") != NULL);
    CHECK(validate_hex("3106020101020102", &consumed, &err) == CG_DER_OK);
    CHECK(validate_hex("030201ff", &consumed, &err) == CG_DER_NONCANONICAL); /* padding */
    CHECK(validate_hex("030208ff", &consumed, &err) == CG_DER_MALFORMED);    /* unused 8 */
    CHECK(validate_hex("2403040100", &consumed, &err) == CG_DER_NONCANONICAL);
    CHECK(validate_hex("0500", &consumed, &err) == CG_DER_OK);
    CHECK(validate_hex("050100", &consumed, &err) == CG_DER_MALFORMED);
    CHECK(validate_hex("06028001", &consumed, &err) == CG_DER_MALFORMED);
    CHECK(validate_hex("0602 2a86", &consumed, &err) == CG_DER_MALFORMED);
    CHECK(validate_hex("1f8100", &consumed, &err) == CG_DER_MALFORMED);
    /* Indefinite length without its end-of-contents. */
    CHECK(validate_hex("30800201 05", &consumed, &err) == CG_DER_MALFORMED);
}

/* 10,000 nested SEQUENCEs, definite and indefinite: rejected, not recursed. */
static void test_deep(void)
{
    enum { DEPTH = 10000 };
    size_t consumed;
    cg_der_error err;
    uint8_t *buf = calloc(DEPTH * 2 + 2, 1);
    CHECK(buf != NULL);
    if (buf == NULL)
        return;
    for (size_t i = 0; i < DEPTH; i++) {
        buf[2 * i] = 0x30;
        buf[2 * i + 1] = 0x80;
    }
    CHECK(cg_der_validate(buf, DEPTH * 2, &consumed, &err) == CG_DER_MALFORMED);
    CHECK(strstr(err.what, "nesting") != NULL);
    /* Definite: 30 82 xx xx at each level would not fit; use 64+1 short levels. */
    uint8_t d[200];
    size_t levels = CG_DER_MAX_DEPTH + 2;
    for (size_t i = 0; i < levels; i++) {
        d[2 * i] = 0x30;
        d[2 * i + 1] = (uint8_t)(2 * (levels - 1 - i));
    }
    CHECK(cg_der_validate(d, 2 * levels, &consumed, &err) == CG_DER_MALFORMED);
    CHECK(strstr(err.what, "nesting") != NULL);
    /* One level fewer than the limit is fine. */
    levels = CG_DER_MAX_DEPTH;
    for (size_t i = 0; i < levels; i++) {
        d[2 * i] = 0x30;
        d[2 * i + 1] = (uint8_t)(2 * (levels - 1 - i));
    }
    CHECK(cg_der_validate(d, 2 * levels, &consumed, &err) == CG_DER_OK);
    free(buf);
}

static void test_writer(void)
{
    uint8_t buf[1024], big[300];
    cg_cbb cbb, seq, inner, vec;
    size_t len;
    memset(big, 0x41, sizeof(big));
    cg_cbb_init_fixed(&cbb, buf, sizeof(buf));
    CHECK(cg_cbb_add_asn1(&cbb, &seq, CG_ASN1_SEQUENCE));
    CHECK(cg_cbb_add_asn1(&seq, &inner, CG_ASN1_OCTETSTRING));
    CHECK(cg_cbb_add_bytes(&inner, big, sizeof(big)));
    CHECK(cg_cbb_add_asn1(&seq, &inner, CG_ASN1_INTEGER)); /* flushes the first */
    CHECK(cg_cbb_add_u8(&inner, 0x05));
    CHECK(cg_cbb_finish(&cbb, &len));
    /* 30 82 01 33 | 04 82 01 2c <300> | 02 01 05 */
    CHECK(len == 4 + 4 + 300 + 3);
    CHECK(buf[0] == 0x30 && buf[1] == 0x82 && buf[2] == 0x01 && buf[3] == 0x33);
    CHECK(buf[4] == 0x04 && buf[5] == 0x82 && buf[6] == 0x01 && buf[7] == 0x2c);
    CHECK(buf[8] == 0x41 && buf[307] == 0x41 && buf[308] == 0x02 && buf[310] == 0x05);
    size_t consumed;
    cg_der_error err;
    CHECK(cg_der_validate(buf, len, &consumed, &err) == CG_DER_OK && consumed == len);

    /* TLS vectors and headers. */
    cg_cbb_init_fixed(&cbb, buf, sizeof(buf));
    CHECK(cg_cbb_add_length_prefixed(&cbb, &vec, 2));
    CHECK(cg_cbb_add_u64(&vec, 0x0102030405060708ull));
    CHECK(cg_cbb_add_u24(&vec, 0xabcdef));
    CHECK(cg_cbb_finish(&cbb, &len));
    CHECK(len == 13 && buf[0] == 0 && buf[1] == 11 && buf[2] == 1 && buf[12] == 0xef);
    cg_cbb_init_fixed(&cbb, buf, sizeof(buf));
    CHECK(cg_cbb_add_asn1_header(&cbb, CG_ASN1_SEQUENCE, 0x10000));
    CHECK(cg_cbb_finish(&cbb, &len) && len == 5 && buf[1] == 0x83 && buf[2] == 1);
    CHECK(cg_der_header_len(127) == 2 && cg_der_header_len(128) == 3 &&
          cg_der_header_len(256) == 4);

    /* Overflow of a fixed buffer is an error, and it sticks. */
    uint8_t small[4];
    cg_cbb_init_fixed(&cbb, small, sizeof(small));
    CHECK(cg_cbb_add_asn1(&cbb, &seq, CG_ASN1_SEQUENCE));
    CHECK(!cg_cbb_add_bytes(&seq, big, 10));
    CHECK(!cg_cbb_finish(&cbb, &len));
    /* A TLS vector whose contents exceed its length octets. */
    cg_cbb_init_fixed(&cbb, buf, sizeof(buf));
    CHECK(cg_cbb_add_length_prefixed(&cbb, &vec, 1));
    CHECK(cg_cbb_add_bytes(&vec, big, 256));
    CHECK(!cg_cbb_finish(&cbb, &len));
}

int main(void)
{
    test_reader();
    test_short_form();
    test_tls();
    test_validate();
    test_deep();
    test_writer();
    return cg_test_done();
}
