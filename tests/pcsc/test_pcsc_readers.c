/*
 * Several readers, and readers coming and going, through pcscd + vpcd +
 * `yinian card serve`.
 *
 * - Two reader objects on "Virtual PCD 00 00" and "Virtual PCD 00 01",
 *   each driven by its own thread (as yiniand runs one thread per reader),
 *   each with its own card: taps interleave without mixing cards up.
 * - A reader that does not exist yet: vpcd readers exist as long as pcscd
 *   runs, so a reader "arrives" when pcscd is restarted with a
 *   configuration that has it: the same vpcd port under the name "Gate B"
 *   (reader "Gate B 00 00"; "Virtual PCD 00 00" is gone meanwhile), and
 *   "leaves" when pcscd is restarted with the rig's configuration.  (Two
 *   vpcd entries in one pcscd were tried: the readers of the second entry
 *   mixed their cards up with the first's and hung, so the test swaps one
 *   for the other.)  A reader object opened on "pcsc:Gate B 00 00" before
 *   it exists reports YN_ENOREADER at its deadline, picks the reader up
 *   when it appears (while a wait_card runs in another thread), reports
 *   YN_ENOREADER again when it is gone, and recovers when it is back.
 *   "pcsc:" moves to the reader that is there when its own leaves.
 * Run under scripts/pcsc-rig.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/err.h"
#include "card/emu/emu.h"
#include "reader/reader.h"
#include "tests/lib/pcscd_ctl.h"
#include "tests/lib/testlib.h"

static char *dir;
static uint16_t port = 35963;

struct card {
	char path[512];
	uint8_t uid[7];
	uint16_t port;
	pid_t pid;
};

static void card_init(struct card *c, const char *name, uint8_t tail, uint16_t p)
{
	static const uint8_t head[6] = { 0x04, 0x6D, 0x75, 0x6C, 0x74, 0x69 };

	memcpy(c->uid, head, sizeof(head));
	c->uid[6] = tail;
	c->port = p;
	c->pid = -1;
	snprintf(c->path, sizeof(c->path), "%s/%s.bin", dir, name);
	assert_int_equal(yn_emu_create_file(c->path, c->uid, sizeof(c->uid)), 0);
}

static void card_start(struct card *c)
{
	char prog[512], addr[64];
	const char *b = getenv("YN_BUILD");
	char *argv[] = { prog, (char *)"card", (char *)"serve", (char *)"--state", c->path,
			 (char *)"--vpcd", addr, NULL };

	snprintf(prog, sizeof(prog), "%s/yinian", b != NULL ? b : "build");
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", c->port);
	c->pid = yn_test_spawn(argv);
	assert_true(c->pid > 0);
}

static void card_stop(struct card *c)
{
	if (c->pid > 0)
		yn_test_stop(c->pid);
	c->pid = -1;
}

static int setup(void **state)
{
	const char *p = getenv("YN_VPCD_PORT");

	(void)state;
	if (p != NULL)
		port = (uint16_t)atoi(p);
	dir = yn_test_tmpdir();
	return dir != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	yn_test_rmtree(dir);
	free(dir);
	return 0;
}

/* One tap: wait for the card, check its UID, GetVersion (3 frames). */
static int tap(struct yn_reader *r, const uint8_t *uid, uint64_t deadline)
{
	static const uint8_t first[] = { 0x90, 0x60, 0x00, 0x00, 0x00 };
	static const uint8_t more[] = { 0x90, 0xAF, 0x00, 0x00, 0x00 };
	struct yn_card_info info;
	uint8_t resp[64];
	size_t n;
	int i, e;

	if ((e = yn_reader_wait_card(r, deadline)) != 0)
		return e;
	if ((e = yn_reader_card_info(r, &info)) != 0)
		return e;
	if (info.uid_len != 7 || memcmp(info.uid, uid, 7) != 0) {
		fprintf(stderr, "%s: card UID ends %02X (%zu bytes), expected %02X\n",
			yn_reader_uri(r), info.uid_len ? info.uid[info.uid_len - 1] : 0,
			info.uid_len, uid[6]);
		return YN_EWRONGCARD;
	}
	for (i = 0; i < 3; i++) {
		e = yn_reader_transmit(r, i == 0 ? first : more, 5, resp, sizeof(resp), &n,
				       yn_deadline_in_ms(1000));
		if (e != 0)
			return e;
		if (n < 2 || resp[n - 2] != 0x91 || resp[n - 1] != (i < 2 ? 0xAF : 0x00))
			return YN_EPROTO;
	}
	return 0;
}

struct worker {
	pthread_t thread;
	const char *uri;
	const uint8_t *uid;
	int taps;
	int result;
	int done;
};

static void *reader_thread(void *arg)
{
	struct worker *w = arg;
	struct yn_reader *r = NULL;
	int i;

	w->result = yn_reader_open(w->uri, &r);
	for (i = 0; w->result == 0 && i < w->taps; i++) {
		w->result = tap(r, w->uid, yn_deadline_in_ms(5000));
		if (w->result == 0)
			w->result = yn_reader_release(r, YN_RELEASE_RESET);
		if (w->result == 0)
			w->done++;
	}
	yn_reader_close(r);
	return NULL;
}

static void test_pcsc_two_readers_two_threads(void **state)
{
	struct card a, b;
	struct worker wa = { .uri = "pcsc:Virtual PCD 00 00", .taps = 200 };
	struct worker wb = { .uri = "pcsc:Virtual PCD 00 01", .taps = 200 };
	struct yn_reader *first = NULL, *r;
	uint64_t t0;

	(void)state;
	card_init(&a, "a", 0xA0, port);
	card_init(&b, "b", 0xB0, (uint16_t)(port + 1));
	card_start(&a);
	card_start(&b);
	wa.uid = a.uid;
	wb.uid = b.uid;
	t0 = yn_now_ns();
	assert_int_equal(pthread_create(&wa.thread, NULL, reader_thread, &wa), 0);
	assert_int_equal(pthread_create(&wb.thread, NULL, reader_thread, &wb), 0);
	pthread_join(wa.thread, NULL);
	pthread_join(wb.thread, NULL);
	if (wa.result != 0 || wb.result != 0)
		fail_msg("00 00: %d taps, %s; 00 01: %d taps, %s", wa.done,
			 yn_strerror(wa.result), wb.done, yn_strerror(wb.result));
	printf("two readers, two threads: %d + %d taps in %llu ms\n", wa.done, wb.done,
	       (unsigned long long)((yn_now_ns() - t0) / YN_NS_PER_MS));
	/* "pcsc:" is the first reader: card a. */
	assert_int_equal(yn_reader_open("pcsc:", &first), 0);
	assert_int_equal(tap(first, a.uid, yn_deadline_in_ms(5000)), 0);
	yn_reader_close(first);
	/* Card b leaves: its reader stays, empty; a's is unaffected. */
	card_stop(&b);
	assert_int_equal(yn_reader_open("pcsc:Virtual PCD 00 01", &r), 0);
	assert_int_equal(yn_reader_wait_removed(r, yn_deadline_in_ms(3000)), 0);
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(500)), YN_ETIMEOUT);
	yn_reader_close(r);
	card_stop(&a);
	assert_int_equal(yn_reader_open("pcsc:Virtual PCD 00 00", &r), 0);
	assert_int_equal(yn_reader_wait_removed(r, yn_deadline_in_ms(3000)), 0);
	yn_reader_close(r);
}

struct waiter {
	pthread_t thread;
	struct yn_reader *r;
	uint64_t deadline;
	int result;
	uint64_t at;
};

static void *wait_thread(void *arg)
{
	struct waiter *w = arg;

	w->result = yn_reader_wait_card(w->r, w->deadline);
	w->at = yn_now_ns();
	return NULL;
}

static void restart_pcscd(const char *conf)
{
	assert_int_equal(yn_pcscd_stop(), 0);
	assert_int_equal(yn_pcscd_start(conf, &port, 1), 0);
}

static void test_pcsc_reader_appears_and_leaves(void **state)
{
	char conf_b[600];
	struct card a, b;
	struct yn_reader *gate_b = NULL, *first = NULL;
	struct waiter w;
	uint64_t t_up, t0;
	int e, cycle;

	(void)state;
	/* The same vpcd port under another name: "Gate B 00 00". */
	snprintf(conf_b, sizeof(conf_b), "%s/reader.conf.d", dir);
	assert_int_equal(mkdir(conf_b, 0755), 0);
	assert_int_equal(yn_pcscd_conf_vpcd(conf_b, "vpcd", "Gate B", port), 0);
	card_init(&a, "first", 0x01, port);
	card_init(&b, "gateb", 0x02, port);

	card_start(&a);
	assert_int_equal(yn_reader_open("pcsc:", &first), 0);
	assert_int_equal(tap(first, a.uid, yn_deadline_in_ms(5000)), 0);
	assert_int_equal(yn_reader_release(first, YN_RELEASE_LEAVE), 0);
	assert_int_equal(yn_reader_open("pcsc:Gate B 00 00", &gate_b), 0);
	/* Not there (yet): YN_ENOREADER at the deadline, not before. */
	t0 = yn_now_ns();
	assert_int_equal(yn_reader_wait_card(gate_b, yn_deadline_in_ms(300)), YN_ENOREADER);
	assert_true(yn_now_ns() - t0 >= 250 * YN_NS_PER_MS);
	assert_true(yn_now_ns() - t0 < 400 * YN_NS_PER_MS);
	for (cycle = 0; cycle < 3; cycle++) {
		/* Gate B arrives (and Virtual PCD leaves) while a wait_card
		 * runs in another thread; then its card comes. */
		w.r = gate_b;
		w.deadline = yn_deadline_in_ms(8000);
		assert_int_equal(pthread_create(&w.thread, NULL, wait_thread, &w), 0);
		yn_sleep_ms(200);
		restart_pcscd(conf_b);
		card_stop(&a);	/* it exited when pcscd went */
		t_up = yn_now_ns();
		card_start(&b);
		pthread_join(w.thread, NULL);
		if (w.result != 0)
			fail_msg("cycle %d: Gate B appeared, wait_card: %s", cycle,
				 yn_strerror(w.result));
		printf("cycle %d: Gate B's card connected %llu ms after pcscd came up\n", cycle,
		       (unsigned long long)((w.at - t_up) / YN_NS_PER_MS));
		assert_int_equal(tap(gate_b, b.uid, yn_deadline_in_ms(3000)), 0);
		assert_int_equal(yn_reader_release(gate_b, YN_RELEASE_LEAVE), 0);
		/* "pcsc:" lost its reader: it takes the one there now. */
		assert_int_equal(tap(first, b.uid, yn_deadline_in_ms(3000)), 0);
		assert_int_equal(yn_reader_release(first, YN_RELEASE_LEAVE), 0);
		/* Gate B leaves, Virtual PCD is back. */
		restart_pcscd(NULL);
		card_stop(&b);
		card_start(&a);
		t0 = yn_now_ns();
		e = yn_reader_wait_card(gate_b, yn_deadline_in_ms(600));
		if (e != YN_ENOREADER)
			fail_msg("cycle %d: Gate B gone, wait_card: %s", cycle, yn_strerror(e));
		assert_true(yn_now_ns() - t0 < 700 * YN_NS_PER_MS);
		assert_int_equal(tap(first, a.uid, yn_deadline_in_ms(5000)), 0);
		assert_int_equal(yn_reader_release(first, YN_RELEASE_LEAVE), 0);
	}
	card_stop(&a);
	assert_int_equal(yn_reader_wait_removed(first, yn_deadline_in_ms(3000)), 0);
	yn_reader_close(gate_b);
	yn_reader_close(first);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pcsc_two_readers_two_threads, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pcsc_reader_appears_and_leaves, setup,
						teardown),
	};

	return cmocka_run_group_tests_name("pcsc_readers", tests, NULL, NULL);
}
