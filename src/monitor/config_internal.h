/* What the files of the monitor's configuration share (monitor/config.c:
 * the line reader, libinih's callbacks and the entry points;
 * monitor/config_sections.c: the key tables and the sections they belong
 * to; monitor/config_values.c: a value read by its key's type). Private to
 * them. */
#ifndef CAGUARD_MONITOR_CONFIG_INTERNAL_H
#define CAGUARD_MONITOR_CONFIG_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "monitor/config.h"

typedef enum {
    T_STRING,      /* kept as written */
    T_PATH_IN,     /* a file caguard reads: resolved, must be readable */
    T_PATH_OUT,    /* a file or directory caguard writes or lists: resolved */
    T_EXEC,        /* an executable: resolved, must be an executable file */
    T_URL,         /* http:// or https:// */
    T_PATH_OR_URL, /* a T_URL, or else a T_PATH_IN */
    T_STORE,       /* a store path or URI */
    T_ADDR,        /* a mail address */
    T_ADDR_LIST,   /* mail addresses, separated by commas or spaces (repeatable) */
    T_CCADB_ID,    /* a CCADB unique ID: "A" and six digits */
    T_INT,
    T_REAL, /* a decimal number, min..max */
    T_BOOL,
    T_ENUM,
} vtype;

typedef struct enum_def {
    const char *names[4];
    int values[4];
    size_t n;
} enum_def;

typedef struct key_def {
    const char *name;
    vtype type;
    size_t off;     /* the field in the section's struct */
    size_t url_off; /* T_PATH_OR_URL: the int set when the value is a URL */
    int repeat;     /* the field is a cg_config_strv */
    int required;
    int64_t min, max; /* T_INT */
    const enum_def *e;
} key_def;

typedef enum {
    S_MONITOR,
    S_LOG,
    S_ISSUER,
    S_LOGLIST,
    S_CRL,
    S_ALERTS,
    S_INCIDENTS,
    S_CCADB,
    S_SERVE, /* caguard serve's (serve/config.c reads and checks it): skipped here */
    S_KINDS  /* how many: one section of each kind in the table */
} sec_kind;

typedef struct section_def {
    const char *name;
    sec_kind kind;
    int named; /* [log NAME] */
    const key_def *keys;
    size_t n_keys;
} section_def;

typedef struct parser {
    cg_monitor_config *cfg;
    const char *file;
    char *dir; /* of the file, NULL for the current directory */
    const char *data;
    size_t len, pos;
    int lineno;
    /* the open section: NULL before the first or after a bad header */
    const section_def *sec;
    size_t idx; /* S_LOG, S_ISSUER: its index */
    int sec_line;
    char label[CG_CONFIG_MAX_NAME + 16]; /* "log argon", for messages */
    uint32_t seen;                       /* keys given in the open section */
    uint32_t singletons;                 /* unnamed sections seen, by kind */
    int singleton_line[S_KINDS];
    size_t logs_cap, issuers_cap; /* of cfg->logs and cfg->issuers (cg_grow) */
    /* the error on the smallest line so far */
    int err_line;
    char *err;
    size_t errcap;
} parser;

/* Records "FILE:LINE: what" in the caller's buffer unless an error on an
 * earlier line is there already. */
void cg_cfg_err(parser *ps, int line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A NUL-terminated copy of n bytes of s; NULL when out of memory. */
char *cg_cfg_dup(const char *s, size_t n);

/* config_sections.c: h is what stands between '[' and ']' (n bytes); the
 * section open before is closed first (its required keys checked). */
void cg_cfg_open_section(parser *ps, const char *h, size_t n);
void cg_cfg_close_section(parser *ps);
/* The key of that name in sec and its index there, or NULL. */
const key_def *cg_cfg_find_key(const section_def *sec, const char *name, size_t *idx);

/* config_values.c: reads v as k's type into the open section's struct;
 * 0 with the error recorded. */
int cg_cfg_set_value(parser *ps, const key_def *k, const char *v);

#endif
