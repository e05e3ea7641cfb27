/* The names of a subscriber certificate: subjectAltName present and
 * well-formed (TLS BRs §7.1.2.7.12: dNSName and iPAddress only, domain name
 * syntax, wildcards, Internal Names, Reserved IP Addresses) and the subject
 * commonName taken from it (§7.1.4.3).
 *
 * The syntax of RFC 5280 §4.2.1.6 (a non-empty SEQUENCE, no empty
 * GeneralName, a dNSName in the preferred name syntax, an iPAddress of 4 or 16
 * octets) binds every certificate that carries subjectAltName, a CA's too,
 * at every date (RFC 2459 §4.2.1.7 already asked for RFC 1034's preferred
 * name syntax); what the TLS BRs add binds from 2012-07-01: a wildcard only
 * as a whole leftmost label over a registrable name (the Wildcard Domain
 * Name), and, for subscriber certificates only (§7.1.2.7.12), only dNSName
 * and iPAddress, no Internal Name, no Reserved IP Address.
 *
 * Underscores: RFC 5280's preferred name syntax has none, and the BRs held to
 * it until ballot SC12 (BRs 1.6.2, 2018-12-10) let a subscriber certificate
 * carry them until 2019-04-01 when it was valid for under 30 days and each
 * label stayed an LDH label with its underscores made hyphens.
 *
 * Internal Names: a name is internal when it has a single label, or its
 * top-level label is all digits or one of the names set aside for private
 * use (RFC 2606, RFC 6762, RFC 8375, RFC 9476, ICANN's .internal and the
 * name-collision names corp, home and mail): cert.san_invalid. A TLD that
 * was not in the DNS root zone the day the certificate was issued makes an
 * Internal Name too (rules/tld.h, a dated copy of the root zone's list):
 * cert.san_tld_not_delegated, a rule of its own because its data ages.
 * The hosts of authorityInformationAccess URLs are judged the same way
 * (cg_prof_host_internal, cert.aia_internal_name).
 *
 * IP reverse zones (in-addr.arpa, ip6.arpa): every name in them is refused
 * from 2026-03-15 (ballot SC-86); before, a Reverse Zone Domain Name of a
 * Reserved IP Address is refused like the address, and a name in a reverse
 * zone that names no one address gets a warning
 * (cert.san_reverse_name_malformed), as zlint does. */
#include <arpa/inet.h>
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uninorm.h>
#include <unistr.h>

#include "rules/cert_profile.h"
#include "rules/tld.h"
#include "x509/oid.h"

#define BR10 20120701 /* the TLS BRs take effect */
#define SC062 20230915
#define SC48 20210825 /* BRs 1.8.0: the commonName a character-for-character copy */
#define SC12 20181210        /* BRs 1.6.2: underscores for a while */
#define SC12_SUNSET 20190401 /* ... until this day */
#define RFC3490 20030301     /* IDNA: A-labels are Punycode */
#define RFC8399 20180501     /* RFC 5280's IDNs are IDNA2008's */

static int in4(const uint8_t *a, uint32_t net, int bits)
{
    uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
    return bits == 0 || (v >> (32 - bits)) == (net >> (32 - bits));
}

static int in6(const uint8_t *a, const uint8_t *net, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(a, net, (size_t)whole) != 0)
        return 0;
    return rest == 0 || (a[whole] >> (8 - rest)) == (net[whole] >> (8 - rest));
}

/* Reserved IP Addresses (TLS BRs §1.6.1: "any IPv4 or IPv6 address that the
 * IANA has marked as reserved"), from the IANA registries:
 *   IPv4 Special-Purpose Address Registry (RFC 6890; iana.org/assignments/
 *   iana-ipv4-special-registry): 0/8 "this network", 10/8, 172.16/12,
 *   192.168/16 private use, 100.64/10 shared, 127/8 loopback, 169.254/16 link
 *   local, 192.0.0/24 IETF protocol assignments, 192.0.2/24, 198.51.100/24,
 *   203.0.113/24 documentation, 192.31.196/24 and 192.175.48/24 AS112,
 *   192.52.193/24 AMT, 192.88.99/24 6to4 relay anycast (deprecated),
 *   198.18/15 benchmarking, 240/4 reserved (with 255.255.255.255);
 *   IPv4 Multicast Address Space (iana.org/assignments/multicast-addresses):
 *   224/4;
 *   IPv6 Address Space (iana.org/assignments/ipv6-address-space): everything
 *   outside 2000::/3 Global Unicast (loopback, unspecified, IPv4-mapped,
 *   64:ff9b::/96, 100::/64, fc00::/7, fe80::/10, ff00::/8 among it);
 *   IPv6 Special-Purpose Address Registry (RFC 6890; iana.org/assignments/
 *   iana-ipv6-special-registry) inside 2000::/3: 2001::/23 IETF protocol
 *   assignments (Teredo, ORCHIDv2, AMT, AS112 and benchmarking among it),
 *   2001:db8::/32 documentation, 2002::/16 6to4, 2620:4f:8000::/48 AS112,
 *   3fff::/20 documentation (RFC 9637).
 * The same ranges as zlint's util/ip.go (commit 1007b1d), which
 * e_ext_san_contains_reserved_ip and e_subject_contains_reserved_arpa_ip
 * use. */
static int reserved_ip(const uint8_t *a, size_t n)
{
    static const struct {
        uint32_t net;
        int bits;
    } v4[] = {
        {0x00000000, 8},  {0x0a000000, 8},  {0x64400000, 10}, {0x7f000000, 8},
        {0xa9fe0000, 16}, {0xac100000, 12}, {0xc0000000, 24}, {0xc0000200, 24},
        {0xc01fc400, 24}, {0xc034c100, 24}, {0xc0586300, 24}, {0xc0a80000, 16},
        {0xc0af3000, 24}, {0xc6120000, 15}, {0xc6336400, 24}, {0xcb007100, 24},
        {0xe0000000, 4},  {0xf0000000, 4},
    };
    static const struct {
        uint8_t net[16];
        int bits;
    } v6[] = {
        {{0x20, 0x01, 0x00, 0x00}, 23}, {{0x20, 0x01, 0x0d, 0xb8}, 32},
        {{0x20, 0x02}, 16},             {{0x26, 0x20, 0x00, 0x4f, 0x80, 0x00}, 48},
        {{0x3f, 0xff}, 20},
    };
    if (n == 4) {
        for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++) {
            if (in4(a, v4[i].net, v4[i].bits))
                return 1;
        }
        return 0;
    }
    if ((a[0] & 0xe0) != 0x20)
        return 1;
    for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++) {
        if (in6(a, v6[i].net, v6[i].bits))
            return 1;
    }
    return 0;
}

static int hex_nibble(uint8_t c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c |= 0x20;
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* A name in an IP reverse zone: 0 when it is in neither in-addr.arpa nor
 * ip6.arpa (below their apex), 1 when it is a Reverse Zone Domain Name of one
 * address (RFC 1035 §3.5: four decimal labels, the address's last octet
 * first; RFC 3596 §2.5: 32 labels of one hexadecimal nibble each, the last
 * nibble first), the address then in a (*alen octets), -1 when it is in the
 * zone but names no one address (too few or too many labels, a label that is
 * not an octet or a nibble, a wildcard). */
static int reverse_name(const uint8_t *s, size_t n, uint8_t a[16], size_t *alen)
{
    static const char v4[] = ".in-addr.arpa", v6[] = ".ip6.arpa";
    size_t l4 = sizeof(v4) - 1, l6 = sizeof(v6) - 1, len, want;
    /* both zones end in "arpa": most names are out at once */
    if (n < l6 || (s[n - 1] | 0x20) != 'a')
        return 0;
    if (n > l4 && cg_prof_ieq(s + n - l4, v4, l4)) {
        len = n - l4;
        want = 4;
    } else if (n > l6 && cg_prof_ieq(s + n - l6, v6, l6)) {
        len = n - l6;
        want = 32;
    } else {
        return 0;
    }
    memset(a, 0, 16);
    *alen = want == 4 ? 4 : 16;
    size_t got = 0;
    for (size_t i = 0; i <= len; got++) {
        size_t e = i;
        while (e < len && s[e] != '.')
            e++;
        const uint8_t *l = s + i;
        size_t ll = e - i, pos = want - 1 - got;
        i = e + 1;
        if (got == want || ll == 0)
            return -1;
        if (want == 32) {
            int v = ll == 1 ? hex_nibble(l[0]) : -1;
            if (v < 0)
                return -1;
            a[pos / 2] |= (uint8_t)(pos % 2 ? v : v << 4);
            continue;
        }
        unsigned v = 0;
        if (ll > 3 || (ll > 1 && l[0] == '0'))
            return -1;
        for (size_t k = 0; k < ll; k++) {
            if (l[k] < '0' || l[k] > '9')
                return -1;
            v = v * 10 + (unsigned)(l[k] - '0');
        }
        if (v > 255)
            return -1;
        a[pos] = (uint8_t)v;
    }
    return got == want ? 1 : -1;
}

/* An xn-- label (an A-label, RFC 5890 §2.3.2.1) is the Punycode (RFC 3492)
 * of a U-label, and a U-label is in Unicode Normalization Form C (RFC 5890
 * §2.3.2.1; RFC 8399 takes IDNA2008 into certificates). libidn2 decodes
 * (no IDNA mapping or lookup rules: flags 0), libunistring normalises. The
 * label's first defect, or NULL. */
static const char *xn_defect(const cg_profile *p, const uint8_t *l, size_t len)
{
    char a[64];
    uint32_t *u = NULL, buf[64], *nfc;
    size_t n, m = sizeof(buf) / sizeof(buf[0]);
    const char *d = NULL;
    if (len < 4 || len > 63)
        return NULL;
    memcpy(a, "xn--", 4); /* "XN--" too: the prefix is case-insensitive */
    memcpy(a + 4, l + 4, len - 4);
    a[len] = '\0';
    if (idn2_to_unicode_8z4z(a, &u, 0) != IDN2_OK) {
        if (cg_prof_since(p, RFC3490))
            d = "has an xn-- label that is not valid Punycode (RFC 3492)";
        goto out;
    }
    n = u32_strlen(u);
    nfc = u32_normalize(UNINORM_NFC, u, n, buf, &m);
    if (nfc == NULL) /* out of memory: no verdict */
        goto out;
    if (cg_prof_since(p, RFC8399) && (m != n || u32_cmp(nfc, u, n) != 0))
        d = "has an xn-- label whose Unicode form is not in Normalization Form C (RFC 5890 "
            "§2.3.2.1, RFC 8399)";
    if (nfc != buf)
        free(nfc);
out:
    idn2_free(u);
    return d;
}

/* Whether a subscriber certificate issued in SC12's window may carry an
 * underscore: valid for under 30 days (the window's labels are checked as
 * LDH labels with the underscores made hyphens). */
static int underscore_ok(const cg_profile *p)
{
    const cg_cert *c = p->cert;
    return p->kind == CG_PROF_SUBSCRIBER && cg_prof_since(p, SC12) &&
           !cg_prof_since(p, SC12_SUNSET) && c->not_after_t - c->not_before_t < 30 * 86400;
}

/* Why the name s (n octets, labels labels, the last from offset tld) is an
 * Internal Name by its form or a TLD set aside for private use, or NULL. */
static const char *private_name(const uint8_t *s, size_t n, size_t tld, size_t labels)
{
    /* with their lengths: most names' top-level label has none of them */
    static const struct {
        const char *name;
        size_t len;
    } reserved_tlds[] = {
        {"test", 4},  {"example", 7},  {"invalid", 7}, {"localhost", 9},
        {"local", 5}, {"internal", 8}, {"alt", 3},     {"corp", 4},
        {"home", 4},  {"mail", 4},     {"lan", 3},     {"localdomain", 11},
    };
    const uint8_t *t = s + tld;
    size_t tlen = n - tld;
    int digits = 1;
    for (size_t k = 0; k < tlen; k++)
        digits &= t[k] >= '0' && t[k] <= '9';
    if (labels < 2)
        return "is an Internal Name (a single label)";
    if (digits)
        return "is an Internal Name (its top-level label is all digits)";
    for (size_t k = 0; k < sizeof(reserved_tlds) / sizeof(reserved_tlds[0]); k++) {
        if (reserved_tlds[k].len == tlen && cg_prof_ieq(t, reserved_tlds[k].name, tlen))
            return "is an Internal Name (its top-level domain is reserved for private use)";
    }
    if ((n == 9 && cg_prof_ieq(s, "home.arpa", 9)) ||
        (n > 10 && cg_prof_ieq(s + n - 10, ".home.arpa", 10)))
        return "is an Internal Name (home.arpa, RFC 8375)";
    return NULL;
}

/* Why the name s (n octets, its last label from offset tld) is an Internal
 * Name by its TLD's absence from the DNS root zone on the day p was issued,
 * written into buf, or NULL. */
static const char *tld_defect(const cg_profile *p, const uint8_t *s, size_t n, size_t tld,
                              char *buf, size_t cap)
{
    uint32_t date;
    int len = (int)(n - tld < 63 ? n - tld : 63);
    const char *what, *then;
    switch (cg_tld_at(s + tld, n - tld, p->issued_ymd, &date)) {
    case CG_TLD_UNKNOWN:
        date = cg_tld_snapshot();
        what = "is not in the DNS root zone (caguard's table of ";
        then = ", data/tld/tlds.tsv)";
        break;
    case CG_TLD_NOT_YET:
        what = "entered the DNS root zone only on ";
        then = ", after the certificate was issued";
        break;
    case CG_TLD_REMOVED:
        what = "left the DNS root zone on ";
        then = ", before the certificate was issued";
        break;
    default:
        return NULL;
    }
    snprintf(buf, cap, "is an Internal Name: its top-level domain \"%.*s\" %s%04u-%02u-%02u%s", len,
             (const char *)s + tld, what, date / 10000, date / 100 % 100, date % 100, then);
    return buf;
}

/* The offset of the last label of s (n octets) and the count of labels. */
static size_t last_label(const uint8_t *s, size_t n, size_t *labels)
{
    size_t tld = 0;
    *labels = 1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            tld = i + 1;
            (*labels)++;
        }
    }
    return tld;
}

const char *cg_prof_host_internal(const cg_profile *p, const uint8_t *s, size_t n, char *buf,
                                  size_t cap)
{
    size_t labels, tld;
    uint32_t date;
    if (n > 0 && s[n - 1] == '.')
        n--; /* an absolute name's root label */
    tld = last_label(s, n, &labels);
    /* The common case first: no TLD set aside for private use or all
     * digits is in the root zone's table, so a name of two labels or more
     * under a TLD delegated that day is internal only under home.arpa. */
    if (labels >= 2 && cg_tld_at(s + tld, n - tld, p->issued_ymd, &date) == CG_TLD_DELEGATED &&
        !(n - tld == 4 && cg_prof_ieq(s + tld, "arpa", 4)))
        return NULL;
    const char *d = private_name(s, n, tld, labels);
    return d != NULL ? d : tld_defect(p, s, n, tld, buf, cap);
}

/* Whether c is a letter, digit, hyphen or dot: a bit each of the ASCII
 * octets (0x2d '-', 0x2e '.', 0x30-0x39, 0x41-0x5a, 0x61-0x7a). */
static int ldh_or_dot(uint8_t c)
{
    static const uint64_t set[2] = {UINT64_C(0x03ff600000000000), UINT64_C(0x07fffffe07fffffe)};
    return c < 128 && ((set[c >> 6] >> (c & 63)) & 1);
}

/* Most names in one pass: letters, digits, hyphens and dots only, in labels
 * of 1 to 63 octets that neither start nor end with a hyphen nor hold "--"
 * in their third and fourth octets (so no xn-- label). 1, with the offset of
 * the last label and the count of labels, for such a name, in which
 * dns_syntax finds no defect either; 0 leaves the name to dns_syntax. */
static int dns_plain(const uint8_t *s, size_t n, size_t *tld, size_t *labels)
{
    size_t first = 0;
    int plain = 1;
    *labels = 0;
    for (size_t i = 0; i <= n && plain; i++) {
        if (i < n && s[i] != '.') {
            plain = ldh_or_dot(s[i]);
            continue;
        }
        size_t len = i - first;
        plain = len > 0 && len <= 63 && s[first] != '-' && s[i - 1] != '-' &&
                !(len >= 4 && s[first + 2] == '-' && s[first + 3] == '-');
        *tld = first;
        (*labels)++;
        first = i + 1;
    }
    return plain;
}

/* The syntax of a name (n > 0) octet by octet: its first defect, or NULL
 * with where the labels start (after a leading "*."), the offset of the
 * last label and the count of labels. */
static const char *dns_syntax(const cg_profile *p, const uint8_t *s, size_t n, size_t *start_out,
                              size_t *tld_out, size_t *labels_out)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] == 0)
            return "contains a NUL character";
        if (s[i] == ' ')
            return "contains a space";
        if (s[i] >= 0x80 || s[i] < 0x20)
            return "contains a character outside ASCII (IDNs go in as xn-- labels)";
    }
    if (s[0] == '.')
        return "starts with a dot";
    if (s[n - 1] == '.')
        return "ends with a dot (the root label must not be written)";
    size_t start = 0, labels = 0;
    if (n >= 2 && s[0] == '*' && s[1] == '.')
        start = 2; /* Wildcard Domain Name: "*." and an FQDN */
    size_t first = start, tld = start;
    for (size_t i = start; i <= n; i++) {
        if (i < n && s[i] != '.')
            continue;
        size_t len = i - first;
        const uint8_t *l = s + first;
        labels++;
        if (len == 0)
            return "has an empty label";
        if (len > 63)
            return "has a label longer than 63 characters";
        for (size_t k = 0; k < len; k++) {
            if (l[k] == '*') {
                if (cg_prof_since(p, BR10))
                    return "has a wildcard other than a whole leftmost label \"*.\"";
                continue; /* RFC 5280 leaves wildcards unaddressed */
            }
            if (l[k] == '_') {
                if (!underscore_ok(p))
                    return "contains an underscore (RFC 5280's preferred name syntax has none; "
                           "ballot SC12 allowed one only from 2018-12-10 to 2019-03-31, in a "
                           "subscriber certificate valid for under 30 days)";
                continue;
            }
            if (!((l[k] >= 'a' && l[k] <= 'z') || (l[k] >= 'A' && l[k] <= 'Z') ||
                  (l[k] >= '0' && l[k] <= '9') || l[k] == '-'))
                return "has a character that is not a letter, digit or hyphen";
        }
        if (l[0] == '-' || l[len - 1] == '-' || l[0] == '_' || l[len - 1] == '_')
            return "has a label that starts or ends with a hyphen (or an underscore)";
        if (len >= 4 && l[2] == '-' && l[3] == '-' && !cg_prof_ieq(l, "xn", 2) &&
            cg_prof_since(p, SC062))
            return "has a reserved LDH label (\"--\" in the third and fourth positions, not xn--)";
        if (len >= 4 && cg_prof_ieq(l, "xn--", 4)) {
            const char *d = xn_defect(p, l, len);
            if (d != NULL)
                return d;
        }
        tld = first;
        first = i + 1;
    }
    *start_out = start;
    *tld_out = tld;
    *labels_out = labels;
    return NULL;
}

/* One name's first defect, or NULL. The Internal Name and reverse zone
 * checks are for subscriber certificates only (TLS BRs §7.1.2.7.12). With
 * no defect, *tld_out is the offset of the name's last label. */
static const char *dns_defect(const cg_profile *p, const uint8_t *s, size_t n, size_t *tld_out)
{
    int subscriber = p->kind == CG_PROF_SUBSCRIBER;
    if (n == 0)
        return "is empty";
    if (n > 253)
        return "is longer than 253 characters";
    size_t start = 0, labels = 0, tld = 0;
    if (!dns_plain(s, n, &tld, &labels)) {
        const char *d = dns_syntax(p, s, n, &start, &tld, &labels);
        if (d != NULL)
            return d;
    }
    *tld_out = tld;
    if (start == 2 && labels < 2 && cg_prof_since(p, BR10))
        return "is a wildcard over a top-level domain";
    if (subscriber && cg_prof_since(p, 20151101)) {
        const char *d = private_name(s, n, tld, labels);
        if (d != NULL)
            return d;
        uint8_t a[16];
        size_t alen;
        if (reverse_name(s, n, a, &alen) == 1 && reserved_ip(a, alen))
            return "is the Reverse Zone Domain Name of a Reserved IP Address (the address "
                   "itself may not be in a certificate, and resolvers serve the reverse zones "
                   "of private and special-purpose space themselves, RFC 6303, so no one "
                   "applicant controls the name)";
    }
    if (subscriber && cg_prof_since(p, 20260315)) {
        static const char *const rev[] = {".in-addr.arpa", ".ip6.arpa"};
        for (size_t k = 0; k < 2; k++) {
            size_t rl = strlen(rev[k]);
            if ((n > rl && cg_prof_ieq(s + n - rl, rev[k], rl)) ||
                (n == rl - 1 && cg_prof_ieq(s, rev[k] + 1, rl - 1)))
                return "ends in an IP Address Reverse Zone Suffix (not allowed from "
                       "2026-03-15)";
        }
    }
    return NULL;
}

/* The first cap octets of v as text, each outside printable ASCII as '?'
 * (text holds cap + 1). */
static void printable(const cg_cbs *v, char *text, size_t cap)
{
    size_t show = v->len < cap ? v->len : cap;
    for (size_t k = 0; k < show; k++)
        text[k] = v->data[k] >= 0x20 && v->data[k] < 0x7f ? (char)v->data[k] : '?';
    text[show] = '\0';
}

/* The address as RFC 3986 / RFC 5952 text. */
static void ip_text(const uint8_t *a, size_t n, char *buf, size_t cap)
{
    if (inet_ntop(n == 4 ? AF_INET : AF_INET6, a, buf, (socklen_t)cap) == NULL)
        snprintf(buf, cap, "?");
}

typedef struct san_names {
    cg_cbs dns[64];
    size_t n_dns;
    uint8_t ip[64][16];
    uint8_t ip_len[64];
    size_t n_ip;
} san_names;

/* A finding about one entry names its GeneralName type below this
 * (cg_finding_field): "...subjectAltName.dNSName". */
#define SAN_FIELD "tbsCertificate.extensions.subjectAltName"

/* The findings on dNSName body, entry i of subjectAltName. */
static void judge_dns(cg_ctx *ctx, const cg_profile *p, const cg_cbs *body, size_t i,
                      int subscriber)
{
    char text[300], why[200];
    size_t tld = 0;
    const char *d = dns_defect(p, body->data, body->len, &tld);
    uint8_t ra[16];
    size_t ral;
    int reverse_bad = subscriber && reverse_name(body->data, body->len, ra, &ral) < 0;
    if (d != NULL || reverse_bad) /* the name quoted only for a finding */
        printable(body, text, 200);
    if (d != NULL)
        cg_report_at(ctx, CG_R_CERT_SAN_INVALID, p->obj, SAN_FIELD ".dNSName",
                     "subjectAltName dNSName \"%s\" (entry %zu) %s", text, i, d);
    /* a well-formed name's TLD against the root zone of the day */
    if (d == NULL && subscriber && cg_prof_since(p, 20151101)) {
        const char *t = tld_defect(p, body->data, body->len, tld, why, sizeof(why));
        if (t != NULL) {
            if (!reverse_bad)
                printable(body, text, 200);
            cg_report_at(ctx, CG_R_CERT_SAN_TLD_NOT_DELEGATED, p->obj, SAN_FIELD ".dNSName",
                         "subjectAltName dNSName \"%s\" (entry %zu) %s", text, i, t);
        }
    }
    if (reverse_bad)
        cg_report_at(ctx, CG_R_CERT_SAN_REVERSE_NAME_MALFORMED, p->obj, SAN_FIELD ".dNSName",
                     "subjectAltName dNSName \"%s\" (entry %zu) is in the %s reverse "
                     "zone but names no one address (%s)",
                     text, i, ral == 4 ? "IPv4" : "IPv6",
                     ral == 4 ? "RFC 1035 §3.5: four decimal octets, the last first"
                              : "RFC 3596 §2.5: 32 hexadecimal nibbles, the last first");
}

/* Judges subjectAltName and gathers its dNSName and iPAddress entries into
 * out (for check_cn). judge 0: a value the run found clean before under
 * the same memo key (cert_memo.c), only gathered; what a clean value
 * cannot have (an entry that does not decode, an address of another
 * length) is reported whatever judge says. */
static void check_san(cg_ctx *ctx, const cg_profile *p, san_names *out, int judge)
{
    const cg_ext *san = p->x.san >= 0 ? &p->cert->ext[p->x.san] : NULL;
    /* what §7.1.2.7.12 adds to RFC 5280 binds from the TLS BRs' date */
    int subscriber = p->kind == CG_PROF_SUBSCRIBER && cg_prof_since(p, BR10);
    if (san == NULL && !subscriber)
        return;
    if (san == NULL) {
        cg_report(ctx, CG_R_CERT_SAN_MISSING, p->obj,
                  "a %s must carry subjectAltName with its dNSName or iPAddress entries",
                  cg_prof_kind_name(p));
        return;
    }
    cg_cbs v = san->value, seq, gn;
    if (!cg_cbs_get_asn1(&v, &seq, CG_ASN1_SEQUENCE) || v.len != 0 || seq.len == 0) {
        cg_report(ctx, CG_R_CERT_SAN_INVALID, p->obj,
                  "subjectAltName does not decode as a non-empty SEQUENCE of GeneralName");
        return;
    }
    size_t i = 0;
    while (seq.len > 0) {
        uint8_t tag;
        size_t hl;
        char text[300];
        i++;
        if (!cg_cbs_get_any_asn1_element(&seq, &gn, &tag, &hl)) {
            cg_report(ctx, CG_R_CERT_SAN_INVALID, p->obj,
                      "subjectAltName entry %zu does not decode", i);
            return;
        }
        if (gn.len == hl) {
            cg_report(ctx, CG_R_CERT_SAN_INVALID, p->obj,
                      "subjectAltName entry %zu is an empty GeneralName (RFC 5280 §4.2.1.6)", i);
            continue;
        }
        /* the contents: gn decoded as one element of tag, whole */
        cg_cbs body = {gn.data + hl, gn.len - hl};
        if (tag == CG_ASN1_CTX(2)) {
            if (judge)
                judge_dns(ctx, p, &body, i, subscriber);
            if (out->n_dns < 64)
                out->dns[out->n_dns++] = body;
        } else if (tag == CG_ASN1_CTX(7)) {
            if (body.len != 4 && body.len != 16) {
                cg_report_at(ctx, CG_R_CERT_SAN_INVALID, p->obj, SAN_FIELD ".iPAddress",
                             "subjectAltName iPAddress (entry %zu) is %zu octets; an address "
                             "is 4 (IPv4) or 16 (IPv6)",
                             i, body.len);
                continue;
            }
            if (judge && subscriber && cg_prof_since(p, 20151101) &&
                reserved_ip(body.data, body.len)) {
                ip_text(body.data, body.len, text, sizeof(text));
                cg_report_at(ctx, CG_R_CERT_SAN_INVALID, p->obj, SAN_FIELD ".iPAddress",
                             "subjectAltName iPAddress %s (entry %zu) is a Reserved IP Address",
                             text, i);
            }
            if (out->n_ip < 64) {
                memcpy(out->ip[out->n_ip], body.data, body.len);
                out->ip_len[out->n_ip++] = (uint8_t)body.len;
            }
        } else if (subscriber && judge) {
            static const char *const types[] = {"otherName", "rfc822Name", "dNSName",
                                                "x400Address", "directoryName", "ediPartyName",
                                                "uniformResourceIdentifier", "iPAddress",
                                                "registeredID"};
            unsigned t = tag & 0x1f;
            char field[80];
            snprintf(field, sizeof(field), "%s%s%s", SAN_FIELD, t < 9 ? "." : "",
                     t < 9 ? types[t] : "");
            cg_report_at(ctx, CG_R_CERT_SAN_INVALID, p->obj, field,
                         "subjectAltName entry %zu is a%s %s; only dNSName and iPAddress are "
                         "allowed",
                         i, t < 9 && (t == 0 || t == 8) ? "n" : "",
                         t < 9 ? types[t] : "GeneralName");
        }
    }
    if (judge && subscriber && out->n_dns == 0 && out->n_ip == 0)
        cg_report(ctx, CG_R_CERT_SAN_INVALID, p->obj,
                  "subjectAltName holds no dNSName or iPAddress");
}

/* The subject's commonName values, in order. */
static size_t subject_cns(const cg_cert *c, cg_cbs *cn, size_t cap)
{
    cg_cbs name = c->subject, rdns, rdn, atv, type, value;
    size_t n = 0, hl;
    uint8_t tag;
    if (!cg_cbs_get_asn1(&name, &rdns, CG_ASN1_SEQUENCE))
        return 0;
    while (cg_cbs_get_asn1(&rdns, &rdn, CG_ASN1_SET)) {
        while (cg_cbs_get_asn1(&rdn, &atv, CG_ASN1_SEQUENCE)) {
            if (!cg_cbs_get_asn1(&atv, &type, CG_ASN1_OBJECT) ||
                !cg_prof_oid_is(&type, CG_OID_AT_CN, sizeof(CG_OID_AT_CN)) ||
                !cg_cbs_get_any_asn1_element(&atv, &value, &tag, &hl))
                continue;
            if (n < cap) /* the contents of the element value, decoded whole */
                cg_cbs_init(&cn[n], value.data + hl, value.len - hl);
            n++;
        }
    }
    return n;
}

static void check_cn(cg_ctx *ctx, const cg_profile *p, const san_names *san)
{
    cg_cbs cn[8];
    size_t n = subject_cns(p->cert, cn, 8);
    int sc48 = cg_prof_since(p, SC48);
    if (n == 0)
        return;
    /* "a single IP address or Fully-Qualified Domain Name" (BRs 1.x
     * §7.1.4.2.2), "exactly one entry" from SC48 */
    if (n > 1)
        cg_report(ctx, CG_R_CERT_CN_MULTIPLE, p->obj,
                  "the subject holds %zu commonName attributes; at most one is allowed", n);
    for (size_t i = 0; i < n && i < 8; i++) {
        const cg_cbs *c = &cn[i];
        int found = 0;
        for (size_t k = 0; k < san->n_dns && !found; k++) {
            const cg_cbs *d = &san->dns[k];
            found = d->len == c->len &&
                    (sc48 ? memcmp(d->data, c->data, c->len) == 0
                           : strncasecmp((const char *)d->data, (const char *)c->data,
                                         c->len) == 0);
        }
        char text[200], canon[64];
        /* inet_pton reads only hexadecimal digits, '.' and ':': a commonName
         * with anything else (most: a domain name) is no address, and its
         * text is wanted only for a finding or the iPAddress comparison */
        int ip_like = c->len > 0 && c->len < sizeof(text);
        for (size_t k = 0; k < c->len && ip_like; k++) {
            uint8_t ch = c->data[k];
            ip_like = (ch >= '0' && ch <= '9') || ((ch | 0x20) >= 'a' && (ch | 0x20) <= 'f') ||
                      ch == '.' || ch == ':';
        }
        if (!found || ip_like || san->n_ip > 0)
            printable(c, text, sizeof(text) - 1);
        uint8_t a[16];
        int is4 = 0, is6 = 0;
        if (ip_like) {
            is4 = inet_pton(AF_INET, text, a) == 1;
            is6 = !is4 && inet_pton(AF_INET6, text, a) == 1;
        }
        if ((is4 || is6) && reserved_ip(a, is4 ? 4 : 16))
            cg_report(ctx, CG_R_CERT_CN_RESERVED_IP, p->obj,
                      "subject commonName \"%s\" is a Reserved IP Address", text);
        for (size_t k = 0; k < san->n_ip && !found; k++) {
            ip_text(san->ip[k], san->ip_len[k], canon, sizeof(canon));
            int af = san->ip_len[k] == 4 ? AF_INET : AF_INET6;
            if (sc48)
                found = strlen(canon) == c->len && memcmp(canon, c->data, c->len) == 0;
            else
                found = memchr(c->data, 0, c->len) == NULL && c->len < sizeof(text) &&
                        inet_pton(af, text, a) == 1 && memcmp(a, san->ip[k], san->ip_len[k]) == 0;
        }
        if (!found)
            cg_report(ctx, CG_R_CERT_CN_NOT_IN_SAN, p->obj,
                      "subject commonName \"%s\" is not %s of the subjectAltName entries", text,
                      sc48 ? "a character-for-character copy of one" : "one");
    }
}

void cg_prof_check_names(cg_ctx *ctx, const cg_profile *p)
{
    san_names san;
    san.n_dns = san.n_ip = 0;
    /* a precertificate and its certificate carry the same subjectAltName:
     * its checks read nothing else the memo's key does not cover */
    const cg_ext *e = p->x.san >= 0 ? &p->cert->ext[p->x.san] : NULL;
    int seen = e != NULL && cg_prof_memo_seen(ctx, p, CG_MEMO_SAN, e);
    size_t asked = ctx->reports_asked;
    check_san(ctx, p, &san, !seen);
    if (!seen)
        cg_prof_memo_keep(ctx, p, CG_MEMO_SAN, e, asked);
    if (p->kind == CG_PROF_SUBSCRIBER) /* without subjectAltName no commonName is from it */
        check_cn(ctx, p, &san);
}
