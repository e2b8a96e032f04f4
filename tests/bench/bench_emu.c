/*
 * bench_emu: what the software card costs per tap, in-process.
 *
 * One "tap" is the gate's path on a personalised card: power on,
 * SelectApplication, AuthenticateEV2First, ReadData of a 128-byte Full
 * file, Debit (Full), WriteRecord of 32 bytes (MAC), CommitTransaction
 * (MAC) -- 10 APDUs.  Run with the card in memory (no state file) and with
 * a state file (one atomic save, with fsync, per commit).
 *
 *   bench_emu [--json FILE] [TAPS]   (default 2000; a tenth of it with the
 *                                    state file; --json: also as JSON)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "base/bytes.h"
#include "base/clock.h"
#include "card/emu/emu.h"
#include "crypto/crypto.h"

static const uint8_t uid[7] = { 0x04, 0xBE, 0x4C, 0x11, 0x22, 0x33, 0x44 };
static const uint8_t key[16];

struct sess {
	struct yn_ev2_keys k;
	uint8_t ti[4];
	uint16_t ctr;
};

static json_t *rows;	/* --json */

static void die(const char *what)
{
	fprintf(stderr, "bench_emu: %s\n", what);
	exit(1);
}

/* One native command; returns the status, answer (all frames) in out. */
static uint8_t nx(struct yn_emu *c, uint8_t cmd, const uint8_t *d, size_t n, uint8_t *out,
		  size_t *out_len)
{
	uint8_t apdu[300], resp[300];
	size_t rn, an = 5, total = 0;

	apdu[0] = 0x90;
	apdu[1] = cmd;
	apdu[2] = apdu[3] = 0;
	apdu[4] = (uint8_t)n;
	if (n > 0) {
		memcpy(apdu + 5, d, n);
		apdu[5 + n] = 0;
		an = n + 6;
	}
	for (;;) {
		if (yn_emu_transmit(c, apdu, an, resp, sizeof(resp), &rn) != 0 || rn < 2)
			die("transmit failed");
		memcpy(out + total, resp, rn - 2);
		total += rn - 2;
		if (resp[rn - 1] != 0xAF || cmd == 0x71)
			break;
		apdu[1] = 0xAF;
		apdu[4] = 0;
		an = 5;
	}
	*out_len = total;
	return resp[rn - 1];
}

static void hexcmd(struct yn_emu *c, const char *hex)
{
	uint8_t b[64], r[64];
	size_t n, rn;

	if (yn_hex_decode(hex, b, sizeof(b), &n) != 0 ||
	    yn_emu_transmit(c, b, n, r, sizeof(r), &rn) != 0 || r[rn - 1] != 0x00)
		die(hex);
}

static void auth(struct yn_emu *c, uint8_t keyno, struct sess *s)
{
	uint8_t r[64], iv[16] = { 0 }, rndb[16], rnda[16], buf[32];
	uint8_t cmd[2] = { keyno, 0 };
	size_t n;

	if (nx(c, 0x71, cmd, 2, r, &n) != 0xAF)
		die("auth 1");
	yn_aes128_cbc_decrypt(key, iv, r, rndb, 16);
	memset(rnda, 0x5A, 16);
	memcpy(buf, rnda, 16);
	yn_desfire_rotl1(rndb, buf + 16);
	memset(iv, 0, 16);
	yn_aes128_cbc_encrypt(key, iv, buf, buf, 32);
	if (nx(c, 0xAF, buf, 32, r, &n) != 0x00)
		die("auth 2");
	memset(iv, 0, 16);
	yn_aes128_cbc_decrypt(key, iv, r, buf, 32);
	memcpy(s->ti, buf, 4);
	s->ctr = 0;
	yn_ev2_session_keys(key, rnda, rndb, &s->k);
}

/* EV2 command; mode 0 plain, 1 MAC, 3 Full; checks the answer's MAC. */
static void ev2(struct yn_emu *c, struct sess *s, uint8_t cmd, const uint8_t *hdr, size_t hl,
		const uint8_t *data, size_t dl, int mode)
{
	uint8_t body[300], iv[16], r[400], mac[8];
	size_t bl = hl, n = dl, rn;

	if (hl > 0)
		memcpy(body, hdr, hl);
	if (mode == 3 && dl > 0) {
		yn_ev2_iv_cmd(s->k.enc, s->ti, s->ctr, iv);
		yn_ev2_encrypt(s->k.enc, iv, data, dl, body + hl, sizeof(body) - hl, &n);
	} else if (dl > 0) {
		memcpy(body + hl, data, dl);
	}
	bl += n;
	yn_ev2_mac_cmd(s->k.mac, cmd, s->ctr, s->ti, hdr, hl, body + hl, n, body + bl);
	bl += 8;
	if (nx(c, cmd, body, bl, r, &rn) != 0x00 || rn < 8)
		die("EV2 command refused");
	yn_ev2_mac_resp(s->k.mac, 0x00, (uint16_t)(s->ctr + 1), s->ti, r, rn - 8, mac);
	if (!yn_ct_equal(mac, r + rn - 8, 8))
		die("bad response MAC");
	s->ctr++;
}

static void personalise(struct yn_emu *c)
{
	hexcmd(c, "90CA000005 010059 0F 85 00");
	hexcmd(c, "905A000003 010059 00");
	hexcmd(c, "90CD000007 01 03 1010 800000 00");
	hexcmd(c, "90CC000011 02 03 1010 00000000 10270000 10270000 01 00");
	hexcmd(c, "90C000000A 03 01 1010 200000 0A0000 00");
}

static void tap(struct yn_emu *c)
{
	static const uint8_t rd[7] = { 0x01, 0, 0, 0, 0x80, 0, 0 };
	static const uint8_t wr[7] = { 0x03, 0, 0, 0, 0x20, 0, 0 };
	static const uint8_t one[4] = { 1, 0, 0, 0 };
	uint8_t rec[32];
	struct sess s;

	memset(rec, 0x42, sizeof(rec));
	yn_emu_power_on(c);
	hexcmd(c, "905A000003 010059 00");
	auth(c, 1, &s);
	ev2(c, &s, 0xBD, rd, 7, NULL, 0, 3);
	ev2(c, &s, 0xDC, (const uint8_t *)"\x02", 1, one, 4, 3);
	ev2(c, &s, 0x3B, wr, 7, rec, sizeof(rec), 1);
	ev2(c, &s, 0xC7, NULL, 0, NULL, 0, 1);
	yn_emu_power_off(c);
}

static void run(const char *label, struct yn_emu *c, long taps)
{
	uint64_t t0 = yn_now_ns(), dt;
	long i;

	for (i = 0; i < taps; i++)
		tap(c);
	dt = yn_now_ns() - t0;
	printf("%-34s %8ld taps  %9.1f us/tap  %7.1f us/APDU\n", label, taps,
	       (double)dt / 1e3 / (double)taps, (double)dt / 1e3 / (double)taps / 10.0);
	json_array_append_new(rows, json_pack("{s:s, s:f, s:s, s:I}", "what", label, "value",
					      (double)dt / 1e3 / (double)taps, "unit", "us/tap",
					      "taps", (json_int_t)taps));
}

int main(int argc, char **argv)
{
	const char *json_path = argc > 2 && strcmp(argv[1], "--json") == 0 ? argv[2] : NULL;
	long taps;
	char dir[] = "/tmp/yn-bench-emu.XXXXXX", path[600];
	struct yn_emu *c = NULL;

	if (json_path != NULL) {
		argc -= 2;
		argv += 2;
	}
	taps = argc > 1 ? strtol(argv[1], NULL, 10) : 2000;
	rows = json_array();

	if (taps <= 0 || yn_crypto_init() != 0)
		die("usage: bench_emu [TAPS]");
	if (yn_emu_new_blank(uid, sizeof(uid), &c) != 0)
		die("new card");
	yn_emu_power_on(c);
	personalise(c);
	run("emu tap, card in memory", c, taps);
	yn_emu_free(c);

	if (mkdtemp(dir) == NULL)
		die("mkdtemp");
	snprintf(path, sizeof(path), "%s/card.bin", dir);
	if (yn_emu_create_file(path, uid, sizeof(uid)) != 0 || yn_emu_load(path, &c) != 0)
		die("state file");
	yn_emu_power_on(c);
	personalise(c);
	run("emu tap, state file (fsync)", c, taps / 10 > 0 ? taps / 10 : 1);
	yn_emu_free(c);
	unlink(path);
	rmdir(dir);
	if (json_path != NULL &&
	    json_dump_file(json_pack("{s:s, s:o}", "bench", "emu", "results", rows), json_path,
			   JSON_INDENT(2)) != 0)
		die("cannot write the JSON file");
	return 0;
}
