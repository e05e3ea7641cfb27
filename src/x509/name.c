/* X.509 Name comparison (see name.h): parsing, string preparation,
 * equality and hashing; Names as text (RFC 4514 strings, explanations of
 * differences) are in name_text.c, over the views and comparisons below
 * (name_internal.h). A Name is parsed into a fixed table of views into the
 * caller's bytes; string values are decoded to code points only when two
 * of them are compared or printed, so the stack cost is bounded by the caps
 * in name.h. RFC 4518 preparation of a value that is not plain ASCII goes
 * through libunistring (case folding, NFKC), which allocates only when a
 * prepared value outgrows CG_NAME_MAX_VALUE code points; every such buffer
 * is released before the function returns. */
#include "x509/name.h"

#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>

#include "util/escape.h"
#include "util/hash.h"
#include "x509/name_internal.h"

/* RFC 4518 §2.2 maps some code points to nothing. */
#define MAP_DROP UINT32_MAX

/* ---- Parsing ---- */

/* Rejects empty OIDs, non-minimal subidentifiers and ones over nine groups;
 * the last keeps every arc within 63 bits for dotted output. */
int cg_nm_oid_ok(const cg_cbs *oid)
{
    size_t groups = 0;

    if (oid->len == 0 || oid->len > CG_NAME_MAX_OID)
        return 0;
    for (size_t i = 0; i < oid->len; i++) {
        uint8_t c = oid->data[i];
        if (groups == 0 && c == 0x80)
            return 0;
        groups++;
        if (groups > 9)
            return 0;
        if (!(c & 0x80))
            groups = 0;
    }
    return groups == 0;
}

/* With `lenient` (for display only), a value longer than the cap is cut to
 * its first CG_NAME_MAX_VALUE bytes, ending on a whole character, and *cut
 * is set. */
static int parse_ava(cg_cbs *set, name_ava *ava, int lenient, int *cut)
{
    cg_cbs atv;
    size_t hdr;

    if (!cg_cbs_get_asn1(set, &atv, CG_ASN1_SEQUENCE))
        return 0;
    if (!cg_cbs_get_asn1(&atv, &ava->type, CG_ASN1_OBJECT) || !cg_nm_oid_ok(&ava->type))
        return 0;
    if (!cg_cbs_get_any_asn1_element(&atv, &ava->element, &ava->tag, &hdr))
        return 0;
    /* AttributeTypeAndValue has exactly two members. */
    if (atv.len != 0)
        return 0;
    cg_cbs_init(&ava->value, ava->element.data + hdr, ava->element.len - hdr);
    if (ava->value.len <= CG_NAME_MAX_VALUE)
        return 1;
    if (!lenient)
        return 0;
    size_t n = CG_NAME_MAX_VALUE;
    if (ava->tag == CG_ASN1_UTF8STRING) {
        while (n > 0 && (ava->value.data[n] & 0xc0) == 0x80)
            n--;
    }
    ava->value.len = n;
    ava->element.len = hdr + n; /* only for the #hex form */
    *cut = 1;
    return 1;
}

/* With `lenient` (for display only), parsing stops after CG_NAME_MAX_AVAS
 * attributes and long values are cut (parse_ava), setting *cut. */
int cg_nm_name_parse_ex(const cg_cbs *der, name_view *nv, int lenient, int *cut)
{
    cg_cbs in = *der, rdns;

    nv->n_ava = 0;
    nv->n_rdn = 0;
    nv->rdn_first[0] = 0;
    /* The caller hands over exactly one element; bytes after it are not part of any Name. */
    if (!cg_cbs_get_asn1(&in, &rdns, CG_ASN1_SEQUENCE) || in.len != 0)
        return 0;
    while (rdns.len > 0) {
        cg_cbs set;
        /* RelativeDistinguishedName is SET SIZE (1..MAX): an empty one names nothing. */
        if (!cg_cbs_get_asn1(&rdns, &set, CG_ASN1_SET) || set.len == 0)
            return 0;
        /* Every RDN holds at least one AVA, so n_rdn <= n_ava <= the cap. */
        nv->rdn_first[nv->n_rdn] = nv->n_ava;
        while (set.len > 0) {
            if (nv->n_ava == CG_NAME_MAX_AVAS) {
                if (!lenient)
                    return 0;
                *cut = 1;
                if (nv->rdn_first[nv->n_rdn] < nv->n_ava)
                    nv->n_rdn++;
                nv->rdn_first[nv->n_rdn] = nv->n_ava;
                return 1;
            }
            if (!parse_ava(&set, &nv->ava[nv->n_ava], lenient, cut))
                return 0;
            nv->n_ava++;
        }
        nv->n_rdn++;
    }
    nv->rdn_first[nv->n_rdn] = nv->n_ava;
    return 1;
}

int cg_nm_name_parse(const cg_cbs *der, name_view *nv)
{
    int cut = 0;
    return cg_nm_name_parse_ex(der, nv, 0, &cut);
}

size_t cg_nm_rdn_size(const name_view *nv, size_t r)
{
    return nv->rdn_first[r + 1] - nv->rdn_first[r];
}

/* ---- String decoding and RFC 4518 preparation ---- */

static int cp_valid(uint32_t c)
{
    return c <= 0x10ffff && !(c >= 0xd800 && c <= 0xdfff);
}

static int decode_utf8(cg_cbs in, cp_str *out)
{
    /* cg_utf8_char takes the shortest form only: overlong forms would let
     * two encodings of one string differ. */
    while (in.len > 0) {
        uint32_t c;
        size_t n = cg_utf8_char(in.data, in.len, &c);
        if (n == 0 || !cg_cbs_skip(&in, n))
            return 0;
        out->cp[out->n++] = c;
    }
    return 1;
}

/* Fixed-width encodings: 1 byte (ASCII or Latin-1), 2 (UCS-2) or 4 (UCS-4). */
static int decode_fixed(cg_cbs in, size_t width, uint32_t max, cp_str *out)
{
    if (in.len % width != 0)
        return 0;
    while (in.len > 0) {
        uint64_t c = 0;
        for (size_t i = 0; i < width; i++) {
            uint8_t b;
            cg_cbs_get_u8(&in, &b);
            c = (c << 8) | b;
        }
        /* UCS-2 has no surrogate pairs, so a surrogate is an error here too. */
        if (c > max || !cp_valid((uint32_t)c))
            return 0;
        out->cp[out->n++] = (uint32_t)c;
    }
    return 1;
}

/* 1 when ava holds a string type that decodes cleanly. */
int cg_nm_decode_value(const name_ava *ava, cp_str *out)
{
    out->n = 0;
    switch (ava->tag) {
    case CG_ASN1_UTF8STRING:
        return decode_utf8(ava->value, out);
    case CG_ASN1_PRINTABLESTRING:
    case CG_ASN1_IA5STRING:
        /* The PrintableString repertoire is a lint's concern; ASCII is enough
         * to compare, and what is not ASCII falls back to bytes. */
        return decode_fixed(ava->value, 1, 0x7f, out);
    case CG_ASN1_T61STRING:
        /* T.61 proper is a shift-code mess; CAs that use it mean Latin-1. */
        return decode_fixed(ava->value, 1, 0xff, out);
    case CG_ASN1_BMPSTRING:
        return decode_fixed(ava->value, 2, 0xffff, out);
    case CG_ASN1_UNIVERSALSTRING:
        return decode_fixed(ava->value, 4, 0x10ffff, out);
    }
    return 0;
}

/* RFC 4518 §2.2 mapping, complete as listed there: controls, joiners,
 * variation selectors and the like vanish; other whitespace and separators
 * become SPACE. */
static const struct {
    uint32_t lo, hi, to;
} prep_map[] = {
    {0x0000, 0x0008, MAP_DROP},   {0x0009, 0x000d, 0x20},       {0x000e, 0x001f, MAP_DROP},
    {0x007f, 0x0084, MAP_DROP},   {0x0085, 0x0085, 0x20},       {0x0086, 0x009f, MAP_DROP},
    {0x00a0, 0x00a0, 0x20},       {0x00ad, 0x00ad, MAP_DROP},   {0x034f, 0x034f, MAP_DROP},
    {0x06dd, 0x06dd, MAP_DROP},   {0x070f, 0x070f, MAP_DROP},   {0x1680, 0x1680, 0x20},
    {0x1806, 0x1806, MAP_DROP},   {0x180b, 0x180e, MAP_DROP},   {0x2000, 0x200a, 0x20},
    {0x200b, 0x200f, MAP_DROP},   {0x2028, 0x2029, 0x20},       {0x202a, 0x202e, MAP_DROP},
    {0x202f, 0x202f, 0x20},       {0x205f, 0x205f, 0x20},       {0x2060, 0x2063, MAP_DROP},
    {0x206a, 0x206f, MAP_DROP},   {0x3000, 0x3000, 0x20},       {0xfe00, 0xfe0f, MAP_DROP},
    {0xfeff, 0xfeff, MAP_DROP},   {0xfff9, 0xfffc, MAP_DROP},   {0x1d173, 0x1d17a, MAP_DROP},
    {0xe0001, 0xe0001, MAP_DROP}, {0xe0020, 0xe007f, MAP_DROP},
};

static uint32_t map_char(uint32_t c)
{
    /* Nearly every character is printable ASCII, which nothing maps. */
    if (c >= 0x20 && c < 0x7f)
        return c;
    for (size_t i = 0; i < sizeof(prep_map) / sizeof(prep_map[0]); i++) {
        if (c >= prep_map[i].lo && c <= prep_map[i].hi)
            return prep_map[i].to;
    }
    return c;
}

/* A prepared value: cp is buf, or a buffer libunistring allocated when the
 * result did not fit (prep_free releases it). */
typedef struct {
    uint32_t *cp;
    size_t n;
    uint32_t buf[CG_NAME_MAX_VALUE];
} prep_str;

static void prep_free(prep_str *p)
{
    if (p->cp != p->buf)
        free(p->cp);
    p->cp = p->buf;
    p->n = 0;
}

/* RFC 4518 §2.4: unassigned (in the library's Unicode version, newer than
 * the 3.2 the RFC names, so that names written today are judged by today's
 * repertoire), private use, non-characters, surrogates, the characters of
 * RFC 3454 C.8 and U+FFFD. */
static int prohibited(uint32_t c)
{
    if (c == 0xfffd || c == 0x0340 || c == 0x0341 || c == 0x200e || c == 0x200f ||
        (c >= 0x202a && c <= 0x202e) || (c >= 0x206a && c <= 0x206f))
        return 1;
    return uc_is_general_category_withtable(c, UC_CATEGORY_MASK_Cn | UC_CATEGORY_MASK_Co |
                                                   UC_CATEGORY_MASK_Cs);
}

static int is_combining(uint32_t c)
{
    return c >= 0x80 && uc_is_general_category_withtable(c, UC_CATEGORY_MASK_M);
}

/* RFC 4518 §2.6.1 for equality: a space is U+0020 not followed by a
 * combining mark; leading and trailing spaces go and inner runs become one
 * (the RFC's "one space at each end, two inside" compares the same). */
static void collapse_spaces(prep_str *p)
{
    size_t n = 0;
    int space = 0;

    for (size_t i = 0; i < p->n; i++) {
        uint32_t c = p->cp[i];
        if (c == 0x20 && !(i + 1 < p->n && is_combining(p->cp[i + 1]))) {
            space = n > 0;
            continue;
        }
        if (space)
            p->cp[n++] = 0x20;
        space = 0;
        p->cp[n++] = c;
    }
    p->n = n;
}

/* RFC 4518 §2 for the steps in flags: map (always), case fold, normalise to
 * NFKC, prohibit, insignificant spaces. Folding applies no language's rules
 * (RFC 3454 B.2 is locale-independent: the Turkish dotted capital I folds
 * to "i" and a combining dot above, the dotless i stays itself). With both
 * PREP_FOLD and PREP_NFKC this is Unicode's compatibility caseless match
 * (NFKC of toCasefold(NFKD(toCasefold(NFD(X))))), which also folds what
 * only NFKC reveals as a capital, as B.2 does. A value that is printable
 * ASCII after mapping takes a short path: NFKC leaves it alone and folding
 * is A-Z to a-z. Returns 0 (nothing to free) when the value holds a
 * prohibited code point, or when memory runs out. */
static int prep(const cp_str *in, unsigned flags, prep_str *out)
{
    cp_str mapped;
    int ascii = 1;

    out->cp = out->buf;
    out->n = 0;
    mapped.n = 0;
    for (size_t i = 0; i < in->n; i++) {
        uint32_t c = map_char(in->cp[i]);
        if (c == MAP_DROP)
            continue;
        if (c >= 0x7f)
            ascii = 0;
        mapped.cp[mapped.n++] = c;
    }
    if (ascii || !(flags & (PREP_FOLD | PREP_NFKC))) {
        for (size_t i = 0; i < mapped.n; i++) {
            uint32_t c = mapped.cp[i];
            if ((flags & PREP_FOLD) && c >= 'A' && c <= 'Z')
                c += 0x20;
            out->cp[i] = c;
        }
        out->n = mapped.n;
    } else {
        size_t len = CG_NAME_MAX_VALUE;
        uint32_t *r = flags & PREP_FOLD
                          ? u32_casefold(mapped.cp, mapped.n, NULL,
                                         flags & PREP_NFKC ? UNINORM_NFKC : NULL, out->buf, &len)
                          : u32_normalize(UNINORM_NFKC, mapped.cp, mapped.n, out->buf, &len);
        if (r == NULL)
            return 0;
        out->cp = r;
        out->n = len;
    }
    if (!ascii) {
        for (size_t i = 0; i < out->n; i++) {
            if (prohibited(out->cp[i])) {
                prep_free(out);
                return 0;
            }
        }
    }
    if (flags & PREP_SPACE)
        collapse_spaces(out);
    return 1;
}

static int prep_equal_str(const prep_str *x, const prep_str *y)
{
    return x->n == y->n && (x->n == 0 || memcmp(x->cp, y->cp, x->n * sizeof(x->cp[0])) == 0);
}

/* 1 when x and y prepare (flags) to the same string, 0 when they differ,
 * -1 when either cannot be prepared. */
int cg_nm_prep_compare(const cp_str *x, const cp_str *y, unsigned flags)
{
    prep_str px, py;
    int r = -1;

    if (!prep(x, flags, &px))
        return -1;
    if (prep(y, flags, &py)) {
        r = prep_equal_str(&px, &py);
        prep_free(&py);
    }
    prep_free(&px);
    return r;
}

int cg_nm_cp_equal(const cp_str *x, const cp_str *y)
{
    return x->n == y->n && (x->n == 0 || memcmp(x->cp, y->cp, x->n * sizeof(x->cp[0])) == 0);
}

/* ---- Equality ---- */

static int ava_same_type(const name_ava *x, const name_ava *y)
{
    return cg_cbs_equal(&x->type, &y->type);
}

int cg_nm_ava_identical(const name_ava *x, const name_ava *y)
{
    return ava_same_type(x, y) && x->tag == y->tag && cg_cbs_equal(&x->value, &y->value);
}

/* An equivalence relation (identical bytes, or both decode to the same
 * prepared string), which is what lets the greedy pairing below find a
 * matching whenever one exists. */
static int ava_equal(const name_ava *x, const name_ava *y)
{
    cp_str sx, sy;

    if (!ava_same_type(x, y))
        return 0;
    if (cg_nm_ava_identical(x, y))
        return 1;
    if (!cg_nm_decode_value(x, &sx) || !cg_nm_decode_value(y, &sy))
        return 0;
    /* A value that cannot be prepared (RFC 4518: "Undefined") is equal
     * only to its identical self, tested above. */
    return cg_nm_prep_compare(&sx, &sy, PREP_ALL) == 1;
}

/* One greedy pass: each unpaired i takes the first unused j that matches,
 * trying j == i first so that positional matches win and no reordering is
 * reported where there is none. */
void cg_nm_pair_pass(const pair_ctx *ctx, size_t nx, size_t ny, match_fn fn, size_t *map,
                     uint8_t *used)
{
    for (size_t i = 0; i < nx; i++) {
        if (map[i] != NO_PAIR)
            continue;
        if (i < ny && !used[i] && fn(ctx, i, i)) {
            map[i] = i;
            used[i] = 1;
            continue;
        }
        for (size_t j = 0; j < ny; j++) {
            if (!used[j] && fn(ctx, i, j)) {
                map[i] = j;
                used[j] = 1;
                break;
            }
        }
    }
}

void cg_nm_pair_init(size_t *map, uint8_t *used)
{
    for (size_t i = 0; i < CG_NAME_MAX_AVAS; i++)
        map[i] = NO_PAIR;
    memset(used, 0, CG_NAME_MAX_AVAS);
}

int cg_nm_all_paired(const size_t *map, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (map[i] == NO_PAIR)
            return 0;
    }
    return 1;
}

int cg_nm_match_ava_equal(const pair_ctx *ctx, size_t i, size_t j)
{
    return ava_equal(&ctx->x->ava[ctx->x0 + i], &ctx->y->ava[ctx->y0 + j]);
}

int cg_nm_match_ava_type(const pair_ctx *ctx, size_t i, size_t j)
{
    return ava_same_type(&ctx->x->ava[ctx->x0 + i], &ctx->y->ava[ctx->y0 + j]);
}

/* Pairs the AVAs of RDN r of x with those of RDN s of y by fn; 1 when every
 * AVA found a partner. */
int cg_nm_rdn_pair(const name_view *x, size_t r, const name_view *y, size_t s, match_fn fn)
{
    pair_ctx ctx = {x, y, x->rdn_first[r], y->rdn_first[s]};
    size_t map[CG_NAME_MAX_AVAS];
    uint8_t used[CG_NAME_MAX_AVAS];
    size_t n = cg_nm_rdn_size(x, r);

    if (n != cg_nm_rdn_size(y, s))
        return 0;
    cg_nm_pair_init(map, used);
    cg_nm_pair_pass(&ctx, n, n, fn, map, used);
    return cg_nm_all_paired(map, n);
}

int cg_nm_match_rdn_equal(const pair_ctx *ctx, size_t i, size_t j)
{
    return cg_nm_rdn_pair(ctx->x, i, ctx->y, j, cg_nm_match_ava_equal);
}

int cg_nm_match_rdn_types(const pair_ctx *ctx, size_t i, size_t j)
{
    return cg_nm_rdn_pair(ctx->x, i, ctx->y, j, cg_nm_match_ava_type);
}

int cg_nm_match_position(const pair_ctx *ctx, size_t i, size_t j)
{
    (void)ctx;
    return i == j;
}

int cg_name_bytes_equal(const cg_cbs *a, const cg_cbs *b)
{
    return cg_cbs_equal(a, b);
}

int cg_name_equal(const cg_cbs *a, const cg_cbs *b, int *ok)
{
    name_view na, nb;
    int parsed = cg_nm_name_parse(a, &na) && cg_nm_name_parse(b, &nb);

    if (ok != NULL)
        *ok = parsed;
    if (!parsed || na.n_rdn != nb.n_rdn)
        return 0;
    for (size_t r = 0; r < na.n_rdn; r++) {
        if (!cg_nm_rdn_pair(&na, r, &nb, r, cg_nm_match_ava_equal))
            return 0;
    }
    return 1;
}

/* splitmix64's finaliser: AVA keys are summed, so they must look random. */
static uint64_t mix(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

/* Equal AVAs (ava_equal) get equal keys: the type, and the prepared string
 * (the same preparation ava_equal compares) when the value decodes and
 * prepares, else the tag and bytes (equal only when identical). */
static uint64_t ava_key(const name_ava *a)
{
    cp_str s;
    prep_str p;
    uint64_t h = cg_fnv1a(CG_FNV1A_INIT, a->type.data, a->type.len);
    if (cg_nm_decode_value(a, &s) && prep(&s, PREP_ALL, &p)) {
        h = cg_fnv1a(h ^ 1, p.cp, p.n * sizeof(p.cp[0]));
        prep_free(&p);
    } else {
        h = cg_fnv1a(cg_fnv1a(h ^ 2, &a->tag, 1), a->value.data, a->value.len);
    }
    return mix(h);
}

uint64_t cg_name_hash_equal(const cg_cbs *name)
{
    name_view nv;
    if (!cg_nm_name_parse(name, &nv))
        return cg_name_hash_bytes(name);
    uint64_t h = cg_fnv1a(0x84222325cbf29ce4u, &nv.n_rdn, sizeof(nv.n_rdn));
    for (size_t r = 0; r < nv.n_rdn; r++) {
        /* An RDN is a set: its AVAs' keys are added, in any order. */
        uint64_t sum = 0;
        for (size_t i = nv.rdn_first[r]; i < nv.rdn_first[r + 1]; i++)
            sum += ava_key(&nv.ava[i]);
        h = cg_fnv1a(h, &sum, sizeof(sum));
    }
    return h;
}

uint64_t cg_name_hash_bytes(const cg_cbs *name)
{
    return cg_fnv1a(CG_FNV1A_INIT, name->data, name->len);
}
