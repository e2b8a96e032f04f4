#include "card/issue_batch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/err.h"
#include "card/holder_json.h"

#define CSV_LINE_MAX 2048
#define CSV_COLS_MAX 16

static const char *const known_cols[] = {
	"serial", "uid", "birth_date", "residency", "district", "categories", "not_before",
	"not_after", "issued_at", "vouchers", "name", "note",
};

static int seterr(char *err, size_t errlen, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int seterr(char *err, size_t errlen, int r, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return r;
}

/*
 * RFC 4180 without embedded line breaks: cells separated by ','; a cell
 * that starts with '"' runs to the next lone '"', and "" inside it is one
 * '"'.  Trailing CR/LF removed.
 */
int yn_batch_split(char *line, char **cells, size_t cap, size_t *n)
{
	char *r = line, *w;
	size_t len;

	*n = 0;
	len = strlen(line);
	while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
		line[--len] = '\0';
	for (;;) {
		if (*n >= cap)
			return YN_ENOSPC;
		cells[(*n)++] = w = r;
		if (*r == '"') {
			r++;
			for (;;) {
				if (*r == '\0')
					return YN_EFORMAT;
				if (*r == '"') {
					if (r[1] == '"') {
						*w++ = '"';
						r += 2;
						continue;
					}
					r++;
					break;
				}
				*w++ = *r++;
			}
			if (*r != ',' && *r != '\0')
				return YN_EFORMAT;
		} else {
			while (*r != ',' && *r != '\0') {
				if (*r == '"')
					return YN_EFORMAT;
				*w++ = *r++;
			}
		}
		if (*r == '\0') {
			*w = '\0';
			return 0;
		}
		r++;	/* past ',' */
		*w = '\0';
	}
}

static int known(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(known_cols) / sizeof(known_cols[0]); i++)
		if (strcmp(name, known_cols[i]) == 0)
			return 1;
	return 0;
}

int yn_batch_row(char *const *names, char *const *cells, size_t n, int64_t now,
		 struct yn_holder *h, int32_t *vouchers, char *err, size_t errlen)
{
	json_t *o = NULL, *cats;
	char *text = NULL, *end;
	int r;
	long v;
	size_t i;

	memset(h, 0, sizeof(*h));
	*vouchers = -1;
	if ((o = json_object()) == NULL)
		return YN_ENOMEM;
	for (i = 0; i < n; i++) {
		if (cells[i][0] == '\0')
			continue;
		if (strcmp(names[i], "vouchers") == 0) {
			errno = 0;
			v = strtol(cells[i], &end, 10);
			if (errno != 0 || *end != '\0' || v < 0 || v > YN_PURSE_UPPER) {
				r = seterr(err, errlen, YN_ERANGE,
					   "vouchers: \"%s\" is not a number 0..%d", cells[i],
					   YN_PURSE_UPPER);
				goto out;
			}
			*vouchers = (int32_t)v;
			continue;
		}
		if (strcmp(names[i], "categories") == 0) {
			char *save = NULL, *tok;

			if ((cats = json_array()) == NULL || json_object_set_new(o, "categories", cats)) {
				r = YN_ENOMEM;
				goto out;
			}
			for (tok = strtok_r(cells[i], ";", &save); tok != NULL;
			     tok = strtok_r(NULL, ";", &save))
				if (json_array_append_new(cats, json_string(tok)) != 0) {
					r = YN_ENOMEM;
					goto out;
				}
			continue;
		}
		if (json_object_set_new(o, names[i], json_string(cells[i])) != 0) {
			r = seterr(err, errlen, YN_EFORMAT, "%s: not valid UTF-8", names[i]);
			goto out;
		}
	}
	/* an empty serial cell leaves the member out: the desk allocates one */
	if ((text = json_dumps(o, 0)) == NULL) {
		r = YN_ENOMEM;
		goto out;
	}
	if ((r = yn_holder_json_parse(text, strlen(text), now, h, err, errlen)) != 0)
		goto out;
out:
	free(text);
	json_decref(o);
	return r;
}

static void fail(struct yn_batch_summary *sum, size_t row, const char *msg)
{
	sum->failed++;
	if (sum->n_fail < YN_BATCH_FAIL_KEEP) {
		sum->fail[sum->n_fail].row = row;
		snprintf(sum->fail[sum->n_fail].msg, sizeof(sum->fail[0].msg), "%s", msg);
		sum->n_fail++;
	}
}

int yn_issue_batch(const char *path, const struct yn_keyset *ks, const struct yn_issue_req *tmpl,
		   const struct yn_batch_ops *ops, void *ctx, int stop_on_error, FILE *out,
		   struct yn_batch_summary *sum)
{
	char **lines = NULL, buf[CSV_LINE_MAX], hdr[CSV_LINE_MAX], *names[CSV_COLS_MAX];
	char *cells[CSV_COLS_MAX], err[256];
	size_t nl = 0, ncol = 0, nc, i, j;
	struct yn_issue_report rep;
	struct yn_issue_req req;
	struct yn_reader *rd;
	int32_t vouchers;
	FILE *f;
	int r, first = 0;

	memset(sum, 0, sizeof(*sum));
	if ((f = fopen(path, "re")) == NULL) {
		fprintf(out, "%s: %s\n", path, strerror(errno));
		return errno == ENOENT ? YN_ENOENT : YN_EIO;
	}
	if (fgets(hdr, sizeof(hdr), f) == NULL) {
		fclose(f);
		fprintf(out, "%s: empty file (the first line must name the columns)\n", path);
		return YN_EFORMAT;
	}
	if (yn_batch_split(hdr, names, CSV_COLS_MAX, &ncol) != 0) {
		fclose(f);
		fprintf(out, "%s line 1: the header is not a CSV line of at most %d columns\n",
			path, CSV_COLS_MAX);
		return YN_EFORMAT;
	}
	for (i = 0; i < ncol; i++) {
		if (!known(names[i])) {
			fclose(f);
			fprintf(out, "%s line 1: unknown column \"%s\" (docs/issuance.md §7)\n", path,
				names[i]);
			return YN_EFORMAT;
		}
		for (j = 0; j < i; j++)
			if (strcmp(names[i], names[j]) == 0) {
				fclose(f);
				fprintf(out, "%s line 1: column \"%s\" twice\n", path, names[i]);
				return YN_EFORMAT;
			}
	}
	/* read every row first: a file that ends early is known before any card */
	while (fgets(buf, sizeof(buf), f) != NULL) {
		char **nlines;

		if (strchr(buf, '\n') == NULL && !feof(f)) {
			fprintf(out, "%s line %zu: longer than %d bytes\n", path, nl + 2,
				CSV_LINE_MAX - 2);
			r = YN_EFORMAT;
			goto done;
		}
		if (buf[0] == '\n' || (buf[0] == '\r' && buf[1] == '\n'))
			continue;
		if (nl >= YN_BATCH_ROWS_MAX) {
			fprintf(out, "%s: more than %d rows\n", path, YN_BATCH_ROWS_MAX);
			r = YN_ERANGE;
			goto done;
		}
		if ((nlines = realloc(lines, (nl + 1) * sizeof(*lines))) == NULL ||
		    (nlines[nl] = strdup(buf)) == NULL) {
			if (nlines != NULL)
				lines = nlines;
			r = YN_ENOMEM;
			goto done;
		}
		lines = nlines;
		nl++;
	}
	if (ferror(f)) {
		r = YN_EIO;
		goto done;
	}
	sum->rows = nl;
	for (i = 0; i < nl; i++) {
		req = *tmpl;
		if ((r = yn_batch_split(lines[i], cells, CSV_COLS_MAX, &nc)) != 0 || nc != ncol) {
			snprintf(err, sizeof(err), "line %zu: %zu cells, the header has %zu", i + 2,
				 nc, ncol);
			r = YN_EFORMAT;
		} else {
			r = yn_batch_row(names, cells, nc, tmpl->now, &req.holder, &vouchers, err,
					 sizeof(err));
			if (vouchers >= 0)
				req.vouchers = vouchers;
		}
		if (r != 0) {
			fprintf(out, "[%zu/%zu] row %zu FAILED (no card used): %s\n", i + 1, nl,
				i + 1, err);
			fail(sum, i + 1, err);
		} else if ((r = ops->present(ctx, i, nl, &rd)) != 0) {
			fprintf(out, "[%zu/%zu] no card: %s; batch stopped\n", i + 1, nl,
				yn_strerror(r));
			fail(sum, i + 1, yn_strerror(r));
			if (first == 0)
				first = r;
			break;
		} else {
			r = yn_issue_card(rd, ks, &req, &rep);
			if (r == 0) {
				sum->issued++;
				fprintf(out, "[%zu/%zu] serial %llu issued (%llu APDUs, %llu ms)\n",
					i + 1, nl, (unsigned long long)rep.serial,
					(unsigned long long)rep.apdus, (unsigned long long)rep.ms);
			} else {
				fprintf(out, "[%zu/%zu] row %zu FAILED: %s\n", i + 1, nl, i + 1,
					rep.msg[0] ? rep.msg : yn_strerror(r));
				fail(sum, i + 1, rep.msg[0] ? rep.msg : yn_strerror(r));
			}
			fflush(out);	/* the line before the clerk is asked for the next card */
			if (ops->done != NULL)
				ops->done(ctx, i, nl, r);
		}
		fflush(out);
		if (r != 0) {
			if (first == 0)
				first = r;
			if (stop_on_error) {
				fprintf(out, "stopped at row %zu (--stop-on-error); rows %zu..%zu not "
					     "issued\n", i + 1, i + 2 > nl ? nl : i + 2, nl);
				first = YN_ECANCELLED;
				break;
			}
		}
	}
	fprintf(out, "summary: %zu row%s, %zu issued, %zu failed\n", sum->rows,
		sum->rows == 1 ? "" : "s", sum->issued, sum->failed);
	for (i = 0; i < sum->n_fail; i++)
		fprintf(out, "  row %zu: %s\n", sum->fail[i].row, sum->fail[i].msg);
	r = first;
done:
	for (i = 0; i < nl; i++)
		free(lines[i]);
	free(lines);
	fclose(f);
	return r;
}
