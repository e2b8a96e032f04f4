/*
 * Helpers shared by the software-card tests (tests/unit/test_emu*.c): a
 * powered blank card, and raw APDU exchanges checked against hex.
 */
#ifndef YN_TEST_EMU_UTIL_H
#define YN_TEST_EMU_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/bytes.h"
#include "base/err.h"
#include "card/emu/emu.h"
#include "card/emu/emu_test.h"
#include "crypto/crypto.h"
#include "tests/lib/testlib.h"

#define EMU_UNUSED __attribute__((unused))

static const uint8_t test_uid[7] = { 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };

static EMU_UNUSED struct yn_emu *card_new(void)
{
	struct yn_emu *c = NULL;

	assert_int_equal(yn_emu_new_blank(test_uid, sizeof(test_uid), &c), 0);
	yn_emu_power_on(c);
	return c;
}

/* Send an APDU given in hex; return the response length in resp. */
static EMU_UNUSED size_t xfer(struct yn_emu *c, const char *hex, uint8_t *resp, size_t cap)
{
	uint8_t cmd[1024];
	size_t n = yn_test_hex(hex, cmd, sizeof(cmd)), rn = 0;

	assert_int_equal(yn_emu_transmit(c, cmd, n, resp, cap, &rn), 0);
	assert_true(rn >= 2);
	return rn;
}

static EMU_UNUSED size_t xfer_bin(struct yn_emu *c, const uint8_t *cmd, size_t n, uint8_t *resp,
				  size_t cap)
{
	size_t rn = 0;

	assert_int_equal(yn_emu_transmit(c, cmd, n, resp, cap, &rn), 0);
	assert_true(rn >= 2);
	return rn;
}

/* Send hex, expect exactly the hex response (data and SW). */
static EMU_UNUSED void expect(struct yn_emu *c, const char *cmd, const char *want)
{
	uint8_t resp[1024], w[1024];
	size_t rn = xfer(c, cmd, resp, sizeof(resp));
	size_t wn = yn_test_hex(want, w, sizeof(w));

	if (rn != wn || memcmp(resp, w, wn) != 0) {
		char got[2100];

		yn_hex_encode(resp, rn, got, sizeof(got));
		print_error("command %s\n  want %s\n  got  %s\n", cmd, want, got);
		fail();
	}
}

/* Send hex, expect SW 91 st (data ignored); returns the response length. */
static EMU_UNUSED size_t expect_sw(struct yn_emu *c, const char *cmd, uint8_t st, uint8_t *resp,
				   size_t cap)
{
	size_t rn = xfer(c, cmd, resp, cap);

	if (resp[rn - 2] != 0x91 || resp[rn - 1] != st) {
		print_error("command %s: want 91%02X, got %02X%02X\n", cmd, st, resp[rn - 2],
			    resp[rn - 1]);
		fail();
	}
	return rn;
}

static EMU_UNUSED void expect_st(struct yn_emu *c, const char *cmd, uint8_t st)
{
	uint8_t resp[1024];

	(void)expect_sw(c, cmd, st, resp, sizeof(resp));
}

static EMU_UNUSED void set_rng_hex(struct yn_emu *c, const char *hex)
{
	uint8_t b[256];
	size_t n = yn_test_hex(hex, b, sizeof(b));

	yn_emu_set_test_rng(c, b, n);
}

#endif
