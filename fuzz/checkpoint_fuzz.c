/* Checkpoints as the static-ct-api client reads them (ct/sth.h): arbitrary
 * notes through cg_checkpoint_parse_ex and cg_sth_verify, and a round trip:
 * a tree head made from the input (size, timestamp, root, origin), signed
 * and written as a checkpoint, must read back to the same head, verify, and
 * be refused under another origin. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "ct/sth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = v << 8 | p[i];
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static EVP_PKEY *key;
    static uint8_t log_id[32];
    char why[256];
    cg_sth sth, back;
    int unsigned_note = 0;

    if (key == NULL) {
        key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        if (key == NULL || !cg_ct_log_id(key, log_id))
            __builtin_trap();
    }

    /* Arbitrary bytes as a note: any origin, then a required one. */
    if (cg_checkpoint_parse_ex(data, size, NULL, log_id, &sth, &unsigned_note, why, sizeof(why))) {
        if (unsigned_note)
            __builtin_trap();
        (void)cg_sth_verify(&sth, key, why, sizeof(why));
    }
    (void)cg_checkpoint_parse_ex(data, size, "example.com/log", log_id, &sth, NULL, why,
                                 sizeof(why));

    /* Round trip: size | timestamp | root | origin bytes. */
    if (size < 48)
        return 0;
    char origin[200];
    size_t olen = size - 48 < sizeof(origin) - 1 ? size - 48 : sizeof(origin) - 1;
    memcpy(origin, data + 48, olen);
    origin[olen] = '\0';
    memset(&sth, 0, sizeof(sth));
    sth.tree_size = be64(data);
    sth.timestamp = be64(data + 8);
    memcpy(sth.root, data + 16, 32);
    if (!cg_sth_sign(&sth, key))
        __builtin_trap();
    char note[2048];
    size_t note_len = 0;
    if (!cg_checkpoint_write(&sth, origin, log_id, note, sizeof(note), &note_len))
        return 0; /* an origin a note cannot carry */
    if (!cg_checkpoint_parse_ex((const uint8_t *)note, note_len, origin, log_id, &back,
                                &unsigned_note, why, sizeof(why)) ||
        back.tree_size != sth.tree_size || back.timestamp != sth.timestamp ||
        memcmp(back.root, sth.root, 32) != 0 || back.sig_len != sth.sig_len ||
        memcmp(back.sig, sth.sig, sth.sig_len) != 0 ||
        !cg_sth_verify(&back, key, why, sizeof(why)))
        __builtin_trap();
    if (cg_checkpoint_parse_ex((const uint8_t *)note, note_len, "example.com/not-this-one", log_id,
                               &back, NULL, why, sizeof(why)) &&
        strcmp(origin, "example.com/not-this-one") != 0)
        __builtin_trap();
    return 0;
}
