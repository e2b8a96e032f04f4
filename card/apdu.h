/*
 * ISO/IEC 7816-4 command and response APDUs.
 *
 * Command cases (ISO 7816-3 §12.1):
 *   case 1: CLA INS P1 P2
 *   case 2: CLA INS P1 P2 Le
 *   case 3: CLA INS P1 P2 Lc data
 *   case 4: CLA INS P1 P2 Lc data Le
 * Short form: Lc 1 byte (1..255), Le 1 byte (1..256, 256 written 00).
 * Extended form: Lc 00 hi lo (1..65535); Le 2 bytes after an extended Lc or
 * 00 hi lo without data (1..65536, 65536 written 00 00).
 */
#ifndef YN_APDU_H
#define YN_APDU_H

#include <stddef.h>
#include <stdint.h>

#define YN_APDU_SHORT_MAX 261	/* 4 + 1 + 255 + 1 */
#define YN_APDU_EXT_MAX 65544	/* 4 + 3 + 65535 + 2 */

struct yn_apdu {
	uint8_t cla, ins, p1, p2;
	const uint8_t *data;	/* Lc bytes, borrowed; NULL when lc == 0 */
	size_t lc;		/* 0 = no data field */
	uint32_t le;		/* 0 = no Le; 1..256 short, up to 65536 extended */
	int extended;		/* parse: set if the extended form was used */
};

/* Encode a into out.  Extended form is used when lc > 255 or le > 256, or
 * when force_ext is set.  YN_ERANGE for lc > 65535 or le > 65536,
 * YN_ENOSPC if out is too small.  *out_len set on success. */
int yn_apdu_build(const struct yn_apdu *a, int force_ext, uint8_t *out, size_t cap,
		  size_t *out_len);

/* Decode a command APDU (what a card receives).  a->data points into buf.
 * YN_ETRUNC for a header shorter than 4 bytes or an Lc beyond the end,
 * YN_EFORMAT for an inconsistent length encoding (e.g. Lc = 0 in short form
 * followed by data, trailing bytes after Le). */
int yn_apdu_parse(const uint8_t *buf, size_t len, struct yn_apdu *a);

/* Split a response APDU into data and status word.  YN_ETRUNC when fewer
 * than 2 bytes.  *data points into resp. */
int yn_apdu_split(const uint8_t *resp, size_t len, const uint8_t **data, size_t *data_len,
		  uint16_t *sw);

#endif
