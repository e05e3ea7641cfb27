/* caguard demo's directory (demo.h): DIR.new-PID is made next to DIR and
 * is the current directory while the demo runs; at the end it takes DIR's
 * place in one rename (RENAME_EXCHANGE) and the old one is removed. Only a
 * directory holding the demo's marker (or an empty one) is ever replaced
 * or removed, and leftovers of killed runs are cleaned up. */
#define _GNU_SOURCE
/* Paths and messages are built with snprintf into fixed buffers; a --out
 * path too long for them is refused up front (demo_prepare_dirs), so what
 * GCC warns of here cannot cut a path. */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/demo.h"

#define MARKER ".caguard-demo"

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path) == 0 || errno == ENOENT ? 0 : -1;
}

static int rm_tree(const char *path)
{
    return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0 || errno == ENOENT;
}

static int is_demo_dir(const char *path, int *empty)
{
    char m[PATH_MAX + 32];
    DIR *dir = opendir(path);
    struct dirent *e;
    *empty = 1;
    if (dir == NULL)
        return 0;
    while ((e = readdir(dir)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            *empty = 0;
    }
    closedir(dir);
    snprintf(m, sizeof(m), "%s/%s", path, MARKER);
    return access(m, F_OK) == 0;
}

/* Leftovers of runs that were killed: DIR.new-PID of a process that is
 * gone, and DIR.old-PID, when they hold the demo marker. */
static void remove_leftovers(const demo *d)
{
    char parent[PATH_MAX], base[NAME_MAX + 1];
    snprintf(parent, sizeof(parent), "%s", d->out);
    char *slash = strrchr(parent, '/');
    snprintf(base, sizeof(base), "%s", slash + 1);
    if (slash == parent)
        slash[1] = '\0';
    else
        *slash = '\0';
    DIR *dir = opendir(parent);
    struct dirent *e;
    size_t bl = strlen(base);
    if (dir == NULL)
        return;
    while ((e = readdir(dir)) != NULL) {
        const char *rest = e->d_name + bl;
        long pid;
        char *end;
        int empty;
        if (strncmp(e->d_name, base, bl) != 0 ||
            (strncmp(rest, ".new-", 5) != 0 && strncmp(rest, ".old-", 5) != 0))
            continue;
        pid = strtol(rest + 5, &end, 10);
        if (*end != '\0' || pid <= 0 || (pid != getpid() && kill((pid_t)pid, 0) == 0))
            continue;
        char p[PATH_MAX + NAME_MAX + 2];
        snprintf(p, sizeof(p), "%s/%s", parent, e->d_name);
        if (is_demo_dir(p, &empty))
            rm_tree(p);
    }
    closedir(dir);
}

int demo_prepare_dirs(demo *d, const char *out)
{
    char parent[PATH_MAX], rp[PATH_MAX];
    int empty;
    struct stat st;
    snprintf(parent, sizeof(parent), "%s", out);
    size_t n = strlen(parent);
    while (n > 1 && parent[n - 1] == '/')
        parent[--n] = '\0';
    char *slash = strrchr(parent, '/');
    const char *base = slash != NULL ? slash + 1 : parent;
    if (strcmp(base, ".") == 0 || strcmp(base, "..") == 0 || base[0] == '\0') {
        snprintf(d->err, sizeof(d->err), "--out %s: name a directory of its own", out);
        return 0;
    }
    char b[NAME_MAX + 1];
    snprintf(b, sizeof(b), "%s", base);
    if (slash == NULL)
        snprintf(parent, sizeof(parent), ".");
    else if (slash == parent)
        snprintf(parent, sizeof(parent), "/");
    else
        *slash = '\0';
    if (realpath(parent, rp) == NULL) {
        snprintf(d->err, sizeof(d->err), "--out %s: %s: %s", out, parent, strerror(errno));
        return 0;
    }
    if (strlen(rp) + strlen(b) + 64 > PATH_MAX) {
        snprintf(d->err, sizeof(d->err), "--out %s: path too long", out);
        return 0;
    }
    snprintf(d->out, sizeof(d->out), "%s%s%s", rp, strcmp(rp, "/") == 0 ? "" : "/", b);
    if (lstat(d->out, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            snprintf(d->err, sizeof(d->err), "--out %s exists and is not a directory", out);
            return 0;
        }
        if (!is_demo_dir(d->out, &empty) && !empty) {
            snprintf(d->err, sizeof(d->err),
                     "--out %s exists and is not a caguard demo directory (no %s in it); "
                     "it is left alone: name another",
                     out, MARKER);
            return 0;
        }
    }
    remove_leftovers(d);
    snprintf(d->work, sizeof(d->work), "%s.new-%ld", d->out, (long)getpid());
    rm_tree(d->work);
    if (mkdir(d->work, 0755) != 0) {
        snprintf(d->err, sizeof(d->err), "cannot make %s: %s", d->work, strerror(errno));
        return 0;
    }
    if (chdir(d->work) != 0) {
        snprintf(d->err, sizeof(d->err), "cannot enter %s: %s", d->work, strerror(errno));
        return 0;
    }
    const char *dirs[] = {"pki", "certs", "logs", "crl", "reports"};
    for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
        if (mkdir(dirs[i], 0755) != 0) {
            snprintf(d->err, sizeof(d->err), "cannot make %s/%s: %s", d->work, dirs[i],
                     strerror(errno));
            return 0;
        }
    }
    FILE *f = fopen(MARKER, "w");
    if (f == NULL || fprintf(f, "made by caguard demo; replaced by the next run\n") < 0 ||
        fclose(f) != 0) {
        snprintf(d->err, sizeof(d->err), "cannot write %s/%s", d->work, MARKER);
        return 0;
    }
    return 1;
}

/* The new directory takes DIR's place in one step; the old one goes. */
int demo_publish_dir(demo *d)
{
    struct stat st;
    if (lstat(d->out, &st) == 0) {
        if (renameat2(AT_FDCWD, d->work, AT_FDCWD, d->out, RENAME_EXCHANGE) != 0) {
            snprintf(d->err, sizeof(d->err), "cannot put %s in place of %s: %s", d->work, d->out,
                     strerror(errno));
            return 0;
        }
        char old[PATH_MAX + 32];
        snprintf(old, sizeof(old), "%s.old-%ld", d->out, (long)getpid());
        if (rename(d->work, old) == 0)
            rm_tree(old);
        return 1;
    }
    if (rename(d->work, d->out) != 0) {
        snprintf(d->err, sizeof(d->err), "cannot rename %s to %s: %s", d->work, d->out,
                 strerror(errno));
        return 0;
    }
    return 1;
}

int demo_write_text(demo *d, const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
        snprintf(d->err, sizeof(d->err), "cannot write %s", path);
        return 0;
    }
    return 1;
}
