/*
 * The vpcd client of the software card against a fake vpcd (a TCP server in
 * this process): framing, control codes, APDUs, stop on request and on
 * close; and the HOST:PORT parser.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/clock.h"
#include "card/emu/vpcd.h"
#include "tests/unit/test_emu_util.h"

struct server {
	int lfd;
	uint16_t port;
	struct yn_emu *card;
	volatile sig_atomic_t stop;
	int result;
	pthread_t th;
};

static void *serve_thread(void *arg)
{
	struct server *s = arg;

	s->result = yn_vpcd_serve(s->card, "127.0.0.1", s->port, &s->stop);
	return NULL;
}

static void server_start(struct server *s)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof(sa);

	memset(s, 0, sizeof(*s));
	s->card = card_new();
	yn_emu_power_off(s->card);
	s->lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(s->lfd >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s->lfd, 1), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&sa, &sl), 0);
	s->port = ntohs(sa.sin_port);
	assert_int_equal(pthread_create(&s->th, NULL, serve_thread, s), 0);
}

static void send_msg(int fd, const char *hex)
{
	uint8_t b[300];
	size_t n = yn_test_hex(hex, b + 2, sizeof(b) - 2);

	b[0] = (uint8_t)(n >> 8);
	b[1] = (uint8_t)n;
	/* like Debian's vpcd 0.8: length and payload in two writes */
	assert_int_equal(write(fd, b, 2), 2);
	assert_int_equal(write(fd, b + 2, n), (ssize_t)n);
}

static void recv_expect(int fd, const char *hex)
{
	uint8_t want[300], hdr[2], got[300];
	size_t wn = yn_test_hex(hex, want, sizeof(want)), n;

	assert_int_equal(recv(fd, hdr, 2, MSG_WAITALL), 2);
	n = (size_t)hdr[0] << 8 | hdr[1];
	assert_int_equal(n, wn);
	assert_int_equal(recv(fd, got, n, MSG_WAITALL), (ssize_t)n);
	assert_memory_equal(got, want, wn);
}

static void test_vpcd_control_codes_and_apdus(void **state)
{
	struct server s;
	int fd;

	(void)state;
	server_start(&s);
	fd = accept(s.lfd, NULL, NULL);
	assert_true(fd >= 0);
	send_msg(fd, "04");
	recv_expect(fd, "3B8180018080");
	send_msg(fd, "FFCA000000");
	recv_expect(fd, "6F00");	/* unpowered: no answer from the card */
	send_msg(fd, "01");
	send_msg(fd, "FFCA000000");
	recv_expect(fd, "04112233445566 9000");
	send_msg(fd, "9060000000");
	recv_expect(fd, "04010112001A05 91AF");
	send_msg(fd, "02");		/* reset: the chain is gone */
	send_msg(fd, "90AF000000");
	recv_expect(fd, "911C");
	send_msg(fd, "00");
	send_msg(fd, "04");
	recv_expect(fd, "3B8180018080");
	send_msg(fd, "FFCA000000");
	recv_expect(fd, "6F00");
	send_msg(fd, "02");		/* a reset powers an unpowered card */
	send_msg(fd, "FFCA000000");
	recv_expect(fd, "04112233445566 9000");
	/* vpcd goes away: the card ends cleanly */
	close(fd);
	assert_int_equal(pthread_join(s.th, NULL), 0);
	assert_int_equal(s.result, 0);
	close(s.lfd);
	yn_emu_free(s.card);
}

static void test_vpcd_stops_on_request(void **state)
{
	struct server s;
	uint64_t t0;
	int fd;

	(void)state;
	server_start(&s);
	fd = accept(s.lfd, NULL, NULL);
	assert_true(fd >= 0);
	send_msg(fd, "01");
	send_msg(fd, "FFCA000000");
	recv_expect(fd, "04112233445566 9000");
	t0 = yn_now_ns();
	s.stop = 1;
	assert_int_equal(pthread_join(s.th, NULL), 0);
	assert_true(yn_now_ns() - t0 < YN_NS_PER_S);
	assert_int_equal(s.result, 0);
	close(fd);
	close(s.lfd);
	yn_emu_free(s.card);
}

static void test_vpcd_parse_addr(void **state)
{
	char h[64];
	uint16_t p;

	(void)state;
	assert_int_equal(yn_vpcd_parse_addr("10.0.0.2:40000", h, sizeof(h), &p), 0);
	assert_string_equal(h, "10.0.0.2");
	assert_int_equal(p, 40000);
	assert_int_equal(yn_vpcd_parse_addr("localhost", h, sizeof(h), &p), 0);
	assert_string_equal(h, "localhost");
	assert_int_equal(p, 35963);
	assert_int_equal(yn_vpcd_parse_addr(":35964", h, sizeof(h), &p), 0);
	assert_string_equal(h, "127.0.0.1");
	assert_int_equal(p, 35964);
	assert_int_equal(yn_vpcd_parse_addr("[::1]:1234", h, sizeof(h), &p), 0);
	assert_string_equal(h, "::1");
	assert_int_equal(p, 1234);
	assert_int_equal(yn_vpcd_parse_addr("h:0", h, sizeof(h), &p), YN_EINVAL);
	assert_int_equal(yn_vpcd_parse_addr("h:65536", h, sizeof(h), &p), YN_EINVAL);
	assert_int_equal(yn_vpcd_parse_addr("h:12x", h, sizeof(h), &p), YN_EINVAL);
	assert_int_equal(yn_vpcd_parse_addr("h:", h, sizeof(h), &p), YN_EINVAL);
	assert_int_equal(yn_vpcd_parse_addr("[::1", h, sizeof(h), &p), YN_EINVAL);
	assert_int_equal(yn_vpcd_parse_addr("averyveryverylonghostname:1", h, 8, &p), YN_ENOSPC);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vpcd_control_codes_and_apdus),
		cmocka_unit_test(test_vpcd_stops_on_request),
		cmocka_unit_test(test_vpcd_parse_addr),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
