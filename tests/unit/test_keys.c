/*
 * Key directories (card/keyset.h) and `yinian keys`: what generate writes
 * and with which modes, what each role's export holds, refusals of missing
 * or exposed secrets naming the file, and the card keys a loaded set
 * derives (docs/card-format.md §8 worked example).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "base/bytes.h"
#include "base/err.h"
#include "card/holder.h"
#include "card/keyset.h"
#include "card/yinian_app.h"
#include "crypto/crypto.h"
#include "tests/lib/testlib.h"

struct fx {
	char *tmp;
	char full[512];	/* a generated full set */
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char err[512];

	if (fx == NULL || yn_crypto_init() != 0 || (fx->tmp = yn_test_tmpdir()) == NULL)
		return -1;
	snprintf(fx->full, sizeof(fx->full), "%s/full", fx->tmp);
	if (yn_keyset_generate(fx->full, NULL, err, sizeof(err)) != 0) {
		fprintf(stderr, "generate: %s\n", err);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;

	yn_test_rmtree(fx->tmp);
	free(fx->tmp);
	free(fx);
	return 0;
}

static mode_t mode_of(const char *dir, const char *name)
{
	char path[1024];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if (stat(path, &st) != 0)
		return (mode_t)-1;
	return st.st_mode & 07777;
}

/* The names in dir, sorted, joined by spaces. */
static void listing(const char *dir, char *out, size_t cap)
{
	struct dirent **ents = NULL;
	int n, i;

	out[0] = '\0';
	n = scandir(dir, &ents, NULL, alphasort);
	for (i = 0; i < n; i++) {
		if (ents[i]->d_name[0] != '.') {
			if (out[0] != '\0')
				strncat(out, " ", cap - strlen(out) - 1);
			strncat(out, ents[i]->d_name, cap - strlen(out) - 1);
		}
		free(ents[i]);
	}
	free(ents);
}

static void test_generate_writes_full_set_with_safe_modes(void **state)
{
	struct fx *fx = *state;
	static const char *const secrets[] = {
		"aes0-app-master.key", "aes1-read.key", "aes2-trip-write.key",
		"aes3-benefit-debit.key", "aes4-credit.key", "issuer.key", "denylist.key",
	};
	char names[1024];
	size_t i;

	assert_int_equal(mode_of(fx->tmp, "full"), 0700);
	for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		assert_int_equal(mode_of(fx->full, secrets[i]), 0600);
	assert_int_equal(mode_of(fx->full, "issuer.pub"), 0644);
	assert_int_equal(mode_of(fx->full, "denylist.pub"), 0644);
	assert_int_equal(mode_of(fx->full, "system-id"), 0644);
	listing(fx->full, names, sizeof(names));
	assert_string_equal(names, "aes0-app-master.key aes1-read.key aes2-trip-write.key "
				   "aes3-benefit-debit.key aes4-credit.key denylist.key "
				   "denylist.pub issuer.key issuer.pub system-id");
}

static void test_generate_keys_are_distinct_and_loadable(void **state)
{
	struct fx *fx = *state;
	struct yn_keyset ks;
	uint8_t k[YN_APP_NKEYS][16], id1[8], id2[8], zero[YN_SYSID_LEN] = { 0 };
	unsigned i, j;

	assert_int_equal(yn_keyset_load(fx->full, YN_KEYROLE_ALL, &ks), 0);
	for (i = 0; i < YN_APP_NKEYS; i++) {
		assert_non_null(ks.master[i]);
		assert_int_equal(yn_aeskey_bytes(ks.master[i], k[i]), 0);
		for (j = 0; j < i; j++)
			assert_memory_not_equal(k[i], k[j], 16);
	}
	assert_memory_not_equal(ks.sysid, zero, sizeof(zero));
	assert_non_null(ks.issuer_priv);
	assert_non_null(ks.denylist_priv);
	assert_int_equal(yn_pubkey_id(ks.issuer_pub, id1), 0);
	assert_int_equal(yn_pubkey_id(ks.denylist_pub, id2), 0);
	assert_memory_not_equal(id1, id2, 8);
	yn_cleanse(k, sizeof(k));
	yn_keyset_free(&ks);
}

static void test_generate_refuses_nonempty_dir(void **state)
{
	struct fx *fx = *state;
	char err[512] = "";

	assert_int_equal(yn_keyset_generate(fx->full, NULL, err, sizeof(err)), YN_EEXIST);
	assert_non_null(strstr(err, "not empty"));
	/* ... and left the existing set alone. */
	assert_int_equal(mode_of(fx->full, "issuer.key"), 0600);
}

static void test_generate_into_empty_dir_with_given_sysid(void **state)
{
	struct fx *fx = *state;
	uint8_t sysid[YN_SYSID_LEN];
	struct yn_keyset ks;
	char dir[600], err[512] = "";

	memcpy(sysid, "SZ-YINIAN-DEMO01", YN_SYSID_LEN);
	snprintf(dir, sizeof(dir), "%s/empty", fx->tmp);
	assert_int_equal(mkdir(dir, 0755), 0);
	assert_int_equal(yn_keyset_generate(dir, sysid, err, sizeof(err)), 0);
	assert_int_equal(mode_of(fx->tmp, "empty"), 0700);
	assert_int_equal(yn_keyset_load(dir, YN_KEYROLE_GATE, &ks), 0);
	assert_memory_equal(ks.sysid, sysid, YN_SYSID_LEN);
	yn_keyset_free(&ks);
}

struct role_case {
	enum yn_keyrole role;
	const char *files;
	const char *masters;	/* '1' where the role holds the master of key i */
};

static void test_export_each_role_gets_its_files(void **state)
{
	struct fx *fx = *state;
	static const struct role_case cases[] = {
		{ YN_KEYROLE_GATE, "aes1-read.key aes2-trip-write.key denylist.pub issuer.pub system-id",
		  "01100" },
		{ YN_KEYROLE_CANTEEN,
		  "aes1-read.key aes3-benefit-debit.key denylist.pub issuer.pub system-id", "01010" },
		{ YN_KEYROLE_SERVICE,
		  "aes1-read.key aes3-benefit-debit.key denylist.pub issuer.pub system-id", "01010" },
		{ YN_KEYROLE_DESK,
		  "aes0-app-master.key aes1-read.key aes2-trip-write.key aes3-benefit-debit.key "
		  "aes4-credit.key denylist.pub issuer.key issuer.pub system-id", "11111" },
		{ YN_KEYROLE_BACKOFFICE, "denylist.key denylist.pub issuer.pub", "00000" },
	};
	struct yn_keyset ks, all;
	char dst[600], names[1024], err[512];
	uint8_t a[16], b[16];
	size_t i;
	unsigned k;

	assert_int_equal(yn_keyset_load(fx->full, YN_KEYROLE_ALL, &all), 0);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(dst, sizeof(dst), "%s/export-%s", fx->tmp, yn_keyrole_name(cases[i].role));
		err[0] = '\0';
		assert_int_equal(yn_keyset_export(fx->full, cases[i].role, dst, err, sizeof(err)), 0);
		listing(dst, names, sizeof(names));
		assert_string_equal(names, cases[i].files);
		assert_int_equal(mode_of(fx->tmp, strrchr(dst, '/') + 1), 0700);
		assert_int_equal(yn_keyset_load(dst, cases[i].role, &ks), 0);
		for (k = 0; k < YN_APP_NKEYS; k++) {
			assert_int_equal(ks.master[k] != NULL, cases[i].masters[k] == '1');
			assert_int_equal(yn_keyrole_has_key(cases[i].role, k), cases[i].masters[k] == '1');
			if (ks.master[k] == NULL)
				continue;
			/* The very same key as in the full set. */
			assert_int_equal(yn_aeskey_bytes(ks.master[k], a), 0);
			assert_int_equal(yn_aeskey_bytes(all.master[k], b), 0);
			assert_memory_equal(a, b, 16);
			assert_int_equal(mode_of(dst, yn_keyset_aes_file(k)), 0600);
		}
		assert_int_equal(ks.issuer_priv != NULL, cases[i].role == YN_KEYROLE_DESK);
		assert_int_equal(ks.denylist_priv != NULL, cases[i].role == YN_KEYROLE_BACKOFFICE);
		assert_non_null(ks.issuer_pub);
		assert_non_null(ks.denylist_pub);
		/* Another role's secrets are not there. */
		if (cases[i].role != YN_KEYROLE_DESK) {
			struct yn_keyset desk;

			assert_int_equal(yn_keyset_load(dst, YN_KEYROLE_DESK, &desk), YN_ENOENT);
			assert_non_null(strstr(desk.err, dst));
		}
		yn_keyset_free(&ks);
	}
	yn_cleanse(a, sizeof(a));
	yn_cleanse(b, sizeof(b));
	yn_keyset_free(&all);
}

static void test_export_refuses_existing_target(void **state)
{
	struct fx *fx = *state;
	char err[512] = "";

	assert_int_equal(yn_keyset_export(fx->full, YN_KEYROLE_GATE, fx->full, err, sizeof(err)),
			 YN_EEXIST);
	assert_non_null(strstr(err, fx->full));
}

static void copy_set(const char *from, const char *to)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "cp -a '%s' '%s'", from, to);
	assert_int_equal(system(cmd), 0);
}

static void test_load_refuses_group_or_world_readable_secret(void **state)
{
	struct fx *fx = *state;
	static const char *const files[] = { "aes2-trip-write.key", "issuer.key" };
	static const mode_t modes[] = { 0644, 0640, 0604, 0620 };
	struct yn_keyset ks;
	char dir[600], path[700];
	size_t i, j;

	snprintf(dir, sizeof(dir), "%s/perm", fx->tmp);
	copy_set(fx->full, dir);
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		for (j = 0; j < sizeof(modes) / sizeof(modes[0]); j++) {
			assert_int_equal(chmod(path, modes[j]), 0);
			assert_int_equal(yn_keyset_load(dir, YN_KEYROLE_DESK, &ks), YN_EKEYPERM);
			assert_non_null(strstr(ks.err, path));
			assert_non_null(strstr(ks.err, "chmod 600"));
			assert_null(ks.master[0]);
			assert_null(ks.issuer_priv);
		}
		assert_int_equal(chmod(path, 0600), 0);
	}
	/* A gate does not hold the issuer key: its mode does not matter to it,
	 * but the trip-write key's does. */
	snprintf(path, sizeof(path), "%s/issuer.key", dir);
	assert_int_equal(chmod(path, 0644), 0);
	assert_int_equal(yn_keyset_load(dir, YN_KEYROLE_GATE, &ks), 0);
	yn_keyset_free(&ks);
	assert_int_equal(yn_keyset_load(dir, YN_KEYROLE_DESK, &ks), YN_EKEYPERM);
	assert_int_equal(chmod(path, 0600), 0);
	/* The directory itself. */
	assert_int_equal(chmod(dir, 0777), 0);
	assert_int_equal(yn_keyset_load(dir, YN_KEYROLE_GATE, &ks), YN_EKEYPERM);
	assert_non_null(strstr(ks.err, "chmod 700"));
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(yn_keyset_load(dir, YN_KEYROLE_GATE, &ks), 0);
	yn_keyset_free(&ks);
}

static void test_load_refuses_missing_or_bad_files_naming_them(void **state)
{
	struct fx *fx = *state;
	struct yn_keyset ks;
	char dir[600], path[700];
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/missing", fx->tmp);
	copy_set(fx->full, dir);
	snprintf(path, sizeof(path), "%s/aes3-benefit-debit.key", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(yn_keyset_load(dir, YN_KEYROLE_GATE, &ks), 0);	/* not a gate key */
	yn_keyset_free(&ks);
	assert_int_equal(yn_keyset_load(dir, YN_KEYROLE_CANTEEN, &ks), YN_ENOENT);
	assert_non_null(strstr(ks.err, path));
	assert_non_null(strstr(ks.err, "missing"));

	snprintf(path, sizeof(path), "%s/issuer.pub", dir);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(yn_keyset_load(dir, YN_KEYROLE_GATE, &ks), YN_ENOENT);
	assert_non_null(strstr(ks.err, path));

	snprintf(path, sizeof(path), "%s/system-id", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("00112233\n", f);
	fclose(f);
	assert_int_equal(yn_keyset_load(dir, YN_KEYROLE_GATE, &ks), YN_EBADKEY);
	assert_non_null(strstr(ks.err, path));

	assert_int_equal(yn_keyset_load("/nonexistent/keys", YN_KEYROLE_GATE, &ks), YN_ENOENT);
	assert_non_null(strstr(ks.err, "/nonexistent/keys"));
}

static void test_card_keys_from_loaded_set_match_worked_example(void **state)
{
	struct fx *fx = *state;
	static const char *const master[YN_APP_NKEYS] = {
		"A0A1A2A3A4A5A6A7A8A9AAABACADAEAF\n", "B0B1B2B3B4B5B6B7B8B9BABBBCBDBEBF\n",
		"C0C1C2C3C4C5C6C7C8C9CACBCCCDCECF\n", "D0D1D2D3D4D5D6D7D8D9DADBDCDDDEDF\n",
		"E0E1E2E3E4E5E6E7E8E9EAEBECEDEEEF\n",
	};
	static const char *const cardkey[YN_APP_NKEYS] = {
		"32F5B26B5BD3035A8D8CAF78F98B28FF", "DB71B7816400F4FBB5D62DF80C2E52F3",
		"B6DBCCDB36AAF5EDB54513B264D75328", "4AACC4CC5C8BA77F5E894E8FFAC063DC",
		"F9B5C2263DD706C4FDB9EB9B9882F82D",
	};
	struct yn_keyset ks;
	uint8_t uid[7], key[16], want[16];
	char dir[600], path[700];
	unsigned i;
	FILE *f;

	snprintf(dir, sizeof(dir), "%s/example", fx->tmp);
	copy_set(fx->full, dir);
	for (i = 0; i < YN_APP_NKEYS; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, yn_keyset_aes_file(i));
		f = fopen(path, "w");
		assert_non_null(f);
		fputs(master[i], f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/system-id", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("535A2D59494E49414E2D44454D4F3031\n", f);	/* "SZ-YINIAN-DEMO01" */
	fclose(f);
	yn_test_hex("041A2B3C4D5E80", uid, sizeof(uid));

	assert_int_equal(yn_keyset_load(dir, YN_KEYROLE_DESK, &ks), 0);
	for (i = 0; i < YN_APP_NKEYS; i++) {
		yn_test_hex(cardkey[i], want, sizeof(want));
		assert_int_equal(yn_keyset_card_key(&ks, i, uid, key), 0);
		assert_memory_equal(key, want, 16);
	}
	assert_int_equal(yn_keyset_card_key(&ks, YN_APP_NKEYS, uid, key), YN_EINVAL);
	yn_keyset_free(&ks);

	/* A gate derives keys 1 and 2 only. */
	assert_int_equal(yn_keyset_load(dir, YN_KEYROLE_GATE, &ks), 0);
	yn_test_hex(cardkey[2], want, sizeof(want));
	assert_int_equal(yn_keyset_card_key(&ks, YN_KEY_TRIP, uid, key), 0);
	assert_memory_equal(key, want, 16);
	assert_int_equal(yn_keyset_card_key(&ks, YN_KEY_DEBIT, uid, key), YN_EBADKEY);
	assert_int_equal(yn_keyset_card_key(&ks, YN_KEY_CREDIT, uid, key), YN_EBADKEY);
	for (i = 0; i < 16; i++)
		assert_int_equal(key[i], 0);
	yn_keyset_free(&ks);
}

static void test_desk_signs_and_gate_verifies(void **state)
{
	struct fx *fx = *state;
	struct yn_keyset desk, gate;
	struct yn_holder_trust trust;
	struct yn_holder h;
	char dir[600], err[512];

	snprintf(dir, sizeof(dir), "%s/gate2", fx->tmp);
	assert_int_equal(yn_keyset_export(fx->full, YN_KEYROLE_GATE, dir, err, sizeof(err)), 0);
	assert_int_equal(yn_keyset_load(fx->full, YN_KEYROLE_DESK, &desk), 0);
	assert_int_equal(yn_keyset_load(dir, YN_KEYROLE_GATE, &gate), 0);
	memset(&h, 0, sizeof(h));
	h.serial = 42;
	yn_test_hex("04112233445566", h.uid, sizeof(h.uid));
	h.birth = 19500101;
	h.residency = YN_HRES_TAIWAN;
	h.not_before = 20260101;
	h.not_after = 20301231;
	h.issued_at = 1767225600;
	assert_int_equal(yn_holder_sign(&h, desk.issuer_priv, NULL), 0);
	yn_holder_trust_init(&trust);
	assert_int_equal(yn_keyset_issuer_trust(&gate, &trust), 0);
	assert_int_equal(yn_holder_verify(&h, h.uid, &trust, NULL), 0);
	yn_holder_trust_free(&trust);
	yn_keyset_free(&desk);
	yn_keyset_free(&gate);
}

static void test_old_issuer_keys_stay_trusted_and_are_exported(void **state)
{
	struct fx *fx = *state;
	struct yn_keyset desk, gate;
	struct yn_privkey *old = NULL;
	struct yn_holder_trust trust;
	struct yn_holder h;
	char dir[600], gdir[600], priv[700], pub[700], err[512], names[1024];
	int i;

	snprintf(dir, sizeof(dir), "%s/rotated", fx->tmp);
	snprintf(gdir, sizeof(gdir), "%s/rotated-gate", fx->tmp);
	copy_set(fx->full, dir);
	/* The previous issuer key: its private half stays out of the set. */
	snprintf(priv, sizeof(priv), "%s/old-issuer.key", fx->tmp);
	snprintf(pub, sizeof(pub), "%s/issuer-2025.pub", dir);
	assert_int_equal(yn_keygen_p256(priv, pub), 0);
	assert_int_equal(yn_privkey_load(priv, &old), 0);
	assert_int_equal(yn_keyset_export(dir, YN_KEYROLE_GATE, gdir, err, sizeof(err)), 0);
	listing(gdir, names, sizeof(names));
	assert_string_equal(names, "aes1-read.key aes2-trip-write.key denylist.pub "
				   "issuer-2025.pub issuer.pub system-id");
	assert_int_equal(yn_keyset_load(gdir, YN_KEYROLE_GATE, &gate), 0);
	assert_int_equal(gate.n_issuer_old, 1);
	yn_holder_trust_init(&trust);
	assert_int_equal(yn_keyset_issuer_trust(&gate, &trust), 0);
	assert_int_equal(trust.n, 2);

	/* A card signed with the old key and one signed with the new key. */
	memset(&h, 0, sizeof(h));
	h.serial = 77;
	yn_test_hex("04010203040506", h.uid, sizeof(h.uid));
	h.birth = 19450505;
	h.residency = YN_HRES_MACAO;
	h.not_before = 20250101;
	h.not_after = 20291231;
	h.issued_at = 1735689600;
	assert_int_equal(yn_holder_sign(&h, old, NULL), 0);
	assert_int_equal(yn_holder_verify(&h, h.uid, &trust, NULL), 0);
	assert_int_equal(yn_keyset_load(dir, YN_KEYROLE_DESK, &desk), 0);
	assert_int_equal(yn_holder_sign(&h, desk.issuer_priv, NULL), 0);
	assert_int_equal(yn_holder_verify(&h, h.uid, &trust, NULL), 0);
	yn_keyset_free(&desk);
	yn_holder_trust_free(&trust);
	yn_keyset_free(&gate);
	yn_privkey_free(old);

	/* Too many old keys is refused, naming the directory. */
	for (i = 0; i < YN_KEYSET_OLD_ISSUERS; i++) {
		char cmd[2048];

		snprintf(cmd, sizeof(cmd), "cp '%s' '%s/issuer-x%02d.pub'", pub, gdir, i);
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(yn_keyset_load(gdir, YN_KEYROLE_GATE, &gate), YN_ENOSPC);
	assert_non_null(strstr(gate.err, gdir));
}

static int run(const char *args)
{
	char cmd[2048];
	const char *b = getenv("YN_BUILD");
	int st;

	snprintf(cmd, sizeof(cmd), "%s/yinian %s >/dev/null 2>&1", b ? b : "build", args);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void test_cli_generate_export_check(void **state)
{
	struct fx *fx = *state;
	char args[2048], dir[600], gate[600], names[1024];

	snprintf(dir, sizeof(dir), "%s/cli", fx->tmp);
	snprintf(gate, sizeof(gate), "%s/cli-gate", fx->tmp);
	snprintf(args, sizeof(args), "keys generate --out '%s'", dir);
	assert_int_equal(run(args), 0);
	assert_int_equal(mode_of(fx->tmp, "cli"), 0700);
	assert_int_equal(mode_of(dir, "aes4-credit.key"), 0600);
	assert_int_equal(mode_of(dir, "issuer.pub"), 0644);
	/* A second generate into the same place is refused. */
	assert_int_equal(run(args), 1);
	snprintf(args, sizeof(args), "keys export --role gate --keys '%s' --out '%s'", dir, gate);
	assert_int_equal(run(args), 0);
	listing(gate, names, sizeof(names));
	assert_string_equal(names,
			    "aes1-read.key aes2-trip-write.key denylist.pub issuer.pub system-id");
	snprintf(args, sizeof(args), "keys check --role gate --keys '%s'", gate);
	assert_int_equal(run(args), 0);
	snprintf(args, sizeof(args), "keys check --role desk --keys '%s'", gate);
	assert_int_equal(run(args), 1);
	snprintf(args, sizeof(args), "keys export --role tourist --keys '%s' --out '%s/x'", dir,
		 fx->tmp);
	assert_int_equal(run(args), 2);
	snprintf(args, sizeof(args), "keys generate --out '%s/y' --system-id 0011", fx->tmp);
	assert_int_equal(run(args), 2);
	assert_int_equal(run("keys"), 2);
}

static void test_role_names(void **state)
{
	enum yn_keyrole r = YN_KEYROLE_ALL;

	(void)state;
	assert_int_equal(yn_keyrole_parse("canteen", &r), 0);
	assert_int_equal(r, YN_KEYROLE_CANTEEN);
	assert_int_equal(yn_keyrole_parse("Gate", &r), YN_ENOENT);
	assert_string_equal(yn_keyrole_name(YN_KEYROLE_BACKOFFICE), "backoffice");
	assert_null(yn_keyrole_name((enum yn_keyrole)0));
	assert_null(yn_keyset_aes_file(5));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generate_writes_full_set_with_safe_modes),
		cmocka_unit_test(test_generate_keys_are_distinct_and_loadable),
		cmocka_unit_test(test_generate_refuses_nonempty_dir),
		cmocka_unit_test(test_generate_into_empty_dir_with_given_sysid),
		cmocka_unit_test(test_export_each_role_gets_its_files),
		cmocka_unit_test(test_export_refuses_existing_target),
		cmocka_unit_test(test_load_refuses_group_or_world_readable_secret),
		cmocka_unit_test(test_load_refuses_missing_or_bad_files_naming_them),
		cmocka_unit_test(test_card_keys_from_loaded_set_match_worked_example),
		cmocka_unit_test(test_desk_signs_and_gate_verifies),
		cmocka_unit_test(test_old_issuer_keys_stay_trusted_and_are_exported),
		cmocka_unit_test(test_cli_generate_export_check),
		cmocka_unit_test(test_role_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
