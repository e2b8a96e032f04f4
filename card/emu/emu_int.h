/*
 * Internals of the software DESFire EV2 card, shared by its modules:
 *   emu.c     life cycle, power, APDU framing and 0xAF chaining
 *   cmd.c     command dispatch and the rights every command shares
 *   cmd_app.c PICC, application and key commands
 *   cmd_file.c file commands, file access rights and communication modes
 *   files.c   files, values, records and the transaction mirror
 *   sm.c      authentication and secure messaging (EV1 and EV2)
 *   nvm.c     the non-volatile memory model: write counting and tearing
 *   state.c   the state file (format in docs/emulator.md)
 * Nothing here is part of the public API (card/emu/emu.h).
 */
#ifndef YN_EMU_INT_H
#define YN_EMU_INT_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

#define EMU_MAX_APPS 28
#define EMU_MAX_FILES 32
#define EMU_MAX_KEYS 14
#define EMU_DFNAME_MAX 16
/* User memory of the modelled 8 KB card, and how it is charged (see
 * docs/emulator.md "Memory"). */
#define EMU_NV_CAPACITY 7936u
#define EMU_NV_BLOCK 32u
/* Largest command or response that chaining assembles (a whole 8 KB file
 * read plus padding and MAC fits). */
#define EMU_CHAIN_MAX 8400u
/* Data bytes per native response frame before 91 AF chaining. */
#define EMU_FRAME_MAX 59u
/* Signature returned by ReadSig: ECDSA secp224r1 r || s over the raw UID
 * (docs/emulator.md §3). */
#define EMU_SIG_LEN YN_P224_SIG_LEN

/* DESFire status bytes (SW2 after 0x91), desfire.md §2.1. */
enum {
	ST_OK = 0x00,
	ST_NO_CHANGES = 0x0C,
	ST_OUT_OF_EEPROM = 0x0E,
	ST_ILLEGAL_COMMAND = 0x1C,
	ST_INTEGRITY = 0x1E,
	ST_NO_SUCH_KEY = 0x40,
	ST_LENGTH = 0x7E,
	ST_SIGNATURE = 0x90,
	ST_PERMISSION = 0x9D,
	ST_PARAMETER = 0x9E,
	ST_APP_NOT_FOUND = 0xA0,
	ST_AUTH = 0xAE,
	ST_MORE = 0xAF,
	ST_BOUNDARY = 0xBE,
	ST_ABORTED = 0xCA,
	ST_COUNT = 0xCE,
	ST_DUPLICATE = 0xDE,
	ST_FILE_NOT_FOUND = 0xF0,
};

/* Internal result of a command that lost power half way (not a status). */
#define EMU_TORN (-1000)

enum file_type {
	FT_STD = 0x00,
	FT_BACKUP = 0x01,
	FT_VALUE = 0x02,
	FT_LINEAR = 0x03,
	FT_CYCLIC = 0x04,
};

/* Communication modes (CS bits 1..0). */
enum comm {
	CM_PLAIN = 0,
	CM_MAC = 1,
	CM_FULL = 3,
};

struct emu_key {
	uint8_t k[16];
	uint8_t ver;
};

struct emu_file {
	uint8_t no;
	uint8_t type;
	uint8_t cs;		/* communication settings byte as created */
	uint16_t ar;		/* R W RW CAR nibbles, R in bits 15..12 */
	int has_fid;
	uint16_t fid;
	/* standard and backup data files */
	uint32_t size;
	uint8_t *data;		/* committed (visible) content */
	uint8_t *mirror;	/* backup: pending content, NULL if untouched */
	/* value files */
	int32_t lower, upper, value;
	uint8_t lc_flags;	/* bit 0 LimitedCredit enabled, bit 1 free GetValue */
	int32_t lc_limit;	/* what LimitedCredit may still add */
	int tx_value_dirty;
	int32_t tx_value;
	int64_t tx_debits;	/* sum of Debits in this transaction */
	int tx_lc_used;
	/* record files: data holds rec_count records, oldest first */
	uint32_t rec_size, rec_max, rec_count;
	uint8_t *tx_rec;	/* pending new record (rec_size bytes), or NULL */
	int tx_clear;		/* ClearRecordFile pending */
};

struct emu_app {
	uint32_t aid;
	uint8_t ks1, ks2;
	int has_fid;
	uint16_t fid;
	uint8_t dfname[EMU_DFNAME_MAX];
	size_t dfname_len;
	uint8_t nkeys;
	struct emu_key keys[EMU_MAX_KEYS];
	struct emu_file *files[EMU_MAX_FILES];
};

enum auth_kind { AUTH_NONE = 0, AUTH_EV1, AUTH_EV2 };

struct emu_session {
	int kind;
	uint8_t keyno;
	/* EV1: one session key and the running IV */
	uint8_t sk[16];
	uint8_t iv[16];
	/* EV2 */
	struct yn_ev2_keys ev2;
	uint8_t ti[4];
	uint16_t ctr;
	int have_ti;		/* TI/CmdCtr survive for a NonFirst */
};

/* An authentication in progress (between its frames). */
struct emu_pending_auth {
	int active;
	uint8_t cmd;		/* 0xAA, 0x71 or 0x77 */
	uint8_t keyno;
	uint8_t key[16];
	uint8_t rndb[16];
	uint8_t ek_rndb[16];	/* step-2 ciphertext (EV1 IV for step 3) */
	uint8_t pcdcap2[6];
};

/* Where the card stands in 0xAF chaining. */
enum chain_state { CH_NONE = 0, CH_CMD_IN, CH_RESP_OUT };

struct yn_emu {
	/* --- persistent state (saved in the state file) --- */
	uint8_t uid[10];
	size_t uid_len;
	uint8_t picc_ks1;
	struct emu_key picc_key;
	uint8_t sig[EMU_SIG_LEN];
	struct emu_app *apps[EMU_MAX_APPS];

	/* --- volatile state (lost on power off / reset) --- */
	int powered;
	struct emu_app *sel;	/* NULL = PICC level */
	struct emu_session s;
	struct emu_pending_auth pa;
	int chain;
	uint8_t chain_cmd;	/* command being assembled */
	int chain_iso;		/* response belongs to an ISO-variant command */
	uint8_t *chain_buf;	/* EMU_CHAIN_MAX bytes */
	uint8_t *scratch;	/* EMU_CHAIN_MAX + 64 bytes for MAC/CRC input */
	uint8_t *rbuf;		/* EMU_CHAIN_MAX + 64 bytes: the response being built */
	size_t chain_len, chain_off;
	size_t chain_expect;
	uint8_t chain_status;
	/* GetVersion's fixed frame sizes (0 = split at EMU_FRAME_MAX) */
	size_t chain_frames[3];
	unsigned chain_frame_idx;

	/* --- test hooks --- */
	uint8_t rng[256];
	size_t rng_len, rng_off;

	/* --- NV memory model and tearing --- */
	unsigned commands;	/* since power-on */
	unsigned nv_writes;	/* since power-on */
	unsigned tear_cmd;	/* 0 = off; else tear at the command this reaches 1 */
	unsigned tear_write;	/* 0 = off; else tear in the write this reaches 1 */
	size_t tear_bytes;
	int nv_dirty;		/* persistent state changed in this command */

	/* --- state file --- */
	char *path;		/* NULL for a card in memory only */
};

/* --- emu.c --- */
/* Card random bytes: the test RNG queue while it lasts, then yn_random. */
int emu_random(struct yn_emu *c, uint8_t *p, size_t n);
/* End the session and discard the pending transaction (SelectApplication,
 * errors, power loss). */
void emu_drop_session(struct yn_emu *c);

/* Sign the UID for ReadSig with the key file at key_uri, or with the
 * built-in test CA when key_uri is NULL. */
int emu_sign_uid(const uint8_t *uid, size_t uid_len, const char *key_uri,
		 uint8_t sig[EMU_SIG_LEN]);

/* --- nvm.c --- */
/* A write of n bytes to dst that can be torn: copies all n bytes and
 * returns 0, or copies only the bytes that reached the memory before the
 * armed cut and returns EMU_TORN. */
int emu_nv_write(struct yn_emu *c, uint8_t *dst, const uint8_t *src, size_t n);
/* An all-or-nothing update of journal_len bytes (journal, then commit flag).
 * Returns 0: apply the change; EMU_TORN: do not apply it (power lost before
 * the commit flag); NV_APPLY_TORN: apply it, then the card loses power. */
#define NV_APPLY_TORN 1
int emu_nv_atomic(struct yn_emu *c, size_t journal_len);

/* --- files.c --- */
void emu_file_free(struct emu_file *f);
void emu_app_free(struct emu_app *a);
/* Bytes of user memory charged for a file / an application. */
size_t emu_file_charge(const struct emu_file *f);
size_t emu_app_charge(const struct emu_app *a);
size_t emu_free_memory(const struct yn_emu *c);
/* Pending changes in the selected application (0 if none). */
int emu_tx_pending(const struct emu_app *a);
/* Journal size of the pending changes (for emu_nv_atomic). */
size_t emu_tx_journal_len(const struct emu_app *a);
/* Make every pending change visible. */
void emu_tx_apply(struct emu_app *a);
/* Discard every pending change. */
void emu_tx_discard(struct emu_app *a);
/* Value-file operations on the pending value; ST_* results. */
int emu_value_credit(struct emu_file *f, int32_t v);
int emu_value_debit(struct emu_file *f, int32_t v);
int emu_value_limited_credit(struct emu_file *f, int32_t v);
int32_t emu_value_visible(const struct emu_file *f);
/* Records: pending write into the new record; ST_* results. */
int emu_record_write(struct emu_file *f, uint32_t off, uint32_t len, const uint8_t *data);
/* Copy records [recno newest-first, count] oldest first into out. */
int emu_record_read(const struct emu_file *f, uint32_t recno, uint32_t count, uint8_t *out,
		    size_t cap, size_t *out_len);
/* A new, empty file of the given type (FT_*), or NULL without memory. */
struct emu_file *emu_file_new(uint8_t type);

/* --- sm.c --- */
struct emu_reply {
	uint8_t status;
	uint8_t *buf;		/* EMU_CHAIN_MAX bytes */
	size_t len;
};
/* Authentication frames. */
int emu_sm_auth_start(struct yn_emu *c, uint8_t cmd, const uint8_t *data, size_t len,
		      struct emu_reply *rp);
int emu_sm_auth_step(struct yn_emu *c, const uint8_t *data, size_t len, struct emu_reply *rp);

/* How a command's data travels in the current session. */
struct sm_cmd {
	uint8_t cmd;
	const uint8_t *raw;	/* command data after the command byte */
	size_t raw_len;
	int mode;		/* CM_* */
	size_t hdr_len;		/* plain header bytes at the start */
	int ev1_tx_mac;		/* EV1 MAC mode: the PCD sends the MAC (1), or not (0),
				 * or either, told apart by ev1_plain_len (-1) */
	size_t ev1_plain_len;	/* EV1: plaintext bytes after the header (Full; and
				 * MAC with ev1_tx_mac -1) */
	size_t ev1_extra;	/* EV1 Full: bytes between the CRC and the padding
				 * (ChangeKey's second CRC), returned after the data */
	/* out: */
	const uint8_t *hdr;
	uint8_t body[EMU_CHAIN_MAX];
	size_t body_len;
};
/* Check and strip the command's MAC / decrypt its data.  ST_OK or an
 * ST_* error (ST_INTEGRITY on a bad MAC, CRC or padding). */
int emu_sm_unwrap(struct yn_emu *c, struct sm_cmd *m);
/* Protect a successful response (status ST_OK or ST_SIGNATURE) in place
 * according to mode, and advance the EV2 command counter. */
int emu_sm_wrap(struct yn_emu *c, int mode, struct emu_reply *rp);

/* --- cmd.c, cmd_file.c --- */
/* Execute one assembled native command.  Fills rp; returns 0 or EMU_TORN
 * or a negative YN_E* for an internal failure. */
int emu_cmd_execute(struct yn_emu *c, uint8_t cmd, const uint8_t *data, size_t len, int iso,
		    struct emu_reply *rp);
/* Total command data (after the command byte) that WriteData/WriteRecord
 * needs in this session, so that chaining knows when it is complete; 0 if
 * the command is not chained or the length cannot be told (it then runs
 * on what it has). */
size_t emu_cmd_expected_len(struct yn_emu *c, uint8_t cmd, const uint8_t *data, size_t len);

/* --- state.c --- */
int emu_state_save(const struct yn_emu *c, const char *path);
int emu_state_load(const char *path, struct yn_emu *c);

#endif
