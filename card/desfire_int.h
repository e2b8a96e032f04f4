/*
 * Internals of the DESFire terminal layer, shared by card/desfire_*.c only.
 *
 *   desfire_frame.c    ISO 7816-4 wrapping, 91 AF chaining, frame limits, counters
 *   desfire_status.c   status byte -> YN_E* and messages; command names
 *   desfire_session.c  EV2 authentication and secure messaging (CmdCtr, MAC, Full)
 *   desfire_cmd.c      PICC, application and key commands
 *   desfire_file.c     file, data, value, record and transaction commands
 */
#ifndef YN_DESFIRE_INT_H
#define YN_DESFIRE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base/log.h"
#include "card/desfire.h"

/* Native command codes used here (§6.1). */
enum {
	DF_INS_AUTH_EV2_FIRST = 0x71,
	DF_INS_AUTH_EV2_NONFIRST = 0x77,
	DF_INS_ADDITIONAL_FRAME = 0xAF,
	DF_INS_GET_VERSION = 0x60,
	DF_INS_SELECT_APPLICATION = 0x5A,
	DF_INS_GET_APPLICATION_IDS = 0x6A,
	DF_INS_FORMAT_PICC = 0xFC,
	DF_INS_CREATE_APPLICATION = 0xCA,
	DF_INS_DELETE_APPLICATION = 0xDA,
	DF_INS_GET_KEY_SETTINGS = 0x45,
	DF_INS_GET_KEY_VERSION = 0x64,
	DF_INS_CHANGE_KEY = 0xC4,
	DF_INS_GET_CARD_UID = 0x51,
	DF_INS_READ_SIG = 0x3C,
	DF_INS_CREATE_STD_FILE = 0xCD,
	DF_INS_CREATE_BACKUP_FILE = 0xCB,
	DF_INS_CREATE_VALUE_FILE = 0xCC,
	DF_INS_CREATE_CYCLIC_FILE = 0xC0,
	DF_INS_GET_FILE_IDS = 0x6F,
	DF_INS_GET_FILE_SETTINGS = 0xF5,
	DF_INS_READ_DATA = 0xBD,
	DF_INS_READ_DATA_ISO = 0xAD,
	DF_INS_WRITE_DATA = 0x3D,
	DF_INS_WRITE_DATA_ISO = 0x8D,
	DF_INS_GET_VALUE = 0x6C,
	DF_INS_CREDIT = 0x0C,
	DF_INS_DEBIT = 0xDC,
	DF_INS_LIMITED_CREDIT = 0x1C,
	DF_INS_READ_RECORDS = 0xBB,
	DF_INS_READ_RECORDS_ISO = 0xAB,
	DF_INS_WRITE_RECORD = 0x3B,
	DF_INS_WRITE_RECORD_ISO = 0x8B,
	DF_INS_CLEAR_RECORD_FILE = 0xEB,
	DF_INS_COMMIT = 0xC7,
	DF_INS_ABORT = 0xA7,
};

/* Status bytes (SW2 after 91) with a meaning in the framing. */
enum {
	DF_ST_OK = 0x00,
	DF_ST_SIGNATURE = 0x90,
	DF_ST_MORE = 0xAF,
};

/* yn_df_transceive / yn_df_command flags. */
#define DF_F_RAW_AF 0x01	/* 91 AF ends the exchange (authentication steps) */
#define DF_F_ONE_APDU 0x02	/* whole command in one APDU (ISO-chaining INS) */
#define DF_F_STATUS90 0x04	/* status 90 is success (ReadSig) */
#define DF_F_NEED_AUTH 0x08	/* refuse locally without a session */
#define DF_F_NO_RESP_MAC 0x10	/* the card ends the session: plain empty answer */
#define DF_F_CONTINUE 0x20	/* first frame under INS AF (later authentication steps) */

/* One native command before secure messaging: hdr stays plain in every
 * mode (the CmdHeader of §5.1), data is MACed / enciphered per comm. */
struct yn_df_cmd {
	uint8_t ins;
	const uint8_t *hdr;
	size_t hdr_len;
	const uint8_t *data;
	size_t data_len;
	enum yn_desfire_comm comm;
	unsigned flags;
	const char *what;	/* context for logs: "file 2", "key 3", "AID 0x0A1B2C" */
};

/* Send native command ins with body[0..len) (already secured), splitting it
 * into frames; gather every response frame's data into df->rsp.  On return
 * 0, *sw2 is the final status and *rsp_len the data length.  Transport
 * failures, a status word that is not 91xx, too many frames or too much
 * data give a negative code (logged) and *rsp_len 0. */
int yn_df_transceive(struct yn_desfire *df, uint8_t ins, const uint8_t *body, size_t len,
		     unsigned flags, const char *what, uint8_t *sw2, size_t *rsp_len,
		     uint64_t deadline);

/* Run c under the session's secure messaging and return the plaintext
 * response data in out[0..cap) (*out_len).  out NULL: the command has no
 * response data and any is a protocol error.  Drops the session on every
 * error a real card drops it for, and on bad MACs and malformed answers. */
int yn_df_command(struct yn_desfire *df, const struct yn_df_cmd *c, uint8_t *out, size_t cap,
		  size_t *out_len, uint64_t deadline);

/* " " before a non-empty log context. */
#define DF_SP(what) (*(what) ? " " : "")

/* An answer that passed its MAC but breaks a length or layout the protocol
 * fixes: drop the session (the card misbehaves) and return YN_EPROTO.  The
 * caller logs what was wrong. */
int yn_df_bad_answer(struct yn_desfire *df);

/* Forget the session and erase its keys. */
void yn_df_drop(struct yn_desfire *df);

/* Log a failing status for command ins (context what) and return its code. */
int yn_df_status_fail(const struct yn_desfire *df, uint8_t ins, const char *what, uint8_t sw2);

/* "WriteData" for 0x3D; "command 0xNN" style names are not kept: unknown
 * codes give "command". */
const char *yn_df_cmd_name(uint8_t ins);

/* Failures are logged at df->log_level (default error: the desk tool shows
 * them; the daemon lowers it, since a pulled card is routine there). */
#define df_log(df, ...) yn_log((df)->log_level, __VA_ARGS__)

#endif
