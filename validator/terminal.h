/*
 * A terminal's loaded state: what every tap needs, set up once at start-up
 * (and partly reloaded on SIGHUP): the role's keys, the trusted issuer keys,
 * the denylist in force, the policy in force, the journal, and a cache of
 * holder records whose signature was already verified.
 *
 * Start-up refuses to run (clear error, logged) without: a passing crypto
 * self test, the role's keys (with safe file modes), a valid policy, a
 * denylist signed by a trusted key that is not a rollback, and a journal that
 * recovers cleanly (a corrupt journal is never written to).
 */
#ifndef YN_TERMINAL_H
#define YN_TERMINAL_H

#include <pthread.h>
#include <stdint.h>

#include "card/holder.h"
#include "card/keyset.h"
#include "validator/config.h"
#include "validator/denylist.h"
#include "validator/denylist_store.h"
#include "validator/journal.h"
#include "validator/policy.h"

#define YN_RECCACHE_SLOTS 4096	/* verified holder records remembered */

struct yn_policy_ref;

struct yn_term {
	const struct yn_config *cfg;
	struct yn_keyset keys;
	struct yn_holder_trust issuers;
	struct yn_dl_trust *dl_trust;
	struct yn_dl_holder *dl;
	struct yn_journal *journal;
	struct yn_journal_report recovery;	/* what start-up recovery found */
	uint8_t district;			/* card district code of the terminal */

	pthread_mutex_t pol_lock;		/* guards only the pointer swap */
	struct yn_policy_ref *pol;

	pthread_mutex_t journal_lock;		/* one writer at a time */

	/* Verified-record cache: SHA-256 over UID || record || signature,
	 * direct-mapped; a hit skips the ECDSA verify (tens of µs). */
	pthread_mutex_t cache_lock;
	uint8_t (*cache)[YN_SHA256_LEN];
};

/* Load everything cfg names.  On failure returns a YN_E* code, writes a
 * sentence naming the file and the fix into err, and leaves *t freed. */
int yn_term_open(struct yn_term *t, const struct yn_config *cfg, char *err, size_t err_cap);
void yn_term_close(struct yn_term *t);

/* SIGHUP: load the denylist file and the policy file again.  A list or
 * policy that fails a check is refused (message in err) and the one in force
 * stays.  Returns 0 if both are in force after the call (new or unchanged). */
int yn_term_reload(struct yn_term *t, char *err, size_t err_cap);

/* The policy in force, held until yn_term_policy_put: taps keep the policy
 * they started with while a reload swaps in a new one. */
const struct yn_policy *yn_term_policy_get(struct yn_term *t, struct yn_policy_ref **ref);
void yn_term_policy_put(struct yn_term *t, struct yn_policy_ref *ref);

/* Record cache: 1 if digest is known verified; yn_term_cache_add remembers it. */
int yn_term_cache_has(struct yn_term *t, const uint8_t digest[YN_SHA256_LEN]);
void yn_term_cache_add(struct yn_term *t, const uint8_t digest[YN_SHA256_LEN]);

/* Append rec durably (serialised between reader threads).  *seq receives the
 * record's sequence number. */
int yn_term_journal(struct yn_term *t, const struct yn_journal_rec *rec, uint64_t *seq);

/* The key role for a daemon role. */
enum yn_keyrole yn_term_keyrole(enum yn_role role);

#endif
