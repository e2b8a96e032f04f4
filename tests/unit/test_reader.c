/*
 * Reader URIs and the ops-table dispatch (no hardware, no service).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "reader/reader.h"

static void test_uri_split_scheme_and_arg(void **state)
{
	char scheme[8];
	const char *arg = NULL;

	(void)state;
	assert_int_equal(yn_reader_uri_split("pcsc:Virtual PCD 00 00", scheme, sizeof(scheme), &arg), 0);
	assert_string_equal(scheme, "pcsc");
	assert_string_equal(arg, "Virtual PCD 00 00");
	/* Only the first colon splits: libnfc connstrings contain colons. */
	assert_int_equal(yn_reader_uri_split("nfc:pn532_uart:/dev/ttyUSB0", scheme, sizeof(scheme), &arg), 0);
	assert_string_equal(scheme, "nfc");
	assert_string_equal(arg, "pn532_uart:/dev/ttyUSB0");
	assert_int_equal(yn_reader_uri_split("pcsc:", scheme, sizeof(scheme), &arg), 0);
	assert_string_equal(arg, "");
}

static void test_uri_split_refusals(void **state)
{
	char scheme[4];
	const char *arg = NULL;

	(void)state;
	assert_int_equal(yn_reader_uri_split("", scheme, sizeof(scheme), &arg), YN_EINVAL);
	assert_int_equal(yn_reader_uri_split(":x", scheme, sizeof(scheme), &arg), YN_EINVAL);
	assert_int_equal(yn_reader_uri_split("pcsc", scheme, sizeof(scheme), &arg), YN_EINVAL);
	assert_int_equal(yn_reader_uri_split("toolong:x", scheme, sizeof(scheme), &arg), YN_ENOSPC);
	assert_null(arg);
}

static void test_open_unknown_or_overlong_refused(void **state)
{
	struct yn_reader *r = (struct yn_reader *)1;
	char uri[400];

	(void)state;
	assert_int_equal(yn_reader_open("smtp:x", &r), YN_EINVAL);
	assert_null(r);
	memset(uri, 'a', sizeof(uri) - 1);
	uri[sizeof(uri) - 1] = '\0';
	memcpy(uri, "pcsc:", 5);
	assert_int_equal(yn_reader_open(uri, &r), YN_EINVAL);
	yn_reader_close(NULL);	/* closing nothing is allowed */
}

/* A backend without an op answers "not supported", never success. */
static const struct yn_reader_ops bare_ops = { .scheme = "bare" };

static void test_missing_op_is_not_supported(void **state)
{
	struct yn_reader r = { .ops = &bare_ops };
	struct yn_card_info info;
	uint8_t buf[4] = { 0 };
	size_t n = 5;

	(void)state;
	assert_int_equal(yn_reader_wait_card(&r, 0), YN_ENOTSUP);
	assert_int_equal(yn_reader_card_info(&r, &info), YN_ENOTSUP);
	assert_int_equal(info.uid_len, 0);
	assert_int_equal(yn_reader_transmit(&r, buf, 4, buf, 4, &n, 0), YN_ENOTSUP);
	assert_int_equal(n, 0);
	assert_int_equal(yn_reader_release(&r, YN_RELEASE_LEAVE), YN_ENOTSUP);
	assert_int_equal(yn_reader_wait_removed(&r, 0), YN_ENOTSUP);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uri_split_scheme_and_arg),
		cmocka_unit_test(test_uri_split_refusals),
		cmocka_unit_test(test_open_unknown_or_overlong_refused),
		cmocka_unit_test(test_missing_op_is_not_supported),
	};

	return cmocka_run_group_tests_name("reader", tests, NULL, NULL);
}
