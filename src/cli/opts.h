/* How a command reads its options: one table per command, one loop for all
 * of them (cli/opts.c).
 *
 * A command lists its long options in a table of cg_cli_opt. The options
 * of a common kind (a flag, a string, an RFC 3339 time, --format, --color,
 * the log lists) are stored by the loop itself, with the same message for
 * the same mistake in every command; the others come back to the command
 * as a key, for its own switch. -h and --help print the command's help on
 * stdout (exit 0); an unknown option or one without its value prints one
 * line, "caguard CMD: unknown option '--fromat'; did you mean --format?
 * (see 'caguard CMD --help')" (exit 2). Every message goes through
 * cg_cli_usage_error.
 *
 *     cg_cli_opt opt[] = {
 *         {"store", CG_CLI_OPT_STRING, &store_opt},
 *         {"at", CG_CLI_OPT_TIME, &at, 0, &have_at},
 *         {"type", CG_CLI_OPT_KEY_VALUE, NULL, 'T'},
 *     };
 *     cg_cli_opts p;
 *     cg_cli_opts_init(&p, "incident event", incident_help, opt, CG_CLI_NOPT(opt), argc, argv);
 *     for (int key; (key = cg_cli_opts_next(&p)) != 0;) {
 *         if (key < 0)
 *             return p.status;
 *         ... key 'T', its value in p.value ...
 *     }
 *     ... optind is the first operand ...
 *
 * A table with no key options is read in one call: cg_cli_opts_parse.
 * Commands that take the same options share a group of entries and the
 * struct they fill (cg_cli_check_args: check and ingest). */
#ifndef CAGUARD_CLI_OPTS_H
#define CAGUARD_CLI_OPTS_H

#include <getopt.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "cli/cli.h"
#include "report/output.h"

typedef enum cg_cli_opt_kind {
    CG_CLI_OPT_KEY,         /* no value; handed back as .key */
    CG_CLI_OPT_KEY_VALUE,   /* with a value (in cg_cli_opts.value); handed back as .key */
    CG_CLI_OPT_FLAG,        /* int *dest: set to 1 */
    CG_CLI_OPT_STRING,      /* const char **dest: the value (the last given wins) */
    CG_CLI_OPT_TIME,        /* int64_t *dest: an RFC 3339 time */
    CG_CLI_OPT_FORMAT,      /* cg_out_format *dest: text or json */
    CG_CLI_OPT_COLOR,       /* int *dest: always 1, never 0, auto leaves it */
    CG_CLI_OPT_LOGLIST,     /* cg_cli_loglists *dest: --loglist FILE, repeatable */
    CG_CLI_OPT_LOGLIST_SIG, /* cg_cli_loglists *dest: the signature of the --loglist before */
    CG_CLI_OPT_LOGLIST_KEY, /* cg_cli_loglists *dest: the key of the signatures */
    CG_CLI_OPT_LIST,        /* cg_cli_strlist *dest: repeatable, each value kept */
    CG_CLI_OPT_SEVERITY,    /* cg_severity *dest: error, warning or notice */
} cg_cli_opt_kind;

#define CG_CLI_STRLIST_MAX 64
typedef struct cg_cli_strlist {
    const char *v[CG_CLI_STRLIST_MAX];
    size_t n;
} cg_cli_strlist;

/* Which findings a command reports and fails on (--include, --exclude,
 * --min-severity, --fail-on, --quiet): check, ingest, findings, incident
 * status, monitor. check selects the rules its run reports (cg_cli_select_apply);
 * the commands that store findings keep every finding in the store and
 * select what they print and fail on (cg_cli_select_sink), so a selection
 * never leaves a hole in the record. */
typedef struct cg_cli_select {
    cg_cli_strlist include, exclude;
    cg_severity min_severity; /* default notice: everything */
    cg_severity fail_on;      /* default error */
    int quiet;
    uint8_t skip[CG_RULE_COUNT];
    /* cg_cli_select_sink: where a selected finding goes (not with --quiet),
     * and the selected findings counted by severity. */
    cg_sink_fn next;
    void *next_arg;
    size_t count[3];
} cg_cli_select;

void cg_cli_select_init(cg_cli_select *s);
#define CG_CLI_SELECT_OPTS(s)                                                                     \
    {"include", CG_CLI_OPT_LIST, &(s)->include, 0, NULL},                                         \
        {"exclude", CG_CLI_OPT_LIST, &(s)->exclude, 0, NULL},                                     \
        {"min-severity", CG_CLI_OPT_SEVERITY, &(s)->min_severity, 0, NULL},                       \
        {"fail-on", CG_CLI_OPT_SEVERITY, &(s)->fail_on, 0, NULL},                                 \
    {                                                                                             \
        "quiet", CG_CLI_OPT_FLAG, &(s)->quiet, 0, NULL                                            \
    }
/* The help lines of those options: the selection's, then --quiet's. */
#define CG_CLI_SELECT_FILTER_HELP                                                                 \
    "  --include RULE       report only this rule, or every rule under a prefix\n"               \
    "                       (ct.sct: each ct.sct.* rule); repeatable\n"                          \
    "  --exclude RULE       do not report this rule or prefix; repeatable, wins over\n"          \
    "                       --include\n"                                                         \
    "  --min-severity SEV   report only findings of SEV or worse (error, warning,\n"             \
    "                       notice; default notice: all)\n"                                      \
    "  --fail-on SEV        exit 1 when a finding reported is of SEV or worse (default\n"        \
    "                       error)\n"
#define CG_CLI_SELECT_HELP                                                                        \
    CG_CLI_SELECT_FILTER_HELP                                                                     \
    "  --quiet              print no finding and no notice: the exit status says it\n"
/* Builds s->skip from the options: CG_EXIT_OK, or CG_EXIT_USAGE after
 * "caguard CMD: 'X' names no rule" (with a "did you mean"). */
int cg_cli_select_build(cg_cli_select *s, const char *cmd);
/* cg_cli_select_build, then hands s->skip to ctx: its run reports only
 * the rules selected. */
int cg_cli_select_apply(cg_cli_select *s, const char *cmd, cg_ctx *ctx);
/* A sink (its argument the cg_cli_select, built): a finding of a selected
 * rule is counted in s->count and, unless --quiet, passed to s->next. */
void cg_cli_select_sink(void *s, const cg_finding *f);
/* 1 when count (by severity: a ctx's, or s->count) holds a finding of
 * s->fail_on or worse: the command exits CG_EXIT_FINDINGS. */
int cg_cli_select_failed(const cg_cli_select *s, const size_t count[3]);
/* What a text report of selected findings says when it shows none (s
 * counted none, no --quiet): "no WHAT finding at TIME", with " of the rules
 * selected" when the run's counts (found) hold findings the selection left
 * out; else nothing. */
void cg_cli_select_say_none(const cg_cli_select *s, const size_t found[3], const char *what,
                            int64_t at);
/* The exit status of a command that reports selected findings, once its
 * output is written: the output flushed (cg_cli_flush), CG_EXIT_USAGE when
 * that fails or when unusable is set (an input or a store that could not
 * be used); else CG_EXIT_FINDINGS when cg_cli_select_failed(s, count);
 * else CG_EXIT_OK. */
int cg_cli_select_exit(const cg_cli_select *s, const char *cmd, int unusable,
                       const size_t count[3]);

typedef struct cg_cli_opt {
    const char *name; /* the long name, without "--"; "help" is everyone's */
    cg_cli_opt_kind kind;
    void *dest; /* where a common kind stores the value; NULL for the key kinds */
    int key;    /* the key kinds: what cg_cli_opts_next returns, > 0 */
    int *given; /* may be NULL: set to 1 when the option is given */
} cg_cli_opt;

#define CG_CLI_NOPT(table) (sizeof(table) / sizeof((table)[0]))
#define CG_CLI_OPTS_MAX 64

typedef struct cg_cli_opts {
    const char *cmd;       /* "check", "incident open": messages say "caguard CMD: " */
    void (*help)(FILE *f); /* -h, --help */
    const cg_cli_opt *opt;
    size_t n;
    int argc;
    char **argv;
    char *value; /* the value of the key option just returned (argv's), else NULL */
    int status;  /* when cg_cli_opts_next returned -1: the exit status */
    struct option lo[CG_CLI_OPTS_MAX + 2];
} cg_cli_opts;

/* Starts reading argv (argv[0] is the command's name) with the table opt
 * of n entries (at most CG_CLI_OPTS_MAX). */
void cg_cli_opts_init(cg_cli_opts *p, const char *cmd, void (*help)(FILE *f),
                      const cg_cli_opt *opt, size_t n, int argc, char **argv);
/* The key of the next key option (> 0; its value in p->value), storing the
 * common kinds on the way; 0 when the options end (optind is then the
 * first operand); -1 when the command ends now with p->status: CG_EXIT_OK
 * after the help, CG_EXIT_USAGE after a message. */
int cg_cli_opts_next(cg_cli_opts *p);
/* All the options of a table without key options: 1 to go on (optind at
 * the first operand), or 0 when the command ends now with *status
 * (CG_EXIT_OK after the help, CG_EXIT_USAGE after a message). */
int cg_cli_opts_parse(const char *cmd, void (*help)(FILE *f), const cg_cli_opt *opt, size_t n,
                      int argc, char **argv, int *status);
/* Whether the table (or "help") has the long option name: for the keys of
 * a config file that become options (cli/monitor_config.c). */
int cg_cli_opts_has(const cg_cli_opt *opt, size_t n, const char *name);
/* The candidate a mistyped word most likely meant (at most two edits
 * away, or a word it begins), or NULL: the "did you mean" of unknown
 * options and commands. */
const char *cg_cli_suggest(const char *word, const char *const *cand, size_t n);
/* 1 when no operand follows the options; else 0 after "caguard CMD:
 * unexpected argument 'X'" (the command exits CG_EXIT_USAGE). */
int cg_cli_opts_no_operands(const char *cmd, int argc, char **argv);

/* A command made of subcommands (incident, policy, alerts, store): its
 * table of names and functions, each called with argv from its name on. */
typedef struct cg_cli_sub {
    const char *name;
    int (*fn)(int argc, char **argv);
} cg_cli_sub;

/* Runs the subcommand named by argv[1]. Without one: the help on stderr,
 * CG_EXIT_USAGE; -h, --help or help: the help on stdout, CG_EXIT_OK; a name
 * not in the table: "caguard CMD: unknown subcommand 'X' (the table's
 * names)", CG_EXIT_USAGE. */
int cg_cli_subcommand(const char *cmd, void (*help)(FILE *f), const cg_cli_sub *sub, size_t n,
                      int argc, char **argv);

/* ---- what check and ingest read alike ---- */

typedef struct cg_cli_check_args {
    cg_out_format format;
    int color; /* default: on a terminal, unless NO_COLOR is set */
    int64_t at;
    cg_cli_loglists lists;
    int no_br_profile; /* --no-br-profile: the TLS BR certificate profile off */
    int br_profile;    /* --br-profile: the default, accepted for older scripts */
} cg_cli_check_args;

/* Defaults: text, colour as above, evaluated now, the shipped log lists
 * when no --loglist is given. */
void cg_cli_check_args_init(cg_cli_check_args *a);
/* The entries of --format, --at, --color and the log lists. */
#define CG_CLI_CHECK_OPTS(a)                                                                      \
    {"format", CG_CLI_OPT_FORMAT, &(a)->format, 0, NULL},                                         \
        {"at", CG_CLI_OPT_TIME, &(a)->at, 0, NULL},                                               \
        {"loglist", CG_CLI_OPT_LOGLIST, &(a)->lists, 0, NULL},                                    \
        {"loglist-sig", CG_CLI_OPT_LOGLIST_SIG, &(a)->lists, 0, NULL},                            \
        {"loglist-key", CG_CLI_OPT_LOGLIST_KEY, &(a)->lists, 0, NULL},                            \
        {"no-default-loglists", CG_CLI_OPT_FLAG, &(a)->lists.no_defaults, 0, NULL},               \
        {"br-profile", CG_CLI_OPT_FLAG, &(a)->br_profile, 0, NULL},                               \
        {"no-br-profile", CG_CLI_OPT_FLAG, &(a)->no_br_profile, 0, NULL},                         \
    {                                                                                             \
        "color", CG_CLI_OPT_COLOR, &(a)->color, 0, NULL                                           \
    }
/* The help lines of --br-profile and --no-br-profile. */
#define CG_CLI_PROFILE_HELP                                                                       \
    "  --no-br-profile      do not hold certificates to the TLS BR certificate profile\n"          \
    "                       (the cert.* rules) nor CRLs to its AlgorithmIdentifiers\n"             \
    "                       (crl.algorithm_invalid); by default they are\n"                        \
    "  --br-profile         the profile on (the default; kept for older scripts)\n"
/* After the options: "no input files" when there is no operand, colour off
 * for JSON, --br-profile with --no-br-profile refused, and the output on
 * stdout into *out. CG_EXIT_OK, or
 * CG_EXIT_USAGE (the message printed). */
int cg_cli_check_args_output(cg_cli_check_args *a, const char *cmd, int argc, cg_out **out);

#endif
