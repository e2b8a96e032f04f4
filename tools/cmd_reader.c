/*
 * yinian reader: probe a reader and its card, send raw APDUs.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "base/err.h"
#include "reader/reader.h"
#include "tools/cmds.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: yinian reader probe --reader URI [--timeout MS]\n"
		"       yinian reader apdu --reader URI [--timeout MS] HEX...\n"
		"\n"
		"probe  wait for a card on the reader and print its UID and ATR.\n"
		"apdu   wait for a card, send each HEX command APDU in turn and print\n"
		"       the response (data and status word).\n"
		"\n"
		"Options:\n"
		"  -r, --reader URI   pcsc:NAME, pcsc: (first reader), nfc:..., emu:FILE\n"
		"  -t, --timeout MS   how long to wait for a card (default 10000)\n"
		"  -h, --help         this text\n");
}

int yn_cmd_reader(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "reader", required_argument, NULL, 'r' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *uri = NULL, *verb;
	long timeout = 10000;
	struct yn_reader *rd = NULL;
	struct yn_card_info info;
	char hex[2 * YN_ATR_MAX + 1];
	int c, e, i, rc = 1;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	verb = argv[1];
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:t:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r': uri = optarg; break;
		case 't': timeout = strtol(optarg, NULL, 10); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (uri == NULL || timeout <= 0 ||
	    (strcmp(verb, "probe") != 0 && strcmp(verb, "apdu") != 0)) {
		usage(stderr);
		return 2;
	}
	if ((e = yn_reader_open(uri, &rd)) != 0) {
		fprintf(stderr, "yinian: cannot open reader %s: %s\n", uri, yn_strerror(e));
		return 1;
	}
	if ((e = yn_reader_wait_card(rd, yn_deadline_in_ms((uint64_t)timeout))) != 0) {
		fprintf(stderr, "yinian: no card on %s: %s\n", uri, yn_strerror(e));
		goto out;
	}
	if ((e = yn_reader_card_info(rd, &info)) != 0) {
		fprintf(stderr, "yinian: %s\n", yn_strerror(e));
		goto out;
	}
	yn_hex_encode(info.uid, info.uid_len, hex, sizeof(hex));
	printf("uid %s\n", info.uid_len ? hex : "(unknown)");
	yn_hex_encode(info.atr, info.atr_len, hex, sizeof(hex));
	printf("atr %s\n", hex);
	for (i = optind; strcmp(verb, "apdu") == 0 && i < argc; i++) {
		static uint8_t cmd[YN_RAPDU_MAX], resp[YN_RAPDU_MAX];
		static char out[2 * YN_RAPDU_MAX + 1];
		size_t n = 0, m = 0;

		if (yn_hex_decode(argv[i], cmd, sizeof(cmd), &n) != 0 || n < 4) {
			fprintf(stderr, "yinian: not a command APDU in hex: %s\n", argv[i]);
			rc = 2;
			goto out;
		}
		e = yn_reader_transmit(rd, cmd, n, resp, sizeof(resp), &m,
				       yn_deadline_in_ms((uint64_t)timeout));
		if (e != 0) {
			fprintf(stderr, "yinian: transmit failed: %s\n", yn_strerror(e));
			goto out;
		}
		yn_hex_encode(resp, m, out, sizeof(out));
		printf("> %s\n< %s\n", argv[i], out);
	}
	rc = 0;
out:
	yn_reader_close(rd);
	return rc;
}
