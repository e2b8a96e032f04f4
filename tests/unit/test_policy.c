/*
 * The entitlement decision (validator/policy.c), table-driven: each row
 * names the rule it probes and sits on one side of that rule's boundary
 * (59/60, 69/70, 99/100, lunch window ends, last day of validity, leap
 * days, Shanghai vs UTC dates, passback N-1/N minutes, once a day across
 * Shanghai midnight, districts, residency classes, categories, vouchers,
 * stale and denied lists, forged cards, weekends and listed holidays).
 *
 * Unless a row says otherwise: the Shenzhen default policy; a Shenzhen-
 * hukou holder born 1950-06-15 (75) in Futian, no category, card valid
 * 2020-01-01..2035-12-31, signature good, not listed, list fresh; gates are
 * entry gates at station 1010; canteens are in Futian, open, meal 18.00
 * yuan.  2026-03-02 is a Monday.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "validator/policy.h"

#define FUTIAN 440304
#define NANSHAN 440305
#define STATION 1010

/* Policies the rows run under: the default and small edits of it. */
enum pol {
	P_DEFAULT = 0,
	P_BAND,		/* + a 04:30-09:00 workday band for dibao holders */
	P_LUNCH_NOON,	/* lunch from 12:00 */
	P_ALLDAY,	/* canteen every day, 00:00-24:00 */
	P_STALE_STOP,	/* rides stop on a stale list too */
	P_STALE_CONT,	/* subsidies and vouchers continue on a stale list */
	P_NO_PASSBACK,	/* passback_minutes = 0 */
	P_TWO_MEALS,	/* meals_per_day = 2 */
	P_COUNT
};

static struct yn_policy policies[P_COUNT];

/* Sentinels for fields whose zero means "the default". */
#define RES_NONE 0xFF
#define KIND_NONE 0xFF
#define DISTRICT_NONE 0xFFFFFFFFu
#define PRICE_ZERO INT32_MIN

struct row {
	const char *rule;
	int pol;
	uint8_t role;
	const char *now;		/* ISO 8601 */
	int64_t now_raw;		/* used when now is NULL */
	/* holder */
	const char *birth;
	uint8_t res;
	uint32_t cats;
	const char *not_before, *not_after;
	uint8_t denylisted, forged, stale;
	/* terminal */
	uint32_t t_district;
	int32_t price;
	uint8_t closed, kind, premium;
	/* card */
	const char *trip_at;
	uint32_t trip_station;
	uint8_t trip_kind;
	const char *last_meal;
	uint8_t meals_on_last;
	int32_t vouchers;
	/* expected */
	enum yn_pol_verdict v;
	enum yn_pol_reason why;
	uint32_t subsidy;
	uint32_t debit;
};

#define GATE .role = YN_POL_ROLE_GATE
#define CANTEEN .role = YN_POL_ROLE_CANTEEN
#define SERVICE .role = YN_POL_ROLE_SERVICE
#define OK .v = YN_POL_GRANT, .why = YN_POL_GRANTED
#define PAID(fen) .v = YN_POL_GRANT, .why = YN_POL_GRANTED, .subsidy = (fen)
#define NO(r) .v = YN_POL_DENY, .why = YN_POL_R_##r
#define LUNCH "2026-03-02T12:00:00+08:00"
#define MORNING "2026-03-02T08:00:00+08:00"

static const struct row rows[] = {
	/* ---- free rides: age 60, Shanghai dates, leap days ---- */
	{ "ride: 59 at 23:59:59 the day before the 60th birthday", GATE,
	  .now = "2026-03-01T23:59:59+08:00", .birth = "1966-03-02", NO(NOT_ELIGIBLE) },
	{ "ride: 60 from 00:00 on the 60th birthday", GATE,
	  .now = "2026-03-02T00:00:00+08:00", .birth = "1966-03-02", OK },
	{ "ride: 16:00 UTC the day before is the birthday in Shanghai", GATE,
	  .now = "2026-03-01T16:00:00Z", .birth = "1966-03-02", OK },
	{ "ride: 15:59:59 UTC the day before is still 59 in Shanghai", GATE,
	  .now = "2026-03-01T15:59:59Z", .birth = "1966-03-02", NO(NOT_ELIGIBLE) },
	{ "ride: born 29 Feb, 28 Feb of the (leap) 60th year still 59", GATE,
	  .now = "2024-02-28T23:59:59+08:00", .birth = "1964-02-29", NO(NOT_ELIGIBLE) },
	{ "ride: born 29 Feb, 60 on 29 Feb of a leap year", GATE,
	  .now = "2024-02-29T00:00:00+08:00", .birth = "1964-02-29", OK },
	{ "ride: Shenzhen hukou 60+", GATE, .now = MORNING, .res = YN_RES_HUKOU, OK },
	{ "ride: non-hukou resident 60+", GATE, .now = MORNING, .res = YN_RES_RESIDENT, OK },
	{ "ride: Hong Kong resident 60+", GATE, .now = MORNING, .res = YN_RES_HONGKONG, OK },
	{ "ride: Macao resident 60+", GATE, .now = MORNING, .res = YN_RES_MACAO, OK },
	{ "ride: Taiwan resident 60+", GATE, .now = MORNING, .res = YN_RES_TAIWAN, OK },
	{ "ride: Taiwan resident one day short of 60", GATE, .now = MORNING,
	  .res = YN_RES_TAIWAN, .birth = "1966-03-03", NO(NOT_ELIGIBLE) },
	{ "ride: every category rides free like anyone 60+", GATE, .now = MORNING,
	  .cats = YN_CAT_ALL, OK },
	{ "ride: no residency class is a card error", GATE, .now = MORNING,
	  .res = RES_NONE, NO(CARD_INVALID) },
	{ "ride: unknown residency class is a card error", GATE, .now = MORNING,
	  .res = 6, NO(CARD_INVALID) },
	{ "ride: premium-class service is never free", GATE, .now = MORNING,
	  .premium = 1, NO(PREMIUM_CLASS) },
	{ "ride: exit gate grants and records the exit", GATE, .now = MORNING,
	  .kind = YN_TRIP_EXIT, OK },
	{ "ride: bus boarding grants", GATE, .now = MORNING, .kind = YN_TRIP_BOARD, OK },
	{ "ride: bus alighting grants", GATE, .now = MORNING, .kind = YN_TRIP_ALIGHT, OK },

	/* ---- anti-passback, N = 10 minutes ---- */
	{ "passback: same station, same direction, 9 min (N-1) ago: refused", GATE,
	  .now = MORNING, .trip_at = "2026-03-02T07:51:00+08:00", NO(PASSBACK) },
	{ "passback: 9:59 ago: refused", GATE, .now = MORNING,
	  .trip_at = "2026-03-02T07:50:01+08:00", NO(PASSBACK) },
	{ "passback: exactly 10 min (N) ago: allowed", GATE, .now = MORNING,
	  .trip_at = "2026-03-02T07:50:00+08:00", OK },
	{ "passback: same second: refused", GATE, .now = MORNING,
	  .trip_at = MORNING, NO(PASSBACK) },
	{ "passback: another station 1 min ago: allowed", GATE, .now = MORNING,
	  .trip_at = "2026-03-02T07:59:00+08:00", .trip_station = 2020, OK },
	{ "passback: exit at the station entered 1 min ago: allowed", GATE, .now = MORNING,
	  .kind = YN_TRIP_EXIT, .trip_at = "2026-03-02T07:59:00+08:00",
	  .trip_kind = YN_TRIP_ENTRY, OK },
	{ "passback: second exit at the same station 1 min later: refused", GATE,
	  .now = MORNING, .kind = YN_TRIP_EXIT, .trip_at = "2026-03-02T07:59:00+08:00",
	  .trip_kind = YN_TRIP_EXIT, NO(PASSBACK) },
	{ "passback: same bus boarded 1 min ago: refused", GATE, .now = MORNING,
	  .kind = YN_TRIP_BOARD, .trip_at = "2026-03-02T07:59:00+08:00",
	  .trip_kind = YN_TRIP_BOARD, NO(PASSBACK) },
	{ "passback: trip stamped 5 min in the future (clock skew): refused", GATE,
	  .now = MORNING, .trip_at = "2026-03-02T08:05:00+08:00", NO(PASSBACK) },
	{ "passback: trip stamped 10 min in the future: allowed", GATE, .now = MORNING,
	  .trip_at = "2026-03-02T08:10:00+08:00", OK },
	{ "passback: alighting the bus just boarded is another direction", GATE,
	  .now = MORNING, .kind = YN_TRIP_ALIGHT, .trip_at = "2026-03-02T07:59:00+08:00",
	  .trip_kind = YN_TRIP_BOARD, OK },
	{ "passback: window 0 turns it off", P_NO_PASSBACK, GATE, .now = MORNING,
	  .trip_at = MORNING, OK },
	{ "passback: unknown trip kind in the log is a card error", GATE, .now = MORNING,
	  .trip_at = "2026-03-01T08:00:00+08:00", .trip_kind = 9, NO(CARD_INVALID) },

	/* ---- time bands (policy with 04:30-09:00 workdays for dibao) ---- */
	{ "band: 04:29:59 before the band: free", P_BAND, GATE, .cats = YN_CAT_DIBAO,
	  .now = "2026-03-02T04:29:59+08:00", OK },
	{ "band: 04:30 band starts: refused", P_BAND, GATE, .cats = YN_CAT_DIBAO,
	  .now = "2026-03-02T04:30:00+08:00", NO(TIME_BAND) },
	{ "band: 08:59:59 still in the band: refused", P_BAND, GATE, .cats = YN_CAT_DIBAO,
	  .now = "2026-03-02T08:59:59+08:00", NO(TIME_BAND) },
	{ "band: 09:00 band over: free", P_BAND, GATE, .cats = YN_CAT_DIBAO,
	  .now = "2026-03-02T09:00:00+08:00", OK },
	{ "band: 00:59 UTC is 08:59 Shanghai: refused", P_BAND, GATE, .cats = YN_CAT_DIBAO,
	  .now = "2026-03-02T00:59:00Z", NO(TIME_BAND) },
	{ "band: holder outside the band's categories: free", P_BAND, GATE,
	  .cats = YN_CAT_TEKUN, .now = "2026-03-02T05:00:00+08:00", OK },
	{ "band: Saturday is not a workday: free", P_BAND, GATE, .cats = YN_CAT_DIBAO,
	  .now = "2026-03-07T05:00:00+08:00", OK },
	{ "band: listed holiday (Thu 2026-10-01): free", P_BAND, GATE, .cats = YN_CAT_DIBAO,
	  .now = "2026-10-01T05:00:00+08:00", OK },
	{ "band: listed working Saturday (2026-02-28): refused", P_BAND, GATE,
	  .cats = YN_CAT_DIBAO, .now = "2026-02-28T05:00:00+08:00", NO(TIME_BAND) },
	{ "band: exit gates never refuse on a band", P_BAND, GATE, .cats = YN_CAT_DIBAO,
	  .kind = YN_TRIP_EXIT, .now = "2026-03-02T05:00:00+08:00", OK },
	{ "band: alighting a bus is never refused on a band", P_BAND, GATE,
	  .cats = YN_CAT_DIBAO, .kind = YN_TRIP_ALIGHT, .now = "2026-03-02T05:00:00+08:00", OK },
	{ "band: bus boarding is refused like an entry", P_BAND, GATE, .cats = YN_CAT_DIBAO,
	  .kind = YN_TRIP_BOARD, .now = "2026-03-02T05:00:00+08:00", NO(TIME_BAND) },
	{ "band: the default policy has none", GATE, .cats = YN_CAT_DIBAO,
	  .now = "2026-03-02T05:00:00+08:00", OK },

	/* ---- validity window ---- */
	{ "validity: last day of not_after at 23:59:59 Shanghai", GATE,
	  .not_after = "2026-03-02", .now = "2026-03-02T23:59:59+08:00", OK },
	{ "validity: 00:00 the day after not_after: expired", GATE,
	  .not_after = "2026-03-02", .now = "2026-03-03T00:00:00+08:00", NO(EXPIRED) },
	{ "validity: 16:00 UTC on not_after is already the next Shanghai day", GATE,
	  .not_after = "2026-03-02", .now = "2026-03-02T16:00:00Z", NO(EXPIRED) },
	{ "validity: 15:59:59 UTC on not_after is still the last day", GATE,
	  .not_after = "2026-03-02", .now = "2026-03-02T15:59:59Z", OK },
	{ "validity: 23:59:59 the day before not_before: not yet valid", GATE,
	  .not_before = "2026-03-02", .now = "2026-03-01T23:59:59+08:00", NO(NOT_YET_VALID) },
	{ "validity: 00:00 on not_before: valid", GATE,
	  .not_before = "2026-03-02", .now = "2026-03-02T00:00:00+08:00", OK },
	{ "validity: not_before after not_after is a card error", GATE, .now = MORNING,
	  .not_before = "2027-01-01", .not_after = "2026-12-31", NO(CARD_INVALID) },
	{ "card: birth date that does not exist", GATE, .now = MORNING,
	  .birth = "1950-02-30", NO(CARD_INVALID) },
	{ "card: birth date after today", GATE, .now = MORNING,
	  .birth = "2026-03-03", NO(CARD_INVALID) },
	{ "card: expired outranks not eligible", GATE, .now = MORNING,
	  .not_after = "2026-03-01", .birth = "1990-01-01", NO(EXPIRED) },

	/* ---- denylist, forgery, stale list, clock, terminal ---- */
	{ "denylist outranks everything (also forged, expired, bad record)", GATE,
	  .now = MORNING, .denylisted = 1, .forged = 1, .not_after = "2021-01-01",
	  .res = RES_NONE, .stale = 1, NO(DENYLISTED) },
	{ "denylist: listed card refused at a canteen", CANTEEN, .now = LUNCH,
	  .denylisted = 1, .cats = YN_CAT_DIBAO, NO(DENYLISTED) },
	{ "denylist: listed card refused at a service point", SERVICE, .now = MORNING,
	  .denylisted = 1, .vouchers = 5, NO(DENYLISTED) },
	{ "denylist: outranks a bad terminal clock", GATE, .now = "1970-01-01T00:00:00Z",
	  .denylisted = 1, NO(DENYLISTED) },
	{ "forged: bad signature refused though otherwise eligible", GATE, .now = MORNING,
	  .forged = 1, NO(FORGED) },
	{ "forged: outranks expiry", GATE, .now = MORNING, .forged = 1,
	  .not_after = "2021-01-01", NO(FORGED) },
	{ "forged: refused at a service point", SERVICE, .now = MORNING, .forged = 1,
	  .vouchers = 5, NO(FORGED) },
	{ "stale list: free rides continue (default)", GATE, .now = MORNING, .stale = 1, OK },
	{ "stale list: rides stop when the policy says so", P_STALE_STOP, GATE,
	  .now = MORNING, .stale = 1, NO(LIST_STALE) },
	{ "stale list: canteen subsidy stops (default)", CANTEEN, .now = LUNCH,
	  .stale = 1, NO(LIST_STALE) },
	{ "stale list: subsidy continues when the policy says so", P_STALE_CONT, CANTEEN,
	  .now = LUNCH, .stale = 1, PAID(500) },
	{ "stale list: vouchers stop (default)", SERVICE, .now = MORNING, .stale = 1,
	  .vouchers = 5, NO(LIST_STALE) },
	{ "stale list: vouchers continue when the policy says so", P_STALE_CONT, SERVICE,
	  .now = MORNING, .stale = 1, .vouchers = 5, OK, .debit = 1 },
	{ "clock: a terminal clock at 1970 says so (not 'not yet valid')", GATE,
	  .now = "1970-01-01T00:00:00Z", NO(CLOCK) },
	{ "clock: 2019-12-31 23:59:59 Shanghai is before any Yinian tap", GATE,
	  .now = "2019-12-31T23:59:59+08:00", NO(CLOCK) },
	{ "clock: year 2200 is out of range", GATE, .now_raw = 7258118400ll, NO(CLOCK) },
	{ "terminal: no role", .now = MORNING, NO(BAD_TERMINAL) },
	{ "terminal: gate without a direction", GATE, .now = MORNING, .kind = KIND_NONE,
	  NO(BAD_TERMINAL) },
	{ "terminal: canteen without a district", CANTEEN, .now = LUNCH,
	  .t_district = DISTRICT_NONE, NO(BAD_TERMINAL) },

	/* ---- canteen: categories, ages, caps ---- */
	{ "subsidy: 特困 hukou 65: 15 yuan", CANTEEN, .now = LUNCH, .birth = "1961-01-10",
	  .cats = YN_CAT_TEKUN, PAID(1500) },
	{ "subsidy: 低保 hukou 65: 15 yuan", CANTEEN, .now = LUNCH, .birth = "1961-01-10",
	  .cats = YN_CAT_DIBAO, PAID(1500) },
	{ "subsidy: 低保边缘 hukou 65: 15 yuan", CANTEEN, .now = LUNCH, .birth = "1961-01-10",
	  .cats = YN_CAT_DIBAO_EDGE, PAID(1500) },
	{ "subsidy: 三属五老 hukou 65: 15 yuan", CANTEEN, .now = LUNCH, .birth = "1961-01-10",
	  .cats = YN_CAT_SANSHU_WULAO, PAID(1500) },
	{ "subsidy: lost/disabled only child hukou 65: 15 yuan", CANTEEN, .now = LUNCH,
	  .birth = "1961-01-10", .cats = YN_CAT_ONLY_CHILD, PAID(1500) },
	{ "subsidy: disability alone is not key-guarantee (65): nothing", CANTEEN,
	  .now = LUNCH, .birth = "1961-01-10", .cats = YN_CAT_DISABILITY, NO(NOT_ELIGIBLE) },
	{ "subsidy: hukou 65 in no category: nothing", CANTEEN, .now = LUNCH,
	  .birth = "1961-01-10", NO(NOT_ELIGIBLE) },
	{ "subsidy: key category, the day before the 60th birthday: nothing", CANTEEN,
	  .now = LUNCH, .birth = "1966-03-03", .cats = YN_CAT_DIBAO, NO(NOT_ELIGIBLE) },
	{ "subsidy: key category on the 60th birthday: 15 yuan", CANTEEN, .now = LUNCH,
	  .birth = "1966-03-02", .cats = YN_CAT_DIBAO, PAID(1500) },
	{ "subsidy: 69, the day before the 70th birthday: nothing", CANTEEN, .now = LUNCH,
	  .birth = "1956-03-03", NO(NOT_ELIGIBLE) },
	{ "subsidy: 70 on the 70th birthday: 5 yuan", CANTEEN, .now = LUNCH,
	  .birth = "1956-03-02", PAID(500) },
	{ "subsidy: 99, the day before the 100th birthday: 5 yuan", CANTEEN, .now = LUNCH,
	  .birth = "1926-03-03", PAID(500) },
	{ "subsidy: centenarian on the 100th birthday: 15 yuan", CANTEEN, .now = LUNCH,
	  .birth = "1926-03-02", PAID(1500) },
	{ "subsidy: centenarian 104: 15 yuan", CANTEEN, .now = LUNCH,
	  .birth = "1921-07-01", PAID(1500) },
	{ "subsidy: key category at 75 gets the larger tier (15 not 5)", CANTEEN,
	  .now = LUNCH, .cats = YN_CAT_SANSHU_WULAO, PAID(1500) },
	{ "subsidy: born 29 Feb, 28 Feb 2026 (working Sat) still 69", P_ALLDAY, CANTEEN,
	  .now = "2026-02-28T12:00:00+08:00", .birth = "1956-02-29", NO(NOT_ELIGIBLE) },
	{ "subsidy: born 29 Feb, 70 on 1 Mar of a common year", P_ALLDAY, CANTEEN,
	  .now = "2026-03-01T12:00:00+08:00", .birth = "1956-02-29", PAID(500) },
	{ "subsidy: capped at a 12-yuan meal", CANTEEN, .now = LUNCH,
	  .cats = YN_CAT_DIBAO, .price = 1200, PAID(1200) },
	{ "subsidy: 5-yuan tier capped at a 3-yuan meal", CANTEEN, .now = LUNCH,
	  .price = 300, PAID(300) },
	{ "subsidy: non-hukou resident 75 in 低保: nothing", CANTEEN, .now = LUNCH,
	  .res = YN_RES_RESIDENT, .cats = YN_CAT_DIBAO, NO(NOT_ELIGIBLE) },
	{ "subsidy: Hong Kong resident 100: nothing", CANTEEN, .now = LUNCH,
	  .res = YN_RES_HONGKONG, .birth = "1926-03-02", NO(NOT_ELIGIBLE) },
	{ "subsidy: Macao resident 75: nothing", CANTEEN, .now = LUNCH,
	  .res = YN_RES_MACAO, NO(NOT_ELIGIBLE) },
	{ "subsidy: Taiwan resident 75 in 特困: nothing", CANTEEN, .now = LUNCH,
	  .res = YN_RES_TAIWAN, .cats = YN_CAT_TEKUN, NO(NOT_ELIGIBLE) },
	{ "subsidy: canteen in another district", CANTEEN, .now = LUNCH,
	  .t_district = NANSHAN, NO(WRONG_DISTRICT) },
	{ "subsidy: not eligible is said before wrong district", CANTEEN, .now = LUNCH,
	  .birth = "1961-01-10", .t_district = NANSHAN, NO(NOT_ELIGIBLE) },

	/* ---- canteen: lunch window 11:00-13:30 and its variant from 12:00 ---- */
	{ "lunch: 10:59:59 before the window", CANTEEN,
	  .now = "2026-03-02T10:59:59+08:00", NO(OUTSIDE_LUNCH) },
	{ "lunch: 11:00 window opens", CANTEEN, .now = "2026-03-02T11:00:00+08:00", PAID(500) },
	{ "lunch: 13:29:59 last second", CANTEEN, .now = "2026-03-02T13:29:59+08:00",
	  PAID(500) },
	{ "lunch: 13:30 window closed", CANTEEN, .now = "2026-03-02T13:30:00+08:00",
	  NO(OUTSIDE_LUNCH) },
	{ "lunch: 03:00 UTC is 11:00 Shanghai", CANTEEN, .now = "2026-03-02T03:00:00Z",
	  PAID(500) },
	{ "lunch: 02:59:59 UTC is 10:59:59 Shanghai", CANTEEN,
	  .now = "2026-03-02T02:59:59Z", NO(OUTSIDE_LUNCH) },
	{ "lunch (from 12:00): 11:59 refused", P_LUNCH_NOON, CANTEEN,
	  .now = "2026-03-02T11:59:00+08:00", NO(OUTSIDE_LUNCH) },
	{ "lunch (from 12:00): 11:59:59 refused", P_LUNCH_NOON, CANTEEN,
	  .now = "2026-03-02T11:59:59+08:00", NO(OUTSIDE_LUNCH) },
	{ "lunch (from 12:00): 12:00 granted", P_LUNCH_NOON, CANTEEN,
	  .now = "2026-03-02T12:00:00+08:00", PAID(500) },

	/* ---- canteen: working days ---- */
	{ "workday: Friday", CANTEEN, .now = "2026-03-06T12:00:00+08:00", PAID(500) },
	{ "workday: Saturday refused", CANTEEN, .now = "2026-03-07T12:00:00+08:00",
	  NO(NOT_WORKDAY) },
	{ "workday: Sunday refused", CANTEEN, .now = "2026-03-08T12:00:00+08:00",
	  NO(NOT_WORKDAY) },
	{ "workday: listed holiday on a Thursday (National Day) refused", CANTEEN,
	  .now = "2026-10-01T12:00:00+08:00", NO(NOT_WORKDAY) },
	{ "workday: listed holiday on a Monday (Spring Festival) refused", CANTEEN,
	  .now = "2026-02-16T12:00:00+08:00", NO(NOT_WORKDAY) },
	{ "workday: listed working Saturday granted", CANTEEN,
	  .now = "2026-02-28T12:00:00+08:00", PAID(500) },
	{ "workday: listed working Sunday granted", CANTEEN,
	  .now = "2026-01-04T12:00:00+08:00", PAID(500) },
	{ "workday: every-day policy serves Saturday", P_ALLDAY, CANTEEN,
	  .now = "2026-03-07T12:00:00+08:00", PAID(500) },

	/* ---- canteen: once a day ---- */
	{ "once a day: already had today's meal", CANTEEN, .now = LUNCH,
	  .last_meal = "2026-03-02", .meals_on_last = 1, NO(ALREADY_USED) },
	{ "once a day: yesterday's meal does not count", CANTEEN, .now = LUNCH,
	  .last_meal = "2026-03-01", .meals_on_last = 1, PAID(500) },
	{ "once a day: a meal dated tomorrow (clock skew) refuses", CANTEEN, .now = LUNCH,
	  .last_meal = "2026-03-03", .meals_on_last = 1, NO(ALREADY_USED) },
	{ "once a day: 23:59:59 Shanghai is still the meal's day", P_ALLDAY, CANTEEN,
	  .now = "2026-03-02T15:59:59Z", .last_meal = "2026-03-02", .meals_on_last = 1,
	  NO(ALREADY_USED) },
	{ "once a day: 16:00 UTC is the next Shanghai day: granted", P_ALLDAY, CANTEEN,
	  .now = "2026-03-02T16:00:00Z", .last_meal = "2026-03-02", .meals_on_last = 1,
	  PAID(500) },
	{ "once a day: two meals allowed, one taken", P_TWO_MEALS, CANTEEN, .now = LUNCH,
	  .last_meal = "2026-03-02", .meals_on_last = 1, PAID(500) },
	{ "once a day: two meals allowed, two taken", P_TWO_MEALS, CANTEEN, .now = LUNCH,
	  .last_meal = "2026-03-02", .meals_on_last = 2, NO(ALREADY_USED) },
	{ "once a day: impossible last-meal date is a card error", CANTEEN, .now = LUNCH,
	  .last_meal = "2026-13-01", .meals_on_last = 1, NO(CARD_INVALID) },

	/* ---- canteen: till ---- */
	{ "till: canteen closed", CANTEEN, .now = LUNCH, .closed = 1, NO(CANTEEN_CLOSED) },
	{ "till: price 0 refused", CANTEEN, .now = LUNCH, .price = PRICE_ZERO,
	  NO(PRICE_INVALID) },
	{ "till: negative price refused", CANTEEN, .now = LUNCH, .price = -1,
	  NO(PRICE_INVALID) },
	{ "till: price 0.01 yuan", CANTEEN, .now = LUNCH, .price = 1, PAID(1) },
	{ "till: price at the maximum (100.00)", CANTEEN, .now = LUNCH, .price = 10000,
	  PAID(500) },
	{ "till: price above the maximum refused", CANTEEN, .now = LUNCH, .price = 10001,
	  NO(PRICE_INVALID) },

	/* ---- service vouchers ---- */
	{ "voucher: 1 -> 0 granted", SERVICE, .now = MORNING, .vouchers = 1, OK, .debit = 1 },
	{ "voucher: 0 refused", SERVICE, .now = MORNING, .vouchers = 0, NO(NO_VOUCHERS) },
	{ "voucher: negative purse is a card error", SERVICE, .now = MORNING,
	  .vouchers = -1, NO(CARD_INVALID) },
	{ "voucher: expired card refused though it holds vouchers", SERVICE,
	  .now = MORNING, .not_after = "2026-03-01", .vouchers = 3, NO(EXPIRED) },
	{ "voucher: impossible benefit-state date is a card error", SERVICE,
	  .now = MORNING, .vouchers = 3, .last_meal = "2026-02-30", NO(CARD_INVALID) },
	{ "voucher: served on a Sunday evening", SERVICE,
	  .now = "2026-03-08T20:00:00+08:00", .vouchers = 3, OK, .debit = 1 },
};

/* "YYYY-MM-DD" into a date without validating it, so that rows can carry
 * impossible dates as a card might. */
static struct yn_date raw_date(const char *s)
{
	struct yn_date d;
	int y = 0, m = 0, dd = 0;

	memset(&d, 0, sizeof(d));
	if (s != NULL && sscanf(s, "%d-%d-%d", &y, &m, &dd) != 3)
		fail_msg("bad date literal %s", s);
	d.year = y;
	d.month = (uint8_t)m;
	d.day = (uint8_t)dd;
	return d;
}

static int64_t iso(const char *s)
{
	int64_t t;

	if (yn_time_parse_iso8601(s, &t) != 0)
		fail_msg("bad time literal %s", s);
	return t;
}

static void build_input(const struct row *r, struct yn_pol_input *in)
{
	memset(in, 0, sizeof(*in));
	in->holder.serial = 1000001;
	in->holder.birth = raw_date(r->birth ? r->birth : "1950-06-15");
	in->holder.residency = r->res == RES_NONE ? 0 : r->res ? r->res : YN_RES_HUKOU;
	in->holder.district = FUTIAN;
	in->holder.categories = r->cats;
	in->holder.not_before = raw_date(r->not_before ? r->not_before : "2020-01-01");
	in->holder.not_after = raw_date(r->not_after ? r->not_after : "2035-12-31");
	in->checks.sig_ok = !r->forged;
	in->checks.not_denylisted = !r->denylisted;
	in->checks.list_fresh = !r->stale;

	in->terminal.role = r->role;
	in->terminal.gate_kind = r->kind == KIND_NONE ? 0 : r->kind ? r->kind : YN_TRIP_ENTRY;
	in->terminal.service_class = r->premium ? YN_CLASS_PREMIUM : YN_CLASS_ORDINARY;
	in->terminal.canteen_open = !r->closed;
	in->terminal.station = STATION;
	in->terminal.district = r->t_district == DISTRICT_NONE ? 0 :
				r->t_district ? r->t_district : FUTIAN;
	in->terminal.price_fen = r->price == PRICE_ZERO ? 0 : r->price ? r->price : 1800;

	if (r->trip_at) {
		/* an older, unrelated trip first, so the match is not slot 0 */
		in->card.trips[0].station = 3030;
		in->card.trips[0].time = iso(r->trip_at) - 3600;
		in->card.trips[0].kind = YN_TRIP_ENTRY;
		in->card.trips[1].station = r->trip_station ? r->trip_station : STATION;
		in->card.trips[1].time = iso(r->trip_at);
		in->card.trips[1].kind = r->trip_kind ? r->trip_kind : YN_TRIP_ENTRY;
		in->card.n_trips = 2;
	}
	if (r->last_meal) {
		in->card.benefit.last_meal = raw_date(r->last_meal);
		in->card.benefit.meals_on_last = r->meals_on_last;
		in->card.benefit.meals_total = 40;
		in->card.benefit.subsidy_total_fen = 20000;
	}
	in->card.vouchers = r->vouchers;
	in->now = r->now ? iso(r->now) : r->now_raw;
}

/* What every decision must satisfy, whatever the row. */
static void check_invariants(const struct row *r, const struct yn_pol_input *in,
			     const struct yn_decision *d)
{
	static const struct yn_pol_updates none;

	assert_non_null(d->reason_name);
	assert_string_equal(d->reason_name, yn_policy_reason_name(d->reason));
	assert_true(strlen(d->display) > 0);
	if (d->verdict == YN_POL_DENY) {
		assert_non_null(strstr(d->display, d->msg_zh));
		assert_int_equal(d->ride, 0);
		assert_int_equal(d->subsidy_fen, 0);
		assert_int_equal(d->voucher_units, 0);
		assert_string_equal(d->tier, "");
		assert_memory_equal(&d->updates, &none, sizeof(none));
		assert_non_null(strstr(d->display, d->msg_en));
		return;
	}
	switch (r->role) {
	case YN_POL_ROLE_GATE:
		assert_int_equal(d->ride, 1);
		assert_int_equal(d->updates.append_trip, 1);
		assert_int_equal(d->updates.trip.station, STATION);
		assert_int_equal(d->updates.trip.time, in->now);
		assert_int_equal(d->updates.trip.kind, in->terminal.gate_kind);
		assert_int_equal(d->updates.write_benefit, 0);
		assert_int_equal(d->updates.voucher_debit, 0);
		break;
	case YN_POL_ROLE_CANTEEN: {
		struct yn_localtime lt;

		yn_localtime_from_unix(in->now, &lt);
		assert_int_equal(d->ride, 0);
		assert_int_equal(d->subsidy_fen + d->pay_fen, (uint32_t)in->terminal.price_fen);
		assert_true(strlen(d->tier) > 0);
		assert_int_equal(d->updates.write_benefit, 1);
		assert_int_equal(yn_date_cmp(&d->updates.benefit.last_meal, &lt.date), 0);
		assert_int_equal(d->updates.benefit.meals_total,
				 in->card.benefit.meals_total + 1);
		assert_int_equal(d->updates.benefit.subsidy_total_fen,
				 in->card.benefit.subsidy_total_fen + d->subsidy_fen);
		assert_int_equal(d->updates.append_trip, 0);
		assert_int_equal(d->updates.voucher_debit, 0);
		break;
	}
	case YN_POL_ROLE_SERVICE: {
		struct yn_localtime lt;

		yn_localtime_from_unix(in->now, &lt);
		assert_int_equal(d->voucher_units, d->updates.voucher_debit);
		assert_int_equal(d->updates.voucher_left,
				 in->card.vouchers - (int32_t)d->updates.voucher_debit);
		assert_true(d->updates.voucher_left >= 0);
		assert_int_equal(d->updates.append_trip, 0);
		/* the service is booked in the benefit state; meals untouched */
		assert_int_equal(d->updates.write_benefit, 1);
		assert_int_equal(yn_date_cmp(&d->updates.benefit.last_service, &lt.date), 0);
		assert_int_equal(d->updates.benefit.services_total,
				 in->card.benefit.services_total + 1);
		assert_int_equal(yn_date_cmp(&d->updates.benefit.last_meal,
					     &in->card.benefit.last_meal), 0);
		assert_int_equal(d->updates.benefit.meals_total, in->card.benefit.meals_total);
		break;
	}
	default:
		fail_msg("a grant for role %u", r->role);
	}
}

static void test_policy_table(void **state)
{
	size_t i, failures = 0;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct row *r = &rows[i];
		struct yn_pol_input in;
		struct yn_decision d;

		build_input(r, &in);
		assert_int_equal(yn_policy_decide(&policies[r->pol], &in, &d), 0);
		if (d.verdict != r->v || d.reason != r->why || d.subsidy_fen != r->subsidy ||
		    d.updates.voucher_debit != r->debit) {
			print_error("row %zu \"%s\": got %s/%s subsidy %u debit %u, "
				    "want %s/%s subsidy %u debit %u\n", i, r->rule,
				    d.verdict == YN_POL_GRANT ? "GRANT" : "DENY", d.reason_name,
				    d.subsidy_fen, d.updates.voucher_debit,
				    r->v == YN_POL_GRANT ? "GRANT" : "DENY",
				    yn_policy_reason_name(r->why), r->subsidy, r->debit);
			failures++;
			continue;
		}
		check_invariants(r, &in, &d);
	}
	if (failures)
		fail_msg("%zu of %zu rows failed", failures, sizeof(rows) / sizeof(rows[0]));
}

/* ---- outside the table ---------------------------------------------------- */

static const struct row base_gate = { "base gate", GATE, .now = MORNING, OK };

static void test_grant_gate_trip_record(void **state)
{
	struct yn_pol_input in;
	struct yn_decision d;

	(void)state;
	build_input(&base_gate, &in);
	in.terminal.station = 4711;
	in.terminal.gate_kind = YN_TRIP_BOARD;
	assert_int_equal(yn_policy_decide(&policies[P_DEFAULT], &in, &d), 0);
	assert_int_equal(d.verdict, YN_POL_GRANT);
	assert_int_equal(d.updates.trip.station, 4711);
	assert_int_equal(d.updates.trip.kind, YN_TRIP_BOARD);
	assert_int_equal(d.updates.trip.time, iso(MORNING));
	assert_int_equal(d.age, 75);
	assert_int_equal(d.local.hour, 8);
	assert_string_equal(d.display, "免费乘车 free ride");
}

static void test_grant_canteen_benefit_state(void **state)
{
	static const struct row r = { "base canteen", CANTEEN, .now = LUNCH,
		.cats = YN_CAT_DIBAO, .price = 1800, .last_meal = "2026-02-27", .meals_on_last = 1 };
	struct yn_pol_input in;
	struct yn_decision d;

	(void)state;
	build_input(&r, &in);
	assert_int_equal(yn_policy_decide(&policies[P_DEFAULT], &in, &d), 0);
	assert_int_equal(d.verdict, YN_POL_GRANT);
	assert_int_equal(d.subsidy_fen, 1500);
	assert_int_equal(d.pay_fen, 300);
	assert_string_equal(d.tier, "key_guarantee");
	assert_int_equal(d.updates.benefit.last_meal.year, 2026);
	assert_int_equal(d.updates.benefit.last_meal.month, 3);
	assert_int_equal(d.updates.benefit.last_meal.day, 2);
	assert_int_equal(d.updates.benefit.meals_on_last, 1);
	assert_int_equal(d.updates.benefit.meals_total, 41);
	assert_int_equal(d.updates.benefit.subsidy_total_fen, 21500);
	assert_string_equal(d.display, "补贴 15.00 元 应付 3.00 元 subsidy 15.00 yuan, pay 3.00");

	/* counters saturate instead of wrapping to zero */
	in.card.benefit.meals_total = UINT32_MAX;
	in.card.benefit.subsidy_total_fen = UINT32_MAX - 10;
	assert_int_equal(yn_policy_decide(&policies[P_DEFAULT], &in, &d), 0);
	assert_int_equal(d.updates.benefit.meals_total, UINT32_MAX);
	assert_int_equal(d.updates.benefit.subsidy_total_fen, UINT32_MAX);

	/* a card that never had a meal */
	memset(&in.card.benefit, 0, sizeof(in.card.benefit));
	assert_int_equal(yn_policy_decide(&policies[P_DEFAULT], &in, &d), 0);
	assert_int_equal(d.verdict, YN_POL_GRANT);
	assert_int_equal(d.updates.benefit.meals_on_last, 1);
	assert_int_equal(d.updates.benefit.meals_total, 1);
}

static void test_grant_voucher_display(void **state)
{
	static const struct row r = { "voucher", SERVICE, .now = MORNING, .vouchers = 4 };
	struct yn_pol_input in;
	struct yn_decision d;

	(void)state;
	build_input(&r, &in);
	assert_int_equal(yn_policy_decide(&policies[P_DEFAULT], &in, &d), 0);
	assert_int_equal(d.verdict, YN_POL_GRANT);
	assert_int_equal(d.voucher_units, 1);
	assert_int_equal(d.updates.voucher_left, 3);
	assert_int_equal(d.updates.benefit.services_total, 1);
	assert_string_equal(d.display, "服务券 -1 余 3 service voucher used, 3 left");
}

static void test_deny_display_is_bilingual(void **state)
{
	static const struct row r = { "expired", GATE, .now = MORNING,
		.not_after = "2025-12-31" };
	struct yn_pol_input in;
	struct yn_decision d;

	(void)state;
	build_input(&r, &in);
	assert_int_equal(yn_policy_decide(&policies[P_DEFAULT], &in, &d), 0);
	assert_int_equal(d.verdict, YN_POL_DENY);
	assert_string_equal(d.reason_name, "expired");
	assert_string_equal(d.display, "已过期 card expired");
	assert_int_equal(d.age, -1);	/* not computed on a deny before eligibility */
}

/* Trip times no terminal could have written are a card error, not an
 * overflow in the passback arithmetic. */
static void test_trip_time_out_of_range_is_card_error(void **state)
{
	static const int64_t bad[] = { INT64_MIN, INT64_MAX, -2208988800ll - 28801,
				       7258118400ll - 28800 };
	struct yn_pol_input in;
	struct yn_decision d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		build_input(&base_gate, &in);
		in.card.n_trips = 1;
		in.card.trips[0].station = STATION;
		in.card.trips[0].kind = YN_TRIP_ENTRY;
		in.card.trips[0].time = bad[i];
		assert_int_equal(yn_policy_decide(&policies[P_DEFAULT], &in, &d), 0);
		assert_int_equal(d.reason, YN_POL_R_CARD_INVALID);
	}
	/* the last second of 2199 (Shanghai) is still a time */
	in.card.trips[0].time = 7258118400ll - 28801;
	assert_int_equal(yn_policy_decide(&policies[P_DEFAULT], &in, &d), 0);
	assert_int_equal(d.verdict, YN_POL_GRANT);
	/* more trips than the array holds */
	in.card.n_trips = YN_POL_TRIPS_MAX + 1;
	assert_int_equal(yn_policy_decide(&policies[P_DEFAULT], &in, &d), 0);
	assert_int_equal(d.reason, YN_POL_R_CARD_INVALID);
}

/* A zeroed input is refused: every check's zero value is the failing one. */
static void test_zeroed_input_denied(void **state)
{
	struct yn_pol_input in;
	struct yn_decision d;

	(void)state;
	memset(&in, 0, sizeof(in));
	in.now = iso(MORNING);
	assert_int_equal(yn_policy_decide(&policies[P_DEFAULT], &in, &d), 0);
	assert_int_equal(d.verdict, YN_POL_DENY);
	assert_int_equal(d.reason, YN_POL_R_DENYLISTED);
	assert_int_equal(d.local.hour, 8);	/* the journal still gets the time */
}

static void test_null_arguments_deny(void **state)
{
	struct yn_pol_input in;
	struct yn_decision d;

	(void)state;
	build_input(&base_gate, &in);
	assert_int_equal(yn_policy_decide(NULL, &in, &d), YN_EINVAL);
	assert_int_equal(d.verdict, YN_POL_DENY);
	assert_string_equal(d.reason_name, "internal");
	assert_int_equal(yn_policy_decide(&policies[P_DEFAULT], NULL, &d), YN_EINVAL);
	assert_int_equal(d.verdict, YN_POL_DENY);
	assert_int_equal(yn_policy_decide(&policies[P_DEFAULT], &in, NULL), YN_EINVAL);
}

/* An empty (all-zero) policy grants nothing to anyone. */
static void test_empty_policy_grants_nothing(void **state)
{
	static const struct row rs[] = {
		{ "gate", GATE, .now = MORNING, .cats = YN_CAT_ALL },
		{ "canteen", CANTEEN, .now = LUNCH, .cats = YN_CAT_ALL },
		{ "service", SERVICE, .now = MORNING, .vouchers = 5 },
	};
	struct yn_policy *empty = calloc(1, sizeof(*empty));
	size_t i;

	(void)state;
	assert_non_null(empty);
	for (i = 0; i < 3; i++) {
		struct yn_pol_input in;
		struct yn_decision d;

		build_input(&rs[i], &in);
		assert_int_equal(yn_policy_decide(empty, &in, &d), 0);
		assert_int_equal(d.verdict, YN_POL_DENY);
	}
	free(empty);
}

static void test_age_birthdays(void **state)
{
	static const struct {
		const char *birth, *on;
		int age;
	} v[] = {
		{ "1966-03-02", "2026-03-01", 59 },
		{ "1966-03-02", "2026-03-02", 60 },
		{ "1966-12-31", "2026-12-30", 59 },
		{ "1966-12-31", "2026-12-31", 60 },
		{ "1964-02-29", "2024-02-28", 59 },	/* leap year: birthday exists */
		{ "1964-02-29", "2024-02-29", 60 },
		{ "1956-02-29", "2026-02-28", 69 },	/* common year: 1 March */
		{ "1956-02-29", "2026-03-01", 70 },
		{ "1940-02-29", "2000-02-29", 60 },	/* 2000 is leap */
		{ "2040-02-29", "2100-02-28", 59 },	/* 2100 is not */
		{ "2040-02-29", "2100-03-01", 60 },
		{ "1926-03-02", "2026-03-02", 100 },
		{ "2026-03-02", "2026-03-02", 0 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct yn_date b = raw_date(v[i].birth), o = raw_date(v[i].on);

		if (yn_policy_age(&b, &o) != v[i].age)
			fail_msg("born %s, on %s: %d, want %d", v[i].birth, v[i].on,
				 yn_policy_age(&b, &o), v[i].age);
	}
	{
		struct yn_date b = raw_date("2026-03-03"), o = raw_date("2026-03-02");
		struct yn_date bad = raw_date("2026-02-30");

		assert_int_equal(yn_policy_age(&b, &o), -1);
		assert_int_equal(yn_policy_age(&bad, &o), -1);
		assert_int_equal(yn_policy_age(&o, &bad), -1);
	}
}

static void test_workday_calendar(void **state)
{
	static const struct {
		const char *date;
		int work;
	} v[] = {
		{ "2026-03-02", 1 }, { "2026-03-06", 1 }, { "2026-03-07", 0 },
		{ "2026-03-08", 0 }, { "2026-01-01", 0 }, { "2026-01-04", 1 },
		{ "2026-02-14", 1 }, { "2026-02-15", 0 }, { "2026-02-23", 0 },
		{ "2026-02-24", 1 }, { "2026-02-28", 1 }, { "2026-05-09", 1 },
		{ "2026-10-07", 0 }, { "2026-10-08", 1 }, { "2026-10-10", 1 },
		{ "2026-10-11", 0 }, { "2027-01-01", 1 },	/* not listed: a Friday */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct yn_date d = raw_date(v[i].date);

		if (yn_policy_is_workday(&policies[P_DEFAULT], yn_date_to_days(&d)) != v[i].work)
			fail_msg("%s: workday %d, want %d", v[i].date,
				 !v[i].work, v[i].work);
	}
}

/* Reason values and names go into journals: they must not move. */
static void test_reason_names_stable(void **state)
{
	static const char *const names[YN_POL_REASON_COUNT] = {
		"ok", "internal", "denylisted", "forged", "card_invalid",
		"not_yet_valid", "expired", "not_eligible", "wrong_district",
		"already_used", "passback", "time_band", "list_stale", "no_vouchers",
		"not_workday", "outside_lunch", "canteen_closed", "price_invalid",
		"premium_class", "bad_terminal", "clock",
	};
	int i;

	(void)state;
	for (i = 0; i < YN_POL_REASON_COUNT; i++) {
		assert_string_equal(yn_policy_reason_name((enum yn_pol_reason)i), names[i]);
		assert_true(strlen(yn_policy_reason_zh((enum yn_pol_reason)i)) > 0);
		assert_true(strlen(yn_policy_reason_en((enum yn_pol_reason)i)) > 0);
		/* the display holds "zh en" whole */
		assert_true(strlen(yn_policy_reason_zh((enum yn_pol_reason)i)) + 1 +
			    strlen(yn_policy_reason_en((enum yn_pol_reason)i)) < YN_POL_DISPLAY_MAX);
	}
	assert_string_equal(yn_policy_reason_name((enum yn_pol_reason)YN_POL_REASON_COUNT),
			    "unknown");
	assert_string_equal(yn_policy_reason_zh(YN_POL_R_EXPIRED), "已过期");
	assert_string_equal(yn_policy_reason_en(YN_POL_R_EXPIRED), "card expired");
}

/* ---- fixtures -------------------------------------------------------------- */

static int edit(const char *from, const char *to, struct yn_policy *p)
{
	const char *base = yn_policy_default_text(), *at = strstr(base, from);
	size_t n = strlen(base) + strlen(to) + 1;
	char *text = malloc(n);
	struct yn_pol_error err;
	int r;

	if (at == NULL || text == NULL) {
		free(text);
		return -1;
	}
	memcpy(text, base, (size_t)(at - base));
	strcpy(text + (at - base), to);
	strcat(text, at + strlen(from));
	r = yn_policy_parse(text, p, &err);
	if (r != 0)
		fprintf(stderr, "policy edit '%s': line %d: %s\n", to, err.line, err.msg);
	free(text);
	return r;
}

static int setup(void **state)
{
	(void)state;
	if (yn_policy_default(&policies[P_DEFAULT]) != 0)
		return -1;
	if (edit("[service]", "[band morning_peak]\ndays = workdays\nstart = 04:30\n"
		 "end = 09:00\nresidency = any\ncategories = dibao\n\n[service]",
		 &policies[P_BAND]) != 0 ||
	    edit("lunch_start = 11:00", "lunch_start = 12:00", &policies[P_LUNCH_NOON]) != 0 ||
	    edit("days = workdays\nlunch_start = 11:00\nlunch_end = 13:30",
		 "days = every\nlunch_start = 00:00\nlunch_end = 24:00",
		 &policies[P_ALLDAY]) != 0 ||
	    edit("rides = continue", "rides = stop", &policies[P_STALE_STOP]) != 0 ||
	    edit("subsidies = stop\nvouchers = stop", "subsidies = continue\nvouchers = continue",
		 &policies[P_STALE_CONT]) != 0 ||
	    edit("passback_minutes = 10", "passback_minutes = 0", &policies[P_NO_PASSBACK]) != 0 ||
	    edit("meals_per_day = 1", "meals_per_day = 2", &policies[P_TWO_MEALS]) != 0)
		return -1;
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_table),
		cmocka_unit_test(test_grant_gate_trip_record),
		cmocka_unit_test(test_grant_canteen_benefit_state),
		cmocka_unit_test(test_grant_voucher_display),
		cmocka_unit_test(test_deny_display_is_bilingual),
		cmocka_unit_test(test_trip_time_out_of_range_is_card_error),
		cmocka_unit_test(test_zeroed_input_denied),
		cmocka_unit_test(test_null_arguments_deny),
		cmocka_unit_test(test_empty_policy_grants_nothing),
		cmocka_unit_test(test_age_birthdays),
		cmocka_unit_test(test_workday_calendar),
		cmocka_unit_test(test_reason_names_stable),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
