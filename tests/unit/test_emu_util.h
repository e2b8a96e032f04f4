/*
 * Helpers shared by the software-card tests (tests/unit/test_emu*.c): a
 * powered blank card, and raw APDU exchanges checked against hex.
 */
#ifndef YN_TEST_EMU_UTIL_H
#define YN_TEST_EMU_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/bytes.h"
#include "base/err.h"
#include "card/emu/emu.h"
#include "card/emu/emu_test.h"
#include "crypto/crypto.h"
#include "tests/lib/testlib.h"

#define EMU_UNUSED __attribute__((unused))

static const uint8_t test_uid[7] = { 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };

static EMU_UNUSED struct yn_emu *card_new(void)
{
	struct yn_emu *c = NULL;

	assert_int_equal(yn_emu_new_blank(test_uid, sizeof(test_uid), &c), 0);
	yn_emu_power_on(c);
	return c;
}

/* Send an APDU given in hex; return the response length in resp. */
static EMU_UNUSED size_t xfer(struct yn_emu *c, const char *hex, uint8_t *resp, size_t cap)
{
	uint8_t cmd[1024];
	size_t n = yn_test_hex(hex, cmd, sizeof(cmd)), rn = 0;

	assert_int_equal(yn_emu_transmit(c, cmd, n, resp, cap, &rn), 0);
	assert_true(rn >= 2);
	return rn;
}

static EMU_UNUSED size_t xfer_bin(struct yn_emu *c, const uint8_t *cmd, size_t n, uint8_t *resp,
				  size_t cap)
{
	size_t rn = 0;

	assert_int_equal(yn_emu_transmit(c, cmd, n, resp, cap, &rn), 0);
	assert_true(rn >= 2);
	return rn;
}

/* Send hex, expect exactly the hex response (data and SW). */
static EMU_UNUSED void expect(struct yn_emu *c, const char *cmd, const char *want)
{
	uint8_t resp[1024], w[1024];
	size_t rn = xfer(c, cmd, resp, sizeof(resp));
	size_t wn = yn_test_hex(want, w, sizeof(w));

	if (rn != wn || memcmp(resp, w, wn) != 0) {
		char got[2100];

		yn_hex_encode(resp, rn, got, sizeof(got));
		print_error("command %s\n  want %s\n  got  %s\n", cmd, want, got);
		fail();
	}
}

/* Send hex, expect SW 91 st (data ignored); returns the response length. */
static EMU_UNUSED size_t expect_sw(struct yn_emu *c, const char *cmd, uint8_t st, uint8_t *resp,
				   size_t cap)
{
	size_t rn = xfer(c, cmd, resp, cap);

	if (resp[rn - 2] != 0x91 || resp[rn - 1] != st) {
		print_error("command %s: want 91%02X, got %02X%02X\n", cmd, st, resp[rn - 2],
			    resp[rn - 1]);
		fail();
	}
	return rn;
}

static EMU_UNUSED void expect_st(struct yn_emu *c, const char *cmd, uint8_t st)
{
	uint8_t resp[1024];

	(void)expect_sw(c, cmd, st, resp, sizeof(resp));
}

static EMU_UNUSED void set_rng_hex(struct yn_emu *c, const char *hex)
{
	uint8_t b[256];
	size_t n = yn_test_hex(hex, b, sizeof(b));

	yn_emu_set_test_rng(c, b, n);
}


/* A minimal independent PCD for the tests: EV2 authentication and secure
 * messaging built from the crypto primitives (desfire.md §4-§5). */
#define M_PLAIN 0
#define M_MAC 1
#define M_FULL 3

struct tsess {
	uint8_t enc[16], mac[16], ti[4];
	uint16_t ctr;
};

/* Send a raw native command (data only, no ISO wrapping) and collect the
 * whole answer across 91 AF frames (except after the first frame of an
 * authentication); returns the final status byte. */
static EMU_UNUSED uint8_t native_x(struct yn_emu *c, uint8_t cmd, const uint8_t *d, size_t n,
				   uint8_t *out, size_t cap, size_t *out_len)
{
	uint8_t apdu[300], resp[300];
	size_t rn, total = 0;

	assert_true(n <= 255);
	apdu[0] = 0x90;
	apdu[1] = cmd;
	apdu[2] = apdu[3] = 0;
	if (n > 0) {
		apdu[4] = (uint8_t)n;
		memcpy(apdu + 5, d, n);
		apdu[5 + n] = 0;
		rn = xfer_bin(c, apdu, n + 6, resp, sizeof(resp));
	} else {
		apdu[4] = 0;
		rn = xfer_bin(c, apdu, 5, resp, sizeof(resp));
	}
	for (;;) {
		assert_int_equal(resp[rn - 2], 0x91);
		assert_true(total + rn - 2 <= cap);
		memcpy(out + total, resp, rn - 2);
		total += rn - 2;
		/* 91 AF after an authentication frame asks for the next
		 * authentication frame, not for more answer */
		if (resp[rn - 1] != 0xAF || cmd == 0x71 || cmd == 0x77 || cmd == 0xAA)
			break;
		rn = xfer(c, "90AF000000", resp, sizeof(resp));
	}
	*out_len = total;
	return resp[rn - 1];
}

static EMU_UNUSED void auth_ev2(struct yn_emu *c, uint8_t keyno, const uint8_t key[16],
				struct tsess *s)
{
	uint8_t cmd[3] = { 0x71, keyno, 0x00 }, r[64], iv[16] = { 0 }, rndb[16], rnda[16];
	uint8_t buf[33], plain[32];
	struct yn_ev2_keys k;
	size_t n, i;

	for (i = 0; i < 16; i++)
		rnda[i] = (uint8_t)(0xA0 + i);
	assert_int_equal(native_x(c, 0x71, cmd + 1, 2, r, sizeof(r), &n), 0xAF);
	assert_int_equal(n, 16);
	assert_int_equal(yn_aes128_cbc_decrypt(key, iv, r, rndb, 16), 0);
	memcpy(plain, rnda, 16);
	yn_desfire_rotl1(rndb, plain + 16);
	memset(iv, 0, 16);
	assert_int_equal(yn_aes128_cbc_encrypt(key, iv, plain, buf, 32), 0);
	assert_int_equal(native_x(c, 0xAF, buf, 32, r, sizeof(r), &n), 0x00);
	assert_int_equal(n, 32);
	memset(iv, 0, 16);
	assert_int_equal(yn_aes128_cbc_decrypt(key, iv, r, plain, 32), 0);
	yn_desfire_rotl1(rnda, buf);
	assert_memory_equal(plain + 4, buf, 16);
	assert_int_equal(yn_ev2_session_keys(key, rnda, rndb, &k), 0);
	memcpy(s->enc, k.enc, 16);
	memcpy(s->mac, k.mac, 16);
	memcpy(s->ti, plain, 4);
	s->ctr = 0;
}

/* One EV2 command: hdr stays plain, data is protected as mode says; the
 * answer's MAC is checked and Full data decrypted into out. */
static EMU_UNUSED uint8_t ev2_x(struct yn_emu *c, struct tsess *s, uint8_t cmd, const uint8_t *hdr,
				size_t hl, const uint8_t *data, size_t dl, int mode, uint8_t *out,
				size_t cap, size_t *out_len)
{
	uint8_t body[300], iv[16], resp[1024], mac[8];
	size_t bl = 0, n = 0, rl;
	uint8_t st;

	if (hl > 0)
		memcpy(body, hdr, hl);
	bl = hl;
	if (mode == M_FULL && dl > 0) {
		assert_int_equal(yn_ev2_iv_cmd(s->enc, s->ti, s->ctr, iv), 0);
		assert_int_equal(yn_ev2_encrypt(s->enc, iv, data, dl, body + hl, sizeof(body) - hl, &n), 0);
	} else if (dl > 0) {
		memcpy(body + hl, data, dl);
		n = dl;
	}
	bl += n;
	if (mode != M_PLAIN) {
		assert_int_equal(yn_ev2_mac_cmd(s->mac, cmd, s->ctr, s->ti, hdr, hl, body + hl, n,
						body + bl), 0);
		bl += 8;
	}
	st = native_x(c, cmd, body, bl, resp, sizeof(resp), &rl);
	*out_len = 0;
	if (st != 0x00 && st != 0x90)
		return st;
	if (mode != M_PLAIN) {
		assert_true(rl >= 8);
		rl -= 8;
		assert_int_equal(yn_ev2_mac_resp(s->mac, st, (uint16_t)(s->ctr + 1), s->ti, resp, rl,
						 mac), 0);
		assert_memory_equal(mac, resp + rl, 8);
	}
	if (mode == M_FULL && rl > 0) {
		assert_int_equal(yn_ev2_iv_resp(s->enc, s->ti, (uint16_t)(s->ctr + 1), iv), 0);
		assert_int_equal(yn_ev2_decrypt(s->enc, iv, resp, rl, out, cap, out_len), 0);
	} else {
		assert_true(rl <= cap);
		memcpy(out, resp, rl);
		*out_len = rl;
	}
	s->ctr++;
	return st;
}

/* The same for an EV1 AES session (desfire.md §3): one key, running IV. */
struct tsess1 {
	uint8_t sk[16], iv[16];
};

static EMU_UNUSED void auth_ev1(struct yn_emu *c, uint8_t keyno, const uint8_t key[16],
				struct tsess1 *s)
{
	uint8_t r[64], iv[16] = { 0 }, rndb[16], rnda[16], plain[32], buf[32], ra[16];
	size_t n, i;

	for (i = 0; i < 16; i++)
		rnda[i] = (uint8_t)(0x50 + i);
	assert_int_equal(native_x(c, 0xAA, &keyno, 1, r, sizeof(r), &n), 0xAF);
	assert_int_equal(n, 16);
	assert_int_equal(yn_aes128_cbc_decrypt(key, iv, r, rndb, 16), 0);
	memcpy(plain, rnda, 16);
	yn_desfire_rotl1(rndb, plain + 16);
	memcpy(iv, r, 16);
	assert_int_equal(yn_aes128_cbc_encrypt(key, iv, plain, buf, 32), 0);
	assert_int_equal(native_x(c, 0xAF, buf, 32, r, sizeof(r), &n), 0x00);
	assert_int_equal(n, 16);
	memcpy(iv, buf + 16, 16);
	assert_int_equal(yn_aes128_cbc_decrypt(key, iv, r, ra, 16), 0);
	yn_desfire_rotl1(rnda, buf);
	assert_memory_equal(ra, buf, 16);
	yn_ev1_session_key(rnda, rndb, s->sk);
	memset(s->iv, 0, 16);
}

/* One EV1 command.  mode M_PLAIN/M_MAC/M_FULL for the data sent (tx_mac:
 * the MAC travels in MAC mode); resp_full: the answer is enciphered with
 * resp_len plaintext bytes, else it carries a CMAC that is checked. */
static EMU_UNUSED uint8_t ev1_x(struct yn_emu *c, struct tsess1 *s, uint8_t cmd,
				const uint8_t *hdr, size_t hl, const uint8_t *data, size_t dl,
				int mode, int tx_mac, int resp_full, size_t resp_len, uint8_t *out,
				size_t *out_len)
{
	uint8_t all[300], body[300], resp[1024], mac[8], pl[1024];
	size_t al = 0, bl = 0, rl, i;
	uint8_t st;

	all[al++] = cmd;
	if (hl > 0)
		memcpy(all + al, hdr, hl);
	al += hl;
	if (dl > 0)
		memcpy(all + al, data, dl);
	al += dl;
	if (hl > 0)
		memcpy(body, hdr, hl);
	bl = hl;
	if (mode == M_FULL && dl > 0) {
		size_t pn = (dl + 4 + 15) / 16 * 16;

		memset(pl, 0, pn);
		memcpy(pl, data, dl);
		yn_put_u32le(pl + dl, yn_desfire_crc32(all, al));
		assert_int_equal(yn_aes128_cbc_encrypt(s->sk, s->iv, pl, body + bl, pn), 0);
		bl += pn;
	} else {
		if (dl > 0)
			memcpy(body + bl, data, dl);
		bl += dl;
		assert_int_equal(yn_ev1_cmac(s->sk, s->iv, all, al, mac, NULL), 0);
		if (mode == M_MAC && tx_mac) {
			memcpy(body + bl, mac, 8);
			bl += 8;
		}
	}
	st = native_x(c, cmd, body, bl, resp, sizeof(resp), &rl);
	*out_len = 0;
	if (st != 0x00 && st != 0x90)
		return st;
	if (resp_full) {
		assert_int_equal(rl % 16, 0);
		assert_int_equal(yn_aes128_cbc_decrypt(s->sk, s->iv, resp, pl, rl), 0);
		memcpy(all, pl, resp_len);
		all[resp_len] = st;
		assert_int_equal(yn_get_u32le(pl + resp_len), yn_desfire_crc32(all, resp_len + 1));
		for (i = resp_len + 4; i < rl; i++)
			assert_int_equal(pl[i], 0);
		memcpy(out, pl, resp_len);
		*out_len = resp_len;
	} else {
		assert_true(rl >= 8);
		rl -= 8;
		memcpy(all, resp, rl);
		all[rl] = st;
		assert_int_equal(yn_ev1_cmac(s->sk, s->iv, all, rl + 1, mac, NULL), 0);
		assert_memory_equal(mac, resp + rl, 8);
		memcpy(out, resp, rl);
		*out_len = rl;
	}
	return st;
}

#endif
