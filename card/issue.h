/*
 * Issuance desk: personalise a factory-blank DESFire card as a Yinian card,
 * resume a half-issued one, and verify the result (docs/issuance.md).
 *
 * Order of the writes (each step is skipped when the survey finds it done):
 *   1 PICC: AuthenticateEV2First with the factory key, CreateApplication;
 *   2 application: keys 1..4 to their diversified values (key 0 session),
 *     then key 0 itself;
 *   3 the four files of yn_app_files[] (key 0 session);
 *   4 benefit state: initial record, CommitTransaction (key 3);
 *   5 voucher purse: Credit, CommitTransaction (key 4);
 *   6 holder record, signed for this UID (key 4)  -- last but one;
 *   7 verification with the roles' keys (read-only).
 * A card without a holder record is "not issued" for every terminal.
 */
#ifndef YN_ISSUE_H
#define YN_ISSUE_H

#include <stddef.h>
#include <stdint.h>

#include "card/holder.h"
#include "card/keyset.h"
#include "card/yinian_app.h"

struct yn_reader;

/* What the survey found on the card (docs/issuance.md §3). */
enum yn_issue_stage {
	YN_ISSUE_BLANK = 0,	/* factory blank: no application, factory PICC key */
	YN_ISSUE_APP_CREATED,	/* our application, every key still the factory key */
	YN_ISSUE_KEYS_PARTIAL,	/* some keys diversified, some not */
	YN_ISSUE_KEYS_DONE,	/* keys diversified, files missing */
	YN_ISSUE_FILES_DONE,	/* files created, benefit state not yet written */
	YN_ISSUE_NO_RECORD,	/* benefit state written, holder record empty */
	YN_ISSUE_RECORD_BAD,	/* holder record present but not valid for this card */
	YN_ISSUE_ISSUED,	/* holder record valid: an issued card */
	YN_ISSUE_FOREIGN,	/* not blank and not ours: never touched */
};

/* "blank", "application created", ... (for messages and JSON). */
const char *yn_issue_stage_name(enum yn_issue_stage s);

/* The card as the survey found it (read-only commands only). */
struct yn_issue_survey {
	uint8_t uid[YN_UID_LEN];
	enum yn_issue_stage stage;
	int has_app;			/* our AID is on the card */
	uint8_t key_version[YN_APP_NKEYS];	/* has_app: 0 factory, YN_APP_KEY_VERSION ours */
	uint8_t files;			/* bit (no - 1) set: file no exists with our settings */
	int benefit_ok;			/* benefit state holds a valid record */
	int purse_known;
	int32_t purse;			/* voucher purse value (purse_known) */
	int record;			/* 0 empty, 1 valid, else the YN_E* from decode/verify */
	struct yn_holder holder;	/* record == 1 */
	char why[384];			/* a sentence: what was found (and, if FOREIGN, why) */
};

/*
 * Survey the card on rd (connected, yn_reader_wait_card done) with the desk
 * key set ks, using read-only commands and authentications: which of the
 * steps are done, and whether the card is ours at all.  Returns 0 with
 * s->stage set (FOREIGN included), or a reader/card error (YN_ECARDGONE,
 * YN_ETIMEOUT, ...) with s->why saying where.
 */
int yn_issue_survey(struct yn_reader *rd, const struct yn_keyset *ks, struct yn_issue_survey *s,
		    uint64_t deadline);

struct yn_issue_req {
	struct yn_holder holder;	/* from yn_holder_json_*; uid 0 = the card's; serial 0 = allocate */
	int32_t vouchers;		/* initial voucher balance, 0..YN_PURSE_UPPER */
	int resume;			/* complete a half-issued card of ours */
	const char *serial_file;	/* allocator (card/serial_alloc.h); NULL: no record kept */
	const char *serial_note;	/* allocator note word; NULL = "issue" */
	int64_t now;			/* Unix seconds (allocator date) */
	uint32_t timeout_ms;		/* for the whole card; 0 = 30000 */
};

struct yn_issue_report {
	enum yn_issue_stage found;	/* the card's stage before this run */
	uint8_t uid[YN_UID_LEN];
	uint64_t serial;		/* the serial on the card (0 if none was written) */
	int32_t purse;			/* the verified voucher balance */
	int already;			/* 1: the card was already complete (resume) */
	const char *step;		/* the step that failed, or NULL */
	uint64_t apdus;			/* command APDUs sent */
	uint64_t ms;			/* wall time, milliseconds */
	char msg[512];			/* on failure: what happened and what to do */
};

/*
 * Issue (personalise) the card on rd for req->holder with the desk key set
 * ks (must hold every AES master and the issuer private key: YN_EBADKEY
 * otherwise, before the card is touched).  The holder is checked
 * (yn_holder_check) and its uid, if given, compared with the card's before
 * anything is written.
 *
 * Refusals that leave the card as it was, each with rep->msg:
 *   YN_EINVAL     holder fields, vouchers out of range (msg names the field);
 *   YN_EWRONGCARD holder.uid is not this card;
 *   YN_EEXIST     the card is not blank (FOREIGN), already issued, or
 *                 half-issued and req->resume is 0 (msg says to add --resume);
 *   YN_ECARD_*    ... from the survey;
 *   serial allocator errors (YN_EEXIST: serial already given to another card).
 * A failure during the writes (card pulled away: YN_ECARDGONE) leaves a
 * half-issued card that has no holder record; rep->msg says to present it
 * again with --resume.  Verification failures give the verification's code
 * (YN_EBADSIG, YN_ECORRUPT for a layout or value mismatch).
 * rep is cleared on entry and always filled as far as the run got.
 */
int yn_issue_card(struct yn_reader *rd, const struct yn_keyset *ks, const struct yn_issue_req *req,
		  struct yn_issue_report *rep);

/*
 * Verify an issued card with the roles' keys (read-only): key versions,
 * key settings, file numbers and settings against yn_app_files[], the
 * holder record read with key 1 (byte-equal to expect if not NULL; decoded,
 * signature against ks's trusted issuer keys, UID equal to the card's
 * real UID from GetCardUID), the benefit state, the purse value with key 3
 * (equal to vouchers if vouchers >= 0).  0 or the first failure's code,
 * with msg (msglen bytes) naming it; *serial gets the record's serial.
 */
int yn_issue_verify(struct yn_reader *rd, const struct yn_keyset *ks,
		    const uint8_t *expect, int32_t vouchers, uint64_t *serial, char *msg,
		    size_t msglen, uint64_t deadline);

#endif
