#include "card/holder_json.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "base/err.h"
#include "card/holder_date.h"

static int seterr(char *err, size_t errlen, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int seterr(char *err, size_t errlen, int code, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return code;
}

static int digits(const char *s, int n, int *v)
{
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (s[i] - '0');
	}
	return 0;
}

/* YYYY-MM-DDTHH:MM:SS then Z, +HH:MM, -HH:MM, +HHMM or -HHMM. */
int yn_holder_json_parse_time(const char *s, int64_t *t)
{
	int hh, mi, ss, oh = 0, om = 0, sign = 1;
	char date[11];
	uint32_t ymd;
	size_t n;
	int r;

	if (s == NULL || (n = strlen(s)) < 20 || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return YN_EFORMAT;
	memcpy(date, s, 10);
	date[10] = '\0';
	if ((r = yn_ymd_parse(date, &ymd)) != 0)
		return r;
	if (digits(s + 11, 2, &hh) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &ss))
		return YN_EFORMAT;
	s += 19;
	if (strcmp(s, "Z") == 0) {
		oh = om = 0;
	} else if ((s[0] == '+' || s[0] == '-') &&
		   ((strlen(s) == 6 && s[3] == ':' && !digits(s + 1, 2, &oh) &&
		     !digits(s + 4, 2, &om)) ||
		    (strlen(s) == 5 && !digits(s + 1, 2, &oh) && !digits(s + 3, 2, &om)))) {
		sign = s[0] == '-' ? -1 : 1;
	} else {
		return YN_EFORMAT;
	}
	if (hh > 23 || mi > 59 || ss > 59 || oh > 14 || om > 59)
		return YN_ERANGE;
	*t = (int64_t)yn_ymd_to_days(ymd) * 86400 + hh * 3600 + mi * 60 + ss -
	     sign * (oh * 3600 + om * 60);
	return 0;
}

static const char *const known[] = {
	"serial", "uid", "birth_date", "residency", "district", "categories",
	"not_before", "not_after", "issued_at", "name", "note",
};

static int get_date(json_t *o, const char *field, int required, uint32_t *ymd, char *err,
		    size_t errlen)
{
	json_t *v = json_object_get(o, field);
	int r;

	*ymd = 0;
	if (v == NULL) {
		if (required)
			return seterr(err, errlen, YN_EFORMAT, "%s: missing", field);
		return 0;
	}
	if (!json_is_string(v))
		return seterr(err, errlen, YN_EFORMAT, "%s: must be a string \"YYYY-MM-DD\"",
			      field);
	if ((r = yn_ymd_parse(json_string_value(v), ymd)) != 0)
		return seterr(err, errlen, r, "%s: \"%s\" is not a date YYYY-MM-DD in 1900-2099",
			      field, json_string_value(v));
	return 0;
}

static int get_serial(json_t *o, uint64_t *serial, char *err, size_t errlen)
{
	json_t *v = json_object_get(o, "serial");
	const char *s;
	uint64_t x = 0;

	*serial = 0;
	if (v == NULL)
		return 0;	/* absent: the desk allocates the next free serial */
	if (json_is_integer(v)) {
		if (json_integer_value(v) <= 0)
			return seterr(err, errlen, YN_ERANGE, "serial: must be 1 or more");
		*serial = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (!json_is_string(v))
		return seterr(err, errlen, YN_EFORMAT,
			      "serial: must be a number or a string of decimal digits");
	s = json_string_value(v);
	if (*s == '\0' || strlen(s) > 20)
		return seterr(err, errlen, YN_EFORMAT, "serial: \"%s\" is not a serial number", s);
	for (; *s != '\0'; s++) {
		unsigned d = (unsigned)(*s - '0');

		if (*s < '0' || *s > '9')
			return seterr(err, errlen, YN_EFORMAT,
				      "serial: \"%s\" is not a string of decimal digits",
				      json_string_value(v));
		if (x > (UINT64_MAX - d) / 10)
			return seterr(err, errlen, YN_ERANGE, "serial: larger than 2^64-1");
		x = x * 10 + d;
	}
	if (x == 0)
		return seterr(err, errlen, YN_ERANGE, "serial: must be 1 or more");
	*serial = x;
	return 0;
}

static void list_names(char *buf, size_t cap, const char *(*name)(unsigned), unsigned from,
		       unsigned to)
{
	size_t n = 0;
	unsigned i;

	buf[0] = '\0';
	for (i = from; i <= to && n < cap; i++) {
		int w = snprintf(buf + n, cap - n, "%s%s", i == from ? "" : ", ", name(i));

		if (w < 0)
			break;
		n += (size_t)w;
	}
}

static int parse(json_t *o, int64_t now, struct yn_holder *h, char *err, size_t errlen)
{
	const char *key;
	json_t *v;
	char names[256], d1[11], d2[11];
	uint32_t issue_day;
	int64_t issued;
	size_t i, idx;
	int r, age;

	if (!json_is_object(o))
		return seterr(err, errlen, YN_EFORMAT, "holder: the description must be a JSON object");
	json_object_foreach(o, key, v) {
		for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (i == sizeof(known) / sizeof(known[0]))
			return seterr(err, errlen, YN_EFORMAT, "%s: unknown field", key);
	}
	if ((v = json_object_get(o, "name")) != NULL && !json_is_string(v))
		return seterr(err, errlen, YN_EFORMAT, "name: must be a string");
	if ((v = json_object_get(o, "note")) != NULL && !json_is_string(v))
		return seterr(err, errlen, YN_EFORMAT, "note: must be a string");

	if ((r = get_serial(o, &h->serial, err, errlen)) != 0)
		return r;

	if ((v = json_object_get(o, "uid")) != NULL) {
		size_t n = 0;

		if (!json_is_string(v) || strlen(json_string_value(v)) != 2 * YN_UID_LEN ||
		    yn_hex_decode(json_string_value(v), h->uid, YN_UID_LEN, &n) != 0 ||
		    n != YN_UID_LEN)
			return seterr(err, errlen, YN_EFORMAT, "uid: must be 14 hex digits (7 bytes)");
	}

	/* Issue time first: the age rule is about the issue date. */
	issued = now;
	if ((v = json_object_get(o, "issued_at")) != NULL) {
		if (!json_is_string(v) ||
		    (r = yn_holder_json_parse_time(json_string_value(v), &issued)) != 0)
			return seterr(err, errlen, YN_EFORMAT,
				      "issued_at: must be a time like \"2026-11-29T10:00:00+08:00\"");
	}
	if (issued < (int64_t)YN_HOLDER_ISSUED_MIN || issued >= (int64_t)YN_HOLDER_ISSUED_MAX)
		return seterr(err, errlen, YN_ERANGE, "issued_at: outside 2019-01-01..2099-12-31");
	h->issued_at = (uint64_t)issued;
	issue_day = yn_ymd_from_unix(issued);

	if ((r = get_date(o, "birth_date", 1, &h->birth, err, errlen)) != 0)
		return r;
	yn_ymd_format(issue_day, d1);
	if (h->birth > issue_day)
		return seterr(err, errlen, YN_ERANGE, "birth_date: after the issue date %s", d1);
	age = yn_ymd_age(h->birth, issue_day);
	if (age < YN_HOLDER_MIN_AGE)
		return seterr(err, errlen, YN_ERANGE,
			      "birth_date: holder is %d on the issue date %s (must be %d or over)",
			      age, d1, YN_HOLDER_MIN_AGE);

	if ((v = json_object_get(o, "residency")) == NULL)
		return seterr(err, errlen, YN_EFORMAT, "residency: missing");
	if (!json_is_string(v))
		return seterr(err, errlen, YN_EFORMAT, "residency: must be a string");
	if (yn_holder_residency_lookup(json_string_value(v), &h->residency) != 0) {
		list_names(names, sizeof(names), yn_holder_residency_name, YN_HRES_HUKOU, YN_HRES_MAX);
		return seterr(err, errlen, YN_ENOENT, "residency: unknown class \"%s\" (one of %s)",
			      json_string_value(v), names);
	}

	v = json_object_get(o, "district");
	h->district = YN_HDIST_NONE;
	if (v != NULL && !json_is_null(v)) {
		if (!json_is_string(v))
			return seterr(err, errlen, YN_EFORMAT, "district: must be a string");
		if (yn_holder_district_lookup(json_string_value(v), &h->district) != 0) {
			list_names(names, sizeof(names), yn_holder_district_name, YN_HDIST_FUTIAN,
				   YN_HDIST_MAX);
			return seterr(err, errlen, YN_ENOENT,
				      "district: unknown district \"%s\" (one of %s)",
				      json_string_value(v), names);
		}
	}
	if (h->residency == YN_HRES_HUKOU && h->district == YN_HDIST_NONE)
		return seterr(err, errlen, YN_EFORMAT,
			      "district: required for a Shenzhen hukou holder (the hukou district)");
	if (h->residency != YN_HRES_HUKOU && h->district != YN_HDIST_NONE)
		return seterr(err, errlen, YN_ERANGE,
			      "district: only Shenzhen hukou holders have a hukou district "
			      "(leave it out for residency \"%s\")", yn_holder_residency_name(h->residency));

	if ((v = json_object_get(o, "categories")) != NULL) {
		json_t *c;

		if (!json_is_array(v))
			return seterr(err, errlen, YN_EFORMAT, "categories: must be an array of names");
		json_array_foreach(v, idx, c) {
			uint16_t bit = 0;

			if (!json_is_string(c))
				return seterr(err, errlen, YN_EFORMAT,
					      "categories[%zu]: must be a string", idx);
			if (yn_holder_category_lookup(json_string_value(c), &bit) != 0) {
				list_names(names, sizeof(names), yn_holder_category_name, 0,
					   YN_HCAT_COUNT - 1);
				return seterr(err, errlen, YN_ENOENT,
					      "categories[%zu]: unknown category \"%s\" (one of %s)",
					      idx, json_string_value(c), names);
			}
			if (h->categories & bit)
				return seterr(err, errlen, YN_EFORMAT,
					      "categories[%zu]: \"%s\" listed twice", idx,
					      json_string_value(c));
			h->categories |= bit;
		}
	}

	if ((r = get_date(o, "not_before", 0, &h->not_before, err, errlen)) != 0)
		return r;
	if (h->not_before == 0)
		h->not_before = issue_day;
	if ((r = get_date(o, "not_after", 1, &h->not_after, err, errlen)) != 0)
		return r;
	yn_ymd_format(h->not_before, d1);
	yn_ymd_format(h->not_after, d2);
	if (h->not_after < h->not_before)
		return seterr(err, errlen, YN_ERANGE, "not_after: %s is before not_before %s", d2,
			      d1);
	if (h->not_after < issue_day) {
		yn_ymd_format(issue_day, d1);
		return seterr(err, errlen, YN_ERANGE,
			      "not_after: %s is before the issue date %s (the card would be "
			      "born expired)", d2, d1);
	}
	if (h->not_before < h->birth)
		return seterr(err, errlen, YN_ERANGE, "not_before: %s is before birth_date", d1);
	/* The card format's own rules (the checks above already cover them;
	 * this keeps the two from drifting apart). */
	{
		const char *why = NULL;
		struct yn_holder t = *h;

		if (t.serial == 0)
			t.serial = 1;	/* to be allocated at the desk */
		if ((r = yn_holder_check(&t, &why)) != 0)
			return seterr(err, errlen, r, "%s", why ? why : yn_strerror(r));
	}
	return 0;
}

int yn_holder_json_parse(const char *text, size_t len, int64_t now, struct yn_holder *h,
			 char *err, size_t errlen)
{
	json_error_t je;
	json_t *o;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (h == NULL)
		return seterr(err, errlen, YN_EINVAL, "holder: no output");
	memset(h, 0, sizeof(*h));
	if (text == NULL)
		return seterr(err, errlen, YN_EINVAL, "holder: no input");
	o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL)
		return seterr(err, errlen, YN_EFORMAT, "holder: not valid JSON at line %d column %d: %s",
			      je.line, je.column, je.text);
	r = parse(o, now, h, err, errlen);
	json_decref(o);
	if (r != 0)
		memset(h, 0, sizeof(*h));
	return r;
}

int yn_holder_json_load(const char *path, int64_t now, struct yn_holder *h, char *err,
			size_t errlen)
{
	char buf[16384];
	size_t n;
	FILE *f;
	int r;

	if (h != NULL)
		memset(h, 0, sizeof(*h));
	if (path == NULL || h == NULL)
		return seterr(err, errlen, YN_EINVAL, "holder: no file");
	if ((f = fopen(path, "r")) == NULL)
		return seterr(err, errlen, errno == ENOENT ? YN_ENOENT : YN_EIO, "%s: %s", path,
			      strerror(errno));
	n = fread(buf, 1, sizeof(buf), f);
	r = ferror(f) ? YN_EIO : 0;
	fclose(f);
	if (r != 0)
		return seterr(err, errlen, r, "%s: read error", path);
	if (n == sizeof(buf))
		return seterr(err, errlen, YN_EFORMAT, "%s: too large for a holder description",
			      path);
	return yn_holder_json_parse(buf, n, now, h, err, errlen);
}

static int set_new(json_t *o, const char *key, json_t *v)
{
	return v == NULL || json_object_set_new(o, key, v) != 0 ? -1 : 0;
}

static json_t *hex_string(const uint8_t *p, size_t n)
{
	char buf[2 * YN_P256_SIG_LEN + 1];

	if (2 * n + 1 > sizeof(buf) || yn_hex_encode(p, n, buf, sizeof(buf)) != 0)
		return NULL;
	return json_string(buf);
}

int yn_holder_json_dump(const struct yn_holder *h, char **out)
{
	json_t *o = NULL, *cats = NULL;
	char d[11], serial[24], t[32];
	int64_t local;
	unsigned i;
	int r = YN_ENOMEM;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || yn_holder_check(h, NULL) != 0)
		return YN_EINVAL;
	if ((o = json_object()) == NULL || (cats = json_array()) == NULL)
		goto out;
	snprintf(serial, sizeof(serial), "%" PRIu64, h->serial);
	if (set_new(o, "serial", json_string(serial)) != 0 ||
	    set_new(o, "uid", hex_string(h->uid, YN_UID_LEN)) != 0)
		goto out;
	yn_ymd_format(h->birth, d);
	if (set_new(o, "birth_date", json_string(d)) != 0 ||
	    set_new(o, "residency", json_string(yn_holder_residency_name(h->residency))) != 0)
		goto out;
	if (h->district != YN_HDIST_NONE &&
	    set_new(o, "district", json_string(yn_holder_district_name(h->district))) != 0)
		goto out;
	for (i = 0; i < YN_HCAT_COUNT; i++)
		if ((h->categories & (1u << i)) &&
		    json_array_append_new(cats, json_string(yn_holder_category_name(i))) != 0)
			goto out;
	if (json_object_set_new(o, "categories", cats) != 0) {
		cats = NULL;
		goto out;
	}
	cats = NULL;
	yn_ymd_format(h->not_before, d);
	if (set_new(o, "not_before", json_string(d)) != 0)
		goto out;
	yn_ymd_format(h->not_after, d);
	if (set_new(o, "not_after", json_string(d)) != 0)
		goto out;
	/* issued_at in Shanghai wall time, which is what the desk sees. */
	local = (int64_t)h->issued_at + YN_YMD_UTC_OFFSET;
	yn_ymd_format(yn_ymd_from_unix((int64_t)h->issued_at), d);
	snprintf(t, sizeof(t), "%sT%02d:%02d:%02d+08:00", d, (int)(local % 86400 / 3600),
		 (int)(local % 3600 / 60), (int)(local % 60));
	if (set_new(o, "issued_at", json_string(t)) != 0 ||
	    set_new(o, "issuer_key_id", hex_string(h->issuer_key_id, YN_KEYID_LEN)) != 0 ||
	    set_new(o, "signature", hex_string(h->sig, YN_P256_SIG_LEN)) != 0)
		goto out;
	if ((*out = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER)) != NULL)
		r = 0;
out:
	json_decref(cats);
	json_decref(o);
	return r;
}
