#include "card/holder.h"

#include <string.h>
#include <strings.h>

#include "base/bytes.h"
#include "base/err.h"
#include "card/holder_date.h"

struct name {
	const char *id;
	const char *zh;
	const char *alias;
};

/* Indexed by code. */
static const struct name residencies[] = {
	[YN_HRES_HUKOU] = { "shenzhen_hukou", "深圳户籍", "hukou" },
	[YN_HRES_RESIDENT] = { "non_hukou_resident", "非深户籍常住", "resident" },
	[YN_HRES_HONGKONG] = { "hong_kong", "香港", "hongkong" },
	[YN_HRES_MACAO] = { "macao", "澳门", "macau" },
	[YN_HRES_TAIWAN] = { "taiwan", "台湾", NULL },
};

static const struct name districts[] = {
	[YN_HDIST_NONE] = { "none", "无", NULL },
	[YN_HDIST_FUTIAN] = { "futian", "福田", NULL },
	[YN_HDIST_LUOHU] = { "luohu", "罗湖", NULL },
	[YN_HDIST_NANSHAN] = { "nanshan", "南山", NULL },
	[YN_HDIST_YANTIAN] = { "yantian", "盐田", NULL },
	[YN_HDIST_BAOAN] = { "baoan", "宝安", "bao'an" },
	[YN_HDIST_LONGGANG] = { "longgang", "龙岗", NULL },
	[YN_HDIST_LONGHUA] = { "longhua", "龙华", NULL },
	[YN_HDIST_PINGSHAN] = { "pingshan", "坪山", NULL },
	[YN_HDIST_GUANGMING] = { "guangming", "光明", NULL },
	[YN_HDIST_DAPENG] = { "dapeng", "大鹏", "大鹏新区" },
	[YN_HDIST_SHENSHAN] = { "shenshan", "深汕", "深汕特别合作区" },
};

/* Indexed by bit number. */
static const struct name categories[YN_HCAT_COUNT] = {
	{ "tekun", "特困", "extreme_poverty" },
	{ "dibao", "低保", "minimum_living_allowance" },
	{ "dibao_edge", "低保边缘", "low_income_edge" },
	{ "sanshu_wulao", "三属五老", NULL },
	{ "only_child_family", "计生特殊家庭", "失独" },
	{ "disability", "残疾", NULL },
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int match(const struct name *n, const char *s)
{
	if (n->id == NULL)
		return 0;
	return strcasecmp(n->id, s) == 0 || strcmp(n->zh, s) == 0 ||
	       (n->alias != NULL && strcasecmp(n->alias, s) == 0);
}

const char *yn_holder_residency_name(unsigned code)
{
	return code < NELEM(residencies) ? residencies[code].id : NULL;
}

const char *yn_holder_district_name(unsigned code)
{
	return code < NELEM(districts) ? districts[code].id : NULL;
}

const char *yn_holder_district_zh(unsigned code)
{
	return code < NELEM(districts) ? districts[code].zh : NULL;
}

const char *yn_holder_category_name(unsigned bit)
{
	return bit < NELEM(categories) ? categories[bit].id : NULL;
}

const char *yn_holder_category_zh(unsigned bit)
{
	return bit < NELEM(categories) ? categories[bit].zh : NULL;
}

int yn_holder_residency_lookup(const char *s, uint8_t *code)
{
	size_t i;

	for (i = 1; s != NULL && i < NELEM(residencies); i++)
		if (match(&residencies[i], s)) {
			*code = (uint8_t)i;
			return 0;
		}
	return YN_ENOENT;
}

int yn_holder_district_lookup(const char *s, uint8_t *code)
{
	size_t i;

	for (i = 0; s != NULL && i < NELEM(districts); i++)
		if (match(&districts[i], s)) {
			*code = (uint8_t)i;
			return 0;
		}
	return YN_ENOENT;
}

int yn_holder_category_lookup(const char *s, uint16_t *bit)
{
	size_t i;

	for (i = 0; s != NULL && i < NELEM(categories); i++)
		if (match(&categories[i], s)) {
			*bit = (uint16_t)(1u << i);
			return 0;
		}
	return YN_ENOENT;
}

static int fail(const char **why, const char *msg, int code)
{
	if (why != NULL)
		*why = msg;
	return code;
}

int yn_holder_check(const struct yn_holder *h, const char **why)
{
	if (why != NULL)
		*why = NULL;
	if (h == NULL)
		return fail(why, "holder: no record", YN_EINVAL);
	if (h->serial == 0)
		return fail(why, "serial: 0 is not a card serial", YN_ERANGE);
	if (!yn_ymd_valid(h->birth))
		return fail(why, "birth_date: not a calendar date in 1900-2099", YN_EFORMAT);
	if (h->residency < YN_HRES_HUKOU || h->residency > YN_HRES_MAX)
		return fail(why, "residency: unknown residency class", YN_ERANGE);
	if (h->district > YN_HDIST_MAX)
		return fail(why, "district: unknown district code", YN_ERANGE);
	if (h->residency == YN_HRES_HUKOU && h->district == YN_HDIST_NONE)
		return fail(why, "district: a Shenzhen hukou holder needs a hukou district",
			    YN_ERANGE);
	if (h->residency != YN_HRES_HUKOU && h->district != YN_HDIST_NONE)
		return fail(why, "district: only Shenzhen hukou holders have a hukou district",
			    YN_ERANGE);
	if (h->categories & ~YN_HCAT_ALL)
		return fail(why, "categories: reserved bits set", YN_EFORMAT);
	if (!yn_ymd_valid(h->not_before))
		return fail(why, "not_before: not a calendar date in 1900-2099", YN_EFORMAT);
	if (!yn_ymd_valid(h->not_after))
		return fail(why, "not_after: not a calendar date in 1900-2099", YN_EFORMAT);
	if (h->not_before > h->not_after)
		return fail(why, "not_after: before not_before", YN_ERANGE);
	if (h->birth > h->not_before)
		return fail(why, "birth_date: after not_before", YN_ERANGE);
	if (h->issued_at < YN_HOLDER_ISSUED_MIN || h->issued_at >= YN_HOLDER_ISSUED_MAX)
		return fail(why, "issued_at: outside 2019-01-01..2099-12-31", YN_ERANGE);
	return 0;
}

/*
 * Record version 1, card-format.md §5.2, all integers big-endian:
 *   0  u8     version (1)
 *   1  u64    serial
 *   9  7      UID
 *   16 bcd4   birth date
 *   20 u8     residency
 *   21 u8     district
 *   22 u16    categories
 *   24 bcd4   not_before
 *   28 bcd4   not_after
 *   32 8      issuer key id
 *   40 u64    issued_at (Unix seconds)
 *   48        end (the file continues with the 64-byte signature)
 */
static int put_record(struct yn_wr *w, const struct yn_holder *h)
{
	int r;

	if ((r = yn_wr_u8(w, YN_HOLDER_VERSION)) != 0 ||
	    (r = yn_wr_u64be(w, h->serial)) != 0 ||
	    (r = yn_wr_bytes(w, h->uid, YN_UID_LEN)) != 0 ||
	    (r = yn_ymd_put_bcd(w, h->birth)) != 0 ||
	    (r = yn_wr_u8(w, h->residency)) != 0 ||
	    (r = yn_wr_u8(w, h->district)) != 0 ||
	    (r = yn_wr_u16be(w, h->categories)) != 0 ||
	    (r = yn_ymd_put_bcd(w, h->not_before)) != 0 ||
	    (r = yn_ymd_put_bcd(w, h->not_after)) != 0 ||
	    (r = yn_wr_bytes(w, h->issuer_key_id, YN_KEYID_LEN)) != 0 ||
	    (r = yn_wr_u64be(w, h->issued_at)) != 0)
		return r;
	return 0;
}

int yn_holder_encode_record(const struct yn_holder *h, uint8_t *out, size_t cap,
			    size_t *out_len, const char **why)
{
	struct yn_wr w;
	int r;

	if (out_len != NULL)
		*out_len = 0;
	if (out == NULL || out_len == NULL)
		return fail(why, "holder: no output buffer", YN_EINVAL);
	memset(out, 0, cap < YN_HOLDER_REC_LEN ? cap : YN_HOLDER_REC_LEN);
	if ((r = yn_holder_check(h, why)) != 0)
		return r;
	if (cap < YN_HOLDER_REC_LEN)
		return fail(why, "holder: output buffer too small", YN_ENOSPC);
	yn_wr_init(&w, out, cap);
	if ((r = put_record(&w, h)) != 0 || w.len != YN_HOLDER_REC_LEN) {
		memset(out, 0, cap < YN_HOLDER_REC_LEN ? cap : YN_HOLDER_REC_LEN);
		return fail(why, "holder: encoding failed", r != 0 ? r : YN_EINTERNAL);
	}
	*out_len = w.len;
	return 0;
}

int yn_holder_encode(const struct yn_holder *h, uint8_t *out, size_t cap, size_t *out_len,
		     const char **why)
{
	size_t n = 0;
	int r;

	if (out_len != NULL)
		*out_len = 0;
	if (out == NULL || out_len == NULL)
		return fail(why, "holder: no output buffer", YN_EINVAL);
	memset(out, 0, cap < YN_HOLDER_LEN ? cap : YN_HOLDER_LEN);
	if (cap < YN_HOLDER_LEN)
		return fail(why, "holder: output buffer too small", YN_ENOSPC);
	if ((r = yn_holder_encode_record(h, out, cap, &n, why)) != 0)
		return r;
	memcpy(out + n, h->sig, YN_P256_SIG_LEN);
	*out_len = n + YN_P256_SIG_LEN;
	return 0;
}

#define RD(expr, field)                                                         \
	do {                                                                    \
		if ((r = (expr)) != 0) {                                        \
			why_s = r == YN_ETRUNC ? "holder record: truncated in " field \
					       : field ": not packed BCD YYYYMMDD"; \
			goto out;                                               \
		}                                                               \
	} while (0)

int yn_holder_decode(const uint8_t *buf, size_t len, struct yn_holder *h, const char **why)
{
	struct yn_rd rd;
	const char *why_s = NULL;
	uint8_t version;
	int r;

	if (why != NULL)
		*why = NULL;
	if (h == NULL)
		return fail(why, "holder: no output", YN_EINVAL);
	memset(h, 0, sizeof(*h));
	if (buf == NULL && len != 0)
		return fail(why, "holder: no input", YN_EINVAL);
	yn_rd_init(&rd, buf, len);
	RD(yn_rd_u8(&rd, &version), "version");
	if (version != YN_HOLDER_VERSION) {
		r = YN_EVERSION;
		why_s = "version: unknown holder record version";
		goto out;
	}
	RD(yn_rd_u64be(&rd, &h->serial), "serial");
	RD(yn_rd_bytes(&rd, h->uid, YN_UID_LEN), "uid");
	RD(yn_ymd_get_bcd(&rd, &h->birth), "birth_date");
	RD(yn_rd_u8(&rd, &h->residency), "residency");
	RD(yn_rd_u8(&rd, &h->district), "district");
	RD(yn_rd_u16be(&rd, &h->categories), "categories");
	RD(yn_ymd_get_bcd(&rd, &h->not_before), "not_before");
	RD(yn_ymd_get_bcd(&rd, &h->not_after), "not_after");
	RD(yn_rd_bytes(&rd, h->issuer_key_id, YN_KEYID_LEN), "issuer_key_id");
	RD(yn_rd_u64be(&rd, &h->issued_at), "issued_at");
	RD(yn_rd_bytes(&rd, h->sig, YN_P256_SIG_LEN), "signature");
	if ((r = yn_rd_end(&rd)) != 0) {
		why_s = "holder record: bytes after the signature";
		goto out;
	}
	r = yn_holder_check(h, &why_s);
out:
	if (r != 0) {
		memset(h, 0, sizeof(*h));
		if (why != NULL)
			*why = why_s;
	}
	return r;
}

#undef RD

int yn_holder_sig_input(const struct yn_holder *h, const uint8_t card_uid[YN_UID_LEN],
			uint8_t out[YN_HOLDER_SIGIN_LEN], const char **why)
{
	size_t n = 0;
	int r;

	memset(out, 0, YN_HOLDER_SIGIN_LEN);
	if (card_uid == NULL)
		return fail(why, "holder: no card UID", YN_EINVAL);
	memcpy(out, card_uid, YN_UID_LEN);
	r = yn_holder_encode_record(h, out + YN_UID_LEN, YN_HOLDER_REC_LEN, &n, why);
	if (r != 0)
		memset(out, 0, YN_HOLDER_SIGIN_LEN);
	return r;
}

int yn_holder_sign(struct yn_holder *h, const struct yn_privkey *key, const char **why)
{
	struct yn_pubkey *pub = NULL;
	uint8_t in[YN_HOLDER_SIGIN_LEN];
	int r;

	if (why != NULL)
		*why = NULL;
	if (h == NULL || key == NULL)
		return fail(why, "holder: no record or no key", YN_EINVAL);
	memset(h->sig, 0, sizeof(h->sig));
	memset(h->issuer_key_id, 0, sizeof(h->issuer_key_id));
	if ((r = yn_privkey_public(key, &pub)) != 0 ||
	    (r = yn_pubkey_id(pub, h->issuer_key_id)) != 0) {
		fail(why, "issuer_key_id: cannot derive the signing key's id", r);
		goto out;
	}
	if ((r = yn_holder_sig_input(h, h->uid, in, why)) != 0)
		goto out;
	if ((r = yn_ecdsa_sign(key, in, sizeof(in), h->sig)) != 0)
		fail(why, "signature: signing failed", r);
out:
	if (r != 0) {
		memset(h->sig, 0, sizeof(h->sig));
		memset(h->issuer_key_id, 0, sizeof(h->issuer_key_id));
	}
	yn_pubkey_free(pub);
	return r;
}

void yn_holder_trust_init(struct yn_holder_trust *t)
{
	memset(t, 0, sizeof(*t));
}

int yn_holder_trust_add(struct yn_holder_trust *t, struct yn_pubkey *key)
{
	uint8_t id[YN_KEYID_LEN];
	int r;

	if (t == NULL || key == NULL)
		return YN_EINVAL;
	if ((r = yn_pubkey_id(key, id)) != 0)
		return r;
	if (yn_holder_trust_find(t, id) != NULL)
		return YN_EEXIST;
	if (t->n >= YN_HOLDER_TRUST_MAX)
		return YN_ENOSPC;
	memcpy(t->e[t->n].id, id, sizeof(id));
	t->e[t->n].key = key;
	t->n++;
	return 0;
}

const struct yn_pubkey *yn_holder_trust_find(const struct yn_holder_trust *t,
					     const uint8_t id[YN_KEYID_LEN])
{
	size_t i;

	for (i = 0; t != NULL && i < t->n && i < YN_HOLDER_TRUST_MAX; i++)
		if (memcmp(t->e[i].id, id, YN_KEYID_LEN) == 0)
			return t->e[i].key;
	return NULL;
}

void yn_holder_trust_free(struct yn_holder_trust *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->n && i < YN_HOLDER_TRUST_MAX; i++)
		yn_pubkey_free(t->e[i].key);
	memset(t, 0, sizeof(*t));
}

int yn_holder_for_card(const struct yn_holder *h, const uint8_t card_uid[YN_UID_LEN])
{
	if (h == NULL || card_uid == NULL)
		return YN_EINVAL;
	/* Not secret: both UIDs are public, so a plain compare is fine. */
	return memcmp(h->uid, card_uid, YN_UID_LEN) == 0 ? 0 : YN_EWRONGCARD;
}

int yn_holder_verify(const struct yn_holder *h, const uint8_t card_uid[YN_UID_LEN],
		     const struct yn_holder_trust *t, const char **why)
{
	const struct yn_pubkey *key;
	uint8_t in[YN_HOLDER_SIGIN_LEN];
	int r;

	if (why != NULL)
		*why = NULL;
	if (h == NULL || card_uid == NULL || t == NULL)
		return fail(why, "holder: nothing to verify", YN_EINVAL);
	if ((r = yn_holder_check(h, why)) != 0)
		return r;
	if ((r = yn_holder_for_card(h, card_uid)) != 0)
		return fail(why, "uid: the record was issued to another card", r);
	if ((key = yn_holder_trust_find(t, h->issuer_key_id)) == NULL)
		return fail(why, "issuer_key_id: not a trusted issuer key", YN_EUNKNOWNKEY);
	if ((r = yn_holder_sig_input(h, card_uid, in, why)) != 0)
		return r;
	if ((r = yn_ecdsa_verify(key, in, sizeof(in), h->sig)) != 0)
		return fail(why, "signature: does not verify with the issuer key",
			    r == YN_EBADSIG ? YN_EBADSIG : r);
	return 0;
}
