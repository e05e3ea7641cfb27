/* The dashboard's directory (html_internal.h): every file is written whole
 * and synced into a new directory next to the destination, which is then
 * renamed into place, so the destination is the whole new site or left as
 * it was. Only an empty directory or an earlier report (it holds the
 * MARKER file, which lists the files that report wrote, and nothing else)
 * is ever replaced. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report/html_internal.h"

int cg_html_write_file(cg_html_run *h, const char *name, const cg_sbuf *b)
{
    char path[4096];
    FILE *f;
    if (b->failed) {
        cg_html_set_err(h, "out of memory writing %s", name);
        return 0;
    }
    snprintf(path, sizeof(path), "%s/%s", h->tmp, name);
    f = fopen(path, "wbx");
    if (f == NULL) {
        cg_html_set_err(h, "cannot create %s: %s", path, strerror(errno));
        return 0;
    }
    int ok = fwrite(cg_sbuf_str(b), 1, b->len, f) == b->len;
    ok &= fflush(f) == 0;
    ok &= fsync(fileno(f)) == 0;
    int e = errno;
    if (fclose(f) != 0 && ok) {
        ok = 0;
        e = errno;
    }
    if (!ok) {
        cg_html_set_err(h, "cannot write %s: %s", path, strerror(e));
        return 0;
    }
    h->stats.files++;
    if (strcmp(name, MARKER) != 0)
        cg_sbuf_printf(&h->written, "%s\n", name);
    return 1;
}

/* Removes the files of a report directory (it holds no subdirectories)
 * and the directory. */
int cg_html_remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    char path[4096];
    int ok = 1;
    if (d == NULL)
        return errno == ENOENT;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        if (unlink(path) != 0)
            ok = 0;
    }
    closedir(d);
    return rmdir(dir) == 0 && ok;
}

static int dir_is_empty(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int empty = 1;
    if (d == NULL)
        return 0;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) {
            empty = 0;
            break;
        }
    }
    closedir(d);
    return empty;
}

/* The new directory next to dest: dest's parent must exist. */
int cg_html_make_tmp(cg_html_run *h, const char *dest)
{
    size_t n = strlen(dest);
    while (n > 1 && dest[n - 1] == '/')
        n--;
    h->tmp = malloc(n + 32);
    if (h->tmp == NULL) {
        cg_html_set_err(h, "out of memory");
        return 0;
    }
    snprintf(h->tmp, n + 32, "%.*s.tmp-XXXXXX", (int)n, dest);
    if (mkdtemp(h->tmp) == NULL) {
        cg_html_set_err(h, "cannot create a directory next to %s: %s", dest, strerror(errno));
        free(h->tmp);
        h->tmp = NULL;
        return 0;
    }
    /* mkdtemp makes it 0700; a report is for reading */
    chmod(h->tmp, 0755);
    return 1;
}

/* The names every caguard report has written (index.html, incident-N.html,
 * incident-N.md, incident-N-appendix.csv): what a marker written before
 * markers listed their files (an empty one) stands for. */
static int report_file_name(const char *n)
{
    if (strcmp(n, "index.html") == 0)
        return 1;
    if (strncmp(n, "incident-", 9) != 0 || !isdigit((unsigned char)n[9]))
        return 0;
    n += 9;
    while (isdigit((unsigned char)*n))
        n++;
    return strcmp(n, ".html") == 0 || strcmp(n, ".md") == 0 || strcmp(n, "-appendix.csv") == 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

#define MARKER_MAX (16u << 20) /* a marker listing more is not one of ours */

/* 1 when everything in dest is a file the earlier report wrote: a regular
 * file its marker lists (or, with an empty marker, named as report files
 * are). Otherwise 0 with the first other entry named in the error: a
 * directory holding files caguard did not write is never replaced, so
 * nothing of anyone else's is removed with the earlier report. */
static int only_report_files(cg_html_run *h, const char *dest, const char *marker)
{
    FILE *f = fopen(marker, "rb");
    char *list = NULL, **names = NULL, path[4096];
    size_t len = 0, n = 0;
    DIR *d = NULL;
    struct dirent *e;
    int ok = 0;
    if (f == NULL) {
        cg_html_set_err(h, "cannot read %s: %s", marker, strerror(errno));
        goto out;
    }
    struct stat fs;
    if (fstat(fileno(f), &fs) != 0 || !S_ISREG(fs.st_mode) || fs.st_size > MARKER_MAX) {
        cg_html_set_err(h, "%s is not a report's marker; %s not replaced", marker, dest);
        goto out;
    }
    list = malloc((size_t)fs.st_size + 1);
    if (list == NULL) {
        cg_html_set_err(h, "out of memory");
        goto out;
    }
    len = fread(list, 1, (size_t)fs.st_size, f);
    if (ferror(f)) {
        cg_html_set_err(h, "cannot read %s; %s not replaced", marker, dest);
        goto out;
    }
    list[len] = '\0';
    for (size_t i = 0; i < len; i++)
        n += list[i] == '\n';
    names = malloc((n + 1) * sizeof(*names));
    if (names == NULL) {
        cg_html_set_err(h, "out of memory");
        goto out;
    }
    n = 0;
    for (char *p = list, *nl; (nl = strchr(p, '\n')) != NULL; p = nl + 1) {
        *nl = '\0';
        names[n++] = p;
    }
    qsort(names, n, sizeof(*names), cmp_str);
    d = opendir(dest);
    if (d == NULL) {
        cg_html_set_err(h, "cannot read the directory %s: %s", dest, strerror(errno));
        goto out;
    }
    while ((e = readdir(d)) != NULL) {
        struct stat sb;
        const char *name = e->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || strcmp(name, MARKER) == 0)
            continue;
        int listed = len == 0 ? report_file_name(name)
                              : bsearch(&name, names, n, sizeof(*names), cmp_str) != NULL;
        snprintf(path, sizeof(path), "%s/%s", dest, name);
        if (!listed || lstat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) {
            cg_html_set_err(h,
                            "%s holds %s, which the earlier report there did not write; not "
                            "replaced: move it away, or name a new or empty directory",
                            dest, path);
            goto out;
        }
    }
    ok = 1;
out:
    if (d != NULL)
        closedir(d);
    if (f != NULL)
        fclose(f);
    free(names);
    free(list);
    return ok;
}

/* Puts the finished directory in dest's place. */
int cg_html_publish(cg_html_run *h, const char *dest)
{
    struct stat sb;
    char marker[4096], old[4096];
    if (lstat(dest, &sb) != 0) {
        if (errno != ENOENT) {
            cg_html_set_err(h, "cannot use %s: %s", dest, strerror(errno));
            return 0;
        }
        if (rename(h->tmp, dest) != 0) {
            cg_html_set_err(h, "cannot rename %s to %s: %s", h->tmp, dest, strerror(errno));
            return 0;
        }
        return 1;
    }
    if (!S_ISDIR(sb.st_mode)) {
        cg_html_set_err(h, "%s exists and is not a directory; not replaced", dest);
        return 0;
    }
    snprintf(marker, sizeof(marker), "%s/%s", dest, MARKER);
    if (dir_is_empty(dest)) {
        if (rmdir(dest) != 0 || rename(h->tmp, dest) != 0) {
            cg_html_set_err(h, "cannot replace the empty directory %s: %s", dest, strerror(errno));
            return 0;
        }
        return 1;
    }
    if (access(marker, F_OK) != 0) {
        cg_html_set_err(h,
                        "%s exists and is not a caguard report (no %s in it); not replaced: "
                        "name a new or empty directory",
                        dest, MARKER);
        return 0;
    }
    if (!only_report_files(h, dest, marker))
        return 0;
    /* An earlier report: moved aside (onto a new empty directory, which
     * rename replaces), the new one in its place, the old one removed. */
    snprintf(old, sizeof(old), "%s", h->tmp);
    memcpy(old + strlen(old) - 11, ".old-XXXXXX", 11); /* DIR.tmp-abcdef to DIR.old-XXXXXX */
    if (mkdtemp(old) == NULL) {
        cg_html_set_err(h, "cannot create a directory next to %s: %s", dest, strerror(errno));
        return 0;
    }
    if (rename(dest, old) != 0) {
        rmdir(old);
        cg_html_set_err(h, "cannot move the earlier report %s aside: %s", dest, strerror(errno));
        return 0;
    }
    if (rename(h->tmp, dest) != 0) {
        cg_html_set_err(h, "cannot rename %s to %s: %s", h->tmp, dest, strerror(errno));
        rename(old, dest);
        return 0;
    }
    cg_html_remove_tree(old);
    return 1;
}
