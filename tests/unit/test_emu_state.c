/*
 * The card's persistence: the state file (round trip, refusal of corrupt
 * files, atomic replacement), tearing (a power cut at every command
 * boundary and every byte of every non-volatile write leaves the card
 * exactly as before or exactly as after a committed transaction; a torn
 * standard-file write leaves some new bytes), and the emu reader backend.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "reader/emu.h"
#include "reader/reader.h"
#include "tests/unit/test_emu_util.h"

static char *dir;

static int setup(void **state)
{
	(void)state;
	dir = yn_test_tmpdir();
	return dir != NULL ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	yn_test_rmtree(dir);
	free(dir);
	return 0;
}

static void path_of(char *p, size_t cap, const char *name)
{
	snprintf(p, cap, "%s/%s", dir, name);
}

static size_t slurp(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, cap, f);
	fclose(f);
	return n;
}

static void spit(const char *path, const uint8_t *buf, size_t n)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, n, f), n);
	fclose(f);
}

static struct yn_emu *load_on(const char *path)
{
	struct yn_emu *c = NULL;

	assert_int_equal(yn_emu_load(path, &c), 0);
	yn_emu_power_on(c);
	return c;
}

/* The personalised card the persistence tests start from. */
static void personalise(const char *path)
{
	struct yn_emu *c;

	assert_int_equal(yn_emu_create_file(path, test_uid, 7), 0);
	c = load_on(path);
	expect(c, "90CA000005 030201 0F 84 00", "9100");
	expect(c, "905A000003 030201 00", "9100");
	expect(c, "90CB000007 01 00 EEEE 080000 00", "9100");
	expect(c, "90CC000011 02 00 EEEE 00000000 E8030000 64000000 01 00", "9100");
	expect(c, "90C000000A 03 00 EEEE 040000 030000 00", "9100");
	expect(c, "90CD000007 04 00 EEEE 080000 00", "9100");
	expect(c, "903D00000F 01 000000 080000 0102030405060708 00", "9100");
	expect(c, "90DC000005 02 0A000000 00", "9100");
	expect(c, "903B00000B 03 000000 040000 A1A2A3A4 00", "9100");
	expect(c, "90C7000000", "9100");
	yn_emu_free(c);
}

static void test_state_round_trip_survives_restart(void **state)
{
	char p[512];
	struct yn_emu *c;
	struct stat st;

	(void)state;
	path_of(p, sizeof(p), "rt.bin");
	personalise(p);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	c = load_on(p);
	expect(c, "906A000000", "030201 9100");
	expect(c, "905A000003 030201 00", "9100");
	expect(c, "90BD000007 01 000000 000000 00", "0102030405060708 9100");
	expect(c, "906C000001 02 00", "5A000000 9100");
	expect(c, "90F5000001 02 00", "0200EEEE 00000000 E8030000 0A000000 01 9100");
	expect(c, "90BB000007 03 000000 000000 00", "A1A2A3A4 9100");
	expect(c, "90F5000001 04 00", "0000EEEE080000 9100");
	expect(c, "FFCA000000", "04112233445566 9000");
	yn_emu_free(c);
	/* the uncommitted transaction is not saved */
	c = load_on(p);
	expect(c, "905A000003 030201 00", "9100");
	expect(c, "90DC000005 02 0A000000 00", "9100");
	yn_emu_free(c);
	c = load_on(p);
	expect(c, "905A000003 030201 00", "9100");
	expect(c, "906C000001 02 00", "5A000000 9100");
	yn_emu_free(c);
}

static void test_create_refuses_existing_file(void **state)
{
	char p[512];
	uint8_t a[4096], b[4096];
	size_t na, nb;

	(void)state;
	path_of(p, sizeof(p), "ex.bin");
	personalise(p);
	na = slurp(p, a, sizeof(a));
	assert_int_equal(yn_emu_create_file(p, test_uid, 7), YN_EEXIST);
	nb = slurp(p, b, sizeof(b));
	assert_int_equal(na, nb);
	assert_memory_equal(a, b, na);
	assert_int_equal(yn_emu_create_file(p, test_uid, 5), YN_EINVAL);
}

static void test_corrupt_state_refused(void **state)
{
	char p[512], q[512];
	uint8_t a[4096], b[4096];
	struct yn_emu *c = NULL;
	size_t n, i;

	(void)state;
	path_of(p, sizeof(p), "good.bin");
	path_of(q, sizeof(q), "bad.bin");
	personalise(p);
	n = slurp(p, a, sizeof(a));
	/* every single flipped bit is caught (checksum), and so are cuts */
	for (i = 0; i < n; i += 7) {
		memcpy(b, a, n);
		b[i] ^= 0x10;
		spit(q, b, n);
		assert_int_equal(yn_emu_load(q, &c), YN_ECORRUPT);
		assert_null(c);
	}
	for (i = 0; i < n; i += 11) {
		spit(q, a, i);
		assert_int_equal(yn_emu_load(q, &c), YN_ECORRUPT);
	}
	memcpy(b, a, n);
	b[n] = 0;
	spit(q, b, n + 1);
	assert_int_equal(yn_emu_load(q, &c), YN_ECORRUPT);
	path_of(q, sizeof(q), "missing.bin");
	assert_int_equal(yn_emu_load(q, &c), YN_ENOENT);
	assert_int_equal(yn_emu_load(dir, &c), YN_ECORRUPT);
}

/* A valid checksum over a structurally bad body is still refused. */
static void test_corrupt_structure_with_good_checksum_refused(void **state)
{
	char p[512];
	uint8_t a[4096];
	struct yn_emu *c = NULL;
	size_t n;

	(void)state;
	path_of(p, sizeof(p), "s.bin");
	personalise(p);
	n = slurp(p, a, sizeof(a));
	/* UID length 5 */
	a[14] = 5;
	assert_int_equal(yn_sha256(a, n - 32, a + n - 32), 0);
	spit(p, a, n);
	assert_int_equal(yn_emu_load(p, &c), YN_ECORRUPT);
	/* version 3 */
	a[14] = 7;
	a[9] = 3;
	assert_int_equal(yn_sha256(a, n - 32, a + n - 32), 0);
	spit(p, a, n);
	assert_int_equal(yn_emu_load(p, &c), YN_ECORRUPT);
	/* a version 2 body labelled version 1 (its signature 8 bytes short) */
	a[9] = 1;
	assert_int_equal(yn_sha256(a, n - 32, a + n - 32), 0);
	spit(p, a, n);
	assert_int_equal(yn_emu_load(p, &c), YN_ECORRUPT);
	a[9] = 2;
	assert_int_equal(yn_sha256(a, n - 32, a + n - 32), 0);
	spit(p, a, n);
	assert_int_equal(yn_emu_load(p, &c), 0);
	yn_emu_free(c);
}

/* The transaction the tearing sweep cuts: backup write, Debit, record
 * write, CommitTransaction. */
static const char *const tx_cmds[] = {
	"905A000003 030201 00",
	"903D00000F 01 000000 080000 1112131415161718 00",
	"90DC000005 02 05000000 00",
	"903B00000B 03 000000 040000 B1B2B3B4 00",
	"90C7000000",
};
#define NTX (sizeof(tx_cmds) / sizeof(tx_cmds[0]))

/* Run the transaction on a fresh copy of base; arm the tear with arm();
 * returns the state file bytes afterwards (in out). */
static size_t run_torn(const char *base, const uint8_t *base_bytes, size_t base_n,
		       void (*arm)(struct yn_emu *, unsigned, size_t), unsigned n, size_t bytes,
		       uint8_t *out, size_t cap, int *torn)
{
	char p[512];
	struct yn_emu *c;
	uint8_t cmd[128], r[128];
	size_t i, cn, rn;
	int e;

	(void)base;
	path_of(p, sizeof(p), "trial.bin");
	spit(p, base_bytes, base_n);
	c = load_on(p);
	arm(c, n, bytes);
	*torn = 0;
	for (i = 0; i < NTX; i++) {
		cn = yn_test_hex(tx_cmds[i], cmd, sizeof(cmd));
		e = yn_emu_transmit(c, cmd, cn, r, sizeof(r), &rn);
		if (e == YN_ECARDGONE) {
			*torn = 1;
			break;
		}
		assert_int_equal(e, 0);
		assert_int_equal(r[rn - 1], 0x00);
	}
	yn_emu_free(c);
	return slurp(p, out, cap);
}

static void arm_cmd(struct yn_emu *c, unsigned n, size_t bytes)
{
	(void)bytes;
	yn_emu_tear_after(c, n);
}

static void test_tearing_sweep_all_or_nothing(void **state)
{
	char p[512];
	uint8_t before[4096], after[4096], got[4096];
	size_t nb, na, ng, b;
	unsigned k, w, writes;
	int torn, saw_before = 0, saw_after = 0;
	struct yn_emu *c;

	(void)state;
	path_of(p, sizeof(p), "base.bin");
	personalise(p);
	nb = slurp(p, before, sizeof(before));
	/* the untorn run gives "after" and the number of NV writes */
	na = run_torn(p, before, nb, arm_cmd, 0, 0, after, sizeof(after), &torn);
	assert_false(torn);
	assert_true(na != nb || memcmp(before, after, nb) != 0);
	{
		char t[512];
		size_t i, cn, rn;
		uint8_t cmd[128], r[128];

		path_of(t, sizeof(t), "count.bin");
		spit(t, before, nb);
		c = load_on(t);
		for (i = 0; i < NTX; i++) {
			cn = yn_test_hex(tx_cmds[i], cmd, sizeof(cmd));
			assert_int_equal(yn_emu_transmit(c, cmd, cn, r, sizeof(r), &rn), 0);
		}
		writes = yn_emu_write_count(c);
		assert_int_equal(yn_emu_command_count(c), NTX);
		yn_emu_free(c);
	}
	assert_true(writes >= 1);
	/* a cut after each command */
	for (k = 1; k <= NTX; k++) {
		ng = run_torn(p, before, nb, arm_cmd, k, 0, got, sizeof(got), &torn);
		assert_true(torn);
		if (k < NTX) {
			assert_int_equal(ng, nb);
			assert_memory_equal(got, before, nb);
		} else {
			assert_int_equal(ng, na);
			assert_memory_equal(got, after, na);
		}
	}
	/* a cut at every byte of every write */
	for (w = 1; w <= writes; w++) {
		for (b = 0; b <= 40; b++) {
			ng = run_torn(p, before, nb, yn_emu_tear_in_write, w, b, got, sizeof(got),
				      &torn);
			assert_true(torn);
			if (ng == nb && memcmp(got, before, nb) == 0) {
				saw_before = 1;
			} else {
				assert_int_equal(ng, na);
				assert_memory_equal(got, after, na);
				saw_after = 1;
			}
		}
	}
	assert_true(saw_before);
	assert_true(saw_after);
}

/* A standard data file is written in place: a cut leaves the first bytes
 * new and the rest old, on the card and in its state file. */
static void test_torn_standard_write_is_partial(void **state)
{
	char p[512];
	struct yn_emu *c;
	uint8_t cmd[64], r[64];
	size_t cn, rn;

	(void)state;
	path_of(p, sizeof(p), "std.bin");
	personalise(p);
	c = load_on(p);
	expect(c, "905A000003 030201 00", "9100");
	yn_emu_tear_in_write(c, 1, 3);
	cn = yn_test_hex("903D00000F 04 000000 080000 AABBCCDDEEFF0102 00", cmd, sizeof(cmd));
	assert_int_equal(yn_emu_transmit(c, cmd, cn, r, sizeof(r), &rn), YN_ECARDGONE);
	assert_int_equal(rn, 0);
	assert_int_equal(yn_emu_transmit(c, cmd, cn, r, sizeof(r), &rn), YN_ECARDGONE);
	yn_emu_power_on(c);
	expect(c, "905A000003 030201 00", "9100");
	expect(c, "90BD000007 04 000000 000000 00", "AABBCC0000000000 9100");
	yn_emu_free(c);
	c = load_on(p);
	expect(c, "905A000003 030201 00", "9100");
	expect(c, "90BD000007 04 000000 000000 00", "AABBCC0000000000 9100");
	yn_emu_free(c);
}

/* `card new --sig-key`: ReadSig carries a secp224r1 signature by the given
 * key, and the test CA's key does not verify it.  A P-256 key or a public
 * key file is refused, and no card file is left behind. */
static void test_signed_card_with_own_key(void **state)
{
	char p[512], priv[512], pub[512], p256[512], p256pub[512];
	struct yn_p224_pubkey *pk = NULL;
	struct yn_emu *c;
	uint8_t r[128];
	size_t n;

	(void)state;
	path_of(p, sizeof(p), "signed.bin");
	path_of(priv, sizeof(priv), "ca.key");
	path_of(pub, sizeof(pub), "ca.pub");
	assert_int_equal(yn_keygen_p224(priv, pub), 0);
	assert_int_equal(yn_emu_create_file_signed(p, test_uid, 7, priv), 0);
	assert_int_equal(yn_p224_pubkey_load(pub, &pk), 0);
	c = load_on(p);
	n = expect_sw(c, "903C0000010000", 0x90, r, sizeof(r));
	assert_int_equal(n, YN_P224_SIG_LEN + 2);
	assert_int_equal(yn_p224_verify_raw(pk, test_uid, 7, r), 0);
	yn_emu_free(c);
	yn_p224_pubkey_free(pk);
	assert_int_equal(yn_p224_pubkey_from_raw(yn_emu_test_ca_pub, &pk), 0);
	assert_int_equal(yn_p224_verify_raw(pk, test_uid, 7, r), YN_EBADSIG);
	yn_p224_pubkey_free(pk);
	path_of(p, sizeof(p), "signed2.bin");
	assert_int_equal(yn_emu_create_file_signed(p, test_uid, 7, pub), YN_EKEYPERM);
	assert_int_equal(access(p, F_OK), -1);
	path_of(p256, sizeof(p256), "p256.key");
	path_of(p256pub, sizeof(p256pub), "p256.pub");
	assert_int_equal(yn_keygen_p256(p256, p256pub), 0);
	assert_int_equal(yn_emu_create_file_signed(p, test_uid, 7, p256), YN_EBADKEY);
	assert_int_equal(access(p, F_OK), -1);
}

/* The P-256 test CA of state format 1 (public on purpose, as the current
 * one): to write format 1 files as the emulator used to. */
static const char v1_test_ca_pem[] =
	"-----BEGIN PRIVATE KEY-----\n"
	"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgqdx6TgswOOn02UvL\n"
	"fNaazeIpZrNV8LHBki9OkQ7papyhRANCAASRxyqGZPHdkyt6m+1h2NIlazTwsKpk\n"
	"vIsjcQHl9RIlntUXxf8aoVpVm6zHvptY1x3rLExYLUzhpNhN1EGlIGoo\n"
	"-----END PRIVATE KEY-----\n";

/* Turn the format 2 file at path (7-byte UID) into format 1: a 64-byte
 * P-256 signature of SHA-256(UID) by the key at key_path in place of the
 * 56-byte one.  Returns the new size; out holds the new file. */
static size_t make_v1(const char *path, const char *key_path, uint8_t *out, size_t cap)
{
	uint8_t a[4096];
	struct yn_privkey *k = NULL;
	size_t n = slurp(path, a, sizeof(a)), sig_off = 14 + 1 + 7 + 1 + 16 + 1, m;

	assert_true(n + 8 <= cap);
	assert_int_equal(a[9], 2);
	memcpy(out, a, sig_off);
	assert_int_equal(yn_privkey_load(key_path, &k), 0);
	assert_int_equal(yn_ecdsa_sign(k, test_uid, 7, out + sig_off), 0);
	yn_privkey_free(k);
	memcpy(out + sig_off + 64, a + sig_off + 56, n - 32 - sig_off - 56);
	m = n + 8;
	out[9] = 1;
	yn_put_u32be(out + 10, (uint32_t)(m - 14 - 32));
	assert_int_equal(yn_sha256(out, m - 32, out + m - 32), 0);
	spit(path, out, m);
	return m;
}

/* A format 1 card signed by the old P-256 test CA loads, keeps everything
 * it held, gets a secp224r1 signature by the current test CA and is
 * rewritten as format 2 at once (the same signature on the next load). */
static void test_state_v1_test_ca_card_upgraded(void **state)
{
	char p[512], key[512];
	uint8_t b[4096], s1[128], s2[128];
	struct yn_p224_pubkey *pk = NULL;
	struct yn_emu *c;
	size_t n;

	(void)state;
	path_of(p, sizeof(p), "v1.bin");
	path_of(key, sizeof(key), "v1ca.key");
	personalise(p);
	spit(key, (const uint8_t *)v1_test_ca_pem, sizeof(v1_test_ca_pem) - 1);
	assert_int_equal(chmod(key, 0600), 0);
	make_v1(p, key, b, sizeof(b));
	c = load_on(p);
	n = slurp(p, b, sizeof(b));
	assert_int_equal(b[9], 2);
	(void)expect_sw(c, "903C0000010000", 0x90, s1, sizeof(s1));
	assert_int_equal(yn_p224_pubkey_from_raw(yn_emu_test_ca_pub, &pk), 0);
	assert_int_equal(yn_p224_verify_raw(pk, test_uid, 7, s1), 0);
	yn_p224_pubkey_free(pk);
	/* the application and its committed files came through */
	expect(c, "905A000003 030201 00", "9100");
	expect(c, "90BD000007 01 000000 080000 00", "0102030405060708 9100");
	yn_emu_free(c);
	c = load_on(p);
	(void)expect_sw(c, "903C0000010000", 0x90, s2, sizeof(s2));
	assert_memory_equal(s1, s2, YN_P224_SIG_LEN);
	yn_emu_free(c);
	assert_int_equal(slurp(p, b, sizeof(b)), n);
}

/* A format 1 card signed by a P-256 key of the user's cannot be carried
 * over (the key is not ours to use): refused with YN_EVERSION, the file
 * left as it was. */
static void test_state_v1_own_key_card_refused(void **state)
{
	char p[512], key[512], pub[512];
	uint8_t b[4096], a[4096];
	struct yn_emu *c = NULL;
	size_t n;

	(void)state;
	path_of(p, sizeof(p), "v1own.bin");
	path_of(key, sizeof(key), "own.key");
	path_of(pub, sizeof(pub), "own.pub");
	assert_int_equal(yn_emu_create_file(p, test_uid, 7), 0);
	assert_int_equal(yn_keygen_p256(key, pub), 0);
	n = make_v1(p, key, b, sizeof(b));
	assert_int_equal(yn_emu_load(p, &c), YN_EVERSION);
	assert_null(c);
	assert_int_equal(slurp(p, a, sizeof(a)), n);
	assert_memory_equal(a, b, n);
}

static void test_emu_reader_backend(void **state)
{
	char p[512], uri[600];
	struct yn_reader *rd = NULL;
	struct yn_card_info info;
	struct yn_emu *c;
	uint8_t r[64];
	size_t rn;
	static const uint8_t getver[5] = { 0x90, 0x60, 0, 0, 0 };
	static const uint8_t getuid[5] = { 0xFF, 0xCA, 0, 0, 0 };

	(void)state;
	path_of(p, sizeof(p), "rd.bin");
	assert_int_equal(yn_emu_create_file(p, test_uid, 7), 0);
	snprintf(uri, sizeof(uri), "emu:%s", p);
	assert_int_equal(yn_reader_open(uri, &rd), 0);
	assert_string_equal(yn_reader_uri(rd), uri);
	c = yn_reader_emu_card(rd);
	assert_non_null(c);
	assert_int_equal(yn_reader_transmit(rd, getver, 5, r, sizeof(r), &rn, YN_DEADLINE_NONE),
			 YN_ENOCARD);
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(100)), 0);
	assert_int_equal(yn_reader_card_info(rd, &info), 0);
	assert_int_equal(info.uid_len, 7);
	assert_memory_equal(info.uid, test_uid, 7);
	assert_int_equal(info.atr_len, 6);
	assert_int_equal(yn_reader_transmit(rd, getuid, 5, r, sizeof(r), &rn, YN_DEADLINE_NONE), 0);
	assert_int_equal(rn, 9);
	/* a planted session survives LEAVE, not UNPOWER or RESET */
	yn_emu_test_set_ev1_session(c, 0, r);
	assert_int_equal(yn_reader_release(rd, YN_RELEASE_LEAVE), 0);
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(100)), 0);
	assert_int_equal(yn_emu_test_session(c, NULL, NULL), 1);
	assert_int_equal(yn_reader_release(rd, YN_RELEASE_RESET), 0);
	assert_int_equal(yn_emu_test_session(c, NULL, NULL), 0);
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(100)), 0);
	yn_emu_test_set_ev1_session(c, 0, r);
	assert_int_equal(yn_reader_release(rd, YN_RELEASE_UNPOWER), 0);
	assert_int_equal(yn_emu_test_session(c, NULL, NULL), 0);
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(100)), 0);
	/* a tear: the exchange fails as a card taken away, then a new tap */
	yn_emu_tear_after(c, 1);
	assert_int_equal(yn_reader_transmit(rd, getver, 5, r, sizeof(r), &rn, YN_DEADLINE_NONE),
			 YN_ECARDGONE);
	assert_int_equal(rn, 0);
	assert_int_equal(yn_reader_transmit(rd, getver, 5, r, sizeof(r), &rn, YN_DEADLINE_NONE),
			 YN_ENOCARD);
	assert_int_equal(yn_reader_wait_card(rd, yn_deadline_in_ms(100)), 0);
	assert_int_equal(yn_reader_transmit(rd, getver, 5, r, sizeof(r), &rn, YN_DEADLINE_NONE), 0);
	assert_int_equal(r[rn - 1], 0xAF);
	assert_int_equal(yn_reader_wait_removed(rd, yn_deadline_in_ms(100)), 0);
	yn_reader_close(rd);
	assert_null(yn_reader_emu_card(NULL));
	snprintf(uri, sizeof(uri), "emu:%s/none.bin", dir);
	assert_int_equal(yn_reader_open(uri, &rd), YN_ENOENT);
	assert_int_equal(yn_reader_open("emu:", &rd), YN_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_round_trip_survives_restart),
		cmocka_unit_test(test_create_refuses_existing_file),
		cmocka_unit_test(test_corrupt_state_refused),
		cmocka_unit_test(test_corrupt_structure_with_good_checksum_refused),
		cmocka_unit_test(test_tearing_sweep_all_or_nothing),
		cmocka_unit_test(test_torn_standard_write_is_partial),
		cmocka_unit_test(test_state_v1_test_ca_card_upgraded),
		cmocka_unit_test(test_state_v1_own_key_card_refused),
		cmocka_unit_test(test_signed_card_with_own_key),
		cmocka_unit_test(test_emu_reader_backend),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
