#include "validator/emitter.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "validator/events.h"

#define QUEUE_LEN 256
#define MAX_CLIENTS 16
#define MAX_HOOKS 8
#define LINE_MAX_LEN 2048


struct client {
	int fd;
	char in[128];
	size_t in_len;
};

struct hook_run {
	pid_t pid;
	uint64_t started;
};

struct yn_emitter {
	const struct yn_config *cfg;
	struct yn_metrics *metrics;
	pthread_t thread;
	pthread_mutex_t lock;
	struct yn_outcome queue[QUEUE_LEN];
	size_t head, count;
	uint64_t dropped;
	int stopping;
	int wake[2];
	int listen_fd;
	struct client clients[MAX_CLIENTS];
	struct hook_run hooks[MAX_HOOKS];
};

static void set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl >= 0)
		fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static int bind_socket(struct yn_emitter *e, const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		yn_err("event socket path too long: %s", path);
		return YN_EINVAL;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return YN_EIO;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || chmod(path, 0660) != 0 ||
	    listen(fd, 8) != 0) {
		yn_err("event socket %s: %s", path, strerror(errno));
		close(fd);
		return YN_EIO;
	}
	set_nonblock(fd);
	e->listen_fd = fd;
	return 0;
}

static void send_all_clients(struct yn_emitter *e, const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < MAX_CLIENTS; i++) {
		struct client *c = &e->clients[i];
		ssize_t n;

		if (c->fd < 0)
			continue;
		n = send(c->fd, line, len, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n != (ssize_t)len) {
			/* A partial line would corrupt the stream: drop the client. */
			yn_warn("event socket: dropping a client that does not keep up");
			close(c->fd);
			c->fd = -1;
		}
	}
}

static void reap_hooks(struct yn_emitter *e, int wait_all)
{
	size_t i;
	uint64_t limit = (uint64_t)e->cfg->hook_timeout_ms * YN_NS_PER_MS;

	for (i = 0; i < MAX_HOOKS; i++) {
		struct hook_run *h = &e->hooks[i];
		int status;

		if (h->pid <= 0)
			continue;
		for (;;) {
			pid_t w = waitpid(h->pid, &status, WNOHANG);

			if (w == h->pid) {
				if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
					yn_warn("hook %s exited with status %d", e->cfg->hook,
						WIFEXITED(status) ? WEXITSTATUS(status) : -1);
				h->pid = 0;
				break;
			}
			if (yn_now_ns() - h->started > limit) {
				yn_warn("hook %s took longer than %u ms: killed", e->cfg->hook,
					e->cfg->hook_timeout_ms);
				kill(h->pid, SIGKILL);
				waitpid(h->pid, &status, 0);
				h->pid = 0;
				break;
			}
			if (!wait_all)
				break;
			yn_sleep_ms(5);
		}
	}
}

static void run_hook(struct yn_emitter *e, const struct yn_outcome *o, const char *json)
{
	char v[64], rsn[64], msg[256], serial[48], uid[48], granted[48], sub[48], ev[LINE_MAX_LEN + 16];
	char uidhex[21] = "";
	char *argv[4], *envp[64];
	size_t i, n = 0, slot = MAX_HOOKS;
	pid_t pid;
	int rc;

	for (i = 0; i < MAX_HOOKS; i++)
		if (e->hooks[i].pid <= 0) {
			slot = i;
			break;
		}
	if (slot == MAX_HOOKS) {
		yn_warn("hook %s: %d still running; this decision's hook skipped", e->cfg->hook,
			MAX_HOOKS);
		return;
	}
	if (o->uid_len && o->uid_len <= 10)
		yn_hex_encode(o->uid, o->uid_len, uidhex, sizeof(uidhex));
	snprintf(v, sizeof(v), "YN_VERDICT=%s", yn_verdict_name(o->verdict));
	snprintf(rsn, sizeof(rsn), "YN_REASON=%s", o->reason);
	snprintf(msg, sizeof(msg), "YN_MESSAGE=%s", o->message);
	snprintf(serial, sizeof(serial), "YN_SERIAL=%llu", (unsigned long long)o->serial);
	snprintf(uid, sizeof(uid), "YN_UID=%s", uidhex);
	snprintf(granted, sizeof(granted), "YN_GRANTED=%s", o->granted);
	snprintf(sub, sizeof(sub), "YN_SUBSIDY_FEN=%u", o->subsidy_fen);
	snprintf(ev, sizeof(ev), "YN_EVENT_JSON=%s", json);
	n = strlen(ev);
	if (n > 0 && ev[n - 1] == '\n')
		ev[n - 1] = '\0';
	n = 0;
	envp[n++] = v;
	envp[n++] = rsn;
	envp[n++] = msg;
	envp[n++] = serial;
	envp[n++] = uid;
	envp[n++] = granted;
	envp[n++] = sub;
	envp[n++] = ev;
	for (i = 0; environ[i] && n < 63; i++)
		if (strncmp(environ[i], "PATH=", 5) == 0 || strncmp(environ[i], "LANG=", 5) == 0)
			envp[n++] = environ[i];
	envp[n] = NULL;
	argv[0] = (char *)e->cfg->hook;
	argv[1] = (char *)yn_verdict_name(o->verdict);
	argv[2] = (char *)o->reason;
	argv[3] = NULL;
	/* posix_spawn returns the error; it does not set errno. */
	if ((rc = posix_spawn(&pid, e->cfg->hook, NULL, NULL, argv, envp)) != 0) {
		yn_warn("hook %s: cannot run: %s", e->cfg->hook, strerror(rc));
		return;
	}
	e->hooks[slot].pid = pid;
	e->hooks[slot].started = yn_now_ns();
}

static void deliver(struct yn_emitter *e, const struct yn_outcome *o)
{
	char line[LINE_MAX_LEN], human[512];
	size_t len = 0;
	int r;

	yn_event_human(o, human, sizeof(human));
	yn_notice("%s", human);
	r = yn_event_json(o, e->cfg->terminal_id, line, sizeof(line), &len);
	if (r != 0) {
		yn_err("event not encoded: %s", yn_strerror(r));
		return;
	}
	if (e->cfg->json_stdout) {
		if (fwrite(line, 1, len, stdout) != len || fflush(stdout) != 0)
			yn_warn("stdout: %s", strerror(errno));
	}
	send_all_clients(e, line, len);
	if (e->cfg->hook[0])
		run_hook(e, o, line);
}

static void accept_clients(struct yn_emitter *e)
{
	for (;;) {
		int fd = accept4(e->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		size_t i;

		if (fd < 0)
			return;
		for (i = 0; i < MAX_CLIENTS; i++)
			if (e->clients[i].fd < 0)
				break;
		if (i == MAX_CLIENTS) {
			yn_warn("event socket: more than %d clients; refused one", MAX_CLIENTS);
			close(fd);
			continue;
		}
		e->clients[i].fd = fd;
		e->clients[i].in_len = 0;
	}
}

static void answer(struct yn_emitter *e, struct client *c, const char *req)
{
	char buf[8192];	/* a status line: up to 32 reasons, 4 reader URIs, a reload error */
	size_t len = 0;

	if (strcmp(req, "status") == 0) {
		if (yn_metrics_json(e->metrics, e->cfg->terminal_id, (int64_t)time(NULL), buf,
				    sizeof(buf), &len) != 0)
			return;
	} else if (strcmp(req, "ping") == 0) {
		len = (size_t)snprintf(buf, sizeof(buf), "{\"type\":\"pong\"}\n");
	} else {
		len = (size_t)snprintf(buf, sizeof(buf),
				       "{\"type\":\"error\",\"message\":\"unknown request (status, ping)\"}\n");
	}
	if (send(c->fd, buf, len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len) {
		close(c->fd);
		c->fd = -1;
	}
}

static void read_client(struct yn_emitter *e, struct client *c)
{
	ssize_t n = recv(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len, MSG_DONTWAIT);
	char *nl;

	if (n <= 0) {
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		close(c->fd);
		c->fd = -1;
		return;
	}
	c->in_len += (size_t)n;
	c->in[c->in_len] = '\0';
	while ((nl = strchr(c->in, '\n')) != NULL) {
		size_t used = (size_t)(nl - c->in) + 1;

		*nl = '\0';
		if (nl > c->in && nl[-1] == '\r')
			nl[-1] = '\0';
		answer(e, c, c->in);
		if (c->fd < 0)
			return;
		memmove(c->in, c->in + used, c->in_len - used);
		c->in_len -= used;
		c->in[c->in_len] = '\0';
	}
	if (c->in_len == sizeof(c->in) - 1) {
		close(c->fd);	/* a request line this long is not ours */
		c->fd = -1;
	}
}

static int hooks_running(const struct yn_emitter *e)
{
	size_t i;

	for (i = 0; i < MAX_HOOKS; i++)
		if (e->hooks[i].pid > 0)
			return 1;
	return 0;
}

static void *run(void *arg)
{
	struct yn_emitter *e = arg;

	for (;;) {
		struct pollfd pfd[2 + MAX_CLIENTS];
		struct client *who[2 + MAX_CLIENTS];
		struct yn_outcome o;
		size_t i, n = 0;
		int stop, have;

		pfd[n].fd = e->wake[0];
		pfd[n].events = POLLIN;
		who[n++] = NULL;
		if (e->listen_fd >= 0) {
			pfd[n].fd = e->listen_fd;
			pfd[n].events = POLLIN;
			who[n++] = NULL;
		}
		for (i = 0; i < MAX_CLIENTS; i++) {
			if (e->clients[i].fd < 0)
				continue;
			pfd[n].fd = e->clients[i].fd;
			pfd[n].events = POLLIN;
			who[n++] = &e->clients[i];
		}
		if (poll(pfd, n, hooks_running(e) ? 20 : -1) < 0 && errno != EINTR)
			yn_sleep_ms(10);
		if (pfd[0].revents & POLLIN) {
			char b[64];

			while (read(e->wake[0], b, sizeof(b)) > 0)
				;
		}
		if (e->listen_fd >= 0 && (pfd[1].revents & POLLIN))
			accept_clients(e);
		for (i = 0; i < n; i++)
			if (who[i] != NULL && who[i]->fd >= 0 && (pfd[i].revents & (POLLIN | POLLHUP)))
				read_client(e, who[i]);
		for (;;) {
			pthread_mutex_lock(&e->lock);
			have = e->count > 0;
			if (have) {
				o = e->queue[e->head];
				e->head = (e->head + 1) % QUEUE_LEN;
				e->count--;
			}
			stop = e->stopping;
			pthread_mutex_unlock(&e->lock);
			if (!have)
				break;
			deliver(e, &o);
		}
		reap_hooks(e, 0);
		if (stop)
			break;
	}
	reap_hooks(e, 1);
	return NULL;
}

int yn_emitter_start(const struct yn_config *cfg, struct yn_metrics *m, struct yn_emitter **out)
{
	struct yn_emitter *e;
	size_t i;
	int r;

	*out = NULL;
	e = calloc(1, sizeof(*e));
	if (e == NULL)
		return YN_ENOMEM;
	e->cfg = cfg;
	e->metrics = m;
	e->listen_fd = -1;
	for (i = 0; i < MAX_CLIENTS; i++)
		e->clients[i].fd = -1;
	pthread_mutex_init(&e->lock, NULL);
	if (pipe2(e->wake, O_NONBLOCK | O_CLOEXEC) != 0) {
		r = YN_EIO;
		goto fail;
	}
	if (cfg->socket_path[0] && (r = bind_socket(e, cfg->socket_path)) != 0)
		goto fail_pipe;
	if (pthread_create(&e->thread, NULL, run, e) != 0) {
		r = YN_ENOMEM;
		goto fail_sock;
	}
	*out = e;
	return 0;
fail_sock:
	if (e->listen_fd >= 0) {
		close(e->listen_fd);
		unlink(cfg->socket_path);
	}
fail_pipe:
	close(e->wake[0]);
	close(e->wake[1]);
fail:
	pthread_mutex_destroy(&e->lock);
	free(e);
	return r;
}

static void wake(struct yn_emitter *e)
{
	ssize_t n = write(e->wake[1], "x", 1);

	(void)n;	/* a full pipe already means "wake up" */
}

void yn_emitter_emit(struct yn_emitter *e, const struct yn_outcome *o)
{
	int dropped = 0;

	pthread_mutex_lock(&e->lock);
	if (e->count == QUEUE_LEN) {
		e->head = (e->head + 1) % QUEUE_LEN;
		e->count--;
		e->dropped++;
		dropped = 1;
	}
	e->queue[(e->head + e->count) % QUEUE_LEN] = *o;
	e->count++;
	pthread_mutex_unlock(&e->lock);
	if (dropped)
		yn_warn("event queue full: oldest decision event dropped (journal has it)");
	wake(e);
}

void yn_emitter_stop(struct yn_emitter *e)
{
	size_t i;

	if (e == NULL)
		return;
	pthread_mutex_lock(&e->lock);
	e->stopping = 1;
	pthread_mutex_unlock(&e->lock);
	wake(e);
	pthread_join(e->thread, NULL);
	for (i = 0; i < MAX_CLIENTS; i++)
		if (e->clients[i].fd >= 0)
			close(e->clients[i].fd);
	if (e->listen_fd >= 0) {
		close(e->listen_fd);
		unlink(e->cfg->socket_path);
	}
	close(e->wake[0]);
	close(e->wake[1]);
	pthread_mutex_destroy(&e->lock);
	free(e);
}
