/* caguard-testlog serve: static-ct-api (serve_internal.h): the
 * checkpoint, Merkle tree tiles and data tiles (c2sp.org/tlog-tiles; the
 * tamper fault applied to data tiles), and the issuers by fingerprint. */
#include "serve_internal.h"

#include <stdlib.h>
#include <string.h>

void tl_get_checkpoint(server *s, answer *a)
{
    cg_sth sth = tl_current_sth(s);
    char *t = tl_checkpoint_text(s->log, &sth);
    if (t == NULL) {
        tl_set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot write the checkpoint");
        return;
    }
    tl_set_body(a, MHD_HTTP_OK, "text/plain; charset=utf-8", t, strlen(t));
    a->cache = "no-store";
}

/* Parses "<N>[.p/<W>]" with N in x-prefixed 3-digit path elements
 * (c2sp.org/tlog-tiles). *width is 256 for a full tile. */
static int parse_tile_index(const char *p, uint64_t *index, unsigned *width)
{
    uint64_t n = 0;
    for (;;) {
        int x = p[0] == 'x';
        const char *d = p + x;
        if (d[0] < '0' || d[0] > '9' || d[1] < '0' || d[1] > '9' || d[2] < '0' || d[2] > '9')
            return 0;
        if (n > (UINT64_MAX - 999) / 1000)
            return 0;
        n = n * 1000 + (uint64_t)((d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0'));
        p = d + 3;
        if (x) {
            if (*p != '/')
                return 0;
            p++;
            continue;
        }
        break;
    }
    *index = n;
    if (*p == '\0') {
        *width = 256;
        return 1;
    }
    if (strncmp(p, ".p/", 3) != 0)
        return 0;
    p += 3;
    /* 1..255, no leading zeros */
    if (p[0] < '1' || p[0] > '9')
        return 0;
    {
        unsigned w = 0;
        for (; *p >= '0' && *p <= '9'; p++) {
            w = w * 10 + (unsigned)(*p - '0');
            if (w > 255)
                return 0;
        }
        if (*p != '\0')
            return 0;
        *width = w;
    }
    return 1;
}

void tl_get_tile(server *s, const char *rest, answer *a)
{
    uint64_t index, size = s->log->sth.tree_size, have;
    unsigned level, width;
    uint8_t *buf;

    if (rest[0] < '0' || rest[0] > '5' || rest[1] != '/' ||
        !parse_tile_index(rest + 2, &index, &width)) {
        tl_set_error(a, MHD_HTTP_NOT_FOUND, "not a tile path (tile/<L 0-5>/<N>[.p/<W>])");
        return;
    }
    level = (unsigned)(rest[0] - '0');
    have = size >> (8 * level); /* hashes at this level */
    if (index > (UINT64_MAX - width) / 256 || index * 256 + width > have) {
        tl_set_error(a, MHD_HTTP_NOT_FOUND, "tile %u/%llu of width %u is beyond the tree (%llu)",
                     level, (unsigned long long)index, width, (unsigned long long)size);
        return;
    }
    buf = malloc((size_t)width * 32);
    if (buf == NULL) {
        tl_set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return;
    }
    for (unsigned i = 0; i < width; i++) {
        if (!cg_merkle_tree_node(s->log->tree, 8 * level, index * 256 + i, buf + i * 32)) {
            free(buf);
            tl_set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the tree");
            return;
        }
    }
    tl_set_body(a, MHD_HTTP_OK, "application/octet-stream", (char *)buf, (size_t)width * 32);
    a->cache = "public, max-age=604800, immutable";
}

void tl_get_data_tile(server *s, const char *rest, answer *a)
{
    uint64_t index, size = s->log->sth.tree_size, start;
    long long tamper = atomic_load(&s->f.tamper);
    unsigned width;
    uint8_t *buf = NULL;
    size_t len = 0;

    if (!parse_tile_index(rest, &index, &width)) {
        tl_set_error(a, MHD_HTTP_NOT_FOUND, "not a data tile path (tile/data/<N>[.p/<W>])");
        return;
    }
    if (index > (UINT64_MAX - width) / 256 || index * 256 + width > size) {
        tl_set_error(a, MHD_HTTP_NOT_FOUND, "data tile %llu of width %u is beyond the tree (%llu)",
                     (unsigned long long)index, width, (unsigned long long)size);
        return;
    }
    start = index * 256;
    if (!tl_log_read_entries(s->log, start, start + width, &buf, &len)) {
        tl_set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the entries");
        return;
    }
    if (tamper >= 0 && (uint64_t)tamper >= start && (uint64_t)tamper < start + width) {
        /* The TileLeaf starts with the TimestampedEntry's timestamp. */
        uint8_t *p = buf + (s->log->off[tamper] - s->log->off[start]);
        for (int i = 7; i >= 0 && ++p[i] == 0; i--)
            ;
    }
    tl_set_body(a, MHD_HTTP_OK, "application/octet-stream", (char *)buf, len);
    a->cache = "public, max-age=604800, immutable";
}

void tl_get_issuer(server *s, const char *hex, answer *a)
{
    uint8_t fp[32];
    const tl_issuer *is;
    char *copy;

    if (strlen(hex) != 64) {
        tl_set_error(a, MHD_HTTP_NOT_FOUND, "issuer/<64 lowercase hex digits>");
        return;
    }
    for (size_t i = 0; i < 32; i++) {
        int v = 0;
        for (size_t j = 0; j < 2; j++) {
            char ch = hex[2 * i + j];
            int d = ch >= '0' && ch <= '9'   ? ch - '0'
                    : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10
                                             : -1;
            if (d < 0) {
                tl_set_error(a, MHD_HTTP_NOT_FOUND, "issuer/<64 lowercase hex digits>");
                return;
            }
            v = v * 16 + d;
        }
        fp[i] = (uint8_t)v;
    }
    is = tl_log_issuer(s->log, fp);
    if (is == NULL) {
        tl_set_error(a, MHD_HTTP_NOT_FOUND, "no such issuer");
        return;
    }
    copy = malloc(is->len);
    if (copy == NULL) {
        tl_set_error(a, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory");
        return;
    }
    memcpy(copy, is->der, is->len);
    tl_set_body(a, MHD_HTTP_OK, "application/pkix-cert", copy, is->len);
    a->cache = "public, max-age=604800, immutable";
}
