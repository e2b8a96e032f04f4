/*
 * Debian's unmodified libnfc, with its real pn532_uart driver, reaches a
 * card through the emulated PN532 on a pseudo-terminal (tests/progs/
 * pn532card).  nfc-list (libnfc-bin) is the client, as a user would run it.
 */
#include <setjmp.h>
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
#include <nfc/nfc.h>

#include "base/clock.h"
#include "tests/lib/testlib.h"

struct rig {
	char *dir;
	char link[300];
	pid_t card;
};

/* Start pn532card with uid (NULL = its default) and wait for its link. */
static void rig_start(struct rig *rig, const char *uid)
{
	char prog[512];
	char *argv[] = { prog, rig->link, (char *)uid, NULL };
	struct stat st;
	int i;

	rig->dir = yn_test_tmpdir();
	assert_non_null(rig->dir);
	snprintf(rig->link, sizeof(rig->link), "%s/pn532", rig->dir);
	snprintf(prog, sizeof(prog), "%s", yn_test_prog("pn532card"));
	rig->card = yn_test_spawn(argv);
	assert_true(rig->card > 0);
	for (i = 0; i < 250 && lstat(rig->link, &st) != 0; i++)
		yn_sleep_ms(20);
	assert_int_equal(lstat(rig->link, &st), 0);
	setenv("LIBNFC_AUTO_SCAN", "false", 1);
	setenv("LIBNFC_INTRUSIVE_SCAN", "false", 1);
	{
		char dev[400];

		snprintf(dev, sizeof(dev), "pn532_uart:%s", rig->link);
		setenv("LIBNFC_DEFAULT_DEVICE", dev, 1);
	}
}

static void rig_stop(struct rig *rig)
{
	struct stat st;
	int status = yn_test_stop(rig->card);

	/* It stopped on SIGTERM by itself, with status 0, and took its link. */
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_not_equal(lstat(rig->link, &st), 0);
	yn_test_rmtree(rig->dir);
	free(rig->dir);
}

/* Run nfc-list; its standard output into out. */
static int nfc_list(char *out, size_t cap)
{
	FILE *f = popen("timeout 20 nfc-list 2>&1", "r");
	size_t n;

	assert_non_null(f);
	n = fread(out, 1, cap - 1, f);
	out[n] = '\0';
	return pclose(f);
}

static void test_nfc_list_sees_emulated_card(void **state)
{
	struct rig rig;
	char out[4096];

	(void)state;
	rig_start(&rig, NULL);
	assert_int_equal(nfc_list(out, sizeof(out)), 0);
	assert_non_null(strstr(out, "1 ISO14443A passive target(s) found"));
	assert_non_null(strstr(out, "ATQA (SENS_RES): 03  44"));
	assert_non_null(strstr(out, "UID (NFCID1): 04  11  22  33  44  55  66"));
	assert_non_null(strstr(out, "SAK (SEL_RES): 20"));
	assert_non_null(strstr(out, "ATS: 75  77  81  02  80"));
	/* The port can be opened again after libnfc closed it. */
	assert_int_equal(nfc_list(out, sizeof(out)), 0);
	assert_non_null(strstr(out, "UID (NFCID1): 04  11  22  33  44  55  66"));
	rig_stop(&rig);
}

static void test_nfc_list_four_and_ten_byte_uids(void **state)
{
	struct rig rig;
	char out[4096];

	(void)state;
	rig_start(&rig, "DEADBEEF");
	assert_int_equal(nfc_list(out, sizeof(out)), 0);
	assert_non_null(strstr(out, "UID (NFCID1): de  ad  be  ef"));
	rig_stop(&rig);
	rig_start(&rig, "04112233445566778899");
	assert_int_equal(nfc_list(out, sizeof(out)), 0);
	assert_non_null(strstr(out, "UID (NFCID1): 04  11  22  33  44  55  66  77  88  99"));
	rig_stop(&rig);
}

static void test_nfc_list_without_card_finds_none(void **state)
{
	struct rig rig;
	char out[4096];

	(void)state;
	rig_start(&rig, NULL);
	kill(rig.card, SIGUSR1);	/* card out of the field */
	yn_sleep_ms(50);
	assert_int_equal(nfc_list(out, sizeof(out)), 0);
	assert_non_null(strstr(out, "NFC device: "));
	assert_null(strstr(out, "ISO14443A passive target(s) found"));
	assert_null(strstr(out, "ERROR"));
	rig_stop(&rig);
}

/*
 * A client killed while it holds the port (no orderly close, no PowerDown):
 * the emulator sees the hangup, drops the target and serves the next client.
 */
static void test_client_killed_holding_port_next_client_served(void **state)
{
	struct rig rig;
	char out[4096];
	pid_t pid;
	int status, pfd[2];
	char c = 0;

	(void)state;
	rig_start(&rig, NULL);
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		nfc_context *ctx = NULL;
		nfc_device *dev;

		close(pfd[0]);
		nfc_init(&ctx);
		dev = ctx ? nfc_open(ctx, NULL) : NULL;
		c = dev ? 'y' : 'n';
		if (write(pfd[1], &c, 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	close(pfd[1]);
	assert_int_equal(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
	assert_int_equal(c, 'y');
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	yn_sleep_ms(100);	/* the emulator notices the hangup */
	assert_int_equal(nfc_list(out, sizeof(out)), 0);
	assert_non_null(strstr(out, "UID (NFCID1): 04  11  22  33  44  55  66"));
	rig_stop(&rig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nfc_list_sees_emulated_card),
		cmocka_unit_test(test_nfc_list_four_and_ten_byte_uids),
		cmocka_unit_test(test_nfc_list_without_card_finds_none),
		cmocka_unit_test(test_client_killed_holding_port_next_client_served),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
