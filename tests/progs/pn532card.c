/*
 * pn532card: a trivial ISO-DEP card behind the emulated PN532, for the
 * libnfc tests (tests/unit/test_pn532_libnfc.c, test_reader_nfc.c).
 *
 *   pn532card LINK [UIDHEX]
 *
 * Serves a pseudo-terminal with a symlink at LINK (libnfc connstring
 * "pn532_uart:LINK") until SIGTERM/SIGINT.  The card: ATQA 03 44, SAK 20,
 * ATS 06 75 77 81 02 80 (DESFire-like), UID 04 11 22 33 44 55 66 unless
 * UIDHEX gives another (4, 7 or 10 bytes).  It answers GET DATA UID
 * (FF CA 00 00 xx) with its UID + 90 00, an echo command (CLA 80, INS 01)
 * with its data field reversed + 90 00, and 6D 00 to anything else.
 * SIGUSR1 takes the card out of the field, SIGUSR2 puts it back.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "base/err.h"
#include "card/emu/pn532.h"

static volatile sig_atomic_t stop_flag;
static volatile sig_atomic_t card_away;

struct fake {
	uint8_t uid[10];
	size_t uid_len;
	unsigned sessions;
};

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		card_away = 1;
	else if (sig == SIGUSR2)
		card_away = 0;
	else
		stop_flag = 1;
}

static int fake_activate(void *ctx, struct yn_pn532_target *t)
{
	static const uint8_t ats[] = { 0x06, 0x75, 0x77, 0x81, 0x02, 0x80 };
	struct fake *c = ctx;

	if (card_away)
		return YN_ENOCARD;
	c->sessions++;
	t->atqa = 0x0344;
	t->sak = 0x20;
	memcpy(t->uid, c->uid, c->uid_len);
	t->uid_len = c->uid_len;
	memcpy(t->ats, ats, sizeof(ats));
	t->ats_len = sizeof(ats);
	return 0;
}

static int fake_transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap,
			 size_t *resp_len)
{
	struct fake *c = ctx;
	size_t i, lc;

	*resp_len = 0;
	if (card_away)
		return YN_ECARDGONE;
	if (cap < 2 + 255)
		return YN_ENOSPC;
	if (len >= 4 && apdu[0] == 0xFF && apdu[1] == 0xCA && apdu[2] == 0x00 && apdu[3] == 0x00) {
		memcpy(resp, c->uid, c->uid_len);
		resp[c->uid_len] = 0x90;
		resp[c->uid_len + 1] = 0x00;
		*resp_len = c->uid_len + 2;
		return 0;
	}
	if (len >= 5 && apdu[0] == 0x80 && apdu[1] == 0x01) {
		lc = apdu[4];
		if (len < 5 + lc)
			lc = 0;
		for (i = 0; i < lc; i++)
			resp[i] = apdu[5 + lc - 1 - i];
		resp[lc] = 0x90;
		resp[lc + 1] = 0x00;
		*resp_len = lc + 2;
		return 0;
	}
	resp[0] = 0x6D;
	resp[1] = 0x00;
	*resp_len = 2;
	return 0;
}

int main(int argc, char **argv)
{
	struct fake c = { .uid = { 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 }, .uid_len = 7 };
	struct yn_pn532_card card = {
		.activate = fake_activate,
		.transmit = fake_transmit,
		.ctx = &c,
	};
	struct sigaction sa;
	int r;

	if (argc < 2 || argc > 3) {
		fprintf(stderr, "usage: pn532card LINK [UIDHEX]\n");
		return 2;
	}
	if (argc == 3 && (yn_hex_decode(argv[2], c.uid, sizeof(c.uid), &c.uid_len) != 0 ||
			  (c.uid_len != 4 && c.uid_len != 7 && c.uid_len != 10))) {
		fprintf(stderr, "pn532card: UID must be 4, 7 or 10 bytes of hex\n");
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	r = yn_pn532_serve(&card, argv[1], &stop_flag);
	if (r != 0) {
		fprintf(stderr, "pn532card: %s\n", yn_strerror(r));
		return 1;
	}
	return 0;
}
