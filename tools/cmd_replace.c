/*
 * yinian replace: a new card for a holder whose card is lost, stolen or
 * damaged; the old serial goes to the denylist CSV.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/err.h"
#include "card/holder_json.h"
#include "card/issue_replace.h"
#include "card/keyset.h"
#include "card/serial_alloc.h"
#include "reader/reader.h"
#include "tools/cmds.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: yinian replace --reader URI --keys DIR --old-serial S --holder FILE\n"
		"                      [--reason WORD] [--denylist-csv OUT]\n"
		"                      [--vouchers N] [--resume] [--serial-file F] [--now ISO]\n"
		"\n"
		"Issues a blank card for the holder in FILE with a NEW serial (from\n"
		"DIR/serials or --serial-file; the file's own serial is not used), then\n"
		"appends the old serial to OUT as the denylist CSV line\n"
		"\"serial,listed,reason\" (OUT is created with its header).  WORD is a\n"
		"denylist reason: lost, stolen, deceased, replaced (the default), fraud,\n"
		"suspended, other; \"damaged\" is written as \"replaced\".  Nothing is\n"
		"denylisted if the new card fails.\n");
}

int yn_cmd_replace(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "keys", required_argument, NULL, 'k' },
		{ "old-serial", required_argument, NULL, 'o' },
		{ "holder", required_argument, NULL, 'H' },
		{ "reason", required_argument, NULL, 'e' },
		{ "denylist-csv", required_argument, NULL, 'd' },
		{ "vouchers", required_argument, NULL, 'v' },
		{ "resume", no_argument, NULL, 'R' },
		{ "serial-file", required_argument, NULL, 's' },
		{ "now", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *uri = NULL, *keys = NULL, *holder = NULL, *reason = "replaced", *csv = NULL;
	const char *sfile = NULL, *now_s = NULL;
	char spath[PATH_MAX], err[512], uid[2 * YN_UID_LEN + 1], *end;
	unsigned long long old = 0;
	struct yn_issue_report rep;
	struct yn_issue_req req;
	struct yn_reader *rd = NULL;
	struct yn_keyset ks;
	long v;
	int c, r, ret = 1, listed = 0;

	memset(&req, 0, sizeof(req));
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:k:o:H:e:d:v:Rs:n:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': uri = optarg; break;
		case 'k': keys = optarg; break;
		case 'o':
			errno = 0;
			old = strtoull(optarg, &end, 10);
			if (optarg[0] < '1' || optarg[0] > '9' || *end != '\0' || errno != 0) {
				fprintf(stderr, "yinian replace: --old-serial must be a decimal "
						"serial number\n");
				return 2;
			}
			break;
		case 'H': holder = optarg; break;
		case 'e': reason = optarg; break;
		case 'd': csv = optarg; break;
		case 'v':
			v = strtol(optarg, &end, 10);
			if (*optarg == '\0' || *end != '\0' || v < 0 || v > YN_PURSE_UPPER) {
				fprintf(stderr, "yinian replace: --vouchers must be 0..%d\n",
					YN_PURSE_UPPER);
				return 2;
			}
			req.vouchers = (int32_t)v;
			break;
		case 'R': req.resume = 1; break;
		case 's': sfile = optarg; break;
		case 'n': now_s = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc || uri == NULL || keys == NULL || holder == NULL || old == 0) {
		usage(stderr);
		return 2;
	}
	if (yn_replace_reason_word(reason) == NULL) {
		fprintf(stderr, "yinian replace: --reason must be lost, stolen, damaged, deceased, "
				"replaced, fraud, suspended or other\n");
		return 2;
	}
	req.now = (int64_t)time(NULL);
	if (now_s != NULL && yn_holder_json_parse_time(now_s, &req.now) != 0) {
		fprintf(stderr, "yinian replace: --now must be like 2026-11-29T10:00:00+08:00\n");
		return 2;
	}
	if (sfile == NULL) {
		if ((size_t)snprintf(spath, sizeof(spath), "%s/%s", keys, YN_SERIAL_FILE) >=
		    sizeof(spath)) {
			fprintf(stderr, "yinian replace: --keys path too long\n");
			return 2;
		}
		sfile = spath;
	}
	req.serial_file = sfile;
	if ((r = yn_holder_json_load(holder, req.now, &req.holder, err, sizeof(err))) != 0) {
		fprintf(stderr, "yinian replace: %s: %s (no card was touched)\n", holder,
			err[0] ? err : yn_strerror(r));
		return 1;
	}
	if ((r = yn_keyset_load(keys, YN_KEYROLE_DESK, &ks)) != 0) {
		fprintf(stderr, "yinian replace: %s: not a desk key set (no card was touched)\n",
			ks.err);
		return 1;
	}
	if ((r = yn_reader_open(uri, &rd)) != 0) {
		fprintf(stderr, "yinian replace: reader %s: %s\n", uri, yn_strerror(r));
		goto out;
	}
	if ((r = yn_reader_wait_card(rd, yn_deadline_in_ms(200))) == YN_ENOCARD ||
	    r == YN_ETIMEOUT) {
		fprintf(stderr, "present the new blank card on %s ...\n", uri);
		r = yn_reader_wait_card(rd, yn_deadline_in_ms(60000));
	}
	if (r != 0) {
		fprintf(stderr, "yinian replace: no card: %s\n", yn_strerror(r));
		goto out;
	}
	r = yn_replace_card(rd, &ks, &req, (uint64_t)old, reason, csv, &listed, &rep);
	if (r != 0) {
		fprintf(stderr, "yinian replace: %s\n", rep.msg[0] ? rep.msg : yn_strerror(r));
		goto out;
	}
	yn_hex_encode(rep.uid, YN_UID_LEN, uid, sizeof(uid));
	printf("card %s: serial %" PRIu64 " issued and verified for the holder of serial %llu\n",
	       uid, rep.serial, old);
	if (csv != NULL)
		printf("old serial %llu %s %s (%s)\n", old,
		       listed ? "denylisted in" : "was already listed in", csv,
		       yn_replace_reason_word(reason));
	else
		printf("old serial %llu NOT denylisted (no --denylist-csv)\n", old);
	ret = 0;
out:
	yn_reader_close(rd);
	yn_keyset_free(&ks);
	yn_cleanse(&req, sizeof(req));
	return ret;
}
