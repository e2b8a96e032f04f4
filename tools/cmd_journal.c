/*
 * yinian journal: show, verify, export and recover a decision journal.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/bytes.h"
#include "base/err.h"
#include "tools/cmds.h"
#include "validator/journal.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: yinian journal show DIR [--since SEQ]\n"
		"       yinian journal verify DIR\n"
		"       yinian journal export DIR --format jsonl|csv [--since SEQ] [--out FILE]\n"
		"       yinian journal recover DIR --terminal ID\n"
		"\n"
		"show     print the records, one line each.\n"
		"verify   check every file header, record CRC, the sequence and the hash\n"
		"         chain; name the first bad record and its byte offset.  Exit 1 if\n"
		"         anything is wrong (a torn tail included).\n"
		"export   write the records for the back office: JSON lines, or CSV (header\n"
		"         row, RFC 4180 quoting, CRLF, ISO 8601 UTC times) for PostgreSQL\n"
		"         COPY ... WITH (FORMAT csv, HEADER true).\n"
		"recover  what the daemon does at start: cut a torn tail, record each\n"
		"         intent without outcome as uncertain, and report.\n"
		"\n"
		"Options:\n"
		"  -s, --since SEQ      only records with sequence >= SEQ\n"
		"  -f, --format FMT     jsonl or csv\n"
		"  -o, --out FILE       write to FILE instead of standard output\n"
		"  -t, --terminal ID    terminal id for records recovery writes\n"
		"  -h, --help           this text\n");
}

static void iso_time(int64_t us, char out[64])
{
	time_t s = (time_t)(us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000));
	long frac = (long)(us - (int64_t)s * 1000000);
	struct tm tm;

	if (gmtime_r(&s, &tm) == NULL) {
		snprintf(out, 64, "invalid");
		return;
	}
	snprintf(out, 64, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
		 tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
}

struct ctx {
	FILE *out;
	uint64_t since;
	int format;	/* 0 show, 1 jsonl, 2 csv */
	int failed;
};

static void csv_field(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

static int emit(void *vctx, const struct yn_journal_rec *rec, const char *file, uint64_t off)
{
	struct ctx *c = vctx;
	char t[64], uid[2 * YN_JOURNAL_UID_MAX + 1], hash[2 * YN_SHA256_LEN + 1];

	if (rec->seq < c->since)
		return 0;
	iso_time(rec->time_us, t);
	yn_hex_encode(rec->uid, rec->uid_len, uid, sizeof(uid));
	yn_hex_encode(rec->prev_hash, YN_SHA256_LEN, hash, sizeof(hash));
	if (c->format == 0) {
		fprintf(c->out, "%8" PRIu64 " %s %-8s %-9s reason=%u card=%" PRIu64 " uid=%s",
			rec->seq, t, yn_journal_kind_name(rec->kind),
			yn_journal_decision_name(rec->decision), rec->reason, rec->card_serial,
			rec->uid_len ? uid : "-");
		if (rec->grants & YN_JGRANT_RIDE)
			fprintf(c->out, " ride");
		if (rec->grants & YN_JGRANT_SUBSIDY)
			fprintf(c->out, " subsidy=%" PRIu32 "fen", rec->subsidy_fen);
		if (rec->grants & YN_JGRANT_VOUCHER)
			fprintf(c->out, " voucher=%" PRIu32, rec->voucher_units);
		if (rec->intent_seq)
			fprintf(c->out, " intent=%" PRIu64, rec->intent_seq);
		fprintf(c->out, " apdus=%u %uus [%s @%" PRIu64 "]\n", rec->apdu_count,
			rec->latency_us, file, off);
	} else if (c->format == 1) {
		json_t *o = json_object();
		char *s;

		json_object_set_new(o, "seq", json_integer((json_int_t)rec->seq));
		json_object_set_new(o, "time_utc", json_string(t));
		json_object_set_new(o, "time_us", json_integer(rec->time_us));
		json_object_set_new(o, "mono_ns", json_integer((json_int_t)rec->mono_ns));
		json_object_set_new(o, "terminal", json_string(rec->terminal));
		json_object_set_new(o, "kind", json_string(yn_journal_kind_name(rec->kind)));
		json_object_set_new(o, "decision",
				    json_string(yn_journal_decision_name(rec->decision)));
		json_object_set_new(o, "reason", json_integer(rec->reason));
		/* Serials are decimal strings: JSON numbers lose digits past 2^53. */
		snprintf(t, sizeof(t), "%" PRIu64, rec->card_serial);
		json_object_set_new(o, "card_serial", json_string(t));
		json_object_set_new(o, "card_uid", json_string(uid));
		json_object_set_new(o, "ride", json_boolean(rec->grants & YN_JGRANT_RIDE));
		json_object_set_new(o, "subsidy_fen", json_integer(rec->subsidy_fen));
		json_object_set_new(o, "voucher_units", json_integer(rec->voucher_units));
		json_object_set_new(o, "apdu_count", json_integer(rec->apdu_count));
		json_object_set_new(o, "latency_us", json_integer(rec->latency_us));
		json_object_set_new(o, "intent_seq",
				    rec->intent_seq ? json_integer((json_int_t)rec->intent_seq)
						    : json_null());
		json_object_set_new(o, "prev_hash", json_string(hash));
		s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
		json_decref(o);
		if (s == NULL)
			return YN_ENOMEM;
		fprintf(c->out, "%s\n", s);
		free(s);
	} else {
		fprintf(c->out, "%" PRIu64 ",%s,%" PRIu64 ",", rec->seq, t, rec->mono_ns);
		csv_field(c->out, rec->terminal);
		fprintf(c->out, ",%s,%s,%u,%" PRIu64 ",%s,%s,%" PRIu32 ",%" PRIu32 ",%u,%u,",
			yn_journal_kind_name(rec->kind), yn_journal_decision_name(rec->decision),
			rec->reason, rec->card_serial, uid,
			rec->grants & YN_JGRANT_RIDE ? "true" : "false", rec->subsidy_fen,
			rec->voucher_units, rec->apdu_count, rec->latency_us);
		if (rec->intent_seq)
			fprintf(c->out, "%" PRIu64, rec->intent_seq);
		fprintf(c->out, ",%s\r\n", hash);
	}
	if (ferror(c->out))
		return YN_EIO;
	return 0;
}

static void print_problems(const char *dir, const struct yn_journal_report *rep)
{
	if (rep->corrupt)
		fprintf(stderr,
			"yinian: journal %s: first bad record in %s at offset %" PRIu64
			" (record %" PRIu64 " expected): %s\n",
			dir, rep->bad_file, rep->bad_offset, rep->bad_seq, rep->bad_why);
	if (rep->torn)
		fprintf(stderr,
			"yinian: journal %s: torn tail in %s at offset %" PRIu64 ": %" PRIu64
			" non-zero bytes after the last valid record (what a crash leaves; "
			"opening the journal for writing cuts it)\n",
			dir, rep->torn_file, rep->torn_offset, rep->torn_bytes);
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	errno = 0;
	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*v = x;
	return 0;
}

int yn_cmd_journal(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "terminal", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct yn_journal_report rep;
	struct ctx c = { stdout, 0, 0, 0 };
	const char *verb, *dir, *fmt = NULL, *outpath = NULL, *terminal = NULL;
	size_t i;
	int ch, e, rc = 1;

	memset(&rep, 0, sizeof(rep));
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	verb = argv[1];
	argc--;
	argv++;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "s:f:o:t:h", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
			if (parse_u64(optarg, &c.since) != 0) {
				fprintf(stderr, "yinian: --since needs a sequence number\n");
				return 2;
			}
			break;
		case 'f': fmt = optarg; break;
		case 'o': outpath = optarg; break;
		case 't': terminal = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind + 1 != argc) {
		usage(stderr);
		return 2;
	}
	dir = argv[optind];
	if (strcmp(verb, "recover") == 0) {
		struct yn_journal_opts o = { .terminal = terminal };
		struct yn_journal *j = NULL;

		if (terminal == NULL) {
			fprintf(stderr, "yinian: journal recover needs --terminal ID\n");
			return 2;
		}
		e = yn_journal_open(dir, &o, &j, &rep);
		print_problems(dir, &rep);
		if (e == 0) {
			printf("journal %s: %zu files, %" PRIu64 " records, next sequence %" PRIu64
			       "\n", dir, rep.files, rep.records, yn_journal_next_seq(j));
			if (rep.torn)
				printf("cut torn tail: %" PRIu64 " bytes in %s at offset %" PRIu64 "\n",
				       rep.torn_bytes, rep.torn_file, rep.torn_offset);
			if (rep.tmp_removed)
				printf("removed %zu unfinished rotation file(s)\n", rep.tmp_removed);
			for (i = 0; i < rep.n_uncertain; i++)
				printf("uncertain: intent %" PRIu64 " for card %" PRIu64
				       " had no outcome; recorded as record %" PRIu64 "\n",
				       rep.uncertain[i].seq, rep.uncertain[i].card_serial,
				       rep.uncertain[i].uncertain_seq);
			rc = 0;
		} else {
			fprintf(stderr, "yinian: cannot open journal %s: %s\n", dir, yn_strerror(e));
		}
		yn_journal_close(j);
		goto out;
	}
	if (strcmp(verb, "show") == 0) {
		c.format = 0;
	} else if (strcmp(verb, "verify") == 0) {
		c.out = NULL;
	} else if (strcmp(verb, "export") == 0) {
		if (fmt != NULL && strcmp(fmt, "jsonl") == 0) {
			c.format = 1;
		} else if (fmt != NULL && strcmp(fmt, "csv") == 0) {
			c.format = 2;
		} else {
			fprintf(stderr, "yinian: journal export needs --format jsonl or csv\n");
			return 2;
		}
	} else {
		usage(stderr);
		return 2;
	}
	if (outpath != NULL && c.out != NULL && (c.out = fopen(outpath, "w")) == NULL) {
		fprintf(stderr, "yinian: cannot write %s: %s\n", outpath, strerror(errno));
		return 1;
	}
	if (c.format == 2 && c.out != NULL)
		fprintf(c.out, "seq,time_utc,mono_ns,terminal,kind,decision,reason,card_serial,"
			       "card_uid,ride,subsidy_fen,voucher_units,apdu_count,latency_us,"
			       "intent_seq,prev_hash\r\n");
	e = yn_journal_read(dir, c.out ? emit : NULL, &c, &rep);
	print_problems(dir, &rep);
	if (e != 0 && !rep.corrupt)
		fprintf(stderr, "yinian: journal %s: %s\n", dir, yn_strerror(e));
	if (strcmp(verb, "verify") == 0) {
		if (e == 0 && !rep.torn) {
			printf("journal %s: ok: %zu file(s), %" PRIu64 " records", dir, rep.files,
			       rep.records);
			if (rep.records)
				printf(", sequence %" PRIu64 "..%" PRIu64, rep.first_seq, rep.last_seq);
			printf(", CRCs and hash chain intact\n");
		}
		for (i = 0; i < rep.n_uncertain; i++)
			printf("note: intent %" PRIu64 " (card %" PRIu64 ") has no outcome yet\n",
			       rep.uncertain[i].seq, rep.uncertain[i].card_serial);
	}
	rc = e == 0 && !(rep.torn && strcmp(verb, "verify") == 0) ? 0 : 1;
	if (c.out != NULL && c.out != stdout && fclose(c.out) != 0) {
		fprintf(stderr, "yinian: writing %s: %s\n", outpath, strerror(errno));
		rc = 1;
	}
out:
	yn_journal_report_free(&rep);
	return rc;
}
