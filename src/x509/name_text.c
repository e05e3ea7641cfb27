/* X.509 Names as text (see name.h): RFC 4514 strings, Names for people
 * (cut, never dropped) and explanations of how two Names differ, over the
 * views and comparisons of name.c (name_internal.h). Output is cut, never
 * overflowed, at the caller's cap; cg_name_to_display alone reads past the
 * caps of name.h, cutting what it shows. */
#include "x509/name.h"

#include <stdio.h>
#include <string.h>

#include "util/escape.h"
#include "x509/name_internal.h"

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

/* Dotted decimal; cg_nm_oid_ok() has bounded each arc to 63 bits. */
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
    if (!cg_nm_decode_value(ava, &s)) {
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
    if (cap == 0 || !cg_nm_name_parse(name, &nv))
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
    if (!cg_nm_name_parse_ex(name, &nv, 1, &cut))
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

    if (cg_nm_decode_value(ava, &s))
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

    if (cg_nm_ava_identical(x, y))
        return;
    if (!cg_nm_decode_value(x, &sx) || !cg_nm_decode_value(y, &sy)) {
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
    int full = cg_nm_prep_compare(&sx, &sy, PREP_ALL);
    if (full != 1) {
        msg_attribute(ex, i);
        out_str(&ex->o, full == 0 ? "value differs"
                                  : "value differs (not comparable: "
                                    "a code point RFC 4518 prohibits)");
        out_quoted_pair(&ex->o, &sx, &sy);
        return;
    }
    if (cg_nm_cp_equal(&sx, &sy))
        return;
    /* Equal once prepared: leave one step out at a time to say which
     * mattered. */
    int case_differs = cg_nm_prep_compare(&sx, &sy, PREP_ALL & ~PREP_FOLD) != 1;
    if (case_differs) {
        msg_attribute(ex, i);
        out_str(&ex->o, "case differs");
        out_quoted_pair(&ex->o, &sx, &sy);
    }
    int forms_differ = cg_nm_prep_compare(&sx, &sy, PREP_ALL & ~PREP_NFKC) != 1;
    if (forms_differ) {
        msg_attribute(ex, i);
        out_str(&ex->o, "Unicode forms differ (equal after NFKC normalisation)");
        out_quoted_pair(&ex->o, &sx, &sy);
    }
    int spaces_differ = cg_nm_prep_compare(&sx, &sy, PREP_ALL & ~PREP_SPACE) != 1;
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
    size_t n = cg_nm_rdn_size(ex->a, r);
    int moved = 0;

    cg_nm_pair_init(map, used);
    cg_nm_pair_pass(&ctx, n, n, cg_nm_match_ava_equal, map, used);
    cg_nm_pair_pass(&ctx, n, n, cg_nm_match_ava_type, map, used);
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
    int values = cg_nm_rdn_pair(ex->a, i, ex->a, j, cg_nm_match_ava_type);

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
    if (cg_nm_rdn_size(ex->a, r) == 1 && cg_nm_rdn_size(ex->b, r) == 1) {
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
    if (cg_name_bytes_equal(a, b) || !cg_nm_name_parse(a, &na) || !cg_nm_name_parse(b, &nb))
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
    cg_nm_pair_init(map, used);
    memset(kind, PAIR_NONE, sizeof(kind));
    cg_nm_pair_pass(&ctx, na.n_rdn, nb.n_rdn, cg_nm_match_rdn_equal, map, used);
    for (size_t r = 0; r < na.n_rdn; r++)
        kind[r] = map[r] != NO_PAIR ? PAIR_EQUAL : PAIR_NONE;

    /* The same attributes split into RDNs another way: saying so beats a
     * list of RDNs that exist only on one side. */
    cg_nm_pair_init(flat, flat_used);
    if (na.n_ava == nb.n_ava) {
        cg_nm_pair_pass(&ctx, na.n_ava, nb.n_ava, cg_nm_match_ava_equal, flat, flat_used);
        regrouped = cg_nm_all_paired(flat, na.n_ava) && !cg_nm_all_paired(map, na.n_rdn);
    }
    if (regrouped) {
        msg_begin(&ex);
        out_str(&ex.o, "the same attributes are grouped into RDNs differently");
    } else {
        cg_nm_pair_pass(&ctx, na.n_rdn, nb.n_rdn, cg_nm_match_rdn_types, map, used);
        for (size_t r = 0; r < na.n_rdn; r++) {
            if (kind[r] == PAIR_NONE && map[r] != NO_PAIR)
                kind[r] = PAIR_TYPES;
        }
        /* Position means something only when no RDN was added or dropped. */
        if (na.n_rdn == nb.n_rdn)
            cg_nm_pair_pass(&ctx, na.n_rdn, nb.n_rdn, cg_nm_match_position, map, used);
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
