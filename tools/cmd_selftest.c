/*
 * yinian selftest: run the cryptographic known-answer tests (the same ones
 * the daemon runs before it starts) and print each result.
 */
#include <stdio.h>
#include <string.h>

#include "base/err.h"
#include "crypto/crypto.h"
#include "tools/cmds.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: yinian selftest\n"
		"\n"
		"Run the cryptographic self test: known-answer tests of AES, CMAC,\n"
		"AN10922 diversification, DESFire EV1/EV2 secure messaging, CRC32,\n"
		"SHA-256 and ECDSA P-256, one line per test.  Exit status 0 if all\n"
		"pass, 1 if any fails (yiniand refuses to start in that case).\n");
}

int yn_cmd_selftest(int argc, char **argv)
{
	const char *name;
	size_t i, n, failed = 0;
	int r;

	if (argc > 1) {
		if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		usage(stderr);
		return 2;
	}
	if ((r = yn_crypto_init()) != 0) {
		fprintf(stderr, "yinian: crypto library: %s\n", yn_strerror(r));
		return 1;
	}
	n = yn_crypto_selftest_count();
	for (i = 0; i < n; i++) {
		r = yn_crypto_selftest_run(i, &name);
		printf("%-4s %s\n", r == 0 ? "ok" : "FAIL", name);
		if (r != 0)
			failed++;
	}
	if (failed > 0) {
		printf("selftest: %zu of %zu failed\n", failed, n);
		return 1;
	}
	printf("selftest: all %zu passed\n", n);
	return 0;
}
