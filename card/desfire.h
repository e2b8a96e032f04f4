/*
 * DESFire EV2 command layer, terminal side.
 *
 * Native DESFire commands wrapped in ISO 7816-4 APDUs (CLA 0x90), with
 * 0xAF chaining in both directions, EV2 secure messaging (AuthenticateEV2First
 * and NonFirst, CmdCtr, CommMode Plain/MAC/Full), AES keys only.
 * Facts and vectors: ../shared/reference/desfire.md (section numbers below).
 * Limits, session rules and the status table: docs/desfire-terminal.md.
 *
 * The caller owns a struct yn_desfire (typically one per reader, reused for
 * every tap); nothing here allocates.  Every function that talks to the card
 * takes an absolute monotonic deadline (base/clock.h) that every APDU of the
 * exchange gets.  Data bytes go into caller buffers given with their
 * capacity; a card that answers more than the caller asked for gets
 * YN_ENOSPC (or YN_EPROTO when it also breaks a length the protocol fixes).
 *
 * Errors: 0 or a negative YN_E* (base/err.h).  A DESFire status other than
 * OK becomes a YN_ECARD_* code (yn_desfire_status_error) and is logged with
 * the command, the file or key it concerned and a sentence a desk clerk can
 * act on.  After any failure the session is in the state a real card would
 * be in: dropped after any error status, a bad MAC, a malformed answer, a
 * timeout or lost card, a failed authentication; out-parameters are cleared.
 */
#ifndef YN_DESFIRE_H
#define YN_DESFIRE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

struct yn_reader;

/* Largest secured message (command or response, all frames together, MAC
 * and padding included) the layer builds or accepts. */
#define YN_DESFIRE_MSG_MAX 1152
/* Data bytes per ReadData/WriteData command: longer transfers are split into
 * several commands (native INS); ISO-chaining INS use YN_DESFIRE_ISO_CHUNK
 * so that each command fits one short APDU. */
#define YN_DESFIRE_CHUNK 1024
#define YN_DESFIRE_ISO_CHUNK 208
/* Most response frames (91 AF continuations + the last) per command. */
#define YN_DESFIRE_FRAMES_MAX 64
/* Default and largest data bytes per outgoing frame (the APDU's Lc). */
#define YN_DESFIRE_FRAME_DEFAULT 54
#define YN_DESFIRE_FRAME_MAX 255
/* Largest response APDU accepted per frame: 256 data bytes + SW. */
#define YN_DESFIRE_RFRAME_MAX 258

/* Communication mode (the CS byte's bits 1..0, §6.2). */
enum yn_desfire_comm {
	YN_DESFIRE_PLAIN = 0,
	YN_DESFIRE_MAC = 1,
	YN_DESFIRE_FULL = 3,
};

/* Which instructions carry ReadData/WriteData/ReadRecords/WriteRecord. */
enum yn_desfire_ins_set {
	YN_DESFIRE_INS_NATIVE = 0,	/* BD 3D BB 3B, 91 AF chaining */
	YN_DESFIRE_INS_ISO = 1,		/* AD 8D AB 8B, one APDU per command */
};

/* Random source for RndA: fill p[0..n), 0 or YN_E*.  Default yn_random. */
typedef int (*yn_desfire_rng_fn)(void *ctx, uint8_t *p, size_t n);

struct yn_desfire {
	struct yn_reader *reader;	/* borrowed */
	size_t frame_max;		/* data bytes per outgoing frame */
	enum yn_desfire_ins_set ins_set;
	yn_desfire_rng_fn rng;		/* test hook: fixes RndA */
	int log_level;			/* failures logged at this level (base/log.h) */
	void *rng_ctx;

	/* session (valid while authenticated != 0) */
	int authenticated;
	uint8_t auth_key;		/* key number authenticated with */
	struct yn_ev2_keys keys;
	uint8_t ti[4];
	uint16_t cmd_ctr;
	uint32_t aid;			/* selected application (0 = PICC) */

	/* counters for the tap report; never reset by the layer */
	uint64_t apdus;			/* command APDUs sent */
	uint64_t bytes_tx;		/* command APDU bytes sent */
	uint64_t bytes_rx;		/* response APDU bytes received (with SW) */

	/* work buffers */
	uint8_t msg[YN_DESFIRE_MSG_MAX];	/* secured command, then plaintext */
	uint8_t rsp[YN_DESFIRE_MSG_MAX];	/* assembled response data */
	uint8_t frame[5 + YN_DESFIRE_FRAME_MAX + 1];
	uint8_t rframe[YN_DESFIRE_RFRAME_MAX + 2];
};

/* Set up df for reader (borrowed; must outlive its use): no session, frame
 * limit YN_DESFIRE_FRAME_DEFAULT, native INS, RndA from yn_random, counters
 * zero. */
void yn_desfire_init(struct yn_desfire *df, struct yn_reader *reader);
/* Drop the session and erase its keys (call when the card leaves). */
void yn_desfire_reset(struct yn_desfire *df);
/* Data bytes per outgoing frame, 1..YN_DESFIRE_FRAME_MAX (the reader's or
 * card's limit); YN_ERANGE otherwise. */
int yn_desfire_set_frame_max(struct yn_desfire *df, size_t n);
/* Test hook: RndA comes from rng(ctx, ...) (NULL restores yn_random). */
void yn_desfire_set_rng(struct yn_desfire *df, yn_desfire_rng_fn rng, void *ctx);
/* Load a session (keys, TI, counter, key number) as if an authentication had
 * just produced it: for tests against published transcripts whose randoms
 * are not given.  Marks the session authenticated. */
void yn_desfire_set_session(struct yn_desfire *df, const struct yn_ev2_keys *keys,
			    const uint8_t ti[4], uint16_t cmd_ctr, uint8_t key_no);
/* 1 if an EV2 session is open. */
int yn_desfire_is_authenticated(const struct yn_desfire *df);

/* --- status words (desfire.md §2.1) --- */
/* YN_E* for DESFire status sw2 (0 for 00 and for 90, the ReadSig OK). */
int yn_desfire_status_error(uint8_t sw2);
/* NXP's name ("PERMISSION_DENIED"), "UNKNOWN" for others. */
const char *yn_desfire_status_name(uint8_t sw2);
/* What it means and what to do, for a person at a desk. */
const char *yn_desfire_status_message(uint8_t sw2);

/* --- authentication (§4) --- */
/* AuthenticateEV2First with AES key key[16] number key_no: new TI, CmdCtr
 * 0, new session keys.  YN_EBADMAC if the card's proof of RndA is wrong,
 * YN_ECARD_AUTH / YN_ECARD_NOKEY ... if the card refuses, YN_EPROTO for a
 * malformed answer.  Any failure leaves no session. */
int yn_desfire_auth_ev2_first(struct yn_desfire *df, uint8_t key_no, const uint8_t key[16],
			      uint64_t deadline);
/* AuthenticateEV2NonFirst: new session keys, TI and CmdCtr kept.
 * YN_ENOTAUTH (without talking to the card) if no session is open. */
int yn_desfire_auth_ev2_nonfirst(struct yn_desfire *df, uint8_t key_no, const uint8_t key[16],
				 uint64_t deadline);

/* --- PICC and application level --- */
struct yn_desfire_version {
	uint8_t hw[7];		/* vendor, type, subtype, major, minor, storage, protocol */
	uint8_t sw[7];
	uint8_t uid[7];
	uint8_t batch[5];
	uint8_t cw, year;	/* production week and year (BCD) */
	uint8_t extra[8];	/* bytes after the 28 documented ones (EV3) */
	size_t extra_len;
};
/* GetVersion (60): three frames, 28 bytes (up to 8 more kept in extra). */
int yn_desfire_get_version(struct yn_desfire *df, enum yn_desfire_comm comm,
			   struct yn_desfire_version *v, uint64_t deadline);
/* SelectApplication (5A), aid 0 = PICC.  Always drops the session. */
int yn_desfire_select_application(struct yn_desfire *df, uint32_t aid, uint64_t deadline);
/* GetApplicationIDs (6A): up to cap AIDs into aids, count in *n. */
int yn_desfire_get_application_ids(struct yn_desfire *df, enum yn_desfire_comm comm,
				   uint32_t *aids, size_t cap, size_t *n, uint64_t deadline);
/* FormatPICC (FC): deletes every application (PICC master key session). */
int yn_desfire_format_picc(struct yn_desfire *df, enum yn_desfire_comm comm, uint64_t deadline);
/* CreateApplication (CA): aid, KS1, KS2 (bits 7..6 = 10 for AES, 3..0 =
 * key count); no ISO FID or DF name. */
int yn_desfire_create_application(struct yn_desfire *df, enum yn_desfire_comm comm, uint32_t aid,
				  uint8_t ks1, uint8_t ks2, uint64_t deadline);
/* DeleteApplication (DA).  Deleting the selected application drops the
 * session (the card returns to PICC level). */
int yn_desfire_delete_application(struct yn_desfire *df, enum yn_desfire_comm comm, uint32_t aid,
				  uint64_t deadline);
/* GetKeySettings (45): KS1 and KS2. */
int yn_desfire_get_key_settings(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t *ks1,
				uint8_t *ks2, uint64_t deadline);
/* GetKeyVersion (64). */
int yn_desfire_get_key_version(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t key_no,
			       uint8_t *version, uint64_t deadline);
/* ChangeKey (C4), always Full (§5.3).  key_no may carry the PICC key-type
 * bits (0x80 = AES).  When key_no (bits 5..0) is the authenticated key, the
 * card ends the session and old_key may be NULL; for another key old_key
 * is its current value.  YN_ENOTAUTH without a session. */
int yn_desfire_change_key(struct yn_desfire *df, uint8_t key_no, const uint8_t new_key[16],
			  uint8_t new_version, const uint8_t *old_key, uint64_t deadline);
/* GetCardUID (51), Full: the real UID (4, 7 or 10 bytes); needs a session. */
int yn_desfire_get_card_uid(struct yn_desfire *df, uint8_t uid[10], size_t *uid_len,
			    uint64_t deadline);
/* ReadSig (3C, address 00): the 56-byte originality signature r || s.
 * The card answers status 90 (or 00).  It needs no key: read it before
 * authenticating (comm PLAIN).  In an EV2 session use FULL (NXP does not
 * publish EV2's mode, §11; FULL is NTAG 424's and the software card's). */
int yn_desfire_read_sig(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t sig[56],
			uint64_t deadline);

/* --- originality check (§8): which NXP product key signed the UID ---
 * A genuine card's ReadSig is ECDSA secp224r1 over its raw UID by NXP's key
 * for its product.  The public keys below are community-collected (proxmark3
 * client/src/crypto/originality.c, via desfire.md §8), not from an NXP
 * document; docs/desfire-terminal.md lists them with their provenance. */
enum yn_desfire_product {
	YN_DESFIRE_PRODUCT_NONE = 0,
	YN_DESFIRE_PRODUCT_EV1,		/* DESFire EV1, NTAG 413 DNA */
	YN_DESFIRE_PRODUCT_EV2,		/* DESFire EV2, NTAG 424 DNA, DESFire Light EV2 */
	YN_DESFIRE_PRODUCT_EV2_AN12196,	/* NTAG 424 DNA / DESFire EV2: the AN12196 §8.2 key */
	YN_DESFIRE_PRODUCT_EV2_XL,	/* DESFire EV2 XL */
	YN_DESFIRE_PRODUCT_EV3,		/* DESFire EV3 */
	YN_DESFIRE_PRODUCT_LIGHT,	/* DESFire Light */
	YN_DESFIRE_PRODUCT_EMU_TEST,	/* the software card's test CA (card/emu) */
	YN_DESFIRE_PRODUCT_OTHER,	/* a key added by the caller */
};

struct yn_desfire_origkey {
	enum yn_desfire_product product;
	const char *name;			/* for logs and reports */
	uint8_t pub[YN_P224_PUB_LEN];		/* secp224r1 point 04 || X || Y */
};

/* NXP's keys, one per product above (EV1 ... Light), EV2 and EV3 first. */
extern const struct yn_desfire_origkey yn_desfire_origkeys_nxp[];
extern const size_t yn_desfire_origkeys_nxp_count;
/* The software card's test CA (equal to yn_emu_test_ca_pub of card/emu,
 * which a unit test checks): accept it in tests and demos only. */
extern const struct yn_desfire_origkey yn_desfire_origkey_emu_test;

/* A set of parsed originality keys, built once (parsing a point costs more
 * than a verification) and read-only afterwards: threads may share it. */
struct yn_desfire_origset;
#define YN_DESFIRE_ORIG_NXP 0x1u	/* start with yn_desfire_origkeys_nxp */
#define YN_DESFIRE_ORIG_EMU_TEST 0x2u	/* and/or with the emulator's test CA */
#define YN_DESFIRE_ORIG_MAX 16		/* keys a set holds */
/* A new set with the keys flags name (0: empty).  YN_EINVAL for an unknown
 * flag. */
int yn_desfire_origset_new(unsigned flags, struct yn_desfire_origset **out);
/* Add a key (copied, name included, cut to 63 bytes; NULL name: "other").
 * YN_EBADKEY if pub is not a secp224r1 point, YN_ENOSPC past
 * YN_DESFIRE_ORIG_MAX keys; the set is unchanged after a failure. */
int yn_desfire_origset_add(struct yn_desfire_origset *set, const struct yn_desfire_origkey *key);
/* Number of keys in the set. */
size_t yn_desfire_origset_count(const struct yn_desfire_origset *set);
void yn_desfire_origset_free(struct yn_desfire_origset *set);

/* Check a ReadSig signature over uid (4, 7 or 10 bytes: the card's real
 * UID, from anticollision or GetCardUID) against every key of the set, in
 * the order they were added.  0 and *matched = the key that verified (owned
 * by the set); YN_EBADSIG if none does (*matched NULL): not a genuine card
 * of a known product, or a clone that copied another card's signature;
 * YN_EINVAL for a bad argument. */
int yn_desfire_verify_originality(const struct yn_desfire_origset *set, const uint8_t *uid,
				  size_t uid_len, const uint8_t sig[YN_P224_SIG_LEN],
				  const struct yn_desfire_origkey **matched);
/* ReadSig (PLAIN without a session, FULL in one) then
 * yn_desfire_verify_originality.  The verdict is logged at the layer's log
 * level when it is not a match. */
int yn_desfire_check_originality(struct yn_desfire *df, const struct yn_desfire_origset *set,
				 const uint8_t *uid, size_t uid_len,
				 const struct yn_desfire_origkey **matched, uint64_t deadline);
/* A product's short name ("DESFire EV3"), "unknown" for others. */
const char *yn_desfire_product_name(enum yn_desfire_product p);

/* --- files (§6.1) --- */
enum yn_desfire_file_type {
	YN_DESFIRE_FILE_STD = 0,
	YN_DESFIRE_FILE_BACKUP = 1,
	YN_DESFIRE_FILE_VALUE = 2,
	YN_DESFIRE_FILE_LINEAR = 3,
	YN_DESFIRE_FILE_CYCLIC = 4,
	YN_DESFIRE_FILE_TMAC = 5,
};

/* Access rights as 4 nibbles: key number 0..13, 14 free, 15 never. */
#define YN_DESFIRE_AR(rd, wr, rw, car) \
	((uint16_t)(((rd) << 12) | ((wr) << 8) | ((rw) << 4) | (car)))
#define YN_DESFIRE_KEY_FREE 0xE
#define YN_DESFIRE_KEY_NEVER 0xF

struct yn_desfire_file_settings {
	uint8_t type;		/* enum yn_desfire_file_type */
	uint8_t comm;		/* enum yn_desfire_comm (CS bits 1..0; 2 reads as plain) */
	uint16_t access;	/* R W RW CAR nibbles, as YN_DESFIRE_AR */
	uint32_t size;		/* std/backup: size */
	int32_t lower, upper, limited_credit;	/* value */
	uint8_t lc_flags;	/* value: bit 0 LimitedCredit on, bit 1 free GetValue */
	uint32_t record_size, max_records, cur_records;	/* record files */
	uint8_t n_extra_ar;	/* additional access rights (EV2) */
	uint16_t extra_ar[8];
	uint8_t sdm[32];	/* CS bit 6 (SDM, EV3/NTAG): the SDM fields, raw */
	size_t sdm_len;
};

/* Operations a file access right governs. */
enum yn_desfire_op {
	YN_DESFIRE_OP_READ = 0,	/* ReadData, ReadRecords, GetValue */
	YN_DESFIRE_OP_WRITE,	/* WriteData, WriteRecord, Debit, LimitedCredit, ClearRecordFile */
	YN_DESFIRE_OP_CREDIT,	/* Credit (RW only) */
};

/* CreateStdDataFile (CD) / CreateBackupDataFile (CB). */
int yn_desfire_create_std_file(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t file_no,
			       uint8_t file_comm, uint16_t access, uint32_t size,
			       uint64_t deadline);
int yn_desfire_create_backup_file(struct yn_desfire *df, enum yn_desfire_comm comm,
				  uint8_t file_no, uint8_t file_comm, uint16_t access,
				  uint32_t size, uint64_t deadline);
/* CreateValueFile (CC). */
int yn_desfire_create_value_file(struct yn_desfire *df, enum yn_desfire_comm comm,
				 uint8_t file_no, uint8_t file_comm, uint16_t access,
				 int32_t lower, int32_t upper, int32_t value, uint8_t lc_flags,
				 uint64_t deadline);
/* CreateCyclicRecordFile (C0). */
int yn_desfire_create_cyclic_file(struct yn_desfire *df, enum yn_desfire_comm comm,
				  uint8_t file_no, uint8_t file_comm, uint16_t access,
				  uint32_t record_size, uint32_t max_records, uint64_t deadline);
/* GetFileIDs (6F): up to cap file numbers. */
int yn_desfire_get_file_ids(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t *ids,
			    size_t cap, size_t *n, uint64_t deadline);
/* GetFileSettings (F5). */
int yn_desfire_get_file_settings(struct yn_desfire *df, enum yn_desfire_comm comm,
				 uint8_t file_no, struct yn_desfire_file_settings *fs,
				 uint64_t deadline);
/* The mode a command on a file with settings fs runs in, for operation op
 * when authenticated with key auth_key (-1: no session): the file's mode
 * when that key holds the right, Plain when the right is free (E) to all
 * and the session's key does not hold it, else the file's mode (the card
 * will refuse).  Documented in docs/desfire-terminal.md. */
enum yn_desfire_comm yn_desfire_file_comm(const struct yn_desfire_file_settings *fs,
					  enum yn_desfire_op op, int auth_key);
/* GetFileSettings (MAC if a session is open, else plain) then
 * yn_desfire_file_comm for the session's key. */
int yn_desfire_comm_for_file(struct yn_desfire *df, uint8_t file_no, enum yn_desfire_op op,
			     enum yn_desfire_comm *comm, uint64_t deadline);

/* ReadData: len bytes at offset into out (cap >= len).  len 0 reads to the
 * end of the file in one command; *out_len gets the count.  Transfers longer
 * than one chunk become several commands. */
int yn_desfire_read_data(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t file_no,
			 uint32_t offset, uint32_t len, uint8_t *out, size_t cap, size_t *out_len,
			 uint64_t deadline);
/* WriteData: len bytes (1..0xFFFFFF, YN_ERANGE otherwise) at offset; more
 * than one chunk becomes several commands (a backup file keeps them in one
 * transaction; a standard file is written as each command completes). */
int yn_desfire_write_data(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t file_no,
			  uint32_t offset, const uint8_t *data, size_t len, uint64_t deadline);
/* GetValue (6C). */
int yn_desfire_get_value(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t file_no,
			 int32_t *value, uint64_t deadline);
/* Credit (0C), Debit (DC), LimitedCredit (1C): amount >= 0 (YN_ERANGE else). */
int yn_desfire_credit(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t file_no,
		      int32_t amount, uint64_t deadline);
int yn_desfire_debit(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t file_no,
		     int32_t amount, uint64_t deadline);
int yn_desfire_limited_credit(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t file_no,
			      int32_t amount, uint64_t deadline);
/* ReadRecords: count records (0 = all) from rec_no (0 = newest), oldest
 * first, into out; *out_len bytes.  YN_ENOSPC if they do not fit cap. */
int yn_desfire_read_records(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t file_no,
			    uint32_t rec_no, uint32_t count, uint8_t *out, size_t cap,
			    size_t *out_len, uint64_t deadline);
/* WriteRecord: len bytes at offset within the new record (one command:
 * len at most one chunk, YN_ERANGE otherwise). */
int yn_desfire_write_record(struct yn_desfire *df, enum yn_desfire_comm comm, uint8_t file_no,
			    uint32_t offset, const uint8_t *data, size_t len, uint64_t deadline);
/* ClearRecordFile (EB). */
int yn_desfire_clear_record_file(struct yn_desfire *df, enum yn_desfire_comm comm,
				 uint8_t file_no, uint64_t deadline);
/* CommitTransaction (C7, no option byte) and AbortTransaction (A7). */
int yn_desfire_commit(struct yn_desfire *df, enum yn_desfire_comm comm, uint64_t deadline);
int yn_desfire_abort(struct yn_desfire *df, enum yn_desfire_comm comm, uint64_t deadline);

#endif
