#include "card/cardstate.h"

#include <string.h>

#include "base/bytes.h"
#include "base/err.h"
#include "card/holder_date.h"

static int fail(const char **why, const char *msg, int code)
{
	if (why != NULL)
		*why = msg;
	return code;
}

static int triprec_check(const struct yn_triprec *t, const char **why)
{
	if (t->kind < YN_TRIPREC_METRO_ENTRY || t->kind > YN_TRIPREC_KIND_MAX)
		return fail(why, "trip kind: unknown", YN_ERANGE);
	if (t->direction > YN_TRIPREC_DIR_MAX)
		return fail(why, "trip direction: unknown", YN_ERANGE);
	if (t->time == 0)
		return fail(why, "trip time: 0", YN_ERANGE);
	return 0;
}

/*
 * Trip record version 1, card-format.md §6 (big-endian):
 *   0  u8   version (1)
 *   1  u8   kind
 *   2  u32  time (Unix seconds)
 *   6  u16  line
 *   8  u16  station
 *   10 u32  terminal
 *   14 u8   direction
 *   15 u8   reserved, 0
 */
int yn_triprec_encode(const struct yn_triprec *t, uint8_t *out, size_t cap, size_t *out_len,
		   const char **why)
{
	struct yn_wr w;
	int r;

	if (why != NULL)
		*why = NULL;
	if (out_len != NULL)
		*out_len = 0;
	if (t == NULL || out == NULL || out_len == NULL)
		return fail(why, "trip: bad arguments", YN_EINVAL);
	memset(out, 0, cap < YN_TRIPREC_LEN ? cap : YN_TRIPREC_LEN);
	if ((r = triprec_check(t, why)) != 0)
		return r;
	if (cap < YN_TRIPREC_LEN)
		return fail(why, "trip: output buffer too small", YN_ENOSPC);
	yn_wr_init(&w, out, cap);
	if ((r = yn_wr_u8(&w, YN_TRIPREC_VERSION)) != 0 || (r = yn_wr_u8(&w, t->kind)) != 0 ||
	    (r = yn_wr_u32be(&w, t->time)) != 0 || (r = yn_wr_u16be(&w, t->line)) != 0 ||
	    (r = yn_wr_u16be(&w, t->station)) != 0 || (r = yn_wr_u32be(&w, t->terminal)) != 0 ||
	    (r = yn_wr_u8(&w, t->direction)) != 0 || (r = yn_wr_u8(&w, 0)) != 0) {
		memset(out, 0, YN_TRIPREC_LEN);
		return fail(why, "trip: encoding failed", r);
	}
	*out_len = w.len;
	return 0;
}

#define RDX(what, expr, field)                                                      \
	do {                                                                   \
		if ((r = (expr)) != 0) {                                       \
			why_s = r == YN_ETRUNC ? what ": truncated in " field    \
					       : field ": not packed BCD YYYYMMDD or 0"; \
			goto out;                                              \
		}                                                              \
	} while (0)

int yn_triprec_decode(const uint8_t *buf, size_t len, struct yn_triprec *t, const char **why)
{
	const char *why_s = NULL;
	struct yn_rd rd;
	uint8_t version, reserved;
	int r;

	if (why != NULL)
		*why = NULL;
	if (t == NULL)
		return fail(why, "trip: no output", YN_EINVAL);
	memset(t, 0, sizeof(*t));
	if (buf == NULL && len != 0)
		return fail(why, "trip: no input", YN_EINVAL);
	yn_rd_init(&rd, buf, len);
	RDX("trip record", yn_rd_u8(&rd, &version), "version");
	if (version != YN_TRIPREC_VERSION) {
		r = YN_EVERSION;
		why_s = "trip version: unknown (0 is an empty record)";
		goto out;
	}
	RDX("trip record", yn_rd_u8(&rd, &t->kind), "kind");
	RDX("trip record", yn_rd_u32be(&rd, &t->time), "time");
	RDX("trip record", yn_rd_u16be(&rd, &t->line), "line");
	RDX("trip record", yn_rd_u16be(&rd, &t->station), "station");
	RDX("trip record", yn_rd_u32be(&rd, &t->terminal), "terminal");
	RDX("trip record", yn_rd_u8(&rd, &t->direction), "direction");
	RDX("trip record", yn_rd_u8(&rd, &reserved), "reserved");
	if ((r = yn_rd_end(&rd)) != 0) {
		why_s = "trip record: bytes after the record";
		goto out;
	}
	if (reserved != 0) {
		r = YN_EFORMAT;
		why_s = "trip reserved byte: not 0";
		goto out;
	}
	r = triprec_check(t, &why_s);
out:
	if (r != 0) {
		memset(t, 0, sizeof(*t));
		if (why != NULL)
			*why = why_s;
	}
	return r;
}

int yn_triprec_decode_list(const uint8_t *buf, size_t len, struct yn_triprec *out, size_t cap,
			   size_t *n, const char **why)
{
	size_t i, count;
	int r;

	if (why != NULL)
		*why = NULL;
	if (n == NULL || (out == NULL && cap != 0) || (buf == NULL && len != 0))
		return fail(why, "trip log: bad arguments", YN_EINVAL);
	*n = 0;
	if (len % YN_TRIPREC_LEN != 0)
		return fail(why, "trip log: ends inside a record", YN_ETRUNC);
	count = len / YN_TRIPREC_LEN;
	if (count > cap)
		return fail(why, "trip log: more records than room", YN_ENOSPC);
	for (i = 0; i < count; i++) {
		if ((r = yn_triprec_decode(buf + i * YN_TRIPREC_LEN, YN_TRIPREC_LEN, &out[i],
					   why)) != 0) {
			memset(out, 0, cap * sizeof(*out));
			return r;
		}
	}
	*n = count;
	return 0;
}

static int date_or_zero(uint32_t d)
{
	return d == 0 || yn_ymd_valid(d);
}

static int benefit_check(const struct yn_benefitrec *b, const char **why)
{
	if (!date_or_zero(b->last_meal))
		return fail(why, "last_meal: not a calendar date", YN_EFORMAT);
	if (b->last_meal == 0 && b->meals_on_last != 0)
		return fail(why, "meals_on_last: not 0 although there was no meal", YN_ERANGE);
	if (b->last_meal != 0 && b->meals_on_last == 0)
		return fail(why, "meals_on_last: 0 although last_meal is set", YN_ERANGE);
	if (!date_or_zero(b->last_service))
		return fail(why, "last_service: not a calendar date", YN_EFORMAT);
	return 0;
}

/*
 * Benefit state version 1, card-format.md §7 (big-endian):
 *   0  u8    version (1)
 *   1  u8    meals on the last_meal date (0 when last_meal is 0)
 *   2  bcd4  last subsidised meal date (0 = never)
 *   6  u32   meal count
 *   10 u32   subsidy total, fen
 *   14 bcd4  last service date (0 = never)
 *   18 u32   service count
 *   22 u32   updated_at (Unix seconds)
 *   26 u32   updated_by (terminal id)
 *   30 u16   reserved, 0
 */
int yn_benefitrec_encode(const struct yn_benefitrec *b, uint8_t *out, size_t cap, size_t *out_len,
		      const char **why)
{
	struct yn_wr w;
	int r;

	if (why != NULL)
		*why = NULL;
	if (out_len != NULL)
		*out_len = 0;
	if (b == NULL || out == NULL || out_len == NULL)
		return fail(why, "benefit: bad arguments", YN_EINVAL);
	memset(out, 0, cap < YN_BENEFITREC_LEN ? cap : YN_BENEFITREC_LEN);
	if ((r = benefit_check(b, why)) != 0)
		return r;
	if (cap < YN_BENEFITREC_LEN)
		return fail(why, "benefit: output buffer too small", YN_ENOSPC);
	yn_wr_init(&w, out, cap);
	if ((r = yn_wr_u8(&w, YN_BENEFITREC_VERSION)) != 0 ||
	    (r = yn_wr_u8(&w, b->meals_on_last)) != 0 ||
	    (r = yn_ymd_put_bcd(&w, b->last_meal)) != 0 ||
	    (r = yn_wr_u32be(&w, b->meal_count)) != 0 ||
	    (r = yn_wr_u32be(&w, b->subsidy_total)) != 0 ||
	    (r = yn_ymd_put_bcd(&w, b->last_service)) != 0 ||
	    (r = yn_wr_u32be(&w, b->service_count)) != 0 ||
	    (r = yn_wr_u32be(&w, b->updated_at)) != 0 ||
	    (r = yn_wr_u32be(&w, b->updated_by)) != 0 || (r = yn_wr_u16be(&w, 0)) != 0) {
		memset(out, 0, YN_BENEFITREC_LEN);
		return fail(why, "benefit: encoding failed", r);
	}
	*out_len = w.len;
	return 0;
}

int yn_benefitrec_decode(const uint8_t *buf, size_t len, struct yn_benefitrec *b, const char **why)
{
	const char *why_s = NULL;
	struct yn_rd rd;
	uint8_t version;
	uint16_t res2;
	int r;

	if (why != NULL)
		*why = NULL;
	if (b == NULL)
		return fail(why, "benefit: no output", YN_EINVAL);
	memset(b, 0, sizeof(*b));
	if (buf == NULL && len != 0)
		return fail(why, "benefit: no input", YN_EINVAL);
	yn_rd_init(&rd, buf, len);
	RDX("benefit state", yn_rd_u8(&rd, &version), "version");
	if (version != YN_BENEFITREC_VERSION) {
		r = YN_EVERSION;
		why_s = "benefit version: unknown";
		goto out;
	}
	RDX("benefit state", yn_rd_u8(&rd, &b->meals_on_last), "meals_on_last");
	RDX("benefit state", yn_ymd_get_bcd(&rd, &b->last_meal), "last_meal");
	RDX("benefit state", yn_rd_u32be(&rd, &b->meal_count), "meal_count");
	RDX("benefit state", yn_rd_u32be(&rd, &b->subsidy_total), "subsidy_total");
	RDX("benefit state", yn_ymd_get_bcd(&rd, &b->last_service), "last_service");
	RDX("benefit state", yn_rd_u32be(&rd, &b->service_count), "service_count");
	RDX("benefit state", yn_rd_u32be(&rd, &b->updated_at), "updated_at");
	RDX("benefit state", yn_rd_u32be(&rd, &b->updated_by), "updated_by");
	RDX("benefit state", yn_rd_u16be(&rd, &res2), "reserved");
	if ((r = yn_rd_end(&rd)) != 0) {
		why_s = "benefit state: bytes after the state";
		goto out;
	}
	if (res2 != 0) {
		r = YN_EFORMAT;
		why_s = "benefit reserved bytes 30-31: not 0";
		goto out;
	}
	r = benefit_check(b, &why_s);
out:
	if (r != 0) {
		memset(b, 0, sizeof(*b));
		if (why != NULL)
			*why = why_s;
	}
	return r;
}
