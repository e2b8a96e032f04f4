/*
 * Daemon metrics: taps, grants, denials by reason, latency histogram,
 * denylist and reader state.  Updated once per tap under a mutex (never in
 * the card exchange itself); read as JSON by the status request.
 */
#ifndef YN_METRICS_H
#define YN_METRICS_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "validator/outcome.h"

#define YN_METRICS_REASONS 32
#define YN_METRICS_BUCKETS 12
#define YN_METRICS_READERS 4

struct yn_metrics {
	pthread_mutex_t lock;
	int64_t started_utc;
	uint64_t taps, grants, denials, tap_again;
	struct {
		char name[32];
		uint64_t count;
	} reasons[YN_METRICS_REASONS];
	/* latency_us upper bounds; the last bucket is everything above */
	uint64_t buckets[YN_METRICS_BUCKETS];
	uint64_t latency_max_us;
	uint64_t denylist_seq;
	int64_t denylist_issued_utc;
	int64_t denylist_not_after_utc;
	uint64_t denylist_entries;
	uint64_t reloads_ok, reloads_refused;
	char last_reload_error[512];	/* both reasons of a reload: list and policy */
	struct {
		char uri[256];
		char state[32];	/* "waiting", "card", "error: ..." */
	} readers[YN_METRICS_READERS];
	size_t n_readers;
};

extern const uint64_t yn_metrics_bucket_us[YN_METRICS_BUCKETS];

void yn_metrics_init(struct yn_metrics *m, int64_t now_utc);
void yn_metrics_destroy(struct yn_metrics *m);
void yn_metrics_record(struct yn_metrics *m, const struct yn_outcome *o);
void yn_metrics_reader_state(struct yn_metrics *m, size_t idx, const char *uri,
			     const char *state);
void yn_metrics_denylist(struct yn_metrics *m, uint64_t seq, int64_t issued, int64_t not_after,
			 uint64_t entries);
void yn_metrics_reload(struct yn_metrics *m, int ok, const char *error);
/* Status as one JSON line (with newline).  YN_ENOSPC / YN_ENOMEM. */
int yn_metrics_json(struct yn_metrics *m, const char *terminal_id, int64_t now_utc, char *buf,
		    size_t cap, size_t *len);

#endif
