/*
 * A PN532 NFC front end, emulated: it speaks the PN532 host protocol (HSU,
 * pn532_frame.h) on a pseudo-terminal so that an unmodified libnfc, with its
 * real pn532_uart driver, can reach a card behind it.  The card is an ISO
 * 14443-A / ISO-DEP card reached through struct yn_pn532_card (the software
 * DESFire card through card/emu/pn532_emu.c, or a test double).
 *
 * What it answers, and its limits, are in docs/pn532-emulator.md.
 */
#ifndef YN_PN532_H
#define YN_PN532_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "card/emu/pn532_frame.h"

/* What the card says when it is activated (ISO 14443-3 A and ISO-DEP). */
struct yn_pn532_target {
	uint16_t atqa;		/* SENS_RES, first byte sent in the high half (DESFire: 0x0344) */
	uint8_t sak;		/* SEL_RES; bit 0x20 = ISO 14443-4 compliant */
	uint8_t uid[10];
	size_t uid_len;		/* 4, 7 or 10 */
	uint8_t ats[20];	/* ATS as sent, TL first (DESFire: 06 75 77 81 02 80) */
	size_t ats_len;		/* 0 = the card has no ATS */
};

/* The card behind the emulated PN532. */
struct yn_pn532_card {
	/* The PN532 activates the card in the field (REQA, anticollision,
	 * select; RATS when asked): fill *t and start a new card session
	 * (a real card starts one after every activation).  Return 0, or
	 * YN_ENOCARD when no card is in the field. */
	int (*activate)(void *ctx, struct yn_pn532_target *t);
	/* One command APDU over ISO-DEP, one response APDU (data + SW) back.
	 * Return 0, YN_ECARDGONE / YN_ENOCARD when the card did not answer
	 * (left the field, lost power), or another negative code. */
	int (*transmit)(void *ctx, const uint8_t *apdu, size_t apdu_len, uint8_t *resp,
			size_t resp_cap, size_t *resp_len);
	/* The RF field goes on or off; off means the card loses power.
	 * May be NULL. */
	void (*field)(void *ctx, int on);
	void *ctx;
};

struct yn_pn532;

/* A PN532 in its power-on state, serving card (borrowed: it must outlive
 * the emulator).  YN_ENOMEM, YN_EINVAL if an op other than field is NULL. */
int yn_pn532_new(const struct yn_pn532_card *card, struct yn_pn532 **out);
void yn_pn532_free(struct yn_pn532 *pn);

/* Output room that yn_pn532_input needs for n input bytes: every frame in
 * the input may draw an ACK and a response frame. */
#define YN_PN532_OUT_CAP(n) ((((n) + 2 * YN_PN532_FRAME_WIRE_MAX) / 6 + 1) * \
			     (6 + YN_PN532_FRAME_WIRE_MAX))

/*
 * Bytes from the host.  They are buffered until they form frames; each
 * complete frame is handled and what the PN532 sends back (ACK, then the
 * response or error frame; or the last response again after a NACK) is
 * appended to out[0..cap), *out_len bytes in all.  Corrupt frames are
 * dropped without an answer, as the chip does.  Returns 0, or YN_ENOSPC if
 * out filled up (cap below YN_PN532_OUT_CAP(n)): the answers that did not
 * fit are lost.
 */
int yn_pn532_input(struct yn_pn532 *pn, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
		   size_t *out_len);

/*
 * One command, without framing: cmd = PD0 (command code) PD1..PDn, as the
 * host sends it after TFI D4.  On success resp gets the response data
 * (code+1 first) and 0 is returned.  YN_EFORMAT for a malformed or
 * unsupported command (the PN532 answers those with an error frame),
 * YN_ENOSPC if resp_cap is below YN_PN532_FRAME_DATA_MAX.
 */
int yn_pn532_command(struct yn_pn532 *pn, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
		     size_t resp_cap, size_t *resp_len);

/* The host closed the serial port: the field goes off, targets are
 * released, a partial frame is dropped.  Settings survive (the chip keeps
 * power). */
void yn_pn532_hangup(struct yn_pn532 *pn);

/*
 * Serve card on a new pseudo-terminal until *stop becomes nonzero (set it
 * from a signal handler).  A symbolic link at link_path points to the
 * terminal's slave device (libnfc connstring "pn532_uart:LINK_PATH"); an
 * existing symlink there is replaced, any other file is refused
 * (YN_EEXIST).  The link is removed on return.  The host may open and close
 * the port any number of times; each close is a hangup (above).
 * Returns 0 after a stop, or YN_EIO / YN_EEXIST / YN_ENOMEM on set-up
 * failure.
 */
int yn_pn532_serve(const struct yn_pn532_card *card, const char *link_path,
		   volatile sig_atomic_t *stop);

#endif
