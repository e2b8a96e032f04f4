/*
 * yinian card: make and serve software DESFire EV2 cards (card/emu/).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/err.h"
#include "base/log.h"
#include "card/emu/emu.h"
#include "card/emu/pn532_emu.h"
#include "card/emu/vpcd.h"
#include "tools/cmds.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: yinian card new --uid HEX --out FILE [--sig-key KEY]\n"
		"       yinian card serve --state FILE [--vpcd HOST:PORT | --pn532 PATH]\n"
		"\n"
		"A software MIFARE DESFire EV2 card, kept in a state file, for tests, demos\n"
		"and benchmarks.  It speaks the native DESFire commands (ISO 7816-4 wrapped),\n"
		"EV2 and EV1 AES authentication and secure messaging, and is saved after\n"
		"every change it commits, so an issued card survives a restart.  Its\n"
		"behaviour where NXP publishes nothing is described in docs/emulator.md.\n"
		"\n"
		"new    write a factory-blank card to FILE (mode 0600; never replaces an\n"
		"       existing file): no applications, PICC master key AES 16 x 00,\n"
		"       key version 0, key settings 0F.\n"
		"  -u, --uid HEX        the card's UID, 7 bytes (4 or 10 also accepted),\n"
		"                       e.g. 04112233445566\n"
		"  -o, --out FILE       the state file to create\n"
		"  -k, --sig-key KEY    sign the UID for ReadSig with this secp224r1\n"
		"                       private key (PEM, file path or file:PATH, mode\n"
		"                       0600; openssl genpkey -algorithm EC -pkeyopt\n"
		"                       ec_paramgen_curve:secp224r1) instead of the\n"
		"                       built-in test CA, as NXP signs real cards\n"
		"                       (docs/emulator.md)\n"
		"\n"
		"serve  put the card in FILE on the vpcd virtual reader of a running pcscd\n"
		"       (package vsmartcard-vpcd): connect to vpcd (retrying for 10 s),\n"
		"       answer power, reset and ATR requests and every APDU, until vpcd\n"
		"       closes the connection or SIGTERM/SIGINT arrives.  PC/SC programs\n"
		"       then see the card in reader \"Virtual PCD 00 00\" (port 35963) or\n"
		"       \"Virtual PCD 00 01\" (port 35964).\n"
		"  -s, --state FILE     the card's state file (from 'yinian card new')\n"
		"  -v, --vpcd HOST:PORT where vpcd listens (default 127.0.0.1:35963)\n"
		"  -p, --pn532 PATH     instead of vpcd, behind an emulated PN532 on a\n"
		"                       pseudo-terminal linked at PATH, for libnfc's\n"
		"                       pn532_uart driver (reader nfc:pn532_uart:PATH,\n"
		"                       docs/pn532-emulator.md), until SIGTERM/SIGINT\n"
		"\n"
		"  -h, --help           this text\n"
		"\n"
		"'serve' logs at info level unless YN_LOG_LEVEL says otherwise; APDUs are\n"
		"logged at debug level.\n"
		"\n"
		"Exit status: 0 success (serve: stopped by a signal or by vpcd), 1 failure,\n"
		"2 usage error.\n"
		"\n"
		"Examples:\n"
		"  yinian card new --uid 04112233445566 --out card.bin\n"
		"  yinian card serve --state card.bin &\n"
		"  yinian reader probe --reader 'pcsc:Virtual PCD 00 00'\n"
		"  yinian reader apdu --reader emu:card.bin 9060000000\n");
}

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static int card_new(const char *uid_hex, const char *out, const char *sig_key)
{
	uint8_t uid[16];
	size_t n = 0;
	int e;

	if (yn_hex_decode(uid_hex, uid, sizeof(uid), &n) != 0 || (n != 4 && n != 7 && n != 10)) {
		fprintf(stderr, "yinian card new: --uid must be 4, 7 or 10 bytes of hex\n");
		return 2;
	}
	if ((e = yn_emu_create_file_signed(out, uid, n, sig_key)) != 0) {
		fprintf(stderr, "yinian card new: cannot create %s: %s\n", out, yn_strerror(e));
		return 1;
	}
	printf("blank card %s written to %s\n", uid_hex, out);
	return 0;
}

/* Serve a loaded card on vpcd; the loop of `card serve`.  Other front ends
 * (a PN532 emulator) get their own function taking the same card. */
static int serve_vpcd(struct yn_emu *card, const char *addr)
{
	char host[256];
	uint16_t port;
	int e;

	if (yn_vpcd_parse_addr(addr, host, sizeof(host), &port) != 0) {
		fprintf(stderr, "yinian card serve: bad --vpcd '%s' (want HOST:PORT)\n", addr);
		return 2;
	}
	if ((e = yn_vpcd_serve(card, host, port, &stop_flag)) != 0) {
		fprintf(stderr, "yinian card serve: %s\n", yn_strerror(e));
		return 1;
	}
	return 0;
}

/* Serve a loaded card behind the emulated PN532 (card/emu/pn532_emu.h). */
static int serve_pn532(struct yn_emu *card, const char *path)
{
	int e;

	if ((e = yn_pn532_serve_emu(card, path, &stop_flag)) != 0) {
		fprintf(stderr, "yinian card serve: --pn532 %s: %s\n", path, yn_strerror(e));
		return 1;
	}
	return 0;
}

static int card_serve(const char *state, const char *vpcd, const char *pn532)
{
	struct sigaction sa;
	struct yn_emu *card = NULL;
	int e, rc;

	if (getenv("YN_LOG_LEVEL") == NULL)
		yn_log_set_level(YN_LOG_INFO);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;	/* no SA_RESTART: blocking calls return */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if ((e = yn_emu_load(state, &card)) != 0) {
		fprintf(stderr, "yinian card serve: cannot load %s: %s\n", state, yn_strerror(e));
		return 1;
	}
	yn_info("card serve: card %s loaded", state);
	rc = pn532 != NULL ? serve_pn532(card, pn532) : serve_vpcd(card, vpcd);
	yn_emu_free(card);
	return rc;
}

int yn_cmd_card(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "uid", required_argument, NULL, 'u' },
		{ "out", required_argument, NULL, 'o' },
		{ "sig-key", required_argument, NULL, 'k' },
		{ "state", required_argument, NULL, 's' },
		{ "vpcd", required_argument, NULL, 'v' },
		{ "pn532", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *uid = NULL, *out = NULL, *sig_key = NULL, *state = NULL, *vpcd = NULL;
	const char *pn532 = NULL;
	const char *verb;
	int c;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	verb = argv[1];
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "u:o:k:s:v:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'u': uid = optarg; break;
		case 'o': out = optarg; break;
		case 'k': sig_key = optarg; break;
		case 's': state = optarg; break;
		case 'v': vpcd = optarg; break;
		case 'p': pn532 = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "yinian card: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (strcmp(verb, "new") == 0) {
		if (uid == NULL || out == NULL || state != NULL || vpcd != NULL || pn532 != NULL) {
			fprintf(stderr, "yinian card new: needs --uid and --out (see --help)\n");
			return 2;
		}
		return card_new(uid, out, sig_key);
	}
	if (strcmp(verb, "serve") == 0) {
		if (state == NULL || uid != NULL || out != NULL || sig_key != NULL) {
			fprintf(stderr, "yinian card serve: needs --state (see --help)\n");
			return 2;
		}
		if (vpcd != NULL && pn532 != NULL) {
			fprintf(stderr, "yinian card serve: --vpcd or --pn532, not both\n");
			return 2;
		}
		return card_serve(state, vpcd != NULL ? vpcd : "127.0.0.1:35963", pn532);
	}
	fprintf(stderr, "yinian card: unknown action '%s' (new or serve)\n", verb);
	return 2;
}
