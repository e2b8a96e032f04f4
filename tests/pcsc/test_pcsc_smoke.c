/*
 * Smoke test through the real PC/SC stack: pcscd + vpcd + smokecard.
 * Run under scripts/pcsc-rig (make check-pcsc does); without a running
 * pcscd it fails at the first step with ENOSERVICE.
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

#include "base/clock.h"
#include "base/err.h"
#include "reader/reader.h"
#include "tests/lib/testlib.h"

static pid_t card_pid = -1;

static const char *reader_name(void)
{
	const char *n = getenv("YN_PCSC_READER");

	return n ? n : "Virtual PCD 00 00";
}

static int start_card(void **state)
{
	char prog[512];
	char *argv[] = { prog, (char *)"35963", NULL };

	(void)state;
	snprintf(prog, sizeof(prog), "%s", yn_test_prog("smokecard"));
	card_pid = yn_test_spawn(argv);
	return card_pid > 0 ? 0 : -1;
}

/* Stop the card and wait until pcscd has seen the field empty (it polls
 * vpcd every 400 ms), so that the next test's card is a new insertion, as
 * with a physical card, rather than a swap faster than any hand. */
static int stop_card(void **state)
{
	struct yn_reader *r = NULL;
	int e;

	(void)state;
	yn_test_stop(card_pid);
	card_pid = -1;
	if (yn_reader_open("pcsc:", &r) != 0)
		return -1;
	e = yn_reader_wait_removed(r, yn_deadline_in_ms(3000));
	yn_reader_close(r);
	return e == 0 ? 0 : -1;
}

static struct yn_reader *open_reader(const char *uri)
{
	struct yn_reader *r = NULL;
	int e = yn_reader_open(uri, &r);

	assert_int_equal(e, 0);
	assert_non_null(r);
	return r;
}

static void test_pcsc_named_reader_uid_and_atr(void **state)
{
	static const uint8_t want_uid[] = { 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
	static const uint8_t want_atr[] = { 0x3B, 0x81, 0x80, 0x01, 0x80, 0x80 };
	struct yn_card_info info;
	char uri[300];
	struct yn_reader *r;

	(void)state;
	snprintf(uri, sizeof(uri), "pcsc:%s", reader_name());
	r = open_reader(uri);
	/* pcscd polls vpcd every 400 ms: the card appears within a second. */
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(5000)), 0);
	assert_int_equal(yn_reader_card_info(r, &info), 0);
	assert_int_equal(info.uid_len, sizeof(want_uid));
	assert_memory_equal(info.uid, want_uid, sizeof(want_uid));
	assert_int_equal(info.atr_len, sizeof(want_atr));
	assert_memory_equal(info.atr, want_atr, sizeof(want_atr));
	yn_reader_close(r);
}

static void test_pcsc_first_reader_transmit_echo(void **state)
{
	static const uint8_t cmd[] = { 0x80, 0x01, 0x00, 0x00, 0x03, 0x0A, 0x0B, 0x0C, 0x00 };
	static const uint8_t want[] = { 0x0C, 0x0B, 0x0A, 0x90, 0x00 };
	uint8_t resp[64];
	size_t n = 0;
	struct yn_reader *r;
	int i;

	(void)state;
	r = open_reader("pcsc:");
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(5000)), 0);
	for (i = 0; i < 100; i++) {
		assert_int_equal(yn_reader_transmit(r, cmd, sizeof(cmd), resp, sizeof(resp), &n,
						    yn_deadline_in_ms(1000)), 0);
		assert_int_equal(n, sizeof(want));
		assert_memory_equal(resp, want, sizeof(want));
	}
	/* An unknown instruction comes back as 6D00, not as an error. */
	{
		static const uint8_t bad[] = { 0x00, 0x77, 0x00, 0x00 };

		assert_int_equal(yn_reader_transmit(r, bad, sizeof(bad), resp, sizeof(resp), &n,
						    yn_deadline_in_ms(1000)), 0);
		assert_int_equal(n, 2);
		assert_int_equal(resp[0], 0x6D);
	}
	assert_int_equal(yn_reader_release(r, YN_RELEASE_RESET), 0);
	/* After release there is no card handle until the next wait. */
	assert_int_equal(yn_reader_transmit(r, cmd, sizeof(cmd), resp, sizeof(resp), &n,
					    yn_deadline_in_ms(1000)), YN_ENOCARD);
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(5000)), 0);
	yn_reader_close(r);
}

static void test_pcsc_unknown_reader_times_out(void **state)
{
	struct yn_reader *r;
	uint64_t t0 = yn_now_ns();

	(void)state;
	r = open_reader("pcsc:No Such Reader 99");
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(300)), YN_ENOREADER);
	/* It waited for the reader to appear, but not past its deadline. */
	assert_true(yn_now_ns() - t0 < 2 * YN_NS_PER_S);
	yn_reader_close(r);
}

static void test_pcsc_card_removed_is_reported(void **state)
{
	static const uint8_t cmd[] = { 0x80, 0x01, 0x00, 0x00, 0x01, 0x0A, 0x00 };
	uint8_t resp[64];
	size_t n = 0;
	struct yn_reader *r;
	int e;

	(void)state;
	r = open_reader("pcsc:");
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(5000)), 0);
	/* The card process dies: the card left the field.  The exchange comes
	 * right after, before pcscd's next presence poll has noticed. */
	yn_test_stop(card_pid);
	card_pid = -1;
	e = yn_reader_transmit(r, cmd, sizeof(cmd), resp, sizeof(resp), &n,
			       yn_deadline_in_ms(2000));
	assert_int_equal(e, YN_ECARDGONE);
	assert_int_equal(yn_reader_wait_removed(r, yn_deadline_in_ms(3000)), 0);
	yn_reader_close(r);
}

static void test_pcsc_no_card_times_out(void **state)
{
	struct yn_reader *r;

	(void)state;
	r = open_reader("pcsc:");
	/* The card was stopped by the previous test: nothing on the reader. */
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(900)), YN_ETIMEOUT);
	yn_reader_close(r);
}

static void test_uri_unknown_scheme_refused(void **state)
{
	struct yn_reader *r = NULL;

	(void)state;
	assert_int_equal(yn_reader_open("smtp:foo", &r), YN_EINVAL);
	assert_null(r);
	assert_int_equal(yn_reader_open("no-scheme", &r), YN_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uri_unknown_scheme_refused),
		cmocka_unit_test_setup_teardown(test_pcsc_named_reader_uid_and_atr, start_card,
						stop_card),
		cmocka_unit_test_setup_teardown(test_pcsc_first_reader_transmit_echo, start_card,
						stop_card),
		cmocka_unit_test(test_pcsc_unknown_reader_times_out),
		cmocka_unit_test_setup(test_pcsc_card_removed_is_reported, start_card),
		cmocka_unit_test(test_pcsc_no_card_times_out),
	};

	return cmocka_run_group_tests_name("pcsc_smoke", tests, NULL, NULL);
}
