/*
 * The nfc: reader backend (reader/nfc.c) through Debian's libnfc and its
 * pn532_uart driver, against the emulated PN532 (tests/progs/pn532card):
 * SIGUSR1 takes pn532card's card out of the field, SIGUSR2 puts it back.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/err.h"
#include "reader/reader.h"
#include "tests/lib/testlib.h"

static const uint8_t want_uid[] = { 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
/* PC/SC part 3 ATR built from the ATS 75 77 81 02 80: historical byte 80. */
static const uint8_t want_atr[] = { 0x3B, 0x81, 0x80, 0x01, 0x80, 0x80 };

struct rig {
	char *dir;
	char link[300];
	char uri[320];
	pid_t card;
};

static void card_start(struct rig *rig)
{
	char prog[512];
	char *argv[] = { prog, rig->link, NULL };
	struct stat st;
	int i;

	snprintf(prog, sizeof(prog), "%s", yn_test_prog("pn532card"));
	rig->card = yn_test_spawn(argv);
	assert_true(rig->card > 0);
	/* Wait for a link that points at a live terminal (a link left by a
	 * killed server points at nothing). */
	for (i = 0; i < 250 && stat(rig->link, &st) != 0; i++)
		yn_sleep_ms(20);
	assert_int_equal(stat(rig->link, &st), 0);
}

static int setup(void **state)
{
	struct rig *rig = calloc(1, sizeof(*rig));

	if (rig == NULL || (rig->dir = yn_test_tmpdir()) == NULL)
		return -1;
	snprintf(rig->link, sizeof(rig->link), "%s/pn532", rig->dir);
	snprintf(rig->uri, sizeof(rig->uri), "nfc:pn532_uart:%s", rig->link);
	card_start(rig);
	*state = rig;
	return 0;
}

static int teardown(void **state)
{
	struct rig *rig = *state;

	if (rig->card > 0)
		yn_test_stop(rig->card);
	yn_test_rmtree(rig->dir);
	free(rig->dir);
	free(rig);
	return 0;
}

static struct yn_reader *open_reader(const char *uri)
{
	struct yn_reader *r = NULL;

	assert_int_equal(yn_reader_open(uri, &r), 0);
	assert_non_null(r);
	return r;
}

static void check_uid_apdu(struct yn_reader *r)
{
	static const uint8_t get_uid[] = { 0xFF, 0xCA, 0x00, 0x00, 0x00 };
	uint8_t resp[300];
	size_t n = 0;

	assert_int_equal(yn_reader_transmit(r, get_uid, sizeof(get_uid), resp, sizeof(resp), &n,
					    yn_deadline_in_ms(1000)), 0);
	assert_int_equal(n, sizeof(want_uid) + 2);
	assert_memory_equal(resp, want_uid, sizeof(want_uid));
	assert_int_equal(resp[n - 2], 0x90);
	assert_int_equal(resp[n - 1], 0x00);
}

static void test_nfc_unknown_driver_is_no_reader(void **state)
{
	struct yn_reader *r = (struct yn_reader *)1;
	char uri[1100];

	(void)state;
	assert_int_equal(yn_reader_open("nfc:no_such_driver:/dev/null", &r), YN_ENOREADER);
	assert_null(r);
	memset(uri, 'a', sizeof(uri) - 1);
	uri[sizeof(uri) - 1] = '\0';
	memcpy(uri, "nfc:", 4);
	assert_int_equal(yn_reader_open(uri, &r), YN_EINVAL);
}

static void test_nfc_reads_uid_and_atr(void **state)
{
	struct rig *rig = *state;
	struct yn_card_info info;
	struct yn_reader *r = open_reader(rig->uri);

	assert_int_equal(yn_reader_card_info(r, &info), YN_ENOCARD);
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(2000)), 0);
	assert_int_equal(yn_reader_card_info(r, &info), 0);
	assert_int_equal(info.uid_len, sizeof(want_uid));
	assert_memory_equal(info.uid, want_uid, sizeof(want_uid));
	assert_int_equal(info.atr_len, sizeof(want_atr));
	assert_memory_equal(info.atr, want_atr, sizeof(want_atr));
	assert_string_equal(yn_reader_uri(r), rig->uri);
	yn_reader_close(r);
}

static void test_nfc_default_device_with_empty_connstring(void **state)
{
	struct rig *rig = *state;
	struct yn_card_info info;
	struct yn_reader *r;
	char dev[400];

	snprintf(dev, sizeof(dev), "pn532_uart:%s", rig->link);
	setenv("LIBNFC_DEFAULT_DEVICE", dev, 1);
	setenv("LIBNFC_AUTO_SCAN", "false", 1);
	r = open_reader("nfc:");
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(2000)), 0);
	assert_int_equal(yn_reader_card_info(r, &info), 0);
	assert_memory_equal(info.uid, want_uid, sizeof(want_uid));
	yn_reader_close(r);
	unsetenv("LIBNFC_DEFAULT_DEVICE");
}

static void test_nfc_exchanges_apdus(void **state)
{
	static const uint8_t echo[] = { 0x80, 0x01, 0x00, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04 };
	static const uint8_t other[] = { 0x00, 0xA4, 0x04, 0x00, 0x00 };
	struct rig *rig = *state;
	struct yn_reader *r = open_reader(rig->uri);
	uint8_t resp[300], big[300] = { 0x80, 0x01 };
	size_t n = 0;

	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(2000)), 0);
	check_uid_apdu(r);
	assert_int_equal(yn_reader_transmit(r, echo, sizeof(echo), resp, sizeof(resp), &n,
					    yn_deadline_in_ms(1000)), 0);
	assert_int_equal(n, 6);
	assert_memory_equal(resp, "\x04\x03\x02\x01\x90\x00", 6);
	assert_int_equal(yn_reader_transmit(r, other, sizeof(other), resp, sizeof(resp), &n,
					    yn_deadline_in_ms(1000)), 0);
	assert_int_equal(n, 2);
	assert_memory_equal(resp, "\x6D\x00", 2);
	/* Too long for one InDataExchange: refused before it is sent. */
	assert_int_equal(yn_reader_transmit(r, big, 263, resp, sizeof(resp), &n,
					    yn_deadline_in_ms(1000)), YN_EINVAL);
	/* The caller's buffer is too small for the answer. */
	assert_int_equal(yn_reader_transmit(r, echo, sizeof(echo), resp, 3, &n,
					    yn_deadline_in_ms(1000)), YN_ENOSPC);
	assert_int_equal(n, 0);
	/* A passed deadline sends nothing. */
	assert_int_equal(yn_reader_transmit(r, echo, sizeof(echo), resp, sizeof(resp), &n,
					    yn_now_ns() - 1), YN_ETIMEOUT);
	check_uid_apdu(r);
	yn_reader_close(r);
}

static void test_nfc_wait_card_times_out_without_card(void **state)
{
	struct rig *rig = *state;
	struct yn_reader *r = open_reader(rig->uri);
	uint64_t t0;

	kill(rig->card, SIGUSR1);
	yn_sleep_ms(20);
	t0 = yn_now_ns();
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(300)), YN_ETIMEOUT);
	assert_true(yn_now_ns() - t0 >= 290 * YN_NS_PER_MS);
	assert_true(yn_now_ns() - t0 < 600 * YN_NS_PER_MS);
	/* The card arrives: found at the next look. */
	kill(rig->card, SIGUSR2);
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(2000)), 0);
	check_uid_apdu(r);
	yn_reader_close(r);
}

static void test_nfc_card_leaving_is_cardgone(void **state)
{
	static const uint8_t echo[] = { 0x80, 0x01, 0x00, 0x00, 0x01, 0x55 };
	struct rig *rig = *state;
	struct yn_reader *r = open_reader(rig->uri);
	struct yn_card_info info;
	uint8_t resp[300];
	size_t n = 7;
	uint64_t t0;

	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(2000)), 0);
	/* Card in the field: wait_removed waits until its deadline. */
	assert_int_equal(yn_reader_wait_removed(r, yn_deadline_in_ms(200)), YN_ETIMEOUT);
	kill(rig->card, SIGUSR1);
	yn_sleep_ms(20);
	t0 = yn_now_ns();
	assert_int_equal(yn_reader_transmit(r, echo, sizeof(echo), resp, sizeof(resp), &n,
					    yn_deadline_in_ms(500)), YN_ECARDGONE);
	assert_true(yn_now_ns() - t0 < 500 * YN_NS_PER_MS);
	assert_int_equal(n, 0);
	assert_int_equal(yn_reader_card_info(r, &info), YN_ENOCARD);
	assert_int_equal(yn_reader_transmit(r, echo, sizeof(echo), resp, sizeof(resp), &n,
					    yn_deadline_in_ms(500)), YN_ENOCARD);
	assert_int_equal(yn_reader_wait_removed(r, yn_deadline_in_ms(500)), 0);
	kill(rig->card, SIGUSR2);
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(2000)), 0);
	check_uid_apdu(r);
	yn_reader_close(r);
}

static void test_nfc_release_then_card_seen_again(void **state)
{
	struct rig *rig = *state;
	struct yn_reader *r = open_reader(rig->uri);

	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(2000)), 0);
	assert_int_equal(yn_reader_release(r, YN_RELEASE_LEAVE), 0);
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(2000)), 0);
	check_uid_apdu(r);
	assert_int_equal(yn_reader_release(r, YN_RELEASE_RESET), 0);
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(2000)), 0);
	check_uid_apdu(r);
	assert_int_equal(yn_reader_release(r, YN_RELEASE_UNPOWER), 0);
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(2000)), 0);
	check_uid_apdu(r);
	/* Released and still in the field: not removed. */
	assert_int_equal(yn_reader_release(r, YN_RELEASE_LEAVE), 0);
	assert_int_equal(yn_reader_wait_removed(r, yn_deadline_in_ms(150)), YN_ETIMEOUT);
	kill(rig->card, SIGUSR1);
	assert_int_equal(yn_reader_wait_removed(r, yn_deadline_in_ms(1000)), 0);
	yn_reader_close(r);
}

/*
 * The reader itself goes away (the emulator crashes: SIGKILL, so its link
 * is left dangling): the exchange fails with YN_EREADER within its
 * deadline, the reader is reported missing, and once it is back the next
 * wait_card reopens it.
 */
static void test_nfc_reader_killed_is_reader_error_then_reopened(void **state)
{
	static const uint8_t echo[] = { 0x80, 0x01, 0x00, 0x00, 0x01, 0x55 };
	struct rig *rig = *state;
	struct yn_reader *r = open_reader(rig->uri);
	uint8_t resp[300];
	size_t n = 0;
	uint64_t t0;
	int status;

	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(2000)), 0);
	kill(rig->card, SIGKILL);
	assert_int_equal(waitpid(rig->card, &status, 0), rig->card);
	rig->card = -1;
	t0 = yn_now_ns();
	assert_int_equal(yn_reader_transmit(r, echo, sizeof(echo), resp, sizeof(resp), &n,
					    yn_deadline_in_ms(1000)), YN_EREADER);
	assert_true(yn_now_ns() - t0 < 1000 * YN_NS_PER_MS);
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(200)), YN_ENOREADER);
	card_start(rig);
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(3000)), 0);
	check_uid_apdu(r);
	yn_reader_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nfc_unknown_driver_is_no_reader),
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_nfc_reads_uid_and_atr),
		T(test_nfc_default_device_with_empty_connstring),
		T(test_nfc_exchanges_apdus),
		T(test_nfc_wait_card_times_out_without_card),
		T(test_nfc_card_leaving_is_cardgone),
		T(test_nfc_release_then_card_seen_again),
		T(test_nfc_reader_killed_is_reader_error_then_reopened),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
