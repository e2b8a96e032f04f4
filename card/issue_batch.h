/*
 * Batch issuance: one CSV row per holder (columns: docs/issuance.md §7),
 * one card per row, a progress line per card and a summary at the end.
 */
#ifndef YN_ISSUE_BATCH_H
#define YN_ISSUE_BATCH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "card/issue.h"

#define YN_BATCH_ROWS_MAX 10000
#define YN_BATCH_FAIL_KEEP 64	/* failures kept for the summary */

/*
 * One data row, given the header's column names, into a holder (and its
 * voucher count, -1 when the row has no "vouchers" cell).  Cells are turned
 * into the holder JSON members of the same names (categories separated by
 * ';') and parsed by yn_holder_json_parse, so the rules and messages are
 * the holder file's; an empty serial means "allocate" (h->serial = 0).
 * err names the column.  YN_EFORMAT / YN_ERANGE / YN_ENOENT as the parser.
 */
int yn_batch_row(char *const *names, char *const *cells, size_t n, int64_t now,
		 struct yn_holder *h, int32_t *vouchers, char *err, size_t errlen);

/* Split one CSV line (RFC 4180 quoting, no embedded newlines) in place
 * into at most cap cells.  YN_EFORMAT for a bad quote, YN_ENOSPC for too
 * many cells. */
int yn_batch_split(char *line, char **cells, size_t cap, size_t *n);

struct yn_batch_ops {
	/* Ask for card i (0-based) of n and wait for it; *rd is the reader it
	 * is on.  A failure ends the batch. */
	int (*present)(void *ctx, size_t i, size_t n, struct yn_reader **rd);
	/* Card i is done (r = its result): have it taken away. */
	void (*done)(void *ctx, size_t i, size_t n, int r);
};

struct yn_batch_summary {
	size_t rows, issued, failed;
	size_t n_fail;
	struct {
		size_t row;		/* 1-based data row */
		char msg[512];
	} fail[YN_BATCH_FAIL_KEEP];
};

/*
 * Issue a card for every row of the CSV file at path with key set ks;
 * tmpl gives the options every card shares (vouchers: the default when a
 * row has none; resume, serial_file, now, timeout).  Progress lines go to
 * out ("[3/20] serial 1003 issued", "[4/20] row 4 FAILED: ...").  A row
 * that fails is counted and reported and the batch goes on, unless
 * stop_on_error.  Returns 0 when every row was issued, YN_ECANCELLED when
 * it stopped on an error, the first failure's code otherwise (also for a
 * file that cannot be read or has a bad header: then no card is asked for).
 */
int yn_issue_batch(const char *path, const struct yn_keyset *ks, const struct yn_issue_req *tmpl,
		   const struct yn_batch_ops *ops, void *ctx, int stop_on_error, FILE *out,
		   struct yn_batch_summary *sum);

#endif
