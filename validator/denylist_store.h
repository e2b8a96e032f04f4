/*
 * The list in force on a terminal: rollback floor kept across restarts,
 * trusted keys, and an atomic swap that never makes a tap wait.
 *
 * Readers (taps) each own a struct yn_dl_reader (one per thread).  Between
 * yn_dl_reader_enter and yn_dl_reader_leave a reader holds the list it got:
 * a swap meanwhile publishes the new list for later taps, and the old one is
 * freed only once no reader holds it (hazard pointers: enter is a load, a
 * store and a re-check; no lock, no allocation, no system call).
 *
 * Installing (one thread at a time; installs are serialised by a mutex that
 * readers never take): verify signature and key, parse strictly, refuse a
 * rollback, write the new floor durably, then publish.  On any refusal the
 * list in force stays and the return code says why.
 *
 * Rollback floor state file (docs/denylist-format.md §5): the highest
 * sequence ever accepted and the SHA-256 of that list, written atomically
 * (temporary file, fsync, rename, directory fsync).  After a restart the
 * same list (same sequence and digest) is accepted again; anything at or
 * below the floor otherwise is refused.
 */
#ifndef YN_DENYLIST_STORE_H
#define YN_DENYLIST_STORE_H

#include <stdint.h>

#include "validator/denylist.h"

#define YN_DL_MAX_READERS 64

struct yn_dl_holder;
struct yn_dl_reader;

/* A holder with the floor from state_path (a missing file means floor 0:
 * a terminal's first boot).  t (borrowed; must outlive the holder) is the
 * set of trusted list-signing keys.  YN_ECORRUPT if the state file exists but
 * is damaged (fail closed: the operator must look, see the format doc). */
int yn_dl_holder_new(const char *state_path, const struct yn_dl_trust *t,
		     struct yn_dl_holder **out);
/* Free the holder and every list; all readers must have been freed. */
void yn_dl_holder_free(struct yn_dl_holder *h);

/* Load path and install it (yn_denylist_load + yn_dl_holder_install). */
int yn_dl_holder_install_file(struct yn_dl_holder *h, const char *path);
/* Install a loaded list; the holder takes ownership of l in every case (a
 * refused list is freed).  Refusals: YN_EUNKNOWNKEY (key not in the
 * holder's trust set), YN_EROLLBACK (sequence not above the list in force,
 * or below the floor, or equal to the floor with another digest), I/O
 * errors writing the floor (then nothing changes). */
int yn_dl_holder_install(struct yn_dl_holder *h, struct yn_denylist *l);
/* The floor (highest sequence accepted, 0 if none). */
uint64_t yn_dl_holder_floor(const struct yn_dl_holder *h);
/* Sequence of the list in force (0 if none). */
uint64_t yn_dl_holder_seq(const struct yn_dl_holder *h);
/* Free retired lists no reader holds any more (install also does this).
 * Returns how many are still waiting for a reader to leave. */
size_t yn_dl_holder_reclaim(struct yn_dl_holder *h);

/* A reader slot for one thread.  YN_EBUSY if all YN_DL_MAX_READERS are taken. */
int yn_dl_reader_new(struct yn_dl_holder *h, struct yn_dl_reader **out);
void yn_dl_reader_free(struct yn_dl_reader *r);
/* The list in force, held until yn_dl_reader_leave (NULL if none installed:
 * the caller then applies its stale policy).  Enter/leave do not nest. */
const struct yn_denylist *yn_dl_reader_enter(struct yn_dl_reader *r);
void yn_dl_reader_leave(struct yn_dl_reader *r);
/* How many times enter had to read the list pointer again because a swap
 * happened between its load and its check: the only cost a swap can put on
 * a reader (one more load and store each).  Read it from the reader's own
 * thread. */
uint64_t yn_dl_reader_retries(const struct yn_dl_reader *r);

#endif
