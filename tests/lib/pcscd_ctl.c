#include "tests/lib/pcscd_ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/clock.h"

#define PCSCD_BIN "/usr/sbin/pcscd"
#define PCSCD_SOCK "/run/pcscd/pcscd.comm"
#define VPCD_DRIVER "/usr/lib/pcsc/drivers/serial/libifdvpcd.so"

static pid_t mine = -1;	/* the pcscd this process started */
static int at_exit_set;

static void stop_mine(void)
{
	if (mine > 0)
		(void)yn_pcscd_stop();
}

static int sock_present(void)
{
	struct stat st;

	return stat(PCSCD_SOCK, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* A process that is gone or a zombie (its parent reaps it). */
static int gone(pid_t pid)
{
	char path[64], buf[256], *rp;
	FILE *f;
	int dead = 0;

	if (kill(pid, 0) != 0)
		return errno == ESRCH;
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return 1;
	/* "pid (comm) S ...": the state follows the last ')'. */
	if (fgets(buf, sizeof(buf), f) != NULL && (rp = strrchr(buf, ')')) != NULL)
		dead = rp[1] == ' ' && rp[2] == 'Z';
	fclose(f);
	return dead;
}

static void record(pid_t pid)
{
	const char *pf = getenv("YN_PCSCD_PIDFILE");
	FILE *f;

	if (pf == NULL || (f = fopen(pf, "w")) == NULL)
		return;
	if (pid > 0)
		fprintf(f, "%d\n", (int)pid);
	fclose(f);
}

static pid_t current_pid(void)
{
	const char *pf = getenv("YN_PCSCD_PIDFILE"), *env = getenv("YN_PCSCD_PID");
	FILE *f;
	int pid = -1;

	if (pf != NULL && (f = fopen(pf, "r")) != NULL) {
		if (fscanf(f, "%d", &pid) != 1)
			pid = -1;
		fclose(f);
	}
	if (pid <= 0 && env != NULL)
		pid = atoi(env);
	return pid > 0 ? (pid_t)pid : -1;
}

pid_t yn_pcscd_pid(void)
{
	return mine > 0 ? mine : current_pid();
}

int yn_pcscd_stop(void)
{
	uint64_t until = yn_deadline_in_ms(5000);
	pid_t pid;
	int st;

	if (mine > 0) {
		pid = mine;
		mine = -1;
		kill(pid, SIGTERM);
		while (waitpid(pid, &st, WNOHANG) == 0) {
			if (yn_deadline_passed(until)) {
				kill(pid, SIGKILL);
				waitpid(pid, &st, 0);
				break;
			}
			yn_sleep_ms(2);
		}
	} else {
		if ((pid = current_pid()) <= 0)
			return -1;
		if (kill(pid, SIGTERM) != 0 && errno != ESRCH)
			return -1;
		while (!gone(pid)) {
			if (yn_deadline_passed(until))
				return -1;
			yn_sleep_ms(2);
		}
	}
	record(-1);
	/* On SIGTERM pcscd removes its socket and PID file on the way out. */
	while (sock_present()) {
		if (yn_deadline_passed(until))
			return -1;
		yn_sleep_ms(2);
	}
	return 0;
}

static int listening_in(const char *file, uint16_t port)
{
	char line[512];
	unsigned lport, state;
	FILE *f = fopen(file, "r");
	int found = 0;

	if (f == NULL)
		return 0;
	/* "  sl  local_address rem_address   st ...": local is HEXADDR:HEXPORT,
	 * st 0A is LISTEN.  The first line is the header. */
	if (fgets(line, sizeof(line), f) == NULL) {
		fclose(f);
		return 0;
	}
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		char *colon = strchr(line, ':');

		colon = colon ? strchr(colon + 1, ':') : NULL;
		if (colon == NULL)
			continue;
		if (sscanf(colon + 1, "%x %*s %x", &lport, &state) == 2 && lport == port &&
		    state == 0x0A)
			found = 1;
	}
	fclose(f);
	return found;
}

int yn_tcp_listening(uint16_t port)
{
	return listening_in("/proc/net/tcp", port) || listening_in("/proc/net/tcp6", port);
}

int yn_pcscd_start(const char *confdir, const uint16_t *ports, size_t n)
{
	const char *log = getenv("YN_PCSCD_LOG");
	uint64_t until = yn_deadline_in_ms(5000);
	pid_t pid;
	size_t i;
	int st;

	if (confdir == NULL && (confdir = getenv("YN_PCSC_CONF")) == NULL)
		return -1;
	if (mine > 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open(log != NULL ? log : "/dev/null", O_WRONLY | O_APPEND | O_CREAT,
			      0644);

		setpgid(0, 0);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
			close(fd);
		}
		if (getenv("YN_PCSCD_DEBUG") != NULL)
			execl(PCSCD_BIN, PCSCD_BIN, "-f", "-d", "-a", "-c", confdir, (char *)NULL);
		else
			execl(PCSCD_BIN, PCSCD_BIN, "-f", "-c", confdir, (char *)NULL);
		_exit(127);
	}
	mine = pid;
	record(pid);
	if (!at_exit_set) {
		/* Our pcscd is our child: stop and reap it when the test
		 * exits, rather than leave the rig an orphan that stays a
		 * zombie until init reaps it (a zombie pcscd looks like a
		 * running one to the next rig). */
		atexit(stop_mine);
		at_exit_set = 1;
	}
	for (;;) {
		int ready = sock_present();

		for (i = 0; ready && i < n; i++)
			ready = yn_tcp_listening(ports[i]);
		if (ready)
			return 0;
		if (waitpid(pid, &st, WNOHANG) == pid) {
			fprintf(stderr, "pcscd_ctl: pcscd exited at start (status %d)\n", st);
			mine = -1;
			record(-1);
			return -1;
		}
		if (yn_deadline_passed(until)) {
			fprintf(stderr, "pcscd_ctl: pcscd not ready within 5 s\n");
			yn_pcscd_stop();
			return -1;
		}
		yn_sleep_ms(2);
	}
}

int yn_pcscd_conf_vpcd(const char *dir, const char *name, const char *friendly, uint16_t port)
{
	char path[512];
	FILE *f;
	int ok;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "FRIENDLYNAME \"%s\"\nDEVICENAME   /dev/null:%u\nLIBPATH      %s\n"
		"CHANNELID    %u\n", friendly, port, VPCD_DRIVER, port);
	ok = ferror(f) == 0;
	return fclose(f) == 0 && ok ? 0 : -1;
}
