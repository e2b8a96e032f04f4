/*
 * yinian keys: make a key set and hand each deployment role its part
 * (docs/keys.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/bytes.h"
#include "base/err.h"
#include "card/keyset.h"
#include "card/yinian_app.h"
#include "crypto/crypto.h"
#include "tools/cmds.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: yinian keys generate --out DIR [--system-id HEX]\n"
		"       yinian keys export --role ROLE --keys DIR --out DIR2\n"
		"       yinian keys check --role ROLE --keys DIR\n"
		"\n"
		"generate  write a complete new key set into DIR (created mode 0700):\n"
		"          the five AES master keys (application master, read, trip write,\n"
		"          benefit debit, credit), the issuer and denylist ECDSA P-256 key\n"
		"          pairs and the system identifier (16 random bytes unless\n"
		"          --system-id gives 32 hex digits).\n"
		"export    copy the files ROLE needs from the set in DIR into DIR2:\n"
		"            gate        read + trip write + public keys\n"
		"            canteen     read + benefit debit + public keys\n"
		"            service     read + benefit debit + public keys\n"
		"            desk        every AES master + issuer private key + public keys\n"
		"            backoffice  denylist private key + public keys\n"
		"check     load DIR as ROLE would and print what it holds.\n"
		"\n"
		"Secret files are mode 0600; a secret readable by group or others is\n"
		"refused when loaded.  File layout: docs/keys.md.\n");
}

static int parse_role(const char *s, enum yn_keyrole *role)
{
	if (s == NULL || yn_keyrole_parse(s, role) != 0 || *role == YN_KEYROLE_ALL) {
		fprintf(stderr, "yinian keys: --role must be gate, canteen, service, desk or "
				"backoffice\n");
		return -1;
	}
	return 0;
}

static int do_check(const char *dir, enum yn_keyrole role)
{
	struct yn_keyset ks;
	uint8_t id[YN_KEYID_LEN];
	char hex[2 * YN_SYSID_LEN + 1];
	unsigned i;
	int r;

	if ((r = yn_keyset_load(dir, role, &ks)) != 0) {
		fprintf(stderr, "yinian keys: %s\n", ks.err);
		return 1;
	}
	printf("role %s\n", yn_keyrole_name(role));
	if (role != YN_KEYROLE_BACKOFFICE) {
		yn_hex_encode(ks.sysid, sizeof(ks.sysid), hex, sizeof(hex));
		printf("system-id %s\n", hex);
	}
	for (i = 0; i < YN_APP_NKEYS; i++)
		if (ks.master[i] != NULL)
			printf("aes-master %u %s\n", i, yn_keyset_aes_file(i));
	if (ks.issuer_pub != NULL && yn_pubkey_id(ks.issuer_pub, id) == 0) {
		yn_hex_encode(id, sizeof(id), hex, sizeof(hex));
		printf("issuer key id %s%s\n", hex, ks.issuer_priv ? " (with private key)" : "");
	}
	for (i = 0; i < ks.n_issuer_old; i++)
		if (yn_pubkey_id(ks.issuer_old[i], id) == 0) {
			yn_hex_encode(id, sizeof(id), hex, sizeof(hex));
			printf("earlier issuer key id %s (still trusted)\n", hex);
		}
	if (ks.denylist_pub != NULL && yn_pubkey_id(ks.denylist_pub, id) == 0) {
		yn_hex_encode(id, sizeof(id), hex, sizeof(hex));
		printf("denylist key id %s%s\n", hex, ks.denylist_priv ? " (with private key)" : "");
	}
	yn_keyset_free(&ks);
	return 0;
}

int yn_cmd_keys(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "out", required_argument, NULL, 'o' },
		{ "keys", required_argument, NULL, 'k' },
		{ "role", required_argument, NULL, 'r' },
		{ "system-id", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *out = NULL, *keys = NULL, *role_s = NULL, *sysid_s = NULL, *verb;
	uint8_t sysid[YN_SYSID_LEN];
	char err[512];
	enum yn_keyrole role = YN_KEYROLE_ALL;
	size_t n = 0;
	int c, r;

	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	verb = argv[1];
	argc--;
	argv++;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:k:r:s:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o': out = optarg; break;
		case 'k': keys = optarg; break;
		case 'r': role_s = optarg; break;
		case 's': sysid_s = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (strcmp(verb, "generate") == 0) {
		if (out == NULL || keys != NULL || role_s != NULL) {
			usage(stderr);
			return 2;
		}
		if (sysid_s != NULL && (yn_hex_decode(sysid_s, sysid, sizeof(sysid), &n) != 0 ||
					n != sizeof(sysid))) {
			fprintf(stderr, "yinian keys: --system-id must be 32 hex digits\n");
			return 2;
		}
		umask(077);
		r = yn_keyset_generate(out, sysid_s ? sysid : NULL, err, sizeof(err));
		if (r != 0) {
			fprintf(stderr, "yinian keys: %s\n", err[0] ? err : yn_strerror(r));
			return 1;
		}
		printf("key set written to %s\n", out);
		return do_check(out, YN_KEYROLE_ALL);
	}
	if (strcmp(verb, "export") == 0) {
		if (out == NULL || keys == NULL || sysid_s != NULL) {
			usage(stderr);
			return 2;
		}
		if (parse_role(role_s, &role) != 0)
			return 2;
		umask(077);
		if ((r = yn_keyset_export(keys, role, out, err, sizeof(err))) != 0) {
			fprintf(stderr, "yinian keys: %s\n", err[0] ? err : yn_strerror(r));
			return 1;
		}
		printf("%s keys written to %s\n", yn_keyrole_name(role), out);
		return do_check(out, role);
	}
	if (strcmp(verb, "check") == 0) {
		if (keys == NULL || out != NULL || sysid_s != NULL) {
			usage(stderr);
			return 2;
		}
		if (parse_role(role_s, &role) != 0)
			return 2;
		return do_check(keys, role);
	}
	usage(stderr);
	return 2;
}
