/*
 * yiniand as a gate on "pcsc:Virtual PCD 00 00" while pcscd restarts under
 * it: the daemon keeps running and taps resume after each restart, without
 * restarting the daemon.  The card is issued by the test fixture and served
 * by `yinian card serve`, which exits when pcscd goes (vpcd drops its
 * connection), so the test starts it again each time.  A tap is counted
 * from the daemon's JSON event lines (--json_stdout); the first is a grant,
 * the ones after a restart are decisions on the same card at the same gate
 * (passback), what matters here is that the daemon read the card again.
 * Prints the time from pcscd up to the daemon's event.  YN_RESTARTS scales
 * the number of restarts (default here 5).  Run under scripts/pcsc-rig.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/err.h"
#include "tests/lib/fixture.h"
#include "tests/lib/pcscd_ctl.h"
#include "tests/lib/testlib.h"

static uint16_t port = 35963;
static char card_path[600];
static pid_t card_pid = -1;

static void start_card(void)
{
	char prog[512], addr[64];
	const char *b = getenv("YN_BUILD");
	char *argv[] = { prog, (char *)"card", (char *)"serve", (char *)"--state", card_path,
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

/* yiniand with its standard output (the event lines) into events. */
static pid_t start_daemon(const char *conf, const char *events)
{
	char prog[512];
	const char *b = getenv("YN_BUILD");
	pid_t pid;

	snprintf(prog, sizeof(prog), "%s/yiniand", b != NULL ? b : "build");
	pid = fork();
	if (pid == 0) {
		int fd = open(events, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		setpgid(0, 0);
		if (fd < 0)
			_exit(127);
		/* Under `make asan`: LeakSanitizer needs ptrace, which yiniand's
		 * syscall filter refuses; it would turn a clean exit into 1. */
		setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
		dup2(fd, 1);
		close(fd);
		execl(prog, prog, "--config", conf, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static int count_events(const char *events)
{
	char line[4096];
	FILE *f = fopen(events, "r");
	int n = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "\"verdict\"") != NULL)
			n++;
	fclose(f);
	return n;
}

/* Wait until the daemon has written more than `have` events. */
static int wait_events(const char *events, int have, uint32_t ms)
{
	uint64_t until = yn_deadline_in_ms(ms);

	while (!yn_deadline_passed(until)) {
		if (count_events(events) > have)
			return 0;
		yn_sleep_ms(10);
	}
	return -1;
}

static void test_pcsc_yiniand_survives_pcscd_restarts(void **state)
{
	const char *env = getenv("YN_RESTARTS"), *p = getenv("YN_VPCD_PORT");
	int n = env != NULL ? atoi(env) : 5, i, have, st;
	struct yn_fixture f;
	struct yn_holder h;
	char conf[600], events[600];
	uint64_t t_up, worst = 0, total = 0;
	pid_t d;
	FILE *c;

	(void)state;
	if (p != NULL)
		port = (uint16_t)atoi(p);
	if (n < 1)
		n = 1;
	assert_int_equal(yn_fixture_init(&f, (int64_t)time(NULL)), 0);
	yn_fixture_holder(&h, 19500101, YN_HRES_HUKOU, YN_HDIST_FUTIAN, 0, 20311130);
	assert_int_equal(yn_fixture_card(&f, "rider", 9, &h, 0, card_path, sizeof(card_path)), 0);
	snprintf(conf, sizeof(conf), "%s/gate.conf", f.dir);
	snprintf(events, sizeof(events), "%s/events.jsonl", f.dir);
	c = fopen(conf, "w");
	assert_non_null(c);
	fprintf(c, "[terminal]\nid = RESTART-GATE\nrole = gate\nline = 1\nstation = 10\n"
		"kind = entry\n[readers]\nreader = pcsc:Virtual PCD 00 00\n[keys]\ndir = %s\n"
		"[denylist]\nfile = %s\ntrusted_key = %s/denylist.pub\n[journal]\n"
		"dir = %s/journal\n[output]\njson_stdout = yes\n", f.keys, f.denylist, f.keys,
		f.dir);
	assert_int_equal(fclose(c), 0);

	d = start_daemon(conf, events);
	assert_true(d > 0);
	start_card();
	if (wait_events(events, 0, 10000) != 0)
		fail_msg("no tap event from yiniand within 10 s");
	for (i = 0; i < n; i++) {
		have = count_events(events);
		assert_int_equal(yn_pcscd_stop(), 0);
		stop_card();
		assert_int_equal(yn_pcscd_start(NULL, &port, 1), 0);
		t_up = yn_now_ns();
		start_card();
		if (wait_events(events, have, 15000) != 0)
			fail_msg("restart %d: no tap event from yiniand within 15 s", i);
		t_up = yn_now_ns() - t_up;
		total += t_up;
		if (t_up > worst)
			worst = t_up;
		/* The daemon is still the same process. */
		assert_int_equal(waitpid(d, &st, WNOHANG), 0);
	}
	printf("yiniand across %d pcscd restarts: a tap event each time, %llu ms on average "
	       "(worst %llu ms) after pcscd was up\n", n,
	       (unsigned long long)(total / (uint64_t)n / YN_NS_PER_MS),
	       (unsigned long long)(worst / YN_NS_PER_MS));
	/* A longer outage (3 s): yiniand reopens the reader with its own
	 * backoff (100 ms doubling to 5 s) while pcscd is away. */
	have = count_events(events);
	assert_int_equal(yn_pcscd_stop(), 0);
	stop_card();
	yn_sleep_ms(3000);
	assert_int_equal(yn_pcscd_start(NULL, &port, 1), 0);
	t_up = yn_now_ns();
	start_card();
	if (wait_events(events, have, 15000) != 0)
		fail_msg("after a 3 s outage: no tap event from yiniand within 15 s");
	printf("yiniand after a 3 s pcscd outage: tap event %llu ms after pcscd was up\n",
	       (unsigned long long)((yn_now_ns() - t_up) / YN_NS_PER_MS));
	stop_card();
	kill(d, SIGTERM);
	assert_int_equal(waitpid(d, &st, 0), d);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	yn_fixture_free(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcsc_yiniand_survives_pcscd_restarts),
	};

	return cmocka_run_group_tests_name("pcsc_yiniand", tests, NULL, NULL);
}
