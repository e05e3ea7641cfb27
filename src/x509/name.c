/* X.509 Name comparison (see name.h). A Name is parsed into a fixed table of
 * views into the caller's bytes; string values are decoded to code points
 * only when two of them are compared or printed, so the stack cost is
 * bounded by the caps in name.h. RFC 4518 preparation of a value that is
 * not plain ASCII goes through libunistring (case folding, NFKC), which
 * allocates only when a prepared value outgrows CG_NAME_MAX_VALUE code
 * points; every such buffer is released before the function returns.
 * cg_name_to_display alone reads past the caps, cutting what it shows. */
#include "x509/name.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>

#include "util/escape.h"
#include "util/hash.h"

#define NO_PAIR SIZE_MAX
/* RFC 4518 §2.2 maps some code points to nothing. */
#define MAP_DROP UINT32_MAX

typedef struct {
    cg_cbs type;    /* OID contents */
    cg_cbs element; /* the value's whole element, for #hex output */
    cg_cbs value;   /* the value's contents */
    uint8_t tag;
} name_ava;

typedef struct {
    name_ava ava[CG_NAME_MAX_AVAS];
    size_t n_ava;
    /* AVAs of RDN r are ava[rdn_first[r]] .. ava[rdn_first[r + 1] - 1]. */
    size_t rdn_first[CG_NAME_MAX_AVAS + 1];
    size_t n_rdn;
} name_view;

/* A decoded string; decoding never yields more code points than bytes. */
typedef struct {
    uint32_t cp[CG_NAME_MAX_VALUE];
    size_t n;
} cp_str;

/* ---- Parsing ---- */

/* Rejects empty OIDs, non-minimal subidentifiers and ones over nine groups;
 * the last keeps every arc within 63 bits for dotted output. */
static int oid_ok(const cg_cbs *oid)
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
    if (!cg_cbs_get_asn1(&atv, &ava->type, CG_ASN1_OBJECT) || !oid_ok(&ava->type))
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
static int name_parse_ex(const cg_cbs *der, name_view *nv, int lenient, int *cut)
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

static int name_parse(const cg_cbs *der, name_view *nv)
{
    int cut = 0;
    return name_parse_ex(der, nv, 0, &cut);
}

static size_t rdn_size(const name_view *nv, size_t r)
{
    return nv->rdn_first[r + 1] - nv->rdn_first[r];
}

/* ---- String decoding and RFC 4518 preparation ---- */

static const char *string_tag_name(uint8_t tag)
{
    switch (tag) {
    case CG_ASN1_PRINTABLESTRING:
        return "PrintableString";
    case CG_ASN1_UTF8STRING:
        return "UTF8String";
    case CG_ASN1_T61STRING:
        return "TeletexString";
    case CG_ASN1_BMPSTRING:
        return "BMPString";
    case CG_ASN1_UNIVERSALSTRING:
        return "UniversalString";
    case CG_ASN1_IA5STRING:
        return "IA5String";
    }
    return "non-string value";
}

static int cp_valid(uint32_t c)
{
    return c <= 0x10ffff && !(c >= 0xd800 && c <= 0xdfff);
}

static int decode_utf8(cg_cbs in, cp_str *out)
{
    while (in.len > 0) {
        uint8_t b;
        uint32_t c, min;
        size_t extra;

        cg_cbs_get_u8(&in, &b);
        if (b < 0x80) {
            c = b;
            extra = 0;
            min = 0;
        } else if ((b & 0xe0) == 0xc0) {
            c = b & 0x1fu;
            extra = 1;
            min = 0x80;
        } else if ((b & 0xf0) == 0xe0) {
            c = b & 0x0fu;
            extra = 2;
            min = 0x800;
        } else if ((b & 0xf8) == 0xf0) {
            c = b & 0x07u;
            extra = 3;
            min = 0x10000;
        } else {
            return 0;
        }
        for (size_t i = 0; i < extra; i++) {
            if (!cg_cbs_get_u8(&in, &b) || (b & 0xc0) != 0x80)
                return 0;
            c = (c << 6) | (b & 0x3fu);
        }
        /* Overlong forms would let two encodings of one string differ. */
        if (c < min || !cp_valid(c))
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
static int decode_value(const name_ava *ava, cp_str *out)
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

#define PREP_FOLD 1u  /* RFC 4518 §2.2 case folding (RFC 3454 B.2) */
#define PREP_NFKC 2u  /* RFC 4518 §2.3 normalisation to NFKC */
#define PREP_SPACE 4u /* RFC 4518 §2.6.1 insignificant space handling */
#define PREP_ALL (PREP_FOLD | PREP_NFKC | PREP_SPACE)

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
static int prep_compare(const cp_str *x, const cp_str *y, unsigned flags)
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

static int cp_equal(const cp_str *x, const cp_str *y)
{
    return x->n == y->n && (x->n == 0 || memcmp(x->cp, y->cp, x->n * sizeof(x->cp[0])) == 0);
}

/* ---- Equality ---- */

static int ava_same_type(const name_ava *x, const name_ava *y)
{
    return cg_cbs_equal(&x->type, &y->type);
}

static int ava_identical(const name_ava *x, const name_ava *y)
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
    if (ava_identical(x, y))
        return 1;
    if (!decode_value(x, &sx) || !decode_value(y, &sy))
        return 0;
    /* A value that cannot be prepared (RFC 4518: "Undefined") is equal
     * only to its identical self, tested above. */
    return prep_compare(&sx, &sy, PREP_ALL) == 1;
}

typedef struct {
    const name_view *x, *y;
    size_t x0, y0; /* first AVA of the two RDNs, for AVA-level matching */
} pair_ctx;

typedef int (*match_fn)(const pair_ctx *ctx, size_t i, size_t j);

/* One greedy pass: each unpaired i takes the first unused j that matches,
 * trying j == i first so that positional matches win and no reordering is
 * reported where there is none. */
static void pair_pass(const pair_ctx *ctx, size_t nx, size_t ny, match_fn fn, size_t *map,
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

static void pair_init(size_t *map, uint8_t *used)
{
    for (size_t i = 0; i < CG_NAME_MAX_AVAS; i++)
        map[i] = NO_PAIR;
    memset(used, 0, CG_NAME_MAX_AVAS);
}

static int all_paired(const size_t *map, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (map[i] == NO_PAIR)
            return 0;
    }
    return 1;
}

static int match_ava_equal(const pair_ctx *ctx, size_t i, size_t j)
{
    return ava_equal(&ctx->x->ava[ctx->x0 + i], &ctx->y->ava[ctx->y0 + j]);
}

static int match_ava_type(const pair_ctx *ctx, size_t i, size_t j)
{
    return ava_same_type(&ctx->x->ava[ctx->x0 + i], &ctx->y->ava[ctx->y0 + j]);
}

/* Pairs the AVAs of RDN r of x with those of RDN s of y by fn; 1 when every
 * AVA found a partner. */
static int rdn_pair(const name_view *x, size_t r, const name_view *y, size_t s, match_fn fn)
{
    pair_ctx ctx = {x, y, x->rdn_first[r], y->rdn_first[s]};
    size_t map[CG_NAME_MAX_AVAS];
    uint8_t used[CG_NAME_MAX_AVAS];
    size_t n = rdn_size(x, r);

    if (n != rdn_size(y, s))
        return 0;
    pair_init(map, used);
    pair_pass(&ctx, n, n, fn, map, used);
    return all_paired(map, n);
}

static int match_rdn_equal(const pair_ctx *ctx, size_t i, size_t j)
{
    return rdn_pair(ctx->x, i, ctx->y, j, match_ava_equal);
}

static int match_rdn_types(const pair_ctx *ctx, size_t i, size_t j)
{
    return rdn_pair(ctx->x, i, ctx->y, j, match_ava_type);
}

static int match_position(const pair_ctx *ctx, size_t i, size_t j)
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
    int parsed = name_parse(a, &na) && name_parse(b, &nb);

    if (ok != NULL)
        *ok = parsed;
    if (!parsed || na.n_rdn != nb.n_rdn)
        return 0;
    for (size_t r = 0; r < na.n_rdn; r++) {
        if (!rdn_pair(&na, r, &nb, r, match_ava_equal))
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
    if (decode_value(a, &s) && prep(&s, PREP_ALL, &p)) {
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
    if (!name_parse(name, &nv))
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

/* ---- Output ---- */

typedef struct {
    char *buf;
    size_t cap;
    size_t len; /* < cap whenever cap > 0, and buf[len] == '\0' */
    int overflow;
} out_buf;

static void out_init(out_buf *o, char *buf, size_t cap);
static void out_utf8(out_buf *o, uint32_t c);

static void out_init(out_buf *o, char *buf, size_t cap)
{
    o->buf = buf;
    o->cap = cap;
    o->len = 0;
    o->overflow = cap == 0;
    if (cap > 0)
        buf[0] = '\0';
}

/* Writes what fits; once something did not fit, nothing more is written, so
 * the text never skips a piece in the middle. */
static void out_mem(out_buf *o, const char *s, size_t n)
{
    size_t room;

    if (o->overflow)
        return;
    room = o->cap - 1 - o->len;
    if (n > room) {
        n = room;
        o->overflow = 1;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
    o->buf[o->len] = '\0';
}

static void out_str(out_buf *o, const char *s)
{
    out_mem(o, s, strlen(s));
}

static void out_char(out_buf *o, char c)
{
    out_mem(o, &c, 1);
}

static void out_dec(out_buf *o, uint64_t v)
{
    char tmp[21];
    size_t i = sizeof(tmp);

    do {
        tmp[--i] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    out_mem(o, tmp + i, sizeof(tmp) - i);
}

static void out_hex_byte(out_buf *o, uint8_t b)
{
    static const char hex[] = "0123456789ABCDEF";
    char tmp[2] = {hex[b >> 4], hex[b & 0x0f]};

    out_mem(o, tmp, 2);
}

static void out_utf8(out_buf *o, uint32_t c)
{
    char tmp[4];
    size_t n;

    if (c < 0x80) {
        tmp[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        tmp[0] = (char)(0xc0 | (c >> 6));
        tmp[1] = (char)(0x80 | (c & 0x3f));
        n = 2;
    } else if (c < 0x10000) {
        tmp[0] = (char)(0xe0 | (c >> 12));
        tmp[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        tmp[2] = (char)(0x80 | (c & 0x3f));
        n = 3;
    } else {
        tmp[0] = (char)(0xf0 | (c >> 18));
        tmp[1] = (char)(0x80 | ((c >> 12) & 0x3f));
        tmp[2] = (char)(0x80 | ((c >> 6) & 0x3f));
        tmp[3] = (char)(0x80 | (c & 0x3f));
        n = 4;
    }
    out_mem(o, tmp, n);
}

/* Control and bidirectional formatting characters as RFC 4514 hex pairs of
 * their UTF-8 bytes, so that none reaches a terminal or a log line raw. */
static void out_escaped_control(out_buf *o, uint32_t c)
{
    out_buf t;
    char tmp[5];
    out_init(&t, tmp, sizeof(tmp));
    out_utf8(&t, c);
    for (size_t i = 0; i < t.len; i++) {
        out_char(o, '\\');
        out_hex_byte(o, (uint8_t)tmp[i]);
    }
}

/* What util/escape.h keeps from terminals and documents. */
static int is_control(uint32_t c)
{
    return cg_esc_unsafe_cp(c);
}

/* Ends a cut explanation on a whole UTF-8 character with "...", so the
 * reader can tell that it was cut. */
static void out_mark_truncated(out_buf *o)
{
    size_t n;

    if (!o->overflow || o->cap < 4)
        return;
    n = o->cap - 4;
    while (n > 0 && ((uint8_t)o->buf[n] & 0xc0) == 0x80)
        n--;
    memcpy(o->buf + n, "...", 4);
    o->len = n + 3;
}

static const struct {
    const uint8_t oid[11];
    size_t len;
    const char *name;
    int rfc4514; /* a registered LDAP descriptor, usable in RFC 4514 strings */
} oid_names[] = {
    {{0x55, 0x04, 0x03}, 3, "CN", 1},
    {{0x55, 0x04, 0x04}, 3, "SN", 1},
    {{0x55, 0x04, 0x05}, 3, "serialNumber", 1},
    {{0x55, 0x04, 0x06}, 3, "C", 1},
    {{0x55, 0x04, 0x07}, 3, "L", 1},
    {{0x55, 0x04, 0x08}, 3, "ST", 1},
    {{0x55, 0x04, 0x09}, 3, "STREET", 1},
    {{0x55, 0x04, 0x0a}, 3, "O", 1},
    {{0x55, 0x04, 0x0b}, 3, "OU", 1},
    {{0x55, 0x04, 0x0c}, 3, "title", 1},
    {{0x55, 0x04, 0x0f}, 3, "businessCategory", 1},
    {{0x55, 0x04, 0x11}, 3, "postalCode", 1},
    {{0x55, 0x04, 0x2a}, 3, "givenName", 1},
    {{0x55, 0x04, 0x61}, 3, "organizationIdentifier", 1},
    {{0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01}, 9, "emailAddress", 1},
    {{0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x01}, 10, "UID", 1},
    {{0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19}, 10, "DC", 1},
    /* EV jurisdiction attributes: OpenSSL's names, not LDAP descriptors. */
    {{0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x01}, 11, "jurisdictionL", 0},
    {{0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x02}, 11, "jurisdictionST", 0},
    {{0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x03}, 11, "jurisdictionC", 0},
};

static const char *oid_short_name(const cg_cbs *oid, int rfc4514)
{
    for (size_t i = 0; i < sizeof(oid_names) / sizeof(oid_names[0]); i++) {
        if ((oid_names[i].rfc4514 || !rfc4514) &&
            cg_cbs_mem_equal(oid, oid_names[i].oid, oid_names[i].len))
            return oid_names[i].name;
    }
    return NULL;
}

/* Dotted decimal; oid_ok() has bounded each arc to 63 bits. */
static void out_oid(out_buf *o, const cg_cbs *oid)
{
    uint64_t v = 0;
    int first = 1;

    for (size_t i = 0; i < oid->len; i++) {
        v = (v << 7) | (oid->data[i] & 0x7fu);
        if (oid->data[i] & 0x80)
            continue;
        if (first) {
            uint64_t top = v < 40 ? 0 : v < 80 ? 1 : 2;
            out_dec(o, top);
            out_char(o, '.');
            out_dec(o, v - top * 40);
        } else {
            out_char(o, '.');
            out_dec(o, v);
        }
        first = 0;
        v = 0;
    }
}

static void out_type(out_buf *o, const cg_cbs *oid)
{
    const char *name = oid_short_name(oid, 0);

    if (name != NULL)
        out_str(o, name);
    else
        out_oid(o, oid);
}

static void out_hex(out_buf *o, const cg_cbs *bytes, size_t max)
{
    out_char(o, '#');
    for (size_t i = 0; i < bytes->len && i < max; i++)
        out_hex_byte(o, bytes->data[i]);
    if (bytes->len > max)
        out_str(o, "...");
}

/* ---- RFC 4514 ---- */

/* RFC 4514 §2.4: the specials always, '#' and space where they would be
 * read as syntax, NUL and other controls as hex pairs. */
static void out_rfc4514_string(out_buf *o, const cp_str *s)
{
    for (size_t i = 0; i < s->n; i++) {
        uint32_t c = s->cp[i];
        int edge = (i == 0 && (c == ' ' || c == '#')) || (i + 1 == s->n && c == ' ');
        if (is_control(c)) {
            out_escaped_control(o, c);
            continue;
        }
        if (edge || (c < 0x80 && strchr("\"+,;<>\\", (int)c) != NULL))
            out_char(o, '\\');
        out_utf8(o, c);
    }
}

static void out_rfc4514_ava(out_buf *o, const name_ava *ava)
{
    const char *name = oid_short_name(&ava->type, 1);
    cp_str s;

    if (name == NULL) {
        /* §2.3: a dotted type always takes the #hex form of its value. */
        out_oid(o, &ava->type);
        out_char(o, '=');
        out_hex(o, &ava->element, SIZE_MAX);
        return;
    }
    out_str(o, name);
    out_char(o, '=');
    if (!decode_value(ava, &s)) {
        out_hex(o, &ava->element, SIZE_MAX);
        return;
    }
    out_rfc4514_string(o, &s);
}

static void out_name(out_buf *o, const name_view *nv)
{
    /* RFC 4514 §2.1: the last RDN of the sequence comes first. */
    for (size_t k = 0; k < nv->n_rdn; k++) {
        size_t r = nv->n_rdn - 1 - k;
        if (k != 0)
            out_char(o, ',');
        for (size_t i = nv->rdn_first[r]; i < nv->rdn_first[r + 1]; i++) {
            if (i != nv->rdn_first[r])
                out_char(o, '+');
            out_rfc4514_ava(o, &nv->ava[i]);
        }
    }
}

int cg_name_to_string(const cg_cbs *name, char *buf, size_t cap)
{
    name_view nv;
    out_buf o;

    out_init(&o, buf, cap);
    if (cap == 0 || !name_parse(name, &nv))
        return 0;
    out_name(&o, &nv);
    /* A cut name could pass for a different, real one. */
    if (o.overflow) {
        buf[0] = '\0';
        return 0;
    }
    return 1;
}

int cg_name_to_display(const cg_cbs *name, char *buf, size_t cap)
{
    char mark[48];
    name_view nv;
    out_buf o;
    int cut = 0;

    if (cap < sizeof(mark))
        return cg_name_to_string(name, buf, cap);
    out_init(&o, buf, cap);
    if (!name_parse_ex(name, &nv, 1, &cut))
        return 0;
    out_name(&o, &nv);
    if (!o.overflow && !cut)
        return 1;
    /* Cut after a whole character or escape, and say so. */
    snprintf(mark, sizeof(mark), "...[cut, %zu-byte name]", name->len);
    size_t n = cg_esc_cut_point(buf, o.len, cap - 1 - strlen(mark));
    snprintf(buf + n, cap - n, "%s", mark);
    return 1;
}

/* ---- Explanations ---- */

#define SHOW_MAX 40

typedef struct {
    out_buf o;
    size_t count;
    const name_view *a, *b;
} explain_ctx;

static void msg_begin(explain_ctx *ex)
{
    if (ex->count > 0)
        out_str(&ex->o, "; ");
    ex->count++;
}

/* A value for a human: escaped like RFC 4514 but unquoted specials kept
 * readable, and cut at SHOW_MAX characters. */
static void out_show_cps(out_buf *o, const cp_str *s)
{
    for (size_t i = 0; i < s->n && i < SHOW_MAX; i++) {
        uint32_t c = s->cp[i];
        if (is_control(c)) {
            out_escaped_control(o, c);
            continue;
        }
        if (c == '"' || c == '\\')
            out_char(o, '\\');
        out_utf8(o, c);
    }
    if (s->n > SHOW_MAX)
        out_str(o, "...");
}

static void out_show_value(out_buf *o, const name_ava *ava)
{
    cp_str s;

    if (decode_value(ava, &s))
        out_show_cps(o, &s);
    else
        out_hex(o, &ava->element, SHOW_MAX / 2);
}

static void out_quoted_pair(out_buf *o, const cp_str *x, const cp_str *y)
{
    out_str(o, " (\"");
    out_show_cps(o, x);
    out_str(o, "\" vs \"");
    out_show_cps(o, y);
    out_str(o, "\")");
}

/* "O+CN", or "O=Example+CN=Test" with values. */
static void out_rdn_label(out_buf *o, const name_view *nv, size_t r, int values)
{
    for (size_t i = nv->rdn_first[r]; i < nv->rdn_first[r + 1]; i++) {
        if (i != nv->rdn_first[r])
            out_char(o, '+');
        out_type(o, &nv->ava[i].type);
        if (!values)
            continue;
        out_char(o, '=');
        out_show_value(o, &nv->ava[i]);
    }
}

static void msg_attribute(explain_ctx *ex, size_t i)
{
    msg_begin(ex);
    out_str(&ex->o, "attribute ");
    out_dec(&ex->o, i + 1);
    out_str(&ex->o, " (");
    out_type(&ex->o, &ex->a->ava[i].type);
    out_str(&ex->o, "): ");
}

/* Differences between AVA i of a and its partner y, which has the same
 * type: string type, then value, case, Unicode normalisation, spaces and
 * ignorable characters. */
static void explain_ava(explain_ctx *ex, size_t i, const name_ava *y)
{
    const name_ava *x = &ex->a->ava[i];
    cp_str sx, sy;

    if (ava_identical(x, y))
        return;
    if (!decode_value(x, &sx) || !decode_value(y, &sy)) {
        msg_attribute(ex, i);
        out_str(&ex->o, "value differs");
        return;
    }
    if (x->tag != y->tag) {
        msg_attribute(ex, i);
        out_str(&ex->o, string_tag_name(x->tag));
        out_str(&ex->o, " here, ");
        out_str(&ex->o, string_tag_name(y->tag));
        out_str(&ex->o, " in the other name");
    }
    int full = prep_compare(&sx, &sy, PREP_ALL);
    if (full != 1) {
        msg_attribute(ex, i);
        out_str(&ex->o, full == 0 ? "value differs"
                                  : "value differs (not comparable: "
                                    "a code point RFC 4518 prohibits)");
        out_quoted_pair(&ex->o, &sx, &sy);
        return;
    }
    if (cp_equal(&sx, &sy))
        return;
    /* Equal once prepared: leave one step out at a time to say which
     * mattered. */
    int case_differs = prep_compare(&sx, &sy, PREP_ALL & ~PREP_FOLD) != 1;
    if (case_differs) {
        msg_attribute(ex, i);
        out_str(&ex->o, "case differs");
        out_quoted_pair(&ex->o, &sx, &sy);
    }
    int forms_differ = prep_compare(&sx, &sy, PREP_ALL & ~PREP_NFKC) != 1;
    if (forms_differ) {
        msg_attribute(ex, i);
        out_str(&ex->o, "Unicode forms differ (equal after NFKC normalisation)");
        out_quoted_pair(&ex->o, &sx, &sy);
    }
    int spaces_differ = prep_compare(&sx, &sy, PREP_ALL & ~PREP_SPACE) != 1;
    if (spaces_differ) {
        msg_attribute(ex, i);
        out_str(&ex->o, "spaces differ");
        out_quoted_pair(&ex->o, &sx, &sy);
    }
    if (!case_differs && !forms_differ && !spaces_differ) {
        msg_attribute(ex, i);
        out_str(&ex->o, "invisible or control characters differ");
    }
}

/* RDN r of a against RDN s of b, which have the same attribute types. */
static void explain_rdn(explain_ctx *ex, size_t r, size_t s)
{
    pair_ctx ctx = {ex->a, ex->b, ex->a->rdn_first[r], ex->b->rdn_first[s]};
    size_t map[CG_NAME_MAX_AVAS];
    uint8_t used[CG_NAME_MAX_AVAS];
    size_t n = rdn_size(ex->a, r);
    int moved = 0;

    pair_init(map, used);
    pair_pass(&ctx, n, n, match_ava_equal, map, used);
    pair_pass(&ctx, n, n, match_ava_type, map, used);
    for (size_t k = 0; k < n; k++) {
        if (map[k] != k)
            moved = 1;
    }
    if (moved) {
        msg_begin(ex);
        out_str(&ex->o, "RDN ");
        out_dec(&ex->o, r + 1);
        out_str(&ex->o, ": attribute order inside the RDN differs: ");
        out_rdn_label(&ex->o, ex->a, r, 0);
        out_str(&ex->o, " here, ");
        out_rdn_label(&ex->o, ex->b, s, 0);
        out_str(&ex->o, " in the other");
    }
    for (size_t k = 0; k < n; k++) {
        if (map[k] != NO_PAIR)
            explain_ava(ex, ctx.x0 + k, &ex->b->ava[ctx.y0 + map[k]]);
    }
}

/* RDNs i < j of a whose partners in b come in the opposite order. */
static void explain_order(explain_ctx *ex, size_t i, size_t j)
{
    int values = rdn_pair(ex->a, i, ex->a, j, match_ava_type);

    msg_begin(ex);
    out_str(&ex->o, "attribute order differs: ");
    out_rdn_label(&ex->o, ex->a, i, values);
    out_str(&ex->o, " before ");
    out_rdn_label(&ex->o, ex->a, j, values);
    out_str(&ex->o, " here, ");
    out_rdn_label(&ex->o, ex->a, j, values);
    out_str(&ex->o, " before ");
    out_rdn_label(&ex->o, ex->a, i, values);
    out_str(&ex->o, " in the other");
}

static void explain_unlike(explain_ctx *ex, size_t r)
{
    msg_begin(ex);
    if (rdn_size(ex->a, r) == 1 && rdn_size(ex->b, r) == 1) {
        out_str(&ex->o, "attribute ");
        out_dec(&ex->o, ex->a->rdn_first[r] + 1);
    } else {
        out_str(&ex->o, "RDN ");
        out_dec(&ex->o, r + 1);
    }
    out_str(&ex->o, ": ");
    out_rdn_label(&ex->o, ex->a, r, 1);
    out_str(&ex->o, " here, ");
    out_rdn_label(&ex->o, ex->b, r, 1);
    out_str(&ex->o, " in the other name");
}

static void explain_alone(explain_ctx *ex, const name_view *nv, size_t r, const char *where)
{
    msg_begin(ex);
    out_rdn_label(&ex->o, nv, r, 1);
    out_str(&ex->o, where);
}

/* How each RDN of a was paired with one of b. */
enum { PAIR_NONE, PAIR_EQUAL, PAIR_TYPES, PAIR_POSITION };

int cg_name_explain(const cg_cbs *a, const cg_cbs *b, char *buf, size_t cap)
{
    name_view na, nb;
    explain_ctx ex;
    pair_ctx ctx = {&na, &nb, 0, 0};
    size_t map[CG_NAME_MAX_AVAS], flat[CG_NAME_MAX_AVAS];
    uint8_t used[CG_NAME_MAX_AVAS], flat_used[CG_NAME_MAX_AVAS];
    uint8_t kind[CG_NAME_MAX_AVAS];
    int regrouped = 0;

    out_init(&ex.o, buf, cap);
    ex.count = 0;
    ex.a = &na;
    ex.b = &nb;
    if (cg_name_bytes_equal(a, b) || !name_parse(a, &na) || !name_parse(b, &nb))
        return 0;

    if (na.n_rdn != nb.n_rdn) {
        msg_begin(&ex);
        out_dec(&ex.o, na.n_rdn);
        out_str(&ex.o, na.n_rdn == 1 ? " RDN here, " : " RDNs here, ");
        out_dec(&ex.o, nb.n_rdn);
        out_str(&ex.o, " in the other");
    }

    /* Pair RDNs: equal content first, then the same attribute types, then
     * what is left at the same position. Each stage only sees the RDNs the
     * previous ones left unpaired. */
    pair_init(map, used);
    memset(kind, PAIR_NONE, sizeof(kind));
    pair_pass(&ctx, na.n_rdn, nb.n_rdn, match_rdn_equal, map, used);
    for (size_t r = 0; r < na.n_rdn; r++)
        kind[r] = map[r] != NO_PAIR ? PAIR_EQUAL : PAIR_NONE;

    /* The same attributes split into RDNs another way: saying so beats a
     * list of RDNs that exist only on one side. */
    pair_init(flat, flat_used);
    if (na.n_ava == nb.n_ava) {
        pair_pass(&ctx, na.n_ava, nb.n_ava, match_ava_equal, flat, flat_used);
        regrouped = all_paired(flat, na.n_ava) && !all_paired(map, na.n_rdn);
    }
    if (regrouped) {
        msg_begin(&ex);
        out_str(&ex.o, "the same attributes are grouped into RDNs differently");
    } else {
        pair_pass(&ctx, na.n_rdn, nb.n_rdn, match_rdn_types, map, used);
        for (size_t r = 0; r < na.n_rdn; r++) {
            if (kind[r] == PAIR_NONE && map[r] != NO_PAIR)
                kind[r] = PAIR_TYPES;
        }
        /* Position means something only when no RDN was added or dropped. */
        if (na.n_rdn == nb.n_rdn)
            pair_pass(&ctx, na.n_rdn, nb.n_rdn, match_position, map, used);
        for (size_t r = 0; r < na.n_rdn; r++) {
            if (kind[r] == PAIR_NONE && map[r] != NO_PAIR)
                kind[r] = PAIR_POSITION;
        }
    }

    /* One inversion is enough to name the reason. */
    for (size_t i = 0; i < na.n_rdn; i++) {
        size_t j = i + 1;
        if (kind[i] != PAIR_EQUAL && kind[i] != PAIR_TYPES)
            continue;
        while (j < na.n_rdn &&
               !((kind[j] == PAIR_EQUAL || kind[j] == PAIR_TYPES) && map[j] < map[i]))
            j++;
        if (j < na.n_rdn) {
            explain_order(&ex, i, j);
            break;
        }
    }

    for (size_t r = 0; r < na.n_rdn; r++) {
        if (kind[r] == PAIR_EQUAL || kind[r] == PAIR_TYPES)
            explain_rdn(&ex, r, map[r]);
        if (kind[r] == PAIR_POSITION)
            explain_unlike(&ex, r);
    }
    if (!regrouped) {
        for (size_t r = 0; r < na.n_rdn; r++) {
            if (map[r] == NO_PAIR)
                explain_alone(&ex, &na, r, " only here");
        }
        for (size_t s = 0; s < nb.n_rdn; s++) {
            if (!used[s])
                explain_alone(&ex, &nb, s, " only in the other name");
        }
    }
    /* Strict DER leaves no other way to differ, but say something anyway. */
    if (ex.count == 0) {
        msg_begin(&ex);
        out_str(&ex.o, "encodings differ");
    }
    out_mark_truncated(&ex.o);
    return 1;
}
