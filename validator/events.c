#include "validator/events.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "base/bytes.h"
#include "base/err.h"

const char *yn_verdict_name(enum yn_verdict v)
{
	switch (v) {
	case YN_VERDICT_GRANT: return "grant";
	case YN_VERDICT_TAP_AGAIN: return "tap_again";
	default: return "deny";
	}
}

static void iso_time(int64_t t, char *buf, size_t cap)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (gmtime_r(&tt, &tm) == NULL || strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, cap, "%lld", (long long)t);
}

int yn_event_json(const struct yn_outcome *o, const char *terminal_id, char *buf, size_t cap,
		  size_t *len)
{
	char ts[32], uid[2 * 10 + 1] = "";
	json_t *j;
	size_t n;
	int r = 0;

	*len = 0;
	iso_time(o->time_utc, ts, sizeof(ts));
	if (o->uid_len > 0 && o->uid_len <= 10)
		yn_hex_encode(o->uid, o->uid_len, uid, sizeof(uid));
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "decision", "terminal",
		      terminal_id, "time", ts, "verdict", yn_verdict_name(o->verdict), "reason",
		      o->reason, "message", o->message);
	if (j == NULL)
		return YN_ENOMEM;
	if (json_object_set_new(j, "serial",
				o->have_serial ? json_integer((json_int_t)o->serial) : json_null()) ||
	    json_object_set_new(j, "uid", json_string(uid)) ||
	    json_object_set_new(j, "granted", json_string(o->granted)) ||
	    json_object_set_new(j, "subsidy_fen", json_integer(o->subsidy_fen)) ||
	    json_object_set_new(j, "voucher_units", json_integer(o->voucher_units)) ||
	    json_object_set_new(j, "voucher_left", o->voucher_left >= 0 ?
				json_integer(o->voucher_left) : json_null()) ||
	    json_object_set_new(j, "apdus", json_integer(o->apdus)) ||
	    json_object_set_new(j, "bytes_out", json_integer(o->bytes_out)) ||
	    json_object_set_new(j, "bytes_in", json_integer(o->bytes_in)) ||
	    json_object_set_new(j, "latency_us", json_integer((json_int_t)o->latency_us)) ||
	    json_object_set_new(j, "sync_us", json_integer((json_int_t)o->sync_us)) ||
	    json_object_set_new(j, "journal_seq", json_integer((json_int_t)o->journal_seq)) ||
	    json_object_set_new(j, "reader", json_string(o->reader)) ||
	    json_object_set_new(j, "error",
				o->error ? json_string(yn_errname(o->error)) : json_null())) {
		r = YN_ENOMEM;
		goto out;
	}
	n = json_dumpb(j, buf, cap > 0 ? cap - 1 : 0, JSON_COMPACT);
	if (n == 0) {
		r = YN_ENOMEM;
		goto out;
	}
	if (n + 1 >= cap) {
		r = YN_ENOSPC;
		goto out;
	}
	buf[n] = '\n';
	buf[n + 1] = '\0';
	*len = n + 1;
out:
	json_decref(j);
	return r;
}

void yn_event_human(const struct yn_outcome *o, char *buf, size_t cap)
{
	char uid[2 * 10 + 1] = "-";

	if (o->uid_len > 0 && o->uid_len <= 10)
		yn_hex_encode(o->uid, o->uid_len, uid, sizeof(uid));
	snprintf(buf, cap, "%s %s%s%s serial %llu uid %s: %s (%u APDUs, %.1f ms + sync %.1f ms)",
		 o->verdict == YN_VERDICT_GRANT ? "GRANT" :
		 o->verdict == YN_VERDICT_TAP_AGAIN ? "TAP AGAIN" : "DENY",
		 o->verdict == YN_VERDICT_GRANT ? o->granted : o->reason,
		 o->subsidy_fen ? " " : "",
		 o->subsidy_fen ? "subsidy" : "",
		 (unsigned long long)o->serial, uid, o->message, o->apdus,
		 (double)o->latency_us / 1000.0, (double)o->sync_us / 1000.0);
}
