/*
 * Shared by the yiniand PC/SC tests (test_yiniand_*.c, each run alone
 * under scripts/pcsc-rig): running the yinian tool, yiniand as a daemon,
 * the software card on the vpcd reader, and a client of the daemon's event
 * socket.  Every process is started here and stopped by its PID.
 * Included by exactly one test program each (static functions).
 */
#ifndef YN_TEST_YINIAND_UTIL_H
#define YN_TEST_YINIAND_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/clock.h"
#include "tests/lib/testlib.h"

static __attribute__((unused)) const char *build_dir(void)
{
	const char *b = getenv("YN_BUILD");

	return b != NULL ? b : "build";
}

static __attribute__((unused)) const char *vpcd_port(void)
{
	const char *p = getenv("YN_VPCD_PORT");

	return p != NULL ? p : "35963";
}

static __attribute__((unused)) const char *pcsc_reader(void)
{
	const char *r = getenv("YN_PCSC_READER");

	return r != NULL ? r : "Virtual PCD 00 00";
}

/* Run a shell command line (printf-style); returns its exit status, or -1
 * if it did not exit normally. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static __attribute__((unused)) int sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

/* Every process started here, so that a failed test (cmocka leaves the test
 * function at the failed assertion) leaves nothing running: stop_all. */
static __attribute__((unused)) pid_t started[64];

static __attribute__((unused)) void track(pid_t pid)
{
	size_t i;

	for (i = 0; i < sizeof(started) / sizeof(started[0]); i++)
		if (started[i] <= 0) {
			started[i] = pid;
			return;
		}
}

/* Forget a tracked process that was reaped elsewhere. */
static __attribute__((unused)) void untrack(pid_t pid)
{
	size_t i;

	for (i = 0; i < sizeof(started) / sizeof(started[0]); i++)
		if (started[i] == pid)
			started[i] = 0;
}

/* yn_test_stop for a tracked process: SIGTERM, wait (SIGKILL after 5 s). */
static __attribute__((unused)) int stop(pid_t pid)
{
	size_t i;

	for (i = 0; i < sizeof(started) / sizeof(started[0]); i++)
		if (started[i] == pid)
			started[i] = 0;
	return yn_test_stop(pid);
}

/* Stop whatever a test left running (a cmocka teardown). */
static __attribute__((unused)) int stop_all(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(started) / sizeof(started[0]); i++)
		if (started[i] > 0) {
			yn_test_stop(started[i]);
			started[i] = 0;
		}
	return 0;
}

/* Start argv[0] in its own process group with stdout and stderr appended to
 * out and err (NULL: /dev/null).  Returns the PID (stop it with
 * yn_test_stop) or -1. */
static __attribute__((unused)) pid_t spawn_logged(char *const argv[], const char *out, const char *err)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fo = open(out ? out : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);
		int fe = open(err ? err : "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0600);

		setpgid(0, 0);
		if (fo < 0 || fe < 0 || dup2(fo, 1) < 0 || dup2(fe, 2) < 0)
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	setpgid(pid, pid);
	track(pid);
	return pid;
}

/* The software card in state file `state` on the vpcd reader at port
 * (0: the rig's first reader, "Virtual PCD 00 00"; +1 is "... 00 01"). */
static __attribute__((unused)) pid_t card_serve_on(const char *state, const char *log,
						   unsigned port)
{
	char prog[512], addr[64];
	char *argv[] = { prog, (char *)"card", (char *)"serve", (char *)"--state", (char *)state,
			 (char *)"--vpcd", addr, NULL };

	snprintf(prog, sizeof(prog), "%s/yinian", build_dir());
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port ? port : (unsigned)atoi(vpcd_port()));
	return spawn_logged(argv, log, log);
}

static __attribute__((unused)) pid_t card_serve(const char *state, const char *log)
{
	return card_serve_on(state, log, 0);
}

/* Take the card away: stop its process; 0 once it is gone (it exits 0 on
 * SIGTERM, or dies of it if it was still starting). */
static __attribute__((unused)) int card_remove(pid_t *pid)
{
	int st = stop(*pid);

	*pid = -1;
	if (st == -1)
		return -1;
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	return WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM ? 0 : -1;
}

/*
 * Before a new PC/SC client starts: let pcscd notice that the last card was
 * taken away (it polls vpcd every 400 ms).  A client that meets a card
 * pcscd still believes present fails its first exchange, and the reader
 * backend's warm reset of that vanished card (reader/pcsc.c,
 * classify_failure) wedges vpcd 0.8: pcscd then sees no card on the reader
 * again.  Only the virtual reader has this quirk.
 */
static __attribute__((unused)) void settle(void)
{
	yn_sleep_ms(1000);
}

static __attribute__((unused)) pid_t daemon_start(const char *config, const char *out, const char *err)
{
	char prog[512];
	char *argv[] = { prog, (char *)"--config", (char *)config, (char *)"-v", NULL, NULL };

	if (getenv("YN_TEST_DEBUG") != NULL)
		argv[4] = (char *)"-v";

	snprintf(prog, sizeof(prog), "%s/yiniand", build_dir());
	return spawn_logged(argv, out, err);
}

/* Wait for a child to exit by itself within ms; its wait status, or -1
 * (then it is still running). */
static __attribute__((unused)) int wait_exit(pid_t pid, unsigned ms)
{
	int st, i;

	for (i = 0; i < (int)ms / 10; i++) {
		pid_t w = waitpid(pid, &st, WNOHANG);

		if (w == pid)
			return st;
		if (w < 0)
			return -1;
		yn_sleep_ms(10);
	}
	return -1;
}

/* ---- event socket client ---------------------------------------------- */

struct evc {
	int fd;
	char buf[65536];
	size_t len;
};

/* Connect to the daemon's event socket, retrying for up to ms while the
 * daemon starts.  0 or -1. */
static __attribute__((unused)) int evc_connect(struct evc *c, const char *path, unsigned ms)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	uint64_t dl = yn_deadline_in_ms(ms);

	c->len = 0;
	c->fd = -1;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	while (!yn_deadline_passed(dl)) {
		c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (c->fd < 0)
			return -1;
		if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return 0;
		close(c->fd);
		c->fd = -1;
		yn_sleep_ms(20);
	}
	return -1;
}

static __attribute__((unused)) void evc_close(struct evc *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

static __attribute__((unused)) int evc_send(struct evc *c, const char *s)
{
	size_t n = strlen(s);

	return send(c->fd, s, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

/* The next line from the socket as JSON (caller json_decref), or NULL on
 * timeout, end of stream or a line that is not JSON (reported). */
static __attribute__((unused)) json_t *evc_line(struct evc *c, unsigned ms)
{
	uint64_t dl = yn_deadline_in_ms(ms);

	for (;;) {
		char *nl = memchr(c->buf, '\n', c->len);
		struct pollfd p = { .fd = c->fd, .events = POLLIN };
		uint64_t left;
		ssize_t n;

		if (nl != NULL) {
			json_error_t je;
			size_t used = (size_t)(nl - c->buf) + 1;
			json_t *j = json_loadb(c->buf, used - 1, 0, &je);

			if (j == NULL)
				fprintf(stderr, "event socket: not JSON: %.*s (%s)\n",
					(int)(used - 1), c->buf, je.text);
			memmove(c->buf, c->buf + used, c->len - used);
			c->len -= used;
			return j;
		}
		if (yn_deadline_passed(dl) || c->len == sizeof(c->buf))
			return NULL;
		left = (dl - yn_now_ns()) / YN_NS_PER_MS;
		if (poll(&p, 1, (int)(left > 0 ? left : 1)) <= 0)
			continue;
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n <= 0)
			return NULL;
		c->len += (size_t)n;
	}
}

/* The next line of the given type ("decision", "status", "pong"...),
 * skipping others; NULL on timeout. */
static __attribute__((unused)) json_t *evc_expect(struct evc *c, const char *type, unsigned ms)
{
	uint64_t dl = yn_deadline_in_ms(ms);

	while (!yn_deadline_passed(dl)) {
		json_t *j = evc_line(c, (unsigned)((dl - yn_now_ns()) / YN_NS_PER_MS) + 1);
		const char *t;

		if (j == NULL)
			return NULL;
		t = json_string_value(json_object_get(j, "type"));
		if (t != NULL && strcmp(t, type) == 0)
			return j;
		json_decref(j);
	}
	return NULL;
}

/* A status request on a connection of its own. */
static __attribute__((unused)) json_t *daemon_status(const char *sock)
{
	struct evc c;
	json_t *j = NULL;

	if (evc_connect(&c, sock, 2000) != 0)
		return NULL;
	if (evc_send(&c, "status\n") == 0)
		j = evc_expect(&c, "status", 3000);
	evc_close(&c);
	return j;
}

static __attribute__((unused)) long long jint(json_t *j, const char *path)
{
	char key[128];
	const char *dot;
	json_t *v = j;

	/* "a.b.c": nested objects */
	while ((dot = strchr(path, '.')) != NULL) {
		snprintf(key, sizeof(key), "%.*s", (int)(dot - path), path);
		v = json_object_get(v, key);
		path = dot + 1;
	}
	v = json_object_get(v, path);
	if (!json_is_integer(v))
		return -1;
	return (long long)json_integer_value(v);
}

static __attribute__((unused)) const char *jstr(json_t *j, const char *key)
{
	const char *s = json_string_value(json_object_get(j, key));

	return s != NULL ? s : "(none)";
}

/* One number from a fresh status ("taps", "denylist.sequence"); -1 if the
 * daemon does not answer or has no such number. */
static __attribute__((unused)) long long status_int_of(const char *sock, const char *key)
{
	json_t *st = daemon_status(sock);
	long long v = st != NULL ? jint(st, key) : -1;

	json_decref(st);
	return v;
}

/* The first reader's state in a status line. */
static __attribute__((unused)) const char *reader_state(json_t *status)
{
	return jstr(json_array_get(json_object_get(status, "readers"), 0), "state");
}

/* Poll the status until the reader reports state (e.g. "waiting" after a
 * card was taken away); 0 or -1 after ms. */
static __attribute__((unused)) int wait_reader_state(const char *sock, const char *state, unsigned ms)
{
	uint64_t dl = yn_deadline_in_ms(ms);

	while (!yn_deadline_passed(dl)) {
		json_t *s = daemon_status(sock);
		int hit = s != NULL && strcmp(reader_state(s), state) == 0;

		json_decref(s);
		if (hit)
			return 0;
		yn_sleep_ms(50);
	}
	return -1;
}

/* ---- sd_notify: a datagram socket standing in for systemd ------------ */

/* Bind a datagram socket at path and point NOTIFY_SOCKET at it for the
 * processes started from now on; the fd, or -1. */
static __attribute__((unused)) int notify_open(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	setenv("NOTIFY_SOCKET", path, 1);
	return fd;
}

/* Read notifications until one holds the line want (e.g. "READY=1");
 * 0, or -1 after ms. */
static __attribute__((unused)) int notify_expect(int fd, const char *want, unsigned ms)
{
	uint64_t dl = yn_deadline_in_ms(ms);
	char buf[4096];

	while (!yn_deadline_passed(dl)) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;
		char *line, *save = NULL;

		if (poll(&p, 1, 50) <= 0)
			continue;
		n = recv(fd, buf, sizeof(buf) - 1, 0);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		for (line = strtok_r(buf, "\n", &save); line != NULL;
		     line = strtok_r(NULL, "\n", &save))
			if (strcmp(line, want) == 0)
				return 0;
	}
	return -1;
}

/* Whole file into a malloc'd string ("" if missing). */
static __attribute__((unused)) char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *s;
	long n;

	if (f == NULL)
		return strdup("");
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	s = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
	if (s != NULL && n > 0 && fread(s, 1, (size_t)n, f) != (size_t)n)
		s[0] = '\0';
	fclose(f);
	return s;
}

static __attribute__((unused)) void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		abort();
	}
}

#endif
