/*
 * Harness: journal recovery (validator/journal.c): the input becomes a
 * journal file in a private directory, which is then read
 * (yn_journal_read, the `journal verify` path), opened for writing
 * (yn_journal_open: recovery cuts a torn tail and writes UNCERTAIN records
 * for open intents), appended to, and read again.
 *
 * Input:  flags (1), then the file's bytes.  CRC-32C and the hash chain
 * gate every record, so the harness can fix them before writing the file:
 *   bit 0  recompute the header CRC and each whole record's CRC
 *   bit 1  rewrite each record's previous-record hash (the chain)
 *   bit 2  name the file after the header's first sequence (else
 *          journal-00000000000000000001.ynj)
 * Every whole 128-byte record also goes through yn_journal_decode.
 * Checks: a journal that opens, takes an append and closes then reads back
 * clean, with no open intent and the appended record last; a journal that
 * reads without corruption also opens.
 */
#include "tests/fuzz/fuzz.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/err.h"
#include "crypto/crypto.h"
#include "validator/journal.h"
#include "validator/wio.h"

static char dir[128];

static void clean_dir(void)
{
	char path[512];
	struct dirent *de;
	DIR *d;

	if ((d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		(void)unlink(path);
	}
	closedir(d);
}

static int count_rec(void *ctx, const struct yn_journal_rec *rec, const char *file,
		     uint64_t offset)
{
	uint64_t *last = ctx;

	(void)file;
	(void)offset;
	YN_FUZZ_CHECK(rec->seq > *last);
	*last = rec->seq;
	return 0;
}

static void fix_up(uint8_t *p, size_t n, uint8_t flags)
{
	uint8_t prev[YN_SHA256_LEN];
	size_t off;

	if (n < YN_JOURNAL_HDR_LEN)
		return;
	if (flags & 1)
		yn_put_u32be(p + YN_JOURNAL_HDR_LEN - 4, yn_crc32c(0, p, YN_JOURNAL_HDR_LEN - 4));
	memcpy(prev, p + 48, YN_SHA256_LEN);
	for (off = YN_JOURNAL_HDR_LEN; off + YN_JOURNAL_REC_LEN <= n; off += YN_JOURNAL_REC_LEN) {
		uint8_t *r = p + off;

		if (flags & 2)
			memcpy(r + 92, prev, YN_SHA256_LEN);
		if (flags & 1)
			yn_put_u32be(r + YN_JOURNAL_REC_LEN - 4,
				     yn_crc32c(0, r, YN_JOURNAL_REC_LEN - 4));
		YN_FUZZ_CHECK(yn_sha256(r, YN_JOURNAL_REC_LEN, prev) == 0);
	}
}

int yn_fuzz_journal(const uint8_t *data, size_t size)
{
	struct yn_journal_opts opts = {
		.terminal = "FUZZ-T1",
		.prealloc_bytes = 4096,
	};
	struct yn_journal_report rep, rep2;
	struct yn_journal_rec rec;
	struct yn_journal *j = NULL;
	char path[256];
	uint8_t *buf = NULL, flags;
	uint64_t first = 1, last = 0, seq = 0;
	size_t n, off;
	int fd, rr, ro, r;

	yn_fuzz_quiet();
	if (dir[0] == '\0') {
		snprintf(dir, sizeof(dir), "%s/journal", yn_fuzz_tmpdir());
		(void)mkdir(dir, 0700);
	}
	if (size < 1)
		return 0;
	flags = data[0];
	n = size - 1;
	if ((buf = malloc(n + 1)) == NULL)
		return 0;
	memcpy(buf, data + 1, n);
	fix_up(buf, n, flags);
	for (off = YN_JOURNAL_HDR_LEN; off + YN_JOURNAL_REC_LEN <= n; off += YN_JOURNAL_REC_LEN)
		(void)yn_journal_decode(buf + off, &rec);
	if ((flags & 4) && n >= 24) {
		first = 0;
		for (off = 16; off < 24; off++)
			first = first << 8 | buf[off];
	}
	clean_dir();
	snprintf(path, sizeof(path), "%s/journal-%020" PRIu64 ".ynj", dir, first);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, buf, n) != (ssize_t)n) {
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);

	memset(&rep, 0, sizeof(rep));
	rr = yn_journal_read(dir, count_rec, &last, &rep);
	memset(&rep2, 0, sizeof(rep2));
	ro = yn_journal_open(dir, &opts, &j, &rep2);
	if (rr == 0 && !rep.corrupt)
		YN_FUZZ_CHECK(ro != YN_ECORRUPT);
	yn_journal_report_free(&rep);
	yn_journal_report_free(&rep2);
	if (ro == 0) {
		memset(&rec, 0, sizeof(rec));
		rec.kind = YN_JKIND_OUTCOME;
		rec.decision = YN_JDEC_DENY;
		rec.reason = 2;
		rec.time_us = 1796011200000000;
		rec.card_serial = 880001;
		r = yn_journal_append(j, &rec, &seq);
		yn_journal_close(j);
		if (r == 0) {
			last = 0;
			memset(&rep, 0, sizeof(rep));
			r = yn_journal_read(dir, count_rec, &last, &rep);
			YN_FUZZ_CHECK(r == 0 && !rep.corrupt);
			YN_FUZZ_CHECK(rep.n_uncertain == 0);
			YN_FUZZ_CHECK(last == seq && rep.last_seq == seq);
			yn_journal_report_free(&rep);
		}
	}
out:
	clean_dir();
	free(buf);
	return 0;
}

#ifdef YN_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return yn_fuzz_journal(data, size);
}
#endif
