/* testlog_check: the client side of tests/cli/testlog.sh. Each command
 * reads what caguard-testlog served (saved by curl) and verifies it with
 * caguard's own modules: tree head signatures, checkpoints, entries and
 * their leaf hashes, proofs, tiles and SCTs. Exit 0 when the check passes,
 * 1 when it fails (with the reason on stderr), 2 on bad usage or input. */
#include "ct/leaf.h"
#include "ct/merkle.h"
#include "ct/sct.h"
#include "ct/sct_verify.h"
#include "ct/sth.h"
#include "der/pem.h"
#include "util/base64.h"
#include "x509/x509.h"

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "usage: testlog_check COMMAND ARGS\n"
    "  sth STH.json PUBKEY.pem              verify a get-sth answer; print size and root\n"
    "  checkpoint FILE PUBKEY.pem           verify a checkpoint; print size and root\n"
    "  entries ENTRIES.json...              parse get-entries answers (in order); print\n"
    "                                       each leaf hash (hex) and the root over them\n"
    "                                       as if they began at 0\n"
    "  tile-root data|hashes FILE           root over a data tile's leaves or a level-0\n"
    "                                       tile's hashes; print leaf hashes and root\n"
    "  consistency PROOF.json OLD NEW       OLD, NEW: a get-sth answer or SIZE:ROOT_BASE64\n"
    "  inclusion PROOF.json LEAFHASH_HEX TREE  TREE: a get-sth answer or SIZE:ROOT_BASE64\n"
    "  sct SCT.json CERT.pem ISSUER.pem PUBKEY.pem [FINAL_CA.pem]\n"
    "                                       verify an add-(pre-)chain SCT: precert entry\n"
    "                                       when CERT is a precertificate (FINAL_CA: the\n"
    "                                       CA above a Precertificate Signing Cert.)\n";

static int fail(const char *fmt, const char *arg)
{
    fprintf(stderr, "testlog_check: ");
    fprintf(stderr, fmt, arg);
    fputc('\n', stderr);
    return 1;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;
    if (f == NULL)
        return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc((size_t)n + 1);
        if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
        if (buf != NULL) {
            buf[n] = '\0';
            *len = (size_t)n;
        }
    }
    fclose(f);
    return buf;
}

static EVP_PKEY *read_pub(const char *path)
{
    BIO *b = BIO_new_file(path, "r");
    EVP_PKEY *k = b != NULL ? PEM_read_bio_PUBKEY(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    if (k == NULL)
        fprintf(stderr, "testlog_check: %s: not a PEM public key\n", path);
    return k;
}

/* First certificate of a PEM or DER file. */
static uint8_t *read_cert(const char *path, size_t *len)
{
    size_t flen = 0;
    uint8_t *file = read_file(path, &flen), *out = NULL;
    cg_input in;
    cg_input_obj o;
    cg_der_error err;
    if (file == NULL)
        return NULL;
    cg_input_init(&in, file, flen);
    if (cg_input_next(&in, &o, &err) == CG_INPUT_OBJECT) {
        out = malloc(o.der_len);
        if (out != NULL) {
            memcpy(out, o.der, o.der_len);
            *len = o.der_len;
        }
    }
    cg_input_cleanup(&in);
    free(file);
    return out;
}

static int unb64(const char *s, uint8_t *out, size_t cap, size_t *len)
{
    size_t bad = 0, n = strlen(s);
    const char *why = NULL;
    if (CG_BASE64_DECODED_MAX(n) > cap)
        return 0;
    return cg_base64_decode((const uint8_t *)s, n, 0, out, len, &bad, &why);
}

static uint8_t *unb64_alloc(const char *s, size_t *len)
{
    uint8_t *buf = malloc(strlen(s) / 4 * 3 + 4);
    if (buf != NULL && !unb64(s, buf, strlen(s) / 4 * 3 + 4, len)) {
        free(buf);
        buf = NULL;
    }
    return buf;
}

static void print_b64(const char *label, const uint8_t *h, size_t n)
{
    char out[128];
    EVP_EncodeBlock((unsigned char *)out, h, (int)n);
    printf("%s%s\n", label, out);
}

static void print_hex(const uint8_t *h)
{
    for (size_t i = 0; i < 32; i++)
        printf("%02x", h[i]);
    printf("\n");
}

/* get-sth JSON into sth. */
static int load_sth(const char *path, cg_sth *sth)
{
    json_error_t jerr;
    json_t *o = json_load_file(path, 0, &jerr);
    json_int_t size, ts;
    const char *root, *sig;
    uint8_t buf[600];
    size_t len = 0;
    int ok = 0;

    memset(sth, 0, sizeof(*sth));
    if (o == NULL || json_unpack(o, "{sI,sI,ss,ss}", "tree_size", &size, "timestamp", &ts,
                                 "sha256_root_hash", &root, "tree_head_signature", &sig) != 0)
        goto out;
    sth->tree_size = (uint64_t)size;
    sth->timestamp = (uint64_t)ts;
    if (!unb64(root, buf, sizeof(buf), &len) || len != 32)
        goto out;
    memcpy(sth->root, buf, 32);
    if (!unb64(sig, buf, sizeof(buf), &len) || !cg_sth_signature_parse(sth, buf, len))
        goto out;
    ok = 1;
out:
    json_decref(o);
    if (!ok)
        fprintf(stderr, "testlog_check: %s: not a get-sth answer\n", path);
    return ok;
}

/* A get-sth answer, or "SIZE:ROOT_BASE64" for a tree head known otherwise. */
static int load_tree(const char *arg, cg_sth *sth)
{
    const char *colon = strchr(arg, ':');
    FILE *f = fopen(arg, "r");
    uint8_t buf[64];
    size_t len = 0;
    char *end;

    if (f != NULL || colon == NULL) {
        if (f != NULL)
            fclose(f);
        return load_sth(arg, sth);
    }
    memset(sth, 0, sizeof(*sth));
    sth->tree_size = strtoull(arg, &end, 10);
    if (end != colon || !unb64(colon + 1, buf, sizeof(buf), &len) || len != 32) {
        fprintf(stderr, "testlog_check: \"%s\" is not SIZE:ROOT_BASE64\n", arg);
        return 0;
    }
    memcpy(sth->root, buf, 32);
    return 1;
}

static int cmd_sth(char **argv)
{
    cg_sth sth;
    EVP_PKEY *key;
    char why[200];
    int ok;
    if (!load_sth(argv[0], &sth) || (key = read_pub(argv[1])) == NULL)
        return 2;
    ok = cg_sth_verify(&sth, key, why, sizeof(why));
    EVP_PKEY_free(key);
    printf("%llu ", (unsigned long long)sth.tree_size);
    print_b64("", sth.root, 32);
    return ok ? 0 : fail("tree head signature: %s", why);
}

static int cmd_checkpoint(char **argv)
{
    size_t len = 0;
    uint8_t *note = read_file(argv[0], &len), log_id[32];
    EVP_PKEY *key = read_pub(argv[1]);
    cg_sth sth;
    char why[200];
    int rc = 2;

    if (note == NULL || key == NULL || !cg_ct_log_id(key, log_id))
        goto out;
    rc = 1;
    if (!cg_checkpoint_parse(note, len, NULL, log_id, &sth, why, sizeof(why))) {
        fail("checkpoint: %s", why);
        goto out;
    }
    printf("%llu ", (unsigned long long)sth.tree_size);
    print_b64("", sth.root, 32);
    if (!cg_sth_verify(&sth, key, why, sizeof(why))) {
        fail("checkpoint signature: %s", why);
        goto out;
    }
    rc = 0;
out:
    free(note);
    EVP_PKEY_free(key);
    return rc;
}

/* Checks that a precert entry's issuer key hash is that of the chain's
 * issuer (or of the CA above a Precertificate Signing Certificate) and
 * that an x509 entry's certificate parses. */
static int check_entry(const cg_ct_entry *e, const cg_ct_extra *x, size_t i)
{
    cg_cbs chain = x->chain, c;
    cg_cert certs[2];
    size_t n = 0;
    cg_der_error err;
    uint8_t ikh[32];

    while (n < 2 && cg_ct_chain_next(&chain, &c)) {
        if (!cg_cert_parse(&certs[n], c.data, c.len, &err)) {
            fprintf(stderr, "testlog_check: entry %zu: chain certificate does not parse\n", i);
            return 0;
        }
        n++;
    }
    if (e->entry_type == CG_CT_X509_ENTRY) {
        cg_cert cert;
        return cg_cert_parse(&cert, e->cert.data, e->cert.len, &err);
    }
    if (n == 0) {
        fprintf(stderr, "testlog_check: entry %zu: precert entry without an issuer\n", i);
        return 0;
    }
    /* The issuer key hash names the final CA: the second certificate when
     * the first is a Precertificate Signing Certificate. */
    if (cg_ct_issuer_key_hash(&certs[0], ikh) && memcmp(ikh, e->issuer_key_hash.data, 32) == 0)
        return 1;
    if (n == 2 && cg_ct_issuer_key_hash(&certs[1], ikh) &&
        memcmp(ikh, e->issuer_key_hash.data, 32) == 0)
        return 1;
    fprintf(stderr, "testlog_check: entry %zu: issuer key hash names no chain certificate\n", i);
    return 0;
}

static int cmd_entries(char **argv, int nfiles)
{
    cg_merkle_frontier f;
    uint8_t root[32];
    size_t index = 0;

    cg_merkle_frontier_init(&f);
    for (int k = 0; k < nfiles; k++) {
        json_error_t jerr;
        json_t *o = json_load_file(argv[k], 0, &jerr);
        json_t *arr = o != NULL ? json_object_get(o, "entries") : NULL;
        if (!json_is_array(arr)) {
            fprintf(stderr, "testlog_check: %s: not a get-entries answer\n", argv[k]);
            json_decref(o);
            return 2;
        }
        for (size_t i = 0; i < json_array_size(arr); i++, index++) {
            const char *li = NULL, *ed = NULL;
            uint8_t *leaf = NULL, *extra = NULL, h[32];
            size_t llen = 0, elen = 0;
            uint64_t li_index = 0;
            cg_ct_entry e;
            cg_ct_extra x;
            cg_der_error err;
            int ok;

            memset(&err, 0, sizeof(err));
            ok = json_unpack(json_array_get(arr, i), "{ss,ss}", "leaf_input", &li, "extra_data",
                             &ed) == 0;
            leaf = ok ? unb64_alloc(li, &llen) : NULL;
            extra = ok ? unb64_alloc(ed, &elen) : NULL;
            ok = leaf != NULL && extra != NULL && cg_ct_leaf_parse(leaf, llen, &e, &err) &&
                 cg_ct_extra_parse(e.entry_type, extra, elen, &x, &err) &&
                 check_entry(&e, &x, index);
            /* static-ct-api: every entry carries its own index. */
            if (ok &&
                (!cg_ct_extensions_leaf_index(&e.extensions, &li_index) || li_index != index)) {
                fprintf(stderr, "testlog_check: entry %zu: no leaf_index %zu extension\n", index,
                        index);
                ok = 0;
            }
            ok = ok && cg_ct_entry_leaf_hash(NULL, &e.raw, h) &&
                 cg_merkle_frontier_append(NULL, &f, h);
            free(leaf);
            free(extra);
            if (!ok) {
                fprintf(stderr, "testlog_check: entry %zu is bad: %s\n", index, err.what);
                json_decref(o);
                return 1;
            }
            print_hex(h);
        }
        json_decref(o);
    }
    if (!cg_merkle_frontier_root(NULL, &f, root))
        return 1;
    print_b64("root ", root, 32);
    return 0;
}

static int cmd_tile_root(char **argv)
{
    size_t len = 0;
    uint8_t *buf = read_file(argv[1], &len), root[32];
    cg_merkle_frontier f;
    int data = strcmp(argv[0], "data") == 0;
    cg_cbs in;
    int rc = 1;

    if (buf == NULL || (!data && strcmp(argv[0], "hashes") != 0))
        return 2;
    cg_merkle_frontier_init(&f);
    cg_cbs_init(&in, buf, len);
    while (in.len > 0) {
        uint8_t h[32];
        if (data) {
            cg_ct_tile_leaf tl;
            cg_der_error err;
            if (!cg_ct_tile_leaf_next(&in, &tl, buf, &err)) {
                fprintf(stderr, "testlog_check: data tile byte %zu: %s\n", err.offset, err.what);
                goto out;
            }
            if (!cg_ct_entry_leaf_hash(NULL, &tl.entry.raw, h))
                goto out;
        } else {
            cg_cbs hc;
            if (!cg_cbs_get_bytes(&in, &hc, 32)) {
                fprintf(stderr, "testlog_check: tile is not a multiple of 32 bytes\n");
                goto out;
            }
            memcpy(h, hc.data, 32);
        }
        print_hex(h);
        if (!cg_merkle_frontier_append(NULL, &f, h))
            goto out;
    }
    if (!cg_merkle_frontier_root(NULL, &f, root))
        goto out;
    print_b64("root ", root, 32);
    rc = 0;
out:
    free(buf);
    return rc;
}

/* A JSON array of base64 hashes into out. */
static int load_hashes(json_t *arr, uint8_t *out, size_t cap, size_t *n)
{
    *n = 0;
    if (!json_is_array(arr) || json_array_size(arr) > cap)
        return 0;
    for (size_t i = 0; i < json_array_size(arr); i++) {
        const json_t *e = json_array_get(arr, i);
        size_t len = 0;
        uint8_t buf[40];
        if (!json_is_string(e) || !unb64(json_string_value(e), buf, sizeof(buf), &len) ||
            len != 32)
            return 0;
        memcpy(out + i * 32, buf, 32);
    }
    *n = json_array_size(arr);
    return 1;
}

static int cmd_consistency(char **argv)
{
    json_error_t jerr;
    json_t *o = json_load_file(argv[0], 0, &jerr);
    uint8_t proof[CG_MERKLE_MAX_PROOF * 32];
    size_t n = 0;
    cg_sth a, b;
    char why[200];
    int ok;

    if (o == NULL ||
        !load_hashes(json_object_get(o, "consistency"), proof, CG_MERKLE_MAX_PROOF, &n) ||
        !load_tree(argv[1], &a) || !load_tree(argv[2], &b)) {
        json_decref(o);
        return 2;
    }
    json_decref(o);
    ok = cg_merkle_verify_consistency(NULL, a.tree_size, b.tree_size, a.root, b.root, proof, n,
                                      why, sizeof(why));
    printf("%zu hashes\n", n);
    return ok ? 0 : fail("consistency: %s", why);
}

static int cmd_inclusion(char **argv)
{
    json_error_t jerr;
    json_t *o = json_load_file(argv[0], 0, &jerr);
    uint8_t path[CG_MERKLE_MAX_HEIGHT * 32], leaf[32];
    json_int_t index = -1;
    size_t n = 0;
    cg_sth sth;
    char why[200];
    int ok;

    if (o == NULL || json_unpack(o, "{sI}", "leaf_index", &index) != 0 || index < 0 ||
        !load_hashes(json_object_get(o, "audit_path"), path, CG_MERKLE_MAX_HEIGHT, &n) ||
        strlen(argv[1]) != 64 || !load_tree(argv[2], &sth)) {
        json_decref(o);
        return 2;
    }
    json_decref(o);
    for (size_t i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(argv[1] + 2 * i, "%2x", &v) != 1)
            return 2;
        leaf[i] = (uint8_t)v;
    }
    ok = cg_merkle_verify_inclusion(NULL, (uint64_t)index, sth.tree_size, leaf, path, n, sth.root,
                                    why, sizeof(why));
    printf("leaf %lld, %zu hashes\n", (long long)index, n);
    return ok ? 0 : fail("inclusion: %s", why);
}

/* AKI extension naming ca's key by its SKI: what the TBS of a precert
 * from a Precertificate Signing Certificate carries (RFC 6962 §3.2). */
static int aki_of(const cg_cert *ca, uint8_t *buf, size_t cap, cg_ext *out)
{
    static const uint8_t ski_oid[] = {0x55, 0x1d, 0x0e};
    cg_cbs keyid;
    return cg_ext_ski(cg_cert_find_ext(ca, ski_oid, sizeof(ski_oid), NULL), &keyid) &&
           cg_ext_aki_build(&keyid, buf, cap, out);
}

static int cmd_sct(char **argv, int argc)
{
    json_error_t jerr;
    json_t *o = json_load_file(argv[0], 0, &jerr);
    const char *id, *ext, *sig;
    json_int_t version, ts;
    uint8_t idb[40], extb[100], sigb[600], sct_buf[800], ikh[32], *tbs = NULL;
    size_t idl = 0, extl = 0, sigl = 0, sct_len = 0, cert_len = 0, iss_len = 0, fin_len = 0;
    size_t tbs_len = 0;
    uint8_t *cert_der = read_cert(argv[1], &cert_len), *iss_der = read_cert(argv[2], &iss_len);
    uint8_t *fin_der = argc > 4 ? read_cert(argv[4], &fin_len) : NULL;
    EVP_PKEY *key = read_pub(argv[3]);
    unsigned char *spki = NULL;
    int spki_len;
    cg_sct_verifier *v = NULL;
    cg_sct_list list;
    cg_sct sct;
    cg_cert cert, iss, fin;
    cg_der_error err;
    cg_cbb cbb, body;
    cg_cbs value;
    char why[200];
    int rc = 2;
    cg_sct_status st;

    if (o == NULL || key == NULL || cert_der == NULL || iss_der == NULL ||
        (argc > 4 && fin_der == NULL) ||
        json_unpack(o, "{sI,ss,sI,ss,ss}", "sct_version", &version, "id", &id, "timestamp", &ts,
                    "extensions", &ext, "signature", &sig) != 0 ||
        !unb64(id, idb, sizeof(idb), &idl) || !unb64(ext, extb, sizeof(extb), &extl) ||
        !unb64(sig, sigb, sizeof(sigb), &sigl) ||
        !cg_cert_parse(&cert, cert_der, cert_len, &err) ||
        !cg_cert_parse(&iss, iss_der, iss_len, &err) ||
        (fin_der != NULL && !cg_cert_parse(&fin, fin_der, fin_len, &err)))
        goto out;
    /* Serialize the SCT as it would travel in a certificate and read it
     * back with caguard's SCT list parser. */
    cg_cbb_init_fixed(&cbb, sct_buf, sizeof(sct_buf));
    if (!cg_cbb_add_asn1(&cbb, &body, CG_ASN1_OCTETSTRING)) /* extnValue contents */
        goto out;
    {
        cg_cbb list_body, one;
        if (!cg_cbb_add_length_prefixed(&body, &list_body, 2) ||
            !cg_cbb_add_length_prefixed(&list_body, &one, 2) ||
            !cg_cbb_add_u8(&one, (uint8_t)version) || !cg_cbb_add_bytes(&one, idb, idl) ||
            !cg_cbb_add_u64(&one, (uint64_t)ts) || !cg_cbb_add_u16(&one, (uint16_t)extl) ||
            !cg_cbb_add_bytes(&one, extb, extl) || !cg_cbb_add_bytes(&one, sigb, sigl) ||
            !cg_cbb_finish(&cbb, &sct_len))
            goto out;
    }
    cg_cbs_init(&value, sct_buf, sct_len);
    if (!cg_sct_list_open(&list, &value, &err) || !cg_sct_list_next(&list, &sct, &err)) {
        fprintf(stderr, "testlog_check: SCT does not parse: %s\n", err.what);
        goto out;
    }
    spki_len = i2d_PUBKEY(key, &spki);
    v = cg_sct_verifier_new(NULL);
    if (v == NULL || spki_len <= 0 || !cg_sct_verifier_add_key(v, spki, (size_t)spki_len))
        goto out;
    if (cert.is_precert) {
        /* With a Precertificate Signing Certificate the TBS takes the
         * signer's issuer Name and an AKI naming the final CA. */
        const cg_cert *final_ca = fin_der != NULL ? &fin : &iss;
        const cg_cbs *name = fin_der != NULL ? &iss.issuer : NULL;
        uint8_t akibuf[160];
        cg_ext aki, *akip = NULL;
        size_t cap;
        if (fin_der != NULL && aki_of(&fin, akibuf, sizeof(akibuf), &aki))
            akip = &aki;
        cap = cg_ct_entry_tbs_max_len(&cert, name, akip);
        tbs = malloc(cap);
        if (tbs == NULL || !cg_ct_issuer_key_hash(final_ca, ikh) ||
            !cg_ct_entry_tbs(&cert, name, akip, tbs, cap, &tbs_len))
            goto out;
        st = cg_sct_verify_precert(v, &sct, ikh, tbs, tbs_len, why, sizeof(why));
    } else {
        st = cg_sct_verify_x509(v, &sct, cert_der, cert_len, why, sizeof(why));
    }
    printf("%s\n", cg_sct_status_name(st));
    rc = st == CG_SCT_VALID ? 0 : fail("SCT: %s", why);
out:
    if (rc == 2)
        fprintf(stderr, "testlog_check: sct: bad input\n");
    cg_sct_verifier_free(v);
    OPENSSL_free(spki);
    EVP_PKEY_free(key);
    json_decref(o);
    free(tbs);
    free(cert_der);
    free(iss_der);
    free(fin_der);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = 2;
    if (argc < 2)
        goto usage;
    if (strcmp(argv[1], "sth") == 0 && argc == 4)
        rc = cmd_sth(argv + 2);
    else if (strcmp(argv[1], "checkpoint") == 0 && argc == 4)
        rc = cmd_checkpoint(argv + 2);
    else if (strcmp(argv[1], "entries") == 0 && argc >= 3)
        rc = cmd_entries(argv + 2, argc - 2);
    else if (strcmp(argv[1], "tile-root") == 0 && argc == 4)
        rc = cmd_tile_root(argv + 2);
    else if (strcmp(argv[1], "consistency") == 0 && argc == 5)
        rc = cmd_consistency(argv + 2);
    else if (strcmp(argv[1], "inclusion") == 0 && argc == 5)
        rc = cmd_inclusion(argv + 2);
    else if (strcmp(argv[1], "sct") == 0 && (argc == 6 || argc == 7))
        rc = cmd_sct(argv + 2, argc - 2);
    else
        goto usage;
    ERR_clear_error();
    return rc;
usage:
    fputs(usage, stderr);
    return 2;
}
