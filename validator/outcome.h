/*
 * The outcome of one tap, as the daemon reports it (event line, journal,
 * metrics).  Filled by the tap; read by events, metrics and the tools.
 */
#ifndef YN_OUTCOME_H
#define YN_OUTCOME_H

#include <stddef.h>
#include <stdint.h>

enum yn_verdict {
	YN_VERDICT_DENY = 0,	/* fail closed: the zero value denies */
	YN_VERDICT_GRANT = 1,
	YN_VERDICT_TAP_AGAIN = 2,	/* card left or deadline passed: nothing granted */
};

struct yn_outcome {
	enum yn_verdict verdict;
	char reason[32];	/* stable name: "ok", "expired", "denylisted", ... */
	char message[192];	/* for the display, e.g. "已过期 card expired" */
	int error;		/* YN_E* behind a TAP_AGAIN or a technical denial, else 0 */

	uint64_t serial;	/* card serial, if the holder record was read */
	int have_serial;
	uint8_t uid[10];
	size_t uid_len;

	char granted[16];	/* "ride", "subsidy", "voucher" or "" */
	uint32_t subsidy_fen;
	uint32_t voucher_units;
	int64_t voucher_left;	/* balance after the tap, -1 if unknown */

	uint32_t apdus;		/* command APDUs sent */
	uint32_t bytes_out;	/* bytes sent to the card */
	uint32_t bytes_in;	/* bytes received from the card */
	uint64_t latency_us;	/* card present -> decision, without the journal sync */
	uint64_t sync_us;	/* journal write + sync */
	uint64_t journal_seq;	/* 0 if not journaled */

	int64_t time_utc;	/* Unix seconds of the decision */
	char reader[256];	/* reader URI */
};

const char *yn_verdict_name(enum yn_verdict v);

#endif
