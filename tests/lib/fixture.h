/*
 * A whole terminal set-up for end-to-end tests and benchmarks: a key set,
 * software cards issued for sample holders, a signed denylist, a terminal
 * configuration per role.  Everything lives under one temporary directory.
 */
#ifndef YN_TEST_FIXTURE_H
#define YN_TEST_FIXTURE_H

#include <stdint.h>

#include "card/holder.h"
#include "validator/config.h"

struct yn_fixture {
	char *dir;		/* temporary root */
	char keys[256];		/* full key set (desk) */
	char denylist[256];	/* signed list, sequence 1 */
	char journal[256];
	uint64_t next_serial;
};

/* Keys and an empty denylist (sequence 1, valid 30 days from now_utc). */
int yn_fixture_init(struct yn_fixture *f, int64_t now_utc);
void yn_fixture_free(struct yn_fixture *f);

/* A holder born on birth (YYYYMMDD), valid from 2026-01-01 to not_after. */
void yn_fixture_holder(struct yn_holder *h, uint32_t birth, uint8_t residency,
		       uint8_t district, uint16_t categories, uint32_t not_after);

/* Create a blank software card <dir>/<name>.card with the given UID tail and
 * issue it for h with vouchers (h->serial 0: the next fixture serial).
 * path receives the state file path (for emu: URIs). */
int yn_fixture_card(struct yn_fixture *f, const char *name, uint8_t uid_tail,
		    struct yn_holder *h, int32_t vouchers, char *path, size_t cap);

/* Write a new signed denylist (sequence seq) listing serials; the file is
 * f->denylist (replaced atomically). */
int yn_fixture_denylist(struct yn_fixture *f, uint64_t seq, const uint64_t *serials,
			size_t n, int64_t now_utc);

/* A configuration for role (gate: line 1 station 10 entry; canteen: futian,
 * price_fen) reading from reader_uri, journal in <dir>/journal-<role>. */
void yn_fixture_config(struct yn_fixture *f, struct yn_config *cfg, enum yn_role role,
		       const char *reader_uri, uint32_t price_fen);

#endif
