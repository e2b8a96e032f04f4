/*
 * The decision journal: append-only, one record per decision, each record
 * checksummed (CRC-32C) and chained to the previous one by SHA-256, durable
 * (fdatasync on a preallocated file) before yn_journal_append returns.
 * Byte layout, rotation and recovery rules: docs/journal-format.md.
 *
 * A journal is a directory of files journal-<first seq, 20 digits>.ynj.
 * One writer at a time: a struct yn_journal is not thread-safe, and the
 * directory is locked (flock) while it is open for writing.
 *
 * Two-phase grants (DESIGN §4): before the card write that grants, append
 * an INTENT record; after it, the OUTCOME record with intent_seq naming the
 * intent.  Opening the journal after a crash finds each intent without an
 * outcome, appends an explicit OUTCOME/UNCERTAIN record for it and reports
 * it (yn_journal_report.uncertain).
 */
#ifndef YN_JOURNAL_H
#define YN_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

#define YN_JOURNAL_TERMINAL_LEN 16	/* terminal id: ASCII, NUL-padded */
#define YN_JOURNAL_UID_MAX 10		/* ISO 14443 UIDs: 4, 7 or 10 bytes */
#define YN_JOURNAL_REC_LEN 128		/* bytes per record (format version 1) */
#define YN_JOURNAL_HDR_LEN 96		/* bytes of a file header */

enum yn_journal_kind {
	YN_JKIND_INTENT = 1,	/* about to write a grant to the card */
	YN_JKIND_OUTCOME = 2,	/* the decision as it ended */
};

enum yn_journal_decision {
	YN_JDEC_GRANT = 1,
	YN_JDEC_DENY = 2,
	YN_JDEC_TAP_AGAIN = 3,
	YN_JDEC_UNCERTAIN = 4,	/* written by recovery for an unresolved intent */
};

/* What was granted (bits of yn_journal_rec.grants). */
#define YN_JGRANT_RIDE 0x01u
#define YN_JGRANT_SUBSIDY 0x02u
#define YN_JGRANT_VOUCHER 0x04u

/* The reason code recovery puts on the UNCERTAIN records it writes.  Other
 * reason codes belong to the policy module; the journal stores them as is. */
#define YN_JREASON_CRASH_RECOVERY 0xFFFFu

/* One record as the caller sees it.  seq, terminal and prev_hash are filled
 * by the journal on append (and by the reader on read). */
struct yn_journal_rec {
	uint8_t kind;			/* enum yn_journal_kind */
	uint8_t decision;		/* enum yn_journal_decision (intent: what it intends) */
	uint8_t grants;			/* YN_JGRANT_* bits */
	uint16_t reason;		/* policy reason code */
	uint64_t seq;			/* 1, 2, 3, ... across all files */
	int64_t time_us;		/* UTC, microseconds since 1970-01-01 */
	uint64_t mono_ns;		/* terminal's CLOCK_MONOTONIC at the decision */
	char terminal[YN_JOURNAL_TERMINAL_LEN + 1];	/* NUL-terminated */
	uint64_t card_serial;
	uint8_t uid_len;
	uint8_t uid[YN_JOURNAL_UID_MAX];
	uint32_t subsidy_fen;		/* cash subsidy granted, in fen (0.01 yuan) */
	uint32_t voucher_units;		/* voucher units debited */
	uint16_t apdu_count;		/* APDUs the transaction exchanged */
	uint32_t latency_us;		/* card present -> decision */
	uint64_t intent_seq;		/* OUTCOME: the intent it resolves, or 0 */
	uint8_t prev_hash[YN_SHA256_LEN];	/* SHA-256 of the previous record */
};

struct yn_journal_opts {
	const char *terminal;		/* terminal id, 1..16 printable ASCII */
	uint64_t max_file_bytes;	/* rotate when a file would exceed this (0: 64 MiB) */
	int rotate_daily;		/* also start a new file each local day */
	int32_t utc_offset_s;		/* local day for rotate_daily (Asia/Shanghai: 28800) */
	uint32_t prealloc_bytes;	/* preallocation step (0: 1 MiB) */
};

/* An intent still open at recovery: its record's identifying fields and
 * what it was about to grant. */
struct yn_journal_intent {
	uint64_t seq;			/* the intent record */
	uint64_t uncertain_seq;		/* the UNCERTAIN record recovery wrote (0 read-only) */
	uint64_t card_serial;
	int64_t time_us;
	uint8_t grants;
	uint32_t subsidy_fen;
	uint32_t voucher_units;
	uint8_t uid_len;
	uint8_t uid[YN_JOURNAL_UID_MAX];
};

/* What opening (recovery) found and did.  Owned by the caller; free with
 * yn_journal_report_free. */
struct yn_journal_report {
	size_t files;			/* journal files found */
	uint64_t records;		/* valid records */
	uint64_t first_seq, last_seq;	/* 0 if empty */
	int torn;			/* a torn tail was found (and cut, when writing) */
	char torn_file[64];
	uint64_t torn_offset;		/* where it began */
	uint64_t torn_bytes;		/* non-zero bytes discarded */
	size_t tmp_removed;		/* half-made rotation files removed */
	struct yn_journal_intent *uncertain;	/* intents without outcome */
	size_t n_uncertain;
	/* Set when a record in the middle (or a header) is bad: the journal is
	 * corrupt and is not opened for writing. */
	int corrupt;
	char bad_file[64];
	uint64_t bad_offset;
	uint64_t bad_seq;		/* sequence expected there */
	char bad_why[96];
};

struct yn_journal;

/* Open (creating dir's first file if it holds none) for appending, after
 * recovery: a torn tail is cut, unfinished rotation files removed, each
 * unresolved intent gets an UNCERTAIN record.  report (may be NULL) says
 * what was found and done, also on failure.  Returns YN_ECORRUPT (with
 * report->bad_*) if a header or a record before the tail is bad, or the chain
 * breaks: nothing is changed then; YN_EBUSY if another process has the
 * journal open; YN_EINVAL for bad opts.  *out is NULL after a failure. */
int yn_journal_open(const char *dir, const struct yn_journal_opts *opts,
		    struct yn_journal **out, struct yn_journal_report *report);

/* Append one record and make it durable.  The journal fills seq, terminal
 * and prev_hash (the caller's values are ignored) and returns the sequence
 * in *seq (may be NULL).  Returns 0 only once the record is on stable
 * storage.  After an I/O failure the record is not acknowledged and the
 * journal refuses further appends (YN_EIO) until it is closed and opened
 * again, which recovers it; a failed append never leaves a record that a
 * later append could chain over. */
int yn_journal_append(struct yn_journal *j, const struct yn_journal_rec *rec, uint64_t *seq);

/* Sequence the next append will get. */
uint64_t yn_journal_next_seq(const struct yn_journal *j);

/* Close (trimming nothing: the preallocated tail stays for the next open). */
void yn_journal_close(struct yn_journal *j);

void yn_journal_report_free(struct yn_journal_report *report);

/* Read every record of the journal in dir in order, checking each file
 * header, record CRC, sequence and the hash chain, and call fn for each
 * valid record (stop early by returning non-zero from fn: that value is
 * returned).  Changes nothing.  A torn tail in the last file is reported in
 * report->torn (it is what a crash leaves; not an error); anything else bad
 * stops the walk with YN_ECORRUPT and report->bad_* naming the file and
 * byte offset.  Unresolved intents are listed in report->uncertain. */
int yn_journal_read(const char *dir,
		    int (*fn)(void *ctx, const struct yn_journal_rec *rec, const char *file,
			      uint64_t offset),
		    void *ctx, struct yn_journal_report *report);

/* Names for export: "intent"/"outcome", "grant"/"deny"/"tap_again"/"uncertain";
 * "?" for unknown values. */
const char *yn_journal_kind_name(unsigned kind);
const char *yn_journal_decision_name(unsigned decision);

/* Encode rec into a 128-byte record (seq, terminal and prev_hash from rec);
 * YN_EINVAL if a field is out of range.  Decode checks the CRC and every
 * field (YN_ECORRUPT for a bad CRC, YN_EFORMAT for a bad field).  Exposed
 * for tests and tools; the layout is docs/journal-format.md §3. */
int yn_journal_encode(const struct yn_journal_rec *rec, uint8_t out[YN_JOURNAL_REC_LEN]);
int yn_journal_decode(const uint8_t in[YN_JOURNAL_REC_LEN], struct yn_journal_rec *rec);

#endif
