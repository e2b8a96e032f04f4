/*
 * Issue 7's "done when", through the real stack: yiniand running as a
 * daemon (real clock, event socket, hook) on reader "Virtual PCD 00 00" of
 * a real pcscd, with the software card served by `yinian card serve`; the
 * set-up made with the CLI as scripts/demo does (keys generate, card new,
 * issue with holder JSON, denylist build).  Run under scripts/pcsc-rig.
 *
 * Also: two readers served by one daemon at once, SIGHUP reloads (list and
 * policy, good and bad), readiness via sd_notify (NOTIFY_SOCKET), the hook's
 * environment, stdout and a second socket client carrying the same lines.
 *
 * Taking a card away = stopping its `yinian card serve`; pcscd notices in
 * about 0.4 s, and the test waits for the daemon's status to say the reader
 * is "waiting" again before it presents the next card.
 *
 * The canteen daemon gets a policy file whose lunch window and days cover
 * the whole week (days = every, 00:00-24:00), so its real-clock decisions
 * do not depend on when the test runs; the Shenzhen default (weekday lunch)
 * is exercised through pcscd with `yinian tap --now` (the daemon's code
 * path, a fixed clock).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>

#include <cmocka.h>

#include "tests/pcsc/test_yiniand_util.h"

static char *dir;
static char Y[600];

#define DEMO_HOLDERS 5
static const struct {
	const char *name, *serial, *birth, *residency, *district, *cats, *from, *to;
} holders[DEMO_HOLDERS] = {
	{ "chen72", "10001", "1954-05-01", "shenzhen_hukou", "futian", "\"dibao\"", "2026-01-01",
	  "2031-12-31" },
	{ "leung61hk", "10002", "1965-03-01", "hong_kong", "none", "", "2026-01-01",
	  "2031-12-31" },
	{ "wang58", "10003", "1968-06-01", "shenzhen_hukou", "luohu", "", "2026-01-01",
	  "2031-12-31" },
	{ "li_expired", "10004", "1950-02-02", "shenzhen_hukou", "futian", "", "2021-03-01",
	  "2026-02-28" },
	{ "zhao_lost", "10005", "1949-09-09", "shenzhen_hukou", "futian", "\"tekun\"",
	  "2026-01-01", "2031-12-31" },
};

static void path(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void path(char *out, size_t cap, const char *fmt, ...)
{
	char tail[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tail, sizeof(tail), fmt, ap);
	va_end(ap);
	snprintf(out, cap, "%s/%s", dir, tail);
}

/* A denylist file signed with the deployment's key (or another key set's:
 * forged), listing the given serials. */
static int denylist(const char *out, const char *keys, unsigned seq, const char *serials)
{
	char csv[600];
	char line[64];
	const char *p = serials;
	FILE *f;

	path(csv, sizeof(csv), "dl-%u.csv", seq);
	f = fopen(csv, "w");
	if (f == NULL)
		return -1;
	fputs("serial,listed,reason\n", f);
	while (*p) {
		size_t n = strcspn(p, " ");

		snprintf(line, sizeof(line), "%.*s,2026-01-05,lost\n", (int)n, p);
		fputs(line, f);
		p += n;
		while (*p == ' ')
			p++;
	}
	fclose(f);
	return sh("%s denylist build --in %s --key %s/%s/denylist.key --seq %u --valid-for 30d "
		  "--out %s.tmp >/dev/null && mv %s.tmp %s", Y, csv, dir, keys, seq, out, out, out);
}

/* A configuration: role gate or canteen; extra lines go in [terminal];
 * policy: "" for the built-in default. */
static void config(const char *name, const char *id, const char *role, const char *terminal,
		   const char *policy, const char *dl)
{
	char p[600], text[4096], pol[700] = "";

	if (policy[0])
		snprintf(pol, sizeof(pol), "[policy]\nfile = %s/%s\n", dir, policy);
	snprintf(text, sizeof(text),
		 "[terminal]\nid = %s\nrole = %s\n%s\n"
		 "[readers]\nreader = pcsc:%s\n"
		 "[keys]\ndir = %s/keys\n%s"
		 "[denylist]\nfile = %s/%s\ntrusted_key = %s/keys/denylist.pub\n"
		 "[journal]\ndir = %s/journal-%s\n"
		 "[output]\nsocket = %s/%s.sock\nhook = %s/hook.sh\njson_stdout = yes\n",
		 id, role, terminal, pcsc_reader(), dir, pol, dir, dl, dir, dir, name, dir, name,
		 dir);
	path(p, sizeof(p), "%s.conf", name);
	write_file(p, text);
}

static int setup(void **state)
{
	char p[600], text[1024];
	size_t i;

	(void)state;
	if ((dir = yn_test_tmpdir()) == NULL)
		return -1;
	snprintf(Y, sizeof(Y), "%s/yinian", build_dir());
	setenv("YN_LOG_LEVEL", "warn", 1);
	if (sh("%s keys generate --out %s/keys >/dev/null && "
	       "%s keys generate --out %s/otherkeys >/dev/null && mkdir %s/cards %s/hooks",
	       Y, dir, Y, dir, dir, dir) != 0)
		return -1;
	for (i = 0; i < DEMO_HOLDERS; i++) {
		path(p, sizeof(p), "%s.json", holders[i].name);
		snprintf(text, sizeof(text),
			 "{\"name\": \"%s\", \"serial\": \"%s\", \"birth_date\": \"%s\", "
			 "\"residency\": \"%s\", \"district\": \"%s\", \"categories\": [%s], "
			 "\"not_before\": \"%s\", \"not_after\": \"%s\", "
			 "\"issued_at\": \"2026-01-01T10:00:00+08:00\"}\n", holders[i].name,
			 holders[i].serial, holders[i].birth, holders[i].residency,
			 holders[i].district, holders[i].cats, holders[i].from, holders[i].to);
		write_file(p, text);
		if (sh("%s card new --uid 04594E000010%02zu --out %s/cards/%s.card >/dev/null", Y,
		       i + 1, dir, holders[i].name) != 0)
			return -1;
		/* wang58 is refused at the desk (through pcscd, below); the
		 * others are issued on the in-process card. */
		if (strcmp(holders[i].name, "wang58") != 0 &&
		    strcmp(holders[i].name, "chen72") != 0 &&
		    sh("%s issue --reader emu:%s/cards/%s.card --keys %s/keys --holder %s "
		       "--vouchers 2 >/dev/null", Y, dir, holders[i].name, dir, p) != 0)
			return -1;
	}
	/* Hook: one file per decision with its YN_* environment and arguments. */
	path(p, sizeof(p), "hook.sh");
	snprintf(text, sizeof(text),
		 "#!/bin/sh\nf=%s/hooks/$(date +%%s%%N)-$$\n"
		 "{ echo \"ARGS=$1 $2\"; env | grep '^YN_' | sort; } > $f.tmp && mv $f.tmp $f.env\n",
		 dir);
	write_file(p, text);
	chmod(p, 0755);
	/* A week-long lunch: the canteen daemon's real-clock taps always fall
	 * in it (and "every" day is a canteen day). */
	if (sh("%s policy default | sed -e 's/^days = workdays$/days = every/' "
	       "-e 's/^lunch_start = .*/lunch_start = 00:00/' -e 's/^lunch_end = .*/lunch_end = 24:00/' "
	       "> %s/allday.ini && grep -q '^lunch_end = 24:00' %s/allday.ini && "
	       "%s policy check %s/allday.ini >/dev/null", Y, dir, dir, Y, dir) != 0)
		return -1;
	/* ... and a gate without anti-passback, to tap the same card again. */
	if (sh("%s policy default | sed 's/^passback_minutes = .*/passback_minutes = 0/' "
	       "> %s/nopassback.ini && %s policy check %s/nopassback.ini >/dev/null", Y, dir, Y,
	       dir) != 0)
		return -1;
	path(p, sizeof(p), "denylist.bin");
	if (denylist(p, "keys", 1, "10005") != 0)
		return -1;
	path(p, sizeof(p), "denylist-swap.bin");
	if (denylist(p, "keys", 1, "10005") != 0)
		return -1;
	config("gate", "GATE-L1-10", "gate", "line = 1\nstation = 10\nkind = entry", "",
	       "denylist.bin");
	config("swap", "GATE-L2-20", "gate", "line = 2\nstation = 20\nkind = entry",
	       "nopassback.ini", "denylist-swap.bin");
	config("canteen", "CANTEEN-FT", "canteen", "district = futian\nprice_fen = 1200",
	       "allday.ini", "denylist.bin");
	config("till", "TILL-FT", "canteen", "district = futian\nprice_fen = 1200", "",
	       "denylist.bin");
	/* A gate with two readers: the second is the rig's other vpcd reader. */
	config("pair", "GATE-L3-30", "gate", "line = 3\nstation = 30\nkind = entry", "",
	       "denylist.bin");
	path(p, sizeof(p), "pair.conf");
	if (sh("sed -i 's/^reader = pcsc:Virtual PCD 00 00$/&\\nreader = pcsc:Virtual PCD 00 01/' %s "
	       "&& grep -c '^reader = ' %s | grep -qx 2", p, p) != 0)
		return -1;
	return 0;
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
	const char *name;
	pid_t pid;
	char sock[600], out[600], err[600];
	struct evc ev;
};

static void daemon_up(struct daemon *d, const char *name)
{
	char conf[600];

	memset(d, 0, sizeof(*d));
	d->name = name;
	settle();
	path(conf, sizeof(conf), "%s.conf", name);
	path(d->sock, sizeof(d->sock), "%s.sock", name);
	path(d->out, sizeof(d->out), "%s.out", name);
	path(d->err, sizeof(d->err), "%s.log", name);
	unlink(d->sock);
	d->pid = daemon_start(conf, d->out, d->err);
	assert_true(d->pid > 0);
	if (evc_connect(&d->ev, d->sock, 5000) != 0) {
		char *log = slurp(d->err);

		fail_msg("yiniand %s: no event socket; log:\n%s", name, log);
	}
	assert_int_equal(wait_reader_state(d->sock, "waiting", 5000), 0);
}

/* SIGTERM: exits 0. */
static void daemon_down(struct daemon *d)
{
	int st;

	evc_close(&d->ev);
	st = stop(d->pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

/* Present card `name` (state file cards/<file>.card), read the decision from
 * the event socket, take the card away, wait until the reader waits again. */
static json_t *tap(struct daemon *d, const char *file)
{
	char state[600], log[600];
	pid_t card;
	json_t *j;

	path(state, sizeof(state), "cards/%s.card", file);
	path(log, sizeof(log), "card-%s.log", file);
	card = card_serve(state, log);
	assert_true(card > 0);
	j = evc_expect(&d->ev, "decision", 8000);
	assert_int_equal(card_remove(&card), 0);
	if (j == NULL) {
		char *l = slurp(d->err);

		fail_msg("no decision for %s at %s; daemon log:\n%s", file, d->name, l);
	}
	assert_int_equal(wait_reader_state(d->sock, "waiting", 5000), 0);
	return j;
}

#define EXPECT(j, v, why)                                                              \
	do {                                                                           \
		if (strcmp(jstr(j, "verdict"), v) != 0 || strcmp(jstr(j, "reason"), why) != 0) \
			fail_msg("got %s/%s (%s), wanted %s/%s", jstr(j, "verdict"),   \
				 jstr(j, "reason"), jstr(j, "message"), v, why);       \
	} while (0)

/* The desk (yinian issue through pcscd) refuses the 58-year-old and issues
 * the 72-year-old. */
static void test_desk_issues_through_pcsc(void **state)
{
	char card[600], log[600];
	pid_t pid;
	int rc;

	(void)state;
	path(card, sizeof(card), "cards/wang58.card");
	path(log, sizeof(log), "card-desk.log");
	pid = card_serve(card, log);
	rc = sh("%s issue --reader 'pcsc:%s' --keys %s/keys --holder %s/wang58.json --timeout 10 "
		">%s/issue-wang58.out 2>&1", Y, pcsc_reader(), dir, dir, dir);
	assert_int_equal(card_remove(&pid), 0);
	assert_int_not_equal(rc, 0);
	assert_int_equal(sh("grep -qi 'age\\|60' %s/issue-wang58.out", dir), 0);

	path(card, sizeof(card), "cards/chen72.card");
	pid = card_serve(card, log);
	rc = sh("%s issue --reader 'pcsc:%s' --keys %s/keys --holder %s/chen72.json --vouchers 2 "
		"--timeout 10 >%s/issue-chen72.out 2>&1", Y, pcsc_reader(), dir, dir, dir);
	assert_int_equal(card_remove(&pid), 0);
	/* A copy as issued, for the real-clock till below. */
	assert_int_equal(sh("cp -p %s/cards/chen72.card %s/cards/pristine-chen72.card", dir, dir),
			 0);

	if (rc != 0) {
		char o[600];

		path(o, sizeof(o), "issue-chen72.out");
		fail_msg("issue chen72 through pcscd: %s", slurp(o));
	}
}

/* Count the hook runs so far, and check the last one against event j. */
static size_t hooks_seen(void)
{
	DIR *d;
	struct dirent *e;
	char p[600];
	size_t n = 0;

	path(p, sizeof(p), "hooks");
	d = opendir(p);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strstr(e->d_name, ".env") != NULL)
			n++;
	closedir(d);
	return n;
}

/* The hook's environment for the decision j (found by its journal_seq). */
static void check_hook(json_t *j)
{
	char want[256], cmd[1024];
	uint64_t dl = yn_deadline_in_ms(3000);
	long long seq = jint(j, "journal_seq");
	int found = 0;

	/* The hook runs on the emitter thread after the line is sent. */
	while (!found && !yn_deadline_passed(dl)) {
		snprintf(cmd, sizeof(cmd),
			 "grep -l '^YN_EVENT_JSON=.*\"journal_seq\":%lld,' %s/hooks/*.env "
			 ">%s/hook.match 2>/dev/null", seq, dir, dir);
		found = sh("%s", cmd) == 0;
		if (!found)
			yn_sleep_ms(50);
	}
	if (!found)
		fail_msg("no hook run for journal record %lld", seq);
	snprintf(want, sizeof(want), "ARGS=%s %s", jstr(j, "verdict"), jstr(j, "reason"));
	assert_int_equal(sh("grep -qxF '%s' $(cat %s/hook.match)", want, dir), 0);
	snprintf(want, sizeof(want), "YN_VERDICT=%s", jstr(j, "verdict"));
	assert_int_equal(sh("grep -qxF '%s' $(cat %s/hook.match)", want, dir), 0);
	snprintf(want, sizeof(want), "YN_REASON=%s", jstr(j, "reason"));
	assert_int_equal(sh("grep -qxF '%s' $(cat %s/hook.match)", want, dir), 0);
	snprintf(want, sizeof(want), "YN_SERIAL=%lld", json_is_integer(json_object_get(j, "serial"))
		 ? jint(j, "serial") : 0);
	assert_int_equal(sh("grep -qxF '%s' $(cat %s/hook.match)", want, dir), 0);
	snprintf(want, sizeof(want), "YN_UID=%s", jstr(j, "uid"));
	assert_int_equal(sh("grep -qxF '%s' $(cat %s/hook.match)", want, dir), 0);
	snprintf(want, sizeof(want), "YN_GRANTED=%s", jstr(j, "granted"));
	assert_int_equal(sh("grep -qxF '%s' $(cat %s/hook.match)", want, dir), 0);
	snprintf(want, sizeof(want), "YN_SUBSIDY_FEN=%lld", jint(j, "subsidy_fen"));
	assert_int_equal(sh("grep -qxF '%s' $(cat %s/hook.match)", want, dir), 0);
	snprintf(want, sizeof(want), "YN_MESSAGE=%s", jstr(j, "message"));
	assert_int_equal(sh("grep -qxF '%s' $(cat %s/hook.match)", want, dir), 0);
}

/* Every demo card at a metro entry gate: decisions on the event socket, on
 * stdout and in the hook; the status counts what happened. */
static void test_gate_daemon_demo_cards(void **state)
{
	static const struct {
		const char *card, *verdict, *reason, *serial;
	} taps[] = {
		{ "chen72", "grant", "ok", "10001" },
		{ "leung61hk", "grant", "ok", "10002" },
		{ "li_expired", "deny", "expired", "10004" },
		{ "zhao_lost", "deny", "denylisted", "10005" },
		{ "chen72", "deny", "passback", "10001" },	/* passed back over the gate */
		{ "wang58", "deny", "not_yinian", NULL },	/* the desk refused it: blank */
	};
	struct daemon d;
	struct evc other;
	json_t *j, *st, *hist;
	size_t i, hooks0 = hooks_seen();
	long long sum = 0;
	char *out;

	(void)state;
	daemon_up(&d, "gate");
	/* A second client gets the same lines; ping and unknown requests. */
	assert_int_equal(evc_connect(&other, d.sock, 1000), 0);
	assert_int_equal(evc_send(&other, "ping\n"), 0);
	j = evc_expect(&other, "pong", 2000);
	assert_non_null(j);
	json_decref(j);
	assert_int_equal(evc_send(&other, "open the gate\n"), 0);
	j = evc_expect(&other, "error", 2000);
	assert_non_null(j);
	json_decref(j);

	for (i = 0; i < sizeof(taps) / sizeof(taps[0]); i++) {
		json_t *o;

		j = tap(&d, taps[i].card);
		EXPECT(j, taps[i].verdict, taps[i].reason);
		assert_string_equal(jstr(j, "terminal"), "GATE-L1-10");
		if (taps[i].serial != NULL)
			assert_int_equal(jint(j, "serial"), atoll(taps[i].serial));
		else
			assert_true(json_is_null(json_object_get(j, "serial")));
		assert_string_equal(jstr(j, "granted"), strcmp(taps[i].verdict, "grant") == 0 ?
				    "ride" : "");
		assert_true(jint(j, "journal_seq") > 0);
		assert_true(jint(j, "apdus") > 0);
		assert_true(jint(j, "latency_us") > 0 && jint(j, "latency_us") < 300000);
		assert_true(json_is_null(json_object_get(j, "error")));
		/* the other client saw the same line */
		o = evc_expect(&other, "decision", 2000);
		assert_non_null(o);
		assert_true(json_equal(o, j));
		json_decref(o);
		check_hook(j);
		json_decref(j);
	}
	assert_int_equal(hooks_seen() - hooks0, 6);

	st = daemon_status(d.sock);
	assert_non_null(st);
	assert_string_equal(jstr(st, "terminal"), "GATE-L1-10");
	assert_int_equal(jint(st, "taps"), 6);
	assert_int_equal(jint(st, "grants"), 2);
	assert_int_equal(jint(st, "denials"), 4);
	assert_int_equal(jint(st, "tap_again"), 0);
	assert_int_equal(jint(st, "denials_by_reason.expired"), 1);
	assert_int_equal(jint(st, "denials_by_reason.denylisted"), 1);
	assert_int_equal(jint(st, "denials_by_reason.passback"), 1);
	assert_int_equal(jint(st, "denials_by_reason.not_yinian"), 1);
	assert_int_equal(json_object_size(json_object_get(st, "denials_by_reason")), 4);
	hist = json_object_get(st, "latency_histogram");
	for (i = 0; i < json_array_size(hist); i++)
		sum += jint(json_array_get(hist, i), "count");
	assert_int_equal(sum, 6);
	assert_true(jint(st, "latency_max_us") > 0);
	assert_int_equal(jint(st, "denylist.sequence"), 1);
	assert_int_equal(jint(st, "denylist.entries"), 1);
	/* built at set-up, valid for 30 days */
	assert_true(jint(st, "denylist.age_s") >= 0 && jint(st, "denylist.age_s") < 600);
	assert_int_equal(jint(st, "denylist.not_after_utc") - jint(st, "denylist.issued_utc"),
			 30 * 86400);
	assert_string_equal(reader_state(st), "waiting");
	assert_string_equal(jstr(json_array_get(json_object_get(st, "readers"), 0), "uri"),
			    "pcsc:Virtual PCD 00 00");
	json_decref(st);
	evc_close(&other);
	daemon_down(&d);

	/* stdout carried the same six decision lines (json_stdout = yes). */
	out = slurp(d.out);
	{
		size_t lines = 0;
		const char *p;

		for (p = out; (p = strstr(p, "\"type\":\"decision\"")) != NULL; p++)
			lines++;
		assert_int_equal(lines, 6);
	}
	free(out);
	/* The journal verifies: two grants (intent + outcome) and four denials. */
	assert_int_equal(sh("%s journal verify %s/journal-gate >/dev/null", Y, dir), 0);
	assert_int_equal(sh("test $(%s journal show %s/journal-gate | grep -c ' outcome ') = 6 && "
			    "test $(%s journal show %s/journal-gate | grep -c ' intent ') = 2",
			    Y, dir, Y, dir), 0);
}

static int status_int(struct daemon *d, const char *key)
{
	json_t *st = daemon_status(d->sock);
	int v;

	assert_non_null(st);
	v = (int)jint(st, key);
	json_decref(st);
	return v;
}

/* SIGHUP, then wait until the daemon counted one more reload (ok or not). */
static void reload(struct daemon *d)
{
	int before = status_int(d, "denylist.reloads_ok") + status_int(d, "denylist.reloads_refused");
	uint64_t dl = yn_deadline_in_ms(3000);

	assert_int_equal(kill(d->pid, SIGHUP), 0);
	while (status_int(d, "denylist.reloads_ok") + status_int(d, "denylist.reloads_refused") ==
	       before) {
		if (yn_deadline_passed(dl))
			fail_msg("no reload after SIGHUP");
		yn_sleep_ms(20);
	}
}

static void expect_tap(struct daemon *d, const char *card, const char *verdict, const char *why)
{
	json_t *j = tap(d, card);

	EXPECT(j, verdict, why);
	json_decref(j);
}

/* A new list on disk + SIGHUP changes the next tap; a forged, rolled-back or
 * broken list, or a policy that does not parse, is refused with the reason
 * in the log and in the status, and what is in force stays. */
static void test_gate_denylist_swap_on_sighup(void **state)
{
	struct daemon d;
	char dl[600], pol[600], tmp[700], ns[600];
	json_t *st;
	char *log;
	int nfd;

	(void)state;
	path(dl, sizeof(dl), "denylist-swap.bin");
	path(pol, sizeof(pol), "nopassback.ini");
	/* Readiness as systemd (Type=notify) would see it. */
	path(ns, sizeof(ns), "notify.sock");
	nfd = notify_open(ns);
	assert_true(nfd >= 0);
	daemon_up(&d, "swap");
	unsetenv("NOTIFY_SOCKET");
	assert_int_equal(notify_expect(nfd, "READY=1", 3000), 0);
	expect_tap(&d, "chen72", "grant", "ok");

	/* List 2 adds chen72: the next tap is refused, others unaffected. */
	assert_int_equal(denylist(dl, "keys", 2, "10005 10001"), 0);
	assert_int_equal(sh("cp %s %s.2", dl, dl), 0);
	reload(&d);
	assert_int_equal(notify_expect(nfd, "RELOADING=1", 3000), 0);
	assert_int_equal(notify_expect(nfd, "READY=1", 3000), 0);
	assert_int_equal(status_int(&d, "denylist.sequence"), 2);
	assert_int_equal(status_int(&d, "denylist.entries"), 2);
	assert_int_equal(status_int(&d, "denylist.reloads_ok"), 1);
	expect_tap(&d, "chen72", "deny", "denylisted");
	expect_tap(&d, "leung61hk", "grant", "ok");

	/* Forged: signed by a key this terminal does not trust. */
	assert_int_equal(denylist(dl, "otherkeys", 3, "10005"), 0);
	reload(&d);
	assert_int_equal(status_int(&d, "denylist.reloads_refused"), 1);
	st = daemon_status(d.sock);
	assert_non_null(strstr(jstr(json_object_get(st, "denylist"), "last_reload_error"),
			       "not trusted"));
	json_decref(st);
	expect_tap(&d, "chen72", "deny", "denylisted");

	/* Rolled back: a genuine older list. */
	assert_int_equal(denylist(dl, "keys", 1, "10005"), 0);
	reload(&d);
	assert_int_equal(status_int(&d, "denylist.reloads_refused"), 2);
	st = daemon_status(d.sock);
	assert_non_null(strstr(jstr(json_object_get(st, "denylist"), "last_reload_error"),
			       "not newer"));
	json_decref(st);

	/* Broken: cut short. */
	assert_int_equal(denylist(dl, "keys", 3, "10005"), 0);
	assert_int_equal(sh("head -c 60 %s > %s.cut && mv %s.cut %s", dl, dl, dl, dl), 0);
	reload(&d);
	assert_int_equal(status_int(&d, "denylist.reloads_refused"), 3);
	assert_int_equal(status_int(&d, "denylist.sequence"), 2);
	expect_tap(&d, "chen72", "deny", "denylisted");
	log = slurp(d.err);
	assert_non_null(strstr(log, "reload refused, previous kept in force"));
	assert_non_null(strstr(log, "signed by a key that is not trusted here"));
	free(log);

	/* A policy that does not parse is refused too; the list stays. */
	snprintf(tmp, sizeof(tmp), "%s.good", pol);
	assert_int_equal(sh("cp %s %s && sed -i 's/^min_age = 60$/min_age = sixty/' %s", pol, tmp,
			    pol), 0);
	/* ... and with it a forged list: the status gives both reasons. */
	assert_int_equal(denylist(dl, "otherkeys", 4, "10005"), 0);
	reload(&d);
	assert_int_equal(status_int(&d, "denylist.reloads_refused"), 4);
	assert_int_equal(status_int(&d, "denylist.sequence"), 2);
	st = daemon_status(d.sock);
	assert_non_null(strstr(jstr(json_object_get(st, "denylist"), "last_reload_error"),
			       "not trusted here; policy "));
	assert_non_null(strstr(jstr(json_object_get(st, "denylist"), "last_reload_error"),
			       "nopassback.ini: line"));
	/* The status carries the whole reason, as the log gives it. */
	{
		static const char tag[] = "reload refused, previous kept in force: ";
		char *l = slurp(d.err), *p = l, *last = NULL;

		while ((p = strstr(p, tag)) != NULL)
			last = p += sizeof(tag) - 1;
		assert_non_null(last);
		last[strcspn(last, "\n")] = '\0';
		assert_string_equal(jstr(json_object_get(st, "denylist"), "last_reload_error"),
				    last);
		free(l);
	}
	json_decref(st);
	expect_tap(&d, "leung61hk", "grant", "ok");	/* old policy: no passback */

	/* List 3 takes chen72 off again. */
	assert_int_equal(sh("mv %s %s", tmp, pol), 0);
	assert_int_equal(denylist(dl, "keys", 3, "10005"), 0);
	reload(&d);
	assert_int_equal(status_int(&d, "denylist.sequence"), 3);
	assert_int_equal(status_int(&d, "denylist.reloads_ok"), 2);
	expect_tap(&d, "chen72", "grant", "ok");
	expect_tap(&d, "zhao_lost", "deny", "denylisted");
	assert_int_equal(status_int(&d, "taps"), 8);
	assert_int_equal(status_int(&d, "denials_by_reason.denylisted"), 4);
	daemon_down(&d);
	assert_int_equal(notify_expect(nfd, "STOPPING=1", 1000), 0);
	close(nfd);
}

/* The canteen daemon on the real clock with the all-week lunch policy. */
static void test_canteen_daemon_demo_cards(void **state)
{
	struct daemon d;
	json_t *j;

	(void)state;
	daemon_up(&d, "canteen");
	j = tap(&d, "chen72");
	EXPECT(j, "grant", "ok");
	assert_string_equal(jstr(j, "granted"), "subsidy");
	assert_int_equal(jint(j, "subsidy_fen"), 1200);	/* min(12.00, cap 15.00) */
	check_hook(j);
	json_decref(j);
	expect_tap(&d, "chen72", "deny", "already_used");	/* a second lunch today */
	expect_tap(&d, "leung61hk", "deny", "not_eligible");
	expect_tap(&d, "li_expired", "deny", "expired");
	j = tap(&d, "zhao_lost");
	EXPECT(j, "deny", "denylisted");
	check_hook(j);
	json_decref(j);
	assert_int_equal(status_int(&d, "taps"), 5);
	assert_int_equal(status_int(&d, "grants"), 1);
	assert_int_equal(status_int(&d, "denials"), 4);
	assert_int_equal(status_int(&d, "denials_by_reason.already_used"), 1);
	assert_int_equal(status_int(&d, "denials_by_reason.not_eligible"), 1);
	daemon_down(&d);
}

/* `yinian tap` through pcscd with the built-in Shenzhen policy at fixed
 * times: weekday lunch, a second lunch, a Saturday, the afternoon. */
static void test_canteen_default_policy_tap_cli(void **state)
{
	static const struct {
		const char *card, *now, *verdict, *reason;
		int rc;
	} taps[] = {
		{ "chen72", "2026-12-02T12:05", "grant", "ok", 0 },	/* Wednesday lunch */
		{ "chen72", "2026-12-02T12:40", "deny", "already_used", 3 },
		{ "chen72", "2026-12-05T12:05", "deny", "not_workday", 3 },	/* Saturday */
		{ "chen72", "2026-12-07T15:00", "deny", "outside_lunch", 3 },	/* Monday */
		{ "chen72", "2026-12-07T11:00", "grant", "ok", 0 },
		{ "leung61hk", "2026-12-02T12:05", "deny", "not_eligible", 3 },
		{ "li_expired", "2026-12-02T12:05", "deny", "expired", 3 },
		{ "zhao_lost", "2026-12-02T12:05", "deny", "denylisted", 3 },
	};
	const char *served = "";
	char card[600], log[600], out[600], conf[600];
	pid_t pid = -1;
	size_t i;

	(void)state;
	path(conf, sizeof(conf), "till.conf");
	path(log, sizeof(log), "card-till.log");
	path(out, sizeof(out), "till-tap.json");
	for (i = 0; i < sizeof(taps) / sizeof(taps[0]); i++) {
		json_error_t je;
		json_t *j;
		int rc;

		if (strcmp(served, taps[i].card) != 0) {
			/* A copy: the daemon tests use the real date on the card. */
			if (pid > 0)
				assert_int_equal(card_remove(&pid), 0);
			path(card, sizeof(card), "cards/till-%s.card", taps[i].card);
			if (access(card, F_OK) != 0)
				assert_int_equal(sh("cp -p %s/cards/%s.card %s", dir, taps[i].card,
						    card), 0);
			pid = card_serve(card, log);
			served = taps[i].card;
		}
		rc = sh("%s tap --config %s --reader 'pcsc:%s' --now %s --json --timeout 5000 "
			">%s 2>>%s", Y, conf, pcsc_reader(), taps[i].now, out, log);
		j = json_load_file(out, 0, &je);
		if (j == NULL)
			fail_msg("yinian tap %s at %s: exit %d, no JSON: %s", taps[i].card,
				 taps[i].now, rc, slurp(log));
		EXPECT(j, taps[i].verdict, taps[i].reason);
		assert_int_equal(rc, taps[i].rc);
		assert_string_equal(jstr(j, "reader"), "pcsc:Virtual PCD 00 00");
		if (strcmp(taps[i].verdict, "grant") == 0)
			assert_int_equal(jint(j, "subsidy_fen"), 1200);
		json_decref(j);
		/* The same decision from the policy alone (yinian policy try). */
		if (strcmp(taps[i].card, "chen72") == 0 &&
		    strcmp(taps[i].reason, "already_used") != 0)
			assert_int_equal(sh("%s policy try --json --role canteen --now %s "
					    "--birth 1954-05-01 --categories dibao --district 1 "
					    "--valid 2026-01-01..2031-12-31 | "
					    "grep -q '\"reason\": \"%s\"'",
					    Y, taps[i].now, taps[i].reason), 0);
	}
	assert_int_equal(card_remove(&pid), 0);
	assert_int_equal(sh("%s journal verify %s/journal-till >/dev/null", Y, dir), 0);
}

/* The till with the built-in policy (weekday lunch) as a daemon on the real
 * clock: whatever the time, its decision is the policy's for that time. */
static void test_canteen_daemon_default_policy_real_clock(void **state)
{
	struct daemon d;
	json_t *j;
	const char *reason;

	(void)state;
	daemon_up(&d, "till");
	j = tap(&d, "pristine-chen72");
	reason = jstr(j, "reason");
	if (strcmp(reason, "ok") == 0) {
		EXPECT(j, "grant", "ok");
		assert_int_equal(jint(j, "subsidy_fen"), 1200);
	} else {
		assert_string_equal(jstr(j, "verdict"), "deny");
		assert_true(strcmp(reason, "not_workday") == 0 ||
			    strcmp(reason, "outside_lunch") == 0);
	}
	assert_int_equal(sh("%s policy try --json --role canteen --now %s --birth 1954-05-01 "
			    "--categories dibao --district 1 --valid 2026-01-01..2031-12-31 | "
			    "grep -q '\"reason\": \"%s\"'", Y, jstr(j, "time"), reason), 0);
	json_decref(j);
	daemon_down(&d);
}

/* One daemon, two readers (one thread each): cards on both at once are
 * decided independently, each event names its reader, the status lists
 * both readers. */
static void test_gate_two_readers_at_once(void **state)
{
	struct daemon d;
	char a[600], b[600], log[600];
	pid_t ca, cb;
	json_t *j1, *j2, *st, *rd;
	const char *r1, *r2;
	uint64_t dl;

	(void)state;
	daemon_up(&d, "pair");
	path(a, sizeof(a), "cards/leung61hk.card");
	path(b, sizeof(b), "cards/li_expired.card");
	path(log, sizeof(log), "card-pair.log");
	ca = card_serve_on(a, log, (unsigned)atoi(vpcd_port()));
	cb = card_serve_on(b, log, (unsigned)atoi(vpcd_port()) + 1);
	j1 = evc_expect(&d.ev, "decision", 8000);
	j2 = evc_expect(&d.ev, "decision", 8000);
	if (j1 == NULL || j2 == NULL)
		fail_msg("two readers: decisions missing; log:\n%s", slurp(d.err));
	if (jint(j1, "serial") == 10004) {	/* whichever came first */
		json_t *t = j1;

		j1 = j2;
		j2 = t;
	}
	EXPECT(j1, "grant", "ok");
	assert_int_equal(jint(j1, "serial"), 10002);
	EXPECT(j2, "deny", "expired");
	assert_int_equal(jint(j2, "serial"), 10004);
	r1 = jstr(j1, "reader");
	r2 = jstr(j2, "reader");
	assert_string_equal(r1, "pcsc:Virtual PCD 00 00");
	assert_string_equal(r2, "pcsc:Virtual PCD 00 01");
	assert_int_not_equal(jint(j1, "journal_seq"), jint(j2, "journal_seq"));
	st = daemon_status(d.sock);
	assert_non_null(st);
	rd = json_object_get(st, "readers");
	assert_int_equal(json_array_size(rd), 2);
	assert_string_equal(jstr(json_array_get(rd, 1), "uri"), "pcsc:Virtual PCD 00 01");
	assert_int_equal(jint(st, "taps"), 2);
	json_decref(st);
	json_decref(j1);
	json_decref(j2);
	assert_int_equal(card_remove(&ca), 0);
	assert_int_equal(card_remove(&cb), 0);
	/* Both readers wait for the next card again. */
	dl = yn_deadline_in_ms(5000);
	for (;;) {
		st = daemon_status(d.sock);
		rd = json_object_get(st, "readers");
		if (strcmp(jstr(json_array_get(rd, 0), "state"), "waiting") == 0 &&
		    strcmp(jstr(json_array_get(rd, 1), "state"), "waiting") == 0) {
			json_decref(st);
			break;
		}
		json_decref(st);
		if (yn_deadline_passed(dl))
			fail_msg("readers do not wait again after the cards left");
		yn_sleep_ms(50);
	}
	daemon_down(&d);
	assert_int_equal(sh("%s journal verify %s/journal-pair >/dev/null", Y, dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_desk_issues_through_pcsc, stop_all),
		cmocka_unit_test_teardown(test_gate_daemon_demo_cards, stop_all),
		cmocka_unit_test_teardown(test_gate_denylist_swap_on_sighup, stop_all),
		cmocka_unit_test_teardown(test_gate_two_readers_at_once, stop_all),
		cmocka_unit_test_teardown(test_canteen_daemon_demo_cards, stop_all),
		cmocka_unit_test_teardown(test_canteen_default_policy_tap_cli, stop_all),
		cmocka_unit_test_teardown(test_canteen_daemon_default_policy_real_clock, stop_all),
	};

	return cmocka_run_group_tests_name("yiniand daemon through pcscd", tests, setup, teardown);
}
