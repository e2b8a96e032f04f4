/*
 * Entitlement policy: who gets a free ride, a canteen subsidy or a service
 * voucher, decided offline at a tap (DESIGN §1, §4 step 4).
 *
 * yn_policy_decide() is a pure function: holder facts + card state +
 * terminal context + time -> a decision (GRANT with what is granted and the
 * card updates to write, or DENY with a reason a person can read).  It reads
 * no clock, no file, no environment and allocates nothing, so the same
 * inputs always give the same decision (a complaint can be replayed).
 *
 * The rules' numbers come from a policy file (docs/policy.md), loaded
 * once by yn_policy_load_file() / yn_policy_parse(), or from the built-in
 * Shenzhen default (yn_policy_default(), equal to
 * docs/examples/policy-shenzhen.ini).  All rules use Asia/Shanghai civil
 * time (validator/localtime.h).
 *
 * The input structs are plain data owned by this module; the tap fills them
 * from the decoded card, the signature check and the denylist lookup.
 */
#ifndef YN_POLICY_H
#define YN_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "validator/localtime.h"

/* ---- inputs ------------------------------------------------------------ */

/* Residency class of the holder (card holder record). */
enum yn_residency {
	YN_RES_NONE = 0,	/* not set: the record is invalid */
	YN_RES_HUKOU = 1,	/* Shenzhen hukou (深圳户籍) */
	YN_RES_RESIDENT = 2,	/* non-hukou resident (非深户常住) */
	YN_RES_HONGKONG = 3,	/* Hong Kong resident (香港居民) */
	YN_RES_MACAO = 4,	/* Macao resident (澳门居民) */
	YN_RES_TAIWAN = 5,	/* Taiwan resident (台湾居民) */
};
#define YN_RES_COUNT 6	/* one past the highest class */

/* Holder categories, a bitmask.  Bits not named here are ignored by the
 * rules (a newer issuer may set them; they grant nothing here). */
enum yn_category {
	YN_CAT_TEKUN = 1u << 0,		/* 特困 extreme poverty */
	YN_CAT_DIBAO = 1u << 1,		/* 低保 minimum living allowance */
	YN_CAT_DIBAO_EDGE = 1u << 2,	/* 低保边缘 just above it */
	YN_CAT_SANSHU_WULAO = 1u << 3,	/* 三属五老 */
	YN_CAT_ONLY_CHILD = 1u << 4,	/* 失独/独生子女伤残 family lost or has a
					 * severely disabled only child */
	YN_CAT_DISABILITY = 1u << 5,	/* 残疾 disability */
};
#define YN_CAT_ALL 0x3Fu

/* What the holder record says (verified or not: see yn_pol_checks). */
struct yn_pol_holder {
	uint64_t serial;		/* card serial: the denylist key */
	struct yn_date birth;
	uint8_t residency;		/* enum yn_residency */
	uint32_t district;		/* hukou district; any numbering the
					 * terminal's district also uses (the
					 * card's enum yn_holder_district) */
	uint32_t categories;		/* enum yn_category bits */
	struct yn_date not_before;	/* valid from 00:00:00 local on this date */
	struct yn_date not_after;	/* valid through 23:59:59 local on this date */
};

/* What the terminal found out about the record.  Zero means the worst case
 * for each: a zeroed struct denies. */
struct yn_pol_checks {
	uint8_t sig_ok;			/* issuer signature over UID || record verified */
	uint8_t not_denylisted;		/* the serial was looked up and is not listed */
	uint8_t list_fresh;		/* the denylist in force is within not_after */
};

/* Trip kinds, with the values of the card's trip log (card-format.md). */
enum yn_trip_kind {
	YN_TRIP_NONE = 0,	/* empty slot */
	YN_TRIP_ENTRY = 1,	/* metro gate, entering */
	YN_TRIP_EXIT = 2,	/* metro gate, leaving */
	YN_TRIP_BOARD = 3,	/* bus validator, boarding */
	YN_TRIP_ALIGHT = 4,	/* bus validator, leaving */
};
#define YN_TRIP_KIND_MAX YN_TRIP_ALIGHT

struct yn_trip {
	uint32_t station;	/* line and station of the gate or bus, one id
				 * (e.g. line << 16 | station) */
	int64_t time;		/* Unix seconds UTC */
	uint8_t kind;		/* enum yn_trip_kind; YN_TRIP_NONE = empty slot */
};

#define YN_POL_TRIPS_MAX 16

/* Benefit state (backup data file on the card).  Dates are Shanghai
 * dates; a zeroed date (year 0) means never.  Bookkeeping the policy does
 * not decide on (who wrote it, when) is the tap's. */
struct yn_benefit {
	struct yn_date last_meal;	/* last subsidised meal */
	uint8_t meals_on_last;		/* subsidised meals on that date */
	uint32_t meals_total;		/* subsidised meals ever */
	uint32_t subsidy_total_fen;	/* subsidy paid ever, in fen */
	struct yn_date last_service;	/* last home-care service */
	uint32_t services_total;	/* services ever */
};

/* What the card holds besides the holder record. */
struct yn_pol_card {
	struct yn_trip trips[YN_POL_TRIPS_MAX];	/* recent trips, any order */
	size_t n_trips;
	struct yn_benefit benefit;
	int32_t vouchers;	/* voucher purse balance, units */
};

/* Terminal roles; the values equal enum yn_role of validator/config.h. */
enum yn_pol_role {
	YN_POL_ROLE_NONE = 0,
	YN_POL_ROLE_GATE = 1,		/* bus/metro gate or bus validator */
	YN_POL_ROLE_CANTEEN = 2,	/* canteen checkout */
	YN_POL_ROLE_SERVICE = 3,	/* home-care service point */
};

enum yn_service_class {
	YN_CLASS_ORDINARY = 0,	/* ordinary bus/metro: free for holders */
	YN_CLASS_PREMIUM = 1,	/* premium/express class: never free */
};

/* The terminal's own configuration and the current transaction. */
struct yn_pol_terminal {
	uint8_t role;		/* enum yn_pol_role */
	uint8_t gate_kind;	/* gate: enum yn_trip_kind it records (ENTRY,
				 * EXIT, BOARD or ALIGHT) */
	uint8_t service_class;	/* gate: enum yn_service_class */
	uint8_t canteen_open;	/* canteen: the till is open for meals */
	uint32_t station;	/* gate: line/station id */
	uint32_t district;	/* canteen: the canteen's district, same
				 * numbering as the holder's; 0 = none */
	int32_t price_fen;	/* canteen: price of this meal, fen */
};

/* Everything a decision depends on. */
struct yn_pol_input {
	struct yn_pol_holder holder;
	struct yn_pol_checks checks;
	struct yn_pol_card card;
	struct yn_pol_terminal terminal;
	int64_t now;		/* Unix seconds UTC */
};

/* ---- the decision ------------------------------------------------------ */

/* The values equal YN_VERDICT_DENY / YN_VERDICT_GRANT of
 * validator/outcome.h (which adds TAP_AGAIN, never a policy verdict). */
enum yn_pol_verdict {
	YN_POL_DENY = 0,
	YN_POL_GRANT = 1,
};

/* Reason codes.  Values and names are stable: they go into journals. */
enum yn_pol_reason {
	YN_POL_GRANTED = 0,		/* "ok" */
	YN_POL_R_INTERNAL = 1,		/* "internal": bad call, see the return */
	YN_POL_R_DENYLISTED = 2,	/* "denylisted" */
	YN_POL_R_FORGED = 3,		/* "forged": signature does not verify */
	YN_POL_R_CARD_INVALID = 4,	/* "card_invalid": record fields impossible */
	YN_POL_R_NOT_YET_VALID = 5,	/* "not_yet_valid" */
	YN_POL_R_EXPIRED = 6,		/* "expired" */
	YN_POL_R_NOT_ELIGIBLE = 7,	/* "not_eligible": age, class or category */
	YN_POL_R_WRONG_DISTRICT = 8,	/* "wrong_district" */
	YN_POL_R_ALREADY_USED = 9,	/* "already_used": today's meal taken */
	YN_POL_R_PASSBACK = 10,		/* "passback" */
	YN_POL_R_TIME_BAND = 11,	/* "time_band": no free travel now */
	YN_POL_R_LIST_STALE = 12,	/* "list_stale": benefit stopped */
	YN_POL_R_NO_VOUCHERS = 13,	/* "no_vouchers" */
	YN_POL_R_NOT_WORKDAY = 14,	/* "not_workday" */
	YN_POL_R_OUTSIDE_LUNCH = 15,	/* "outside_lunch" */
	YN_POL_R_CANTEEN_CLOSED = 16,	/* "canteen_closed" */
	YN_POL_R_PRICE_INVALID = 17,	/* "price_invalid" */
	YN_POL_R_PREMIUM_CLASS = 18,	/* "premium_class": not a free service */
	YN_POL_R_BAD_TERMINAL = 19,	/* "bad_terminal": role/gate misconfigured */
	YN_POL_R_CLOCK = 20,		/* "clock": terminal time out of range */
};
#define YN_POL_REASON_COUNT 21

/* Card writes that a GRANT requires, in the tap's commit. */
struct yn_pol_updates {
	uint8_t append_trip;		/* write trip to the trip log */
	struct yn_trip trip;
	uint8_t write_benefit;		/* replace the benefit state with benefit */
	struct yn_benefit benefit;
	uint32_t voucher_debit;		/* debit this many units (0: none) */
	int32_t voucher_left;		/* service grant: the purse after the debit */
};

#define YN_POL_DISPLAY_MAX 160
#define YN_POL_NAME_MAX 64	/* policy, tier and band names, with NUL */

struct yn_decision {
	enum yn_pol_verdict verdict;
	enum yn_pol_reason reason;
	const char *reason_name;	/* stable name, "expired" */
	const char *msg_zh;		/* "已过期" */
	const char *msg_en;		/* "card expired" */
	/* What the display shows: Chinese then English, with amounts for a
	 * grant ("补贴 15.00 元 subsidy 15.00 yuan, pay 3.00"). */
	char display[YN_POL_DISPLAY_MAX];

	/* What is granted (all zero for a DENY). */
	uint8_t ride;
	uint32_t subsidy_fen;
	uint32_t pay_fen;		/* canteen: what the holder still pays */
	uint32_t voucher_units;
	char tier[YN_POL_NAME_MAX];	/* canteen: name of the subsidy tier paid
					 * (a copy: the policy may be swapped);
					 * "" otherwise */

	/* Facts the decision used, for the journal and the display. */
	int age;			/* completed years, -1 if not computed */
	struct yn_localtime local;	/* the tap's Shanghai time (always set
					 * when input is not NULL) */

	struct yn_pol_updates updates;	/* all zero for a DENY */
};

/* ---- the policy -------------------------------------------------------- */

#define YN_POL_DATES_MAX 512
#define YN_POL_BANDS_MAX 8
#define YN_POL_TIERS_MAX 8

/* Which days a rule runs on. */
enum yn_pol_days {
	YN_DAYS_WORKDAYS = 1,	/* working days (Mon-Fri, calendar adjusted) */
	YN_DAYS_RESTDAYS = 2,	/* weekends and listed holidays */
	YN_DAYS_EVERY = 3,	/* every day */
};

/* What happens to a benefit while the denylist is stale. */
enum yn_pol_stale {
	YN_STALE_STOP = 0,
	YN_STALE_CONTINUE = 1,
};

/* A time band with no free travel (entries and boardings only). */
struct yn_pol_band {
	char name[YN_POL_NAME_MAX];
	uint8_t days;			/* enum yn_pol_days */
	uint32_t start, end;		/* seconds of the local day, [start, end) */
	uint32_t residency;		/* bit (1 << class) per class it applies to */
	uint32_t categories;		/* holders with any of these categories... */
	uint8_t all_categories;		/* ...or everyone when set */
	int line;			/* line of its header in the file */
};

/* A canteen subsidy tier.  A holder who matches several gets the largest. */
struct yn_pol_tier {
	char name[YN_POL_NAME_MAX];
	uint32_t cap_fen;		/* subsidy = min(price, cap) */
	uint32_t residency;		/* bit (1 << class) per class */
	uint8_t min_age, max_age;	/* inclusive; max_age 255 = no limit */
	uint32_t categories;		/* holder needs one of these... */
	uint8_t any_category;		/* ...unless set: category not needed */
	int line;
};

struct yn_policy {
	char name[YN_POL_NAME_MAX];
	uint32_t version;

	/* [calendar]: sorted day numbers. */
	int32_t holidays[YN_POL_DATES_MAX];
	size_t n_holidays;
	int32_t workdays[YN_POL_DATES_MAX];
	size_t n_workdays;

	/* [ride] */
	uint8_t ride_min_age;
	uint32_t ride_residency;	/* bit (1 << class) */
	uint32_t passback_s;		/* 0 = no anti-passback */
	struct yn_pol_band bands[YN_POL_BANDS_MAX];
	size_t n_bands;

	/* [canteen] */
	uint8_t canteen_days;		/* enum yn_pol_days */
	uint32_t lunch_start, lunch_end;	/* seconds of the day, [start, end) */
	uint8_t meals_per_day;
	uint8_t same_district;		/* subsidy only in the holder's district */
	uint32_t max_price_fen;
	struct yn_pol_tier tiers[YN_POL_TIERS_MAX];
	size_t n_tiers;

	/* [service] */
	uint32_t units_per_service;

	/* [stale] */
	uint8_t stale_rides, stale_subsidy, stale_vouchers;	/* enum yn_pol_stale */
};

/* Where a policy file went wrong. */
struct yn_pol_error {
	int line;		/* 1-based line, 0 when not tied to a line */
	char msg[192];
};

/* The text of the built-in default policy (byte for byte
 * docs/examples/policy-shenzhen.ini).  Static, never NULL. */
const char *yn_policy_default_text(void);

/* Fill *p with the built-in Shenzhen default.  Returns 0; YN_EINTERNAL if
 * the built-in text does not parse (a build bug, caught by the tests). */
int yn_policy_default(struct yn_policy *p);

/* Parse policy text (docs/policy.md).  Strict: unknown sections or keys,
 * repeated keys, missing keys, out-of-range numbers, bad dates and times
 * are errors.  Returns 0 or YN_ECONFIG with *err naming the line and the
 * problem (err may be NULL).  *p is cleared first and is all zero after a
 * failure. */
int yn_policy_parse(const char *text, struct yn_policy *p, struct yn_pol_error *err);

/* Read and parse a policy file (at most 1 MiB).  Returns 0, YN_ECONFIG (see
 * yn_policy_parse), YN_ENOENT / YN_EIO / YN_EACCES when the file cannot be
 * read, YN_ERANGE when it is too large; *err says which.  *p is all zero
 * after a failure. */
int yn_policy_load_file(const char *path, struct yn_policy *p, struct yn_pol_error *err);

/* Decide one tap.  Returns 0 when *d holds a decision (GRANT or DENY).
 * Returns YN_EINVAL for a NULL argument; *d (when not NULL) then holds a
 * DENY with reason "internal".  *d is cleared first and starts as a DENY;
 * only the end of a grant path changes it.
 *
 * Order of checks (the first that fails gives the reason): denylisted,
 * forged, clock out of range, card data invalid, terminal misconfigured,
 * not yet valid, expired; then per role:
 *   gate:    premium class, not eligible (age, residency), list stale
 *            (if rides stop), time band (entries and boardings), passback;
 *   canteen: price invalid, canteen closed, list stale, not eligible (no
 *            tier), wrong district, not a working day, outside lunch,
 *            benefit state invalid, already used today;
 *   service: list stale, negative purse (card invalid), no vouchers left.
 * docs/policy.md states the rules in words. */
int yn_policy_decide(const struct yn_policy *p, const struct yn_pol_input *in,
		     struct yn_decision *d);

/* Completed years of age on date `on` for someone born on `birth`.  A
 * birthday on 29 February counts on 1 March in non-leap years.  Returns -1
 * if either date is invalid or birth is after on. */
int yn_policy_age(const struct yn_date *birth, const struct yn_date *on);

/* Nonzero if local day number `days` is a working day under p's calendar:
 * a listed working day, or Monday-Friday and not a listed holiday. */
int yn_policy_is_workday(const struct yn_policy *p, int64_t days);

/* Stable name of a reason ("expired"), "unknown" for a value out of range. */
const char *yn_policy_reason_name(enum yn_pol_reason r);
/* Display messages of a reason, Chinese and English; never NULL. */
const char *yn_policy_reason_zh(enum yn_pol_reason r);
const char *yn_policy_reason_en(enum yn_pol_reason r);

/* Names used in policy files and JSON: "hukou", "resident", "hongkong",
 * "macao", "taiwan"; "tekun", "dibao", "dibao_edge", "sanshu_wulao",
 * "only_child", "disability".  NULL for an unknown value / bit. */
const char *yn_policy_residency_name(enum yn_residency r);
const char *yn_policy_category_name(uint32_t bit);
/* Plain-words labels for people: "Shenzhen hukou", "extreme poverty (特困)". */
const char *yn_policy_residency_label(enum yn_residency r);
const char *yn_policy_category_label(uint32_t bit);

#endif
