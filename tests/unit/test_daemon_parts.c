/*
 * Daemon plumbing: config parsing (strict, errors naming the line), event
 * JSON lines, metrics, and the emitter (event socket, status request, hook).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "base/clock.h"
#include "base/err.h"
#include "validator/config.h"
#include "validator/emitter.h"
#include "validator/events.h"
#include "validator/metrics.h"
#include "tests/lib/testlib.h"

static const char good_gate[] =
	"[terminal]\n"
	"id = GATE-01\n"
	"role = gate\n"
	"station = 1010\n"
	"budget_ms = 250\n"
	"[readers]\n"
	"reader = pcsc:Virtual PCD 00 00\n"
	"reader = emu:/tmp/x.card\n"
	"[keys]\n"
	"dir = /etc/yinian/keys\n"
	"[denylist]\n"
	"file = /var/lib/yinian/denylist.bin\n"
	"trusted_key = /etc/yinian/keys/denylist.pub\n"
	"[journal]\n"
	"dir = /var/lib/yinian/journal\n"
	"[output]\n"
	"socket = /run/yinian/yiniand.sock\n"
	"json_stdout = no\n";

static void test_config_good_gate(void **state)
{
	struct yn_config c;
	char err[256];

	(void)state;
	assert_int_equal(yn_config_parse(good_gate, "gate.conf", &c, err, sizeof(err)), 0);
	assert_string_equal(c.terminal_id, "GATE-01");
	assert_int_equal(c.role, YN_ROLE_GATE);
	assert_int_equal(c.station, 1010);
	assert_int_equal(c.budget_ms, 250);
	assert_int_equal(c.n_readers, 2);
	assert_string_equal(c.readers[0], "pcsc:Virtual PCD 00 00");
	assert_string_equal(c.readers[1], "emu:/tmp/x.card");
	assert_int_equal(c.n_trusted_keys, 1);
	assert_int_equal(c.json_stdout, 0);
	assert_int_equal(c.hook_timeout_ms, 1000);	/* default */
}

/* Each bad variant is refused, and the message names the line or key. */
static void test_config_errors_name_the_line(void **state)
{
	static const struct {
		const char *from, *to, *want;
	} cases[] = {
		{ "role = gate", "role = turnstile", "line 3: role must be gate" },
		{ "station = 1010", "station = ten", "line 4: station must be a number" },
		{ "station = 1010", "station = 70000", "line 4: station must be a whole number from 1 to 65535" },
		{ "station = 1010", "kind = sideways", "line 4: kind must be entry" },
		{ "id = GATE-01", "id = GATE 01", "line 2: terminal id must be printable ASCII" },
		{ "id = GATE-01", "id = GATE-0123456789ABCDEF", "line 2: terminal id is too long" },
		{ "budget_ms = 250", "budget_ms = 20", "line 5: budget_ms must be a whole number from 50" },
		{ "budget_ms = 250", "budget_ms = 250x", "line 5:" },
		{ "budget_ms = 250", "colour = blue", "line 5: unknown key 'colour' in [terminal]" },
		{ "[output]", "[outptu]", "line 16: unknown section [outptu]" },
		{ "json_stdout = no", "json_stdout = maybe", "line 18: json_stdout must be yes or no" },
		{ "id = GATE-01\n", "", "[terminal] id is missing" },
		{ "station = 1010\n", "", "a gate needs [terminal] station" },
		{ "trusted_key = /etc/yinian/keys/denylist.pub\n", "", "trusted_key" },
		{ "reader = pcsc:Virtual PCD 00 00\nreader = emu:/tmp/x.card\n", "", "at least one 'reader" },
		{ "dir = /etc/yinian/keys", "dir =", "line 10: keys dir is empty" },
		{ "[keys]", "keys]", "line 9: syntax error" },
	};
	char text[2048], err[256];
	struct yn_config c;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *at = strstr(good_gate, cases[i].from);
		size_t pre;

		assert_non_null(at);
		pre = (size_t)(at - good_gate);
		snprintf(text, sizeof(text), "%.*s%s%s", (int)pre, good_gate, cases[i].to,
			 at + strlen(cases[i].from));
		assert_int_equal(yn_config_parse(text, "t.conf", &c, err, sizeof(err)), YN_ECONFIG);
		if (strstr(err, cases[i].want) == NULL)
			fail_msg("case %zu: message '%s' lacks '%s'", i, err, cases[i].want);
	}
}

static void test_config_canteen_needs_district_and_price(void **state)
{
	char text[2048], err[256];
	struct yn_config c;
	const char *at = strstr(good_gate, "role = gate\nstation = 1010\n");

	(void)state;
	snprintf(text, sizeof(text), "%.*srole = canteen\ndistrict = futian\n%s",
		 (int)(at - good_gate), good_gate, at + strlen("role = gate\nstation = 1010\n"));
	assert_int_equal(yn_config_parse(text, "t.conf", &c, err, sizeof(err)), YN_ECONFIG);
	assert_non_null(strstr(err, "price_fen"));
	snprintf(text, sizeof(text), "%.*srole = canteen\ndistrict = futian\nprice_fen = 1200\n%s",
		 (int)(at - good_gate), good_gate, at + strlen("role = gate\nstation = 1010\n"));
	assert_int_equal(yn_config_parse(text, "t.conf", &c, err, sizeof(err)), 0);
	assert_int_equal(c.role, YN_ROLE_CANTEEN);
	assert_int_equal(c.price_fen, 1200);
}

static void test_config_missing_file(void **state)
{
	struct yn_config c;
	char err[256];

	(void)state;
	assert_int_equal(yn_config_load("/nonexistent/yiniand.conf", &c, err, sizeof(err)),
			 YN_ENOENT);
	assert_non_null(strstr(err, "/nonexistent/yiniand.conf"));
}

static struct yn_outcome sample(void)
{
	struct yn_outcome o = { 0 };

	o.verdict = YN_VERDICT_GRANT;
	snprintf(o.reason, sizeof(o.reason), "ok");
	snprintf(o.message, sizeof(o.message), "免费乘车 free ride");
	o.serial = 1001;
	o.have_serial = 1;
	o.uid_len = 7;
	memcpy(o.uid, "\x04\x11\x22\x33\x44\x55\x66", 7);
	snprintf(o.granted, sizeof(o.granted), "ride");
	o.voucher_left = -1;
	o.apdus = 9;
	o.latency_us = 1234;
	o.time_utc = 1767225600;	/* 2026-01-01T00:00:00Z */
	snprintf(o.reader, sizeof(o.reader), "emu:x");
	return o;
}

static void test_event_json_fields(void **state)
{
	struct yn_outcome o = sample();
	char buf[2048];
	size_t len = 0;
	json_t *j;
	json_error_t je;

	(void)state;
	assert_int_equal(yn_event_json(&o, "GATE-01", buf, sizeof(buf), &len), 0);
	assert_int_equal(buf[len - 1], '\n');
	assert_null(memchr(buf, '\n', len - 1));	/* one line */
	j = json_loadb(buf, len, 0, &je);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "verdict")), "grant");
	assert_string_equal(json_string_value(json_object_get(j, "time")), "2026-01-01T00:00:00Z");
	assert_string_equal(json_string_value(json_object_get(j, "uid")), "04112233445566");
	assert_int_equal(json_integer_value(json_object_get(j, "serial")), 1001);
	assert_string_equal(json_string_value(json_object_get(j, "message")), "免费乘车 free ride");
	assert_true(json_is_null(json_object_get(j, "voucher_left")));
	assert_true(json_is_null(json_object_get(j, "error")));
	json_decref(j);
	assert_int_equal(yn_event_json(&o, "GATE-01", buf, 40, &len), YN_ENOSPC);
	assert_int_equal(len, 0);
}

static void test_metrics_counts_and_histogram(void **state)
{
	struct yn_metrics m;
	struct yn_outcome o = sample();
	char buf[4096];
	size_t len;
	json_t *j;

	(void)state;
	yn_metrics_init(&m, 100);
	yn_metrics_record(&m, &o);
	o.verdict = YN_VERDICT_DENY;
	snprintf(o.reason, sizeof(o.reason), "expired");
	o.latency_us = 400000;
	yn_metrics_record(&m, &o);
	yn_metrics_record(&m, &o);
	assert_int_equal(yn_metrics_json(&m, "G", 160, buf, sizeof(buf), &len), 0);
	j = json_loads(buf, 0, NULL);
	assert_non_null(j);
	assert_int_equal(json_integer_value(json_object_get(j, "taps")), 3);
	assert_int_equal(json_integer_value(json_object_get(j, "grants")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "denials_by_reason"),
							    "expired")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "uptime_s")), 60);
	assert_int_equal(json_integer_value(json_object_get(j, "latency_max_us")), 400000);
	json_decref(j);
	assert_int_equal(m.buckets[3], 1);	/* 1234 us: the <= 2000 us bucket */
	yn_metrics_destroy(&m);
}

static int connect_unix(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static size_t read_line_fd(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	uint64_t deadline = yn_deadline_in_ms(3000);

	while (n + 1 < cap && !yn_deadline_passed(deadline)) {
		ssize_t k = recv(fd, buf + n, 1, MSG_DONTWAIT);

		if (k == 1) {
			if (buf[n++] == '\n')
				break;
		} else {
			yn_sleep_ms(2);
		}
	}
	buf[n] = '\0';
	return n;
}

static void test_emitter_socket_status_and_hook(void **state)
{
	struct yn_config c;
	struct yn_metrics m;
	struct yn_emitter *e = NULL;
	struct yn_outcome o = sample();
	char err[256], buf[4096], *dir = yn_test_tmpdir(), hook[300], out[300];
	FILE *f;
	int fd, i;

	(void)state;
	assert_non_null(dir);
	assert_int_equal(yn_config_parse(good_gate, "g", &c, err, sizeof(err)), 0);
	snprintf(c.socket_path, sizeof(c.socket_path), "%s/ev.sock", dir);
	snprintf(hook, sizeof(hook), "%s/hook.sh", dir);
	snprintf(out, sizeof(out), "%s/hook.out", dir);
	f = fopen(hook, "w");
	assert_non_null(f);
	fprintf(f, "#!/bin/sh\necho \"$1 $2 $YN_SERIAL $YN_GRANTED\" > %s.tmp && mv %s.tmp %s\n",
		out, out, out);
	fclose(f);
	chmod(hook, 0755);
	snprintf(c.hook, sizeof(c.hook), "%s", hook);
	yn_metrics_init(&m, (int64_t)time(NULL));
	assert_int_equal(yn_emitter_start(&c, &m, &e), 0);
	fd = connect_unix(c.socket_path);
	assert_true(fd >= 0);
	/* The status request answers while no decision has been made. */
	assert_int_equal(send(fd, "status\n", 7, 0), 7);
	assert_true(read_line_fd(fd, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"type\":\"status\""));
	yn_sleep_ms(50);	/* the client is registered before the decision */
	yn_emitter_emit(e, &o);
	assert_true(read_line_fd(fd, buf, sizeof(buf)) > 0);
	assert_non_null(strstr(buf, "\"verdict\":\"grant\""));
	assert_non_null(strstr(buf, "\"serial\":1001"));
	for (i = 0; i < 300 && access(out, F_OK) != 0; i++)
		yn_sleep_ms(10);
	f = fopen(out, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "grant ok 1001 ride\n");
	close(fd);
	yn_emitter_stop(e);
	assert_int_not_equal(access(c.socket_path, F_OK), 0);	/* socket removed */
	yn_metrics_destroy(&m);
	yn_test_rmtree(dir);
	free(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_good_gate),
		cmocka_unit_test(test_config_errors_name_the_line),
		cmocka_unit_test(test_config_canteen_needs_district_and_price),
		cmocka_unit_test(test_config_missing_file),
		cmocka_unit_test(test_event_json_fields),
		cmocka_unit_test(test_metrics_counts_and_histogram),
		cmocka_unit_test(test_emitter_socket_status_and_hook),
	};

	return cmocka_run_group_tests_name("daemon_parts", tests, NULL, NULL);
}
