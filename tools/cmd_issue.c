/*
 * yinian issue: personalise blank cards at the desk (docs/issuance.md).
 */
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/err.h"
#include "card/holder_json.h"
#include "card/issue.h"
#include "card/issue_batch.h"
#include "card/keyset.h"
#include "card/serial_alloc.h"
#include "reader/reader.h"
#include "tools/cmds.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: yinian issue --reader URI --keys DIR --holder FILE [--vouchers N]\n"
		"                    [--resume] [--serial-file F] [--json] [--now ISO-8601]\n"
		"       yinian issue --batch CSV --reader URI --keys DIR [--vouchers N]\n"
		"                    [--stop-on-error] [--resume] [--serial-file F]\n"
		"\n"
		"Personalises a factory-blank DESFire card as a Yinian card for the holder\n"
		"described in FILE (JSON, docs/examples/holder.json) with the desk key set\n"
		"DIR, loads N vouchers (default 0), then reads it all back and verifies it.\n"
		"A card that is not blank is refused and left as it was; a card of ours that\n"
		"was pulled away midway is completed with --resume.\n"
		"--batch issues one card per CSV row (columns: docs/issuance.md), asking for\n"
		"each card in turn.  Serials are recorded in DIR/serials (or --serial-file)\n"
		"and never reused.  --timeout S: how long to wait for a card (default 60).\n");
}

struct cli {
	struct yn_reader *rd;
	uint32_t timeout_ms;
};

static int wait_card(struct yn_reader *rd, uint32_t timeout_ms, const char *what)
{
	int r;

	r = yn_reader_wait_card(rd, yn_deadline_in_ms(200));
	if (r == YN_ENOCARD || r == YN_ETIMEOUT) {
		fprintf(stderr, "present %s on %s ...\n", what, yn_reader_uri(rd));
		r = yn_reader_wait_card(rd, yn_deadline_in_ms(timeout_ms));
	}
	return r;
}

static int batch_present(void *ctx, size_t i, size_t n, struct yn_reader **rd)
{
	struct cli *c = ctx;
	char what[64];

	snprintf(what, sizeof(what), "card %zu of %zu", i + 1, n);
	*rd = c->rd;
	return wait_card(c->rd, c->timeout_ms, what);
}

static void batch_done(void *ctx, size_t i, size_t n, int r)
{
	struct cli *c = ctx;

	(void)r;
	yn_reader_release(c->rd, YN_RELEASE_LEAVE);
	if (i + 1 < n) {
		fprintf(stderr, "take the card away ...\n");
		(void)yn_reader_wait_removed(c->rd, yn_deadline_in_ms(c->timeout_ms));
	}
}

static void print_result(int json, int r, const struct yn_issue_report *rep)
{
	char uid[2 * YN_UID_LEN + 1];
	json_t *o;
	char *s;

	yn_hex_encode(rep->uid, YN_UID_LEN, uid, sizeof(uid));
	if (json) {
		o = json_pack("{s:s, s:s, s:s, s:I, s:i, s:b, s:I, s:I}", "result",
			      r == 0 ? "issued" : "failed", "uid", uid, "found",
			      yn_issue_stage_name(rep->found), "serial", (json_int_t)rep->serial,
			      "vouchers", (int)rep->purse, "already_complete", rep->already,
			      "apdus", (json_int_t)rep->apdus, "ms", (json_int_t)rep->ms);
		if (o != NULL && r != 0) {
			json_object_set_new(o, "error", json_string(yn_errname(r)));
			json_object_set_new(o, "message", json_string(rep->msg));
			if (rep->step != NULL)
				json_object_set_new(o, "step", json_string(rep->step));
		}
		if (o != NULL && (s = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) != NULL) {
			printf("%s\n", s);
			free(s);
		}
		json_decref(o);
		return;
	}
	if (r == 0)
		printf("card %s: serial %" PRIu64 " %s, %d voucher%s, verified (%" PRIu64
		       " APDUs, %" PRIu64 " ms)\n",
		       uid, rep->serial, rep->already ? "was already complete" : "issued",
		       (int)rep->purse, rep->purse == 1 ? "" : "s", rep->apdus, rep->ms);
	else
		fprintf(stderr, "yinian issue: %s\n", rep->msg[0] ? rep->msg : yn_strerror(r));
}

int yn_cmd_issue(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "keys", required_argument, NULL, 'k' },
		{ "holder", required_argument, NULL, 'H' },
		{ "batch", required_argument, NULL, 'b' },
		{ "vouchers", required_argument, NULL, 'v' },
		{ "resume", no_argument, NULL, 'R' },
		{ "serial-file", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "now", required_argument, NULL, 'n' },
		{ "stop-on-error", no_argument, NULL, 'S' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *uri = NULL, *keys = NULL, *holder = NULL, *batch = NULL, *sfile = NULL;
	const char *now_s = NULL;
	char spath[PATH_MAX], err[512], *end;
	struct yn_issue_report rep;
	struct yn_batch_summary *sum = NULL;
	struct yn_issue_req req;
	struct yn_keyset ks;
	struct cli cli = { .timeout_ms = 60000 };
	long v;
	int c, r, json = 0, stop = 0, ret = 1, have_keys = 0;

	memset(&req, 0, sizeof(req));
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:k:H:b:v:Rs:jn:St:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': uri = optarg; break;
		case 'k': keys = optarg; break;
		case 'H': holder = optarg; break;
		case 'b': batch = optarg; break;
		case 'v':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 0 || v > YN_PURSE_UPPER) {
				fprintf(stderr, "yinian issue: --vouchers must be 0..%d\n",
					YN_PURSE_UPPER);
				return 2;
			}
			req.vouchers = (int32_t)v;
			break;
		case 'R': req.resume = 1; break;
		case 's': sfile = optarg; break;
		case 'j': json = 1; break;
		case 'n': now_s = optarg; break;
		case 'S': stop = 1; break;
		case 't':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 1 || v > 86400) {
				fprintf(stderr, "yinian issue: --timeout must be 1..86400 seconds\n");
				return 2;
			}
			cli.timeout_ms = (uint32_t)v * 1000u;
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || uri == NULL || keys == NULL || (holder == NULL) == (batch == NULL) ||
	    (batch != NULL && json)) {
		usage(stderr);
		return 2;
	}
	req.now = (int64_t)time(NULL);
	if (now_s != NULL && yn_holder_json_parse_time(now_s, &req.now) != 0) {
		fprintf(stderr, "yinian issue: --now must be like 2026-11-29T10:00:00+08:00\n");
		return 2;
	}
	if (sfile == NULL) {
		if ((size_t)snprintf(spath, sizeof(spath), "%s/%s", keys, YN_SERIAL_FILE) >=
		    sizeof(spath)) {
			fprintf(stderr, "yinian issue: --keys path too long\n");
			return 2;
		}
		sfile = spath;
	}
	req.serial_file = sfile;
	if (holder != NULL &&
	    (r = yn_holder_json_load(holder, req.now, &req.holder, err, sizeof(err))) != 0) {
		fprintf(stderr, "yinian issue: %s: %s (no card was touched)\n", holder,
			err[0] ? err : yn_strerror(r));
		return 1;
	}
	if ((r = yn_keyset_load(keys, YN_KEYROLE_DESK, &ks)) != 0) {
		fprintf(stderr, "yinian issue: %s: not a desk key set (no card was touched)\n",
			ks.err);
		return 1;
	}
	have_keys = 1;
	if ((r = yn_reader_open(uri, &cli.rd)) != 0) {
		fprintf(stderr, "yinian issue: reader %s: %s\n", uri, yn_strerror(r));
		goto out;
	}
	if (batch != NULL) {
		static const struct yn_batch_ops ops = {
			.present = batch_present, .done = batch_done,
		};

		if ((sum = calloc(1, sizeof(*sum))) == NULL)
			goto out;
		r = yn_issue_batch(batch, &ks, &req, &ops, &cli, stop, stdout, sum);
		ret = r == 0 ? 0 : 1;
		goto out;
	}
	if ((r = wait_card(cli.rd, cli.timeout_ms, "the blank card")) != 0) {
		fprintf(stderr, "yinian issue: no card on %s: %s\n", uri, yn_strerror(r));
		goto out;
	}
	r = yn_issue_card(cli.rd, &ks, &req, &rep);
	print_result(json, r, &rep);
	ret = r == 0 ? 0 : 1;
out:
	free(sum);
	yn_reader_close(cli.rd);
	if (have_keys)
		yn_keyset_free(&ks);
	yn_cleanse(&req, sizeof(req));
	return ret;
}
