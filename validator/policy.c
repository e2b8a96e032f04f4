/*
 * The entitlement decision (see policy.h for the contract and the order of
 * checks; docs/policy.md for the rules in words).
 */
#include "validator/policy.h"

#include <stdio.h>
#include <string.h>

#include "base/err.h"

/* 2020-01-01 00:00 Shanghai: a terminal clock before this was never set
 * (an RTC that lost power reads 1970); dates computed from it would refuse
 * every card as "not yet valid" instead of saying what is wrong. */
#define YN_POL_CLOCK_MIN (INT64_C(1577836800) - YN_SHANGHAI_UTC_OFFSET)

struct reason_desc {
	const char *name, *zh, *en;
};

static const struct reason_desc reasons[YN_POL_REASON_COUNT] = {
	[YN_POL_GRANTED] = { "ok", "通过", "granted" },
	[YN_POL_R_INTERNAL] = { "internal", "系统错误", "system error" },
	[YN_POL_R_DENYLISTED] = { "denylisted", "此卡已停用", "card blocked" },
	[YN_POL_R_FORGED] = { "forged", "无效卡", "card not genuine" },
	[YN_POL_R_CARD_INVALID] = { "card_invalid", "卡数据错误", "card data invalid" },
	[YN_POL_R_NOT_YET_VALID] = { "not_yet_valid", "尚未生效", "card not yet valid" },
	[YN_POL_R_EXPIRED] = { "expired", "已过期", "card expired" },
	[YN_POL_R_NOT_ELIGIBLE] = { "not_eligible", "不符合优惠条件", "not eligible" },
	[YN_POL_R_WRONG_DISTRICT] = { "wrong_district", "非本区长者饭堂",
				      "canteen outside your district" },
	[YN_POL_R_ALREADY_USED] = { "already_used", "今日已享受补贴",
				    "subsidy already used today" },
	[YN_POL_R_PASSBACK] = { "passback", "刚刚已刷卡", "card just used here" },
	[YN_POL_R_TIME_BAND] = { "time_band", "此时段不免费", "no free travel at this hour" },
	[YN_POL_R_LIST_STALE] = { "list_stale", "名单过期 补贴暂停",
				  "list out of date, benefit paused" },
	[YN_POL_R_NO_VOUCHERS] = { "no_vouchers", "服务券余额不足", "no vouchers left" },
	[YN_POL_R_NOT_WORKDAY] = { "not_workday", "今日不供应补贴餐",
				   "no subsidised meals today" },
	[YN_POL_R_OUTSIDE_LUNCH] = { "outside_lunch", "非午餐时段", "outside lunch hours" },
	[YN_POL_R_CANTEEN_CLOSED] = { "canteen_closed", "饭堂已关闭", "canteen closed" },
	[YN_POL_R_PRICE_INVALID] = { "price_invalid", "餐价无效", "invalid meal price" },
	[YN_POL_R_PREMIUM_CLASS] = { "premium_class", "此线路不免费",
				     "premium service, not free" },
	[YN_POL_R_BAD_TERMINAL] = { "bad_terminal", "终端配置错误", "terminal misconfigured" },
	[YN_POL_R_CLOCK] = { "clock", "终端时钟错误", "terminal clock wrong" },
};

const char *yn_policy_reason_name(enum yn_pol_reason r)
{
	if ((unsigned)r >= YN_POL_REASON_COUNT)
		return "unknown";
	return reasons[r].name;
}

const char *yn_policy_reason_zh(enum yn_pol_reason r)
{
	if ((unsigned)r >= YN_POL_REASON_COUNT)
		return "未知";
	return reasons[r].zh;
}

const char *yn_policy_reason_en(enum yn_pol_reason r)
{
	if ((unsigned)r >= YN_POL_REASON_COUNT)
		return "unknown";
	return reasons[r].en;
}

static const char *const res_names[YN_RES_COUNT] = {
	NULL, "hukou", "resident", "hongkong", "macao", "taiwan",
};
static const char *const res_labels[YN_RES_COUNT] = {
	NULL, "Shenzhen hukou (深圳户籍)", "non-hukou residents (非深户常住)",
	"Hong Kong residents (香港居民)", "Macao residents (澳门居民)",
	"Taiwan residents (台湾居民)",
};

const char *yn_policy_residency_name(enum yn_residency r)
{
	return (unsigned)r < YN_RES_COUNT ? res_names[r] : NULL;
}

const char *yn_policy_residency_label(enum yn_residency r)
{
	return (unsigned)r < YN_RES_COUNT ? res_labels[r] : NULL;
}

struct cat_desc {
	uint32_t bit;
	const char *name, *label;
};

static const struct cat_desc cats[] = {
	{ YN_CAT_TEKUN, "tekun", "extreme poverty (特困)" },
	{ YN_CAT_DIBAO, "dibao", "minimum living allowance (低保)" },
	{ YN_CAT_DIBAO_EDGE, "dibao_edge", "just above the minimum allowance (低保边缘)" },
	{ YN_CAT_SANSHU_WULAO, "sanshu_wulao", "三属五老" },
	{ YN_CAT_ONLY_CHILD, "only_child",
	  "family that lost or has a severely disabled only child (失独/独生子女伤残)" },
	{ YN_CAT_DISABILITY, "disability", "disability (残疾)" },
};

const char *yn_policy_category_name(uint32_t bit)
{
	size_t i;

	for (i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		if (cats[i].bit == bit)
			return cats[i].name;
	return NULL;
}

const char *yn_policy_category_label(uint32_t bit)
{
	size_t i;

	for (i = 0; i < sizeof(cats) / sizeof(cats[0]); i++)
		if (cats[i].bit == bit)
			return cats[i].label;
	return NULL;
}

int yn_policy_default(struct yn_policy *p)
{
	struct yn_pol_error err;

	if (p == NULL)
		return YN_EINVAL;
	if (yn_policy_parse(yn_policy_default_text(), p, &err) != 0)
		return YN_EINTERNAL;
	return 0;
}

int yn_policy_age(const struct yn_date *birth, const struct yn_date *on)
{
	unsigned bm, bd;
	int age;

	if (!yn_date_valid(birth) || !yn_date_valid(on) || yn_date_cmp(birth, on) > 0)
		return -1;
	bm = birth->month;
	bd = birth->day;
	/* Someone born on 29 February has their birthday on 1 March in a
	 * common year: they are not a year older until February is over.
	 * (Chinese civil law counts age by the calendar date; 1 March is the
	 * conservative reading for an age threshold.) */
	if (bm == 2 && bd == 29 && !yn_date_is_leap(on->year)) {
		bm = 3;
		bd = 1;
	}
	age = on->year - birth->year;
	if (on->month < bm || (on->month == bm && on->day < bd))
		age--;
	return age;
}

static int in_sorted(const int32_t *v, size_t n, int64_t day)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (v[mid] == day)
			return 1;
		if (v[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

int yn_policy_is_workday(const struct yn_policy *p, int64_t days)
{
	if (in_sorted(p->workdays, p->n_workdays, days))
		return 1;
	if (in_sorted(p->holidays, p->n_holidays, days))
		return 0;
	return yn_date_weekday(days) <= 5;
}

static int days_match(const struct yn_policy *p, uint8_t which, int64_t days)
{
	switch (which) {
	case YN_DAYS_EVERY: return 1;
	case YN_DAYS_WORKDAYS: return yn_policy_is_workday(p, days);
	case YN_DAYS_RESTDAYS: return !yn_policy_is_workday(p, days);
	}
	return 0;
}

/* ---- building the decision ------------------------------------------------- */

static void set_reason(struct yn_decision *d, enum yn_pol_reason r)
{
	d->reason = r;
	d->reason_name = reasons[r].name;
	d->msg_zh = reasons[r].zh;
	d->msg_en = reasons[r].en;
	/* "zh en"; every pair in the table fits (checked by the tests) */
	{
		size_t a = strlen(d->msg_zh), b = strlen(d->msg_en);

		if (a + 1 + b >= sizeof(d->display))
			a = b = 0;
		memcpy(d->display, d->msg_zh, a);
		d->display[a] = ' ';
		memcpy(d->display + a + 1, d->msg_en, b);
		d->display[a + 1 + b] = '\0';
	}
}

/* A DENY: whatever the grant path may have filled is wiped. */
static int deny(struct yn_decision *d, enum yn_pol_reason r)
{
	d->verdict = YN_POL_DENY;
	d->ride = 0;
	d->subsidy_fen = 0;
	d->pay_fen = 0;
	d->voucher_units = 0;
	d->tier[0] = '\0';
	memset(&d->updates, 0, sizeof(d->updates));
	set_reason(d, r);
	return 0;
}

static uint32_t sat_add(uint32_t a, uint32_t b)
{
	return a > UINT32_MAX - b ? UINT32_MAX : a + b;
}

/* Record fields that no genuine issuer writes. */
static int holder_invalid(const struct yn_pol_holder *h, const struct yn_date *today)
{
	if (!yn_date_valid(&h->birth) || !yn_date_valid(&h->not_before) ||
	    !yn_date_valid(&h->not_after))
		return 1;
	if (yn_date_cmp(&h->not_before, &h->not_after) > 0)
		return 1;
	if (h->residency == YN_RES_NONE || h->residency >= YN_RES_COUNT)
		return 1;
	/* born in the future (relative to a clock already checked sane) */
	return yn_date_cmp(&h->birth, today) > 0;
}

static int has_category(uint32_t holder, uint32_t wanted, uint8_t any)
{
	return any || (holder & wanted & YN_CAT_ALL) != 0;
}

/* ---- gate ------------------------------------------------------------------ */

static int in_band(const struct yn_policy *p, const struct yn_pol_input *in,
		   const struct yn_localtime *lt)
{
	size_t i;

	for (i = 0; i < p->n_bands; i++) {
		const struct yn_pol_band *b = &p->bands[i];

		if (lt->sec_of_day < b->start || lt->sec_of_day >= b->end)
			continue;
		if (!days_match(p, b->days, lt->days))
			continue;
		if (!(b->residency & (1u << in->holder.residency)))
			continue;
		if (has_category(in->holder.categories, b->categories, b->all_categories))
			return 1;
	}
	return 0;
}

/* A trip at the same station, of the same kind, less than the passback
 * window away in either direction: a trip stamped in the future by a
 * terminal whose clock runs ahead counts too, but only within the window,
 * so a wrong clock cannot lock a card out for longer. */
static int passback(const struct yn_policy *p, const struct yn_pol_input *in)
{
	const struct yn_pol_card *c = &in->card;
	size_t i, n = c->n_trips < YN_POL_TRIPS_MAX ? c->n_trips : YN_POL_TRIPS_MAX;

	if (p->passback_s == 0)
		return 0;
	for (i = 0; i < n; i++) {
		const struct yn_trip *t = &c->trips[i];
		int64_t dt;

		if (t->kind != in->terminal.gate_kind || t->station != in->terminal.station)
			continue;
		/* both times are sane (checked by the caller), no overflow */
		dt = in->now - t->time;
		if (dt < (int64_t)p->passback_s && dt > -(int64_t)p->passback_s)
			return 1;
	}
	return 0;
}

static int decide_gate(const struct yn_policy *p, const struct yn_pol_input *in,
		       struct yn_decision *d)
{
	const struct yn_pol_terminal *t = &in->terminal;

	if (t->service_class != YN_CLASS_ORDINARY)
		return deny(d, YN_POL_R_PREMIUM_CLASS);
	if (d->age < p->ride_min_age || !(p->ride_residency & (1u << in->holder.residency)))
		return deny(d, YN_POL_R_NOT_ELIGIBLE);
	if (!in->checks.list_fresh && p->stale_rides != YN_STALE_CONTINUE)
		return deny(d, YN_POL_R_LIST_STALE);
	/* Bands stop free entries and boardings; nobody is kept from leaving. */
	if ((t->gate_kind == YN_TRIP_ENTRY || t->gate_kind == YN_TRIP_BOARD) &&
	    in_band(p, in, &d->local))
		return deny(d, YN_POL_R_TIME_BAND);
	if (passback(p, in))
		return deny(d, YN_POL_R_PASSBACK);

	d->ride = 1;
	d->updates.append_trip = 1;
	d->updates.trip.station = t->station;
	d->updates.trip.time = in->now;
	d->updates.trip.kind = t->gate_kind;
	set_reason(d, YN_POL_GRANTED);
	snprintf(d->display, sizeof(d->display), "免费乘车 free ride");
	d->verdict = YN_POL_GRANT;
	return 0;
}

/* ---- canteen --------------------------------------------------------------- */

static const struct yn_pol_tier *best_tier(const struct yn_policy *p,
					   const struct yn_pol_holder *h, int age)
{
	const struct yn_pol_tier *best = NULL;
	size_t i;

	for (i = 0; i < p->n_tiers; i++) {
		const struct yn_pol_tier *t = &p->tiers[i];

		if (!(t->residency & (1u << h->residency)))
			continue;
		if (age < t->min_age || (t->max_age != 255 && age > t->max_age))
			continue;
		if (!has_category(h->categories, t->categories, t->any_category))
			continue;
		if (best == NULL || t->cap_fen > best->cap_fen)
			best = t;
	}
	return best;
}

/* A date field of the benefit state: all zero (never) or a real date. */
static int bdate_invalid(const struct yn_date *d)
{
	if (d->year == 0)
		return d->month != 0 || d->day != 0;
	return !yn_date_valid(d);
}

static int benefit_invalid(const struct yn_benefit *b)
{
	if (bdate_invalid(&b->last_meal) || bdate_invalid(&b->last_service))
		return 1;
	/* meals on a date that never was */
	return b->last_meal.year == 0 && b->meals_on_last != 0;
}

static int decide_canteen(const struct yn_policy *p, const struct yn_pol_input *in,
			  struct yn_decision *d)
{
	const struct yn_pol_terminal *t = &in->terminal;
	const struct yn_benefit *b = &in->card.benefit;
	const struct yn_pol_tier *tier;
	struct yn_benefit nb;
	uint32_t price, subsidy;
	int cmp;

	if (t->price_fen <= 0 || (uint32_t)t->price_fen > p->max_price_fen)
		return deny(d, YN_POL_R_PRICE_INVALID);
	if (!t->canteen_open)
		return deny(d, YN_POL_R_CANTEEN_CLOSED);
	if (!in->checks.list_fresh && p->stale_subsidy != YN_STALE_CONTINUE)
		return deny(d, YN_POL_R_LIST_STALE);
	if ((tier = best_tier(p, &in->holder, d->age)) == NULL)
		return deny(d, YN_POL_R_NOT_ELIGIBLE);
	if (p->same_district && in->holder.district != t->district)
		return deny(d, YN_POL_R_WRONG_DISTRICT);
	if (!days_match(p, p->canteen_days, d->local.days))
		return deny(d, YN_POL_R_NOT_WORKDAY);
	if (d->local.sec_of_day < p->lunch_start || d->local.sec_of_day >= p->lunch_end)
		return deny(d, YN_POL_R_OUTSIDE_LUNCH);
	if (benefit_invalid(b))
		return deny(d, YN_POL_R_CARD_INVALID);
	memset(&nb, 0, sizeof(nb));
	nb = *b;
	if (b->last_meal.year != 0) {
		cmp = yn_date_cmp(&b->last_meal, &d->local.date);
		/* A meal dated after today was written by a terminal with a clock
		 * ahead of ours: refuse (no double subsidy) until that day. */
		if (cmp > 0 || (cmp == 0 && b->meals_on_last >= p->meals_per_day))
			return deny(d, YN_POL_R_ALREADY_USED);
		nb.meals_on_last = cmp == 0 ? (uint8_t)(b->meals_on_last + 1) : 1;
	} else {
		nb.meals_on_last = 1;
	}

	price = (uint32_t)t->price_fen;
	subsidy = price < tier->cap_fen ? price : tier->cap_fen;
	nb.last_meal = d->local.date;
	nb.meals_total = sat_add(b->meals_total, 1);
	nb.subsidy_total_fen = sat_add(b->subsidy_total_fen, subsidy);

	d->subsidy_fen = subsidy;
	d->pay_fen = price - subsidy;
	memcpy(d->tier, tier->name, sizeof(d->tier));
	d->updates.write_benefit = 1;
	d->updates.benefit = nb;
	set_reason(d, YN_POL_GRANTED);
	snprintf(d->display, sizeof(d->display),
		 "补贴 %u.%02u 元 应付 %u.%02u 元 subsidy %u.%02u yuan, pay %u.%02u",
		 subsidy / 100, subsidy % 100, d->pay_fen / 100, d->pay_fen % 100,
		 subsidy / 100, subsidy % 100, d->pay_fen / 100, d->pay_fen % 100);
	d->verdict = YN_POL_GRANT;
	return 0;
}

/* ---- service point --------------------------------------------------------- */

static int decide_service(const struct yn_policy *p, const struct yn_pol_input *in,
			  struct yn_decision *d)
{
	int32_t bal = in->card.vouchers;
	uint32_t units = p->units_per_service;

	if (!in->checks.list_fresh && p->stale_vouchers != YN_STALE_CONTINUE)
		return deny(d, YN_POL_R_LIST_STALE);
	if (bal < 0 || benefit_invalid(&in->card.benefit))
		return deny(d, YN_POL_R_CARD_INVALID);
	if (units == 0)
		return deny(d, YN_POL_R_INTERNAL);
	if ((uint32_t)bal < units)
		return deny(d, YN_POL_R_NO_VOUCHERS);

	d->voucher_units = units;
	d->updates.voucher_debit = units;
	d->updates.voucher_left = bal - (int32_t)units;
	d->updates.write_benefit = 1;
	d->updates.benefit = in->card.benefit;
	d->updates.benefit.last_service = d->local.date;
	d->updates.benefit.services_total = sat_add(in->card.benefit.services_total, 1);
	set_reason(d, YN_POL_GRANTED);
	snprintf(d->display, sizeof(d->display),
		 "服务券 -%u 余 %u service voucher used, %u left",
		 units, (uint32_t)bal - units, (uint32_t)bal - units);
	d->verdict = YN_POL_GRANT;
	return 0;
}

/* ---- the decision ---------------------------------------------------------- */

static int terminal_invalid(const struct yn_policy *p, const struct yn_pol_terminal *t)
{
	switch (t->role) {
	case YN_POL_ROLE_GATE:
		return t->gate_kind < YN_TRIP_ENTRY || t->gate_kind > YN_TRIP_KIND_MAX ||
		       t->service_class > YN_CLASS_PREMIUM;
	case YN_POL_ROLE_CANTEEN:
		return p->same_district && t->district == 0;
	case YN_POL_ROLE_SERVICE:
		return 0;
	}
	return 1;
}

/* Unix times of 1900-01-01 and 2200-01-01, 00:00 Shanghai: trip times
 * outside are impossible (and would make passback arithmetic overflow). */
#define TRIP_TIME_MIN (INT64_C(-2208988800) - YN_SHANGHAI_UTC_OFFSET)
#define TRIP_TIME_END (INT64_C(7258118400) - YN_SHANGHAI_UTC_OFFSET)

static int trips_invalid(const struct yn_pol_card *c)
{
	size_t i;

	if (c->n_trips > YN_POL_TRIPS_MAX)
		return 1;
	for (i = 0; i < c->n_trips; i++) {
		if (c->trips[i].kind > YN_TRIP_KIND_MAX)
			return 1;
		if (c->trips[i].kind == YN_TRIP_NONE)
			continue;
		if (c->trips[i].time < TRIP_TIME_MIN || c->trips[i].time >= TRIP_TIME_END)
			return 1;
	}
	return 0;
}

int yn_policy_decide(const struct yn_policy *p, const struct yn_pol_input *in,
		     struct yn_decision *d)
{
	const struct yn_pol_holder *h;
	struct yn_date today;

	if (d == NULL)
		return YN_EINVAL;
	memset(d, 0, sizeof(*d));
	d->age = -1;
	deny(d, YN_POL_R_INTERNAL);
	if (p == NULL || in == NULL)
		return YN_EINVAL;
	h = &in->holder;

	yn_localtime_from_unix(in->now, &d->local);	/* for the journal, always */
	today = d->local.date;
	/* A listed card is refused before anything else is looked at. */
	if (!in->checks.not_denylisted)
		return deny(d, YN_POL_R_DENYLISTED);
	if (!in->checks.sig_ok)
		return deny(d, YN_POL_R_FORGED);
	if (in->now < YN_POL_CLOCK_MIN || !yn_date_valid(&today))
		return deny(d, YN_POL_R_CLOCK);
	if (holder_invalid(h, &today))
		return deny(d, YN_POL_R_CARD_INVALID);
	if (in->terminal.role == YN_POL_ROLE_GATE && trips_invalid(&in->card))
		return deny(d, YN_POL_R_CARD_INVALID);
	if (terminal_invalid(p, &in->terminal))
		return deny(d, YN_POL_R_BAD_TERMINAL);
	/* Valid from 00:00:00 on not_before through 23:59:59 on not_after,
	 * both Shanghai dates. */
	if (yn_date_cmp(&today, &h->not_before) < 0)
		return deny(d, YN_POL_R_NOT_YET_VALID);
	if (yn_date_cmp(&today, &h->not_after) > 0)
		return deny(d, YN_POL_R_EXPIRED);
	d->age = yn_policy_age(&h->birth, &today);

	switch (in->terminal.role) {
	case YN_POL_ROLE_GATE: return decide_gate(p, in, d);
	case YN_POL_ROLE_CANTEEN: return decide_canteen(p, in, d);
	case YN_POL_ROLE_SERVICE: return decide_service(p, in, d);
	}
	return deny(d, YN_POL_R_BAD_TERMINAL);
}
