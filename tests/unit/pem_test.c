/* PEM/DER framing (the base64 codec itself: util_test). */
#include <stdlib.h>
#include <string.h>

#include "der/pem.h"
#include "testutil.h"

static cg_input_status next_of(cg_input *in, cg_input_obj *obj, cg_der_error *err)
{
    return cg_input_next(in, obj, err);
}

static void test_pem(void)
{
    const char *two = "junk before\n-----BEGIN CERTIFICATE-----\nMAMCAQU=\n"
                      "-----END CERTIFICATE-----\ntext\n-----BEGIN X509 CRL-----\nMAA=\n"
                      "-----END X509 CRL-----\n-----BEGIN PRIVATE KEY-----\nMAA=\n"
                      "-----END PRIVATE KEY-----\n";
    cg_input in;
    cg_input_obj obj;
    cg_der_error err;
    cg_input_init(&in, (const uint8_t *)two, strlen(two));
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_OBJECT && obj.index == 0 &&
          obj.label == CG_PEM_LABEL_CERT && obj.der_len == 5 && obj.line == 2);
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_OBJECT && obj.index == 1 &&
          obj.label == CG_PEM_LABEL_CRL && obj.der_len == 2);
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_OBJECT && obj.index == 2 &&
          obj.label == CG_PEM_LABEL_OTHER && strcmp(obj.label_text, "PRIVATE KEY") == 0);
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_END);
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_END);
    cg_input_cleanup(&in);

    /* No END line: an error naming the block, then the end. */
    const char *noend = "-----BEGIN CERTIFICATE-----\nMAMCAQU=\n";
    cg_input_init(&in, (const uint8_t *)noend, strlen(noend));
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_ERROR && obj.index == 0 &&
          strstr(err.what, "END") != NULL);
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_END);
    cg_input_cleanup(&in);

    /* A block missing its END before the next BEGIN: error, then recovery. */
    const char *missing = "-----BEGIN CERTIFICATE-----\nMAMCAQU=\n"
                          "-----BEGIN CERTIFICATE-----\nMAMCAQU=\n-----END CERTIFICATE-----\n";
    cg_input_init(&in, (const uint8_t *)missing, strlen(missing));
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_ERROR && obj.index == 0);
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_OBJECT && obj.index == 1);
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_END);
    cg_input_cleanup(&in);

    /* Bad base64: the file offset of the bad character. */
    const char *badb64 = "-----BEGIN CERTIFICATE-----\nMA*CAQU=\n-----END CERTIFICATE-----\n";
    cg_input_init(&in, (const uint8_t *)badb64, strlen(badb64));
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_ERROR && err.offset == 30 &&
          strstr(err.what, "line 2") != NULL);
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_END);
    cg_input_cleanup(&in);

    /* Mismatched END label. */
    const char *mism = "-----BEGIN CERTIFICATE-----\nMAA=\n-----END X509 CRL-----\n";
    cg_input_init(&in, (const uint8_t *)mism, strlen(mism));
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_ERROR);
    cg_input_cleanup(&in);

    /* Empty block, empty file, garbage. */
    const char *emptyblk = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
    cg_input_init(&in, (const uint8_t *)emptyblk, strlen(emptyblk));
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_ERROR);
    cg_input_cleanup(&in);
    cg_input_init(&in, (const uint8_t *)"", 0);
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_ERROR && strstr(err.what, "empty") != NULL);
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_END);
    cg_input_cleanup(&in);
    cg_input_init(&in, (const uint8_t *)"\x01\x02garbage", 9);
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_ERROR && strstr(err.what, "0x01") != NULL);
    cg_input_cleanup(&in);
    /* Unterminated BEGIN line. */
    cg_input_init(&in, (const uint8_t *)"-----BEGIN CERTIF", 17);
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_ERROR);
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_END);
    cg_input_cleanup(&in);

    /* Raw DER: one object, the whole file. */
    static const uint8_t der[] = {0x30, 0x03, 0x02, 0x01, 0x05, 0xff};
    cg_input_init(&in, der, sizeof(der));
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_OBJECT && obj.der == der &&
          obj.der_len == sizeof(der) && obj.label == CG_PEM_LABEL_NONE);
    CHECK(next_of(&in, &obj, &err) == CG_INPUT_END);
    cg_input_cleanup(&in);
}

/* Every prefix of a valid PEM file frames cleanly: an object, an error or
 * the end, never a crash (ASan watches the reads). */
static void test_truncations(void)
{
    size_t len;
    uint8_t *pem = cg_test_read("le2023/good/final.pem", &len);
    CHECK(pem != NULL);
    if (pem == NULL)
        return;
    for (size_t cut = 0; cut <= len; cut++) {
        uint8_t *copy = malloc(cut + 1);
        cg_input in;
        cg_input_obj obj;
        cg_der_error err;
        memcpy(copy, pem, cut);
        cg_input_init(&in, copy, cut);
        int steps = 0;
        while (next_of(&in, &obj, &err) != CG_INPUT_END && steps < 10)
            steps++;
        CHECK(steps < 10);
        cg_input_cleanup(&in);
        free(copy);
    }
    free(pem);
}

int main(void)
{
    test_pem();
    test_truncations();
    return cg_test_done();
}
