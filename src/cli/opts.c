/* The options of every command (opts.h): one loop over a command's table,
 * and the values several commands share (--format text|json, --color,
 * RFC 3339 times, the log lists), parsed once with the same messages
 * everywhere. */
#include "cli/opts.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "util/time.h"
#include "x509/time.h"

/* getopt_long's value of table entry i; 'h' is the help. */
#define OPT_BASE 256

int cg_cli_opt_format(const char *cmd, const char *arg, cg_out_format *format)
{
    if (strcmp(arg, "text") == 0) {
        *format = CG_OUT_TEXT;
        return 1;
    }
    if (strcmp(arg, "json") == 0) {
#if CAGUARD_HAVE_JSON
        *format = CG_OUT_JSON;
        return 1;
#else
        cg_cli_usage_error(cmd, "--format json is not in this build of caguard (configured "
                                "without CAGUARD_WITH_JSON)");
        return 0;
#endif
    }
    cg_cli_usage_error(cmd, "--format must be text or json, not '%s'", arg);
    return 0;
}

int cg_cli_opt_color(const char *cmd, const char *arg, int *color)
{
    if (strcmp(arg, "always") == 0)
        *color = 1;
    else if (strcmp(arg, "never") == 0)
        *color = 0;
    else if (strcmp(arg, "auto") != 0) {
        cg_cli_usage_error(cmd, "--color must be auto, always or never, not '%s'", arg);
        return 0;
    }
    return 1;
}

int cg_cli_opt_time(const char *cmd, const char *opt, const char *arg, int64_t *t)
{
    /* "now", a plain date (its midnight, UTC) or an RFC 3339 time */
    char full[40];
    if (strcmp(arg, "now") == 0) {
        *t = (int64_t)time(NULL);
        return 1;
    }
    if (strlen(arg) == 10 && snprintf(full, sizeof(full), "%sT00:00:00Z", arg) > 0 &&
        cg_time_parse_rfc3339(full, t))
        return 1;
    if (cg_time_parse_rfc3339(arg, t))
        return 1;
    cg_cli_usage_error(cmd,
                       "%s '%s' is not a date or time: give 2024-06-01, 2024-06-01T12:00:00Z "
                       "(RFC 3339) or now",
                       opt, arg);
    return 0;
}

void cg_cli_opts_init(cg_cli_opts *p, const char *cmd, void (*help)(FILE *f),
                      const cg_cli_opt *opt, size_t n, int argc, char **argv)
{
    size_t k = 0;
    memset(p, 0, sizeof(*p));
    p->cmd = cmd;
    p->help = help;
    p->opt = opt;
    p->n = n < CG_CLI_OPTS_MAX ? n : CG_CLI_OPTS_MAX;
    p->argc = argc;
    p->argv = argv;
    for (size_t i = 0; i < p->n; i++, k++) {
        int has_value = opt[i].kind != CG_CLI_OPT_KEY && opt[i].kind != CG_CLI_OPT_FLAG;
        p->lo[k].name = opt[i].name;
        p->lo[k].has_arg = has_value ? required_argument : no_argument;
        p->lo[k].flag = NULL;
        p->lo[k].val = OPT_BASE + (int)i;
    }
    p->lo[k].name = "help";
    p->lo[k].has_arg = no_argument;
    p->lo[k].val = 'h';
    /* p->lo[k + 1] stays zero: the end of the table */
    optind = 1;
}

/* Stores the value of a common kind; 0 after a message. */
static int store(cg_cli_opts *p, const cg_cli_opt *o, const char *v)
{
    char flag[64];
    snprintf(flag, sizeof(flag), "--%s", o->name);
    switch (o->kind) {
    case CG_CLI_OPT_FLAG:
        *(int *)o->dest = 1;
        return 1;
    case CG_CLI_OPT_STRING:
        *(const char **)o->dest = v;
        return 1;
    case CG_CLI_OPT_TIME:
        return cg_cli_opt_time(p->cmd, flag, v, o->dest);
    case CG_CLI_OPT_FORMAT:
        return cg_cli_opt_format(p->cmd, v, o->dest);
    case CG_CLI_OPT_COLOR:
        return cg_cli_opt_color(p->cmd, v, o->dest);
    case CG_CLI_OPT_LOGLIST:
        if (cg_cli_loglists_add(o->dest, v))
            return 1;
        cg_cli_usage_error(p->cmd, "at most 16 --loglist");
        return 0;
    case CG_CLI_OPT_LOGLIST_SIG:
        if (cg_cli_loglists_add_sig(o->dest, v))
            return 1;
        cg_cli_usage_error(p->cmd, "--loglist-sig must follow the --loglist it signs (one "
                                   "signature per list)");
        return 0;
    case CG_CLI_OPT_LOGLIST_KEY:
        ((cg_cli_loglists *)o->dest)->key = v;
        return 1;
    case CG_CLI_OPT_LIST: {
        cg_cli_strlist *l = o->dest;
        if (l->n == CG_CLI_STRLIST_MAX) {
            cg_cli_usage_error(p->cmd, "at most %d %s", CG_CLI_STRLIST_MAX, flag);
            return 0;
        }
        l->v[l->n++] = v;
        return 1;
    }
    case CG_CLI_OPT_SEVERITY:
        if (cg_severity_parse(v, o->dest))
            return 1;
        cg_cli_usage_error(p->cmd, "%s must be error, warning or notice, not '%s'", flag, v);
        return 0;
    default:
        return 1;
    }
}

/* Levenshtein distance of a and b, each cut to 63 bytes. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a) < 63 ? strlen(a) : 63, lb = strlen(b) < 63 ? strlen(b) : 63;
    size_t row[64];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *cg_cli_suggest(const char *word, const char *const *cand, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1;
    /* a typo, not another word: at most 2 edits, fewer for short words */
    size_t limit = strlen(word) <= 3 ? 1 : 2;
    for (size_t i = 0; i < n; i++) {
        size_t d = edit_distance(word, cand[i]);
        /* or the start of a name (--no-default for --no-default-loglists) */
        if (strlen(word) >= 3 && strncmp(word, cand[i], strlen(word)) == 0)
            d = 1;
        if (d < best_d) {
            best_d = d;
            best = cand[i];
        }
    }
    return best_d <= limit ? best : NULL;
}

/* The one line for an option getopt_long did not take: unknown, ambiguous
 * or missing its value. */
static int bad_option(cg_cli_opts *p)
{
    const char *arg = optind > 0 && optind <= p->argc ? p->argv[optind - 1] : "";
    if (optopt >= OPT_BASE && (size_t)(optopt - OPT_BASE) < p->n)
        return cg_cli_usage_error(p->cmd, "--%s needs a value", p->opt[optopt - OPT_BASE].name);
    if (strncmp(arg, "--", 2) != 0) {
        if (optopt != 0)
            return cg_cli_usage_error(p->cmd, "unknown option '-%c'", optopt);
        return cg_cli_usage_error(p->cmd, "unknown option '%s'", arg);
    }
    char name[128];
    snprintf(name, sizeof(name), "%s", arg + 2);
    name[strcspn(name, "=")] = '\0';
    const char *names[CG_CLI_OPTS_MAX + 1];
    size_t k = 0, n_prefix = 0;
    for (size_t i = 0; i < p->n; i++) {
        names[k++] = p->opt[i].name;
        n_prefix += strncmp(p->opt[i].name, name, strlen(name)) == 0;
    }
    names[k++] = "help";
    if (n_prefix > 1 && name[0] != '\0')
        return cg_cli_usage_error(p->cmd, "option '--%s' is ambiguous: give it in full", name);
    const char *s = cg_cli_suggest(name, names, k);
    if (s != NULL)
        return cg_cli_usage_error(p->cmd, "unknown option '--%s'; did you mean --%s?", name, s);
    return cg_cli_usage_error(p->cmd, "unknown option '--%s'", name);
}

int cg_cli_opts_next(cg_cli_opts *p)
{
    for (;;) {
        /* getopt_long says nothing: bad_option says it once */
        opterr = 0;
        optopt = 0;
        int c = getopt_long(p->argc, p->argv, "h", p->lo, NULL);
        p->value = NULL;
        if (c == -1)
            return 0;
        if (c == 'h') {
            p->help(stdout);
            p->status = CG_EXIT_OK;
            return -1;
        }
        if (c < OPT_BASE || (size_t)(c - OPT_BASE) >= p->n) {
            p->status = bad_option(p);
            return -1;
        }
        const cg_cli_opt *o = &p->opt[c - OPT_BASE];
        if (o->given != NULL)
            *o->given = 1;
        if (o->kind == CG_CLI_OPT_KEY || o->kind == CG_CLI_OPT_KEY_VALUE) {
            p->value = optarg;
            return o->key;
        }
        if (!store(p, o, optarg)) {
            p->status = CG_EXIT_USAGE;
            return -1;
        }
    }
}

int cg_cli_opts_parse(const char *cmd, void (*help)(FILE *f), const cg_cli_opt *opt, size_t n,
                      int argc, char **argv, int *status)
{
    cg_cli_opts p;
    int key;
    cg_cli_opts_init(&p, cmd, help, opt, n, argc, argv);
    while ((key = cg_cli_opts_next(&p)) > 0)
        ; /* a table without key options returns none */
    if (key < 0)
        *status = p.status;
    return key == 0;
}

int cg_cli_opts_has(const cg_cli_opt *opt, size_t n, const char *name)
{
    if (strcmp(name, "help") == 0)
        return 1;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(opt[i].name, name) == 0)
            return 1;
    }
    return 0;
}

int cg_cli_opts_no_operands(const char *cmd, int argc, char **argv)
{
    if (optind >= argc)
        return 1;
    cg_cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    return 0;
}

int cg_cli_subcommand(const char *cmd, void (*help)(FILE *f), const cg_cli_sub *sub, size_t n,
                      int argc, char **argv)
{
    char names[512];
    size_t len = 0;
    if (argc < 2) {
        help(stderr);
        return CG_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        help(stdout);
        return CG_EXIT_OK;
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(argv[1], sub[i].name) == 0)
            return sub[i].fn(argc - 1, argv + 1);
    }
    names[0] = '\0';
    for (size_t i = 0; i < n && len < sizeof(names); i++) {
        int w = snprintf(names + len, sizeof(names) - len, "%s%s", i > 0 ? ", " : "", sub[i].name);
        len += w > 0 ? (size_t)w : 0;
    }
    return cg_cli_usage_error(cmd, "unknown subcommand '%s' (%s)", argv[1], names);
}

/* ---- check and ingest ---- */

void cg_cli_check_args_init(cg_cli_check_args *a)
{
    memset(a, 0, sizeof(*a));
    a->format = CG_OUT_TEXT;
    a->color = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
    a->at = (int64_t)time(NULL);
    a->lists.defaults = 1;
}

int cg_cli_check_args_output(cg_cli_check_args *a, const char *cmd, int argc, cg_out **out)
{
    *out = NULL;
    if (optind >= argc)
        return cg_cli_usage_error(cmd, "no input files");
    if (a->br_profile && a->no_br_profile)
        return cg_cli_usage_error(cmd, "--br-profile and --no-br-profile contradict each other");
    if (a->format == CG_OUT_JSON)
        a->color = 0;
    *out = cg_out_new(stdout, a->format, a->color);
    return *out != NULL ? CG_EXIT_OK : CG_EXIT_USAGE;
}

void cg_cli_select_init(cg_cli_select *s)
{
    memset(s, 0, sizeof(*s));
    s->min_severity = CG_SEV_NOTICE;
    s->fail_on = CG_SEV_ERROR;
}

int cg_cli_select_build(cg_cli_select *s, const char *cmd)
{
    const char *bad;
    if (!cg_rule_select(s->skip, s->include.v, s->include.n, s->exclude.v, s->exclude.n,
                        s->min_severity, &bad)) {
        const char *ids[CG_RULE_COUNT];
        for (size_t r = 0; r < CG_RULE_COUNT; r++)
            ids[r] = cg_rule_get((cg_rule_id)r)->id;
        const char *near = cg_cli_suggest(bad, ids, CG_RULE_COUNT);
        if (near != NULL)
            return cg_cli_usage_error(cmd, "'%s' names no rule; did you mean %s?", bad, near);
        return cg_cli_usage_error(cmd, "'%s' names no rule nor prefix of one ('caguard rules' "
                                       "lists them)",
                                  bad);
    }
    return CG_EXIT_OK;
}

int cg_cli_select_apply(cg_cli_select *s, const char *cmd, cg_ctx *ctx)
{
    int rc = cg_cli_select_build(s, cmd);
    if (rc == CG_EXIT_OK)
        ctx->skip = s->skip;
    return rc;
}

void cg_cli_select_sink(void *arg, const cg_finding *f)
{
    cg_cli_select *s = arg;
    if (s->skip[f->rule])
        return;
    s->count[cg_finding_severity(f)]++;
    if (!s->quiet && s->next != NULL)
        s->next(s->next_arg, f);
}

int cg_cli_select_failed(const cg_cli_select *s, const size_t count[3])
{
    for (int sev = CG_SEV_ERROR; sev <= (int)s->fail_on; sev++) {
        if (count[sev] > 0)
            return 1;
    }
    return 0;
}

void cg_cli_select_say_none(const cg_cli_select *s, const size_t found[3], const char *what,
                            int64_t at)
{
    char when[32];
    if (s->quiet || s->count[0] + s->count[1] + s->count[2] > 0)
        return;
    cg_time_format(at, when, sizeof(when));
    printf("no %s finding%s at %s\n", what,
           found[0] + found[1] + found[2] > 0 ? " of the rules selected" : "", when);
}

int cg_cli_select_exit(const cg_cli_select *s, const char *cmd, int unusable,
                       const size_t count[3])
{
    if (!cg_cli_flush(cmd) || unusable)
        return CG_EXIT_USAGE;
    return cg_cli_select_failed(s, count) ? CG_EXIT_FINDINGS : CG_EXIT_OK;
}
