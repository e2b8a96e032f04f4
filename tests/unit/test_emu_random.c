/*
 * Robustness: a seeded stream of random and half-valid APDUs against a
 * personalised card, with and without sessions.  Every APDU must get a
 * well-formed answer (never a crash, never an internal failure), and the
 * card must still work afterwards.  Under `make asan` this also checks
 * memory safety on every path the stream reaches.
 */
#include "tests/unit/test_emu_util.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint32_t rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)(rng_state >> 16);
}

static const uint8_t cmds[] = {
	0x60, 0x5A, 0x6A, 0x6E, 0xCA, 0xDA, 0x45, 0x64, 0x54, 0xC4, 0x6F, 0xF5, 0x5F,
	0xCD, 0xCB, 0xCC, 0xC1, 0xC0, 0xDF, 0xBD, 0xAD, 0x3D, 0x8D, 0xBB, 0xAB, 0x3B,
	0x8B, 0xEB, 0x6C, 0x0C, 0xDC, 0x1C, 0xC7, 0xA7, 0x51, 0x3C, 0xAA, 0x71, 0x77,
	0xAF, 0xAF, 0xAF, 0x99,
};

static void personalise(struct yn_emu *c)
{
	expect(c, "90CA000005 030201 0F 84 00", "9100");
	expect(c, "905A000003 030201 00", "9100");
	expect(c, "90CD000007 01 03 1010 400000 00", "9100");
	expect(c, "90CB000007 02 01 EEEE 100000 00", "9100");
	expect(c, "90CC000011 03 00 E0E1 00000000 64000000 0A000000 01 00", "9100");
	expect(c, "90C000000A 04 01 1010 080000 040000 00", "9100");
	expect(c, "90C100000A 05 00 EEEE 040000 030000 00", "9100");
}

static void test_random_apdus_never_break_the_card(void **state)
{
	static const uint8_t zero16[16];
	struct yn_emu *c = card_new();
	uint8_t apdu[300], resp[9000];
	size_t i, n, rn, j;
	struct tsess s;
	int e;

	(void)state;
	personalise(c);
	for (i = 0; i < 30000; i++) {
		uint32_t k = rnd();

		if (k % 500 == 0) {
			expect(c, "905A000003 030201 00", "9100");
			auth_ev2(c, (uint8_t)(rnd() % 4), zero16, &s);
			continue;
		}
		if (k % 997 == 0) {
			yn_emu_reset(c);
			continue;
		}
		apdu[0] = k % 50 == 0 ? (uint8_t)rnd() : 0x90;
		apdu[1] = cmds[rnd() % sizeof(cmds)];
		apdu[2] = k % 40 == 0 ? 1 : 0;
		apdu[3] = 0;
		n = rnd() % 64;
		if (n == 0) {
			apdu[4] = 0;
			n = 5;
		} else {
			apdu[4] = (uint8_t)n;
			/* mostly small file numbers and lengths, sometimes anything */
			for (j = 0; j < n; j++)
				apdu[5 + j] = (uint8_t)(rnd() % 3 ? rnd() % 8 : rnd());
			apdu[5 + n] = 0;
			n += 6 - (rnd() % 4 == 0);
		}
		rn = 0;
		e = yn_emu_transmit(c, apdu, n, resp, sizeof(resp), &rn);
		assert_int_equal(e, 0);
		assert_true(rn >= 2);
		assert_true(resp[rn - 2] == 0x91 || resp[rn - 2] == 0x67 || resp[rn - 2] == 0x6A ||
			    resp[rn - 2] == 0x6D || resp[rn - 2] == 0x6E || resp[rn - 2] == 0x90);
	}
	/* still a working card */
	expect(c, "905A000003 000000 00", "9100");
	expect(c, "9060000000", "04010112001A05 91AF");
	yn_emu_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_random_apdus_never_break_the_card),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
