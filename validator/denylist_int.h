/*
 * Internals shared by the denylist files (not for other modules).
 */
#ifndef YN_DENYLIST_INT_H
#define YN_DENYLIST_INT_H

#include "validator/denylist.h"

/* Key id of the public half of k. */
int yn_dl_key_id(const struct yn_privkey *k, uint8_t id[YN_KEYID_LEN]);
/* Serialise a full list (h->kind, key_id, seq, issued_at, not_after and
 * count are written as given) with signature sig, or signed with k when sig
 * is NULL.  e[] sorted unique with valid reasons (YN_EINVAL otherwise). */
int yn_dl_write_full(const struct yn_dl_header *h, const struct yn_dl_entry *e, size_t n,
		     const uint8_t *sig, const struct yn_privkey *k, uint8_t **out,
		     size_t *out_len);

#endif
