/*
 * PN532 emulator: command interpreter (NXP UM0701-02 §7) and the
 * pseudo-terminal loop.  Behaviour where the user manual leaves room is in
 * docs/pn532-emulator.md.
 */
#include "card/emu/pn532.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"

/* Command codes (UM0701-02 §7). */
enum {
	CMD_DIAGNOSE = 0x00,
	CMD_GET_FIRMWARE_VERSION = 0x02,
	CMD_GET_GENERAL_STATUS = 0x04,
	CMD_READ_REGISTER = 0x06,
	CMD_WRITE_REGISTER = 0x08,
	CMD_READ_GPIO = 0x0C,
	CMD_WRITE_GPIO = 0x0E,
	CMD_SET_SERIAL_BAUD_RATE = 0x10,
	CMD_SET_PARAMETERS = 0x12,
	CMD_SAM_CONFIGURATION = 0x14,
	CMD_POWER_DOWN = 0x16,
	CMD_RF_CONFIGURATION = 0x32,
	CMD_IN_DATA_EXCHANGE = 0x40,
	CMD_IN_COMMUNICATE_THRU = 0x42,
	CMD_IN_DESELECT = 0x44,
	CMD_IN_LIST_PASSIVE_TARGET = 0x4A,
	CMD_IN_RELEASE = 0x52,
	CMD_IN_SELECT = 0x54,
	CMD_IN_AUTO_POLL = 0x60,
	CMD_TG_GET_TARGET_STATUS = 0x8A,
};

/* Status byte error codes (UM0701-02 §7.1). */
enum {
	ST_OK = 0x00,
	ST_TIMEOUT = 0x01,		/* the target did not answer */
	ST_SMALL_BUFFER = 0x07,		/* response does not fit the chip's buffer */
	ST_BAD_PARAM = 0x10,
	ST_WRONG_CONTEXT = 0x27,	/* command not acceptable now */
};

/* SetParameters flag: RATS is sent automatically after anticollision. */
#define PARAM_AUTO_RATS 0x10
/* Largest data the chip returns after an InDataExchange status byte. */
#define EXCHANGE_DATA_MAX 262
/* How often the pseudo-terminal is checked for a new client while none
 * holds it. */
#define HUP_POLL_MS 10
/* Host bytes kept while waiting for the end of a frame. */
#define RX_MAX (2 * YN_PN532_FRAME_WIRE_MAX)

/* The one target this emulator can hold (Tg = 1). */
struct target {
	int listed;		/* activated and in the chip's target list */
	int isodep;		/* RATS done: ISO 14443-4 layer active */
	int lost;		/* did not answer: gone until reactivated */
	uint8_t block;		/* ISO-DEP block number the card expects next */
	struct yn_pn532_target id;
};

struct yn_pn532 {
	const struct yn_pn532_card *card;
	uint8_t regs[0x10000];	/* XRAM/SFR/CIU register file by 16-bit address */
	uint8_t params;		/* SetParameters */
	uint8_t sam_mode;
	uint8_t rf_field;	/* RFConfiguration item 1 */
	uint8_t rf_timing[3];	/* item 2 */
	uint8_t rf_retry_com;	/* item 4 */
	uint8_t rf_retries[3];	/* item 5 */
	uint8_t rf_analog_a[11];	/* item 0x0A */
	uint8_t rf_analog_f[8];	/* item 0x0B */
	uint8_t rf_analog_b[3];	/* item 0x0C */
	uint8_t rf_analog_4[9];	/* item 0x0D */
	uint8_t last_error;	/* GetGeneralStatus Err */
	int powered_down;
	struct target tg;
	uint8_t rx[RX_MAX];
	size_t rx_len;
	uint8_t last[YN_PN532_FRAME_WIRE_MAX];	/* last response frame, for NACK */
	size_t last_len;
};

/*
 * CIU register values after reset (PN532 datasheet §8.6.23, the CIU being a
 * PN512 contactless interface) and the SFRs libnfc reads (P3, P7, their
 * configuration).  Everything else reads 00 until written.
 */
static const struct {
	uint16_t addr;
	uint8_t val;
} reset_regs[] = {
	{ 0x6301, 0x3F }, { 0x6302, 0x00 }, { 0x6303, 0x00 }, { 0x6304, 0x80 },
	{ 0x6305, 0x00 }, { 0x6306, 0x10 }, { 0x6307, 0x84 }, { 0x6308, 0x84 },
	{ 0x6309, 0x4D }, { 0x630A, 0x00 }, { 0x630B, 0x00 }, { 0x630C, 0x62 },
	{ 0x630D, 0x00 }, { 0x630E, 0x00 }, { 0x6311, 0xFF }, { 0x6312, 0xFF },
	{ 0x6313, 0x88 }, { 0x6314, 0x26 }, { 0x6315, 0x87 }, { 0x6316, 0x48 },
	{ 0x6317, 0x88 }, { 0x6318, 0x20 }, { 0x6319, 0x20 }, { 0x6327, 0x80 },
	{ 0x632F, 0x00 }, { 0x6332, 0x80 }, { 0x6334, 0x14 }, { 0x6336, 0x00 },
	{ 0x6337, 0x21 }, { 0x6338, 0x00 }, { 0x633A, 0x00 }, { 0x633B, 0x08 },
	{ 0x633C, 0x10 }, { 0x633D, 0x00 }, { 0x633E, 0xA0 },
	{ 0xFFB0, 0xFF }, { 0xFFF7, 0xFF }, { 0xFFFC, 0xFF }, { 0xFFFD, 0x00 },
	{ 0xFFF4, 0xFF }, { 0xFFF5, 0x00 },
};

static void reset_chip(struct yn_pn532 *pn)
{
	static const uint8_t timing[3] = { 0x00, 0x0B, 0x0A };
	static const uint8_t retries[3] = { 0xFF, 0x01, 0xFF };
	static const uint8_t analog_a[11] = { 0x59, 0xF4, 0x3F, 0x11, 0x4D, 0x85,
					       0x61, 0x6F, 0x26, 0x62, 0x87 };
	static const uint8_t analog_f[8] = { 0x69, 0xFF, 0x3F, 0x11, 0x41, 0x85, 0x61, 0x6F };
	static const uint8_t analog_b[3] = { 0xFF, 0x17, 0x85 };
	static const uint8_t analog_4[9] = { 0x85, 0x15, 0x8A, 0x85, 0x08, 0xB2, 0x85, 0x01, 0xDA };
	size_t i;

	memset(pn->regs, 0, sizeof(pn->regs));
	for (i = 0; i < sizeof(reset_regs) / sizeof(reset_regs[0]); i++)
		pn->regs[reset_regs[i].addr] = reset_regs[i].val;
	pn->params = 0;
	pn->sam_mode = 0x01;
	pn->rf_field = 0;
	memcpy(pn->rf_timing, timing, sizeof(timing));
	pn->rf_retry_com = 0;
	memcpy(pn->rf_retries, retries, sizeof(retries));
	memcpy(pn->rf_analog_a, analog_a, sizeof(analog_a));
	memcpy(pn->rf_analog_f, analog_f, sizeof(analog_f));
	memcpy(pn->rf_analog_b, analog_b, sizeof(analog_b));
	memcpy(pn->rf_analog_4, analog_4, sizeof(analog_4));
	pn->last_error = 0;
	pn->powered_down = 0;
	memset(&pn->tg, 0, sizeof(pn->tg));
}

int yn_pn532_new(const struct yn_pn532_card *card, struct yn_pn532 **out)
{
	struct yn_pn532 *pn;

	*out = NULL;
	if (card == NULL || card->activate == NULL || card->transmit == NULL)
		return YN_EINVAL;
	pn = calloc(1, sizeof(*pn));
	if (pn == NULL)
		return YN_ENOMEM;
	pn->card = card;
	reset_chip(pn);
	*out = pn;
	return 0;
}

void yn_pn532_free(struct yn_pn532 *pn)
{
	free(pn);
}

static void drop_target(struct yn_pn532 *pn)
{
	memset(&pn->tg, 0, sizeof(pn->tg));
}

static void set_field(struct yn_pn532 *pn, int on)
{
	on = on ? 1 : 0;
	if ((pn->rf_field & 1) == on)
		return;
	pn->rf_field = (uint8_t)((pn->rf_field & ~1u) | (unsigned)on);
	if (!on)
		drop_target(pn);
	if (pn->card->field != NULL)
		pn->card->field(pn->card->ctx, on);
}

void yn_pn532_hangup(struct yn_pn532 *pn)
{
	set_field(pn, 0);
	pn->rx_len = 0;
	pn->last_len = 0;
}

/* Activate the card into tg; with auto RATS, also its ISO-DEP layer. */
static int activate(struct yn_pn532 *pn)
{
	struct yn_pn532_target id;
	int r;

	set_field(pn, 1);
	memset(&id, 0, sizeof(id));
	r = pn->card->activate(pn->card->ctx, &id);
	if (r != 0) {
		drop_target(pn);
		return r;
	}
	if ((id.uid_len != 4 && id.uid_len != 7 && id.uid_len != 10) ||
	    id.ats_len > sizeof(id.ats) || (id.ats_len > 0 && id.ats[0] != id.ats_len)) {
		yn_warn("pn532: the card gave an invalid identity (UID %zu bytes, ATS %zu bytes)",
			id.uid_len, id.ats_len);
		drop_target(pn);
		return YN_EPROTO;
	}
	memset(&pn->tg, 0, sizeof(pn->tg));
	pn->tg.id = id;
	pn->tg.listed = 1;
	pn->tg.isodep = (id.sak & 0x20) && id.ats_len > 0 && (pn->params & PARAM_AUTO_RATS);
	return 0;
}

/* Target data of the Tg=1 ISO 14443-A target (InListPassiveTarget):
 *   Tg SENS_RES(2) SEL_RES NFCIDLength NFCID1 [ATS (TL first)] */
static int put_target_a(const struct yn_pn532 *pn, struct yn_wr *w)
{
	const struct yn_pn532_target *id = &pn->tg.id;
	int r;

	if ((r = yn_wr_u8(w, 0x01)) != 0 || (r = yn_wr_u16be(w, id->atqa)) != 0 ||
	    (r = yn_wr_u8(w, id->sak)) != 0 || (r = yn_wr_u8(w, (uint8_t)id->uid_len)) != 0 ||
	    (r = yn_wr_bytes(w, id->uid, id->uid_len)) != 0)
		return r;
	if (pn->tg.isodep)
		r = yn_wr_bytes(w, id->ats, id->ats_len);
	return r;
}

/*
 * InitiatorData of a 106 kbps type A InListPassiveTarget: the UID to select,
 * with its cascade tags: UID0..3 | 88 UID0..6 | 88 UID0..2 88 UID3..9.
 * Returns 1 if the card's UID matches, 0 if not, YN_EFORMAT if malformed.
 */
static int uid_matches(const struct yn_pn532_target *id, struct yn_rd *rd)
{
	uint8_t uid[10], ct;
	size_t n = yn_rd_left(rd);
	int r = 0;

	if (n == 4) {
		r = yn_rd_bytes(rd, uid, 4);
		n = 4;
	} else if (n == 8) {
		if ((r = yn_rd_u8(rd, &ct)) == 0 && ct != 0x88)
			return YN_EFORMAT;
		if (r == 0)
			r = yn_rd_bytes(rd, uid, 7);
		n = 7;
	} else if (n == 12) {
		if ((r = yn_rd_u8(rd, &ct)) == 0 && ct != 0x88)
			return YN_EFORMAT;
		if (r == 0)
			r = yn_rd_bytes(rd, uid, 3);
		if (r == 0 && (r = yn_rd_u8(rd, &ct)) == 0 && ct != 0x88)
			return YN_EFORMAT;
		if (r == 0)
			r = yn_rd_bytes(rd, uid + 3, 7);
		n = 10;
	} else {
		return YN_EFORMAT;
	}
	if (r != 0 || yn_rd_end(rd) != 0)
		return YN_EFORMAT;
	return n == id->uid_len && memcmp(uid, id->uid, n) == 0;
}

/* InListPassiveTarget: MaxTg BrTy [InitiatorData] -> NbTg [TargetData] */
static int cmd_in_list_passive_target(struct yn_pn532 *pn, struct yn_rd *rd, struct yn_wr *w)
{
	uint8_t max_tg, brty;
	int r;

	if (yn_rd_u8(rd, &max_tg) != 0 || yn_rd_u8(rd, &brty) != 0 || max_tg < 1 || max_tg > 2)
		return YN_EFORMAT;
	if (brty > 0x04)
		return YN_EFORMAT;
	if (brty != 0x00) {
		/* FeliCa, type B, Jewel: this emulator holds none. */
		set_field(pn, 1);
		return yn_wr_u8(w, 0x00);
	}
	r = activate(pn);
	if (r == YN_ENOCARD || r == YN_EPROTO)
		return yn_wr_u8(w, 0x00);
	if (r != 0)
		return r;
	if (yn_rd_left(rd) > 0) {
		r = uid_matches(&pn->tg.id, rd);
		if (r < 0)
			return r;
		if (r == 0) {
			drop_target(pn);
			return yn_wr_u8(w, 0x00);
		}
	}
	if ((r = yn_wr_u8(w, 0x01)) != 0)
		return r;
	return put_target_a(pn, w);
}

/*
 * InAutoPoll: PollNr Period Type1..TypeN -> NbTg [Type Ln TargetData]
 * Types this card can be: 0x00 generic 106 kbps, 0x10 MIFARE, 0x20 ISO
 * 14443-4A (the last two only if its SAK says so).
 */
static int cmd_in_auto_poll(struct yn_pn532 *pn, struct yn_rd *rd, struct yn_wr *w)
{
	uint8_t poll_nr, period, type, found = 0xFF, *ln;
	size_t start;
	int r;

	if (yn_rd_u8(rd, &poll_nr) != 0 || yn_rd_u8(rd, &period) != 0 || yn_rd_left(rd) == 0 ||
	    yn_rd_left(rd) > 15)
		return YN_EFORMAT;
	r = activate(pn);
	if (r != 0 && r != YN_ENOCARD && r != YN_EPROTO)
		return r;
	while (yn_rd_u8(rd, &type) == 0) {
		if (r == 0 && found == 0xFF &&
		    (type == 0x00 || (type == 0x10 && (pn->tg.id.sak & 0x08)) ||
		     (type == 0x20 && (pn->tg.id.sak & 0x20))))
			found = type;
	}
	if (r != 0 || found == 0xFF) {
		drop_target(pn);
		return yn_wr_u8(w, 0x00);
	}
	if (found != 0x10 && (pn->tg.id.sak & 0x20) && pn->tg.id.ats_len > 0)
		pn->tg.isodep = 1;
	if ((r = yn_wr_u8(w, 0x01)) != 0 || (r = yn_wr_u8(w, found)) != 0 ||
	    (r = yn_wr_reserve(w, 1, &ln)) != 0)
		return r;
	start = w->len;
	if ((r = put_target_a(pn, w)) != 0)
		return r;
	*ln = (uint8_t)(w->len - start);
	return 0;
}

/* Forward one APDU to the card; sets the status byte and the response. */
static int exchange_apdu(struct yn_pn532 *pn, const uint8_t *apdu, size_t len, uint8_t *status,
			 uint8_t *resp, size_t cap, size_t *resp_len)
{
	int r;

	*resp_len = 0;
	if (pn->tg.lost || !pn->tg.isodep) {
		*status = ST_TIMEOUT;
		return 0;
	}
	r = pn->card->transmit(pn->card->ctx, apdu, len, resp, cap, resp_len);
	if (r == YN_ENOSPC || (r == 0 && *resp_len > EXCHANGE_DATA_MAX)) {
		*resp_len = 0;
		*status = ST_SMALL_BUFFER;
		return 0;
	}
	if (r != 0) {
		yn_debug("pn532: the card did not answer (%s)", yn_strerror(r));
		pn->tg.lost = 1;
		*resp_len = 0;
		*status = ST_TIMEOUT;
		return 0;
	}
	pn->tg.block ^= 1;
	*status = ST_OK;
	return 0;
}

/* InDataExchange: Tg DataOut -> Status DataIn */
static int cmd_in_data_exchange(struct yn_pn532 *pn, struct yn_rd *rd, struct yn_wr *w)
{
	uint8_t tg, status, *st, *data;
	size_t n = 0;
	int r;

	if (yn_rd_u8(rd, &tg) != 0)
		return YN_EFORMAT;
	if ((r = yn_wr_reserve(w, 1, &st)) != 0)
		return r;
	if ((tg & 0x3F) != 0x01 || !pn->tg.listed) {
		*st = ST_WRONG_CONTEXT;
		return 0;
	}
	if (tg & 0x40) {	/* host-side chaining (MI): not supported */
		*st = ST_BAD_PARAM;
		return 0;
	}
	if (yn_wr_room(w) < EXCHANGE_DATA_MAX)
		return YN_ENOSPC;
	data = w->p + w->len;
	r = exchange_apdu(pn, yn_rd_cur(rd), yn_rd_left(rd), &status, data, yn_wr_room(w), &n);
	if (r != 0)
		return r;
	*st = status;
	w->len += n;
	return 0;
}

/*
 * InCommunicateThru: DataOut -> Status DataIn.  The bytes go to the field
 * as they are; only an activated ISO 14443-4 card answers, to:
 *   E0 PARAM                 RATS          -> ATS
 *   02|bn INF / 03           I-block       -> I-block with the response
 *   B2|bn                    R(NAK)        -> R(ACK) with the card's bn
 *   C2                       S(DESELECT)   -> C2, card halted
 * anything else (other protocols, chaining, CID/NAD) meets silence.
 */
static int cmd_in_communicate_thru(struct yn_pn532 *pn, struct yn_rd *rd, struct yn_wr *w)
{
	const uint8_t *data = yn_rd_cur(rd);
	size_t len = yn_rd_left(rd), n = 0;
	uint8_t pcb, status, *st, *out;
	int r;

	if ((r = yn_wr_reserve(w, 1, &st)) != 0)
		return r;
	*st = ST_TIMEOUT;
	if (len == 0 || !pn->tg.listed || pn->tg.lost)
		return 0;	/* nothing sent, or nobody there to answer */
	pcb = data[0];
	if (!pn->tg.isodep) {
		if (len == 2 && pcb == 0xE0 && (pn->tg.id.sak & 0x20) && pn->tg.id.ats_len > 0) {
			pn->tg.isodep = 1;
			pn->tg.block = 0;
			*st = ST_OK;
			return yn_wr_bytes(w, pn->tg.id.ats, pn->tg.id.ats_len);
		}
		return 0;
	}
	if ((pcb & 0xFE) == 0xB2 && len == 1) {
		*st = ST_OK;
		return yn_wr_u8(w, (uint8_t)(0xA2 | pn->tg.block));
	}
	if (pcb == 0xC2 && len == 1) {
		pn->tg.isodep = 0;
		pn->tg.listed = 0;
		*st = ST_OK;
		return yn_wr_u8(w, 0xC2);
	}
	if ((pcb & 0xFE) == 0x02 && len > 1) {
		if ((pcb & 1) != pn->tg.block)
			return 0;	/* wrong block number: real cards resend; we stay silent */
		if ((r = yn_wr_u8(w, pcb)) != 0)
			return r;
		if (yn_wr_room(w) < EXCHANGE_DATA_MAX - 1)
			return YN_ENOSPC;
		out = w->p + w->len;
		r = exchange_apdu(pn, data + 1, len - 1, &status, out, EXCHANGE_DATA_MAX - 1, &n);
		if (r != 0)
			return r;
		if (status != ST_OK) {
			w->len -= 1;
			*st = status;
			return 0;
		}
		*st = ST_OK;
		w->len += n;
		return 0;
	}
	return 0;
}

/* InDeselect / InRelease: Tg (0 = all) -> Status */
static int cmd_in_release(struct yn_pn532 *pn, struct yn_rd *rd, struct yn_wr *w, int release)
{
	uint8_t tg;

	if (yn_rd_u8(rd, &tg) != 0 || yn_rd_end(rd) != 0)
		return YN_EFORMAT;
	if (tg > 1)
		return yn_wr_u8(w, ST_WRONG_CONTEXT);
	if (tg == 1 && !pn->tg.listed)
		return yn_wr_u8(w, ST_WRONG_CONTEXT);
	if (release)
		drop_target(pn);
	else
		pn->tg.isodep = 0;	/* S(DESELECT): the card halts, stays listed */
	return yn_wr_u8(w, ST_OK);
}

/* InSelect: Tg -> Status.  Reactivates a listed (deselected) target. */
static int cmd_in_select(struct yn_pn532 *pn, struct yn_rd *rd, struct yn_wr *w)
{
	uint8_t tg, uid[10];
	size_t uid_len;
	int r;

	if (yn_rd_u8(rd, &tg) != 0 || yn_rd_end(rd) != 0)
		return YN_EFORMAT;
	if (tg != 1 || !pn->tg.listed)
		return yn_wr_u8(w, ST_WRONG_CONTEXT);
	uid_len = pn->tg.id.uid_len;
	memcpy(uid, pn->tg.id.uid, uid_len);
	r = activate(pn);
	if (r != 0 && r != YN_ENOCARD && r != YN_EPROTO)
		return r;
	if (r != 0 || pn->tg.id.uid_len != uid_len || memcmp(uid, pn->tg.id.uid, uid_len) != 0) {
		/* Another card (or none) answered: the old target is gone. */
		drop_target(pn);
		return yn_wr_u8(w, ST_TIMEOUT);
	}
	return yn_wr_u8(w, ST_OK);
}

/* RFConfiguration: CfgItem ConfigurationData (length fixed per item). */
static int cmd_rf_configuration(struct yn_pn532 *pn, struct yn_rd *rd)
{
	uint8_t item, v;
	uint8_t *dst;
	size_t n;

	if (yn_rd_u8(rd, &item) != 0)
		return YN_EFORMAT;
	switch (item) {
	case 0x01:
		if (yn_rd_u8(rd, &v) != 0 || yn_rd_end(rd) != 0)
			return YN_EFORMAT;
		set_field(pn, v & 1);
		pn->rf_field = v & 0x03;
		return 0;
	case 0x02: dst = pn->rf_timing; n = sizeof(pn->rf_timing); break;
	case 0x04: dst = &pn->rf_retry_com; n = 1; break;
	case 0x05: dst = pn->rf_retries; n = sizeof(pn->rf_retries); break;
	case 0x0A: dst = pn->rf_analog_a; n = sizeof(pn->rf_analog_a); break;
	case 0x0B: dst = pn->rf_analog_f; n = sizeof(pn->rf_analog_f); break;
	case 0x0C: dst = pn->rf_analog_b; n = sizeof(pn->rf_analog_b); break;
	case 0x0D: dst = pn->rf_analog_4; n = sizeof(pn->rf_analog_4); break;
	default:
		return YN_EFORMAT;
	}
	if (yn_rd_left(rd) != n)
		return YN_EFORMAT;
	return yn_rd_bytes(rd, dst, n);
}

/* Diagnose: NumTst InParam -> OutParam */
static int cmd_diagnose(struct yn_pn532 *pn, struct yn_rd *rd, struct yn_wr *w)
{
	uint8_t test;

	if (yn_rd_u8(rd, &test) != 0)
		return YN_EFORMAT;
	switch (test) {
	case 0x00:	/* communication line test: echo NumTst and InParam */
		if (yn_wr_u8(w, test) != 0)
			return YN_ENOSPC;
		return yn_wr_bytes(w, yn_rd_cur(rd), yn_rd_left(rd));
	case 0x01:	/* ROM test */
	case 0x02:	/* RAM test */
		if (yn_rd_end(rd) != 0)
			return YN_EFORMAT;
		return yn_wr_u8(w, 0x00);
	case 0x06:	/* attention request / card presence */
		if (yn_rd_end(rd) != 0)
			return YN_EFORMAT;
		return yn_wr_u8(w, pn->tg.listed && !pn->tg.lost ? ST_OK : ST_TIMEOUT);
	default:
		return YN_EFORMAT;
	}
}

/* ReadRegister: (ADR_H ADR_L)* -> Val*;  WriteRegister: (ADR_H ADR_L Val)* */
static int cmd_registers(struct yn_pn532 *pn, struct yn_rd *rd, struct yn_wr *w, int write)
{
	size_t step = write ? 3 : 2, i;
	uint16_t addr;
	uint8_t v;
	int r;

	if (yn_rd_left(rd) == 0 || yn_rd_left(rd) % step != 0)
		return YN_EFORMAT;
	if (!write && yn_wr_room(w) < yn_rd_left(rd) / 2)
		return YN_ENOSPC;
	for (i = yn_rd_left(rd) / step; i > 0; i--) {
		if ((r = yn_rd_u16be(rd, &addr)) != 0)
			return YN_EFORMAT;
		if (write) {
			if ((r = yn_rd_u8(rd, &v)) != 0)
				return YN_EFORMAT;
			pn->regs[addr] = v;
		} else if ((r = yn_wr_u8(w, pn->regs[addr])) != 0) {
			return r;
		}
	}
	return 0;
}

static int command(struct yn_pn532 *pn, uint8_t code, struct yn_rd *rd, struct yn_wr *w)
{
	uint8_t v;

	switch (code) {
	case CMD_DIAGNOSE:
		return cmd_diagnose(pn, rd, w);
	case CMD_GET_FIRMWARE_VERSION:	/* IC=32 (PN532) Ver=1 Rev=6 Support=7 (A, B, 18092) */
		if (yn_rd_end(rd) != 0)
			return YN_EFORMAT;
		return yn_wr_u32be(w, 0x32010607);
	case CMD_GET_GENERAL_STATUS:	/* Err Field NbTg [Tg BrRx BrTx Type] SAMstatus */
		if (yn_rd_end(rd) != 0 || yn_wr_u8(w, pn->last_error) != 0 ||
		    yn_wr_u8(w, 0x00) != 0 || yn_wr_u8(w, pn->tg.listed ? 1 : 0) != 0)
			return YN_ENOSPC;
		if (pn->tg.listed && yn_wr_u32be(w, 0x01000000) != 0)
			return YN_ENOSPC;
		return yn_wr_u8(w, 0x00);
	case CMD_READ_REGISTER:
		return cmd_registers(pn, rd, w, 0);
	case CMD_WRITE_REGISTER:
		return cmd_registers(pn, rd, w, 1);
	case CMD_READ_GPIO:		/* -> P3 P7 IOI1 */
		if (yn_rd_end(rd) != 0 || yn_wr_u8(w, pn->regs[0xFFB0]) != 0 ||
		    yn_wr_u8(w, pn->regs[0xFFF7]) != 0)
			return YN_EFORMAT;
		return yn_wr_u8(w, 0x00);
	case CMD_WRITE_GPIO:		/* P3 P7, bit 7 = "apply" */
		if (yn_rd_u8(rd, &v) != 0)
			return YN_EFORMAT;
		if (v & 0x80)
			pn->regs[0xFFB0] = (uint8_t)(v & 0x3F);
		if (yn_rd_u8(rd, &v) != 0 || yn_rd_end(rd) != 0)
			return YN_EFORMAT;
		if (v & 0x80)
			pn->regs[0xFFF7] = (uint8_t)(v & 0x06);
		return 0;
	case CMD_SET_SERIAL_BAUD_RATE:	/* a pseudo-terminal has no baud rate */
		if (yn_rd_u8(rd, &v) != 0 || yn_rd_end(rd) != 0 || v > 0x08)
			return YN_EFORMAT;
		return 0;
	case CMD_SET_PARAMETERS:
		if (yn_rd_u8(rd, &v) != 0 || yn_rd_end(rd) != 0)
			return YN_EFORMAT;
		pn->params = v;
		return 0;
	case CMD_SAM_CONFIGURATION:	/* Mode [Timeout [IRQ]] */
		if (yn_rd_u8(rd, &v) != 0 || v < 1 || v > 4 || yn_rd_left(rd) > 2)
			return YN_EFORMAT;
		pn->sam_mode = v;
		pn->powered_down = 0;
		return 0;
	case CMD_POWER_DOWN:		/* WakeUpEnable [GenerateIRQ] -> Status */
		if (yn_rd_u8(rd, &v) != 0 || yn_rd_left(rd) > 1)
			return YN_EFORMAT;
		set_field(pn, 0);
		pn->powered_down = 1;
		return yn_wr_u8(w, ST_OK);
	case CMD_RF_CONFIGURATION:
		return cmd_rf_configuration(pn, rd);
	case CMD_IN_DATA_EXCHANGE:
		return cmd_in_data_exchange(pn, rd, w);
	case CMD_IN_COMMUNICATE_THRU:
		return cmd_in_communicate_thru(pn, rd, w);
	case CMD_IN_DESELECT:
		return cmd_in_release(pn, rd, w, 0);
	case CMD_IN_RELEASE:
		return cmd_in_release(pn, rd, w, 1);
	case CMD_IN_SELECT:
		return cmd_in_select(pn, rd, w);
	case CMD_IN_LIST_PASSIVE_TARGET:
		return cmd_in_list_passive_target(pn, rd, w);
	case CMD_IN_AUTO_POLL:
		return cmd_in_auto_poll(pn, rd, w);
	case CMD_TG_GET_TARGET_STATUS:	/* never a target: Status=00 (idle) BRit=00 */
		if (yn_rd_end(rd) != 0)
			return YN_EFORMAT;
		return yn_wr_u16be(w, 0x0000);
	default:
		return YN_ENOTSUP;
	}
}

int yn_pn532_command(struct yn_pn532 *pn, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
		     size_t resp_cap, size_t *resp_len)
{
	struct yn_rd rd;
	struct yn_wr w;
	uint8_t code;
	int r;

	*resp_len = 0;
	if (resp_cap < YN_PN532_FRAME_DATA_MAX)
		return YN_ENOSPC;
	yn_rd_init(&rd, cmd, cmd_len);
	yn_wr_init(&w, resp, resp_cap);
	if (yn_rd_u8(&rd, &code) != 0 || (code & 1) != 0)
		return YN_EFORMAT;
	/* The response must fit one frame after TFI: cap the writer there. */
	w.cap = YN_PN532_FRAME_DATA_MAX - 1;
	(void)yn_wr_u8(&w, (uint8_t)(code + 1));
	r = command(pn, code, &rd, &w);
	if (r == YN_ENOTSUP) {
		yn_debug("pn532: command %02X (%zu parameter bytes) not supported", code,
			 yn_rd_left(&rd));
		return YN_EFORMAT;
	}
	if (r != 0) {
		yn_debug("pn532: command %02X (%zu bytes) refused: %s", code, cmd_len,
			 yn_strerror(r));
		return YN_EFORMAT;
	}
	*resp_len = w.len;
	return 0;
}

/* Append bytes to out; YN_ENOSPC if they do not fit (nothing written). */
static int emit(struct yn_wr *out, const uint8_t *p, size_t n)
{
	return yn_wr_bytes(out, p, n);
}

static int handle_frame(struct yn_pn532 *pn, const struct yn_pn532_frame *f, struct yn_wr *out)
{
	uint8_t resp[YN_PN532_FRAME_DATA_MAX];
	size_t resp_len = 0;
	int r;

	switch (f->kind) {
	case YN_PN532_FRAME_ACK:	/* abort: nothing runs in the background */
		return 0;
	case YN_PN532_FRAME_NACK:	/* send the last response again */
		return pn->last_len > 0 ? emit(out, pn->last, pn->last_len) : 0;
	case YN_PN532_FRAME_ERROR:
		yn_debug("pn532: error frame from the host ignored");
		return 0;
	case YN_PN532_FRAME_INFO:
		break;
	}
	if (f->tfi != YN_PN532_TFI_HOST || f->len == 0) {
		yn_debug("pn532: frame with TFI %02X and %zu bytes ignored", f->tfi, f->len);
		return 0;
	}
	if ((r = emit(out, yn_pn532_ack, sizeof(yn_pn532_ack))) != 0)
		return r;
	pn->powered_down = 0;
	r = yn_pn532_command(pn, f->data, f->len, resp, sizeof(resp), &resp_len);
	if (r == 0)
		r = yn_pn532_frame_build(YN_PN532_TFI_PN532, resp, resp_len, pn->last,
					 sizeof(pn->last), &pn->last_len);
	if (r != 0) {
		memcpy(pn->last, yn_pn532_error, sizeof(yn_pn532_error));
		pn->last_len = sizeof(yn_pn532_error);
	}
	return emit(out, pn->last, pn->last_len);
}

int yn_pn532_input(struct yn_pn532 *pn, const uint8_t *in, size_t n, uint8_t *out, size_t cap,
		   size_t *out_len)
{
	struct yn_pn532_frame f;
	struct yn_wr w;
	size_t take, used;
	int r, e = 0;

	yn_wr_init(&w, out, cap);
	*out_len = 0;
	while (n > 0) {
		take = RX_MAX - pn->rx_len;
		if (take > n)
			take = n;
		memcpy(pn->rx + pn->rx_len, in, take);
		pn->rx_len += take;
		in += take;
		n -= take;
		for (;;) {
			r = yn_pn532_frame_parse(pn->rx, pn->rx_len, &f, &used);
			if (r == 0) {
				if (handle_frame(pn, &f, &w) != 0)
					e = YN_ENOSPC;
			} else if (r != YN_ETRUNC) {
				yn_debug("pn532: corrupt frame dropped (%s)", yn_strerror(r));
			}
			memmove(pn->rx, pn->rx + used, pn->rx_len - used);
			pn->rx_len -= used;
			if (r == YN_ETRUNC)
				break;
		}
	}
	*out_len = w.len;
	return e;
}

/* ---- pseudo-terminal ---------------------------------------------------- */

/* Back to a raw 8-bit line with no input flags, as a fresh port.  libnfc
 * also marks a port it holds with bit 31 of c_iflag ("claimed") and clears
 * it on close; Linux does not keep that bit on a pseudo-terminal, other
 * kernels might, and a client killed while holding the port would then lock
 * it: clearing c_iflag after every hangup rules that out. */
static void raw_line(int master)
{
	struct termios t;

	if (tcgetattr(master, &t) != 0)
		return;
	cfmakeraw(&t);
	t.c_iflag = 0;
	t.c_cflag |= CLOCAL | CREAD;
	(void)cfsetspeed(&t, B115200);
	(void)tcsetattr(master, TCSANOW, &t);
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t k;

	while (n > 0) {
		k = write(fd, p, n);
		if (k > 0) {
			p += k;
			n -= (size_t)k;
			continue;
		}
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0 && errno == EAGAIN) {
			if (poll(&pfd, 1, 1000) <= 0)
				return YN_ETIMEOUT;
			continue;
		}
		return YN_EIO;
	}
	return 0;
}

static int make_link(const char *slave, const char *link_path)
{
	struct stat st;

	if (lstat(link_path, &st) == 0) {
		if (!S_ISLNK(st.st_mode)) {
			yn_err("pn532: %s exists and is not a symbolic link", link_path);
			return YN_EEXIST;
		}
		if (unlink(link_path) != 0) {
			yn_err("pn532: cannot replace %s: %s", link_path, strerror(errno));
			return YN_EIO;
		}
	}
	if (symlink(slave, link_path) != 0) {
		yn_err("pn532: cannot link %s to %s: %s", link_path, slave, strerror(errno));
		return YN_EIO;
	}
	return 0;
}

/* Remove the link only if it still points to our slave. */
static void remove_link(const char *slave, const char *link_path)
{
	char target[PATH_MAX];
	ssize_t k = readlink(link_path, target, sizeof(target) - 1);

	if (k < 0)
		return;
	target[k] = '\0';
	if (strcmp(target, slave) == 0)
		(void)unlink(link_path);
}

int yn_pn532_serve(const struct yn_pn532_card *card, const char *link_path,
		   volatile sig_atomic_t *stop)
{
	enum { IN_CHUNK = 512 };
	const size_t out_cap = YN_PN532_OUT_CAP(IN_CHUNK);
	uint8_t in[IN_CHUNK], *out = NULL;
	struct yn_pn532 *pn = NULL;
	struct pollfd pfd;
	char slave[128];
	size_t out_len;
	int master = -1, linked = 0, hung = 1, r;
	ssize_t k;

	if ((r = yn_pn532_new(card, &pn)) != 0)
		return r;
	out = malloc(out_cap);
	if (out == NULL) {
		r = YN_ENOMEM;
		goto out;
	}
	master = posix_openpt(O_RDWR | O_NOCTTY);
	if (master < 0 || grantpt(master) != 0 || unlockpt(master) != 0 ||
	    ptsname_r(master, slave, sizeof(slave)) != 0) {
		yn_err("pn532: cannot create a pseudo-terminal: %s", strerror(errno));
		r = YN_EIO;
		goto out;
	}
	if (fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK) != 0) {
		r = YN_EIO;
		goto out;
	}
	raw_line(master);
	if ((r = make_link(slave, link_path)) != 0)
		goto out;
	linked = 1;
	yn_info("pn532: serving on %s (%s)", link_path, slave);
	/* Until a process opens the slave, and after it closes it, poll()
	 * reports POLLHUP at once and cannot wait for the next open: look
	 * again every HUP_POLL_MS.  A client's first frame waits at most that
	 * long; after that, poll() sleeps until the client writes. */
	while (!*stop) {
		pfd.fd = master;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 200) < 0) {
			if (errno == EINTR)
				continue;
			yn_err("pn532: poll: %s", strerror(errno));
			r = YN_EIO;
			goto out;
		}
		if (pfd.revents & POLLIN) {
			k = read(master, in, sizeof(in));
			if (k > 0) {
				hung = 0;
				if (yn_pn532_input(pn, in, (size_t)k, out, out_cap, &out_len) != 0)
					yn_warn("pn532: answers lost (output full)");
				if (out_len > 0 && write_all(master, out, out_len) != 0)
					yn_debug("pn532: host not reading; answer dropped");
				continue;
			}
			if (k < 0 && (errno == EAGAIN || errno == EINTR))
				continue;
		} else if (!(pfd.revents & (POLLHUP | POLLERR))) {
			hung = 0;	/* a client holds the port, quietly */
			continue;
		}
		/* No process has the slave open (or it just closed it). */
		if (!hung) {
			yn_debug("pn532: host closed %s", link_path);
			yn_pn532_hangup(pn);
			raw_line(master);
			hung = 1;
		}
		yn_sleep_ms(HUP_POLL_MS);
	}
	r = 0;
out:
	if (linked)
		remove_link(slave, link_path);
	if (master >= 0)
		close(master);
	free(out);
	yn_pn532_free(pn);
	return r;
}
