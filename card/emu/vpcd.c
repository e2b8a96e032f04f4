/*
 * vpcd client for the software card (card/emu/vpcd.h).
 *
 * Latency: Debian's vpcd 0.8 sends each message as two writes (length, then
 * payload); with delayed ACKs on our side every APDU would stall ~40 ms.
 * TCP_QUICKACK is re-armed before every recv (the kernel clears it), and
 * TCP_NODELAY lets our one-write replies leave at once (stack.md §5).
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/err.h"
#include "base/log.h"
#include "card/emu/emu.h"
#include "card/emu/vpcd.h"

#define CONNECT_TRY_MS 10000
#define MSG_MAX 65535

int yn_vpcd_parse_addr(const char *s, char *host, size_t host_cap, uint16_t *port)
{
	const char *colon, *h = s;
	size_t hlen;
	char *end;
	long p = YN_VPCD_DEFAULT_PORT;

	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			return YN_EINVAL;
		h = s + 1;
		hlen = (size_t)(close - h);
		colon = close[1] == ':' ? close + 1 : NULL;
	} else {
		colon = strrchr(s, ':');
		hlen = colon != NULL ? (size_t)(colon - s) : strlen(s);
	}
	if (colon != NULL) {
		errno = 0;
		p = strtol(colon + 1, &end, 10);
		if (colon[1] == '\0' || *end != '\0' || errno != 0 || p < 1 || p > 65535)
			return YN_EINVAL;
	}
	if (hlen == 0) {
		h = YN_VPCD_DEFAULT_HOST;
		hlen = strlen(h);
	}
	if (hlen >= host_cap)
		return YN_ENOSPC;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	*port = (uint16_t)p;
	return 0;
}

static int try_connect(const struct addrinfo *ai)
{
	int fd, one = 1;

	for (; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
			(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			return fd;
		}
		close(fd);
	}
	return -1;
}

static int connect_vpcd(const char *host, uint16_t port, volatile sig_atomic_t *stop, int *out)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM };
	struct addrinfo *ai = NULL;
	uint64_t deadline = yn_deadline_in_ms(CONNECT_TRY_MS);
	char ports[8];
	int e, fd;

	*out = -1;
	snprintf(ports, sizeof(ports), "%u", (unsigned)port);
	if ((e = getaddrinfo(host, ports, &hints, &ai)) != 0) {
		yn_err("vpcd: cannot resolve %s: %s", host, gai_strerror(e));
		return YN_EINVAL;
	}
	for (;;) {
		if ((fd = try_connect(ai)) >= 0)
			break;
		if (*stop) {
			freeaddrinfo(ai);
			return YN_ECANCELLED;
		}
		if (yn_deadline_passed(deadline)) {
			yn_err("vpcd: nobody listens on %s:%u (is pcscd running with the vpcd "
			       "driver?)", host, (unsigned)port);
			freeaddrinfo(ai);
			return YN_ETIMEOUT;
		}
		yn_sleep_ms(100);
	}
	freeaddrinfo(ai);
	*out = fd;
	return 0;
}

/* Read exactly n bytes: 0, 1 at a clean end of stream before any byte,
 * YN_ECANCELLED when stopped, YN_EIO on error or a stream cut mid-message. */
static int readn(int fd, uint8_t *p, size_t n, volatile sig_atomic_t *stop)
{
	size_t got = 0;
	int one = 1;

	while (got < n) {
		ssize_t k;

		(void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
		k = recv(fd, p + got, n - got, 0);
		if (k < 0 && errno == EINTR) {
			if (*stop)
				return YN_ECANCELLED;
			continue;
		}
		if (k < 0) {
			yn_err("vpcd: receive failed: %s", strerror(errno));
			return YN_EIO;
		}
		if (k == 0)
			return got == 0 ? 1 : YN_EIO;
		got += (size_t)k;
	}
	return 0;
}

static int send_msg(int fd, uint8_t *buf, size_t n)
{
	size_t off = 0;

	/* buf holds 2 free bytes before the payload: one write per message */
	yn_put_u16be(buf, (uint16_t)n);
	n += 2;
	while (off < n) {
		ssize_t k = send(fd, buf + off, n - off, MSG_NOSIGNAL);

		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			yn_err("vpcd: send failed: %s", strerror(errno));
			return YN_EIO;
		}
		off += (size_t)k;
	}
	return 0;
}

static int control(struct yn_emu *card, int fd, uint8_t code, uint8_t *out)
{
	size_t n;

	switch (code) {
	case 0x00:
		yn_info("vpcd: power off");
		yn_emu_power_off(card);
		return 0;
	case 0x01:
		yn_info("vpcd: power on");
		yn_emu_power_on(card);
		return 0;
	case 0x02:
		/* pcscd resets a card it has not powered on itself (a new
		 * card process under a live pcscd): a reset leaves the card
		 * powered, with a fresh session state, in every case. */
		yn_info("vpcd: reset");
		yn_emu_power_on(card);
		return 0;
	case 0x04:
		yn_emu_atr(card, out + 2, &n);
		return send_msg(fd, out, n);
	default:
		yn_warn("vpcd: unknown control code 0x%02X ignored", code);
		return 0;
	}
}

int yn_vpcd_serve(struct yn_emu *card, const char *host, uint16_t port,
		  volatile sig_atomic_t *stop)
{
	uint8_t hdr[2], *in = NULL, *out = NULL;
	struct pollfd pfd;
	size_t n, rn;
	int fd = -1, r;

	if ((r = connect_vpcd(host, port, stop, &fd)) != 0)
		return r == YN_ECANCELLED ? 0 : r;
	yn_info("vpcd: card connected to %s:%u", host, (unsigned)port);
	in = malloc(MSG_MAX);
	out = malloc(2 + MSG_MAX);
	if (in == NULL || out == NULL) {
		r = YN_ENOMEM;
		goto out;
	}
	for (;;) {
		if (*stop) {
			yn_info("vpcd: stopping on request");
			r = 0;
			break;
		}
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		r = poll(&pfd, 1, 250);
		if (r < 0 && errno != EINTR) {
			yn_err("vpcd: poll failed: %s", strerror(errno));
			r = YN_EIO;
			break;
		}
		if (r <= 0)
			continue;
		r = readn(fd, hdr, 2, stop);
		if (r == 1) {
			yn_info("vpcd: connection closed by vpcd");
			r = 0;
			break;
		}
		if (r != 0)
			break;
		n = yn_get_u16be(hdr);
		if ((r = readn(fd, in, n, stop)) != 0) {
			if (r == 1)
				r = YN_EIO;
			break;
		}
		if (n == 1) {
			if ((r = control(card, fd, in[0], out)) != 0)
				break;
			continue;
		}
		r = yn_emu_transmit(card, in, n, out + 2, MSG_MAX, &rn);
		if (r != 0) {
			/* no answer from the card: tell the reader side so */
			yn_warn("vpcd: card gave no answer: %s", yn_strerror(r));
			out[2] = 0x6F;
			out[3] = 0x00;
			rn = 2;
		}
		yn_debug("vpcd: APDU %zu bytes -> %zu bytes, SW %02X%02X", n, rn, out[2 + rn - 2],
			 out[2 + rn - 1]);
		if ((r = send_msg(fd, out, rn)) != 0)
			break;
	}
	r = r == YN_ECANCELLED ? 0 : r;
out:
	yn_emu_power_off(card);
	if (fd >= 0)
		close(fd);
	free(in);
	free(out);
	return r;
}
