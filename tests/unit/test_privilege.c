/*
 * Least privilege at the terminal.
 *
 * Library level (yn_term_open, what yiniand runs at start-up): secret key
 * files readable or writable by group or others and a key directory
 * writable by them are refused, the error naming the file and the fix; the
 * keys of other roles lying in the directory are never loaded (nor even
 * looked at: their modes do not matter), and each role holds exactly the
 * masters DESIGN §1 gives it.
 *
 * Process level: yiniand, while it runs (here: waiting for a reader that
 * never comes), has no_new_privs set and a seccomp filter in every thread,
 * and stops cleanly on SIGTERM.
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/err.h"
#include "base/log.h"
#include "card/keyset.h"
#include "card/yinian_app.h"
#include "tests/lib/fixture.h"
#include "tests/lib/testlib.h"
#include "validator/terminal.h"

/* The daemon under test, stopped by the teardown if a check fails. */
static pid_t daemon_pid = -1;

static int stop_daemon(void **state)
{
	(void)state;
	if (daemon_pid > 0)
		yn_test_stop(daemon_pid);
	daemon_pid = -1;
	return 0;
}

struct rig {
	struct yn_fixture f;
	char keys[700];
	int n;
};

static void rig_up(struct rig *g)
{
	memset(g, 0, sizeof(*g));
	assert_int_equal(yn_fixture_init(&g->f, (int64_t)time(NULL)), 0);
}

static void rig_down(struct rig *g)
{
	yn_fixture_free(&g->f);
}

/* A fresh copy of the full key set (mode 0700, files as generated). */
static const char *fresh_keys(struct rig *g)
{
	char cmd[2000];

	snprintf(g->keys, sizeof(g->keys), "%s/keys-%d", g->f.dir, g->n++);
	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", g->f.keys, g->keys);
	assert_int_equal(system(cmd), 0);
	return g->keys;
}

static void chmod_in(struct rig *g, const char *file, mode_t mode)
{
	char p[800];

	snprintf(p, sizeof(p), "%s/%s", g->keys, file);
	assert_int_equal(chmod(p, mode), 0);
}

/* Open a terminal of role on the key directory keys; returns the code and
 * the error text. */
static int term_open(struct rig *g, enum yn_role role, const char *keys, struct yn_term *t,
		     char *err, size_t cap)
{
	struct yn_config *cfg = calloc(1, sizeof(*cfg));
	int r;

	assert_non_null(cfg);
	yn_fixture_config(&g->f, cfg, role, "emu:unused", 1200);
	snprintf(cfg->keys_dir, sizeof(cfg->keys_dir), "%s", keys);
	snprintf(cfg->journal_dir, sizeof(cfg->journal_dir), "%s/journal-%d", g->f.dir, g->n++);
	err[0] = '\0';
	r = yn_term_open(t, cfg, err, cap);
	if (r != 0)
		free(cfg);
	return r;
}

static void term_close(struct yn_term *t)
{
	struct yn_config *cfg = (struct yn_config *)t->cfg;

	yn_term_close(t);
	free(cfg);
}

static void expect_refused(struct rig *g, enum yn_role role, const char *file, const char *fix)
{
	struct yn_term t;
	char err[1024], path[800];
	int r;

	r = term_open(g, role, g->keys, &t, err, sizeof(err));
	if (r == 0) {
		term_close(&t);
		fail_msg("%s: started with a bad mode on %s", yn_role_name(role), file);
	}
	assert_int_equal(r, YN_EKEYPERM);
	snprintf(path, sizeof(path), "%s%s%s", g->keys, file[0] ? "/" : "", file);
	if (strstr(err, path) == NULL || strstr(err, fix) == NULL)
		fail_msg("the refusal does not name %s and '%s': %s", path, fix, err);
}

static void test_privilege_secret_readable_by_others_refused(void **state)
{
	static const mode_t modes[] = { 0640, 0604, 0660, 0602, 0620 };
	struct rig g;
	size_t i;

	(void)state;
	rig_up(&g);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		fresh_keys(&g);
		chmod_in(&g, "aes1-read.key", modes[i]);
		expect_refused(&g, YN_ROLE_GATE, "aes1-read.key", "chmod 600");
		fresh_keys(&g);
		chmod_in(&g, "aes2-trip-write.key", modes[i]);
		expect_refused(&g, YN_ROLE_GATE, "aes2-trip-write.key", "chmod 600");
		fresh_keys(&g);
		chmod_in(&g, "aes3-benefit-debit.key", modes[i]);
		expect_refused(&g, YN_ROLE_CANTEEN, "aes3-benefit-debit.key", "chmod 600");
		expect_refused(&g, YN_ROLE_SERVICE, "aes3-benefit-debit.key", "chmod 600");
	}
	rig_down(&g);
}

static void test_privilege_key_dir_writable_by_others_refused(void **state)
{
	static const mode_t modes[] = { 0777, 0770, 0707, 0722, 0702 };
	struct rig g;
	size_t i;

	(void)state;
	rig_up(&g);
	for (i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		fresh_keys(&g);
		assert_int_equal(chmod(g.keys, modes[i]), 0);
		expect_refused(&g, YN_ROLE_GATE, "", "chmod 700");
		expect_refused(&g, YN_ROLE_SERVICE, "", "chmod 700");
	}
	/* Readable (not writable) by others is fine: the secrets are 0600. */
	fresh_keys(&g);
	assert_int_equal(chmod(g.keys, 0755), 0);
	{
		struct yn_term t;
		char err[1024];

		if (term_open(&g, YN_ROLE_GATE, g.keys, &t, err, sizeof(err)) != 0)
			fail_msg("a 0755 key directory refused: %s", err);
		term_close(&t);
	}
	rig_down(&g);
}

/* Each role loads exactly its masters; another role's secrets, even with
 * careless modes, are never opened. */
static void test_privilege_each_role_loads_only_its_keys(void **state)
{
	static const struct {
		enum yn_role role;
		int has[YN_APP_NKEYS];
		const char *careless[3];	/* other roles' secrets, chmod 0644 */
	} roles[] = {
		{ YN_ROLE_GATE, { 0, 1, 1, 0, 0 },
		  { "aes3-benefit-debit.key", "aes4-credit.key", "issuer.key" } },
		{ YN_ROLE_CANTEEN, { 0, 1, 0, 1, 0 },
		  { "aes2-trip-write.key", "aes0-app-master.key", "denylist.key" } },
		{ YN_ROLE_SERVICE, { 0, 1, 0, 1, 0 },
		  { "aes2-trip-write.key", "aes4-credit.key", "issuer.key" } },
	};
	struct rig g;
	size_t i, k;

	(void)state;
	rig_up(&g);
	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		struct yn_term t;
		char err[1024];

		fresh_keys(&g);
		for (k = 0; k < 3; k++)
			chmod_in(&g, roles[i].careless[k], 0644);
		if (term_open(&g, roles[i].role, g.keys, &t, err, sizeof(err)) != 0)
			fail_msg("%s: refused because of another role's key: %s",
				 yn_role_name(roles[i].role), err);
		for (k = 0; k < YN_APP_NKEYS; k++)
			if ((t.keys.master[k] != NULL) != roles[i].has[k])
				fail_msg("%s: master key %zu is %s", yn_role_name(roles[i].role), k,
					 t.keys.master[k] ? "loaded" : "missing");
		assert_null(t.keys.issuer_priv);
		assert_null(t.keys.denylist_priv);
		assert_non_null(t.keys.issuer_pub);
		term_close(&t);
	}
	/* A role's own key missing is refused, naming it. */
	{
		struct yn_term t;
		char err[1024], p[800];

		fresh_keys(&g);
		snprintf(p, sizeof(p), "%s/aes2-trip-write.key", g.keys);
		assert_int_equal(unlink(p), 0);
		assert_int_equal(term_open(&g, YN_ROLE_GATE, g.keys, &t, err, sizeof(err)), YN_ENOENT);
		if (strstr(err, p) == NULL)
			fail_msg("missing key not named: %s", err);
		/* ... and a canteen does not need it. */
		if (term_open(&g, YN_ROLE_CANTEEN, g.keys, &t, err, sizeof(err)) != 0)
			fail_msg("canteen refused without the gate's key: %s", err);
		term_close(&t);
	}
	rig_down(&g);
}

/* Fields of /proc/PID[/task/TID]/status. */
static int status_field(const char *path, const char *name, long *v)
{
	char line[256];
	size_t n = strlen(name);
	FILE *f = fopen(path, "r");
	int found = 0;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, name, n) == 0 && line[n] == ':') {
			*v = strtol(line + n + 1, NULL, 10);
			found = 1;
			break;
		}
	fclose(f);
	return found;
}

static void test_privilege_daemon_runs_with_no_new_privs_and_seccomp(void **state)
{
	struct rig g;
	char conf[800], text[3000], yiniand[600], a1[] = "--config", ppath[300];
	const char *b = getenv("YN_BUILD");
	long nnp = -1, sec = -1;
	pid_t pid;
	int i, st, tasks = 0;

	(void)state;
	snprintf(yiniand, sizeof(yiniand), "%s/yiniand", b ? b : "build");
	if (access(yiniand, X_OK) != 0)
		fail_msg("%s must be built first (make all)", yiniand);
	rig_up(&g);
	/* A reader whose card file does not exist: the daemon starts, then
	 * keeps retrying the reader: it runs and waits. */
	snprintf(conf, sizeof(conf), "%s/gate.conf", g.f.dir);
	snprintf(text, sizeof(text),
		 "[terminal]\nid = PRIV-1\nrole = gate\nline = 1\nstation = 10\n"
		 "[readers]\nreader = emu:%s/no-such.card\n[keys]\ndir = %s\n"
		 "[denylist]\nfile = %s\ntrusted_key = %s/denylist.pub\n"
		 "[journal]\ndir = %s/journal-priv\n[output]\njson_stdout = no\n",
		 g.f.dir, g.f.keys, g.f.denylist, g.f.keys, g.f.dir);
	{
		FILE *f = fopen(conf, "w");

		assert_non_null(f);
		fputs(text, f);
		fclose(f);
	}
	{
		char *argv[] = { yiniand, a1, conf, NULL };

		pid = yn_test_spawn(argv);
		daemon_pid = pid;
	}
	assert_true(pid > 0);
	snprintf(ppath, sizeof(ppath), "/proc/%d/status", (int)pid);
	/* The filter goes on after start-up (keys, lists, journal loaded). */
	for (i = 0; i < 500; i++) {
		if (status_field(ppath, "Seccomp", &sec) && sec == 2)
			break;
		if (waitpid(pid, &st, WNOHANG) == pid)
			fail_msg("yiniand exited before running (status %#x)", st);
		usleep(10000);
	}
	assert_int_equal(sec, 2);
	assert_true(status_field(ppath, "NoNewPrivs", &nnp));
	assert_int_equal(nnp, 1);
	/* Let the reader thread start, then look at every thread. */
	usleep(300000);
	{
		char tdir[300];
		DIR *d;
		struct dirent *e;

		snprintf(tdir, sizeof(tdir), "/proc/%d/task", (int)pid);
		d = opendir(tdir);
		assert_non_null(d);
		while ((e = readdir(d)) != NULL) {
			char tp[600];

			if (e->d_name[0] == '.')
				continue;
			snprintf(tp, sizeof(tp), "%s/%s/status", tdir, e->d_name);
			assert_true(status_field(tp, "Seccomp", &sec));
			assert_int_equal(sec, 2);
			assert_true(status_field(tp, "NoNewPrivs", &nnp));
			assert_int_equal(nnp, 1);
			tasks++;
		}
		closedir(d);
	}
	assert_true(tasks >= 2);	/* main + reader thread at least */
	st = yn_test_stop(pid);
	daemon_pid = -1;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	rig_down(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_privilege_secret_readable_by_others_refused),
		cmocka_unit_test(test_privilege_key_dir_writable_by_others_refused),
		cmocka_unit_test(test_privilege_each_role_loads_only_its_keys),
		cmocka_unit_test_teardown(test_privilege_daemon_runs_with_no_new_privs_and_seccomp,
					  stop_daemon),
	};

	yn_log_set_level(YN_LOG_ERR - 1);
	return cmocka_run_group_tests_name("privilege", tests, NULL, NULL);
}
