/*
 * Policy files: INI text (docs/policy.md) -> struct yn_policy.
 *
 * inih splits the text into sections and key = value pairs; everything it
 * hands us is checked here, strictly.  inih as packaged by Debian does not
 * pass line numbers to the handler, so the text is fed to it through our
 * own line reader (ini_parse_stream), which counts lines, spots section
 * headers (so that empty or unknown sections are caught too) and refuses
 * over-long lines instead of letting them be split.
 *
 * Value checkers return NULL or a message; messages with the value in them
 * are formatted into thread-local buffers, so files may be parsed in
 * several threads at once.
 */
#include "validator/policy.h"

#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/err.h"

#define POLICY_FILE_MAX (1024 * 1024)

enum sect {
	S_NONE = 0,
	S_POLICY,
	S_CALENDAR,
	S_RIDE,
	S_CANTEEN,
	S_SUBSIDY,
	S_BAND,
	S_SERVICE,
	S_STALE,
	S_COUNT
};

/* Keys of each section, in the order docs/policy.md lists them.  Every key
 * is required except the calendar lists, which may also repeat. */
static const char *const keys_policy[] = { "name", "version", NULL };
static const char *const keys_calendar[] = { "holidays", "workdays", NULL };
static const char *const keys_ride[] = { "min_age", "residency", "passback_minutes", NULL };
static const char *const keys_canteen[] = { "days", "lunch_start", "lunch_end",
	"meals_per_day", "same_district", "max_price_fen", NULL };
static const char *const keys_subsidy[] = { "cap_fen", "residency", "min_age",
	"max_age", "categories", NULL };
static const char *const keys_band[] = { "days", "start", "end", "residency",
	"categories", NULL };
static const char *const keys_service[] = { "units_per_service", NULL };
static const char *const keys_stale[] = { "rides", "subsidies", "vouchers", NULL };

struct sect_def {
	const char *name;
	const char *const *keys;
	int named;		/* "[subsidy NAME]": one section per NAME */
	int required;		/* the file must have it */
};

static const struct sect_def sects[S_COUNT] = {
	[S_POLICY] = { "policy", keys_policy, 0, 1 },
	[S_CALENDAR] = { "calendar", keys_calendar, 0, 0 },
	[S_RIDE] = { "ride", keys_ride, 0, 1 },
	[S_CANTEEN] = { "canteen", keys_canteen, 0, 1 },
	[S_SUBSIDY] = { "subsidy", keys_subsidy, 1, 0 },
	[S_BAND] = { "band", keys_band, 1, 0 },
	[S_SERVICE] = { "service", keys_service, 0, 1 },
	[S_STALE] = { "stale", keys_stale, 0, 1 },
};

#define KEYS_MAX 8

struct pst {
	/* the line reader */
	const char *text;
	size_t off, len;
	int line;		/* line just handed to inih */
	int indented;		/* that line starts with white space */

	struct yn_policy *p;
	struct yn_pol_error err;
	int failed;
	int err_at;		/* line being read when the error was found */

	/* the section being read */
	enum sect sec;
	int sec_line;
	char sec_label[96];	/* "[subsidy key_guarantee]" as written */
	uint32_t seen;		/* bit per key index */
	int key_line[KEYS_MAX];
	int last_key;		/* index of the previous key, -1 none */
	struct yn_pol_tier *tier;
	struct yn_pol_band *band;

	int sect_line[S_COUNT];	/* header line of each unnamed section */
};

static void fail(struct pst *st, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record the first error only: later ones are often its consequences. */
static void fail(struct pst *st, int line, const char *fmt, ...)
{
	va_list ap;

	if (st->failed)
		return;
	st->failed = 1;
	st->err_at = st->line;
	st->err.line = line;
	va_start(ap, fmt);
	vsnprintf(st->err.msg, sizeof(st->err.msg), fmt, ap);
	va_end(ap);
}

/* ---- value parsers: 0 or an error message --------------------------------- */

static const char *parse_uint(const char *v, uint32_t lo, uint32_t hi, uint32_t *out)
{
	static _Thread_local char msg[96];
	uint64_t x = 0;
	const char *s = v;

	if (*s == '\0')
		return "empty value; a number is needed";
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return "not a whole number (digits only)";
		x = x * 10 + (uint64_t)(*s - '0');
		if (x > 0xFFFFFFFFull)
			break;
	}
	if (x < lo || x > hi) {
		snprintf(msg, sizeof(msg), "%s is out of range (%u..%u)", v, lo, hi);
		return msg;
	}
	*out = (uint32_t)x;
	return NULL;
}

/* "HH:MM" -> seconds of the day; "24:00" only when allow_24. */
static const char *parse_hhmm(const char *v, int allow_24, uint32_t *out)
{
	unsigned h, m;

	if (strlen(v) != 5 || v[2] != ':' ||
	    v[0] < '0' || v[0] > '9' || v[1] < '0' || v[1] > '9' ||
	    v[3] < '0' || v[3] > '9' || v[4] < '0' || v[4] > '9')
		return "not a time; write HH:MM (24-hour clock, e.g. 04:30)";
	h = (unsigned)(v[0] - '0') * 10 + (unsigned)(v[1] - '0');
	m = (unsigned)(v[3] - '0') * 10 + (unsigned)(v[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && (m != 0 || !allow_24)))
		return allow_24 ? "no such time (00:00..24:00)" : "no such time (00:00..23:59)";
	*out = h * 3600 + m * 60;
	return NULL;
}

static const char *parse_bool(const char *v, uint8_t *out)
{
	if (strcmp(v, "yes") == 0) {
		*out = 1;
		return NULL;
	}
	if (strcmp(v, "no") == 0) {
		*out = 0;
		return NULL;
	}
	return "not yes or no";
}

static const char *parse_days(const char *v, uint8_t *out)
{
	if (strcmp(v, "workdays") == 0)
		*out = YN_DAYS_WORKDAYS;
	else if (strcmp(v, "restdays") == 0)
		*out = YN_DAYS_RESTDAYS;
	else if (strcmp(v, "every") == 0)
		*out = YN_DAYS_EVERY;
	else
		return "not one of workdays, restdays, every";
	return NULL;
}

static const char *parse_stale(const char *v, uint8_t *out)
{
	if (strcmp(v, "continue") == 0)
		*out = YN_STALE_CONTINUE;
	else if (strcmp(v, "stop") == 0)
		*out = YN_STALE_STOP;
	else
		return "not continue or stop";
	return NULL;
}

/* Split a comma-separated list in place-free fashion: calls item() for
 * each trimmed element.  Empty elements are errors. */
typedef const char *(*item_fn)(const char *item, size_t n, void *ctx);

static const char *each_item(const char *v, item_fn fn, void *ctx)
{
	const char *s = v, *e, *err;
	size_t n;

	if (*v == '\0')
		return "empty list";
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		e = strchr(s, ',');
		n = e ? (size_t)(e - s) : strlen(s);
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		if (n == 0)
			return "empty element in a comma-separated list";
		if ((err = fn(s, n, ctx)) != NULL)
			return err;
		if (e == NULL)
			return NULL;
		s = e + 1;
	}
}

static int item_is(const char *item, size_t n, const char *word)
{
	return strlen(word) == n && memcmp(item, word, n) == 0;
}

struct set_ctx {
	uint32_t bits;
	int any;
	int count;
};

static const char *residency_item(const char *item, size_t n, void *vctx)
{
	struct set_ctx *c = vctx;
	static _Thread_local char msg[128];
	unsigned r;

	c->count++;
	if (item_is(item, n, "any")) {
		c->any = 1;
		return NULL;
	}
	for (r = 1; r < YN_RES_COUNT; r++) {
		if (item_is(item, n, yn_policy_residency_name((enum yn_residency)r))) {
			if (c->bits & (1u << r))
				return "residency class listed twice";
			c->bits |= 1u << r;
			return NULL;
		}
	}
	snprintf(msg, sizeof(msg),
		 "unknown residency class '%.*s' (hukou, resident, hongkong, macao, taiwan, any)",
		 (int)(n > 32 ? 32 : n), item);
	return msg;
}

static const char *category_item(const char *item, size_t n, void *vctx)
{
	struct set_ctx *c = vctx;
	static _Thread_local char msg[160];
	uint32_t bit;

	c->count++;
	if (item_is(item, n, "any")) {
		c->any = 1;
		return NULL;
	}
	for (bit = 1; bit & YN_CAT_ALL; bit <<= 1) {
		if (item_is(item, n, yn_policy_category_name(bit))) {
			if (c->bits & bit)
				return "category listed twice";
			c->bits |= bit;
			return NULL;
		}
	}
	snprintf(msg, sizeof(msg),
		 "unknown category '%.*s' (tekun, dibao, dibao_edge, sanshu_wulao, "
		 "only_child, disability, any)", (int)(n > 32 ? 32 : n), item);
	return msg;
}

/* A residency list: names or "any" alone (all classes). */
static const char *parse_residency(const char *v, uint32_t *out)
{
	struct set_ctx c = { 0, 0, 0 };
	const char *err = each_item(v, residency_item, &c);
	unsigned r;

	if (err)
		return err;
	if (c.any && c.count != 1)
		return "'any' must stand alone";
	if (c.any)
		for (r = 1; r < YN_RES_COUNT; r++)
			c.bits |= 1u << r;
	*out = c.bits;
	return NULL;
}

/* A category list: names, or "any" alone (no category needed / everyone). */
static const char *parse_categories(const char *v, uint32_t *out, uint8_t *any)
{
	struct set_ctx c = { 0, 0, 0 };
	const char *err = each_item(v, category_item, &c);

	if (err)
		return err;
	if (c.any && c.count != 1)
		return "'any' must stand alone";
	*out = c.bits;
	*any = (uint8_t)c.any;
	return NULL;
}

/* ---- the calendar lists --------------------------------------------------- */

struct date_ctx {
	struct pst *st;
	int holidays;	/* adding to holidays (else workdays) */
};

static int find_day(const int32_t *v, size_t n, int32_t day)
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

/* Insert keeping the array sorted; the caller checked for room and
 * duplicates. */
static void insert_day(int32_t *v, size_t *n, int32_t day)
{
	size_t i = *n;

	while (i > 0 && v[i - 1] > day) {
		v[i] = v[i - 1];
		i--;
	}
	v[i] = day;
	(*n)++;
}

static const char *date_item(const char *item, size_t n, void *vctx)
{
	struct date_ctx *c = vctx;
	struct yn_policy *p = c->st->p;
	static _Thread_local char msg[128];
	char a[16], b[16];
	struct yn_date da, db;
	int64_t d0, d1, d;
	int32_t *list = c->holidays ? p->holidays : p->workdays;
	size_t *count = c->holidays ? &p->n_holidays : &p->n_workdays;
	const int32_t *other = c->holidays ? p->workdays : p->holidays;
	size_t n_other = c->holidays ? p->n_workdays : p->n_holidays;

	/* "YYYY-MM-DD" or "YYYY-MM-DD..YYYY-MM-DD" */
	if (n == 10) {
		memcpy(a, item, 10);
		a[10] = '\0';
		memcpy(b, a, 11);
	} else if (n == 22 && item[10] == '.' && item[11] == '.') {
		memcpy(a, item, 10);
		a[10] = '\0';
		memcpy(b, item + 12, 10);
		b[10] = '\0';
	} else {
		snprintf(msg, sizeof(msg), "'%.*s' is not a date (YYYY-MM-DD) or range "
			 "(YYYY-MM-DD..YYYY-MM-DD)", (int)(n > 40 ? 40 : n), item);
		return msg;
	}
	if (yn_date_parse(a, &da) != 0 || yn_date_parse(b, &db) != 0) {
		snprintf(msg, sizeof(msg), "'%.*s' holds no such date (YYYY-MM-DD, years %d..%d)",
			 (int)n, item, YN_DATE_YEAR_MIN, YN_DATE_YEAR_MAX);
		return msg;
	}
	d0 = yn_date_to_days(&da);
	d1 = yn_date_to_days(&db);
	if (d1 < d0)
		return "a range must not end before it starts";
	for (d = d0; d <= d1; d++) {
		struct yn_date dd;
		char ds[11];

		yn_date_from_days(d, &dd);
		yn_date_format(&dd, ds, sizeof(ds));
		if (find_day(list, *count, (int32_t)d)) {
			snprintf(msg, sizeof(msg), "%s is listed twice", ds);
			return msg;
		}
		if (find_day(other, n_other, (int32_t)d)) {
			snprintf(msg, sizeof(msg), "%s is listed both as a holiday and as a workday", ds);
			return msg;
		}
		if (*count >= YN_POL_DATES_MAX) {
			snprintf(msg, sizeof(msg), "too many dates (at most %d per list)",
				 YN_POL_DATES_MAX);
			return msg;
		}
		insert_day(list, count, (int32_t)d);
	}
	return NULL;
}

/* ---- sections ------------------------------------------------------------- */

static int key_index(enum sect s, const char *name)
{
	int i;

	for (i = 0; sects[s].keys[i] != NULL; i++)
		if (strcmp(sects[s].keys[i], name) == 0)
			return i;
	return -1;
}

static int is_list_key(enum sect s, int k)
{
	(void)k;
	return s == S_CALENDAR;
}

/* Checks when a section is complete: required keys, and the relations
 * between its keys. */
static void end_section(struct pst *st)
{
	int i;

	if (st->sec == S_NONE || st->failed)
		return;
	for (i = 0; sects[st->sec].keys[i] != NULL; i++) {
		if (is_list_key(st->sec, i))
			continue;
		if (!(st->seen & (1u << i))) {
			fail(st, st->sec_line, "section %s lacks the key '%s'", st->sec_label,
			     sects[st->sec].keys[i]);
			return;
		}
	}
	switch (st->sec) {
	case S_CANTEEN:
		if (st->p->lunch_start >= st->p->lunch_end)
			fail(st, st->key_line[2] > st->key_line[1] ? st->key_line[2] : st->key_line[1],
			     "lunch_end must be after lunch_start");
		break;
	case S_BAND:
		if (st->band->start >= st->band->end)
			fail(st, st->key_line[2] > st->key_line[1] ? st->key_line[2] : st->key_line[1],
			     "a band's end must be after its start (split a band that "
			     "crosses midnight in two)");
		break;
	case S_SUBSIDY:
		if (st->tier->min_age > st->tier->max_age)
			fail(st, st->key_line[3] > st->key_line[2] ? st->key_line[3] : st->key_line[2],
			     "max_age is below min_age");
		break;
	default:
		break;
	}
}

static int valid_instance_name(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n >= YN_POL_NAME_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

/* A header line "[name]" or "[kind instance]" at text h (leading white
 * space skipped, h[0] == '['). */
static void begin_section(struct pst *st, const char *h)
{
	const char *close = strchr(h, ']'), *rest, *sp;
	size_t n, kn;
	enum sect s;
	size_t i;

	end_section(st);
	st->sec = S_NONE;
	st->seen = 0;
	st->last_key = -1;
	st->tier = NULL;
	st->band = NULL;
	memset(st->key_line, 0, sizeof(st->key_line));
	st->sec_line = st->line;
	if (close == NULL)
		return;		/* inih reports the missing ']' on this line */
	for (rest = close + 1; *rest == ' ' || *rest == '\t'; rest++)
		;
	if (*rest != '\0' && *rest != ';' && *rest != '#' && *rest != '\r' && *rest != '\n') {
		fail(st, st->line, "text after the section header");
		return;
	}
	n = (size_t)(close - h - 1);
	snprintf(st->sec_label, sizeof(st->sec_label), "[%.*s]", (int)(n > 80 ? 80 : n), h + 1);
	sp = memchr(h + 1, ' ', n);
	kn = sp ? (size_t)(sp - h - 1) : n;
	for (s = S_POLICY; s < S_COUNT; s++)
		if (strlen(sects[s].name) == kn && memcmp(sects[s].name, h + 1, kn) == 0)
			break;
	if (s == S_COUNT) {
		fail(st, st->line, "unknown section %s (policy, calendar, ride, canteen, "
		     "subsidy NAME, band NAME, service, stale)", st->sec_label);
		return;
	}
	if (!sects[s].named) {
		if (sp != NULL) {
			fail(st, st->line, "section [%s] takes no name", sects[s].name);
			return;
		}
		if (st->sect_line[s]) {
			fail(st, st->line, "section [%s] given twice (first at line %d)",
			     sects[s].name, st->sect_line[s]);
			return;
		}
		st->sect_line[s] = st->line;
		st->sec = s;
		return;
	}
	/* [subsidy NAME] / [band NAME] */
	if (sp == NULL || !valid_instance_name(sp + 1, n - kn - 1)) {
		fail(st, st->line, "section [%s NAME] needs a NAME of a-z, 0-9, _ and - "
		     "(at most %d characters)", sects[s].name, YN_POL_NAME_MAX - 1);
		return;
	}
	if (s == S_SUBSIDY) {
		for (i = 0; i < st->p->n_tiers; i++) {
			if (strlen(st->p->tiers[i].name) == n - kn - 1 &&
			    memcmp(st->p->tiers[i].name, sp + 1, n - kn - 1) == 0) {
				fail(st, st->line, "section %s given twice (first at line %d)",
				     st->sec_label, st->p->tiers[i].line);
				return;
			}
		}
		if (st->p->n_tiers >= YN_POL_TIERS_MAX) {
			fail(st, st->line, "too many subsidy tiers (at most %d)", YN_POL_TIERS_MAX);
			return;
		}
		st->tier = &st->p->tiers[st->p->n_tiers++];
		memcpy(st->tier->name, sp + 1, n - kn - 1);
		st->tier->line = st->line;
	} else {
		for (i = 0; i < st->p->n_bands; i++) {
			if (strlen(st->p->bands[i].name) == n - kn - 1 &&
			    memcmp(st->p->bands[i].name, sp + 1, n - kn - 1) == 0) {
				fail(st, st->line, "section %s given twice (first at line %d)",
				     st->sec_label, st->p->bands[i].line);
				return;
			}
		}
		if (st->p->n_bands >= YN_POL_BANDS_MAX) {
			fail(st, st->line, "too many time bands (at most %d)", YN_POL_BANDS_MAX);
			return;
		}
		st->band = &st->p->bands[st->p->n_bands++];
		memcpy(st->band->name, sp + 1, n - kn - 1);
		st->band->line = st->line;
	}
	st->sec = s;
}

static const char *set_policy(struct pst *st, int k, const char *v)
{
	const unsigned char *s;

	switch (k) {
	case 0:
		if (*v == '\0')
			return "empty name";
		if (strlen(v) >= YN_POL_NAME_MAX)
			return "name too long (at most 63 bytes)";
		for (s = (const unsigned char *)v; *s; s++)
			if (*s < 0x20 || *s == 0x7F)
				return "control character in the name";
		memcpy(st->p->name, v, strlen(v) + 1);
		return NULL;
	case 1:
		return parse_uint(v, 0, 0xFFFFFFFFu, &st->p->version);
	}
	return "internal: key without a setter";
}

static const char *set_calendar(struct pst *st, int k, const char *v)
{
	struct date_ctx c = { st, k == 0 };

	return each_item(v, date_item, &c);
}

static const char *set_ride(struct pst *st, int k, const char *v)
{
	uint32_t x;
	const char *e;

	switch (k) {
	case 0:
		if ((e = parse_uint(v, 0, 150, &x)) == NULL)
			st->p->ride_min_age = (uint8_t)x;
		return e;
	case 1:
		return parse_residency(v, &st->p->ride_residency);
	case 2:
		if ((e = parse_uint(v, 0, 1440, &x)) == NULL)
			st->p->passback_s = x * 60;
		return e;
	}
	return "internal: key without a setter";
}

static const char *set_canteen(struct pst *st, int k, const char *v)
{
	uint32_t x;
	const char *e;

	switch (k) {
	case 0:
		return parse_days(v, &st->p->canteen_days);
	case 1:
		return parse_hhmm(v, 0, &st->p->lunch_start);
	case 2:
		return parse_hhmm(v, 1, &st->p->lunch_end);
	case 3:
		if ((e = parse_uint(v, 1, 10, &x)) == NULL)
			st->p->meals_per_day = (uint8_t)x;
		return e;
	case 4:
		return parse_bool(v, &st->p->same_district);
	case 5:
		return parse_uint(v, 1, 1000000, &st->p->max_price_fen);
	}
	return "internal: key without a setter";
}

static const char *set_subsidy(struct pst *st, int k, const char *v)
{
	struct yn_pol_tier *t = st->tier;
	uint32_t x;
	const char *e;

	switch (k) {
	case 0:
		return parse_uint(v, 1, 100000, &t->cap_fen);
	case 1:
		return parse_residency(v, &t->residency);
	case 2:
		if ((e = parse_uint(v, 0, 150, &x)) == NULL)
			t->min_age = (uint8_t)x;
		return e;
	case 3:
		if (strcmp(v, "none") == 0) {
			t->max_age = 255;
			return NULL;
		}
		if (*v < '0' || *v > '9')
			return "not an age (0..150) or none";
		if ((e = parse_uint(v, 0, 150, &x)) == NULL)
			t->max_age = (uint8_t)x;
		return e;
	case 4:
		return parse_categories(v, &t->categories, &t->any_category);
	}
	return "internal: key without a setter";
}

static const char *set_band(struct pst *st, int k, const char *v)
{
	struct yn_pol_band *b = st->band;

	switch (k) {
	case 0:
		return parse_days(v, &b->days);
	case 1:
		return parse_hhmm(v, 0, &b->start);
	case 2:
		return parse_hhmm(v, 1, &b->end);
	case 3:
		return parse_residency(v, &b->residency);
	case 4:
		return parse_categories(v, &b->categories, &b->all_categories);
	}
	return "internal: key without a setter";
}

static const char *set_service(struct pst *st, int k, const char *v)
{
	(void)k;
	return parse_uint(v, 1, 1000, &st->p->units_per_service);
}

static const char *set_stale(struct pst *st, int k, const char *v)
{
	switch (k) {
	case 0:
		return parse_stale(v, &st->p->stale_rides);
	case 1:
		return parse_stale(v, &st->p->stale_subsidy);
	case 2:
		return parse_stale(v, &st->p->stale_vouchers);
	}
	return "internal: key without a setter";
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct pst *st = user;
	const char *e = NULL;
	int k;

	(void)section;	/* the line reader tracked the header itself */
	if (st->failed)
		return 0;
	if (st->sec == S_NONE) {
		fail(st, st->line, "'%s' is outside any section", name);
		return 0;
	}
	if ((k = key_index(st->sec, name)) < 0) {
		fail(st, st->line, "unknown key '%s' in section %s", name, st->sec_label);
		return 0;
	}
	if (st->indented && k == st->last_key && !is_list_key(st->sec, k)) {
		fail(st, st->line, "an indented line continues '%s', which takes one value "
		     "(remove the indentation)", name);
		return 0;
	}
	if ((st->seen & (1u << k)) && !is_list_key(st->sec, k)) {
		fail(st, st->line, "'%s' given twice in section %s (first at line %d)", name,
		     st->sec_label, st->key_line[k]);
		return 0;
	}
	st->seen |= 1u << k;
	st->key_line[k] = st->line;
	st->last_key = k;
	switch (st->sec) {
	case S_POLICY: e = set_policy(st, k, value); break;
	case S_CALENDAR: e = set_calendar(st, k, value); break;
	case S_RIDE: e = set_ride(st, k, value); break;
	case S_CANTEEN: e = set_canteen(st, k, value); break;
	case S_SUBSIDY: e = set_subsidy(st, k, value); break;
	case S_BAND: e = set_band(st, k, value); break;
	case S_SERVICE: e = set_service(st, k, value); break;
	case S_STALE: e = set_stale(st, k, value); break;
	default: e = "internal: no section"; break;
	}
	if (e != NULL) {
		fail(st, st->line, "%s: %s", name, e);
		return 0;
	}
	return 1;
}

/* inih's fgets-style reader over st->text.  Counts lines, notes section
 * headers, and stops (returns NULL as at end of input) on a line too long
 * for inih's buffer of num bytes. */
static char *read_line(char *buf, int num, void *stream)
{
	struct pst *st = stream;
	const char *s = st->text + st->off, *nl, *h;
	size_t left = st->len - st->off, n, c;

	if (left == 0 || st->failed || num < 4)
		return NULL;
	nl = memchr(s, '\n', left);
	n = nl ? (size_t)(nl - s) + 1 : left;
	st->line++;
	/* inih needs room for "\r\n\0" after the text of a line. */
	c = n;
	if (c > 0 && s[c - 1] == '\n')
		c--;
	if (c > 0 && s[c - 1] == '\r')
		c--;
	if (c > (size_t)num - 3) {
		fail(st, st->line, "line too long (at most %d characters)", num - 3);
		return NULL;
	}
	memcpy(buf, s, n);
	buf[n] = '\0';
	st->off += n;
	h = buf;
	if (st->line == 1 && (unsigned char)h[0] == 0xEF && (unsigned char)h[1] == 0xBB &&
	    (unsigned char)h[2] == 0xBF)
		h += 3;
	st->indented = (*h == ' ' || *h == '\t');
	while (*h == ' ' || *h == '\t')
		h++;
	if (*h == '[')
		begin_section(st, h);
	return buf;
}

static void finish(struct pst *st)
{
	enum sect s;

	end_section(st);
	for (s = S_POLICY; s < S_COUNT && !st->failed; s++)
		if (sects[s].required && st->sect_line[s] == 0)
			fail(st, 0, "the section [%s] is missing", sects[s].name);
}

/* The whole text must be one NUL-terminated string without NUL bytes in
 * it; len is its strlen. */
static int parse_text(const char *text, size_t len, struct yn_policy *p, struct yn_pol_error *err)
{
	struct pst *st;
	int r, rc = YN_ECONFIG;

	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return YN_ENOMEM;
	st->text = text;
	st->len = len;
	st->p = p;
	st->last_key = -1;
	r = ini_parse_stream(read_line, st, handler, st);
	/* inih goes on after a line it cannot read (and reports it only at the
	 * end); an error we found while reading a later line may follow from
	 * it, so whichever was found first wins. */
	if (r > 0 && (!st->failed || st->err_at > r)) {
		st->failed = 0;
		fail(st, r, "not a 'key = value' line, a [section] header or a comment");
	}
	else if (r < 0)
		fail(st, 0, "the INI parser ran out of memory");
	if (!st->failed)
		finish(st);
	if (st->failed) {
		if (err)
			*err = st->err;
		memset(p, 0, sizeof(*p));
		goto out;
	}
	rc = 0;
out:
	free(st);
	return rc;
}

int yn_policy_parse(const char *text, struct yn_policy *p, struct yn_pol_error *err)
{
	if (err)
		memset(err, 0, sizeof(*err));
	if (p == NULL)
		return YN_EINVAL;
	memset(p, 0, sizeof(*p));
	if (text == NULL)
		return YN_EINVAL;
	return parse_text(text, strlen(text), p, err);
}

int yn_policy_load_file(const char *path, struct yn_policy *p, struct yn_pol_error *err)
{
	FILE *f = NULL;
	char *buf = NULL;
	size_t n = 0;
	int r, e;

	if (err)
		memset(err, 0, sizeof(*err));
	if (p == NULL)
		return YN_EINVAL;
	memset(p, 0, sizeof(*p));
	if (path == NULL)
		return YN_EINVAL;
	if ((f = fopen(path, "rb")) == NULL) {
		e = errno;
		r = e == ENOENT ? YN_ENOENT : e == EACCES ? YN_EACCES : YN_EIO;
		if (err)
			snprintf(err->msg, sizeof(err->msg), "cannot open: %s", strerror(e));
		goto out;
	}
	if ((buf = malloc(POLICY_FILE_MAX + 1)) == NULL) {
		r = YN_ENOMEM;
		goto out;
	}
	n = fread(buf, 1, POLICY_FILE_MAX + 1, f);
	if (ferror(f)) {
		r = YN_EIO;
		if (err)
			snprintf(err->msg, sizeof(err->msg), "read error");
		goto out;
	}
	if (n > POLICY_FILE_MAX) {
		r = YN_ERANGE;
		if (err)
			snprintf(err->msg, sizeof(err->msg), "file larger than %d bytes",
				 POLICY_FILE_MAX);
		goto out;
	}
	buf[n] = '\0';
	if (strlen(buf) != n) {
		r = YN_ECONFIG;
		if (err) {
			/* name the line holding the first NUL byte */
			size_t i;
			int line = 1;

			for (i = 0; i < n && buf[i] != '\0'; i++)
				if (buf[i] == '\n')
					line++;
			err->line = line;
			snprintf(err->msg, sizeof(err->msg), "NUL byte in the text");
		}
		goto out;
	}
	r = parse_text(buf, n, p, err);
out:
	if (r != 0)
		memset(p, 0, sizeof(*p));
	free(buf);
	if (f)
		fclose(f);
	return r;
}
