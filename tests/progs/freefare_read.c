/*
 * freefare_read: a DESFire client built on Debian's libfreefare (and so on
 * libnfc), to show that stock DESFire tooling talks to the software card
 * through the emulated PN532 (tests/unit/test_pn532_freefare.c).
 *
 *   freefare_read CONNSTRING version
 *       print the UID and the GetVersion bytes of the first DESFire card.
 *   freefare_read CONNSTRING setup AID KEY FILE COMM DATA
 *       on a factory-blank card: authenticate to the PICC with the factory
 *       AES key (key 0, all zeros), create application AID (AES, 2 keys,
 *       settings 0F), select it, authenticate with its key 0 (zeros), set
 *       key 1 to KEY, create standard data file FILE (COMM: plain, mac or
 *       enc; read with key 1, write with key 0, no read-and-write key,
 *       access rights changed with key 0) and write DATA to it.
 *   freefare_read CONNSTRING read AID KEYNO KEY FILE LENGTH
 *       select AID, authenticate (EV1 AES, command AA) with key KEYNO = KEY,
 *       read LENGTH bytes of FILE from offset 0 and print them in hex.
 *
 * AID is 6 hex digits, KEY 32, DATA any even count; numbers are decimal.
 * Exit status 0 on success; 1 with the libfreefare error on stderr.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <freefare.h>
#include <nfc/nfc.h>

#include "base/bytes.h"

static int fail(MifareTag tag, const char *what)
{
	fprintf(stderr, "freefare_read: %s: %s\n", what, tag ? freefare_strerror(tag) : "failed");
	return 1;
}

static int parse_key(const char *hex, uint8_t key[16])
{
	size_t n = 0;

	return yn_hex_decode(hex, key, 16, &n) == 0 && n == 16 ? 0 : -1;
}

static int parse_aid(const char *hex, uint32_t *aid)
{
	uint8_t b[3];
	size_t n = 0;

	if (yn_hex_decode(hex, b, sizeof(b), &n) != 0 || n != 3)
		return -1;
	*aid = (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2];
	return 0;
}

static int parse_num(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	*v = strtoul(s, &end, 10);
	return *s != '\0' && *end == '\0' && *v <= max ? 0 : -1;
}

static void print_hex(const char *label, const uint8_t *p, size_t n)
{
	size_t i;

	printf("%s", label);
	for (i = 0; i < n; i++)
		printf("%02X", p[i]);
	printf("\n");
}

/* Authenticate with an AES key given as bytes; returns libfreefare's result. */
static int auth_aes(MifareTag tag, uint8_t key_no, uint8_t value[16])
{
	MifareDESFireKey key = mifare_desfire_aes_key_new(value);
	int r;

	if (key == NULL)
		return -1;
	r = mifare_desfire_authenticate_aes(tag, key_no, key);
	mifare_desfire_key_free(key);
	return r;
}

static int select_app(MifareTag tag, uint32_t aid_value)
{
	MifareDESFireAID aid = mifare_desfire_aid_new(aid_value);
	int r;

	if (aid == NULL)
		return -1;
	r = mifare_desfire_select_application(tag, aid);
	free(aid);
	return r;
}

static int do_version(MifareTag tag)
{
	struct mifare_desfire_version_info v;
	char *uid;

	if (mifare_desfire_get_version(tag, &v) < 0)
		return fail(tag, "GetVersion");
	uid = freefare_get_tag_uid(tag);
	printf("uid %s\n", uid ? uid : "?");
	free(uid);
	printf("hardware %02X %02X %02X %02X %02X %02X %02X\n", v.hardware.vendor_id,
	       v.hardware.type, v.hardware.subtype, v.hardware.version_major,
	       v.hardware.version_minor, v.hardware.storage_size, v.hardware.protocol);
	printf("software %02X %02X %02X %02X %02X %02X %02X\n", v.software.vendor_id,
	       v.software.type, v.software.subtype, v.software.version_major,
	       v.software.version_minor, v.software.storage_size, v.software.protocol);
	return 0;
}

static int do_setup(MifareTag tag, char **argv)
{
	uint8_t zero[16] = { 0 }, key1[16], data[256];
	MifareDESFireKey new_key = NULL, old_key = NULL;
	MifareDESFireAID aid = NULL;
	unsigned long file;
	uint32_t aid_value;
	uint8_t comm;
	size_t data_len = 0;
	int r = 1;

	if (parse_aid(argv[0], &aid_value) != 0 || parse_key(argv[1], key1) != 0 ||
	    parse_num(argv[2], 31, &file) != 0 ||
	    yn_hex_decode(argv[4], data, sizeof(data), &data_len) != 0 || data_len == 0) {
		fprintf(stderr, "freefare_read: bad setup arguments\n");
		return 2;
	}
	if (strcmp(argv[3], "plain") == 0)
		comm = MDCM_PLAIN;
	else if (strcmp(argv[3], "mac") == 0)
		comm = MDCM_MACED;
	else if (strcmp(argv[3], "enc") == 0)
		comm = MDCM_ENCIPHERED;
	else {
		fprintf(stderr, "freefare_read: COMM is plain, mac or enc\n");
		return 2;
	}
	if (select_app(tag, 0) < 0)
		return fail(tag, "select PICC");
	if (auth_aes(tag, 0, zero) < 0)
		return fail(tag, "authenticate PICC master key");
	aid = mifare_desfire_aid_new(aid_value);
	if (aid == NULL)
		return fail(NULL, "AID");
	if (mifare_desfire_create_application_aes(tag, aid, 0x0F, 2) < 0) {
		fail(tag, "CreateApplication");
		goto out;
	}
	if (mifare_desfire_select_application(tag, aid) < 0) {
		fail(tag, "SelectApplication");
		goto out;
	}
	if (auth_aes(tag, 0, zero) < 0) {
		fail(tag, "authenticate application key 0");
		goto out;
	}
	new_key = mifare_desfire_aes_key_new(key1);
	old_key = mifare_desfire_aes_key_new(zero);
	if (new_key == NULL || old_key == NULL ||
	    mifare_desfire_change_key(tag, 1, new_key, old_key) < 0) {
		fail(tag, "ChangeKey 1");
		goto out;
	}
	if (mifare_desfire_create_std_data_file(tag, (uint8_t)file, comm,
						MDAR(MDAR_KEY1, MDAR_KEY0, MDAR_DENY, MDAR_KEY0),
						(uint32_t)data_len) < 0) {
		fail(tag, "CreateStdDataFile");
		goto out;
	}
	if (mifare_desfire_write_data(tag, (uint8_t)file, 0, data_len, data) != (ssize_t)data_len) {
		fail(tag, "WriteData");
		goto out;
	}
	printf("setup done\n");
	r = 0;
out:
	if (new_key)
		mifare_desfire_key_free(new_key);
	if (old_key)
		mifare_desfire_key_free(old_key);
	free(aid);
	return r;
}

static int do_read(MifareTag tag, char **argv)
{
	uint8_t key[16], data[4096];
	unsigned long key_no, file, len;
	uint32_t aid;
	ssize_t n;

	if (parse_aid(argv[0], &aid) != 0 || parse_num(argv[1], 13, &key_no) != 0 ||
	    parse_key(argv[2], key) != 0 || parse_num(argv[3], 31, &file) != 0 ||
	    parse_num(argv[4], sizeof(data), &len) != 0 || len == 0) {
		fprintf(stderr, "freefare_read: bad read arguments\n");
		return 2;
	}
	if (select_app(tag, aid) < 0)
		return fail(tag, "SelectApplication");
	if (auth_aes(tag, (uint8_t)key_no, key) < 0)
		return fail(tag, "AuthenticateAES");
	n = mifare_desfire_read_data(tag, (uint8_t)file, 0, len, data);
	if (n < 0)
		return fail(tag, "ReadData");
	print_hex("data ", data, (size_t)n);
	return 0;
}

int main(int argc, char **argv)
{
	nfc_context *ctx = NULL;
	nfc_device *dev = NULL;
	MifareTag *tags = NULL, tag = NULL;
	int r = 1, i;

	if (argc < 3 || (strcmp(argv[2], "version") == 0 && argc != 3) ||
	    (strcmp(argv[2], "setup") == 0 && argc != 8) ||
	    (strcmp(argv[2], "read") == 0 && argc != 8)) {
		fprintf(stderr, "usage: freefare_read CONNSTRING version|setup ...|read ...\n");
		return 2;
	}
	nfc_init(&ctx);
	if (ctx == NULL)
		return fail(NULL, "nfc_init");
	dev = nfc_open(ctx, argv[1]);
	if (dev == NULL) {
		fail(NULL, "nfc_open");
		goto out;
	}
	tags = freefare_get_tags(dev);
	for (i = 0; tags != NULL && tags[i] != NULL; i++) {
		if (freefare_get_tag_type(tags[i]) == DESFIRE) {
			tag = tags[i];
			break;
		}
	}
	if (tag == NULL) {
		fprintf(stderr, "freefare_read: no DESFire card found\n");
		goto out;
	}
	if (mifare_desfire_connect(tag) < 0) {
		fail(tag, "connect");
		goto out;
	}
	if (strcmp(argv[2], "version") == 0)
		r = do_version(tag);
	else if (strcmp(argv[2], "setup") == 0)
		r = do_setup(tag, argv + 3);
	else if (strcmp(argv[2], "read") == 0)
		r = do_read(tag, argv + 3);
	else
		r = 2;
	mifare_desfire_disconnect(tag);
out:
	if (tags)
		freefare_free_tags(tags);
	if (dev)
		nfc_close(dev);
	nfc_exit(ctx);
	return r;
}
