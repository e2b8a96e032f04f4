/*
 * The software card against published transcripts (desfire.md): with its
 * random numbers fixed by the test hook, or a session planted, the card's
 * frames must match the vectors byte for byte.
 */
#include "tests/unit/test_emu_util.h"

/* Application 00AE16, KS1 0F (everything free but key changes), AES,
 * n keys (patsys test.py creates it with 2). */
static void make_app(struct yn_emu *c, const char *ks2)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "90CA000005 16AE00 0F %s 00", ks2);
	expect(c, "905A00000300000000", "9100");
	expect(c, cmd, "9100");
	expect(c, "905A000003 16AE00 00", "9100");
}

/* AN12343 Table 16 (desfire.md §4.3): EV2First with key 0 = 16x00. */
static void test_ev2_first_an12343_transcript(void **state)
{
	struct yn_emu *c = card_new();
	uint8_t kn;
	uint16_t ctr;

	(void)state;
	set_rng_hex(c, "FA659AD0DCA738DD65DC7DC38612AD81 8CF141F3");
	expect(c, "9071000002000000", "24677DDBD46349E623798FD729006E79 91AF");
	expect(c, "90AF000020 3B50445F21D21D77D500794DEB245E5A754F5F901844259F4C9B31A5C7335ACD 00",
	       "04C6DBD67417ED0D31DDDE4D2E3FFAC2B4B074F638EEF7FFF9254963B65C7759 9100");
	assert_int_equal(yn_emu_test_session(c, &kn, &ctr), 2);
	assert_int_equal(kn, 0);
	assert_int_equal(ctr, 0);
	yn_emu_free(c);
}

/* AN12196 §6.6 (test_auth1), then the [DER] value vectors of §10 in that
 * session: Debit Full (ctr 0), GetValue Full (ctr 1), Commit MAC (ctr 2).
 * The file's committed value is 90: GetValue shows the committed value
 * until CommitTransaction (§6.3). */
static void test_ev2_an12196_auth_and_value_vectors(void **state)
{
	struct yn_emu *c = card_new();
	uint8_t resp[256];

	(void)state;
	make_app(c, "85");
	/* value file 01, Full, all rights key 0, lower 0, upper 1000, value 90 */
	expect(c, "90CC000011 01 03 0000 00000000 E8030000 5A000000 00 00", "9100");
	set_rng_hex(c, "B9E2FC789B64BF237CCCAA20EC7E6E48 9D00C4DF");
	expect(c, "9071000002000000", "A04C124213C186F22399D33AC2A30215 91AF");
	expect(c, "90AF000020 35C3E05A752E0144BAC0DE51C1F22C56B34408A23D8AEA266CAB947EA8E0118D 00",
	       "3FA64DB5446D1F34CD6EA311167F5E4985B89690C04A05F17FA7AB2F08120663 9100");
	expect(c, "90DC000019 01 C209AF5756D13D8C7CAAEB62C7025218 F5AB84AE192C1AD2 00",
	       "FC222E5F7A542452 9100");
	expect(c, "906C000009 01 2193555688596A63 00",
	       "0A11C21ED9C27851FEC4E474F5B8F1F4 98152B0874F155D7 9100");
	expect(c, "90C7000008 F0583BBEF5354B6E 00", "6B3573A7F0F695AB 9100");
	(void)resp;
	yn_emu_free(c);
}

/* AN12196 §6.10 (test_auth2) with key 3, then §6.12 WriteData 8D Full in
 * that session (desfire.md §5.3). */
static void test_ev2_an12196_key3_auth_and_full_write(void **state)
{
	struct yn_emu *c = card_new();

	(void)state;
	make_app(c, "85");
	/* file 03: std, Full, R=E? no: R 3, W 3, RW 3, CAR 0; 128 bytes */
	expect(c, "90CD000007 03 03 3033 800000 00", "9100");
	set_rng_hex(c, "91517975190DCEA6104948EFA3085C1B 7614281A");
	expect(c, "9071000002030000", "B875CEB0E66A6C5CD00898DC371F92D1 91AF");
	expect(c, "90AF000020 FF0306E47DFBC50087C4D8A78E88E62DE1E8BE457AA477C707E2F0874916A8B1 00",
	       "0CC9A8094A8EEA683ECAAC5C7BF20584206D0608D477110FC6B3D5D3F65C3A6A 9100");
	expect(c, "908D00001F 030000000A0000 6B5E6804909962FC4E3FF5522CF0F843 6C0C53315B9C73AA 00",
	       "C26D236E4A7C046D 9100");
	yn_emu_free(c);
}

/* AN12343 Tables 23-24 (desfire.md §5.2): CommMode.MAC write and read. */
static void test_ev2_mac_mode_an12343_tables_23_24(void **state)
{
	static const uint8_t enc[16] = { 0xC4, 0xC9, 0xF2, 0xA7, 0x34, 0xF3, 0x29, 0x67,
					 0xFA, 0xC8, 0x0A, 0x0F, 0x37, 0xC7, 0x64, 0xF0 };
	static const uint8_t mac[16] = { 0x93, 0x66, 0xFA, 0x19, 0x5E, 0xB5, 0x66, 0xF5,
					 0xBD, 0x2B, 0xAD, 0x40, 0x20, 0xB8, 0x30, 0x02 };
	static const uint8_t ti[4] = { 0xE2, 0xD3, 0xAF, 0x69 };
	struct yn_emu *c = card_new();
	char cmd[200];

	(void)state;
	make_app(c, "85");
	expect(c, "90CD000007 00 01 0000 000100 00", "9100");	/* MAC mode, key 0 */
	yn_emu_test_set_ev2_session(c, 0, enc, mac, ti, 0);
	snprintf(cmd, sizeof(cmd), "908D000028 00 000000 190000 %s 68F2C28C575A1628 00",
		 "22222222222222222222222222222222222222222222222222");
	expect(c, cmd, "0820F68898C2A7F1 9100");
	expect(c, "90AD00000F 00 000000 300000 0D9BE191D5960834 00",
	       "22222222222222222222222222222222222222222222222222"
	       "0000000000000000000000000000000000000000000000 A49A44222D926666 9100");
	yn_emu_free(c);
}

/* AN12343 Tables 25-26 (desfire.md §5.4): Full write and read. */
static void test_ev2_full_mode_an12343_tables_25_26(void **state)
{
	static const uint8_t enc[16] = { 0xFF, 0xBC, 0xFE, 0x1F, 0x41, 0x84, 0x0A, 0x09,
					 0xC9, 0xA8, 0x8D, 0x0A, 0x4B, 0x10, 0xDF, 0x05 };
	static const uint8_t mac[16] = { 0x37, 0xE7, 0x23, 0x4B, 0x11, 0xBE, 0xBE, 0xFD,
					 0xE4, 0x1A, 0x8F, 0x29, 0x00, 0x90, 0xEF, 0x80 };
	static const uint8_t ti[4] = { 0xCD, 0x73, 0xD8, 0xE5 };
	struct yn_emu *c = card_new();

	(void)state;
	make_app(c, "85");
	expect(c, "90CD000007 00 03 0000 000100 00", "9100");	/* Full, key 0 */
	yn_emu_test_set_ev2_session(c, 0, enc, mac, ti, 0);
	expect(c, "908D00002F 00 000000 190000 "
		  "D7446FBC912580C0A65E738D28B609E43ADBB8FB2B4CA68744D1BBEBB37EBD32 "
		  "700ADF7BB9F62A6C 00",
	       "B9A534A7A73EE0DD 9100");
	expect(c, "90AD00000F 00 000000 300000 7CF94F122B3DB05F 00",
	       "8848D0F9B9FD4495770C89925B2A85C7274D350FA9029C484D43804886662DC4"
	       "2D7F40A6D7A415E4A71EFF79EB8E5721AC3BF1CAAFE8EB2CAA2DC162E67A97A3 "
	       "8ED7888F22B3A587 9100");
	yn_emu_free(c);
}

/* AN12196 Table 28 (desfire.md §5.3): GetCardUID in Full mode. */
static void test_ev2_get_card_uid_an12196_table_28(void **state)
{
	static const uint8_t uid[7] = { 0x04, 0x95, 0x8C, 0xAA, 0x5C, 0x5E, 0x80 };
	static const uint8_t enc[16] = { 0x2B, 0x4D, 0x96, 0x3C, 0x01, 0x4D, 0xC3, 0x6F,
					 0x24, 0xF6, 0x9A, 0x50, 0xA3, 0x94, 0xF8, 0x75 };
	static const uint8_t mac[16] = { 0x37, 0x9D, 0x32, 0x13, 0x0C, 0xE6, 0x17, 0x05,
					 0xDD, 0x5F, 0xD8, 0xC3, 0x6B, 0x95, 0xD7, 0x64 };
	static const uint8_t ti[4] = { 0xDF, 0x05, 0x55, 0x22 };
	struct yn_emu *c = NULL;

	(void)state;
	assert_int_equal(yn_emu_new_blank(uid, 7, &c), 0);
	yn_emu_power_on(c);
	yn_emu_test_set_ev2_session(c, 0, enc, mac, ti, 0);
	expect(c, "9051000008 8E2C155ADDA99BE3 00",
	       "70756055688505B52A5E26E59E329CD6 595F672298EA41B7 9100");
	yn_emu_free(c);
}

/* AN12196 Tables 25 and 26 (desfire.md §5.3): ChangeKey of another key
 * (ctr 2), then of the authenticated key (ctr 3), which ends the session. */
static void test_ev2_change_key_an12196_tables_25_26(void **state)
{
	static const uint8_t enc[16] = { 0x4C, 0xF3, 0xCB, 0x41, 0xA2, 0x25, 0x83, 0xA6,
					 0x1E, 0x89, 0xB1, 0x58, 0xD2, 0x52, 0xFC, 0x53 };
	static const uint8_t mac[16] = { 0x55, 0x29, 0x86, 0x0B, 0x2F, 0xC5, 0xFB, 0x61,
					 0x54, 0xB7, 0xF2, 0x83, 0x61, 0xD3, 0x0B, 0xF9 };
	static const uint8_t ti[4] = { 0x76, 0x14, 0x28, 0x1A };
	uint8_t resp[64], want[8];
	struct yn_emu *c = card_new();
	size_t n;

	(void)state;
	make_app(c, "85");
	yn_emu_test_set_ev2_session(c, 0, enc, mac, ti, 2);
	n = expect_sw(c, "90C4000029022CF362B7BF4311FF3BE1DAA295E8C68DE09050560D19B9E16C2393AE9CD1"
		      "FAC75D0CE20BCD1D06E600", 0x00, resp, sizeof(resp));
	assert_int_equal(n, 10);
	assert_int_equal(yn_ev2_mac_resp(mac, 0x00, 3, ti, NULL, 0, want), 0);
	assert_memory_equal(resp, want, 8);
	expect(c, "90C4000029 00 C0EB4DEEFEDDF0B513A03A95A75491818580503190D4D05053FF75668A01D6FD "
		  "A6610234BDED6432 00", "9100");
	assert_int_equal(yn_emu_test_session(c, NULL, NULL), 0);
	expect(c, "9064000001 02 00", "01 9100");
	expect(c, "9064000001 00 00", "01 9100");
	yn_emu_free(c);
}

/* EV1 AES authentication, Vector 1 (desfire.md §3.1), then ChangeKey of
 * the authenticated key (§3.4): answered 91 00 without a CMAC. */
static void test_ev1_auth_vector1_and_change_same_key(void **state)
{
	struct yn_emu *c = card_new();

	(void)state;
	make_app(c, "82");
	set_rng_hex(c, "C05DDD714FD788A6B7B754F3C4D066E8");
	expect(c, "90AA0000010000", "B969FDFE56FD91FC9DE6F6F213B8FD1E 91AF");
	expect(c, "90AF000020 36AAD7DF6E436BA08D18613830A70D5AD43E3D3F4A8D47541EEE623A934E4774 00",
	       "800DB680BC146BD121D6578F2D2E2059 9100");
	assert_int_equal(yn_emu_test_session(c, NULL, NULL), 1);
	expect(c, "90C4000021 00 E9F85E219496C2B58C1090DC3935FAE9E840CF61B383D9531946256B1F110C10 00",
	       "9100");
	assert_int_equal(yn_emu_test_session(c, NULL, NULL), 0);
	expect(c, "9064000001 00 00", "10 9100");
	yn_emu_free(c);
}

/* EV1 ChangeKey of another key (§3.4) in the planted session. */
static void test_ev1_change_other_key_vector(void **state)
{
	static const uint8_t sk[16] = { 0xC2, 0xA1, 0xE4, 0x7B, 0xD8, 0x10, 0x00, 0x44,
					0xFE, 0x6D, 0x00, 0xA7, 0x4D, 0x7A, 0xB1, 0x7C };
	struct yn_emu *c = card_new();
	uint8_t resp[64];
	size_t n;

	(void)state;
	make_app(c, "82");
	yn_emu_test_set_ev1_session(c, 0, sk);
	expect(c, "90C4000021 01 E7ECCB6BD1CA64BC161A12B1C024F71430337408C8A87EACAB7A1FF18951FCA3 00",
	       "2128D3CD9C9ACFFF 9100");
	assert_int_equal(yn_emu_test_session(c, NULL, NULL), 1);
	/* still in the session: the answer carries its CMAC */
	n = expect_sw(c, "9064000001 01 00", 0x00, resp, sizeof(resp));
	assert_int_equal(n, 1 + 8 + 2);
	assert_int_equal(resp[0], 0x10);
	yn_emu_free(c);
}

/* Vector 2 (§3.1) with key 1 set by an EV1 ChangeKey, then the real-card
 * CMAC chain of §3.3: every response CMAC must match. */
static void test_ev1_vector2_and_cmac_chain(void **state)
{
	static const uint8_t key1[16] = { 0x10, 0x18, 0x20, 0x28, 0x30, 0x38, 0x40, 0x48,
					  0x50, 0x58, 0x60, 0x68, 0x70, 0x78, 0x80, 0x88 };
	uint8_t zero[16] = { 0 }, cg[32], cmd[64], resp[64], iv[16] = { 0 };
	uint8_t rnda[16], rndb[16], sk[16];
	struct yn_emu *c = card_new();
	char wr[400];
	size_t i, rn;
	uint32_t crc;
	uint8_t tmp[18];

	(void)state;
	make_app(c, "82");
	/* Authenticate key 0 (EV1, RndB fixed), derive SK ourselves. */
	memset(rndb, 0xB5, 16);
	yn_emu_set_test_rng(c, rndb, 16);
	rn = xfer(c, "90AA0000010000", resp, sizeof(resp));
	assert_int_equal(rn, 18);
	for (i = 0; i < 16; i++)
		rnda[i] = (uint8_t)i;
	memcpy(cmd, "\x90\xAF\x00\x00\x20", 5);
	memcpy(tmp, rnda, 16);
	memcpy(cg, rnda, 16);
	yn_desfire_rotl1(rndb, cg + 16);
	memcpy(iv, resp, 16);
	assert_int_equal(yn_aes128_cbc_encrypt(zero, iv, cg, cmd + 5, 32), 0);
	cmd[37] = 0;
	rn = xfer_bin(c, cmd, 38, resp, sizeof(resp));
	assert_int_equal(rn, 18);
	yn_ev1_session_key(rnda, rndb, sk);
	/* ChangeKey 1: (new ^ old) || 10 || CRC(C4 01 || xor || 10) || CRC(new) || pad */
	memset(cg, 0, sizeof(cg));
	memcpy(cg, key1, 16);
	cg[16] = 0x10;
	tmp[0] = 0xC4;
	tmp[1] = 0x01;
	memcpy(tmp + 2, cg, 16);
	{
		uint8_t m[19];

		memcpy(m, tmp, 18);
		m[18] = 0x10;
		crc = yn_desfire_crc32(m, 19);
	}
	yn_put_u32le(cg + 17, crc);
	yn_put_u32le(cg + 21, yn_desfire_crc32(key1, 16));
	memset(iv, 0, 16);
	memcpy(cmd, "\x90\xC4\x00\x00\x21\x01", 6);
	assert_int_equal(yn_aes128_cbc_encrypt(sk, iv, cg, cmd + 6, 32), 0);
	cmd[38] = 0;
	rn = xfer_bin(c, cmd, 39, resp, sizeof(resp));
	assert_int_equal(rn, 10);
	assert_int_equal(resp[9], 0x00);

	/* Vector 2 */
	expect(c, "905A000003 16AE00 00", "9100");
	set_rng_hex(c, "626FFBD45CAF334ACCA45599304F5B17");
	expect(c, "90AA0000010100", "B351CB2465D4F33AC627FD6E87A168F2 91AF");
	expect(c, "90AF000020 044B6CAC343A0865895149649CA8DDE1F5AC4EC67BD208900AF02F049E05F0B0 00",
	       "A2EE144B1012FBEB7B2F11132D95A454 9100");
	/* §3.3 */
	expect(c, "90CD000007 05 00 1100 500000 00", "A75316AD1596B953 9100");
	expect(c, "906F000000", "05 2D5FF67FFEC9D2D3 9100");
	expect(c, "90F5000001 05 00", "00001100500000 2AAC7517024E09DC 9100");
	strcpy(wr, "903D00003B 05 000000 340000 ");
	for (i = 0; i < 0x34; i++)
		snprintf(wr + strlen(wr), 3, "%02X", (unsigned)i);
	strcat(wr, " 00");
	expect(c, wr, "765C9DAA50ECB62F 9100");
	strcpy(wr, "903D000023 05 340000 1C0000 ");
	for (i = 0x34; i < 0x50; i++)
		snprintf(wr + strlen(wr), 3, "%02X", (unsigned)i);
	strcat(wr, " 00");
	expect(c, wr, "3E0AED986B8B0F37 9100");
	strcpy(wr, "");
	for (i = 0; i < 0x30; i++)
		snprintf(wr + strlen(wr), 3, "%02X", (unsigned)i);
	strcat(wr, " 4C65F1F842262BAC 9100");
	expect(c, "90BD000007 05 000000 300000 00", wr);
	strcpy(wr, "");
	for (i = 0x30; i < 0x50; i++)
		snprintf(wr + strlen(wr), 3, "%02X", (unsigned)i);
	strcat(wr, " F02205CF913C03C9 9100");
	expect(c, "90BD000007 05 300000 200000 00", wr);
	expect(c, "90DF000001 05 00", "1BEF0D32B6D1D7F9 9100");
	yn_emu_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ev2_first_an12343_transcript),
		cmocka_unit_test(test_ev2_an12196_auth_and_value_vectors),
		cmocka_unit_test(test_ev2_an12196_key3_auth_and_full_write),
		cmocka_unit_test(test_ev2_mac_mode_an12343_tables_23_24),
		cmocka_unit_test(test_ev2_full_mode_an12343_tables_25_26),
		cmocka_unit_test(test_ev2_get_card_uid_an12196_table_28),
		cmocka_unit_test(test_ev2_change_key_an12196_tables_25_26),
		cmocka_unit_test(test_ev1_auth_vector1_and_change_same_key),
		cmocka_unit_test(test_ev1_change_other_key_vector),
		cmocka_unit_test(test_ev1_vector2_and_cmac_chain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
