/*
 * DESFire terminal layer against published EV2 transcripts (desfire.md
 * §4.3, §5.2-§5.4, §10), driven through a scripted fake reader that checks
 * every command APDU byte for byte and answers the recorded response; and
 * against hostile answers (wrong MACs, short frames, endless chains, foreign
 * status words), which must end in a clear error with bounded work.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/err.h"
#include "card/desfire.h"
#include "crypto/crypto.h"
#include "reader/reader.h"
#include "tests/lib/testlib.h"

#define DL YN_DEADLINE_NONE

/* --- scripted fake reader --- */

struct step {
	const char *cmd;	/* expected command APDU, hex */
	const char *rsp;	/* response APDU, hex */
};

struct fake;
typedef int (*gen_fn)(struct fake *f, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t cap,
		      size_t *rlen);

struct fake {
	struct yn_reader base;
	const struct step *steps;
	size_t n, i;
	gen_fn gen;		/* instead of a script */
	unsigned calls;
	uint8_t last[300];
	size_t last_len;
};

static int fake_transmit(struct yn_reader *r, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
			 size_t resp_cap, size_t *resp_len, uint64_t deadline_ns)
{
	struct fake *f = (struct fake *)r;
	uint8_t want[600];
	size_t wn, rn;
	char got[1300];

	(void)deadline_ns;
	f->calls++;
	assert_true(cmd_len <= sizeof(f->last));
	memcpy(f->last, cmd, cmd_len);
	f->last_len = cmd_len;
	if (f->gen != NULL)
		return f->gen(f, cmd, cmd_len, resp, resp_cap, resp_len);
	if (f->i >= f->n) {
		yn_hex_encode(cmd, cmd_len, got, sizeof(got));
		fail_msg("unexpected APDU %s after the script ended", got);
	}
	wn = yn_test_hex(f->steps[f->i].cmd, want, sizeof(want));
	if (wn != cmd_len || memcmp(want, cmd, wn) != 0) {
		yn_hex_encode(cmd, cmd_len, got, sizeof(got));
		fail_msg("step %zu: APDU %s\n expected %s", f->i, got, f->steps[f->i].cmd);
	}
	rn = yn_test_hex(f->steps[f->i].rsp, want, sizeof(want));
	f->i++;
	if (rn > resp_cap)
		return YN_ENOSPC;
	memcpy(resp, want, rn);
	*resp_len = rn;
	return 0;
}

static const struct yn_reader_ops fake_ops = {
	.scheme = "fake",
	.transmit = fake_transmit,
};

static void fake_init(struct fake *f, const struct step *steps, size_t n)
{
	memset(f, 0, sizeof(*f));
	f->base.ops = &fake_ops;
	f->steps = steps;
	f->n = n;
}

static void fake_done(const struct fake *f)
{
	assert_int_equal(f->i, f->n);
}

/* RndA from a fixed buffer (the test hook). */
static int fixed_rng(void *ctx, uint8_t *p, size_t n)
{
	memcpy(p, ctx, n);
	return 0;
}

static void hex(const char *h, uint8_t *out, size_t n)
{
	assert_int_equal(yn_test_hex(h, out, n), n);
}

static void session(struct yn_desfire *df, const char *enc, const char *mac, const char *ti,
		    uint16_t ctr, uint8_t key_no)
{
	struct yn_ev2_keys k;
	uint8_t t[4];

	hex(enc, k.enc, 16);
	hex(mac, k.mac, 16);
	hex(ti, t, 4);
	yn_desfire_set_session(df, &k, t, ctr, key_no);
}

static void assert_hex(const uint8_t *p, size_t n, const char *h)
{
	uint8_t want[600];
	size_t wn = yn_test_hex(h, want, sizeof(want));

	assert_int_equal(n, wn);
	assert_memory_equal(p, want, n);
}

static const uint8_t zero_key[16];

/* --- authentication transcripts --- */

/* AN12343 Table 16 (desfire.md §4.3): key 0 = 16 x 00. */
static void test_auth_first_an12343_table16(void **state)
{
	static const struct step s[] = {
		{ "9071000002000000", "24677DDBD46349E623798FD729006E79 91AF" },
		{ "90AF000020 3B50445F21D21D77D500794DEB245E5A754F5F901844259F4C9B31A5C7335ACD 00",
		  "04C6DBD67417ED0D31DDDE4D2E3FFAC2B4B074F638EEF7FFF9254963B65C7759 9100" },
	};
	uint8_t rnda[16];
	struct yn_desfire df;
	struct fake f;

	(void)state;
	hex("B04D0787C93EE0CC8CACC8E86F16C6FE", rnda, 16);
	fake_init(&f, s, 2);
	yn_desfire_init(&df, &f.base);
	yn_desfire_set_rng(&df, fixed_rng, rnda);
	assert_int_equal(yn_desfire_auth_ev2_first(&df, 0, zero_key, DL), 0);
	fake_done(&f);
	assert_true(yn_desfire_is_authenticated(&df));
	assert_hex(df.ti, 4, "8CF141F3");
	assert_hex(df.keys.enc, 16, "63DC07286289A7A6C0334CA31C314A04");
	assert_hex(df.keys.mac, 16, "774F26743ECE6AF5033B6AE8522946F6");
	assert_int_equal(df.cmd_ctr, 0);
	assert_int_equal(df.apdus, 2);
	assert_int_equal(df.bytes_tx, 8 + 38);
	assert_int_equal(df.bytes_rx, 18 + 34);
}

/* AN12196 §6.6 then the §10 [DER] Debit / GetValue / Commit frames. */
static void test_auth_an12196_6_6_then_debit_getvalue_commit(void **state)
{
	static const struct step s[] = {
		{ "9071000002000000", "A04C124213C186F22399D33AC2A30215 91AF" },
		{ "90AF000020 35C3E05A752E0144BAC0DE51C1F22C56B34408A23D8AEA266CAB947EA8E0118D 00",
		  "3FA64DB5446D1F34CD6EA311167F5E4985B89690C04A05F17FA7AB2F08120663 9100" },
		{ "90DC000019 01 C209AF5756D13D8C7CAAEB62C7025218 F5AB84AE192C1AD2 00",
		  "FC222E5F7A542452 9100" },
		{ "906C000009 01 2193555688596A63 00",
		  "0A11C21ED9C27851FEC4E474F5B8F1F4 98152B0874F155D7 9100" },
		{ "90C7000008 F0583BBEF5354B6E 00", "6B3573A7F0F695AB 9100" },
	};
	uint8_t rnda[16];
	struct yn_desfire df;
	struct fake f;
	int32_t v = 0;

	(void)state;
	hex("13C5DB8A5930439FC3DEF9A4C675360F", rnda, 16);
	fake_init(&f, s, 5);
	yn_desfire_init(&df, &f.base);
	yn_desfire_set_rng(&df, fixed_rng, rnda);
	assert_int_equal(yn_desfire_auth_ev2_first(&df, 0, zero_key, DL), 0);
	assert_hex(df.ti, 4, "9D00C4DF");
	assert_hex(df.keys.enc, 16, "1309C877509E5A215007FF0ED19CA564");
	assert_hex(df.keys.mac, 16, "4C6626F5E72EA694202139295C7A7FC7");
	assert_int_equal(yn_desfire_debit(&df, YN_DESFIRE_FULL, 1, 10, DL), 0);
	assert_int_equal(yn_desfire_get_value(&df, YN_DESFIRE_FULL, 1, &v, DL), 0);
	assert_int_equal(v, 90);
	assert_int_equal(yn_desfire_commit(&df, YN_DESFIRE_MAC, DL), 0);
	assert_int_equal(df.cmd_ctr, 3);
	fake_done(&f);
}

/* AN12196 §6.10 (key 3 = 16 x 00) then §6.12 WriteData in Full mode. */
static void test_auth_an12196_6_10_then_write_6_12(void **state)
{
	static const struct step s[] = {
		{ "9071000002030000", "B875CEB0E66A6C5CD00898DC371F92D1 91AF" },
		{ "90AF000020 FF0306E47DFBC50087C4D8A78E88E62DE1E8BE457AA477C707E2F0874916A8B1 00",
		  "0CC9A8094A8EEA683ECAAC5C7BF20584206D0608D477110FC6B3D5D3F65C3A6A 9100" },
		{ "908D00001F 030000000A0000 6B5E6804909962FC4E3FF5522CF0F843 6C0C53315B9C73AA 00",
		  "C26D236E4A7C046D 9100" },
	};
	uint8_t rnda[16], data[10];
	struct yn_desfire df;
	struct fake f;

	(void)state;
	hex("B98F4C50CF1C2E084FD150E33992B048", rnda, 16);
	hex("0102030405060708090A", data, 10);
	fake_init(&f, s, 3);
	yn_desfire_init(&df, &f.base);
	df.ins_set = YN_DESFIRE_INS_ISO;
	yn_desfire_set_rng(&df, fixed_rng, rnda);
	assert_int_equal(yn_desfire_auth_ev2_first(&df, 3, zero_key, DL), 0);
	assert_hex(df.ti, 4, "7614281A");
	assert_hex(df.keys.enc, 16, "7A93D6571E4B180FCA6AC90C9A7488D4");
	assert_hex(df.keys.mac, 16, "FC4AF159B62E549B5812394CAB1918CC");
	assert_int_equal(yn_desfire_write_data(&df, YN_DESFIRE_FULL, 3, 0, data, 10, DL), 0);
	assert_int_equal(df.cmd_ctr, 1);
	fake_done(&f);
}

/* A card whose RndA' proof is wrong (here: the recorded answer with one
 * ciphertext bit flipped) is refused and leaves no session. */
static void test_auth_wrong_rnda_proof_is_ebadmac(void **state)
{
	static const struct step s[] = {
		{ "9071000002000000", "24677DDBD46349E623798FD729006E79 91AF" },
		{ "90AF000020 3B50445F21D21D77D500794DEB245E5A754F5F901844259F4C9B31A5C7335ACD 00",
		  "04C6DBD67417ED0D31DDDE4D2E3FFAC2B4B074F638EEF7FFF9254963B65C7758 9100" },
	};
	uint8_t rnda[16];
	struct yn_desfire df;
	struct fake f;

	(void)state;
	hex("B04D0787C93EE0CC8CACC8E86F16C6FE", rnda, 16);
	fake_init(&f, s, 2);
	yn_desfire_init(&df, &f.base);
	yn_desfire_set_rng(&df, fixed_rng, rnda);
	assert_int_equal(yn_desfire_auth_ev2_first(&df, 0, zero_key, DL), YN_EBADMAC);
	assert_false(yn_desfire_is_authenticated(&df));
	fake_done(&f);
}

static void test_auth_refused_by_card_drops_session(void **state)
{
	static const struct step s[] = {
		{ "9071000002010000", "91AE" },
	};
	struct yn_desfire df;
	struct fake f;

	(void)state;
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	session(&df, "1309C877509E5A215007FF0ED19CA564", "4C6626F5E72EA694202139295C7A7FC7",
		"9D00C4DF", 4, 0);
	assert_int_equal(yn_desfire_auth_ev2_first(&df, 1, zero_key, DL), YN_ECARD_AUTH);
	assert_false(yn_desfire_is_authenticated(&df));
	fake_done(&f);
}

static void test_auth_step2_short_is_eproto(void **state)
{
	static const struct step s[] = {
		{ "9071000002000000", "24677DDBD46349E623798FD729006E 91AF" },
	};
	struct yn_desfire df;
	struct fake f;

	(void)state;
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_auth_ev2_first(&df, 0, zero_key, DL), YN_EPROTO);
	assert_false(yn_desfire_is_authenticated(&df));
	fake_done(&f);
}

static void test_auth_nonfirst_without_session_is_local(void **state)
{
	struct yn_desfire df;
	struct fake f;

	(void)state;
	fake_init(&f, NULL, 0);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_auth_ev2_nonfirst(&df, 0, zero_key, DL), YN_ENOTAUTH);
	assert_int_equal(f.calls, 0);
}

/* --- secure messaging transcripts --- */

/* AN12343 Tables 23-24: WriteData 8D and ReadData AD in CommMode.MAC. */
static void test_mac_mode_write_read_an12343_t23_t24(void **state)
{
	static const struct step s[] = {
		{ "908D000028 00000000190000 22222222222222222222222222222222222222222222222222"
		  " 68F2C28C575A1628 00",
		  "0820F68898C2A7F1 9100" },
		{ "90AD00000F 00000000300000 0D9BE191D5960834 00",
		  "22222222222222222222222222222222222222222222222222"
		  "0000000000000000000000000000000000000000000000 A49A44222D926666 9100" },
	};
	uint8_t data[25], out[48];
	struct yn_desfire df;
	struct fake f;
	size_t n = 0;

	(void)state;
	memset(data, 0x22, sizeof(data));
	fake_init(&f, s, 2);
	yn_desfire_init(&df, &f.base);
	df.ins_set = YN_DESFIRE_INS_ISO;
	session(&df, "C4C9F2A734F32967FAC80A0F37C764F0", "9366FA195EB566F5BD2BAD4020B83002",
		"E2D3AF69", 0, 0);
	assert_int_equal(yn_desfire_write_data(&df, YN_DESFIRE_MAC, 0, 0, data, 25, DL), 0);
	assert_int_equal(yn_desfire_read_data(&df, YN_DESFIRE_MAC, 0, 0, 48, out, sizeof(out), &n,
					      DL),
			 0);
	assert_int_equal(n, 48);
	assert_memory_equal(out, data, 25);
	assert_hex(out + 25, 23, "0000000000000000000000000000000000000000000000");
	assert_int_equal(df.cmd_ctr, 2);
	fake_done(&f);
}

/* AN12343 Tables 25-26: the same in CommMode.Full (the read answer carries a
 * whole padding block after 48 aligned bytes). */
static const struct step full_t25_t26[] = {
	{ "908D00002F 00000000190000 D7446FBC912580C0A65E738D28B609E43ADBB8FB2B4CA68744D1BBEBB37EBD32"
	  " 700ADF7BB9F62A6C 00",
	  "B9A534A7A73EE0DD 9100" },
	{ "90AD00000F 00000000300000 7CF94F122B3DB05F 00",
	  "8848D0F9B9FD4495770C89925B2A85C7274D350FA9029C484D43804886662DC42D7F40A6D7A415E4A71EFF79"
	  "EB8E5721AC3BF1CAAFE8EB2CAA2DC162E67A97A3 8ED7888F22B3A587 9100" },
};

static void full_session(struct yn_desfire *df)
{
	session(df, "FFBCFE1F41840A09C9A88D0A4B10DF05", "37E7234B11BEBEFDE41A8F290090EF80",
		"CD73D8E5", 0, 0);
}

static void test_full_mode_write_read_an12343_t25_t26(void **state)
{
	uint8_t data[25], out[48];
	struct yn_desfire df;
	struct fake f;
	size_t n = 0;

	(void)state;
	memset(data, 0x22, sizeof(data));
	fake_init(&f, full_t25_t26, 2);
	yn_desfire_init(&df, &f.base);
	df.ins_set = YN_DESFIRE_INS_ISO;
	full_session(&df);
	assert_int_equal(yn_desfire_write_data(&df, YN_DESFIRE_FULL, 0, 0, data, 25, DL), 0);
	assert_int_equal(yn_desfire_read_data(&df, YN_DESFIRE_FULL, 0, 0, 48, out, sizeof(out), &n,
					      DL),
			 0);
	assert_int_equal(n, 48);
	assert_memory_equal(out, data, 25);
	assert_hex(out + 25, 23, "0000000000000000000000000000000000000000000000");
	fake_done(&f);
}

/* AN12196 §7.3 / Table 28: GetCardUID. */
static void test_get_card_uid_an12196_table28(void **state)
{
	static const struct step s[] = {
		{ "9051000008 8E2C155ADDA99BE3 00",
		  "70756055688505B52A5E26E59E329CD6 595F672298EA41B7 9100" },
	};
	struct yn_desfire df;
	struct fake f;
	uint8_t uid[10];
	size_t n = 0;

	(void)state;
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	session(&df, "2B4D963C014DC36F24F69A50A394F875", "379D32130CE61705DD5FD8C36B95D764",
		"DF055522", 0, 0);
	assert_int_equal(yn_desfire_get_card_uid(&df, uid, &n, DL), 0);
	assert_hex(uid, n, "04958CAA5C5E80");
	fake_done(&f);
}

static void test_get_card_uid_without_session_is_local(void **state)
{
	struct yn_desfire df;
	struct fake f;
	uint8_t uid[10];
	size_t n = 1;

	(void)state;
	fake_init(&f, NULL, 0);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_get_card_uid(&df, uid, &n, DL), YN_ENOTAUTH);
	assert_int_equal(n, 0);
	assert_int_equal(f.calls, 0);
}

/* AN12196 Table 26: ChangeKey of the authenticated key ends the session. */
static void test_change_key_same_an12196_table26(void **state)
{
	static const struct step s[] = {
		{ "90C4000029 00 C0EB4DEEFEDDF0B513A03A95A75491818580503190D4D05053FF75668A01D6FD"
		  " A6610234BDED6432 00",
		  "9100" },
	};
	struct yn_desfire df;
	struct fake f;
	uint8_t nk[16];

	(void)state;
	hex("5004BF991F408672B1EF00F08F9E8647", nk, 16);
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	session(&df, "4CF3CB41A22583A61E89B158D252FC53", "5529860B2FC5FB6154B7F28361D30BF9",
		"7614281A", 3, 0);
	assert_int_equal(yn_desfire_change_key(&df, 0, nk, 0x01, NULL, DL), 0);
	assert_false(yn_desfire_is_authenticated(&df));
	fake_done(&f);
}

/* AN12196 Table 25: ChangeKey of another key; the card answers with a MAC
 * (computed here, for ctr 3, with the primitive) and the session stays. */
static void test_change_key_other_an12196_table25(void **state)
{
	static const struct step s0[] = {
		{ "90C4000029022CF362B7BF4311FF3BE1DAA295E8C68DE09050560D19B9E16C2393AE9CD1FAC75D0C"
		  "E20BCD1D06E600",
		  NULL },
	};
	struct step s[1];
	char rsp[32];
	struct yn_desfire df;
	struct fake f;
	uint8_t nk[16], mac[16], ti[4], mact[8];

	(void)state;
	hex("F3847D627727ED3BC9C4CC050489B966", nk, 16);
	hex("5529860B2FC5FB6154B7F28361D30BF9", mac, 16);
	hex("7614281A", ti, 4);
	assert_int_equal(yn_ev2_mac_resp(mac, 0x00, 3, ti, NULL, 0, mact), 0);
	assert_int_equal(yn_hex_encode(mact, 8, rsp, sizeof(rsp)), 0);
	strcat(rsp, "9100");
	s[0].cmd = s0[0].cmd;
	s[0].rsp = rsp;
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	session(&df, "4CF3CB41A22583A61E89B158D252FC53", "5529860B2FC5FB6154B7F28361D30BF9",
		"7614281A", 2, 0);
	assert_int_equal(yn_desfire_change_key(&df, 2, nk, 0x01, zero_key, DL), 0);
	assert_true(yn_desfire_is_authenticated(&df));
	assert_int_equal(df.cmd_ctr, 3);
	fake_done(&f);
}

/* AN12343 Table 40: ChangeKey of key 0 by its own session. */
static void test_change_key_an12343_table40(void **state)
{
	static const struct step s[] = {
		{ "90C4000029 00 BF5400DC97A1FBD65BE870716D6F11F8161BB4CA472856DB94AB94B2EC1A13E6"
		  " 27CE07CF56C11091 00",
		  "9100" },
	};
	struct yn_desfire df;
	struct fake f;
	uint8_t nk[16];

	(void)state;
	hex("01234567890123456789012345678901", nk, 16);
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	session(&df, "E156C8522F7C8DC82B0C99BA847DE723", "45D50C1570000D2F173DF949288E3CAD",
		"94297F4D", 0, 0);
	assert_int_equal(yn_desfire_change_key(&df, 0, nk, 0x00, NULL, DL), 0);
	assert_false(yn_desfire_is_authenticated(&df));
	fake_done(&f);
}

/* AN12196 §5.3: GetFileSettings in CommMode.MAC (an NTAG 424 file with
 * SDM, whose SDM fields the parser keeps raw). */
static void test_get_file_settings_mac_an12196_5_3(void **state)
{
	static const struct step s[] = {
		{ "90F5000009 02 6597A457C8CD442C 00",
		  "0040EEEE000100D1FE001F00004400004400002000006A0000 2A474282E7A47986 9100" },
	};
	struct yn_desfire_file_settings fs;
	struct yn_desfire df;
	struct fake f;

	(void)state;
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	session(&df, "00000000000000000000000000000000", "8248134A386E86EB7FAF54A52E536CB6",
		"7A21085E", 0, 0);
	assert_int_equal(yn_desfire_get_file_settings(&df, YN_DESFIRE_MAC, 2, &fs, DL), 0);
	assert_int_equal(fs.type, YN_DESFIRE_FILE_STD);
	assert_int_equal(fs.comm, YN_DESFIRE_PLAIN);
	assert_int_equal(fs.access, 0xEEEE);
	assert_int_equal(fs.size, 256);
	assert_int_equal(fs.sdm_len, 18);
	assert_int_equal(df.cmd_ctr, 1);
	fake_done(&f);
}

/* --- hostile cards --- */

/* The Table 26 read answer with its MAC's last byte changed. */
static void test_wrong_mac_is_ebadmac_and_drops_session(void **state)
{
	struct step s[] = {
		{ NULL, NULL },
		{ "90AD00000F 00000000300000 7CF94F122B3DB05F 00",
		  "8848D0F9B9FD4495770C89925B2A85C7274D350FA9029C484D43804886662DC42D7F40A6D7A415E4A7"
		  "1EFF79EB8E5721AC3BF1CAAFE8EB2CAA2DC162E67A97A3 8ED7888F22B3A588 9100" },
	};
	uint8_t data[25], out[48];
	struct yn_desfire df;
	struct fake f;
	size_t n = 7;
	int32_t v = 1;

	(void)state;
	s[0] = full_t25_t26[0];
	memset(data, 0x22, sizeof(data));
	fake_init(&f, s, 2);
	yn_desfire_init(&df, &f.base);
	df.ins_set = YN_DESFIRE_INS_ISO;
	full_session(&df);
	assert_int_equal(yn_desfire_write_data(&df, YN_DESFIRE_FULL, 0, 0, data, 25, DL), 0);
	memset(out, 0x55, sizeof(out));
	assert_int_equal(yn_desfire_read_data(&df, YN_DESFIRE_FULL, 0, 0, 48, out, sizeof(out), &n,
					      DL),
			 YN_EBADMAC);
	assert_int_equal(n, 0);
	/* Nothing of the unauthenticated answer reaches the caller. */
	for (n = 0; n < sizeof(out); n++)
		assert_int_equal(out[n], 0);
	assert_false(yn_desfire_is_authenticated(&df));
	fake_done(&f);
	/* The next command needing the session fails without the card. */
	assert_int_equal(yn_desfire_get_value(&df, YN_DESFIRE_MAC, 1, &v, DL), YN_ENOTAUTH);
	assert_int_equal(v, 0);
	assert_int_equal(f.calls, 2);
}

/* A MAC was due; the card sent 4 plain bytes (too short to hold one). */
static void test_plain_where_mac_due_is_eproto(void **state)
{
	static const struct step s[] = {
		{ "906C000009 01 2193555688596A63 00", "5A000000 9100" },
	};
	struct yn_desfire df;
	struct fake f;
	int32_t v = 1;

	(void)state;
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	session(&df, "1309C877509E5A215007FF0ED19CA564", "4C6626F5E72EA694202139295C7A7FC7",
		"9D00C4DF", 1, 0);
	assert_int_equal(yn_desfire_get_value(&df, YN_DESFIRE_FULL, 1, &v, DL), YN_EPROTO);
	assert_int_equal(v, 0);
	assert_false(yn_desfire_is_authenticated(&df));
	fake_done(&f);
}

/* A MAC was due; the card sent 12 plain bytes: they fail as a MAC. */
static void test_plain_long_where_mac_due_is_ebadmac(void **state)
{
	static const struct step s[] = {
		{ "906C000009 01 2193555688596A63 00", "5A000000 0000000000000000 9100" },
	};
	struct yn_desfire df;
	struct fake f;
	int32_t v = 1;

	(void)state;
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	session(&df, "1309C877509E5A215007FF0ED19CA564", "4C6626F5E72EA694202139295C7A7FC7",
		"9D00C4DF", 1, 0);
	assert_int_equal(yn_desfire_get_value(&df, YN_DESFIRE_MAC, 1, &v, DL), YN_EBADMAC);
	assert_false(yn_desfire_is_authenticated(&df));
	fake_done(&f);
}

/* An error status drops the session: the next MAC command is refused
 * locally with YN_ENOTAUTH. */
static void test_error_status_drops_session(void **state)
{
	static const struct step s[] = {
		{ "90DC000019 01 C209AF5756D13D8C7CAAEB62C7025218 F5AB84AE192C1AD2 00", "919D" },
	};
	struct yn_desfire df;
	struct fake f;

	(void)state;
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	session(&df, "1309C877509E5A215007FF0ED19CA564", "4C6626F5E72EA694202139295C7A7FC7",
		"9D00C4DF", 0, 3);
	assert_int_equal(yn_desfire_debit(&df, YN_DESFIRE_FULL, 1, 10, DL), YN_ECARD_PERMISSION);
	assert_false(yn_desfire_is_authenticated(&df));
	assert_int_equal(yn_desfire_commit(&df, YN_DESFIRE_MAC, DL), YN_ENOTAUTH);
	assert_int_equal(f.calls, 1);
	fake_done(&f);
}

static void test_truncated_frame_without_sw_is_eproto(void **state)
{
	static const struct step s[] = {
		{ "9060000000", "91" },
	};
	struct yn_desfire_version v;
	struct yn_desfire df;
	struct fake f;

	(void)state;
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_get_version(&df, YN_DESFIRE_PLAIN, &v, DL), YN_EPROTO);
	fake_done(&f);
}

static void test_short_data_is_eproto(void **state)
{
	static const struct step s[] = {
		{ "906C00000101 00", "5A0000 9100" },
	};
	struct yn_desfire df;
	struct fake f;
	int32_t v = 1;

	(void)state;
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_get_value(&df, YN_DESFIRE_PLAIN, 1, &v, DL), YN_EPROTO);
	assert_int_equal(v, 0);
	fake_done(&f);
}

static void test_sw1_not_91_is_eproto(void **state)
{
	static const struct step s[] = {
		{ "905A00000312345600", "6A82" },
	};
	struct yn_desfire df;
	struct fake f;

	(void)state;
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_select_application(&df, 0x563412, DL), YN_EPROTO);
	fake_done(&f);
}

/* Endless 91 AF: the card answers every frame with more to come. */
static int gen_endless_af(struct fake *f, const uint8_t *cmd, size_t len, uint8_t *rsp,
			  size_t cap, size_t *rlen)
{
	(void)f;
	(void)cmd;
	(void)len;
	assert_true(cap >= 12);
	memset(rsp, 0xA5, 10);
	rsp[10] = 0x91;
	rsp[11] = 0xAF;
	*rlen = 12;
	return f->calls >= 200 ? YN_EINTERNAL : 0;
}

static void test_200_af_frames_bounded(void **state)
{
	struct yn_desfire df;
	struct fake f;
	uint8_t out[2048];
	size_t n = 0;

	(void)state;
	fake_init(&f, NULL, 0);
	f.gen = gen_endless_af;
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_read_data(&df, YN_DESFIRE_PLAIN, 1, 0, 0, out, sizeof(out), &n,
					      DL),
			 YN_EPROTO);
	assert_int_equal(n, 0);
	assert_true(f.calls <= YN_DESFIRE_FRAMES_MAX);
}

static int gen_empty_af(struct fake *f, const uint8_t *cmd, size_t len, uint8_t *rsp,
			size_t cap, size_t *rlen)
{
	(void)cmd;
	(void)len;
	(void)cap;
	rsp[0] = 0x91;
	rsp[1] = 0xAF;
	*rlen = 2;
	return f->calls >= 200 ? YN_EINTERNAL : 0;
}

static void test_200_empty_af_frames_bounded(void **state)
{
	struct yn_desfire_version v;
	struct yn_desfire df;
	struct fake f;

	(void)state;
	fake_init(&f, NULL, 0);
	f.gen = gen_empty_af;
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_get_version(&df, YN_DESFIRE_PLAIN, &v, DL), YN_EPROTO);
	assert_int_equal(f.calls, YN_DESFIRE_FRAMES_MAX);
}

/* Big frames: the total size cap ends it before the frame cap. */
static int gen_big_af(struct fake *f, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t cap,
		      size_t *rlen)
{
	(void)cmd;
	(void)len;
	assert_true(cap >= 258);
	memset(rsp, 0x11, 256);
	rsp[256] = 0x91;
	rsp[257] = 0xAF;
	*rlen = 258;
	return f->calls >= 200 ? YN_EINTERNAL : 0;
}

static void test_answer_beyond_msg_max_is_eproto(void **state)
{
	struct yn_desfire df;
	struct fake f;
	uint8_t out[4096];
	size_t n = 0;

	(void)state;
	fake_init(&f, NULL, 0);
	f.gen = gen_big_af;
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_read_records(&df, YN_DESFIRE_PLAIN, 1, 0, 0, out, sizeof(out),
						 &n, DL),
			 YN_EPROTO);
	assert_int_equal(f.calls, YN_DESFIRE_MSG_MAX / 256 + 1);
}

/* A single frame bigger than any DESFire frame. */
static int gen_huge_frame(struct fake *f, const uint8_t *cmd, size_t len, uint8_t *rsp,
			  size_t cap, size_t *rlen)
{
	(void)f;
	(void)cmd;
	(void)len;
	if (cap < 400)
		return YN_ENOSPC;
	memset(rsp, 0, 400);
	rsp[398] = 0x91;
	*rlen = 400;
	return 0;
}

static void test_oversized_frame_is_eproto(void **state)
{
	struct yn_desfire df;
	struct fake f;
	uint8_t ids[32];
	size_t n = 0;

	(void)state;
	fake_init(&f, NULL, 0);
	f.gen = gen_huge_frame;
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_get_file_ids(&df, YN_DESFIRE_PLAIN, ids, sizeof(ids), &n, DL),
			 YN_EPROTO);
}

/* The card answers more bytes than the caller's buffer holds. */
static void test_answer_longer_than_caller_buffer(void **state)
{
	static const struct step s[] = {
		{ "90BD000007 01 000000 040000 00", "0102030405060708 9100" },
		{ "906F000000", "0102030405 9100" },
	};
	struct yn_desfire df;
	struct fake f;
	uint8_t out[4], ids[3];
	size_t n = 9;

	(void)state;
	fake_init(&f, s, 2);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_read_data(&df, YN_DESFIRE_PLAIN, 1, 0, 4, out, sizeof(out), &n,
					      DL),
			 YN_ENOSPC);
	assert_int_equal(n, 0);
	assert_int_equal(yn_desfire_get_file_ids(&df, YN_DESFIRE_PLAIN, ids, sizeof(ids), &n, DL),
			 YN_ENOSPC);
	fake_done(&f);
}

static void test_deadline_passed_sends_nothing(void **state)
{
	struct yn_desfire df;
	struct fake f;

	(void)state;
	fake_init(&f, NULL, 0);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_abort(&df, YN_DESFIRE_PLAIN, 1), YN_ETIMEOUT);
	assert_int_equal(f.calls, 0);
}

/* --- framing --- */

/* A 100-byte plain WriteData goes out as 54 + 46 data bytes (default frame
 * limit), the second frame under INS AF. */
static void test_write_chained_at_frame_limit(void **state)
{
	static const struct step s[] = {
		{ "903D000036 02 000000 640000"
		  "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
		  "202122232425262728292A2B2C2D2E 00",
		  "91AF" },
		{ "90AF000035 2F303132333435363738393A3B3C3D3E3F404142434445464748494A4B4C4D4E4F"
		  "505152535455565758595A5B5C5D5E5F60616263 00",
		  "9100" },
	};
	struct yn_desfire df;
	struct fake f;
	uint8_t data[100];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	fake_init(&f, s, 2);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_set_frame_max(&df, 54), 0);
	/* 7 + 100 = 107 bytes: 54 then 53 */
	assert_int_equal(yn_desfire_write_data(&df, YN_DESFIRE_PLAIN, 2, 0, data, 100, DL), 0);
	fake_done(&f);
}

/* The card says OK before every frame was sent. */
static void test_card_ends_chain_early_is_eproto(void **state)
{
	static const struct step s[] = {
		{ "903D000036 02 000000 640000"
		  "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
		  "202122232425262728292A2B2C2D2E 00",
		  "9100" },
	};
	struct yn_desfire df;
	struct fake f;
	uint8_t data[100];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_write_data(&df, YN_DESFIRE_PLAIN, 2, 0, data, 100, DL),
			 YN_EPROTO);
	fake_done(&f);
}

/* GetVersion: three frames gathered (EV1 8K trace, desfire.md §6.1). */
static void test_get_version_three_frames(void **state)
{
	static const struct step s[] = {
		{ "9060000000", "04010101001A05 91AF" },
		{ "90AF000000", "04010101041A05 91AF" },
		{ "90AF000000", "04063F72633480BA4519E3204913 9100" },
	};
	struct yn_desfire_version v;
	struct yn_desfire df;
	struct fake f;

	(void)state;
	fake_init(&f, s, 3);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_get_version(&df, YN_DESFIRE_PLAIN, &v, DL), 0);
	assert_hex(v.hw, 7, "04010101001A05");
	assert_hex(v.sw, 7, "04010101041A05");
	assert_hex(v.uid, 7, "04063F72633480");
	assert_hex(v.batch, 5, "BA4519E320");
	assert_int_equal(v.cw, 0x49);
	assert_int_equal(v.year, 0x13);
	assert_int_equal(v.extra_len, 0);
	assert_int_equal(df.apdus, 3);
	fake_done(&f);
}

/* SelectApplication goes out plain even inside a session and drops it. */
static void test_select_drops_session(void **state)
{
	static const struct step s[] = {
		{ "905A00000312345600", "9100" },
	};
	struct yn_desfire df;
	struct fake f;

	(void)state;
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	full_session(&df);
	assert_int_equal(yn_desfire_select_application(&df, 0x563412, DL), 0);
	assert_false(yn_desfire_is_authenticated(&df));
	assert_int_equal(df.aid, 0x563412);
	fake_done(&f);
}

/* Plain commands inside a session carry no MAC but advance CmdCtr. */
static void test_plain_in_session_advances_ctr(void **state)
{
	static const struct step s[] = {
		{ "906C00000101 00", "5A000000 9100" },
	};
	struct yn_desfire df;
	struct fake f;
	int32_t v = 0;

	(void)state;
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	full_session(&df);
	assert_int_equal(yn_desfire_get_value(&df, YN_DESFIRE_PLAIN, 1, &v, DL), 0);
	assert_int_equal(v, 90);
	assert_int_equal(df.cmd_ctr, 1);
	fake_done(&f);
}

static void test_read_sig_status_90(void **state)
{
	static const struct step s[] = {
		{ "903C0000010000",
		  "D1940D17CFEDA4BFF80359AB975F9F6514313E8F90C1D3CAAF5941AD744A1CDF9A83F883CAFE0FE9"
		  "5D1939B1B7E47113993324473B785D21 9190" },
	};
	struct yn_desfire df;
	struct fake f;
	uint8_t sig[56];

	(void)state;
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_read_sig(&df, YN_DESFIRE_PLAIN, sig, DL), 0);
	assert_hex(sig, 4, "D1940D17");
	fake_done(&f);
}

/* AN12196 §8.2 through the terminal layer: the frame of a real card's
 * ReadSig, then the match against NXP's product keys names the key. */
static void test_check_originality_an12196_names_the_product(void **state)
{
	static const struct step s[] = {
		{ "903C0000010000",
		  "D1940D17CFEDA4BFF80359AB975F9F6514313E8F90C1D3CAAF5941AD744A1CDF9A83F883CAFE0FE9"
		  "5D1939B1B7E47113993324473B785D21 9190" },
	};
	struct yn_desfire_origset *set = NULL;
	const struct yn_desfire_origkey *m = NULL;
	struct yn_desfire df;
	struct fake f;
	uint8_t uid[7];

	(void)state;
	assert_int_equal(yn_test_hex("04518DFAA96180", uid, sizeof(uid)), 7);
	assert_int_equal(yn_desfire_origset_new(YN_DESFIRE_ORIG_NXP, &set), 0);
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_check_originality(&df, set, uid, 7, &m, DL), 0);
	assert_non_null(m);
	assert_int_equal(m->product, YN_DESFIRE_PRODUCT_EV2_AN12196);
	assert_string_equal(yn_desfire_product_name(m->product), "DESFire EV2 (AN12196 key)");
	fake_done(&f);
	yn_desfire_origset_free(set);
}

/* Published real-tag pairs (lucianox777/nfc-ev2-crypto test_ecc.py) match
 * the same key; their one-nibble alterations and made-up pairs match none,
 * and neither does the vector against a set without that key. */
static void test_verify_originality_vectors_and_alterations(void **state)
{
	struct yn_desfire_origset *set = NULL, *emu = NULL;
	const struct yn_desfire_origkey *m = NULL;
	uint8_t uid[7], sig[56];

	(void)state;
	assert_int_equal(yn_desfire_origset_new(YN_DESFIRE_ORIG_NXP, &set), 0);
	yn_test_hex("047728824D6580", uid, 7);
	yn_test_hex("9C7068636A285FEBA1E2406654009DCE6E8A9C9CE318BE0262ED162519B970B32FB8028584"
		    "20D667D12CEBCD32BB4BC8AFE21C753A5A6C26", sig, 56);
	assert_int_equal(yn_desfire_verify_originality(set, uid, 7, sig, &m), 0);
	assert_int_equal(m->product, YN_DESFIRE_PRODUCT_EV2_AN12196);
	sig[55] = 0x25;
	assert_int_equal(yn_desfire_verify_originality(set, uid, 7, sig, &m), YN_EBADSIG);
	assert_null(m);
	yn_test_hex("041D3C8A2D6B80", uid, 7);
	yn_test_hex("A438FEB368DC45F9B8899C2926A985BE5D08E342CE016E9F08F3FDAE388BB4D6B3DFD7DEA2"
		    "E1977CCD2E4C9F82F245D4DE08FB7FCB8043E3", sig, 56);
	assert_int_equal(yn_desfire_verify_originality(set, uid, 7, sig, &m), 0);
	assert_int_equal(m->product, YN_DESFIRE_PRODUCT_EV2_AN12196);
	sig[55] = 0xE2;
	assert_int_equal(yn_desfire_verify_originality(set, uid, 7, sig, &m), YN_EBADSIG);
	yn_test_hex("21A6D8FD5528D3", uid, 7);
	yn_test_hex("8172EFBA10E1884E49536FC21EAD1AE55AF08A1423DBE43C8364C456534694BCEF0BF85BF3"
		    "29A0FF8B221013AF860976AB029155BD95BBCE", sig, 56);
	assert_int_equal(yn_desfire_verify_originality(set, uid, 7, sig, &m), YN_EBADSIG);
	/* the genuine vector, against the test CA alone */
	yn_test_hex("04518DFAA96180", uid, 7);
	yn_test_hex("D1940D17CFEDA4BFF80359AB975F9F6514313E8F90C1D3CAAF5941AD744A1CDF9A83F883CA"
		    "FE0FE95D1939B1B7E47113993324473B785D21", sig, 56);
	assert_int_equal(yn_desfire_origset_new(YN_DESFIRE_ORIG_EMU_TEST, &emu), 0);
	assert_int_equal(yn_desfire_verify_originality(emu, uid, 7, sig, &m), YN_EBADSIG);
	assert_int_equal(yn_desfire_verify_originality(set, uid, 7, sig, &m), 0);
	yn_desfire_origset_free(emu);
	yn_desfire_origset_free(set);
}

/* Every built-in key is a point of secp224r1, each product once; a set
 * takes keys of the caller's, refuses a non-point and a 17th key without
 * changing, and refuses bad arguments. */
static void test_originality_key_sets(void **state)
{
	struct yn_desfire_origset *set = NULL;
	const struct yn_desfire_origkey *m = NULL;
	struct yn_desfire_origkey k;
	uint8_t uid[7] = { 0 }, sig[56] = { 0 };
	size_t i, j;

	(void)state;
	assert_int_equal(yn_desfire_origkeys_nxp_count, 6);
	for (i = 0; i < yn_desfire_origkeys_nxp_count; i++) {
		assert_int_not_equal(yn_desfire_origkeys_nxp[i].product, YN_DESFIRE_PRODUCT_NONE);
		assert_string_not_equal(yn_desfire_product_name(yn_desfire_origkeys_nxp[i].product),
					"unknown");
		for (j = 0; j < i; j++) {
			assert_int_not_equal(yn_desfire_origkeys_nxp[i].product,
					     yn_desfire_origkeys_nxp[j].product);
			assert_memory_not_equal(yn_desfire_origkeys_nxp[i].pub,
						yn_desfire_origkeys_nxp[j].pub, YN_P224_PUB_LEN);
		}
	}
	assert_int_equal(yn_desfire_origset_new(YN_DESFIRE_ORIG_NXP | YN_DESFIRE_ORIG_EMU_TEST,
						&set),
			 0);
	assert_int_equal(yn_desfire_origset_count(set), 7);
	/* a key of the caller's, named */
	k = yn_desfire_origkey_emu_test;
	k.product = YN_DESFIRE_PRODUCT_OTHER;
	k.name = "our own test key";
	assert_int_equal(yn_desfire_origset_add(set, &k), 0);
	assert_int_equal(yn_desfire_origset_count(set), 8);
	/* not a point */
	k.pub[56] ^= 0x01;
	assert_int_equal(yn_desfire_origset_add(set, &k), YN_EBADKEY);
	assert_int_equal(yn_desfire_origset_count(set), 8);
	k.pub[56] ^= 0x01;
	while (yn_desfire_origset_count(set) < YN_DESFIRE_ORIG_MAX)
		assert_int_equal(yn_desfire_origset_add(set, &k), 0);
	assert_int_equal(yn_desfire_origset_add(set, &k), YN_ENOSPC);
	assert_int_equal(yn_desfire_origset_count(set), YN_DESFIRE_ORIG_MAX);
	/* bad arguments */
	assert_int_equal(yn_desfire_verify_originality(set, uid, 5, sig, &m), YN_EINVAL);
	assert_int_equal(yn_desfire_verify_originality(NULL, uid, 7, sig, &m), YN_EINVAL);
	assert_int_equal(yn_desfire_verify_originality(set, uid, 7, sig, &m), YN_EBADSIG);
	assert_null(m);
	yn_desfire_origset_free(set);
	assert_int_equal(yn_desfire_origset_new(0x4, &set), YN_EINVAL);
	assert_null(set);
	assert_int_equal(yn_desfire_origset_new(0, &set), 0);
	assert_int_equal(yn_desfire_origset_count(set), 0);
	assert_int_equal(yn_desfire_verify_originality(set, uid, 7, sig, &m), YN_EBADSIG);
	yn_desfire_origset_free(set);
}

/* A ReadSig answer that is not 56 bytes is a protocol error, and no
 * originality verdict is given. */
static void test_check_originality_short_signature_is_eproto(void **state)
{
	static const struct step s[] = {
		{ "903C0000010000",
		  "D1940D17CFEDA4BFF80359AB975F9F6514313E8F90C1D3CAAF5941AD744A1CDF9A83F883CAFE0FE9"
		  "5D1939B1B7E47113993324473B785D 9190" },
	};
	struct yn_desfire_origset *set = NULL;
	const struct yn_desfire_origkey *m = NULL;
	struct yn_desfire df;
	struct fake f;
	uint8_t uid[7] = { 0x04, 0x51, 0x8D, 0xFA, 0xA9, 0x61, 0x80 };

	(void)state;
	assert_int_equal(yn_desfire_origset_new(YN_DESFIRE_ORIG_NXP, &set), 0);
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_check_originality(&df, set, uid, 7, &m, DL), YN_EPROTO);
	assert_null(m);
	fake_done(&f);
	yn_desfire_origset_free(set);
}

/* 90 is success only for ReadSig. */
static void test_status_90_elsewhere_is_eproto(void **state)
{
	static const struct step s[] = {
		{ "90C7000000", "9190" },
	};
	struct yn_desfire df;
	struct fake f;

	(void)state;
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_commit(&df, YN_DESFIRE_PLAIN, DL), YN_EPROTO);
	fake_done(&f);
}

static void test_file_comm_choice(void **state)
{
	struct yn_desfire_file_settings fs;

	(void)state;
	memset(&fs, 0, sizeof(fs));
	fs.type = YN_DESFIRE_FILE_STD;
	fs.comm = YN_DESFIRE_FULL;
	fs.access = YN_DESFIRE_AR(0xE, 2, 0, 0);
	/* free read: plain unless the session's key holds the right */
	assert_int_equal(yn_desfire_file_comm(&fs, YN_DESFIRE_OP_READ, -1), YN_DESFIRE_PLAIN);
	assert_int_equal(yn_desfire_file_comm(&fs, YN_DESFIRE_OP_READ, 1), YN_DESFIRE_PLAIN);
	assert_int_equal(yn_desfire_file_comm(&fs, YN_DESFIRE_OP_READ, 0), YN_DESFIRE_FULL);
	assert_int_equal(yn_desfire_file_comm(&fs, YN_DESFIRE_OP_WRITE, 2), YN_DESFIRE_FULL);
	fs.type = YN_DESFIRE_FILE_VALUE;
	fs.comm = YN_DESFIRE_MAC;
	fs.access = YN_DESFIRE_AR(3, 3, 4, 0);
	assert_int_equal(yn_desfire_file_comm(&fs, YN_DESFIRE_OP_WRITE, 3), YN_DESFIRE_MAC);
	assert_int_equal(yn_desfire_file_comm(&fs, YN_DESFIRE_OP_CREDIT, 4), YN_DESFIRE_MAC);
}

/* --- status table (desfire.md §2.1) --- */

static void test_every_status_maps(void **state)
{
	static const struct {
		uint8_t sw2;
		int err;
	} t[] = {
		{ 0x00, 0 },
		{ 0x0C, YN_ECARD_NOCHANGES },
		{ 0x0E, YN_ECARD_MEMORY },
		{ 0x1C, YN_ECARD_ILLEGALCMD },
		{ 0x1E, YN_ECARD_INTEGRITY },
		{ 0x40, YN_ECARD_NOKEY },
		{ 0x7E, YN_ECARD_LENGTH },
		{ 0x90, 0 },
		{ 0x9D, YN_ECARD_PERMISSION },
		{ 0x9E, YN_ECARD_PARAMETER },
		{ 0xA0, YN_ECARD_NOAPP },
		{ 0xA1, YN_ECARD_DISABLED },
		{ 0xAE, YN_ECARD_AUTH },
		{ 0xAF, YN_EPROTO },
		{ 0xBE, YN_ECARD_BOUNDARY },
		{ 0xC1, YN_ECARD_DISABLED },
		{ 0xCA, YN_ECARD_ABORTED },
		{ 0xCD, YN_ECARD_DISABLED },
		{ 0xCE, YN_ECARD_COUNT },
		{ 0xDE, YN_ECARD_DUPLICATE },
		{ 0xEE, YN_ECARD_EEPROM },
		{ 0xF0, YN_ECARD_NOFILE },
		{ 0xF1, YN_ECARD_DISABLED },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(yn_desfire_status_error(t[i].sw2), t[i].err);
		assert_string_not_equal(yn_desfire_status_name(t[i].sw2), "UNKNOWN");
		assert_true(strlen(yn_desfire_status_message(t[i].sw2)) >= 7);
	}
	assert_int_equal(yn_desfire_status_error(0x42), YN_ECARD);
	assert_string_equal(yn_desfire_status_name(0x42), "UNKNOWN");
	assert_non_null(strstr(yn_desfire_status_message(0x9D), "permission denied"));
}

/* Every error status through a command: the mapped code comes back. */
static void test_error_statuses_through_command(void **state)
{
	static const uint8_t codes[] = { 0x0C, 0x0E, 0x1C, 0x1E, 0x40, 0x7E, 0x9D, 0x9E, 0xA0,
					 0xA1, 0xAE, 0xBE, 0xC1, 0xCA, 0xCD, 0xCE, 0xDE, 0xEE,
					 0xF0, 0xF1, 0x42 };
	struct step s[1];
	char rsp[8];
	struct yn_desfire df;
	struct fake f;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(codes); i++) {
		snprintf(rsp, sizeof(rsp), "91%02X", codes[i]);
		s[0].cmd = "90A7000000";
		s[0].rsp = rsp;
		fake_init(&f, s, 1);
		yn_desfire_init(&df, &f.base);
		assert_int_equal(yn_desfire_abort(&df, YN_DESFIRE_PLAIN, DL),
				 yn_desfire_status_error(codes[i]));
		fake_done(&f);
	}
}

/* --- NonFirst, with the card's side played by the crypto primitives --- */

struct nf_card {
	uint8_t key[16], rndb[16];
	int step;
};

static struct nf_card nf;

static int gen_nonfirst(struct fake *f, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t cap,
			size_t *rlen)
{
	uint8_t plain[32], iv[16], rot[16];

	(void)f;
	assert_true(cap >= 34);
	if (nf.step == 0) {
		/* 90 77 00 00 01 KeyNo 00 */
		assert_int_equal(len, 7);
		assert_memory_equal(cmd, "\x90\x77\x00\x00\x01\x02\x00", 7);
		assert_int_equal(yn_aes128_ecb_encrypt(nf.key, nf.rndb, rsp), 0);
		rsp[16] = 0x91;
		rsp[17] = 0xAF;
		*rlen = 18;
	} else {
		/* 90 AF 00 00 20 E(RndA || RndB') 00 */
		assert_int_equal(len, 38);
		assert_memory_equal(cmd, "\x90\xAF\x00\x00\x20", 5);
		memset(iv, 0, 16);
		assert_int_equal(yn_aes128_cbc_decrypt(nf.key, iv, cmd + 5, plain, 32), 0);
		memcpy(rot, nf.rndb + 1, 15);
		rot[15] = nf.rndb[0];
		assert_memory_equal(plain + 16, rot, 16);
		memcpy(rot, plain + 1, 15);
		rot[15] = plain[0];
		memset(iv, 0, 16);
		assert_int_equal(yn_aes128_cbc_encrypt(nf.key, iv, rot, rsp, 16), 0);
		rsp[16] = 0x91;
		rsp[17] = 0x00;
		*rlen = 18;
	}
	nf.step++;
	return 0;
}

static void test_auth_nonfirst_keeps_ti_and_ctr(void **state)
{
	struct yn_ev2_keys want;
	uint8_t rnda[16], ti[4];
	struct yn_desfire df;
	struct fake f;

	(void)state;
	memset(&nf, 0, sizeof(nf));
	hex("00112233445566778899AABBCCDDEEFF", nf.key, 16);
	hex("FEDCBA9876543210FEDCBA9876543210", nf.rndb, 16);
	hex("0123456789ABCDEF0123456789ABCDEF", rnda, 16);
	fake_init(&f, NULL, 0);
	f.gen = gen_nonfirst;
	yn_desfire_init(&df, &f.base);
	yn_desfire_set_rng(&df, fixed_rng, rnda);
	full_session(&df);
	df.cmd_ctr = 5;
	memcpy(ti, df.ti, 4);
	assert_int_equal(yn_desfire_auth_ev2_nonfirst(&df, 2, nf.key, DL), 0);
	assert_true(yn_desfire_is_authenticated(&df));
	assert_int_equal(df.cmd_ctr, 5);
	assert_int_equal(df.auth_key, 2);
	assert_memory_equal(df.ti, ti, 4);
	/* desfire.md §4.3, proxmark3 TestEV2SessionKeys */
	hex("195428119C8528D59580A73C7C96C6A3", want.enc, 16);
	hex("0AF00F6E39F904C4A6388C812D53DC94", want.mac, 16);
	assert_memory_equal(df.keys.enc, want.enc, 16);
	assert_memory_equal(df.keys.mac, want.mac, 16);
}

/* GetVersion in MAC mode: the MAC covers all three frames' data. */
static void test_get_version_mac_over_chained_frames(void **state)
{
	static const char data_hex[] = "04010112001A05" "04010102011A05" "04063F72633480BA4519E3204913";
	uint8_t data[28], mac[16], ti[4], cmac[8], rmac[8];
	char c0[64], r2[128];
	struct step s[3];
	struct yn_desfire_version v;
	struct yn_desfire df;
	struct fake f;

	(void)state;
	hex(data_hex, data, 28);
	hex("37E7234B11BEBEFDE41A8F290090EF80", mac, 16);
	hex("CD73D8E5", ti, 4);
	assert_int_equal(yn_ev2_mac_cmd(mac, 0x60, 7, ti, NULL, 0, NULL, 0, cmac), 0);
	assert_int_equal(yn_ev2_mac_resp(mac, 0x00, 8, ti, data, 28, rmac), 0);
	strcpy(c0, "9060000008");
	yn_hex_encode(cmac, 8, c0 + 10, sizeof(c0) - 10);
	strcat(c0, "00");
	yn_hex_encode(data + 14, 14, r2, sizeof(r2));
	yn_hex_encode(rmac, 8, r2 + 28, sizeof(r2) - 28);
	strcat(r2, "9100");
	s[0].cmd = c0;
	s[0].rsp = "04010112001A05 91AF";
	s[1].cmd = "90AF000000";
	s[1].rsp = "04010102011A05 91AF";
	s[2].cmd = "90AF000000";
	s[2].rsp = r2;
	fake_init(&f, s, 3);
	yn_desfire_init(&df, &f.base);
	full_session(&df);
	df.cmd_ctr = 7;
	assert_int_equal(yn_desfire_get_version(&df, YN_DESFIRE_MAC, &v, DL), 0);
	assert_int_equal(v.hw[3], 0x12);
	assert_int_equal(df.cmd_ctr, 8);
	fake_done(&f);
}

/* --- command layouts (desfire.md §6.1) --- */

static void test_create_and_settings_layouts(void **state)
{
	static const struct step s[] = {
		/* CreateApplication 0x00AE16, KS1 0F, KS2 82 (patsys test.py) */
		{ "90CA000005 16AE000F82 00", "9100" },
		/* CreateStdDataFile 5, plain, AR bytes 11 00, 80 bytes (§3.3) */
		{ "90CD000007 05 00 1100 500000 00", "9100" },
		{ "90CB000007 06 03 2301 200000 00", "9100" },
		/* value: lower 0, upper 1000, value 50, LimitedCredit on */
		{ "90CC000011 07 01 4433 00000000 E8030000 32000000 01 00", "9100" },
		{ "90C000000A 08 01 E2E1 100000 050000 00", "9100" },
		{ "90F500000105 00", "00 00 1100 500000 9100" },
		{ "90F500000107 00", "02 01 4433 00000000 E8030000 00000000 01 9100" },
		{ "90F500000108 00", "04 81 E2E1 100000 050000 020000 01 3412 9100" },
		{ "906F000000", "0506070801 9100" },
		{ "906A000000", "16AE00 563412 9100" },
		{ "90DA000003 16AE00 00", "9100" },
		{ "90FC000000", "9100" },
		{ "9045000000", "0F82 9100" },
		{ "906400000103 00", "05 9100" },
	};
	struct yn_desfire_file_settings fs;
	struct yn_desfire df;
	struct fake f;
	uint8_t ids[8], ks1, ks2, ver;
	uint32_t aids[4];
	size_t n;

	(void)state;
	fake_init(&f, s, sizeof(s) / sizeof(s[0]));
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_create_application(&df, YN_DESFIRE_PLAIN, 0x00AE16, 0x0F, 0x82,
						       DL),
			 0);
	assert_int_equal(yn_desfire_create_std_file(&df, YN_DESFIRE_PLAIN, 5, 0, 0x0011, 80, DL),
			 0);
	assert_int_equal(yn_desfire_create_backup_file(&df, YN_DESFIRE_PLAIN, 6, 3,
						       YN_DESFIRE_AR(0, 1, 2, 3), 32, DL),
			 0);
	assert_int_equal(yn_desfire_create_value_file(&df, YN_DESFIRE_PLAIN, 7, 1,
						      YN_DESFIRE_AR(3, 3, 4, 4), 0, 1000, 50, 1, DL),
			 0);
	assert_int_equal(yn_desfire_create_cyclic_file(&df, YN_DESFIRE_PLAIN, 8, 1,
						       YN_DESFIRE_AR(0xE, 1, 0xE, 2), 16, 5, DL),
			 0);
	assert_int_equal(yn_desfire_get_file_settings(&df, YN_DESFIRE_PLAIN, 5, &fs, DL), 0);
	assert_int_equal(fs.type, YN_DESFIRE_FILE_STD);
	assert_int_equal(fs.access, 0x0011);
	assert_int_equal(fs.size, 80);
	assert_int_equal(yn_desfire_get_file_settings(&df, YN_DESFIRE_PLAIN, 7, &fs, DL), 0);
	assert_int_equal(fs.type, YN_DESFIRE_FILE_VALUE);
	assert_int_equal(fs.comm, YN_DESFIRE_MAC);
	assert_int_equal(fs.upper, 1000);
	assert_int_equal(fs.lc_flags, 1);
	assert_int_equal(yn_desfire_get_file_settings(&df, YN_DESFIRE_PLAIN, 8, &fs, DL), 0);
	assert_int_equal(fs.type, YN_DESFIRE_FILE_CYCLIC);
	assert_int_equal(fs.record_size, 16);
	assert_int_equal(fs.max_records, 5);
	assert_int_equal(fs.cur_records, 2);
	assert_int_equal(fs.n_extra_ar, 1);
	assert_int_equal(fs.extra_ar[0], 0x1234);
	assert_int_equal(yn_desfire_get_file_ids(&df, YN_DESFIRE_PLAIN, ids, sizeof(ids), &n, DL),
			 0);
	assert_int_equal(n, 5);
	assert_int_equal(yn_desfire_get_application_ids(&df, YN_DESFIRE_PLAIN, aids, 4, &n, DL),
			 0);
	assert_int_equal(n, 2);
	assert_int_equal(aids[0], 0x00AE16);
	assert_int_equal(aids[1], 0x123456);
	assert_int_equal(yn_desfire_delete_application(&df, YN_DESFIRE_PLAIN, 0x00AE16, DL), 0);
	assert_int_equal(yn_desfire_format_picc(&df, YN_DESFIRE_PLAIN, DL), 0);
	assert_int_equal(yn_desfire_get_key_settings(&df, YN_DESFIRE_PLAIN, &ks1, &ks2, DL), 0);
	assert_int_equal(ks1, 0x0F);
	assert_int_equal(ks2, 0x82);
	assert_int_equal(yn_desfire_get_key_version(&df, YN_DESFIRE_PLAIN, 3, &ver, DL), 0);
	assert_int_equal(ver, 5);
	fake_done(&f);
}

static void test_file_settings_trailing_is_eproto(void **state)
{
	static const struct step s[] = {
		{ "90F500000105 00", "00 00 1100 500000 FF 9100" },
		{ "90F500000105 00", "09 00 1100 500000 9100" },
		{ "90F500000105 00", "00 00 1100 5000 9100" },
	};
	struct yn_desfire_file_settings fs;
	struct yn_desfire df;
	struct fake f;

	(void)state;
	fake_init(&f, s, 3);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_get_file_settings(&df, YN_DESFIRE_PLAIN, 5, &fs, DL), YN_EPROTO);
	assert_int_equal(yn_desfire_get_file_settings(&df, YN_DESFIRE_PLAIN, 5, &fs, DL), YN_EPROTO);
	assert_int_equal(yn_desfire_get_file_settings(&df, YN_DESFIRE_PLAIN, 5, &fs, DL), YN_EPROTO);
	assert_int_equal(fs.type, 0);
	assert_int_equal(fs.size, 0);
	fake_done(&f);
}

static void test_record_and_value_layouts(void **state)
{
	static const struct step s[] = {
		{ "903B00000B 08 000000 040000 DEADBEEF 00", "9100" },
		{ "90BB000007 08 000000 020000 00",
		  "00112233445566778899AABBCCDDEEFF 91AF" },
		{ "90AF000000", "FFEEDDCCBBAA99887766554433221100 9100" },
		{ "90EB00000108 00", "9100" },
		{ "900C00000507 0A000000 00", "9100" },
		{ "901C00000507 05000000 00", "9100" },
		{ "90A7000000", "9100" },
	};
	struct yn_desfire df;
	struct fake f;
	uint8_t rec[4] = { 0xDE, 0xAD, 0xBE, 0xEF }, out[32];
	size_t n = 0;

	(void)state;
	fake_init(&f, s, sizeof(s) / sizeof(s[0]));
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_write_record(&df, YN_DESFIRE_PLAIN, 8, 0, rec, 4, DL), 0);
	assert_int_equal(yn_desfire_read_records(&df, YN_DESFIRE_PLAIN, 8, 0, 2, out, sizeof(out),
						 &n, DL),
			 0);
	assert_int_equal(n, 32);
	assert_int_equal(out[16], 0xFF);
	assert_int_equal(yn_desfire_clear_record_file(&df, YN_DESFIRE_PLAIN, 8, DL), 0);
	assert_int_equal(yn_desfire_credit(&df, YN_DESFIRE_PLAIN, 7, 10, DL), 0);
	assert_int_equal(yn_desfire_limited_credit(&df, YN_DESFIRE_PLAIN, 7, 5, DL), 0);
	assert_int_equal(yn_desfire_debit(&df, YN_DESFIRE_PLAIN, 7, -1, DL), YN_ERANGE);
	assert_int_equal(yn_desfire_abort(&df, YN_DESFIRE_PLAIN, DL), 0);
	fake_done(&f);
}

/* ISO-chaining INS: a 300-byte read becomes 208 + 92 in two commands. */
static int gen_iso_read(struct fake *f, const uint8_t *cmd, size_t len, uint8_t *rsp, size_t cap,
			size_t *rlen)
{
	uint32_t off, n;

	(void)cap;
	assert_int_equal(len, 13);
	assert_int_equal(cmd[1], 0xAD);
	off = yn_get_u24le(cmd + 6);
	n = yn_get_u24le(cmd + 9);
	assert_int_equal(off, f->calls == 1 ? 0 : 208);
	assert_int_equal(n, f->calls == 1 ? 208 : 92);
	memset(rsp, (int)(f->calls), n);
	rsp[n] = 0x91;
	rsp[n + 1] = 0x00;
	*rlen = n + 2;
	return 0;
}

static void test_iso_read_split_in_chunks(void **state)
{
	struct yn_desfire df;
	struct fake f;
	uint8_t out[300];
	size_t n = 0;

	(void)state;
	fake_init(&f, NULL, 0);
	f.gen = gen_iso_read;
	yn_desfire_init(&df, &f.base);
	df.ins_set = YN_DESFIRE_INS_ISO;
	assert_int_equal(yn_desfire_read_data(&df, YN_DESFIRE_PLAIN, 1, 0, 300, out, sizeof(out), &n,
					      DL),
			 0);
	assert_int_equal(n, 300);
	assert_int_equal(out[207], 1);
	assert_int_equal(out[208], 2);
	assert_int_equal(f.calls, 2);
}

static void test_comm_for_file_reads_settings(void **state)
{
	static const struct step s[] = {
		{ "90F500000102 00", "00 03 E100 200000 9100" },
	};
	struct yn_desfire df;
	struct fake f;
	enum yn_desfire_comm comm = YN_DESFIRE_FULL;

	(void)state;
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_comm_for_file(&df, 2, YN_DESFIRE_OP_READ, &comm, DL), 0);
	assert_int_equal(comm, YN_DESFIRE_PLAIN);
	fake_done(&f);
}

/* --- more hostile answers --- */

/* A Full answer whose MAC is right but whose ciphertext is not whole
 * blocks, or whose padding is wrong: a card holding the key but breaking
 * the format.  MACs are computed here with the primitive. */
static void full_answer_case(const uint8_t *ct, size_t ct_len, int want)
{
	uint8_t mac[16], ti[4], mact[8], cmac[8];
	char c0[64], r0[200];
	struct step s[1];
	struct yn_desfire df;
	struct fake f;
	int32_t v = 7;

	hex("37E7234B11BEBEFDE41A8F290090EF80", mac, 16);
	hex("CD73D8E5", ti, 4);
	assert_int_equal(yn_ev2_mac_cmd(mac, 0x6C, 0, ti, (const uint8_t *)"\x01", 1, NULL, 0, cmac),
			 0);
	assert_int_equal(yn_ev2_mac_resp(mac, 0x00, 1, ti, ct, ct_len, mact), 0);
	strcpy(c0, "906C00000901");
	yn_hex_encode(cmac, 8, c0 + 12, sizeof(c0) - 12);
	strcat(c0, "00");
	yn_hex_encode(ct, ct_len, r0, sizeof(r0));
	yn_hex_encode(mact, 8, r0 + 2 * ct_len, sizeof(r0) - 2 * ct_len);
	strcat(r0, "9100");
	s[0].cmd = c0;
	s[0].rsp = r0;
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	full_session(&df);
	assert_int_equal(yn_desfire_get_value(&df, YN_DESFIRE_FULL, 1, &v, DL), want);
	assert_int_equal(v, 0);
	assert_false(yn_desfire_is_authenticated(&df));
	fake_done(&f);
}

static void test_full_answer_not_whole_blocks_is_eproto(void **state)
{
	uint8_t ct[20];

	(void)state;
	memset(ct, 0x3C, sizeof(ct));
	full_answer_case(ct, sizeof(ct), YN_EPROTO);
}

static void test_full_answer_bad_padding_is_eproto(void **state)
{
	uint8_t enc[16], ti[4], iv[16], plain[16], ct[16];

	(void)state;
	/* value 90 then 12 zero bytes: no 80 marker */
	hex("FFBCFE1F41840A09C9A88D0A4B10DF05", enc, 16);
	hex("CD73D8E5", ti, 4);
	memset(plain, 0, sizeof(plain));
	plain[0] = 90;
	assert_int_equal(yn_ev2_iv_resp(enc, ti, 1, iv), 0);
	assert_int_equal(yn_aes128_cbc_encrypt(enc, iv, plain, ct, 16), 0);
	full_answer_case(ct, sizeof(ct), YN_EPROTO);
}

/* Full answer that decrypts to more than GetValue's 4 bytes. */
static void test_full_answer_too_long_for_field(void **state)
{
	uint8_t enc[16], ti[4], iv[16], plain[16], ct[16];

	(void)state;
	hex("FFBCFE1F41840A09C9A88D0A4B10DF05", enc, 16);
	hex("CD73D8E5", ti, 4);
	memset(plain, 0, sizeof(plain));
	plain[0] = 90;
	plain[6] = 0x80;	/* 6 bytes of value where 4 are due */
	assert_int_equal(yn_ev2_iv_resp(enc, ti, 1, iv), 0);
	assert_int_equal(yn_aes128_cbc_encrypt(enc, iv, plain, ct, 16), 0);
	{
		uint8_t mac[16], mact[8], cmac[8];
		char c0[64], r0[200];
		struct step s[1];
		struct yn_desfire df;
		struct fake f;
		int32_t v = 7;

		hex("37E7234B11BEBEFDE41A8F290090EF80", mac, 16);
		assert_int_equal(yn_ev2_mac_cmd(mac, 0x6C, 0, ti, (const uint8_t *)"\x01", 1, NULL,
						0, cmac),
				 0);
		assert_int_equal(yn_ev2_mac_resp(mac, 0x00, 1, ti, ct, 16, mact), 0);
		strcpy(c0, "906C00000901");
		yn_hex_encode(cmac, 8, c0 + 12, sizeof(c0) - 12);
		strcat(c0, "00");
		yn_hex_encode(ct, 16, r0, sizeof(r0));
		yn_hex_encode(mact, 8, r0 + 32, sizeof(r0) - 32);
		strcat(r0, "9100");
		s[0].cmd = c0;
		s[0].rsp = r0;
		fake_init(&f, s, 1);
		yn_desfire_init(&df, &f.base);
		full_session(&df);
		assert_int_equal(yn_desfire_get_value(&df, YN_DESFIRE_FULL, 1, &v, DL), YN_EPROTO);
		assert_int_equal(v, 0);
		assert_false(yn_desfire_is_authenticated(&df));
		fake_done(&f);
	}
}

/* The card refuses in the middle of a chained command. */
static void test_error_mid_chain_stops_sending(void **state)
{
	static const struct step s[] = {
		{ "903D000036 02 000000 640000"
		  "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
		  "202122232425262728292A2B2C2D2E 00",
		  "919D" },
	};
	struct yn_desfire df;
	struct fake f;
	uint8_t data[100];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_write_data(&df, YN_DESFIRE_PLAIN, 2, 0, data, 100, DL),
			 YN_ECARD_PERMISSION);
	fake_done(&f);
}

static void test_data_while_sending_is_eproto(void **state)
{
	static const struct step s[] = {
		{ "903D000036 02 000000 640000"
		  "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
		  "202122232425262728292A2B2C2D2E 00",
		  "0102 91AF" },
	};
	struct yn_desfire df;
	struct fake f;
	uint8_t data[100];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	fake_init(&f, s, 1);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_write_data(&df, YN_DESFIRE_PLAIN, 2, 0, data, 100, DL),
			 YN_EPROTO);
	fake_done(&f);
}

static void test_counter_exhausted_is_local(void **state)
{
	struct yn_desfire df;
	struct fake f;

	(void)state;
	fake_init(&f, NULL, 0);
	yn_desfire_init(&df, &f.base);
	full_session(&df);
	df.cmd_ctr = 0xFFFF;
	assert_int_equal(yn_desfire_commit(&df, YN_DESFIRE_MAC, DL), YN_ENOTAUTH);
	assert_false(yn_desfire_is_authenticated(&df));
	assert_int_equal(f.calls, 0);
}

static int gen_card_gone(struct fake *f, const uint8_t *cmd, size_t len, uint8_t *rsp,
			 size_t cap, size_t *rlen)
{
	(void)f;
	(void)cmd;
	(void)len;
	(void)rsp;
	(void)cap;
	(void)rlen;
	return YN_ECARDGONE;
}

static void test_card_gone_drops_session(void **state)
{
	struct yn_desfire df;
	struct fake f;
	int32_t v = 3;

	(void)state;
	fake_init(&f, NULL, 0);
	f.gen = gen_card_gone;
	yn_desfire_init(&df, &f.base);
	full_session(&df);
	assert_int_equal(yn_desfire_get_value(&df, YN_DESFIRE_MAC, 1, &v, DL), YN_ECARDGONE);
	assert_false(yn_desfire_is_authenticated(&df));
	assert_int_equal(v, 0);
}

static void test_delete_selected_application_drops_session(void **state)
{
	static const struct step s[] = {
		{ "905A00000312345600", "9100" },
		{ "90DA000003 123456 00", "9100" },
	};
	struct yn_desfire df;
	struct fake f;

	(void)state;
	fake_init(&f, s, 2);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_select_application(&df, 0x563412, DL), 0);
	assert_int_equal(yn_desfire_delete_application(&df, YN_DESFIRE_PLAIN, 0x563412, DL), 0);
	assert_int_equal(df.aid, 0);
	fake_done(&f);
}

static void test_get_version_extra_bytes_kept(void **state)
{
	static const struct step s[] = {
		{ "9060000000", "04010133001A05 91AF" },
		{ "90AF000000", "04010103001A05 91AF" },
		{ "90AF000000", "04063F72633480BA4519E320491301 9100" },
		{ "9060000000", "04010133001A05 91AF" },
		{ "90AF000000", "04010103001A05 91AF" },
		{ "90AF000000", "04063F72633480BA4519E3204913010203040506070809 9100" },
	};
	struct yn_desfire_version v;
	struct yn_desfire df;
	struct fake f;

	(void)state;
	fake_init(&f, s, 6);
	yn_desfire_init(&df, &f.base);
	assert_int_equal(yn_desfire_get_version(&df, YN_DESFIRE_PLAIN, &v, DL), 0);
	assert_int_equal(v.extra_len, 1);
	assert_int_equal(v.extra[0], 1);
	/* more than 8 extra bytes: refused */
	assert_int_equal(yn_desfire_get_version(&df, YN_DESFIRE_PLAIN, &v, DL), YN_EPROTO);
	assert_int_equal(v.hw[0], 0);
	fake_done(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth_first_an12343_table16),
		cmocka_unit_test(test_auth_an12196_6_6_then_debit_getvalue_commit),
		cmocka_unit_test(test_auth_an12196_6_10_then_write_6_12),
		cmocka_unit_test(test_auth_wrong_rnda_proof_is_ebadmac),
		cmocka_unit_test(test_auth_refused_by_card_drops_session),
		cmocka_unit_test(test_auth_step2_short_is_eproto),
		cmocka_unit_test(test_auth_nonfirst_without_session_is_local),
		cmocka_unit_test(test_mac_mode_write_read_an12343_t23_t24),
		cmocka_unit_test(test_full_mode_write_read_an12343_t25_t26),
		cmocka_unit_test(test_get_card_uid_an12196_table28),
		cmocka_unit_test(test_get_card_uid_without_session_is_local),
		cmocka_unit_test(test_change_key_same_an12196_table26),
		cmocka_unit_test(test_change_key_other_an12196_table25),
		cmocka_unit_test(test_change_key_an12343_table40),
		cmocka_unit_test(test_get_file_settings_mac_an12196_5_3),
		cmocka_unit_test(test_wrong_mac_is_ebadmac_and_drops_session),
		cmocka_unit_test(test_plain_where_mac_due_is_eproto),
		cmocka_unit_test(test_plain_long_where_mac_due_is_ebadmac),
		cmocka_unit_test(test_error_status_drops_session),
		cmocka_unit_test(test_truncated_frame_without_sw_is_eproto),
		cmocka_unit_test(test_short_data_is_eproto),
		cmocka_unit_test(test_sw1_not_91_is_eproto),
		cmocka_unit_test(test_200_af_frames_bounded),
		cmocka_unit_test(test_200_empty_af_frames_bounded),
		cmocka_unit_test(test_answer_beyond_msg_max_is_eproto),
		cmocka_unit_test(test_oversized_frame_is_eproto),
		cmocka_unit_test(test_answer_longer_than_caller_buffer),
		cmocka_unit_test(test_deadline_passed_sends_nothing),
		cmocka_unit_test(test_write_chained_at_frame_limit),
		cmocka_unit_test(test_card_ends_chain_early_is_eproto),
		cmocka_unit_test(test_get_version_three_frames),
		cmocka_unit_test(test_select_drops_session),
		cmocka_unit_test(test_plain_in_session_advances_ctr),
		cmocka_unit_test(test_read_sig_status_90),
		cmocka_unit_test(test_check_originality_an12196_names_the_product),
		cmocka_unit_test(test_verify_originality_vectors_and_alterations),
		cmocka_unit_test(test_originality_key_sets),
		cmocka_unit_test(test_check_originality_short_signature_is_eproto),
		cmocka_unit_test(test_status_90_elsewhere_is_eproto),
		cmocka_unit_test(test_file_comm_choice),
		cmocka_unit_test(test_every_status_maps),
		cmocka_unit_test(test_error_statuses_through_command),
		cmocka_unit_test(test_auth_nonfirst_keeps_ti_and_ctr),
		cmocka_unit_test(test_get_version_mac_over_chained_frames),
		cmocka_unit_test(test_create_and_settings_layouts),
		cmocka_unit_test(test_file_settings_trailing_is_eproto),
		cmocka_unit_test(test_record_and_value_layouts),
		cmocka_unit_test(test_iso_read_split_in_chunks),
		cmocka_unit_test(test_comm_for_file_reads_settings),
		cmocka_unit_test(test_full_answer_not_whole_blocks_is_eproto),
		cmocka_unit_test(test_full_answer_bad_padding_is_eproto),
		cmocka_unit_test(test_full_answer_too_long_for_field),
		cmocka_unit_test(test_error_mid_chain_stops_sending),
		cmocka_unit_test(test_data_while_sending_is_eproto),
		cmocka_unit_test(test_counter_exhausted_is_local),
		cmocka_unit_test(test_card_gone_drops_session),
		cmocka_unit_test(test_delete_selected_application_drops_session),
		cmocka_unit_test(test_get_version_extra_bytes_kept),
	};

	yn_crypto_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
