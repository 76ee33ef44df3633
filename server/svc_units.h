/*
 * svc_units.h - the unit service: the domain rules of the unit tree above the
 * store (no protobuf, no sockets, no SQL).
 *
 * Every function runs inside a write transaction the caller opened
 * (store_run() or a batch item) and takes its struct store_tx. It validates
 * its input, checks the rules, makes the change through store.h and appends
 * one audit row in the same transaction, so a failure anywhere leaves nothing
 * behind once the caller rolls back.
 *
 * Rules: a name is non-empty single-line UTF-8 of at most STORE_NAME_MAX bytes;
 * a code is 1..STORE_CODE_MAX bytes of [A-Za-z0-9._-] and unique; a kind is a
 * UnitKind (1..8); a parent exists and is active; a move makes no cycle; a
 * merge goes into another active unit that is not its own descendant; a merged
 * unit is neither renamed, moved nor merged again.
 *
 * Results: 0 or a negative KT_E* code (KT_EINVAL, KT_EUTF8, KT_ETOOBIG for bad
 * input; KT_ENOTFOUND; KT_EEXIST for a taken code; KT_ESTATE for a merged
 * unit; KT_ECONFLICT for a stale version; storage errors as they come). msg
 * (capacity msgcap, may be NULL/0) receives a short English sentence naming
 * what was wrong, e.g. "parent unit 7 is merged into 9"; "" on success.
 * out (may be NULL) receives the unit as it is after the change.
 *
 * The actor is who acts, for history and audit: actor_user_id (0 for the
 * console), actor (the username, or "console"), session_id (0 for none).
 * now is the request's time in ms since the epoch. Nothing is allocated.
 */
#ifndef KT_SVC_UNITS_H
#define KT_SVC_UNITS_H

#include <stddef.h>
#include <stdint.h>

#include "server/store/store.h"

/* UnitKind number of a kind name ("province" ... "other"), or KT_EINVAL. */
int svc_unit_kind_parse(const char *name);
/* The name of a UnitKind number; "" for a number that is not a kind. Never NULL. */
const char *svc_unit_kind_name(int kind);

int svc_unit_add(struct store_tx *tx, const char *code, const char *name, int kind,
		 int64_t parent_id, int64_t actor_user_id, const char *actor, int64_t session_id,
		 int64_t now, struct store_unit *out, char *msg, size_t msgcap);

/*
 * expected_version 0 skips the version check. note may be NULL (multi-line,
 * at most STORE_NOTE_MAX bytes), as for move and merge.
 */
int svc_unit_rename(struct store_tx *tx, int64_t id, int64_t expected_version, const char *new_name,
		    const char *note, int64_t actor_user_id, const char *actor, int64_t session_id,
		    int64_t now, struct store_unit *out, char *msg, size_t msgcap);

/* new_parent_id 0 makes the unit a root. Moving to the current parent changes nothing. */
int svc_unit_move(struct store_tx *tx, int64_t id, int64_t new_parent_id, const char *note,
		  int64_t actor_user_id, const char *actor, int64_t session_id, int64_t now,
		  struct store_unit *out, char *msg, size_t msgcap);

/* Merge from into `into`; from's active children move under into. out is `into` after. */
int svc_unit_merge(struct store_tx *tx, int64_t from, int64_t into, const char *note,
		   int64_t actor_user_id, const char *actor, int64_t session_id, int64_t now,
		   struct store_unit *out, char *msg, size_t msgcap);

#endif
