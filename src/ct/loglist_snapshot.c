/* The shipped and updated log list snapshots (see loglist_snapshot.h). */
#include "ct/loglist_snapshot.h"

#include "util/errf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SYSTEM_STATE_DIR "/var/lib/caguard"
#define MAX_DIRS 4

typedef struct dirs {
    char v[MAX_DIRS][CG_SNAPSHOT_PATH_MAX];
    size_t n;
} dirs;

static void dirs_add(dirs *d, const char *a, const char *b)
{
    if (d->n == MAX_DIRS || a == NULL || a[0] == '\0')
        return;
    int n = snprintf(d->v[d->n], sizeof(d->v[0]), "%s%s", a, b);
    if (n < 0 || (size_t)n >= sizeof(d->v[0]))
        return;
    for (size_t i = 0; i < d->n; i++) {
        if (strcmp(d->v[i], d->v[d->n]) == 0)
            return;
    }
    d->n++;
}

/* The state directories, the one written first. */
static void state_dirs(dirs *d)
{
    const char *e = getenv("CAGUARD_STATE_DIR");
    d->n = 0;
    if (e != NULL && e[0] != '\0') {
        dirs_add(d, e, "");
        return;
    }
    e = getenv("STATE_DIRECTORY");
    if (e != NULL && e[0] != '\0') {
        /* systemd may list several, colon-separated: the first is ours */
        char first[CG_SNAPSHOT_PATH_MAX];
        snprintf(first, sizeof(first), "%s", e);
        first[strcspn(first, ":")] = '\0';
        dirs_add(d, first, "");
    }
    if (geteuid() != 0) {
        const char *xdg = getenv("XDG_STATE_HOME");
        if (xdg != NULL && xdg[0] == '/')
            dirs_add(d, xdg, "/caguard");
        else
            dirs_add(d, getenv("HOME"), "/.local/state/caguard");
    }
    dirs_add(d, SYSTEM_STATE_DIR, "");
}

static void data_dirs(dirs *d)
{
    const char *e = getenv("CAGUARD_DATA_DIR");
    d->n = 0;
    if (e != NULL && e[0] != '\0') {
        dirs_add(d, e, "");
        return;
    }
#ifdef CAGUARD_DATADIR
    dirs_add(d, CAGUARD_DATADIR, "");
#endif
#ifdef CAGUARD_SOURCE_DATADIR
    dirs_add(d, CAGUARD_SOURCE_DATADIR, "");
#endif
}

static void dirs_list(const dirs *d, char *buf, size_t cap)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < d->n && used < cap; i++) {
        int n = snprintf(buf + used, cap - used, "%s%s/loglists", i > 0 ? ", " : "", d->v[i]);
        if (n < 0)
            break;
        used += (size_t)n;
    }
}

int cg_loglist_state_dir(char *buf, size_t cap)
{
    dirs d;
    state_dirs(&d);
    if (d.n == 0 || strlen(d.v[0]) >= cap)
        return 0;
    memcpy(buf, d.v[0], strlen(d.v[0]) + 1);
    return 1;
}

static int file_exists(const char *dir, const char *name)
{
    char p[CG_SNAPSHOT_PATH_MAX + 64];
    struct stat st;
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

int cg_loglist_key_path(char *buf, size_t cap, char *err, size_t errcap)
{
    dirs d;
    char where[4 * CG_SNAPSHOT_PATH_MAX];
    data_dirs(&d);
    for (size_t i = 0; i < d.n; i++) {
        char dir[CG_SNAPSHOT_PATH_MAX + 16];
        snprintf(dir, sizeof(dir), "%s/loglists", d.v[i]);
        if (file_exists(dir, CG_SNAPSHOT_KEY)) {
            int n = snprintf(buf, cap, "%s/%s", dir, CG_SNAPSHOT_KEY);
            return n > 0 && (size_t)n < cap;
        }
    }
    dirs_list(&d, where, sizeof(where));
    cg_errf(err, errcap, "Google's log list key (%s) is in none of: %s", CG_SNAPSHOT_KEY,
            d.n > 0 ? where : "(no data directory)");
    return 0;
}

uint8_t *cg_loglist_read_file(const char *path, size_t max, size_t *len, char *err,
                              size_t errcap)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    if (f == NULL) {
        cg_errf(err, errcap, "cannot open %s: %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        if (n == cap) {
            if (cap > max) {
                cg_errf(err, errcap, "%s: larger than %zu bytes", path, max);
                goto fail;
            }
            uint8_t *nb = realloc(buf, cap == 0 ? 65536 : cap * 2);
            if (nb == NULL) {
                cg_errf(err, errcap, "out of memory reading %s", path);
                goto fail;
            }
            buf = nb;
            cap = cap == 0 ? 65536 : cap * 2;
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    if (ferror(f)) {
        cg_errf(err, errcap, "cannot read %s: %s", path, strerror(errno));
        goto fail;
    }
    if (n > max) {
        cg_errf(err, errcap, "%s: larger than %zu bytes", path, max);
        goto fail;
    }
    fclose(f);
    *len = n;
    return buf;
fail:
    free(buf);
    fclose(f);
    return NULL;
}

static uint8_t *read_in(const char *dir, const char *name, size_t max, size_t *len, char *err,
                        size_t errcap)
{
    char p[CG_SNAPSHOT_PATH_MAX + 64];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    return cg_loglist_read_file(p, max, len, err, errcap);
}

/* Verifies Chrome's list and parses both into ll (sources: their paths). */
static int load_set(cg_loglist *ll, const char *dir_or_null, const uint8_t *chrome,
                    size_t chrome_len, const uint8_t *sig, size_t sig_len, const uint8_t *apple,
                    size_t apple_len, const uint8_t *key, size_t key_len, char *err,
                    size_t errcap)
{
    char why[512], src[CG_SNAPSHOT_PATH_MAX + 64];
    const char *dir = dir_or_null != NULL ? dir_or_null : "the new snapshot";
    if (!cg_loglist_verify_signature(chrome, chrome_len, sig, sig_len, key, key_len, why,
                                     sizeof(why))) {
        cg_errf(err, errcap, "%s/%s: its signature %s does not verify under Google's key: %s",
                dir, CG_SNAPSHOT_CHROME, CG_SNAPSHOT_CHROME_SIG, why);
        return 0;
    }
    snprintf(src, sizeof(src), "%s/%s", dir, CG_SNAPSHOT_CHROME);
    if (!cg_loglist_load(ll, chrome, chrome_len, src, err, errcap))
        return 0;
    if (apple != NULL) {
        snprintf(src, sizeof(src), "%s/%s", dir, CG_SNAPSHOT_APPLE);
        if (!cg_loglist_load(ll, apple, apple_len, src, err, errcap))
            return 0;
    }
    if (cg_loglist_count(ll) == 0) {
        cg_errf(err, errcap, "%s: the lists name no log", dir);
        return 0;
    }
    return 1;
}

static int snapshot_dir_has_lists(const char *dir)
{
    return file_exists(dir, CG_SNAPSHOT_CHROME) && file_exists(dir, CG_SNAPSHOT_CHROME_SIG);
}

int cg_loglist_snapshot_load(cg_loglist *ll, cg_loglist_snapshot *s, char *err, size_t errcap)
{
    dirs st, dt;
    char where[8 * CG_SNAPSHOT_PATH_MAX + 16], keyp[CG_SNAPSHOT_PATH_MAX + 64];
    uint8_t *chrome = NULL, *sig = NULL, *apple = NULL, *key = NULL;
    size_t chrome_len = 0, sig_len = 0, apple_len = 0, key_len = 0;
    int ok = 0;
    memset(s, 0, sizeof(*s));
    s->timestamp_ms = -1;
    state_dirs(&st);
    data_dirs(&dt);
    for (size_t i = 0; i < st.n + dt.n && s->dir[0] == '\0'; i++) {
        const char *base = i < st.n ? st.v[i] : dt.v[i - st.n];
        char dir[CG_SNAPSHOT_PATH_MAX + 16];
        snprintf(dir, sizeof(dir), "%s/loglists", base);
        if (!snapshot_dir_has_lists(dir))
            continue;
        snprintf(s->dir, sizeof(s->dir), "%s", dir);
        s->updated = i < st.n;
    }
    if (s->dir[0] == '\0') {
        char a[4 * CG_SNAPSHOT_PATH_MAX], b[4 * CG_SNAPSHOT_PATH_MAX];
        dirs_list(&st, a, sizeof(a));
        dirs_list(&dt, b, sizeof(b));
        snprintf(where, sizeof(where), "%s%s%s", a, a[0] != '\0' && b[0] != '\0' ? ", " : "",
                 b);
        cg_errf(err, errcap, "no CT log list snapshot in %s", where);
        return 0;
    }
    if (!cg_loglist_key_path(keyp, sizeof(keyp), err, errcap))
        return 0;
    key = cg_loglist_read_file(keyp, 65536, &key_len, err, errcap);
    chrome = key != NULL ? read_in(s->dir, CG_SNAPSHOT_CHROME, CG_SNAPSHOT_MAX_LIST, &chrome_len,
                                   err, errcap)
                         : NULL;
    sig = chrome != NULL ? read_in(s->dir, CG_SNAPSHOT_CHROME_SIG, 65536, &sig_len, err, errcap)
                         : NULL;
    if (sig == NULL)
        goto out;
    if (file_exists(s->dir, CG_SNAPSHOT_APPLE)) {
        apple = read_in(s->dir, CG_SNAPSHOT_APPLE, CG_SNAPSHOT_MAX_LIST, &apple_len, err, errcap);
        if (apple == NULL)
            goto out;
    }
    if (!load_set(ll, s->dir, chrome, chrome_len, sig, sig_len, apple, apple_len, key, key_len,
                  err, errcap))
        goto out;
    s->timestamp_ms = cg_loglist_timestamp(ll);
    ok = 1;
out:
    free(chrome);
    free(sig);
    free(apple);
    free(key);
    return ok;
}

/* mkdir -p with mode for what it makes. */
static int make_dirs(const char *path, mode_t mode, char *err, size_t errcap)
{
    char p[CG_SNAPSHOT_PATH_MAX];
    struct stat st;
    if (snprintf(p, sizeof(p), "%s", path) >= (int)sizeof(p)) {
        cg_errf(err, errcap, "%s: path too long", path);
        return 0;
    }
    for (char *c = p + 1;; c++) {
        int end = *c == '\0';
        if (*c != '/' && !end)
            continue;
        *c = '\0';
        if (mkdir(p, mode) != 0 && errno != EEXIST) {
            cg_errf(err, errcap, "cannot create %s: %s", p, strerror(errno));
            return 0;
        }
        if (end)
            break;
        *c = '/';
    }
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
        cg_errf(err, errcap, "%s is not a directory", path);
        return 0;
    }
    return 1;
}

static int write_all(const char *dir, const char *name, const uint8_t *data, size_t len,
                     char *err, size_t errcap)
{
    char p[CG_SNAPSHOT_PATH_MAX + 64];
    snprintf(p, sizeof(p), "%s/%s", dir, name);
    int fd = open(p, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        cg_errf(err, errcap, "cannot create %s: %s", p, strerror(errno));
        return 0;
    }
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            cg_errf(err, errcap, "cannot write %s: %s", p, strerror(errno));
            close(fd);
            return 0;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0) {
        cg_errf(err, errcap, "cannot write %s: %s", p, strerror(errno));
        return 0;
    }
    return 1;
}

static void sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Removes a snapshot directory this code made (its files, then itself). */
static void remove_set(const char *dir)
{
    static const char *const names[] = {CG_SNAPSHOT_CHROME, CG_SNAPSHOT_CHROME_SIG,
                                        CG_SNAPSHOT_APPLE};
    char p[CG_SNAPSHOT_PATH_MAX + 64];
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        snprintf(p, sizeof(p), "%s/%s", dir, names[i]);
        unlink(p);
    }
    rmdir(dir);
}

int cg_loglist_snapshot_install(const char *state_dir, const uint8_t *chrome, size_t chrome_len,
                                const uint8_t *sig, size_t sig_len, const uint8_t *apple,
                                size_t apple_len, const uint8_t *key, size_t key_len, char *err,
                                size_t errcap)
{
    char dir[CG_SNAPSHOT_PATH_MAX + 32], link_new[CG_SNAPSHOT_PATH_MAX + 64];
    char cur[CG_SNAPSHOT_PATH_MAX + 16], old[CG_SNAPSHOT_PATH_MAX + 16] = "";
    cg_loglist *ll = cg_loglist_new();
    struct stat st;
    int ok = 0, made = 0;
    if (ll == NULL) {
        cg_errf(err, errcap, "out of memory");
        return 0;
    }
    if (!load_set(ll, NULL, chrome, chrome_len, sig, sig_len, apple, apple_len, key, key_len,
                  err, errcap))
        goto out;
    if (strlen(state_dir) + 32 > CG_SNAPSHOT_PATH_MAX) {
        cg_errf(err, errcap, "%s: path too long", state_dir);
        goto out;
    }
    if (!make_dirs(state_dir, 0755, err, errcap))
        goto out;
    snprintf(dir, sizeof(dir), "%s/loglists.XXXXXX", state_dir);
    if (mkdtemp(dir) == NULL) {
        cg_errf(err, errcap, "cannot create a directory in %s: %s", state_dir, strerror(errno));
        goto out;
    }
    made = 1;
    if (chmod(dir, 0755) != 0 || !write_all(dir, CG_SNAPSHOT_CHROME, chrome, chrome_len, err,
                                            errcap) ||
        !write_all(dir, CG_SNAPSHOT_CHROME_SIG, sig, sig_len, err, errcap) ||
        (apple != NULL && !write_all(dir, CG_SNAPSHOT_APPLE, apple, apple_len, err, errcap)))
        goto out;
    sync_dir(dir);

    snprintf(cur, sizeof(cur), "%s/loglists", state_dir);
    if (lstat(cur, &st) == 0) {
        if (S_ISLNK(st.st_mode)) {
            char target[CG_SNAPSHOT_PATH_MAX];
            ssize_t n = readlink(cur, target, sizeof(target) - 1);
            if (n > 0) {
                target[n] = '\0';
                /* only a directory an update made is removed afterwards */
                if (strncmp(target, "loglists.", 9) == 0 && strchr(target, '/') == NULL)
                    snprintf(old, sizeof(old), "%s/%s", state_dir, target);
            }
        } else {
            cg_errf(err, errcap,
                    "%s is not a snapshot an update made (not a symbolic link): move it away "
                    "and update again",
                    cur);
            goto out;
        }
    }
    snprintf(link_new, sizeof(link_new), "%s/.loglists.new.%ld", state_dir, (long)getpid());
    unlink(link_new);
    if (symlink(strrchr(dir, '/') + 1, link_new) != 0) {
        cg_errf(err, errcap, "cannot create %s: %s", link_new, strerror(errno));
        goto out;
    }
    if (rename(link_new, cur) != 0) {
        cg_errf(err, errcap, "cannot replace %s: %s", cur, strerror(errno));
        unlink(link_new);
        goto out;
    }
    sync_dir(state_dir);
    made = 0;
    if (old[0] != '\0' && strcmp(old, dir) != 0)
        remove_set(old);
    ok = 1;
out:
    if (made)
        remove_set(dir);
    cg_loglist_free(ll);
    return ok;
}
