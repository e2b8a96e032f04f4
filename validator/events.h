/*
 * Decision events: one JSON object per line (for gate and till software,
 * on stdout and the event socket) and one human line for the log.
 *
 * JSON line fields (docs/operations.md, "Events"): type ("decision"),
 * terminal, time (ISO 8601 UTC), verdict (grant|deny|tap_again), reason,
 * message, serial (number or null), uid (hex), granted, subsidy_fen,
 * voucher_units, voucher_left, apdus, bytes_out, bytes_in, latency_us,
 * sync_us, journal_seq, reader, error (name or null).
 */
#ifndef YN_EVENTS_H
#define YN_EVENTS_H

#include <stddef.h>

#include "validator/outcome.h"

/* Format o as one JSON line (with the trailing newline) into buf.
 * YN_ENOSPC if it does not fit, YN_ENOMEM if JSON encoding fails. */
int yn_event_json(const struct yn_outcome *o, const char *terminal_id, char *buf, size_t cap,
		  size_t *len);
/* A one-line summary for the log ("GRANT ride serial 1001 uid 04.. 2.1 ms"). */
void yn_event_human(const struct yn_outcome *o, char *buf, size_t cap);

#endif
