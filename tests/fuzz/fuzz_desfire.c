/*
 * Harness: DESFire responses on the terminal side (card/desfire*.c).
 *
 * A fake reader answers every command APDU of a whole terminal session
 * (yn_fuzz_desfire_session) with responses taken from the input, so the
 * fuzzer plays the card.  The answers that a MAC or the authentication
 * gates can be written "to be fixed up": the fake reader then computes the
 * MAC / ciphertext / authentication proof with the session the terminal
 * holds, so that the fuzzer reaches the parsing behind the crypto checks.
 *
 * Input:  opts (1 byte), then records until the input ends:
 *   kind 0 (kind & 3 == 0)  raw frame:  len (u16 BE), len bytes = one whole
 *                           response APDU (data + SW1 SW2)
 *   kind 1                  MAC answer: st, chunk, len (u16 BE), payload;
 *                           sent as payload || MACt(st, CmdCtr+1, TI,
 *                           payload), split into frames of chunk bytes
 *                           (0 = one frame) with 91 AF between, 91 st last
 *   kind 2                  Full answer: the same with E(pad(payload))
 *   kind 3                  authentication proof: TI (4) || caps (12) for
 *                           EV2First, enciphered with the key named in the
 *                           last 71/77 command and the fixed RndA; 91 00
 * When the input runs out the card "leaves" (YN_ECARDGONE).
 * opts bit 0: ISO INS set; bits 1-2: frame limit 54 / 16 / 255 / 5.
 */
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/err.h"
#include "card/cardstate.h"
#include "card/desfire.h"
#include "card/holder.h"
#include "card/yinian_app.h"
#include "crypto/crypto.h"
#include "reader/reader.h"

#define PEND_MAX (YN_DESFIRE_MSG_MAX + 64)

struct fake_reader {
	struct yn_reader base;		/* first */
	struct yn_desfire *df;		/* whose session fix-ups use */
	struct yn_rd in;
	uint8_t auth_ins, auth_key;	/* last 71/77 command */
	uint8_t pend[PEND_MAX];		/* a fixed-up answer being sent */
	size_t pend_len, pend_off, chunk;
	uint8_t pend_st;
};

/* The next frame of a pending answer. */
static int next_pending(struct fake_reader *fr, uint8_t *resp, size_t cap, size_t *resp_len)
{
	size_t left = fr->pend_len - fr->pend_off, n = left;
	int last = 1;

	if (fr->chunk > 0 && left > fr->chunk) {
		n = fr->chunk;
		last = 0;
	}
	if (n + 2 > cap)
		return YN_ENOSPC;
	memcpy(resp, fr->pend + fr->pend_off, n);
	resp[n] = 0x91;
	resp[n + 1] = last ? fr->pend_st : 0xAF;
	*resp_len = n + 2;
	fr->pend_off += n;
	if (last)
		fr->pend_len = fr->pend_off = 0;
	return 0;
}

static int secure_answer(struct fake_reader *fr, int full, const uint8_t *p, size_t n)
{
	const struct yn_desfire *df = fr->df;
	uint16_t next = (uint16_t)(df->cmd_ctr + 1);
	uint8_t iv[16];
	size_t len = 0;

	if (full && n > 0) {
		if (yn_ev2_iv_resp(df->keys.enc, df->ti, next, iv) != 0 ||
		    yn_ev2_encrypt(df->keys.enc, iv, p, n, fr->pend, sizeof(fr->pend) - 8, &len) != 0)
			return YN_ECARDGONE;
	} else {
		if (n > sizeof(fr->pend) - 8)
			return YN_ECARDGONE;
		memcpy(fr->pend, p, n);
		len = n;
	}
	if (yn_ev2_mac_resp(df->keys.mac, fr->pend_st, next, df->ti, fr->pend, len,
			    fr->pend + len) != 0)
		return YN_ECARDGONE;
	fr->pend_len = len + YN_MACT_LEN;
	fr->pend_off = 0;
	return 0;
}

static int auth_answer(struct fake_reader *fr, const uint8_t *p)
{
	uint8_t plain[32], rnda[16], iv[16] = { 0 };
	const uint8_t *key = yn_fuzz_app_key[fr->auth_key % 5];
	size_t n = fr->auth_ins == 0x71 ? 32 : 16;

	(void)yn_fuzz_rnda(NULL, rnda, sizeof(rnda));
	if (n == 32) {
		memcpy(plain, p, 4);
		yn_desfire_rotl1(rnda, plain + 4);
		memcpy(plain + 20, p + 4, 12);
	} else {
		yn_desfire_rotl1(rnda, plain);
	}
	if (yn_aes128_cbc_encrypt(key, iv, plain, fr->pend, n) != 0)
		return YN_ECARDGONE;
	fr->pend_len = n;
	fr->pend_off = 0;
	fr->pend_st = 0x00;
	fr->chunk = 0;
	return 0;
}

static int fr_transmit(struct yn_reader *r, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
		       size_t resp_cap, size_t *resp_len, uint64_t deadline_ns)
{
	struct fake_reader *fr = (struct fake_reader *)r;
	const uint8_t *p;
	uint16_t len;
	uint8_t kind, chunk;
	int e;

	(void)deadline_ns;
	if (cmd_len >= 6 && cmd[0] == 0x90 && (cmd[1] == 0x71 || cmd[1] == 0x77)) {
		fr->auth_ins = cmd[1];
		fr->auth_key = cmd[5];
	}
	if (fr->pend_len > 0)
		return next_pending(fr, resp, resp_cap, resp_len);
	if (yn_rd_u8(&fr->in, &kind) != 0)
		return YN_ECARDGONE;
	switch (kind & 3) {
	case 0:
		if (yn_rd_u16be(&fr->in, &len) != 0 || yn_rd_ptr(&fr->in, &p, len) != 0)
			return YN_ECARDGONE;
		if (len > resp_cap)
			return YN_EREADER;
		memcpy(resp, p, len);
		*resp_len = len;
		return 0;
	case 1:
	case 2:
		if (yn_rd_u8(&fr->in, &fr->pend_st) != 0 || yn_rd_u8(&fr->in, &chunk) != 0 ||
		    yn_rd_u16be(&fr->in, &len) != 0 || yn_rd_ptr(&fr->in, &p, len) != 0)
			return YN_ECARDGONE;
		fr->chunk = chunk;
		if ((e = secure_answer(fr, (kind & 3) == 2, p, len)) != 0)
			return e;
		return next_pending(fr, resp, resp_cap, resp_len);
	default:
		if (yn_rd_ptr(&fr->in, &p, 16) != 0)
			return YN_ECARDGONE;
		if ((e = auth_answer(fr, p)) != 0)
			return e;
		return next_pending(fr, resp, resp_cap, resp_len);
	}
}

static const struct yn_reader_ops fake_ops = {
	.scheme = "fuzz",
	.transmit = fr_transmit,
};

/* What a tap does with the card's data: decode it as the validator would. */
static void decode_files(const uint8_t *holder, size_t holder_len, const uint8_t *trips,
			 size_t trips_len, const uint8_t *benefit, size_t benefit_len)
{
	struct yn_holder h;
	struct yn_triprec t;
	struct yn_benefitrec b;
	size_t i;

	if (yn_holder_decode(holder, holder_len, &h, NULL) == 0)
		(void)yn_holder_for_card(&h, yn_fuzz_uid);
	for (i = 0; i + YN_TRIPREC_LEN <= trips_len; i += YN_TRIPREC_LEN)
		(void)yn_triprec_decode(trips + i, YN_TRIPREC_LEN, &t, NULL);
	(void)yn_benefitrec_decode(benefit, benefit_len, &b, NULL);
}

void yn_fuzz_desfire_session(struct yn_desfire *df, uint8_t opts)
{
	static const size_t frames[4] = { YN_DESFIRE_FRAME_DEFAULT, 16, YN_DESFIRE_FRAME_MAX, 5 };
	uint64_t dl = yn_deadline_in_ms(3600 * 1000);
	uint8_t holder[YN_HOLDER_LEN], trips[YN_TRIPLOG_REC_MAX * YN_TRIPREC_LEN];
	uint8_t benefit[YN_BENEFITREC_LEN], trip[YN_TRIPREC_LEN];
	size_t holder_len = 0, trips_len = 0, benefit_len = 0;
	int32_t value = 0;
	enum yn_desfire_comm comm;

	yn_desfire_set_rng(df, yn_fuzz_rnda, NULL);
	df->ins_set = (opts & 1) ? YN_DESFIRE_INS_ISO : YN_DESFIRE_INS_NATIVE;
	YN_FUZZ_CHECK(yn_desfire_set_frame_max(df, frames[(opts >> 1) & 3]) == 0);

	/* A reading terminal (key 1). */
	(void)yn_desfire_select_application(df, YN_APP_AID, dl);
	(void)yn_desfire_auth_ev2_first(df, YN_KEY_READ, yn_fuzz_app_key[YN_KEY_READ], dl);
	if (yn_desfire_comm_for_file(df, YN_FILE_HOLDER, YN_DESFIRE_OP_READ, &comm, dl) != 0)
		comm = YN_DESFIRE_FULL;
	(void)yn_desfire_read_data(df, comm, YN_FILE_HOLDER, 0, YN_HOLDER_LEN, holder,
				   sizeof(holder), &holder_len, dl);
	(void)yn_desfire_read_records(df, YN_DESFIRE_MAC, YN_FILE_TRIPLOG, 0, 0, trips,
				      sizeof(trips), &trips_len, dl);
	(void)yn_desfire_read_data(df, YN_DESFIRE_MAC, YN_FILE_BENEFIT, 0, 0, benefit,
				   sizeof(benefit), &benefit_len, dl);
	decode_files(holder, holder_len, trips, trips_len, benefit, benefit_len);

	/* A canteen (key 3): purse and benefit state in one transaction. */
	(void)yn_desfire_auth_ev2_first(df, YN_KEY_DEBIT, yn_fuzz_app_key[YN_KEY_DEBIT], dl);
	(void)yn_desfire_get_value(df, YN_DESFIRE_MAC, YN_FILE_PURSE, &value, dl);
	(void)yn_desfire_debit(df, YN_DESFIRE_MAC, YN_FILE_PURSE, 1, dl);
	memset(benefit, 0, sizeof(benefit));
	benefit[0] = YN_BENEFITREC_VERSION;
	(void)yn_desfire_write_data(df, YN_DESFIRE_MAC, YN_FILE_BENEFIT, 0, benefit,
				    sizeof(benefit), dl);
	(void)yn_desfire_commit(df, YN_DESFIRE_MAC, dl);

	/* A gate (key 2): one trip record, committed. */
	(void)yn_desfire_auth_ev2_first(df, YN_KEY_TRIP, yn_fuzz_app_key[YN_KEY_TRIP], dl);
	memset(trip, 0x11, sizeof(trip));
	(void)yn_desfire_write_record(df, YN_DESFIRE_MAC, YN_FILE_TRIPLOG, 0, trip, sizeof(trip),
				      dl);
	(void)yn_desfire_commit(df, YN_DESFIRE_MAC, dl);
	(void)yn_desfire_auth_ev2_nonfirst(df, YN_KEY_READ, yn_fuzz_app_key[YN_KEY_READ], dl);
	(void)yn_desfire_get_file_ids(df, YN_DESFIRE_MAC, trip, sizeof(trip), &trips_len, dl);
	yn_desfire_reset(df);
}

int yn_fuzz_desfire(const uint8_t *data, size_t size)
{
	static struct yn_desfire df;	/* large: not on the stack */
	struct fake_reader fr;

	yn_fuzz_quiet();
	if (size < 1)
		return 0;
	memset(&fr, 0, sizeof(fr));
	fr.base.ops = &fake_ops;
	fr.df = &df;
	yn_rd_init(&fr.in, data + 1, size - 1);
	yn_desfire_init(&df, &fr.base);
	yn_fuzz_desfire_session(&df, data[0]);
	return 0;
}

#ifdef YN_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return yn_fuzz_desfire(data, size);
}
#endif
