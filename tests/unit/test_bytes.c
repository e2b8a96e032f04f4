/*
 * Byte cursors, edge by edge: exact fit, truncated, giant lengths, trailing
 * bytes, and the cursor unchanged after every failed read or write.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/bytes.h"
#include "base/err.h"

static const uint8_t buf8[8] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08 };

static void test_rd_each_width_both_orders(void **state)
{
	struct yn_rd r;
	uint8_t v8;
	uint16_t v16;
	uint32_t v32;
	uint64_t v64;

	(void)state;
	yn_rd_init(&r, buf8, 8);
	assert_int_equal(yn_rd_u8(&r, &v8), 0);
	assert_int_equal(v8, 0x01);
	assert_int_equal(yn_rd_u16be(&r, &v16), 0);
	assert_int_equal(v16, 0x0203);
	assert_int_equal(yn_rd_u16le(&r, &v16), 0);
	assert_int_equal(v16, 0x0504);
	assert_int_equal(yn_rd_u24be(&r, &v32), 0);
	assert_int_equal(v32, 0x060708);
	assert_int_equal(yn_rd_end(&r), 0);

	yn_rd_init(&r, buf8, 8);
	assert_int_equal(yn_rd_u24le(&r, &v32), 0);
	assert_int_equal(v32, 0x030201);
	assert_int_equal(yn_rd_u32be(&r, &v32), 0);
	assert_int_equal(v32, 0x04050607);
	assert_int_equal(yn_rd_left(&r), 1);

	yn_rd_init(&r, buf8, 8);
	assert_int_equal(yn_rd_u32le(&r, &v32), 0);
	assert_int_equal(v32, 0x04030201);
	yn_rd_init(&r, buf8, 8);
	assert_int_equal(yn_rd_u64be(&r, &v64), 0);
	assert_true(v64 == 0x0102030405060708ull);
	yn_rd_init(&r, buf8, 8);
	assert_int_equal(yn_rd_u64le(&r, &v64), 0);
	assert_true(v64 == 0x0807060504030201ull);
	assert_int_equal(yn_rd_end(&r), 0);
}

/* Every read that does not fit fails with ETRUNC and consumes nothing. */
static void test_rd_truncated_leaves_cursor_unchanged(void **state)
{
	struct yn_rd r;
	uint8_t v8 = 0xAA, dst[9];
	uint16_t v16 = 0xAAAA;
	uint32_t v32 = 0xAAAAAAAA;
	uint64_t v64 = 0xAAAAAAAAAAAAAAAAull;
	const uint8_t *p = NULL;
	struct yn_rd sub;
	size_t len;

	(void)state;
	for (len = 0; len <= 8; len++) {
		yn_rd_init(&r, buf8, len);
		if (len < 1)
			assert_int_equal(yn_rd_u8(&r, &v8), YN_ETRUNC);
		if (len < 2) {
			assert_int_equal(yn_rd_u16be(&r, &v16), YN_ETRUNC);
			assert_int_equal(yn_rd_u16le(&r, &v16), YN_ETRUNC);
		}
		if (len < 3) {
			assert_int_equal(yn_rd_u24be(&r, &v32), YN_ETRUNC);
			assert_int_equal(yn_rd_u24le(&r, &v32), YN_ETRUNC);
		}
		if (len < 4) {
			assert_int_equal(yn_rd_u32be(&r, &v32), YN_ETRUNC);
			assert_int_equal(yn_rd_u32le(&r, &v32), YN_ETRUNC);
		}
		if (len < 8) {
			assert_int_equal(yn_rd_u64be(&r, &v64), YN_ETRUNC);
			assert_int_equal(yn_rd_u64le(&r, &v64), YN_ETRUNC);
		}
		assert_int_equal(yn_rd_bytes(&r, dst, len + 1), YN_ETRUNC);
		assert_int_equal(yn_rd_ptr(&r, &p, len + 1), YN_ETRUNC);
		assert_int_equal(yn_rd_sub(&r, &sub, len + 1), YN_ETRUNC);
		assert_int_equal(yn_rd_skip(&r, len + 1), YN_ETRUNC);
		assert_int_equal(r.off, 0);
		assert_int_equal(yn_rd_left(&r), len);
	}
	/* Out-parameters untouched by failed reads. */
	assert_int_equal(v8, 0xAA);
	assert_int_equal(v16, 0xAAAA);
	assert_int_equal(v32, 0xAAAAAAAA);
	assert_true(v64 == 0xAAAAAAAAAAAAAAAAull);
	assert_null(p);
}

/* Lengths near SIZE_MAX must not wrap the bounds check. */
static void test_rd_giant_lengths_refused(void **state)
{
	struct yn_rd r;
	const uint8_t *p;
	struct yn_rd sub;

	(void)state;
	yn_rd_init(&r, buf8, 8);
	assert_int_equal(yn_rd_skip(&r, 3), 0);
	assert_int_equal(yn_rd_ptr(&r, &p, SIZE_MAX), YN_ETRUNC);
	assert_int_equal(yn_rd_ptr(&r, &p, SIZE_MAX - 2), YN_ETRUNC);
	assert_int_equal(yn_rd_sub(&r, &sub, (size_t)-5), YN_ETRUNC);
	assert_int_equal(yn_rd_skip(&r, SIZE_MAX / 2 + 1), YN_ETRUNC);
	assert_int_equal(r.off, 3);
}

static void test_rd_exact_fit_then_end(void **state)
{
	struct yn_rd r;
	uint8_t dst[8];

	(void)state;
	yn_rd_init(&r, buf8, 8);
	assert_int_equal(yn_rd_bytes(&r, dst, 8), 0);
	assert_memory_equal(dst, buf8, 8);
	assert_int_equal(yn_rd_left(&r), 0);
	assert_int_equal(yn_rd_end(&r), 0);
	assert_int_equal(yn_rd_bytes(&r, dst, 0), 0);	/* zero-length reads fit */
}

static void test_rd_trailing_bytes_reported(void **state)
{
	struct yn_rd r;
	uint32_t v;

	(void)state;
	yn_rd_init(&r, buf8, 5);
	assert_int_equal(yn_rd_u32be(&r, &v), 0);
	assert_int_equal(yn_rd_end(&r), YN_ETRAILING);
}

static void test_rd_sub_view_is_bounded(void **state)
{
	struct yn_rd r, sub;
	uint16_t v;
	uint8_t b;

	(void)state;
	yn_rd_init(&r, buf8, 8);
	assert_int_equal(yn_rd_u8(&r, &b), 0);
	assert_int_equal(yn_rd_sub(&r, &sub, 3), 0);
	assert_int_equal(r.off, 4);
	assert_int_equal(yn_rd_u16be(&sub, &v), 0);
	assert_int_equal(v, 0x0203);
	/* The sub-view ends where it was cut, although the parent goes on. */
	assert_int_equal(yn_rd_u16be(&sub, &v), YN_ETRUNC);
	assert_int_equal(yn_rd_end(&sub), YN_ETRAILING);
	assert_int_equal(yn_rd_u8(&sub, &b), 0);
	assert_int_equal(b, 0x04);
	assert_int_equal(yn_rd_end(&sub), 0);
}

static void test_rd_empty_view(void **state)
{
	struct yn_rd r;
	uint8_t b;

	(void)state;
	yn_rd_init(&r, NULL, 5);	/* NULL buffer is an empty view */
	assert_int_equal(yn_rd_left(&r), 0);
	assert_int_equal(yn_rd_u8(&r, &b), YN_ETRUNC);
	assert_int_equal(yn_rd_end(&r), 0);
}

static void test_wr_each_width_and_exact_fit(void **state)
{
	static const uint8_t want[] = { 0xAB, 0x01, 0x02, 0x02, 0x01, 0x0A, 0x0B, 0x0C,
					0x0C, 0x0B, 0x0A, 0x11, 0x22, 0x33, 0x44,
					0x44, 0x33, 0x22, 0x11 };
	uint8_t out[sizeof(want)];
	struct yn_wr w;

	(void)state;
	yn_wr_init(&w, out, sizeof(out));
	assert_int_equal(yn_wr_u8(&w, 0xAB), 0);
	assert_int_equal(yn_wr_u16be(&w, 0x0102), 0);
	assert_int_equal(yn_wr_u16le(&w, 0x0102), 0);
	assert_int_equal(yn_wr_u24be(&w, 0x0A0B0C), 0);
	assert_int_equal(yn_wr_u24le(&w, 0x0A0B0C), 0);
	assert_int_equal(yn_wr_u32be(&w, 0x11223344), 0);
	assert_int_equal(yn_wr_u32le(&w, 0x11223344), 0);
	assert_int_equal(w.len, sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(yn_wr_room(&w), 0);
	assert_int_equal(yn_wr_u8(&w, 0), YN_ENOSPC);
}

static void test_wr_u64_both_orders(void **state)
{
	uint8_t out[16];
	struct yn_wr w;
	struct yn_rd r;
	uint64_t a, b;

	(void)state;
	yn_wr_init(&w, out, sizeof(out));
	assert_int_equal(yn_wr_u64be(&w, 0x0102030405060708ull), 0);
	assert_int_equal(yn_wr_u64le(&w, 0x0102030405060708ull), 0);
	assert_int_equal(out[0], 0x01);
	assert_int_equal(out[8], 0x08);
	yn_rd_init(&r, out, w.len);
	assert_int_equal(yn_rd_u64be(&r, &a), 0);
	assert_int_equal(yn_rd_u64le(&r, &b), 0);
	assert_true(a == b);
}

/* A write that does not fit writes nothing and leaves len as it was. */
static void test_wr_overflow_writes_nothing(void **state)
{
	uint8_t out[6];
	uint8_t *p = NULL;
	struct yn_wr w;
	size_t cap;

	(void)state;
	for (cap = 0; cap < 4; cap++) {
		memset(out, 0xEE, sizeof(out));
		yn_wr_init(&w, out, cap);
		assert_int_equal(yn_wr_u32be(&w, 0x11223344), YN_ENOSPC);
		assert_int_equal(yn_wr_u32le(&w, 0x11223344), YN_ENOSPC);
		assert_int_equal(yn_wr_bytes(&w, buf8, cap + 1), YN_ENOSPC);
		assert_int_equal(yn_wr_zero(&w, cap + 1), YN_ENOSPC);
		assert_int_equal(yn_wr_reserve(&w, SIZE_MAX, &p), YN_ENOSPC);
		assert_int_equal(w.len, 0);
		assert_int_equal(out[0], 0xEE);
	}
	assert_null(p);
	yn_wr_init(&w, out, sizeof(out));
	assert_int_equal(yn_wr_u24be(&w, 0x1000000), YN_ERANGE);
	assert_int_equal(yn_wr_u24le(&w, 0xFFFFFFFF), YN_ERANGE);
	assert_int_equal(w.len, 0);
}

static void test_hex_round_trip_and_errors(void **state)
{
	uint8_t out[8];
	char s[17];
	size_t n = 99;

	(void)state;
	assert_int_equal(yn_hex_decode("0a:Bc 12", out, sizeof(out), &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(out[0], 0x0A);
	assert_int_equal(out[1], 0xBC);
	assert_int_equal(yn_hex_encode(out, n, s, sizeof(s)), 0);
	assert_string_equal(s, "0ABC12");
	n = 99;
	assert_int_equal(yn_hex_decode("abc", out, sizeof(out), &n), YN_EFORMAT);
	assert_int_equal(yn_hex_decode("a bc", out, sizeof(out), &n), YN_EFORMAT);
	assert_int_equal(yn_hex_decode("zz", out, sizeof(out), &n), YN_EFORMAT);
	assert_int_equal(yn_hex_decode("000000000000000000", out, sizeof(out), &n), YN_ENOSPC);
	assert_int_equal(n, 99);
	assert_int_equal(yn_hex_encode(out, 8, s, 16), YN_ENOSPC);
	assert_int_equal(yn_hex_encode(out, 8, s, 17), 0);
}

/* Every declared code has its own name and message (a code added to err.h
 * but not to the table in err.c would read "unknown error"). */
static void test_strerror_every_declared_code(void **state)
{
	static const int codes[] = {
		YN_EINTERNAL, YN_ENOMEM, YN_EINVAL, YN_ETRUNC, YN_ETRAILING, YN_ENOSPC,
		YN_ERANGE, YN_EFORMAT, YN_EIO, YN_ETIMEOUT, YN_ENOTSUP, YN_ENOENT, YN_EEXIST,
		YN_EACCES, YN_EBUSY, YN_ECANCELLED, YN_EUSAGE, YN_ECONFIG, YN_ENOSERVICE,
		YN_ENOREADER, YN_ENOCARD, YN_ECARDGONE, YN_EREADER, YN_ESHARING,
		YN_EUNRESPONSIVE, YN_ECRYPTO, YN_EBADKEY, YN_EKEYPERM, YN_EBADSIG, YN_EBADMAC,
		YN_ESELFTEST, YN_EUNKNOWNKEY, YN_EPROTO, YN_ECARD, YN_ECARD_NOCHANGES,
		YN_ECARD_MEMORY, YN_ECARD_ILLEGALCMD, YN_ECARD_INTEGRITY, YN_ECARD_NOKEY,
		YN_ECARD_LENGTH, YN_ECARD_PERMISSION, YN_ECARD_PARAMETER, YN_ECARD_NOAPP,
		YN_ECARD_AUTH, YN_ECARD_BOUNDARY, YN_ECARD_ABORTED, YN_ECARD_COUNT,
		YN_ECARD_DUPLICATE, YN_ECARD_EEPROM, YN_ECARD_NOFILE, YN_ECARD_DISABLED,
		YN_ENOTAUTH, YN_EROLLBACK, YN_ESTALE, YN_ECORRUPT, YN_EWRONGBASE,
		YN_EWRONGCARD,
	};
	size_t i, j, n = sizeof(codes) / sizeof(codes[0]);

	(void)state;
	assert_string_equal(yn_strerror(0), "success");
	assert_string_equal(yn_strerror(12345), "unknown error");
	assert_string_equal(yn_errname(12345), "EUNKNOWN");
	assert_string_equal(yn_errname(YN_EBADSIG), "EBADSIG");
	for (i = 0; i < n; i++) {
		assert_true(codes[i] < 0 && codes[i] > YN_ELAST);
		assert_string_not_equal(yn_strerror(codes[i]), "unknown error");
		assert_string_not_equal(yn_errname(codes[i]), "EUNKNOWN");
		for (j = 0; j < i; j++) {
			assert_int_not_equal(codes[i], codes[j]);
			assert_string_not_equal(yn_errname(codes[i]), yn_errname(codes[j]));
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rd_each_width_both_orders),
		cmocka_unit_test(test_rd_truncated_leaves_cursor_unchanged),
		cmocka_unit_test(test_rd_giant_lengths_refused),
		cmocka_unit_test(test_rd_exact_fit_then_end),
		cmocka_unit_test(test_rd_trailing_bytes_reported),
		cmocka_unit_test(test_rd_sub_view_is_bounded),
		cmocka_unit_test(test_rd_empty_view),
		cmocka_unit_test(test_wr_each_width_and_exact_fit),
		cmocka_unit_test(test_wr_u64_both_orders),
		cmocka_unit_test(test_wr_overflow_writes_nothing),
		cmocka_unit_test(test_hex_round_trip_and_errors),
		cmocka_unit_test(test_strerror_every_declared_code),
	};

	return cmocka_run_group_tests_name("bytes", tests, NULL, NULL);
}
