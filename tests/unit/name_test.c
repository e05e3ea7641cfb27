/* Tests for x509/name.c. Names are built from small specs by a local DER
 * writer so each case reads as the Name it encodes; one fixture from
 * python3-cryptography pins the writer to a real encoder. */
#include "x509/name.h"

#include <stdio.h>
#include <string.h>

#include "testutil.h"

#define OID_C "550406"
#define OID_O "55040a"
#define OID_OU "55040b"
#define OID_CN "550403"
#define OID_L "550407"
#define OID_SERIAL "550405"
#define OID_EMAIL "2a864886f70d010901"
#define OID_DC "0992268993f22c640119"

#define PS CG_ASN1_PRINTABLESTRING
#define U8 CG_ASN1_UTF8STRING
#define T61 CG_ASN1_T61STRING
#define BMP CG_ASN1_BMPSTRING
#define UNI CG_ASN1_UNIVERSALSTRING
#define IA5 CG_ASN1_IA5STRING

typedef struct {
    const char *oid; /* hex of the OID contents */
    uint8_t tag;
    const char *value;
    size_t len; /* 0: strlen(value) */
    int plus;   /* 1: same RDN as the previous AVA */
} spec;

typedef struct {
    uint8_t d[4096];
    size_t len;
    cg_cbs cbs;
} tname;

/* CN=Test CA,O=Example Inc,C=US from cryptography's Name.public_bytes(). */
static const char fixture_hex[] =
    "3035310b300906035504061302555331143012060355040a0c0b4578616d706c6520496e63"
    "3110300e06035504030c0754657374204341";

static size_t put_tlv(uint8_t *out, uint8_t tag, const uint8_t *content, size_t len)
{
    size_t n = 0;

    out[n++] = tag;
    if (len >= 0x100) {
        out[n++] = 0x82;
        out[n++] = (uint8_t)(len >> 8);
    } else if (len >= 0x80) {
        out[n++] = 0x81;
    }
    out[n++] = (uint8_t)len;
    memmove(out + n, content, len);
    return n + len;
}

static void mk(tname *t, const spec *sp, size_t n)
{
    uint8_t rdns[4000];
    size_t rdns_len = 0, i = 0;

    while (i < n) {
        uint8_t set[1300];
        size_t set_len = 0;
        do {
            uint8_t atv[1200], oid[32];
            size_t oid_len = cg_test_unhex(sp[i].oid, oid, sizeof(oid));
            size_t vlen = sp[i].len != 0 ? sp[i].len : strlen(sp[i].value);
            size_t atv_len = put_tlv(atv, CG_ASN1_OBJECT, oid, oid_len);
            atv_len += put_tlv(atv + atv_len, sp[i].tag, (const uint8_t *)sp[i].value, vlen);
            set_len += put_tlv(set + set_len, CG_ASN1_SEQUENCE, atv, atv_len);
            i++;
        } while (i < n && sp[i].plus);
        rdns_len += put_tlv(rdns + rdns_len, CG_ASN1_SET, set, set_len);
    }
    t->len = put_tlv(t->d, CG_ASN1_SEQUENCE, rdns, rdns_len);
    cg_cbs_init(&t->cbs, t->d, t->len);
}

/* Spec entries: an AVA, one with an explicit value length, one that joins
 * the previous AVA's RDN. */
#define A(o, t, v) ((spec){(o), (t), (v), 0, 0})
#define AN(o, t, v, n) ((spec){(o), (t), (v), (n), 0})
#define PLUS(o, t, v) ((spec){(o), (t), (v), 0, 1})

#define MK(t, ...)                                                                                \
    mk(&(t), (const spec[]){__VA_ARGS__}, sizeof((const spec[]){__VA_ARGS__}) / sizeof(spec))

static void mk_hex(tname *t, const char *hex)
{
    t->len = cg_test_unhex(hex, t->d, sizeof(t->d));
    cg_cbs_init(&t->cbs, t->d, t->len);
}

static int equal(const tname *a, const tname *b)
{
    int ok = -1;
    int eq = cg_name_equal(&a->cbs, &b->cbs, &ok);
    /* The index key follows equality: equal names share it, and the
     * different names of these tests do not collide. */
    if (ok == 1)
        CHECK((cg_name_hash_equal(&a->cbs) == cg_name_hash_equal(&b->cbs)) == eq);
    return ok == 1 ? eq : -1;
}

/* 1 when explain(a, b) returns 1 and its text contains every needle. */
static int explains(const tname *a, const tname *b, const char *n1, const char *n2)
{
    char buf[1024];
    int rc = cg_name_explain(&a->cbs, &b->cbs, buf, sizeof(buf));
    int hit = rc == 1 && strstr(buf, n1) != NULL && (n2 == NULL || strstr(buf, n2) != NULL);

    if (!hit)
        fprintf(stderr, "explain returned %d: %s\n", rc, buf);
    return hit;
}

/* 1 when explain(a, b) returns 1 and does not mention needle. */
static int explains_without(const tname *a, const tname *b, const char *needle)
{
    char buf[1024];

    return cg_name_explain(&a->cbs, &b->cbs, buf, sizeof(buf)) == 1 && strstr(buf, needle) == NULL;
}

static int renders(const tname *t, const char *want)
{
    char buf[512];
    int rc = cg_name_to_string(&t->cbs, buf, sizeof(buf));

    if (rc != 1 || strcmp(buf, want) != 0)
        fprintf(stderr, "to_string returned %d: \"%s\", want \"%s\"\n", rc, buf, want);
    return rc == 1 && strcmp(buf, want) == 0;
}

static void test_fixture_and_identical(void)
{
    tname fx, a, b;
    char buf[64];

    mk_hex(&fx, fixture_hex);
    MK(a, A(OID_C, PS, "US"), A(OID_O, U8, "Example Inc"), A(OID_CN, U8, "Test CA"));
    MK(b, A(OID_C, PS, "US"), A(OID_O, U8, "Example Inc"), A(OID_CN, U8, "Test CA"));
    /* The local writer produces what a real encoder does. */
    CHECK(fx.len == a.len && memcmp(fx.d, a.d, a.len) == 0);
    CHECK(cg_name_bytes_equal(&a.cbs, &b.cbs));
    CHECK(equal(&a, &b) == 1);
    strcpy(buf, "junk");
    CHECK(cg_name_explain(&a.cbs, &b.cbs, buf, sizeof(buf)) == 0);
    CHECK(buf[0] == '\0');
    CHECK(renders(&a, "CN=Test CA,O=Example Inc,C=US"));
    CHECK(cg_name_hash_bytes(&a.cbs) == cg_name_hash_bytes(&b.cbs));
}

static void test_string_types(void)
{
    tname a, b;

    MK(a, A(OID_C, PS, "US"), A(OID_O, U8, "Example"), A(OID_CN, U8, "Root"));
    MK(b, A(OID_C, PS, "US"), A(OID_O, U8, "Example"), A(OID_CN, PS, "Root"));
    CHECK(!cg_name_bytes_equal(&a.cbs, &b.cbs));
    CHECK(equal(&a, &b) == 1);
    CHECK(explains(&a, &b, "attribute 3 (CN): UTF8String here, PrintableString in the other name",
                   NULL));
    /* Only the string type differs, so nothing else is reported. */
    CHECK(explains_without(&a, &b, "differs"));
}

static void test_case(void)
{
    tname a, b;

    MK(a, A(OID_C, PS, "US"), A(OID_O, U8, "Example"), A(OID_CN, U8, "Root"));
    MK(b, A(OID_C, PS, "US"), A(OID_O, U8, "EXAMPLE"), A(OID_CN, U8, "Root"));
    CHECK(equal(&a, &b) == 1);
    CHECK(explains(&a, &b, "attribute 2 (O): case differs (\"Example\" vs \"EXAMPLE\")", NULL));
    CHECK(explains_without(&a, &b, "spaces"));
}

static void test_spaces(void)
{
    tname a, b, c, d;

    MK(a, A(OID_CN, U8, "  Foo   Bar "));
    MK(b, A(OID_CN, U8, "Foo Bar"));
    MK(c, A(OID_CN, PS, "Foo Bar "));
    MK(d, A(OID_CN, U8, "FooBar"));
    CHECK(equal(&a, &b) == 1);
    CHECK(equal(&c, &b) == 1);
    CHECK(explains(&a, &b, "attribute 1 (CN): spaces differ", NULL));
    CHECK(explains(&c, &b, "attribute 1 (CN): spaces differ", "PrintableString here"));
    /* Collapsing keeps one space: removing it changes the value. */
    CHECK(equal(&b, &d) == 0);
    CHECK(explains(&b, &d, "attribute 1 (CN): value differs", NULL));
}

static void test_case_and_spaces(void)
{
    tname a, b;

    MK(a, A(OID_CN, U8, "foo  bar"));
    MK(b, A(OID_CN, U8, "Foo Bar"));
    CHECK(equal(&a, &b) == 1);
    CHECK(explains(&a, &b, "case differs", "spaces differ"));
}

static void test_order(void)
{
    tname a, b;

    MK(a, A(OID_C, PS, "US"), A(OID_O, U8, "Example"), A(OID_CN, U8, "Root"));
    MK(b, A(OID_O, U8, "Example"), A(OID_C, PS, "US"), A(OID_CN, U8, "Root"));
    CHECK(equal(&a, &b) == 0);
    CHECK(explains(&a, &b, "attribute order differs: C before O here, O before C in the other",
                   NULL));
    CHECK(explains_without(&a, &b, "value differs"));

    /* Same type on both sides of the swap: values tell them apart. */
    MK(a, A(OID_OU, U8, "A"), A(OID_OU, U8, "B"));
    MK(b, A(OID_OU, U8, "B"), A(OID_OU, U8, "A"));
    CHECK(equal(&a, &b) == 0);
    CHECK(explains(&a, &b, "OU=A before OU=B here", NULL));

    /* Order and a value difference at once are both reported. */
    MK(a, A(OID_C, PS, "US"), A(OID_O, U8, "Example"), A(OID_CN, U8, "Root"));
    MK(b, A(OID_O, U8, "Example"), A(OID_C, PS, "US"), A(OID_CN, U8, "Root 2"));
    CHECK(explains(&a, &b, "attribute order differs", "attribute 3 (CN): value differs"));
}

static void test_value(void)
{
    tname a, b;

    MK(a, A(OID_C, PS, "US"), A(OID_O, U8, "Example"), A(OID_CN, U8, "Root"));
    MK(b, A(OID_C, PS, "US"), A(OID_O, U8, "Exemple"), A(OID_CN, U8, "Root"));
    CHECK(equal(&a, &b) == 0);
    CHECK(explains(&a, &b, "attribute 2 (O): value differs (\"Example\" vs \"Exemple\")", NULL));
    CHECK(explains_without(&a, &b, "order"));
}

static void test_rdn_count(void)
{
    tname a, b, e;

    MK(a, A(OID_C, PS, "US"), A(OID_O, U8, "Example"), A(OID_CN, U8, "Root"));
    MK(b, A(OID_C, PS, "US"), A(OID_CN, U8, "Root"));
    mk_hex(&e, "3000");
    CHECK(equal(&a, &b) == 0);
    CHECK(explains(&a, &b, "3 RDNs here, 2 in the other", "O=Example only here"));
    CHECK(explains(&b, &a, "2 RDNs here, 3 in the other", "O=Example only in the other name"));
    CHECK(explains(&e, &b, "0 RDNs here, 2 in the other", NULL));
}

static void test_multivalued(void)
{
    tname a, b, c;

    MK(a, A(OID_C, PS, "US"), A(OID_O, U8, "Example"), PLUS(OID_CN, U8, "Root"));
    MK(b, A(OID_C, PS, "US"), A(OID_CN, U8, "Root"), PLUS(OID_O, U8, "Example"));
    CHECK(equal(&a, &b) == 1);
    CHECK(
        explains(&a, &b, "RDN 2: attribute order inside the RDN differs: O+CN here, CN+O", NULL));
    CHECK(renders(&a, "O=Example+CN=Root,C=US"));

    /* The same AVAs split into RDNs another way are a different name. */
    MK(c, A(OID_C, PS, "US"), A(OID_O, U8, "Example"), A(OID_CN, U8, "Root"));
    CHECK(equal(&a, &c) == 0);
    CHECK(explains(&a, &c, "2 RDNs here, 3 in the other", "grouped into RDNs differently"));

    /* A value difference inside a multi-valued RDN names the attribute. */
    MK(c, A(OID_C, PS, "US"), A(OID_CN, U8, "Root"), PLUS(OID_O, U8, "Other"));
    CHECK(equal(&a, &c) == 0);
    CHECK(explains(&a, &c, "attribute 2 (O): value differs", NULL));
}

static void test_other_string_types(void)
{
    tname a, b;

    /* "ÜBER" in UTF-8 against "über" in UCS-2. */
    MK(a, A(OID_CN, U8, "\303\234BER"));
    MK(b, AN(OID_CN, BMP, "\0\374\0b\0e\0r", 8));
    CHECK(equal(&a, &b) == 1);
    CHECK(explains(&a, &b, "UTF8String here, BMPString in the other name",
                   "case differs (\"\303\234BER\" vs \"\303\274ber\")"));

    /* TeletexString read as Latin-1. */
    MK(a, A(OID_O, T61, "Caf\xe9"));
    MK(b, A(OID_O, U8, "CAF\xc3\x89"));
    CHECK(equal(&a, &b) == 1);

    /* UniversalString against PrintableString. */
    MK(a, AN(OID_C, UNI, "\0\0\0U\0\0\0S", 8));
    MK(b, A(OID_C, PS, "us"));
    CHECK(equal(&a, &b) == 1);
    CHECK(renders(&a, "C=US"));

    /* IA5String emailAddress and DC compare like the others. */
    MK(a, A(OID_DC, IA5, "Example"), A(OID_EMAIL, IA5, "CA@Example.com"));
    MK(b, A(OID_DC, IA5, "example"), A(OID_EMAIL, U8, "ca@example.com"));
    CHECK(equal(&a, &b) == 1);
    CHECK(explains(&a, &b, "attribute 2 (emailAddress): IA5String here, UTF8String", NULL));
    CHECK(explains(&a, &b, "attribute 1 (DC): case differs", NULL));
    CHECK(renders(&a, "emailAddress=CA@Example.com,DC=Example"));

    /* Odd-length UCS-2 does not decode: only identical bytes match. */
    MK(a, AN(OID_CN, BMP, "\0A\0", 3));
    MK(b, A(OID_CN, U8, "A"));
    CHECK(equal(&a, &b) == 0);
    CHECK(equal(&a, &a) == 1);
    CHECK(explains(&a, &b, "attribute 1 (CN): value differs", NULL));
    CHECK(renders(&a, "CN=#1E03004100"));
}

static void test_mapping(void)
{
    tname a, b, c;

    /* A soft hyphen and a tab are mapped away (RFC 4518 §2.2). */
    MK(a, A(OID_CN, U8, "Foo\302\255Bar"));
    MK(b, A(OID_CN, U8, "FooBar"));
    CHECK(equal(&a, &b) == 1);
    CHECK(explains(&a, &b, "invisible or control characters differ", NULL));
    MK(a, A(OID_CN, U8, "Foo\tBar"));
    MK(c, A(OID_CN, PS, "foo bar"));
    CHECK(equal(&a, &c) == 1);
    /* Overlong UTF-8 and non-ASCII PrintableString do not decode. */
    MK(a, A(OID_CN, U8, "\xc1\x81"));
    MK(b, A(OID_CN, U8, "A"));
    CHECK(equal(&a, &b) == 0);
    MK(a, A(OID_CN, PS, "\xc1"));
    MK(b, A(OID_CN, T61, "\xc1"));
    CHECK(equal(&a, &b) == 0);
    /* Folding is Unicode's, not only ASCII's and Latin-1's: GREEK CAPITAL
     * ALPHA against its small letter. */
    MK(a, A(OID_CN, U8, "\xce\x91"));
    MK(b, A(OID_CN, U8, "\xce\xb1"));
    CHECK(equal(&a, &b) == 1);
}

/* RFC 4518 preparation beyond ASCII: case folding (RFC 3454 B.2, no
 * locale's rules), NFKC, the prohibited code points, insignificant spaces.
 * equal() also checks that the index key follows. */
static void test_rfc4518(void)
{
    tname a, b, c;

    /* Greek: capital sigma, final sigma and medial sigma all fold to σ. */
    MK(a, A(OID_C, PS, "GR"), A(OID_O, U8, "\316\237\316\224\316\237\316\243")); /* ΟΔΟΣ */
    MK(b, A(OID_C, PS, "GR"), A(OID_O, U8, "\316\277\316\264\316\277\317\202")); /* οδος */
    MK(c, A(OID_C, PS, "GR"), A(OID_O, U8, "\316\277\316\264\316\277\317\203")); /* οδοσ */
    CHECK(equal(&a, &b) == 1);
    CHECK(equal(&b, &c) == 1);
    CHECK(explains(&a, &b, "attribute 2 (O): case differs", NULL));
    CHECK(explains_without(&a, &b, "Unicode forms"));

    /* Cyrillic: МОСКВА = москва; a Latin M among Cyrillic letters is another
     * letter, not a case or form of one. */
    MK(a, A(OID_L, U8, "\320\234\320\236\320\241\320\232\320\222\320\220"));
    MK(b, A(OID_L, U8, "\320\274\320\276\321\201\320\272\320\262\320\260"));
    MK(c, A(OID_L, U8, "M\320\276\321\201\320\272\320\262\320\260"));
    CHECK(equal(&a, &b) == 1);
    CHECK(equal(&a, &c) == 0);
    CHECK(explains(&a, &b, "case differs", NULL));
    CHECK(explains(&c, &b, "value differs", NULL));

    /* Turkish dotted and dotless i: RFC 4518 folds by RFC 3454 B.2, which
     * is locale-independent. I folds to i (not to the dotless ı, as a
     * Turkish locale would), İ (U+0130) folds to i followed by COMBINING DOT
     * ABOVE (not to i), and ı (U+0131) is already small and stays ı. */
    MK(a, A(OID_L, U8, "ISTANBUL"));
    MK(b, A(OID_L, U8, "istanbul"));
    CHECK(equal(&a, &b) == 1);
    MK(a, A(OID_L, U8, "\304\260STANBUL")); /* İSTANBUL */
    CHECK(equal(&a, &b) == 0);
    MK(c, A(OID_L, U8, "i\314\207stanbul")); /* i + U+0307 */
    CHECK(equal(&a, &c) == 1);
    MK(a, A(OID_L, U8, "\304\261stanbul")); /* ıstanbul */
    CHECK(equal(&a, &b) == 0);
    MK(c, A(OID_L, U8, "ISTANBUL"));
    CHECK(equal(&a, &c) == 0);

    /* German ß folds to "ss" (full folding), and so does the capital ẞ. */
    MK(a, A(OID_L, U8, "Stra\303\237e"));
    MK(b, A(OID_L, PS, "STRASSE"));
    MK(c, A(OID_L, U8, "STRA\341\272\236E"));
    CHECK(equal(&a, &b) == 1);
    CHECK(equal(&a, &c) == 1);
    CHECK(explains(&a, &b, "UTF8String here, PrintableString", "case differs"));

    /* Fullwidth and halfwidth forms are equal after NFKC. */
    MK(a, A(OID_O, U8,
            "\357\274\245\357\274\270\357\274\241\357\274\255\357\274\260\357\274\254"
            "\357\274\245")); /* ＥＸＡＭＰＬＥ */
    MK(b, A(OID_O, PS, "Example"));
    CHECK(equal(&a, &b) == 1);
    CHECK(
        explains(&a, &b, "Unicode forms differ (equal after NFKC normalisation)", "case differs"));
    MK(a, A(OID_O, U8, "\357\275\266\357\276\236\357\275\262\357\276\204\357\276\236"));
    MK(b, A(OID_O, U8, "\343\202\254\343\202\244\343\203\211")); /* ガイド */
    CHECK(equal(&a, &b) == 1);

    /* Combining sequences: é precomposed and e + COMBINING ACUTE ACCENT. */
    MK(a, A(OID_O, U8, "Caf\303\251"));
    MK(b, A(OID_O, U8, "Cafe\314\201"));
    MK(c, A(OID_O, U8, "CAF\303\211"));
    CHECK(equal(&a, &b) == 1);
    CHECK(equal(&b, &c) == 1);
    CHECK(explains(&a, &b, "attribute 1 (O): Unicode forms differ", NULL));
    CHECK(explains_without(&a, &b, "case"));

    /* Insignificant spaces: IDEOGRAPHIC SPACE and NO-BREAK SPACE are spaces
     * (§2.2) and runs of them collapse (§2.6.1). */
    MK(a, A(OID_CN, U8, "Foo\343\200\200\343\200\200Bar"));
    MK(b, A(OID_CN, U8, "foo\302\240bar "));
    CHECK(equal(&a, &b) == 1);
    CHECK(explains(&a, &b, "spaces differ", "case differs"));
    /* A space followed by a combining mark is not a space (§2.6.1): the
     * ACUTE ACCENT U+00B4 is SPACE + U+0301 after NFKC, which stays. */
    MK(a, A(OID_CN, U8, "x\302\264"));
    MK(b, A(OID_CN, U8, "x"));
    MK(c, A(OID_CN, U8, "x \314\201"));
    CHECK(equal(&a, &b) == 0);
    CHECK(equal(&a, &c) == 1);

    /* Prohibited code points (§2.4): private use, U+FFFD, unassigned. Such
     * a value equals only its identical self; the explanation says why. */
    MK(a, A(OID_CN, U8, "A\356\200\200"));
    MK(b, A(OID_CN, U8, "a\356\200\200"));
    CHECK(equal(&a, &a) == 1);
    CHECK(equal(&a, &b) == 0);
    CHECK(explains(&a, &b, "not comparable: a code point RFC 4518 prohibits", NULL));
    MK(a, A(OID_CN, U8, "A\357\277\275"));
    MK(b, A(OID_CN, U8, "a\357\277\275"));
    CHECK(equal(&a, &b) == 0);
    MK(a, A(OID_CN, U8, "A\315\270"));
    MK(b, A(OID_CN, U8, "a\315\270"));
    CHECK(equal(&a, &b) == 0);

    /* Values that grow when prepared (ß to ss, ligatures and the like, up to
     * eighteen code points for one) outgrow the fixed buffer without harm:
     * 1,000 × U+FDFA against its NFKC expansion would be too long for the
     * cap, so 300 × ß against 600 × s. */
    {
        static char big[700], small[700];
        for (size_t i = 0; i < 300; i++)
            memcpy(big + 2 * i, "\303\237", 2);
        memset(small, 's', 600);
        MK(a, AN(OID_CN, U8, big, 600));
        MK(b, AN(OID_CN, U8, small, 600));
        CHECK(equal(&a, &b) == 1);
    }
    {
        /* U+FDFA (18 code points after NFKC) 300 times: 5,400 code points
         * prepared, past CG_NAME_MAX_VALUE, so libunistring allocates (and
         * ASan checks that it is released). UTF-8 against UCS-2, so that
         * both sides are prepared. */
        static char lig[1000], lig16[700];
        for (size_t i = 0; i < 300; i++) {
            memcpy(lig + 3 * i, "\357\267\272", 3);
            memcpy(lig16 + 2 * i, "\375\372", 2);
        }
        MK(a, AN(OID_CN, U8, lig, 900));
        MK(b, AN(OID_CN, BMP, lig16, 600));
        CHECK(equal(&a, &b) == 1);
        MK(c, AN(OID_CN, U8, lig, 897));
        CHECK(equal(&a, &c) == 0);
    }
}

static void test_non_string_values(void)
{
    tname a, b, c;

    MK(a, A(OID_SERIAL, CG_ASN1_INTEGER, "\x01"));
    MK(b, A(OID_SERIAL, CG_ASN1_INTEGER, "\x02"));
    MK(c, A(OID_SERIAL, PS, "1"));
    CHECK(equal(&a, &a) == 1);
    CHECK(equal(&a, &b) == 0);
    CHECK(equal(&a, &c) == 0);
    CHECK(explains(&a, &b, "attribute 1 (serialNumber): value differs", NULL));
    CHECK(explains(&a, &c, "attribute 1 (serialNumber): value differs", NULL));
    CHECK(renders(&a, "serialNumber=#020101"));
}

static void test_type_mismatch(void)
{
    tname a, b;

    MK(a, A(OID_C, PS, "US"), A(OID_O, U8, "Example"));
    MK(b, A(OID_C, PS, "US"), A(OID_OU, U8, "Example"));
    CHECK(equal(&a, &b) == 0);
    CHECK(explains(&a, &b, "attribute 2: O=Example here, OU=Example in the other name", NULL));

    /* Unknown types are named by dotted OID, arcs over 127 included. */
    MK(a, A("2a0304", U8, "a"), A("883701", U8, "x"));
    MK(b, A("2a0304", U8, "b"), A("883701", U8, "x"));
    CHECK(explains(&a, &b, "attribute 1 (1.2.3.4): value differs", NULL));
    CHECK(renders(&a, "2.999.1=#0C0178,1.2.3.4=#0C0161"));
}

static void test_malformed(void)
{
    static const char *const bad[] = {
        "",                                 /* nothing */
        "3035310b30090603550406130255",     /* truncated */
        "3100",                             /* SET, not SEQUENCE */
        "30023100",                         /* empty RDN */
        "300e310c300a06035504030c01780500", /* third member in an AVA */
        "300a3108300606035504030c",         /* AVA value cut short */
        "3009310730050603550403",           /* AVA without value */
        "300731053003060355",               /* OID runs past its AVA */
        "300c310a300806032a80010c0178",     /* OID arc starts with 0x80 */
        "300b3109300706022a830c0178",       /* OID ends inside an arc */
        "30093107300506000c0178",           /* empty OID */
        "300c310a300804030102030c0178",     /* type is not an OID */
        "308100",                           /* non-minimal length */
        "30800000",                         /* indefinite length */
        "300000",                           /* bytes after the Name */
        "300d310a300806035504030c017800",   /* bytes after an RDN */
        "300d310b300806035504030c017800",   /* bytes after an AVA */
    };
    tname good, t;
    char buf[64];

    MK(good, A(OID_CN, U8, "x"));
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int ok = -1;
        mk_hex(&t, bad[i]);
        CHECK(cg_name_equal(&t.cbs, &good.cbs, &ok) == 0 && ok == 0);
        CHECK(cg_name_equal(&good.cbs, &t.cbs, &ok) == 0 && ok == 0);
        CHECK(cg_name_equal(&t.cbs, &t.cbs, NULL) == 0);
        strcpy(buf, "junk");
        CHECK(cg_name_explain(&t.cbs, &good.cbs, buf, sizeof(buf)) == 0 && buf[0] == '\0');
        strcpy(buf, "junk");
        CHECK(cg_name_to_string(&t.cbs, buf, sizeof(buf)) == 0 && buf[0] == '\0');
    }

    /* A NULL view of length 0 is an empty input, not a crash. */
    cg_cbs nul;
    cg_cbs_init(&nul, NULL, 0);
    CHECK(cg_name_equal(&nul, &good.cbs, NULL) == 0);
    CHECK(cg_name_hash_bytes(&nul) == 0xcbf29ce484222325u);

    /* The empty SEQUENCE is a valid, empty Name. */
    mk_hex(&t, "3000");
    CHECK(equal(&t, &t) == 1);
    CHECK(equal(&t, &good) == 0);
    CHECK(renders(&t, ""));
}

static void test_limits(void)
{
    spec sp[CG_NAME_MAX_AVAS + 1];
    static char big[CG_NAME_MAX_VALUE + 1];
    tname t;

    for (size_t i = 0; i < CG_NAME_MAX_AVAS + 1; i++)
        sp[i] = (spec){OID_OU, U8, "u", 0, (int)(i % 2)};
    mk(&t, sp, CG_NAME_MAX_AVAS);
    CHECK(equal(&t, &t) == 1);
    mk(&t, sp, CG_NAME_MAX_AVAS + 1);
    CHECK(equal(&t, &t) == -1);

    memset(big, 'a', sizeof(big));
    MK(t, AN(OID_CN, U8, big, CG_NAME_MAX_VALUE));
    CHECK(equal(&t, &t) == 1);
    MK(t, AN(OID_CN, U8, big, CG_NAME_MAX_VALUE + 1));
    CHECK(equal(&t, &t) == -1);

    /* A ten-group arc would not fit 63 bits. */
    MK(t, A("2a81818181818181818101", U8, "x"));
    CHECK(equal(&t, &t) == -1);
    MK(t, A("2a818181818181818101", U8, "x"));
    CHECK(equal(&t, &t) == 1);
}

static void test_to_string(void)
{
    tname t;
    char buf[64];

    /* Expected strings from cryptography's rfc4514_string(). */
    MK(t, A(OID_CN, U8, "a,b+c\"d\\e;f<g>h"));
    CHECK(renders(&t, "CN=a\\,b\\+c\\\"d\\\\e\\;f\\<g\\>h"));
    MK(t, A(OID_CN, U8, "#lead"), A(OID_O, U8, " sp "));
    CHECK(renders(&t, "O=\\ sp\\ ,CN=\\#lead"));
    MK(t, A(OID_CN, U8, "x"), PLUS(OID_O, U8, "y"));
    CHECK(renders(&t, "CN=x+O=y"));
    MK(t, AN(OID_CN, BMP, "\0\334\0n\0\357\0c\0o\0d\0e", 14));
    CHECK(renders(&t, "CN=\303\234n\303\257code"));
    /* '#' and '=' inside, NUL and controls as hex pairs. */
    MK(t, A(OID_CN, U8, "a#b=c"), AN(OID_O, U8, "x\0y\x01", 4), A(OID_OU, U8, "\xc2\x85"));
    CHECK(renders(&t, "OU=\\C2\\85,O=x\\00y\\01,CN=a#b=c"));

    /* An output that does not fit is refused, not cut. */
    MK(t, A(OID_C, PS, "US"), A(OID_CN, U8, "Root"));
    CHECK(cg_name_to_string(&t.cbs, buf, strlen("CN=Root,C=US") + 1) == 1);
    CHECK(strcmp(buf, "CN=Root,C=US") == 0);
    CHECK(cg_name_to_string(&t.cbs, buf, strlen("CN=Root,C=US")) == 0 && buf[0] == '\0');
    CHECK(cg_name_to_string(&t.cbs, buf, 0) == 0);
}

/* Bidi formatting characters are escaped as controls are, and a name too
 * long for the caller's buffer (or past the parser's caps) is shown cut with
 * a marker, never dropped, never cut inside an escape. */
static void test_to_display(void)
{
    spec sp[CG_NAME_MAX_AVAS + 1];
    static char big[CG_NAME_MAX_VALUE + 100];
    char buf[256], small[48];
    const char *m;
    tname t;

    MK(t, A(OID_CN, U8, "evil\xe2\x80\xaegnp.exe"), AN(OID_O, BMP, "\x20\x2e\0x", 4));
    CHECK(renders(&t, "O=\\E2\\80\\AEx,CN=evil\\E2\\80\\AEgnp.exe"));
    CHECK(cg_name_to_display(&t.cbs, buf, sizeof(buf)) == 1);
    CHECK(strcmp(buf, "O=\\E2\\80\\AEx,CN=evil\\E2\\80\\AEgnp.exe") == 0);

    /* A value over CG_NAME_MAX_VALUE: cg_name_to_string refuses it, the
     * display shows its start. */
    memset(big, 'a', sizeof(big));
    MK(t, AN(OID_CN, U8, big, sizeof(big)));
    CHECK(cg_name_to_string(&t.cbs, buf, sizeof(buf)) == 0);
    CHECK(cg_name_to_display(&t.cbs, buf, sizeof(buf)) == 1);
    CHECK(strncmp(buf, "CN=aaaa", 7) == 0 && strlen(buf) < sizeof(buf));
    m = strstr(buf, "...[cut, ");
    snprintf(small, sizeof(small), "...[cut, %zu-byte name]", t.len);
    CHECK(m != NULL && strcmp(m, small) == 0);

    /* Fits the parser but not the buffer; escapes are never split. */
    memset(big, ',', 300);
    MK(t, AN(OID_CN, U8, big, 300));
    CHECK(cg_name_to_display(&t.cbs, small, sizeof(small)) == 1);
    CHECK(cg_name_to_string(&t.cbs, buf, sizeof(buf)) == 0);
    m = strstr(small, "...[cut, ");
    CHECK(m != NULL && m - small >= 5 && m[-1] == ',' && m[-2] == '\\');
    CHECK(strncmp(small, "CN=\\,\\,", 7) == 0);

    /* More attributes than the parser's cap: the first ones, marked. */
    for (size_t i = 0; i < CG_NAME_MAX_AVAS + 1; i++)
        sp[i] = (spec){OID_OU, U8, "u", 0, 0};
    mk(&t, sp, CG_NAME_MAX_AVAS + 1);
    CHECK(cg_name_to_string(&t.cbs, buf, sizeof(buf)) == 0);
    CHECK(cg_name_to_display(&t.cbs, buf, sizeof(buf)) == 1);
    CHECK(strncmp(buf, "OU=u,OU=u", 9) == 0 && strstr(buf, "...[cut, ") != NULL);

    /* Not a Name: nothing to show. */
    mk_hex(&t, "3003310130");
    CHECK(cg_name_to_display(&t.cbs, buf, sizeof(buf)) == 0 && buf[0] == '\0');
}

static void test_hash(void)
{
    tname a, b;
    cg_cbs one;

    /* FNV-1a 64 reference value for "a". */
    cg_cbs_init(&one, (const uint8_t *)"a", 1);
    CHECK(cg_name_hash_bytes(&one) == 0xaf63dc4c8601ec8cu);
    MK(a, A(OID_CN, U8, "x"));
    MK(b, A(OID_CN, PS, "x"));
    CHECK(cg_name_hash_bytes(&a.cbs) != cg_name_hash_bytes(&b.cbs));
}

static void test_explain_truncation(void)
{
    tname a, b;
    char full[1024];
    size_t n;

    MK(a, A(OID_C, PS, "US"), A(OID_O, U8, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"));
    MK(b, A(OID_C, PS, "DE"), A(OID_O, U8, "Other"), A(OID_CN, U8, "x"));
    CHECK(cg_name_explain(&a.cbs, &b.cbs, full, sizeof(full)) == 1);
    n = strlen(full);
    for (size_t cap = 1; cap <= n + 1; cap++) {
        char out[sizeof(full) + 1];
        size_t got;
        memset(out, 'Z', sizeof(out));
        CHECK(cg_name_explain(&a.cbs, &b.cbs, out, cap) == 1);
        got = strlen(out);
        CHECK(got < cap && out[cap] == 'Z');
        if (cap == n + 1) {
            CHECK(strcmp(out, full) == 0);
            continue;
        }
        if (cap < 4)
            continue;
        /* A cut text is a prefix ending on a whole character, then "...". */
        CHECK(got >= 3 && strcmp(out + got - 3, "...") == 0);
        CHECK(memcmp(out, full, got - 3) == 0);
        CHECK(((uint8_t)full[got - 3] & 0xc0) != 0x80);
    }
    CHECK(cg_name_explain(&a.cbs, &b.cbs, NULL, 0) == 1);
}

/* Every truncation and many one-byte changes of a real Name: nothing may
 * crash or read past the input (run under ASan), and whatever parses must
 * also render. */
static void test_mutations(void)
{
    tname fx, t;
    static const uint8_t deltas[] = {0x01, 0x80, 0xff, 0x7f, 0x40};
    char buf[512];

    mk_hex(&fx, fixture_hex);
    for (size_t len = 0; len <= fx.len; len++) {
        int ok;
        cg_cbs c;
        cg_cbs_init(&c, fx.d, len);
        cg_name_equal(&c, &fx.cbs, &ok);
        CHECK(ok == (len == fx.len));
        cg_name_explain(&c, &fx.cbs, buf, sizeof(buf));
        cg_name_to_string(&c, buf, sizeof(buf));
    }
    for (size_t i = 0; i < fx.len; i++) {
        for (size_t k = 0; k < sizeof(deltas); k++) {
            int ok;
            t = fx;
            t.d[i] ^= deltas[k];
            cg_cbs_init(&t.cbs, t.d, t.len);
            cg_name_equal(&t.cbs, &fx.cbs, &ok);
            cg_name_explain(&t.cbs, &fx.cbs, buf, sizeof(buf));
            cg_name_explain(&fx.cbs, &t.cbs, buf, sizeof(buf));
            if (ok)
                CHECK(cg_name_to_string(&t.cbs, buf, sizeof(buf)) == 1);
        }
    }
}

int main(void)
{
    test_fixture_and_identical();
    test_string_types();
    test_case();
    test_spaces();
    test_case_and_spaces();
    test_order();
    test_value();
    test_rdn_count();
    test_multivalued();
    test_other_string_types();
    test_mapping();
    test_rfc4518();
    test_non_string_values();
    test_type_mismatch();
    test_malformed();
    test_limits();
    test_to_string();
    test_to_display();
    test_hash();
    test_explain_truncation();
    test_mutations();
    return cg_test_done();
}
