#include "card/inspect.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/bytes.h"
#include "base/err.h"
#include "card/holder_date.h"
#include "card/holder_json.h"
#include "reader/reader.h"

const char *yn_inspect_sig_name(enum yn_inspect_sig s)
{
	switch (s) {
	case YN_INSPECT_UNREAD: return "unread";
	case YN_INSPECT_NOT_ISSUED: return "not_issued";
	case YN_INSPECT_VALID: return "valid";
	case YN_INSPECT_FORGED: return "forged";
	case YN_INSPECT_UNKNOWN_ISSUER: return "unknown_issuer";
	case YN_INSPECT_WRONG_CARD: return "wrong_card";
	case YN_INSPECT_MALFORMED: return "malformed";
	}
	return "unknown";
}

static const char *sig_words(enum yn_inspect_sig s)
{
	switch (s) {
	case YN_INSPECT_UNREAD: return "NOT READ";
	case YN_INSPECT_NOT_ISSUED: return "NOT ISSUED: no holder record, no terminal accepts this card";
	case YN_INSPECT_VALID: return "VALID: signed by a trusted issuer key, for this card";
	case YN_INSPECT_FORGED: return "FORGED: the signature does not match the record; keep the card";
	case YN_INSPECT_UNKNOWN_ISSUER: return "UNKNOWN ISSUER: signed by a key this desk does not trust";
	case YN_INSPECT_WRONG_CARD: return "WRONG CARD: the record was made for another card (copied)";
	case YN_INSPECT_MALFORMED: return "DAMAGED: the record does not decode (torn write or tampering)";
	}
	return "?";
}

const char *yn_inspect_vendor(uint8_t vendor)
{
	return vendor == 0x04 ? "NXP" : "unknown vendor";
}

const char *yn_inspect_card_type(const struct yn_desfire_version *v)
{
	if (v->hw[1] != 0x01 && v->hw[1] != 0x81)
		return "not a MIFARE DESFire";
	switch (v->hw[3]) {
	case 0x00: return "MIFARE DESFire (EV0)";
	case 0x01: return "MIFARE DESFire EV1";
	case 0x12: return "MIFARE DESFire EV2";
	case 0x22: return "MIFARE DESFire EV2 XL";
	case 0x30: return "MIFARE DESFire EV3";
	case 0x33: return "MIFARE DESFire EV3";
	case 0xA0: return "MIFARE DESFire Light";
	}
	return "MIFARE DESFire (unknown generation)";
}

uint32_t yn_inspect_storage(uint8_t storage)
{
	/* bits 7..1 = n: 2^n bytes (bit 0 set: between 2^n and 2^(n+1)) */
	unsigned n = storage >> 1;

	return n >= 8 && n <= 24 ? (uint32_t)1 << n : 0;
}

static void note(struct yn_inspect *in, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void note(struct yn_inspect *in, const char *fmt, ...)
{
	va_list ap;

	if (in->n_notes >= YN_INSPECT_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(in->notes[in->n_notes++], sizeof(in->notes[0]), fmt, ap);
	va_end(ap);
}

static int lost(int r)
{
	return r == YN_ECARDGONE || r == YN_ETIMEOUT || r == YN_ENOCARD || r == YN_EUNRESPONSIVE ||
	       r == YN_EREADER;
}

static int auth(struct yn_desfire *df, const struct yn_keyset *ks, unsigned k,
		const uint8_t uid[YN_UID_LEN], uint64_t deadline)
{
	uint8_t key[16];
	int r;

	if ((r = yn_keyset_card_key(ks, k, uid, key)) == 0)
		r = yn_desfire_auth_ev2_first(df, (uint8_t)k, key, deadline);
	yn_cleanse(key, sizeof(key));
	return r;
}

static int all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* Read with a key-1 session open: record, benefit state, trip log. */
static int read_with_read_key(struct yn_desfire *df, const struct yn_keyset *ks,
			      struct yn_inspect *in, uint64_t deadline)
{
	uint8_t buf[YN_TRIPLOG_REC_MAX * YN_TRIPLOG_REC_SIZE];
	struct yn_desfire_file_settings fs;
	struct yn_holder_trust t;
	const char *why = NULL;
	size_t n = 0, i;
	int r, v;

	if ((r = yn_desfire_read_data(df, YN_DESFIRE_FULL, YN_FILE_HOLDER, 0, YN_HOLDER_LEN, buf,
				      sizeof(buf), &n, deadline)) != 0) {
		if (lost(r))
			return r;
		note(in, "holder record: not readable (%s)", yn_strerror(r));
		return 0;
	}
	if (n != YN_HOLDER_LEN || all_zero(buf, n)) {
		in->sig = YN_INSPECT_NOT_ISSUED;
		note(in, "holder record: empty: the card was never finished (run `yinian issue "
			 "--resume`)");
	} else if ((r = yn_holder_decode(buf, n, &in->holder, &why)) != 0) {
		in->sig = YN_INSPECT_MALFORMED;
		in->sig_why = why;
	} else {
		in->have_holder = 1;
		yn_holder_trust_init(&t);
		if ((v = yn_keyset_issuer_trust(ks, &t)) == 0)
			v = yn_holder_verify(&in->holder, in->uid, &t, &why);
		yn_holder_trust_free(&t);
		in->sig_why = why;
		switch (v) {
		case 0: in->sig = YN_INSPECT_VALID; break;
		case YN_EWRONGCARD: in->sig = YN_INSPECT_WRONG_CARD; break;
		case YN_EUNKNOWNKEY: in->sig = YN_INSPECT_UNKNOWN_ISSUER; break;
		case YN_EBADSIG: in->sig = YN_INSPECT_FORGED; break;
		default: in->sig = YN_INSPECT_MALFORMED; break;
		}
	}
	if ((r = yn_desfire_read_data(df, YN_DESFIRE_MAC, YN_FILE_BENEFIT, 0, YN_BENEFIT_FILE_SIZE,
				      buf, sizeof(buf), &n, deadline)) != 0) {
		if (lost(r))
			return r;
		note(in, "benefit state: not readable (%s)", yn_strerror(r));
		return 0;	/* the session is gone after an error */
	}
	if (yn_benefitrec_decode(buf, n, &in->benefit, &why) == 0)
		in->have_benefit = 1;
	else
		note(in, "benefit state: not valid (%s)", why != NULL ? why : "does not decode");
	/* an empty record file answers ReadRecords with a boundary error: ask first */
	if ((r = yn_desfire_get_file_settings(df, YN_DESFIRE_MAC, YN_FILE_TRIPLOG, &fs,
					      deadline)) != 0) {
		if (lost(r))
			return r;
		note(in, "trip log: settings not readable (%s)", yn_strerror(r));
		return 0;
	}
	if (fs.cur_records == 0) {
		in->have_trips = 1;
		return 0;
	}
	r = yn_desfire_read_records(df, YN_DESFIRE_MAC, YN_FILE_TRIPLOG, 0, 0, buf, sizeof(buf),
				    &n, deadline);
	if (r != 0) {
		if (lost(r))
			return r;
		note(in, "trip log: not readable (%s)", yn_strerror(r));
		return 0;
	}
	if (n % YN_TRIPREC_LEN != 0 || n / YN_TRIPREC_LEN > YN_TRIPLOG_REC_MAX) {
		note(in, "trip log: %zu bytes is not a whole number of records", n);
		return 0;
	}
	in->have_trips = 1;
	/* oldest first on the wire; newest first in the report */
	for (i = n / YN_TRIPREC_LEN; i > 0; i--) {
		struct yn_triprec tr;

		if (yn_triprec_decode(buf + (i - 1) * YN_TRIPREC_LEN, YN_TRIPREC_LEN, &tr, &why) != 0) {
			note(in, "trip log: record %zu does not decode (%s)", n / YN_TRIPREC_LEN - i + 1,
			     why != NULL ? why : "?");
			continue;
		}
		in->trips[in->n_trips++] = tr;
	}
	return 0;
}

int yn_inspect_card(struct yn_reader *rd, const struct yn_keyset *ks, struct yn_inspect *in,
		    uint64_t deadline)
{
	struct yn_card_info ci;
	struct yn_desfire df;
	uint8_t ids[32];
	size_t n = 0, i;
	unsigned k, files = 0, pk;
	int r;

	if (in == NULL)
		return YN_EINVAL;
	memset(in, 0, sizeof(*in));
	if (rd == NULL || ks == NULL)
		return YN_EINVAL;
	yn_desfire_init(&df, rd);
	if ((r = yn_reader_card_info(rd, &ci)) != 0)
		goto out;
	memcpy(in->uid, ci.uid, sizeof(in->uid));
	in->uid_len = ci.uid_len;
	if ((r = yn_desfire_select_application(&df, 0, deadline)) != 0)
		goto out;
	r = yn_desfire_get_version(&df, YN_DESFIRE_PLAIN, &in->version, deadline);
	if (r == 0)
		in->have_version = 1;
	else if (lost(r))
		goto out;
	else
		note(in, "GetVersion refused (%s): not a DESFire card?", yn_strerror(r));
	if (in->uid_len != YN_UID_LEN) {
		note(in, "the card has a %zu-byte UID: not a Yinian card (they have 7)", in->uid_len);
		r = 0;
		goto out;
	}
	r = yn_desfire_select_application(&df, YN_APP_AID, deadline);
	if (r == YN_ECARD_NOAPP) {
		in->sig = YN_INSPECT_NOT_ISSUED;
		note(in, "no Yinian application: a blank card or another scheme's card");
		r = 0;
		goto out;
	}
	if (r != 0)
		goto out;
	in->app_present = 1;
	in->have_key_versions = 1;
	for (k = 0; k < YN_APP_NKEYS; k++) {
		if ((r = yn_desfire_get_key_version(&df, YN_DESFIRE_PLAIN, (uint8_t)k,
						    &in->key_version[k], deadline)) != 0) {
			if (lost(r))
				goto out;
			in->have_key_versions = 0;
			break;
		}
	}
	if ((r = yn_desfire_get_file_ids(&df, YN_DESFIRE_PLAIN, ids, sizeof(ids), &n,
					 deadline)) != 0) {
		if (lost(r))
			goto out;
		note(in, "file list: not readable (%s)", yn_strerror(r));
	}
	for (i = 0; i < n; i++)
		if (yn_app_file(ids[i]) != NULL)
			files |= 1u << (ids[i] - 1);
	if (files != (1u << YN_APP_NFILES) - 1) {
		in->sig = YN_INSPECT_NOT_ISSUED;
		note(in, "half-issued: only %u of the %u files exist (run `yinian issue --resume`)",
		     (unsigned)__builtin_popcount(files), YN_APP_NFILES);
		r = 0;
		goto out;
	}
	if (ks->master[YN_KEY_READ] == NULL) {
		note(in, "holder record, benefit state, trip log: not read (this key set has no "
			 "read key)");
	} else if ((r = auth(&df, ks, YN_KEY_READ, in->uid, deadline)) != 0) {
		if (lost(r))
			goto out;
		note(in, "holder record, benefit state, trip log: the card refused the read key "
			 "(%s): key set of another system, or a card not made by this issuer",
		     yn_strerror(r));
		if (in->have_key_versions && in->key_version[YN_KEY_READ] == 0)
			in->sig = YN_INSPECT_NOT_ISSUED;
	} else if ((r = read_with_read_key(&df, ks, in, deadline)) != 0) {
		goto out;
	}
	/* the purse: GetValue needs key 3 (or 4, RW) */
	pk = ks->master[YN_KEY_DEBIT] != NULL ? YN_KEY_DEBIT
	     : ks->master[YN_KEY_CREDIT] != NULL ? YN_KEY_CREDIT : 0;
	if (pk == 0) {
		note(in, "voucher balance: not read (needs the benefit-debit or credit key; this "
			 "key set has neither)");
	} else if ((r = auth(&df, ks, pk, in->uid, deadline)) != 0 ||
		   (r = yn_desfire_get_value(&df, YN_DESFIRE_MAC, YN_FILE_PURSE, &in->purse,
					     deadline)) != 0) {
		if (lost(r))
			goto out;
		note(in, "voucher balance: not readable (%s)", yn_strerror(r));
	} else {
		in->have_purse = 1;
	}
	r = 0;
out:
	in->apdus = df.apdus;
	yn_desfire_reset(&df);
	return r;
}

int yn_inspect_load_keys(const char *dir, struct yn_keyset *ks)
{
	static const enum yn_keyrole roles[] = {
		YN_KEYROLE_DESK, YN_KEYROLE_CANTEEN, YN_KEYROLE_GATE,
	};
	size_t i;
	int r = YN_ENOENT;

	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		r = yn_keyset_load(dir, roles[i], ks);
		if (r != YN_ENOENT)
			return r;
	}
	return r;
}

/* --- words --- */

static const char *residency_words(unsigned c)
{
	switch (c) {
	case YN_HRES_HUKOU: return "Shenzhen hukou (深圳户籍)";
	case YN_HRES_RESIDENT: return "non-hukou resident (非深户常住)";
	case YN_HRES_HONGKONG: return "Hong Kong resident";
	case YN_HRES_MACAO: return "Macao resident";
	case YN_HRES_TAIWAN: return "Taiwan resident";
	}
	return "unknown";
}

static const char *trip_words(unsigned kind)
{
	switch (kind) {
	case YN_TRIPREC_METRO_ENTRY: return "metro entry";
	case YN_TRIPREC_METRO_EXIT: return "metro exit";
	case YN_TRIPREC_BUS_BOARD: return "bus boarding";
	case YN_TRIPREC_BUS_ALIGHT: return "bus alighting";
	}
	return "unknown";
}

static const char *trip_id(unsigned kind)
{
	switch (kind) {
	case YN_TRIPREC_METRO_ENTRY: return "metro_entry";
	case YN_TRIPREC_METRO_EXIT: return "metro_exit";
	case YN_TRIPREC_BUS_BOARD: return "bus_board";
	case YN_TRIPREC_BUS_ALIGHT: return "bus_alight";
	}
	return "unknown";
}

/* "2026-12-02 08:15" Shanghai time. */
static void local_time(int64_t t, char out[20])
{
	char d[11];
	int64_t l = t + YN_YMD_UTC_OFFSET;
	uint32_t ymd = yn_ymd_from_unix(t);

	if (ymd == 0) {
		snprintf(out, 20, "(out of range)");
		return;
	}
	yn_ymd_format(ymd, d);
	snprintf(out, 20, "%s %02d:%02d", d, (int)(((l % 86400) + 86400) % 86400 / 3600),
		 (int)(((l % 3600) + 3600) % 3600 / 60));
}

/* "valid", "not_yet_valid", "expired" for the holder today. */
static const char *validity(const struct yn_holder *h, uint32_t today)
{
	if (today < h->not_before)
		return "not_yet_valid";
	if (today > h->not_after)
		return "expired";
	return "valid";
}

struct sbuf {
	char *p;
	size_t len, cap;
	int failed;
};

static void sb(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *np;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		if ((np = realloc(b->p, b->cap * 2 + (size_t)n)) == NULL) {
			b->failed = 1;
			return;
		}
		b->p = np;
		b->cap = b->cap * 2 + (size_t)n;
	}
}

static void hexline(struct sbuf *b, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		sb(b, "%s%02X", i ? " " : "", p[i]);
}

char *yn_inspect_text(const struct yn_inspect *in, int64_t now)
{
	struct sbuf b = { .p = malloc(1024), .cap = 1024 };
	uint32_t today = yn_ymd_from_unix(now);
	const struct yn_holder *h = &in->holder;
	char d1[11], d2[11], t[20];
	size_t i;
	unsigned c;

	if (b.p == NULL)
		return NULL;
	b.p[0] = '\0';
	sb(&b, "Card\n");
	if (in->have_holder)
		sb(&b, "  card serial    %" PRIu64 "\n", h->serial);
	sb(&b, "  UID            ");
	hexline(&b, in->uid, in->uid_len);
	sb(&b, "\n");
	if (in->have_version) {
		uint32_t st = yn_inspect_storage(in->version.hw[5]);

		sb(&b, "  chip           %s %s, %u KB (hardware %u.%u, software %u.%u)\n",
		   yn_inspect_vendor(in->version.hw[0]), yn_inspect_card_type(&in->version),
		   (unsigned)(st / 1024), in->version.hw[3], in->version.hw[4], in->version.sw[3],
		   in->version.sw[4]);
		sb(&b, "  chip UID       ");
		hexline(&b, in->version.uid, sizeof(in->version.uid));
		sb(&b, "\n");
	}
	sb(&b, "Holder record    %s\n", sig_words(in->sig));
	if (in->sig_why != NULL && in->sig != YN_INSPECT_VALID)
		sb(&b, "  detail         %s\n", in->sig_why);
	if (in->have_holder) {
		yn_ymd_format(h->birth, d1);
		if (today != 0 && today >= h->birth)
			sb(&b, "  born           %s (age %d today)\n", d1, yn_ymd_age(h->birth, today));
		else
			sb(&b, "  born           %s\n", d1);
		sb(&b, "  residency      %s\n", residency_words(h->residency));
		if (h->district != YN_HDIST_NONE)
			sb(&b, "  district       %s %s\n", yn_holder_district_zh(h->district),
			   yn_holder_district_name(h->district));
		else
			sb(&b, "  district       none (no Shenzhen hukou)\n");
		sb(&b, "  categories     ");
		if (h->categories == 0)
			sb(&b, "none");
		for (c = 0, i = 0; c < YN_HCAT_COUNT; c++)
			if (h->categories & (1u << c))
				sb(&b, "%s%s %s", i++ ? ", " : "", yn_holder_category_zh(c),
				   yn_holder_category_name(c));
		sb(&b, "\n");
		yn_ymd_format(h->not_before, d1);
		yn_ymd_format(h->not_after, d2);
		{
			const char *v = validity(h, today);

			sb(&b, "  valid          %s to %s: %s\n", d1, d2,
			   strcmp(v, "valid") == 0 ? "VALID TODAY"
			   : strcmp(v, "expired") == 0 ? "EXPIRED" : "NOT YET VALID");
		}
		local_time((int64_t)h->issued_at, t);
		sb(&b, "  issued         %s (Shanghai time), issuer key ", t);
		hexline(&b, h->issuer_key_id, YN_KEYID_LEN);
		sb(&b, "\n");
	}
	if (in->have_purse)
		sb(&b, "Vouchers         %d\n", (int)in->purse);
	if (in->have_benefit) {
		const struct yn_benefitrec *be = &in->benefit;

		sb(&b, "Benefit state\n");
		if (be->last_meal != 0) {
			yn_ymd_format(be->last_meal, d1);
			sb(&b, "  last meal      %s (%u that day)\n", d1, be->meals_on_last);
		} else {
			sb(&b, "  last meal      never\n");
		}
		sb(&b, "  meals          %u, subsidy %u.%02u yuan in total\n", be->meal_count,
		   be->subsidy_total / 100, be->subsidy_total % 100);
		if (be->last_service != 0) {
			yn_ymd_format(be->last_service, d1);
			sb(&b, "  last service   %s\n", d1);
		} else {
			sb(&b, "  last service   never\n");
		}
		sb(&b, "  services       %u\n", be->service_count);
	}
	if (in->have_trips) {
		sb(&b, "Trips            %zu (newest first)\n", in->n_trips);
		for (i = 0; i < in->n_trips; i++) {
			const struct yn_triprec *tr = &in->trips[i];

			local_time((int64_t)tr->time, t);
			sb(&b, "  %2zu  %s  %-13s line %u station %u%s (terminal %08X)\n", i + 1, t,
			   trip_words(tr->kind), tr->line, tr->station,
			   tr->direction == YN_TRIPREC_DIR_UP ? " up"
			   : tr->direction == YN_TRIPREC_DIR_DOWN ? " down" : "",
			   (unsigned)tr->terminal);
		}
	}
	for (i = 0; i < in->n_notes; i++)
		sb(&b, "%s %s\n", i == 0 ? "Not read:       " : "                ", in->notes[i]);
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	return b.p;
}

static json_t *hexj(const uint8_t *p, size_t n)
{
	char buf[2 * 64 + 1];

	if (2 * n + 1 > sizeof(buf) || yn_hex_encode(p, n, buf, sizeof(buf)) != 0)
		return NULL;
	return json_string(buf);
}

static json_t *datej(uint32_t ymd)
{
	char d[11];

	if (ymd == 0)
		return json_null();
	yn_ymd_format(ymd, d);
	return json_string(d);
}

char *yn_inspect_json(const struct yn_inspect *in, int64_t now)
{
	json_t *o = json_object(), *card = json_object(), *a, *x;
	uint32_t today = yn_ymd_from_unix(now);
	char *hs = NULL, *out = NULL;
	size_t i;
	int bad = 0;

	if (o == NULL || card == NULL)
		goto out;
	bad |= json_object_set_new(card, "uid", hexj(in->uid, in->uid_len));
	if (in->have_version) {
		x = json_object();
		bad |= x == NULL;
		if (x != NULL) {
			bad |= json_object_set_new(x, "vendor",
						   json_string(yn_inspect_vendor(in->version.hw[0])));
			bad |= json_object_set_new(x, "type",
						   json_string(yn_inspect_card_type(&in->version)));
			bad |= json_object_set_new(
				x, "storage_bytes",
				json_integer(yn_inspect_storage(in->version.hw[5])));
			bad |= json_object_set_new(x, "hw", hexj(in->version.hw, 7));
			bad |= json_object_set_new(x, "sw", hexj(in->version.sw, 7));
			bad |= json_object_set_new(x, "uid", hexj(in->version.uid, 7));
			bad |= json_object_set_new(card, "version", x);
		}
	}
	bad |= json_object_set_new(o, "card", card);
	card = NULL;
	bad |= json_object_set_new(o, "application", json_boolean(in->app_present));
	bad |= json_object_set_new(o, "signature", json_string(yn_inspect_sig_name(in->sig)));
	if (in->sig_why != NULL && in->sig != YN_INSPECT_VALID)
		bad |= json_object_set_new(o, "signature_detail", json_string(in->sig_why));
	if (in->have_holder && yn_holder_json_dump(&in->holder, &hs) == 0) {
		json_error_t e;

		x = json_loads(hs, 0, &e);
		bad |= x == NULL;
		if (x != NULL) {
			if (today != 0 && today >= in->holder.birth)
				bad |= json_object_set_new(
					x, "age_today",
					json_integer(yn_ymd_age(in->holder.birth, today)));
			bad |= json_object_set_new(x, "validity",
						   json_string(validity(&in->holder, today)));
			bad |= json_object_set_new(
				x, "valid_today",
				json_boolean(strcmp(validity(&in->holder, today), "valid") == 0 &&
					     in->sig == YN_INSPECT_VALID));
			bad |= json_object_set_new(o, "holder", x);
		}
	} else {
		bad |= json_object_set_new(o, "holder", json_null());
	}
	bad |= json_object_set_new(o, "vouchers",
				   in->have_purse ? json_integer(in->purse) : json_null());
	if (in->have_benefit) {
		const struct yn_benefitrec *be = &in->benefit;

		x = json_object();
		bad |= x == NULL;
		if (x != NULL) {
			bad |= json_object_set_new(x, "last_meal", datej(be->last_meal));
			bad |= json_object_set_new(x, "meals_on_last", json_integer(be->meals_on_last));
			bad |= json_object_set_new(x, "meal_count", json_integer(be->meal_count));
			bad |= json_object_set_new(x, "subsidy_total_fen",
						   json_integer(be->subsidy_total));
			bad |= json_object_set_new(x, "last_service", datej(be->last_service));
			bad |= json_object_set_new(x, "service_count",
						   json_integer(be->service_count));
			bad |= json_object_set_new(x, "updated_at", json_integer(be->updated_at));
			bad |= json_object_set_new(x, "updated_by", json_integer(be->updated_by));
			bad |= json_object_set_new(o, "benefit", x);
		}
	} else {
		bad |= json_object_set_new(o, "benefit", json_null());
	}
	if (in->have_trips) {
		a = json_array();
		bad |= a == NULL;
		for (i = 0; a != NULL && i < in->n_trips; i++) {
			const struct yn_triprec *tr = &in->trips[i];
			char t[20];

			x = json_object();
			bad |= x == NULL;
			if (x == NULL)
				break;
			local_time((int64_t)tr->time, t);
			bad |= json_object_set_new(x, "kind", json_string(trip_id(tr->kind)));
			bad |= json_object_set_new(x, "time", json_integer(tr->time));
			bad |= json_object_set_new(x, "local_time", json_string(t));
			bad |= json_object_set_new(x, "line", json_integer(tr->line));
			bad |= json_object_set_new(x, "station", json_integer(tr->station));
			bad |= json_object_set_new(x, "direction", json_integer(tr->direction));
			bad |= json_object_set_new(x, "terminal", json_integer(tr->terminal));
			bad |= json_array_append_new(a, x);
		}
		if (a != NULL)
			bad |= json_object_set_new(o, "trips", a);
	} else {
		bad |= json_object_set_new(o, "trips", json_null());
	}
	a = json_array();
	bad |= a == NULL;
	for (i = 0; a != NULL && i < in->n_notes; i++)
		bad |= json_array_append_new(a, json_string(in->notes[i]));
	if (a != NULL)
		bad |= json_object_set_new(o, "not_read", a);
	if (!bad)
		out = json_dumps(o, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
out:
	free(hs);
	json_decref(card);
	json_decref(o);
	return out;
}
