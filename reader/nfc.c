/*
 * libnfc backend: "nfc:CONNSTRING" (a libnfc connstring such as
 * pn532_uart:/dev/ttyUSB0, acr122_usb, pn53x_usb) or "nfc:" (libnfc's
 * default device: LIBNFC_DEFAULT_DEVICE, /etc/nfc, or the first one found).
 *
 * Every NFC_E* code is mapped to a YN_E* code here, in map(), and logged
 * once with its native value.  The card must be ISO 14443-A; APDUs travel
 * over ISO-DEP (the chip's InDataExchange).  A card that does not answer
 * (NFC_ERFTRANS: the chip's timeout, CRC or framing errors) or that the chip
 * released (NFC_ETGRELEASED) is YN_ECARDGONE; a reader that does not answer
 * or whose line broke (NFC_EIO, NFC_ETIMEOUT, ...) is YN_EREADER or
 * YN_ETIMEOUT, and the device is closed and reopened by the next wait_card.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nfc/nfc.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "reader/reader.h"

/* Largest command APDU one InDataExchange carries (264-byte chip buffer
 * less the command code and target number). */
#define NFC_APDU_MAX 262
/* How often wait_card and wait_removed look at the field. */
#define POLL_MS 50

struct nfc_reader {
	struct yn_reader base;
	nfc_context *ctx;
	nfc_device *dev;
	int field_off;		/* released with YN_RELEASE_UNPOWER */
	int have_card;
	nfc_target target;
	struct yn_card_info info;
	char connstring[NFC_BUFSIZE_CONNSTRING];	/* "" = libnfc's default */
};

static const nfc_modulation mod_a106 = { .nmt = NMT_ISO14443A, .nbr = NBR_106 };

/* Map a libnfc result to YN_E*.  what names the call for the log line. */
static int map(int rv, const char *what)
{
	int r;

	if (rv >= 0)
		return 0;
	switch (rv) {
	case NFC_ETGRELEASED:	/* the chip dropped the target */
	case NFC_ERFTRANS:	/* no answer, or a garbled one, from the card */
		r = YN_ECARDGONE;
		break;
	case NFC_ETIMEOUT:	/* the chip did not answer in time */
		r = YN_ETIMEOUT;
		break;
	case NFC_ENOTSUCHDEV:
		r = YN_ENOREADER;
		break;
	case NFC_EINVARG:
		r = YN_EINVAL;
		break;
	case NFC_EOVFLOW:
		r = YN_ENOSPC;
		break;
	case NFC_EDEVNOTSUPP:
	case NFC_ENOTIMPL:
		r = YN_ENOTSUP;
		break;
	case NFC_EOPABORTED:
		r = YN_ECANCELLED;
		break;
	case NFC_EMFCAUTHFAIL:
		r = YN_ECARD_AUTH;
		break;
	case NFC_EIO:		/* the line to the chip broke */
	case NFC_ESOFT:		/* libnfc's own failure */
	case NFC_ECHIP:		/* the chip reported an error of its own */
	default:
		r = YN_EREADER;
		break;
	}
	yn_debug("nfc: %s: libnfc error %d (%s)", what, rv, yn_errname(r));
	return r;
}

/* libnfc timeout argument for the time left: at least 1 ms (0 would mean
 * "wait for ever"). */
static int timeout_ms(uint64_t deadline)
{
	uint32_t ms = yn_deadline_left_ms(deadline);

	if (ms == 0)
		ms = 1;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

static void forget_card(struct nfc_reader *p)
{
	p->have_card = 0;
	memset(&p->target, 0, sizeof(p->target));
	memset(&p->info, 0, sizeof(p->info));
}

static void close_device(struct nfc_reader *p)
{
	forget_card(p);
	if (p->dev != NULL) {
		nfc_close(p->dev);
		p->dev = NULL;
	}
}

static int open_device(struct nfc_reader *p)
{
	int rv;

	if (p->dev != NULL)
		return 0;
	p->dev = nfc_open(p->ctx, p->connstring[0] ? p->connstring : NULL);
	if (p->dev == NULL) {
		yn_debug("nfc: cannot open device '%s'", p->connstring[0] ? p->connstring :
			 "(default)");
		return YN_ENOREADER;
	}
	rv = nfc_initiator_init(p->dev);
	/* Poll from our side (the deadline is ours): the chip tries a few
	 * times and answers, instead of searching for ever. */
	if (rv >= 0)
		rv = nfc_device_set_property_bool(p->dev, NP_INFINITE_SELECT, false);
	if (rv < 0) {
		yn_warn("nfc: cannot initialise '%s': %s", nfc_device_get_name(p->dev),
			nfc_strerror(p->dev));
		close_device(p);
		return map(rv, "nfc_initiator_init");
	}
	p->field_off = 0;
	yn_debug("nfc: opened '%s'", nfc_device_get_name(p->dev));
	return 0;
}

/*
 * PC/SC part 3 ATR of an ISO 14443-4 type A card, built from its ATS
 * (without TL): T0 [TA1] [TB1] [TC1] historical bytes.
 *   3B 8n 80 01 <n historical bytes> TCK,   TCK = XOR of bytes 1..end
 * A card without ATS (not ISO-DEP) gets no ATR (atr_len 0).
 */
static void build_atr(const nfc_iso14443a_info *nai, struct yn_card_info *info)
{
	struct yn_rd rd;
	struct yn_wr w;
	uint8_t t0, tck = 0;
	size_t hist_len, i;

	info->atr_len = 0;
	if (!(nai->btSak & 0x20))
		return;
	yn_rd_init(&rd, nai->abtAts, nai->szAtsLen > sizeof(nai->abtAts) ? 0 : nai->szAtsLen);
	if (yn_rd_u8(&rd, &t0) == 0) {
		if (yn_rd_skip(&rd, (size_t)!!(t0 & 0x10) + !!(t0 & 0x20) + !!(t0 & 0x40)) != 0) {
			yn_warn("nfc: card ATS shorter than its T0 says; no historical bytes");
			yn_rd_init(&rd, NULL, 0);
		}
	}
	hist_len = yn_rd_left(&rd);
	if (hist_len > 15)
		hist_len = 15;	/* the ATR has room for 15 */
	yn_wr_init(&w, info->atr, sizeof(info->atr));
	if (yn_wr_u8(&w, 0x3B) != 0 || yn_wr_u8(&w, (uint8_t)(0x80 | hist_len)) != 0 ||
	    yn_wr_u16be(&w, 0x8001) != 0 || yn_wr_bytes(&w, yn_rd_cur(&rd), hist_len) != 0)
		return;
	for (i = 1; i < w.len; i++)
		tck ^= info->atr[i];
	if (yn_wr_u8(&w, tck) != 0)
		return;
	info->atr_len = w.len;
}

static int take_target(struct nfc_reader *p, const nfc_target *nt)
{
	const nfc_iso14443a_info *nai = &nt->nti.nai;

	forget_card(p);
	if (nt->nm.nmt != NMT_ISO14443A || nai->szUidLen > YN_UID_MAX)
		return YN_ENOTSUP;
	p->target = *nt;
	p->have_card = 1;
	memcpy(p->info.uid, nai->abtUid, nai->szUidLen);
	p->info.uid_len = nai->szUidLen;
	build_atr(nai, &p->info);
	return 0;
}

static int open_reader(const char *arg, struct yn_reader **out)
{
	struct nfc_reader *p;
	int r;

	if (strlen(arg) >= sizeof(p->connstring)) {
		yn_err("nfc: connection string too long");
		return YN_EINVAL;
	}
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return YN_ENOMEM;
	p->base.ops = &yn_reader_nfc_ops;
	snprintf(p->connstring, sizeof(p->connstring), "%s", arg);
	nfc_init(&p->ctx);
	if (p->ctx == NULL) {
		yn_err("nfc: cannot initialise libnfc");
		free(p);
		return YN_ENOMEM;
	}
	r = open_device(p);
	if (r != 0) {
		yn_err("nfc: cannot open NFC device '%s': %s", arg[0] ? arg : "(default)",
		       yn_strerror(r));
		nfc_exit(p->ctx);
		free(p);
		return r;
	}
	*out = &p->base;
	return 0;
}

/* One look at the field: 1 and the target in *nt if a type A card
 * answered, 0 if none did, or an error. */
static int look(struct nfc_reader *p, nfc_target *nt)
{
	int rv;

	if (p->field_off) {
		rv = nfc_device_set_property_bool(p->dev, NP_ACTIVATE_FIELD, true);
		if (rv < 0)
			return map(rv, "field on");
		p->field_off = 0;
	}
	memset(nt, 0, sizeof(*nt));
	rv = nfc_initiator_select_passive_target(p->dev, mod_a106, NULL, 0, nt);
	if (rv < 0)
		return map(rv, "nfc_initiator_select_passive_target");
	return rv > 0;
}

/* After an error on the device itself, start from a fresh open. */
static int device_failed(struct nfc_reader *p, int e)
{
	if (e != YN_ECARDGONE && e != YN_ENOSPC && e != YN_EINVAL) {
		yn_warn("nfc: device '%s' failed (%s); it will be reopened",
			p->dev ? nfc_device_get_name(p->dev) : "?", yn_strerror(e));
		close_device(p);
		return e == YN_ETIMEOUT ? YN_ETIMEOUT : YN_EREADER;
	}
	return e;
}

static int wait_card(struct yn_reader *r, uint64_t deadline)
{
	struct nfc_reader *p = (struct nfc_reader *)r;
	nfc_target nt;
	uint32_t left;
	int e;

	if (p->have_card)
		return 0;
	for (;;) {
		e = open_device(p);
		if (e == 0) {
			e = look(p, &nt);
			if (e == 1) {
				e = take_target(p, &nt);
				if (e == 0)
					return 0;
				yn_debug("nfc: a card that is not ISO 14443-A answered; ignored");
				(void)nfc_initiator_deselect_target(p->dev);
			} else if (e < 0 && e != YN_ECARDGONE) {
				e = device_failed(p, e);
				if (e != YN_ETIMEOUT && e != YN_EREADER)
					return e;
			}
		}
		left = yn_deadline_left_ms(deadline);
		if (left == 0)
			return p->dev == NULL ? YN_ENOREADER : YN_ETIMEOUT;
		yn_sleep_ms(left < POLL_MS ? left : POLL_MS);
	}
}

static int card_info(struct yn_reader *r, struct yn_card_info *info)
{
	struct nfc_reader *p = (struct nfc_reader *)r;

	if (!p->have_card)
		return YN_ENOCARD;
	*info = p->info;
	return 0;
}

static int transmit(struct yn_reader *r, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
			size_t resp_cap, size_t *resp_len, uint64_t deadline)
{
	struct nfc_reader *p = (struct nfc_reader *)r;
	int rv, e;

	if (!p->have_card || p->dev == NULL)
		return YN_ENOCARD;
	if (yn_deadline_passed(deadline))
		return YN_ETIMEOUT;
	if (cmd_len == 0 || cmd_len > NFC_APDU_MAX) {
		yn_warn("nfc: APDU of %zu bytes: a PN53x carries 1..%d", cmd_len, NFC_APDU_MAX);
		return YN_EINVAL;
	}
	rv = nfc_initiator_transceive_bytes(p->dev, cmd, cmd_len, resp, resp_cap,
					    timeout_ms(deadline));
	if (rv < 0) {
		e = map(rv, "nfc_initiator_transceive_bytes");
		if (e == YN_ECARDGONE)
			forget_card(p);
		return device_failed(p, e);
	}
	if (rv < 2) {
		yn_warn("nfc: response of %d bytes has no status word", rv);
		return YN_EPROTO;
	}
	*resp_len = (size_t)rv;
	return yn_deadline_passed(deadline) ? YN_ETIMEOUT : 0;
}

static int release_card(struct yn_reader *r, enum yn_release how)
{
	struct nfc_reader *p = (struct nfc_reader *)r;
	int rv, e = 0;

	if (p->dev == NULL) {
		forget_card(p);
		return 0;
	}
	/* S(DESELECT) ends the card's session in every case. */
	if (p->have_card) {
		rv = nfc_initiator_deselect_target(p->dev);
		e = map(rv, "nfc_initiator_deselect_target");
	}
	forget_card(p);
	if (e == 0 && how == YN_RELEASE_UNPOWER) {
		rv = nfc_device_set_property_bool(p->dev, NP_ACTIVATE_FIELD, false);
		e = map(rv, "field off");
		if (e == 0)
			p->field_off = 1;
	}
	if (e != 0 && e != YN_ECARDGONE)
		return device_failed(p, e);
	return 0;
}

static int wait_removed(struct yn_reader *r, uint64_t deadline)
{
	struct nfc_reader *p = (struct nfc_reader *)r;
	nfc_target nt;
	uint32_t left;
	int e;

	for (;;) {
		if ((e = open_device(p)) != 0)
			return e;
		if (p->have_card) {
			e = map(nfc_initiator_target_is_present(p->dev, NULL),
				"nfc_initiator_target_is_present");
			if (e == YN_ECARDGONE) {
				forget_card(p);
				return 0;
			}
		} else {
			e = look(p, &nt);
			if (e == 0)
				return 0;
			if (e == 1) {
				(void)nfc_initiator_deselect_target(p->dev);
				e = 0;
			} else if (e == YN_ECARDGONE) {
				return 0;
			}
		}
		if (e != 0)
			return device_failed(p, e);
		left = yn_deadline_left_ms(deadline);
		if (left == 0)
			return YN_ETIMEOUT;
		yn_sleep_ms(left < POLL_MS ? left : POLL_MS);
	}
}

static void close_reader(struct yn_reader *r)
{
	struct nfc_reader *p = (struct nfc_reader *)r;

	if (p->dev != NULL && p->have_card)
		(void)nfc_initiator_deselect_target(p->dev);
	close_device(p);
	nfc_exit(p->ctx);
	free(p);
}

const struct yn_reader_ops yn_reader_nfc_ops = {
	.scheme = "nfc",
	.open = open_reader,
	.wait_card = wait_card,
	.card_info = card_info,
	.transmit = transmit,
	.release = release_card,
	.wait_removed = wait_removed,
	.close = close_reader,
};
