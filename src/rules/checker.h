/* A check run over many objects: pass 1 runs the single-object rules as the
 * objects stream by and keeps a compact index (about 80 bytes an object)
 * plus the CA certificates; pass 2 (cg_checker_finish) re-reads only the
 * objects that need another look (certificates with SCTs, objects sharing
 * an issuer and serial) and runs the cross-object rules. */
#ifndef CAGUARD_RULES_CHECKER_H
#define CAGUARD_RULES_CHECKER_H

#include <stddef.h>
#include <stdint.h>

#include "rules/engine.h"

typedef struct cg_checker cg_checker;

cg_checker *cg_checker_new(cg_ctx *ctx, cg_reload_fn reload, cg_release_fn release, void *arg);
void cg_checker_free(cg_checker *ck);
/* Pass 1 over one file. name is borrowed until cg_checker_free. */
void cg_checker_add_file(cg_checker *ck, size_t file_no, const char *name, const uint8_t *data,
                         size_t len, cg_file_result *res);
/* Pass 1 for an object whose own pass 1 ran before (a prepared context's CA
 * certificate, checked once when it was loaded): ref and cert as the
 * engine's on_object got them then, both borrowed until cg_checker_free
 * (and the bytes cert views: a CA's is not copied), ref->file being name;
 * spki_hash, the SHA-256 of cert's subjectPublicKeyInfo, or NULL;
 * self_issued, cg_crl_cross_self_issued(cert). The object is indexed as
 * cg_checker_add_file would index it; its single-object rules are not run
 * again. */
void cg_checker_add_known(cg_checker *ck, size_t file_no, const char *name, const cg_objref *ref,
                          const cg_cert *cert, const uint8_t *spki_hash, int self_issued);
/* The bytes reload gives back are the very bytes cg_checker_add_file was
 * given, unchanged (the caller holds its buffers for the run, as a
 * prepared context's run does): pass 2 takes each object at the offset
 * pass 1 recorded without hashing it again to confirm it is the same. */
void cg_checker_inputs_held(cg_checker *ck);
/* Pass 2. */
void cg_checker_finish(cg_checker *ck);

#endif
