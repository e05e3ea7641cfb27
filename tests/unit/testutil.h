/* Minimal test harness: CHECK records a failure with file:line and goes on;
 * cg_test_done() prints the summary line and gives the exit status. */
#ifndef CAGUARD_TESTUTIL_H
#define CAGUARD_TESTUTIL_H

#include <stddef.h>
#include <stdint.h>

extern int cg_test_failures;
extern int cg_test_checks;

#define CHECK(cond)                                                                       \
    do {                                                                                  \
        cg_test_checks++;                                                                 \
        if (!(cond)) {                                                                    \
            cg_test_failures++;                                                           \
            cg_test_fail(__FILE__, __LINE__, #cond);                                      \
        }                                                                                 \
    } while (0)

void cg_test_fail(const char *file, int line, const char *expr);
/* Prints "N passed, N failed" and returns the process exit status. */
int cg_test_done(void);
/* Reads a whole file (path relative to CG_TEST_DATA when not absolute).
 * Returns a malloc'd buffer or NULL. */
uint8_t *cg_test_read(const char *path, size_t *len);
/* The first object of a PEM or DER file (path as for cg_test_read),
 * decoded into a malloc'd copy; NULL when there is none. */
uint8_t *cg_test_read_der(const char *path, size_t *len);
/* Hex string to bytes; returns the number of bytes written. */
size_t cg_test_unhex(const char *hex, uint8_t *out, size_t cap);

/* ---- store tests on PostgreSQL ---- */

/* Whether uri names a PostgreSQL store. */
int cg_test_is_pg(const char *uri);
/* $CAGUARD_TEST_PG_URI; or NULL after printing why the PostgreSQL instance
 * of the test is skipped (the caller then exits with 77, CTest's skip). */
const char *cg_test_pg_uri(void);
/* Runs sql on the database of base; 1 when it succeeded. */
int cg_test_pg_exec(const char *base, const char *sql);
/* A fresh, empty schema `name` (dropped first if there) in the database of
 * base, and in out the URI of a store in it. 1 on success. */
int cg_test_pg_schema(const char *base, const char *name, char *out, size_t cap);

#endif
