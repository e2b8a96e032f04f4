#include "tests/lib/testlib.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/bytes.h"

pid_t yn_test_spawn(char *const argv[])
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		setpgid(0, 0);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

int yn_test_stop(pid_t pid)
{
	int status = -1, i;
	struct timespec ts = { 0, 20 * 1000 * 1000 };

	if (pid <= 0)
		return -1;
	kill(-pid, SIGTERM);
	kill(pid, SIGTERM);
	for (i = 0; i < 250; i++) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			return status;
		if (w < 0)
			return -1;
		nanosleep(&ts, NULL);
	}
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) != pid)
		return -1;
	return status;
}

const char *yn_test_prog(const char *name)
{
	static char buf[512];
	const char *b = getenv("YN_BUILD");

	snprintf(buf, sizeof(buf), "%s/tests/%s", b ? b : "build", name);
	return buf;
}

char *yn_test_tmpdir(void)
{
	char tmpl[] = "/tmp/yn-test.XXXXXX";
	char *d = mkdtemp(tmpl);

	return d ? strdup(d) : NULL;
}

void yn_test_rmtree(const char *path)
{
	char cmd[600];

	if (path == NULL || strncmp(path, "/tmp/yn-", 8) != 0)
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", path);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", path);
}

size_t yn_test_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;

	if (yn_hex_decode(hex, out, cap, &n) != 0) {
		fprintf(stderr, "bad hex fixture: %s\n", hex);
		abort();
	}
	return n;
}
