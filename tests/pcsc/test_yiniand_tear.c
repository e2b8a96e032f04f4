/*
 * yiniand through pcscd + vpcd when the card misbehaves: pulled away in the
 * middle of a tap, too slow for budget_ms, and a SIGTERM that arrives while
 * a tap runs.  Run under scripts/pcsc-rig.
 *
 * The card here is the software card served by this test itself on the
 * vpcd socket (the wire protocol of card/emu/vpcd.c), so that it can be
 * pulled away deterministically: with yn_emu_tear_after(card, k) the k-th
 * command loses power after doing what a real card would have done by then
 * (a CommitTransaction that tears after it committed leaves the card
 * written), and the server then closes its vpcd connection without an
 * answer, exactly what killing `yinian card serve` does, but at a known
 * command instead of a moment that races the ~100 µs exchanges.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>

#include <cmocka.h>

#include "base/bytes.h"
#include "base/err.h"
#include "card/emu/emu.h"
#include "tests/pcsc/test_yiniand_util.h"

static char *dir;
static char Y[600], card_path[600], conf[600], sock[600], dlog[600];

/* ---- a card on vpcd that can be pulled away or answer slowly ------------ */

struct card_srv {
	pthread_t thread;
	unsigned tear_after;	/* 0: never; k: the k-th command tears */
	unsigned delay_ms;	/* before each answer */
	volatile int stop;
	volatile unsigned commands;	/* command APDUs received */
	volatile int torn;		/* the tear happened: connection closed */
	volatile int done;
	int rc;
};

static int srv_read(int fd, uint8_t *p, size_t n, volatile int *stop)
{
	size_t got = 0;
	int one = 1;

	while (got < n) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		ssize_t k;

		if (*stop)
			return -1;
		if (poll(&pfd, 1, 100) <= 0)
			continue;
		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
		k = recv(fd, p + got, n - got, 0);
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

static int srv_send(int fd, const uint8_t *p, size_t n)
{
	uint8_t buf[2 + 600];

	if (n > 600)
		return -1;
	yn_put_u16be(buf, (uint16_t)n);
	memcpy(buf + 2, p, n);
	return send(fd, buf, n + 2, MSG_NOSIGNAL) == (ssize_t)(n + 2) ? 0 : -1;
}

static void *srv_main(void *arg)
{
	struct card_srv *s = arg;
	struct sockaddr_in sa = { .sin_family = AF_INET };
	struct yn_emu *card = NULL;
	uint64_t dl = yn_deadline_in_ms(5000);
	uint8_t hdr[2], in[600], out[600];
	int fd = -1, one = 1;

	s->rc = -1;
	if (yn_emu_load(card_path, &card) != 0)
		goto out;
	sa.sin_port = htons((uint16_t)atoi(vpcd_port()));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	while (fd < 0 && !yn_deadline_passed(dl) && !s->stop) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
			close(fd);
			fd = -1;
			yn_sleep_ms(50);
		}
	}
	if (fd < 0)
		goto out;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (s->tear_after)
		yn_emu_tear_after(card, s->tear_after);
	s->rc = 0;
	for (;;) {
		size_t n, rn = 0;
		int r;

		if (srv_read(fd, hdr, 2, &s->stop) != 0)
			break;
		n = yn_get_u16be(hdr);
		if (n == 0 || n > sizeof(in) || srv_read(fd, in, n, &s->stop) != 0)
			break;
		if (n == 1) {	/* control: power off / on / reset / ATR */
			if (in[0] == 0x00)
				yn_emu_power_off(card);
			else if (in[0] == 0x01 || in[0] == 0x02)
				yn_emu_power_on(card);
			else if (in[0] == 0x04) {
				yn_emu_atr(card, out, &rn);
				if (srv_send(fd, out, rn) != 0)
					break;
			}
			continue;
		}
		s->commands++;
		if (s->delay_ms)
			yn_sleep_ms(s->delay_ms);
		r = yn_emu_transmit(card, in, n, out, sizeof(out), &rn);
		if (r == YN_ECARDGONE && s->tear_after) {
			s->torn = 1;	/* pulled away: no answer, the field is empty */
			break;
		}
		if (r != 0) {
			out[0] = 0x6F;
			out[1] = 0x00;
			rn = 2;
		}
		if (srv_send(fd, out, rn) != 0)
			break;
	}
out:
	if (fd >= 0)
		close(fd);
	yn_emu_free(card);
	s->done = 1;
	return NULL;
}

static void srv_start(struct card_srv *s, unsigned tear_after, unsigned delay_ms)
{
	memset(s, 0, sizeof(*s));
	s->tear_after = tear_after;
	s->delay_ms = delay_ms;
	assert_int_equal(pthread_create(&s->thread, NULL, srv_main, s), 0);
}

/* Take the card away (if it is still there) and wait for the reader to be
 * empty again in the daemon's eyes. */
static void srv_stop(struct card_srv *s)
{
	s->stop = 1;
	pthread_join(s->thread, NULL);
	assert_int_equal(s->rc, 0);
}

/* Trip records on the card (GetFileSettings of the trip log: free access). */
static size_t trips_on_card(void)
{
	static const uint8_t sel[] = { 0x90, 0x5A, 0x00, 0x00, 0x03, 0x31, 0x4E, 0x59, 0x00 };
	static const uint8_t gfs[] = { 0x90, 0xF5, 0x00, 0x00, 0x01, 0x02, 0x00 };
	struct yn_emu *card = NULL;
	uint8_t resp[600];
	size_t rl = 0, n;

	assert_int_equal(yn_emu_load(card_path, &card), 0);
	yn_emu_power_on(card);
	assert_int_equal(yn_emu_transmit(card, sel, sizeof(sel), resp, sizeof(resp), &rl), 0);
	assert_int_equal(resp[rl - 1], 0x00);
	assert_int_equal(yn_emu_transmit(card, gfs, sizeof(gfs), resp, sizeof(resp), &rl), 0);
	assert_int_equal(resp[rl - 1], 0x00);
	/* type cs ar(2) recsize(3) max(3) cur(3), SW */
	assert_true(rl >= 15);
	n = (size_t)resp[10] | (size_t)resp[11] << 8 | (size_t)resp[12] << 16;
	yn_emu_free(card);
	return n;
}

/* ---- set-up ---------------------------------------------------------- */

static void write_config(unsigned budget_ms)
{
	char text[4096];

	snprintf(text, sizeof(text),
		 "[terminal]\nid = GATE-TEAR\nrole = gate\nline = 1\nstation = 10\nkind = entry\n"
		 "budget_ms = %u\n"
		 "[readers]\nreader = pcsc:%s\n"
		 "[keys]\ndir = %s/keys\n"
		 "[policy]\nfile = %s/nopassback.ini\n"
		 "[denylist]\nfile = %s/denylist.bin\ntrusted_key = %s/keys/denylist.pub\n"
		 "[journal]\ndir = %s/journal\n"
		 "[output]\nsocket = %s\njson_stdout = no\n",
		 budget_ms, pcsc_reader(), dir, dir, dir, dir, dir, sock);
	write_file(conf, text);
}

static int setup(void **state)
{
	char p[600];

	(void)state;
	if ((dir = yn_test_tmpdir()) == NULL)
		return -1;
	snprintf(Y, sizeof(Y), "%s/yinian", build_dir());
	snprintf(card_path, sizeof(card_path), "%s/chen72.card", dir);
	snprintf(conf, sizeof(conf), "%s/gate.conf", dir);
	snprintf(sock, sizeof(sock), "%s/gate.sock", dir);
	snprintf(dlog, sizeof(dlog), "%s/yiniand.log", dir);
	setenv("YN_LOG_LEVEL", "warn", 1);
	snprintf(p, sizeof(p), "%s/chen72.json", dir);
	write_file(p, "{\"serial\": \"10001\", \"birth_date\": \"1954-05-01\", "
		   "\"residency\": \"shenzhen_hukou\", \"district\": \"futian\", "
		   "\"categories\": [\"dibao\"], \"not_before\": \"2026-01-01\", "
		   "\"not_after\": \"2031-12-31\", \"issued_at\": \"2026-01-01T10:00:00+08:00\"}\n");
	if (sh("%s keys generate --out %s/keys >/dev/null && "
	       "%s card new --uid 04594E00001001 --out %s >/dev/null && "
	       "%s issue --reader emu:%s --keys %s/keys --holder %s >/dev/null && "
	       "printf 'serial,listed,reason\\n10005,2026-01-05,lost\\n' > %s/dl.csv && "
	       "%s denylist build --in %s/dl.csv --key %s/keys/denylist.key --seq 1 "
	       "--valid-for 30d --out %s/denylist.bin >/dev/null && "
	       "%s policy default | sed 's/^passback_minutes = .*/passback_minutes = 0/' "
	       "> %s/nopassback.ini && cp -p %s %s/issued.card", Y, dir, Y, card_path, Y,
	       card_path, dir, p, dir, Y, dir, dir, dir, Y, dir, card_path, dir) != 0)
		return -1;
	return 0;
}

/* Each test starts with the card as the desk issued it (the trip log is a
 * cyclic file: its record count stops rising when it is full). */
static void fresh_card(void)
{
	assert_int_equal(sh("cp -p %s/issued.card %s", dir, card_path), 0);
	assert_int_equal(trips_on_card(), 0);
}

static int teardown(void **state)
{
	(void)state;
	if (getenv("YN_TEST_KEEP") != NULL)
		fprintf(stderr, "kept %s\n", dir);
	else
		yn_test_rmtree(dir);
	free(dir);
	return 0;
}

struct daemon {
	pid_t pid;
	struct evc ev;
};

static void daemon_up(struct daemon *d, unsigned budget_ms)
{
	write_config(budget_ms);
	settle();
	unlink(sock);
	d->pid = daemon_start(conf, NULL, dlog);
	assert_true(d->pid > 0);
	if (evc_connect(&d->ev, sock, 5000) != 0)
		fail_msg("yiniand: no event socket; log:\n%s", slurp(dlog));
	assert_int_equal(wait_reader_state(sock, "waiting", 5000), 0);
}

static void daemon_down(struct daemon *d)
{
	int st;

	evc_close(&d->ev);
	st = stop(d->pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

static json_t *decision(struct daemon *d)
{
	json_t *j = evc_expect(&d->ev, "decision", 8000);

	if (j == NULL)
		fail_msg("no decision; daemon log:\n%s", slurp(dlog));
	return j;
}

#define EXPECT(j, v, why)                                                              \
	do {                                                                           \
		if (strcmp(jstr(j, "verdict"), v) != 0 || strcmp(jstr(j, "reason"), why) != 0) \
			fail_msg("got %s/%s (%s, error %s), wanted %s/%s", jstr(j, "verdict"), \
				 jstr(j, "reason"), jstr(j, "message"), jstr(j, "error"), v, why); \
	} while (0)

/*
 * The card is pulled away at each command of a gate tap in turn (from the
 * first command of the tap proper; the reader's own GET DATA for the UID
 * comes before the tap, and a card gone there is simply not a tap).  Each
 * torn tap is TAP_AGAIN with nothing granted and nothing written, unless
 * the card had already committed (the answer to CommitTransaction was
 * lost): then the next tap confirms that grant instead of writing another.
 * The next tap always works, and the card holds exactly one trip per grant.
 */
static void test_card_pulled_away_at_each_command(void **state)
{
	struct daemon d;
	struct card_srv s;
	unsigned k, rounds = 0, confirmed = 0;
	size_t grants = 0, trips0;

	(void)state;
	fresh_card();
	trips0 = trips_on_card();
	daemon_up(&d, 1000);
	for (k = 2; k < 30; k++) {
		size_t before = trips_on_card(), after;
		json_t *j;

		srv_start(&s, k, 0);
		j = decision(&d);
		srv_stop(&s);
		if (!s.torn) {
			/* k is past the last command: a whole tap, the sweep is done. */
			EXPECT(j, "grant", "ok");
			json_decref(j);
			grants++;
			assert_int_equal(wait_reader_state(sock, "waiting", 5000), 0);
			break;
		}
		rounds++;
		EXPECT(j, "tap_again", "tap_again");
		assert_string_equal(jstr(j, "granted"), "");
		assert_int_equal(jint(j, "subsidy_fen"), 0);
		assert_false(json_is_null(json_object_get(j, "error")));
		/* journaled: as an outcome, or (commit answer lost) as the
		 * intent that the next tap settles */
		assert_true(jint(j, "journal_seq") > 0);
		json_decref(j);
		assert_int_equal(wait_reader_state(sock, "waiting", 5000), 0);
		after = trips_on_card();
		assert_true(after == before || after == before + 1);

		/* The holder taps again. */
		srv_start(&s, 0, 0);
		j = decision(&d);
		srv_stop(&s);
		if (after == before + 1) {
			EXPECT(j, "grant", "confirmed");	/* committed, answer lost */
			confirmed++;
		} else {
			EXPECT(j, "grant", "ok");
		}
		assert_string_equal(jstr(j, "granted"), "ride");
		json_decref(j);
		grants++;
		assert_int_equal(trips_on_card(), before + 1);	/* never twice */
		assert_int_equal(wait_reader_state(sock, "waiting", 5000), 0);
	}
	assert_true(rounds >= 8);	/* select, auth x2, reads, write, commit... */
	assert_int_equal(confirmed, 1);	/* the tear right after the commit */
	assert_int_equal(trips_on_card() - trips0, grants);
	assert_int_equal(status_int_of(sock, "tap_again"), (long long)rounds);
	assert_int_equal(status_int_of(sock, "grants"), (long long)grants);
	daemon_down(&d);
	assert_int_equal(sh("%s journal verify %s/journal >/dev/null", Y, dir), 0);
}

/* A card that answers every command 60 ms late cannot finish a tap within
 * budget_ms = 200: TAP_AGAIN, nothing written; at full speed it passes. */
static void test_slow_card_over_budget(void **state)
{
	struct daemon d;
	struct card_srv s;
	size_t before;
	json_t *j;

	(void)state;
	fresh_card();
	before = trips_on_card();
	daemon_up(&d, 200);
	srv_start(&s, 0, 60);
	j = decision(&d);
	EXPECT(j, "tap_again", "tap_again");
	assert_string_equal(jstr(j, "error"), "ETIMEOUT");
	assert_true(jint(j, "latency_us") >= 200000);
	json_decref(j);
	srv_stop(&s);
	assert_int_equal(trips_on_card(), before);
	assert_int_equal(wait_reader_state(sock, "waiting", 5000), 0);

	srv_start(&s, 0, 0);
	j = decision(&d);
	EXPECT(j, "grant", "ok");
	assert_true(jint(j, "latency_us") < 200000);
	json_decref(j);
	srv_stop(&s);
	assert_int_equal(trips_on_card(), before + 1);
	daemon_down(&d);
}

/* SIGTERM while a (slow) tap runs: the tap finishes (the card is written,
 * the decision goes out on the socket and into the journal), then the
 * daemon exits 0. */
static void test_sigterm_during_tap_finishes_it(void **state)
{
	struct daemon d;
	struct card_srv s;
	size_t before;
	uint64_t dl = yn_deadline_in_ms(5000);
	json_t *j;
	int st;

	(void)state;
	fresh_card();
	before = trips_on_card();
	daemon_up(&d, 5000);
	srv_start(&s, 0, 80);	/* about a second for the whole tap */
	while (s.commands < 3 && !yn_deadline_passed(dl))
		yn_sleep_ms(5);
	assert_true(s.commands >= 3);
	assert_int_equal(kill(d.pid, SIGTERM), 0);
	j = decision(&d);
	EXPECT(j, "grant", "ok");
	json_decref(j);
	st = wait_exit(d.pid, 5000);
	assert_true(st != -1 && WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	untrack(d.pid);	/* reaped by wait_exit */
	evc_close(&d.ev);
	srv_stop(&s);
	assert_int_equal(trips_on_card(), before + 1);
	assert_int_equal(sh("%s journal verify %s/journal >/dev/null && "
			    "%s journal show %s/journal | tail -1 | grep -q 'outcome  grant'",
			    Y, dir, Y, dir), 0);
	assert_int_equal(sh("grep -q 'GRANT ride serial 10001' %s", dlog), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_card_pulled_away_at_each_command, stop_all),
		cmocka_unit_test_teardown(test_slow_card_over_budget, stop_all),
		cmocka_unit_test_teardown(test_sigterm_during_tap_finishes_it, stop_all),
	};

	return cmocka_run_group_tests_name("yiniand: cards pulled away, slow, SIGTERM", tests,
					   setup, teardown);
}
