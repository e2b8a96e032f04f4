/*
 * The PN532 emulator's command interpreter, driven through its byte
 * interface (yn_pn532_input) with a test card.  Command and response
 * layouts: NXP UM0701-02 §7; the frames libnfc 1.8.0 sends are the ones
 * its pn53x.c builds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/err.h"
#include "card/emu/pn532.h"
#include "tests/lib/testlib.h"

struct testcard {
	int present;
	int field;
	unsigned activations;
	unsigned apdus;
	size_t resp_size;	/* 0: echo the APDU + 90 00; else that many bytes */
	uint8_t uid[10];
	size_t uid_len;
};

static int tc_activate(void *ctx, struct yn_pn532_target *t)
{
	static const uint8_t ats[] = { 0x06, 0x75, 0x77, 0x81, 0x02, 0x80 };
	struct testcard *c = ctx;

	if (!c->present)
		return YN_ENOCARD;
	c->activations++;
	t->atqa = 0x0344;
	t->sak = 0x20;
	memcpy(t->uid, c->uid, c->uid_len);
	t->uid_len = c->uid_len;
	memcpy(t->ats, ats, sizeof(ats));
	t->ats_len = sizeof(ats);
	return 0;
}

static int tc_transmit(void *ctx, const uint8_t *apdu, size_t len, uint8_t *resp, size_t cap,
		       size_t *resp_len)
{
	struct testcard *c = ctx;
	size_t n = c->resp_size ? c->resp_size : len + 2;

	if (!c->present)
		return YN_ECARDGONE;
	if (n > cap)
		return YN_ENOSPC;
	c->apdus++;
	memset(resp, 0xA5, n);
	if (!c->resp_size) {
		memcpy(resp, apdu, len);
		resp[len] = 0x90;
		resp[len + 1] = 0x00;
	}
	*resp_len = n;
	return 0;
}

static void tc_field(void *ctx, int on)
{
	((struct testcard *)ctx)->field = on;
}

struct fixture {
	struct testcard card;
	struct yn_pn532_card ops;
	struct yn_pn532 *pn;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	static const uint8_t uid[] = { 0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66 };

	if (fx == NULL)
		return -1;
	fx->card.present = 1;
	memcpy(fx->card.uid, uid, sizeof(uid));
	fx->card.uid_len = sizeof(uid);
	fx->ops.activate = tc_activate;
	fx->ops.transmit = tc_transmit;
	fx->ops.field = tc_field;
	fx->ops.ctx = &fx->card;
	if (yn_pn532_new(&fx->ops, &fx->pn) != 0)
		return -1;
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	yn_pn532_free(fx->pn);
	free(fx);
	return 0;
}

/* Send one command (hex of PD0..PDn) in a host frame.  Returns 1 and the
 * response data (after TFI D5) if the PN532 answered ACK + response, 0 if
 * it answered ACK + error frame; fails the test on anything else. */
static int cmd(struct fixture *fx, const char *hex, uint8_t *resp, size_t *resp_len)
{
	uint8_t data[300], wire[YN_PN532_FRAME_WIRE_MAX];
	uint8_t out[YN_PN532_OUT_CAP(sizeof(wire))];
	struct yn_pn532_frame f;
	size_t n, wire_len, out_len, used;

	n = yn_test_hex(hex, data, sizeof(data));
	assert_int_equal(yn_pn532_frame_build(0xD4, data, n, wire, sizeof(wire), &wire_len), 0);
	assert_int_equal(yn_pn532_input(fx->pn, wire, wire_len, out, sizeof(out), &out_len), 0);
	assert_true(out_len >= 6);
	assert_memory_equal(out, yn_pn532_ack, 6);
	assert_int_equal(yn_pn532_frame_parse(out + 6, out_len - 6, &f, &used), 0);
	assert_int_equal(6 + used + 1, out_len);	/* + postamble, nothing else */
	if (f.kind == YN_PN532_FRAME_ERROR)
		return 0;
	assert_int_equal(f.kind, YN_PN532_FRAME_INFO);
	assert_int_equal(f.tfi, 0xD5);
	assert_true(f.len >= 1);
	assert_int_equal(f.data[0], data[0] + 1);
	memcpy(resp, f.data, f.len);
	*resp_len = f.len;
	return 1;
}

/* Response must be exactly the hex given. */
static void expect(struct fixture *fx, const char *hex_cmd, const char *hex_resp)
{
	uint8_t resp[300], want[300];
	size_t n, want_len;

	want_len = yn_test_hex(hex_resp, want, sizeof(want));
	assert_int_equal(cmd(fx, hex_cmd, resp, &n), 1);
	assert_int_equal(n, want_len);
	assert_memory_equal(resp, want, n);
}

static void expect_error(struct fixture *fx, const char *hex_cmd)
{
	uint8_t resp[300];
	size_t n;

	assert_int_equal(cmd(fx, hex_cmd, resp, &n), 0);
}

static void test_pn532_firmware_version_is_pn532_v1_6(void **state)
{
	expect(*state, "02", "03 32 01 06 07");
}

static void test_pn532_diagnose_echoes_libnfc_probe(void **state)
{
	expect(*state, "00 00 6c 69 62 6e 66 63", "01 00 6c 69 62 6e 66 63");
	expect(*state, "00 01", "01 00");
	expect_error(*state, "00 07 01");	/* antenna test: not emulated */
}

static void test_pn532_unsupported_command_gets_error_frame(void **state)
{
	expect_error(*state, "8c 00");		/* TgInitAsTarget */
	expect_error(*state, "56 01 00 00");	/* InJumpForDEP */
	expect_error(*state, "03");		/* odd code: a response code */
	/* and the chip keeps working */
	expect(*state, "02", "03 32 01 06 07");
}

static void test_pn532_nack_resends_last_response(void **state)
{
	struct fixture *fx = *state;
	uint8_t resp[300], out[YN_PN532_OUT_CAP(6)];
	size_t n, out_len;

	assert_int_equal(cmd(fx, "02", resp, &n), 1);
	assert_int_equal(yn_pn532_input(fx->pn, yn_pn532_nack, 6, out, sizeof(out), &out_len), 0);
	/* No ACK before a resent response. */
	assert_int_equal(out_len, 13);
	assert_memory_equal(out, "\x00\x00\xff\x06\xfa\xd5\x03\x32\x01\x06\x07\xe8\x00", 13);
	/* An ACK from the host (abort) draws nothing. */
	assert_int_equal(yn_pn532_input(fx->pn, yn_pn532_ack, 6, out, sizeof(out), &out_len), 0);
	assert_int_equal(out_len, 0);
}

static void test_pn532_registers_roundtrip_and_reset_values(void **state)
{
	struct fixture *fx = *state;

	/* CIU_Control (initiator bit), BitFraming, CIU_TxMode after reset */
	expect(fx, "06 63 3c 63 3d 63 02", "07 10 00 00");
	expect(fx, "08 63 3d 07 63 02 80", "09");
	expect(fx, "06 63 3d 63 02", "07 07 80");
	expect_error(fx, "06 63");		/* half an address */
	expect_error(fx, "08 63 3d");		/* no value */
	expect_error(fx, "06");
}

static void test_pn532_rfconfiguration_items_checked(void **state)
{
	struct fixture *fx = *state;

	expect(fx, "32 01 01", "33");
	assert_int_equal(fx->card.field, 1);
	expect(fx, "32 01 00", "33");
	assert_int_equal(fx->card.field, 0);
	expect(fx, "32 02 00 0b 0a", "33");
	expect(fx, "32 04 00", "33");
	expect(fx, "32 05 ff 01 02", "33");
	expect(fx, "32 0a 59 f4 3f 11 4d 85 61 6f 26 62 87", "33");
	expect_error(fx, "32 05 ff 01");	/* MaxRetries takes 3 bytes */
	expect_error(fx, "32 01");
	expect_error(fx, "32 03 00");		/* no item 3 */
	expect(fx, "12 14", "13");		/* SetParameters */
	expect(fx, "14 01", "15");		/* SAMConfiguration normal */
	expect(fx, "14 01 00 00", "15");
	expect_error(fx, "14 05");
}

static void test_pn532_list_passive_target_reports_card(void **state)
{
	struct fixture *fx = *state;

	expect(fx, "12 14", "13");		/* auto ATR_RES + auto RATS, as libnfc */
	expect(fx, "4a 01 00",
	       "4b 01 01 03 44 20 07 04 11 22 33 44 55 66 06 75 77 81 02 80");
	assert_int_equal(fx->card.field, 1);
	assert_int_equal(fx->card.activations, 1);
	expect(fx, "04", "05 00 00 01 01 00 00 00 00");	/* GetGeneralStatus */
}

static void test_pn532_list_without_auto_rats_then_rats_thru(void **state)
{
	struct fixture *fx = *state;

	expect(fx, "12 04", "13");
	expect(fx, "4a 01 00", "4b 01 01 03 44 20 07 04 11 22 33 44 55 66");
	/* Not in ISO-DEP: an APDU meets silence */
	expect(fx, "40 01 00 a4 04 00", "41 01");
	/* RATS by hand */
	expect(fx, "42 e0 50", "43 00 06 75 77 81 02 80");
	expect(fx, "40 01 80 01 00 00", "41 00 80 01 00 00 90 00");
}

static void test_pn532_list_selects_by_uid(void **state)
{
	struct fixture *fx = *state;

	expect(fx, "12 14", "13");
	/* 7-byte UID with its cascade tag, as libnfc sends it */
	expect(fx, "4a 01 00 88 04 11 22 33 44 55 66",
	       "4b 01 01 03 44 20 07 04 11 22 33 44 55 66 06 75 77 81 02 80");
	expect(fx, "4a 01 00 88 04 11 22 33 44 55 67", "4b 00");
	expect(fx, "4a 01 00 04 11 22 33", "4b 00");
	expect_error(fx, "4a 01 00 87 04 11 22 33 44 55 66");	/* not a cascade tag */
	expect_error(fx, "4a 01 00 04 11");			/* no such UID length */
	expect_error(fx, "4a 03 00");				/* MaxTg 3 */
	expect_error(fx, "4a 01 05");				/* no BrTy 5 */
}

static void test_pn532_list_without_card_finds_nothing(void **state)
{
	struct fixture *fx = *state;

	fx->card.present = 0;
	expect(fx, "4a 01 00", "4b 00");
	expect(fx, "4a 01 03 00", "4b 00");	/* type B: never here */
	expect(fx, "40 01 00 a4 04 00", "41 27");	/* no target */
}

static void test_pn532_data_exchange_forwards_apdu(void **state)
{
	struct fixture *fx = *state;

	expect(fx, "12 14", "13");
	expect(fx, "4a 01 00", "4b 01 01 03 44 20 07 04 11 22 33 44 55 66 06 75 77 81 02 80");
	expect(fx, "40 01 90 60 00 00 00", "41 00 90 60 00 00 00 90 00");
	assert_int_equal(fx->card.apdus, 1);
	expect(fx, "40 02 90 60 00 00 00", "41 27");	/* no target 2 */
	expect(fx, "40 41 90 60 00 00 00", "41 10");	/* host chaining: refused */
	expect_error(fx, "40");
}

static void test_pn532_data_exchange_card_gone_is_timeout_status(void **state)
{
	struct fixture *fx = *state;

	expect(fx, "12 14", "13");
	expect(fx, "4a 01 00", "4b 01 01 03 44 20 07 04 11 22 33 44 55 66 06 75 77 81 02 80");
	fx->card.present = 0;
	expect(fx, "40 01 90 60 00 00 00", "41 01");
	/* It stays gone, even if it comes back, until it is activated again. */
	fx->card.present = 1;
	expect(fx, "40 01 90 60 00 00 00", "41 01");
	expect(fx, "42 b2", "43 01");			/* presence check fails */
	expect(fx, "4a 01 00", "4b 01 01 03 44 20 07 04 11 22 33 44 55 66 06 75 77 81 02 80");
	expect(fx, "40 01 90 60 00 00 00", "41 00 90 60 00 00 00 90 00");
}

static void test_pn532_response_too_large_for_chip(void **state)
{
	struct fixture *fx = *state;

	expect(fx, "12 14", "13");
	expect(fx, "4a 01 00", "4b 01 01 03 44 20 07 04 11 22 33 44 55 66 06 75 77 81 02 80");
	fx->card.resp_size = 263;
	expect(fx, "40 01 00 b0 00 00 00", "41 07");
	fx->card.resp_size = 262;
	{
		uint8_t resp[300];
		size_t n;

		assert_int_equal(cmd(fx, "40 01 00 b0 00 00 00", resp, &n), 1);
		assert_int_equal(n, 2 + 262);
		assert_int_equal(resp[1], 0x00);
	}
}

static void test_pn532_presence_check_rnak_gets_rack(void **state)
{
	struct fixture *fx = *state;

	expect(fx, "12 14", "13");
	expect(fx, "4a 01 00", "4b 01 01 03 44 20 07 04 11 22 33 44 55 66 06 75 77 81 02 80");
	expect(fx, "42 b2", "43 00 a2");
	expect(fx, "40 01 90 60 00 00 00", "41 00 90 60 00 00 00 90 00");
	expect(fx, "42 b3", "43 00 a3");		/* block number moved on */
	expect(fx, "42 03 90 60 00 00 00", "43 00 03 90 60 00 00 00 90 00");	/* I-block */
	expect(fx, "42 05 00", "43 01");		/* not ISO-DEP: silence */
	expect(fx, "42", "43 01");
	expect(fx, "00 06", "01 00");			/* Diagnose: card presence */
}

static void test_pn532_deselect_release_select(void **state)
{
	struct fixture *fx = *state;

	expect(fx, "12 14", "13");
	expect(fx, "4a 01 00", "4b 01 01 03 44 20 07 04 11 22 33 44 55 66 06 75 77 81 02 80");
	expect(fx, "44 00", "45 00");
	expect(fx, "40 01 90 60 00 00 00", "41 01");	/* halted: no answer */
	expect(fx, "54 01", "55 00");			/* reactivated */
	assert_int_equal(fx->card.activations, 2);
	expect(fx, "40 01 90 60 00 00 00", "41 00 90 60 00 00 00 90 00");
	expect(fx, "52 00", "53 00");
	expect(fx, "40 01 90 60 00 00 00", "41 27");	/* released: no target */
	expect(fx, "54 01", "55 27");
	expect(fx, "52 01", "53 27");
	expect(fx, "52 05", "53 27");
}

static void test_pn532_auto_poll_finds_iso14443_4_card(void **state)
{
	struct fixture *fx = *state;

	expect(fx, "60 01 01 20 10",
	       "61 01 20 12 01 03 44 20 07 04 11 22 33 44 55 66 06 75 77 81 02 80");
	expect(fx, "60 01 01 10", "61 00");	/* SAK 20: not a MIFARE Classic */
	fx->card.present = 0;
	expect(fx, "60 01 01 20", "61 00");
	expect_error(fx, "60 01 01");
}

static void test_pn532_power_down_and_field_off_drop_target(void **state)
{
	struct fixture *fx = *state;

	expect(fx, "12 14", "13");
	expect(fx, "4a 01 00", "4b 01 01 03 44 20 07 04 11 22 33 44 55 66 06 75 77 81 02 80");
	expect(fx, "16 f0", "17 00");
	assert_int_equal(fx->card.field, 0);
	expect(fx, "40 01 90 60 00 00 00", "41 27");
	expect(fx, "4a 01 00", "4b 01 01 03 44 20 07 04 11 22 33 44 55 66 06 75 77 81 02 80");
	yn_pn532_hangup(fx->pn);
	assert_int_equal(fx->card.field, 0);
	expect(fx, "40 01 90 60 00 00 00", "41 27");
}

/* The same bytes, one at a time or all at once, with noise, draw the same
 * answers; a corrupt frame draws none. */
static void test_pn532_split_input_and_noise(void **state)
{
	struct fixture *fx = *state;
	uint8_t in[128], out_all[YN_PN532_OUT_CAP(128)], out_one[YN_PN532_OUT_CAP(128)];
	uint8_t piece[YN_PN532_OUT_CAP(1)];
	size_t n, all_len, one_len = 0, k, i;

	n = yn_test_hex("55 55 00 00 00 0000ff03fdd4140117 00"	/* SAMConfiguration */
			"13 37 ff"				/* noise */
			"0000ff03fdd4140118 00"			/* bad DCS: dropped */
			"0000ff02fed402 2a 00"			/* GetFirmwareVersion */
			"0000ff09f7d400006c69626e6663 be 00",	/* Diagnose */
			in, sizeof(in));
	assert_int_equal(yn_pn532_input(fx->pn, in, n, out_all, sizeof(out_all), &all_len), 0);
	for (i = 0; i < n; i++) {
		assert_int_equal(yn_pn532_input(fx->pn, in + i, 1, piece, sizeof(piece), &k), 0);
		memcpy(out_one + one_len, piece, k);
		one_len += k;
	}
	assert_int_equal(one_len, all_len);
	assert_memory_equal(out_one, out_all, all_len);
	/* 3 answered frames: ACK + response each. */
	assert_int_equal(all_len, (6 + 9) + (6 + 13) + (6 + 16));
}

static void test_pn532_new_refuses_incomplete_card(void **state)
{
	struct yn_pn532_card ops = { 0 };
	struct yn_pn532 *pn = (struct yn_pn532 *)1;

	(void)state;
	assert_int_equal(yn_pn532_new(&ops, &pn), YN_EINVAL);
	assert_null(pn);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_pn532_firmware_version_is_pn532_v1_6),
		T(test_pn532_diagnose_echoes_libnfc_probe),
		T(test_pn532_unsupported_command_gets_error_frame),
		T(test_pn532_nack_resends_last_response),
		T(test_pn532_registers_roundtrip_and_reset_values),
		T(test_pn532_rfconfiguration_items_checked),
		T(test_pn532_list_passive_target_reports_card),
		T(test_pn532_list_without_auto_rats_then_rats_thru),
		T(test_pn532_list_selects_by_uid),
		T(test_pn532_list_without_card_finds_nothing),
		T(test_pn532_data_exchange_forwards_apdu),
		T(test_pn532_data_exchange_card_gone_is_timeout_status),
		T(test_pn532_response_too_large_for_chip),
		T(test_pn532_presence_check_rnak_gets_rack),
		T(test_pn532_deselect_release_select),
		T(test_pn532_auto_poll_finds_iso14443_4_card),
		T(test_pn532_power_down_and_field_off_drop_target),
		T(test_pn532_split_input_and_noise),
		cmocka_unit_test(test_pn532_new_refuses_incomplete_card),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
