#include "testutil.h"

#include "der/pem.h"

#if CAGUARD_HAVE_POSTGRESQL
#include <libpq-fe.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cg_test_failures;
int cg_test_checks;

void cg_test_fail(const char *file, int line, const char *expr)
{
    fprintf(stderr, "%s:%d: CHECK failed: %s\n", file, line, expr);
}

int cg_test_done(void)
{
    printf("%d passed, %d failed\n", cg_test_checks - cg_test_failures, cg_test_failures);
    if (cg_test_checks == 0) {
        fprintf(stderr, "no checks ran\n");
        return 1;
    }
    return cg_test_failures == 0 ? 0 : 1;
}

uint8_t *cg_test_read(const char *path, size_t *len)
{
    char full[4096];
#ifdef CG_TEST_DATA
    if (path[0] != '/')
        snprintf(full, sizeof(full), "%s/%s", CG_TEST_DATA, path);
    else
#endif
        snprintf(full, sizeof(full), "%s", path);
    FILE *f = fopen(full, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", full);
        return NULL;
    }
    uint8_t *buf = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size >= 0 && fseek(f, 0, SEEK_SET) == 0)
        buf = malloc((size_t)size + 1);
    size_t n = 0;
    if (buf != NULL)
        n = fread(buf, 1, (size_t)size, f);
    if (buf != NULL && n != (size_t)size) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = n;
    return buf;
}

size_t cg_test_unhex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p != '\0' && n < cap; p++) {
        int v;
        if (*p >= '0' && *p <= '9')
            v = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            v = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            v = *p - 'A' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
        } else {
            out[n++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return n;
}

uint8_t *cg_test_read_der(const char *path, size_t *len)
{
    size_t n;
    uint8_t *raw = cg_test_read(path, &n), *der = NULL;
    cg_input in;
    cg_input_obj obj;
    cg_der_error err;
    if (raw == NULL)
        return NULL;
    /* The framing buffer is reused for the next block: copy the DER out. */
    cg_input_init(&in, raw, n);
    if (cg_input_next(&in, &obj, &err) == CG_INPUT_OBJECT && (der = malloc(obj.der_len)) != NULL) {
        memcpy(der, obj.der, obj.der_len);
        *len = obj.der_len;
    }
    cg_input_cleanup(&in);
    free(raw);
    return der;
}

int cg_test_is_pg(const char *uri)
{
    return strncmp(uri, "postgresql:", 11) == 0 || strncmp(uri, "postgres:", 9) == 0;
}

const char *cg_test_pg_uri(void)
{
    const char *u = getenv("CAGUARD_TEST_PG_URI");
#if !CAGUARD_HAVE_POSTGRESQL
    printf("SKIPPED: this build has no PostgreSQL stores (configured without "
           "CAGUARD_WITH_POSTGRESQL)\n");
    return NULL;
#endif
    if (u == NULL || u[0] == '\0') {
        printf("SKIPPED: CAGUARD_TEST_PG_URI is not set, so the PostgreSQL backend is not "
               "tested (scripts/test starts a throwaway server and sets it)\n");
        return NULL;
    }
    return u;
}

int cg_test_pg_exec(const char *base, const char *sql)
{
#if !CAGUARD_HAVE_POSTGRESQL
    fprintf(stderr, "%s: this build has no PostgreSQL (%s)\n", sql, base);
    return 0;
#else
    PGconn *c = PQconnectdb(base);
    int ok = 0;
    if (PQstatus(c) == CONNECTION_OK) {
        PGresult *r = PQexec(c, "SET client_min_messages = warning");
        PQclear(r);
        r = PQexec(c, sql);
        ok = PQresultStatus(r) == PGRES_COMMAND_OK || PQresultStatus(r) == PGRES_TUPLES_OK;
        if (!ok)
            fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
        PQclear(r);
    } else {
        fprintf(stderr, "cannot connect: %s", PQerrorMessage(c));
    }
    PQfinish(c);
    return ok;
#endif
}

int cg_test_pg_schema(const char *base, const char *name, char *out, size_t cap)
{
    char sql[256];
    snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", name, name);
    snprintf(out, cap, "%s%coptions=-csearch_path%%3D%s", base,
             strchr(base, '?') != NULL ? '&' : '?', name);
    return cg_test_pg_exec(base, sql);
}
