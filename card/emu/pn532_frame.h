/*
 * PN532 host-interface frames (NXP UM0701-02 "PN532 User Manual" §6.2).
 *
 * On the wire (HSU/UART), every frame starts with the start code 00 FF,
 * usually preceded by a preamble 00 and followed by a postamble 00:
 *
 *   information   00 00 FF LEN LCS TFI PD0..PDn DCS 00
 *                 LEN = count of TFI+PD bytes (1..255), LEN+LCS = 0 (mod 256),
 *                 TFI+PD0+...+PDn+DCS = 0 (mod 256)
 *   extended      00 00 FF FF FF LENM LENL LCS TFI PD0..PDn DCS 00
 *                 LENM+LENL+LCS = 0 (mod 256), LEN = LENM<<8|LENL
 *   ACK           00 00 FF 00 FF 00
 *   NACK          00 00 FF FF 00 00
 *   error         00 00 FF 01 FF 7F 81 00   (an information frame, TFI 7F)
 *
 * TFI is D4 from host to PN532 and D5 from PN532 to host; PD0 is the
 * command code (the PN532 answers with code+1).  Anything before the start
 * code (the HSU wake-up bytes 55 55 00 ..., preambles, line noise) is skipped.
 * The postamble is not needed to recognise a frame and is never waited for;
 * a postamble that arrives later is skipped as noise before the next frame.
 */
#ifndef YN_PN532_FRAME_H
#define YN_PN532_FRAME_H

#include <stddef.h>
#include <stdint.h>

#define YN_PN532_TFI_HOST 0xD4		/* host -> PN532 */
#define YN_PN532_TFI_PN532 0xD5		/* PN532 -> host */
#define YN_PN532_TFI_ERROR 0x7F		/* application-level (syntax) error */

/* Largest TFI+PD count accepted in one frame: the PN532's 264-byte buffer
 * (libnfc's PN53x_EXTENDED_FRAME__DATA_MAX_LEN) plus the TFI. */
#define YN_PN532_FRAME_DATA_MAX 265
/* Largest encoded frame: preamble, start code, FF FF, LENM LENL LCS,
 * TFI+data, DCS, postamble. */
#define YN_PN532_FRAME_WIRE_MAX (YN_PN532_FRAME_DATA_MAX + 10)

enum yn_pn532_frame_kind {
	YN_PN532_FRAME_ACK = 1,
	YN_PN532_FRAME_NACK = 2,
	YN_PN532_FRAME_INFO = 3,	/* normal or extended information frame */
	YN_PN532_FRAME_ERROR = 4,	/* application error frame (TFI 7F) */
};

struct yn_pn532_frame {
	enum yn_pn532_frame_kind kind;
	int extended;		/* INFO: came as an extended frame */
	uint8_t tfi;		/* INFO: D4 or D5 */
	const uint8_t *data;	/* INFO: PD0..PDn, borrowed from the input */
	size_t len;		/* INFO: count of PD bytes (0 is possible) */
};

/*
 * Find the first frame in buf[0..len).
 *
 * Always sets *consumed to the count of leading bytes the caller may drop:
 *  0              a frame was found; *consumed covers the skipped noise and
 *                 the frame itself (not a postamble).  f->data points into buf.
 *  YN_ETRUNC      no complete frame yet; *consumed covers noise that can be
 *                 dropped (a partial frame is kept).
 *  YN_EFORMAT     a bad length checksum, bad data checksum, zero-length
 *                 information frame or an unknown short frame; *consumed
 *                 covers the start code so that a resync starts after it.
 *  YN_ERANGE      an extended frame longer than YN_PN532_FRAME_DATA_MAX;
 *                 *consumed as for YN_EFORMAT.
 * f is cleared on entry.  Never reads outside buf[0..len).
 */
int yn_pn532_frame_parse(const uint8_t *buf, size_t len, struct yn_pn532_frame *f,
			 size_t *consumed);

/*
 * Encode an information frame with preamble and postamble: a normal frame
 * when 1+data_len <= 255, an extended frame otherwise.  YN_ERANGE if
 * 1+data_len > YN_PN532_FRAME_DATA_MAX, YN_ENOSPC if out cannot hold it
 * (then nothing was written).  *out_len is set on success.
 */
int yn_pn532_frame_build(uint8_t tfi, const uint8_t *data, size_t data_len, uint8_t *out,
			 size_t cap, size_t *out_len);

/* The fixed 6-byte ACK and NACK frames and the 8-byte error frame. */
extern const uint8_t yn_pn532_ack[6];
extern const uint8_t yn_pn532_nack[6];
extern const uint8_t yn_pn532_error[8];

#endif
