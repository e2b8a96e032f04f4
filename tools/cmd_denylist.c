/*
 * yinian denylist: build, delta, apply, verify, show.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "base/bytes.h"
#include "base/err.h"
#include "tools/cmds.h"
#include "validator/denylist.h"
#include "validator/wio.h"

#define MAX_PUB 8

static void usage(FILE *f)
{
	fprintf(f,
		"usage: yinian denylist build --in CSV --key KEY --seq N --valid-for DURATION\n"
		"                             --out FILE [--issued-at TIME]\n"
		"       yinian denylist delta --from OLD --to NEW --key KEY --out FILE\n"
		"       yinian denylist apply --base FILE --delta FILE --pub KEY... --out FILE\n"
		"       yinian denylist verify --pub KEY... FILE\n"
		"       yinian denylist show FILE [--serial S] [--json]\n"
		"\n"
		"build   sign a full list from CSV: a header row 'serial,listed,reason', then\n"
		"        one card per line: decimal serial, date listed (YYYY-MM-DD) and a\n"
		"        reason word: lost, stolen, deceased, replaced, fraud, suspended, other.\n"
		"delta   sign the changes from full list OLD to full list NEW (NEW must be\n"
		"        signed by KEY; its signature travels in the delta).\n"
		"apply   rebuild the new full list from its base and a delta, checking every\n"
		"        signature; needs no private key.\n"
		"verify  check a list's or a delta's signature and structure.\n"
		"show    print a list or delta (signature not checked; use verify).\n"
		"\n"
		"Options:\n"
		"  -i, --in CSV           the cards to list\n"
		"  -k, --key KEY          list-signing private key (file or file:PATH)\n"
		"  -p, --pub KEY          trusted list-signing public key (repeatable)\n"
		"  -n, --seq N            sequence number (must rise with every list)\n"
		"  -v, --valid-for DUR    validity from issue: N followed by s, m, h, d or w\n"
		"      --issued-at TIME   issue time: Unix seconds or YYYY-MM-DDTHH:MM:SSZ\n"
		"                         (default now)\n"
		"  -f, --from, --to FILE  old and new full lists\n"
		"  -b, --base, --delta    base list and delta to apply\n"
		"  -o, --out FILE         output (written atomically)\n"
		"  -s, --serial S         show only whether serial S is listed\n"
		"  -j, --json             JSON output\n"
		"  -h, --help             this text\n");
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*v = x;
	return 0;
}

static int parse_duration(const char *s, int64_t *secs)
{
	char *end;
	unsigned long long x;
	uint64_t mul = 1;

	if (s == NULL || *s < '0' || *s > '9')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0)
		return -1;
	if (*end != '\0') {
		switch (*end) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		case 'w': mul = 7 * 86400; break;
		default: return -1;
		}
		if (end[1] != '\0')
			return -1;
	}
	if (x == 0 || x > (uint64_t)INT32_MAX * 16 / mul)
		return -1;
	*secs = (int64_t)(x * mul);
	return 0;
}

/* YYYY-MM-DD into days since 1970; -1 if not a real date in range. */
static int parse_date(const char *s, uint16_t *day)
{
	unsigned y, m, d;
	int64_t days;
	char tail;
	int y2;
	unsigned m2, d2;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' ||
	    sscanf(s, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3)
		return -1;
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return -1;
	days = yn_dl_days_from_civil((int)y, m, d);
	yn_dl_civil_from_days(days, &y2, &m2, &d2);
	if (y2 != (int)y || m2 != m || d2 != d || days < 0 || days > UINT16_MAX)
		return -1;
	*day = (uint16_t)days;
	return 0;
}

static void fmt_day(uint16_t day, char out[16])
{
	int y;
	unsigned m, d;

	yn_dl_civil_from_days(day, &y, &m, &d);
	snprintf(out, 16, "%04d-%02u-%02u", y, m, d);
}

static void fmt_time(int64_t t, char out[32])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (gmtime_r(&tt, &tm) == NULL || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(out, 32, "%" PRId64, t);
}

static int parse_time(const char *s, int64_t *t)
{
	struct tm tm;
	char *end;
	uint64_t v;

	if (parse_u64(s, &v) == 0 && v <= INT64_MAX / 2) {
		*t = (int64_t)v;
		return 0;
	}
	memset(&tm, 0, sizeof(tm));
	end = strptime(s, "%Y-%m-%dT%H:%M:%SZ", &tm);
	if (end == NULL || *end != '\0')
		return -1;
	*t = (int64_t)timegm(&tm);
	return 0;
}

/* --- CSV --- */

struct row {
	struct yn_dl_entry e;
	unsigned long line;
};

static int cmp_rows(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->e.serial != y->e.serial)
		return x->e.serial < y->e.serial ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* Split one CSV line into at most max fields in place (RFC 4180 quoting
 * within the line).  Returns the field count, or -1 on a bad quote. */
static int split_csv(char *s, char **f, int max)
{
	int n = 0;
	char *w;

	for (;;) {
		if (n == max)
			return max + 1;
		if (*s == '"') {
			f[n++] = w = ++s;
			for (;;) {
				if (*s == '\0')
					return -1;
				if (*s == '"' && s[1] == '"') {
					*w++ = '"';
					s += 2;
				} else if (*s == '"') {
					s++;
					break;
				} else {
					*w++ = *s++;
				}
			}
			*w = '\0';
			if (*s == '\0')
				return n;
			if (*s != ',')
				return -1;
			s++;
		} else {
			f[n++] = s;
			while (*s != '\0' && *s != ',')
				s++;
			if (*s == '\0')
				return n;
			*s++ = '\0';
		}
	}
}

static int read_csv(const char *path, int64_t issued_at, struct row **rows, size_t *n_rows)
{
	static const char *const names[3] = { "serial", "listed", "reason" };
	FILE *f;
	char *line = NULL, *fld[4];
	size_t cap = 0, n = 0, rcap = 0;
	ssize_t len;
	unsigned long lno = 0;
	struct row *v = NULL, *nv;
	int nf, i, rc = -1;
	int64_t max_day = issued_at / 86400 + 1;

	*rows = NULL;
	*n_rows = 0;
	if ((f = fopen(path, "r")) == NULL) {
		fprintf(stderr, "yinian: cannot read %s: %s\n", path, strerror(errno));
		return -1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		lno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (lno == 1 && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0)
			memmove(line, line + 3, (size_t)(len -= 3) + 1);
		if (len == 0)
			continue;
		nf = split_csv(line, fld, 3);
		if (nf != 3) {
			fprintf(stderr, "yinian: %s:%lu: %s (want serial,listed,reason)\n", path, lno,
				nf < 0 ? "bad quoting" : nf > 3 ? "too many fields" : "too few fields");
			goto out;
		}
		if (n == 0 && lno == 1) {
			for (i = 0; i < 3; i++)
				if (strcmp(fld[i], names[i]) != 0) {
					fprintf(stderr, "yinian: %s:1: header field %d is '%s', want "
						"'serial,listed,reason'\n", path, i + 1, fld[i]);
					goto out;
				}
			continue;
		}
		if (n == rcap) {
			rcap = rcap ? rcap * 2 : 1024;
			if ((nv = realloc(v, rcap * sizeof(*v))) == NULL) {
				fprintf(stderr, "yinian: out of memory\n");
				goto out;
			}
			v = nv;
		}
		v[n].line = lno;
		if (parse_u64(fld[0], &v[n].e.serial) != 0 || v[n].e.serial == 0) {
			fprintf(stderr, "yinian: %s:%lu: field 'serial': not a decimal card serial "
				"(1..18446744073709551615): '%s'\n", path, lno, fld[0]);
			goto out;
		}
		if (parse_date(fld[1], &v[n].e.listed_day) != 0) {
			fprintf(stderr, "yinian: %s:%lu: field 'listed': not a date YYYY-MM-DD "
				"(1970..2149): '%s'\n", path, lno, fld[1]);
			goto out;
		}
		if (v[n].e.listed_day > max_day) {
			fprintf(stderr, "yinian: %s:%lu: field 'listed': %s is after the list's "
				"issue date\n", path, lno, fld[1]);
			goto out;
		}
		if (yn_dl_reason_parse(fld[2], &v[n].e.reason) != 0) {
			fprintf(stderr, "yinian: %s:%lu: field 'reason': '%s' is not one of lost, "
				"stolen, deceased, replaced, fraud, suspended, other\n", path, lno, fld[2]);
			goto out;
		}
		n++;
	}
	if (ferror(f)) {
		fprintf(stderr, "yinian: reading %s: %s\n", path, strerror(errno));
		goto out;
	}
	if (lno == 0) {
		fprintf(stderr, "yinian: %s: empty (want a header row serial,listed,reason)\n", path);
		goto out;
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_rows);
	for (size_t k = 1; k < n; k++)
		if (v[k].e.serial == v[k - 1].e.serial) {
			fprintf(stderr, "yinian: %s:%lu: field 'serial': %" PRIu64
				" is already listed on line %lu\n", path, v[k].line, v[k].e.serial,
				v[k - 1].line);
			goto out;
		}
	*rows = v;
	*n_rows = n;
	v = NULL;
	rc = 0;
out:
	free(v);
	free(line);
	fclose(f);
	return rc;
}

static int read_whole(const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *b;

	*out = NULL;
	*len = 0;
	if (f == NULL || fstat(fileno(f), &st) != 0) {
		fprintf(stderr, "yinian: cannot read %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if ((b = malloc(st.st_size > 0 ? (size_t)st.st_size : 1)) == NULL ||
	    fread(b, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		fprintf(stderr, "yinian: cannot read %s\n", path);
		free(b);
		fclose(f);
		return -1;
	}
	fclose(f);
	*out = b;
	*len = (size_t)st.st_size;
	return 0;
}

static int write_out(const char *path, const uint8_t *b, size_t n)
{
	int e = yn_wio_write_file(path, b, n, 0644);

	if (e != 0)
		fprintf(stderr, "yinian: cannot write %s: %s\n", path, yn_strerror(e));
	return e;
}

static struct yn_dl_trust *load_trust(const char **pub, int n_pub)
{
	struct yn_dl_trust *t = NULL;
	int i, e;

	if (n_pub == 0) {
		fprintf(stderr, "yinian: give the trusted public key(s) with --pub\n");
		return NULL;
	}
	if (yn_dl_trust_new(&t) != 0)
		return NULL;
	for (i = 0; i < n_pub; i++) {
		if ((e = yn_dl_trust_add(t, pub[i])) != 0 && e != YN_EEXIST) {
			fprintf(stderr, "yinian: public key %s: %s\n", pub[i], yn_strerror(e));
			yn_dl_trust_free(t);
			return NULL;
		}
	}
	return t;
}

static int cmd_build(const char *in, const char *key, uint64_t seq, int64_t valid,
		     int64_t issued, const char *out)
{
	struct yn_privkey *k = NULL;
	struct yn_dl_entry *e = NULL;
	struct yn_dl_header h;
	struct row *rows = NULL;
	uint8_t *buf = NULL;
	size_t n = 0, len = 0, i;
	int r, rc = 1;

	if (read_csv(in, issued, &rows, &n) != 0)
		return 1;
	if ((r = yn_privkey_load(key, &k)) != 0) {
		fprintf(stderr, "yinian: signing key %s: %s\n", key, yn_strerror(r));
		goto out;
	}
	if ((e = calloc(n ? n : 1, sizeof(*e))) == NULL)
		goto out;
	for (i = 0; i < n; i++)
		e[i] = rows[i].e;
	memset(&h, 0, sizeof(h));
	h.seq = seq;
	h.issued_at = issued;
	h.not_after = issued + valid;
	if ((r = yn_dl_encode_full(&h, e, n, k, &buf, &len)) != 0) {
		fprintf(stderr, "yinian: cannot sign the list: %s\n", yn_strerror(r));
		goto out;
	}
	if (write_out(out, buf, len) != 0)
		goto out;
	printf("denylist %" PRIu64 ": %zu entries, %zu bytes, written to %s\n", seq, n, len, out);
	rc = 0;
out:
	free(buf);
	free(e);
	free(rows);
	yn_privkey_free(k);
	return rc;
}

static int cmd_delta(const char *from, const char *to, const char *key, const char *out)
{
	struct yn_privkey *k = NULL;
	uint8_t *a = NULL, *b = NULL, *d = NULL;
	size_t na, nb, nd = 0;
	struct yn_dl_delta dd;
	int r, rc = 1;

	if (read_whole(from, &a, &na) != 0 || read_whole(to, &b, &nb) != 0)
		goto out;
	if ((r = yn_privkey_load(key, &k)) != 0) {
		fprintf(stderr, "yinian: signing key %s: %s\n", key, yn_strerror(r));
		goto out;
	}
	if ((r = yn_dl_encode_delta(a, na, b, nb, k, &d, &nd)) != 0) {
		fprintf(stderr, "yinian: cannot make the delta: %s\n", yn_strerror(r));
		goto out;
	}
	if (write_out(out, d, nd) != 0 || yn_dl_delta_parse(d, nd, &dd) != 0)
		goto out;
	printf("delta %" PRIu64 " -> %" PRIu64 ": %" PRIu32 " additions, %" PRIu32
	       " removals, %zu bytes, written to %s\n", dd.hdr.base_seq, dd.hdr.seq, dd.hdr.n_add,
	       dd.hdr.n_remove, nd, out);
	rc = 0;
out:
	free(a);
	free(b);
	free(d);
	yn_privkey_free(k);
	return rc;
}

static int cmd_apply(const char *base, const char *delta, const char **pub, int n_pub,
		     const char *out)
{
	struct yn_dl_trust *t;
	uint8_t *a = NULL, *d = NULL, *res = NULL;
	size_t na, nd, nr = 0;
	struct yn_dl_header h;
	int r, rc = 1;

	if ((t = load_trust(pub, n_pub)) == NULL)
		return 1;
	if (read_whole(base, &a, &na) != 0 || read_whole(delta, &d, &nd) != 0)
		goto out;
	if ((r = yn_dl_apply(a, na, d, nd, t, &res, &nr)) != 0) {
		fprintf(stderr, "yinian: delta %s refused for base %s: %s\n", delta, base,
			yn_strerror(r));
		goto out;
	}
	if (write_out(out, res, nr) != 0 || yn_dl_parse_header(res, nr, &h) != 0)
		goto out;
	printf("denylist %" PRIu64 ": %" PRIu32 " entries, signature verified, written to %s\n",
	       h.seq, h.count, out);
	rc = 0;
out:
	free(a);
	free(d);
	free(res);
	yn_dl_trust_free(t);
	return rc;
}

static int cmd_verify(const char *file, const char **pub, int n_pub)
{
	struct yn_dl_trust *t;
	struct yn_denylist *l = NULL;
	struct yn_dl_delta d;
	struct yn_dl_header h;
	char idhex[2 * YN_KEYID_LEN + 1], ia[32], na[32];
	uint8_t *b = NULL, kind;
	size_t n;
	int r, rc = 1;

	if ((t = load_trust(pub, n_pub)) == NULL)
		return 1;
	if (read_whole(file, &b, &n) != 0)
		goto out;
	if ((r = yn_dl_verify(b, n, t, &kind)) != 0) {
		fprintf(stderr, "yinian: %s refused: %s\n", file, yn_strerror(r));
		goto out;
	}
	r = kind == YN_DL_FULL ? yn_denylist_parse(b, n, t, &l) : yn_dl_delta_parse(b, n, &d);
	if (r != 0) {
		fprintf(stderr, "yinian: %s refused: signature good but malformed: %s\n", file,
			yn_strerror(r));
		goto out;
	}
	h = kind == YN_DL_FULL ? *yn_denylist_header(l) : d.hdr;
	yn_hex_encode(h.key_id, YN_KEYID_LEN, idhex, sizeof(idhex));
	fmt_time(h.issued_at, ia);
	fmt_time(h.not_after, na);
	if (kind == YN_DL_FULL)
		printf("%s: ok: full list %" PRIu64 ", %" PRIu32 " entries, key %s, issued %s, "
		       "not after %s%s\n", file, h.seq, h.count, idhex, ia, na,
		       yn_denylist_is_stale(l, (int64_t)time(NULL)) ? " (STALE now)" : "");
	else
		printf("%s: ok: delta %" PRIu64 " -> %" PRIu64 ", %" PRIu32 " additions, %" PRIu32
		       " removals, key %s, not after %s\n", file, h.base_seq, h.seq, h.n_add,
		       h.n_remove, idhex, na);
	rc = 0;
out:
	yn_denylist_free(l);
	free(b);
	yn_dl_trust_free(t);
	return rc;
}

static json_t *entry_json(const struct yn_dl_entry *e)
{
	char s[32], day[16];

	snprintf(s, sizeof(s), "%" PRIu64, e->serial);
	fmt_day(e->listed_day, day);
	return json_pack("{s:s,s:s,s:s}", "serial", s, "date", day, "reason",
			 yn_dl_reason_name(e->reason));
}

static int cmd_show(const char *file, const char *serial_s, int as_json)
{
	struct yn_denylist *l = NULL;
	struct yn_dl_delta d;
	struct yn_dl_header h;
	struct yn_dl_entry e;
	char idhex[2 * YN_KEYID_LEN + 1], ia[32], na[32], day[16];
	uint64_t serial = 0;
	uint8_t *b = NULL;
	json_t *o = NULL, *arr;
	size_t n, i;
	int r, rc = 1, listed;

	if (serial_s != NULL && parse_u64(serial_s, &serial) != 0) {
		fprintf(stderr, "yinian: --serial needs a decimal card serial\n");
		return 2;
	}
	if (read_whole(file, &b, &n) != 0)
		return 1;
	if ((r = yn_dl_parse_header(b, n, &h)) != 0) {
		fprintf(stderr, "yinian: %s: not a denylist: %s\n", file, yn_strerror(r));
		goto out;
	}
	r = h.kind == YN_DL_FULL ? yn_denylist_parse_unverified(b, n, &l)
				 : yn_dl_delta_parse(b, n, &d);
	if (r != 0) {
		fprintf(stderr, "yinian: %s: malformed: %s\n", file, yn_strerror(r));
		goto out;
	}
	yn_hex_encode(h.key_id, YN_KEYID_LEN, idhex, sizeof(idhex));
	fmt_time(h.issued_at, ia);
	fmt_time(h.not_after, na);
	if (serial_s != NULL && h.kind == YN_DL_FULL) {
		listed = yn_denylist_lookup(l, serial, &e);
		if (as_json) {
			o = listed ? entry_json(&e) : json_pack("{s:s}", "serial", serial_s);
			json_object_set_new(o, "listed", json_boolean(listed));
			json_object_set_new(o, "list_seq", json_integer((json_int_t)h.seq));
		} else if (listed) {
			fmt_day(e.listed_day, day);
			printf("%" PRIu64 ": listed since %s (%s) in list %" PRIu64 "\n", serial, day,
			       yn_dl_reason_name(e.reason), h.seq);
		} else {
			printf("%" PRIu64 ": not listed in list %" PRIu64 "\n", serial, h.seq);
		}
	} else if (serial_s != NULL) {
		fprintf(stderr, "yinian: --serial needs a full list, not a delta\n");
		rc = 2;
		goto out;
	} else if (as_json) {
		o = json_pack("{s:s,s:I,s:s,s:s,s:s,s:I,s:b}", "kind",
			      h.kind == YN_DL_FULL ? "full" : "delta", "seq", (json_int_t)h.seq,
			      "key_id", idhex, "issued_at", ia, "not_after", na, "count",
			      (json_int_t)h.count, "signature_checked", 0);
		arr = json_array();
		if (h.kind == YN_DL_FULL) {
			for (i = 0; i < yn_denylist_count(l); i++) {
				yn_denylist_entry(l, i, &e);
				json_array_append_new(arr, entry_json(&e));
			}
			json_object_set_new(o, "entries", arr);
		} else {
			json_object_set_new(o, "base_seq", json_integer((json_int_t)h.base_seq));
			for (i = 0; i < h.n_add; i++) {
				yn_dl_delta_add(&d, i, &e);
				json_array_append_new(arr, entry_json(&e));
			}
			json_object_set_new(o, "additions", arr);
			arr = json_array();
			for (i = 0; i < h.n_remove; i++) {
				char s[32];

				snprintf(s, sizeof(s), "%" PRIu64, yn_dl_delta_removal(&d, i));
				json_array_append_new(arr, json_string(s));
			}
			json_object_set_new(o, "removals", arr);
		}
	} else {
		printf("%s %" PRIu64 ", key %s, issued %s, not after %s, %" PRIu32
		       " entries (signature not checked)\n",
		       h.kind == YN_DL_FULL ? "full list" : "delta to list", h.seq, idhex, ia, na,
		       h.count);
		if (h.kind == YN_DL_FULL) {
			for (i = 0; i < yn_denylist_count(l); i++) {
				yn_denylist_entry(l, i, &e);
				fmt_day(e.listed_day, day);
				printf("%" PRIu64 " %s %s\n", e.serial, day, yn_dl_reason_name(e.reason));
			}
		} else {
			printf("base %" PRIu64 ", %" PRIu32 " additions, %" PRIu32 " removals\n",
			       h.base_seq, h.n_add, h.n_remove);
			for (i = 0; i < h.n_add; i++) {
				yn_dl_delta_add(&d, i, &e);
				fmt_day(e.listed_day, day);
				printf("+ %" PRIu64 " %s %s\n", e.serial, day, yn_dl_reason_name(e.reason));
			}
			for (i = 0; i < h.n_remove; i++)
				printf("- %" PRIu64 "\n", yn_dl_delta_removal(&d, i));
		}
	}
	if (o != NULL) {
		if (json_dumpf(o, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0)
			goto out;
		printf("\n");
	}
	rc = 0;
out:
	json_decref(o);
	yn_denylist_free(l);
	free(b);
	return rc;
}

int yn_cmd_denylist(int argc, char **argv)
{
	enum { OPT_ISSUED = 1000, OPT_TO, OPT_DELTA };
	static const struct option opts[] = {
		{ "in", required_argument, NULL, 'i' },
		{ "key", required_argument, NULL, 'k' },
		{ "pub", required_argument, NULL, 'p' },
		{ "seq", required_argument, NULL, 'n' },
		{ "valid-for", required_argument, NULL, 'v' },
		{ "issued-at", required_argument, NULL, OPT_ISSUED },
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, OPT_TO },
		{ "base", required_argument, NULL, 'b' },
		{ "delta", required_argument, NULL, OPT_DELTA },
		{ "out", required_argument, NULL, 'o' },
		{ "serial", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *in = NULL, *key = NULL, *pub[MAX_PUB], *from = NULL, *to = NULL, *out = NULL;
	const char *serial = NULL, *verb;
	uint64_t seq = 0;
	int64_t valid = 0, issued = (int64_t)time(NULL);
	int n_pub = 0, as_json = 0, c;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	verb = argv[1];
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "i:k:p:n:v:f:b:o:s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 'i': in = optarg; break;
		case 'k': key = optarg; break;
		case 'p':
			if (n_pub == MAX_PUB) {
				fprintf(stderr, "yinian: at most %d --pub keys\n", MAX_PUB);
				return 2;
			}
			pub[n_pub++] = optarg;
			break;
		case 'n':
			if (parse_u64(optarg, &seq) != 0 || seq == 0) {
				fprintf(stderr, "yinian: --seq needs a number from 1\n");
				return 2;
			}
			break;
		case 'v':
			if (parse_duration(optarg, &valid) != 0) {
				fprintf(stderr, "yinian: --valid-for needs N[s|m|h|d|w], e.g. 30d\n");
				return 2;
			}
			break;
		case OPT_ISSUED:
			if (parse_time(optarg, &issued) != 0) {
				fprintf(stderr, "yinian: --issued-at needs Unix seconds or "
					"YYYY-MM-DDTHH:MM:SSZ\n");
				return 2;
			}
			break;
		case 'f': case 'b': from = optarg; break;
		case OPT_TO: case OPT_DELTA: to = optarg; break;
		case 'o': out = optarg; break;
		case 's': serial = optarg; break;
		case 'j': as_json = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (strcmp(verb, "build") == 0) {
		if (in && key && seq && valid && out && optind == argc)
			return cmd_build(in, key, seq, valid, issued, out);
		fprintf(stderr, "yinian: denylist build needs --in, --key, --seq, --valid-for "
			"and --out\n");
	} else if (strcmp(verb, "delta") == 0) {
		if (from && to && key && out && optind == argc)
			return cmd_delta(from, to, key, out);
		fprintf(stderr, "yinian: denylist delta needs --from, --to, --key and --out\n");
	} else if (strcmp(verb, "apply") == 0) {
		if (from && to && out && optind == argc)
			return cmd_apply(from, to, pub, n_pub, out);
		fprintf(stderr, "yinian: denylist apply needs --base, --delta, --pub and --out\n");
	} else if (strcmp(verb, "verify") == 0) {
		if (optind + 1 == argc)
			return cmd_verify(argv[optind], pub, n_pub);
		fprintf(stderr, "yinian: denylist verify needs --pub KEY and one FILE\n");
	} else if (strcmp(verb, "show") == 0) {
		if (optind + 1 == argc)
			return cmd_show(argv[optind], serial, as_json);
		fprintf(stderr, "yinian: denylist show needs one FILE\n");
	} else {
		usage(stderr);
	}
	return 2;
}
