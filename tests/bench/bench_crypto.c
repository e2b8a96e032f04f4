/*
 * bench_crypto: nanoseconds per operation of the crypto on a tap's path.
 *
 *   build/bench/bench_crypto [--runs N] [--json FILE]
 *
 * Each row is timed over N runs (default 9) of enough iterations to last
 * about 20 ms; the table shows the median run, and the fastest and slowest
 * runs.  A table, not a test: nothing here passes or fails, except that a
 * primitive returning an error stops the program with status 1.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/clock.h"
#include "base/err.h"
#include "base/bytes.h"
#include "crypto/crypto.h"

#define MAX_RUNS 101

static uint8_t key[16], msg[64];
static uint8_t rnda[16], rndb[16];
static uint8_t ti[4] = { 0x9D, 0x00, 0xC4, 0xDF };
static struct yn_ev2_keys ses;
static uint8_t read_ct[80], read_mact[8];
static size_t read_ct_len;
static struct yn_pubkey *pub;
static struct yn_privkey *priv;
static uint8_t sig[64];
/* ReadSig check: the AN12196 §8.2 key, UID and signature (desfire.md §8). */
static struct yn_p224_pubkey *orig_pub;
static uint8_t orig_uid[7] = { 0x04, 0x51, 0x8D, 0xFA, 0xA9, 0x61, 0x80 };
static uint8_t orig_sig[56];
static volatile uint8_t sink;

static void must(int r, const char *what)
{
	if (r != 0) {
		fprintf(stderr, "bench_crypto: %s: %s\n", what, yn_strerror(r));
		exit(1);
	}
}

static void op_cmac32(void)
{
	uint8_t mac[16];

	must(yn_aes_cmac(key, msg, 32, mac), "CMAC");
	sink ^= mac[0];
}

/* AuthenticateEV2First, both sides' crypto: the card encrypts RndB; the
 * terminal decrypts it, rotates it and encrypts RndA || RndB'; the card
 * decrypts that, checks RndB', encrypts TI || RndA' || caps and derives
 * the session keys; the terminal decrypts, checks RndA' and derives the
 * same keys.  Randoms are fixed so that only the crypto is timed. */
static void op_ev2_auth(void)
{
	uint8_t iv[16], erb[16], b[16], f3[32], p3[32], f4[32], p4[32], rot[16];
	struct yn_ev2_keys pcd, picc;

	/* PICC: E(K, RndB) */
	memset(iv, 0, 16);
	must(yn_aes128_cbc_encrypt(key, iv, rndb, erb, 16), "auth 2");
	/* PCD */
	memset(iv, 0, 16);
	must(yn_aes128_cbc_decrypt(key, iv, erb, b, 16), "auth 2 dec");
	memcpy(f3, rnda, 16);
	yn_desfire_rotl1(b, f3 + 16);
	memset(iv, 0, 16);
	must(yn_aes128_cbc_encrypt(key, iv, f3, f3, 32), "auth 3");
	/* PICC */
	memset(iv, 0, 16);
	must(yn_aes128_cbc_decrypt(key, iv, f3, p3, 32), "auth 3 dec");
	yn_desfire_rotl1(rndb, rot);
	if (!yn_ct_equal(rot, p3 + 16, 16))
		must(YN_EBADMAC, "RndB'");
	memcpy(p4, ti, 4);
	yn_desfire_rotl1(p3, p4 + 4);
	memset(p4 + 20, 0, 12);
	memset(iv, 0, 16);
	must(yn_aes128_cbc_encrypt(key, iv, p4, f4, 32), "auth 4");
	must(yn_ev2_session_keys(key, p3, rndb, &picc), "PICC keys");
	/* PCD */
	memset(iv, 0, 16);
	must(yn_aes128_cbc_decrypt(key, iv, f4, p4, 32), "auth 4 dec");
	yn_desfire_rotl1(rnda, rot);
	if (!yn_ct_equal(rot, p4 + 4, 16))
		must(YN_EBADMAC, "RndA'");
	must(yn_ev2_session_keys(key, rnda, b, &pcd), "PCD keys");
	sink ^= pcd.enc[0] ^ picc.mac[0];
	yn_cleanse(&pcd, sizeof(pcd));
	yn_cleanse(&picc, sizeof(picc));
}

/* The terminal's side of a Full-mode 64-byte read response: IVr, MACt
 * check (constant time), decryption and padding removal. */
static void op_full_read64(void)
{
	uint8_t iv[16], t[8], plain[80];
	size_t n;

	must(yn_ev2_mac_resp(ses.mac, 0x00, 2, ti, read_ct, read_ct_len, t), "MACt");
	if (!yn_ct_equal(t, read_mact, 8))
		must(YN_EBADMAC, "MACt");
	must(yn_ev2_iv_resp(ses.enc, ti, 2, iv), "IVr");
	must(yn_ev2_decrypt(ses.enc, iv, read_ct, read_ct_len, plain, sizeof(plain), &n),
	     "decrypt");
	sink ^= plain[0];
}

static void op_an10922(void)
{
	uint8_t out[16];

	must(yn_an10922_aes128(key, msg, 17, out), "AN10922");
	sink ^= out[0];
}

static void op_ecdsa_verify(void)
{
	must(yn_ecdsa_verify(pub, msg, sizeof(msg), sig), "ECDSA verify");
}

static void op_ecdsa_sign(void)
{
	uint8_t s[64];

	must(yn_ecdsa_sign(priv, msg, sizeof(msg), s), "ECDSA sign");
	sink ^= s[0];
}

static void op_p224_verify(void)
{
	must(yn_p224_verify_raw(orig_pub, orig_uid, sizeof(orig_uid), orig_sig),
	     "secp224r1 verify");
}

static void op_sha256_64(void)
{
	uint8_t d[32];

	must(yn_sha256(msg, sizeof(msg), d), "SHA-256");
	sink ^= d[0];
}

static void op_random16(void)
{
	uint8_t r[16];

	must(yn_random(r, sizeof(r)), "random");
	sink ^= r[0];
}

static const struct bench {
	const char *id;
	const char *what;
	void (*op)(void);
} benches[] = {
	{ "cmac_32", "AES-CMAC of 32 bytes", op_cmac32 },
	{ "ev2_auth_both_sides", "EV2 authentication crypto, PCD + PICC", op_ev2_auth },
	{ "ev2_full_read_64", "Full-mode 64-byte read: IVr, MACt, decrypt", op_full_read64 },
	{ "an10922_17", "AN10922 diversification, 17-byte input", op_an10922 },
	{ "ecdsa_p256_verify", "ECDSA P-256 verify (SHA-256 of 64 bytes)", op_ecdsa_verify },
	{ "ecdsa_p256_sign", "ECDSA P-256 sign (SHA-256 of 64 bytes)", op_ecdsa_sign },
	{ "ecdsa_p224_verify_uid", "secp224r1 verify of a UID (ReadSig)", op_p224_verify },
	{ "sha256_64", "SHA-256 of 64 bytes", op_sha256_64 },
	{ "random_16", "16 random bytes (RAND_bytes)", op_random16 },
};

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

struct result {
	double median, min, max;
	uint64_t iters;
};

static struct result measure(void (*op)(void), int runs)
{
	uint64_t iters = 1, t0, dt, ns[MAX_RUNS];
	struct result res;
	uint64_t i;
	int k;

	/* Warm up (thread contexts, caches), then size a run to ~20 ms. */
	for (i = 0; i < 3; i++)
		op();
	for (;;) {
		t0 = yn_now_ns();
		for (i = 0; i < iters; i++)
			op();
		dt = yn_now_ns() - t0;
		if (dt >= 20 * YN_NS_PER_MS || iters >= (1ull << 30))
			break;
		iters = dt < 1000 ? iters * 16 :
			iters * 20 * YN_NS_PER_MS / dt + 1;
	}
	for (k = 0; k < runs; k++) {
		t0 = yn_now_ns();
		for (i = 0; i < iters; i++)
			op();
		ns[k] = yn_now_ns() - t0;
	}
	qsort(ns, (size_t)runs, sizeof(ns[0]), cmp_u64);
	res.iters = iters;
	res.median = (double)ns[runs / 2] / (double)iters;
	res.min = (double)ns[0] / (double)iters;
	res.max = (double)ns[runs - 1] / (double)iters;
	return res;
}

static void setup(void)
{
	static const char m[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	uint8_t plain[64], iv[16];
	struct yn_pubkey *p = NULL;

	must(yn_crypto_init(), "init");
	memcpy(msg, m, 64);
	must(yn_random(key, 16), "random");
	must(yn_random(rnda, 16), "random");
	must(yn_random(rndb, 16), "random");
	must(yn_ev2_session_keys(key, rnda, rndb, &ses), "session keys");
	memset(plain, 0x5A, sizeof(plain));
	must(yn_ev2_iv_resp(ses.enc, ti, 2, iv), "IVr");
	must(yn_ev2_encrypt(ses.enc, iv, plain, 64, read_ct, sizeof(read_ct), &read_ct_len),
	     "encrypt");
	must(yn_ev2_mac_resp(ses.mac, 0x00, 2, ti, read_ct, read_ct_len, read_mact), "MACt");
	/* A key pair in a private temporary directory. */
	{
		char dir[] = "/tmp/yn-bench.XXXXXX", a[64], b[64];

		if (mkdtemp(dir) == NULL) {
			fprintf(stderr, "bench_crypto: mkdtemp: %s\n", strerror(errno));
			exit(1);
		}
		snprintf(a, sizeof(a), "%s/k.pem", dir);
		snprintf(b, sizeof(b), "%s/k.pub", dir);
		must(yn_keygen_p256(a, b), "keygen");
		must(yn_privkey_load(a, &priv), "load private key");
		must(yn_pubkey_load(b, &p), "load public key");
		unlink(a);
		unlink(b);
		rmdir(dir);
	}
	pub = p;
	must(yn_ecdsa_sign(priv, msg, sizeof(msg), sig), "sign");
	{
		uint8_t raw[57];
		size_t n = 0;

		must(yn_hex_decode("048A9B380AF2EE1B98DC417FECC263F8449C7625CECE82D9B916C992DA209D6842"
				   "2B81EC20B65A66B5102A61596AF3379200599316A00A1410", raw,
				   sizeof(raw), &n), "hex");
		must(yn_hex_decode("D1940D17CFEDA4BFF80359AB975F9F6514313E8F90C1D3CAAF5941AD744A1CDF"
				   "9A83F883CAFE0FE95D1939B1B7E47113993324473B785D21", orig_sig,
				   sizeof(orig_sig), &n), "hex");
		must(yn_p224_pubkey_from_raw(raw, &orig_pub), "secp224r1 key");
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "runs", required_argument, NULL, 'r' },
		{ "json", required_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *json_path = NULL;
	json_t *root, *rows;
	int c, runs = 9;
	size_t i;

	while ((c = getopt_long(argc, argv, "r:j:h", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			runs = atoi(optarg);
			if (runs < 1 || runs > MAX_RUNS) {
				fprintf(stderr, "bench_crypto: --runs takes 1..%d\n", MAX_RUNS);
				return 2;
			}
			break;
		case 'j': json_path = optarg; break;
		case 'h':
			printf("usage: bench_crypto [--runs N] [--json FILE]\n");
			return 0;
		default:
			fprintf(stderr, "usage: bench_crypto [--runs N] [--json FILE]\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "usage: bench_crypto [--runs N] [--json FILE]\n");
		return 2;
	}
	setup();
	rows = json_array();
	root = json_pack("{s:s, s:i, s:o}", "bench", "crypto", "runs", runs, "results", rows);
	if (root == NULL) {
		fprintf(stderr, "bench_crypto: out of memory\n");
		return 1;
	}
	printf("%-45s %12s %12s %12s %10s\n", "crypto operation", "ns/op", "min", "max",
	       "iters/run");
	for (i = 0; i < sizeof(benches) / sizeof(benches[0]); i++) {
		struct result res = measure(benches[i].op, runs);

		printf("%-45s %12.0f %12.0f %12.0f %10llu\n", benches[i].what, res.median, res.min,
		       res.max, (unsigned long long)res.iters);
		fflush(stdout);
		json_array_append_new(rows, json_pack("{s:s, s:s, s:f, s:f, s:f, s:I}",
						      "id", benches[i].id,
						      "what", benches[i].what,
						      "ns_per_op", res.median,
						      "ns_min", res.min, "ns_max", res.max,
						      "iterations_per_run",
						      (json_int_t)res.iters));
	}
	printf("(median of %d runs; each run ~20 ms)\n", runs);
	if (json_path != NULL &&
	    json_dump_file(root, json_path, JSON_INDENT(2) | JSON_SORT_KEYS) != 0) {
		fprintf(stderr, "bench_crypto: cannot write %s\n", json_path);
		json_decref(root);
		return 1;
	}
	json_decref(root);
	yn_pubkey_free(pub);
	yn_privkey_free(priv);
	yn_p224_pubkey_free(orig_pub);
	yn_cleanse(&ses, sizeof(ses));
	return 0;
}
