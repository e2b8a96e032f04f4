/*
 * yinian tap: one transaction on the daemon's own code path.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/err.h"
#include "reader/reader.h"
#include "tools/cmds.h"
#include "validator/config.h"
#include "validator/events.h"
#include "validator/localtime.h"
#include "validator/tap.h"
#include "validator/terminal.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: yinian tap --config FILE [--reader URI] [--now ISO-8601] [--json]\n"
		"                  [--timeout MS]\n"
		"\n"
		"Run one tap exactly as yiniand would: wait for a card, decide with the\n"
		"terminal's keys, denylist and policy, write and commit the card for a\n"
		"grant, journal the decision, and print it.\n"
		"\n"
		"Options:\n"
		"  -c, --config FILE   the terminal's yiniand configuration\n"
		"  -r, --reader URI    use this reader instead of the configuration's first\n"
		"  -n, --now TIME      decide as if it were TIME (e.g. 2026-03-02T12:00, local\n"
		"                      Shanghai time unless a zone is given): for tests, audits\n"
		"                      and reproducing a complaint.  The daemon always uses the\n"
		"                      real clock.\n"
		"  -j, --json          print the decision as the daemon's JSON event line\n"
		"  -t, --timeout MS    how long to wait for a card (default 10000)\n"
		"  -h, --help          this text\n"
		"\n"
		"Exit status: 0 granted, 1 error (nothing decided), 2 usage, 3 denied,\n"
		"4 tap again (card left or too slow; nothing granted).\n");
}

int yn_cmd_tap(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "reader", required_argument, NULL, 'r' },
		{ "now", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *uri = NULL, *now_s = NULL;
	struct yn_config *cfg;
	struct yn_term term;
	struct yn_reader *rd = NULL;
	struct yn_tap_ctx ctx;
	struct yn_outcome o;
	char err[1024] = "", line[2048];
	int64_t now = 0;
	long timeout = 10000;
	size_t len;
	int c, e, json = 0, rc = 1;
	uint64_t t0;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:r:n:jt:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c': config = optarg; break;
		case 'r': uri = optarg; break;
		case 'n': now_s = optarg; break;
		case 'j': json = 1; break;
		case 't': timeout = strtol(optarg, NULL, 10); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (config == NULL || optind != argc || timeout <= 0) {
		usage(stderr);
		return 2;
	}
	if (now_s != NULL && yn_time_parse_iso8601(now_s, &now) != 0) {
		fprintf(stderr, "yinian tap: --now '%s' is not a time like 2026-03-02T12:00 or "
			"2026-03-02T04:00Z\n", now_s);
		return 2;
	}
	cfg = calloc(1, sizeof(*cfg));
	if (cfg == NULL)
		return 1;
	if (yn_config_load(config, cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "yinian tap: %s\n", err);
		free(cfg);
		return 2;
	}
	if (uri == NULL)
		uri = cfg->readers[0];
	if ((e = yn_term_open(&term, cfg, err, sizeof(err))) != 0) {
		fprintf(stderr, "yinian tap: %s\n", err);
		free(cfg);
		return 1;
	}
	if ((e = yn_reader_open(uri, &rd)) != 0) {
		fprintf(stderr, "yinian tap: reader %s: %s\n", uri, yn_strerror(e));
		goto out_term;
	}
	if ((e = yn_tap_ctx_init(&ctx, &term, rd)) != 0) {
		fprintf(stderr, "yinian tap: %s\n", yn_strerror(e));
		goto out_reader;
	}
	if ((e = yn_reader_wait_card(rd, yn_deadline_in_ms((uint64_t)timeout))) != 0) {
		fprintf(stderr, "yinian tap: no card on %s: %s\n", uri, yn_strerror(e));
		goto out_ctx;
	}
	t0 = yn_now_ns();
	e = yn_tap_run(&ctx, t0, now_s ? now : (int64_t)time(NULL), &o);
	if (e != 0) {
		fprintf(stderr, "yinian tap: the journal could not be written: %s\n",
			yn_strerror(e));
		goto out_ctx;
	}
	if (json) {
		if (yn_event_json(&o, cfg->terminal_id, line, sizeof(line), &len) == 0)
			fwrite(line, 1, len, stdout);
	} else {
		yn_event_human(&o, line, sizeof(line));
		printf("%s\n", line);
	}
	rc = o.verdict == YN_VERDICT_GRANT ? 0 : o.verdict == YN_VERDICT_DENY ? 3 : 4;
out_ctx:
	yn_tap_ctx_free(&ctx);
out_reader:
	yn_reader_release(rd, YN_RELEASE_LEAVE);
	yn_reader_close(rd);
out_term:
	yn_term_close(&term);
	free(cfg);
	return rc;
}
