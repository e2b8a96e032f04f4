/*
 * One transaction at a gate, canteen till or service point (DESIGN §4):
 *
 *   card present -> SELECT the Yinian application -> AuthenticateEV2First
 *   with the read key diversified for this card -> read the holder record
 *   (Full) and what the role needs -> verify the issuer signature (cached)
 *   -> denylist -> policy -> for a grant: authenticate with the role's write
 *   key, write (trip record / benefit state / voucher debit), journal an
 *   intent durably, CommitTransaction, journal the outcome durably -> the
 *   decision.
 *
 * Every card exchange gets the time left of budget_ms from card presence.
 * A card that leaves or a deadline that passes ends the tap as TAP_AGAIN with
 * nothing granted: without CommitTransaction the card discards the writes.
 * If the commit's answer is lost the card may hold the write: the outcome is
 * TAP_AGAIN and the journal's intent stays open.  The next tap of the same
 * card on the same reader settles it: if the card holds the write (terminal
 * number and time on the card) the grant is confirmed ("confirmed", nothing
 * new is written or paid twice); if not, the intent is closed as not granted
 * and the tap proceeds.  If the card is not seen again within 10 minutes (or
 * the daemon stops), the intent is closed as "uncertain" for the back office
 * (docs/journal-format.md).
 *
 * The hot path allocates nothing, reads no file, fetches no algorithm.
 */
#ifndef YN_TAP_H
#define YN_TAP_H

#include <stdint.h>

#include "card/desfire.h"
#include "validator/outcome.h"
#include "validator/terminal.h"

struct yn_reader;

/* One reader's tap context (one per reader thread). */
struct yn_tap_ctx {
	struct yn_term *term;
	struct yn_reader *reader;
	struct yn_dl_reader *dlr;
	struct yn_desfire df;
	/* The last grant whose commit answer was lost: confirmed on re-tap. */
	struct {
		uint64_t serial;
		uint64_t intent_seq;
		uint32_t card_time;	/* the time written on the card */
		int64_t at;		/* when (UTC) */
		char granted[16];
		uint32_t subsidy_fen, voucher_units;
		uint8_t grants;		/* YN_JGRANT_* */
	} pending;
};

int yn_tap_ctx_init(struct yn_tap_ctx *c, struct yn_term *t, struct yn_reader *r);
void yn_tap_ctx_free(struct yn_tap_ctx *c);

/* Run one tap on the card that is present (yn_reader_wait_card has
 * returned 0).  t0_ns is the monotonic time the card was seen; now_utc the
 * decision time (the daemon passes the real clock; `yinian tap --now` a
 * fixed one).  Fills *o (always, also on failure) and journals it.
 * Returns 0 when a decision was reached and journaled (grant, deny or
 * tap again), or a YN_E* code when the journal could not be written (the
 * daemon must stop: nothing may be granted without a durable record). */
int yn_tap_run(struct yn_tap_ctx *c, uint64_t t0_ns, int64_t now_utc, struct yn_outcome *o);

#endif
