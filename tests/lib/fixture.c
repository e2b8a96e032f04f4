#include "tests/lib/fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/clock.h"
#include "base/err.h"
#include "card/emu/emu.h"
#include "card/issue.h"
#include "card/keyset.h"
#include "crypto/crypto.h"
#include "reader/reader.h"
#include "tests/lib/testlib.h"
#include "validator/denylist.h"

int yn_fixture_init(struct yn_fixture *f, int64_t now_utc)
{
	char err[512];
	int r;

	memset(f, 0, sizeof(*f));
	f->dir = yn_test_tmpdir();
	if (f->dir == NULL)
		return YN_EIO;
	snprintf(f->keys, sizeof(f->keys), "%s/keys", f->dir);
	snprintf(f->denylist, sizeof(f->denylist), "%s/denylist.bin", f->dir);
	snprintf(f->journal, sizeof(f->journal), "%s/journal", f->dir);
	f->next_serial = 1001;
	if ((r = yn_keyset_generate(f->keys, NULL, err, sizeof(err))) != 0) {
		fprintf(stderr, "fixture: keys: %s\n", err);
		return r;
	}
	return yn_fixture_denylist(f, 1, NULL, 0, now_utc);
}

void yn_fixture_free(struct yn_fixture *f)
{
	if (f->dir) {
		yn_test_rmtree(f->dir);
		free(f->dir);
	}
	memset(f, 0, sizeof(*f));
}

void yn_fixture_holder(struct yn_holder *h, uint32_t birth, uint8_t residency,
		       uint8_t district, uint16_t categories, uint32_t not_after)
{
	memset(h, 0, sizeof(*h));
	h->birth = birth;
	h->residency = residency;
	h->district = district;
	h->categories = categories;
	h->not_before = 20260101;
	h->not_after = not_after;
	h->issued_at = 1767225600;	/* 2026-01-01T00:00:00Z */
}

int yn_fixture_card(struct yn_fixture *f, const char *name, uint8_t uid_tail,
		    struct yn_holder *h, int32_t vouchers, char *path, size_t cap)
{
	uint8_t uid[7] = { 0x04, 0x59, 0x4E, 0x00, 0x00, 0x10, 0x00 };
	struct yn_keyset ks;
	struct yn_issue_req req;
	struct yn_issue_report rep;
	struct yn_reader *rd = NULL;
	char uri[600];
	int r;

	uid[6] = uid_tail;
	snprintf(path, cap, "%s/%s.card", f->dir, name);
	if ((r = yn_emu_create_file(path, uid, sizeof(uid))) != 0)
		return r;
	if ((r = yn_keyset_load(f->keys, YN_KEYROLE_DESK, &ks)) != 0) {
		fprintf(stderr, "fixture: desk keys: %s\n", ks.err);
		return r;
	}
	snprintf(uri, sizeof(uri), "emu:%s", path);
	if ((r = yn_reader_open(uri, &rd)) != 0)
		goto out;
	if ((r = yn_reader_wait_card(rd, yn_deadline_in_ms(2000))) != 0)
		goto out;
	if (h->serial == 0)
		h->serial = f->next_serial++;
	memset(&req, 0, sizeof(req));
	req.holder = *h;
	req.vouchers = vouchers;
	req.now = (int64_t)h->issued_at;
	r = yn_issue_card(rd, &ks, &req, &rep);
	if (r != 0)
		fprintf(stderr, "fixture: issue %s: %s (%s)\n", name, yn_strerror(r), rep.msg);
out:
	yn_reader_close(rd);
	yn_keyset_free(&ks);
	return r;
}

int yn_fixture_denylist(struct yn_fixture *f, uint64_t seq, const uint64_t *serials,
			size_t n, int64_t now_utc)
{
	struct yn_dl_header h;
	struct yn_dl_entry *e = NULL;
	struct yn_privkey *k = NULL;
	struct yn_pubkey *pub = NULL;
	uint8_t *out = NULL;
	size_t len = 0, i;
	char path[600], tmp[620];
	FILE *fp;
	int r;

	snprintf(path, sizeof(path), "%s/denylist.key", f->keys);
	if ((r = yn_privkey_load(path, &k)) != 0)
		return r;
	if ((r = yn_privkey_public(k, &pub)) != 0)
		goto out;
	memset(&h, 0, sizeof(h));
	h.kind = YN_DL_FULL;
	if ((r = yn_pubkey_id(pub, h.key_id)) != 0)
		goto out;
	h.seq = seq;
	h.issued_at = now_utc - 3600;
	h.not_after = now_utc + 30 * 86400;
	h.count = (uint32_t)n;
	e = calloc(n ? n : 1, sizeof(*e));
	if (e == NULL) {
		r = YN_ENOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		e[i].serial = serials[i];
		e[i].listed_day = (uint16_t)(now_utc / 86400);
		e[i].reason = 1;
	}
	/* entries must be sorted */
	for (i = 1; i < n; i++) {
		size_t j = i;

		while (j > 0 && e[j - 1].serial > e[j].serial) {
			struct yn_dl_entry t = e[j];

			e[j] = e[j - 1];
			e[j - 1] = t;
			j--;
		}
	}
	if ((r = yn_dl_encode_full(&h, e, n, k, &out, &len)) != 0)
		goto out;
	snprintf(tmp, sizeof(tmp), "%s.tmp", f->denylist);
	fp = fopen(tmp, "wb");
	if (fp == NULL || fwrite(out, 1, len, fp) != len) {
		if (fp)
			fclose(fp);
		r = YN_EIO;
		goto out;
	}
	fclose(fp);
	r = rename(tmp, f->denylist) == 0 ? 0 : YN_EIO;
out:
	free(out);
	free(e);
	yn_pubkey_free(pub);
	yn_privkey_free(k);
	return r;
}

void yn_fixture_config(struct yn_fixture *f, struct yn_config *cfg, enum yn_role role,
		       const char *reader_uri, uint32_t price_fen)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->terminal_id, sizeof(cfg->terminal_id), "%s-01", yn_role_name(role));
	cfg->terminal_number = 7000 + (uint32_t)role;
	cfg->role = role;
	cfg->line = 1;
	cfg->station = 10;
	cfg->gate_kind = 1;
	cfg->canteen_open = 1;
	snprintf(cfg->district, sizeof(cfg->district), "futian");
	cfg->price_fen = price_fen;
	cfg->budget_ms = 300;
	snprintf(cfg->readers[0], sizeof(cfg->readers[0]), "%s", reader_uri);
	cfg->n_readers = 1;
	snprintf(cfg->keys_dir, sizeof(cfg->keys_dir), "%s", f->keys);
	snprintf(cfg->denylist_file, sizeof(cfg->denylist_file), "%s", f->denylist);
	snprintf(cfg->trusted_keys[0], sizeof(cfg->trusted_keys[0]), "%s/denylist.pub", f->keys);
	cfg->n_trusted_keys = 1;
	snprintf(cfg->journal_dir, sizeof(cfg->journal_dir), "%s/journal-%s", f->dir,
		 yn_role_name(role));
	cfg->hook_timeout_ms = 1000;
}
