/*
 * ISO 7816-4 APDUs: the four command cases in short and extended form,
 * parsing of what a card receives, and response splitting.
 * Encodings per ISO/IEC 7816-3 §12.1 (case table) and 7816-4 §5.1.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "card/apdu.h"
#include "tests/lib/testlib.h"

static uint8_t big[70000];

static void expect_build(const struct yn_apdu *a, int ext, const char *hex)
{
	uint8_t out[64], want[64];
	size_t n = 0, wn = yn_test_hex(hex, want, sizeof(want));

	assert_int_equal(yn_apdu_build(a, ext, out, sizeof(out), &n), 0);
	assert_int_equal(n, wn);
	assert_memory_equal(out, want, wn);
}

static void test_build_case1_to_case4_short(void **state)
{
	static const uint8_t data[] = { 0xD2, 0x76, 0x00 };
	struct yn_apdu a = { .cla = 0x00, .ins = 0xA4, .p1 = 0x04, .p2 = 0x00 };

	(void)state;
	expect_build(&a, 0, "00A40400");			/* case 1 */
	a.le = 256;
	expect_build(&a, 0, "00A4040000");			/* case 2S, Le 256 = 00 */
	a.le = 0x10;
	expect_build(&a, 0, "00A4040010");
	a.le = 0;
	a.data = data;
	a.lc = sizeof(data);
	expect_build(&a, 0, "00A4040003D27600");		/* case 3S */
	a.le = 256;
	expect_build(&a, 0, "00A4040003D2760000");		/* case 4S */
}

static void test_build_desfire_wrapping(void **state)
{
	static const uint8_t keyno[] = { 0x00, 0x00 };
	/* desfire.md §2: 90 60 00 00 00 and 90 71 00 00 02 00 00 00 */
	struct yn_apdu a = { .cla = 0x90, .ins = 0x60, .le = 256 };

	(void)state;
	expect_build(&a, 0, "9060000000");
	a.ins = 0x71;
	a.data = keyno;
	a.lc = 2;
	expect_build(&a, 0, "90710000020000 00");
}

static void test_build_extended_forms(void **state)
{
	static const uint8_t data[] = { 0xAA };
	struct yn_apdu a = { .cla = 0x00, .ins = 0xB0 };
	uint8_t out[80000];
	size_t n = 0;

	(void)state;
	a.le = 65536;
	expect_build(&a, 0, "00B00000000000");			/* case 2E, Le 65536 */
	a.le = 0x1234;
	expect_build(&a, 0, "00B00000001234");
	a.le = 5;
	expect_build(&a, 1, "00B00000000005");			/* forced extended */
	a.le = 0;
	a.data = data;
	a.lc = 1;
	expect_build(&a, 1, "00B0000000 0001 AA");		/* case 3E */
	a.le = 65536;
	expect_build(&a, 0, "00B0000000 0001 AA 0000");		/* case 4E */
	/* Lc above 255 switches to the extended form by itself. */
	a.data = big;
	a.lc = 300;
	a.le = 0;
	assert_int_equal(yn_apdu_build(&a, 0, out, sizeof(out), &n), 0);
	assert_int_equal(n, 4 + 3 + 300);
	assert_int_equal(out[4], 0);
	assert_int_equal(out[5], 0x01);
	assert_int_equal(out[6], 0x2C);
}

static void test_build_limits_and_small_buffer(void **state)
{
	struct yn_apdu a = { .cla = 0x00, .ins = 0xD6, .data = big };
	uint8_t out[16];
	size_t n = 77;

	(void)state;
	a.lc = 65536;
	assert_int_equal(yn_apdu_build(&a, 0, out, sizeof(out), &n), YN_ERANGE);
	a.lc = 1;
	a.le = 65537;
	assert_int_equal(yn_apdu_build(&a, 0, out, sizeof(out), &n), YN_ERANGE);
	a.le = 0;
	a.lc = 12;	/* 4 + 1 + 12 = 17 > 16 */
	assert_int_equal(yn_apdu_build(&a, 0, out, sizeof(out), &n), YN_ENOSPC);
	a.lc = 11;
	assert_int_equal(yn_apdu_build(&a, 0, out, sizeof(out), &n), 0);
	assert_int_equal(n, 16);
	a.data = NULL;
	assert_int_equal(yn_apdu_build(&a, 0, out, sizeof(out), &n), YN_EINVAL);
}

static void test_parse_every_case_round_trips(void **state)
{
	static const uint8_t data[] = { 1, 2, 3 };
	static const struct {
		size_t lc;
		uint32_t le;
		int ext;
	} cases[] = {
		{ 0, 0, 0 }, { 0, 1, 0 }, { 0, 256, 0 }, { 3, 0, 0 }, { 3, 256, 0 }, { 3, 7, 0 },
		{ 0, 65536, 1 }, { 0, 300, 1 }, { 3, 0, 1 }, { 3, 65536, 1 }, { 3, 2, 1 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct yn_apdu a = { .cla = 0x90, .ins = 0xBD, .p1 = 1, .p2 = 2 }, b;
		uint8_t out[32];
		size_t n = 0;

		a.lc = cases[i].lc;
		a.data = a.lc ? data : NULL;
		a.le = cases[i].le;
		assert_int_equal(yn_apdu_build(&a, cases[i].ext, out, sizeof(out), &n), 0);
		assert_int_equal(yn_apdu_parse(out, n, &b), 0);
		assert_int_equal(b.cla, 0x90);
		assert_int_equal(b.ins, 0xBD);
		assert_int_equal(b.p1, 1);
		assert_int_equal(b.p2, 2);
		assert_int_equal(b.lc, a.lc);
		assert_int_equal(b.le, a.le);
		assert_int_equal(b.extended, cases[i].ext || a.le > 256);
		if (a.lc)
			assert_memory_equal(b.data, data, a.lc);
	}
}

static void test_parse_malformed_refused(void **state)
{
	static const char *bad[] = {
		"",		/* no header */
		"00A404",	/* 3-byte header */
		"00A4040005AABB",	/* Lc 5, 2 bytes of data */
		"00A4040002AABB0000",	/* two bytes after short data */
		"00A4040000 0003 AA",	/* extended Lc 3, 1 byte */
		"00A4040000 00",	/* extended marker with 1 byte */
		"00A4040000 0000 AA",	/* extended Lc 0 followed by data */
		"00A4040000 0001 AA 00",	/* extended Le of 1 byte */
	};
	struct yn_apdu a;
	uint8_t buf[32];
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		n = yn_test_hex(bad[i], buf, sizeof(buf));
		memset(&a, 0x5A, sizeof(a));
		assert_int_not_equal(yn_apdu_parse(buf, n, &a), 0);
		assert_int_equal(a.cla, 0x5A);	/* untouched on failure */
	}
}

static void test_split_response(void **state)
{
	static const uint8_t resp[] = { 0x04, 0x11, 0x91, 0xAF };
	const uint8_t *d = NULL;
	size_t n = 0;
	uint16_t sw = 0;

	(void)state;
	assert_int_equal(yn_apdu_split(resp, sizeof(resp), &d, &n, &sw), 0);
	assert_int_equal(n, 2);
	assert_ptr_equal(d, resp);
	assert_int_equal(sw, 0x91AF);
	assert_int_equal(yn_apdu_split(resp + 2, 2, &d, &n, &sw), 0);
	assert_int_equal(n, 0);
	assert_int_equal(yn_apdu_split(resp, 1, &d, &n, &sw), YN_ETRUNC);
	assert_int_equal(yn_apdu_split(resp, 0, &d, &n, &sw), YN_ETRUNC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_case1_to_case4_short),
		cmocka_unit_test(test_build_desfire_wrapping),
		cmocka_unit_test(test_build_extended_forms),
		cmocka_unit_test(test_build_limits_and_small_buffer),
		cmocka_unit_test(test_parse_every_case_round_trips),
		cmocka_unit_test(test_parse_malformed_refused),
		cmocka_unit_test(test_split_response),
	};

	return cmocka_run_group_tests_name("apdu", tests, NULL, NULL);
}
