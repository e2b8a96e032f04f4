#include "card/issue.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "card/cardstate.h"
#include "card/desfire.h"
#include "card/serial_alloc.h"
#include "crypto/crypto.h"
#include "reader/reader.h"

#define ISSUE_TIMEOUT_MS 30000u

static const uint8_t factory_key[16];

static const char *const key_roles[YN_APP_NKEYS] = {
	"application master", "read", "trip write", "benefit debit", "credit",
};

const char *yn_issue_stage_name(enum yn_issue_stage s)
{
	switch (s) {
	case YN_ISSUE_BLANK: return "blank";
	case YN_ISSUE_APP_CREATED: return "application created, keys not yet changed";
	case YN_ISSUE_KEYS_PARTIAL: return "some keys changed";
	case YN_ISSUE_KEYS_DONE: return "keys changed, files missing";
	case YN_ISSUE_FILES_DONE: return "files created, benefit state not written";
	case YN_ISSUE_NO_RECORD: return "everything but the holder record";
	case YN_ISSUE_RECORD_BAD: return "holder record present but not valid";
	case YN_ISSUE_ISSUED: return "issued";
	case YN_ISSUE_FOREIGN: return "not blank and not ours";
	}
	return "unknown";
}

struct ictx {
	struct yn_reader *rd;
	const struct yn_keyset *ks;
	struct yn_desfire df;
	uint8_t uid[YN_UID_LEN];
	uint64_t deadline;
};

static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (buf == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, len, fmt, ap);
	va_end(ap);
}

/* The card's key number k in version ver: the factory key for version 0,
 * the diversified key for ours. */
static int card_key(const struct ictx *x, unsigned k, uint8_t ver, uint8_t key[16])
{
	memset(key, 0, 16);
	if (ver == 0)
		return 0;
	if (ver != YN_APP_KEY_VERSION)
		return YN_EBADKEY;
	return yn_keyset_card_key(x->ks, k, x->uid, key);
}

static int auth(struct ictx *x, unsigned k, uint8_t ver)
{
	uint8_t key[16];
	int r;

	if ((r = card_key(x, k, ver, key)) == 0)
		r = yn_desfire_auth_ev2_first(&x->df, (uint8_t)k, key, x->deadline);
	yn_cleanse(key, sizeof(key));
	return r;
}

/* The card refused a key: wrong key rather than a lost card. */
static int is_key_refusal(int r)
{
	return r == YN_ECARD_AUTH || r == YN_EBADMAC || r == YN_ECARD_NOKEY ||
	       r == YN_ECARD_PERMISSION || r == YN_ECARD_INTEGRITY;
}

static int is_card_lost(int r)
{
	return r == YN_ECARDGONE || r == YN_ETIMEOUT || r == YN_ENOCARD || r == YN_EUNRESPONSIVE;
}

static int ctx_open(struct ictx *x, struct yn_reader *rd, const struct yn_keyset *ks,
		    uint64_t deadline, char *why, size_t whylen, int *foreign)
{
	struct yn_card_info ci;
	int r;

	memset(x, 0, sizeof(*x));
	x->rd = rd;
	x->ks = ks;
	x->deadline = deadline;
	*foreign = 0;
	yn_desfire_init(&x->df, rd);
	if ((r = yn_reader_card_info(rd, &ci)) != 0) {
		say(why, whylen, "cannot read the card's UID: %s", yn_strerror(r));
		return r;
	}
	if (ci.uid_len != YN_UID_LEN) {
		say(why, whylen,
		    "the card has a %zu-byte UID (random ID?): a Yinian card needs a fixed "
		    "7-byte UID", ci.uid_len);
		*foreign = 1;
		return 0;
	}
	memcpy(x->uid, ci.uid, YN_UID_LEN);
	return 0;
}

static void ctx_close(struct ictx *x)
{
	yn_desfire_reset(&x->df);
}

/* Does the card's file have exactly the settings yn_app_files[] gives? */
static int file_matches(const struct yn_app_file *f, const struct yn_desfire_file_settings *fs)
{
	if (fs->type != f->type || fs->comm != f->comm || fs->access != f->ar ||
	    fs->n_extra_ar != 0 || fs->sdm_len != 0)
		return 0;
	switch (f->type) {
	case YN_FTYPE_STD:
	case YN_FTYPE_BACKUP:
		return fs->size == f->size;
	case YN_FTYPE_VALUE:
		return fs->lower == f->lower && fs->upper == f->upper &&
		       fs->lc_flags == f->lc_flags;
	case YN_FTYPE_CYCLIC:
		return fs->record_size == f->size && fs->max_records == f->max_records;
	}
	return 0;
}

/* File numbers present and matching, as a bit set; 0 or YN_ECORRUPT with
 * why naming the file. */
static int survey_files(struct ictx *x, enum yn_desfire_comm comm, uint8_t *mask, char *why,
			size_t whylen)
{
	struct yn_desfire_file_settings fs;
	const struct yn_app_file *f;
	uint8_t ids[32];
	size_t n = 0, i;
	int r;

	*mask = 0;
	if ((r = yn_desfire_get_file_ids(&x->df, comm, ids, sizeof(ids), &n, x->deadline)) != 0) {
		say(why, whylen, "GetFileIDs failed: %s", yn_strerror(r));
		return r;
	}
	for (i = 0; i < n; i++) {
		if ((f = yn_app_file(ids[i])) == NULL) {
			say(why, whylen, "the application holds a file %02X that the Yinian "
				    "layout does not have", ids[i]);
			return YN_ECORRUPT;
		}
		if ((r = yn_desfire_get_file_settings(&x->df, comm, ids[i], &fs, x->deadline)) != 0) {
			say(why, whylen, "GetFileSettings %02X failed: %s", ids[i], yn_strerror(r));
			return r;
		}
		if (!file_matches(f, &fs)) {
			say(why, whylen, "file %02X (%s) exists with settings other than "
				    "card-format.md §4 gives", ids[i], f->name);
			return YN_ECORRUPT;
		}
		*mask |= (uint8_t)(1u << (ids[i] - 1));
	}
	return 0;
}

static int all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* Read and judge the holder record with a key-1 session open.  *state: 0
 * empty, 1 valid, else the decode/verify code.  raw gets the bytes. */
static int read_record(struct ictx *x, const uint8_t card_uid[YN_UID_LEN], int *state,
		       struct yn_holder *h, uint8_t raw[YN_HOLDER_LEN], const char **why)
{
	struct yn_holder_trust t;
	size_t n = 0;
	int r;

	*state = 0;
	*why = NULL;
	memset(h, 0, sizeof(*h));
	if ((r = yn_desfire_read_data(&x->df, YN_DESFIRE_FULL, YN_FILE_HOLDER, 0, YN_HOLDER_LEN,
				      raw, YN_HOLDER_LEN, &n, x->deadline)) != 0)
		return r;
	if (n != YN_HOLDER_LEN)
		return YN_EPROTO;
	if (all_zero(raw, n))
		return 0;
	if ((r = yn_holder_decode(raw, n, h, why)) != 0) {
		*state = r;
		return 0;
	}
	yn_holder_trust_init(&t);
	if ((r = yn_keyset_issuer_trust(x->ks, &t)) == 0)
		r = yn_holder_verify(h, card_uid, &t, why);
	yn_holder_trust_free(&t);
	*state = r == 0 ? 1 : r;
	return 0;
}

static int survey_x(struct ictx *x, struct yn_issue_survey *s)
{
	uint32_t aids[28];
	size_t n = 0, i;
	uint8_t ks1 = 0, ks2 = 0, buf[YN_HOLDER_LEN];
	struct yn_benefitrec b;
	const char *why = NULL;
	unsigned k, ndiv = 0;
	int r;

	memcpy(s->uid, x->uid, YN_UID_LEN);
	if ((r = yn_desfire_select_application(&x->df, 0, x->deadline)) != 0) {
		say(s->why, sizeof(s->why), "SelectApplication PICC failed: %s", yn_strerror(r));
		return r;
	}
	r = yn_desfire_get_application_ids(&x->df, YN_DESFIRE_PLAIN, aids, 28, &n, x->deadline);
	if (is_key_refusal(r)) {
		/* the list is locked: only the factory PICC key may open it */
		if ((r = auth(x, 0, 0)) != 0) {
			if (!is_key_refusal(r))
				return r;
			s->stage = YN_ISSUE_FOREIGN;
			say(s->why, sizeof(s->why), "the application list is locked and the PICC "
				    "master key is not the factory key: this card belongs to "
				    "another scheme");
			return 0;
		}
		r = yn_desfire_get_application_ids(&x->df, YN_DESFIRE_MAC, aids, 28, &n,
						   x->deadline);
	}
	if (r != 0) {
		say(s->why, sizeof(s->why), "GetApplicationIDs failed: %s", yn_strerror(r));
		return r;
	}
	for (i = 0; i < n; i++) {
		if (aids[i] == YN_APP_AID) {
			s->has_app = 1;
			continue;
		}
		s->stage = YN_ISSUE_FOREIGN;
		say(s->why, sizeof(s->why), "the card holds another application (AID %06X): "
			    "a Yinian card must be a card of its own", (unsigned)aids[i]);
		return 0;
	}
	if (!s->has_app) {
		if ((r = auth(x, 0, 0)) != 0) {
			if (!is_key_refusal(r))
				return r;
			s->stage = YN_ISSUE_FOREIGN;
			say(s->why, sizeof(s->why), "no application, but the PICC master key is "
				    "not the factory AES key: the card was set up by someone else");
			return 0;
		}
		s->stage = YN_ISSUE_BLANK;
		say(s->why, sizeof(s->why), "factory-blank card");
		return 0;
	}
	if ((r = yn_desfire_select_application(&x->df, YN_APP_AID, x->deadline)) != 0 ||
	    (r = yn_desfire_get_key_settings(&x->df, YN_DESFIRE_PLAIN, &ks1, &ks2,
					     x->deadline)) != 0) {
		say(s->why, sizeof(s->why), "reading the application's key settings failed: %s",
		    yn_strerror(r));
		if (is_key_refusal(r)) {
			s->stage = YN_ISSUE_FOREIGN;
			return 0;
		}
		return r;
	}
	if (ks1 != YN_APP_KS1 || ks2 != YN_APP_KS2) {
		s->stage = YN_ISSUE_FOREIGN;
		say(s->why, sizeof(s->why), "the application %06X has key settings %02X %02X, "
			    "not Yinian's %02X %02X", YN_APP_AID, ks1, ks2, YN_APP_KS1, YN_APP_KS2);
		return 0;
	}
	for (k = 0; k < YN_APP_NKEYS; k++) {
		if ((r = yn_desfire_get_key_version(&x->df, YN_DESFIRE_PLAIN, (uint8_t)k,
						    &s->key_version[k], x->deadline)) != 0) {
			say(s->why, sizeof(s->why), "GetKeyVersion %u failed: %s", k,
			    yn_strerror(r));
			return r;
		}
		if (s->key_version[k] != 0 && s->key_version[k] != YN_APP_KEY_VERSION) {
			s->stage = YN_ISSUE_FOREIGN;
			say(s->why, sizeof(s->why), "key %u (%s) has version %02X; this key set "
				    "writes version %02X: another key generation", k, key_roles[k],
				    s->key_version[k], YN_APP_KEY_VERSION);
			return 0;
		}
	}
	for (k = 0; k < YN_APP_NKEYS; k++) {
		if ((r = auth(x, k, s->key_version[k])) != 0) {
			if (!is_key_refusal(r)) {
				say(s->why, sizeof(s->why), "authentication with key %u failed: %s",
				    k, yn_strerror(r));
				return r;
			}
			s->stage = YN_ISSUE_FOREIGN;
			say(s->why, sizeof(s->why), "key %u (%s) is neither the factory key nor "
				    "the key this key set derives for the card: wrong key set "
				    "(system-id, master keys) or a card issued elsewhere", k,
				    key_roles[k]);
			return 0;
		}
		if (s->key_version[k] == YN_APP_KEY_VERSION)
			ndiv++;
	}
	/* end the session on both sides: the file survey runs unauthenticated */
	if ((r = yn_desfire_select_application(&x->df, YN_APP_AID, x->deadline)) != 0) {
		say(s->why, sizeof(s->why), "SelectApplication failed: %s", yn_strerror(r));
		return r;
	}
	if ((r = survey_files(x, YN_DESFIRE_PLAIN, &s->files, s->why, sizeof(s->why))) != 0) {
		if (r == YN_ECORRUPT) {
			s->stage = YN_ISSUE_FOREIGN;
			return 0;
		}
		return r;
	}
	if (ndiv < YN_APP_NKEYS) {
		if (s->files != 0) {
			s->stage = YN_ISSUE_FOREIGN;
			say(s->why, sizeof(s->why), "files exist while keys are still factory keys: "
				    "not made by this desk");
			return 0;
		}
		s->stage = ndiv == 0 ? YN_ISSUE_APP_CREATED : YN_ISSUE_KEYS_PARTIAL;
		say(s->why, sizeof(s->why), "our application with %u of %u keys changed",
		    ndiv, YN_APP_NKEYS);
		return 0;
	}
	if (s->files != (1u << YN_APP_NFILES) - 1) {
		s->stage = YN_ISSUE_KEYS_DONE;
		say(s->why, sizeof(s->why), "keys changed, file set %02X of %02X created",
		    s->files, (1u << YN_APP_NFILES) - 1);
		return 0;
	}
	/* every file there: read what the writes left */
	if ((r = auth(x, YN_KEY_READ, YN_APP_KEY_VERSION)) != 0 ||
	    (r = yn_desfire_read_data(&x->df, YN_DESFIRE_MAC, YN_FILE_BENEFIT, 0,
				      YN_BENEFIT_FILE_SIZE, buf, sizeof(buf), &n, x->deadline)) != 0) {
		say(s->why, sizeof(s->why), "reading the benefit state failed: %s", yn_strerror(r));
		return r;
	}
	s->benefit_ok = yn_benefitrec_decode(buf, n, &b, &why) == 0;
	if ((r = read_record(x, x->uid, &s->record, &s->holder, buf, &why)) != 0) {
		say(s->why, sizeof(s->why), "reading the holder record failed: %s", yn_strerror(r));
		return r;
	}
	if ((r = auth(x, YN_KEY_DEBIT, YN_APP_KEY_VERSION)) != 0 ||
	    (r = yn_desfire_get_value(&x->df, YN_DESFIRE_MAC, YN_FILE_PURSE, &s->purse,
				      x->deadline)) != 0) {
		say(s->why, sizeof(s->why), "reading the voucher purse failed: %s", yn_strerror(r));
		return r;
	}
	s->purse_known = 1;
	yn_desfire_reset(&x->df);
	if (s->record == 1) {
		s->stage = YN_ISSUE_ISSUED;
		say(s->why, sizeof(s->why), "issued card, serial %llu",
		    (unsigned long long)s->holder.serial);
	} else if (s->record != 0) {
		s->stage = YN_ISSUE_RECORD_BAD;
		say(s->why, sizeof(s->why), "the holder record is there but not valid (%s%s%s)",
		    yn_strerror(s->record), why != NULL ? ": " : "", why != NULL ? why : "");
	} else if (!s->benefit_ok) {
		s->stage = YN_ISSUE_FILES_DONE;
		say(s->why, sizeof(s->why), "files created; benefit state not yet written");
	} else {
		s->stage = YN_ISSUE_NO_RECORD;
		say(s->why, sizeof(s->why), "everything but the holder record (purse %d)",
		    (int)s->purse);
	}
	return 0;
}

int yn_issue_survey(struct yn_reader *rd, const struct yn_keyset *ks, struct yn_issue_survey *s,
		    uint64_t deadline)
{
	struct ictx x;
	int r, foreign;

	if (s == NULL)
		return YN_EINVAL;
	memset(s, 0, sizeof(*s));
	if (rd == NULL || ks == NULL)
		return YN_EINVAL;
	if ((r = ctx_open(&x, rd, ks, deadline, s->why, sizeof(s->why), &foreign)) == 0) {
		if (foreign)
			s->stage = YN_ISSUE_FOREIGN;
		else
			r = survey_x(&x, s);
	}
	ctx_close(&x);
	return r;
}

/* The verification (step 7), on an open context. */
static int verify_x(struct ictx *x, const uint8_t *expect, int32_t vouchers, uint64_t *serial,
		    char *msg, size_t msglen)
{
	uint8_t raw[YN_HOLDER_LEN], ks1 = 0, ks2 = 0, ver = 0, mask = 0, realuid[10];
	struct yn_holder h;
	struct yn_benefitrec b;
	const char *why = NULL;
	size_t n = 0;
	int32_t v = 0;
	unsigned k;
	int r, state = 0;

	*serial = 0;
	if ((r = yn_desfire_select_application(&x->df, YN_APP_AID, x->deadline)) != 0 ||
	    (r = yn_desfire_get_key_settings(&x->df, YN_DESFIRE_PLAIN, &ks1, &ks2,
					     x->deadline)) != 0) {
		say(msg, msglen, "verification: application not readable: %s", yn_strerror(r));
		return r;
	}
	if (ks1 != YN_APP_KS1 || ks2 != YN_APP_KS2) {
		say(msg, msglen, "verification: key settings %02X %02X, want %02X %02X", ks1, ks2,
		    YN_APP_KS1, YN_APP_KS2);
		return YN_ECORRUPT;
	}
	for (k = 0; k < YN_APP_NKEYS; k++) {
		if ((r = yn_desfire_get_key_version(&x->df, YN_DESFIRE_PLAIN, (uint8_t)k, &ver,
						    x->deadline)) != 0) {
			say(msg, msglen, "verification: GetKeyVersion %u: %s", k, yn_strerror(r));
			return r;
		}
		if (ver != YN_APP_KEY_VERSION) {
			say(msg, msglen, "verification: key %u (%s) has version %02X, want %02X", k,
			    key_roles[k], ver, YN_APP_KEY_VERSION);
			return YN_ECORRUPT;
		}
	}
	if ((r = survey_files(x, YN_DESFIRE_PLAIN, &mask, msg, msglen)) != 0)
		return r;
	if (mask != (1u << YN_APP_NFILES) - 1) {
		say(msg, msglen, "verification: files present %02X, want %02X", mask,
		    (1u << YN_APP_NFILES) - 1);
		return YN_ECORRUPT;
	}
	/* every role's key opens a session */
	for (k = 0; k < YN_APP_NKEYS; k++) {
		if (k == YN_KEY_READ || k == YN_KEY_DEBIT)
			continue;	/* used below */
		if ((r = auth(x, k, YN_APP_KEY_VERSION)) != 0) {
			say(msg, msglen, "verification: key %u (%s) does not authenticate: %s", k,
			    key_roles[k], yn_strerror(r));
			return r;
		}
	}
	if ((r = auth(x, YN_KEY_READ, YN_APP_KEY_VERSION)) != 0) {
		say(msg, msglen, "verification: read key: %s", yn_strerror(r));
		return r;
	}
	if ((r = yn_desfire_get_card_uid(&x->df, realuid, &n, x->deadline)) != 0) {
		say(msg, msglen, "verification: GetCardUID: %s", yn_strerror(r));
		return r;
	}
	if (n != YN_UID_LEN || memcmp(realuid, x->uid, YN_UID_LEN) != 0) {
		say(msg, msglen, "verification: the card's real UID differs from the one the "
			    "reader reported");
		return YN_EWRONGCARD;
	}
	if ((r = read_record(x, realuid, &state, &h, raw, &why)) != 0) {
		say(msg, msglen, "verification: reading the holder record: %s", yn_strerror(r));
		return r;
	}
	if (expect != NULL && memcmp(raw, expect, YN_HOLDER_LEN) != 0) {
		say(msg, msglen, "verification: the holder record read back differs from the one "
			    "written");
		return YN_ECORRUPT;
	}
	if (state != 1) {
		say(msg, msglen, "verification: holder record %s%s%s",
		    state == 0 ? "empty" : yn_strerror(state), why != NULL ? ": " : "",
		    why != NULL ? why : "");
		return state == 0 ? YN_ENOENT : state;
	}
	if ((r = yn_desfire_read_data(&x->df, YN_DESFIRE_MAC, YN_FILE_BENEFIT, 0,
				      YN_BENEFIT_FILE_SIZE, raw, sizeof(raw), &n, x->deadline)) != 0) {
		say(msg, msglen, "verification: reading the benefit state: %s", yn_strerror(r));
		return r;
	}
	if ((r = yn_benefitrec_decode(raw, n, &b, &why)) != 0) {
		say(msg, msglen, "verification: benefit state: %s", why != NULL ? why : yn_strerror(r));
		return r;
	}
	if ((r = auth(x, YN_KEY_DEBIT, YN_APP_KEY_VERSION)) != 0 ||
	    (r = yn_desfire_get_value(&x->df, YN_DESFIRE_MAC, YN_FILE_PURSE, &v,
				      x->deadline)) != 0) {
		say(msg, msglen, "verification: reading the voucher purse: %s", yn_strerror(r));
		return r;
	}
	if (vouchers >= 0 && v != vouchers) {
		say(msg, msglen, "verification: voucher purse holds %d, want %d", (int)v,
		    (int)vouchers);
		return YN_ECORRUPT;
	}
	yn_desfire_reset(&x->df);
	*serial = h.serial;
	return 0;
}

int yn_issue_verify(struct yn_reader *rd, const struct yn_keyset *ks, const uint8_t *expect,
		    int32_t vouchers, uint64_t *serial, char *msg, size_t msglen,
		    uint64_t deadline)
{
	struct ictx x;
	uint64_t sn = 0;
	int r, foreign;

	if (serial != NULL)
		*serial = 0;
	if (rd == NULL || ks == NULL || serial == NULL)
		return YN_EINVAL;
	if ((r = ctx_open(&x, rd, ks, deadline, msg, msglen, &foreign)) == 0) {
		if (foreign) {
			r = YN_EWRONGCARD;
		} else {
			r = verify_x(&x, expect, vouchers, &sn, msg, msglen);
			*serial = sn;
		}
	}
	ctx_close(&x);
	return r;
}

static int create_file(struct ictx *x, const struct yn_app_file *f)
{
	switch (f->type) {
	case YN_FTYPE_STD:
		return yn_desfire_create_std_file(&x->df, YN_DESFIRE_MAC, f->no, f->comm, f->ar,
						  f->size, x->deadline);
	case YN_FTYPE_BACKUP:
		return yn_desfire_create_backup_file(&x->df, YN_DESFIRE_MAC, f->no, f->comm, f->ar,
						     f->size, x->deadline);
	case YN_FTYPE_VALUE:
		return yn_desfire_create_value_file(&x->df, YN_DESFIRE_MAC, f->no, f->comm, f->ar,
						    f->lower, f->upper, f->value, f->lc_flags,
						    x->deadline);
	case YN_FTYPE_CYCLIC:
		return yn_desfire_create_cyclic_file(&x->df, YN_DESFIRE_MAC, f->no, f->comm, f->ar,
						     f->size, f->max_records, x->deadline);
	}
	return YN_EINTERNAL;
}

static int desk_keyset(const struct yn_keyset *ks)
{
	unsigned k;

	if (ks->issuer_priv == NULL || ks->issuer_pub == NULL)
		return 0;
	for (k = 0; k < YN_APP_NKEYS; k++)
		if (ks->master[k] == NULL)
			return 0;
	return 1;
}

/* Steps 1..6 from the survey's stage; *step names the one running. */
static int write_steps(struct ictx *x, const struct yn_issue_survey *s, const uint8_t *rec,
		       int32_t vouchers, const char **step, char *msg, size_t msglen)
{
	uint8_t kv[YN_APP_NKEYS], key[16], ben[YN_BENEFITREC_LEN];
	struct yn_benefitrec b;
	const char *why = NULL;
	size_t n = 0;
	int32_t v = 0;
	unsigned k;
	int r;

	memcpy(kv, s->key_version, sizeof(kv));
	*step = "create application";
	if (!s->has_app) {
		if ((r = yn_desfire_select_application(&x->df, 0, x->deadline)) != 0 ||
		    (r = auth(x, 0, 0)) != 0 ||
		    (r = yn_desfire_create_application(&x->df, YN_DESFIRE_MAC, YN_APP_AID,
						       YN_APP_KS1, YN_APP_KS2, x->deadline)) != 0)
			return r;
		memset(kv, 0, sizeof(kv));
	}
	*step = "change keys";
	if ((r = yn_desfire_select_application(&x->df, YN_APP_AID, x->deadline)) != 0)
		return r;
	if (memchr(kv, 0, sizeof(kv)) != NULL) {
		if ((r = auth(x, YN_KEY_APP_MASTER, kv[0])) != 0)
			return r;
		for (k = 1; k < YN_APP_NKEYS; k++) {
			if (kv[k] != 0)
				continue;
			if ((r = card_key(x, k, YN_APP_KEY_VERSION, key)) == 0)
				r = yn_desfire_change_key(&x->df, (uint8_t)k, key, YN_APP_KEY_VERSION,
							  factory_key, x->deadline);
			yn_cleanse(key, sizeof(key));
			if (r != 0)
				return r;
		}
		if (kv[0] == 0) {
			/* key 0 last: changing it ends the session */
			if ((r = card_key(x, 0, YN_APP_KEY_VERSION, key)) == 0)
				r = yn_desfire_change_key(&x->df, 0, key, YN_APP_KEY_VERSION, NULL,
							  x->deadline);
			yn_cleanse(key, sizeof(key));
			if (r != 0)
				return r;
		}
	}
	*step = "create files";
	if (s->files != (1u << YN_APP_NFILES) - 1) {
		if ((r = auth(x, YN_KEY_APP_MASTER, YN_APP_KEY_VERSION)) != 0)
			return r;
		for (k = 0; k < YN_APP_NFILES; k++) {
			if (s->files & (1u << (yn_app_files[k].no - 1)))
				continue;
			if ((r = create_file(x, &yn_app_files[k])) != 0)
				return r;
		}
	}
	*step = "benefit state";
	if (!s->benefit_ok) {
		memset(&b, 0, sizeof(b));
		if ((r = yn_benefitrec_encode(&b, ben, sizeof(ben), &n, &why)) != 0)
			return r;
		if ((r = auth(x, YN_KEY_DEBIT, YN_APP_KEY_VERSION)) != 0 ||
		    (r = yn_desfire_write_data(&x->df, YN_DESFIRE_MAC, YN_FILE_BENEFIT, 0, ben, n,
					       x->deadline)) != 0 ||
		    (r = yn_desfire_commit(&x->df, YN_DESFIRE_MAC, x->deadline)) != 0)
			return r;
	}
	*step = "vouchers";
	if ((r = auth(x, YN_KEY_CREDIT, YN_APP_KEY_VERSION)) != 0 ||
	    (r = yn_desfire_get_value(&x->df, YN_DESFIRE_MAC, YN_FILE_PURSE, &v, x->deadline)) != 0)
		return r;
	if (v != vouchers) {
		if (v != 0) {
			say(msg, msglen, "the voucher purse already holds %d, not %d: run again "
				    "with --vouchers %d to keep it", (int)v, (int)vouchers, (int)v);
			return YN_EEXIST;
		}
		if ((r = yn_desfire_credit(&x->df, YN_DESFIRE_MAC, YN_FILE_PURSE, vouchers,
					   x->deadline)) != 0 ||
		    (r = yn_desfire_commit(&x->df, YN_DESFIRE_MAC, x->deadline)) != 0)
			return r;
	}
	*step = "holder record";
	/* the key-4 session is still open */
	if ((r = yn_desfire_write_data(&x->df, YN_DESFIRE_FULL, YN_FILE_HOLDER, 0, rec,
				       YN_HOLDER_LEN, x->deadline)) != 0)
		return r;
	yn_desfire_reset(&x->df);
	return 0;
}

int yn_issue_card(struct yn_reader *rd, const struct yn_keyset *ks, const struct yn_issue_req *req,
		  struct yn_issue_report *rep)
{
	struct yn_issue_survey s;
	struct yn_holder h;
	struct ictx x;
	uint8_t rec[YN_HOLDER_LEN], zuid[YN_UID_LEN] = { 0 }, luid[YN_UID_LEN];
	char aerr[256], uidhex[2 * YN_UID_LEN + 1];
	const char *why = NULL;
	uint64_t t0 = yn_now_ns(), serial = 0;
	size_t n = 0;
	int r, foreign = 0, opened = 0;

	if (rep == NULL)
		return YN_EINVAL;
	memset(rep, 0, sizeof(*rep));
	memset(&x, 0, sizeof(x));
	if (rd == NULL || ks == NULL || req == NULL) {
		say(rep->msg, sizeof(rep->msg), "bad argument");
		return YN_EINVAL;
	}
	if (!desk_keyset(ks)) {
		say(rep->msg, sizeof(rep->msg), "the key set is not a desk key set (it needs all "
			    "five AES masters and issuer.key): the card was not touched");
		return YN_EBADKEY;
	}
	if (req->vouchers < 0 || req->vouchers > YN_PURSE_UPPER) {
		say(rep->msg, sizeof(rep->msg), "vouchers: %d is outside 0..%d; the card was not "
			    "touched", (int)req->vouchers, YN_PURSE_UPPER);
		return YN_EINVAL;
	}
	h = req->holder;
	if ((r = ctx_open(&x, rd, ks, yn_deadline_in_ms(req->timeout_ms ? req->timeout_ms
								   : ISSUE_TIMEOUT_MS),
			  rep->msg, sizeof(rep->msg), &foreign)) != 0)
		goto out;
	opened = 1;
	memcpy(rep->uid, x.uid, YN_UID_LEN);
	yn_hex_encode(x.uid, YN_UID_LEN, uidhex, sizeof(uidhex));
	if (foreign) {
		rep->found = YN_ISSUE_FOREIGN;
		r = YN_EEXIST;
		goto out;
	}
	if (memcmp(h.uid, zuid, YN_UID_LEN) != 0 && memcmp(h.uid, x.uid, YN_UID_LEN) != 0) {
		char want[2 * YN_UID_LEN + 1];

		yn_hex_encode(h.uid, YN_UID_LEN, want, sizeof(want));
		say(rep->msg, sizeof(rep->msg), "uid: the holder file is for card %s, this card "
			    "is %s; the card was not touched", want, uidhex);
		r = YN_EWRONGCARD;
		goto out;
	}
	memcpy(h.uid, x.uid, YN_UID_LEN);
	/* a placeholder serial lets the field check run before any allocation */
	if (h.serial == 0)
		h.serial = 1;
	if (yn_holder_check(&h, &why) != 0) {
		say(rep->msg, sizeof(rep->msg), "%s; the card was not touched",
		    why != NULL ? why : "holder record invalid");
		r = YN_EINVAL;
		goto out;
	}
	h.serial = req->holder.serial;
	if (h.serial == 0 && req->serial_file == NULL) {
		say(rep->msg, sizeof(rep->msg), "serial: none given and no serial allocator file");
		r = YN_EINVAL;
		goto out;
	}

	memset(&s, 0, sizeof(s));
	if ((r = survey_x(&x, &s)) != 0) {
		rep->step = "survey";
		say(rep->msg, sizeof(rep->msg), "could not survey the card: %s; nothing was "
			    "written: put the card back and run the same command again",
		    s.why);
		goto out;
	}
	rep->found = s.stage;
	switch (s.stage) {
	case YN_ISSUE_FOREIGN:
		say(rep->msg, sizeof(rep->msg), "card %s refused and left as it was: %s", uidhex,
		    s.why);
		r = YN_EEXIST;
		goto out;
	case YN_ISSUE_ISSUED:
		/* complete already if this is the run that wrote it */
		if (req->resume &&
		    ((h.serial != 0 && s.holder.serial == h.serial) ||
		     (h.serial == 0 && req->serial_file != NULL &&
		      yn_serial_lookup(req->serial_file, s.holder.serial, luid, NULL, 0) == 0 &&
		      memcmp(luid, x.uid, YN_UID_LEN) == 0))) {
			rep->step = "verification";
			if ((r = verify_x(&x, NULL, req->vouchers, &rep->serial, rep->msg,
					  sizeof(rep->msg))) == 0)
				rep->already = 1;
			goto out;
		}
		say(rep->msg, sizeof(rep->msg), "card %s is already an issued Yinian card (serial "
			    "%llu) and was left as it was: use `yinian inspect` to see it, "
			    "`yinian replace` to give the holder a new card", uidhex,
		    (unsigned long long)s.holder.serial);
		r = YN_EEXIST;
		goto out;
	case YN_ISSUE_BLANK:
		break;
	default:
		if (!req->resume) {
			say(rep->msg, sizeof(rep->msg), "card %s is a half-issued Yinian card (%s) "
				    "and was left as it was: run the same command again with "
				    "--resume to complete it", uidhex, s.why);
			r = YN_EEXIST;
			goto out;
		}
		if (s.purse_known && s.purse != 0 && s.purse != req->vouchers) {
			say(rep->msg, sizeof(rep->msg), "vouchers: the card's purse already holds "
				    "%d, not %d; run again with --vouchers %d to keep it (card left "
				    "as it was)", (int)s.purse, (int)req->vouchers, (int)s.purse);
			r = YN_EEXIST;
			goto out;
		}
		break;
	}
	/* the serial is fixed (and recorded) before the card changes */
	if (req->serial_file != NULL) {
		if ((r = yn_serial_reserve(req->serial_file, x.uid, h.serial, 1,
					   req->serial_note != NULL ? req->serial_note : "issue",
					   req->now, &serial, aerr, sizeof(aerr))) != 0) {
			rep->step = "serial";
			say(rep->msg, sizeof(rep->msg), "%s; the card was not touched", aerr);
			goto out;
		}
		h.serial = serial;
	}
	if ((r = yn_holder_sign(&h, ks->issuer_priv, &why)) != 0 ||
	    (r = yn_holder_encode(&h, rec, sizeof(rec), &n, &why)) != 0) {
		rep->step = "sign";
		say(rep->msg, sizeof(rep->msg), "signing the holder record failed: %s",
		    why != NULL ? why : yn_strerror(r));
		goto out;
	}
	if ((r = write_steps(&x, &s, rec, req->vouchers, &rep->step, rep->msg,
			     sizeof(rep->msg))) != 0) {
		if (rep->msg[0] != '\0')
			goto out;
		if (is_card_lost(r))
			say(rep->msg, sizeof(rep->msg), "the card left the reader during \"%s\": it "
				    "is half-issued and not valid anywhere; put it back and run "
				    "the same command with --resume", rep->step);
		else
			say(rep->msg, sizeof(rep->msg), "\"%s\" failed: %s; the card is "
				    "half-issued (no terminal accepts it): run the same command "
				    "with --resume to complete it", rep->step, yn_strerror(r));
		goto out;
	}
	rep->step = "verification";
	if ((r = verify_x(&x, rec, req->vouchers, &rep->serial, rep->msg, sizeof(rep->msg))) != 0) {
		if (is_card_lost(r))
			say(rep->msg, sizeof(rep->msg), "the card left the reader during the final "
				    "verification: put it back and run the same command with "
				    "--resume");
		goto out;
	}
	rep->step = NULL;
	r = 0;
out:
	if (r == 0)
		rep->purse = req->vouchers;
	rep->apdus = x.df.apdus;
	rep->ms = (yn_now_ns() - t0) / 1000000u;
	if (opened)
		ctx_close(&x);
	yn_cleanse(&h, sizeof(h));
	return r;
}
