#include "validator/tap.h"

#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "card/cardstate.h"
#include "card/holder.h"
#include "card/yinian_app.h"
#include "crypto/crypto.h"
#include "reader/reader.h"

/* Journal reason codes above the policy's own (docs/journal-format.md). */
enum {
	TAP_R_TAP_AGAIN = 100,
	TAP_R_NOT_YINIAN = 101,
	TAP_R_CARD_ERROR = 102,
	TAP_R_CARD_INVALID = 103,
	TAP_R_UNKNOWN_CARD = 104,
	TAP_R_COMMIT_LOST = 105,
	TAP_R_CONFIRMED = 106,
	TAP_R_NOT_ISSUED = 107,
};

/* How long a lost commit answer is remembered for confirmation on re-tap. */
#define PENDING_WINDOW_S 600

struct tap {
	struct yn_tap_ctx *c;
	struct yn_term *t;
	const struct yn_config *cfg;
	struct yn_outcome *o;
	uint64_t t0, deadline, sync_ns;
	int64_t now;
	uint64_t apdus0, tx0, rx0;
	uint16_t reason_code;
	uint8_t uid[YN_UID_LEN];
	struct yn_holder h;
	int have_holder;
	uint8_t digest[YN_SHA256_LEN];	/* SHA-256 of UID || record as read */
	int have_digest;
	uint8_t key[16];
	struct yn_triprec trips[YN_TRIPLOG_REC_MAX];
	size_t n_trips;
	struct yn_benefitrec benefit;
	int32_t purse;
	int have_purse;
	uint8_t buf[512];
};

static void outcome(struct tap *p, enum yn_verdict v, const char *reason, uint16_t code,
		    const char *zh, const char *en)
{
	p->o->verdict = v;
	snprintf(p->o->reason, sizeof(p->o->reason), "%s", reason);
	snprintf(p->o->message, sizeof(p->o->message), "%s %s", zh, en);
	p->reason_code = code;
}

static int card_lost(int e)
{
	return e == YN_ECARDGONE || e == YN_ETIMEOUT || e == YN_ENOCARD || e == YN_EREADER ||
	       e == YN_EUNRESPONSIVE || e == YN_ENOSERVICE || e == YN_ECANCELLED;
}

/* A failed card exchange before any commit: decide what it means. */
static void card_failed(struct tap *p, int e, const char *what)
{
	p->o->error = e;
	if (card_lost(e)) {
		outcome(p, YN_VERDICT_TAP_AGAIN, "tap_again", TAP_R_TAP_AGAIN, "请重新刷卡",
			"please tap again");
		yn_info("tap: %s: %s: tap again", what, yn_strerror(e));
		return;
	}
	if (e == YN_EBADMAC || e == YN_EPROTO || e == YN_ENOSPC) {
		outcome(p, YN_VERDICT_DENY, "card_error", TAP_R_CARD_ERROR, "卡片异常",
			"card error: please see the service desk");
	} else {
		outcome(p, YN_VERDICT_DENY, "card_invalid", TAP_R_CARD_INVALID, "卡片数据无效",
			"card data invalid: please see the service desk");
	}
	yn_warn("tap: %s: %s: denied", what, yn_strerror(e));
}

static int role_write_key(enum yn_role role)
{
	return role == YN_ROLE_GATE ? YN_KEY_TRIP : YN_KEY_DEBIT;
}

static int authenticate(struct tap *p, unsigned keyno, int first)
{
	int e = yn_keyset_card_key(&p->t->keys, keyno, p->uid, p->key);

	if (e == 0) {
		if (first || !yn_desfire_is_authenticated(&p->c->df))
			e = yn_desfire_auth_ev2_first(&p->c->df, (uint8_t)keyno, p->key,
						      p->deadline);
		else
			e = yn_desfire_auth_ev2_nonfirst(&p->c->df, (uint8_t)keyno, p->key,
							 p->deadline);
	}
	yn_cleanse(p->key, sizeof(p->key));
	return e;
}

/* SELECT, authenticate with the read key, read and check the holder record. */
static int read_holder(struct tap *p)
{
	uint8_t sigin[YN_UID_LEN + YN_HOLDER_LEN];
	const char *why = NULL;
	size_t n = 0;
	int e;

	e = yn_desfire_select_application(&p->c->df, YN_APP_AID, p->deadline);
	if (e == YN_ECARD_NOAPP) {
		outcome(p, YN_VERDICT_DENY, "not_yinian", TAP_R_NOT_YINIAN, "非颐年卡",
			"not a Yinian card");
		return e;
	}
	if (e != 0) {
		card_failed(p, e, "select");
		return e;
	}
	e = authenticate(p, YN_KEY_READ, 1);
	if (e == YN_ECARD_AUTH || e == YN_EBADMAC) {
		/* A card whose issuance stopped before the keys were changed
		 * still has the application's factory key (16 x 00). */
		static const uint8_t factory[16];

		if (yn_desfire_auth_ev2_first(&p->c->df, YN_KEY_READ, factory, p->deadline) == 0) {
			p->o->error = e;
			outcome(p, YN_VERDICT_DENY, "not_issued", TAP_R_NOT_ISSUED,
				"卡片未完成发行", "card not fully issued: please see the service desk");
			yn_warn("tap: the card's keys are still the factory keys: issuance was "
				"not completed (yinian issue --resume)");
			return YN_ECARD_AUTH;
		}
	}
	if (e == YN_ECARD_AUTH || e == YN_EBADMAC || e == YN_ECARD_NOKEY) {
		/* Our diversified key does not open it: not issued by this
		 * scheme's keys (a clone, or another system's card). */
		p->o->error = e;
		outcome(p, YN_VERDICT_DENY, "unknown_card", TAP_R_UNKNOWN_CARD, "无法识别此卡",
			"card not recognised: please see the service desk");
		yn_warn("tap: authentication with the read key failed: %s", yn_strerror(e));
		return e;
	}
	if (e != 0) {
		card_failed(p, e, "authenticate");
		return e;
	}
	e = yn_desfire_read_data(&p->c->df, YN_DESFIRE_FULL, YN_FILE_HOLDER, 0, YN_HOLDER_LEN,
				 p->buf, sizeof(p->buf), &n, p->deadline);
	if (e == 0 && n != YN_HOLDER_LEN)
		e = YN_EPROTO;
	if (e == YN_ECARD_NOFILE) {
		p->o->error = e;
		outcome(p, YN_VERDICT_DENY, "not_issued", TAP_R_NOT_ISSUED, "卡片未完成发行",
			"card not fully issued: please see the service desk");
		yn_warn("tap: the holder record file is missing: issuance was not completed "
			"(yinian issue --resume)");
		return e;
	}
	if (e != 0) {
		card_failed(p, e, "read holder record");
		return e;
	}
	e = yn_holder_decode(p->buf, n, &p->h, &why);
	if (e != 0 && p->buf[0] == 0) {
		/* An empty record (version 0): issuance stopped before the
		 * record was written. */
		p->o->error = e;
		outcome(p, YN_VERDICT_DENY, "not_issued", TAP_R_NOT_ISSUED, "卡片未完成发行",
			"card not fully issued: please see the service desk");
		yn_warn("tap: the holder record is empty: issuance was not completed "
			"(yinian issue --resume)");
		return e;
	}
	if (e != 0) {
		p->o->error = e;
		outcome(p, YN_VERDICT_DENY, "card_invalid", TAP_R_CARD_INVALID, "卡片数据无效",
			"card data invalid: please see the service desk");
		yn_warn("tap: holder record refused: %s (%s)", why ? why : "", yn_strerror(e));
		return e;
	}
	p->have_holder = 1;
	p->o->serial = p->h.serial;
	p->o->have_serial = 1;
	/* Cache key: what the signature covers plus the signature itself. */
	memcpy(sigin, p->uid, YN_UID_LEN);
	memcpy(sigin + YN_UID_LEN, p->buf, YN_HOLDER_LEN);
	p->have_digest = yn_sha256(sigin, sizeof(sigin), p->digest) == 0;
	return 0;
}

static int signature_ok(struct tap *p)
{
	const char *why = NULL;
	int e;

	/* The record decoded strictly, so the bytes read are its only
	 * encoding: their digest (read_holder) is the cache key. */
	if (p->have_digest && yn_term_cache_has(p->t, p->digest))
		return 1;
	e = yn_holder_verify(&p->h, p->uid, &p->t->issuers, &why);
	if (e != 0) {
		yn_warn("tap: card serial %llu: holder record not genuine: %s (%s)",
			(unsigned long long)p->h.serial, why ? why : "", yn_strerror(e));
		return 0;
	}
	if (p->have_digest)
		yn_term_cache_add(p->t, p->digest);
	return 1;
}

/* Role-specific reads.  Errors are reported in p->o; returns nonzero to stop. */
static int read_state(struct tap *p)
{
	const char *why = NULL;
	size_t n = 0;
	int e;

	switch (p->cfg->role) {
	case YN_ROLE_GATE:
		e = yn_desfire_read_records(&p->c->df, YN_DESFIRE_MAC, YN_FILE_TRIPLOG, 0, 0,
					    p->buf, sizeof(p->buf), &n, p->deadline);
		if (e != 0 && !card_lost(e) && e != YN_EBADMAC && e != YN_EPROTO &&
		    e != YN_ENOSPC) {
			/* A card refuses ReadRecords on an empty record file
			 * (and drops the session): no trips yet. */
			p->n_trips = 0;
			return 0;
		}
		if (e != 0) {
			card_failed(p, e, "read trip log");
			return e;
		}
		e = yn_triprec_decode_list(p->buf, n, p->trips, YN_TRIPLOG_REC_MAX, &p->n_trips,
					   &why);
		if (e != 0) {
			p->o->error = e;
			outcome(p, YN_VERDICT_DENY, "card_invalid", TAP_R_CARD_INVALID,
				"卡片数据无效", "card data invalid: please see the service desk");
			yn_warn("tap: trip log refused: %s", why ? why : yn_strerror(e));
			return e;
		}
		return 0;
	case YN_ROLE_SERVICE:
		/* The purse is readable with the debit key only. */
		if ((e = authenticate(p, YN_KEY_DEBIT, 0)) != 0) {
			card_failed(p, e, "authenticate (debit key)");
			return e;
		}
		if ((e = yn_desfire_get_value(&p->c->df, YN_DESFIRE_MAC, YN_FILE_PURSE, &p->purse,
					      p->deadline)) != 0) {
			card_failed(p, e, "read voucher purse");
			return e;
		}
		p->have_purse = 1;
		/* fall through: the benefit state too */
		/* FALLTHROUGH */
	case YN_ROLE_CANTEEN:
		e = yn_desfire_read_data(&p->c->df, YN_DESFIRE_MAC, YN_FILE_BENEFIT, 0,
					 YN_BENEFITREC_LEN, p->buf, sizeof(p->buf), &n, p->deadline);
		if (e == 0 && n != YN_BENEFITREC_LEN)
			e = YN_EPROTO;
		if (e != 0) {
			card_failed(p, e, "read benefit state");
			return e;
		}
		e = yn_benefitrec_decode(p->buf, n, &p->benefit, &why);
		if (e != 0) {
			p->o->error = e;
			outcome(p, YN_VERDICT_DENY, "card_invalid", TAP_R_CARD_INVALID,
				"卡片数据无效", "card data invalid: please see the service desk");
			yn_warn("tap: benefit state refused: %s", why ? why : yn_strerror(e));
			return e;
		}
		return 0;
	default:
		return YN_EINTERNAL;
	}
}

static void ymd_date(uint32_t ymd, struct yn_date *d)
{
	if (ymd == 0)
		memset(d, 0, sizeof(*d));
	else
		yn_date_from_ymd(ymd, d);
}

static uint32_t date_ymd(const struct yn_date *d)
{
	if (d->year == 0)
		return 0;
	return (uint32_t)d->year * 10000u + d->month * 100u + d->day;
}

static uint8_t pol_role(enum yn_role r)
{
	return r == YN_ROLE_GATE ? YN_POL_ROLE_GATE :
	       r == YN_ROLE_CANTEEN ? YN_POL_ROLE_CANTEEN : YN_POL_ROLE_SERVICE;
}

static void fill_input(struct tap *p, int sig_ok, int listed, int fresh, struct yn_pol_input *in)
{
	const struct yn_config *cfg = p->cfg;
	size_t i;

	memset(in, 0, sizeof(*in));
	in->holder.serial = p->h.serial;
	ymd_date(p->h.birth, &in->holder.birth);
	in->holder.residency = p->h.residency;
	in->holder.district = p->h.district;
	in->holder.categories = p->h.categories;
	ymd_date(p->h.not_before, &in->holder.not_before);
	ymd_date(p->h.not_after, &in->holder.not_after);
	in->checks.sig_ok = (uint8_t)sig_ok;
	in->checks.not_denylisted = (uint8_t)!listed;
	in->checks.list_fresh = (uint8_t)fresh;
	for (i = 0; i < p->n_trips && i < YN_POL_TRIPS_MAX; i++) {
		in->card.trips[i].station = (uint32_t)p->trips[i].line << 16 | p->trips[i].station;
		in->card.trips[i].time = p->trips[i].time;
		in->card.trips[i].kind = p->trips[i].kind;
	}
	in->card.n_trips = i;
	ymd_date(p->benefit.last_meal, &in->card.benefit.last_meal);
	in->card.benefit.meals_on_last = p->benefit.meals_on_last;
	in->card.benefit.meals_total = p->benefit.meal_count;
	in->card.benefit.subsidy_total_fen = p->benefit.subsidy_total;
	ymd_date(p->benefit.last_service, &in->card.benefit.last_service);
	in->card.benefit.services_total = p->benefit.service_count;
	in->card.vouchers = p->purse;
	in->terminal.role = pol_role(cfg->role);
	in->terminal.gate_kind = cfg->gate_kind;
	in->terminal.service_class = cfg->premium ? YN_CLASS_PREMIUM : YN_CLASS_ORDINARY;
	in->terminal.canteen_open = cfg->canteen_open;
	in->terminal.station = (uint32_t)cfg->line << 16 | cfg->station;
	in->terminal.district = p->t->district;
	in->terminal.price_fen = (int32_t)cfg->price_fen;
	in->now = p->now;
}

static uint32_t card_time(int64_t now)
{
	return now < 0 ? 0 : now > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)now;
}

/* Authenticate for writing and send the role's writes (no commit yet). */
static int write_grant(struct tap *p, const struct yn_decision *d)
{
	const struct yn_config *cfg = p->cfg;
	const char *why = NULL;
	size_t n = 0;
	int e;

	if (cfg->role != YN_ROLE_SERVICE || !yn_desfire_is_authenticated(&p->c->df)) {
		if ((e = authenticate(p, (unsigned)role_write_key(cfg->role), 0)) != 0)
			return e;
	}
	if (d->updates.append_trip) {
		struct yn_triprec tr = {
			.kind = cfg->gate_kind,
			.time = card_time(p->now),
			.line = cfg->line,
			.station = cfg->station,
			.terminal = cfg->terminal_number,
			.direction = YN_TRIPREC_DIR_NONE,
		};

		if ((e = yn_triprec_encode(&tr, p->buf, sizeof(p->buf), &n, &why)) != 0) {
			yn_err("tap: trip record not encoded: %s", why ? why : yn_strerror(e));
			return e;
		}
		if ((e = yn_desfire_write_record(&p->c->df, YN_DESFIRE_MAC, YN_FILE_TRIPLOG, 0,
						 p->buf, n, p->deadline)) != 0)
			return e;
	}
	if (d->updates.voucher_debit > 0 &&
	    (e = yn_desfire_debit(&p->c->df, YN_DESFIRE_MAC, YN_FILE_PURSE,
				  (int32_t)d->updates.voucher_debit, p->deadline)) != 0)
		return e;
	if (d->updates.write_benefit) {
		struct yn_benefitrec b = p->benefit;

		b.last_meal = date_ymd(&d->updates.benefit.last_meal);
		b.meals_on_last = d->updates.benefit.meals_on_last;
		b.meal_count = d->updates.benefit.meals_total;
		b.subsidy_total = d->updates.benefit.subsidy_total_fen;
		b.last_service = date_ymd(&d->updates.benefit.last_service);
		b.service_count = d->updates.benefit.services_total;
		b.updated_at = card_time(p->now);
		b.updated_by = cfg->terminal_number;
		if ((e = yn_benefitrec_encode(&b, p->buf, sizeof(p->buf), &n, &why)) != 0) {
			yn_err("tap: benefit state not encoded: %s", why ? why : yn_strerror(e));
			return e;
		}
		if ((e = yn_desfire_write_data(&p->c->df, YN_DESFIRE_MAC, YN_FILE_BENEFIT, 0, p->buf,
					       n, p->deadline)) != 0)
			return e;
	}
	return 0;
}

static uint8_t jdecision(enum yn_verdict v)
{
	return v == YN_VERDICT_GRANT ? YN_JDEC_GRANT :
	       v == YN_VERDICT_TAP_AGAIN ? YN_JDEC_TAP_AGAIN : YN_JDEC_DENY;
}

static void counters(struct tap *p)
{
	p->o->apdus = (uint32_t)(p->c->df.apdus - p->apdus0);
	p->o->bytes_out = (uint32_t)(p->c->df.bytes_tx - p->tx0);
	p->o->bytes_in = (uint32_t)(p->c->df.bytes_rx - p->rx0);
}

static int journal(struct tap *p, uint8_t kind, uint8_t decision, uint64_t intent_seq,
		   uint64_t *seq)
{
	struct yn_journal_rec rec;
	uint64_t t = yn_now_ns();
	int e;

	memset(&rec, 0, sizeof(rec));
	counters(p);
	rec.kind = kind;
	rec.decision = decision;
	rec.grants = (uint8_t)((strcmp(p->o->granted, "ride") == 0 ? YN_JGRANT_RIDE : 0) |
			       (p->o->subsidy_fen ? YN_JGRANT_SUBSIDY : 0) |
			       (p->o->voucher_units ? YN_JGRANT_VOUCHER : 0));
	rec.reason = p->reason_code;
	rec.time_us = p->now * 1000000;
	rec.mono_ns = p->t0;
	snprintf(rec.terminal, sizeof(rec.terminal), "%s", p->cfg->terminal_id);
	rec.card_serial = p->o->have_serial ? p->o->serial : 0;
	rec.uid_len = (uint8_t)p->o->uid_len;
	memcpy(rec.uid, p->o->uid, p->o->uid_len);
	rec.subsidy_fen = p->o->subsidy_fen;
	rec.voucher_units = p->o->voucher_units;
	rec.apdu_count = (uint16_t)(p->o->apdus > 0xFFFF ? 0xFFFF : p->o->apdus);
	rec.latency_us = (uint32_t)((t - p->t0 - p->sync_ns) / 1000);
	rec.intent_seq = intent_seq;
	e = yn_term_journal(p->t, &rec, seq);
	p->sync_ns += yn_now_ns() - t;
	if (e != 0)
		yn_err("JOURNAL WRITE FAILED (%s): nothing more will be granted until it is fixed",
		       yn_strerror(e));
	return e;
}

/* Close the intent of a grant whose commit answer was lost, with decision
 * (GRANT: found on the card; TAP_AGAIN: not on it; UNCERTAIN: card not seen
 * again in time).  The outcome record names the intent. */
static int settle_pending(struct tap *p, uint8_t decision, uint16_t reason)
{
	struct yn_journal_rec rec;
	struct yn_tap_ctx *c = p->c;
	uint64_t seq = 0, t = yn_now_ns();
	int e;

	memset(&rec, 0, sizeof(rec));
	rec.kind = YN_JKIND_OUTCOME;
	rec.decision = decision;
	rec.grants = decision == YN_JDEC_GRANT ? c->pending.grants : 0;
	rec.reason = reason;
	rec.time_us = p->now * 1000000;
	rec.mono_ns = p->t0;
	snprintf(rec.terminal, sizeof(rec.terminal), "%s", p->cfg->terminal_id);
	rec.card_serial = c->pending.serial;
	rec.subsidy_fen = decision == YN_JDEC_GRANT ? c->pending.subsidy_fen : 0;
	rec.voucher_units = decision == YN_JDEC_GRANT ? c->pending.voucher_units : 0;
	rec.intent_seq = c->pending.intent_seq;
	e = yn_term_journal(p->t, &rec, &seq);
	p->sync_ns += yn_now_ns() - t;
	if (e != 0)
		yn_err("JOURNAL WRITE FAILED (%s): nothing more will be granted until it is fixed",
		       yn_strerror(e));
	else
		yn_notice("tap: card serial %llu: the grant of intent %llu is %s",
			  (unsigned long long)c->pending.serial,
			  (unsigned long long)c->pending.intent_seq,
			  decision == YN_JDEC_GRANT ? "on the card: confirmed" :
			  decision == YN_JDEC_TAP_AGAIN ? "not on the card: it was not granted" :
			  "uncertain: the card was not seen again");
	c->pending.intent_seq = 0;
	return e;
}

/* Was the write of a grant whose commit answer we lost on the card after all? */
static int pending_on_card(struct tap *p)
{
	struct yn_tap_ctx *c = p->c;
	size_t i;

	if (p->cfg->role == YN_ROLE_GATE) {
		for (i = 0; i < p->n_trips; i++)
			if (p->trips[i].terminal == p->cfg->terminal_number &&
			    p->trips[i].time == c->pending.card_time)
				return 1;
		return 0;
	}
	return p->benefit.updated_by == p->cfg->terminal_number &&
	       p->benefit.updated_at == c->pending.card_time;
}

static void granted_fields(struct tap *p, const struct yn_decision *d)
{
	snprintf(p->o->granted, sizeof(p->o->granted), "%s",
		 d->ride ? "ride" : d->subsidy_fen ? "subsidy" : d->voucher_units ? "voucher" : "");
	p->o->subsidy_fen = d->subsidy_fen;
	p->o->voucher_units = d->voucher_units;
	if (p->have_purse)
		p->o->voucher_left = d->voucher_units ? d->updates.voucher_left : p->purse;
}

int yn_tap_run(struct yn_tap_ctx *c, uint64_t t0_ns, int64_t now_utc, struct yn_outcome *o)
{
	struct tap p;
	struct yn_card_info info;
	struct yn_pol_input in;
	struct yn_decision d;
	struct yn_policy_ref *pref = NULL;
	const struct yn_policy *pol;
	const struct yn_denylist *dl;
	uint64_t intent = 0, seq = 0;
	int e, sig_ok = 0, listed = 0, fresh = 0, rc = 0;

	memset(&p, 0, sizeof(p));
	memset(o, 0, sizeof(*o));
	p.c = c;
	p.t = c->term;
	p.cfg = c->term->cfg;
	p.o = o;
	p.t0 = t0_ns;
	p.deadline = t0_ns + (uint64_t)p.cfg->budget_ms * YN_NS_PER_MS;
	p.now = now_utc;
	p.apdus0 = c->df.apdus;
	p.tx0 = c->df.bytes_tx;
	p.rx0 = c->df.bytes_rx;
	o->voucher_left = -1;
	o->time_utc = now_utc;
	snprintf(o->reader, sizeof(o->reader), "%s", yn_reader_uri(c->reader));
	/* Fail closed: a DENY until the end of the grant path. */
	outcome(&p, YN_VERDICT_DENY, "internal", YN_POL_R_INTERNAL, "系统错误", "internal error");
	yn_desfire_reset(&c->df);

	e = yn_reader_card_info(c->reader, &info);
	if (e != 0) {
		card_failed(&p, e, "card info");
		goto decided;
	}
	if (info.uid_len > 0 && info.uid_len <= sizeof(o->uid)) {
		memcpy(o->uid, info.uid, info.uid_len);
		o->uid_len = info.uid_len;
	}
	if (info.uid_len != YN_UID_LEN) {
		/* Yinian cards have 7-byte UIDs (random IDs are off). */
		outcome(&p, YN_VERDICT_DENY, "not_yinian", TAP_R_NOT_YINIAN, "非颐年卡",
			"not a Yinian card");
		goto decided;
	}
	memcpy(p.uid, info.uid, YN_UID_LEN);
	if (read_holder(&p) != 0 || read_state(&p) != 0)
		goto decided;

	if (c->pending.intent_seq != 0 && c->pending.serial == p.h.serial &&
	    p.now >= c->pending.at && p.now - c->pending.at > PENDING_WINDOW_S &&
	    pending_on_card(&p)) {
		/* Seen again too late for this tap to be the same request, but
		 * the card proves the old grant (this terminal's number and the
		 * intent's time): record it as granted, then decide this tap. */
		if ((rc = settle_pending(&p, YN_JDEC_GRANT, TAP_R_CONFIRMED)) != 0)
			goto out;
	}
	if (c->pending.intent_seq != 0 && c->pending.serial == p.h.serial &&
	    p.now >= c->pending.at && p.now - c->pending.at <= PENDING_WINDOW_S) {
		if (pending_on_card(&p)) {
			/* The grant whose commit answer was lost is on the card:
			 * this tap confirms it (and grants nothing new). */
			outcome(&p, YN_VERDICT_GRANT, "confirmed", TAP_R_CONFIRMED, "已确认",
				"previous tap confirmed");
			snprintf(o->granted, sizeof(o->granted), "%s", c->pending.granted);
			o->subsidy_fen = c->pending.subsidy_fen;
			o->voucher_units = c->pending.voucher_units;
			o->journal_seq = c->pending.intent_seq;
			rc = settle_pending(&p, YN_JDEC_GRANT, TAP_R_CONFIRMED);
			goto out;
		}
		if ((rc = settle_pending(&p, YN_JDEC_TAP_AGAIN, TAP_R_COMMIT_LOST)) != 0)
			goto out;
	}

	sig_ok = signature_ok(&p);
	if (c->pending.intent_seq != 0 && p.now - c->pending.at > PENDING_WINDOW_S &&
	    (rc = settle_pending(&p, YN_JDEC_UNCERTAIN, TAP_R_COMMIT_LOST)) != 0)
		goto out;
	dl = yn_dl_reader_enter(c->dlr);
	if (dl != NULL) {
		listed = yn_denylist_lookup(dl, p.h.serial, NULL) == 1;
		fresh = !yn_denylist_is_stale(dl, now_utc);
	}
	yn_dl_reader_leave(c->dlr);

	pol = yn_term_policy_get(p.t, &pref);
	fill_input(&p, sig_ok, listed, fresh, &in);
	e = yn_policy_decide(pol, &in, &d);
	yn_term_policy_put(p.t, pref);
	if (e != 0) {
		yn_err("tap: policy failed: %s", yn_strerror(e));
		goto decided;
	}
	p.reason_code = (uint16_t)d.reason;
	snprintf(o->reason, sizeof(o->reason), "%s", d.reason_name);
	snprintf(o->message, sizeof(o->message), "%s", d.display);
	if (d.verdict != YN_POL_GRANT) {
		o->verdict = YN_VERDICT_DENY;
		if (p.have_purse)
			o->voucher_left = p.purse;
		goto decided;
	}

	/* The grant path: write, journal the intent, commit, journal the outcome. */
	granted_fields(&p, &d);
	e = write_grant(&p, &d);
	if (e != 0) {
		memset(o->granted, 0, sizeof(o->granted));
		o->subsidy_fen = o->voucher_units = 0;
		card_failed(&p, e, "write");
		goto decided;
	}
	o->verdict = YN_VERDICT_TAP_AGAIN;	/* until the commit is confirmed */
	rc = journal(&p, YN_JKIND_INTENT, YN_JDEC_GRANT, 0, &intent);
	if (rc != 0) {
		/* Without a durable intent nothing is committed: the card drops
		 * the writes when the session ends. */
		memset(o->granted, 0, sizeof(o->granted));
		o->subsidy_fen = o->voucher_units = 0;
		outcome(&p, YN_VERDICT_TAP_AGAIN, "tap_again", TAP_R_TAP_AGAIN, "请重新刷卡",
			"please tap again");
		o->error = rc;
		goto out;
	}
	e = yn_desfire_commit(&p.c->df, YN_DESFIRE_MAC, p.deadline);
	if (e != 0) {
		int lost = card_lost(e) || e == YN_EBADMAC || e == YN_EPROTO;

		memset(o->granted, 0, sizeof(o->granted));
		o->subsidy_fen = o->voucher_units = 0;
		o->voucher_left = -1;
		o->error = e;
		outcome(&p, YN_VERDICT_TAP_AGAIN, "tap_again",
			lost ? TAP_R_COMMIT_LOST : TAP_R_TAP_AGAIN, "请重新刷卡", "please tap again");
		if (lost) {
			/* The card may have committed: the intent stays open, and
			 * the next tap of this card on this reader settles it. */
			c->pending.serial = p.h.serial;
			c->pending.intent_seq = intent;
			c->pending.card_time = card_time(p.now);
			c->pending.at = p.now;
			snprintf(c->pending.granted, sizeof(c->pending.granted), "%s",
				 d.ride ? "ride" : d.subsidy_fen ? "subsidy" : "voucher");
			c->pending.subsidy_fen = d.subsidy_fen;
			c->pending.voucher_units = d.voucher_units;
			c->pending.grants = (uint8_t)((d.ride ? YN_JGRANT_RIDE : 0) |
						      (d.subsidy_fen ? YN_JGRANT_SUBSIDY : 0) |
						      (d.voucher_units ? YN_JGRANT_VOUCHER : 0));
			o->journal_seq = intent;
			yn_warn("tap: card serial %llu: commit answer lost (%s): uncertain until "
				"the card is seen again", (unsigned long long)p.h.serial,
				yn_strerror(e));
		} else {
			rc = journal(&p, YN_JKIND_OUTCOME, YN_JDEC_TAP_AGAIN, intent, &seq);
			o->journal_seq = seq;
		}
		goto out;
	}
	o->verdict = YN_VERDICT_GRANT;
	rc = journal(&p, YN_JKIND_OUTCOME, YN_JDEC_GRANT, intent, &seq);
	o->journal_seq = seq;
	goto out;

decided:
	rc = journal(&p, YN_JKIND_OUTCOME, jdecision(o->verdict), 0, &seq);
	o->journal_seq = seq;
	if (rc != 0 && o->verdict == YN_VERDICT_GRANT)
		o->verdict = YN_VERDICT_TAP_AGAIN;
out:
	counters(&p);
	o->sync_us = p.sync_ns / 1000;
	{
		uint64_t total = yn_now_ns() - t0_ns;

		o->latency_us = (total > p.sync_ns ? total - p.sync_ns : 0) / 1000;
	}
	yn_cleanse(p.key, sizeof(p.key));
	if (!yn_desfire_is_authenticated(&c->df))
		yn_desfire_reset(&c->df);
	return rc;
}

int yn_tap_ctx_init(struct yn_tap_ctx *c, struct yn_term *t, struct yn_reader *r)
{
	int e;

	memset(c, 0, sizeof(*c));
	c->term = t;
	c->reader = r;
	yn_desfire_init(&c->df, r);
	/* Card failures are routine at a gate (a card pulled away): the tap
	 * logs its own one-line account; the layer's detail goes to info. */
	c->df.log_level = YN_LOG_INFO;
	e = yn_dl_reader_new(t->dl, &c->dlr);
	return e;
}

void yn_tap_ctx_free(struct yn_tap_ctx *c)
{
	if (c->pending.intent_seq != 0 && c->term != NULL) {
		/* The card was not seen again: leave the record saying so. */
		struct tap p;

		memset(&p, 0, sizeof(p));
		p.c = c;
		p.t = c->term;
		p.cfg = c->term->cfg;
		p.now = c->pending.at;
		p.t0 = yn_now_ns();
		(void)settle_pending(&p, YN_JDEC_UNCERTAIN, TAP_R_COMMIT_LOST);
	}
	if (c->dlr)
		yn_dl_reader_free(c->dlr);
	yn_desfire_reset(&c->df);
	memset(c, 0, sizeof(*c));
}
