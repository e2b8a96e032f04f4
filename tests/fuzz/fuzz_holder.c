/*
 * Harness: the card's own record formats (card/holder.c, card/cardstate.c,
 * card/holder_json.c).  Byte 0 picks the decoder, the rest is its input:
 *   0  holder record file (yn_holder_decode), then yn_holder_verify against
 *      the test issuer key; a record that decodes is also signed by the
 *      harness and must then verify (the signature gates nothing that the
 *      decoder has not already parsed: decode runs before any crypto)
 *   1  trip-log records (yn_triprec_decode), 16 bytes at a time
 *   2  benefit state (yn_benefitrec_decode)
 *   3  a holder description in JSON (yn_holder_json_parse), the desk's input
 * Checks: decoding is canonical — whatever decodes encodes back to the same
 * bytes (card-format.md promises it); a decoded holder dumps to JSON.
 */
#include "tests/fuzz/fuzz.h"

#include <stdlib.h>
#include <string.h>

#include "base/err.h"
#include "card/cardstate.h"
#include "card/holder.h"
#include "card/holder_json.h"
#include "crypto/crypto.h"

static struct yn_holder_trust trust;

static void init_trust(void)
{
	static int done;
	struct yn_pubkey *k = NULL;

	if (done)
		return;
	done = 1;
	yn_holder_trust_init(&trust);
	YN_FUZZ_CHECK(yn_pubkey_from_raw(yn_fuzz_test_pub, &k) == 0);
	YN_FUZZ_CHECK(yn_holder_trust_add(&trust, k) == 0);
}

static void holder(const uint8_t *p, size_t n)
{
	uint8_t out[YN_HOLDER_LEN];
	struct yn_holder h, s;
	size_t len = 0;
	char *json = NULL;
	int r;

	if (yn_holder_decode(p, n, &h, NULL) != 0)
		return;
	YN_FUZZ_CHECK(yn_holder_check(&h, NULL) == 0);
	YN_FUZZ_CHECK(yn_holder_encode(&h, out, sizeof(out), &len, NULL) == 0);
	YN_FUZZ_CHECK(len == n && memcmp(out, p, n) == 0);
	r = yn_holder_verify(&h, h.uid, &trust, NULL);
	YN_FUZZ_CHECK(r == YN_EUNKNOWNKEY || r == YN_EBADSIG || r == 0);
	YN_FUZZ_CHECK(yn_holder_verify(&h, yn_fuzz_uid, &trust, NULL) != 0 ||
		      memcmp(h.uid, yn_fuzz_uid, sizeof(h.uid)) == 0);
	if (yn_holder_json_dump(&h, &json) == 0)
		free(json);
	/* Past the signature: a record the issuer signed verifies, and only
	 * for its own card. */
	s = h;
	YN_FUZZ_CHECK(yn_holder_sign(&s, yn_fuzz_test_privkey(), NULL) == 0);
	YN_FUZZ_CHECK(yn_holder_verify(&s, s.uid, &trust, NULL) == 0);
	s.uid[0] ^= 1;
	YN_FUZZ_CHECK(yn_holder_verify(&s, h.uid, &trust, NULL) == YN_EWRONGCARD);
}

static void trips(const uint8_t *p, size_t n)
{
	uint8_t out[YN_TRIPREC_LEN];
	struct yn_triprec t;
	size_t off, len, k;

	for (off = 0; off < n; off += YN_TRIPREC_LEN) {
		k = n - off < YN_TRIPREC_LEN ? n - off : YN_TRIPREC_LEN;
		if (yn_triprec_decode(p + off, k, &t, NULL) != 0)
			continue;
		YN_FUZZ_CHECK(yn_triprec_encode(&t, out, sizeof(out), &len, NULL) == 0);
		YN_FUZZ_CHECK(len == k && memcmp(out, p + off, k) == 0);
	}
	/* The whole input as one record: only exactly 16 bytes may decode. */
	if (yn_triprec_decode(p, n, &t, NULL) == 0)
		YN_FUZZ_CHECK(n == YN_TRIPREC_LEN);
}

static void benefit(const uint8_t *p, size_t n)
{
	uint8_t out[YN_BENEFITREC_LEN];
	struct yn_benefitrec b;
	size_t len = 0;

	if (yn_benefitrec_decode(p, n, &b, NULL) != 0)
		return;
	YN_FUZZ_CHECK(yn_benefitrec_encode(&b, out, sizeof(out), &len, NULL) == 0);
	YN_FUZZ_CHECK(len == n && memcmp(out, p, n) == 0);
}

static void json(const uint8_t *p, size_t n)
{
	struct yn_holder h;
	char err[256], *text, *out = NULL;

	if ((text = malloc(n + 1)) == NULL)
		return;
	memcpy(text, p, n);
	text[n] = '\0';
	if (yn_holder_json_parse(text, n, 1795917600, &h, err, sizeof(err)) == 0) {
		memcpy(h.uid, yn_fuzz_uid, sizeof(h.uid));
		if (yn_holder_json_dump(&h, &out) == 0)
			free(out);
	} else {
		YN_FUZZ_CHECK(memchr(err, '\0', sizeof(err)) != NULL);
	}
	free(text);
}

int yn_fuzz_holder(const uint8_t *data, size_t size)
{
	yn_fuzz_quiet();
	init_trust();
	if (size < 1)
		return 0;
	switch (data[0] & 3) {
	case 0:
		holder(data + 1, size - 1);
		break;
	case 1:
		trips(data + 1, size - 1);
		break;
	case 2:
		benefit(data + 1, size - 1);
		break;
	default:
		json(data + 1, size - 1);
		break;
	}
	return 0;
}

#ifdef YN_FUZZ_LIBFUZZER
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return yn_fuzz_holder(data, size);
}
#endif
