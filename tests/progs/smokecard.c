/*
 * smokecard: a tiny contactless card on the vpcd virtual reader, for the
 * PC/SC smoke test.  It connects to vpcd (the server, inside pcscd), answers
 * the control bytes (0x04 -> ATR; 0x00/0x01/0x02 power off/on/reset: no
 * reply), GET DATA UID (FF CA 00 00 xx) with its UID, an echo command
 * (CLA 80, INS 01: returns the data field reversed, 90 00), and 6D 00 for
 * anything else.  It re-arms TCP_QUICKACK before every recv: vpcd sends the
 * length and the payload in two writes, and without quick ACKs each APDU
 * costs ~40 ms of delayed ACK (../shared/reference/stack.md §5).
 *
 *   smokecard [PORT]    (default 35963; exits when vpcd closes the socket)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static const uint8_t atr[] = { 0x3B, 0x81, 0x80, 0x01, 0x80, 0x80 };
static const uint8_t uid[] = { 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };

static int readn(int fd, uint8_t *p, size_t n)
{
	int one = 1;

	while (n > 0) {
		ssize_t k;

		setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof(one));
		k = recv(fd, p, n, 0);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int send_msg(int fd, const uint8_t *p, size_t n)
{
	uint8_t buf[2 + 600];

	if (n > 600)
		return -1;
	buf[0] = (uint8_t)(n >> 8);
	buf[1] = (uint8_t)n;
	memcpy(buf + 2, p, n);
	return send(fd, buf, n + 2, MSG_NOSIGNAL) == (ssize_t)(n + 2) ? 0 : -1;
}

int main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int port = argc > 1 ? atoi(argv[1]) : 35963;
	int fd = -1, one = 1, i;

	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (i = 0; i < 100; i++) {
		fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			return 1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			break;
		close(fd);
		fd = -1;
		usleep(100000);
	}
	if (fd < 0) {
		fprintf(stderr, "smokecard: cannot connect to vpcd on port %d\n", port);
		return 1;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (;;) {
		uint8_t hdr[2], msg[65536], out[600];
		size_t n, k;

		if (readn(fd, hdr, 2) != 0)
			break;
		n = (size_t)hdr[0] << 8 | hdr[1];
		if (readn(fd, msg, n) != 0)
			break;
		if (n == 1) {
			if (msg[0] == 0x04 && send_msg(fd, atr, sizeof(atr)) != 0)
				break;
			continue;	/* 0x00 off, 0x01 on, 0x02 reset: no reply */
		}
		if (n >= 4 && msg[0] == 0xFF && msg[1] == 0xCA) {
			memcpy(out, uid, sizeof(uid));
			out[sizeof(uid)] = 0x90;
			out[sizeof(uid) + 1] = 0x00;
			k = sizeof(uid) + 2;
		} else if (n >= 5 && msg[0] == 0x80 && msg[1] == 0x01 && msg[4] > 0 &&
			   (size_t)msg[4] + 5 <= n) {
			size_t lc = msg[4], j;

			for (j = 0; j < lc; j++)
				out[j] = msg[5 + lc - 1 - j];
			out[lc] = 0x90;
			out[lc + 1] = 0x00;
			k = lc + 2;
		} else {
			out[0] = 0x6D;
			out[1] = 0x00;
			k = 2;
		}
		if (send_msg(fd, out, k) != 0)
			break;
	}
	close(fd);
	return 0;
}
