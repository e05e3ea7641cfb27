#include "rules/keycache.h"

#include <openssl/err.h>
#include <openssl/sha.h>
#include <openssl/x509.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_CAPACITY 256

typedef struct slot {
    uint8_t sha256[32];
    EVP_PKEY *key; /* NULL: the bytes did not decode */
    cg_sig_keep sig;
    int used;
} slot;

struct cg_keycache {
    EVP_MD *sha256; /* fetched once: SHA256() looks it up on every call */
    slot *slots;
    size_t cap;
    size_t next; /* the slot a new key takes when all are used */
    size_t decodes;
};

cg_keycache *cg_keycache_new(size_t capacity)
{
    cg_keycache *kc = calloc(1, sizeof(*kc));
    if (kc == NULL)
        return NULL;
    kc->cap = capacity == 0 ? DEFAULT_CAPACITY : capacity;
    kc->slots = calloc(kc->cap, sizeof(slot));
    kc->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (kc->slots == NULL || kc->sha256 == NULL) {
        EVP_MD_free(kc->sha256);
        free(kc->slots);
        free(kc);
        return NULL;
    }
    return kc;
}

void cg_keycache_free(cg_keycache *kc)
{
    if (kc == NULL)
        return;
    for (size_t i = 0; i < kc->cap; i++) {
        cg_sig_keep_clear(&kc->slots[i].sig);
        EVP_PKEY_free(kc->slots[i].key);
    }
    free(kc->slots);
    EVP_MD_free(kc->sha256);
    free(kc);
}

EVP_PKEY *cg_keycache_get(cg_keycache *kc, const uint8_t *spki, size_t len)
{
    uint8_t h[32];
    if (EVP_Digest(spki, len, h, NULL, kc->sha256, NULL) != 1) {
        ERR_clear_error();
        return NULL;
    }
    return cg_keycache_get_hashed(kc, spki, len, h);
}

EVP_PKEY *cg_keycache_get_hashed(cg_keycache *kc, const uint8_t *spki, size_t len,
                                 const uint8_t h[32])
{
    const uint8_t *p = spki;
    if (len > LONG_MAX)
        return NULL;
    /* A CA has a handful of keys in use: a linear scan over a few slots
     * beats hashing the hash. */
    for (size_t i = 0; i < kc->cap && kc->slots[i].used; i++) {
        slot *s = &kc->slots[i];
        if (memcmp(s->sha256, h, 32) != 0)
            continue;
        if (s->key != NULL && EVP_PKEY_up_ref(s->key) != 1)
            return NULL;
        return s->key;
    }
    EVP_PKEY *key = d2i_PUBKEY(NULL, &p, (long)len);
    kc->decodes++;
    if (key == NULL)
        ERR_clear_error();
    slot *s = NULL;
    for (size_t i = 0; i < kc->cap && s == NULL; i++) {
        if (!kc->slots[i].used)
            s = &kc->slots[i];
    }
    if (s == NULL) {
        s = &kc->slots[kc->next];
        kc->next = (kc->next + 1) % kc->cap;
        cg_sig_keep_clear(&s->sig);
        EVP_PKEY_free(s->key);
    }
    memcpy(s->sha256, h, 32);
    s->key = key;
    s->used = 1;
    if (key != NULL && EVP_PKEY_up_ref(key) != 1)
        return NULL;
    return key;
}

cg_sig_keep *cg_keycache_sig_keep(cg_keycache *kc, const EVP_PKEY *key)
{
    for (size_t i = 0; key != NULL && i < kc->cap && kc->slots[i].used; i++) {
        if (kc->slots[i].key == key)
            return &kc->slots[i].sig;
    }
    return NULL;
}

size_t cg_keycache_decodes(const cg_keycache *kc)
{
    return kc->decodes;
}
