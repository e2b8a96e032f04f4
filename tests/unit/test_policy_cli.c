/*
 * `yinian policy` as a user runs it: exit status, the plain-words
 * explanation, the JSON form, errors that name the file and line.
 * Runs build/yinian (or $YN_BUILD/yinian) from the top of the source tree.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <jansson.h>

#include "tests/lib/testlib.h"

static char out[65536];

/* Run "yinian ARGS 2>&1"; return the exit status, output in out[]. */
static int run(const char *args)
{
	const char *b = getenv("YN_BUILD");
	char cmd[1024];
	FILE *f;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "%s/yinian %s 2>&1", b ? b : "build", args);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	st = pclose(f);
	assert_true(WIFEXITED(st));
	return WEXITSTATUS(st);
}

static void test_check_default_explains_rules(void **state)
{
	(void)state;
	assert_int_equal(run("policy check docs/examples/policy-shenzhen.ini"), 0);
	assert_non_null(strstr(out, "valid policy \"Shenzhen default\", version 1"));
	assert_non_null(strstr(out, "holders aged 60 or over"));
	assert_non_null(strstr(out, "Taiwan residents"));
	assert_non_null(strstr(out, "for 10 minutes after a trip"));
	assert_non_null(strstr(out, "Time bands: none"));
	assert_non_null(strstr(out, "working days, 11:00 to 13:30, 1 subsidised meal a day, "
				    "only at canteens in the holder's hukou district"));
	assert_non_null(strstr(out, "key_guarantee: up to 15.00 yuan"));
	assert_non_null(strstr(out, "age_70_99: up to 5.00 yuan"));
	assert_non_null(strstr(out, "age: 70 to 99"));
	assert_non_null(strstr(out, "free rides continue; canteen subsidies stop; "
				    "service vouchers stop"));
	assert_non_null(strstr(out, "2026-02-15..2026-02-23"));
	assert_non_null(strstr(out, "29 February"));
}

static void test_check_json(void **state)
{
	json_t *o, *t;
	json_error_t e;

	(void)state;
	assert_int_equal(run("policy check --json docs/examples/policy-shenzhen.ini"), 0);
	o = json_loads(out, 0, &e);
	assert_non_null(o);
	assert_true(json_is_true(json_object_get(o, "valid")));
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "ride"),
							    "min_age")), 60);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(o, "ride"),
							    "passback_minutes")), 10);
	t = json_object_get(json_object_get(o, "canteen"), "tiers");
	assert_int_equal(json_array_size(t), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(t, 2), "cap_fen")),
			 500);
	assert_true(json_is_null(json_object_get(json_array_get(t, 0), "max_age")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(o, "stale"),
							      "rides")), "continue");
	assert_int_equal(json_array_size(json_object_get(json_object_get(o, "calendar"),
							 "holidays")), 33);
	json_decref(o);
}

static void test_check_bad_file_names_line(void **state)
{
	char *dir = yn_test_tmpdir(), path[512], args[600];
	FILE *f;
	json_t *o;
	json_error_t e;

	(void)state;
	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/bad.ini", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[policy]\nname = x\nversion = 1\n[ride]\nmin_age = 200\n", f);
	fclose(f);
	snprintf(args, sizeof(args), "policy check %s", path);
	assert_int_equal(run(args), 1);
	assert_non_null(strstr(out, "bad.ini:5: min_age: 200 is out of range (0..150)"));

	snprintf(args, sizeof(args), "policy check --json %s", path);
	assert_int_equal(run(args), 1);
	o = json_loads(out, 0, &e);
	assert_non_null(o);
	assert_true(json_is_false(json_object_get(o, "valid")));
	assert_int_equal(json_integer_value(json_object_get(o, "line")), 5);
	json_decref(o);

	snprintf(args, sizeof(args), "policy check %s/missing.ini", dir);
	assert_int_equal(run(args), 1);
	assert_non_null(strstr(out, "missing.ini: cannot open"));
	yn_test_rmtree(dir);
	free(dir);
}

static void test_default_prints_example(void **state)
{
	FILE *f;
	static char file[65536];
	size_t n;

	(void)state;
	assert_int_equal(run("policy default"), 0);
	f = fopen("docs/examples/policy-shenzhen.ini", "rb");
	assert_non_null(f);
	n = fread(file, 1, sizeof(file) - 1, f);
	fclose(f);
	file[n] = '\0';
	assert_string_equal(out, file);
}

static void test_try_canteen_grant(void **state)
{
	(void)state;
	assert_int_equal(run("policy try --role canteen --birth 1961-05-01 --categories dibao "
			     "--now 2026-03-02T12:00 --last-meal 2026-02-27"), 0);
	assert_non_null(strstr(out, "GRANT  ok: 补贴 15.00 元"));
	assert_non_null(strstr(out, "tier key_guarantee"));
	assert_non_null(strstr(out, "last meal 2026-03-02 (1 that day)"));
	assert_non_null(strstr(out, "age 64"));
}

static void test_try_denials(void **state)
{
	(void)state;
	assert_int_equal(run("policy try --role canteen --now 2026-03-02T12:00 "
			     "--last-meal 2026-03-02"), 0);
	assert_non_null(strstr(out, "DENY  already_used"));
	assert_int_equal(run("policy try --role gate --now 2026-03-02T08:00 "
			     "--trip 1,entry,2026-03-02T07:55"), 0);
	assert_non_null(strstr(out, "DENY  passback"));
	assert_int_equal(run("policy try --role gate --now 2026-03-01T15:59:59Z "
			     "--birth 1966-03-02"), 0);
	assert_non_null(strstr(out, "DENY  not_eligible"));
	assert_int_equal(run("policy try --role gate --now 2026-03-01T16:00:00Z "
			     "--birth 1966-03-02"), 0);
	assert_non_null(strstr(out, "GRANT  ok: 免费乘车 free ride"));
	assert_non_null(strstr(out, "age 60"));
	assert_int_equal(run("policy try --role gate --now 2026-03-02T08:00 --denylisted"), 0);
	assert_non_null(strstr(out, "DENY  denylisted: 此卡已停用 card blocked"));
}

static void test_try_json_service(void **state)
{
	json_t *o, *u;
	json_error_t e;

	(void)state;
	assert_int_equal(run("policy try --json --role service --vouchers 1 "
			     "--now 2026-03-02T08:00"), 0);
	o = json_loads(out, 0, &e);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "verdict")), "grant");
	u = json_object_get(o, "updates");
	assert_int_equal(json_integer_value(json_object_get(u, "voucher_debit")), 1);
	assert_int_equal(json_integer_value(json_object_get(u, "voucher_left")), 0);
	assert_true(json_is_null(json_object_get(json_object_get(u, "benefit"), "last_meal")));
	json_decref(o);

	assert_int_equal(run("policy try --json --role service --vouchers 0 "
			     "--now 2026-03-02T08:00"), 0);
	o = json_loads(out, 0, &e);
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "reason")), "no_vouchers");
	json_decref(o);
}

static void test_try_bad_arguments(void **state)
{
	(void)state;
	assert_int_equal(run("policy try"), 2);
	assert_non_null(strstr(out, "--role is required"));
	assert_int_equal(run("policy try --role bus"), 2);
	assert_int_equal(run("policy try --role gate --birth 1950-02-30"), 2);
	assert_int_equal(run("policy try --role gate --now yesterday"), 2);
	assert_int_equal(run("policy try --role gate --categories rich"), 2);
	assert_int_equal(run("policy try --role gate --trip 1,sideways,2026-03-02T08:00"), 2);
	assert_int_equal(run("policy try --role gate --policy /nonexistent/p.ini"), 1);
}

static void test_usage_errors_exit_2(void **state)
{
	(void)state;
	assert_int_equal(run("policy"), 2);
	assert_int_equal(run("policy check"), 2);
	assert_int_equal(run("policy check a b"), 2);
	assert_int_equal(run("policy frobnicate"), 2);
	assert_int_equal(run("policy check --bogus x"), 2);
	assert_int_equal(run("policy --help"), 0);
	assert_non_null(strstr(out, "usage: yinian policy check"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_check_default_explains_rules),
		cmocka_unit_test(test_check_json),
		cmocka_unit_test(test_check_bad_file_names_line),
		cmocka_unit_test(test_default_prints_example),
		cmocka_unit_test(test_try_canteen_grant),
		cmocka_unit_test(test_try_denials),
		cmocka_unit_test(test_try_json_service),
		cmocka_unit_test(test_try_bad_arguments),
		cmocka_unit_test(test_usage_errors_exit_2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
