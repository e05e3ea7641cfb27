/* util/redact: every secret form hidden, everything else kept byte for
 * byte, cut output terminated, and libpq's own messages about a URI (the
 * ones libpq 15 writes, copied from a run on a malformed URI) cleaned of the
 * URI's password. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"
#include "util/redact.h"

static int redacts_to(const char *in, const char *want)
{
    char out[512];
    size_t n = cg_redact(in, out, sizeof(out));
    if (strcmp(out, want) != 0 || n != strlen(want)) {
        fprintf(stderr, "  cg_redact(\"%s\")\n  = \"%s\"\n  want \"%s\"\n", in, out, want);
        return 0;
    }
    return 1;
}

static int with_to(const char *msg, const char *source, const char *want)
{
    char out[512];
    cg_redact_with(msg, source, out, sizeof(out));
    if (strcmp(out, want) != 0) {
        fprintf(stderr, "  cg_redact_with(\"%s\")\n  = \"%s\"\n  want \"%s\"\n", msg, out, want);
        return 0;
    }
    return 1;
}

static void userinfo(void)
{
    CHECK(redacts_to("postgresql://user:S3cret@db.example/caguard",
                     "postgresql://user:***@db.example/caguard"));
    CHECK(redacts_to("postgres://u:p%40ss@h:5432/db?sslmode=require",
                     "postgres://u:***@h:5432/db?sslmode=require"));
    /* An unescaped '@' or '/' in the password: hidden whole. */
    CHECK(redacts_to("postgresql://u:p@ss@h/db", "postgresql://u:***@h/db"));
    CHECK(redacts_to("postgresql://u:a/b@h/db", "postgresql://u:***@h/db"));
    CHECK(redacts_to("postgresql://a:b:c@h", "postgresql://a:***@h"));
    /* No '//' (a mistyped URI). */
    CHECK(redacts_to("postgresql:u:pw@h/db", "postgresql:u:***@h/db"));
    CHECK(redacts_to("see https://bot:tok3n@log.example/ct/v1/ now",
                     "see https://bot:***@log.example/ct/v1/ now"));
    /* In a JSON string and in a quoted message. */
    CHECK(redacts_to("{\"url\":\"https://u:pw@h/x\"}", "{\"url\":\"https://u:***@h/x\"}"));
    CHECK(redacts_to("in URI (expected \":\" or \"/\"): \"postgresql://u:pw@[::1/db\"",
                     "in URI (expected \":\" or \"/\"): \"postgresql://u:***@[::1/db\""));
    /* Nothing secret: unchanged. */
    CHECK(redacts_to("postgresql://user@host/db", "postgresql://user@host/db"));
    CHECK(redacts_to("postgresql://user:@host/db", "postgresql://user:@host/db"));
    CHECK(redacts_to("http://127.0.0.1:40041/files/main.crl",
                     "http://127.0.0.1:40041/files/main.crl"));
    CHECK(redacts_to("at 2024-01-01T12:00:00Z mail ops@ca.example",
                     "at 2024-01-01T12:00:00Z mail ops@ca.example"));
    CHECK(redacts_to("C:x@y and mailto:ops@ca.example", "C:x@y and mailto:ops@ca.example"));
    CHECK(redacts_to("", ""));
}

static void params(void)
{
    CHECK(redacts_to("postgresql:///caguard?host=/run/postgresql&password=S3cret&user=x",
                     "postgresql:///caguard?host=/run/postgresql&password=***&user=x"));
    CHECK(redacts_to("host=db password='a b\\'c' dbname=x", "host=db password=*** dbname=x"));
    CHECK(redacts_to("host=db password=\"q q\" port=1", "host=db password=*** port=1"));
    CHECK(redacts_to("host=db PASSWORD=x sslpassword=y", "host=db PASSWORD=*** sslpassword=***"));
    CHECK(redacts_to("?api_token=abc&pass=d&passwd=e&pwd=f&client_secret=g#frag",
                     "?api_token=***&pass=***&passwd=***&pwd=***&client_secret=***#frag"));
    CHECK(redacts_to("password='unterminated", "password=***"));
    CHECK(redacts_to("password=", "password="));
    /* Not secret names. */
    CHECK(redacts_to("passfile=/etc/pgpass user=x compass=y",
                     "passfile=/etc/pgpass user=x compass=y"));
    CHECK(redacts_to("a = password", "a = password"));
}

static void cut_and_dup(void)
{
    char out[12];
    const char *in = "postgresql://u:secret@h/db";
    size_t n = cg_redact(in, out, sizeof(out));
    CHECK(n == strlen("postgresql://u:***@h/db"));
    CHECK(strcmp(out, "postgresql:") == 0);
    CHECK(cg_redact(in, NULL, 0) == n);
    /* A cut inside the mark never shows a secret byte. */
    char small[18];
    cg_redact(in, small, sizeof(small));
    CHECK(strcmp(small, "postgresql://u:**") == 0);
    char *d = cg_redact_dup(in);
    CHECK(d != NULL && strcmp(d, "postgresql://u:***@h/db") == 0);
    free(d);
    CHECK(cg_redact_has_secret(in));
    CHECK(cg_redact_has_secret("x password=1"));
    CHECK(!cg_redact_has_secret("postgresql://u@h/db?sslmode=require"));
}

static void with_source(void)
{
    /* libpq quotes the piece it could not decode: the raw password. */
    CHECK(with_to("invalid percent-encoded token: \"pw%zzsecret\"",
                  "postgresql://u:pw%zzsecret@h/db", "invalid percent-encoded token: \"***\""));
    /* The percent-decoded password. */
    CHECK(with_to("password authentication failed for \"p@ssword\"",
                  "postgresql://u:p%40ssword@h/db", "password authentication failed for \"***\""));
    /* libpq cut the userinfo at the first '@': the rest became a host. */
    CHECK(with_to("could not translate host name \"efgh@host\" to address",
                  "postgresql://u:abcd@efgh@host/db",
                  "could not translate host name \"***@host\" to address"));
    /* A password query parameter, quoted or not. */
    CHECK(with_to("forbidden value %00 in percent-encoded value: \"zz%00top\"",
                  "postgresql:///db?password=zz%00top",
                  "forbidden value %00 in "
                  "percent-encoded value: \"***\""));
    CHECK(with_to("bad 'a b' here", "host=h password='a b'", "bad *** here"));
    CHECK(with_to("bad a b1 here", "host=h password='a b1'", "bad *** here"));
    /* Secrets shorter than 4 bytes are only hidden where their form shows. */
    CHECK(with_to("pw is in the text", "postgresql://u:pw@h/db", "pw is in the text"));
    /* The message's own URIs are redacted too. */
    CHECK(with_to("cannot open postgresql://u:zz@h/db", "postgresql://u:zz@h/db",
                  "cannot open postgresql://u:***@h/db"));
}

int main(void)
{
    userinfo();
    params();
    cut_and_dup();
    with_source();
    return cg_test_done();
}
