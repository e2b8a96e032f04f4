/*
 * The denylist: a signed, versioned list of card serials that must not get
 * anything, and signed deltas between lists.  Byte layout:
 * docs/denylist-format.md.
 *
 * A loaded list (struct yn_denylist) is immutable and compact: about 12
 * bytes of memory per entry (sorted serials, dates, reasons, and a bucket
 * index over the serials).  Lookups allocate nothing, take no lock and touch
 * at most a few cache lines.  Swapping the list in force without stalling
 * taps is denylist_store.h's job.
 */
#ifndef YN_DENYLIST_H
#define YN_DENYLIST_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

#define YN_DL_HDR_LEN 48	/* full list header */
#define YN_DL_DELTA_HDR_LEN 96	/* delta header */
#define YN_DL_ENTRY_LEN 11	/* serial (8), listed day (2), reason (1) */
#define YN_DL_REMOVAL_LEN 8	/* serial */
/* Entries a list may hold: bounds what a hostile header can make us allocate
 * (the file must hold them anyway) and keeps indices in 32 bits. */
#define YN_DL_MAX_ENTRIES 100000000u

enum yn_dl_kind {
	YN_DL_FULL = 1,
	YN_DL_DELTA = 2,
};

/* Why a card is listed.  The words are the CSV and JSON spellings. */
enum yn_dl_reason {
	YN_DL_LOST = 1,		/* "lost" */
	YN_DL_STOLEN = 2,	/* "stolen" */
	YN_DL_DECEASED = 3,	/* "deceased": holder died */
	YN_DL_REPLACED = 4,	/* "replaced": superseded by a new card */
	YN_DL_FRAUD = 5,	/* "fraud": cloned, forged or misused */
	YN_DL_SUSPENDED = 6,	/* "suspended": eligibility under review */
	YN_DL_OTHER = 7,	/* "other" */
};
#define YN_DL_REASON_MAX 7

struct yn_dl_entry {
	uint64_t serial;
	uint16_t listed_day;	/* days since 1970-01-01 */
	uint8_t reason;		/* enum yn_dl_reason */
};

/* The header of a full list or a delta.  For a delta, seq, issued_at,
 * not_after and count describe the full list the delta produces. */
struct yn_dl_header {
	uint8_t kind;			/* enum yn_dl_kind */
	uint8_t key_id[YN_KEYID_LEN];	/* signing key */
	uint64_t seq;
	int64_t issued_at;		/* UTC seconds */
	int64_t not_after;		/* UTC seconds; stale from then on */
	uint32_t count;			/* entries in the (resulting) full list */
	/* delta only */
	uint32_t n_add, n_remove;
	uint64_t base_seq;
	uint8_t base_digest[YN_SHA256_LEN];	/* SHA-256 of the whole base file */
};

/* "lost" etc., or NULL for a code outside 1..YN_DL_REASON_MAX. */
const char *yn_dl_reason_name(unsigned reason);
/* The code for a reason word (case-sensitive, lower case); YN_EFORMAT if
 * the word is not one of the above. */
int yn_dl_reason_parse(const char *word, uint8_t *reason);

/* --- trusted list-signing keys --- */
struct yn_dl_trust;
int yn_dl_trust_new(struct yn_dl_trust **out);
/* Add the public key at uri (crypto.h key URI).  YN_EEXIST if a key with
 * the same id is already trusted. */
int yn_dl_trust_add(struct yn_dl_trust *t, const char *uri);
/* Add a key handle; the set takes ownership (also on failure). */
int yn_dl_trust_add_key(struct yn_dl_trust *t, struct yn_pubkey *k);
/* The trusted key with this id, or NULL. */
const struct yn_pubkey *yn_dl_trust_find(const struct yn_dl_trust *t,
					 const uint8_t id[YN_KEYID_LEN]);
int yn_dl_trust_has(const struct yn_dl_trust *t, const uint8_t id[YN_KEYID_LEN]);
void yn_dl_trust_free(struct yn_dl_trust *t);

/* --- checking and parsing signed files --- */

/* Check the signature of a full list or a delta, before anything else is
 * parsed: only the length, the magic, version and kind bytes and the key id
 * at its fixed offset are read to find the key.  YN_EUNKNOWNKEY if the key id
 * is not in t, YN_EBADSIG if the signature does not verify, YN_ETRUNC /
 * YN_EFORMAT for a file too short or not a denylist.  *kind (may be NULL)
 * receives the kind. */
int yn_dl_verify(const uint8_t *buf, size_t len, const struct yn_dl_trust *t, uint8_t *kind);

/* Parse a header strictly (full or delta; the file length is checked
 * against the counts).  Does not check the signature: callers verify first
 * (yn_dl_verify), or use it only to display a file. */
int yn_dl_parse_header(const uint8_t *buf, size_t len, struct yn_dl_header *h);

/* --- a loaded full list --- */
struct yn_denylist;

/* Verify (with t) and parse a full list from memory.  On success *out owns
 * its own copy of what it needs; buf may be freed.  YN_EFORMAT / YN_ETRUNC /
 * YN_ETRAILING for a malformed list (entries out of order or repeated, a
 * count that does not match, a bad reason, reserved bytes not zero, not_after
 * not after issued_at), plus yn_dl_verify's errors.  *out NULL on failure. */
int yn_denylist_parse(const uint8_t *buf, size_t len, const struct yn_dl_trust *t,
		      struct yn_denylist **out);
/* As yn_denylist_parse, without the signature check: for showing a file
 * whose key is not at hand.  Never use a list loaded this way to decide. */
int yn_denylist_parse_unverified(const uint8_t *buf, size_t len, struct yn_denylist **out);
/* Read the file at path (into a private buffer, so that it cannot change
 * between the signature check and the parse) and yn_denylist_parse it. */
int yn_denylist_load(const char *path, const struct yn_dl_trust *t, struct yn_denylist **out);
void yn_denylist_free(struct yn_denylist *l);

/* 1 if serial is listed (and *e, if not NULL, receives its entry), 0 if
 * not.  Lock-free and allocation-free; safe from any number of threads. */
int yn_denylist_lookup(const struct yn_denylist *l, uint64_t serial, struct yn_dl_entry *e);
size_t yn_denylist_count(const struct yn_denylist *l);
/* Entry i (0 <= i < count), in serial order. */
void yn_denylist_entry(const struct yn_denylist *l, size_t i, struct yn_dl_entry *e);
const struct yn_dl_header *yn_denylist_header(const struct yn_denylist *l);
/* SHA-256 of the whole file the list came from (a delta names its base so). */
const uint8_t *yn_denylist_digest(const struct yn_denylist *l);
/* Nonzero when now (UTC seconds) is at or past the list's not_after: the
 * configured stale policy applies (docs/denylist-format.md §6). */
int yn_denylist_is_stale(const struct yn_denylist *l, int64_t now);
/* Heap bytes the loaded list holds (for the memory benchmark). */
size_t yn_denylist_mem_bytes(const struct yn_denylist *l);

/* --- producing lists (back office) --- */

/* Encode and sign a full list.  h->seq, issued_at, not_after are used
 * (h->kind, key_id and count are set from the arguments).  e[] must be
 * sorted by serial and unique (YN_EINVAL otherwise, with the index logged),
 * reasons valid, not_after > issued_at.  *out is malloc'd. */
int yn_dl_encode_full(const struct yn_dl_header *h, const struct yn_dl_entry *e, size_t n,
		      const struct yn_privkey *k, uint8_t **out, size_t *out_len);

/* A signed delta from full list old to full list new.  new must be signed
 * by k (its signature is carried in the delta, so that a terminal can
 * rebuild the signed new list without any private key) and have a higher
 * sequence than old.  old is only parsed (the back office made it).  A
 * changed entry (same serial, other date or reason) is a removal plus an
 * addition. */
int yn_dl_encode_delta(const uint8_t *old, size_t old_len, const uint8_t *new_, size_t new_len,
		       const struct yn_privkey *k, uint8_t **out, size_t *out_len);

/* Apply a delta to the full list base and return the resulting signed full
 * list (*out malloc'd), checked as yn_denylist_parse would.  Both the base
 * and the delta must verify with t.  YN_EWRONGBASE if the delta names
 * another base (sequence or digest) or does not fit it (a removal not in the
 * base, an addition already there, a count that does not add up). */
int yn_dl_apply(const uint8_t *base, size_t base_len, const uint8_t *delta, size_t delta_len,
		const struct yn_dl_trust *t, uint8_t **out, size_t *out_len);

/* A parsed delta (borrowing buf): additions and removals in file order. */
struct yn_dl_delta {
	struct yn_dl_header hdr;
	const uint8_t *add;	/* n_add * YN_DL_ENTRY_LEN bytes */
	const uint8_t *remove;	/* n_remove * YN_DL_REMOVAL_LEN bytes */
	const uint8_t *list_sig;	/* the resulting list's signature */
};
/* Parse a delta strictly (sorted unique additions and removals).  No
 * signature check: verify first with yn_dl_verify. */
int yn_dl_delta_parse(const uint8_t *buf, size_t len, struct yn_dl_delta *d);
/* Entry i of a parsed delta's additions; serial i of its removals. */
void yn_dl_delta_add(const struct yn_dl_delta *d, size_t i, struct yn_dl_entry *e);
uint64_t yn_dl_delta_removal(const struct yn_dl_delta *d, size_t i);

/* Calendar helpers for the list's dates (proleptic Gregorian, UTC days). */
int64_t yn_dl_days_from_civil(int y, unsigned m, unsigned d);
void yn_dl_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d);

#endif
