/*
 * `yinian card serve` behind a real pcscd + vpcd, driven through the PC/SC
 * reader backend: GetVersion (91 AF frames), GET DATA UID, ReadSig, an EV2
 * authentication done with the crypto primitives and a MACed command in
 * its session, a power cycle that drops the session, persistence of a
 * change across a restart of the card process, a clean exit on SIGTERM and
 * when pcscd goes away, and the round-trip time per APDU.  Run under
 * scripts/pcsc-rig.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/err.h"
#include "card/emu/emu.h"
#include "crypto/crypto.h"
#include "reader/reader.h"
#include "tests/lib/testlib.h"

static const uint8_t uid[7] = { 0x04, 0x5A, 0x17, 0x36, 0x21, 0x80, 0x42 };
static const uint8_t zero16[16];
static char *dir;
static char state_path[512];
static pid_t card_pid = -1;

static const char *port(void)
{
	const char *p = getenv("YN_VPCD_PORT");

	return p != NULL ? p : "35963";
}

static void start_serve(void)
{
	char prog[512], addr[64];
	const char *b = getenv("YN_BUILD");
	char *argv[] = { prog, (char *)"card", (char *)"serve", (char *)"--state", state_path,
			 (char *)"--vpcd", addr, NULL };

	snprintf(prog, sizeof(prog), "%s/yinian", b != NULL ? b : "build");
	snprintf(addr, sizeof(addr), "127.0.0.1:%s", port());
	card_pid = yn_test_spawn(argv);
	assert_true(card_pid > 0);
}

static int stop_serve(void)
{
	int st = yn_test_stop(card_pid);

	card_pid = -1;
	return st;
}

static int setup(void **state)
{
	(void)state;
	if ((dir = yn_test_tmpdir()) == NULL)
		return -1;
	snprintf(state_path, sizeof(state_path), "%s/card.bin", dir);
	return yn_emu_create_file(state_path, uid, sizeof(uid)) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	if (card_pid > 0)
		stop_serve();
	yn_test_rmtree(dir);
	free(dir);
	return 0;
}

static struct yn_reader *reader_with_card(void)
{
	struct yn_reader *r = NULL;
	char uri[300];
	const char *name = getenv("YN_PCSC_READER");

	snprintf(uri, sizeof(uri), "pcsc:%s", name != NULL ? name : "Virtual PCD 00 00");
	assert_int_equal(yn_reader_open(uri, &r), 0);
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(15000)), 0);
	return r;
}

/* Native command over the reader; collects 91 AF frames unless auth. */
static uint8_t nx(struct yn_reader *r, uint8_t cmd, const uint8_t *d, size_t n, uint8_t *out,
		  size_t *out_len)
{
	uint8_t apdu[300], resp[300];
	size_t rn, total = 0, an = 5;

	apdu[0] = 0x90;
	apdu[1] = cmd;
	apdu[2] = apdu[3] = 0;
	apdu[4] = (uint8_t)n;
	if (n > 0) {
		memcpy(apdu + 5, d, n);
		apdu[5 + n] = 0;
		an = n + 6;
	}
	for (;;) {
		assert_int_equal(yn_reader_transmit(r, apdu, an, resp, sizeof(resp), &rn,
						    yn_deadline_in_ms(2000)), 0);
		assert_true(rn >= 2);
		assert_int_equal(resp[rn - 2], 0x91);
		memcpy(out + total, resp, rn - 2);
		total += rn - 2;
		if (resp[rn - 1] != 0xAF || cmd == 0x71)
			break;
		apdu[1] = 0xAF;
		apdu[4] = 0;
		an = 5;
	}
	*out_len = total;
	return resp[rn - 1];
}

static void test_card_serve_over_pcsc(void **state)
{
	static const uint8_t getuid[5] = { 0xFF, 0xCA, 0, 0, 0 };
	struct yn_reader *r;
	struct yn_card_info info;
	struct yn_ev2_keys k;
	uint8_t out[256], iv[16], rndb[16], rnda[16], buf[40], mac[8], ti[4];
	size_t n;
	int st;

	(void)state;
	start_serve();
	r = reader_with_card();
	assert_int_equal(yn_reader_card_info(r, &info), 0);
	assert_int_equal(info.atr_len, 6);
	assert_memory_equal(info.atr, "\x3B\x81\x80\x01\x80\x80", 6);

	assert_int_equal(nx(r, 0x60, NULL, 0, out, &n), 0x00);
	assert_int_equal(n, 28);
	assert_int_equal(out[3], 0x12);	/* EV2 */
	assert_memory_equal(out + 14, uid, 7);

	assert_int_equal(yn_reader_transmit(r, getuid, 5, out, sizeof(out), &n,
					    yn_deadline_in_ms(2000)), 0);
	assert_int_equal(n, 9);
	assert_memory_equal(out, uid, 7);
	assert_int_equal(out[7], 0x90);

	/* ReadSig: 56 bytes and 91 90 through pcscd, secp224r1 over the raw
	 * UID by the test CA (desfire.md §8) */
	{
		struct yn_p224_pubkey *pk = NULL;

		assert_int_equal(nx(r, 0x3C, (const uint8_t *)"\x00", 1, out, &n), 0x90);
		assert_int_equal(n, YN_P224_SIG_LEN);
		assert_int_equal(yn_p224_pubkey_from_raw(yn_emu_test_ca_pub, &pk), 0);
		assert_int_equal(yn_p224_verify_raw(pk, uid, sizeof(uid), out), 0);
		yn_p224_pubkey_free(pk);
	}

	/* EV2First with the PICC master key (16 x 00) */
	assert_int_equal(nx(r, 0x71, (const uint8_t *)"\x00\x00", 2, out, &n), 0xAF);
	assert_int_equal(n, 16);
	memset(iv, 0, 16);
	assert_int_equal(yn_aes128_cbc_decrypt(zero16, iv, out, rndb, 16), 0);
	assert_int_equal(yn_random(rnda, 16), 0);
	memcpy(buf, rnda, 16);
	yn_desfire_rotl1(rndb, buf + 16);
	memset(iv, 0, 16);
	assert_int_equal(yn_aes128_cbc_encrypt(zero16, iv, buf, buf, 32), 0);
	assert_int_equal(nx(r, 0xAF, buf, 32, out, &n), 0x00);
	assert_int_equal(n, 32);
	memset(iv, 0, 16);
	assert_int_equal(yn_aes128_cbc_decrypt(zero16, iv, out, buf, 32), 0);
	yn_desfire_rotl1(rnda, out);
	assert_memory_equal(buf + 4, out, 16);
	memcpy(ti, buf, 4);
	assert_int_equal(yn_ev2_session_keys(zero16, rnda, rndb, &k), 0);

	/* CreateApplication 0A0B0C in MAC mode (ctr 0): answer MACed */
	{
		static const uint8_t body[5] = { 0x0C, 0x0B, 0x0A, 0x0F, 0x82 };
		uint8_t cmd[13];

		memcpy(cmd, body, 5);
		assert_int_equal(yn_ev2_mac_cmd(k.mac, 0xCA, 0, ti, body, 5, NULL, 0, cmd + 5), 0);
		assert_int_equal(nx(r, 0xCA, cmd, 13, out, &n), 0x00);
		assert_int_equal(n, 8);
		assert_int_equal(yn_ev2_mac_resp(k.mac, 0x00, 1, ti, NULL, 0, mac), 0);
		assert_memory_equal(out, mac, 8);
	}
	/* GetCardUID (Full, ctr 1) */
	assert_int_equal(yn_ev2_mac_cmd(k.mac, 0x51, 1, ti, NULL, 0, NULL, 0, buf), 0);
	assert_int_equal(nx(r, 0x51, buf, 8, out, &n), 0x00);
	assert_int_equal(n, 24);
	assert_int_equal(yn_ev2_mac_resp(k.mac, 0x00, 2, ti, out, 16, mac), 0);
	assert_memory_equal(out + 16, mac, 8);
	assert_int_equal(yn_ev2_iv_resp(k.enc, ti, 2, iv), 0);
	assert_int_equal(yn_ev2_decrypt(k.enc, iv, out, 16, buf, sizeof(buf), &n), 0);
	assert_int_equal(n, 7);
	assert_memory_equal(buf, uid, 7);

	/* power cycle: the session is gone */
	assert_int_equal(yn_reader_release(r, YN_RELEASE_UNPOWER), 0);
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(5000)), 0);
	assert_int_equal(yn_ev2_mac_cmd(k.mac, 0x51, 2, ti, NULL, 0, NULL, 0, buf), 0);
	assert_int_equal(nx(r, 0x51, buf, 8, out, &n), 0xAE);

	/* round trip time per APDU through pcscd + vpcd */
	{
		static const uint8_t fm[5] = { 0x90, 0x6E, 0, 0, 0 };
		uint64_t t[200], t0;
		int i, j;

		for (i = 0; i < 200; i++) {
			t0 = yn_now_ns();
			assert_int_equal(yn_reader_transmit(r, fm, 5, out, sizeof(out), &n,
							    yn_deadline_in_ms(2000)), 0);
			t[i] = yn_now_ns() - t0;
		}
		for (i = 1; i < 200; i++)
			for (j = i; j > 0 && t[j] < t[j - 1]; j--) {
				uint64_t x = t[j];

				t[j] = t[j - 1];
				t[j - 1] = x;
			}
		printf("card serve over pcscd+vpcd: GetFreeMemory round trip median %.0f us, "
		       "p99 %.0f us (200 APDUs)\n", t[100] / 1e3, t[197] / 1e3);
		/* far below the 40 ms delayed-ACK stall TCP_QUICKACK avoids */
		assert_true(t[100] < 20 * YN_NS_PER_MS);
	}
	yn_reader_close(r);

	/* SIGTERM: a clean exit, and the application it made is on disk */
	st = stop_serve();
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
	{
		struct yn_emu *c = NULL;
		static const uint8_t ids[5] = { 0x90, 0x6A, 0, 0, 0 };

		assert_int_equal(yn_emu_load(state_path, &c), 0);
		yn_emu_power_on(c);
		assert_int_equal(yn_emu_transmit(c, ids, 5, out, sizeof(out), &n), 0);
		assert_int_equal(n, 5);
		assert_memory_equal(out, "\x0C\x0B\x0A\x91\x00", 5);
		yn_emu_free(c);
	}
}

/* The serve process exits by itself when vpcd goes away; here we only
 * check that a card file that does not exist is refused at once. */
static void test_card_serve_missing_state_fails(void **state)
{
	char prog[512], bad[600];
	const char *b = getenv("YN_BUILD");
	char *argv[] = { prog, (char *)"card", (char *)"serve", (char *)"--state", bad, NULL };
	pid_t pid;
	int st;

	(void)state;
	snprintf(prog, sizeof(prog), "%s/yinian", b != NULL ? b : "build");
	snprintf(bad, sizeof(bad), "%s/none.bin", dir);
	pid = yn_test_spawn(argv);
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
}

/* Last: stop pcscd under the card (the rig tolerates it): vpcd closes the
 * connection and `card serve` ends by itself with status 0. */
static void test_card_serve_exits_when_vpcd_goes(void **state)
{
	const char *pp = getenv("YN_PCSCD_PID");
	struct yn_reader *r;
	int st = -1, i;
	pid_t w = 0;

	(void)state;
	/* scripts/pcsc-rig sets it; without the rig there is no pcscd to stop,
	 * and this file's other tests cannot run either */
	if (pp == NULL)
		fail_msg("YN_PCSCD_PID is not set: run this test under scripts/pcsc-rig "
			 "(make check-pcsc)");
	/* let pcscd see the previous card process leave (it polls every
	 * 400 ms) before this one connects */
	yn_sleep_ms(1000);
	start_serve();
	r = reader_with_card();
	yn_reader_close(r);
	assert_int_equal(kill((pid_t)atoi(pp), SIGTERM), 0);
	for (i = 0; i < 100 && w == 0; i++) {
		w = waitpid(card_pid, &st, WNOHANG);
		if (w == 0)
			yn_sleep_ms(50);
	}
	assert_int_equal(w, card_pid);
	card_pid = -1;
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_card_serve_over_pcsc),
		cmocka_unit_test(test_card_serve_missing_state_fails),
		cmocka_unit_test(test_card_serve_exits_when_vpcd_goes),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
