/*
 * The holder record: who the card belongs to and what they may claim,
 * signed by the issuer (ECDSA P-256) over UID || record.
 * Byte layout, field rules and a worked example: docs/card-format.md §5.
 *
 * The record is written once at the desk into file YN_FILE_HOLDER as
 * record (48 bytes, version 1) || signature (64 bytes r || s).  Decoding is
 * strict and canonical: any struct that decodes re-encodes to the same
 * bytes, so verification re-encodes the struct instead of keeping a copy.
 */
#ifndef YN_HOLDER_H
#define YN_HOLDER_H

#include <stddef.h>
#include <stdint.h>

#include "card/yinian_app.h"
#include "crypto/crypto.h"

#define YN_HOLDER_VERSION 1
#define YN_HOLDER_REC_LEN 48	/* version 1, without the signature */
#define YN_HOLDER_LEN (YN_HOLDER_REC_LEN + YN_P256_SIG_LEN)	/* 112: the file */
#define YN_HOLDER_SIGIN_LEN (YN_UID_LEN + YN_HOLDER_REC_LEN)	/* 55 */

/* Issue times accepted: after 2019-01-01 00:00 UTC, before 2100-01-01. */
#define YN_HOLDER_ISSUED_MIN 1546300800ull
#define YN_HOLDER_ISSUED_MAX 4102444800ull

enum yn_holder_res {
	YN_HRES_HUKOU = 1,	/* Shenzhen hukou (深圳户籍) */
	YN_HRES_RESIDENT = 2,	/* non-hukou resident (非深户常住) */
	YN_HRES_HONGKONG = 3,	/* Hong Kong resident */
	YN_HRES_MACAO = 4,	/* Macao resident */
	YN_HRES_TAIWAN = 5,	/* Taiwan resident */
};
#define YN_HRES_MAX YN_HRES_TAIWAN

/* Shenzhen's districts (hukou district).  0 only for holders without a
 * Shenzhen hukou. */
enum yn_holder_district {
	YN_HDIST_NONE = 0,
	YN_HDIST_FUTIAN = 1,	/* 福田 */
	YN_HDIST_LUOHU = 2,	/* 罗湖 */
	YN_HDIST_NANSHAN = 3,	/* 南山 */
	YN_HDIST_YANTIAN = 4,	/* 盐田 */
	YN_HDIST_BAOAN = 5,	/* 宝安 */
	YN_HDIST_LONGGANG = 6,	/* 龙岗 */
	YN_HDIST_LONGHUA = 7,	/* 龙华 */
	YN_HDIST_PINGSHAN = 8,	/* 坪山 */
	YN_HDIST_GUANGMING = 9,	/* 光明 */
	YN_HDIST_DAPENG = 10,	/* 大鹏新区 */
	YN_HDIST_SHENSHAN = 11,	/* 深汕特别合作区 */
};
#define YN_HDIST_MAX YN_HDIST_SHENSHAN

/* Category bits (a holder may be in several). */
#define YN_HCAT_TEKUN 0x0001		/* 特困 extreme poverty */
#define YN_HCAT_DIBAO 0x0002		/* 低保 minimum living allowance */
#define YN_HCAT_DIBAO_EDGE 0x0004	/* 低保边缘 just above the allowance line */
#define YN_HCAT_SANSHU_WULAO 0x0008	/* 三属五老 */
#define YN_HCAT_ONLY_CHILD 0x0010	/* family that lost or has a severely disabled only child */
#define YN_HCAT_DISABILITY 0x0020	/* disability */
#define YN_HCAT_ALL 0x003F
#define YN_HCAT_COUNT 6

struct yn_holder {
	uint64_t serial;		/* never reused; 0 is invalid; the denylist key */
	uint8_t uid[YN_UID_LEN];	/* the card it was issued to */
	uint32_t birth;			/* YYYYMMDD (card/holder_date.h) */
	uint8_t residency;		/* enum yn_holder_res */
	uint8_t district;		/* enum yn_holder_district */
	uint16_t categories;		/* YN_HCAT_* */
	uint32_t not_before;		/* first valid day, YYYYMMDD */
	uint32_t not_after;		/* last valid day, YYYYMMDD */
	uint8_t issuer_key_id[YN_KEYID_LEN];
	uint64_t issued_at;		/* Unix seconds */
	uint8_t sig[YN_P256_SIG_LEN];	/* r || s over UID || record */
};

/*
 * Check every field's value (the rules of card-format.md §5.3).  0, or
 * YN_ERANGE / YN_EFORMAT with *why (if not NULL) set to a static sentence
 * naming the field.
 */
int yn_holder_check(const struct yn_holder *h, const char **why);

/*
 * The 48-byte record (without the signature) into out[0..cap).  The struct
 * is checked first (YN_ERANGE/YN_EFORMAT, *why set); YN_ENOSPC if cap <
 * YN_HOLDER_REC_LEN.  *out_len = YN_HOLDER_REC_LEN on success; the first
 * YN_HOLDER_REC_LEN bytes of out (or all of a smaller out) are zeroed on
 * failure.
 */
int yn_holder_encode_record(const struct yn_holder *h, uint8_t *out, size_t cap,
			    size_t *out_len, const char **why);
/* The file contents: record || signature (YN_HOLDER_LEN bytes). */
int yn_holder_encode(const struct yn_holder *h, uint8_t *out, size_t cap, size_t *out_len,
		     const char **why);

/*
 * Parse the file contents (record || signature).  Refusals, each with *why
 * naming the field: YN_ETRUNC (shorter than its version's layout),
 * YN_EVERSION (unknown version byte), YN_ETRAILING (bytes after the
 * signature), YN_EFORMAT (a date that is not BCD or not a calendar day,
 * reserved category bits set), YN_ERANGE (a value outside its set:
 * residency, district, serial 0, issue time; dates out of order).
 * *h is zeroed on entry and on failure.  The signature is NOT checked here:
 * call yn_holder_verify.
 */
int yn_holder_decode(const uint8_t *buf, size_t len, struct yn_holder *h, const char **why);

/* The signature input: card UID (7) || record (48) = 55 bytes. */
int yn_holder_sig_input(const struct yn_holder *h, const uint8_t card_uid[YN_UID_LEN],
			uint8_t out[YN_HOLDER_SIGIN_LEN], const char **why);

/*
 * Sign a record for the card h->uid: sets h->issuer_key_id to the key id of
 * key's public half, then h->sig = ECDSA-P256(key, h->uid || record).
 * On failure h->sig and h->issuer_key_id are zeroed.
 */
int yn_holder_sign(struct yn_holder *h, const struct yn_privkey *key, const char **why);

/* Trusted issuer public keys, looked up by key id (card-format.md §5.4). */
#define YN_HOLDER_TRUST_MAX 16
struct yn_holder_trust {
	size_t n;
	struct {
		uint8_t id[YN_KEYID_LEN];
		struct yn_pubkey *key;
	} e[YN_HOLDER_TRUST_MAX];
};

void yn_holder_trust_init(struct yn_holder_trust *t);
/* Add key (ownership passes to t on success only).  YN_EEXIST if its id is
 * already there, YN_ENOSPC when full. */
int yn_holder_trust_add(struct yn_holder_trust *t, struct yn_pubkey *key);
/* The key with this id, or NULL. */
const struct yn_pubkey *yn_holder_trust_find(const struct yn_holder_trust *t,
					     const uint8_t id[YN_KEYID_LEN]);
/* Free every key; t is empty afterwards. */
void yn_holder_trust_free(struct yn_holder_trust *t);

/* 0 if the record was issued to the card with this UID, YN_EWRONGCARD if
 * not (YN_EINVAL for NULL).  UIDs are public: a plain compare. */
int yn_holder_for_card(const struct yn_holder *h, const uint8_t card_uid[YN_UID_LEN]);

/*
 * Is this record genuine and for this card?  In this order:
 *   YN_EWRONGCARD  h->uid differs from card_uid (a copied record);
 *   YN_EUNKNOWNKEY h->issuer_key_id is not in t;
 *   YN_EBADSIG     the signature over card_uid || record does not verify
 *                  with that key (a changed record, or a key id claimed by
 *                  another key);
 * 0 if all hold.  Field checks as in yn_holder_check come first.  Dates are
 * not compared with today: that is policy's job.
 */
int yn_holder_verify(const struct yn_holder *h, const uint8_t card_uid[YN_UID_LEN],
		     const struct yn_holder_trust *t, const char **why);

/* Names used in JSON and in inspection output; NULL for an unknown code. */
const char *yn_holder_residency_name(unsigned code);	/* "shenzhen_hukou" */
const char *yn_holder_district_name(unsigned code);	/* "futian"; "none" for 0 */
const char *yn_holder_district_zh(unsigned code);	/* "福田" */
/* Category by bit index 0..YN_HCAT_COUNT-1. */
const char *yn_holder_category_name(unsigned bit);	/* "tekun" */
const char *yn_holder_category_zh(unsigned bit);	/* "特困" */
/* Lookups by English id or Chinese name; YN_ENOENT if unknown. */
int yn_holder_residency_lookup(const char *name, uint8_t *code);
int yn_holder_district_lookup(const char *name, uint8_t *code);
int yn_holder_category_lookup(const char *name, uint16_t *bit);

#endif
