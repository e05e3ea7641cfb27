/* Findings to JSON Lines and to text. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report/output.h"
#include "testutil.h"

/* A Name: C=US, O=Let's Encrypt, CN=R3. */
static const uint8_t name[] = {0x30, 0x32, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04,
                               0x06, 0x13, 0x02, 0x55, 0x53, 0x31, 0x16, 0x30, 0x14, 0x06,
                               0x03, 0x55, 0x04, 0x0a, 0x13, 0x0d, 0x4c, 0x65, 0x74, 0x27,
                               0x73, 0x20, 0x45, 0x6e, 0x63, 0x72, 0x79, 0x70, 0x74, 0x31,
                               0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03, 0x13, 0x02,
                               0x52, 0x33};
static const uint8_t serial[] = {0x00, 0xab, 0x01};

static char *run(cg_out_format fmt, int color, int two_objects)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    cg_out *out = cg_out_new(f, fmt, color);
    cg_ctx ctx;
    cg_objref a, b;
    memset(&a, 0, sizeof(a));
    a.file = "x.pem";
    a.index = 2;
    a.kind = CG_KIND_PRECERT;
    a.has_hash = 1;
    memset(a.sha256, 0xab, 32);
    cg_cbs_init(&a.issuer, name, sizeof(name));
    cg_cbs_init(&a.serial, serial, sizeof(serial));
    b = a;
    b.index = 3;
    b.has_hash = 0;
    b.kind = CG_KIND_INPUT;
    cg_cbs_init(&b.issuer, NULL, 0);
    cg_cbs_init(&b.serial, NULL, 0);
    cg_ctx_init(&ctx, 0, cg_out_sink, out);
    cg_report(&ctx, CG_R_CT_PRECERT_SCT_LIST_PRESENT, &a, "has \"quotes\" and \xc3\xa9");
    cg_report(&ctx, CG_R_CRL_IDP_MISSING, &a, "second");
    if (two_objects) {
        cg_field fl[3] = {{"revoked", CG_FIELD_BOOL, NULL, 0},
                          {"revocation_date", CG_FIELD_NULL, NULL, 0},
                          {"reason", CG_FIELD_STRING, "keyCompromise", 0}};
        cg_report_fields(&ctx, CG_R_REVOCATION_STATUS, &b, fl, 3, "third");
    }
    cg_out_summary(out, &ctx, 4, 1);
    cg_out_free(out);
    fclose(f);
    return text;
}

static void test_json(void)
{
    char *text = run(CG_OUT_JSON, 0, 1);
    char *save = NULL, *line;
    int n = 0;
    CHECK(text != NULL);
    for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        json_error_t e;
        json_t *j = json_loads(line, 0, &e);
        CHECK(j != NULL);
        if (j == NULL)
            continue;
        n++;
        static const char *keys[] = {"rule", "severity", "file", "index", "kind", "object",
                                     "issuer", "serial", "message", "reference"};
        for (size_t k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
            CHECK(json_object_get(j, keys[k]) != NULL);
        if (n == 1) {
            CHECK(strcmp(json_string_value(json_object_get(j, "rule")),
                         "ct.precert.sct_list_present") == 0);
            CHECK(strcmp(json_string_value(json_object_get(j, "severity")), "error") == 0);
            CHECK(json_integer_value(json_object_get(j, "index")) == 2);
            CHECK(strcmp(json_string_value(json_object_get(j, "kind")), "precertificate") == 0);
            CHECK(strncmp(json_string_value(json_object_get(j, "object")), "abab", 4) == 0);
            CHECK(strcmp(json_string_value(json_object_get(j, "issuer")),
                         "CN=R3,O=Let's Encrypt,C=US") == 0);
            CHECK(strcmp(json_string_value(json_object_get(j, "serial")), "ab01") == 0);
            CHECK(strcmp(json_string_value(json_object_get(j, "message")),
                         "has \"quotes\" and \xc3\xa9") == 0);
        }
        if (n == 3) {
            CHECK(json_is_null(json_object_get(j, "object")));
            CHECK(json_is_null(json_object_get(j, "issuer")));
            CHECK(json_is_null(json_object_get(j, "serial")));
            CHECK(json_is_false(json_object_get(j, "revoked")));
            CHECK(json_is_null(json_object_get(j, "revocation_date")));
            CHECK(strcmp(json_string_value(json_object_get(j, "reason")), "keyCompromise") == 0);
        }
        json_decref(j);
    }
    CHECK(n == 3); /* and no summary line in JSON */
    free(text);
}

static void test_text(void)
{
    char *text = run(CG_OUT_TEXT, 0, 1);
    CHECK(text != NULL && strstr(text, "x.pem #2: precertificate\n") != NULL);
    /* One header for the two findings of object 2, then one for object 3. */
    CHECK(strstr(text, "x.pem #3: input\n") != NULL);
    char *first = strstr(text, "x.pem #2"), *again = first ? strstr(first + 1, "x.pem #2") : NULL;
    CHECK(first != NULL && again == NULL);
    CHECK(strstr(text, "  issuer  CN=R3,O=Let's Encrypt,C=US\n") != NULL);
    CHECK(strstr(text, "  error   ct.precert.sct_list_present: has") != NULL);
    CHECK(strstr(text, "[RFC 6962 §3.1, §3.3]") != NULL);
    CHECK(strstr(text, "\033[") == NULL);
    CHECK(strstr(text, "4 objects in 1 file checked, 2 with findings: 1 error, 0 warnings, "
                       "2 notices\n") != NULL);
    free(text);
    text = run(CG_OUT_TEXT, 1, 0);
    CHECK(text != NULL && strstr(text, "\033[1;31merror") != NULL);
    free(text);
}

int main(void)
{
    test_json();
    test_text();
    return cg_test_done();
}
