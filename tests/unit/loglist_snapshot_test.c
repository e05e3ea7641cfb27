/* The stored log-list snapshots (store.h, schema 6): put, get, replace,
 * one per source, kept across a reopen. */
#include "store/store.h"
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct got {
    char data[64];
    size_t len;
    uint8_t sha256[32];
    int64_t fetched_at;
    int calls;
};

static int on_snap(void *arg, const cg_store_loglist_snapshot *snap)
{
    struct got *g = arg;
    g->calls++;
    g->len = snap->len < sizeof(g->data) ? snap->len : sizeof(g->data);
    memcpy(g->data, snap->data, g->len);
    memcpy(g->sha256, snap->sha256, 32);
    g->fetched_at = snap->fetched_at;
    return 1;
}

static void put(cg_store *s, const char *source, const char *data, uint8_t h, int64_t at)
{
    cg_store_loglist_snapshot snap;
    memset(&snap, 0, sizeof(snap));
    snap.source = source;
    snap.data = (const uint8_t *)data;
    snap.len = strlen(data);
    memset(snap.sha256, h, 32);
    snap.fetched_at = at;
    CHECK(cg_store_loglist_snapshot_put(s, &snap));
}

int main(void)
{
    char path[] = "/tmp/cg_llsnap_XXXXXX";
    char err[512];
    int fd = mkstemp(path), found = -1;
    struct got g;
    CHECK(fd >= 0);
    close(fd);
    unlink(path);
    cg_store *s = cg_store_open(path, CG_STORE_CREATE, NULL, err, sizeof(err));
    CHECK(s != NULL);
    if (s == NULL)
        return cg_test_done();

    memset(&g, 0, sizeof(g));
    CHECK(cg_store_loglist_snapshot_get(s, "list.json", on_snap, &g, &found));
    CHECK(found == 0 && g.calls == 0);

    put(s, "list.json", "{\"a\":1}", 0xaa, 100);
    put(s, "https://x/list.json", "{\"b\":2}", 0xbb, 200);
    memset(&g, 0, sizeof(g));
    CHECK(cg_store_loglist_snapshot_get(s, "list.json", on_snap, &g, &found));
    CHECK(found == 1 && g.calls == 1 && g.len == 7 && memcmp(g.data, "{\"a\":1}", 7) == 0);
    CHECK(g.sha256[0] == 0xaa && g.sha256[31] == 0xaa && g.fetched_at == 100);

    /* a newer list of the same source replaces it; the other source keeps its own */
    put(s, "list.json", "{\"a\":2,\"c\":3}", 0xcc, 300);
    cg_store_close(s);
    s = cg_store_open(path, 0, NULL, err, sizeof(err));
    CHECK(s != NULL);
    if (s == NULL)
        return cg_test_done();
    memset(&g, 0, sizeof(g));
    CHECK(cg_store_loglist_snapshot_get(s, "list.json", on_snap, &g, &found));
    CHECK(found == 1 && g.len == 13 && memcmp(g.data, "{\"a\":2,\"c\":3}", 13) == 0);
    CHECK(g.sha256[5] == 0xcc && g.fetched_at == 300);
    memset(&g, 0, sizeof(g));
    CHECK(cg_store_loglist_snapshot_get(s, "https://x/list.json", on_snap, &g, &found));
    CHECK(found == 1 && g.len == 7 && g.sha256[0] == 0xbb && g.fetched_at == 200);

    /* an empty list is bytes too; no source is refused */
    put(s, "empty.json", "", 0x01, 5);
    memset(&g, 0, sizeof(g));
    CHECK(cg_store_loglist_snapshot_get(s, "empty.json", on_snap, &g, &found));
    CHECK(found == 1 && g.calls == 1 && g.len == 0);
    cg_store_loglist_snapshot bad;
    memset(&bad, 0, sizeof(bad));
    bad.source = "";
    CHECK(!cg_store_loglist_snapshot_put(s, &bad));
    CHECK(strstr(cg_store_errmsg(s), "needs a source") != NULL);

    cg_store_close(s);
    unlink(path);
    char aux[64];
    snprintf(aux, sizeof(aux), "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof(aux), "%s-shm", path);
    unlink(aux);
    return cg_test_done();
}
