/* Files, keys and gzip for caguard-testlog. */
#include "testlog.h"

#include "util/errf.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

int tl_read_file(const char *path, uint8_t **out, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    uint8_t *buf = NULL;
    size_t got = 0;

    if (fd < 0)
        return 0;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0)
        goto err;
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL)
        goto err;
    while (got < (size_t)st.st_size) {
        ssize_t r = read(fd, buf + got, (size_t)st.st_size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            goto err;
        got += (size_t)r;
    }
    buf[got] = '\0';
    close(fd);
    *out = buf;
    *len = got;
    return 1;
err:
    free(buf);
    close(fd);
    return 0;
}

static int write_all(int fd, const void *data, size_t len)
{
    const uint8_t *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return 0;
        p += w;
        len -= (size_t)w;
    }
    return 1;
}

int tl_write_file(const char *path, const void *data, size_t len, int mode)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 5);
    int fd, ok;

    if (tmp == NULL)
        return 0;
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        free(tmp);
        return 0;
    }
    ok = write_all(fd, data, len) && fsync(fd) == 0;
    ok = close(fd) == 0 && ok;
    ok = ok && rename(tmp, path) == 0;
    if (!ok)
        unlink(tmp);
    free(tmp);
    return ok;
}

EVP_PKEY *tl_read_private_key(const char *path, char *err, size_t errcap)
{
    uint8_t *buf = NULL;
    size_t len = 0;
    EVP_PKEY *key = NULL;
    char why[128];
    BIO *bio;

    if (!tl_read_file(path, &buf, &len)) {
        cg_errf(err, errcap, "%s: cannot read: %s", path, strerror(errno ? errno : EIO));
        return NULL;
    }
    bio = BIO_new_mem_buf(buf, (int)len);
    if (bio != NULL)
        key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
    BIO_free(bio);
    if (key == NULL) {
        const unsigned char *p = buf;
        key = d2i_AutoPrivateKey(NULL, &p, (long)len);
    }
    free(buf);
    ERR_clear_error();
    if (key == NULL) {
        cg_errf(err, errcap, "%s: not a PEM (or DER) private key", path);
        return NULL;
    }
    if (!cg_ct_key_usable(key, why, sizeof(why))) {
        cg_errf(err, errcap, "%s: %s", path, why);
        EVP_PKEY_free(key);
        return NULL;
    }
    return key;
}

static int write_pem(const char *path, EVP_PKEY *key, int private_key, int exclusive)
{
    BIO *mem = BIO_new(BIO_s_mem());
    char *data = NULL;
    long len;
    int ok = 0;

    if (mem == NULL)
        return 0;
    if (private_key ? PEM_write_bio_PrivateKey(mem, key, NULL, NULL, 0, NULL, NULL) != 1
                    : PEM_write_bio_PUBKEY(mem, key) != 1)
        goto out;
    len = BIO_get_mem_data(mem, &data);
    if (len <= 0)
        goto out;
    if (exclusive) {
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0)
            goto out;
        ok = write_all(fd, data, (size_t)len) && fsync(fd) == 0;
        ok = close(fd) == 0 && ok;
        if (!ok)
            unlink(path);
    } else {
        ok = tl_write_file(path, data, (size_t)len, private_key ? 0600 : 0644);
    }
out:
    BIO_free(mem);
    ERR_clear_error();
    return ok;
}

int tl_write_private_key(const char *path, EVP_PKEY *key, int exclusive)
{
    return write_pem(path, key, 1, exclusive);
}

int tl_write_public_key(const char *path, EVP_PKEY *key)
{
    return write_pem(path, key, 0, 0);
}

EVP_PKEY *tl_generate_key(const char *type)
{
    EVP_PKEY *key = NULL;
    if (strcmp(type, "p256") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    else if (strcmp(type, "p384") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
    else if (strcmp(type, "rsa2048") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    else if (strcmp(type, "rsa3072") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)3072);
    else if (strcmp(type, "rsa4096") == 0)
        key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
    ERR_clear_error();
    return key;
}

EVP_PKEY *tl_generate_key_like(EVP_PKEY *key)
{
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA)
        return tl_generate_key("rsa2048");
    return tl_generate_key(EVP_PKEY_get_bits(key) > 256 ? "p384" : "p256");
}

int64_t tl_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int tl_gzip(const uint8_t *data, size_t len, uint8_t **out, size_t *out_len)
{
    z_stream z;
    uLong cap;
    uint8_t *buf;
    int rc;

    memset(&z, 0, sizeof(z));
    /* windowBits 15 + 16: a gzip wrapper rather than zlib's. */
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
        Z_OK)
        return 0;
    cap = deflateBound(&z, (uLong)len);
    buf = malloc(cap);
    if (buf == NULL) {
        deflateEnd(&z);
        return 0;
    }
    z.next_in = (Bytef *)(uintptr_t)data;
    z.avail_in = (uInt)len;
    z.next_out = buf;
    z.avail_out = (uInt)cap;
    rc = deflate(&z, Z_FINISH);
    *out_len = z.total_out;
    deflateEnd(&z);
    if (rc != Z_STREAM_END) {
        free(buf);
        return 0;
    }
    *out = buf;
    return 1;
}
