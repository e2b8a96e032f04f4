/*
 * PC/SC backend (pcsc-lite).  Every SCARD_* code is mapped to a YN_E* code
 * here, in map(), and logged once with its native value.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <winscard.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "reader/reader.h"

#define PNP_NOTIFICATION "\\\\?PnP?\\Notification"

struct pcsc_reader {
	struct yn_reader base;
	SCARDCONTEXT ctx;
	int have_ctx;
	SCARDHANDLE card;
	int have_card;
	DWORD proto;
	char want[256];		/* reader asked for; "" = the first one */
	char name[256];		/* reader in use */
	struct yn_card_info info;
};

/* Map a PC/SC result to YN_E*.  what names the call for the log line. */
static int map(LONG rv, const char *what)
{
	int r;

	switch (rv) {
	case SCARD_S_SUCCESS:
		return 0;
	case SCARD_E_TIMEOUT:
		return YN_ETIMEOUT;	/* expected; not logged */
	case SCARD_E_NO_SERVICE:
	case SCARD_E_SERVICE_STOPPED:
	case SCARD_E_INVALID_HANDLE:	/* pcscd restarted under us */
		r = YN_ENOSERVICE;
		break;
	case SCARD_E_NO_READERS_AVAILABLE:
	case SCARD_E_UNKNOWN_READER:
	case SCARD_E_READER_UNAVAILABLE:
		r = YN_ENOREADER;
		break;
	case SCARD_E_NO_SMARTCARD:
		r = YN_ENOCARD;
		break;
	case SCARD_W_REMOVED_CARD:
	case SCARD_W_RESET_CARD:
		r = YN_ECARDGONE;
		break;
	case SCARD_W_UNRESPONSIVE_CARD:
	case SCARD_W_UNPOWERED_CARD:
	case SCARD_W_UNSUPPORTED_CARD:
		r = YN_EUNRESPONSIVE;
		break;
	case SCARD_E_SHARING_VIOLATION:
		r = YN_ESHARING;
		break;
	case SCARD_E_CANCELLED:
		r = YN_ECANCELLED;
		break;
	case SCARD_E_INSUFFICIENT_BUFFER:
		r = YN_ENOSPC;
		break;
	case SCARD_E_NO_MEMORY:
		r = YN_ENOMEM;
		break;
	case SCARD_E_INVALID_PARAMETER:
	case SCARD_E_INVALID_VALUE:
		r = YN_EINVAL;
		break;
	default:	/* NOT_TRANSACTED, PROTO_MISMATCH, COMM_ERROR, ... */
		r = YN_EREADER;
		break;
	}
	yn_debug("pcsc: %s: %s (0x%08lX)", what, pcsc_stringify_error(rv), (unsigned long)rv);
	return r;
}

static DWORD left_ms(uint64_t deadline)
{
	uint32_t ms = yn_deadline_left_ms(deadline);

	return deadline == YN_DEADLINE_NONE ? INFINITE : (DWORD)ms;
}

static void drop_card(struct pcsc_reader *p, DWORD disposition)
{
	if (p->have_card) {
		(void)SCardDisconnect(p->card, disposition);
		p->have_card = 0;
	}
	memset(&p->info, 0, sizeof(p->info));
}

static void drop_context(struct pcsc_reader *p)
{
	drop_card(p, SCARD_LEAVE_CARD);
	if (p->have_ctx) {
		(void)SCardReleaseContext(p->ctx);
		p->have_ctx = 0;
	}
}

static int ensure_context(struct pcsc_reader *p)
{
	LONG rv;
	int r;

	if (p->have_ctx) {
		if (SCardIsValidContext(p->ctx) == SCARD_S_SUCCESS)
			return 0;
		drop_context(p);
	}
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &p->ctx);
	if ((r = map(rv, "SCardEstablishContext")) != 0)
		return r;
	p->have_ctx = 1;
	return 0;
}

/* Find the reader to use: the requested name, or the first listed. */
static int resolve_reader(struct pcsc_reader *p)
{
	char *list = NULL, *s;
	DWORD n = SCARD_AUTOALLOCATE;
	LONG rv;
	int r = YN_ENOREADER;

	rv = SCardListReaders(p->ctx, NULL, (LPSTR)&list, &n);
	if (rv != SCARD_S_SUCCESS)
		return map(rv, "SCardListReaders");
	for (s = list; s && *s; s += strlen(s) + 1) {
		if (p->want[0] == '\0' || strcmp(s, p->want) == 0) {
			snprintf(p->name, sizeof(p->name), "%s", s);
			r = 0;
			break;
		}
	}
	SCardFreeMemory(p->ctx, list);
	return r;
}

/* Wait for a reader to appear (plug-and-play notification). */
static int wait_reader(struct pcsc_reader *p, uint64_t deadline)
{
	SCARD_READERSTATE st;
	LONG rv;
	int r;

	for (;;) {
		r = resolve_reader(p);
		if (r != YN_ENOREADER)
			return r;
		if (yn_deadline_passed(deadline))
			return YN_ENOREADER;
		memset(&st, 0, sizeof(st));
		st.szReader = PNP_NOTIFICATION;
		st.dwCurrentState = SCARD_STATE_UNAWARE;
		rv = SCardGetStatusChange(p->ctx, 0, &st, 1);
		if (rv == SCARD_S_SUCCESS) {
			st.dwCurrentState = st.dwEventState;
			rv = SCardGetStatusChange(p->ctx, left_ms(deadline), &st, 1);
		}
		if (rv == SCARD_E_TIMEOUT)
			return YN_ENOREADER;
		if (rv != SCARD_S_SUCCESS)
			return map(rv, "SCardGetStatusChange(PnP)");
	}
}

static int read_uid(struct pcsc_reader *p, uint64_t deadline)
{
	static const uint8_t get_uid[] = { 0xFF, 0xCA, 0x00, 0x00, 0x00 };
	uint8_t resp[258];
	size_t n = 0;
	int r;

	r = p->base.ops->transmit(&p->base, get_uid, sizeof(get_uid), resp, sizeof(resp), &n,
				  deadline);
	if (r != 0)
		return r;
	if (n >= 2 && resp[n - 2] == 0x90 && resp[n - 1] == 0x00 &&
	    (n - 2 == 4 || n - 2 == 7 || n - 2 == 10)) {
		memcpy(p->info.uid, resp, n - 2);
		p->info.uid_len = n - 2;
	} else {
		yn_warn("pcsc: reader '%s' did not return a UID to GET DATA (%zu bytes)", p->name,
			n);
	}
	return 0;
}

static int connect_card(struct pcsc_reader *p, uint64_t deadline)
{
	char rname[256];
	DWORD rlen = sizeof(rname), state = 0, proto = 0, atr_len = sizeof(p->info.atr);
	LONG rv;
	int r;

	rv = SCardConnect(p->ctx, p->name, SCARD_SHARE_EXCLUSIVE,
			  SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &p->card, &proto);
	if ((r = map(rv, "SCardConnect")) != 0)
		return r;
	p->have_card = 1;
	p->proto = proto;
	memset(&p->info, 0, sizeof(p->info));
	rv = SCardStatus(p->card, rname, &rlen, &state, &proto, p->info.atr, &atr_len);
	if ((r = map(rv, "SCardStatus")) != 0) {
		drop_card(p, SCARD_LEAVE_CARD);
		return r;
	}
	p->info.atr_len = atr_len;
	if ((r = read_uid(p, deadline)) != 0) {
		drop_card(p, SCARD_LEAVE_CARD);
		return r;
	}
	return 0;
}

static int pcsc_open(const char *arg, struct yn_reader **out)
{
	struct pcsc_reader *p;
	int r;

	if (strlen(arg) >= sizeof(p->want))
		return YN_EINVAL;
	p = calloc(1, sizeof(*p));
	if (p == NULL)
		return YN_ENOMEM;
	p->base.ops = &yn_reader_pcsc_ops;
	snprintf(p->want, sizeof(p->want), "%s", arg);
	r = ensure_context(p);
	if (r != 0) {
		yn_err("pcsc: cannot reach the smart card service: %s", yn_strerror(r));
		free(p);
		return r;
	}
	*out = &p->base;
	return 0;
}

static int pcsc_wait_card(struct yn_reader *r, uint64_t deadline)
{
	struct pcsc_reader *p = (struct pcsc_reader *)r;
	SCARD_READERSTATE st;
	DWORD wait;
	LONG rv;
	int e, retry = 0;

	if (p->have_card)
		return 0;
	if ((e = ensure_context(p)) != 0)
		return e;
	if ((e = wait_reader(p, deadline)) != 0)
		goto fail;
	memset(&st, 0, sizeof(st));
	st.szReader = p->name;
	for (;;) {
		/* Ask for the current state every time round: a card swapped
		 * faster than pcscd polls never shows up as a state change. */
		st.dwCurrentState = SCARD_STATE_UNAWARE;
		rv = SCardGetStatusChange(p->ctx, 0, &st, 1);
		if (rv != SCARD_S_SUCCESS) {
			e = map(rv, "SCardGetStatusChange");
			goto fail;
		}
		if (st.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE)) {
			e = YN_ENOREADER;
			goto fail;
		}
		if ((st.dwEventState & SCARD_STATE_PRESENT) &&
		    !(st.dwEventState & SCARD_STATE_MUTE)) {
			e = connect_card(p, deadline);
			if (e == 0 || e == YN_ENOSERVICE || e == YN_ESHARING || e == YN_ENOMEM ||
			    e == YN_ETIMEOUT)
				return e;
			/* The card left between the event and the connect, or
			 * pcscd has not yet noticed that it left (it polls every
			 * 400 ms): look again shortly. */
			yn_debug("pcsc: card on '%s' not usable yet (%s); retrying", p->name,
				 yn_strerror(e));
			retry = 1;
		}
		if (yn_deadline_passed(deadline))
			return YN_ETIMEOUT;
		st.dwCurrentState = st.dwEventState & ~SCARD_STATE_CHANGED;
		/* Block on the change event, but look again at least every
		 * 250 ms: after a card is swapped under a failed connect,
		 * pcsc-lite 1.9.9 was seen to miss the insertion event for our
		 * context (the field stays "empty" until the next poll). */
		wait = left_ms(deadline);
		if (wait > (retry ? 50u : 250u))
			wait = retry ? 50 : 250;
		retry = 0;
		rv = SCardGetStatusChange(p->ctx, wait, &st, 1);
		if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT) {
			e = map(rv, "SCardGetStatusChange");
			goto fail;
		}
	}
fail:
	if (e == YN_ENOSERVICE)
		drop_context(p);	/* re-established on the next call */
	return e;
}

static int pcsc_card_info(struct yn_reader *r, struct yn_card_info *info)
{
	struct pcsc_reader *p = (struct pcsc_reader *)r;

	if (!p->have_card)
		return YN_ENOCARD;
	*info = p->info;
	return 0;
}

/*
 * After a failed exchange: was the card taken away, or is it still there?
 * Some readers say so directly (REMOVED_CARD); others, vpcd among them,
 * report only "not transacted" and notice the empty field at their next
 * poll.  A warm reset settles it at once: a card that is there answers it
 * (the exchange failed for another reason), an absent one cannot.  The reset
 * costs nothing extra: after a failed exchange the card's secure session is
 * lost anyway.
 */
static int classify_failure(struct pcsc_reader *p, int e)
{
	DWORD state = 0, proto = 0, rlen = 0, alen = 0;
	LONG rv;

	if (e == YN_ECARDGONE || e == YN_ENOSERVICE)
		return e;
	rv = SCardStatus(p->card, NULL, &rlen, &state, &proto, NULL, &alen);
	if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD ||
	    (rv == SCARD_S_SUCCESS && (state & SCARD_ABSENT)))
		return YN_ECARDGONE;
	rv = SCardReconnect(p->card, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
			    SCARD_RESET_CARD, &proto);
	if (rv == SCARD_S_SUCCESS) {
		p->proto = proto;
		return e;
	}
	e = map(rv, "SCardReconnect");
	return e == YN_EREADER || e == YN_ENOCARD || e == YN_EUNRESPONSIVE ? YN_ECARDGONE : e;
}

static int pcsc_transmit(struct yn_reader *r, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
			 size_t resp_cap, size_t *resp_len, uint64_t deadline)
{
	struct pcsc_reader *p = (struct pcsc_reader *)r;
	const SCARD_IO_REQUEST *pci;
	DWORD n;
	LONG rv;
	int e;

	if (!p->have_card)
		return YN_ENOCARD;
	if (yn_deadline_passed(deadline))
		return YN_ETIMEOUT;
	if (cmd_len > 65544)
		return YN_EINVAL;
	pci = p->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	n = resp_cap > 0xFFFFFFFFu ? 0xFFFFFFFFu : (DWORD)resp_cap;
	rv = SCardTransmit(p->card, pci, cmd, (DWORD)cmd_len, NULL, resp, &n);
	if (rv != SCARD_S_SUCCESS) {
		e = classify_failure(p, map(rv, "SCardTransmit"));
		if (e == YN_ECARDGONE || e == YN_ENOSERVICE)
			drop_card(p, SCARD_LEAVE_CARD);
		if (e == YN_ENOSERVICE)
			drop_context(p);
		return e;
	}
	if (n == 0) {
		/* Nothing came back, not even a status word: the card left
		 * mid-exchange (vpcd reports it so, with success).  No warm
		 * reset to find out: on vpcd 0.8 a reset of a card that is
		 * gone wedges the reader (pcscd sees no card on it again). */
		yn_debug("pcsc: empty response: the card left during the exchange");
		drop_card(p, SCARD_LEAVE_CARD);
		return YN_ECARDGONE;
	}
	if (n < 2) {
		yn_warn("pcsc: response of %lu bytes has no status word", (unsigned long)n);
		return YN_EPROTO;
	}
	*resp_len = n;
	if (yn_deadline_passed(deadline))
		return YN_ETIMEOUT;
	return 0;
}

static int pcsc_release(struct yn_reader *r, enum yn_release how)
{
	struct pcsc_reader *p = (struct pcsc_reader *)r;
	DWORD disp = how == YN_RELEASE_RESET ? SCARD_RESET_CARD :
		     how == YN_RELEASE_UNPOWER ? SCARD_UNPOWER_CARD : SCARD_LEAVE_CARD;

	drop_card(p, disp);
	return 0;
}

static int pcsc_wait_removed(struct yn_reader *r, uint64_t deadline)
{
	struct pcsc_reader *p = (struct pcsc_reader *)r;
	SCARD_READERSTATE st;
	LONG rv;
	int e;

	if ((e = ensure_context(p)) != 0)
		return e;
	if (p->name[0] == '\0' && (e = resolve_reader(p)) != 0)
		return e;
	memset(&st, 0, sizeof(st));
	st.szReader = p->name;
	st.dwCurrentState = SCARD_STATE_UNAWARE;
	for (;;) {
		rv = SCardGetStatusChange(p->ctx, 0, &st, 1);
		if (rv != SCARD_S_SUCCESS)
			return map(rv, "SCardGetStatusChange");
		if (st.dwEventState & (SCARD_STATE_EMPTY | SCARD_STATE_UNKNOWN))
			return 0;
		st.dwCurrentState = st.dwEventState & ~SCARD_STATE_CHANGED;
		rv = SCardGetStatusChange(p->ctx, left_ms(deadline), &st, 1);
		if (rv == SCARD_E_TIMEOUT)
			return YN_ETIMEOUT;
		if (rv != SCARD_S_SUCCESS)
			return map(rv, "SCardGetStatusChange");
		st.dwCurrentState = SCARD_STATE_UNAWARE;
	}
}

static void pcsc_close(struct yn_reader *r)
{
	struct pcsc_reader *p = (struct pcsc_reader *)r;

	drop_context(p);
	free(p);
}

const struct yn_reader_ops yn_reader_pcsc_ops = {
	.scheme = "pcsc",
	.open = pcsc_open,
	.wait_card = pcsc_wait_card,
	.card_info = pcsc_card_info,
	.transmit = pcsc_transmit,
	.release = pcsc_release,
	.wait_removed = pcsc_wait_removed,
	.close = pcsc_close,
};
