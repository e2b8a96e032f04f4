/*
 * Trip-log records, benefit state and card dates (card/cardstate.h,
 * card/holder_date.h), against the worked example of docs/card-format.md
 * §6-§7 and every refusal of the decoders.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/bytes.h"
#include "base/err.h"
#include "card/cardstate.h"
#include "card/holder_date.h"
#include "tests/lib/testlib.h"

/* docs/card-format.md §6.2: metro entry 2026-12-02 08:15:30 +08:00. */
static const char trip_hex[] = "01016B0F63220001010700A1B2C30100";
/* docs/card-format.md §7.2. */
static const char benefit_hex[] = "010120261202000000030000119420261201000000026B0F98EC00C0FFEE0000";

static struct yn_triprec example_trip(void)
{
	struct yn_triprec t = {
		.kind = YN_TRIPREC_METRO_ENTRY, .time = 1796170530u, .line = 1,
		.station = 0x0107, .terminal = 0x00A1B2C3, .direction = YN_TRIPREC_DIR_UP,
	};
	return t;
}

static struct yn_benefitrec example_benefit(void)
{
	struct yn_benefitrec b = {
		.last_meal = 20261202, .meals_on_last = 1, .meal_count = 3, .subsidy_total = 4500,
		.last_service = 20261201, .service_count = 2, .updated_at = 1796184300u,
		.updated_by = 0x00C0FFEE,
	};
	return b;
}

static void test_trip_worked_example_bytes(void **state)
{
	struct yn_triprec t = example_trip(), back;
	uint8_t want[YN_TRIPREC_LEN], out[YN_TRIPREC_LEN + 4];
	size_t n = 0;

	(void)state;
	assert_int_equal(yn_test_hex(trip_hex, want, sizeof(want)), YN_TRIPREC_LEN);
	assert_int_equal(yn_triprec_encode(&t, out, sizeof(out), &n, NULL), 0);
	assert_int_equal(n, YN_TRIPREC_LEN);
	assert_memory_equal(out, want, YN_TRIPREC_LEN);
	assert_int_equal(yn_triprec_decode(want, sizeof(want), &back, NULL), 0);
	assert_int_equal(back.kind, t.kind);
	assert_int_equal(back.time, t.time);
	assert_int_equal(back.line, t.line);
	assert_int_equal(back.station, t.station);
	assert_int_equal(back.terminal, t.terminal);
	assert_int_equal(back.direction, t.direction);
	/* The date the record shows, in Shenzhen. */
	assert_int_equal(yn_ymd_from_unix(back.time), 20261202);
}

static void test_trip_truncated_at_every_byte(void **state)
{
	uint8_t rec[YN_TRIPREC_LEN];
	struct yn_triprec t;
	const char *why;
	size_t i;

	(void)state;
	yn_test_hex(trip_hex, rec, sizeof(rec));
	for (i = 0; i < YN_TRIPREC_LEN; i++) {
		why = NULL;
		assert_int_equal(yn_triprec_decode(rec, i, &t, &why), YN_ETRUNC);
		assert_non_null(why);
		assert_non_null(strstr(why, "truncated"));
		assert_int_equal(t.time, 0);
	}
}

static void test_trip_trailing_byte_refused(void **state)
{
	uint8_t rec[YN_TRIPREC_LEN + 1];
	struct yn_triprec t;
	const char *why = NULL;

	(void)state;
	yn_test_hex(trip_hex, rec, YN_TRIPREC_LEN);
	rec[YN_TRIPREC_LEN] = 0;
	assert_int_equal(yn_triprec_decode(rec, sizeof(rec), &t, &why), YN_ETRAILING);
	assert_non_null(strstr(why, "after"));
}

static void test_trip_bad_fields_refused(void **state)
{
	static const struct {
		size_t off;
		uint8_t val;
		int code;
		const char *field;
	} cases[] = {
		{ 0, 0x00, YN_EVERSION, "version" },	/* an empty (cleared) record */
		{ 0, 0x02, YN_EVERSION, "version" },
		{ 1, 0x00, YN_ERANGE, "kind" },
		{ 1, 0x05, YN_ERANGE, "kind" },
		{ 14, 0x03, YN_ERANGE, "direction" },
		{ 15, 0x01, YN_EFORMAT, "reserved" },
	};
	uint8_t rec[YN_TRIPREC_LEN];
	struct yn_triprec t;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yn_test_hex(trip_hex, rec, sizeof(rec));
		rec[cases[i].off] = cases[i].val;
		why = NULL;
		assert_int_equal(yn_triprec_decode(rec, sizeof(rec), &t, &why), cases[i].code);
		assert_non_null(why);
		assert_non_null(strstr(why, cases[i].field));
	}
	/* time 0 */
	yn_test_hex(trip_hex, rec, sizeof(rec));
	memset(rec + 2, 0, 4);
	assert_int_equal(yn_triprec_decode(rec, sizeof(rec), &t, &why), YN_ERANGE);
	assert_non_null(strstr(why, "time"));
}

static void test_trip_encode_refuses_bad_struct(void **state)
{
	struct yn_triprec t = example_trip();
	uint8_t out[YN_TRIPREC_LEN];
	size_t n = 99;

	(void)state;
	t.kind = 9;
	assert_int_equal(yn_triprec_encode(&t, out, sizeof(out), &n, NULL), YN_ERANGE);
	assert_int_equal(n, 0);
	t = example_trip();
	assert_int_equal(yn_triprec_encode(&t, out, YN_TRIPREC_LEN - 1, &n, NULL), YN_ENOSPC);
}

static void test_trip_list_decodes_whole_records_only(void **state)
{
	uint8_t buf[3 * YN_TRIPREC_LEN];
	struct yn_triprec out[3];
	const char *why = NULL;
	size_t n = 9, i;

	(void)state;
	for (i = 0; i < 3; i++) {
		yn_test_hex(trip_hex, buf + i * YN_TRIPREC_LEN, YN_TRIPREC_LEN);
		buf[i * YN_TRIPREC_LEN + 5] = (uint8_t)(0x22 + i);	/* time + i */
	}
	assert_int_equal(yn_triprec_decode_list(buf, sizeof(buf), out, 3, &n, NULL), 0);
	assert_int_equal(n, 3);
	assert_int_equal(out[2].time, 1796170532u);
	assert_int_equal(yn_triprec_decode_list(buf, 0, out, 3, &n, NULL), 0);
	assert_int_equal(n, 0);
	assert_int_equal(yn_triprec_decode_list(buf, sizeof(buf) - 1, out, 3, &n, &why),
			 YN_ETRUNC);
	assert_non_null(strstr(why, "inside a record"));
	assert_int_equal(yn_triprec_decode_list(buf, sizeof(buf), out, 2, &n, NULL), YN_ENOSPC);
	buf[2 * YN_TRIPREC_LEN + 1] = 0x07;	/* third record: unknown kind */
	assert_int_equal(yn_triprec_decode_list(buf, sizeof(buf), out, 3, &n, &why), YN_ERANGE);
	assert_non_null(strstr(why, "kind"));
	assert_int_equal(n, 0);
	assert_int_equal(out[0].time, 0);
}

static void test_benefit_worked_example_bytes(void **state)
{
	struct yn_benefitrec b = example_benefit(), back;
	uint8_t want[YN_BENEFITREC_LEN], out[YN_BENEFITREC_LEN];
	size_t n = 0;

	(void)state;
	assert_int_equal(yn_test_hex(benefit_hex, want, sizeof(want)), YN_BENEFITREC_LEN);
	assert_int_equal(yn_benefitrec_encode(&b, out, sizeof(out), &n, NULL), 0);
	assert_int_equal(n, YN_BENEFITREC_LEN);
	assert_memory_equal(out, want, YN_BENEFITREC_LEN);
	assert_int_equal(yn_benefitrec_decode(want, sizeof(want), &back, NULL), 0);
	assert_int_equal(back.last_meal, b.last_meal);
	assert_int_equal(back.meals_on_last, b.meals_on_last);
	assert_int_equal(back.meal_count, b.meal_count);
	assert_int_equal(back.subsidy_total, b.subsidy_total);
	assert_int_equal(back.last_service, b.last_service);
	assert_int_equal(back.service_count, b.service_count);
	assert_int_equal(back.updated_at, b.updated_at);
	assert_int_equal(back.updated_by, b.updated_by);
}

static void test_benefit_fresh_card_is_version_and_zeros(void **state)
{
	struct yn_benefitrec b, back;
	uint8_t out[YN_BENEFITREC_LEN], want[YN_BENEFITREC_LEN] = { 0x01 };
	size_t n = 0;

	(void)state;
	memset(&b, 0, sizeof(b));
	assert_int_equal(yn_benefitrec_encode(&b, out, sizeof(out), &n, NULL), 0);
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(yn_benefitrec_decode(out, n, &back, NULL), 0);
	assert_int_equal(back.last_meal, 0);
}

static void test_benefit_truncated_trailing_version(void **state)
{
	uint8_t st[YN_BENEFITREC_LEN + 1];
	struct yn_benefitrec b;
	const char *why;
	size_t i;

	(void)state;
	yn_test_hex(benefit_hex, st, YN_BENEFITREC_LEN);
	for (i = 0; i < YN_BENEFITREC_LEN; i++)
		assert_int_equal(yn_benefitrec_decode(st, i, &b, NULL), YN_ETRUNC);
	st[YN_BENEFITREC_LEN] = 0;
	assert_int_equal(yn_benefitrec_decode(st, sizeof(st), &b, NULL), YN_ETRAILING);
	st[0] = 2;
	assert_int_equal(yn_benefitrec_decode(st, YN_BENEFITREC_LEN, &b, &why), YN_EVERSION);
	assert_non_null(strstr(why, "version"));
	assert_int_equal(b.meal_count, 0);
}

static void test_benefit_bad_dates_and_reserved_refused(void **state)
{
	static const struct {
		size_t off;
		uint8_t val;
		const char *field;
	} cases[] = {
		{ 2, 0x2A, "last_meal" },	/* not BCD */
		{ 4, 0x13, "last_meal" },	/* month 13 */
		{ 5, 0x00, "last_meal" },	/* day 00 */
		{ 15, 0xF0, "last_service" },	/* not BCD */
		{ 31, 0x01, "reserved" },
	};
	uint8_t st[YN_BENEFITREC_LEN];
	struct yn_benefitrec b;
	const char *why;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		yn_test_hex(benefit_hex, st, sizeof(st));
		st[cases[i].off] = cases[i].val;
		why = NULL;
		assert_int_equal(yn_benefitrec_decode(st, sizeof(st), &b, &why), YN_EFORMAT);
		assert_non_null(why);
		assert_non_null(strstr(why, cases[i].field));
	}
	/* Meals on the last date must agree with the date. */
	yn_test_hex(benefit_hex, st, sizeof(st));
	st[1] = 0;
	assert_int_equal(yn_benefitrec_decode(st, sizeof(st), &b, &why), YN_ERANGE);
	assert_non_null(strstr(why, "meals_on_last"));
	memset(st + 2, 0, 4);
	assert_int_equal(yn_benefitrec_decode(st, sizeof(st), &b, &why), 0);
	st[1] = 2;
	assert_int_equal(yn_benefitrec_decode(st, sizeof(st), &b, &why), YN_ERANGE);
	assert_non_null(strstr(why, "meals_on_last"));
	/* 2026-02-30 is BCD but not a day. */
	yn_test_hex(benefit_hex, st, sizeof(st));
	st[16] = 0x02;
	st[17] = 0x30;
	assert_int_equal(yn_benefitrec_decode(st, sizeof(st), &b, &why), YN_EFORMAT);
	assert_non_null(strstr(why, "last_service"));
	/* ... and 2026-12-30 is. */
	st[16] = 0x12;
	assert_int_equal(yn_benefitrec_decode(st, sizeof(st), &b, &why), 0);
	assert_int_equal(b.last_service, 20261230);
}

static void test_date_rules(void **state)
{
	uint32_t d = 0;
	char buf[11];

	(void)state;
	assert_true(yn_ymd_valid(20240229));
	assert_false(yn_ymd_valid(20230229));
	assert_false(yn_ymd_valid(21000228));	/* past 2099 */
	assert_false(yn_ymd_valid(18991231));
	assert_false(yn_ymd_valid(20241301));
	assert_false(yn_ymd_valid(20240100));
	assert_int_equal(yn_ymd_to_days(19700101), 0);
	assert_int_equal(yn_ymd_to_days(19560314), -5041);
	assert_int_equal(yn_ymd_from_days(-5041), 19560314);
	assert_int_equal(yn_ymd_from_days(yn_ymd_to_days(20991231) + 1), 0);
	/* 2026-11-29T02:00:00Z is 10:00 in Shenzhen; 15:59:59Z is 23:59:59. */
	assert_int_equal(yn_ymd_from_unix(1795917600), 20261129);
	assert_int_equal(yn_ymd_from_unix(1795967999), 20261129);
	assert_int_equal(yn_ymd_from_unix(1795968000), 20261130);
	assert_int_equal(yn_ymd_to_unix(20261130), 1795968000);
	assert_int_equal(yn_ymd_age(19560314, 20260313), 69);
	assert_int_equal(yn_ymd_age(19560314, 20260314), 70);
	assert_int_equal(yn_ymd_age(19600229, 20200228), 59);
	assert_int_equal(yn_ymd_age(19600229, 20210301), 61);
	assert_int_equal(yn_ymd_parse("1956-03-14", &d), 0);
	assert_int_equal(d, 19560314);
	assert_int_equal(yn_ymd_parse("1956-3-14", &d), YN_EFORMAT);
	assert_int_equal(yn_ymd_parse("1956-02-30", &d), YN_ERANGE);
	assert_int_equal(yn_ymd_parse("1956-03-14 ", &d), YN_EFORMAT);
	yn_ymd_format(20261129, buf);
	assert_string_equal(buf, "2026-11-29");
}

static void test_date_bcd_refuses_hex_digits(void **state)
{
	static const uint8_t good[4] = { 0x19, 0x56, 0x03, 0x14 };
	static const uint8_t bad[4] = { 0x19, 0x5A, 0x03, 0x14 };
	struct yn_rd r;
	struct yn_wr w;
	uint8_t out[4];
	uint32_t d = 7;

	(void)state;
	yn_rd_init(&r, good, 3);
	assert_int_equal(yn_ymd_get_bcd(&r, &d), YN_ETRUNC);
	assert_int_equal(r.off, 0);
	yn_rd_init(&r, bad, 4);
	assert_int_equal(yn_ymd_get_bcd(&r, &d), YN_EFORMAT);
	assert_int_equal(r.off, 0);
	assert_int_equal(d, 7);
	yn_rd_init(&r, good, 4);
	assert_int_equal(yn_ymd_get_bcd(&r, &d), 0);
	assert_int_equal(d, 19560314);
	yn_wr_init(&w, out, sizeof(out));
	assert_int_equal(yn_ymd_put_bcd(&w, 19560314), 0);
	assert_memory_equal(out, good, 4);
	yn_wr_init(&w, out, sizeof(out));
	assert_int_equal(yn_ymd_put_bcd(&w, 100000000u), YN_ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trip_worked_example_bytes),
		cmocka_unit_test(test_trip_truncated_at_every_byte),
		cmocka_unit_test(test_trip_trailing_byte_refused),
		cmocka_unit_test(test_trip_bad_fields_refused),
		cmocka_unit_test(test_trip_encode_refuses_bad_struct),
		cmocka_unit_test(test_trip_list_decodes_whole_records_only),
		cmocka_unit_test(test_benefit_worked_example_bytes),
		cmocka_unit_test(test_benefit_fresh_card_is_version_and_zeros),
		cmocka_unit_test(test_benefit_truncated_trailing_version),
		cmocka_unit_test(test_benefit_bad_dates_and_reserved_refused),
		cmocka_unit_test(test_date_rules),
		cmocka_unit_test(test_date_bcd_refuses_hex_digits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
