/*
 * Inspection: read a Yinian card with whatever keys a key set holds and
 * describe it for a desk clerk (text) or a program (JSON, jansson).
 * docs/issuance.md §6 lists the fields.
 */
#ifndef YN_INSPECT_H
#define YN_INSPECT_H

#include <stddef.h>
#include <stdint.h>

#include "card/cardstate.h"
#include "card/desfire.h"
#include "card/holder.h"
#include "card/keyset.h"

struct yn_reader;

/* What the holder record says about itself. */
enum yn_inspect_sig {
	YN_INSPECT_UNREAD = 0,		/* not read (no read key, or no application) */
	YN_INSPECT_NOT_ISSUED,		/* application present, record empty or files missing */
	YN_INSPECT_VALID,		/* signature valid, record for this card */
	YN_INSPECT_FORGED,		/* signature does not verify */
	YN_INSPECT_UNKNOWN_ISSUER,	/* signed by a key id we do not trust */
	YN_INSPECT_WRONG_CARD,		/* record belongs to another card (UID) */
	YN_INSPECT_MALFORMED,		/* record bytes do not decode */
};

/* "unread", "not_issued", "valid", "forged", "unknown_issuer", "wrong_card",
 * "malformed". */
const char *yn_inspect_sig_name(enum yn_inspect_sig s);

#define YN_INSPECT_NOTES 8

struct yn_inspect {
	uint8_t uid[10];
	size_t uid_len;
	int have_version;
	struct yn_desfire_version version;
	int app_present;
	uint8_t key_version[YN_APP_NKEYS];
	int have_key_versions;
	enum yn_inspect_sig sig;
	const char *sig_why;		/* static sentence from the holder codec, or NULL */
	int have_holder;		/* holder decoded (whatever sig says) */
	struct yn_holder holder;
	int have_purse;
	int32_t purse;
	int have_benefit;
	struct yn_benefitrec benefit;
	int have_trips;
	size_t n_trips;
	struct yn_triprec trips[YN_TRIPLOG_REC_MAX];	/* newest first */
	size_t n_notes;
	char notes[YN_INSPECT_NOTES][160];	/* what could not be read, and why */
	uint64_t apdus;
};

/*
 * Read the card on rd (connected) with the key set ks (any role: the read
 * key opens the record, trip log and benefit state; the benefit-debit or
 * credit key the purse; without them those parts are noted as not read).
 * Returns 0 whenever the card answered, whatever it holds (see in->sig and
 * in->notes); a reader error (YN_ECARDGONE ...) otherwise.  *in is cleared
 * on entry.
 */
int yn_inspect_card(struct yn_reader *rd, const struct yn_keyset *ks, struct yn_inspect *in,
		    uint64_t deadline);

/* Load a key directory for inspection: as a desk set if it has one, else
 * canteen (read + debit), else gate (read + trip).  As yn_keyset_load. */
int yn_inspect_load_keys(const char *dir, struct yn_keyset *ks);

/* The report in words a desk clerk understands (now: Unix seconds for age
 * and validity today, Asia/Shanghai).  Returns a malloc'd string or NULL
 * (YN_ENOMEM). */
char *yn_inspect_text(const struct yn_inspect *in, int64_t now);

/* The same as one JSON object (jansson), malloc'd NUL-ended string; NULL on
 * allocation failure. */
char *yn_inspect_json(const struct yn_inspect *in, int64_t now);

/* "NXP" etc. and "DESFire EV2" etc. from GetVersion. */
const char *yn_inspect_vendor(uint8_t vendor);
const char *yn_inspect_card_type(const struct yn_desfire_version *v);
/* Storage size in bytes from the GetVersion storage byte (0 if unknown). */
uint32_t yn_inspect_storage(uint8_t storage);

#endif
