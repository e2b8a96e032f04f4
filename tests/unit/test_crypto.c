/*
 * crypto/ symmetric primitives against published vectors.  Every vector is
 * copied from ../shared/reference/desfire.md with the section there and the
 * original source named next to it.  Keys, ECDSA and the self test are in
 * test_crypto_keys.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "base/err.h"
#include "crypto/crypto.h"
#include "crypto/internal.h"
#include "tests/lib/testlib.h"

/* A hex fixture in a fixed buffer: HEX(x, "00ff") gives uint8_t x[] and
 * size_t x_len. */
#define HEX(name, s)                                                    \
	uint8_t name[512];                                              \
	size_t name##_len __attribute__((unused)) = yn_test_hex((s), name, sizeof(name))

#define assert_bytes(got, hex)                                          \
	do {                                                            \
		HEX(want_, hex);                                        \
		if (memcmp((got), want_, want__len) != 0) {             \
			char g_[1100];                                  \
			yn_hex_encode((const uint8_t *)(got), want__len, g_, sizeof(g_)); \
			fail_msg("%s: got %s, want %s", #got, g_, hex);  \
		}                                                       \
	} while (0)

/* yn_hex_encode comes from base/bytes.h. */
#include "base/bytes.h"

/* ------------------------------------------------------------------ */
/* §1.1 AES-CMAC, RFC 4493 §4 [RFC] */

static const char *rfc_key = "2B7E151628AED2A6ABF7158809CF4F3C";
static const char *rfc_msg64 =
	"6BC1BEE22E409F96E93D7E117393172AAE2D8A571E03AC9C9EB76FAC45AF8E51"
	"30C81C46A35CE411E5FBC1191A0A52EFF69F2445DF4F9B17AD2B417BE66C3710";

static void test_cmac_rfc4493_subkeys(void **state)
{
	struct yn_cmac c;
	uint8_t l[16], zero[16] = { 0 };
	HEX(k, rfc_key);

	(void)state;
	/* L = AES-K(0) */
	assert_int_equal(yn_aes128_ecb_encrypt(k, zero, l), 0);
	assert_bytes(l, "7DF76B0C1AB899B33E42F047B91B546F");
	assert_int_equal(yn_cmac_init(&c, k, NULL), 0);
	assert_bytes(c.k1, "FBEED618357133667C85E08F7236A8DE");
	assert_bytes(c.k2, "F7DDAC306AE266CCF90BC11EE46D513B");
	yn_cmac_abort(&c);
}

static void test_cmac_rfc4493_examples(void **state)
{
	uint8_t mac[16];
	HEX(k, rfc_key);
	HEX(m, rfc_msg64);

	(void)state;
	assert_int_equal(yn_aes_cmac(k, NULL, 0, mac), 0);	/* Ex.1, len 0 */
	assert_bytes(mac, "BB1D6929E95937287FA37D129B756746");
	assert_int_equal(yn_aes_cmac(k, m, 16, mac), 0);	/* Ex.2, len 16 */
	assert_bytes(mac, "070A16B46B4D4144F79BDD9DD04A287C");
	assert_int_equal(yn_aes_cmac(k, m, 40, mac), 0);	/* Ex.3, len 40 */
	assert_bytes(mac, "DFA66747DE9AE63030CA32611497C827");
	assert_int_equal(yn_aes_cmac(k, m, 64, mac), 0);	/* Ex.4, len 64 */
	assert_bytes(mac, "51F0BEBF7E3B9D92FC49741779363CFE");
	assert_int_equal(m_len, 64);
}

/* Our CMAC against OpenSSL's EVP_MAC CMAC for every length 0..300, so the
 * block-holding logic of the streaming update is checked at every boundary,
 * fed whole and in pieces of every size. */
static void test_cmac_matches_openssl_every_length(void **state)
{
	uint8_t key[16], msg[300], mine[16], ref[16];
	EVP_MAC *mac = EVP_MAC_fetch(NULL, "CMAC", NULL);
	EVP_MAC_CTX *ctx;
	OSSL_PARAM params[2];
	size_t len, piece, off, outl;
	struct yn_cmac c;

	(void)state;
	assert_non_null(mac);
	ctx = EVP_MAC_CTX_new(mac);
	assert_non_null(ctx);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, (char *)"AES-128-CBC", 0);
	params[1] = OSSL_PARAM_construct_end();
	assert_int_equal(yn_random(key, sizeof(key)), 0);
	assert_int_equal(yn_random(msg, sizeof(msg)), 0);
	for (len = 0; len <= sizeof(msg); len++) {
		assert_int_equal(EVP_MAC_init(ctx, key, 16, params), 1);
		assert_int_equal(EVP_MAC_update(ctx, msg, len), 1);
		assert_int_equal(EVP_MAC_final(ctx, ref, &outl, sizeof(ref)), 1);
		assert_int_equal(yn_aes_cmac(key, msg, len, mine), 0);
		assert_memory_equal(mine, ref, 16);
		for (piece = 1; piece <= 33 && len < 70; piece++) {
			assert_int_equal(yn_cmac_init(&c, key, NULL), 0);
			for (off = 0; off < len; off += piece)
				assert_int_equal(yn_cmac_update(&c, msg + off,
								len - off < piece ? len - off : piece), 0);
			assert_int_equal(yn_cmac_final(&c, mine, 0), 0);
			assert_memory_equal(mine, ref, 16);
		}
	}
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
}

/* §1.1 MACt: AN12196 Table 26 [NXP] */
static void test_mact_takes_odd_indexed_bytes(void **state)
{
	uint8_t t[8];
	HEX(full, "B7A60161F202EC3489BD4BEDEF64BB32");

	(void)state;
	yn_ev2_mact(full, t);
	assert_bytes(t, "A6610234BDED6432");
	/* In place. */
	yn_ev2_mact(full, full);
	assert_bytes(full, "A6610234BDED6432");
}

/* AES-128 FIPS-197 Appendix C.1 (not in desfire.md: a plain AES check). */
static void test_aes_ecb_fips197(void **state)
{
	uint8_t out[16], back[16];
	HEX(k, "000102030405060708090A0B0C0D0E0F");
	HEX(p, "00112233445566778899AABBCCDDEEFF");

	(void)state;
	assert_int_equal(yn_aes128_ecb_encrypt(k, p, out), 0);
	assert_bytes(out, "69C4E0D86A7B0430D8CDB78070B4C55A");
	assert_int_equal(yn_aes128_ecb_decrypt(k, out, back), 0);
	assert_memory_equal(back, p, 16);
}

/* NIST SP 800-38A F.2.1/F.2.2 CBC-AES128: the IV comes back as the last
 * ciphertext block from both directions, and in-place works. */
static void test_aes_cbc_sp800_38a_running_iv(void **state)
{
	uint8_t iv[16], buf[64];
	HEX(k, rfc_key);
	HEX(iv0, "000102030405060708090A0B0C0D0E0F");
	HEX(p, rfc_msg64);
	const char *ct = "7649ABAC8119B246CEE98E9B12E9197D5086CB9B507219EE95DB113A917678B2"
			 "73BED6B8E3C1743B7116E69E222295163FF1CAA1681FAC09120ECA307586E1A7";

	(void)state;
	memcpy(iv, iv0, 16);
	memcpy(buf, p, 64);
	assert_int_equal(yn_aes128_cbc_encrypt(k, iv, buf, buf, 64), 0);
	assert_bytes(buf, ct);
	assert_bytes(iv, "3FF1CAA1681FAC09120ECA307586E1A7");
	memcpy(iv, iv0, 16);
	/* Two calls chained through the IV equal one call. */
	assert_int_equal(yn_aes128_cbc_decrypt(k, iv, buf, buf, 32), 0);
	assert_int_equal(yn_aes128_cbc_decrypt(k, iv, buf + 32, buf + 32, 32), 0);
	assert_memory_equal(buf, p, 64);
	assert_bytes(iv, "3FF1CAA1681FAC09120ECA307586E1A7");
}

static void test_aes_cbc_len_not_block_multiple_refused(void **state)
{
	uint8_t k[16] = { 0 }, iv[16] = { 0 }, buf[32] = { 0 };

	(void)state;
	assert_int_equal(yn_aes128_cbc_encrypt(k, iv, buf, buf, 17), YN_EINVAL);
	assert_int_equal(yn_aes128_cbc_decrypt(k, iv, buf, buf, 15), YN_EINVAL);
	assert_int_equal(yn_aes128_cbc_encrypt(k, iv, buf, buf, 0), 0);
}

/* ------------------------------------------------------------------ */
/* §1.2 DESFire CRC32 (JAMCRC) and CRC_A */

static void test_crc32_check_values(void **state)
{
	uint8_t zero[16] = { 0 }, wire[4];
	HEX(pm, "04440F3276318000");	/* proxmark3 desfiretest.c TestCRC32 */
	uint32_t c;

	(void)state;
	assert_int_equal(yn_desfire_crc32("123456789", 9), 0x340BC6D9u);
	yn_put_u32le(wire, yn_desfire_crc32(pm, pm_len));
	assert_bytes(wire, "99CE1AD4");
	/* desfire.md: the drusifer claim 6B842037 is wrong; AAB44413 is right. */
	yn_put_u32le(wire, yn_desfire_crc32(zero, 16));
	assert_bytes(wire, "AAB44413");
	/* Piecewise equals whole. */
	c = yn_desfire_crc32_update(YN_DESFIRE_CRC32_INIT, "1234", 4);
	c = yn_desfire_crc32_update(c, "56789", 5);
	assert_int_equal(c, 0x340BC6D9u);
	assert_int_equal(yn_desfire_crc32(NULL, 0), 0xFFFFFFFFu);
}

static void test_crc_a_check_value(void **state)
{
	HEX(m, "04440F32763180");	/* proxmark3 TestCRC16 */
	uint8_t wire[2];

	(void)state;
	yn_put_u16le(wire, yn_iso14443a_crc(m, m_len));
	assert_bytes(wire, "2798");
}

/* ------------------------------------------------------------------ */
/* §3.1 EV1 AES authentication frames (Elmue traces via skelsec/pydesfire
 * tests.py AuthTest_AES/AuthTest_AES2, patsys/desfire-python test.py) */

static void ev1_auth(const char *key_hex, const char *erndb, const char *rndb_hex,
		     const char *rnda_hex, const char *step3, const char *erndap,
		     const char *sk_hex)
{
	uint8_t iv[16] = { 0 }, rndb[16], frame[32], rot[16], resp[16], sk[16];
	HEX(k, key_hex);
	HEX(e, erndb);
	HEX(a, rnda_hex);
	HEX(ea, erndap);

	/* PCD: decrypt E(RndB) with IV 0; the IV becomes that ciphertext. */
	assert_int_equal(yn_aes128_cbc_decrypt(k, iv, e, rndb, 16), 0);
	assert_bytes(rndb, rndb_hex);
	assert_memory_equal(iv, e, 16);
	/* PCD: E(RndA || RndB') with IV = E(RndB). */
	memcpy(frame, a, 16);
	yn_desfire_rotl1(rndb, frame + 16);
	assert_int_equal(yn_aes128_cbc_encrypt(k, iv, frame, frame, 32), 0);
	assert_bytes(frame, step3);
	/* PICC: E(RndA') with IV = the last block sent; the PCD checks it. */
	yn_desfire_rotl1(a, rot);
	{
		uint8_t civ[16];

		memcpy(civ, frame + 16, 16);
		assert_int_equal(yn_aes128_cbc_encrypt(k, civ, rot, resp, 16), 0);
		assert_bytes(resp, erndap);
	}
	assert_int_equal(yn_aes128_cbc_decrypt(k, iv, ea, resp, 16), 0);
	assert_true(yn_ct_equal(resp, rot, 16));
	yn_ev1_session_key(a, rndb, sk);
	assert_bytes(sk, sk_hex);
}

static void test_ev1_auth_vector1_zero_key(void **state)
{
	(void)state;
	ev1_auth("00000000000000000000000000000000", "B969FDFE56FD91FC9DE6F6F213B8FD1E",
		 "C05DDD714FD788A6B7B754F3C4D066E8", "F44B26F5686F3A391CD38EBD10772281",
		 "36AAD7DF6E436BA08D18613830A70D5AD43E3D3F4A8D47541EEE623A934E4774",
		 "800DB680BC146BD121D6578F2D2E2059", "F44B26F5C05DDD7110772281C4D066E8");
}

static void test_ev1_auth_vector2_key1(void **state)
{
	(void)state;
	ev1_auth("10182028303840485058606870788088", "B351CB2465D4F33AC627FD6E87A168F2",
		 "626FFBD45CAF334ACCA45599304F5B17", "40E7D27174CBA675E8EFBAB99C530E3D",
		 "044B6CAC343A0865895149649CA8DDE1F5AC4EC67BD208900AF02F049E05F0B0",
		 "A2EE144B1012FBEB7B2F11132D95A454", "40E7D271626FFBD49C530E3D304F5B17");
}

static void test_rotl1_in_place(void **state)
{
	HEX(x, "000102030405060708090A0B0C0D0E0F");

	(void)state;
	yn_desfire_rotl1(x, x);
	assert_bytes(x, "0102030405060708090A0B0C0D0E0F00");
}

/* §3.3 EV1 CMAC chain on a real card (patsys/desfire-python test.py File()).
 * Each TX CMAC is computed but not sent; each RX MAC is over data || 00. */
static void test_ev1_cmac_chain_real_card(void **state)
{
	static const struct {
		const char *tx, *rx_data, *rx_mac;
	} rows[] = {
		{ "CD050011005000 00", "", "A75316AD1596B953" },
		{ "6F", "05", "2D5FF67FFEC9D2D3" },
		{ "F505", "00001100500000", "2AAC7517024E09DC" },
		{ "3D05000000340000"
		  "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
		  "202122232425262728292A2B2C2D2E2F30313233", "", "765C9DAA50ECB62F" },
		{ "3D053400001C0000"
		  "3435363738393A3B3C3D3E3F404142434445464748494A4B4C4D4E4F", "",
		  "3E0AED986B8B0F37" },
		{ "BD05000000300000",
		  "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F"
		  "202122232425262728292A2B2C2D2E2F", "4C65F1F842262BAC" },
		{ "BD05300000200000",
		  "303132333435363738393A3B3C3D3E3F404142434445464748494A4B4C4D4E4F",
		  "F02205CF913C03C9" },
		{ "DF05", "", "1BEF0D32B6D1D7F9" },
	};
	uint8_t iv[16] = { 0 }, mac[8], full[16];
	HEX(sk, "40E7D271626FFBD49C530E3D304F5B17");
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		HEX(tx, rows[i].tx);
		HEX(rx, rows[i].rx_data);

		assert_int_equal(yn_ev1_cmac(sk, iv, tx, tx_len, mac, NULL), 0);
		rx[rx_len++] = 0x00;	/* status byte last */
		assert_int_equal(yn_ev1_cmac(sk, iv, rx, rx_len, mac, full), 0);
		assert_bytes(mac, rows[i].rx_mac);
		assert_memory_equal(iv, full, 16);
	}
}

/* §3.4 EV1 ChangeKey (skelsec/pydesfire tests.py ChangeKeyTest_AES*) */
static void test_ev1_changekey_same_key(void **state)
{
	uint8_t plain[32], iv[16] = { 0 }, ct[32], newk[16], ver, div[16] = { 0 };
	HEX(sk, "F44B26F5C05DDD7110772281C4D066E8");
	HEX(nk, "00102030405060708090A0B0B0A09080");

	(void)state;
	assert_int_equal(yn_ev1_changekey_plain(1, 0x00, nk, NULL, 0x10, plain), 0);
	assert_memory_equal(plain, nk, 16);
	assert_int_equal(plain[16], 0x10);
	assert_bytes(plain + 17, "D2C6E66B");	/* CRC32(C4 00 || new || 10) */
	assert_bytes(plain + 21, "0000000000000000000000");
	assert_int_equal(yn_aes128_cbc_encrypt(sk, iv, plain, ct, 32), 0);
	assert_bytes(ct, "E9F85E219496C2B58C1090DC3935FAE9E840CF61B383D9531946256B1F110C10");
	/* Card side. */
	assert_int_equal(yn_aes128_cbc_decrypt(sk, div, ct, plain, 32), 0);
	assert_int_equal(yn_ev1_changekey_open(1, 0x00, plain, NULL, newk, &ver), 0);
	assert_memory_equal(newk, nk, 16);
	assert_int_equal(ver, 0x10);
	/* The CRC covers the key number: opening as key 1 fails. */
	assert_int_equal(yn_ev1_changekey_open(1, 0x01, plain, NULL, newk, &ver), YN_EBADMAC);
	assert_int_equal(ver, 0);
}

static void test_ev1_changekey_other_key_and_response_cmac(void **state)
{
	uint8_t plain[32], iv[16] = { 0 }, ct[32], mac[8], full[16], newk[16], ver;
	uint8_t st = 0x00, old[16] = { 0 }, div[16] = { 0 };
	HEX(sk, "C2A1E47BD8100044FE6D00A74D7AB17C");
	HEX(nk, "00102030405060708090A0B0B0A09080");

	(void)state;
	assert_int_equal(yn_ev1_changekey_plain(0, 0x01, nk, old, 0x10, plain), 0);
	assert_bytes(plain + 17, "3370B484");	/* CRC32(C4 01 || new^old || 10) */
	assert_bytes(plain + 21, "BFE37919");	/* CRC32(new) */
	assert_bytes(plain + 25, "00000000000000");
	assert_int_equal(yn_aes128_cbc_encrypt(sk, iv, plain, ct, 32), 0);
	assert_bytes(ct, "E7ECCB6BD1CA64BC161A12B1C024F71430337408C8A87EACAB7A1FF18951FCA3");
	/* Response 00 || CMAC8(00) with IV = the last cryptogram block. */
	assert_int_equal(yn_ev1_cmac(sk, iv, &st, 1, mac, full), 0);
	assert_bytes(mac, "2128D3CD9C9ACFFF");
	assert_bytes(full, "2128D3CD9C9ACFFFF6EB9546ADF35E17");
	/* Card side, and a corrupted cryptogram. */
	assert_int_equal(yn_aes128_cbc_decrypt(sk, div, ct, plain, 32), 0);
	assert_int_equal(yn_ev1_changekey_open(0, 0x01, plain, old, newk, &ver), 0);
	assert_memory_equal(newk, nk, 16);
	plain[30] ^= 1;	/* padding */
	assert_int_equal(yn_ev1_changekey_open(0, 0x01, plain, old, newk, &ver), YN_EBADMAC);
	plain[30] ^= 1;
	plain[22] ^= 1;	/* CRC of the new key */
	assert_int_equal(yn_ev1_changekey_open(0, 0x01, plain, old, newk, &ver), YN_EBADMAC);
	assert_int_equal(newk[0] | newk[15], 0);
}

/* EV1 enciphered frames: GetCardUID's answer shape (revk/DESFireAES:
 * 7-byte UID + CRC + 5 bytes of padding = one block), round trip through
 * the running IV, and the CRC and padding checks. */
static void test_ev1_encrypt_decrypt_round_trip_and_crc_check(void **state)
{
	uint8_t iv_tx[16] = { 0 }, iv_rx[16] = { 0 }, ct[32], out[32], st = 0x00;
	HEX(sk, "40E7D271626FFBD49C530E3D304F5B17");
	HEX(uid, "04958CAA5C5E80");
	uint32_t c;
	size_t n;

	(void)state;
	c = yn_desfire_crc32_update(yn_desfire_crc32(uid, uid_len), &st, 1);
	assert_int_equal(yn_ev1_encrypt(sk, iv_tx, uid, uid_len, c, ct, sizeof(ct), &n), 0);
	assert_int_equal(n, 16);
	assert_memory_equal(iv_tx, ct, 16);
	assert_int_equal(yn_ev1_decrypt(sk, iv_rx, ct, n, 7, NULL, 0, &st, 1, out, sizeof(out)),
			 0);
	assert_memory_equal(out, uid, 7);
	assert_memory_equal(iv_rx, iv_tx, 16);
	/* Wrong status byte in the CRC: refused, output zeroed. */
	memset(iv_rx, 0, 16);
	st = 0xAF;
	assert_int_equal(yn_ev1_decrypt(sk, iv_rx, ct, n, 7, NULL, 0, &st, 1, out, sizeof(out)),
			 YN_EBADMAC);
	assert_int_equal(out[0], 0);
	/* A data length that does not fit the ciphertext. */
	assert_int_equal(yn_ev1_decrypt(sk, iv_rx, ct, n, 13, NULL, 0, &st, 1, out, sizeof(out)),
			 YN_EFORMAT);
	assert_int_equal(yn_ev1_encrypt(sk, iv_tx, uid, 13, c, ct, 16, &n), YN_ENOSPC);
}

/* ------------------------------------------------------------------ */
/* §4.3 EV2 authentication and session keys */

static void test_ev2_session_keys_an12343_table16(void **state)
{
	struct yn_ev2_keys s;
	HEX(k, "00000000000000000000000000000000");
	HEX(a, "B04D0787C93EE0CC8CACC8E86F16C6FE");
	HEX(b, "FA659AD0DCA738DD65DC7DC38612AD81");
	HEX(sv1, "A55A00010080B04DFDE253EE3C6B38DD65DC7DC38612AD818CACC8E86F16C6FE");
	uint8_t m[16];

	(void)state;
	/* SV1 itself (AN12343 p.34): CMAC(K, SV1) must give SesAuthENCKey. */
	assert_int_equal(yn_aes_cmac(k, sv1, sv1_len, m), 0);
	assert_bytes(m, "63DC07286289A7A6C0334CA31C314A04");
	assert_int_equal(yn_ev2_session_keys(k, a, b, &s), 0);
	assert_bytes(s.enc, "63DC07286289A7A6C0334CA31C314A04");
	assert_bytes(s.mac, "774F26743ECE6AF5033B6AE8522946F6");
}

/* The PCD side of AuthenticateEV2First: every step AES-CBC with IV 0. */
static void ev2_first(const char *key_hex, const char *erndb, const char *rndb_hex,
		      const char *rnda_hex, const char *step3, const char *step4,
		      const char *ti_hex, const char *enc_hex, const char *mac_hex)
{
	uint8_t iv[16], rndb[16], frame[32], plain[32], rot[16];
	struct yn_ev2_keys s;
	HEX(k, key_hex);
	HEX(e, erndb);
	HEX(a, rnda_hex);
	HEX(s4, step4);

	memset(iv, 0, 16);
	assert_int_equal(yn_aes128_cbc_decrypt(k, iv, e, rndb, 16), 0);
	assert_bytes(rndb, rndb_hex);
	memcpy(frame, a, 16);
	yn_desfire_rotl1(rndb, frame + 16);
	memset(iv, 0, 16);
	assert_int_equal(yn_aes128_cbc_encrypt(k, iv, frame, frame, 32), 0);
	assert_bytes(frame, step3);
	memset(iv, 0, 16);
	assert_int_equal(yn_aes128_cbc_decrypt(k, iv, s4, plain, 32), 0);
	assert_bytes(plain, ti_hex);
	yn_desfire_rotl1(a, rot);
	assert_memory_equal(plain + 4, rot, 16);
	assert_bytes(plain + 20, "000000000000000000000000");	/* PDcap2 || PCDcap2 */
	if (enc_hex != NULL) {
		assert_int_equal(yn_ev2_session_keys(k, a, rndb, &s), 0);
		assert_bytes(s.enc, enc_hex);
		assert_bytes(s.mac, mac_hex);
	}
}

/* AN12343 Table 16 wire transcript (quoted by ev3_security_test.cpp) */
static void test_ev2_first_an12343_wire(void **state)
{
	(void)state;
	ev2_first("00000000000000000000000000000000", "24677DDBD46349E623798FD729006E79",
		  "FA659AD0DCA738DD65DC7DC38612AD81", "B04D0787C93EE0CC8CACC8E86F16C6FE",
		  "3B50445F21D21D77D500794DEB245E5A754F5F901844259F4C9B31A5C7335ACD",
		  "04C6DBD67417ED0D31DDDE4D2E3FFAC2B4B074F638EEF7FFF9254963B65C7759",
		  "8CF141F3", "63DC07286289A7A6C0334CA31C314A04",
		  "774F26743ECE6AF5033B6AE8522946F6");
}

/* AN12196 §6.6 (icedevml/nfc-ev2-crypto test_ev2.py test_auth1) */
static void test_ev2_first_an12196_6_6(void **state)
{
	(void)state;
	ev2_first("00000000000000000000000000000000", "A04C124213C186F22399D33AC2A30215",
		  "B9E2FC789B64BF237CCCAA20EC7E6E48", "13C5DB8A5930439FC3DEF9A4C675360F",
		  "35C3E05A752E0144BAC0DE51C1F22C56B34408A23D8AEA266CAB947EA8E0118D",
		  "3FA64DB5446D1F34CD6EA311167F5E4985B89690C04A05F17FA7AB2F08120663",
		  "9D00C4DF", "1309C877509E5A215007FF0ED19CA564",
		  "4C6626F5E72EA694202139295C7A7FC7");
}

/* AN12196 §6.10 (icedevml test_auth2) */
static void test_ev2_first_an12196_6_10(void **state)
{
	(void)state;
	ev2_first("00000000000000000000000000000000", "B875CEB0E66A6C5CD00898DC371F92D1",
		  "91517975190DCEA6104948EFA3085C1B", "B98F4C50CF1C2E084FD150E33992B048",
		  "FF0306E47DFBC50087C4D8A78E88E62DE1E8BE457AA477C707E2F0874916A8B1",
		  "0CC9A8094A8EEA683ECAAC5C7BF20584206D0608D477110FC6B3D5D3F65C3A6A",
		  "7614281A", "7A93D6571E4B180FCA6AC90C9A7488D4",
		  "FC4AF159B62E549B5812394CAB1918CC");
}

/* proxmark3 desfiretest.c TestEV2SessionKeys, non-zero key [IMPL] */
static void test_ev2_session_keys_nonzero_key(void **state)
{
	struct yn_ev2_keys s;
	HEX(k, "00112233445566778899AABBCCDDEEFF");
	HEX(a, "0123456789ABCDEF0123456789ABCDEF");
	HEX(b, "FEDCBA9876543210FEDCBA9876543210");

	(void)state;
	assert_int_equal(yn_ev2_session_keys(k, a, b, &s), 0);
	assert_bytes(s.enc, "195428119C8528D59580A73C7C96C6A3");
	assert_bytes(s.mac, "0AF00F6E39F904C4A6388C812D53DC94");
}

/* ------------------------------------------------------------------ */
/* §5.2 IV and MAC */

/* proxmark3 TestEV2IVEncode [IMPL] */
static void test_ev2_ivc_proxmark(void **state)
{
	uint8_t iv[16];
	HEX(e1, "66A8CB93269DC9BC2885B7A91B9C697B");
	HEX(t1, "ED56F6E6");
	HEX(e2, "445A8626B3338459321232FADF6ADE2B");
	HEX(t2, "11223344");

	(void)state;
	assert_int_equal(yn_ev2_iv_cmd(e1, t1, 0, iv), 0);
	assert_bytes(iv, "DA0F644A4986275957CF1EC3AF4CCE53");
	assert_int_equal(yn_ev2_iv_cmd(e2, t2, 5, iv), 0);
	assert_bytes(iv, "177494FCC4F1DAB2AFBE8FAE2057A9D2");
}

/* AN12343 Tables 23-24, CommMode.MAC (proxmark3 TestEV2MAC) [NXP] */
static void test_ev2_mac_an12343_tables_23_24(void **state)
{
	uint8_t t[8], data[48];
	HEX(mk, "9366FA195EB566F5BD2BAD4020B83002");
	HEX(ti, "E2D3AF69");
	HEX(h1, "00000000190000");
	HEX(h2, "00000000300000");

	(void)state;
	memset(data, 0x22, 25);
	memset(data + 25, 0x00, 23);
	assert_int_equal(yn_ev2_mac_cmd(mk, 0x8D, 0, ti, h1, h1_len, data, 25, t), 0);
	assert_bytes(t, "68F2C28C575A1628");
	assert_int_equal(yn_ev2_mac_resp(mk, 0x00, 1, ti, NULL, 0, t), 0);
	assert_bytes(t, "0820F68898C2A7F1");
	assert_int_equal(yn_ev2_mac_cmd(mk, 0xAD, 1, ti, h2, h2_len, NULL, 0, t), 0);
	assert_bytes(t, "0D9BE191D5960834");
	assert_int_equal(yn_ev2_mac_resp(mk, 0x00, 2, ti, data, 48, t), 0);
	assert_bytes(t, "A49A44222D926666");
}

/* AN12196 §5.3 GetFileSettings, CommMode.MAC (icedevml test_mac1) [NXP] */
static void test_ev2_mac_an12196_getfilesettings(void **state)
{
	uint8_t t[8], fno = 0x02;
	HEX(mk, "8248134A386E86EB7FAF54A52E536CB6");
	HEX(ti, "7A21085E");
	HEX(resp, "0040EEEE000100D1FE001F00004400004400002000006A0000");

	(void)state;
	assert_int_equal(yn_ev2_mac_cmd(mk, 0xF5, 0, ti, &fno, 1, NULL, 0, t), 0);
	assert_bytes(t, "6597A457C8CD442C");
	assert_int_equal(yn_ev2_mac_resp(mk, 0x00, 1, ti, resp, resp_len, t), 0);
	assert_bytes(t, "2A474282E7A47986");
}

/* AN12343 Table 39 GetKeyVersion (drusifer test_an12343_getkeyversion.py) */
static void test_ev2_mac_an12343_getkeyversion(void **state)
{
	uint8_t t[8], kno = 0x00;
	HEX(mk, "AAB799EBB2B22AC79D7F3EB0E1CFD49E");
	HEX(ti, "5084A1A3");

	(void)state;
	assert_int_equal(yn_ev2_mac_cmd(mk, 0x64, 0, ti, &kno, 1, NULL, 0, t), 0);
	assert_bytes(t, "7F0A6EABC174B6DF");
}

/* ------------------------------------------------------------------ */
/* §5.3 CommMode.Full (AN12196) */

/* A Full-mode command as the PCD builds it and the PICC checks it:
 * IVc, ciphertext, MACt over cmd || ctr || TI || hdr || ciphertext. */
static void full_cmd(const char *enc_hex, const char *mac_hex, const char *ti_hex,
		     uint16_t ctr, uint8_t cmd, const char *hdr_hex, const uint8_t *plain,
		     size_t plain_len, const char *ivc_hex, const char *ct_hex,
		     const char *mact_hex)
{
	uint8_t iv[16], ct[256], back[256], t[8];
	size_t n, m;
	HEX(enc, enc_hex);
	HEX(mk, mac_hex);
	HEX(ti, ti_hex);
	HEX(hdr, hdr_hex);

	assert_int_equal(yn_ev2_iv_cmd(enc, ti, ctr, iv), 0);
	if (ivc_hex != NULL)
		assert_bytes(iv, ivc_hex);
	assert_int_equal(yn_ev2_encrypt(enc, iv, plain, plain_len, ct, sizeof(ct), &n), 0);
	assert_int_equal(n, (plain_len / 16 + 1) * 16);
	assert_bytes(ct, ct_hex);
	assert_int_equal(yn_ev2_mac_cmd(mk, cmd, ctr, ti, hdr, hdr_len, ct, n, t), 0);
	assert_bytes(t, mact_hex);
	/* The card's side. */
	assert_int_equal(yn_ev2_decrypt(enc, iv, ct, n, back, sizeof(back), &m), 0);
	assert_int_equal(m, plain_len);
	assert_memory_equal(back, plain, plain_len);
}

/* AN12196 §6.12 WriteData with the §6.10 session (icedevml test_ev2.py) */
static void test_ev2_full_writedata_an12196_6_12(void **state)
{
	uint8_t t[8];
	HEX(p, "0102030405060708090A");
	HEX(mk, "FC4AF159B62E549B5812394CAB1918CC");
	HEX(ti, "7614281A");

	(void)state;
	full_cmd("7A93D6571E4B180FCA6AC90C9A7488D4", "FC4AF159B62E549B5812394CAB1918CC",
		 "7614281A", 0, 0x8D, "030000000A0000", p, p_len, NULL,
		 "6B5E6804909962FC4E3FF5522CF0F843", "6C0C53315B9C73AA");
	assert_int_equal(yn_ev2_mac_resp(mk, 0x00, 1, ti, NULL, 0, t), 0);
	assert_bytes(t, "C26D236E4A7C046D");
}

/* AN12196 §5.4 Tables 14-17: a 128-byte NDEF WriteData with the §6.6
 * session.  The plaintext is not reproduced in desfire.md, so the APDU is
 * checked from the card's side: MACt over the ciphertext, decryption to 128
 * bytes with valid padding, and re-encryption to the same bytes. */
static void test_ev2_full_writedata_an12196_ndef_128(void **state)
{
	HEX(apdu, "908D00009F02000000800000421C73A27D827658AF481FDFF20A5025B559D0E3AA21E58D347F343CFFC768BFE596C706BC00F2176781D4B0242642A0FF5A42C461AAF894D9A1284B8C76BCFA658ACD40555D362E08DB15CF421B51283F9064BCBE20E96CAE545B407C9D651A3315B27373772E5DA2367D2064AE054AF996C6F1F669170FA88CE8C4E3A4A7BBBEF0FD971FF532C3A802AF745660F2B4D1D9A8499661EBF300");
	HEX(enc, "1309C877509E5A215007FF0ED19CA564");
	HEX(mk, "4C6626F5E72EA694202139295C7A7FC7");
	HEX(ti, "9D00C4DF");
	uint8_t iv[16], plain[160], again[160], t[8];
	const uint8_t *hdr = apdu + 5, *ct = apdu + 12, *mact = apdu + 12 + 144;
	size_t n, m;

	(void)state;
	assert_int_equal(apdu_len, 5 + 0x9F + 1);
	assert_int_equal(yn_ev2_mac_cmd(mk, 0x8D, 0, ti, hdr, 7, ct, 144, t), 0);
	assert_true(yn_ct_equal(t, mact, 8));
	assert_int_equal(yn_ev2_iv_cmd(enc, ti, 0, iv), 0);
	assert_int_equal(yn_ev2_decrypt(enc, iv, ct, 144, plain, sizeof(plain), &n), 0);
	assert_int_equal(n, 128);
	assert_int_equal(yn_ev2_encrypt(enc, iv, plain, n, again, sizeof(again), &m), 0);
	assert_int_equal(m, 144);
	assert_memory_equal(again, ct, 144);
	assert_int_equal(yn_ev2_mac_resp(mk, 0x00, 1, ti, NULL, 0, t), 0);
	assert_bytes(t, "FC222E5F7A542452");
}

/* AN12196 Table 18 ChangeFileSettings, §6.6 session, ctr 1 (Go ntag424 test):
 * 15 bytes of data + 80 is exactly one block. */
static void test_ev2_full_changefilesettings_table18(void **state)
{
	uint8_t t[8];
	HEX(p, "4000E0C1F121200000430000430000");
	HEX(mk, "4C6626F5E72EA694202139295C7A7FC7");
	HEX(ti, "9D00C4DF");

	(void)state;
	full_cmd("1309C877509E5A215007FF0ED19CA564", "4C6626F5E72EA694202139295C7A7FC7",
		 "9D00C4DF", 1, 0x5F, "02", p, p_len, NULL, "61B6D97903566E84C3AE5274467E89EA",
		 "D799B7C1A0EF7A04");
	assert_int_equal(yn_ev2_mac_resp(mk, 0x00, 2, ti, NULL, 0, t), 0);
	assert_bytes(t, "57BFF87B1241E93D");
}

/* AN12196 §7.3 Table 28 GetCardUID: the response side (IVr, MAC verify
 * before decrypt, UID). */
static void test_ev2_full_getcarduid_table28(void **state)
{
	uint8_t iv[16], t[8], uid[16];
	size_t n;
	HEX(enc, "2B4D963C014DC36F24F69A50A394F875");
	HEX(mk, "379D32130CE61705DD5FD8C36B95D764");
	HEX(ti, "DF055522");
	HEX(ct, "70756055688505B52A5E26E59E329CD6");

	(void)state;
	assert_int_equal(yn_ev2_mac_cmd(mk, 0x51, 0, ti, NULL, 0, NULL, 0, t), 0);
	assert_bytes(t, "8E2C155ADDA99BE3");
	assert_int_equal(yn_ev2_mac_resp(mk, 0x00, 1, ti, ct, ct_len, t), 0);
	assert_bytes(t, "595F672298EA41B7");
	assert_int_equal(yn_ev2_iv_resp(enc, ti, 1, iv), 0);
	assert_bytes(iv, "7F6BB0B278EA054CBD238C5D9E9E342B");
	/* out holds exactly the UID: the padding block is decrypted aside. */
	assert_int_equal(yn_ev2_decrypt(enc, iv, ct, ct_len, uid, 7, &n), 0);
	assert_int_equal(n, 7);
	assert_bytes(uid, "04958CAA5C5E80");
	assert_int_equal(yn_ev2_decrypt(enc, iv, ct, ct_len, uid, 6, &n), YN_ENOSPC);
	assert_int_equal(n, 0);
}

/* AN12196 Table 26: ChangeKey of the authenticated key (drusifer
 * tests/test_crypto_components.py), end to end: plaintext, IVc,
 * ciphertext, full CMAC and MACt, then the card opening it. */
static void test_ev2_changekey_same_key_table26(void **state)
{
	uint8_t plain[21], iv[16], ct[64], full[16], t[8], dec[64], newk[16], ver;
	size_t n, m;
	struct yn_cmac c;
	uint8_t head[8] = { 0xC4, 0x03, 0x00 };
	HEX(enc, "4CF3CB41A22583A61E89B158D252FC53");
	HEX(mk, "5529860B2FC5FB6154B7F28361D30BF9");
	HEX(ti, "7614281A");
	HEX(nk, "5004BF991F408672B1EF00F08F9E8647");
	uint8_t kno = 0x00;

	(void)state;
	assert_int_equal(yn_ev2_changekey_plain(1, nk, NULL, 0x01, plain, &n), 0);
	assert_int_equal(n, 17);
	assert_int_equal(yn_ev2_iv_cmd(enc, ti, 3, iv), 0);
	assert_bytes(iv, "01602D579423B2797BE8B478B0B4D27B");
	assert_int_equal(yn_ev2_encrypt(enc, iv, plain, n, ct, sizeof(ct), &m), 0);
	assert_int_equal(m, 32);
	assert_bytes(ct, "C0EB4DEEFEDDF0B513A03A95A75491818580503190D4D05053FF75668A01D6FD");
	/* Full CMAC over C4 || 0300 || TI || 00 || ct. */
	memcpy(head + 3, ti, 4);
	head[7] = kno;
	assert_int_equal(yn_cmac_init(&c, mk, NULL), 0);
	assert_int_equal(yn_cmac_update(&c, head, 8), 0);
	assert_int_equal(yn_cmac_update(&c, ct, 32), 0);
	assert_int_equal(yn_cmac_final(&c, full, 0), 0);
	assert_bytes(full, "B7A60161F202EC3489BD4BEDEF64BB32");
	assert_int_equal(yn_ev2_mac_cmd(mk, 0xC4, 3, ti, &kno, 1, ct, 32, t), 0);
	assert_bytes(t, "A6610234BDED6432");
	assert_int_equal(yn_ev2_decrypt(enc, iv, ct, m, dec, sizeof(dec), &n), 0);
	assert_int_equal(yn_ev2_changekey_open(1, dec, n, NULL, newk, &ver), 0);
	assert_memory_equal(newk, nk, 16);
	assert_int_equal(ver, 0x01);
	assert_int_equal(yn_ev2_changekey_open(1, dec, 21, NULL, newk, &ver), YN_EFORMAT);
}

/* AN12196 Table 25: ChangeKey of another key (proxmark3 DesfireChangeKey;
 * Go ntag424 test), checked against the APDU. */
static void test_ev2_changekey_other_key_table25(void **state)
{
	HEX(apdu, "90C4000029022CF362B7BF4311FF3BE1DAA295E8C68DE09050560D19B9E16C2393AE9CD1FAC75D0CE20BCD1D06E600");
	HEX(nk, "F3847D627727ED3BC9C4CC050489B966");
	HEX(enc, "4CF3CB41A22583A61E89B158D252FC53");
	uint8_t old[16] = { 0 }, plain[21], dec[32], newk[16], ver;
	char ct_hex[65], mac_hex[17];
	size_t n;

	(void)state;
	assert_int_equal(yn_ev2_changekey_plain(0, nk, old, 0x01, plain, &n), 0);
	assert_int_equal(n, 21);
	assert_bytes(plain + 16, "01789DFADC");
	yn_hex_encode(apdu + 6, 32, ct_hex, sizeof(ct_hex));
	yn_hex_encode(apdu + 38, 8, mac_hex, sizeof(mac_hex));
	full_cmd("4CF3CB41A22583A61E89B158D252FC53", "5529860B2FC5FB6154B7F28361D30BF9",
		 "7614281A", 2, 0xC4, "02", plain, n, "307EDE1814707F30CFE603DD6CA62353",
		 ct_hex, mac_hex);
	/* The card opens it with the old key; a wrong old key fails the CRC. */
	{
		uint8_t iv[16];
		HEX(ti, "7614281A");

		assert_int_equal(yn_ev2_iv_cmd(enc, ti, 2, iv), 0);
		assert_int_equal(yn_ev2_decrypt(enc, iv, apdu + 6, 32, dec, sizeof(dec), &n), 0);
	}
	assert_int_equal(yn_ev2_changekey_open(0, dec, n, old, newk, &ver), 0);
	assert_memory_equal(newk, nk, 16);
	assert_int_equal(ver, 1);
	old[3] = 1;
	assert_int_equal(yn_ev2_changekey_open(0, dec, n, old, newk, &ver), YN_EBADMAC);
	assert_int_equal(newk[0], 0);
}

/* AN12343 Table 40 ChangeKey, same key 0 */
static void test_ev2_changekey_an12343_table40(void **state)
{
	HEX(nk, "01234567890123456789012345678901");
	uint8_t plain[21];
	size_t n;

	(void)state;
	assert_int_equal(yn_ev2_changekey_plain(1, nk, NULL, 0x00, plain, &n), 0);
	full_cmd("E156C8522F7C8DC82B0C99BA847DE723", "45D50C1570000D2F173DF949288E3CAD",
		 "94297F4D", 0, 0xC4, "00", plain, n, "BF4A2FB89311ED58E9DCBE56FC17794C",
		 "BF5400DC97A1FBD65BE870716D6F11F8161BB4CA472856DB94AB94B2EC1A13E6",
		 "27CE07CF56C11091");
}

/* ------------------------------------------------------------------ */
/* §5.4 AN12343 Tables 25-26, Full-mode write and read
 * (quoted by ev3_security_test.cpp) */

static void test_ev2_full_write_an12343_table25(void **state)
{
	uint8_t data[25], t[8];
	HEX(mk, "37E7234B11BEBEFDE41A8F290090EF80");
	HEX(ti, "CD73D8E5");

	(void)state;
	memset(data, 0x22, sizeof(data));
	full_cmd("FFBCFE1F41840A09C9A88D0A4B10DF05", "37E7234B11BEBEFDE41A8F290090EF80",
		 "CD73D8E5", 0, 0x8D, "00000000190000", data, sizeof(data),
		 "871747AF36D72164A418BBFECCECD911",
		 "D7446FBC912580C0A65E738D28B609E43ADBB8FB2B4CA68744D1BBEBB37EBD32",
		 "700ADF7BB9F62A6C");
	assert_int_equal(yn_ev2_mac_resp(mk, 0x00, 1, ti, NULL, 0, t), 0);
	assert_bytes(t, "B9A534A7A73EE0DD");
}

static void test_ev2_full_read_an12343_table26(void **state)
{
	uint8_t t[8], iv[16], plain[64], want[48], raw[64], riv[16];
	size_t n;
	HEX(enc, "FFBCFE1F41840A09C9A88D0A4B10DF05");
	HEX(mk, "37E7234B11BEBEFDE41A8F290090EF80");
	HEX(ti, "CD73D8E5");
	HEX(hdr, "00000000300000");
	HEX(ct, "8848D0F9B9FD4495770C89925B2A85C7274D350FA9029C484D43804886662DC4"
		"2D7F40A6D7A415E4A71EFF79EB8E5721AC3BF1CAAFE8EB2CAA2DC162E67A97A3");

	(void)state;
	assert_int_equal(yn_ev2_mac_cmd(mk, 0xAD, 1, ti, hdr, hdr_len, NULL, 0, t), 0);
	assert_bytes(t, "7CF94F122B3DB05F");
	assert_int_equal(yn_ev2_mac_resp(mk, 0x00, 2, ti, ct, ct_len, t), 0);
	assert_bytes(t, "8ED7888F22B3A587");
	assert_int_equal(yn_ev2_iv_resp(enc, ti, 2, iv), 0);
	assert_bytes(iv, "13659A1BC863D4109FC3FB92C93D952F");
	/* The raw plaintext shows the full padding block after 48 bytes. */
	memcpy(riv, iv, 16);
	assert_int_equal(yn_aes128_cbc_decrypt(enc, riv, ct, raw, 64), 0);
	assert_bytes(raw + 48, "80000000000000000000000000000000");
	assert_int_equal(yn_ev2_decrypt(enc, iv, ct, ct_len, plain, sizeof(plain), &n), 0);
	memset(want, 0x22, 25);
	memset(want + 25, 0x00, 23);
	assert_int_equal(n, 48);
	assert_memory_equal(plain, want, 48);
}

/* Padding is always added: 0 bytes give one full block, 16 give two. */
static void test_ev2_encrypt_pads_aligned_and_empty_input(void **state)
{
	uint8_t k[16] = { 1 }, iv[16] = { 2 }, p[16] = { 3 }, out[48], back[48];
	size_t n, m;

	(void)state;
	assert_int_equal(yn_ev2_encrypt(k, iv, NULL, 0, out, sizeof(out), &n), 0);
	assert_int_equal(n, 16);
	assert_int_equal(yn_ev2_decrypt(k, iv, out, n, back, 0, &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(yn_ev2_encrypt(k, iv, p, 16, out, sizeof(out), &n), 0);
	assert_int_equal(n, 32);
	assert_int_equal(yn_ev2_encrypt(k, iv, p, 16, out, 31, &n), YN_ENOSPC);
	assert_int_equal(n, 0);
	/* In place. */
	memcpy(out, p, 16);
	assert_int_equal(yn_ev2_encrypt(k, iv, out, 16, out, sizeof(out), &n), 0);
	assert_int_equal(yn_ev2_decrypt(k, iv, out, n, back, sizeof(back), &m), 0);
	assert_int_equal(m, 16);
	assert_memory_equal(back, p, 16);
}

static void test_ev2_decrypt_bad_padding_and_length_refused(void **state)
{
	uint8_t k[16] = { 9 }, iv[16] = { 0 }, blk[32], ct[32], out[32];
	size_t n;

	(void)state;
	/* A last block with no 80 marker (all zero), then one ending in 01. */
	memset(blk, 0x41, 16);
	memset(blk + 16, 0, 16);
	memcpy(ct, blk, 32);
	{
		uint8_t w[16];

		memcpy(w, iv, 16);
		assert_int_equal(yn_aes128_cbc_encrypt(k, w, ct, ct, 32), 0);
	}
	assert_int_equal(yn_ev2_decrypt(k, iv, ct, 32, out, sizeof(out), &n), YN_EFORMAT);
	assert_int_equal(n, 0);
	assert_int_equal(out[0], 0);	/* zeroed after failure */
	blk[31] = 0x01;
	memcpy(ct, blk, 32);
	{
		uint8_t w[16];

		memcpy(w, iv, 16);
		assert_int_equal(yn_aes128_cbc_encrypt(k, w, ct, ct, 32), 0);
	}
	assert_int_equal(yn_ev2_decrypt(k, iv, ct, 32, out, sizeof(out), &n), YN_EFORMAT);
	assert_int_equal(yn_ev2_decrypt(k, iv, ct, 0, out, sizeof(out), &n), YN_EFORMAT);
	assert_int_equal(yn_ev2_decrypt(k, iv, ct, 17, out, sizeof(out), &n), YN_EFORMAT);
	assert_int_equal(yn_ev2_decrypt(k, iv, ct, 32, out, 8, &n), YN_ENOSPC);
}

static void test_ev2_changekey_open_wrong_length_refused(void **state)
{
	uint8_t p[21] = { 0 }, old[16] = { 0 }, nk[16], ver;

	(void)state;
	assert_int_equal(yn_ev2_changekey_open(0, p, 17, old, nk, &ver), YN_EFORMAT);
	assert_int_equal(yn_ev2_changekey_open(1, p, 16, NULL, nk, &ver), YN_EFORMAT);
	/* All-zero plaintext: the CRC of the zero key is not 00000000. */
	assert_int_equal(yn_ev2_changekey_open(0, p, 21, old, nk, &ver), YN_EBADMAC);
}

/* ------------------------------------------------------------------ */
/* §7 AN10922 AES-128 diversification (AN10922 §2.2.1 via proxmark3
 * TestAn10922KDFAES, libfreefare test_mifare_key_deriver_an10922.c) */

static void test_an10922_nxp_vector(void **state)
{
	uint8_t out[16], zero[16] = { 0 }, l[16], iv[16] = { 0 }, d2[32];
	struct yn_cmac c;
	HEX(mk, "00112233445566778899AABBCCDDEEFF");
	HEX(m, "04782E21801D80" "3042F5" "4E585020416275");
	HEX(d, "0104782E21801D803042F54E5850204162758000000000000000000000000000");

	(void)state;
	assert_int_equal(yn_aes128_ecb_encrypt(mk, zero, l), 0);
	assert_bytes(l, "FDE4FBAE4A09E020EFF722969F83832B");
	assert_int_equal(yn_cmac_init(&c, mk, NULL), 0);
	assert_bytes(c.k1, "FBC9F75C9413C041DFEE452D3F0706D1");
	assert_bytes(c.k2, "F793EEB928278083BFDC8A5A7E0E0D25");
	/* The intermediate steps: last block ^ K2, then the two CBC blocks. */
	memcpy(d2, d, 32);
	for (int i = 0; i < 16; i++)
		d2[16 + i] ^= c.k2[i];
	yn_cmac_abort(&c);
	assert_bytes(d2 + 16, "95E66EB928278083BFDC8A5A7E0E0D25");
	assert_int_equal(yn_aes128_cbc_encrypt(mk, iv, d2, d2, 32), 0);
	assert_bytes(d2, "351DB989A47CCA6484CCE346FD5AE767A8DD63A3B89D54B37CA802473FDA9175");
	assert_int_equal(yn_an10922_aes128(mk, m, m_len, out), 0);
	assert_bytes(out, "A8DD63A3B89D54B37CA802473FDA9175");
}

/* [DER] K1 case: 31 bytes of input equal plain CMAC(01 || M). */
static void test_an10922_31_bytes_equals_cmac(void **state)
{
	uint8_t m[31], d[32], out[16], mac[16];
	HEX(mk, "00112233445566778899AABBCCDDEEFF");
	int i;

	(void)state;
	for (i = 0; i < 31; i++)
		m[i] = (uint8_t)(i + 1);
	assert_int_equal(yn_an10922_aes128(mk, m, 31, out), 0);
	assert_bytes(out, "DB1E697C02D65FADD04FDA40ECAACFF4");
	d[0] = 0x01;
	memcpy(d + 1, m, 31);
	assert_int_equal(yn_aes_cmac(mk, d, 32, mac), 0);
	assert_memory_equal(out, mac, 16);
}

/* [DER] input of 16 bytes or less is padded to 32, unlike CMAC. */
static void test_an10922_short_input_differs_from_cmac(void **state)
{
	uint8_t out[16], mac[16], d[8];
	HEX(mk, "00112233445566778899AABBCCDDEEFF");
	HEX(uid, "04782E21801D80");

	(void)state;
	assert_int_equal(yn_an10922_aes128(mk, uid, uid_len, out), 0);
	assert_bytes(out, "4FD3364753B8142980E8203C75AD83BE");
	d[0] = 0x01;
	memcpy(d + 1, uid, 7);
	assert_int_equal(yn_aes_cmac(mk, d, 8, mac), 0);
	assert_bytes(mac, "B3179E");
	assert_memory_not_equal(out, mac, 16);
}

static void test_an10922_input_length_bounds(void **state)
{
	uint8_t mk[16] = { 0 }, m[32] = { 0 }, out[16];

	(void)state;
	assert_int_equal(yn_an10922_aes128(mk, m, 0, out), YN_EINVAL);
	assert_int_equal(yn_an10922_aes128(mk, m, 32, out), YN_EINVAL);
	assert_int_equal(yn_an10922_aes128(mk, m, 1, out), 0);
	assert_int_equal(yn_an10922_aes128(mk, m, 16, out), 0);
}

/* ------------------------------------------------------------------ */
/* §10 [DER] extra vectors for the emulator (not published; computed in
 * desfire.md from the verified formulas), §6.6 session */

static void test_ev2_der_debit_getvalue_commit(void **state)
{
	uint8_t v[4] = { 0x0A, 0, 0, 0 }, fno = 0x01, t[8], iv[16], out[16];
	size_t n;
	HEX(apdu, "90DC00001901C209AF5756D13D8C7CAAEB62C7025218F5AB84AE192C1AD200");
	HEX(enc, "1309C877509E5A215007FF0ED19CA564");
	HEX(mk, "4C6626F5E72EA694202139295C7A7FC7");
	HEX(ti, "9D00C4DF");
	HEX(gv_ct, "0A11C21ED9C27851FEC4E474F5B8F1F4");
	char ct_hex[33], mac_hex[17];

	(void)state;
	/* Debit DC, Full, ctr 0: FileNo 01, value 10. */
	yn_hex_encode(apdu + 6, 16, ct_hex, sizeof(ct_hex));
	yn_hex_encode(apdu + 22, 8, mac_hex, sizeof(mac_hex));
	full_cmd("1309C877509E5A215007FF0ED19CA564", "4C6626F5E72EA694202139295C7A7FC7",
		 "9D00C4DF", 0, 0xDC, "01", v, 4, "D2CB7277A17841A06654A48188C1F8F5", ct_hex,
		 mac_hex);
	assert_int_equal(yn_ev2_mac_resp(mk, 0x00, 1, ti, NULL, 0, t), 0);
	assert_bytes(t, "FC222E5F7A542452");
	/* GetValue 6C, Full, ctr 1: value 90 comes back. */
	assert_int_equal(yn_ev2_mac_cmd(mk, 0x6C, 1, ti, &fno, 1, NULL, 0, t), 0);
	assert_bytes(t, "2193555688596A63");
	assert_int_equal(yn_ev2_mac_resp(mk, 0x00, 2, ti, gv_ct, 16, t), 0);
	assert_bytes(t, "98152B0874F155D7");
	assert_int_equal(yn_ev2_iv_resp(enc, ti, 2, iv), 0);
	assert_bytes(iv, "AB9071CFCCF9AD52C17D7FE9B1C1AE32");
	assert_int_equal(yn_ev2_decrypt(enc, iv, gv_ct, 16, out, sizeof(out), &n), 0);
	assert_int_equal(n, 4);
	assert_bytes(out, "5A000000");
	/* CommitTransaction C7, MAC mode, ctr 2. */
	assert_int_equal(yn_ev2_mac_cmd(mk, 0xC7, 2, ti, NULL, 0, NULL, 0, t), 0);
	assert_bytes(t, "F0583BBEF5354B6E");
	assert_int_equal(yn_ev2_mac_resp(mk, 0x00, 3, ti, NULL, 0, t), 0);
	assert_bytes(t, "6B3573A7F0F695AB");
}

static void test_ct_equal_and_cleanse(void **state)
{
	uint8_t a[8] = { 1, 2, 3 }, b[8] = { 1, 2, 3 };

	(void)state;
	assert_int_equal(yn_ct_equal(a, b, 8), 1);
	b[7] = 1;
	assert_int_equal(yn_ct_equal(a, b, 8), 0);
	yn_cleanse(a, sizeof(a));
	assert_int_equal(a[0] | a[1] | a[2], 0);
}

/* SHA-256("abc"), FIPS 180-2 B.1 */
static void test_sha256_abc(void **state)
{
	uint8_t d[32];

	(void)state;
	assert_int_equal(yn_sha256("abc", 3, d), 0);
	assert_bytes(d, "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cmac_rfc4493_subkeys),
		cmocka_unit_test(test_cmac_rfc4493_examples),
		cmocka_unit_test(test_cmac_matches_openssl_every_length),
		cmocka_unit_test(test_mact_takes_odd_indexed_bytes),
		cmocka_unit_test(test_aes_ecb_fips197),
		cmocka_unit_test(test_aes_cbc_sp800_38a_running_iv),
		cmocka_unit_test(test_aes_cbc_len_not_block_multiple_refused),
		cmocka_unit_test(test_crc32_check_values),
		cmocka_unit_test(test_crc_a_check_value),
		cmocka_unit_test(test_ev1_auth_vector1_zero_key),
		cmocka_unit_test(test_ev1_auth_vector2_key1),
		cmocka_unit_test(test_rotl1_in_place),
		cmocka_unit_test(test_ev1_cmac_chain_real_card),
		cmocka_unit_test(test_ev1_changekey_same_key),
		cmocka_unit_test(test_ev1_changekey_other_key_and_response_cmac),
		cmocka_unit_test(test_ev1_encrypt_decrypt_round_trip_and_crc_check),
		cmocka_unit_test(test_ev2_session_keys_an12343_table16),
		cmocka_unit_test(test_ev2_first_an12343_wire),
		cmocka_unit_test(test_ev2_first_an12196_6_6),
		cmocka_unit_test(test_ev2_first_an12196_6_10),
		cmocka_unit_test(test_ev2_session_keys_nonzero_key),
		cmocka_unit_test(test_ev2_ivc_proxmark),
		cmocka_unit_test(test_ev2_mac_an12343_tables_23_24),
		cmocka_unit_test(test_ev2_mac_an12196_getfilesettings),
		cmocka_unit_test(test_ev2_mac_an12343_getkeyversion),
		cmocka_unit_test(test_ev2_full_writedata_an12196_6_12),
		cmocka_unit_test(test_ev2_full_writedata_an12196_ndef_128),
		cmocka_unit_test(test_ev2_full_changefilesettings_table18),
		cmocka_unit_test(test_ev2_full_getcarduid_table28),
		cmocka_unit_test(test_ev2_changekey_same_key_table26),
		cmocka_unit_test(test_ev2_changekey_other_key_table25),
		cmocka_unit_test(test_ev2_changekey_an12343_table40),
		cmocka_unit_test(test_ev2_full_write_an12343_table25),
		cmocka_unit_test(test_ev2_full_read_an12343_table26),
		cmocka_unit_test(test_ev2_encrypt_pads_aligned_and_empty_input),
		cmocka_unit_test(test_ev2_decrypt_bad_padding_and_length_refused),
		cmocka_unit_test(test_ev2_changekey_open_wrong_length_refused),
		cmocka_unit_test(test_an10922_nxp_vector),
		cmocka_unit_test(test_an10922_31_bytes_equals_cmac),
		cmocka_unit_test(test_an10922_short_input_differs_from_cmac),
		cmocka_unit_test(test_an10922_input_length_bounds),
		cmocka_unit_test(test_ev2_der_debit_getvalue_commit),
		cmocka_unit_test(test_ct_equal_and_cleanse),
		cmocka_unit_test(test_sha256_abc),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
