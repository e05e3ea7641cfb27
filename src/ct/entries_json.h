/* The body of an RFC 6962 get-entries answer (§4.6), read without building
 * a JSON tree:
 *
 *   {"entries": [{"leaf_input": "<base64>", "extra_data": "<base64>"}, ...]}
 *
 * A monitor reads every entry of every log it follows, a thousand entries
 * (some megabytes of JSON) an answer; a general JSON parser spends most of
 * its time allocating a node and copying each string. This reader checks
 * the whole body against the JSON grammar (RFC 8259: nesting, escapes,
 * numbers, UTF-8) first, decoding each entry's two base64 strings in place
 * as it scans them (one pass over their characters, the decoded bytes
 * written over the text they came from), and only then hands the entries
 * over: a body that is not valid JSON delivers nothing. Members other than
 * "entries", "leaf_input" and "extra_data" are allowed and skipped; a
 * repeated one of those three is an error (which one would a reader take?).
 *
 * Ownership: the body is the caller's and is OVERWRITTEN (whatever the
 * result: a body is read once); what the reader hands to the callback
 * points into it (every string is decoded before the first call) and
 * stays valid while the body does, unchanged: a caller may keep where the
 * entries are rather than copy them. Not thread-safe: one per thread. */
#ifndef CAGUARD_CT_ENTRIES_JSON_H
#define CAGUARD_CT_ENTRIES_JSON_H

#include <stddef.h>
#include <stdint.h>

typedef struct cg_entries_reader cg_entries_reader;

cg_entries_reader *cg_entries_reader_new(void);
void cg_entries_reader_free(cg_entries_reader *r);

/* Called for the entries in order, i from 0. Returns 1 to go on, 0 to stop
 * (cg_entries_read then returns CG_ENTRIES_STOPPED). */
typedef int (*cg_entries_fn)(void *arg, size_t i, const uint8_t *leaf, size_t leaf_len,
                             const uint8_t *extra, size_t extra_len);

typedef enum {
    CG_ENTRIES_OK = 0,
    CG_ENTRIES_BAD,     /* not JSON, not a get-entries answer, or bad base64: see why */
    CG_ENTRIES_STOPPED, /* the callback asked to stop */
    CG_ENTRIES_NOMEM
} cg_entries_status;

/* Reads body; *n receives the number of entries in it (also on
 * CG_ENTRIES_STOPPED and on an error found while decoding an entry; 0 when
 * the JSON was rejected). An answer with more than max entries is
 * CG_ENTRIES_BAD, before any callback. why receives a message naming the
 * byte offset or the entry. */
cg_entries_status cg_entries_read(cg_entries_reader *r, uint8_t *body, size_t len, size_t max,
                                  cg_entries_fn fn, void *arg, size_t *n, char *why,
                                  size_t whycap);

/* Where an entry is in a body: its leaf_input, and its extra_data in two
 * pieces, head then tail (tail_len 0: all in head), which together are
 * the bytes the log sent. Offsets into the body. */
typedef struct cg_entry_at {
    size_t leaf, leaf_len, head, head_len, tail, tail_len;
} cg_entry_at;

/* An answer's entries packed at the start of its body, once
 * cg_entries_read has decoded them (CG_ENTRIES_OK): at[0..n) as the
 * callback gave them (leaf and head, tail_len 0). Each entry's strings are
 * moved, in body order, to the front, and a piece of extra_data equal to
 * one packed before is stored once, both entries pointing at it: a chain
 * (the [intermediate, root] every entry of one CA carries) is a piece of
 * its own, all of an X509ChainEntry's extra_data, or the tail of a
 * PrecertChainEntry's after its pre_certificate (RFC 6962 §4.6: the
 * pieces are cut where the first 3-byte length says, whatever the entry;
 * they are only where the bytes are kept). at is rewritten to the packed
 * offsets. Returns the bytes of body in use from its start. Safe in place
 * because a string's decoded bytes start where its text did and are never
 * longer than it: every move goes toward the start and never over bytes
 * not yet moved. */
size_t cg_entries_pack(uint8_t *body, cg_entry_at *at, size_t n);

#endif
