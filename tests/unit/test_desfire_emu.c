/*
 * The terminal DESFire layer against the software card (card/emu), in
 * process through an emu: reader URI: every command in every mode it is
 * used in, and the errors a desk or gate meets (wrong key, permission
 * denied, boundary error, file not found, integrity error, session dropped
 * after an error).  Both sides were written independently from desfire.md.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/err.h"
#include "card/desfire.h"
#include "card/emu/emu.h"
#include "crypto/crypto.h"
#include "reader/reader.h"
#include "tests/lib/testlib.h"

#define AID 0x594E01
#define F_STD 0		/* holder record: std, Full, R 1 W 4 RW 0 CAR 0 */
#define F_LOG 1		/* trip log: cyclic, MAC, R 1 W 2 RW 0 CAR 0 */
#define F_STATE 2	/* benefit state: backup, MAC, R 1 W 3 RW 0 CAR 0 */
#define F_PURSE 3	/* purse: value, MAC, R 1 W 3 RW 4 CAR 0 */
#define F_PLAIN 4	/* free-read std file, plain */
#define F_PURSE2 5	/* value, Full, R 1 W 3 RW 4 CAR 0 */

struct rig {
	char *dir;
	char path[512];
	struct yn_reader *rd;
	struct yn_desfire df;
	uint8_t keys[5][16];
};

static const uint8_t uid7[7] = { 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };
static const uint8_t zero[16];

static uint64_t dl(void)
{
	return yn_deadline_in_ms(5000);
}

static int setup(void **state)
{
	struct rig *g = calloc(1, sizeof(*g));
	char uri[600];
	int i;

	assert_non_null(g);
	g->dir = yn_test_tmpdir();
	assert_non_null(g->dir);
	snprintf(g->path, sizeof(g->path), "%s/card", g->dir);
	assert_int_equal(yn_emu_create_file(g->path, uid7, sizeof(uid7)), 0);
	snprintf(uri, sizeof(uri), "emu:%s", g->path);
	assert_int_equal(yn_reader_open(uri, &g->rd), 0);
	assert_int_equal(yn_reader_wait_card(g->rd, dl()), 0);
	yn_desfire_init(&g->df, g->rd);
	/* key 0 stays as created (all zeros); keys 1..4 get set by issue() */
	for (i = 1; i < 5; i++)
		memset(g->keys[i], 0x10 * i, 16);
	*state = g;
	return 0;
}

static int teardown(void **state)
{
	struct rig *g = *state;

	yn_desfire_reset(&g->df);
	yn_reader_close(g->rd);
	yn_test_rmtree(g->dir);
	free(g->dir);
	free(g);
	return 0;
}

/* Issue the card: application, keys 1..4, five files. */
static void issue(struct rig *g)
{
	struct yn_desfire *df = &g->df;
	uint32_t aids[4];
	size_t n = 9;
	uint8_t ver = 9, k;

	assert_int_equal(yn_desfire_select_application(df, 0, dl()), 0);
	assert_int_equal(yn_desfire_auth_ev2_first(df, 0, zero, dl()), 0);
	assert_int_equal(yn_desfire_get_application_ids(df, YN_DESFIRE_MAC, aids, 4, &n, dl()), 0);
	assert_int_equal(n, 0);
	assert_int_equal(yn_desfire_create_application(df, YN_DESFIRE_MAC, AID, 0x0B, 0x85, dl()),
			 0);
	assert_int_equal(yn_desfire_get_application_ids(df, YN_DESFIRE_MAC, aids, 4, &n, dl()), 0);
	assert_int_equal(n, 1);
	assert_int_equal(aids[0], AID);
	assert_int_equal(yn_desfire_select_application(df, AID, dl()), 0);
	assert_int_equal(yn_desfire_auth_ev2_first(df, 0, zero, dl()), 0);
	for (k = 1; k <= 4; k++)
		assert_int_equal(yn_desfire_change_key(df, k, g->keys[k], 1, zero, dl()), 0);
	assert_true(yn_desfire_is_authenticated(df));
	assert_int_equal(yn_desfire_get_key_version(df, YN_DESFIRE_MAC, 3, &ver, dl()), 0);
	assert_int_equal(ver, 1);
	assert_int_equal(yn_desfire_create_std_file(df, YN_DESFIRE_MAC, F_STD, YN_DESFIRE_FULL,
						    YN_DESFIRE_AR(1, 4, 0, 0), 256, dl()),
			 0);
	assert_int_equal(yn_desfire_create_cyclic_file(df, YN_DESFIRE_MAC, F_LOG, YN_DESFIRE_MAC,
						       YN_DESFIRE_AR(1, 2, 0, 0), 16, 4, dl()),
			 0);
	assert_int_equal(yn_desfire_create_backup_file(df, YN_DESFIRE_MAC, F_STATE, YN_DESFIRE_MAC,
						       YN_DESFIRE_AR(1, 3, 0, 0), 32, dl()),
			 0);
	assert_int_equal(yn_desfire_create_value_file(df, YN_DESFIRE_MAC, F_PURSE, YN_DESFIRE_MAC,
						      YN_DESFIRE_AR(1, 3, 4, 0), 0, 10000, 0, 1,
						      dl()),
			 0);
	assert_int_equal(yn_desfire_create_std_file(df, YN_DESFIRE_MAC, F_PLAIN, YN_DESFIRE_PLAIN,
						    YN_DESFIRE_AR(0xE, 0, 0, 0), 64, dl()),
			 0);
	assert_int_equal(yn_desfire_create_value_file(df, YN_DESFIRE_MAC, F_PURSE2, YN_DESFIRE_FULL,
						      YN_DESFIRE_AR(1, 3, 4, 0), -100, 10000, 50, 0,
						      dl()),
			 0);
}

static void auth(struct rig *g, uint8_t k)
{
	assert_int_equal(yn_desfire_auth_ev2_first(&g->df, k, g->keys[k], dl()), 0);
}

static void test_emu_issue_and_inspect(void **state)
{
	struct rig *g = *state;
	struct yn_desfire *df = &g->df;
	struct yn_desfire_file_settings fs;
	struct yn_desfire_version v;
	uint8_t ids[32], ks1 = 0, ks2 = 0, u[10];
	size_t n = 0;

	assert_int_equal(yn_desfire_get_version(df, YN_DESFIRE_PLAIN, &v, dl()), 0);
	assert_int_equal(v.hw[0], 0x04);
	assert_int_equal(v.hw[1], 0x01);
	issue(g);
	assert_int_equal(yn_desfire_get_file_ids(df, YN_DESFIRE_MAC, ids, sizeof(ids), &n, dl()),
			 0);
	assert_int_equal(n, 6);
	assert_int_equal(yn_desfire_get_key_settings(df, YN_DESFIRE_MAC, &ks1, &ks2, dl()), 0);
	assert_int_equal(ks1, 0x0B);
	assert_int_equal(ks2 & 0x0F, 5);
	assert_int_equal(yn_desfire_get_file_settings(df, YN_DESFIRE_MAC, F_STD, &fs, dl()), 0);
	assert_int_equal(fs.type, YN_DESFIRE_FILE_STD);
	assert_int_equal(fs.comm, YN_DESFIRE_FULL);
	assert_int_equal(fs.access, YN_DESFIRE_AR(1, 4, 0, 0));
	assert_int_equal(fs.size, 256);
	assert_int_equal(yn_desfire_get_file_settings(df, YN_DESFIRE_MAC, F_PURSE, &fs, dl()), 0);
	assert_int_equal(fs.type, YN_DESFIRE_FILE_VALUE);
	assert_int_equal(fs.upper, 10000);
	assert_int_equal(yn_desfire_get_file_settings(df, YN_DESFIRE_MAC, F_LOG, &fs, dl()), 0);
	assert_int_equal(fs.type, YN_DESFIRE_FILE_CYCLIC);
	assert_int_equal(fs.record_size, 16);
	assert_int_equal(fs.max_records, 4);
	assert_int_equal(yn_desfire_get_card_uid(df, u, &n, dl()), 0);
	assert_int_equal(n, 7);
	assert_memory_equal(u, uid7, 7);
	assert_int_equal(yn_desfire_get_version(df, YN_DESFIRE_MAC, &v, dl()), 0);
	assert_memory_equal(v.uid, uid7, 7);
}

/* Data in every mode and both INS families, long enough to chain. */
static void test_emu_data_all_modes(void **state)
{
	struct rig *g = *state;
	struct yn_desfire *df = &g->df;
	uint8_t data[256], out[256];
	size_t i, n = 0;
	int iso;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 1);
	issue(g);
	for (iso = 0; iso <= 1; iso++) {
		df->ins_set = iso ? YN_DESFIRE_INS_ISO : YN_DESFIRE_INS_NATIVE;
		data[0] = (uint8_t)iso;
		auth(g, 4);
		assert_int_equal(yn_desfire_write_data(df, YN_DESFIRE_FULL, F_STD, 0, data, 256,
						       dl()),
				 0);
		auth(g, 1);
		memset(out, 0, sizeof(out));
		assert_int_equal(yn_desfire_read_data(df, YN_DESFIRE_FULL, F_STD, 0, 256, out,
						      sizeof(out), &n, dl()),
				 0);
		assert_int_equal(n, 256);
		assert_memory_equal(out, data, 256);
		assert_int_equal(yn_desfire_read_data(df, YN_DESFIRE_FULL, F_STD, 10, 25, out,
						      sizeof(out), &n, dl()),
				 0);
		assert_memory_equal(out, data + 10, 25);
		/* backup file: MAC mode, committed */
		auth(g, 3);
		assert_int_equal(yn_desfire_write_data(df, YN_DESFIRE_MAC, F_STATE, 0, data + 1, 32,
						       dl()),
				 0);
		assert_int_equal(yn_desfire_commit(df, YN_DESFIRE_MAC, dl()), 0);
		auth(g, 1);
		assert_int_equal(yn_desfire_read_data(df, YN_DESFIRE_MAC, F_STATE, 0, 32, out,
						      sizeof(out), &n, dl()),
				 0);
		assert_memory_equal(out, data + 1, 32);
		/* whole file with length 0 */
		assert_int_equal(yn_desfire_read_data(df, YN_DESFIRE_MAC, F_STATE, 0, 0, out,
						      sizeof(out), &n, dl()),
				 0);
		assert_int_equal(n, 32);
	}
	/* a plain free-read file, without a session, chained by 54-byte frames */
	df->ins_set = YN_DESFIRE_INS_NATIVE;
	auth(g, 0);
	assert_int_equal(yn_desfire_write_data(df, YN_DESFIRE_PLAIN, F_PLAIN, 0, data, 64, dl()), 0);
	assert_int_equal(yn_desfire_select_application(df, AID, dl()), 0);
	assert_int_equal(yn_desfire_read_data(df, YN_DESFIRE_PLAIN, F_PLAIN, 0, 64, out, sizeof(out),
					      &n, dl()),
			 0);
	assert_memory_equal(out, data, 64);
}

static void test_emu_backup_uncommitted_is_not_visible(void **state)
{
	struct rig *g = *state;
	struct yn_desfire *df = &g->df;
	uint8_t a[32], b[32], out[32];
	size_t n = 0;

	memset(a, 0xAA, sizeof(a));
	memset(b, 0xBB, sizeof(b));
	issue(g);
	auth(g, 3);
	assert_int_equal(yn_desfire_write_data(df, YN_DESFIRE_MAC, F_STATE, 0, a, 32, dl()), 0);
	assert_int_equal(yn_desfire_commit(df, YN_DESFIRE_MAC, dl()), 0);
	assert_int_equal(yn_desfire_write_data(df, YN_DESFIRE_MAC, F_STATE, 0, b, 32, dl()), 0);
	assert_int_equal(yn_desfire_abort(df, YN_DESFIRE_MAC, dl()), 0);
	auth(g, 1);
	assert_int_equal(yn_desfire_read_data(df, YN_DESFIRE_MAC, F_STATE, 0, 32, out, sizeof(out),
					      &n, dl()),
			 0);
	assert_memory_equal(out, a, 32);
}

static void test_emu_value_file(void **state)
{
	struct rig *g = *state;
	struct yn_desfire *df = &g->df;
	int32_t v = -1;

	issue(g);
	auth(g, 4);
	assert_int_equal(yn_desfire_credit(df, YN_DESFIRE_MAC, F_PURSE, 100, dl()), 0);
	assert_int_equal(yn_desfire_commit(df, YN_DESFIRE_MAC, dl()), 0);
	assert_int_equal(yn_desfire_get_value(df, YN_DESFIRE_MAC, F_PURSE, &v, dl()), 0);
	assert_int_equal(v, 100);
	auth(g, 3);
	assert_int_equal(yn_desfire_debit(df, YN_DESFIRE_MAC, F_PURSE, 30, dl()), 0);
	/* uncommitted: GetValue still shows the committed value */
	assert_int_equal(yn_desfire_get_value(df, YN_DESFIRE_MAC, F_PURSE, &v, dl()), 0);
	assert_int_equal(v, 100);
	assert_int_equal(yn_desfire_commit(df, YN_DESFIRE_MAC, dl()), 0);
	assert_int_equal(yn_desfire_get_value(df, YN_DESFIRE_MAC, F_PURSE, &v, dl()), 0);
	assert_int_equal(v, 70);
	/* LimitedCredit refunds the last committed debit, once */
	assert_int_equal(yn_desfire_limited_credit(df, YN_DESFIRE_MAC, F_PURSE, 30, dl()), 0);
	assert_int_equal(yn_desfire_commit(df, YN_DESFIRE_MAC, dl()), 0);
	assert_int_equal(yn_desfire_get_value(df, YN_DESFIRE_MAC, F_PURSE, &v, dl()), 0);
	assert_int_equal(v, 100);
	/* a Full-mode purse, with a negative lower limit */
	assert_int_equal(yn_desfire_get_value(df, YN_DESFIRE_FULL, F_PURSE2, &v, dl()), 0);
	assert_int_equal(v, 50);
	assert_int_equal(yn_desfire_debit(df, YN_DESFIRE_FULL, F_PURSE2, 120, dl()), 0);
	assert_int_equal(yn_desfire_commit(df, YN_DESFIRE_MAC, dl()), 0);
	assert_int_equal(yn_desfire_get_value(df, YN_DESFIRE_FULL, F_PURSE2, &v, dl()), 0);
	assert_int_equal(v, -70);
	auth(g, 4);
	assert_int_equal(yn_desfire_credit(df, YN_DESFIRE_FULL, F_PURSE2, 20, dl()), 0);
	assert_int_equal(yn_desfire_abort(df, YN_DESFIRE_MAC, dl()), 0);
	assert_int_equal(yn_desfire_get_value(df, YN_DESFIRE_FULL, F_PURSE2, &v, dl()), 0);
	assert_int_equal(v, -70);
}

static void test_emu_records(void **state)
{
	struct rig *g = *state;
	struct yn_desfire *df = &g->df;
	uint8_t rec[16], out[64];
	size_t n = 0;
	int i;

	issue(g);
	auth(g, 2);
	for (i = 1; i <= 3; i++) {
		memset(rec, i, sizeof(rec));
		assert_int_equal(yn_desfire_write_record(df, YN_DESFIRE_MAC, F_LOG, 0, rec, 16, dl()),
				 0);
		assert_int_equal(yn_desfire_commit(df, YN_DESFIRE_MAC, dl()), 0);
	}
	auth(g, 1);
	assert_int_equal(yn_desfire_read_records(df, YN_DESFIRE_MAC, F_LOG, 0, 0, out, sizeof(out),
						 &n, dl()),
			 0);
	assert_int_equal(n, 48);
	assert_int_equal(out[0], 1);	/* oldest first */
	assert_int_equal(out[32], 3);
	/* a cyclic file of 4 keeps 3 records */
	auth(g, 2);
	memset(rec, 4, sizeof(rec));
	assert_int_equal(yn_desfire_write_record(df, YN_DESFIRE_MAC, F_LOG, 0, rec, 16, dl()), 0);
	assert_int_equal(yn_desfire_commit(df, YN_DESFIRE_MAC, dl()), 0);
	auth(g, 1);
	assert_int_equal(yn_desfire_read_records(df, YN_DESFIRE_MAC, F_LOG, 0, 0, out, sizeof(out),
						 &n, dl()),
			 0);
	assert_int_equal(n, 48);
	assert_int_equal(out[0], 2);
	assert_int_equal(out[32], 4);
	assert_int_equal(yn_desfire_read_records(df, YN_DESFIRE_MAC, F_LOG, 0, 1, out, sizeof(out),
						 &n, dl()),
			 0);
	assert_int_equal(n, 16);
	assert_int_equal(out[0], 4);
	/* ClearRecordFile needs RW (key 0 here) */
	auth(g, 0);
	assert_int_equal(yn_desfire_clear_record_file(df, YN_DESFIRE_MAC, F_LOG, dl()), 0);
	assert_int_equal(yn_desfire_commit(df, YN_DESFIRE_MAC, dl()), 0);
}

/* --- the errors a desk or gate meets --- */

static void test_emu_wrong_key(void **state)
{
	struct rig *g = *state;
	struct yn_desfire *df = &g->df;
	int32_t v;

	issue(g);
	assert_int_equal(yn_desfire_auth_ev2_first(df, 1, g->keys[2], dl()), YN_ECARD_AUTH);
	assert_false(yn_desfire_is_authenticated(df));
	assert_int_equal(yn_desfire_get_value(df, YN_DESFIRE_MAC, F_PURSE, &v, dl()), YN_ENOTAUTH);
	/* no such key */
	assert_int_equal(yn_desfire_auth_ev2_first(df, 9, zero, dl()), YN_ECARD_NOKEY);
}

static void test_emu_permission_denied_drops_session(void **state)
{
	struct rig *g = *state;
	struct yn_desfire *df = &g->df;
	uint8_t data[8] = { 1 }, ti[4];
	struct yn_ev2_keys keys;
	uint64_t before;
	uint16_t ctr;
	int32_t v;
	int r;

	issue(g);
	auth(g, 1);
	keys = df->keys;
	memcpy(ti, df->ti, 4);
	ctr = df->cmd_ctr;
	assert_int_equal(yn_desfire_write_data(df, YN_DESFIRE_FULL, F_STD, 0, data, 8, dl()),
			 YN_ECARD_PERMISSION);
	assert_false(yn_desfire_is_authenticated(df));
	before = df->apdus;
	assert_int_equal(yn_desfire_get_value(df, YN_DESFIRE_MAC, F_PURSE, &v, dl()), YN_ENOTAUTH);
	assert_int_equal(df->apdus, before);
	/* The card dropped it too: the old session (either counter) is refused. */
	yn_desfire_set_session(df, &keys, ti, ctr, 1);
	r = yn_desfire_get_value(df, YN_DESFIRE_MAC, F_PURSE, &v, dl());
	assert_true(r == YN_ECARD_AUTH || r == YN_ECARD_PERMISSION);
	yn_desfire_set_session(df, &keys, ti, (uint16_t)(ctr + 1), 1);
	r = yn_desfire_get_value(df, YN_DESFIRE_MAC, F_PURSE, &v, dl());
	assert_true(r == YN_ECARD_AUTH || r == YN_ECARD_PERMISSION);
	yn_cleanse(&keys, sizeof(keys));
}

static void test_emu_boundary(void **state)
{
	struct rig *g = *state;
	struct yn_desfire *df = &g->df;
	uint8_t data[8] = { 1 }, out[8];
	size_t n;

	issue(g);
	auth(g, 3);
	assert_int_equal(yn_desfire_debit(df, YN_DESFIRE_MAC, F_PURSE, 1, dl()), YN_ECARD_BOUNDARY);
	assert_false(yn_desfire_is_authenticated(df));
	auth(g, 4);
	assert_int_equal(yn_desfire_write_data(df, YN_DESFIRE_FULL, F_STD, 250, data, 8, dl()),
			 YN_ECARD_BOUNDARY);
	auth(g, 1);
	assert_int_equal(yn_desfire_read_data(df, YN_DESFIRE_FULL, F_STD, 256, 1, out, sizeof(out),
					      &n, dl()),
			 YN_ECARD_BOUNDARY);
}

static void test_emu_file_not_found(void **state)
{
	struct rig *g = *state;
	struct yn_desfire *df = &g->df;
	struct yn_desfire_file_settings fs;

	issue(g);
	auth(g, 0);
	assert_int_equal(yn_desfire_get_file_settings(df, YN_DESFIRE_MAC, 9, &fs, dl()),
			 YN_ECARD_NOFILE);
	assert_false(yn_desfire_is_authenticated(df));
	assert_int_equal(yn_desfire_select_application(df, 0x010203, dl()), YN_ECARD_NOAPP);
}

/* A command MACed with the wrong session key: the card says integrity
 * error and both sides drop the session. */
static void test_emu_integrity_error(void **state)
{
	struct rig *g = *state;
	struct yn_desfire *df = &g->df;
	int32_t v;

	issue(g);
	auth(g, 1);
	df->keys.mac[0] ^= 1;
	assert_int_equal(yn_desfire_get_value(df, YN_DESFIRE_MAC, F_PURSE, &v, dl()),
			 YN_ECARD_INTEGRITY);
	assert_false(yn_desfire_is_authenticated(df));
}

static void test_emu_nonfirst_and_change_own_key(void **state)
{
	struct rig *g = *state;
	struct yn_desfire *df = &g->df;
	uint8_t newk[16];
	int32_t v;

	memset(newk, 0x5A, sizeof(newk));
	issue(g);
	auth(g, 1);
	assert_int_equal(yn_desfire_get_value(df, YN_DESFIRE_MAC, F_PURSE, &v, dl()), 0);
	assert_int_equal(yn_desfire_auth_ev2_nonfirst(df, 4, g->keys[4], dl()), 0);
	assert_int_equal(yn_desfire_credit(df, YN_DESFIRE_MAC, F_PURSE, 7, dl()), 0);
	assert_int_equal(yn_desfire_commit(df, YN_DESFIRE_MAC, dl()), 0);
	assert_int_equal(yn_desfire_get_value(df, YN_DESFIRE_MAC, F_PURSE, &v, dl()), 0);
	assert_int_equal(v, 7);
	/* ChangeKey of the application master key by itself ends the session */
	auth(g, 0);
	assert_int_equal(yn_desfire_change_key(df, 0, newk, 2, NULL, dl()), 0);
	assert_false(yn_desfire_is_authenticated(df));
	assert_int_equal(yn_desfire_auth_ev2_first(df, 0, zero, dl()), YN_ECARD_AUTH);
	assert_int_equal(yn_desfire_auth_ev2_first(df, 0, newk, dl()), 0);
}

static void test_emu_delete_and_format(void **state)
{
	struct rig *g = *state;
	struct yn_desfire *df = &g->df;
	uint32_t aids[4];
	size_t n = 9;

	issue(g);
	assert_int_equal(yn_desfire_select_application(df, 0, dl()), 0);
	assert_int_equal(yn_desfire_auth_ev2_first(df, 0, zero, dl()), 0);
	assert_int_equal(yn_desfire_create_application(df, YN_DESFIRE_MAC, AID, 0x0B, 0x85, dl()),
			 YN_ECARD_DUPLICATE);
	assert_int_equal(yn_desfire_auth_ev2_first(df, 0, zero, dl()), 0);
	assert_int_equal(yn_desfire_delete_application(df, YN_DESFIRE_MAC, AID, dl()), 0);
	assert_int_equal(yn_desfire_get_application_ids(df, YN_DESFIRE_MAC, aids, 4, &n, dl()), 0);
	assert_int_equal(n, 0);
	assert_int_equal(yn_desfire_create_application(df, YN_DESFIRE_MAC, AID, 0x0B, 0x85, dl()),
			 0);
	assert_int_equal(yn_desfire_format_picc(df, YN_DESFIRE_MAC, dl()), 0);
	assert_int_equal(yn_desfire_get_application_ids(df, YN_DESFIRE_MAC, aids, 4, &n, dl()), 0);
	assert_int_equal(n, 0);
}

/* A Plain command inside a session advances CmdCtr on both sides (§5.1):
 * a MAC command after it still verifies.  The free-read file goes Plain. */
static void test_emu_plain_in_session_keeps_counters_in_step(void **state)
{
	struct rig *g = *state;
	struct yn_desfire *df = &g->df;
	enum yn_desfire_comm comm = YN_DESFIRE_FULL;
	uint8_t out[64];
	size_t n = 0;
	int32_t v = -1;

	issue(g);
	auth(g, 1);
	assert_int_equal(yn_desfire_comm_for_file(df, F_PLAIN, YN_DESFIRE_OP_READ, &comm, dl()), 0);
	assert_int_equal(comm, YN_DESFIRE_PLAIN);
	assert_int_equal(yn_desfire_read_data(df, comm, F_PLAIN, 0, 64, out, sizeof(out), &n, dl()),
			 0);
	assert_int_equal(n, 64);
	assert_int_equal(yn_desfire_comm_for_file(df, F_PURSE, YN_DESFIRE_OP_READ, &comm, dl()), 0);
	assert_int_equal(comm, YN_DESFIRE_MAC);
	assert_int_equal(yn_desfire_get_value(df, comm, F_PURSE, &v, dl()), 0);
	assert_int_equal(v, 0);
	assert_int_equal(df->cmd_ctr, 4);
	/* and without a session */
	assert_int_equal(yn_desfire_select_application(df, AID, dl()), 0);
	assert_int_equal(yn_desfire_comm_for_file(df, F_PLAIN, YN_DESFIRE_OP_READ, &comm, dl()), 0);
	assert_int_equal(comm, YN_DESFIRE_PLAIN);
}

/* ISO-chaining record INS (8B / AB). */
static void test_emu_records_iso_ins(void **state)
{
	struct rig *g = *state;
	struct yn_desfire *df = &g->df;
	uint8_t rec[16], out[64];
	size_t n = 0;

	issue(g);
	df->ins_set = YN_DESFIRE_INS_ISO;
	auth(g, 2);
	memset(rec, 0x77, sizeof(rec));
	assert_int_equal(yn_desfire_write_record(df, YN_DESFIRE_MAC, F_LOG, 0, rec, 16, dl()), 0);
	assert_int_equal(yn_desfire_commit(df, YN_DESFIRE_MAC, dl()), 0);
	auth(g, 1);
	assert_int_equal(yn_desfire_read_records(df, YN_DESFIRE_MAC, F_LOG, 0, 1, out, sizeof(out),
						 &n, dl()),
			 0);
	assert_int_equal(n, 16);
	assert_memory_equal(out, rec, 16);
}

/* ReadSig against the software card, as a gate would check a real card:
 * 56 bytes r || s (desfire.md §8) that verify under the emulator's test CA
 * (secp224r1 over the raw UID) and under none of NXP's product keys. */
static void test_emu_read_sig(void **state)
{
	struct rig *g = *state;
	struct yn_desfire *df = &g->df;
	struct yn_desfire_origset *test = NULL, *nxp = NULL;
	const struct yn_desfire_origkey *m = NULL;
	uint8_t sig[56], sig2[56], u[10];
	size_t n = 0;

	assert_int_equal(yn_desfire_get_card_uid(df, u, &n, dl()), YN_ENOTAUTH);
	assert_int_equal(yn_desfire_read_sig(df, YN_DESFIRE_PLAIN, sig, dl()), 0);
	assert_int_equal(yn_desfire_origset_new(YN_DESFIRE_ORIG_EMU_TEST, &test), 0);
	assert_int_equal(yn_desfire_verify_originality(test, uid7, 7, sig, &m), 0);
	assert_non_null(m);
	assert_int_equal(m->product, YN_DESFIRE_PRODUCT_EMU_TEST);
	assert_int_equal(yn_desfire_origset_new(YN_DESFIRE_ORIG_NXP, &nxp), 0);
	assert_int_equal(yn_desfire_verify_originality(nxp, uid7, 7, sig, &m), YN_EBADSIG);
	assert_null(m);
	/* the same bytes in an EV2 session (Full), and the session goes on */
	assert_int_equal(yn_desfire_auth_ev2_first(df, 0, zero, dl()), 0);
	assert_int_equal(yn_desfire_read_sig(df, YN_DESFIRE_FULL, sig2, dl()), 0);
	assert_memory_equal(sig, sig2, 56);
	assert_int_equal(df->cmd_ctr, 1);
	assert_int_equal(yn_desfire_get_card_uid(df, u, &n, dl()), 0);
	assert_int_equal(n, 7);
	assert_memory_equal(u, uid7, 7);
	yn_desfire_origset_free(nxp);
	yn_desfire_origset_free(test);
}

/* yn_desfire_check_originality: ReadSig in the mode the session calls for,
 * then the match; the UID from GetCardUID of an authenticated session. */
static void test_emu_check_originality(void **state)
{
	struct rig *g = *state;
	struct yn_desfire *df = &g->df;
	struct yn_desfire_origset *set = NULL;
	const struct yn_desfire_origkey *m = NULL;
	uint8_t u[10], other[7];
	size_t n = 0;

	assert_int_equal(yn_desfire_origset_new(YN_DESFIRE_ORIG_NXP | YN_DESFIRE_ORIG_EMU_TEST,
						&set),
			 0);
	assert_int_equal(yn_desfire_check_originality(df, set, uid7, 7, &m, dl()), 0);
	assert_int_equal(m->product, YN_DESFIRE_PRODUCT_EMU_TEST);
	assert_int_equal(yn_desfire_auth_ev2_first(df, 0, zero, dl()), 0);
	assert_int_equal(yn_desfire_get_card_uid(df, u, &n, dl()), 0);
	assert_int_equal(yn_desfire_check_originality(df, set, u, n, &m, dl()), 0);
	assert_int_equal(m->product, YN_DESFIRE_PRODUCT_EMU_TEST);
	assert_true(yn_desfire_is_authenticated(df));
	/* a clone that copied this card's signature onto another UID */
	memcpy(other, uid7, 7);
	other[3] ^= 0x40;
	assert_int_equal(yn_desfire_check_originality(df, set, other, 7, &m, dl()), YN_EBADSIG);
	assert_null(m);
	yn_desfire_origset_free(set);
}

/* The terminal's copy of the test CA key is the emulator's. */
static void test_emu_test_ca_key_is_the_emulators(void **state)
{
	(void)state;
	assert_int_equal(sizeof(yn_emu_test_ca_pub), YN_P224_PUB_LEN);
	assert_memory_equal(yn_desfire_origkey_emu_test.pub, yn_emu_test_ca_pub, YN_P224_PUB_LEN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_emu_issue_and_inspect, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emu_data_all_modes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emu_backup_uncommitted_is_not_visible, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_emu_value_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emu_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emu_wrong_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emu_permission_denied_drops_session, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_emu_boundary, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emu_file_not_found, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emu_integrity_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emu_nonfirst_and_change_own_key, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_emu_delete_and_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emu_plain_in_session_keeps_counters_in_step,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_emu_records_iso_ins, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emu_read_sig, setup, teardown),
		cmocka_unit_test_setup_teardown(test_emu_check_originality, setup, teardown),
		cmocka_unit_test(test_emu_test_ca_key_is_the_emulators),
	};

	yn_crypto_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
