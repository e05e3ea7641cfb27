/* Opening a store: the flag that creates one and the status an open gives.
 * Part of the store's face (store.h includes it) in a header of its own,
 * so that the backend drivers (driver.h) need nothing else of the store:
 * the driver seam sits below the store's files, never beside them. */
#ifndef CAGUARD_STORE_OPEN_H
#define CAGUARD_STORE_OPEN_H

typedef enum {
    CG_STORE_OK = 0,
    CG_STORE_ERROR,    /* I/O, SQL or memory; or no store where one must exist */
    CG_STORE_BAD_URI,  /* a scheme no backend handles, a directory, an empty path */
    CG_STORE_NOT_OURS, /* not a caguard store (another application's database, not a
                          database at all); left untouched */
    CG_STORE_TOO_NEW   /* a caguard store whose schema is newer than this caguard */
} cg_store_status;

/* Create the store when it does not exist (otherwise opening a missing
 * store is an error). */
#define CG_STORE_CREATE 1

#endif
