/*
 * yinian: the tool for issuance desks and the back office.
 */
#include <stdio.h>
#include <string.h>

#include "base/log.h"
#include "tools/cmds.h"

#define YN_VERSION "0.1.0"

struct subcmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct subcmd subcmds[] = {
	{ "reader", yn_cmd_reader, "list readers, probe a card, send raw APDUs" },
	{ "journal", yn_cmd_journal, "show, verify, export or recover a decision journal" },
	{ "denylist", yn_cmd_denylist, "build, sign, diff, apply, verify and show denylists" },
	{ "card", yn_cmd_card, "make and serve software DESFire EV2 cards" },
	{ "tap", yn_cmd_tap, "run one tap on the daemon's code path and print the decision" },
	{ "policy", yn_cmd_policy, "check an entitlement policy file and explain it" },
	{ "selftest", yn_cmd_selftest, "run the cryptographic known-answer tests" },
	{ "keys", yn_cmd_keys, "generate a key set, export a role's keys, check a key directory" },
	{ "issue", yn_cmd_issue, "personalise blank cards for holders (one, or a CSV batch)" },
	{ "inspect", yn_cmd_inspect, "show a card's holder, signature, vouchers, benefits, trips" },
	{ "replace", yn_cmd_replace, "issue a new card for a lost card and denylist the old serial" },
};

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"usage: yinian COMMAND [ARGS...]\n"
		"\n"
		"The Yinian elderly card (頤年卡) tool for issuance desks and the back office.\n"
		"\n"
		"Commands:\n");
	for (i = 0; i < sizeof(subcmds) / sizeof(subcmds[0]); i++)
		fprintf(f, "  %-10s %s\n", subcmds[i].name, subcmds[i].summary);
	fprintf(f,
		"\n"
		"Run 'yinian COMMAND --help' for a command's options.\n"
		"\n"
		"Reader URIs: pcsc:NAME (pcsc: = first PC/SC reader), nfc:CONNSTRING (libnfc),\n"
		"emu:STATEFILE (the software DESFire card, in-process).\n"
		"\n"
		"Environment: YN_LOG_LEVEL=err|warn|notice|info|debug (default notice).\n"
		"Exit status: 0 success, 1 failure, 2 usage error.\n");
}

int main(int argc, char **argv)
{
	size_t i;

	yn_log_set_ident("yinian");
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("yinian %s\n", YN_VERSION);
		return 0;
	}
	for (i = 0; i < sizeof(subcmds) / sizeof(subcmds[0]); i++)
		if (strcmp(argv[1], subcmds[i].name) == 0)
			return subcmds[i].run(argc - 1, argv + 1);
	fprintf(stderr, "yinian: unknown command '%s' (see 'yinian --help')\n", argv[1]);
	return 2;
}
