/*
 * The Yinian application on a MIFARE DESFire EV2/EV3 card: its AID, keys,
 * key settings and files.  This header is the single source of truth that
 * issuance (personalisation), inspection and the tap use; docs/card-format.md
 * explains every value (section numbers below refer to it).
 */
#ifndef YN_YINIAN_APP_H
#define YN_YINIAN_APP_H

#include <stddef.h>
#include <stdint.h>

/* --- application (card-format.md §2) --- */

/* AID as NXP writes it (most significant nibble first).  Not in the
 * 0xFnnnnx range, which AN10787 reserves for MIFARE Classic MAD ids. */
#define YN_APP_AID 0x594E31u
/* The same AID as sent in SelectApplication/CreateApplication and as used in
 * the diversification input: least significant byte first. */
#define YN_APP_AID_WIRE { 0x31, 0x4E, 0x59 }
#define YN_APP_AID_LEN 3

#define YN_UID_LEN 7		/* 7-byte NXP UID (double size) */
#define YN_SYSID_LEN 16		/* system identifier, fixed length */
/* Diversification input: UID(7) || AID(3, wire order) || SysID(16) = 26. */
#define YN_DIVINPUT_LEN (YN_UID_LEN + YN_APP_AID_LEN + YN_SYSID_LEN)

/* --- keys (card-format.md §3) --- */
enum yn_app_keyno {
	YN_KEY_APP_MASTER = 0,	/* desk: key and file management */
	YN_KEY_READ = 1,	/* every terminal: read holder record, trip log, benefit state */
	YN_KEY_TRIP = 2,	/* gates: append to the trip log */
	YN_KEY_DEBIT = 3,	/* canteens, service points: benefit state, purse debit */
	YN_KEY_CREDIT = 4,	/* desk: write the holder record, credit the purse */
};
#define YN_APP_NKEYS 5
/* Key version written with every diversified key: the generation of the
 * master key set (a key rotation raises it). */
#define YN_APP_KEY_VERSION 0x01

/* KS1: ChangeKey needs the application master key (bits 7..4 = 0);
 * configuration changeable with the AMK (bit 3); CreateFile/DeleteFile need
 * the AMK (bit 2 = 0); GetFileIDs/GetFileSettings/GetKeySettings free
 * (bit 1); AMK changeable (bit 0). */
#define YN_APP_KS1 0x0B
/* KS2: AES (bits 7..6 = 10), no ISO file ids, no KS3, 5 keys. */
#define YN_APP_KS2 (0x80 | YN_APP_NKEYS)

/* --- files (card-format.md §4) --- */
#define YN_FILE_HOLDER 0x01	/* standard data file, Full */
#define YN_FILE_TRIPLOG 0x02	/* cyclic record file, MAC */
#define YN_FILE_BENEFIT 0x03	/* backup data file, MAC */
#define YN_FILE_PURSE 0x04	/* value file, MAC */
#define YN_APP_NFILES 4

/* DESFire file types (GetFileSettings byte 0). */
#define YN_FTYPE_STD 0x00
#define YN_FTYPE_BACKUP 0x01
#define YN_FTYPE_VALUE 0x02
#define YN_FTYPE_CYCLIC 0x04

/* Communication settings. */
#define YN_COMM_PLAIN 0x00
#define YN_COMM_MAC 0x01
#define YN_COMM_FULL 0x03

/* Access rights as the 16-bit value R | W | RW | Change (desfire.md §6.2);
 * little-endian on the wire.  Nibble 0xE = free, 0xF = never. */
#define YN_AR(r, w, rw, chg) ((uint16_t)(((r) << 12) | ((w) << 8) | ((rw) << 4) | (chg)))
#define YN_AR_FREE 0xE
#define YN_AR_NEVER 0xF

#define YN_HOLDER_FILE_SIZE 112	/* record v1 (48) || signature (64) */
#define YN_TRIPLOG_REC_SIZE 16
#define YN_TRIPLOG_REC_MAX 16	/* a cyclic file keeps max - 1 = 15 trips */
#define YN_BENEFIT_FILE_SIZE 32
#define YN_PURSE_LOWER 0
#define YN_PURSE_UPPER 10000	/* voucher units */
#define YN_PURSE_INITIAL 0
#define YN_PURSE_LC_FLAGS 0x00	/* LimitedCredit disabled, GetValue needs a key */

/* One file of the application, as CreateXFile takes it. */
struct yn_app_file {
	uint8_t no;
	uint8_t type;		/* YN_FTYPE_* */
	uint8_t comm;		/* YN_COMM_* */
	uint16_t ar;		/* YN_AR(...) */
	uint32_t size;		/* data files: bytes; record files: record size */
	uint32_t max_records;	/* record files */
	int32_t lower, upper, value;	/* value files */
	uint8_t lc_flags;	/* value files */
	const char *name;
};

/* The four files, in file-number order.  yn_app_file(no) finds one (NULL
 * if the number is not a Yinian file). */
extern const struct yn_app_file yn_app_files[YN_APP_NFILES];
const struct yn_app_file *yn_app_file(uint8_t no);

/* The AID in wire order (3 bytes). */
extern const uint8_t yn_app_aid_wire[YN_APP_AID_LEN];

/*
 * Build the AN10922 diversification input for a card:
 *   UID (7) || AID (3, LSB first, as on the wire) || SysID (16).
 * Always 26 bytes (card-format.md §3.2).
 */
void yn_app_divinput(const uint8_t uid[YN_UID_LEN], const uint8_t sysid[YN_SYSID_LEN],
		     uint8_t m[YN_DIVINPUT_LEN]);

struct yn_aeskey;
/*
 * The card's key for one role: AN10922 AES-128 diversification of the role's
 * master key with yn_app_divinput(uid, sysid).  out is zeroed on failure;
 * the caller cleanses it after use.  Returns 0 or a crypto error.
 */
int yn_app_diversify(const struct yn_aeskey *master, const uint8_t uid[YN_UID_LEN],
		     const uint8_t sysid[YN_SYSID_LEN], uint8_t out[16]);

#endif
