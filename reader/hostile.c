/*
 * hostile reader backend: an emu reader whose card lies (reader/hostile.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "crypto/crypto.h"
#include "reader/hostile.h"

enum mode { M_BADMAC, M_TRUNCATE, M_ENDLESS, M_SLOW, M_UID, M_REPLAY };

#define REC_MAX 65536		/* bytes of recorded answers (replay) */
#define CHAIN_JUNK 59		/* data bytes per junk frame (a DESFire frame) */

struct hostile {
	struct yn_reader base;
	struct yn_reader *inner;	/* emu:STATEFILE */
	struct yn_reader *donor;	/* replay=DONOR: emu:DONOR */
	enum mode mode;
	unsigned arg;			/* N, or MS for slow */
	uint8_t uid[YN_UID_MAX];
	size_t uid_len;
	unsigned presentations;
	unsigned eligible;		/* eligible answers in this presentation */
	uint8_t last_ins;		/* last command other than AF */
	int endless;
	uint8_t *rec;			/* replay: u16 length || answer, repeated */
	size_t rec_len, rec_off;
};

static struct hostile *as_h(struct yn_reader *r)
{
	return (struct hostile *)r;
}

static int parse_n(const char *v, unsigned lo, unsigned hi, unsigned *out)
{
	unsigned long n;
	char *end = NULL;

	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || n < lo || n > hi)
		return YN_EINVAL;
	*out = (unsigned)n;
	return 0;
}

static int open_emu(const char *path, struct yn_reader **out)
{
	char uri[sizeof(((struct yn_reader *)0)->uri)];

	if ((size_t)snprintf(uri, sizeof(uri), "emu:%s", path) >= sizeof(uri))
		return YN_EINVAL;
	return yn_reader_open(uri, out);
}

/* arg = MODE:STATEFILE with MODE = NAME[=ARG]. */
static int h_open(const char *arg, struct yn_reader **out)
{
	static const char *const names[] = { "badmac", "truncate", "endless", "slow", "uid",
					     "replay" };
	const char *colon = arg ? strchr(arg, ':') : NULL;
	char mode[600], *val;
	struct hostile *h;
	size_t i;
	int r = YN_EINVAL;

	*out = NULL;
	if (colon == NULL || colon == arg || colon[1] == '\0' ||
	    (size_t)(colon - arg) >= sizeof(mode)) {
		yn_err("hostile reader: use hostile:MODE:STATEFILE (MODE badmac[=N], "
		       "truncate[=N], endless[=N], slow=MS, uid=HEX, replay[=DONOR])");
		return YN_EINVAL;
	}
	memcpy(mode, arg, (size_t)(colon - arg));
	mode[colon - arg] = '\0';
	val = strchr(mode, '=');
	if (val != NULL)
		*val++ = '\0';
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return YN_ENOMEM;
	h->base.ops = &yn_reader_hostile_ops;
	h->arg = 1;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(mode, names[i]) == 0)
			break;
	h->mode = (enum mode)i;
	switch (i) {
	case M_BADMAC:
	case M_TRUNCATE:
	case M_ENDLESS:
		r = val == NULL ? 0 : parse_n(val, 1, 1000, &h->arg);
		break;
	case M_SLOW:
		r = val == NULL ? YN_EINVAL : parse_n(val, 1, 60000, &h->arg);
		break;
	case M_UID:
		r = val == NULL ? YN_EINVAL :
		    yn_hex_decode(val, h->uid, sizeof(h->uid), &h->uid_len);
		if (r == 0 && h->uid_len != 4 && h->uid_len != 7 && h->uid_len != 10)
			r = YN_EINVAL;
		break;
	case M_REPLAY:
		if ((h->rec = malloc(REC_MAX)) == NULL) {
			r = YN_ENOMEM;
			break;
		}
		r = val == NULL ? 0 : open_emu(val, &h->donor);
		break;
	default:
		yn_err("hostile reader: unknown mode '%s'", mode);
		break;
	}
	if (r == 0)
		r = open_emu(colon + 1, &h->inner);
	if (r != 0) {
		yn_err("hostile reader: %s: %s", arg, yn_strerror(r));
		yn_reader_close(h->donor);
		free(h->rec);
		free(h);
		return r;
	}
	*out = &h->base;
	return 0;
}

static int replaying(const struct hostile *h)
{
	return h->mode == M_REPLAY && h->presentations > 1;
}

/* The reader the current presentation talks to. */
static struct yn_reader *live(struct hostile *h)
{
	return h->mode == M_REPLAY && h->presentations == 1 && h->donor ? h->donor : h->inner;
}

static int h_wait_card(struct yn_reader *r, uint64_t deadline_ns)
{
	struct hostile *h = as_h(r);
	int e;

	h->presentations++;
	h->eligible = 0;
	h->endless = 0;
	h->last_ins = 0;
	h->rec_off = 0;
	if ((e = yn_reader_wait_card(live(h), deadline_ns)) != 0)
		h->presentations--;
	return e;
}

static int h_card_info(struct yn_reader *r, struct yn_card_info *info)
{
	struct hostile *h = as_h(r);
	int e = yn_reader_card_info(live(h), info);

	if (e == 0 && h->mode == M_UID) {
		memcpy(info->uid, h->uid, h->uid_len);
		info->uid_len = h->uid_len;
	}
	return e;
}

/* Is the answer to cmd (as returned, resp_len bytes) one a lie may touch? */
static int eligible(struct hostile *h, const uint8_t *cmd, size_t cmd_len, size_t resp_len)
{
	uint8_t ins = cmd_len >= 2 ? cmd[1] : 0;
	int auth;

	if (ins != 0xAF)
		h->last_ins = ins;
	auth = h->last_ins == 0x71 || h->last_ins == 0x77 || h->last_ins == 0xAA;
	return !auth && h->last_ins != 0x5A && resp_len > 2;
}

static int replay_next(struct hostile *h, uint8_t *resp, size_t cap, size_t *len)
{
	struct yn_rd c;
	uint16_t n = 0;
	const uint8_t *p = NULL;

	/* Recording: (u16 length big-endian, answer bytes)*, written by record(). */
	yn_rd_init(&c, h->rec + h->rec_off, h->rec_len - h->rec_off);
	if (yn_rd_u16be(&c, &n) != 0 || yn_rd_ptr(&c, &p, n) != 0)
		return YN_ETIMEOUT;	/* the recording is used up: silence */
	if (n > cap)
		return YN_ENOSPC;
	memcpy(resp, p, n);
	*len = n;
	h->rec_off += 2u + n;
	return 0;
}

static void record(struct hostile *h, const uint8_t *resp, size_t len)
{
	if (len > 0xFFFF || h->rec_len + 2 + len > REC_MAX)
		return;
	h->rec[h->rec_len++] = (uint8_t)(len >> 8);
	h->rec[h->rec_len++] = (uint8_t)len;
	memcpy(h->rec + h->rec_len, resp, len);
	h->rec_len += len;
}

/* 59 bytes of junk and 91 AF: "more frames follow", forever. */
static int junk_frame(uint8_t *resp, size_t cap, size_t *len)
{
	*len = 0;
	if (cap < CHAIN_JUNK + 2)
		return YN_ENOSPC;
	memset(resp, 0xA5, CHAIN_JUNK);
	resp[CHAIN_JUNK] = 0x91;
	resp[CHAIN_JUNK + 1] = 0xAF;
	*len = CHAIN_JUNK + 2;
	return 0;
}

static int h_transmit(struct yn_reader *r, const uint8_t *cmd, size_t cmd_len, uint8_t *resp,
		      size_t resp_cap, size_t *resp_len, uint64_t deadline_ns)
{
	struct hostile *h = as_h(r);
	int e;

	*resp_len = 0;
	if (replaying(h))
		return replay_next(h, resp, resp_cap, resp_len);
	if (h->mode == M_SLOW && yn_now_ns() + (uint64_t)h->arg * YN_NS_PER_MS > deadline_ns) {
		/* The answer would come too late: the reader waits until its
		 * deadline, gives up and resets the field. */
		uint32_t left = yn_deadline_left_ms(deadline_ns);

		if (left > 0)
			yn_sleep_ms(left);
		yn_reader_release(h->inner, YN_RELEASE_UNPOWER);
		return YN_ETIMEOUT;
	}
	if (h->mode == M_ENDLESS && h->endless)
		return junk_frame(resp, resp_cap, resp_len);
	e = yn_reader_transmit(live(h), cmd, cmd_len, resp, resp_cap, resp_len, deadline_ns);
	if (e != 0)
		return e;
	if (h->mode == M_SLOW)
		yn_sleep_ms(h->arg);
	if (h->mode == M_REPLAY) {
		record(h, resp, *resp_len);
		return 0;
	}
	if (!eligible(h, cmd, cmd_len, *resp_len) || ++h->eligible < h->arg)
		return 0;
	switch (h->mode) {
	case M_BADMAC:
		if (h->eligible == h->arg)
			resp[*resp_len - 3] ^= 0x01;
		break;
	case M_TRUNCATE:
		if (h->eligible == h->arg)
			*resp_len /= 2;
		break;
	case M_ENDLESS:
		h->endless = 1;
		return junk_frame(resp, resp_cap, resp_len);
	default:
		break;
	}
	return 0;
}

static int h_release(struct yn_reader *r, enum yn_release how)
{
	struct hostile *h = as_h(r);

	if (h->donor)
		(void)yn_reader_release(h->donor, how);
	return yn_reader_release(h->inner, how);
}

static int h_wait_removed(struct yn_reader *r, uint64_t deadline_ns)
{
	struct hostile *h = as_h(r);

	if (h->donor)
		(void)yn_reader_wait_removed(h->donor, deadline_ns);
	return yn_reader_wait_removed(h->inner, deadline_ns);
}

static void h_close(struct yn_reader *r)
{
	struct hostile *h = as_h(r);

	yn_reader_close(h->inner);
	yn_reader_close(h->donor);
	if (h->rec)
		yn_cleanse(h->rec, REC_MAX);
	free(h->rec);
	free(h);
}

const struct yn_reader_ops yn_reader_hostile_ops = {
	.scheme = "hostile",
	.open = h_open,
	.wait_card = h_wait_card,
	.card_info = h_card_info,
	.transmit = h_transmit,
	.release = h_release,
	.wait_removed = h_wait_removed,
	.close = h_close,
};
