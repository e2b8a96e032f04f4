/*
 * Backup, value and record files and their transactions (desfire.md §6.3):
 * what is visible before and after CommitTransaction, AbortTransaction,
 * errors, reset and power loss; value limits and LimitedCredit; cyclic
 * records.
 */
#include "tests/unit/test_emu_util.h"

static const uint8_t zero16[16];

/* App 010203 with free create, AES, 4 keys; selected. */
static struct yn_emu *card_app(void)
{
	struct yn_emu *c = card_new();

	expect(c, "90CA000005 030201 0F 84 00", "9100");
	expect(c, "905A000003 030201 00", "9100");
	return c;
}

static void test_backup_read_old_until_commit(void **state)
{
	struct yn_emu *c = card_app();

	(void)state;
	expect(c, "90CB000007 01 00 EEEE 040000 00", "9100");
	expect(c, "903D00000B 01 000000 040000 11223344 00", "9100");
	expect(c, "90BD000007 01 000000 000000 00", "00000000 9100");
	expect(c, "90C7000000", "9100");
	expect(c, "90BD000007 01 000000 000000 00", "11223344 9100");
	yn_emu_free(c);
}

static void test_backup_abort_discards(void **state)
{
	struct yn_emu *c = card_app();

	(void)state;
	expect(c, "90CB000007 01 00 EEEE 040000 00", "9100");
	expect(c, "903D00000B 01 000000 040000 11223344 00", "9100");
	expect(c, "90A7000000", "9100");
	expect(c, "90C7000000", "9100");
	expect(c, "90BD000007 01 000000 000000 00", "00000000 9100");
	yn_emu_free(c);
}

static void test_error_aborts_transaction(void **state)
{
	struct yn_emu *c = card_app();

	(void)state;
	expect(c, "90CB000007 01 00 EEEE 040000 00", "9100");
	expect(c, "903D00000B 01 000000 040000 11223344 00", "9100");
	expect(c, "90BD000007 09 000000 000000 00", "91F0");
	expect(c, "90C7000000", "9100");
	expect(c, "90BD000007 01 000000 000000 00", "00000000 9100");
	yn_emu_free(c);
}

static void test_select_reset_and_power_loss_discard(void **state)
{
	struct yn_emu *c = card_app();

	(void)state;
	expect(c, "90CB000007 01 00 EEEE 040000 00", "9100");
	expect(c, "903D00000B 01 000000 040000 11223344 00", "9100");
	expect(c, "905A000003 030201 00", "9100");
	expect(c, "90C7000000", "9100");
	expect(c, "90BD000007 01 000000 000000 00", "00000000 9100");
	expect(c, "903D00000B 01 000000 040000 11223344 00", "9100");
	yn_emu_reset(c);
	expect(c, "905A000003 030201 00", "9100");
	expect(c, "90C7000000", "9100");
	expect(c, "90BD000007 01 000000 000000 00", "00000000 9100");
	expect(c, "903D00000B 01 000000 040000 11223344 00", "9100");
	yn_emu_power_off(c);
	yn_emu_power_on(c);
	expect(c, "905A000003 030201 00", "9100");
	expect(c, "90C7000000", "9100");
	expect(c, "90BD000007 01 000000 000000 00", "00000000 9100");
	yn_emu_free(c);
}

static void test_reauthentication_aborts(void **state)
{
	struct yn_emu *c = card_app();
	struct tsess s;

	(void)state;
	expect(c, "90CB000007 01 00 EEEE 040000 00", "9100");
	expect(c, "903D00000B 01 000000 040000 11223344 00", "9100");
	auth_ev2(c, 0, zero16, &s);
	expect(c, "905A000003 030201 00", "9100");
	expect(c, "90C7000000", "9100");
	expect(c, "90BD000007 01 000000 000000 00", "00000000 9100");
	yn_emu_free(c);
}

static void test_unpowered_card_does_not_answer(void **state)
{
	struct yn_emu *c = card_new();
	uint8_t cmd[5] = { 0x90, 0x60, 0, 0, 0 }, r[64];
	size_t n = 9;

	(void)state;
	yn_emu_power_off(c);
	assert_int_equal(yn_emu_transmit(c, cmd, 5, r, sizeof(r), &n), YN_ECARDGONE);
	assert_int_equal(n, 0);
	yn_emu_free(c);
}

static void test_value_credit_debit_commit(void **state)
{
	struct yn_emu *c = card_app();

	(void)state;
	/* value 1: free everything, lower -10, upper 100, value 50, LC on */
	expect(c, "90CC000011 01 00 EEEE F6FFFFFF 64000000 32000000 01 00", "9100");
	expect(c, "900C000005 01 14000000 00", "9100");	/* +20 */
	expect(c, "900C000005 01 0A000000 00", "9100");	/* +10 */
	expect(c, "906C000001 01 00", "32000000 9100");	/* still 50 */
	expect(c, "90C7000000", "9100");
	expect(c, "906C000001 01 00", "50000000 9100");	/* 80 */
	expect(c, "900C000005 01 15000000 00", "91BE");	/* 101 > upper */
	expect(c, "90DC000005 01 5A000000 00", "9100");	/* -10 */
	expect(c, "90DC000005 01 01000000 00", "91BE");	/* -11 < lower */
	expect(c, "90DC000005 01 5A000000 00", "9100");	/* aborted by the error */
	expect(c, "90C7000000", "9100");
	expect(c, "906C000001 01 00", "F6FFFFFF 9100");
	expect(c, "900C000005 01 FFFFFFFF 00", "919E");	/* negative */
	expect(c, "900C000004 01 010000 00", "917E");
	yn_emu_free(c);
}

static void test_limited_credit_rules(void **state)
{
	struct yn_emu *c = card_app();

	(void)state;
	expect(c, "90CC000011 01 00 EEEE 00000000 E8030000 64000000 01 00", "9100");
	expect(c, "901C000005 01 01000000 00", "91BE");	/* no limit yet */
	expect(c, "90DC000005 01 1E000000 00", "9100");	/* -30 */
	expect(c, "90DC000005 01 43000000 00", "9100");	/* -67 */
	expect(c, "90C7000000", "9100");
	expect(c, "90F5000001 01 00", "0200EEEE 00000000 E8030000 61000000 01 9100");
	expect(c, "901C000005 01 62000000 00", "91BE");	/* 98 > 97 */
	expect(c, "90C7000000", "9100");
	expect(c, "901C000005 01 61000000 00", "9100");	/* 97 */
	expect(c, "901C000005 01 01000000 00", "91BE");	/* used once */
	expect(c, "901C000005 01 61000000 00", "9100");
	expect(c, "90C7000000", "9100");
	expect(c, "906C000001 01 00", "64000000 9100");
	expect(c, "90F5000001 01 00", "0200EEEE 00000000 E8030000 00000000 01 9100");
	/* a credit does not change the limit */
	expect(c, "900C000005 01 05000000 00", "9100");
	expect(c, "90C7000000", "9100");
	expect(c, "90F5000001 01 00", "0200EEEE 00000000 E8030000 00000000 01 9100");
	/* LimitedCredit disabled */
	expect(c, "90CC000011 02 00 EEEE 00000000 E8030000 64000000 00 00", "9100");
	expect(c, "901C000005 02 00000000 00", "919D");
	yn_emu_free(c);
}

static void test_value_access_credit_needs_rw(void **state)
{
	struct yn_emu *c = card_app();
	struct tsess s;
	uint8_t out[64], v[4] = { 5, 0, 0, 0 };
	size_t n;

	(void)state;
	/* R=1 W=2 RW=3, MAC */
	expect(c, "90CC000011 01 01 3012 00000000 E8030000 64000000 00 00", "9100");
	auth_ev2(c, 2, zero16, &s);
	assert_int_equal(ev2_x(c, &s, 0xDC, (const uint8_t *)"\x01", 1, v, 4, M_MAC, out,
			       sizeof(out), &n), 0);
	assert_int_equal(ev2_x(c, &s, 0x0C, (const uint8_t *)"\x01", 1, v, 4, M_MAC, out,
			       sizeof(out), &n), 0x9D);
	expect(c, "905A000003 030201 00", "9100");
	auth_ev2(c, 3, zero16, &s);
	assert_int_equal(ev2_x(c, &s, 0x0C, (const uint8_t *)"\x01", 1, v, 4, M_MAC, out,
			       sizeof(out), &n), 0);
	assert_int_equal(ev2_x(c, &s, 0xC7, NULL, 0, NULL, 0, M_MAC, out, sizeof(out), &n), 0);
	assert_int_equal(ev2_x(c, &s, 0x6C, (const uint8_t *)"\x01", 1, NULL, 0, M_MAC, out,
			       sizeof(out), &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(yn_get_u32le(out), 105);
	yn_emu_free(c);
}

static void test_cyclic_records_wrap(void **state)
{
	struct yn_emu *c = card_app();
	char cmd[80];
	int i;

	(void)state;
	/* 2-byte records, 4 slots: 3 usable */
	expect(c, "90C000000A 01 00 EEEE 020000 040000 00", "9100");
	expect(c, "90BB000007 01 000000 000000 00", "91BE");	/* empty */
	for (i = 1; i <= 5; i++) {
		snprintf(cmd, sizeof(cmd), "903B000009 01 000000 020000 %02X%02X 00", i, i);
		expect(c, cmd, "9100");
		expect(c, "90C7000000", "9100");
	}
	expect(c, "90BB000007 01 000000 000000 00", "0303 0404 0505 9100");
	expect(c, "90BB000007 01 000000 010000 00", "0505 9100");
	expect(c, "90BB000007 01 010000 020000 00", "0303 0404 9100");
	expect(c, "90BB000007 01 030000 010000 00", "91BE");
	expect(c, "90BB000007 01 000000 040000 00", "91BE");
	expect(c, "90F5000001 01 00", "0400EEEE 020000 040000 030000 9100");
	yn_emu_free(c);
}

static void test_record_writes_share_one_record_until_commit(void **state)
{
	struct yn_emu *c = card_app();

	(void)state;
	expect(c, "90C100000A 01 00 EEEE 040000 020000 00", "9100");
	expect(c, "903B000009 01 000000 020000 AAAA 00", "9100");
	expect(c, "903B000009 01 020000 020000 BBBB 00", "9100");
	expect(c, "90BB000007 01 000000 000000 00", "91BE");	/* not visible yet */
	expect(c, "903B000009 01 000000 020000 AAAA 00", "9100");
	expect(c, "903B000009 01 020000 020000 BBBB 00", "9100");
	expect(c, "90C7000000", "9100");
	expect(c, "90BB000007 01 000000 000000 00", "AAAABBBB 9100");
	expect(c, "903B000009 01 030000 020000 CCCC 00", "91BE");	/* past the record */
	expect(c, "903B000009 01 000000 020000 CCCC 00", "9100");
	expect(c, "90C7000000", "9100");
	/* linear and full */
	expect(c, "903B000009 01 000000 020000 DDDD 00", "91BE");
	/* clear, then no write before commit */
	expect(c, "90EB000001 01 00", "9100");
	expect(c, "903B000009 01 000000 020000 DDDD 00", "919D");
	expect(c, "90EB000001 01 00", "9100");
	expect(c, "90BB000007 01 000000 000000 00", "AAAABBBB CCCC0000 9100");
	expect(c, "90C7000000", "9100");
	expect(c, "90BB000007 01 000000 000000 00", "91BE");
	yn_emu_free(c);
}

static void test_commit_option_byte(void **state)
{
	struct yn_emu *c = card_app();

	(void)state;
	expect(c, "90C7000001 00 00", "9100");
	expect(c, "90C7000001 01 00", "919E");	/* no Transaction MAC file */
	expect(c, "90C7000002 0000 00", "917E");
	yn_emu_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backup_read_old_until_commit),
		cmocka_unit_test(test_backup_abort_discards),
		cmocka_unit_test(test_error_aborts_transaction),
		cmocka_unit_test(test_select_reset_and_power_loss_discard),
		cmocka_unit_test(test_reauthentication_aborts),
		cmocka_unit_test(test_unpowered_card_does_not_answer),
		cmocka_unit_test(test_value_credit_debit_commit),
		cmocka_unit_test(test_limited_credit_rules),
		cmocka_unit_test(test_value_access_credit_needs_rw),
		cmocka_unit_test(test_cyclic_records_wrap),
		cmocka_unit_test(test_record_writes_share_one_record_until_commit),
		cmocka_unit_test(test_commit_option_byte),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
