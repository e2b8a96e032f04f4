/*
 * yinian inspect: what is on a card, in words a desk clerk understands.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/err.h"
#include "card/holder_json.h"
#include "card/inspect.h"
#include "card/keyset.h"
#include "reader/reader.h"
#include "tools/cmds.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: yinian inspect --reader URI --keys DIR [--json] [--now ISO-8601]\n"
		"\n"
		"Reads the card on URI and prints its holder (serial, age today in\n"
		"Asia/Shanghai, residency, district, categories, validity), the signature\n"
		"status (valid / forged / unknown issuer / record of another card), the\n"
		"voucher balance, the benefit state, the trip log (newest first) and the\n"
		"chip (GetVersion).  DIR may be a desk set (reads everything) or a\n"
		"terminal set (reads what its keys open; the rest is listed as not read).\n"
		"Exit status 0 for a valid issued card, 1 otherwise.\n");
}

int yn_cmd_inspect(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "keys", required_argument, NULL, 'k' },
		{ "json", no_argument, NULL, 'j' },
		{ "now", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *uri = NULL, *keys = NULL, *now_s = NULL;
	struct yn_reader *rd = NULL;
	struct yn_inspect *in = NULL;
	struct yn_keyset ks;
	int64_t now;
	char *s;
	int c, r, json = 0, ret = 1;

	optind = 1;
	while ((c = getopt_long(argc, argv, "r:k:jn:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': uri = optarg; break;
		case 'k': keys = optarg; break;
		case 'j': json = 1; break;
		case 'n': now_s = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || uri == NULL || keys == NULL) {
		usage(stderr);
		return 2;
	}
	now = (int64_t)time(NULL);
	if (now_s != NULL && yn_holder_json_parse_time(now_s, &now) != 0) {
		fprintf(stderr, "yinian inspect: --now must be like 2026-11-29T10:00:00+08:00\n");
		return 2;
	}
	if ((r = yn_inspect_load_keys(keys, &ks)) != 0) {
		fprintf(stderr, "yinian inspect: %s\n", ks.err);
		return 1;
	}
	if ((in = calloc(1, sizeof(*in))) == NULL)
		goto out;
	if ((r = yn_reader_open(uri, &rd)) != 0) {
		fprintf(stderr, "yinian inspect: reader %s: %s\n", uri, yn_strerror(r));
		goto out;
	}
	if ((r = yn_reader_wait_card(rd, yn_deadline_in_ms(200))) == YN_ENOCARD ||
	    r == YN_ETIMEOUT) {
		fprintf(stderr, "present the card on %s ...\n", uri);
		r = yn_reader_wait_card(rd, yn_deadline_in_ms(60000));
	}
	if (r != 0) {
		fprintf(stderr, "yinian inspect: no card: %s\n", yn_strerror(r));
		goto out;
	}
	if ((r = yn_inspect_card(rd, &ks, in, yn_deadline_in_ms(10000))) != 0) {
		fprintf(stderr, "yinian inspect: %s: hold the card still and try again\n",
			yn_strerror(r));
		goto out;
	}
	s = json ? yn_inspect_json(in, now) : yn_inspect_text(in, now);
	if (s == NULL) {
		fprintf(stderr, "yinian inspect: out of memory\n");
		goto out;
	}
	fputs(s, stdout);
	if (json)
		fputc('\n', stdout);
	free(s);
	ret = in->sig == YN_INSPECT_VALID ? 0 : 1;
out:
	free(in);
	yn_reader_close(rd);
	yn_keyset_free(&ks);
	return ret;
}
