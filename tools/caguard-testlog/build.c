/* caguard-testlog build and keygen. */
#include "testlog.h"

#include "der/pem.h"
#include "util/num.h"
#include "x509/name.h"
#include "x509/oid.h"
#include "x509/x509.h"

#include <errno.h>
#include <getopt.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char build_usage[] =
    "usage: caguard-testlog build --dir D --key KEY [OPTIONS] FILE...\n"
    "\n"
    "Makes a new CT log in directory D from certificates and precertificates\n"
    "(PEM with any number of blocks, or DER). CA certificates among the inputs\n"
    "are the issuers: each entry's chain is built from them (by name, preferring\n"
    "an issuer whose key verifies the signature), a precertificate gets its\n"
    "issuer key hash from its CA (the CA above a Precertificate Signing\n"
    "Certificate), and the chain goes to extra_data. Every other certificate\n"
    "becomes an entry, in input order; the tree head is signed with KEY.\n"
    "\n"
    "options:\n"
    "  --dir D            the log directory (created; must not hold a log)\n"
    "  --key KEY          signing key: PEM (or DER) EC P-256, P-384 or RSA\n"
    "                     (2048 bits or more) private key; copied into D\n"
    "  --origin NAME      checkpoint origin and note key name (default: the\n"
    "                     address serve listens on, ADDR:PORT, which is what\n"
    "                     static-ct-api asks for: the schema-less submission URL)\n"
    "  --timestamp MS     entry and SCT timestamp, milliseconds since the epoch\n"
    "                     (default: now)\n"
    "  --log-cas          log the CA certificates too, as x509 entries\n"
    "  --sct-dir DIR      write each entry's SCT to DIR/<index>.json, as\n"
    "                     add-chain returns it\n"
    "  -h, --help         this help\n"
    "\n"
    "exit status: 0 done, 2 bad usage or input (nothing is logged from an\n"
    "input that does not parse).\n";

static const char keygen_usage[] =
    "usage: caguard-testlog keygen --out KEY [--type TYPE] [--pub FILE] [--force]\n"
    "\n"
    "Writes a new log signing key (PKCS#8 PEM, mode 0600).\n"
    "\n"
    "options:\n"
    "  --out KEY      where to write the private key (refused if it exists)\n"
    "  --type TYPE    p256 (default), p384, rsa2048, rsa3072 or rsa4096\n"
    "  --pub FILE     also write the public key (PEM SubjectPublicKeyInfo)\n"
    "  --force        overwrite KEY\n"
    "  -h, --help     this help\n";

/* One input certificate. Only CA certificates keep a parsed view and an
 * OpenSSL object: they are the ones searched for issuers, and a log of a
 * hundred thousand entries should not hold a hundred thousand views. */
typedef struct input_cert {
    const char *file;
    size_t index; /* block within the file */
    uint8_t *der;
    size_t len;
    int is_ca;
    int is_precert;
    cg_cert *view; /* CAs only */
    X509 *x509;    /* CAs only */
} input_cert;

typedef struct inputs {
    input_cert *c;
    size_t n, cap;
    size_t *cas; /* indices of the CA inputs */
    size_t n_cas;
    cg_cert scratch; /* view of the certificate being looked at */
} inputs;

static void inputs_free(inputs *in)
{
    for (size_t i = 0; i < in->n; i++) {
        X509_free(in->c[i].x509);
        free(in->c[i].view);
        free(in->c[i].der);
    }
    free(in->c);
    free(in->cas);
}

static int basic_constraints_ca(const cg_cert *c)
{
    const cg_ext *bc =
        cg_cert_find_ext(c, CG_OID_BASIC_CONSTRAINTS, sizeof(CG_OID_BASIC_CONSTRAINTS), NULL);
    cg_cbs v, seq;
    int ca = 0;
    if (bc == NULL)
        return 0;
    v = bc->value;
    if (!cg_cbs_get_asn1(&v, &seq, CG_ASN1_SEQUENCE))
        return 0;
    if (cg_cbs_peek_asn1_tag(&seq, CG_ASN1_BOOLEAN) && !cg_cbs_get_asn1_bool(&seq, &ca))
        return 0;
    return ca;
}

static X509 *to_x509(const uint8_t *der, size_t len)
{
    const unsigned char *p = der;
    X509 *x = d2i_X509(NULL, &p, (long)len);
    ERR_clear_error();
    return x;
}

static int add_input(inputs *in, const char *file, size_t index, const uint8_t *der, size_t len)
{
    input_cert *ic;
    cg_der_error derr;

    if (cg_guess_kind(der, len) == CG_KIND_CRL) {
        fprintf(stderr, "caguard-testlog: %s: object %zu is a CRL, not a certificate\n", file,
                index);
        return 0;
    }
    if (!cg_cert_parse(&in->scratch, der, len, &derr)) {
        fprintf(stderr, "caguard-testlog: %s: object %zu is not a certificate: byte %zu: %s\n",
                file, index, derr.offset, derr.what);
        return 0;
    }
    if (in->scratch.der.len != len) {
        fprintf(stderr, "caguard-testlog: %s: object %zu has %zu bytes after the certificate\n",
                file, index, len - in->scratch.der.len);
        return 0;
    }
    if (in->n == in->cap) {
        size_t cap = in->cap * 2 + 8;
        input_cert *nc = realloc(in->c, cap * sizeof(*nc));
        size_t *ncas = realloc(in->cas, cap * sizeof(*ncas));
        if (nc != NULL)
            in->c = nc;
        if (ncas != NULL)
            in->cas = ncas;
        if (nc == NULL || ncas == NULL)
            return 0;
        in->cap = cap;
    }
    ic = &in->c[in->n];
    memset(ic, 0, sizeof(*ic));
    ic->file = file;
    ic->index = index;
    ic->is_ca = basic_constraints_ca(&in->scratch);
    ic->is_precert = in->scratch.is_precert;
    ic->der = malloc(len);
    if (ic->der == NULL)
        return 0;
    memcpy(ic->der, der, len);
    ic->len = len;
    if (ic->is_ca) {
        ic->view = malloc(sizeof(*ic->view));
        if (ic->view == NULL || !cg_cert_parse(ic->view, ic->der, len, &derr)) {
            free(ic->view);
            free(ic->der);
            return 0;
        }
        ic->x509 = to_x509(ic->der, len);
        in->cas[in->n_cas++] = in->n;
    }
    in->n++;
    return 1;
}

static int read_inputs(inputs *in, char **files, int n)
{
    for (int f = 0; f < n; f++) {
        uint8_t *data = NULL;
        size_t len = 0, count = 0;
        cg_input input;
        cg_input_obj obj;
        cg_der_error derr;
        cg_input_status st;
        int ok = 1;

        if (!tl_read_file(files[f], &data, &len)) {
            fprintf(stderr, "caguard-testlog: %s: cannot read: %s\n", files[f],
                    strerror(errno ? errno : EIO));
            return 0;
        }
        cg_input_init(&input, data, len);
        while (ok && (st = cg_input_next(&input, &obj, &derr)) != CG_INPUT_END) {
            if (st == CG_INPUT_ERROR) {
                fprintf(stderr, "caguard-testlog: %s: object %zu: %s (byte %zu)\n", files[f],
                        obj.index, derr.what, derr.offset);
                ok = 0;
            } else if (obj.label == CG_PEM_LABEL_CRL || obj.label == CG_PEM_LABEL_OTHER) {
                fprintf(stderr,
                        "caguard-testlog: %s: object %zu is a %s block, not a "
                        "certificate\n",
                        files[f], obj.index, obj.label_text);
                ok = 0;
            } else {
                ok = add_input(in, files[f], obj.index, obj.der, obj.der_len);
                count++;
            }
        }
        cg_input_cleanup(&input);
        free(data);
        if (ok && count == 0) {
            fprintf(stderr, "caguard-testlog: %s: no certificate in it\n", files[f]);
            ok = 0;
        }
        if (!ok)
            return 0;
    }
    return 1;
}

/* The issuer of the certificate c (view and OpenSSL object) among the CA
 * inputs: a CA whose subject is c's issuer and whose key verifies c's
 * signature, else the first with that name. */
static const input_cert *find_issuer(const inputs *in, const input_cert *self, const cg_cert *c,
                                     X509 *cx, int *by_name_only)
{
    const input_cert *by_name = NULL;
    *by_name_only = 0;
    for (size_t k = 0; k < in->n_cas; k++) {
        const input_cert *ca = &in->c[in->cas[k]];
        if (ca == self || !cg_name_equal(&ca->view->subject, &c->issuer, NULL))
            continue;
        if (ca->x509 != NULL && cx != NULL) {
            EVP_PKEY *pk = X509_get0_pubkey(ca->x509);
            int v = pk != NULL && X509_verify(cx, pk) == 1;
            ERR_clear_error();
            if (v)
                return ca;
        }
        if (by_name == NULL)
            by_name = ca;
    }
    *by_name_only = by_name != NULL;
    return by_name;
}

static size_t build_chain(inputs *in, const input_cert *leaf, cg_cbs *chain)
{
    const input_cert *cur = leaf;
    cg_der_error derr;
    size_t n = 0;

    chain[n].data = leaf->der;
    chain[n++].len = leaf->len;
    while (n < TL_MAX_CHAIN) {
        const cg_cert *view = cur->view;
        X509 *x = cur->x509;
        const input_cert *up;
        int by_name = 0;

        if (view == NULL) {
            if (!cg_cert_parse(&in->scratch, cur->der, cur->len, &derr))
                break;
            view = &in->scratch;
            x = to_x509(cur->der, cur->len);
        }
        up = cg_name_equal(&view->subject, &view->issuer, NULL)
                 ? NULL /* self-issued: the chain ends here */
                 : find_issuer(in, cur, view, x, &by_name);
        if (x != cur->x509)
            X509_free(x);
        if (up == NULL)
            break;
        if (by_name)
            fprintf(stderr,
                    "caguard-testlog: warning: %s object %zu: no CA key verifies its signature; "
                    "chaining to %s object %zu by name\n",
                    cur->file, cur->index, up->file, up->index);
        /* A loop of CAs naming each other ends here. */
        for (size_t i = 0; i < n; i++) {
            if (chain[i].data == up->der)
                return n;
        }
        chain[n].data = up->der;
        chain[n++].len = up->len;
        cur = up;
    }
    return n;
}

static int write_sct(const char *dir, const tl_log *log, const tl_sct *sct)
{
    char path[4096], *json = tl_sct_json(log, sct);
    int ok;
    if (json == NULL)
        return 0;
    snprintf(path, sizeof(path), "%s/%llu.json", dir, (unsigned long long)sct->index);
    ok = tl_write_file(path, json, strlen(json), 0644);
    free(json);
    return ok;
}

int tl_cmd_build(int argc, char **argv)
{
    static const struct option opts[] = {
        {"dir", required_argument, NULL, 'd'},    {"key", required_argument, NULL, 'k'},
        {"origin", required_argument, NULL, 'o'}, {"timestamp", required_argument, NULL, 't'},
        {"log-cas", no_argument, NULL, 'c'},      {"sct-dir", required_argument, NULL, 's'},
        {"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
    };
    const char *dir = NULL, *keyfile = NULL, *origin = NULL, *sct_dir = NULL;
    uint64_t timestamp = 0;
    int have_ts = 0, log_cas = 0, opt, rc = TL_EXIT_USAGE;
    size_t n_x509 = 0, n_pre = 0;
    inputs in;
    cg_cbs(*chains)[TL_MAX_CHAIN] = NULL;
    size_t *n_chain = NULL;
    tl_log *log = NULL;
    EVP_PKEY *key;
    char err[512];

    memset(&in, 0, sizeof(in));
    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            dir = optarg;
            break;
        case 'k':
            keyfile = optarg;
            break;
        case 'o':
            origin = optarg;
            break;
        case 't':
            if (!cg_parse_u64(optarg, 0, UINT64_MAX, &timestamp)) {
                fprintf(stderr,
                        "caguard-testlog build: --timestamp wants milliseconds since "
                        "the epoch, got \"%s\"\n",
                        optarg);
                return TL_EXIT_USAGE;
            }
            have_ts = 1;
            break;
        case 'c':
            log_cas = 1;
            break;
        case 's':
            sct_dir = optarg;
            break;
        case 'h':
            fputs(build_usage, stdout);
            return 0;
        default:
            fputs(build_usage, stderr);
            return TL_EXIT_USAGE;
        }
    }
    if (dir == NULL || keyfile == NULL || optind >= argc) {
        fprintf(stderr, "caguard-testlog build: %s\n\n",
                dir == NULL       ? "--dir is required"
                : keyfile == NULL ? "--key is required"
                                  : "no input FILE");
        fputs(build_usage, stderr);
        return TL_EXIT_USAGE;
    }
    if (origin != NULL && (origin[0] == '\0' || strpbrk(origin, " +\t\n") != NULL ||
                           strlen(origin) >= TL_ORIGIN_MAX)) {
        fprintf(stderr,
                "caguard-testlog build: --origin must be non-empty, without spaces or "
                "'+', and shorter than %d bytes\n",
                TL_ORIGIN_MAX);
        return TL_EXIT_USAGE;
    }
    key = tl_read_private_key(keyfile, err, sizeof(err));
    if (key == NULL) {
        fprintf(stderr, "caguard-testlog build: %s\n", err);
        return TL_EXIT_USAGE;
    }
    if (!read_inputs(&in, argv + optind, argc - optind)) {
        EVP_PKEY_free(key);
        goto out;
    }
    if (sct_dir != NULL && mkdir(sct_dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "caguard-testlog build: %s: %s\n", sct_dir, strerror(errno));
        EVP_PKEY_free(key);
        goto out;
    }
    /* Chains first: an input the log cannot take stops the build before
     * D is made. */
    chains = calloc(in.n + 1, sizeof(*chains));
    n_chain = calloc(in.n + 1, sizeof(*n_chain));
    if (chains == NULL || n_chain == NULL) {
        fprintf(stderr, "caguard-testlog build: out of memory\n");
        EVP_PKEY_free(key);
        goto out;
    }
    for (size_t i = 0; i < in.n; i++) {
        const input_cert *c = &in.c[i];
        if (c->is_ca && !log_cas)
            continue;
        n_chain[i] = build_chain(&in, c, chains[i]);
        if (c->is_precert && n_chain[i] < 2) {
            fprintf(stderr,
                    "caguard-testlog build: %s object %zu is a precertificate and no CA among "
                    "the inputs issued it (give its CA certificate too)\n",
                    c->file, c->index);
            EVP_PKEY_free(key);
            goto out;
        }
    }
    log = tl_log_create(dir, key, origin, err, sizeof(err));
    if (log == NULL) {
        fprintf(stderr, "caguard-testlog build: %s\n", err);
        goto out;
    }
    for (size_t i = 0; i < in.n; i++) {
        const input_cert *c = &in.c[i];
        int client = 0;
        tl_sct sct;

        if (c->is_ca && !log_cas)
            continue;
        if (!tl_log_add(log, chains[i], n_chain[i], c->is_precert,
                        have_ts ? timestamp : (uint64_t)tl_now_ms(), &sct, &client, err,
                        sizeof(err))) {
            fprintf(stderr, "caguard-testlog build: %s object %zu: %s; %s is incomplete\n",
                    c->file, c->index, err, dir);
            rc = client ? TL_EXIT_USAGE : 1;
            goto out;
        }
        if (sct_dir != NULL && !write_sct(sct_dir, log, &sct)) {
            fprintf(stderr, "caguard-testlog build: %s: cannot write the SCT\n", sct_dir);
            rc = 1;
            goto out;
        }
        if (c->is_precert)
            n_pre++;
        else
            n_x509++;
    }
    log->sync = 1;
    if (!tl_log_sign(log, err, sizeof(err))) {
        fprintf(stderr, "caguard-testlog build: %s\n", err);
        rc = 1;
        goto out;
    }
    {
        char *id = cg_base64_encode_new(log->log_id, 32), *root = cg_base64_encode_new(log->sth.root, 32);
        printf("%s: %llu entries (%zu x509, %zu precert), root %s, log ID %s, origin %s\n", dir,
               (unsigned long long)log->n, n_x509, n_pre, root ? root : "?", id ? id : "?",
               log->origin[0] != '\0' ? log->origin : "(the served address)");
        free(id);
        free(root);
    }
    rc = 0;
out:
    tl_log_free(log);
    free(chains);
    free(n_chain);
    inputs_free(&in);
    return rc;
}

int tl_cmd_keygen(int argc, char **argv)
{
    static const struct option opts[] = {
        {"out", required_argument, NULL, 'o'}, {"type", required_argument, NULL, 't'},
        {"pub", required_argument, NULL, 'p'}, {"force", no_argument, NULL, 'f'},
        {"help", no_argument, NULL, 'h'},      {NULL, 0, NULL, 0},
    };
    const char *out = NULL, *type = "p256", *pub = NULL;
    int force = 0, opt, rc = 1;
    EVP_PKEY *key;

    optind = 1;
    while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (opt) {
        case 'o':
            out = optarg;
            break;
        case 't':
            type = optarg;
            break;
        case 'p':
            pub = optarg;
            break;
        case 'f':
            force = 1;
            break;
        case 'h':
            fputs(keygen_usage, stdout);
            return 0;
        default:
            fputs(keygen_usage, stderr);
            return TL_EXIT_USAGE;
        }
    }
    if (out == NULL || optind != argc) {
        fprintf(stderr, "caguard-testlog keygen: %s\n\n",
                out == NULL ? "--out is required" : "unexpected argument");
        fputs(keygen_usage, stderr);
        return TL_EXIT_USAGE;
    }
    key = tl_generate_key(type);
    if (key == NULL) {
        fprintf(stderr,
                "caguard-testlog keygen: unknown --type \"%s\" (p256, p384, rsa2048, "
                "rsa3072, rsa4096)\n",
                type);
        return TL_EXIT_USAGE;
    }
    if (!tl_write_private_key(out, key, !force)) {
        fprintf(stderr, "caguard-testlog keygen: %s: cannot write%s: %s\n", out,
                force ? "" : " (it must not exist; --force overwrites)", strerror(errno));
        rc = errno == EEXIST ? TL_EXIT_USAGE : 1;
        goto done;
    }
    if (pub != NULL && !tl_write_public_key(pub, key)) {
        fprintf(stderr, "caguard-testlog keygen: %s: cannot write: %s\n", pub, strerror(errno));
        goto done;
    }
    rc = 0;
done:
    EVP_PKEY_free(key);
    return rc;
}
