/* Pieces the certificate and CRL parsers share; not for other modules. */
#ifndef CAGUARD_X509_X509_INTERNAL_H
#define CAGUARD_X509_X509_INTERNAL_H

#include <stdio.h>

#include "x509/x509.h"

/* Sets err to the offset of where (relative to base) and msg, returns 0. */
#define FAIL(where, msg)                                                                  \
    do {                                                                                  \
        err->offset = (size_t)((where)->data - base);                                     \
        snprintf(err->what, sizeof(err->what), "%s", (msg));                              \
        return 0;                                                                         \
    } while (0)

/* Reads the contents of an Extensions SEQUENCE (SIZE 1..MAX) into ext[]. */
int cg_x509_read_extensions(cg_cbs seq_contents, cg_ext *ext, size_t *n, const uint8_t *base,
                            cg_der_error *err);
/* Reads one UTCTime or GeneralizedTime element; what names it in err. */
int cg_x509_read_time(cg_cbs *in, cg_cbs *elem, int64_t *t, unsigned *flags,
                      const uint8_t *base, cg_der_error *err, const char *what);

#endif
