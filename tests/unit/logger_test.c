/* obs/log: the three forms of a line (terminal text, stamped text, JSON
 * that jansson parses back), redaction, control bytes, the journal's
 * priority prefix, quiet. */
#include <jansson.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "obs/logger.h"
#include "testutil.h"
#include "x509/time.h"

/* What lg wrote to its temporary file since the last call. */
static char *take(FILE *f)
{
    static char buf[65536];
    size_t n;
    fflush(f);
    rewind(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    rewind(f);
    if (ftruncate(fileno(f), 0) != 0)
        buf[0] = '\0';
    return buf;
}

static int matches(const char *s, const char *re)
{
    regex_t r;
    int ok;
    if (regcomp(&r, re, REG_EXTENDED | REG_NOSUB) != 0)
        return 0;
    ok = regexec(&r, s, 0, NULL, 0) == 0;
    regfree(&r);
    if (!ok)
        fprintf(stderr, "  \"%s\" !~ /%s/\n", s, re);
    return ok;
}

int main(void)
{
    FILE *f = tmpfile();
    cg_logger lg;
    cg_logger_format fmt;
    char *out;
    CHECK(f != NULL);
    if (f == NULL)
        return cg_test_done();
    unsetenv("JOURNAL_STREAM");

    /* A file is not a terminal: stamped. */
    cg_logger_init(&lg, f, CG_LOGGER_TEXT, "caguard monitor");
    CHECK(lg.stamp && !lg.journal);
    cg_logger_say(&lg, CG_LOGGER_WARNING, "%s: %d failures", "https://ct.example/log/", 3);
    out = take(f);
    CHECK(matches(out, "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{3})?Z "
                       "warning caguard monitor: https://ct.example/log/: 3 failures\n$"));
    /* The time is now (within a minute) and parses as RFC 3339. */
    {
        char stamp[40];
        int64_t t = 0;
        sscanf(out, "%39s", stamp);
        CHECK(cg_time_parse_rfc3339(stamp, &t) && llabs(t - (int64_t)time(NULL)) < 60);
    }

    /* A terminal's form: as a person reads it. */
    lg.stamp = 0;
    cg_logger_say(&lg, CG_LOGGER_INFO, "at %d of %d", 5, 10);
    CHECK(strcmp(take(f), "caguard monitor: at 5 of 10\n") == 0);

    /* Secrets, control bytes, non-ASCII. */
    cg_logger_say(&lg, CG_LOGGER_ERROR, "crl http://u:S3cret@h/ca.crl: \033[2J\r\nbad\xc3\xa9");
    out = take(f);
    CHECK(strcmp(out, "caguard monitor: crl http://u:***@h/ca.crl: ?[2J??bad??\n") == 0);
    CHECK(strstr(out, "S3cret") == NULL);

    /* quiet drops info, keeps warnings and errors. */
    lg.quiet = 1;
    cg_logger_say(&lg, CG_LOGGER_INFO, "progress");
    CHECK(take(f)[0] == '\0');
    cg_logger_say(&lg, CG_LOGGER_ERROR, "store failed");
    CHECK(strcmp(take(f), "caguard monitor: store failed\n") == 0);
    lg.quiet = 0;

    /* JSON: one object a line that a JSON parser reads back. */
    CHECK(cg_logger_format_parse("json", &fmt) && fmt == CG_LOGGER_JSON);
    CHECK(cg_logger_format_parse("text", &fmt) && fmt == CG_LOGGER_TEXT);
    CHECK(!cg_logger_format_parse("xml", &fmt));
    cg_logger_init(&lg, f, CG_LOGGER_JSON, "caguard monitor");
    cg_logger_say(&lg, CG_LOGGER_WARNING, "say \"hi\" \\ to postgresql://a:pw@h/db\tnow");
    out = take(f);
    {
        json_error_t e;
        size_t len = strlen(out);
        CHECK(len > 0 && out[len - 1] == '\n' && strchr(out, '\n') == out + len - 1);
        json_t *j = json_loads(out, 0, &e);
        CHECK(j != NULL);
        if (j != NULL) {
            const char *msg = json_string_value(json_object_get(j, "msg"));
            int64_t t = 0;
            CHECK(json_object_size(j) == 4);
            CHECK(strcmp(json_string_value(json_object_get(j, "level")), "warning") == 0);
            CHECK(strcmp(json_string_value(json_object_get(j, "source")), "caguard monitor") == 0);
            CHECK(msg != NULL && strcmp(msg, "say \"hi\" \\ to postgresql://a:***@h/db?now") == 0);
            CHECK(cg_time_parse_rfc3339(json_string_value(json_object_get(j, "time")), &t));
            json_decref(j);
        }
    }

    /* The journal's stream: the syslog priority first. */
    {
        struct stat st;
        char js[64];
        CHECK(fstat(fileno(f), &st) == 0);
        snprintf(js, sizeof(js), "%llu:%llu", (unsigned long long)st.st_dev,
                 (unsigned long long)st.st_ino);
        setenv("JOURNAL_STREAM", js, 1);
        cg_logger_init(&lg, f, CG_LOGGER_TEXT, "caguard monitor");
        CHECK(lg.journal);
        cg_logger_say(&lg, CG_LOGGER_WARNING, "w");
        CHECK(matches(take(f), "^<4>[0-9T:.Z-]+ warning caguard monitor: w\n$"));
        cg_logger_say(&lg, CG_LOGGER_ERROR, "e");
        CHECK(matches(take(f), "^<3>"));
        cg_logger_say(&lg, CG_LOGGER_INFO, "i");
        CHECK(matches(take(f), "^<6>"));
        setenv("JOURNAL_STREAM", "1:2", 1);
        cg_logger_init(&lg, f, CG_LOGGER_TEXT, "x");
        CHECK(!lg.journal);
        unsetenv("JOURNAL_STREAM");
    }
    fclose(f);
    return cg_test_done();
}
