/*
 * The software DESFire card behind the emulated PN532, served by
 * `yinian card serve --pn532 PATH`, reached by Debian's libnfc: through
 * our nfc: reader backend, and through Debian's libfreefare
 * (tests/progs/freefare_read), which creates an application, sets an AES
 * key, writes a file, then authenticates with EV1 AES (command AA) and
 * reads the file back.
 */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "base/clock.h"
#include "base/err.h"
#include "card/emu/emu.h"
#include "card/emu/pn532_emu.h"
#include "reader/reader.h"
#include "tests/lib/testlib.h"

static const uint8_t uid[] = { 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };

#define KEY1 "00112233445566778899AABBCCDDEEFF"
#define DATA "48656C6C6F2C2059696E69616E21"	/* "Hello, Yinian!" */

struct rig {
	char *dir;
	char state[300];
	char link[300];
	pid_t serve;
};

static const char *yinian_path(void)
{
	static char buf[512];
	const char *b = getenv("YN_BUILD");

	snprintf(buf, sizeof(buf), "%s/yinian", b ? b : "build");
	return buf;
}

static void serve_start(struct rig *rig)
{
	char prog[512];
	char *argv[] = { prog, (char *)"card", (char *)"serve", (char *)"--state", rig->state,
			 (char *)"--pn532", rig->link, NULL };
	struct stat st;
	int i;

	snprintf(prog, sizeof(prog), "%s", yinian_path());
	rig->serve = yn_test_spawn(argv);
	assert_true(rig->serve > 0);
	for (i = 0; i < 250 && stat(rig->link, &st) != 0; i++)
		yn_sleep_ms(20);
	assert_int_equal(stat(rig->link, &st), 0);
}

static void serve_stop(struct rig *rig)
{
	struct stat st;
	int status = yn_test_stop(rig->serve);

	rig->serve = -1;
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_not_equal(lstat(rig->link, &st), 0);	/* link removed */
}

static int setup(void **state)
{
	struct rig *rig = calloc(1, sizeof(*rig));

	if (rig == NULL || (rig->dir = yn_test_tmpdir()) == NULL)
		return -1;
	snprintf(rig->state, sizeof(rig->state), "%s/card.bin", rig->dir);
	snprintf(rig->link, sizeof(rig->link), "%s/pn532", rig->dir);
	if (yn_emu_create_file(rig->state, uid, sizeof(uid)) != 0)
		return -1;
	rig->serve = -1;
	*state = rig;
	return 0;
}

static int teardown(void **state)
{
	struct rig *rig = *state;

	if (rig->serve > 0)
		yn_test_stop(rig->serve);
	yn_test_rmtree(rig->dir);
	free(rig->dir);
	free(rig);
	return 0;
}

/* Run freefare_read with args; its stdout in out; returns its exit status. */
static int freefare(const struct rig *rig, const char *args, char *out, size_t cap)
{
	char cmd[1200];
	FILE *f;
	size_t n;
	int st;

	snprintf(cmd, sizeof(cmd), "timeout 30 %s pn532_uart:%s %s", yn_test_prog("freefare_read"),
		 rig->link, args);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	st = pclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_nfc_backend_reads_software_card(void **state)
{
	static const uint8_t get_version[] = { 0x90, 0x60, 0x00, 0x00, 0x00 };
	static const uint8_t want_atr[] = { 0x3B, 0x81, 0x80, 0x01, 0x80, 0x80 };
	struct rig *rig = *state;
	struct yn_card_info info;
	struct yn_reader *r = NULL;
	uint8_t resp[300];
	size_t n = 0;
	char uri[320];

	serve_start(rig);
	snprintf(uri, sizeof(uri), "nfc:pn532_uart:%s", rig->link);
	assert_int_equal(yn_reader_open(uri, &r), 0);
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(2000)), 0);
	assert_int_equal(yn_reader_card_info(r, &info), 0);
	assert_int_equal(info.uid_len, sizeof(uid));
	assert_memory_equal(info.uid, uid, sizeof(uid));
	assert_int_equal(info.atr_len, sizeof(want_atr));
	assert_memory_equal(info.atr, want_atr, sizeof(want_atr));
	/* GetVersion, first frame: hardware info, NXP (04), DESFire (01), more (91 AF). */
	assert_int_equal(yn_reader_transmit(r, get_version, sizeof(get_version), resp, sizeof(resp),
					    &n, yn_deadline_in_ms(1000)), 0);
	assert_int_equal(n, 9);
	assert_int_equal(resp[0], 0x04);
	assert_int_equal(resp[1], 0x01);
	assert_int_equal(resp[7], 0x91);
	assert_int_equal(resp[8], 0xAF);
	yn_reader_close(r);
	serve_stop(rig);
}

static void test_freefare_ev1_aes_reads_file(void **state)
{
	struct rig *rig = *state;
	char out[4096];

	serve_start(rig);
	assert_int_equal(freefare(rig, "version", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "uid 04112233445566"));
	assert_non_null(strstr(out, "hardware 04 01 01"));
	assert_int_equal(freefare(rig, "setup 0A0B0C " KEY1 " 1 mac " DATA, out, sizeof(out)), 0);
	assert_non_null(strstr(out, "setup done"));
	assert_int_equal(freefare(rig, "read 0A0B0C 1 " KEY1 " 1 14", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "data " DATA));
	/* A wrong key does not authenticate; key 0 may not read (access key 1). */
	assert_int_equal(freefare(rig, "read 0A0B0C 1 00112233445566778899AABBCCDDEEFE 1 14",
				  out, sizeof(out)), 1);
	assert_null(strstr(out, "data "));
	assert_int_equal(freefare(rig, "read 0A0B0C 0 00000000000000000000000000000000 1 14",
				  out, sizeof(out)), 1);
	serve_stop(rig);
	/* The card kept what libfreefare wrote: served again, it reads back. */
	serve_start(rig);
	assert_int_equal(freefare(rig, "read 0A0B0C 1 " KEY1 " 1 14", out, sizeof(out)), 0);
	assert_non_null(strstr(out, "data " DATA));
	serve_stop(rig);
}

/* libfreefare-bin's own tool, unchanged, against the software card. */
static void test_mifare_desfire_info_reads_software_card(void **state)
{
	struct rig *rig = *state;
	char cmd[1200], out[8192];
	size_t n;
	FILE *f;

	serve_start(rig);
	snprintf(cmd, sizeof(cmd), "LIBNFC_DEFAULT_DEVICE=pn532_uart:%s LIBNFC_AUTO_SCAN=false "
		 "timeout 30 mifare-desfire-info 2>&1", rig->link);
	f = popen(cmd, "r");
	assert_non_null(f);
	n = fread(out, 1, sizeof(out) - 1, f);
	out[n] = '\0';
	assert_int_equal(pclose(f), 0);
	assert_non_null(strstr(out, "UID:                      0x04112233445566"));
	assert_non_null(strstr(out, "Vendor ID:            0x04"));
	assert_non_null(strstr(out, "Master Key settings (0x0f)"));
	assert_non_null(strstr(out, "Master Key version: 0 (0x00)"));
	assert_non_null(strstr(out, "Free memory: "));
	serve_stop(rig);
}

/* The emulator in a thread of this process, so that the test can tear the
 * software card's power in the middle of a command. */
struct inproc {
	struct yn_emu *card;
	const char *link;
	volatile sig_atomic_t stop;
	int result;
};

static void *serve_thread(void *arg)
{
	struct inproc *ip = arg;

	ip->result = yn_pn532_serve_emu(ip->card, ip->link, &ip->stop);
	return NULL;
}

static void test_torn_command_is_card_gone_then_card_back(void **state)
{
	static const uint8_t get_version[] = { 0x90, 0x60, 0x00, 0x00, 0x00 };
	struct rig *rig = *state;
	struct inproc ip = { .link = rig->link };
	struct yn_reader *r = NULL;
	struct stat st;
	pthread_t th;
	uint8_t resp[300];
	size_t n = 0;
	char uri[320];
	int i;

	assert_int_equal(yn_emu_load(rig->state, &ip.card), 0);
	assert_int_equal(pthread_create(&th, NULL, serve_thread, &ip), 0);
	for (i = 0; i < 250 && stat(rig->link, &st) != 0; i++)
		yn_sleep_ms(20);
	snprintf(uri, sizeof(uri), "nfc:pn532_uart:%s", rig->link);
	assert_int_equal(yn_reader_open(uri, &r), 0);
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(2000)), 0);
	assert_int_equal(yn_reader_transmit(r, get_version, sizeof(get_version), resp, sizeof(resp),
					    &n, yn_deadline_in_ms(1000)), 0);
	/* The next command loses power before the card answers. */
	yn_emu_tear_after(ip.card, 1);
	assert_int_equal(yn_reader_transmit(r, get_version, sizeof(get_version), resp, sizeof(resp),
					    &n, yn_deadline_in_ms(1000)), YN_ECARDGONE);
	assert_int_equal(n, 0);
	/* Back in the field: a fresh activation, the card answers again. */
	assert_int_equal(yn_reader_wait_card(r, yn_deadline_in_ms(2000)), 0);
	assert_int_equal(yn_reader_transmit(r, get_version, sizeof(get_version), resp, sizeof(resp),
					    &n, yn_deadline_in_ms(1000)), 0);
	assert_int_equal(n, 9);
	assert_int_equal(resp[8], 0xAF);
	yn_reader_close(r);
	ip.stop = 1;
	assert_int_equal(pthread_join(th, NULL), 0);
	assert_int_equal(ip.result, 0);
	assert_int_not_equal(lstat(rig->link, &st), 0);
	yn_emu_free(ip.card);
}

static void test_card_serve_pn532_usage_errors(void **state)
{
	struct rig *rig = *state;
	char cmd[1200];
	int st;

	snprintf(cmd, sizeof(cmd), "%s card serve --state %s --pn532 %s --vpcd 127.0.0.1:1 "
		 "2>/dev/null", yinian_path(), rig->state, rig->link);
	st = system(cmd);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 2);
	/* A regular file at the link path is never replaced. */
	snprintf(cmd, sizeof(cmd), "%s card serve --state %s --pn532 %s 2>/dev/null",
		 yinian_path(), rig->state, rig->state);
	st = system(cmd);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_nfc_backend_reads_software_card),
		T(test_freefare_ev1_aes_reads_file),
		T(test_mifare_desfire_info_reads_software_card),
		T(test_torn_command_is_card_gone_then_card_back),
		T(test_card_serve_pn532_usage_errors),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
