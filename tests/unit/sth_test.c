/* Signed tree heads and checkpoints (src/ct/sth.c). Signatures made with
 * the test log keys of tests/data/sct are checked against OpenSSL over a
 * TreeHeadSignature written out byte by byte here (RFC 6962 §3.5), the
 * checkpoint key ID against SHA-256 computed here (c2sp.org/static-ct-api),
 * and the checkpoint reader against every malformation of a signed note
 * that matters (c2sp.org/signed-note, c2sp.org/tlog-checkpoint). */
#include "ct/sth.h"
#include "testutil.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static EVP_PKEY *load_key(const char *path)
{
    size_t len = 0;
    uint8_t *pem = cg_test_read(path, &len);
    BIO *b = pem != NULL ? BIO_new_mem_buf(pem, (int)len) : NULL;
    EVP_PKEY *k = b != NULL ? PEM_read_bio_PrivateKey(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    free(pem);
    CHECK(k != NULL);
    return k;
}

/* OpenSSL alone over the hand-written TreeHeadSignature. */
static int oracle_verify(EVP_PKEY *key, const cg_sth *sth)
{
    uint8_t tbs[50];
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pctx = NULL;
    int ok;

    tbs[0] = 0; /* v1 */
    tbs[1] = 1; /* tree_hash */
    for (int i = 0; i < 8; i++) {
        tbs[2 + i] = (uint8_t)(sth->timestamp >> (56 - 8 * i));
        tbs[10 + i] = (uint8_t)(sth->tree_size >> (56 - 8 * i));
    }
    memcpy(tbs + 18, sth->root, 32);
    ok = ctx != NULL && EVP_DigestVerifyInit(ctx, &pctx, EVP_sha256(), NULL, key) == 1 &&
         (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA ||
          EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) == 1) &&
         EVP_DigestVerify(ctx, sth->sig, sth->sig_len, tbs, sizeof(tbs)) == 1;
    EVP_MD_CTX_free(ctx);
    ERR_clear_error();
    return ok;
}

static void sample(cg_sth *sth)
{
    memset(sth, 0, sizeof(*sth));
    sth->tree_size = 70000;
    sth->timestamp = 1740787200123;
    for (int i = 0; i < 32; i++)
        sth->root[i] = (uint8_t)(i * 7 + 1);
}

static void test_sign_verify(void)
{
    static const char *const keys[] = {"sct/log_ec.key.pem", "sct/log_rsa.key.pem",
                                       "sct/log_p384.key.pem"};
    EVP_PKEY *other = load_key("sct/log_ec.key.pem");
    uint8_t tbs[CG_STH_TBS_LEN];
    char why[160];

    for (size_t k = 0; k < 3; k++) {
        EVP_PKEY *key = load_key(keys[k]);
        cg_sth sth, bad;
        int rsa = EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA;

        sample(&sth);
        CHECK(cg_sth_tbs(&sth, tbs));
        CHECK(tbs[0] == 0 && tbs[1] == 1 && tbs[17] == (70000 & 0xff));
        CHECK(cg_ct_key_usable(key, why, sizeof(why)));
        CHECK(cg_sth_sign(&sth, key));
        CHECK(sth.hash_alg == CG_TLS_HASH_SHA256);
        CHECK(sth.sig_alg == (rsa ? CG_TLS_SIG_RSA : CG_TLS_SIG_ECDSA));
        CHECK(oracle_verify(key, &sth));
        CHECK(cg_sth_verify(&sth, key, why, sizeof(why)));
        CHECK(why[0] == '\0');

        /* Every field is covered by the signature. */
        bad = sth;
        bad.tree_size++;
        CHECK(!cg_sth_verify(&bad, key, why, sizeof(why)));
        CHECK(strstr(why, "does not verify") != NULL);
        bad = sth;
        bad.timestamp--;
        CHECK(!cg_sth_verify(&bad, key, NULL, 0));
        bad = sth;
        bad.root[31] ^= 1;
        CHECK(!cg_sth_verify(&bad, key, NULL, 0));
        bad = sth;
        bad.sig[bad.sig_len / 2] ^= 0x40;
        CHECK(!cg_sth_verify(&bad, key, NULL, 0));
        bad = sth;
        bad.hash_alg = 5;
        CHECK(!cg_sth_verify(&bad, key, why, sizeof(why)));
        CHECK(strstr(why, "SHA-256") != NULL);
        bad = sth;
        bad.sig_alg = rsa ? CG_TLS_SIG_ECDSA : CG_TLS_SIG_RSA;
        CHECK(!cg_sth_verify(&bad, key, why, sizeof(why)));
        CHECK(strstr(why, "does not fit") != NULL);
        /* Another log's key. */
        if (k != 0)
            CHECK(!cg_sth_verify(&sth, other, NULL, 0));

        /* tree_head_signature encoding */
        {
            uint8_t buf[CG_CT_MAX_SIG + 4];
            size_t len = 0;
            cg_cbb cbb;
            cg_sth back;
            sample(&back);
            cg_cbb_init_fixed(&cbb, buf, sizeof(buf));
            CHECK(cg_sth_signature_write(&cbb, &sth) && cg_cbb_finish(&cbb, &len));
            CHECK(len == 4 + sth.sig_len && buf[0] == 4 && buf[1] == sth.sig_alg);
            CHECK(cg_sth_signature_parse(&back, buf, len));
            CHECK(cg_sth_verify(&back, key, NULL, 0));
            for (size_t n = 0; n < len; n++)
                CHECK(!cg_sth_signature_parse(&back, buf, n));
            buf[len] = 0;
            CHECK(!cg_sth_signature_parse(&back, buf, len + 1));
        }
        EVP_PKEY_free(key);
    }
    EVP_PKEY_free(other);
}

static void test_key_checks(void)
{
    EVP_PKEY *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    EVP_PKEY *small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
    EVP_PKEY *p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
    uint8_t sig[CG_CT_MAX_SIG], h, s;
    size_t len;
    char why[160];

    CHECK(ed != NULL && small != NULL && p521 != NULL);
    CHECK(!cg_ct_key_usable(ed, why, sizeof(why)) && strstr(why, "neither") != NULL);
    CHECK(!cg_ct_key_usable(small, why, sizeof(why)) && strstr(why, "1024") != NULL);
    CHECK(!cg_ct_key_usable(p521, why, sizeof(why)) && strstr(why, "P-256") != NULL);
    CHECK(!cg_ct_sign(ed, (const uint8_t *)"x", 1, &h, &s, sig, sizeof(sig), &len));
    CHECK(!cg_ct_key_usable(NULL, NULL, 0));
    EVP_PKEY_free(ed);
    EVP_PKEY_free(small);
    EVP_PKEY_free(p521);
    ERR_clear_error();
}

/* ---- checkpoints ---- */

static char note[2048];
static size_t note_len;

static void make_note(EVP_PKEY *key, const uint8_t log_id[32], cg_sth *sth)
{
    sample(sth);
    CHECK(cg_sth_sign(sth, key));
    CHECK(cg_checkpoint_write(sth, "example.com/log", log_id, note, sizeof(note), &note_len));
}

/* Replaces the first occurrence of from in note with to. */
static int edit(char *buf, const char *from, const char *to)
{
    char tmp[4096];
    char *at = strstr(note, from);
    if (at == NULL)
        return 0;
    snprintf(tmp, sizeof(tmp), "%.*s%s%s", (int)(at - note), note, to, at + strlen(from));
    strcpy(buf, tmp);
    return 1;
}

static int parse(const char *text, const uint8_t log_id[32], cg_sth *out, char *why, size_t cap)
{
    return cg_checkpoint_parse((const uint8_t *)text, strlen(text), "example.com/log", log_id, out,
                               why, cap);
}

static void test_checkpoint(void)
{
    EVP_PKEY *key = load_key("sct/log_ec.key.pem");
    uint8_t log_id[32], key_id[4], want[32];
    cg_sth sth, got;
    char buf[4096], why[200];

    CHECK(cg_ct_log_id(key, log_id));
    make_note(key, log_id, &sth);

    /* Key ID: SHA-256(name || 0x0A || 0x05 || log ID)[:4], computed here. */
    {
        uint8_t in[64];
        size_t n = strlen("example.com/log");
        memcpy(in, "example.com/log", n);
        in[n] = 0x0a;
        in[n + 1] = 0x05;
        memcpy(in + n + 2, log_id, 32);
        CHECK(EVP_Digest(in, n + 34, want, NULL, EVP_sha256(), NULL) == 1);
        CHECK(cg_checkpoint_key_id("example.com/log", log_id, key_id));
        CHECK(memcmp(key_id, want, 4) == 0);
    }

    /* The text: origin, size, root, blank line, one signature line. */
    CHECK(strncmp(note,
                  "example.com/log\n70000\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n\n"
                  "\xe2\x80\x94 example.com/log ",
                  strlen("example.com/log\n70000\nAQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=\n\n"
                         "\xe2\x80\x94 example.com/log ")) == 0);
    CHECK(note[note_len - 1] == '\n' && note_len == strlen(note));

    CHECK(parse(note, log_id, &got, why, sizeof(why)));
    CHECK(got.tree_size == sth.tree_size && got.timestamp == sth.timestamp);
    CHECK(memcmp(got.root, sth.root, 32) == 0 && got.sig_len == sth.sig_len);
    CHECK(memcmp(got.sig, sth.sig, sth.sig_len) == 0);
    CHECK(cg_sth_verify(&got, key, why, sizeof(why)));
    CHECK(oracle_verify(key, &got));
    /* NULL origin takes the note's own. */
    CHECK(cg_checkpoint_parse((const uint8_t *)note, note_len, NULL, log_id, &got, NULL, 0));

    /* Other signatures are ignored, before or after the log's. */
    snprintf(buf, sizeof(buf), "%s\xe2\x80\x94 witness.example/w AAAAAQ==\n", note);
    CHECK(parse(buf, log_id, &got, NULL, 0));
    CHECK(edit(buf, "\n\n\xe2\x80\x94",
               "\n\n\xe2\x80\x94 example.com/log AAAAAAAAAAAAAAAAAAAA\n\xe2\x80\x94"));
    CHECK(parse(buf, log_id, &got, why, sizeof(why)));

    /* Another log ID: its key ID differs, so no signature of the log. */
    {
        uint8_t other[32];
        memcpy(other, log_id, 32);
        other[0] ^= 1;
        CHECK(!parse(note, other, &got, why, sizeof(why)));
        CHECK(strstr(why, "no signature line") != NULL);
    }
    /* Origin mismatch, extension line, size forms, root forms. */
    CHECK(!cg_checkpoint_parse((const uint8_t *)note, note_len, "example.com/other", log_id, &got,
                               why, sizeof(why)));
    CHECK(strstr(why, "origin") != NULL);
    CHECK(edit(buf, "o=\n\n", "o=\nextension\n\n"));
    CHECK(!parse(buf, log_id, &got, why, sizeof(why)) && strstr(why, "extension") != NULL);
    CHECK(edit(buf, "\n70000\n", "\n070000\n"));
    CHECK(!parse(buf, log_id, &got, why, sizeof(why)) && strstr(why, "tree size") != NULL);
    CHECK(edit(buf, "\n70000\n", "\n7e4\n"));
    CHECK(!parse(buf, log_id, &got, NULL, 0));
    CHECK(edit(buf, "\n70000\n", "\n18446744073709551616\n"));
    CHECK(!parse(buf, log_id, &got, NULL, 0));
    CHECK(edit(buf, "\n70000\n", "\n\n"));
    CHECK(!parse(buf, log_id, &got, NULL, 0));
    CHECK(edit(buf, "AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=", "AQgPFh0k"));
    CHECK(!parse(buf, log_id, &got, why, sizeof(why)) && strstr(why, "root") != NULL);
    CHECK(edit(buf, "AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o=",
               "AQgPFh0kKzI5QEdOVVxjanF4f4aNlJuiqbC3vsXM09o"));
    CHECK(!parse(buf, log_id, &got, NULL, 0));
    /* A control character, no blank line, no signatures, a bad line. */
    CHECK(edit(buf, "example.com/log\n", "example.com/log\r\n"));
    CHECK(!parse(buf, log_id, &got, why, sizeof(why)) && strstr(why, "control") != NULL);
    CHECK(edit(buf, "\n\n", "\n"));
    CHECK(!parse(buf, log_id, &got, why, sizeof(why)) && strstr(why, "blank line") != NULL);
    snprintf(buf, sizeof(buf), "%.*s", (int)(strstr(note, "\n\n") - note + 2), note);
    CHECK(!parse(buf, log_id, &got, why, sizeof(why)) && strstr(why, "no signature") != NULL);
    CHECK(edit(buf, "\xe2\x80\x94 ", "- "));
    CHECK(!parse(buf, log_id, &got, NULL, 0));
    CHECK(edit(buf, "\xe2\x80\x94 example.com/log ", "\xe2\x80\x94 example.com/log  "));
    CHECK(!parse(buf, log_id, &got, NULL, 0));
    /* The last newline missing. */
    snprintf(buf, sizeof(buf), "%.*s", (int)note_len - 1, note);
    CHECK(!parse(buf, log_id, &got, NULL, 0));
    /* A signature body that is not timestamp + DigitallySigned. */
    {
        uint8_t body[64];
        char b64[100], line[300];
        memcpy(body, key_id, 4);
        memset(body + 4, 0, 10); /* timestamp, algorithms, no length */
        EVP_EncodeBlock((unsigned char *)b64, body, 14);
        snprintf(line, sizeof(line), "\n\n\xe2\x80\x94 example.com/log %s\n", b64);
        snprintf(buf, sizeof(buf), "%.*s%s", (int)(strstr(note, "\n\n") - note), note, line);
        CHECK(!parse(buf, log_id, &got, why, sizeof(why)));
        CHECK(strstr(why, "RFC6962NoteSignature") != NULL);
    }
    /* Writer refusals: names with a space or a plus, or empty. */
    CHECK(!cg_checkpoint_write(&sth, "example.com/a b", log_id, buf, sizeof(buf), &note_len));
    CHECK(!cg_checkpoint_write(&sth, "example.com/a+b", log_id, buf, sizeof(buf), &note_len));
    CHECK(!cg_checkpoint_write(&sth, "", log_id, buf, sizeof(buf), &note_len));
    CHECK(!cg_checkpoint_write(&sth, "example.com/log", log_id, buf, 40, &note_len));
    EVP_PKEY_free(key);
}

int main(void)
{
    test_sign_verify();
    test_key_checks();
    test_checkpoint();
    return cg_test_done();
}
