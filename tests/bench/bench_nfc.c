/*
 * bench_nfc: cost of the libnfc path, through Debian's libnfc and its
 * pn532_uart driver, against the emulated PN532 on a pseudo-terminal (run
 * in a thread of this process).
 *
 *   bench_nfc [--json FILE] [N]   (default N = 2000 exchanges per card;
 *                                 --json: also as JSON)
 *
 * Prints one line per measurement: reader open (libnfc's start-up
 * handshake), card activation (wait_card), and the APDU round trip
 * (yn_reader_transmit) for a trivial card answering GET DATA and for the
 * software DESFire card answering GetVersion.
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/clock.h"
#include "base/err.h"
#include "card/emu/emu.h"
#include "card/emu/pn532.h"
#include "card/emu/pn532_emu.h"
#include "reader/reader.h"

static const uint8_t uid[] = { 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };

static json_t *rows;	/* --json */

static int triv_activate(void *ctx, struct yn_pn532_target *t)
{
	static const uint8_t ats[] = { 0x06, 0x75, 0x77, 0x81, 0x02, 0x80 };

	(void)ctx;
	t->atqa = 0x0344;
	t->sak = 0x20;
	memcpy(t->uid, uid, sizeof(uid));
	t->uid_len = sizeof(uid);
	memcpy(t->ats, ats, sizeof(ats));
	t->ats_len = sizeof(ats);
	return 0;
}

static int triv_transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap,
			 size_t *resp_len)
{
	(void)ctx;
	(void)apdu;
	(void)len;
	if (cap < sizeof(uid) + 2)
		return YN_ENOSPC;
	memcpy(resp, uid, sizeof(uid));
	resp[sizeof(uid)] = 0x90;
	resp[sizeof(uid) + 1] = 0x00;
	*resp_len = sizeof(uid) + 2;
	return 0;
}

struct server {
	const struct yn_pn532_card *ops;
	char link[128];
	volatile sig_atomic_t stop;
	int result;
};

static void *serve(void *arg)
{
	struct server *s = arg;

	s->result = yn_pn532_serve(s->ops, s->link, &s->stop);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int run(const char *name, const struct yn_pn532_card *ops, const uint8_t *apdu,
	       size_t apdu_len, size_t n)
{
	struct server s = { .ops = ops };
	struct yn_reader *r = NULL;
	uint8_t resp[300];
	uint64_t *t, t0, t_open, t_wait;
	char uri[200];
	size_t i, len;
	pthread_t th;
	int e = 1;

	t = calloc(n, sizeof(*t));
	if (t == NULL)
		return 1;
	snprintf(s.link, sizeof(s.link), "/tmp/yn-bench-nfc.%ld", (long)getpid());
	if (pthread_create(&th, NULL, serve, &s) != 0) {
		free(t);
		return 1;
	}
	for (i = 0; i < 250 && access(s.link, F_OK) != 0; i++)
		yn_sleep_ms(20);
	snprintf(uri, sizeof(uri), "nfc:pn532_uart:%s", s.link);
	t0 = yn_now_ns();
	if (yn_reader_open(uri, &r) != 0)
		goto out;
	t_open = yn_now_ns() - t0;
	t0 = yn_now_ns();
	if (yn_reader_wait_card(r, yn_deadline_in_ms(2000)) != 0)
		goto out;
	t_wait = yn_now_ns() - t0;
	for (i = 0; i < n; i++) {
		t0 = yn_now_ns();
		if (yn_reader_transmit(r, apdu, apdu_len, resp, sizeof(resp), &len,
				       yn_deadline_in_ms(1000)) != 0)
			goto out;
		t[i] = yn_now_ns() - t0;
	}
	qsort(t, n, sizeof(*t), cmp_u64);
	printf("%-34s open %6.2f ms  wait_card %6.2f ms  transmit median %4llu us  p99 %4llu us"
	       "  max %5llu us  (N=%zu)\n", name, (double)t_open / 1e6, (double)t_wait / 1e6,
	       (unsigned long long)(t[n / 2] / 1000), (unsigned long long)(t[n * 99 / 100] / 1000),
	       (unsigned long long)(t[n - 1] / 1000), n);
	json_array_append_new(rows, json_pack("{s:s, s:f, s:f, s:I, s:I, s:I, s:I}", "what", name,
					      "open_ms", (double)t_open / 1e6, "wait_card_ms",
					      (double)t_wait / 1e6, "transmit_p50_us",
					      (json_int_t)(t[n / 2] / 1000), "transmit_p99_us",
					      (json_int_t)(t[n * 99 / 100] / 1000), "transmit_max_us",
					      (json_int_t)(t[n - 1] / 1000), "n", (json_int_t)n));
	e = 0;
out:
	if (e != 0)
		fprintf(stderr, "bench_nfc: %s: failed\n", name);
	yn_reader_close(r);
	s.stop = 1;
	pthread_join(th, NULL);
	free(t);
	return e;
}

int main(int argc, char **argv)
{
	static const uint8_t get_uid[] = { 0xFF, 0xCA, 0x00, 0x00, 0x00 };
	static const uint8_t get_version[] = { 0x90, 0x60, 0x00, 0x00, 0x00 };
	struct yn_pn532_card triv = { .activate = triv_activate, .transmit = triv_transmit };
	struct yn_pn532_card emu_ops;
	struct yn_emu *card = NULL;
	const char *json_path = argc > 2 && strcmp(argv[1], "--json") == 0 ? argv[2] : NULL;
	size_t n;
	int e;

	if (json_path != NULL) {
		argc -= 2;
		argv += 2;
	}
	n = argc > 1 ? (size_t)strtoul(argv[1], NULL, 10) : 2000;
	rows = json_array();

	if (n == 0)
		n = 1;
	e = run("nfc: pn532_uart pty, trivial card", &triv, get_uid, sizeof(get_uid), n);
	if (yn_emu_new_blank(uid, sizeof(uid), &card) != 0)
		return 1;
	yn_pn532_emu_card(card, &emu_ops);
	e |= run("nfc: pn532_uart pty, DESFire emu", &emu_ops, get_version, sizeof(get_version), n);
	yn_emu_free(card);
	if (json_path != NULL &&
	    json_dump_file(json_pack("{s:s, s:o}", "bench", "nfc", "results", rows), json_path,
			   JSON_INDENT(2)) != 0)
		e = 1;
	return e;
}
