/*
 * PN532 frame codec edges (card/emu/pn532_frame.c).  Frame bytes from the
 * PN532 user manual (UM0701-02 §6.2) and from libnfc 1.8.0 talking to a
 * pseudo-terminal (../shared/reference/stack.md §6.1).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "card/emu/pn532_frame.h"
#include "tests/lib/testlib.h"

static int parse_hex(const char *hex, struct yn_pn532_frame *f, size_t *used, uint8_t *buf,
		     size_t cap, size_t *len)
{
	*len = yn_test_hex(hex, buf, cap);
	return yn_pn532_frame_parse(buf, *len, f, used);
}

/* libnfc's first bytes on a fresh port: wake-up, then SAMConfiguration. */
static void test_frame_wakeup_then_samconfiguration(void **state)
{
	uint8_t buf[64];
	struct yn_pn532_frame f;
	size_t used, len;

	(void)state;
	assert_int_equal(parse_hex("5555000000 0000ff03fdd4140117 00", &f, &used, buf,
				   sizeof(buf), &len), 0);
	assert_int_equal(f.kind, YN_PN532_FRAME_INFO);
	assert_int_equal(f.extended, 0);
	assert_int_equal(f.tfi, 0xD4);
	assert_int_equal(f.len, 2);
	assert_int_equal(f.data[0], 0x14);
	assert_int_equal(f.data[1], 0x01);
	/* Everything up to the DCS is consumed; the postamble is left. */
	assert_int_equal(used, len - 1);
}

static void test_frame_ack_and_nack(void **state)
{
	uint8_t buf[16];
	struct yn_pn532_frame f;
	size_t used, len;

	(void)state;
	assert_int_equal(parse_hex("0000ff00ff00", &f, &used, buf, sizeof(buf), &len), 0);
	assert_int_equal(f.kind, YN_PN532_FRAME_ACK);
	assert_int_equal(used, 5);
	assert_int_equal(parse_hex("0000ffff0000", &f, &used, buf, sizeof(buf), &len), 0);
	assert_int_equal(f.kind, YN_PN532_FRAME_NACK);
	assert_int_equal(used, 5);
}

static void test_frame_error_frame(void **state)
{
	uint8_t buf[16];
	struct yn_pn532_frame f;
	size_t used, len;

	(void)state;
	assert_int_equal(parse_hex("0000ff01ff7f8100", &f, &used, buf, sizeof(buf), &len), 0);
	assert_int_equal(f.kind, YN_PN532_FRAME_ERROR);
	assert_memory_equal(buf, yn_pn532_error, sizeof(yn_pn532_error));
}

static void test_frame_bad_length_checksum_skips_start_code(void **state)
{
	uint8_t buf[32];
	struct yn_pn532_frame f;
	size_t used, len;

	(void)state;
	assert_int_equal(parse_hex("0000ff03fcd4140117", &f, &used, buf, sizeof(buf), &len),
			 YN_EFORMAT);
	assert_int_equal(used, 3);	/* 00 + start code 00 FF */
	assert_int_equal(f.kind, 0);
}

static void test_frame_bad_data_checksum(void **state)
{
	uint8_t buf[32];
	struct yn_pn532_frame f;
	size_t used, len;

	(void)state;
	assert_int_equal(parse_hex("0000ff03fdd4140118", &f, &used, buf, sizeof(buf), &len),
			 YN_EFORMAT);
	assert_int_equal(used, 3);
}

static void test_frame_zero_length_info_refused(void **state)
{
	uint8_t buf[32];
	struct yn_pn532_frame f;
	size_t used, len;

	(void)state;
	assert_int_equal(parse_hex("0000ff0000", &f, &used, buf, sizeof(buf), &len),
			 YN_EFORMAT);
}

/* Every proper prefix of a frame is "not yet", and keeps the frame. */
static void test_frame_truncated_at_every_byte(void **state)
{
	uint8_t buf[32];
	struct yn_pn532_frame f;
	size_t used, len, n;

	(void)state;
	len = yn_test_hex("0000ff03fdd4140117", buf, sizeof(buf));
	for (n = 0; n < len; n++) {
		assert_int_equal(yn_pn532_frame_parse(buf, n, &f, &used), YN_ETRUNC);
		/* Only a leading 00 that cannot start "00 FF" may go; never
		 * the start code itself. */
		assert_true(used <= 1);
	}
	assert_int_equal(yn_pn532_frame_parse(buf, len, &f, &used), 0);
}

static void test_frame_garbage_without_start_code_dropped(void **state)
{
	uint8_t buf[32];
	struct yn_pn532_frame f;
	size_t used, len;

	(void)state;
	assert_int_equal(parse_hex("55 55 12 34 ff", &f, &used, buf, sizeof(buf), &len),
			 YN_ETRUNC);
	assert_int_equal(used, len);
	/* A trailing 00 may be the first half of a start code: kept. */
	assert_int_equal(parse_hex("55 12 00", &f, &used, buf, sizeof(buf), &len), YN_ETRUNC);
	assert_int_equal(used, 2);
}

static void test_frame_garbage_between_frames(void **state)
{
	uint8_t buf[64];
	struct yn_pn532_frame f;
	size_t used, len, off;

	(void)state;
	len = yn_test_hex("0000ff00ff00 12 ff 55 0000ff03fdd4140117 00", buf, sizeof(buf));
	assert_int_equal(yn_pn532_frame_parse(buf, len, &f, &used), 0);
	assert_int_equal(f.kind, YN_PN532_FRAME_ACK);
	off = used;
	assert_int_equal(yn_pn532_frame_parse(buf + off, len - off, &f, &used), 0);
	assert_int_equal(f.kind, YN_PN532_FRAME_INFO);
	assert_int_equal(f.data[0], 0x14);
	off += used;
	assert_int_equal(yn_pn532_frame_parse(buf + off, len - off, &f, &used), YN_ETRUNC);
	assert_int_equal(used, 0);	/* the postamble 00: kept as a possible start */
}

static void test_frame_extended_roundtrip(void **state)
{
	uint8_t data[300], wire[YN_PN532_FRAME_WIRE_MAX];
	struct yn_pn532_frame f;
	size_t wire_len, used, i;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	assert_int_equal(yn_pn532_frame_build(0xD5, data, 263, wire, sizeof(wire), &wire_len), 0);
	assert_int_equal(wire_len, 263 + 1 + 10);
	assert_int_equal(wire[3], 0xFF);
	assert_int_equal(wire[4], 0xFF);
	assert_int_equal(wire[5], 0x01);	/* LENM: 264 = 0x0108 */
	assert_int_equal(wire[6], 0x08);
	assert_int_equal((uint8_t)(wire[5] + wire[6] + wire[7]), 0);
	assert_int_equal(yn_pn532_frame_parse(wire, wire_len, &f, &used), 0);
	assert_int_equal(f.kind, YN_PN532_FRAME_INFO);
	assert_int_equal(f.extended, 1);
	assert_int_equal(f.tfi, 0xD5);
	assert_int_equal(f.len, 263);
	assert_memory_equal(f.data, data, 263);
	assert_int_equal(used, wire_len - 1);
}

static void test_frame_normal_at_255_extended_at_256(void **state)
{
	uint8_t data[300] = { 0 }, wire[YN_PN532_FRAME_WIRE_MAX];
	struct yn_pn532_frame f;
	size_t wire_len, used;

	(void)state;
	assert_int_equal(yn_pn532_frame_build(0xD4, data, 254, wire, sizeof(wire), &wire_len), 0);
	assert_int_equal(wire[3], 0xFF);	/* LEN 255 */
	assert_int_equal(wire[4], 0x01);
	assert_int_equal(yn_pn532_frame_parse(wire, wire_len, &f, &used), 0);
	assert_int_equal(f.extended, 0);
	assert_int_equal(f.len, 254);
	assert_int_equal(yn_pn532_frame_build(0xD4, data, 255, wire, sizeof(wire), &wire_len), 0);
	assert_int_equal(yn_pn532_frame_parse(wire, wire_len, &f, &used), 0);
	assert_int_equal(f.extended, 1);
	assert_int_equal(f.len, 255);
}

static void test_frame_extended_too_long_refused(void **state)
{
	uint8_t buf[16];
	struct yn_pn532_frame f;
	size_t used, len;

	(void)state;
	/* LEN = 0x0200 = 512 > 265, LCS = FE */
	assert_int_equal(parse_hex("0000ffffff0200fe", &f, &used, buf, sizeof(buf), &len),
			 YN_ERANGE);
	assert_int_equal(used, 3);
	/* Bad extended length checksum */
	assert_int_equal(parse_hex("0000ffffff0100fe", &f, &used, buf, sizeof(buf), &len),
			 YN_EFORMAT);
}

static void test_frame_build_limits(void **state)
{
	uint8_t data[300] = { 0 }, wire[YN_PN532_FRAME_WIRE_MAX];
	size_t wire_len = 0;

	(void)state;
	assert_int_equal(yn_pn532_frame_build(0xD5, data, YN_PN532_FRAME_DATA_MAX, wire,
					      sizeof(wire), &wire_len), YN_ERANGE);
	assert_int_equal(yn_pn532_frame_build(0xD5, data, 2, wire, 9, &wire_len), YN_ENOSPC);
	assert_int_equal(yn_pn532_frame_build(0xD5, data, 2, wire, 10, &wire_len), 0);
	assert_int_equal(wire_len, 10);
	assert_int_equal(yn_pn532_frame_build(0xD5, NULL, 0, wire, sizeof(wire), &wire_len), 0);
	assert_int_equal(wire_len, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_frame_wakeup_then_samconfiguration),
		cmocka_unit_test(test_frame_ack_and_nack),
		cmocka_unit_test(test_frame_error_frame),
		cmocka_unit_test(test_frame_bad_length_checksum_skips_start_code),
		cmocka_unit_test(test_frame_bad_data_checksum),
		cmocka_unit_test(test_frame_zero_length_info_refused),
		cmocka_unit_test(test_frame_truncated_at_every_byte),
		cmocka_unit_test(test_frame_garbage_without_start_code_dropped),
		cmocka_unit_test(test_frame_garbage_between_frames),
		cmocka_unit_test(test_frame_extended_roundtrip),
		cmocka_unit_test(test_frame_normal_at_255_extended_at_256),
		cmocka_unit_test(test_frame_extended_too_long_refused),
		cmocka_unit_test(test_frame_build_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
