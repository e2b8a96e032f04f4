/*
 * Harness: command APDUs on the card side (card/emu/ files: the software DESFire
 * card's APDU decoding, native and ISO commands, secure messaging, files,
 * transactions).
 *
 * Input:  opts (1 byte; bit 0: start from the personalised Yinian card,
 * else from a blank card), then records until the input ends:
 *   op (1), len (u16 BE), len bytes
 *   op % 8 == 0, 6, 7  a raw command APDU, sent as is
 *   op % 8 == 1        AuthenticateEV2First run by the harness (a real
 *                      terminal, card/desfire.h) with key bytes[0] % 5 of
 *                      the application (bytes[1] odd: the all-zero key),
 *                      so that the following records can be secured
 *   op % 8 == 2        a command secured with MAC by the harness: bytes =
 *                      INS, header length h, header (h) || data; sent as
 *                      90 INS 00 00 Lc hdr data MACt 00 with the session
 *                      of the last op 1 and the card's command counter
 *   op % 8 == 3        the same in Full mode (data enciphered)
 *   op % 8 == 4        warm reset; op % 8 == 5  power cycle
 * The card's randomness is fixed (yn_fuzz_emu_transmit), so a recorded
 * exchange replays exactly.
 */
#include "tests/fuzz/fuzz.h"

#include <string.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/err.h"
#include "card/desfire.h"
#include "card/emu/emu.h"
#include "card/emu/emu_test.h"
#include "crypto/crypto.h"
#include "reader/reader.h"

#define RESP_CAP (YN_RAPDU_MAX + 16)

static uint8_t resp[RESP_CAP];

static void harness_auth(struct yn_emu *card, struct yn_desfire *df, const uint8_t *p, size_t n)
{
	static const uint8_t zero[16];
	struct yn_reader *rd;
	uint8_t key_no = n > 0 ? p[0] : 0;
	const uint8_t *key = (n > 1 && (p[1] & 1)) ? zero : yn_fuzz_app_key[key_no % 5];

	if ((rd = yn_fuzz_emu_reader(card, NULL, NULL)) == NULL)
		return;
	yn_desfire_init(df, rd);
	yn_desfire_set_rng(df, yn_fuzz_rnda, NULL);
	(void)yn_desfire_auth_ev2_first(df, key_no, key, yn_deadline_in_ms(60000));
	df->reader = NULL;
	yn_reader_close(rd);
}

static void secured(struct yn_emu *card, const struct yn_desfire *df, int full,
		    const uint8_t *p, size_t n)
{
	uint8_t apdu[5 + 300 + 1], body[300], iv[16];
	size_t hl, dl, bl, en = 0, rn = 0;
	uint16_t ctr = 0;
	uint8_t keyno;

	if (n < 2 || !df->authenticated)
		return;
	hl = p[1];
	if (hl > n - 2)
		hl = n - 2;
	dl = n - 2 - hl;
	if (hl + dl + 16 + YN_MACT_LEN > 255)
		return;
	/* The card's counter, so that the MAC is the one it expects. */
	if (yn_emu_test_session(card, &keyno, &ctr) != 2)
		ctr = df->cmd_ctr;
	memcpy(body, p + 2, hl);
	if (full && dl > 0) {
		if (yn_ev2_iv_cmd(df->keys.enc, df->ti, ctr, iv) != 0 ||
		    yn_ev2_encrypt(df->keys.enc, iv, p + 2 + hl, dl, body + hl,
				   sizeof(body) - hl, &en) != 0)
			return;
	} else {
		memcpy(body + hl, p + 2 + hl, dl);
		en = dl;
	}
	bl = hl + en;
	if (yn_ev2_mac_cmd(df->keys.mac, p[0], ctr, df->ti, body, hl, body + hl, en,
			   body + bl) != 0)
		return;
	bl += YN_MACT_LEN;
	apdu[0] = 0x90;
	apdu[1] = p[0];
	apdu[2] = apdu[3] = 0;
	apdu[4] = (uint8_t)bl;
	memcpy(apdu + 5, body, bl);
	apdu[5 + bl] = 0;
	(void)yn_fuzz_emu_transmit(card, apdu, bl + 6, resp, sizeof(resp), &rn);
}

int yn_fuzz_emu(const uint8_t *data, size_t size)
{
	static struct yn_desfire df;
	struct yn_emu *card;
	const uint8_t *p;
	struct yn_rd in;
	uint16_t len;
	uint8_t op;
	size_t rn;
	int e;

	yn_fuzz_quiet();
	if (size < 1)
		return 0;
	if ((card = yn_fuzz_emu_card(data[0] & 1)) == NULL)
		return 0;
	memset(&df, 0, sizeof(df));
	yn_rd_init(&in, data + 1, size - 1);
	while (yn_rd_u8(&in, &op) == 0 && yn_rd_u16be(&in, &len) == 0 &&
	       yn_rd_ptr(&in, &p, len) == 0) {
		switch (op % 8) {
		case 1:
			harness_auth(card, &df, p, len);
			break;
		case 2:
		case 3:
			secured(card, &df, op % 8 == 3, p, len);
			break;
		case 4:
			yn_emu_reset(card);
			break;
		case 5:
			yn_emu_power_off(card);
			yn_emu_power_on(card);
			break;
		default:
			rn = 0;
			e = yn_fuzz_emu_transmit(card, p, len, resp, sizeof(resp), &rn);
			/* A powered card always answers, with at least a status word. */
			YN_FUZZ_CHECK(e != 0 || (rn >= 2 && rn <= sizeof(resp)));
			break;
		}
	}
	yn_desfire_reset(&df);
	yn_emu_free(card);
	return 0;
}

#ifdef YN_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return yn_fuzz_emu(data, size);
}
#endif
