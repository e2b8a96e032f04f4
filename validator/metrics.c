#include "validator/metrics.h"

#include <string.h>

#include <jansson.h>

#include "base/err.h"

const uint64_t yn_metrics_bucket_us[YN_METRICS_BUCKETS] = {
	250, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000, 200000, 300000, UINT64_MAX,
};

void yn_metrics_init(struct yn_metrics *m, int64_t now_utc)
{
	memset(m, 0, sizeof(*m));
	pthread_mutex_init(&m->lock, NULL);
	m->started_utc = now_utc;
}

void yn_metrics_destroy(struct yn_metrics *m)
{
	pthread_mutex_destroy(&m->lock);
}

void yn_metrics_record(struct yn_metrics *m, const struct yn_outcome *o)
{
	size_t i;

	pthread_mutex_lock(&m->lock);
	m->taps++;
	if (o->verdict == YN_VERDICT_GRANT)
		m->grants++;
	else if (o->verdict == YN_VERDICT_TAP_AGAIN)
		m->tap_again++;
	else
		m->denials++;
	if (o->verdict != YN_VERDICT_GRANT) {
		for (i = 0; i < YN_METRICS_REASONS; i++) {
			if (m->reasons[i].name[0] == '\0') {
				snprintf(m->reasons[i].name, sizeof(m->reasons[i].name), "%s",
					 o->reason);
			}
			if (strcmp(m->reasons[i].name, o->reason) == 0) {
				m->reasons[i].count++;
				break;
			}
		}
	}
	for (i = 0; i < YN_METRICS_BUCKETS; i++) {
		if (o->latency_us <= yn_metrics_bucket_us[i]) {
			m->buckets[i]++;
			break;
		}
	}
	if (o->latency_us > m->latency_max_us)
		m->latency_max_us = o->latency_us;
	pthread_mutex_unlock(&m->lock);
}

void yn_metrics_reader_state(struct yn_metrics *m, size_t idx, const char *uri,
			     const char *state)
{
	if (idx >= YN_METRICS_READERS)
		return;
	pthread_mutex_lock(&m->lock);
	snprintf(m->readers[idx].uri, sizeof(m->readers[idx].uri), "%s", uri);
	snprintf(m->readers[idx].state, sizeof(m->readers[idx].state), "%s", state);
	if (idx >= m->n_readers)
		m->n_readers = idx + 1;
	pthread_mutex_unlock(&m->lock);
}

void yn_metrics_denylist(struct yn_metrics *m, uint64_t seq, int64_t issued, int64_t not_after,
			 uint64_t entries)
{
	pthread_mutex_lock(&m->lock);
	m->denylist_seq = seq;
	m->denylist_issued_utc = issued;
	m->denylist_not_after_utc = not_after;
	m->denylist_entries = entries;
	pthread_mutex_unlock(&m->lock);
}

void yn_metrics_reload(struct yn_metrics *m, int ok, const char *error)
{
	pthread_mutex_lock(&m->lock);
	if (ok) {
		m->reloads_ok++;
	} else {
		m->reloads_refused++;
		snprintf(m->last_reload_error, sizeof(m->last_reload_error), "%s",
			 error ? error : "");
	}
	pthread_mutex_unlock(&m->lock);
}

int yn_metrics_json(struct yn_metrics *m, const char *terminal_id, int64_t now_utc, char *buf,
		    size_t cap, size_t *len)
{
	json_t *j = NULL, *reasons, *hist, *readers;
	size_t i, n;
	int r = YN_ENOMEM;

	*len = 0;
	pthread_mutex_lock(&m->lock);
	reasons = json_object();
	hist = json_array();
	readers = json_array();
	if (reasons == NULL || hist == NULL || readers == NULL)
		goto out_partial;
	for (i = 0; i < YN_METRICS_REASONS && m->reasons[i].name[0]; i++)
		json_object_set_new(reasons, m->reasons[i].name,
				    json_integer((json_int_t)m->reasons[i].count));
	for (i = 0; i < YN_METRICS_BUCKETS; i++)
		json_array_append_new(hist, json_pack("{s:o, s:I}", "le_us",
			yn_metrics_bucket_us[i] == UINT64_MAX ? json_string("inf") :
			json_integer((json_int_t)yn_metrics_bucket_us[i]),
			"count", (json_int_t)m->buckets[i]));
	for (i = 0; i < m->n_readers; i++)
		json_array_append_new(readers, json_pack("{s:s, s:s}", "uri", m->readers[i].uri,
							 "state", m->readers[i].state));
	j = json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:I, s:o}",
		      "type", "status", "terminal", terminal_id,
		      "uptime_s", (json_int_t)(now_utc - m->started_utc),
		      "taps", (json_int_t)m->taps, "grants", (json_int_t)m->grants,
		      "denials", (json_int_t)m->denials, "tap_again", (json_int_t)m->tap_again,
		      "denials_by_reason", reasons, "latency_histogram", hist,
		      "latency_max_us", (json_int_t)m->latency_max_us, "readers", readers);
	reasons = hist = readers = NULL;	/* transferred */
	if (j == NULL)
		goto out_partial;
	json_object_set_new(j, "denylist", json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s}",
		"sequence", (json_int_t)m->denylist_seq,
		"issued_utc", (json_int_t)m->denylist_issued_utc,
		"not_after_utc", (json_int_t)m->denylist_not_after_utc,
		"age_s", (json_int_t)(m->denylist_issued_utc ? now_utc - m->denylist_issued_utc : 0),
		"entries", (json_int_t)m->denylist_entries,
		"reloads_ok", (json_int_t)m->reloads_ok,
		"reloads_refused", (json_int_t)m->reloads_refused,
		"last_reload_error", m->last_reload_error));
	pthread_mutex_unlock(&m->lock);
	n = json_dumpb(j, buf, cap > 0 ? cap - 1 : 0, JSON_COMPACT);
	r = 0;
	if (n == 0)
		r = YN_ENOMEM;
	else if (n + 1 >= cap)
		r = YN_ENOSPC;
	else {
		buf[n] = '\n';
		buf[n + 1] = '\0';
		*len = n + 1;
	}
	json_decref(j);
	return r;
out_partial:
	pthread_mutex_unlock(&m->lock);
	json_decref(reasons);
	json_decref(hist);
	json_decref(readers);
	return r;
}
