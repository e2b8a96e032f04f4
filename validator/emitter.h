/*
 * Where decisions go: a JSON line on stdout (if enabled), the same line to
 * every client of the event socket, a human line in the log, and an optional
 * hook command (relays, displays).  All of it happens on the emitter's own
 * thread: the tap only queues the outcome and never waits for a slow reader
 * of stdout, a stuck client or a hook.
 *
 * Event socket (a UNIX stream socket, mode 0660): clients receive every
 * decision line; a client may send "status\n" (metrics JSON line back) or
 * "ping\n" ("{"type":"pong"}").  A client that does not keep up is dropped.
 *
 * Hook: run as `HOOK VERDICT REASON` with the decision in the environment
 * (YN_VERDICT, YN_REASON, YN_MESSAGE, YN_SERIAL, YN_UID, YN_GRANTED,
 * YN_SUBSIDY_FEN, YN_EVENT_JSON); killed after hook_timeout_ms.
 */
#ifndef YN_EMITTER_H
#define YN_EMITTER_H

#include "validator/config.h"
#include "validator/metrics.h"
#include "validator/outcome.h"

struct yn_emitter;

/* Start the emitter thread; binds the socket if cfg->socket_path is set
 * (an existing socket file is replaced; YN_EIO if it cannot be bound). */
int yn_emitter_start(const struct yn_config *cfg, struct yn_metrics *m,
		     struct yn_emitter **out);
/* Queue a decision.  Never blocks; if 256 decisions are already waiting the
 * oldest is dropped and counted (logged). */
void yn_emitter_emit(struct yn_emitter *e, const struct yn_outcome *o);
/* Deliver what is queued, wait for running hooks (up to their timeout),
 * close the socket and free e.  NULL is allowed. */
void yn_emitter_stop(struct yn_emitter *e);

#endif
