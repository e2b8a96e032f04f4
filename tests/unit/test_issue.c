/*
 * The issuance desk (card/issue, card/inspect, card/issue_replace,
 * card/issue_batch, card/serial_alloc) against the software card through
 * emu: readers with temporary state files: issue then inspect every field,
 * forged / foreign-issuer / copied records, tearing at every command of an
 * issuance then resume, and every refusal leaving the card as it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "card/cardstate.h"
#include "card/desfire.h"
#include "card/emu/emu.h"
#include "card/holder_json.h"
#include "card/inspect.h"
#include "card/issue.h"
#include "card/issue_batch.h"
#include "card/issue_replace.h"
#include "card/keyset.h"
#include "card/serial_alloc.h"
#include "crypto/crypto.h"
#include "reader/emu.h"
#include "reader/reader.h"
#include "tests/lib/testlib.h"

/* 2026-11-29T10:00:00+08:00 */
#define NOW 1795917600
/* 2026-12-05T10:00:00+08:00 */
#define LATER 1796436000

static const uint8_t uid_a[7] = { 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
static const uint8_t uid_b[7] = { 0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6 };

static const char holder_json[] =
	"{\"serial\":\"1\",\"birth_date\":\"1956-03-14\",\"residency\":\"shenzhen_hukou\","
	"\"district\":\"futian\",\"categories\":[\"dibao\",\"disability\"],"
	"\"not_before\":\"2026-12-01\",\"not_after\":\"2031-11-30\","
	"\"issued_at\":\"2026-11-29T10:00:00+08:00\"}";

struct fx {
	char *dir;
	char keys[512], keys2[512], gate[512], serials[512];
	struct yn_keyset ks, ks2;
};

static struct fx *F;

static uint64_t dl(void)
{
	return yn_deadline_in_ms(10000);
}

static int group_setup(void **state)
{
	char err[256];

	(void)state;
	F = calloc(1, sizeof(*F));
	if (F == NULL || yn_crypto_init() != 0 || (F->dir = yn_test_tmpdir()) == NULL)
		return -1;
	snprintf(F->keys, sizeof(F->keys), "%s/keys", F->dir);
	snprintf(F->keys2, sizeof(F->keys2), "%s/keys2", F->dir);
	snprintf(F->gate, sizeof(F->gate), "%s/gate", F->dir);
	if (yn_keyset_generate(F->keys, NULL, err, sizeof(err)) != 0 ||
	    yn_keyset_generate(F->keys2, NULL, err, sizeof(err)) != 0 ||
	    yn_keyset_export(F->keys, YN_KEYROLE_GATE, F->gate, err, sizeof(err)) != 0 ||
	    yn_keyset_load(F->keys, YN_KEYROLE_DESK, &F->ks) != 0 ||
	    yn_keyset_load(F->keys2, YN_KEYROLE_DESK, &F->ks2) != 0)
		return -1;
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	yn_keyset_free(&F->ks);
	yn_keyset_free(&F->ks2);
	yn_test_rmtree(F->dir);
	free(F->dir);
	free(F);
	return 0;
}

/* A fresh serial file per test. */
static int setup(void **state)
{
	static unsigned n;

	(void)state;
	snprintf(F->serials, sizeof(F->serials), "%s/serials.%u", F->dir, n++);
	return 0;
}

/* A new blank card state file; returns an emu reader on it, card present. */
static struct yn_reader *new_card(const char *name, const uint8_t uid[7], char *path,
				  size_t pathlen)
{
	struct yn_reader *rd = NULL;
	char uri[600];

	snprintf(path, pathlen, "%s/%s", F->dir, name);
	unlink(path);
	assert_int_equal(yn_emu_create_file(path, uid, 7), 0);
	snprintf(uri, sizeof(uri), "emu:%s", path);
	assert_int_equal(yn_reader_open(uri, &rd), 0);
	assert_int_equal(yn_reader_wait_card(rd, dl()), 0);
	return rd;
}

static void load_holder(struct yn_holder *h, const char *text)
{
	char err[256];

	assert_int_equal(yn_holder_json_parse(text, strlen(text), NOW, h, err, sizeof(err)), 0);
}

static struct yn_issue_req make_req(int32_t vouchers)
{
	struct yn_issue_req req;

	memset(&req, 0, sizeof(req));
	load_holder(&req.holder, holder_json);
	req.holder.serial = 0;	/* allocate */
	req.vouchers = vouchers;
	req.serial_file = F->serials;
	req.now = NOW;
	return req;
}

/* The whole state file, to prove a refusal changed nothing. */
static size_t slurp(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	assert_true(n < cap);
	fclose(f);
	return n;
}

static uint8_t before[1 << 16], after[1 << 16];

#define SNAP(path) size_t snap_n = slurp(path, before, sizeof(before))
#define UNCHANGED(path)                                                        \
	do {                                                                   \
		size_t n2_ = slurp(path, after, sizeof(after));                \
		assert_int_equal(n2_, snap_n);                                 \
		assert_memory_equal(before, after, snap_n);                    \
	} while (0)

static void inspect(struct yn_reader *rd, const struct yn_keyset *ks, struct yn_inspect *in)
{
	assert_int_equal(yn_inspect_card(rd, ks, in, dl()), 0);
}

/* ---- issue then inspect ---- */

static void test_issue_then_inspect_every_field(void **state)
{
	struct yn_issue_req req = make_req(7);
	struct yn_issue_report rep;
	struct yn_inspect in;
	struct yn_reader *rd;
	char path[600], *text, *json;

	(void)state;
	rd = new_card("card-fields", uid_a, path, sizeof(path));
	assert_int_equal(yn_issue_card(rd, &F->ks, &req, &rep), 0);
	assert_int_equal(rep.found, YN_ISSUE_BLANK);
	assert_int_equal(rep.serial, 1);	/* first serial of an empty allocator */
	assert_int_equal(rep.purse, 7);
	assert_memory_equal(rep.uid, uid_a, 7);
	print_message("issuance: %llu APDUs, %llu ms\n", (unsigned long long)rep.apdus,
		      (unsigned long long)rep.ms);
	assert_true(rep.apdus > 30 && rep.apdus < 100);

	inspect(rd, &F->ks, &in);
	assert_int_equal(in.sig, YN_INSPECT_VALID);
	assert_true(in.app_present && in.have_holder && in.have_purse && in.have_benefit &&
		    in.have_trips && in.have_version);
	assert_int_equal(in.n_notes, 0);
	assert_int_equal(in.holder.serial, 1);
	assert_memory_equal(in.holder.uid, uid_a, 7);
	assert_int_equal(in.holder.birth, 19560314);
	assert_int_equal(in.holder.residency, YN_HRES_HUKOU);
	assert_int_equal(in.holder.district, YN_HDIST_FUTIAN);
	assert_int_equal(in.holder.categories, YN_HCAT_DIBAO | YN_HCAT_DISABILITY);
	assert_int_equal(in.holder.not_before, 20261201);
	assert_int_equal(in.holder.not_after, 20311130);
	assert_int_equal(in.holder.issued_at, NOW);
	assert_int_equal(in.purse, 7);
	assert_int_equal(in.benefit.meal_count, 0);
	assert_int_equal(in.benefit.last_meal, 0);
	assert_int_equal(in.n_trips, 0);
	assert_string_equal(yn_inspect_card_type(&in.version), "MIFARE DESFire EV2");
	assert_int_equal(yn_inspect_storage(in.version.hw[5]), 8192);
	for (int k = 0; k < YN_APP_NKEYS; k++)
		assert_int_equal(in.key_version[k], YN_APP_KEY_VERSION);

	text = yn_inspect_text(&in, LATER);
	assert_non_null(text);
	assert_non_null(strstr(text, "card serial    1\n"));
	assert_non_null(strstr(text, "age 70 today"));
	assert_non_null(strstr(text, "VALID TODAY"));
	assert_non_null(strstr(text, "Vouchers         7"));
	assert_non_null(strstr(text, "福田"));
	free(text);
	/* before not_before the card is not yet valid */
	text = yn_inspect_text(&in, NOW);
	assert_non_null(strstr(text, "NOT YET VALID"));
	free(text);
	json = yn_inspect_json(&in, LATER);
	assert_non_null(json);
	assert_non_null(strstr(json, "\"signature\": \"valid\""));
	assert_non_null(strstr(json, "\"age_today\": 70"));
	assert_non_null(strstr(json, "\"valid_today\": true"));
	assert_non_null(strstr(json, "\"vouchers\": 7"));
	assert_non_null(strstr(json, "\"type\": \"MIFARE DESFire EV2\""));
	free(json);
	yn_reader_close(rd);
}

static void test_inspect_gate_keys_reads_what_it_can(void **state)
{
	struct yn_issue_req req = make_req(3);
	struct yn_issue_report rep;
	struct yn_inspect in;
	struct yn_keyset gk;
	struct yn_reader *rd;
	char path[600];

	(void)state;
	rd = new_card("card-gate", uid_a, path, sizeof(path));
	assert_int_equal(yn_issue_card(rd, &F->ks, &req, &rep), 0);
	assert_int_equal(yn_inspect_load_keys(F->gate, &gk), 0);
	assert_int_equal(gk.role, YN_KEYROLE_GATE);
	inspect(rd, &gk, &in);
	assert_int_equal(in.sig, YN_INSPECT_VALID);
	assert_int_equal(in.have_purse, 0);
	assert_int_equal(in.n_notes, 1);
	assert_non_null(strstr(in.notes[0], "voucher balance: not read"));
	yn_keyset_free(&gk);
	yn_reader_close(rd);
}

/* Rewrite the holder file with the desk's key 4 (as a forger with the
 * symmetric keys could). */
static void write_record(struct yn_reader *rd, const uint8_t uid[7], const uint8_t *rec)
{
	struct yn_desfire df;
	uint8_t key[16];

	yn_desfire_init(&df, rd);
	assert_int_equal(yn_keyset_card_key(&F->ks, YN_KEY_CREDIT, uid, key), 0);
	assert_int_equal(yn_desfire_select_application(&df, YN_APP_AID, dl()), 0);
	assert_int_equal(yn_desfire_auth_ev2_first(&df, YN_KEY_CREDIT, key, dl()), 0);
	assert_int_equal(yn_desfire_write_data(&df, YN_DESFIRE_FULL, YN_FILE_HOLDER, 0, rec,
					       YN_HOLDER_LEN, dl()), 0);
	yn_desfire_reset(&df);
}

static void read_record(struct yn_reader *rd, const uint8_t uid[7], uint8_t *rec)
{
	struct yn_desfire df;
	uint8_t key[16];
	size_t n = 0;

	yn_desfire_init(&df, rd);
	assert_int_equal(yn_keyset_card_key(&F->ks, YN_KEY_READ, uid, key), 0);
	assert_int_equal(yn_desfire_select_application(&df, YN_APP_AID, dl()), 0);
	assert_int_equal(yn_desfire_auth_ev2_first(&df, YN_KEY_READ, key, dl()), 0);
	assert_int_equal(yn_desfire_read_data(&df, YN_DESFIRE_FULL, YN_FILE_HOLDER, 0,
					      YN_HOLDER_LEN, rec, YN_HOLDER_LEN, &n, dl()), 0);
	assert_int_equal(n, YN_HOLDER_LEN);
	yn_desfire_reset(&df);
}

static void test_inspect_one_byte_changed_is_forged(void **state)
{
	struct yn_issue_req req = make_req(0);
	struct yn_issue_report rep;
	struct yn_inspect in;
	struct yn_reader *rd;
	uint8_t rec[YN_HOLDER_LEN];
	char path[600], *json;

	(void)state;
	rd = new_card("card-forged", uid_a, path, sizeof(path));
	assert_int_equal(yn_issue_card(rd, &F->ks, &req, &rep), 0);
	read_record(rd, uid_a, rec);
	/* a byte of the serial (record offset 1..8, card-format.md §5.2): 1 -> 257 */
	rec[7] ^= 0x01;
	write_record(rd, uid_a, rec);
	inspect(rd, &F->ks, &in);
	assert_int_equal(in.sig, YN_INSPECT_FORGED);
	json = yn_inspect_json(&in, LATER);
	assert_non_null(strstr(json, "\"signature\": \"forged\""));
	assert_non_null(strstr(json, "\"valid_today\": false"));
	free(json);
	/* a flipped signature bit too */
	rec[7] ^= 0x01;
	rec[YN_HOLDER_REC_LEN + 5] ^= 0x80;
	write_record(rd, uid_a, rec);
	inspect(rd, &F->ks, &in);
	assert_int_equal(in.sig, YN_INSPECT_FORGED);
	/* and the issue desk does not take it for an issued card */
	req = make_req(0);
	req.resume = 1;
	assert_int_equal(yn_issue_card(rd, &F->ks, &req, &rep), 0);
	assert_int_equal(rep.found, YN_ISSUE_RECORD_BAD);
	inspect(rd, &F->ks, &in);
	assert_int_equal(in.sig, YN_INSPECT_VALID);
	yn_reader_close(rd);
}

static void test_inspect_signed_by_other_issuer(void **state)
{
	struct yn_issue_req req = make_req(0);
	struct yn_issue_report rep;
	struct yn_inspect in;
	struct yn_reader *rd;
	struct yn_holder h;
	uint8_t rec[YN_HOLDER_LEN];
	const char *why = NULL;
	char path[600];
	size_t n = 0;

	(void)state;
	rd = new_card("card-other", uid_a, path, sizeof(path));
	assert_int_equal(yn_issue_card(rd, &F->ks, &req, &rep), 0);
	read_record(rd, uid_a, rec);
	assert_int_equal(yn_holder_decode(rec, sizeof(rec), &h, &why), 0);
	/* the same record, signed with another deployment's issuer key */
	assert_int_equal(yn_holder_sign(&h, F->ks2.issuer_priv, &why), 0);
	assert_int_equal(yn_holder_encode(&h, rec, sizeof(rec), &n, &why), 0);
	write_record(rd, uid_a, rec);
	inspect(rd, &F->ks, &in);
	assert_int_equal(in.sig, YN_INSPECT_UNKNOWN_ISSUER);
	/* the right key id but another key's signature: forged */
	assert_int_equal(yn_pubkey_id(F->ks.issuer_pub, h.issuer_key_id), 0);
	assert_int_equal(yn_holder_encode(&h, rec, sizeof(rec), &n, &why), 0);
	write_record(rd, uid_a, rec);
	inspect(rd, &F->ks, &in);
	assert_int_equal(in.sig, YN_INSPECT_FORGED);
	yn_reader_close(rd);
}

static void test_inspect_record_copied_to_other_card(void **state)
{
	struct yn_issue_req req = make_req(0);
	struct yn_issue_report rep;
	struct yn_inspect in;
	struct yn_reader *ra, *rb;
	uint8_t rec[YN_HOLDER_LEN];
	char pa[600], pb[600], *text;

	(void)state;
	ra = new_card("card-copy-a", uid_a, pa, sizeof(pa));
	rb = new_card("card-copy-b", uid_b, pb, sizeof(pb));
	assert_int_equal(yn_issue_card(ra, &F->ks, &req, &rep), 0);
	req = make_req(0);
	assert_int_equal(yn_issue_card(rb, &F->ks, &req, &rep), 0);
	assert_int_equal(rep.serial, 2);
	read_record(ra, uid_a, rec);
	write_record(rb, uid_b, rec);
	inspect(rb, &F->ks, &in);
	assert_int_equal(in.sig, YN_INSPECT_WRONG_CARD);
	text = yn_inspect_text(&in, LATER);
	assert_non_null(strstr(text, "WRONG CARD"));
	free(text);
	yn_reader_close(ra);
	yn_reader_close(rb);
}

static void test_inspect_blank_card_not_issued(void **state)
{
	struct yn_inspect in;
	struct yn_reader *rd;
	char path[600];

	(void)state;
	rd = new_card("card-blank", uid_a, path, sizeof(path));
	inspect(rd, &F->ks, &in);
	assert_int_equal(in.sig, YN_INSPECT_NOT_ISSUED);
	assert_int_equal(in.app_present, 0);
	assert_true(in.have_version);
	yn_reader_close(rd);
}

/* Trips written by a gate and a meal by a canteen show up decoded, newest
 * trip first. */
static void test_inspect_trips_newest_first_and_benefit(void **state)
{
	struct yn_issue_req req = make_req(2);
	struct yn_issue_report rep;
	struct yn_inspect in;
	struct yn_reader *rd;
	struct yn_desfire df;
	struct yn_triprec t;
	struct yn_benefitrec b;
	uint8_t key[16], buf[32];
	const char *why = NULL;
	char path[600], *text, *json;
	size_t n = 0;
	unsigned i;

	(void)state;
	rd = new_card("card-trips", uid_a, path, sizeof(path));
	assert_int_equal(yn_issue_card(rd, &F->ks, &req, &rep), 0);
	yn_desfire_init(&df, rd);
	assert_int_equal(yn_keyset_card_key(&F->ks, YN_KEY_TRIP, uid_a, key), 0);
	assert_int_equal(yn_desfire_select_application(&df, YN_APP_AID, dl()), 0);
	assert_int_equal(yn_desfire_auth_ev2_first(&df, YN_KEY_TRIP, key, dl()), 0);
	for (i = 0; i < 3; i++) {
		memset(&t, 0, sizeof(t));
		t.kind = i == 2 ? YN_TRIPREC_METRO_EXIT : YN_TRIPREC_METRO_ENTRY;
		t.time = (uint32_t)(LATER + 600 * i);
		t.line = 1;
		t.station = (uint16_t)(10 + i);
		t.terminal = 0xC0FFEE00u + i;
		assert_int_equal(yn_triprec_encode(&t, buf, sizeof(buf), &n, &why), 0);
		assert_int_equal(yn_desfire_write_record(&df, YN_DESFIRE_MAC, YN_FILE_TRIPLOG, 0, buf,
							 n, dl()), 0);
		assert_int_equal(yn_desfire_commit(&df, YN_DESFIRE_MAC, dl()), 0);
	}
	memset(&b, 0, sizeof(b));
	b.last_meal = 20261205;
	b.meals_on_last = 1;
	b.meal_count = 3;
	b.subsidy_total = 4500;
	assert_int_equal(yn_benefitrec_encode(&b, buf, sizeof(buf), &n, &why), 0);
	assert_int_equal(yn_keyset_card_key(&F->ks, YN_KEY_DEBIT, uid_a, key), 0);
	assert_int_equal(yn_desfire_auth_ev2_first(&df, YN_KEY_DEBIT, key, dl()), 0);
	assert_int_equal(yn_desfire_write_data(&df, YN_DESFIRE_MAC, YN_FILE_BENEFIT, 0, buf, n,
					       dl()), 0);
	assert_int_equal(yn_desfire_debit(&df, YN_DESFIRE_MAC, YN_FILE_PURSE, 1, dl()), 0);
	assert_int_equal(yn_desfire_commit(&df, YN_DESFIRE_MAC, dl()), 0);
	yn_desfire_reset(&df);

	inspect(rd, &F->ks, &in);
	assert_int_equal(in.sig, YN_INSPECT_VALID);
	assert_int_equal(in.n_trips, 3);
	assert_int_equal(in.trips[0].kind, YN_TRIPREC_METRO_EXIT);
	assert_int_equal(in.trips[0].station, 12);
	assert_int_equal(in.trips[2].station, 10);
	assert_int_equal(in.benefit.meal_count, 3);
	assert_int_equal(in.benefit.last_meal, 20261205);
	assert_int_equal(in.purse, 1);
	text = yn_inspect_text(&in, LATER);
	assert_non_null(strstr(text, "Trips            3 (newest first)"));
	assert_non_null(strstr(text, "2026-12-05 10:20  metro exit"));
	assert_non_null(strstr(text, "45.00 yuan"));
	free(text);
	json = yn_inspect_json(&in, LATER);
	assert_non_null(strstr(json, "\"kind\": \"metro_exit\""));
	assert_non_null(strstr(json, "\"meal_count\": 3"));
	assert_non_null(strstr(json, "\"last_meal\": \"2026-12-05\""));
	free(json);
	/* a re-issue attempt sees an issued card, trips and all */
	req = make_req(2);
	assert_int_equal(yn_issue_card(rd, &F->ks, &req, &rep), YN_EEXIST);
	yn_reader_close(rd);
}

/* ---- tearing ---- */

/* Commands of a clean issuance (the sweep's length). */
static unsigned clean_issue_commands(void)
{
	struct yn_issue_req req = make_req(5);
	struct yn_issue_report rep;
	struct yn_reader *rd;
	char path[600];
	unsigned n;

	rd = new_card("card-count", uid_a, path, sizeof(path));
	assert_int_equal(yn_issue_card(rd, &F->ks, &req, &rep), 0);
	n = yn_emu_command_count(yn_reader_emu_card(rd));
	assert_int_equal(n, rep.apdus);
	yn_reader_close(rd);
	return n;
}

static void test_issue_torn_at_every_command_then_resume(void **state)
{
	unsigned total, n, resumed = 0, blank_again = 0;
	struct yn_issue_report rep, rep2;
	struct yn_issue_req req;
	struct yn_inspect in;
	struct yn_reader *rd;
	char path[600];
	int r;

	(void)state;
	total = clean_issue_commands();
	for (n = 1; n <= total; n++) {
		setup(NULL);
		rd = new_card("card-tear", uid_a, path, sizeof(path));
		req = make_req(5);
		yn_emu_tear_after(yn_reader_emu_card(rd), n);
		r = yn_issue_card(rd, &F->ks, &req, &rep);
		assert_int_equal(r, YN_ECARDGONE);
		/* torn while surveying: nothing written; later: resume */
		if (strcmp(rep.step, "survey") == 0)
			assert_non_null(strstr(rep.msg, "nothing was written"));
		else
			assert_non_null(strstr(rep.msg, "--resume"));
		assert_int_equal(yn_reader_wait_card(rd, dl()), 0);
		/* a torn card is never taken for a valid one unless the record
		 * is complete and verifies */
		inspect(rd, &F->ks, &in);
		if (in.sig == YN_INSPECT_VALID) {
			assert_int_equal(in.purse, 5);
			assert_int_equal(in.holder.serial, 1);
		} else {
			assert_int_equal(in.sig, YN_INSPECT_NOT_ISSUED);
		}
		/* without --resume: refused, card unchanged (or blank: issued) */
		{
			SNAP(path);
			req = make_req(5);
			r = yn_issue_card(rd, &F->ks, &req, &rep2);
			if (rep2.found == YN_ISSUE_BLANK) {
				assert_int_equal(r, 0);
				blank_again++;
			} else {
				assert_int_equal(r, YN_EEXIST);
				UNCHANGED(path);
				req.resume = 1;
				assert_int_equal(yn_issue_card(rd, &F->ks, &req, &rep2), 0);
				resumed++;
			}
		}
		inspect(rd, &F->ks, &in);
		assert_int_equal(in.sig, YN_INSPECT_VALID);
		assert_int_equal(in.purse, 5);
		assert_int_equal(in.holder.serial, 1);	/* the same serial on resume */
		yn_reader_close(rd);
	}
	print_message("tear sweep: %u commands, %u resumed, %u blank after the tear\n", total,
		      resumed, blank_again);
	assert_true(resumed > 0);
}

static void test_issue_torn_inside_writes_then_resume(void **state)
{
	struct yn_issue_report rep;
	struct yn_issue_req req;
	struct yn_inspect in;
	struct yn_reader *rd;
	char path[600];
	unsigned w, writes;
	int r;

	(void)state;
	rd = new_card("card-wcount", uid_a, path, sizeof(path));
	req = make_req(5);
	assert_int_equal(yn_issue_card(rd, &F->ks, &req, &rep), 0);
	writes = yn_emu_write_count(yn_reader_emu_card(rd));
	yn_reader_close(rd);
	assert_true(writes > 0);
	for (w = 1; w <= writes; w++) {
		setup(NULL);
		rd = new_card("card-wtear", uid_a, path, sizeof(path));
		req = make_req(5);
		yn_emu_tear_in_write(yn_reader_emu_card(rd), w, 7);
		r = yn_issue_card(rd, &F->ks, &req, &rep);
		assert_int_equal(r, YN_ECARDGONE);
		assert_int_equal(yn_reader_wait_card(rd, dl()), 0);
		inspect(rd, &F->ks, &in);
		assert_true(in.sig == YN_INSPECT_NOT_ISSUED || in.sig == YN_INSPECT_MALFORMED ||
			    in.sig == YN_INSPECT_FORGED || in.sig == YN_INSPECT_VALID);
		req.resume = 1;
		r = yn_issue_card(rd, &F->ks, &req, &rep);
		assert_int_equal(r, 0);
		inspect(rd, &F->ks, &in);
		assert_int_equal(in.sig, YN_INSPECT_VALID);
		assert_int_equal(in.purse, 5);
		yn_reader_close(rd);
	}
}

/* ---- refusals: the card stays as it was ---- */

static void test_issue_refuses_card_with_other_application(void **state)
{
	static const uint8_t zero[16];
	struct yn_issue_req req = make_req(0);
	struct yn_issue_report rep;
	struct yn_desfire df;
	struct yn_reader *rd;
	char path[600];

	(void)state;
	rd = new_card("card-otherapp", uid_a, path, sizeof(path));
	yn_desfire_init(&df, rd);
	assert_int_equal(yn_desfire_select_application(&df, 0, dl()), 0);
	assert_int_equal(yn_desfire_auth_ev2_first(&df, 0, zero, dl()), 0);
	assert_int_equal(yn_desfire_create_application(&df, YN_DESFIRE_MAC, 0x534531, 0x0B, 0x81,
						       dl()), 0);
	yn_desfire_reset(&df);
	{
		SNAP(path);
		req.resume = 1;	/* not ours: --resume does not help */
		assert_int_equal(yn_issue_card(rd, &F->ks, &req, &rep), YN_EEXIST);
		assert_int_equal(rep.found, YN_ISSUE_FOREIGN);
		assert_non_null(strstr(rep.msg, "another application"));
		UNCHANGED(path);
	}
	/* no serial was used up by the refusal */
	{
		uint8_t u[7];

		assert_int_equal(yn_serial_lookup(F->serials, 1, u, NULL, 0), YN_ENOENT);
	}
	yn_reader_close(rd);
}

static void test_issue_refuses_changed_picc_key(void **state)
{
	static const uint8_t zero[16];
	static const uint8_t other[16] = { 1, 2, 3 };
	struct yn_issue_req req = make_req(0);
	struct yn_issue_report rep;
	struct yn_desfire df;
	struct yn_reader *rd;
	char path[600];

	(void)state;
	rd = new_card("card-picc", uid_a, path, sizeof(path));
	yn_desfire_init(&df, rd);
	assert_int_equal(yn_desfire_select_application(&df, 0, dl()), 0);
	assert_int_equal(yn_desfire_auth_ev2_first(&df, 0, zero, dl()), 0);
	assert_int_equal(yn_desfire_change_key(&df, 0x80, other, 1, NULL, dl()), 0);
	yn_desfire_reset(&df);
	{
		SNAP(path);
		assert_int_equal(yn_issue_card(rd, &F->ks, &req, &rep), YN_EEXIST);
		assert_int_equal(rep.found, YN_ISSUE_FOREIGN);
		assert_non_null(strstr(rep.msg, "PICC master key"));
		UNCHANGED(path);
	}
	yn_reader_close(rd);
}

static void test_issue_refuses_issued_card(void **state)
{
	struct yn_issue_req req = make_req(2);
	struct yn_issue_report rep;
	struct yn_reader *rd;
	char path[600];

	(void)state;
	rd = new_card("card-issued", uid_a, path, sizeof(path));
	assert_int_equal(yn_issue_card(rd, &F->ks, &req, &rep), 0);
	{
		SNAP(path);
		req = make_req(2);
		assert_int_equal(yn_issue_card(rd, &F->ks, &req, &rep), YN_EEXIST);
		assert_int_equal(rep.found, YN_ISSUE_ISSUED);
		assert_non_null(strstr(rep.msg, "already an issued"));
		UNCHANGED(path);
		/* --resume with another holder's serial is refused too */
		req.resume = 1;
		req.holder.serial = 99;
		assert_int_equal(yn_issue_card(rd, &F->ks, &req, &rep), YN_EEXIST);
		UNCHANGED(path);
		/* --resume of the run that wrote it: already complete */
		req.holder.serial = 0;
		assert_int_equal(yn_issue_card(rd, &F->ks, &req, &rep), 0);
		assert_int_equal(rep.already, 1);
		assert_int_equal(rep.serial, 1);
		UNCHANGED(path);
	}
	yn_reader_close(rd);
}

static void test_issue_refuses_wrong_key_set_on_half_issued(void **state)
{
	struct yn_issue_req req = make_req(0);
	struct yn_issue_report rep;
	struct yn_reader *rd;
	char path[600];

	(void)state;
	rd = new_card("card-wrongks", uid_a, path, sizeof(path));
	/* past the key changes (commands 1..~16), before the files */
	yn_emu_tear_after(yn_reader_emu_card(rd), 24);
	assert_int_equal(yn_issue_card(rd, &F->ks, &req, &rep), YN_ECARDGONE);
	assert_int_equal(yn_reader_wait_card(rd, dl()), 0);
	{
		SNAP(path);
		req.resume = 1;
		assert_int_equal(yn_issue_card(rd, &F->ks2, &req, &rep), YN_EEXIST);
		assert_int_equal(rep.found, YN_ISSUE_FOREIGN);
		assert_non_null(strstr(rep.msg, "wrong key set"));
		UNCHANGED(path);
	}
	yn_reader_close(rd);
}

static void test_issue_refuses_terminal_key_set(void **state)
{
	struct yn_issue_req req = make_req(0);
	struct yn_issue_report rep;
	struct yn_keyset gk;
	struct yn_reader *rd;
	char path[600];

	(void)state;
	rd = new_card("card-gateks", uid_a, path, sizeof(path));
	assert_int_equal(yn_keyset_load(F->gate, YN_KEYROLE_GATE, &gk), 0);
	{
		SNAP(path);
		assert_int_equal(yn_issue_card(rd, &gk, &req, &rep), YN_EBADKEY);
		assert_non_null(strstr(rep.msg, "desk key set"));
		UNCHANGED(path);
	}
	yn_keyset_free(&gk);
	yn_reader_close(rd);
}

static void test_issue_refuses_bad_holder_fields(void **state)
{
	struct yn_issue_req req;
	struct yn_issue_report rep;
	struct yn_reader *rd;
	struct yn_holder h;
	char path[600], err[256];

	(void)state;
	rd = new_card("card-badholder", uid_a, path, sizeof(path));
	{
		SNAP(path);
		/* dates out of order (a struct that bypassed the JSON parser) */
		req = make_req(0);
		req.holder.not_after = 20251231;
		assert_int_equal(yn_issue_card(rd, &F->ks, &req, &rep), YN_EINVAL);
		assert_non_null(strstr(rep.msg, "not_after"));
		UNCHANGED(path);
		/* the holder file is for another card */
		req = make_req(0);
		memcpy(req.holder.uid, uid_b, 7);
		assert_int_equal(yn_issue_card(rd, &F->ks, &req, &rep), YN_EWRONGCARD);
		assert_non_null(strstr(rep.msg, "uid"));
		UNCHANGED(path);
		/* vouchers out of range */
		req = make_req(YN_PURSE_UPPER + 1);
		assert_int_equal(yn_issue_card(rd, &F->ks, &req, &rep), YN_EINVAL);
		assert_non_null(strstr(rep.msg, "vouchers"));
		UNCHANGED(path);
	}
	/* the holder file's own refusals name the field */
	{
		static const char young[] = "{\"serial\":\"5\",\"birth_date\":\"1970-01-01\","
					    "\"residency\":\"shenzhen_hukou\",\"district\":\"futian\"}";
		static const char order[] = "{\"serial\":\"5\",\"birth_date\":\"1950-01-01\","
					    "\"residency\":\"shenzhen_hukou\",\"district\":\"futian\","
					    "\"not_before\":\"2027-01-01\",\"not_after\":\"2026-12-31\"}";

		assert_int_equal(yn_holder_json_parse(young, strlen(young), NOW, &h, err,
						      sizeof(err)), YN_ERANGE);
		assert_non_null(strstr(err, "birth_date"));
		assert_int_equal(yn_holder_json_parse(order, strlen(order), NOW, &h, err,
						      sizeof(err)), YN_ERANGE);
		assert_non_null(strstr(err, "not_after"));
	}
	assert_int_not_equal(yn_holder_json_parse("{\"serial\":", 10, NOW, &h, err, sizeof(err)),
			     0);
	yn_reader_close(rd);
}

static void test_issue_refuses_serial_of_another_card(void **state)
{
	struct yn_issue_req req = make_req(0);
	struct yn_issue_report rep;
	struct yn_reader *ra, *rb;
	char pa[600], pb[600];

	(void)state;
	ra = new_card("card-ser-a", uid_a, pa, sizeof(pa));
	rb = new_card("card-ser-b", uid_b, pb, sizeof(pb));
	req.holder.serial = 500;
	assert_int_equal(yn_issue_card(ra, &F->ks, &req, &rep), 0);
	assert_int_equal(rep.serial, 500);
	{
		SNAP(pb);
		assert_int_equal(yn_issue_card(rb, &F->ks, &req, &rep), YN_EEXIST);
		assert_non_null(strstr(rep.msg, "never reused"));
		UNCHANGED(pb);
	}
	/* the allocator continues above the largest serial */
	req.holder.serial = 0;
	assert_int_equal(yn_issue_card(rb, &F->ks, &req, &rep), 0);
	assert_int_equal(rep.serial, 501);
	yn_reader_close(ra);
	yn_reader_close(rb);
}

/* ---- replacement ---- */

static void test_replace_new_serial_and_denylist_csv(void **state)
{
	struct yn_issue_req req = make_req(4);
	struct yn_issue_report rep;
	struct yn_inspect in;
	struct yn_reader *ra, *rb;
	char pa[600], pb[600], csv[600], buf[256];
	FILE *f;
	size_t n;
	int listed = 0;

	(void)state;
	snprintf(csv, sizeof(csv), "%s/deny-%s.csv", F->dir, F->serials + strlen(F->dir) + 1);
	ra = new_card("card-old", uid_a, pa, sizeof(pa));
	rb = new_card("card-new", uid_b, pb, sizeof(pb));
	assert_int_equal(yn_issue_card(ra, &F->ks, &req, &rep), 0);
	assert_int_equal(rep.serial, 1);
	req = make_req(4);
	req.holder.serial = 1;	/* the holder file still names the old serial */
	/* the old card itself is not blank: refused, nothing listed */
	assert_int_equal(yn_replace_card(ra, &F->ks, &req, 1, "lost", csv, &listed, &rep),
			 YN_EEXIST);
	assert_int_equal(listed, 0);
	assert_null(fopen(csv, "r"));
	assert_int_equal(yn_replace_card(rb, &F->ks, &req, 1, "lost", csv, &listed, &rep), 0);
	assert_int_equal(listed, 1);
	assert_int_equal(rep.serial, 2);
	inspect(rb, &F->ks, &in);
	assert_int_equal(in.sig, YN_INSPECT_VALID);
	assert_int_equal(in.holder.serial, 2);
	f = fopen(csv, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	assert_string_equal(buf, "serial,listed,reason\n1,2026-11-29,lost\n");
	/* listing the same serial again adds nothing */
	assert_int_equal(yn_denylist_csv_append(csv, 1, 20261130, "stolen", &listed, NULL, 0), 0);
	assert_int_equal(listed, 0);
	assert_int_equal(yn_denylist_csv_append(csv, 7, 20261130, "damaged", &listed, NULL, 0), 0);
	assert_int_equal(listed, 1);
	f = fopen(csv, "r");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* "damaged" is the denylist's "replaced" */
	assert_string_equal(buf, "serial,listed,reason\n1,2026-11-29,lost\n7,2026-11-30,replaced\n");
	assert_int_equal(yn_denylist_csv_append(csv, 8, 20261130, "Lost card", &listed, NULL, 0),
			 YN_EINVAL);
	assert_int_equal(yn_denylist_csv_append(csv, 8, 20261130, "broken", &listed, NULL, 0),
			 YN_EINVAL);
	assert_int_equal(listed, 0);
	yn_reader_close(ra);
	yn_reader_close(rb);
}

/* ---- batch ---- */

struct batch_ctx {
	struct yn_reader *rd[4];
	unsigned done;
};

static int present(void *ctx, size_t i, size_t n, struct yn_reader **rd)
{
	struct batch_ctx *b = ctx;

	(void)n;
	*rd = b->rd[i];
	return yn_reader_wait_card(*rd, dl());
}

static void done(void *ctx, size_t i, size_t n, int r)
{
	struct batch_ctx *b = ctx;

	(void)i;
	(void)n;
	(void)r;
	b->done++;
}

static void test_batch_issues_and_reports_failures(void **state)
{
	static const uint8_t u3[7] = { 0x04, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33 };
	static const struct yn_batch_ops ops = { .present = present, .done = done };
	struct yn_batch_summary *sum = calloc(1, sizeof(*sum));
	struct yn_issue_req tmpl = make_req(1);
	struct batch_ctx b = { 0 };
	struct yn_inspect in;
	char csv[600], p[3][600], outp[600], out[4096];
	FILE *f, *o;
	size_t n;

	(void)state;
	assert_non_null(sum);
	snprintf(csv, sizeof(csv), "%s/batch.csv", F->dir);
	snprintf(outp, sizeof(outp), "%s/batch.out", F->dir);
	f = fopen(csv, "w");
	assert_non_null(f);
	fputs("serial,birth_date,residency,district,categories,not_before,not_after,vouchers,"
	      "name\n"
	      ",1950-02-01,shenzhen_hukou,nanshan,dibao;tekun,2026-12-01,2031-11-30,3,\"Li, Wei\"\n"
	      ",1970-02-01,shenzhen_hukou,nanshan,,2026-12-01,2031-11-30,,too young\n"
	      ",1940-05-05,resident,,,,2030-01-01,,\n",
	      f);
	fclose(f);
	b.rd[0] = new_card("batch-1", uid_a, p[0], sizeof(p[0]));
	b.rd[1] = new_card("batch-2", uid_b, p[1], sizeof(p[1]));
	b.rd[2] = new_card("batch-3", u3, p[2], sizeof(p[2]));
	o = fopen(outp, "w+");
	assert_int_equal(yn_issue_batch(csv, &F->ks, &tmpl, &ops, &b, 0, o, sum), YN_ERANGE);
	rewind(o);
	n = fread(out, 1, sizeof(out) - 1, o);
	out[n] = '\0';
	fclose(o);
	print_message("%s", out);
	assert_int_equal(sum->rows, 3);
	assert_int_equal(sum->issued, 2);
	assert_int_equal(sum->failed, 1);
	assert_int_equal(sum->fail[0].row, 2);
	assert_non_null(strstr(sum->fail[0].msg, "birth_date"));
	assert_non_null(strstr(out, "[1/3] serial 1 issued"));
	assert_non_null(strstr(out, "[2/3] row 2 FAILED (no card used)"));
	assert_non_null(strstr(out, "[3/3] serial 2 issued"));
	assert_non_null(strstr(out, "summary: 3 rows, 2 issued, 1 failed"));
	assert_int_equal(b.done, 2);
	inspect(b.rd[0], &F->ks, &in);
	assert_int_equal(in.sig, YN_INSPECT_VALID);
	assert_int_equal(in.purse, 3);
	assert_int_equal(in.holder.categories, YN_HCAT_DIBAO | YN_HCAT_TEKUN);
	inspect(b.rd[2], &F->ks, &in);
	assert_int_equal(in.sig, YN_INSPECT_VALID);
	assert_int_equal(in.purse, 1);	/* the default --vouchers */
	assert_int_equal(in.holder.residency, YN_HRES_RESIDENT);
	/* the second card was never touched */
	inspect(b.rd[1], &F->ks, &in);
	assert_int_equal(in.sig, YN_INSPECT_NOT_ISSUED);
	assert_int_equal(in.app_present, 0);

	/* --stop-on-error: the same file, fresh serials, stops at row 2 */
	setup(NULL);
	tmpl = make_req(1);
	yn_reader_close(b.rd[0]);
	yn_reader_close(b.rd[2]);
	b.rd[0] = new_card("batch-1b", uid_a, p[0], sizeof(p[0]));
	b.rd[2] = new_card("batch-3b", u3, p[2], sizeof(p[2]));
	o = fopen(outp, "w+");
	assert_int_equal(yn_issue_batch(csv, &F->ks, &tmpl, &ops, &b, 1, o, sum), YN_ECANCELLED);
	fclose(o);
	assert_int_equal(sum->issued, 1);
	assert_int_equal(sum->failed, 1);
	inspect(b.rd[2], &F->ks, &in);
	assert_int_equal(in.app_present, 0);
	for (n = 0; n < 3; n++)
		yn_reader_close(b.rd[n]);
	free(sum);
}

static void test_batch_bad_header_asks_for_no_card(void **state)
{
	static const struct yn_batch_ops ops = { .present = present, .done = done };
	struct yn_batch_summary *sum = calloc(1, sizeof(*sum));
	struct yn_issue_req tmpl = make_req(0);
	struct batch_ctx b = { 0 };
	char csv[600];
	FILE *f, *o;

	(void)state;
	snprintf(csv, sizeof(csv), "%s/batch-bad.csv", F->dir);
	f = fopen(csv, "w");
	fputs("serial,birthday\n1,1950-01-01\n", f);
	fclose(f);
	o = tmpfile();
	assert_int_equal(yn_issue_batch(csv, &F->ks, &tmpl, &ops, &b, 0, o, sum), YN_EFORMAT);
	fclose(o);
	assert_int_equal(sum->rows, 0);
	free(sum);
}

static void test_batch_split_quotes(void **state)
{
	char line[] = "a,\"b,c\",\"d\"\"e\",\n";
	char bad[] = "a,\"b\n";
	char *cells[8];
	size_t n;

	(void)state;
	assert_int_equal(yn_batch_split(line, cells, 8, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(cells[0], "a");
	assert_string_equal(cells[1], "b,c");
	assert_string_equal(cells[2], "d\"e");
	assert_string_equal(cells[3], "");
	assert_int_equal(yn_batch_split(bad, cells, 8, &n), YN_EFORMAT);
}

/* ---- serial allocator ---- */

static void test_serial_alloc_rules(void **state)
{
	uint8_t u[7];
	uint64_t s = 9;
	char err[256];
	FILE *f;

	(void)state;
	assert_int_equal(yn_serial_reserve(F->serials, uid_a, 0, 0, "issue", NOW, &s, err,
					   sizeof(err)), 0);
	assert_int_equal(s, 1);
	/* reuse for the same card (resume), a new one otherwise */
	assert_int_equal(yn_serial_reserve(F->serials, uid_a, 0, 1, "issue", NOW, &s, err,
					   sizeof(err)), 0);
	assert_int_equal(s, 1);
	assert_int_equal(yn_serial_reserve(F->serials, uid_a, 0, 0, "issue", NOW, &s, err,
					   sizeof(err)), 0);
	assert_int_equal(s, 2);
	assert_int_equal(yn_serial_reserve(F->serials, uid_b, 1, 0, "issue", NOW, &s, err,
					   sizeof(err)), YN_EEXIST);
	assert_int_equal(s, 0);
	assert_non_null(strstr(err, "04112233445566"));
	assert_int_equal(yn_serial_lookup(F->serials, 2, u, err, sizeof(err)), 0);
	assert_memory_equal(u, uid_a, 7);
	assert_int_equal(yn_serial_lookup(F->serials, 3, u, err, sizeof(err)), YN_ENOENT);
	assert_int_equal(yn_serial_reserve(F->serials, uid_b, 0, 0, "bad note", NOW, &s, err,
					   sizeof(err)), YN_EINVAL);
	/* a damaged line is refused, not skipped */
	f = fopen(F->serials, "a");
	fputs("17 nothex 2026-01-01 issue\n", f);
	fclose(f);
	assert_int_equal(yn_serial_reserve(F->serials, uid_b, 0, 0, "issue", NOW, &s, err,
					   sizeof(err)), YN_ECORRUPT);
	assert_non_null(strstr(err, "line 3"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_issue_then_inspect_every_field, setup),
		cmocka_unit_test_setup(test_inspect_gate_keys_reads_what_it_can, setup),
		cmocka_unit_test_setup(test_inspect_one_byte_changed_is_forged, setup),
		cmocka_unit_test_setup(test_inspect_signed_by_other_issuer, setup),
		cmocka_unit_test_setup(test_inspect_record_copied_to_other_card, setup),
		cmocka_unit_test_setup(test_inspect_blank_card_not_issued, setup),
		cmocka_unit_test_setup(test_inspect_trips_newest_first_and_benefit, setup),
		cmocka_unit_test_setup(test_issue_torn_at_every_command_then_resume, setup),
		cmocka_unit_test_setup(test_issue_torn_inside_writes_then_resume, setup),
		cmocka_unit_test_setup(test_issue_refuses_card_with_other_application, setup),
		cmocka_unit_test_setup(test_issue_refuses_changed_picc_key, setup),
		cmocka_unit_test_setup(test_issue_refuses_issued_card, setup),
		cmocka_unit_test_setup(test_issue_refuses_wrong_key_set_on_half_issued, setup),
		cmocka_unit_test_setup(test_issue_refuses_terminal_key_set, setup),
		cmocka_unit_test_setup(test_issue_refuses_bad_holder_fields, setup),
		cmocka_unit_test_setup(test_issue_refuses_serial_of_another_card, setup),
		cmocka_unit_test_setup(test_replace_new_serial_and_denylist_csv, setup),
		cmocka_unit_test_setup(test_batch_issues_and_reports_failures, setup),
		cmocka_unit_test_setup(test_batch_bad_header_asks_for_no_card, setup),
		cmocka_unit_test(test_batch_split_quotes),
		cmocka_unit_test_setup(test_serial_alloc_rules, setup),
	};

	yn_log_set_level(2);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
