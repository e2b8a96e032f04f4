/*
 * pcscd stopping and restarting under a reader object that stays open, as
 * in yiniand: the reader must report the outage on time (a transmit on the
 * lost handle: YN_ENOSERVICE; wait_card while pcscd is down: YN_ENOSERVICE
 * by its deadline) and resume by itself once pcscd and the card are back,
 * YN_RESTARTS times in a row (default 100).  A tap here is wait_card (which
 * reads the UID with GET DATA) and a DESFire GetVersion (three frames).
 * With vpcd the card process loses its connection when pcscd stops, so the
 * test starts `yinian card serve` again after each restart.  Prints the
 * time to resume (pcscd started -> card connected), and the worst overrun
 * of a deadline.  Also: pcscd hung (SIGSTOP) rather than gone, and an
 * exchange failing with the card still there (not reported as card gone).
 * Run under scripts/pcsc-rig.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/err.h"
#include "card/emu/emu.h"
#include "reader/reader.h"
#include "tests/lib/pcscd_ctl.h"
#include "tests/lib/testlib.h"

static const uint8_t uid[7] = { 0x04, 0x52, 0x45, 0x53, 0x54, 0x41, 0x52 };
static char *dir;
static char state_path[512];
static pid_t card_pid = -1;
static uint16_t port = 35963;

static void start_card(void)
{
	char prog[512], addr[64];
	const char *b = getenv("YN_BUILD");
	char *argv[] = { prog, (char *)"card", (char *)"serve", (char *)"--state", state_path,
			 (char *)"--vpcd", addr, NULL };

	snprintf(prog, sizeof(prog), "%s/yinian", b != NULL ? b : "build");
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	card_pid = yn_test_spawn(argv);
	assert_true(card_pid > 0);
}

static void stop_card(void)
{
	if (card_pid > 0)
		yn_test_stop(card_pid);
	card_pid = -1;
}

static int setup(void **state)
{
	const char *p = getenv("YN_VPCD_PORT");

	(void)state;
	if (p != NULL)
		port = (uint16_t)atoi(p);
	if ((dir = yn_test_tmpdir()) == NULL)
		return -1;
	snprintf(state_path, sizeof(state_path), "%s/card.bin", dir);
	return yn_emu_create_file(state_path, uid, sizeof(uid)) == 0 ? 0 : -1;
}

/* Stop the card and wait until pcscd has seen the field empty (it polls
 * vpcd every 400 ms), so that the next test's card is a new insertion
 * rather than a swap within one poll (see docs/operations.md). */
static int teardown(void **state)
{
	struct yn_reader *r = NULL;

	(void)state;
	stop_card();
	/* A test that failed while pcscd was down: bring it back for the next. */
	if (access("/run/pcscd/pcscd.comm", F_OK) != 0)
		(void)yn_pcscd_start(NULL, &port, 1);
	if (yn_reader_open("pcsc:", &r) == 0) {
		(void)yn_reader_wait_removed(r, yn_deadline_in_ms(3000));
		yn_reader_close(r);
	}
	yn_test_rmtree(dir);
	free(dir);
	return 0;
}

/* GetVersion, ISO-wrapped: 91 AF, 91 AF, 91 00 (7 + 7 + 14 bytes). */
static int get_version(struct yn_reader *r)
{
	static const uint8_t first[] = { 0x90, 0x60, 0x00, 0x00, 0x00 };
	static const uint8_t more[] = { 0x90, 0xAF, 0x00, 0x00, 0x00 };
	static const size_t want_len[3] = { 9, 9, 16 };
	static const uint8_t want_sw2[3] = { 0xAF, 0xAF, 0x00 };
	uint8_t resp[64];
	size_t n;
	int i, e;

	for (i = 0; i < 3; i++) {
		e = yn_reader_transmit(r, i == 0 ? first : more, 5, resp, sizeof(resp), &n,
				       yn_deadline_in_ms(1000));
		if (e != 0)
			return e;
		if (n != want_len[i] || resp[n - 2] != 0x91 || resp[n - 1] != want_sw2[i])
			return YN_EPROTO;
	}
	return 0;
}

static int cur_restart = -1;

static void tap(struct yn_reader *r, uint64_t deadline)
{
	struct yn_card_info info;
	int e;

	e = yn_reader_wait_card(r, deadline);
	if (e != 0)
		fail_msg("restart %d: wait_card: %s", cur_restart, yn_strerror(e));
	assert_int_equal(yn_reader_card_info(r, &info), 0);
	assert_int_equal(info.uid_len, sizeof(uid));
	assert_memory_equal(info.uid, uid, sizeof(uid));
	e = get_version(r);
	if (e != 0)
		fail_msg("restart %d: GetVersion: %s", cur_restart, yn_strerror(e));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void test_pcsc_restarts_taps_resume(void **state)
{
	const char *env = getenv("YN_RESTARTS");
	int n = env != NULL ? atoi(env) : 100, i, j;
	uint64_t *resume, worst_over = 0, t0;
	uint8_t resp[64];
	size_t len;
	struct yn_reader *r = NULL;
	int e, taps = 0;

	(void)state;
	if (n < 1)
		n = 1;
	resume = calloc((size_t)n, sizeof(*resume));
	assert_non_null(resume);
	start_card();
	assert_int_equal(yn_reader_open("pcsc:", &r), 0);
	tap(r, yn_deadline_in_ms(5000));
	taps++;
	for (i = 0; i < n; i++) {
		static const uint8_t gv[] = { 0x90, 0x60, 0x00, 0x00, 0x00 };
		uint64_t dl;

		cur_restart = i;
		/* pcscd goes away while the card is connected. */
		assert_int_equal(yn_pcscd_stop(), 0);
		e = yn_reader_transmit(r, gv, sizeof(gv), resp, sizeof(resp), &len,
				       yn_deadline_in_ms(1000));
		if (e != YN_ENOSERVICE)
			fail_msg("restart %d: transmit on a lost pcscd: %s", i, yn_strerror(e));
		stop_card();	/* it has exited: vpcd closed its connection */
		/* While pcscd is down, wait_card reports it by its deadline. */
		dl = yn_deadline_in_ms(100);
		e = yn_reader_wait_card(r, dl);
		if (e != YN_ENOSERVICE)
			fail_msg("restart %d: wait_card without pcscd: %s", i, yn_strerror(e));
		if (yn_now_ns() > dl && yn_now_ns() - dl > worst_over)
			worst_over = yn_now_ns() - dl;
		/* pcscd and the card come back: the same reader object resumes. */
		assert_int_equal(yn_pcscd_start(NULL, &port, 1), 0);
		t0 = yn_now_ns();
		start_card();
		for (;;) {
			dl = yn_deadline_in_ms(500);	/* yiniand's slice */
			e = yn_reader_wait_card(r, dl);
			if (yn_now_ns() > dl && yn_now_ns() - dl > worst_over)
				worst_over = yn_now_ns() - dl;
			if (e == 0)
				break;
			if (e != YN_ETIMEOUT && e != YN_ENOSERVICE)
				fail_msg("restart %d: wait_card: %s", i, yn_strerror(e));
			if (yn_now_ns() - t0 > 5 * YN_NS_PER_S)
				fail_msg("restart %d: no card 5 s after pcscd came back", i);
		}
		resume[i] = yn_now_ns() - t0;
		/* Two taps on this presentation: the first as connected, the
		 * second after a warm reset (release RESET, wait_card again). */
		for (j = 0; j < 2; j++) {
			tap(r, yn_deadline_in_ms(2000));
			taps++;
			if (j == 0)
				assert_int_equal(yn_reader_release(r, YN_RELEASE_RESET), 0);
		}
	}
	yn_reader_close(r);
	stop_card();
	qsort(resume, (size_t)n, sizeof(*resume), cmp_u64);
	printf("pcscd restarts: %d, taps: %d (%d per restart); resume after pcscd start "
	       "(card connected): median %llu ms, max %llu ms; worst wait_card deadline "
	       "overrun %llu us\n", n, taps, 2, (unsigned long long)(resume[n / 2] / YN_NS_PER_MS),
	       (unsigned long long)(resume[n - 1] / YN_NS_PER_MS),
	       (unsigned long long)(worst_over / 1000));
	/* wait_card hands the call to the reader's thread and waits at most
	 * its deadline plus 15 ms of grace. */
	assert_true(worst_over < 50 * YN_NS_PER_MS);
	free(resume);
}

/* pcscd is gone for longer than one call: each call returns on time with
 * YN_ENOSERVICE, and the reader opened before the outage works after it. */
static void test_pcsc_long_outage_reported_on_time(void **state)
{
	struct yn_reader *r = NULL;
	uint64_t dl, over = 0;
	int i, e;

	(void)state;
	start_card();
	assert_int_equal(yn_reader_open("pcsc:", &r), 0);
	tap(r, yn_deadline_in_ms(5000));
	assert_int_equal(yn_reader_release(r, YN_RELEASE_LEAVE), 0);
	assert_int_equal(yn_pcscd_stop(), 0);
	stop_card();
	for (i = 0; i < 6; i++) {
		dl = yn_deadline_in_ms(i == 0 ? 0 : 250u * (unsigned)i);
		e = yn_reader_wait_card(r, dl);
		assert_int_equal(e, YN_ENOSERVICE);
		if (yn_now_ns() > dl && yn_now_ns() - dl > over)
			over = yn_now_ns() - dl;
	}
	/* A new reader cannot be opened without the service. */
	{
		struct yn_reader *r2 = NULL;

		assert_int_equal(yn_reader_open("pcsc:", &r2), YN_ENOSERVICE);
		assert_null(r2);
	}
	assert_int_equal(yn_pcscd_start(NULL, &port, 1), 0);
	start_card();
	tap(r, yn_deadline_in_ms(5000));
	yn_reader_close(r);
	printf("outage: worst wait_card overrun %llu us\n", (unsigned long long)(over / 1000));
	assert_true(over < 50 * YN_NS_PER_MS);
}

/* pcscd hangs (SIGSTOP): every call still returns by its deadline, with
 * YN_ETIMEOUT; when pcscd goes on (SIGCONT) the reader works again. */
static void test_pcsc_pcscd_hung_calls_return_on_time(void **state)
{
	static const uint8_t gv[] = { 0x90, 0x60, 0x00, 0x00, 0x00 };
	struct yn_reader *r = NULL;
	uint8_t resp[64];
	size_t len;
	uint64_t dl, over = 0;
	pid_t pcscd = yn_pcscd_pid();
	int i, e;

	(void)state;
	assert_true(pcscd > 0);
	start_card();
	assert_int_equal(yn_reader_open("pcsc:", &r), 0);
	tap(r, yn_deadline_in_ms(5000));
	assert_int_equal(kill(pcscd, SIGSTOP), 0);
	/* A transmit on the connected card: pcscd does not answer. */
	dl = yn_deadline_in_ms(200);
	e = yn_reader_transmit(r, gv, sizeof(gv), resp, sizeof(resp), &len, dl);
	if (yn_now_ns() > dl)
		over = yn_now_ns() - dl;
	assert_int_equal(e, YN_ETIMEOUT);
	/* Further calls while the first is stuck: on time too. */
	for (i = 0; i < 3; i++) {
		dl = yn_deadline_in_ms(100);
		e = yn_reader_wait_card(r, dl);
		assert_int_equal(e, YN_ETIMEOUT);
		if (yn_now_ns() > dl && yn_now_ns() - dl > over)
			over = yn_now_ns() - dl;
	}
	assert_int_equal(yn_reader_release(r, YN_RELEASE_LEAVE), 0);
	assert_int_equal(kill(pcscd, SIGCONT), 0);
	/* The stuck call ends, the card is dropped, the next tap connects. */
	tap(r, yn_deadline_in_ms(5000));
	yn_reader_close(r);
	printf("pcscd hung: calls returned at most %llu us after their deadline\n",
	       (unsigned long long)(over / 1000));
	assert_true(over < 5 * YN_NS_PER_MS);
}

/* An exchange that fails while the card stays (its answer does not fit
 * the caller's buffer) is told apart from a card that left: the error is
 * reported as such, not as YN_ECARDGONE, and the same connection works on.
 * (An APDU over vpcd's 65535-byte frame limit cannot serve here: vpcd
 * drops the card's connection then, so the card does leave.) */
static void test_pcsc_failed_exchange_card_present_not_gone(void **state)
{
	static const uint8_t gv[] = { 0x90, 0x60, 0x00, 0x00, 0x00 };
	struct yn_reader *r = NULL;
	uint8_t resp[4];
	size_t len;
	int e;

	(void)state;
	start_card();
	assert_int_equal(yn_reader_open("pcsc:", &r), 0);
	tap(r, yn_deadline_in_ms(5000));
	e = yn_reader_transmit(r, gv, sizeof(gv), resp, sizeof(resp), &len,
			       yn_deadline_in_ms(2000));
	if (e != YN_ENOSPC)
		fail_msg("9-byte answer into 4 bytes: %s, wanted no space", yn_strerror(e));
	assert_int_equal(len, 0);
	e = get_version(r);
	if (e != 0)
		fail_msg("after the failure: GetVersion: %s", yn_strerror(e));
	yn_reader_close(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pcsc_long_outage_reported_on_time, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pcsc_failed_exchange_card_present_not_gone,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcsc_pcscd_hung_calls_return_on_time, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pcsc_restarts_taps_resume, setup, teardown),
	};

	return cmocka_run_group_tests_name("pcsc_restart", tests, NULL, NULL);
}
