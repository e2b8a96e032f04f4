/*
 * Originality check (ReadSig, desfire.md §8): NXP signs each card's UID
 * with ECDSA on secp224r1, no hash, with one key per product.  This file
 * holds the product keys and matches a signature against a set of them.
 *
 * Provenance of the keys: proxmark3 client/src/crypto/originality.c, as
 * quoted in desfire.md §8 (each checked to be a point of secp224r1 by the
 * unit test that parses them); the AN12196 key is the one of AN12196 §8.2,
 * which proxmark3 also lists for NTAG 424 DNA and DESFire EV2, and which
 * the published AN12196 vector verifies under.
 */
#include "card/desfire_int.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "base/log.h"

/* Tried in this order: the Yinian card is an EV2 or EV3, so their keys
 * come first and a genuine card costs one or two verifications. */
const struct yn_desfire_origkey yn_desfire_origkeys_nxp[] = {
	{ YN_DESFIRE_PRODUCT_EV2, "DESFire EV2 / NTAG 424 DNA / DESFire Light EV2",
	  {
		  0x04, 0xB3, 0x04, 0xDC, 0x4C, 0x61, 0x5F, 0x53, 0x26, 0xFE,
		  0x93, 0x83, 0xDD, 0xEC, 0x9A, 0xA8, 0x92, 0xDF, 0x3A, 0x57,
		  0xFA, 0x7F, 0xFB, 0x32, 0x76, 0x19, 0x2B, 0xC0, 0xEA, 0xA2,
		  0x52, 0xED, 0x45, 0xA8, 0x65, 0xE3, 0xB0, 0x93, 0xA3, 0xD0,
		  0xDC, 0xE5, 0xBE, 0x29, 0xE9, 0x2F, 0x13, 0x92, 0xCE, 0x7D,
		  0xE3, 0x21, 0xE3, 0xE5, 0xC5, 0x2B, 0x3A,
	  } },
	{ YN_DESFIRE_PRODUCT_EV2_AN12196, "DESFire EV2 / NTAG 424 DNA (AN12196 key)",
	  {
		  0x04, 0x8A, 0x9B, 0x38, 0x0A, 0xF2, 0xEE, 0x1B, 0x98, 0xDC,
		  0x41, 0x7F, 0xEC, 0xC2, 0x63, 0xF8, 0x44, 0x9C, 0x76, 0x25,
		  0xCE, 0xCE, 0x82, 0xD9, 0xB9, 0x16, 0xC9, 0x92, 0xDA, 0x20,
		  0x9D, 0x68, 0x42, 0x2B, 0x81, 0xEC, 0x20, 0xB6, 0x5A, 0x66,
		  0xB5, 0x10, 0x2A, 0x61, 0x59, 0x6A, 0xF3, 0x37, 0x92, 0x00,
		  0x59, 0x93, 0x16, 0xA0, 0x0A, 0x14, 0x10,
	  } },
	{ YN_DESFIRE_PRODUCT_EV3, "DESFire EV3",
	  {
		  0x04, 0x1D, 0xB4, 0x6C, 0x14, 0x5D, 0x0A, 0x36, 0x53, 0x9C,
		  0x65, 0x44, 0xBD, 0x6D, 0x9B, 0x0A, 0xA6, 0x2F, 0xF9, 0x1E,
		  0xC4, 0x8C, 0xBC, 0x6A, 0xBA, 0xE3, 0x6E, 0x00, 0x89, 0xA4,
		  0x6F, 0x0D, 0x08, 0xC8, 0xA7, 0x15, 0xEA, 0x40, 0xA6, 0x33,
		  0x13, 0xB9, 0x2E, 0x90, 0xDD, 0xC1, 0x73, 0x02, 0x30, 0xE0,
		  0x45, 0x8A, 0x33, 0x27, 0x6F, 0xB7, 0x43,
	  } },
	{ YN_DESFIRE_PRODUCT_EV2_XL, "DESFire EV2 XL",
	  {
		  0x04, 0xCD, 0x5D, 0x45, 0xE5, 0x0B, 0x15, 0x02, 0xF0, 0xBA,
		  0x46, 0x56, 0xFF, 0x37, 0x66, 0x95, 0x97, 0xE7, 0xE1, 0x83,
		  0x25, 0x11, 0x50, 0xF9, 0x57, 0x4C, 0xC8, 0xDA, 0x56, 0xBF,
		  0x01, 0xC7, 0xAB, 0xE0, 0x19, 0xE2, 0x9F, 0xEA, 0x48, 0xF9,
		  0xCE, 0x22, 0xC3, 0xEA, 0x40, 0x29, 0xA7, 0x65, 0xE1, 0xBC,
		  0x95, 0xA8, 0x95, 0x43, 0xBA, 0xD1, 0xBC,
	  } },
	{ YN_DESFIRE_PRODUCT_EV1, "DESFire EV1 / NTAG 413 DNA",
	  {
		  0x04, 0xBB, 0x5D, 0x51, 0x4F, 0x70, 0x50, 0x02, 0x5C, 0x7D,
		  0x0F, 0x39, 0x73, 0x10, 0x36, 0x0E, 0xEC, 0x91, 0xEA, 0xF7,
		  0x92, 0xE9, 0x6F, 0xC7, 0xE0, 0xF4, 0x96, 0xCB, 0x4E, 0x66,
		  0x9D, 0x41, 0x4F, 0x87, 0x7B, 0x7B, 0x27, 0x90, 0x1F, 0xE6,
		  0x7C, 0x2E, 0x3B, 0x33, 0xCD, 0x39, 0xD1, 0xC7, 0x97, 0x71,
		  0x51, 0x89, 0xAC, 0x95, 0x1C, 0x2A, 0xDD,
	  } },
	{ YN_DESFIRE_PRODUCT_LIGHT, "DESFire Light",
	  {
		  0x04, 0x0E, 0x98, 0xE1, 0x17, 0xAA, 0xA3, 0x64, 0x57, 0xF4,
		  0x31, 0x73, 0xDC, 0x92, 0x0A, 0x87, 0x57, 0x26, 0x7F, 0x44,
		  0xCE, 0x4E, 0xC5, 0xAD, 0xD3, 0xC5, 0x40, 0x75, 0x57, 0x1A,
		  0xEB, 0xBF, 0x7B, 0x94, 0x2A, 0x97, 0x74, 0xA1, 0xD9, 0x4A,
		  0xD0, 0x25, 0x72, 0x42, 0x7E, 0x5A, 0xE0, 0xA2, 0xDD, 0x36,
		  0x59, 0x1B, 0x1F, 0xB3, 0x4F, 0xCF, 0x3D,
	  } },
};
const size_t yn_desfire_origkeys_nxp_count =
	sizeof(yn_desfire_origkeys_nxp) / sizeof(yn_desfire_origkeys_nxp[0]);

/* card/emu's test CA (docs/emulator.md §3); its private key is public. */
const struct yn_desfire_origkey yn_desfire_origkey_emu_test = {
	YN_DESFIRE_PRODUCT_EMU_TEST, "software card test CA (not a genuine card)",
	{
		0x04, 0x98, 0x2F, 0x85, 0xB2, 0xE7, 0x28, 0x6E, 0x6F, 0x88,
		0xB7, 0xFC, 0xA3, 0x58, 0xF7, 0xDA, 0xF8, 0x91, 0xCE, 0xB3,
		0x3B, 0x09, 0x30, 0xA0, 0x00, 0xD3, 0xE9, 0xE3, 0xBA, 0xDF,
		0x81, 0x43, 0x1F, 0x51, 0x99, 0x4A, 0x11, 0x01, 0x13, 0x08,
		0x86, 0x52, 0x86, 0x42, 0xB1, 0xE5, 0x85, 0xA8, 0xCE, 0x47,
		0x50, 0xD9, 0x74, 0xE1, 0xD7, 0xC0, 0x0E,
	}
};

struct orig_entry {
	struct yn_desfire_origkey key;	/* key.name points at name */
	char name[64];
	struct yn_p224_pubkey *pk;
};

struct yn_desfire_origset {
	size_t n;
	struct orig_entry e[YN_DESFIRE_ORIG_MAX];
};

const char *yn_desfire_product_name(enum yn_desfire_product p)
{
	switch (p) {
	case YN_DESFIRE_PRODUCT_EV1: return "DESFire EV1";
	case YN_DESFIRE_PRODUCT_EV2: return "DESFire EV2";
	case YN_DESFIRE_PRODUCT_EV2_AN12196: return "DESFire EV2 (AN12196 key)";
	case YN_DESFIRE_PRODUCT_EV2_XL: return "DESFire EV2 XL";
	case YN_DESFIRE_PRODUCT_EV3: return "DESFire EV3";
	case YN_DESFIRE_PRODUCT_LIGHT: return "DESFire Light";
	case YN_DESFIRE_PRODUCT_EMU_TEST: return "software card (test CA)";
	case YN_DESFIRE_PRODUCT_OTHER: return "other";
	case YN_DESFIRE_PRODUCT_NONE: break;
	}
	return "unknown";
}

int yn_desfire_origset_add(struct yn_desfire_origset *set, const struct yn_desfire_origkey *key)
{
	struct orig_entry *e;
	const char *name;
	int r;

	if (set == NULL || key == NULL)
		return YN_EINVAL;
	if (set->n >= YN_DESFIRE_ORIG_MAX) {
		yn_err("desfire: originality key set is full (%d keys)", YN_DESFIRE_ORIG_MAX);
		return YN_ENOSPC;
	}
	e = &set->e[set->n];
	memset(e, 0, sizeof(*e));
	if ((r = yn_p224_pubkey_from_raw(key->pub, &e->pk)) != 0) {
		yn_err("desfire: originality key \"%s\" is not a secp224r1 public key",
		       key->name != NULL ? key->name : "other");
		memset(e, 0, sizeof(*e));
		return r;
	}
	name = key->name != NULL ? key->name : "other";
	e->key = *key;
	strncpy(e->name, name, sizeof(e->name) - 1);
	e->key.name = e->name;
	set->n++;
	return 0;
}

int yn_desfire_origset_new(unsigned flags, struct yn_desfire_origset **out)
{
	struct yn_desfire_origset *set;
	size_t i;
	int r = 0;

	*out = NULL;
	if ((flags & ~(YN_DESFIRE_ORIG_NXP | YN_DESFIRE_ORIG_EMU_TEST)) != 0)
		return YN_EINVAL;
	if ((set = calloc(1, sizeof(*set))) == NULL)
		return YN_ENOMEM;
	for (i = 0; (flags & YN_DESFIRE_ORIG_NXP) && i < yn_desfire_origkeys_nxp_count && !r; i++)
		r = yn_desfire_origset_add(set, &yn_desfire_origkeys_nxp[i]);
	if (r == 0 && (flags & YN_DESFIRE_ORIG_EMU_TEST))
		r = yn_desfire_origset_add(set, &yn_desfire_origkey_emu_test);
	if (r != 0) {
		yn_desfire_origset_free(set);
		return r;
	}
	*out = set;
	return 0;
}

size_t yn_desfire_origset_count(const struct yn_desfire_origset *set)
{
	return set != NULL ? set->n : 0;
}

void yn_desfire_origset_free(struct yn_desfire_origset *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->n; i++)
		yn_p224_pubkey_free(set->e[i].pk);
	free(set);
}

int yn_desfire_verify_originality(const struct yn_desfire_origset *set, const uint8_t *uid,
				  size_t uid_len, const uint8_t sig[YN_P224_SIG_LEN],
				  const struct yn_desfire_origkey **matched)
{
	size_t i;
	int r;

	*matched = NULL;
	if (set == NULL || uid == NULL || sig == NULL ||
	    (uid_len != 4 && uid_len != 7 && uid_len != 10))
		return YN_EINVAL;
	for (i = 0; i < set->n; i++) {
		r = yn_p224_verify_raw(set->e[i].pk, uid, uid_len, sig);
		if (r == 0) {
			*matched = &set->e[i].key;
			return 0;
		}
		if (r != YN_EBADSIG)
			return r;
	}
	return YN_EBADSIG;
}

int yn_desfire_check_originality(struct yn_desfire *df, const struct yn_desfire_origset *set,
				 const uint8_t *uid, size_t uid_len,
				 const struct yn_desfire_origkey **matched, uint64_t deadline)
{
	uint8_t sig[YN_P224_SIG_LEN];
	int r;

	*matched = NULL;
	if (set == NULL || uid == NULL)
		return YN_EINVAL;
	r = yn_desfire_read_sig(df, df->authenticated ? YN_DESFIRE_FULL : YN_DESFIRE_PLAIN, sig,
				deadline);
	if (r != 0)
		return r;
	r = yn_desfire_verify_originality(set, uid, uid_len, sig, matched);
	if (r == YN_EBADSIG)
		df_log(df, "DESFire ReadSig: the originality signature matches none of the %zu "
		       "known product keys: not a genuine card of a known product", set->n);
	return r;
}
