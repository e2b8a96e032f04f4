/*
 * Holder descriptions in JSON (card/holder_json.h): the documented example,
 * defaults, and an error naming the field for every kind of mistake a desk
 * clerk can make.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <jansson.h>
#include <cmocka.h>

#include "base/err.h"
#include "card/holder.h"
#include "card/holder_json.h"
#include "tests/lib/testlib.h"

/* 2026-11-29T10:00:00+08:00 */
#define NOW 1795917600

static void test_documented_example_parses_to_worked_example(void **state)
{
	static const uint8_t uid[7] = { 0x04, 0x1A, 0x2B, 0x3C, 0x4D, 0x5E, 0x80 };
	struct yn_holder h;
	char err[256] = "";
	const char *src = getenv("YN_SRCDIR");
	char path[512];

	(void)state;
	snprintf(path, sizeof(path), "%s/docs/examples/holder.json", src ? src : ".");
	/* "now" is ignored: the example carries issued_at. */
	assert_int_equal(yn_holder_json_load(path, 1700000000, &h, err, sizeof(err)), 0);
	assert_true(h.serial == 12345678);
	assert_memory_equal(h.uid, uid, 7);
	assert_int_equal(h.birth, 19560314);
	assert_int_equal(h.residency, YN_HRES_HUKOU);
	assert_int_equal(h.district, YN_HDIST_FUTIAN);
	assert_int_equal(h.categories, YN_HCAT_DIBAO | YN_HCAT_DISABILITY);
	assert_int_equal(h.not_before, 20261201);
	assert_int_equal(h.not_after, 20311130);
	assert_true(h.issued_at == NOW);
	/* Left for the signer. */
	assert_int_equal(h.issuer_key_id[0] | h.sig[0] | h.sig[63], 0);
}

static void test_defaults_issue_time_and_not_before(void **state)
{
	static const char j[] =
		"{\"serial\": 7, \"birth_date\": \"1950-01-01\", \"residency\": \"hong_kong\","
		" \"not_after\": \"2030-12-31\"}";
	struct yn_holder h;
	char err[256] = "";

	(void)state;
	assert_int_equal(yn_holder_json_parse(j, strlen(j), NOW, &h, err, sizeof(err)), 0);
	assert_true(h.issued_at == NOW);
	assert_int_equal(h.not_before, 20261129);	/* the issue date in Shenzhen */
	assert_int_equal(h.district, YN_HDIST_NONE);
	assert_int_equal(h.categories, 0);
	assert_int_equal(h.uid[0], 0);	/* taken from the card at issue */
}

/* Without a serial the desk allocates the next free one: the parser
 * leaves 0 (which yn_holder_check refuses, so it can never reach a card). */
static void test_missing_serial_means_allocate(void **state)
{
	static const char j[] =
		"{\"birth_date\": \"1950-01-01\", \"residency\": \"macao\","
		" \"not_after\": \"2030-12-31\"}";
	struct yn_holder h;
	const char *why = NULL;
	char err[256] = "";

	(void)state;
	assert_int_equal(yn_holder_json_parse(j, strlen(j), NOW, &h, err, sizeof(err)), 0);
	assert_true(h.serial == 0);
	assert_int_not_equal(yn_holder_check(&h, &why), 0);
}

static void test_chinese_names_accepted(void **state)
{
	static const char j[] =
		"{\"serial\": \"18446744073709551615\", \"birth_date\": \"1940-06-01\","
		" \"residency\": \"深圳户籍\", \"district\": \"大鹏新区\","
		" \"categories\": [\"特困\", \"三属五老\"], \"not_after\": \"2030-12-31\"}";
	struct yn_holder h;
	char err[256] = "";

	(void)state;
	assert_int_equal(yn_holder_json_parse(j, strlen(j), NOW, &h, err, sizeof(err)), 0);
	assert_true(h.serial == UINT64_MAX);
	assert_int_equal(h.district, YN_HDIST_DAPENG);
	assert_int_equal(h.categories, YN_HCAT_TEKUN | YN_HCAT_SANSHU_WULAO);
}

struct bad {
	const char *json;
	int code;
	const char *says;	/* must appear in the error */
};

#define BASE "\"serial\": 1, \"residency\": \"shenzhen_hukou\", \"district\": \"nanshan\""

static void test_errors_name_the_field(void **state)
{
	static const struct bad cases[] = {
		/* age under 60 on the issue date */
		{ "{" BASE ", \"birth_date\": \"1966-11-30\", \"not_after\": \"2030-01-01\"}",
		  YN_ERANGE, "birth_date: holder is 59 on the issue date 2026-11-29" },
		/* still 59 at the last second of the issue day in Shenzhen */
		{ "{" BASE ", \"birth_date\": \"1966-11-30\", \"not_after\": \"2030-01-01\","
		  " \"issued_at\": \"2026-11-29T23:59:59+08:00\"}",
		  YN_ERANGE, "birth_date: holder is 59" },
		{ "{" BASE ", \"birth_date\": \"2030-01-01\", \"not_after\": \"2031-01-01\"}",
		  YN_ERANGE, "birth_date: after the issue date" },
		/* dates out of order */
		{ "{" BASE ", \"birth_date\": \"1950-01-01\", \"not_before\": \"2027-01-01\","
		  " \"not_after\": \"2026-12-31\"}",
		  YN_ERANGE, "not_after: 2026-12-31 is before not_before 2027-01-01" },
		{ "{" BASE ", \"birth_date\": \"1950-01-01\", \"not_before\": \"2020-01-01\","
		  " \"not_after\": \"2025-12-31\"}",
		  YN_ERANGE, "not_after: 2025-12-31 is before the issue date" },
		{ "{" BASE ", \"birth_date\": \"1950-01-01\", \"not_before\": \"1949-01-01\","
		  " \"not_after\": \"2030-12-31\"}",
		  YN_ERANGE, "not_before: 1949-01-01 is before birth_date" },
		/* unknown names */
		{ "{\"serial\": 1, \"residency\": \"shenzhen_hukou\", \"district\": \"dongguan\","
		  " \"birth_date\": \"1950-01-01\", \"not_after\": \"2030-12-31\"}",
		  YN_ENOENT, "district: unknown district \"dongguan\"" },
		{ "{" BASE ", \"birth_date\": \"1950-01-01\", \"not_after\": \"2030-12-31\","
		  " \"categories\": [\"dibao\", \"veteran\"]}",
		  YN_ENOENT, "categories[1]: unknown category \"veteran\"" },
		{ "{" BASE ", \"birth_date\": \"1950-01-01\", \"not_after\": \"2030-12-31\","
		  " \"categories\": [\"dibao\", \"低保\"]}",
		  YN_EFORMAT, "categories[1]: \"低保\" listed twice" },
		{ "{\"serial\": 1, \"residency\": \"tourist\", \"birth_date\": \"1950-01-01\","
		  " \"not_after\": \"2030-12-31\"}",
		  YN_ENOENT, "residency: unknown class \"tourist\"" },
		/* district rules */
		{ "{\"serial\": 1, \"residency\": \"shenzhen_hukou\", \"birth_date\": \"1950-01-01\","
		  " \"not_after\": \"2030-12-31\"}",
		  YN_EFORMAT, "district: required" },
		{ "{\"serial\": 1, \"residency\": \"taiwan\", \"district\": \"futian\","
		  " \"birth_date\": \"1950-01-01\", \"not_after\": \"2030-12-31\"}",
		  YN_ERANGE, "district: only Shenzhen hukou holders" },
		/* shapes */
		{ "{" BASE ", \"birth_date\": \"1950-01-01\", \"not_after\": \"2030-12-31\","
		  " \"nmae\": \"x\"}",
		  YN_EFORMAT, "nmae: unknown field" },
		{ "{" BASE ", \"not_after\": \"2030-12-31\"}", YN_EFORMAT, "birth_date: missing" },
		{ "{" BASE ", \"birth_date\": \"1950-01-01\"}", YN_EFORMAT, "not_after: missing" },
		{ "{\"serial\": 0, \"residency\": \"macao\", \"birth_date\": \"1950-01-01\","
		  " \"not_after\": \"2030-12-31\"}",
		  YN_ERANGE, "serial: must be 1 or more" },
		{ "{\"serial\": \"12a\", \"residency\": \"macao\", \"birth_date\": \"1950-01-01\","
		  " \"not_after\": \"2030-12-31\"}",
		  YN_EFORMAT, "serial: \"12a\"" },
		{ "{\"serial\": \"18446744073709551616\", \"residency\": \"macao\","
		  " \"birth_date\": \"1950-01-01\", \"not_after\": \"2030-12-31\"}",
		  YN_ERANGE, "serial: larger" },
		{ "{" BASE ", \"birth_date\": \"1950-02-30\", \"not_after\": \"2030-12-31\"}",
		  YN_ERANGE, "birth_date: \"1950-02-30\" is not a date" },
		{ "{" BASE ", \"birth_date\": \"01/02/1950\", \"not_after\": \"2030-12-31\"}",
		  YN_EFORMAT, "birth_date: \"01/02/1950\" is not a date" },
		{ "{" BASE ", \"birth_date\": 19500101, \"not_after\": \"2030-12-31\"}",
		  YN_EFORMAT, "birth_date: must be a string" },
		{ "{" BASE ", \"birth_date\": \"1950-01-01\", \"not_after\": \"2030-12-31\","
		  " \"uid\": \"041A2B3C4D5E\"}",
		  YN_EFORMAT, "uid: must be 14 hex digits" },
		{ "{" BASE ", \"birth_date\": \"1950-01-01\", \"not_after\": \"2030-12-31\","
		  " \"issued_at\": \"2026-11-29 10:00\"}",
		  YN_EFORMAT, "issued_at: must be a time" },
		{ "{" BASE ", \"birth_date\": \"1950-01-01\", \"not_after\": \"2030-12-31\","
		  " \"categories\": \"dibao\"}",
		  YN_EFORMAT, "categories: must be an array" },
		{ "{" BASE ", \"birth_date\": \"1950-01-01\", \"not_after\": \"2030-12-31\","
		  " \"name\": 5}",
		  YN_EFORMAT, "name: must be a string" },
		{ "{" BASE ", \"birth_date\": \"1950-01-01\", \"birth_date\": \"1951-01-01\","
		  " \"not_after\": \"2030-12-31\"}",
		  YN_EFORMAT, "not valid JSON" },
		{ "[1, 2]", YN_EFORMAT, "must be a JSON object" },
		{ "{\"serial\": 1,", YN_EFORMAT, "not valid JSON at line 1" },
	};
	struct yn_holder h;
	char err[512];
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		r = yn_holder_json_parse(cases[i].json, strlen(cases[i].json), NOW, &h, err,
					 sizeof(err));
		if (r != cases[i].code || strstr(err, cases[i].says) == NULL)
			fail_msg("case %zu: got %d \"%s\", want %d \"%s\"", i, r, err,
				 cases[i].code, cases[i].says);
		assert_true(h.serial == 0 && h.birth == 0);
	}
}

static void test_sixtieth_birthday_is_enough(void **state)
{
	static const char j[] = "{" BASE ", \"birth_date\": \"1966-11-29\","
				" \"not_after\": \"2030-01-01\"}";
	struct yn_holder h;
	char err[256] = "";

	(void)state;
	assert_int_equal(yn_holder_json_parse(j, strlen(j), NOW, &h, err, sizeof(err)), 0);
	/* The issue date is taken in Shenzhen: 2026-11-28T16:00:00Z is already
	 * the 29th there. */
	assert_int_equal(yn_holder_json_parse(j, strlen(j), NOW - 10 * 3600, &h, err,
					      sizeof(err)), 0);
	assert_int_equal(yn_holder_json_parse(j, strlen(j), NOW - 10 * 3600 - 1, &h, err,
					      sizeof(err)), YN_ERANGE);
	assert_non_null(strstr(err, "holder is 59 on the issue date 2026-11-28"));
}

static void test_dump_parses_back_to_the_same_holder(void **state)
{
	static const char j[] =
		"{\"serial\": \"18446744073709551615\", \"uid\": \"04A1B2C3D4E5F6\","
		" \"birth_date\": \"1926-07-01\", \"residency\": \"shenzhen_hukou\","
		" \"district\": \"shenshan\", \"categories\": [\"tekun\", \"dibao\","
		" \"dibao_edge\", \"sanshu_wulao\", \"only_child_family\", \"disability\"],"
		" \"not_before\": \"2026-12-01\", \"not_after\": \"2099-12-31\","
		" \"issued_at\": \"2026-11-29T23:59:58+08:00\"}";
	struct yn_holder h, back;
	char err[256] = "", *text = NULL, *again = NULL;
	json_t *o;

	(void)state;
	assert_int_equal(yn_holder_json_parse(j, strlen(j), NOW, &h, err, sizeof(err)), 0);
	memset(h.sig, 0xA5, sizeof(h.sig));
	h.issuer_key_id[0] = 0x42;
	assert_int_equal(yn_holder_json_dump(&h, &text), 0);
	assert_non_null(strstr(text, "\"issued_at\": \"2026-11-29T23:59:58+08:00\""));
	assert_non_null(strstr(text, "\"issuer_key_id\": \"4200000000000000\""));
	assert_non_null(strstr(text, "\"district\": \"shenshan\""));
	/* Without the two members the desk does not write, it parses back. */
	o = json_loads(text, 0, NULL);
	assert_non_null(o);
	json_object_del(o, "issuer_key_id");
	json_object_del(o, "signature");
	again = json_dumps(o, 0);
	json_decref(o);
	assert_int_equal(yn_holder_json_parse(again, strlen(again), 0, &back, err, sizeof(err)), 0);
	assert_true(back.serial == h.serial);
	assert_memory_equal(back.uid, h.uid, 7);
	assert_int_equal(back.birth, h.birth);
	assert_int_equal(back.residency, h.residency);
	assert_int_equal(back.district, h.district);
	assert_int_equal(back.categories, YN_HCAT_ALL);
	assert_int_equal(back.not_before, h.not_before);
	assert_int_equal(back.not_after, h.not_after);
	assert_true(back.issued_at == h.issued_at);
	free(text);
	free(again);
	/* An invalid holder is not dumped. */
	h.district = 99;
	assert_int_equal(yn_holder_json_dump(&h, &text), YN_EINVAL);
	assert_null(text);
}

static void test_time_parse(void **state)
{
	int64_t t = 0;

	(void)state;
	assert_int_equal(yn_holder_json_parse_time("2026-11-29T10:00:00+08:00", &t), 0);
	assert_true(t == NOW);
	assert_int_equal(yn_holder_json_parse_time("2026-11-29T02:00:00Z", &t), 0);
	assert_true(t == NOW);
	assert_int_equal(yn_holder_json_parse_time("2026-11-28T21:00:00-0500", &t), 0);
	assert_true(t == NOW);
	assert_int_equal(yn_holder_json_parse_time("2026-11-29T24:00:00Z", &t), YN_ERANGE);
	assert_int_equal(yn_holder_json_parse_time("2026-11-29T10:00:00", &t), YN_EFORMAT);
	assert_int_equal(yn_holder_json_parse_time("2026-11-29T10:00:00+8", &t), YN_EFORMAT);
	assert_int_equal(yn_holder_json_parse_time("2026-13-29T10:00:00Z", &t), YN_ERANGE);
}

static void test_missing_file_is_enoent(void **state)
{
	struct yn_holder h;
	char err[256] = "";

	(void)state;
	assert_int_equal(yn_holder_json_load("/nonexistent/holder.json", NOW, &h, err,
					     sizeof(err)), YN_ENOENT);
	assert_non_null(strstr(err, "/nonexistent/holder.json"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_documented_example_parses_to_worked_example),
		cmocka_unit_test(test_defaults_issue_time_and_not_before),
		cmocka_unit_test(test_missing_serial_means_allocate),
		cmocka_unit_test(test_chinese_names_accepted),
		cmocka_unit_test(test_errors_name_the_field),
		cmocka_unit_test(test_sixtieth_birthday_is_enough),
		cmocka_unit_test(test_dump_parses_back_to_the_same_holder),
		cmocka_unit_test(test_time_parse),
		cmocka_unit_test(test_missing_file_is_enoent),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
