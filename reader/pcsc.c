/*
 * PC/SC backend (pcsc-lite).  Every SCARD_* code is mapped to a YN_E* code
 * here, in map(), and logged once with its native value.
 *
 * Field behaviour (docs/operations.md, "PC/SC readers in the field"):
 *
 * - One worker thread per reader object makes every PC/SC call; the
 *   caller hands it a job and waits for the answer until the job's
 *   deadline (the worker aims MARGIN_MS earlier for its own waits).
 *   SCardTransmit, SCardConnect and SCardDisconnect have no timeout in
 *   pcsc-lite (the client blocks in a read on its socket until pcscd
 *   answers, and pcscd waits for the driver), and SCardCancel interrupts
 *   only SCardGetStatusChange and itself needs an answer from pcscd; so a
 *   call that hangs is left to the worker ("abandoned"), and the caller
 *   gets YN_ETIMEOUT on time.  The job
 *   owns copies of its command and response, so an abandoned job never
 *   writes into the caller's memory.  When an abandoned job ends, the
 *   worker drops the card (with a reset if it still answers: it may be
 *   in the middle of a command chain): the next wait_card connects afresh.
 *   Until then the reader answers YN_ETIMEOUT (wait_card, transmit) or
 *   drops the request (release).
 * - The worker owns the PC/SC context (pcsc-lite wants one per thread).
 *   When pcscd stops or restarts (NO_SERVICE, SERVICE_STOPPED,
 *   INVALID_HANDLE) the context and card handle are dropped and wait_card
 *   re-establishes the context, retrying with a backoff from BACKOFF_MIN_MS
 *   doubling to BACKOFF_MAX_MS, never past its deadline: it returns
 *   YN_ENOSERVICE if pcscd did not come back in time.
 * - wait_card follows readers coming and going (the PnP notification
 *   pseudo-reader): a named reader is used as soon as it appears; "pcsc:"
 *   takes the first reader listed and keeps it while it is there.  A
 *   reader that leaves during the wait is waited for again; YN_ENOREADER
 *   if it is absent at the deadline.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <winscard.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "crypto/crypto.h"
#include "reader/reader.h"

#define PNP_NOTIFICATION "\\\\?PnP?\\Notification"

/* The worker ends its own timed waits (wait_card, wait_removed) this much
 * before the caller's deadline, so that the answer is back by the
 * deadline; the caller waits for it until the deadline itself. */
#define MARGIN_MS 10
/* A wait whose deadline has already passed is a poll: the caller waits up
 * to this long for the worker's single look. */
#define POLL_MS 10
/* Bound for calls that take no deadline (open, release). */
#define OPEN_MS 3000
#define RELEASE_MS 1000
/* Re-establishing the context after pcscd went away. */
#define BACKOFF_MIN_MS 20
#define BACKOFF_MAX_MS 400
/* Largest command APDU (extended length, with Le). */
#define CMD_MAX 65544

enum job_kind {
	JOB_OPEN = 1,
	JOB_WAIT_CARD,
	JOB_TRANSMIT,
	JOB_RELEASE,
	JOB_WAIT_REMOVED,
};

/*
 * Shared between the reader object (the caller's thread) and its worker.
 * Fields above "worker only" are guarded by mu.  The worker-only fields
 * are touched by the worker while a job runs, and by the caller only in
 * card_info when no job is in flight (busy == 0, under mu).
 */
struct pcsc_worker {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t thread;
	int busy;		/* a job is posted and its result not yet collected */
	int done;		/* the worker finished the posted job */
	int abandoned;		/* the caller gave up waiting for it */
	int quit;		/* the reader was closed */
	int detached;		/* ... while a job ran: the worker frees this */
	enum job_kind kind;
	uint64_t deadline;
	enum yn_release how;
	int result;
	size_t cmd_len, resp_cap, resp_len;

	/* worker only */
	SCARDCONTEXT ctx;
	int have_ctx;
	SCARDHANDLE card;
	int have_card;
	DWORD proto;
	uint32_t backoff_ms;	/* next retry delay while pcscd is away; 0 = none */
	char want[256];		/* reader asked for; "" = the first one */
	char name[256];		/* reader in use */
	struct yn_card_info info;
	uint8_t cmd[CMD_MAX];
	uint8_t resp[YN_RAPDU_MAX];
};

struct pcsc_reader {
	struct yn_reader base;
	struct pcsc_worker *w;
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

/* ---- worker side: the PC/SC calls ---- */

static void drop_card(struct pcsc_worker *w, DWORD disposition)
{
	if (w->have_card) {
		(void)SCardDisconnect(w->card, disposition);
		w->have_card = 0;
	}
	memset(&w->info, 0, sizeof(w->info));
}

static void drop_context(struct pcsc_worker *w)
{
	drop_card(w, SCARD_LEAVE_CARD);
	if (w->have_ctx) {
		(void)SCardReleaseContext(w->ctx);
		w->have_ctx = 0;
	}
}

static int ensure_context(struct pcsc_worker *w)
{
	LONG rv;
	int r;

	if (w->have_ctx) {
		if (SCardIsValidContext(w->ctx) == SCARD_S_SUCCESS)
			return 0;
		drop_context(w);
	}
	rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &w->ctx);
	if ((r = map(rv, "SCardEstablishContext")) != 0)
		return r;
	w->have_ctx = 1;
	return 0;
}

/* pcscd is away: wait before the next attempt, doubling the delay up to
 * BACKOFF_MAX_MS, never past the deadline.  Nonzero when the deadline has
 * passed (give up). */
static int backoff(struct pcsc_worker *w, uint64_t deadline)
{
	uint32_t left, ms;

	if (yn_deadline_passed(deadline))
		return 1;
	ms = w->backoff_ms ? w->backoff_ms : BACKOFF_MIN_MS;
	left = yn_deadline_left_ms(deadline);
	yn_sleep_ms(ms < left ? ms : left);
	w->backoff_ms = ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : ms * 2;
	return 0;
}

/*
 * Find the reader to use: the requested name; for "pcsc:" the reader used
 * last while it is still listed (a reader plugged in later does not take
 * over; the order pcscd lists readers in is not stable across restarts),
 * else the first listed.
 */
static int resolve_reader(struct pcsc_worker *w)
{
	char *list = NULL, *s;
	const char *pick = NULL;
	DWORD n = SCARD_AUTOALLOCATE;
	LONG rv;

	rv = SCardListReaders(w->ctx, NULL, (LPSTR)&list, &n);
	if (rv != SCARD_S_SUCCESS)
		return map(rv, "SCardListReaders");
	for (s = list; s && *s; s += strlen(s) + 1) {
		if (w->want[0] != '\0') {
			if (strcmp(s, w->want) == 0)
				pick = s;
		} else if (pick == NULL || strcmp(s, w->name) == 0) {
			pick = s;
		}
		if (pick == s && (w->want[0] != '\0' || strcmp(s, w->name) == 0))
			break;
	}
	if (pick != NULL && strcmp(pick, w->name) != 0) {
		if (w->name[0] != '\0')
			yn_info("pcsc: now using reader '%s' (was '%s')", pick, w->name);
		snprintf(w->name, sizeof(w->name), "%s", pick);
	}
	SCardFreeMemory(w->ctx, list);
	return pick != NULL ? 0 : YN_ENOREADER;
}

/* Wait for the reader to appear (plug-and-play notification). */
static int wait_reader(struct pcsc_worker *w, uint64_t deadline)
{
	SCARD_READERSTATE st;
	LONG rv;
	int r;

	for (;;) {
		r = resolve_reader(w);
		if (r != YN_ENOREADER)
			return r;
		if (yn_deadline_passed(deadline))
			return YN_ENOREADER;
		memset(&st, 0, sizeof(st));
		st.szReader = PNP_NOTIFICATION;
		st.dwCurrentState = SCARD_STATE_UNAWARE;
		rv = SCardGetStatusChange(w->ctx, 0, &st, 1);
		if (rv == SCARD_S_SUCCESS) {
			st.dwCurrentState = st.dwEventState;
			rv = SCardGetStatusChange(w->ctx, left_ms(deadline), &st, 1);
		}
		if (rv == SCARD_E_TIMEOUT)
			return YN_ENOREADER;
		if (rv != SCARD_S_SUCCESS)
			return map(rv, "SCardGetStatusChange(PnP)");
	}
}

static int do_transmit(struct pcsc_worker *w, uint64_t deadline);

static int read_uid(struct pcsc_worker *w, uint64_t deadline)
{
	static const uint8_t get_uid[] = { 0xFF, 0xCA, 0x00, 0x00, 0x00 };
	size_t n;
	int r;

	memcpy(w->cmd, get_uid, sizeof(get_uid));
	w->cmd_len = sizeof(get_uid);
	w->resp_cap = 258;
	r = do_transmit(w, deadline);
	if (r != 0)
		return r;
	n = w->resp_len;
	if (n >= 2 && w->resp[n - 2] == 0x90 && w->resp[n - 1] == 0x00 &&
	    (n - 2 == 4 || n - 2 == 7 || n - 2 == 10)) {
		memcpy(w->info.uid, w->resp, n - 2);
		w->info.uid_len = n - 2;
	} else {
		yn_debug("pcsc: reader '%s' did not return a UID to GET DATA (%zu bytes)", w->name,
			 n);
	}
	return 0;
}

static int connect_card(struct pcsc_worker *w, uint64_t deadline)
{
	char rname[256];
	DWORD rlen = sizeof(rname), state = 0, proto = 0, atr_len = sizeof(w->info.atr);
	LONG rv;
	int r;

	rv = SCardConnect(w->ctx, w->name, SCARD_SHARE_EXCLUSIVE,
			  SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, &w->card, &proto);
	if ((r = map(rv, "SCardConnect")) != 0)
		return r;
	w->have_card = 1;
	w->proto = proto;
	memset(&w->info, 0, sizeof(w->info));
	rv = SCardStatus(w->card, rname, &rlen, &state, &proto, w->info.atr, &atr_len);
	if ((r = map(rv, "SCardStatus")) != 0) {
		drop_card(w, SCARD_LEAVE_CARD);
		return r;
	}
	w->info.atr_len = atr_len;
	r = read_uid(w, deadline);
	if (r == 0 && w->info.uid_len == 0) {
		/* Something answered, but not with a UID: either a reader
		 * that does not know GET DATA, or a card pcscd never powered
		 * (with vpcd, a card put down within one presence poll of the
		 * last one's leaving: pcscd saw no change).  A warm reset
		 * powers it; it cannot fail here, something is there. */
		rv = SCardReconnect(w->card, SCARD_SHARE_EXCLUSIVE,
				    SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1, SCARD_RESET_CARD, &proto);
		if (rv == SCARD_S_SUCCESS) {
			w->proto = proto;
			atr_len = sizeof(w->info.atr);
			rlen = sizeof(rname);
			if (SCardStatus(w->card, rname, &rlen, &state, &proto, w->info.atr,
					&atr_len) == SCARD_S_SUCCESS)
				w->info.atr_len = atr_len;
			r = read_uid(w, deadline);
		} else {
			r = map(rv, "SCardReconnect");
		}
		if (r == 0 && w->info.uid_len == 0)
			yn_warn("pcsc: reader '%s' does not return the card's UID (GET DATA)",
				w->name);
	}
	if (r != 0) {
		drop_card(w, SCARD_LEAVE_CARD);
		return r;
	}
	return 0;
}

/* The reader is known: wait for a card on it and connect.  YN_ENOREADER
 * if the reader left. */
static int wait_present(struct pcsc_worker *w, uint64_t deadline)
{
	SCARD_READERSTATE st;
	DWORD wait, seen = 0;
	LONG rv;
	int e, retry = 0;

	memset(&st, 0, sizeof(st));
	st.szReader = w->name;
	for (;;) {
		/* Ask for the current state every time round: a card swapped
		 * faster than pcscd polls never shows up as a state change.
		 * Listing the readers first refreshes pcsc-lite's client-side
		 * copy of the reader states: after a connect failed on a card
		 * that had left, 1.9.9 was seen to keep reporting the field
		 * empty, for seconds, while a new card sat on it. */
		if ((e = resolve_reader(w)) != 0)
			return e;
		st.dwCurrentState = SCARD_STATE_UNAWARE;
		rv = SCardGetStatusChange(w->ctx, 0, &st, 1);
		if (rv != SCARD_S_SUCCESS)
			return map(rv, "SCardGetStatusChange");
		if (st.dwEventState != seen) {
			yn_debug("pcsc: '%s' state 0x%lX", w->name, (unsigned long)st.dwEventState);
			seen = st.dwEventState;
		}
		if (st.dwEventState & (SCARD_STATE_UNKNOWN | SCARD_STATE_IGNORE))
			return YN_ENOREADER;
		if ((st.dwEventState & SCARD_STATE_PRESENT) &&
		    !(st.dwEventState & SCARD_STATE_MUTE)) {
			e = connect_card(w, deadline);
			if (e == 0 || e == YN_ENOSERVICE || e == YN_ESHARING || e == YN_ENOMEM ||
			    e == YN_ETIMEOUT || e == YN_ENOREADER)
				return e;
			/* The card left between the event and the connect, or
			 * pcscd has not yet noticed that it left (it polls every
			 * 400 ms): look again shortly. */
			yn_debug("pcsc: card on '%s' not usable yet (%s); retrying", w->name,
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
		rv = SCardGetStatusChange(w->ctx, wait, &st, 1);
		if (rv != SCARD_S_SUCCESS && rv != SCARD_E_TIMEOUT)
			return map(rv, "SCardGetStatusChange");
	}
}

static int do_wait_card(struct pcsc_worker *w, uint64_t deadline)
{
	int e;

	if (w->have_card)
		return 0;
	for (;;) {
		e = ensure_context(w);
		if (e == 0)
			e = wait_reader(w, deadline);
		if (e == 0)
			e = wait_present(w, deadline);
		if (e == YN_ENOSERVICE || e == YN_EREADER) {
			/* pcscd stopped or restarted: a new context, when it is
			 * back.  A call cut short by pcscd going away does not
			 * always say so (1.9.9 was seen to answer a PnP wait with
			 * SECURITY_VIOLATION): any other failure also gets a new
			 * context, which tells whether pcscd is still there. */
			drop_context(w);
			if (backoff(w, deadline))
				return e;
			continue;
		}
		w->backoff_ms = 0;
		/* The reader left while we waited: wait for it to come back. */
		if (e == YN_ENOREADER && !yn_deadline_passed(deadline))
			continue;
		return e;
	}
}

/* Does the connected card still answer GET DATA UID with its UID?  For
 * readers that do not return a UID (uid_len 0), any answer counts.
 * 1: yes; 0: no (*why: the mapped failure, 0 if it answered otherwise). */
static int card_answers(struct pcsc_worker *w, int *why)
{
	static const uint8_t get_uid[] = { 0xFF, 0xCA, 0x00, 0x00, 0x00 };
	const SCARD_IO_REQUEST *pci;
	uint8_t resp[16];
	DWORD n = sizeof(resp);
	LONG rv;

	*why = 0;
	pci = w->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	rv = SCardTransmit(w->card, pci, get_uid, sizeof(get_uid), NULL, resp, &n);
	if (rv != SCARD_S_SUCCESS) {
		*why = map(rv, "SCardTransmit(probe)");
		return 0;
	}
	if (w->info.uid_len > 0 && (n != w->info.uid_len + 2 ||
				    memcmp(resp, w->info.uid, w->info.uid_len) != 0))
		return 0;	/* another card answers */
	return 1;
}

/*
 * After a failed exchange: was the card taken away, or is it still there?
 * Some readers say so directly (REMOVED_CARD); others, vpcd among them,
 * report only "not transacted" and notice the empty field at their next
 * poll (400 ms).  Asking for the UID again settles it at once: a card that
 * is there answers with the UID it gave at connect (the exchange failed for
 * another reason: the card is then reset, its session is lost anyway), an
 * absent one cannot.  The probe must not be a reset: pcscd 1.9.9 marks the
 * reader ABSENT when a reset fails on a card that left, and if another
 * card arrives before its next presence poll it is never reported, until
 * it too leaves (seen with vpcd: a card swapped within one poll).
 */
static int classify_failure(struct pcsc_worker *w, int e)
{
	DWORD state = 0, proto = 0, rlen = 0, alen = 0;
	LONG rv;
	int why;

	if (e == YN_ECARDGONE || e == YN_ENOSERVICE || e == YN_ENOREADER)
		return e;
	rv = SCardStatus(w->card, NULL, &rlen, &state, &proto, NULL, &alen);
	if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD ||
	    (rv == SCARD_S_SUCCESS && (state & SCARD_ABSENT)))
		return YN_ECARDGONE;
	if (rv != SCARD_S_SUCCESS) {
		int s = map(rv, "SCardStatus");

		return s == YN_ENOSERVICE || s == YN_ENOREADER ? s : YN_ECARDGONE;
	}
	if (!card_answers(w, &why))
		return why == YN_ENOSERVICE || why == YN_ENOREADER ? why : YN_ECARDGONE;
	rv = SCardReconnect(w->card, SCARD_SHARE_EXCLUSIVE, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
			    SCARD_RESET_CARD, &proto);
	if (rv == SCARD_S_SUCCESS)
		w->proto = proto;
	return e;
}

/* w->cmd[0..cmd_len) -> w->resp[0..resp_len), at most resp_cap bytes. */
static int do_transmit(struct pcsc_worker *w, uint64_t deadline)
{
	const SCARD_IO_REQUEST *pci;
	DWORD n;
	LONG rv;
	int e;

	w->resp_len = 0;
	if (!w->have_card)
		return YN_ENOCARD;
	if (yn_deadline_passed(deadline))
		return YN_ETIMEOUT;
	pci = w->proto == SCARD_PROTOCOL_T0 ? SCARD_PCI_T0 : SCARD_PCI_T1;
	n = (DWORD)w->resp_cap;
	rv = SCardTransmit(w->card, pci, w->cmd, (DWORD)w->cmd_len, NULL, w->resp, &n);
	if (rv != SCARD_S_SUCCESS || n < 2 || n > w->resp_cap) {
		if (rv != SCARD_S_SUCCESS) {
			e = classify_failure(w, map(rv, "SCardTransmit"));
		} else if (n == 0) {
			/* Nothing came back, not even a status word: vpcd
			 * reports so, with success, a card that left during the
			 * exchange. */
			yn_debug("pcsc: empty response: the card left during the exchange");
			e = YN_ECARDGONE;
		} else {
			yn_warn("pcsc: response of %lu bytes has no status word", (unsigned long)n);
			e = classify_failure(w, YN_EPROTO);
		}
		/* For the exchange in progress, a reader that left is a card
		 * that left (wait_card then reports the reader missing). */
		if (e == YN_ENOREADER)
			e = YN_ECARDGONE;
		if (e == YN_ECARDGONE || e == YN_ENOSERVICE)
			drop_card(w, SCARD_LEAVE_CARD);
		if (e == YN_ENOSERVICE)
			drop_context(w);
		return e;
	}
	w->resp_len = n;
	if (yn_deadline_passed(deadline))
		return YN_ETIMEOUT;
	return 0;
}

static int do_wait_removed(struct pcsc_worker *w, uint64_t deadline)
{
	SCARD_READERSTATE st;
	LONG rv;
	int e;

	if ((e = ensure_context(w)) != 0)
		return e;
	if (w->name[0] == '\0' && (e = resolve_reader(w)) != 0)
		return e;
	memset(&st, 0, sizeof(st));
	st.szReader = w->name;
	st.dwCurrentState = SCARD_STATE_UNAWARE;
	for (;;) {
		rv = SCardGetStatusChange(w->ctx, 0, &st, 1);
		if (rv != SCARD_S_SUCCESS)
			break;
		if (st.dwEventState & (SCARD_STATE_EMPTY | SCARD_STATE_UNKNOWN))
			return 0;
		st.dwCurrentState = st.dwEventState & ~SCARD_STATE_CHANGED;
		rv = SCardGetStatusChange(w->ctx, left_ms(deadline), &st, 1);
		if (rv == SCARD_E_TIMEOUT)
			return YN_ETIMEOUT;
		if (rv != SCARD_S_SUCCESS)
			break;
		st.dwCurrentState = SCARD_STATE_UNAWARE;
	}
	e = map(rv, "SCardGetStatusChange");
	if (e == YN_ENOSERVICE)
		drop_context(w);
	return e;
}

static int run(struct pcsc_worker *w)
{
	DWORD disp;

	switch (w->kind) {
	case JOB_OPEN:
		return ensure_context(w);
	case JOB_WAIT_CARD:
		return do_wait_card(w, w->deadline);
	case JOB_TRANSMIT:
		return do_transmit(w, w->deadline);
	case JOB_RELEASE:
		disp = w->how == YN_RELEASE_RESET ? SCARD_RESET_CARD :
		       w->how == YN_RELEASE_UNPOWER ? SCARD_UNPOWER_CARD : SCARD_LEAVE_CARD;
		drop_card(w, disp);
		return 0;
	case JOB_WAIT_REMOVED:
		return do_wait_removed(w, w->deadline);
	}
	return YN_EINTERNAL;
}

static void worker_free(struct pcsc_worker *w)
{
	pthread_cond_destroy(&w->cv);
	pthread_mutex_destroy(&w->mu);
	free(w);
}

static void *worker_main(void *arg)
{
	struct pcsc_worker *w = arg;
	uint64_t t0;
	int r, detached;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		while (!w->quit && !(w->busy && !w->done))
			pthread_cond_wait(&w->cv, &w->mu);
		if (!(w->busy && !w->done))
			break;	/* quit, nothing to do */
		pthread_mutex_unlock(&w->mu);
		t0 = yn_now_ns();
		r = run(w);
		/* Command and response may hold session data. */
		yn_cleanse(w->cmd, w->cmd_len);
		w->cmd_len = 0;
		pthread_mutex_lock(&w->mu);
		w->result = r;
		w->done = 1;
		if (w->abandoned) {
			/* The caller left: nobody reads this result.  The card
			 * is dropped: the next wait_card connects afresh. */
			pthread_mutex_unlock(&w->mu);
			yn_warn("pcsc: a call on '%s' ended after %llu ms (%s); its caller had "
				"given up", w->name,
				(unsigned long long)((yn_now_ns() - t0) / YN_NS_PER_MS),
				r == 0 ? "ok" : yn_strerror(r));
			yn_cleanse(w->resp, w->resp_len);
			/* The card may be in the middle of a command chain or
			 * session: reset it, but only if it is still there (a
			 * failed reset marks the reader empty in pcscd 1.9.9,
			 * see classify_failure). */
			if (w->have_card) {
				int why;

				drop_card(w, card_answers(w, &why) ? SCARD_RESET_CARD :
					  SCARD_LEAVE_CARD);
			}
			pthread_mutex_lock(&w->mu);
			w->busy = 0;
		}
		pthread_cond_broadcast(&w->cv);
	}
	detached = w->detached;
	pthread_mutex_unlock(&w->mu);
	drop_context(w);
	if (detached)
		worker_free(w);
	return NULL;
}

/* ---- caller side ---- */

static void deadline_ts(uint64_t deadline, struct timespec *ts)
{
	ts->tv_sec = (time_t)(deadline / YN_NS_PER_S);
	ts->tv_nsec = (long)(deadline % YN_NS_PER_S);
}

/* Wait on w->cv until the deadline; nonzero when it passed.  mu held. */
static int timed_wait(struct pcsc_worker *w, uint64_t deadline)
{
	struct timespec ts;

	if (deadline == YN_DEADLINE_NONE) {
		pthread_cond_wait(&w->cv, &w->mu);
		return 0;
	}
	deadline_ts(deadline, &ts);
	return pthread_cond_timedwait(&w->cv, &w->mu, &ts) == ETIMEDOUT;
}

/*
 * Hand a job to the worker and wait for its result until the deadline (a
 * deadline already passed: POLL_MS, for the worker's single look).  The job's fields other than kind and
 * deadline are set by the caller under mu through fill (may be NULL).
 * Returns the job's result, or YN_ETIMEOUT: either the worker was still
 * busy with an earlier abandoned job, or this one overran (then abandoned).
 * On 0 the caller may read w->resp/resp_len until it releases mu: run_job
 * returns with mu held when out_locked is nonzero and the result is 0.
 */
static int run_job(struct pcsc_worker *w, enum job_kind kind, uint64_t deadline,
		   void (*fill)(struct pcsc_worker *, const void *), const void *arg,
		   int keep_locked)
{
	uint64_t until = deadline, margin = MARGIN_MS * YN_NS_PER_MS;
	int r;

	if (yn_deadline_passed(deadline))
		until = yn_deadline_in_ms(POLL_MS);

	pthread_mutex_lock(&w->mu);
	while (w->busy) {
		if (timed_wait(w, until) && w->busy) {
			pthread_mutex_unlock(&w->mu);
			yn_debug("pcsc: reader '%s' still busy with a call that overran",
				 w->want[0] ? w->want : "(first)");
			return YN_ETIMEOUT;
		}
	}
	w->kind = kind;
	w->deadline = deadline;
	if ((kind == JOB_WAIT_CARD || kind == JOB_WAIT_REMOVED) && deadline != YN_DEADLINE_NONE)
		w->deadline = deadline > margin ? deadline - margin : 0;
	if (fill != NULL)
		fill(w, arg);
	w->busy = 1;
	w->done = 0;
	w->abandoned = 0;
	pthread_cond_broadcast(&w->cv);
	while (!w->done) {
		if (timed_wait(w, until) && !w->done) {
			w->abandoned = 1;
			pthread_mutex_unlock(&w->mu);
			yn_warn("pcsc: reader '%s' did not answer by the deadline; call abandoned",
				w->want[0] ? w->want : "(first)");
			return YN_ETIMEOUT;
		}
	}
	w->busy = 0;
	r = w->result;
	if (!(keep_locked && r == 0))
		pthread_mutex_unlock(&w->mu);
	return r;
}

static int pcsc_open(const char *arg, struct yn_reader **out)
{
	struct pcsc_reader *p;
	struct pcsc_worker *w;
	pthread_condattr_t ca;
	int r;

	*out = NULL;
	if (strlen(arg) >= sizeof(w->want))
		return YN_EINVAL;
	p = calloc(1, sizeof(*p));
	w = calloc(1, sizeof(*w));
	if (p == NULL || w == NULL) {
		free(p);
		free(w);
		return YN_ENOMEM;
	}
	p->base.ops = &yn_reader_pcsc_ops;
	p->w = w;
	snprintf(w->want, sizeof(w->want), "%s", arg);
	snprintf(w->name, sizeof(w->name), "%s", arg);
	pthread_mutex_init(&w->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
		yn_err("pcsc: cannot start the reader thread");
		worker_free(w);
		free(p);
		return YN_ENOMEM;
	}
	*out = &p->base;
	r = run_job(w, JOB_OPEN, yn_deadline_in_ms(OPEN_MS), NULL, NULL, 0);
	if (r != 0) {
		yn_err("pcsc: cannot reach the smart card service: %s", yn_strerror(r));
		yn_reader_close(*out);
		*out = NULL;
		return r;
	}
	return 0;
}

static int pcsc_wait_card(struct yn_reader *r, uint64_t deadline)
{
	struct pcsc_reader *p = (struct pcsc_reader *)r;

	return run_job(p->w, JOB_WAIT_CARD, deadline, NULL, NULL, 0);
}

static int pcsc_card_info(struct yn_reader *r, struct yn_card_info *info)
{
	struct pcsc_reader *p = (struct pcsc_reader *)r;
	struct pcsc_worker *w = p->w;
	int e = YN_ENOCARD;

	pthread_mutex_lock(&w->mu);
	if (!w->busy && w->have_card) {
		*info = w->info;
		e = 0;
	}
	pthread_mutex_unlock(&w->mu);
	return e;
}

struct tx_args {
	const uint8_t *cmd;
	size_t cmd_len, resp_cap;
};

static void fill_transmit(struct pcsc_worker *w, const void *arg)
{
	const struct tx_args *a = arg;

	memcpy(w->cmd, a->cmd, a->cmd_len);
	w->cmd_len = a->cmd_len;
	w->resp_cap = a->resp_cap < sizeof(w->resp) ? a->resp_cap : sizeof(w->resp);
}

static int pcsc_transmit(struct yn_reader *r, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
			 size_t resp_cap, size_t *resp_len, uint64_t deadline)
{
	struct pcsc_reader *p = (struct pcsc_reader *)r;
	struct pcsc_worker *w = p->w;
	struct tx_args a = { cmd, cmd_len, resp_cap };
	int e;

	*resp_len = 0;
	if (cmd_len == 0 || cmd_len > CMD_MAX)
		return YN_EINVAL;
	if (yn_deadline_passed(deadline))
		return YN_ETIMEOUT;
	e = run_job(w, JOB_TRANSMIT, deadline, fill_transmit, &a, 1);
	if (e != 0)
		return e;
	/* mu held: the response is ours until we let go. */
	memcpy(resp, w->resp, w->resp_len);
	*resp_len = w->resp_len;
	yn_cleanse(w->resp, w->resp_len);
	pthread_mutex_unlock(&w->mu);
	return 0;
}

static void fill_release(struct pcsc_worker *w, const void *arg)
{
	w->how = *(const enum yn_release *)arg;
}

static int pcsc_release(struct yn_reader *r, enum yn_release how)
{
	struct pcsc_reader *p = (struct pcsc_reader *)r;
	struct pcsc_worker *w = p->w;
	int busy;

	pthread_mutex_lock(&w->mu);
	busy = w->busy;
	pthread_mutex_unlock(&w->mu);
	/* A call that overran is still running: it drops the card when it
	 * ends (reset), which is what any release would come to. */
	if (busy)
		return 0;
	return run_job(w, JOB_RELEASE, yn_deadline_in_ms(RELEASE_MS), fill_release, &how, 0);
}

static int pcsc_wait_removed(struct yn_reader *r, uint64_t deadline)
{
	struct pcsc_reader *p = (struct pcsc_reader *)r;

	return run_job(p->w, JOB_WAIT_REMOVED, deadline, NULL, NULL, 0);
}

static void pcsc_close(struct yn_reader *r)
{
	struct pcsc_reader *p = (struct pcsc_reader *)r;
	struct pcsc_worker *w = p->w;
	int busy;

	pthread_mutex_lock(&w->mu);
	busy = w->busy;
	w->quit = 1;
	w->detached = busy;
	pthread_cond_broadcast(&w->cv);
	pthread_mutex_unlock(&w->mu);
	if (busy) {
		/* Stuck in a call that overran: it frees itself when it ends. */
		pthread_detach(w->thread);
	} else {
		pthread_join(w->thread, NULL);
		worker_free(w);
	}
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
