/*
 * The software card's command set, access rules, errors, sessions and
 * chaining, driven with raw APDUs and an independent EV2 client built from
 * the crypto primitives (test_emu_util.h).
 */
#include "tests/unit/test_emu_util.h"

static const uint8_t zero16[16];

/* PICC level -> app 010203 (KS1 given, AES, 4 keys) -> selected. */
static void app_with(struct yn_emu *c, const char *ks1)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "90CA000005 030201 %s 84 00", ks1);
	expect(c, cmd, "9100");
	expect(c, "905A000003 030201 00", "9100");
}

static void test_get_version_three_frames(void **state)
{
	struct yn_emu *c = card_new();

	(void)state;
	expect(c, "9060000000", "04010112001A05 91AF");
	expect(c, "90AF000000", "04010112001A05 91AF");
	expect(c, "90AF000000", "04112233445566 594E454D55 01 26 9100");
	yn_emu_free(c);
}

static void test_get_data_uid_and_atr(void **state)
{
	struct yn_emu *c = card_new();
	uint8_t atr[33], ats[16], sak;
	uint16_t atqa;
	size_t n;

	(void)state;
	expect(c, "FFCA000000", "04112233445566 9000");
	expect(c, "FFCA010000", "6A81");
	expect(c, "00A4040000", "6D00");
	expect(c, "80CA000000", "6E00");
	expect(c, "9060010000", "6A86");
	yn_emu_atr(c, atr, &n);
	assert_int_equal(n, 6);
	assert_memory_equal(atr, "\x3B\x81\x80\x01\x80\x80", 6);
	yn_emu_iso14443a(c, &atqa, &sak, ats, &n);
	assert_int_equal(atqa, 0x0344);
	assert_int_equal(sak, 0x20);
	assert_int_equal(n, 6);
	yn_emu_free(c);
}

static void test_unknown_command_is_1c(void **state)
{
	struct yn_emu *c = card_new();

	(void)state;
	expect(c, "9099000000", "911C");
	expect(c, "90AF000000", "911C");	/* nothing to continue */
	yn_emu_free(c);
}

static void test_app_create_list_delete(void **state)
{
	struct yn_emu *c = card_new();
	uint8_t r[64];
	size_t n;
	uint32_t before, after;

	(void)state;
	n = expect_sw(c, "906E000000", 0x00, r, sizeof(r));
	assert_int_equal(n, 5);
	before = yn_get_u24le(r);
	assert_int_equal(before, 7936);
	expect(c, "90CA000005 030201 0F 84 00", "9100");
	expect(c, "90CA000005 030201 0F 84 00", "91DE");
	expect(c, "90CA000005 000000 0F 84 00", "919E");	/* AID 0 */
	expect(c, "90CA000005 040201 0F 04 00", "919E");	/* DES: AES only */
	expect(c, "90CA000005 040201 0F 80 00", "919E");	/* no keys */
	expect(c, "90CA000005 040201 0F 8F 00", "919E");	/* 15 keys */
	expect(c, "90CA000004 040201 0F 00", "917E");
	expect(c, "906A000000", "030201 9100");
	n = expect_sw(c, "906E000000", 0x00, r, sizeof(r));
	after = yn_get_u24le(r);
	assert_true(after < before);
	expect(c, "905A000003 070707 00", "91A0");
	/* deleting needs the PICC master key */
	expect(c, "90DA000003 030201 00", "91AE");
	yn_emu_free(c);
}

static void test_app_count_limit_is_ce(void **state)
{
	struct yn_emu *c = card_new();
	char cmd[64];
	int i;

	(void)state;
	for (i = 1; i <= 28; i++) {
		snprintf(cmd, sizeof(cmd), "90CA000005 %02X0000 0F 81 00", i);
		expect(c, cmd, "9100");
	}
	expect(c, "90CA000005 1D0000 0F 81 00", "91CE");
	yn_emu_free(c);
}

static void test_format_needs_master_key_then_empties(void **state)
{
	struct yn_emu *c = card_new();
	struct tsess s;
	uint8_t out[64];
	size_t n;

	(void)state;
	expect(c, "90CA000005 030201 0F 84 00", "9100");
	expect(c, "90FC000000", "91AE");
	auth_ev2(c, 0, zero16, &s);
	assert_int_equal(ev2_x(c, &s, 0xFC, NULL, 0, NULL, 0, M_MAC, out, sizeof(out), &n), 0);
	assert_int_equal(ev2_x(c, &s, 0x6A, NULL, 0, NULL, 0, M_MAC, out, sizeof(out), &n), 0);
	assert_int_equal(n, 0);
	yn_emu_free(c);
}

static void test_wrong_key_is_ae_and_ends_session(void **state)
{
	static const uint8_t bad[16] = { 1 };
	struct yn_emu *c = card_new();
	uint8_t r[64], buf[32] = { 0 };
	size_t n;

	(void)state;
	assert_int_equal(native_x(c, 0x71, (const uint8_t *)"\x00\x00", 2, r, sizeof(r), &n),
			 0xAF);
	(void)bad;
	/* a cryptogram that does not hold RndB' */
	assert_int_equal(native_x(c, 0xAF, buf, 32, r, sizeof(r), &n), 0xAE);
	assert_int_equal(yn_emu_test_session(c, NULL, NULL), 0);
	/* short step: length error */
	assert_int_equal(native_x(c, 0x71, (const uint8_t *)"\x00\x00", 2, r, sizeof(r), &n),
			 0xAF);
	assert_int_equal(native_x(c, 0xAF, buf, 16, r, sizeof(r), &n), 0x7E);
	/* key number beyond the PICC's single key */
	assert_int_equal(native_x(c, 0x71, (const uint8_t *)"\x01\x00", 2, r, sizeof(r), &n),
			 0x40);
	/* NonFirst without an EV2 session */
	assert_int_equal(native_x(c, 0x77, (const uint8_t *)"\x00", 1, r, sizeof(r), &n), 0xAE);
	yn_emu_free(c);
}

static void test_error_drops_session(void **state)
{
	struct yn_emu *c = card_new();
	struct tsess s;
	uint8_t out[64];
	size_t n;

	(void)state;
	auth_ev2(c, 0, zero16, &s);
	assert_int_equal(yn_emu_test_session(c, NULL, NULL), 2);
	/* GetKeyVersion of a key that does not exist: 40, session gone */
	assert_int_equal(ev2_x(c, &s, 0x64, (const uint8_t *)"\x05", 1, NULL, 0, M_MAC, out,
			       sizeof(out), &n), 0x40);
	assert_int_equal(yn_emu_test_session(c, NULL, NULL), 0);
	/* a master-key command now fails for want of authentication */
	expect(c, "90FC000000", "91AE");
	yn_emu_free(c);
}

static void test_bad_mac_is_integrity_error(void **state)
{
	struct yn_emu *c = card_new();
	struct tsess s;
	uint8_t out[64], r[64];
	size_t n;

	(void)state;
	app_with(c, "0F");
	expect(c, "90CD000007 01 01 0000 400000 00", "9100");	/* MAC mode, key 0 */
	auth_ev2(c, 0, zero16, &s);
	/* ReadData with a MAC made for another counter */
	s.ctr = 5;
	assert_int_equal(ev2_x(c, &s, 0xBD, (const uint8_t *)"\x01\x00\x00\x00\x04\x00\x00", 7,
			       NULL, 0, M_MAC, out, sizeof(out), &n), 0x1E);
	assert_int_equal(yn_emu_test_session(c, NULL, NULL), 0);
	(void)r;
	yn_emu_free(c);
}

static void test_cmdctr_counts_plain_commands(void **state)
{
	struct yn_emu *c = card_new();
	struct tsess s;
	uint8_t out[64];
	uint16_t ctr;
	size_t n;

	(void)state;
	app_with(c, "0F");
	expect(c, "90CD000007 01 00 0000 400000 00", "9100");	/* plain, key 0 */
	auth_ev2(c, 0, zero16, &s);
	assert_int_equal(ev2_x(c, &s, 0xBD, (const uint8_t *)"\x01\x00\x00\x00\x04\x00\x00", 7,
			       NULL, 0, M_PLAIN, out, sizeof(out), &n), 0);
	assert_int_equal(n, 4);
	yn_emu_test_session(c, NULL, &ctr);
	assert_int_equal(ctr, 1);
	/* the next MACed command must use counter 1 */
	assert_int_equal(ev2_x(c, &s, 0x6F, NULL, 0, NULL, 0, M_MAC, out, sizeof(out), &n), 0);
	assert_int_equal(n, 1);
	yn_emu_free(c);
}

static void test_ev2_nonfirst_keeps_ti_and_counter(void **state)
{
	struct yn_emu *c = card_new();
	struct tsess s;
	uint8_t out[64], r[64], iv[16] = { 0 }, rndb[16], plain[32], buf[32];
	uint16_t ctr;
	size_t n;

	(void)state;
	auth_ev2(c, 0, zero16, &s);
	assert_int_equal(ev2_x(c, &s, 0x6E, NULL, 0, NULL, 0, M_MAC, out, sizeof(out), &n), 0);
	assert_int_equal(native_x(c, 0x77, (const uint8_t *)"\x00", 1, r, sizeof(r), &n), 0xAF);
	assert_int_equal(yn_aes128_cbc_decrypt(zero16, iv, r, rndb, 16), 0);
	memset(plain, 0x33, 16);
	yn_desfire_rotl1(rndb, plain + 16);
	memset(iv, 0, 16);
	assert_int_equal(yn_aes128_cbc_encrypt(zero16, iv, plain, buf, 32), 0);
	assert_int_equal(native_x(c, 0xAF, buf, 32, r, sizeof(r), &n), 0x00);
	assert_int_equal(n, 16);	/* E(RndA') only: no TI */
	assert_int_equal(yn_emu_test_session(c, NULL, &ctr), 2);
	assert_int_equal(ctr, 1);
	{
		struct yn_ev2_keys k;

		assert_int_equal(yn_ev2_session_keys(zero16, plain, rndb, &k), 0);
		memcpy(s.enc, k.enc, 16);
		memcpy(s.mac, k.mac, 16);
	}
	assert_int_equal(ev2_x(c, &s, 0x6E, NULL, 0, NULL, 0, M_MAC, out, sizeof(out), &n), 0);
	yn_emu_free(c);
}

static void test_key_settings_and_list_right(void **state)
{
	struct yn_emu *c = card_new();
	struct tsess s;
	uint8_t out[64];
	size_t n;

	(void)state;
	expect(c, "9045000000", "0F81 9100");
	app_with(c, "0D");	/* bit 1 clear: listing needs the master key */
	expect(c, "9045000000", "91AE");
	expect(c, "905A000003 030201 00", "9100");
	expect(c, "906F000000", "91AE");
	expect(c, "905A000003 030201 00", "9100");
	auth_ev2(c, 0, zero16, &s);
	assert_int_equal(ev2_x(c, &s, 0x45, NULL, 0, NULL, 0, M_MAC, out, sizeof(out), &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(out[0], 0x0D);
	assert_int_equal(out[1], 0x84);
	/* ChangeKeySettings: now freeze the configuration (bit 3 cleared) */
	assert_int_equal(ev2_x(c, &s, 0x54, NULL, 0, (const uint8_t *)"\x07", 1, M_FULL, out,
			       sizeof(out), &n), 0);
	assert_int_equal(ev2_x(c, &s, 0x54, NULL, 0, (const uint8_t *)"\x0F", 1, M_FULL, out,
			       sizeof(out), &n), 0x9D);
	yn_emu_free(c);
}

static void test_change_key_rules(void **state)
{
	static const uint8_t k1[16] = { 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11,
					0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x11 };
	struct yn_emu *c = card_new();
	struct tsess s;
	uint8_t out[64], pl[21];
	size_t n, pn;

	(void)state;
	app_with(c, "EF");	/* ChangeKey rule E: a key changes itself */
	auth_ev2(c, 1, zero16, &s);
	/* key 2 by key 1: refused */
	assert_int_equal(yn_ev2_changekey_plain(0, k1, zero16, 1, pl, &pn), 0);
	assert_int_equal(ev2_x(c, &s, 0xC4, (const uint8_t *)"\x02", 1, pl, pn, M_FULL, out,
			       sizeof(out), &n), 0x9D);
	/* key 1 by itself: allowed, session ends, answer has no MAC */
	expect(c, "905A000003 030201 00", "9100");
	auth_ev2(c, 1, zero16, &s);
	assert_int_equal(yn_ev2_changekey_plain(1, k1, zero16, 7, pl, &pn), 0);
	{
		uint8_t body[64], iv[16], r[64];
		size_t bl;

		body[0] = 0x01;
		assert_int_equal(yn_ev2_iv_cmd(s.enc, s.ti, s.ctr, iv), 0);
		assert_int_equal(yn_ev2_encrypt(s.enc, iv, pl, pn, body + 1, 48, &bl), 0);
		assert_int_equal(yn_ev2_mac_cmd(s.mac, 0xC4, s.ctr, s.ti, body, 1, body + 1, bl,
						body + 1 + bl), 0);
		assert_int_equal(native_x(c, 0xC4, body, 1 + bl + 8, r, sizeof(r), &n), 0x00);
		assert_int_equal(n, 0);
	}
	assert_int_equal(yn_emu_test_session(c, NULL, NULL), 0);
	expect(c, "9064000001 01 00", "07 9100");
	/* the new key authenticates; the old one no longer does */
	auth_ev2(c, 1, k1, &s);
	yn_emu_free(c);
}

static void test_files_create_settings_delete(void **state)
{
	struct yn_emu *c = card_new();

	(void)state;
	app_with(c, "0F");
	expect(c, "90CD000007 01 00 EEEE 200000 00", "9100");
	expect(c, "90CB000007 02 01 0012 200000 00", "9100");
	expect(c, "90CC000011 03 03 0000 00000000 64000000 0A000000 01 00", "9100");
	expect(c, "90C100000A 04 00 EEEE 100000 050000 00", "9100");
	expect(c, "90C000000A 05 00 EEEE 100000 040000 00", "9100");
	expect(c, "90CD000007 01 00 EEEE 200000 00", "91DE");
	expect(c, "90CD000007 20 00 EEEE 200000 00", "919E");	/* FileNo 32 */
	expect(c, "90CD000007 06 00 EEEE 000000 00", "919E");	/* size 0 */
	expect(c, "90CD000007 06 04 EEEE 100000 00", "919E");	/* bad CS */
	expect(c, "90CD000006 06 00 EEEE 0020 00", "917E");
	expect(c, "90C000000A 06 00 EEEE 100000 010000 00", "919E");	/* cyclic needs 2 */
	expect(c, "90CC000011 06 00 0000 0A000000 05000000 07000000 00 00", "919E");
	expect(c, "90CD000007 06 00 EEEE 00FF00 00", "910E");	/* 65 KB */
	expect(c, "906F000000", "0102030405 9100");
	expect(c, "90F5000001 01 00", "0000EEEE200000 9100");
	expect(c, "90F5000001 02 00", "01010012200000 9100");
	expect(c, "90F5000001 03 00", "02030000 00000000 64000000 00000000 01 9100");
	expect(c, "90F5000001 04 00", "0300EEEE 100000 050000 000000 9100");
	expect(c, "90F5000001 05 00", "0400EEEE 100000 040000 000000 9100");
	expect(c, "90F5000001 09 00", "91F0");
	expect(c, "90DF000001 02 00", "9100");
	expect(c, "90DF000001 02 00", "91F0");
	expect(c, "906F000000", "01030405 9100");
	yn_emu_free(c);
}

static void test_create_file_without_master_key_when_ks1_bit2_clear(void **state)
{
	struct yn_emu *c = card_new();

	(void)state;
	app_with(c, "0B");
	expect(c, "90CD000007 01 00 EEEE 200000 00", "91AE");
	yn_emu_free(c);
}

static void test_std_file_free_access_and_bounds(void **state)
{
	struct yn_emu *c = card_new();

	(void)state;
	app_with(c, "0F");
	expect(c, "90CD000007 01 03 EEEE 080000 00", "9100");	/* Full, but free */
	expect(c, "903D00000B 01 020000 040000 A1A2A3A4 00", "9100");
	expect(c, "90BD000007 01 000000 000000 00", "0000A1A2A3A40000 9100");
	expect(c, "90BD000007 01 060000 030000 00", "91BE");
	expect(c, "90BD000007 01 080000 000000 00", "91BE");
	expect(c, "903D00000B 01 060000 040000 A1A2A3A4 00", "91BE");
	expect(c, "903D00000C 01 000000 040000 A1A2A3A4A5 00", "917E");
	expect(c, "90BD000007 09 000000 000000 00", "91F0");
	expect(c, "90BD000006 01 000000 0000 00", "917E");
	yn_emu_free(c);
}

static void test_access_rights_keys(void **state)
{
	struct yn_emu *c = card_new();
	struct tsess s;
	uint8_t out[64];
	size_t n;
	static const uint8_t rd[7] = { 0x01, 0, 0, 0, 4, 0, 0 };

	(void)state;
	app_with(c, "0F");
	/* R=1 W=2 RW=3 CAR=0, MAC mode */
	expect(c, "90CD000007 01 01 3012 100000 00", "9100");
	expect(c, "90BD000007 01 000000 040000 00", "91AE");	/* no session */
	expect(c, "905A000003 030201 00", "9100");
	auth_ev2(c, 2, zero16, &s);
	assert_int_equal(ev2_x(c, &s, 0xBD, rd, 7, NULL, 0, M_MAC, out, sizeof(out), &n), 0x9D);
	expect(c, "905A000003 030201 00", "9100");
	auth_ev2(c, 1, zero16, &s);
	assert_int_equal(ev2_x(c, &s, 0xBD, rd, 7, NULL, 0, M_MAC, out, sizeof(out), &n), 0);
	assert_int_equal(n, 4);
	expect(c, "905A000003 030201 00", "9100");
	auth_ev2(c, 3, zero16, &s);	/* RW reads too */
	assert_int_equal(ev2_x(c, &s, 0xBD, rd, 7, NULL, 0, M_MAC, out, sizeof(out), &n), 0);
	/* never: F */
	expect(c, "905A000003 030201 00", "9100");
	expect(c, "90CD000007 02 00 FFFF 100000 00", "9100");
	auth_ev2(c, 0, zero16, &s);
	assert_int_equal(ev2_x(c, &s, 0xBD, (const uint8_t *)"\x02\0\0\0\x04\0\0", 7, NULL, 0,
			       M_PLAIN, out, sizeof(out), &n), 0x9D);
	yn_emu_free(c);
}

/* R free and RW key 1 on a MAC file: plain for everyone but key 1, which
 * gets the file's MAC mode (docs/emulator.md "Free access"). */
static void test_free_right_plain_but_session_key_gets_file_mode(void **state)
{
	struct yn_emu *c = card_new();
	struct tsess s;
	uint8_t out[64];
	size_t n;
	static const uint8_t rd[7] = { 0x01, 0, 0, 0, 4, 0, 0 };

	(void)state;
	app_with(c, "0F");
	expect(c, "90CD000007 01 01 10E1 100000 00", "9100");	/* R=E W=1 RW=1 CAR=0 */
	expect(c, "90BD000007 01 000000 040000 00", "00000000 9100");
	auth_ev2(c, 2, zero16, &s);
	assert_int_equal(ev2_x(c, &s, 0xBD, rd, 7, NULL, 0, M_PLAIN, out, sizeof(out), &n), 0);
	assert_int_equal(n, 4);
	expect(c, "905A000003 030201 00", "9100");
	auth_ev2(c, 1, zero16, &s);
	assert_int_equal(ev2_x(c, &s, 0xBD, rd, 7, NULL, 0, M_MAC, out, sizeof(out), &n), 0);
	assert_int_equal(n, 4);
	/* and a plain request from key 1 lacks its MAC */
	assert_int_equal(ev2_x(c, &s, 0xBD, rd, 7, NULL, 0, M_PLAIN, out, sizeof(out), &n), 0x7E);
	yn_emu_free(c);
}

static void test_full_mode_round_trip_with_client(void **state)
{
	struct yn_emu *c = card_new();
	struct tsess s;
	uint8_t out[256], data[100];
	size_t n, i;
	static const uint8_t wr[7] = { 0x01, 0, 0, 0, 100, 0, 0 };
	static const uint8_t rd[7] = { 0x01, 0, 0, 0, 0, 0, 0 };

	(void)state;
	app_with(c, "0F");
	expect(c, "90CD000007 01 03 0000 800000 00", "9100");
	auth_ev2(c, 0, zero16, &s);
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7);
	assert_int_equal(ev2_x(c, &s, 0x8D, wr, 7, data, 100, M_FULL, out, sizeof(out), &n), 0);
	/* native ReadData of the whole file: 128 + 16 pad + 8 MAC, 91 AF frames */
	assert_int_equal(ev2_x(c, &s, 0xBD, rd, 7, NULL, 0, M_FULL, out, sizeof(out), &n), 0);
	assert_int_equal(n, 128);
	assert_memory_equal(out, data, 100);
	/* GetCardUID */
	assert_int_equal(ev2_x(c, &s, 0x51, NULL, 0, NULL, 0, M_FULL, out, sizeof(out), &n), 0);
	assert_int_equal(n, 7);
	assert_memory_equal(out, test_uid, 7);
	yn_emu_free(c);
}

static void test_get_card_uid_needs_auth(void **state)
{
	struct yn_emu *c = card_new();

	(void)state;
	expect(c, "9051000000", "91AE");
	yn_emu_free(c);
}

/* ReadSig without a session: 56 bytes r || s and 91 90 in one frame, as a
 * real EV2 (desfire.md §8): ECDSA secp224r1 over the raw UID by the test
 * CA.  Another UID, or one changed bit, does not verify; an address other
 * than 00 is a parameter error; a missing or extra byte a length error. */
static void test_read_sig_plain_is_56_bytes_secp224r1_by_test_ca(void **state)
{
	struct yn_emu *c = card_new();
	struct yn_p224_pubkey *pk = NULL;
	uint8_t r[128], other[7];
	size_t n;

	(void)state;
	n = expect_sw(c, "903C0000010000", 0x90, r, sizeof(r));
	assert_int_equal(n, YN_P224_SIG_LEN + 2);
	assert_int_equal(yn_p224_pubkey_from_raw(yn_emu_test_ca_pub, &pk), 0);
	assert_int_equal(yn_p224_verify_raw(pk, test_uid, 7, r), 0);
	memcpy(other, test_uid, 7);
	other[6] ^= 0x01;
	assert_int_equal(yn_p224_verify_raw(pk, other, 7, r), YN_EBADSIG);
	r[5] ^= 1;
	assert_int_equal(yn_p224_verify_raw(pk, test_uid, 7, r), YN_EBADSIG);
	expect(c, "903C0000010100", "919E");
	expect(c, "903C000000", "917E");
	expect(c, "903C000002000000", "917E");
	yn_p224_pubkey_free(pk);
	yn_emu_free(c);
}

/* The signature is made once, at creation: every ReadSig of the card gives
 * the same bytes; another card (another UID) gives another signature. */
static void test_read_sig_same_bytes_every_time(void **state)
{
	static const uint8_t uid2[7] = { 0x04, 0x99, 0x88, 0x77, 0x66, 0x55, 0x44 };
	struct yn_emu *c = card_new(), *d = NULL;
	struct yn_p224_pubkey *pk = NULL;
	uint8_t a[128], b[128];

	(void)state;
	(void)expect_sw(c, "903C0000010000", 0x90, a, sizeof(a));
	(void)expect_sw(c, "903C0000010000", 0x90, b, sizeof(b));
	assert_memory_equal(a, b, YN_P224_SIG_LEN);
	assert_int_equal(yn_emu_new_blank(uid2, 7, &d), 0);
	yn_emu_power_on(d);
	(void)expect_sw(d, "903C0000010000", 0x90, b, sizeof(b));
	assert_memory_not_equal(a, b, YN_P224_SIG_LEN);
	assert_int_equal(yn_p224_pubkey_from_raw(yn_emu_test_ca_pub, &pk), 0);
	assert_int_equal(yn_p224_verify_raw(pk, uid2, 7, b), 0);
	yn_p224_pubkey_free(pk);
	yn_emu_free(d);
	yn_emu_free(c);
}

/* In an EV2 session ReadSig is Full (as NTAG 424's Read_Sig, AN12196):
 * the command carries MACt, the answer is the same 56 bytes enciphered
 * (64 with padding) plus MACt, status 90, in one frame; CmdCtr advances.
 * In an EV1 session it is plain with the response CMAC. */
static void test_read_sig_in_sessions(void **state)
{
	struct yn_emu *c = card_new();
	struct yn_p224_pubkey *pk = NULL;
	struct tsess s;
	struct tsess1 s1;
	uint8_t plain[128], out[128], r[128];
	size_t n = 0;

	(void)state;
	(void)expect_sw(c, "903C0000010000", 0x90, plain, sizeof(plain));
	auth_ev2(c, 0, zero16, &s);
	assert_int_equal(ev2_x(c, &s, 0x3C, (const uint8_t *)"\x00", 1, NULL, 0, M_FULL, out,
			       sizeof(out), &n),
			 0x90);
	assert_int_equal(n, YN_P224_SIG_LEN);
	assert_memory_equal(out, plain, YN_P224_SIG_LEN);
	assert_int_equal(s.ctr, 1);
	/* the session goes on */
	assert_int_equal(ev2_x(c, &s, 0x51, NULL, 0, NULL, 0, M_FULL, out, sizeof(out), &n), 0x00);
	assert_int_equal(n, 7);
	/* one frame: 64 + 8 bytes and 91 90 */
	assert_int_equal(yn_ev2_mac_cmd(s.mac, 0x3C, s.ctr, s.ti, (const uint8_t *)"\x00", 1, NULL,
					0, out),
			 0);
	memcpy(r, "\x90\x3C\x00\x00\x09\x00", 6);
	memcpy(r + 6, out, 8);
	r[14] = 0x00;
	n = xfer_bin(c, r, 15, out, sizeof(out));
	assert_int_equal(n, 64 + 8 + 2);
	assert_int_equal(out[n - 2], 0x91);
	assert_int_equal(out[n - 1], 0x90);
	/* EV1: plain data, CMAC appended */
	auth_ev1(c, 0, zero16, &s1);
	assert_int_equal(ev1_x(c, &s1, 0x3C, (const uint8_t *)"\x00", 1, NULL, 0, M_MAC, 0, 0, 0,
			       out, &n),
			 0x90);
	assert_int_equal(n, YN_P224_SIG_LEN);
	assert_memory_equal(out, plain, YN_P224_SIG_LEN);
	assert_int_equal(yn_p224_pubkey_from_raw(yn_emu_test_ca_pub, &pk), 0);
	assert_int_equal(yn_p224_verify_raw(pk, test_uid, 7, out), 0);
	yn_p224_pubkey_free(pk);
	yn_emu_free(c);
}

/* Native WriteData longer than one frame: the card asks for more with
 * 91 AF and runs the command when all bytes are in. */
static void test_command_chaining_write(void **state)
{
	struct yn_emu *c = card_new();
	uint8_t r[300];
	char cmd[400];
	size_t i, n;

	(void)state;
	app_with(c, "0F");
	expect(c, "90CD000007 01 00 EEEE 800000 00", "9100");
	strcpy(cmd, "903D00003B 01 000000 500000 ");
	for (i = 0; i < 52; i++)
		snprintf(cmd + strlen(cmd), 3, "%02X", (unsigned)i);
	strcat(cmd, " 00");
	expect(c, cmd, "91AF");
	strcpy(cmd, "90AF00001C ");
	for (i = 52; i < 80; i++)
		snprintf(cmd + strlen(cmd), 3, "%02X", (unsigned)i);
	strcat(cmd, " 00");
	expect(c, cmd, "9100");
	assert_int_equal(native_x(c, 0xBD, (const uint8_t *)"\x01\0\0\0\x50\0\0", 7, r, sizeof(r),
				  &n), 0);
	assert_int_equal(n, 80);
	for (i = 0; i < 80; i++)
		assert_int_equal(r[i], i);
	/* a client that breaks the chain gets 91 CA */
	expect(c, "903D00000B 01 000000 500000 00010203 00", "91AF");
	expect(c, "9060000000", "91CA");
	yn_emu_free(c);
}

static void test_response_chaining_and_abort(void **state)
{
	struct yn_emu *c = card_new();
	uint8_t r[300];

	(void)state;
	app_with(c, "0F");
	expect(c, "90CD000007 01 00 EEEE 800000 00", "9100");
	(void)expect_sw(c, "90BD000007 01 000000 000000 00", 0xAF, r, sizeof(r));
	expect(c, "906F000000", "91CA");
	/* ISO variant AD answers in one R-APDU */
	{
		size_t n = xfer(c, "90AD000007 01 000000 000000 00", r, sizeof(r));

		assert_int_equal(n, 130);
		assert_int_equal(r[129], 0x00);
	}
	yn_emu_free(c);
}

/* EV1 secure messaging (desfire.md §3.2) in every mode, with an
 * independent EV1 client: Full write/read with CRC32, MAC write with the
 * MAC sent, plain commands with the response CMAC, value operations,
 * GetCardUID, and a bad MAC. */
static void test_ev1_secure_messaging_all_modes(void **state)
{
	struct yn_emu *c = card_new();
	struct tsess1 s;
	uint8_t out[256], data[80];
	size_t n, i;
	static const uint8_t wr[7] = { 0x01, 0x04, 0, 0, 70, 0, 0 };
	static const uint8_t rd[7] = { 0x01, 0x04, 0, 0, 70, 0, 0 };
	static const uint8_t wr2[7] = { 0x02, 0, 0, 0, 60, 0, 0 };
	static const uint8_t rd2[7] = { 0x02, 0, 0, 0, 60, 0, 0 };
	static const uint8_t v7[4] = { 7, 0, 0, 0 };

	(void)state;
	app_with(c, "0F");
	expect(c, "90CD000007 01 03 1010 800000 00", "9100");	/* Full, key 1 */
	expect(c, "90CD000007 02 01 1010 800000 00", "9100");	/* MAC, key 1 */
	expect(c, "90CC000011 03 03 1010 00000000 64000000 0A000000 00 00", "9100");
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0xC0 ^ i);
	auth_ev1(c, 1, zero16, &s);
	/* Full write of 70 bytes: 7 + 80 bytes of cryptogram in one APDU; the
	 * answer to a write carries a CMAC, not a cryptogram */
	assert_int_equal(ev1_x(c, &s, 0x3D, wr, 7, data, 70, M_FULL, 0, 0, 0, out, &n), 0);
	assert_int_equal(ev1_x(c, &s, 0xBD, rd, 7, NULL, 0, M_FULL, 0, 1, 70, out, &n), 0);
	assert_memory_equal(out, data, 70);
	assert_int_equal(ev1_x(c, &s, 0x3D, wr2, 7, data, 60, M_MAC, 1, 0, 0, out, &n), 0);
	assert_int_equal(ev1_x(c, &s, 0xBD, rd2, 7, NULL, 0, M_MAC, 0, 0, 0, out, &n), 0);
	assert_int_equal(n, 60);
	assert_memory_equal(out, data, 60);
	assert_int_equal(ev1_x(c, &s, 0x6F, NULL, 0, NULL, 0, M_MAC, 0, 0, 0, out, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(ev1_x(c, &s, 0x0C, (const uint8_t *)"\x03", 1, v7, 4, M_FULL, 0, 0, 0,
			       out, &n), 0);
	assert_int_equal(ev1_x(c, &s, 0xC7, NULL, 0, NULL, 0, M_PLAIN, 0, 0, 0, out, &n), 0);
	assert_int_equal(ev1_x(c, &s, 0x6C, (const uint8_t *)"\x03", 1, NULL, 0, M_FULL, 0, 1, 4,
			       out, &n), 0);
	assert_int_equal(yn_get_u32le(out), 17);
	assert_int_equal(ev1_x(c, &s, 0x51, NULL, 0, NULL, 0, M_FULL, 0, 1, 7, out, &n), 0);
	assert_memory_equal(out, test_uid, 7);
	/* a MAC that does not match: 1E and the session ends */
	s.iv[0] ^= 1;
	assert_int_equal(ev1_x(c, &s, 0x3D, wr2, 7, data, 60, M_MAC, 1, 0, 0, out, &n), 0x1E);
	assert_int_equal(yn_emu_test_session(c, NULL, NULL), 0);
	yn_emu_free(c);
}

/* EV1 value operations in MAC mode: with or without the MAC (§11.2). */
static void test_ev1_value_mac_both_forms(void **state)
{
	struct yn_emu *c = card_new();
	struct tsess1 s;
	uint8_t out[64];
	size_t n;
	static const uint8_t v1[4] = { 1, 0, 0, 0 };

	(void)state;
	app_with(c, "0F");
	expect(c, "90CC000011 03 01 0000 00000000 64000000 0A000000 00 00", "9100");
	auth_ev1(c, 0, zero16, &s);
	assert_int_equal(ev1_x(c, &s, 0xDC, (const uint8_t *)"\x03", 1, v1, 4, M_MAC, 1, 0, 0, out,
			       &n), 0);
	assert_int_equal(ev1_x(c, &s, 0xDC, (const uint8_t *)"\x03", 1, v1, 4, M_MAC, 0, 0, 0, out,
			       &n), 0);
	assert_int_equal(ev1_x(c, &s, 0xC7, NULL, 0, NULL, 0, M_PLAIN, 0, 0, 0, out, &n), 0);
	assert_int_equal(ev1_x(c, &s, 0x6C, (const uint8_t *)"\x03", 1, NULL, 0, M_MAC, 0, 0, 0,
			       out, &n), 0);
	assert_int_equal(yn_get_u32le(out), 8);
	yn_emu_free(c);
}

/* CmdCtr at 0xFFFF cannot advance: AE, session ended; re-auth works. */
static void test_cmdctr_exhausted_is_ae(void **state)
{
	static const uint8_t k16[16] = { 7 };
	struct yn_emu *c = card_new();
	struct tsess s;
	uint8_t out[64];
	size_t n;

	(void)state;
	yn_emu_test_set_ev2_session(c, 0, k16, k16, (const uint8_t *)"\1\2\3\4", 0xFFFF);
	memcpy(s.enc, k16, 16);
	memcpy(s.mac, k16, 16);
	memcpy(s.ti, "\1\2\3\4", 4);
	s.ctr = 0xFFFF;
	assert_int_equal(ev2_x(c, &s, 0x6E, NULL, 0, NULL, 0, M_MAC, out, sizeof(out), &n), 0xAE);
	assert_int_equal(yn_emu_test_session(c, NULL, NULL), 0);
	auth_ev2(c, 0, zero16, &s);
	assert_int_equal(ev2_x(c, &s, 0x6E, NULL, 0, NULL, 0, M_MAC, out, sizeof(out), &n), 0);
	yn_emu_free(c);
}

/* DeleteApplication by its own master key while selected: answered in the
 * session (MACed), then the card is at PICC level without a session. */
static void test_delete_app_by_its_master_key(void **state)
{
	struct yn_emu *c = card_new();
	struct tsess s;
	uint8_t out[64];
	size_t n;

	(void)state;
	app_with(c, "0F");
	auth_ev2(c, 1, zero16, &s);
	assert_int_equal(ev2_x(c, &s, 0xDA, (const uint8_t *)"\x03\x02\x01", 3, NULL, 0, M_MAC,
			       out, sizeof(out), &n), 0x9D);
	expect(c, "905A000003 030201 00", "9100");
	auth_ev2(c, 0, zero16, &s);
	assert_int_equal(ev2_x(c, &s, 0xDA, (const uint8_t *)"\x03\x02\x01", 3, NULL, 0, M_MAC,
			       out, sizeof(out), &n), 0);
	assert_int_equal(yn_emu_test_session(c, NULL, NULL), 0);
	expect(c, "906A000000", "9100");
	expect(c, "905A000003 030201 00", "91A0");
	yn_emu_free(c);
}

/* PICC master key changed to a new AES key (KeyNo 80), which then
 * authenticates; the old one does not. */
static void test_picc_master_key_change(void **state)
{
	static const uint8_t nk[16] = { 0xA0, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7,
					0xA8, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE, 0xAF };
	struct yn_emu *c = card_new();
	struct tsess s;
	uint8_t out[64], pl[21], r[64], body[64], iv[16], buf[32] = { 0 };
	size_t n, pn, bl;

	(void)state;
	auth_ev2(c, 0, zero16, &s);
	/* key type bits must say AES */
	assert_int_equal(yn_ev2_changekey_plain(1, nk, zero16, 3, pl, &pn), 0);
	assert_int_equal(ev2_x(c, &s, 0xC4, (const uint8_t *)"\x00", 1, pl, pn, M_FULL, out,
			       sizeof(out), &n), 0x9E);
	auth_ev2(c, 0, zero16, &s);
	body[0] = 0x80;
	assert_int_equal(yn_ev2_iv_cmd(s.enc, s.ti, s.ctr, iv), 0);
	assert_int_equal(yn_ev2_encrypt(s.enc, iv, pl, pn, body + 1, 48, &bl), 0);
	assert_int_equal(yn_ev2_mac_cmd(s.mac, 0xC4, s.ctr, s.ti, body, 1, body + 1, bl,
					body + 1 + bl), 0);
	assert_int_equal(native_x(c, 0xC4, body, 1 + bl + 8, r, sizeof(r), &n), 0x00);
	expect(c, "9064000001 00 00", "03 9100");
	auth_ev2(c, 0, nk, &s);
	assert_int_equal(native_x(c, 0x71, (const uint8_t *)"\x00\x00", 2, r, sizeof(r), &n),
			 0xAF);
	assert_int_equal(native_x(c, 0xAF, buf, 32, r, sizeof(r), &n), 0xAE);
	yn_emu_free(c);
}

static void test_change_file_settings(void **state)
{
	struct yn_emu *c = card_new();
	struct tsess s;
	uint8_t out[64];
	size_t n;

	(void)state;
	app_with(c, "0F");
	expect(c, "90CD000007 01 00 EEEE 100000 00", "9100");	/* CAR free */
	expect(c, "905F000004 01 03 E200 00", "9100");		/* Full, CAR 2, RW E */
	expect(c, "90F5000001 01 00", "0003E200100000 9100");
	expect(c, "905F000004 01 00 EEEE 00", "91AE");
	auth_ev2(c, 1, zero16, &s);
	assert_int_equal(ev2_x(c, &s, 0x5F, (const uint8_t *)"\x01", 1,
			       (const uint8_t *)"\x00\xEE\xEE", 3, M_FULL, out, sizeof(out), &n),
			 0x9D);
	expect(c, "905A000003 030201 00", "9100");
	auth_ev2(c, 2, zero16, &s);
	assert_int_equal(ev2_x(c, &s, 0x5F, (const uint8_t *)"\x01", 1,
			       (const uint8_t *)"\x00\xEE\xEE", 3, M_FULL, out, sizeof(out), &n), 0);
	expect(c, "905A000003 030201 00", "9100");
	expect(c, "90F5000001 01 00", "0000EEEE100000 9100");
	yn_emu_free(c);
}

/* ISO file IDs and DF names: given with KS2 bit 5, duplicates refused. */
static void test_iso_fid_and_df_name(void **state)
{
	struct yn_emu *c = card_new();

	(void)state;
	expect(c, "90CA00000E 563412 0F A2 0110 59494E49414E31 00", "9100");
	expect(c, "90CA00000E 573412 0F A2 0110 59494E49414E32 00", "91DE");	/* FID */
	expect(c, "90CA00000E 573412 0F A2 0210 59494E49414E31 00", "91DE");	/* name */
	expect(c, "90CA000016 573412 0F 82 000102030405060708090A0B0C0D0E0F10 00", "917E");
	expect(c, "905A000003 563412 00", "9100");
	expect(c, "90CD000009 01 0111 00 EEEE 200000 00", "9100");
	expect(c, "90CD000009 02 0111 00 EEEE 200000 00", "91DE");
	expect(c, "90CD000007 02 00 EEEE 200000 00", "917E");	/* FID missing */
	expect(c, "9045000000", "0FA2 9100");
	yn_emu_free(c);
}

/* The ISO variants of the record commands, 8B and AB. */
static void test_iso_record_variants(void **state)
{
	struct yn_emu *c = card_new();

	(void)state;
	app_with(c, "0F");
	expect(c, "90C100000A 01 00 EEEE 030000 030000 00", "9100");
	expect(c, "908B00000A 01 000000 030000 C1C2C3 00", "9100");
	expect(c, "90C7000000", "9100");
	expect(c, "90AB000007 01 000000 000000 00", "C1C2C3 9100");
	yn_emu_free(c);
}

/* The order of checks (docs/emulator.md "Error precedence"), and the
 * default keys of a new application (16 x 00, version 00). */
static void test_error_precedence_and_default_keys(void **state)
{
	struct yn_emu *c = card_new();
	struct tsess s;
	uint8_t out[64];
	size_t n;
	static const uint8_t past[7] = { 0x01, 0x00, 0x01, 0, 0x10, 0, 0 };

	(void)state;
	app_with(c, "0F");
	expect(c, "9064000001 00 00", "00 9100");
	expect(c, "9064000001 03 00", "00 9100");
	expect(c, "9064000001 04 00", "9140");
	expect(c, "90CD000007 01 01 1111 100000 00", "9100");	/* MAC, key 1 */
	/* short header before anything else */
	expect(c, "90BD000003 010000 00", "917E");
	/* a missing file before the missing session */
	expect(c, "90BD000007 05 000000 040000 00", "91F0");
	/* the missing session before the bounds */
	expect(c, "90BD000007 01 000100 100000 00", "91AE");
	auth_ev2(c, 1, zero16, &s);
	/* a bad MAC before the bounds */
	s.ctr++;
	assert_int_equal(ev2_x(c, &s, 0xBD, past, 7, NULL, 0, M_MAC, out, sizeof(out), &n), 0x1E);
	expect(c, "905A000003 030201 00", "9100");
	auth_ev2(c, 1, zero16, &s);
	assert_int_equal(ev2_x(c, &s, 0xBD, past, 7, NULL, 0, M_MAC, out, sizeof(out), &n), 0xBE);
	yn_emu_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_version_three_frames),
		cmocka_unit_test(test_get_data_uid_and_atr),
		cmocka_unit_test(test_unknown_command_is_1c),
		cmocka_unit_test(test_app_create_list_delete),
		cmocka_unit_test(test_app_count_limit_is_ce),
		cmocka_unit_test(test_format_needs_master_key_then_empties),
		cmocka_unit_test(test_wrong_key_is_ae_and_ends_session),
		cmocka_unit_test(test_error_drops_session),
		cmocka_unit_test(test_bad_mac_is_integrity_error),
		cmocka_unit_test(test_cmdctr_counts_plain_commands),
		cmocka_unit_test(test_ev2_nonfirst_keeps_ti_and_counter),
		cmocka_unit_test(test_key_settings_and_list_right),
		cmocka_unit_test(test_change_key_rules),
		cmocka_unit_test(test_files_create_settings_delete),
		cmocka_unit_test(test_create_file_without_master_key_when_ks1_bit2_clear),
		cmocka_unit_test(test_std_file_free_access_and_bounds),
		cmocka_unit_test(test_access_rights_keys),
		cmocka_unit_test(test_free_right_plain_but_session_key_gets_file_mode),
		cmocka_unit_test(test_full_mode_round_trip_with_client),
		cmocka_unit_test(test_get_card_uid_needs_auth),
		cmocka_unit_test(test_read_sig_plain_is_56_bytes_secp224r1_by_test_ca),
		cmocka_unit_test(test_read_sig_same_bytes_every_time),
		cmocka_unit_test(test_read_sig_in_sessions),
		cmocka_unit_test(test_command_chaining_write),
		cmocka_unit_test(test_response_chaining_and_abort),
		cmocka_unit_test(test_ev1_secure_messaging_all_modes),
		cmocka_unit_test(test_ev1_value_mac_both_forms),
		cmocka_unit_test(test_cmdctr_exhausted_is_ae),
		cmocka_unit_test(test_delete_app_by_its_master_key),
		cmocka_unit_test(test_picc_master_key_change),
		cmocka_unit_test(test_change_file_settings),
		cmocka_unit_test(test_iso_fid_and_df_name),
		cmocka_unit_test(test_iso_record_variants),
		cmocka_unit_test(test_error_precedence_and_default_keys),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
