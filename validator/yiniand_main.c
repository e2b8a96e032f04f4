/*
 * yiniand: the validator daemon for one terminal (gate, canteen till or
 * service point).  docs/operations.md tells an installer how to run it.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <seccomp.h>
#include <systemd/sd-daemon.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "reader/reader.h"
#include "validator/config.h"
#include "validator/emitter.h"
#include "validator/metrics.h"
#include "validator/tap.h"
#include "validator/terminal.h"

#define YINIAND_VERSION "0.1.0"

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;
static atomic_int fatal_error;
static atomic_int once_rc = 3;

struct reader_thread {
	pthread_t thread;
	size_t idx;
	const char *uri;
	struct yn_term *term;
	struct yn_metrics *metrics;
	struct yn_emitter *emitter;
	int once;
};

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		reload_requested = 1;
	else
		stop_requested = 1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: yiniand --config FILE [--check-config] [--once] [-v]\n"
		"       yiniand --version | --help\n"
		"\n"
		"The Yinian card validator daemon: one gate, canteen till or service point.\n"
		"It waits for cards on the configured readers, decides each tap offline\n"
		"(signed denylist, entitlement policy) within budget_ms, writes the card,\n"
		"journals the decision durably and emits it.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE   the configuration (INI; see docs/operations.md)\n"
		"      --check-config  load and check everything (config, keys, policy,\n"
		"                      denylist, journal) without touching a reader; exit\n"
		"  -1, --once          handle one tap, print it, exit (for scripts)\n"
		"  -v, --verbose       log at info level (twice: debug)\n"
		"      --version       print the version\n"
		"  -h, --help          this text\n"
		"\n"
		"Decisions: one JSON line each on stdout (unless json_stdout = no) and on the\n"
		"event socket ([output] socket), a human line in the log, and the optional\n"
		"hook command.  Send \"status\\n\" to the socket for metrics.\n"
		"\n"
		"Signals: SIGHUP reloads the denylist and the policy (a bad one is refused\n"
		"and the one in force stays); SIGTERM/SIGINT finish the tap in progress and\n"
		"exit.\n"
		"\n"
		"Exit status: 0 after SIGTERM (or --once: a grant), 1 start-up refused or a\n"
		"fatal error (e.g. the journal cannot be written), 2 usage or configuration\n"
		"error, 3 --once: the tap was denied or must be repeated.\n");
}

/* A syscall deny-list on top of NoNewPrivileges: what a validator never
 * needs, whatever the reader driver does.  The systemd unit adds an
 * allow-list (SystemCallFilter=@system-service). */
static int install_seccomp(void)
{
	static const int deny[] = {
#ifndef __SANITIZE_ADDRESS__
		/* LeakSanitizer stops the threads with ptrace at exit: an
		 * AddressSanitizer build (make asan) must keep it. */
		SCMP_SYS(ptrace),
#endif
		SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev),
		SCMP_SYS(mount), SCMP_SYS(umount2), SCMP_SYS(pivot_root), SCMP_SYS(chroot),
		SCMP_SYS(reboot), SCMP_SYS(kexec_load), SCMP_SYS(init_module),
		SCMP_SYS(finit_module), SCMP_SYS(delete_module), SCMP_SYS(swapon),
		SCMP_SYS(swapoff), SCMP_SYS(bpf), SCMP_SYS(perf_event_open), SCMP_SYS(keyctl),
		SCMP_SYS(add_key), SCMP_SYS(request_key), SCMP_SYS(setuid), SCMP_SYS(setgid),
		SCMP_SYS(setreuid), SCMP_SYS(setregid), SCMP_SYS(setresuid), SCMP_SYS(setresgid),
		SCMP_SYS(setgroups), SCMP_SYS(settimeofday), SCMP_SYS(clock_settime),
		SCMP_SYS(adjtimex), SCMP_SYS(unshare), SCMP_SYS(setns), SCMP_SYS(acct),
		SCMP_SYS(quotactl), SCMP_SYS(userfaultfd),
	};
	scmp_filter_ctx ctx;
	size_t i;
	int r = 0;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		yn_err("cannot set no_new_privs: %s", strerror(errno));
		return YN_EIO;
	}
	ctx = seccomp_init(SCMP_ACT_ALLOW);
	if (ctx == NULL)
		return YN_ENOMEM;
	/* Threads already running (the emitter's) get the filter and
	 * no_new_privs too: both are per thread in the kernel. */
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	for (i = 0; i < sizeof(deny) / sizeof(deny[0]) && r == 0; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), deny[i], 0);
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r != 0) {
		yn_err("cannot install the syscall filter: %s", strerror(-r));
		return YN_EIO;
	}
	return 0;
}

/* Sleep up to ms, waking early when a stop is requested. */
static void nap(uint32_t ms)
{
	while (ms > 0 && !stop_requested && !atomic_load(&fatal_error)) {
		uint32_t step = ms < 100 ? ms : 100;

		yn_sleep_ms(step);
		ms -= step;
	}
}

static void *reader_main(void *arg)
{
	struct reader_thread *rt = arg;
	struct yn_reader *rd = NULL;
	struct yn_tap_ctx ctx;
	struct yn_outcome o;
	uint32_t backoff = 100;
	int e, have_ctx = 0;

	while (!stop_requested && !atomic_load(&fatal_error)) {
		uint64_t t0;

		if (rd == NULL) {
			e = yn_reader_open(rt->uri, &rd);
			if (e != 0) {
				yn_metrics_reader_state(rt->metrics, rt->idx, rt->uri, "unavailable");
				yn_warn("reader %s: %s; retrying in %u ms", rt->uri, yn_strerror(e),
					backoff);
				nap(backoff);
				backoff = backoff < 5000 ? backoff * 2 : 5000;
				continue;
			}
			backoff = 100;
			if ((e = yn_tap_ctx_init(&ctx, rt->term, rd)) != 0) {
				yn_err("reader %s: %s", rt->uri, yn_strerror(e));
				atomic_store(&fatal_error, e);
				break;
			}
			have_ctx = 1;
			yn_metrics_reader_state(rt->metrics, rt->idx, rt->uri, "waiting");
			yn_info("reader %s: waiting for cards", rt->uri);
		}
		e = yn_reader_wait_card(rd, yn_deadline_in_ms(500));
		if (e == YN_ETIMEOUT)
			continue;
		if (e != 0) {
			yn_warn("reader %s: %s", rt->uri, yn_strerror(e));
			yn_metrics_reader_state(rt->metrics, rt->idx, rt->uri, "error");
			/* The backends recover from a restarted pcscd or a reader
			 * that comes back by themselves (within the next wait):
			 * only a broken reader is closed and opened again. */
			if (e == YN_EREADER) {
				yn_tap_ctx_free(&ctx);
				have_ctx = 0;
				yn_reader_close(rd);
				rd = NULL;
				nap(backoff);
			} else {
				nap(100);
			}
			continue;
		}
		t0 = yn_now_ns();
		yn_metrics_reader_state(rt->metrics, rt->idx, rt->uri, "card");
		e = yn_tap_run(&ctx, t0, (int64_t)time(NULL), &o);
		yn_metrics_record(rt->metrics, &o);
		yn_emitter_emit(rt->emitter, &o);
		if (e != 0) {
			atomic_store(&fatal_error, e);
			break;
		}
		if (rt->once) {
			atomic_store(&once_rc, o.verdict == YN_VERDICT_GRANT ? 0 : 3);
			stop_requested = 1;
			break;
		}
		/* One tap per presentation: wait until the card is taken away. */
		yn_reader_release(rd, YN_RELEASE_LEAVE);
		while (!stop_requested) {
			e = yn_reader_wait_removed(rd, yn_deadline_in_ms(500));
			if (e != YN_ETIMEOUT)
				break;
		}
		yn_metrics_reader_state(rt->metrics, rt->idx, rt->uri, "waiting");
	}
	if (have_ctx)
		yn_tap_ctx_free(&ctx);
	if (rd != NULL) {
		yn_reader_release(rd, YN_RELEASE_LEAVE);
		yn_reader_close(rd);
	}
	return NULL;
}

static void publish_denylist(struct yn_term *term, struct yn_metrics *m)
{
	const struct yn_denylist *dl;
	struct yn_dl_reader *dr = NULL;

	if (yn_dl_reader_new(term->dl, &dr) != 0)
		return;
	dl = yn_dl_reader_enter(dr);
	if (dl != NULL) {
		const struct yn_dl_header *h = yn_denylist_header(dl);

		yn_metrics_denylist(m, h->seq, h->issued_at, h->not_after, h->count);
	}
	yn_dl_reader_leave(dr);
	yn_dl_reader_free(dr);
}

static int check_config(const struct yn_config *cfg)
{
	struct yn_term t;
	char err[1024] = "";
	int r = yn_term_open(&t, cfg, err, sizeof(err));

	if (r != 0) {
		fprintf(stderr, "yiniand: %s\n", err);
		return 1;
	}
	printf("configuration OK: terminal %s, role %s, %zu reader(s), denylist sequence %llu, "
	       "journal %llu record(s)%s\n", cfg->terminal_id, yn_role_name(cfg->role),
	       cfg->n_readers, (unsigned long long)yn_dl_holder_seq(t.dl),
	       (unsigned long long)t.recovery.records,
	       t.recovery.n_uncertain ? ", with UNCERTAIN records (see the log)" : "");
	yn_term_close(&t);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "once", no_argument, NULL, '1' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct reader_thread threads[YN_CONFIG_MAX_READERS];
	struct yn_config cfg;
	struct yn_term term;
	struct yn_metrics metrics;
	struct yn_emitter *emitter = NULL;
	struct sigaction sa;
	const char *config = NULL;
	char err[1024] = "";
	uint64_t watchdog_us = 0, last_ping = 0;
	int c, once = 0, checkonly = 0, verbose = 0, rc = 0, r;
	size_t i;

	yn_log_set_ident("yiniand");
	while ((c = getopt_long(argc, argv, "c:1vh", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'C': checkonly = 1; break;
		case '1': once = 1; break;
		case 'v': verbose++; break;
		case 'V': printf("yiniand %s\n", YINIAND_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (config == NULL || optind != argc) {
		usage(stderr);
		return 2;
	}
	if (verbose)
		yn_log_set_level(verbose > 1 ? YN_LOG_DEBUG : YN_LOG_INFO);
	r = yn_config_load(config, &cfg, err, sizeof(err));
	if (r != 0) {
		fprintf(stderr, "yiniand: %s\n", err);
		return 2;
	}
	if (checkonly)
		return check_config(&cfg);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	r = yn_term_open(&term, &cfg, err, sizeof(err));
	if (r != 0) {
		yn_err("refusing to start: %s", err);
		sd_notifyf(0, "STATUS=refusing to start: %s", err);
		return 1;
	}
	yn_metrics_init(&metrics, (int64_t)time(NULL));
	publish_denylist(&term, &metrics);
	if ((r = yn_emitter_start(&cfg, &metrics, &emitter)) != 0) {
		yn_err("refusing to start: event output: %s", yn_strerror(r));
		yn_term_close(&term);
		return 1;
	}
	if ((r = install_seccomp()) != 0) {
		yn_emitter_stop(emitter);
		yn_term_close(&term);
		return 1;
	}
	memset(threads, 0, sizeof(threads));
	for (i = 0; i < cfg.n_readers; i++) {
		threads[i].idx = i;
		threads[i].uri = cfg.readers[i];
		threads[i].term = &term;
		threads[i].metrics = &metrics;
		threads[i].emitter = emitter;
		threads[i].once = once;
		if (pthread_create(&threads[i].thread, NULL, reader_main, &threads[i]) != 0) {
			yn_err("cannot start the reader thread for %s", cfg.readers[i]);
			stop_requested = 1;
			break;
		}
	}
	yn_notice("%s %s started: role %s, %zu reader(s), budget %u ms", "yiniand",
		  YINIAND_VERSION, yn_role_name(cfg.role), cfg.n_readers, cfg.budget_ms);
	sd_notifyf(0, "READY=1\nSTATUS=role %s, %zu reader(s)", yn_role_name(cfg.role),
		   cfg.n_readers);
	if (sd_watchdog_enabled(0, &watchdog_us) <= 0)
		watchdog_us = 0;

	while (!stop_requested && !atomic_load(&fatal_error)) {
		uint64_t now = yn_now_ns() / 1000;

		if (reload_requested) {
			reload_requested = 0;
			sd_notify(0, "RELOADING=1");
			r = yn_term_reload(&term, err, sizeof(err));
			yn_metrics_reload(&metrics, r == 0, err);
			publish_denylist(&term, &metrics);
			if (r == 0)
				yn_notice("reload: denylist sequence %llu in force; policy reloaded",
					  (unsigned long long)yn_dl_holder_seq(term.dl));
			else
				yn_err("reload refused, previous kept in force: %s", err);
			sd_notify(0, "READY=1");
		}
		if (watchdog_us && now - last_ping > watchdog_us / 2) {
			sd_notify(0, "WATCHDOG=1");
			last_ping = now;
		}
		yn_sleep_ms(100);
	}
	sd_notify(0, "STOPPING=1");
	stop_requested = 1;
	for (i = 0; i < cfg.n_readers; i++)
		if (threads[i].uri != NULL)
			pthread_join(threads[i].thread, NULL);
	yn_emitter_stop(emitter);
	if (atomic_load(&fatal_error)) {
		yn_err("stopping: %s", yn_strerror(atomic_load(&fatal_error)));
		rc = 1;
	} else if (once) {
		rc = atomic_load(&once_rc);
	}
	yn_metrics_destroy(&metrics);
	yn_term_close(&term);
	return rc;
}
