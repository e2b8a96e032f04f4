#include "validator/terminal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"
#include "crypto/crypto.h"

struct yn_policy_ref {
	int refs;		/* under pol_lock */
	struct yn_policy p;
};

static void say(char *err, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *err, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, cap, fmt, ap);
	va_end(ap);
}

enum yn_keyrole yn_term_keyrole(enum yn_role role)
{
	switch (role) {
	case YN_ROLE_GATE: return YN_KEYROLE_GATE;
	case YN_ROLE_CANTEEN: return YN_KEYROLE_CANTEEN;
	case YN_ROLE_SERVICE: return YN_KEYROLE_SERVICE;
	default: return (enum yn_keyrole)0;
	}
}

static int load_policy(const struct yn_config *cfg, struct yn_policy_ref **out, char *err,
		       size_t cap)
{
	struct yn_policy_ref *ref = calloc(1, sizeof(*ref));
	struct yn_pol_error pe = { 0 };
	int r;

	*out = NULL;
	if (ref == NULL)
		return YN_ENOMEM;
	if (cfg->policy_file[0])
		r = yn_policy_load_file(cfg->policy_file, &ref->p, &pe);
	else
		r = yn_policy_default(&ref->p);
	if (r != 0) {
		if (pe.line > 0)
			say(err, cap, "policy %s: line %d: %s", cfg->policy_file, pe.line, pe.msg);
		else
			say(err, cap, "policy %s: %s", cfg->policy_file[0] ? cfg->policy_file :
			    "(built-in)", pe.msg[0] ? pe.msg : yn_strerror(r));
		free(ref);
		return r;
	}
	ref->refs = 1;
	*out = ref;
	return 0;
}

static int install_denylist(struct yn_term *t, char *err, size_t cap)
{
	int r = yn_dl_holder_install_file(t->dl, t->cfg->denylist_file);
	const char *why = yn_strerror(r);

	if (r != 0) {
		/* Some messages already begin with "refused: ". */
		if (strncmp(why, "refused: ", 9) == 0)
			why += 9;
		say(err, cap, "denylist %s refused: %s", t->cfg->denylist_file, why);
		return r;
	}
	return 0;
}

int yn_term_open(struct yn_term *t, const struct yn_config *cfg, char *err, size_t cap)
{
	struct yn_journal_opts jo = { 0 };
	char dl_state[YN_CONFIG_PATH + 32];
	size_t i;
	int r;

	memset(t, 0, sizeof(*t));
	t->cfg = cfg;
	pthread_mutex_init(&t->pol_lock, NULL);
	pthread_mutex_init(&t->journal_lock, NULL);
	pthread_mutex_init(&t->cache_lock, NULL);
	yn_holder_trust_init(&t->issuers);

	if ((r = yn_crypto_selftest()) != 0) {
		say(err, cap, "cryptographic self test failed: refusing to run "
		    "(run 'yinian selftest' for details)");
		goto fail;
	}
	if ((r = yn_keyset_load(cfg->keys_dir, yn_term_keyrole(cfg->role), &t->keys)) != 0) {
		say(err, cap, "keys: %s", t->keys.err[0] ? t->keys.err : yn_strerror(r));
		goto fail;
	}
	if ((r = yn_keyset_issuer_trust(&t->keys, &t->issuers)) != 0) {
		say(err, cap, "keys %s: no usable issuer public key: %s", cfg->keys_dir,
		    yn_strerror(r));
		goto fail;
	}
	if (cfg->district[0] &&
	    yn_holder_district_lookup(cfg->district, &t->district) != 0) {
		say(err, cap, "config: unknown district '%s' (futian, luohu, nanshan, yantian, "
		    "baoan, longgang, longhua, pingshan, guangming, dapeng, shenshan)",
		    cfg->district);
		r = YN_ECONFIG;
		goto fail;
	}
	if ((r = load_policy(cfg, &t->pol, err, cap)) != 0)
		goto fail;

	if ((r = yn_dl_trust_new(&t->dl_trust)) != 0)
		goto fail;
	for (i = 0; i < cfg->n_trusted_keys; i++) {
		if ((r = yn_dl_trust_add(t->dl_trust, cfg->trusted_keys[i])) != 0) {
			say(err, cap, "denylist trusted_key %s: %s", cfg->trusted_keys[i],
			    yn_strerror(r));
			goto fail;
		}
	}
	if (cfg->denylist_state[0])
		snprintf(dl_state, sizeof(dl_state), "%s", cfg->denylist_state);
	else
		snprintf(dl_state, sizeof(dl_state), "%s.state", cfg->denylist_file);
	if ((r = yn_dl_holder_new(dl_state, t->dl_trust, &t->dl)) != 0) {
		say(err, cap, "denylist state %s: %s", dl_state, yn_strerror(r));
		goto fail;
	}
	if ((r = install_denylist(t, err, cap)) != 0)
		goto fail;

	jo.terminal = cfg->terminal_id;
	jo.max_file_bytes = cfg->journal_rotate_bytes;
	jo.rotate_daily = 1;
	jo.utc_offset_s = 8 * 3600;
	r = yn_journal_open(cfg->journal_dir, &jo, &t->journal, &t->recovery);
	if (r != 0) {
		if (t->recovery.corrupt)
			say(err, cap, "journal %s is corrupt at %s offset %llu (record %llu: %s): "
			    "refusing to write to it; run 'yinian journal verify %s' and move the "
			    "journal aside after the back office has a copy", cfg->journal_dir,
			    t->recovery.bad_file, (unsigned long long)t->recovery.bad_offset,
			    (unsigned long long)t->recovery.bad_seq, t->recovery.bad_why,
			    cfg->journal_dir);
		else
			say(err, cap, "journal %s: %s", cfg->journal_dir, yn_strerror(r));
		goto fail;
	}
	if (t->recovery.torn)
		yn_warn("journal: a torn record at the end of %s (offset %llu, %llu bytes) was cut "
			"off; no acknowledged record was in it", t->recovery.torn_file,
			(unsigned long long)t->recovery.torn_offset,
			(unsigned long long)t->recovery.torn_bytes);
	for (i = 0; i < t->recovery.n_uncertain; i++)
		yn_warn("journal: UNCERTAIN: record %llu (card serial %llu) was about to grant when "
			"the terminal stopped; the card may or may not hold the write; recorded as "
			"record %llu (see docs/journal-format.md, settling uncertain records)",
			(unsigned long long)t->recovery.uncertain[i].seq,
			(unsigned long long)t->recovery.uncertain[i].card_serial,
			(unsigned long long)t->recovery.uncertain[i].uncertain_seq);

	t->cache = calloc(YN_RECCACHE_SLOTS, sizeof(*t->cache));
	if (t->cache == NULL) {
		r = YN_ENOMEM;
		goto fail;
	}
	return 0;
fail:
	if (err[0] == '\0')
		say(err, cap, "%s", yn_strerror(r));
	yn_term_close(t);
	return r;
}

void yn_term_close(struct yn_term *t)
{
	if (t->journal)
		yn_journal_close(t->journal);
	yn_journal_report_free(&t->recovery);
	if (t->dl)
		yn_dl_holder_free(t->dl);
	if (t->dl_trust)
		yn_dl_trust_free(t->dl_trust);
	if (t->pol && --t->pol->refs == 0)
		free(t->pol);
	yn_holder_trust_free(&t->issuers);
	yn_keyset_free(&t->keys);
	free(t->cache);
	pthread_mutex_destroy(&t->pol_lock);
	pthread_mutex_destroy(&t->journal_lock);
	pthread_mutex_destroy(&t->cache_lock);
	memset(t, 0, sizeof(*t));
}

int yn_term_reload(struct yn_term *t, char *err, size_t cap)
{
	struct yn_policy_ref *fresh = NULL, *old;
	char e1[256] = "", e2[256] = "";
	int r1, r2;

	r1 = install_denylist(t, e1, sizeof(e1));
	r2 = load_policy(t->cfg, &fresh, e2, sizeof(e2));
	if (r2 == 0) {
		pthread_mutex_lock(&t->pol_lock);
		old = t->pol;
		t->pol = fresh;
		if (--old->refs == 0)
			free(old);
		pthread_mutex_unlock(&t->pol_lock);
	}
	yn_dl_holder_reclaim(t->dl);
	say(err, cap, "%s%s%s", e1, e1[0] && e2[0] ? "; " : "", e2);
	return r1 != 0 ? r1 : r2;
}

const struct yn_policy *yn_term_policy_get(struct yn_term *t, struct yn_policy_ref **ref)
{
	struct yn_policy_ref *p;

	pthread_mutex_lock(&t->pol_lock);
	p = t->pol;
	p->refs++;
	pthread_mutex_unlock(&t->pol_lock);
	*ref = p;
	return &p->p;
}

void yn_term_policy_put(struct yn_term *t, struct yn_policy_ref *ref)
{
	int last;

	pthread_mutex_lock(&t->pol_lock);
	last = --ref->refs == 0;
	pthread_mutex_unlock(&t->pol_lock);
	if (last)
		free(ref);
}

static size_t slot_of(const uint8_t d[YN_SHA256_LEN])
{
	return ((size_t)d[0] << 8 | d[1]) % YN_RECCACHE_SLOTS;
}

int yn_term_cache_has(struct yn_term *t, const uint8_t d[YN_SHA256_LEN])
{
	int hit;

	pthread_mutex_lock(&t->cache_lock);
	hit = memcmp(t->cache[slot_of(d)], d, YN_SHA256_LEN) == 0;
	pthread_mutex_unlock(&t->cache_lock);
	return hit;
}

void yn_term_cache_add(struct yn_term *t, const uint8_t d[YN_SHA256_LEN])
{
	pthread_mutex_lock(&t->cache_lock);
	memcpy(t->cache[slot_of(d)], d, YN_SHA256_LEN);
	pthread_mutex_unlock(&t->cache_lock);
}

int yn_term_journal(struct yn_term *t, const struct yn_journal_rec *rec, uint64_t *seq)
{
	int r;

	pthread_mutex_lock(&t->journal_lock);
	r = yn_journal_append(t->journal, rec, seq);
	pthread_mutex_unlock(&t->journal_lock);
	return r;
}
