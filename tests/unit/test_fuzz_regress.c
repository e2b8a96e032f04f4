/*
 * Replays every input saved in tests/fuzz/regress/<harness>/ (inputs that
 * once crashed a fuzz harness, or broke one of its checks) and the seed
 * corpora in tests/fuzz/corpus/<harness>/ through the same harness bodies
 * the fuzzers run (tests/fuzz/fuzz_<harness>.c, linked without libFuzzer).
 * A harness that crashes or aborts fails the test program; the inputs are
 * what the fuzzers found (docs/fuzzing.md lists them).
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tests/fuzz/fuzz.h"

struct harness {
	const char *name;
	int (*fn)(const uint8_t *, size_t);
};

static const struct harness harnesses[] = {
	{ "apdu", yn_fuzz_apdu },
	{ "desfire", yn_fuzz_desfire },
	{ "emu", yn_fuzz_emu },
	{ "holder", yn_fuzz_holder },
	{ "denylist", yn_fuzz_denylist },
	{ "journal", yn_fuzz_journal },
	{ "policy", yn_fuzz_policy },
	{ "config", yn_fuzz_config },
	{ "pn532_frame", yn_fuzz_pn532_frame },
	{ "pn532", yn_fuzz_pn532 },
};

/* Source tree root: $YN_SRCDIR, or the working directory (make check). */
static const char *srcdir(void)
{
	const char *s = getenv("YN_SRCDIR");

	return s != NULL ? s : ".";
}

static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	*buf = NULL;
	*len = 0;
	if (f == NULL)
		return -1;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (*buf = malloc((size_t)n + 1)) == NULL || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		free(*buf);
		*buf = NULL;
		return -1;
	}
	fclose(f);
	*len = (size_t)n;
	return 0;
}

/* Run every file of dir/<name>/ through fn; returns how many ran. */
static size_t replay_dir(const char *kind, const struct harness *h)
{
	char dir[512], path[1024];
	struct dirent *de;
	uint8_t *buf;
	size_t len, n = 0;
	DIR *d;

	snprintf(dir, sizeof(dir), "%s/tests/fuzz/%s/%s", srcdir(), kind, h->name);
	if ((d = opendir(dir)) == NULL) {
		/* A harness with no regression inputs yet has no directory. */
		assert_int_equal(errno, ENOENT);
		return 0;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (read_file(path, &buf, &len) != 0)
			fail_msg("cannot read %s", path);
		/* A crash or abort here ends the program: the file named last
		 * is the input (seed files are not named: fuzz-smoke runs them). */
		if (strcmp(kind, "regress") == 0)
			fprintf(stderr, "replay %s\n", path);
		assert_int_equal(h->fn(buf, len), 0);
		free(buf);
		n++;
	}
	closedir(d);
	return n;
}

/* Every file that once crashed a harness now runs clean. */
static void test_fuzz_regress_inputs_run_clean(void **state)
{
	size_t i, n = 0;

	(void)state;
	for (i = 0; i < sizeof(harnesses) / sizeof(harnesses[0]); i++)
		n += replay_dir("regress", &harnesses[i]);
	print_message("%zu regression inputs replayed\n", n);
}

/* Every seed runs clean, and every harness has seeds (the corpus is
 * committed: a harness without one starts from nothing in CI). */
static void test_fuzz_seed_corpora_run_clean(void **state)
{
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(harnesses) / sizeof(harnesses[0]); i++) {
		n = replay_dir("corpus", &harnesses[i]);
		if (n == 0)
			fail_msg("harness %s has no seed corpus", harnesses[i].name);
	}
}

/* Inputs cut short or empty are handled by every harness. */
static void test_fuzz_empty_and_one_byte_inputs(void **state)
{
	static const uint8_t b[2] = { 0xFF, 0x01 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(harnesses) / sizeof(harnesses[0]); i++) {
		assert_int_equal(harnesses[i].fn(b, 0), 0);
		assert_int_equal(harnesses[i].fn(b, 1), 0);
		assert_int_equal(harnesses[i].fn(b, 2), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fuzz_regress_inputs_run_clean),
		cmocka_unit_test(test_fuzz_seed_corpora_run_clean),
		cmocka_unit_test(test_fuzz_empty_and_one_byte_inputs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
