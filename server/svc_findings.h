/*
 * svc_findings.h - the finding service: the domain rules of findings
 * (strengths and shortcomings a team records per plan, unit and area) above
 * the store. No protobuf, no sockets, no SQL.
 *
 * States (FindingState), the whole machine; svc_finding_next() is the only
 * place that decides a transition:
 *
 *     (none) --create--------------------> DRAFT
 *     (none) --create, submit------------> SUBMITTED
 *     DRAFT, RETURNED --edit-------------> DRAFT
 *     DRAFT, RETURNED --edit, submit-----> SUBMITTED
 *     DRAFT, RETURNED --submit-----------> SUBMITTED
 *     SUBMITTED --accept (signed)--------> ACCEPTED   (frozen for good)
 *     SUBMITTED --return (reason)--------> RETURNED
 *
 * Every change names the version it is based on (KT_ECONFLICT with
 * *current_version when stale: nothing is overwritten) and writes the full
 * content as a new revision. An accepted finding carries the leader's
 * signature over kt_digest_finding_accept() of its stored content.
 *
 * Rights (server/rights.h), always for an open plan: creating, editing and
 * submitting need a team member who may write on the finding's unit
 * (leader/deputy: any unit; member/secretary: units assigned to them or
 * their working group); accepting and returning need the leader or a deputy.
 * Reading: the team sees every finding of the plan; observers, the approving
 * authority and planners see SUBMITTED and ACCEPTED ones; a unit's
 * representative sees only ACCEPTED findings of their own unit.
 *
 * Every function runs inside a transaction the caller opened (a worker job),
 * writes one audit row per change in that transaction, and returns 0 or a
 * KT_E* code with a sentence for a person in msg (capacity cap). Outputs are
 * filled by value (a struct store_finding is large: keep it on the heap);
 * nothing is allocated for the caller.
 */
#ifndef KT_SVC_FINDINGS_H
#define KT_SVC_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/rights.h"
#include "server/store/store_findings.h"
#include "server/svc_users.h"

/* FindingState numbers (proto). */
enum {
	SVC_FINDING_NONE = 0,
	SVC_FINDING_DRAFT = 1,
	SVC_FINDING_SUBMITTED = 2,
	SVC_FINDING_ACCEPTED = 3,
	SVC_FINDING_RETURNED = 4,
};

/* What a request does to a finding. */
enum svc_finding_op {
	SVC_FOP_CREATE,
	SVC_FOP_EDIT,
	SVC_FOP_SUBMIT,
	SVC_FOP_ACCEPT,
	SVC_FOP_RETURN,
};

/*
 * The state after op on a finding in state from (SVC_FINDING_NONE for a
 * create), with submit (create and edit only); -1 when op is not allowed
 * in state from.
 */
int svc_finding_next(enum svc_finding_op op, int from, bool submit);
/* The name of a state, "draft" ... "returned"; "none" otherwise. */
const char *svc_finding_state_name(int state);

/* client_id rule: 8..64 bytes of [A-Za-z0-9._:-]. */
bool svc_finding_client_id_ok(const char *client_id);

/* The content of a create or an edit. */
struct svc_finding_input {
	int area;		     /* Area 1..7 (an edit: 0 keeps the current one) */
	int kind;		     /* FindingKind 1..2 (an edit: 0 keeps) */
	const char *text;	     /* <= 16 KiB, multi-line, non-empty (an edit: "" keeps) */
	const char *cause;	     /* <= 8 KiB, may be empty; an edit replaces it */
	const int64_t *evidence_ids; /* complete evidence of the plan; an edit replaces them */
	size_t n_evidence;
	bool submit;
};

/*
 * Create a finding (revision 1). A client_id this author used before returns
 * that finding with *created false and changes nothing.
 */
int svc_finding_create(struct store_tx *tx, const struct svc_actor *who,
		       const struct rights_user *ru, const char *client_id, int64_t plan_id,
		       int64_t unit_id, const struct svc_finding_input *in,
		       struct store_finding *out, bool *created, char *msg, size_t cap);

int svc_finding_update(struct store_tx *tx, const struct svc_actor *who,
		       const struct rights_user *ru, int64_t id, int64_t version,
		       const struct svc_finding_input *in, struct store_finding *out,
		       int64_t *current_version, char *msg, size_t cap);

int svc_finding_submit(struct store_tx *tx, const struct svc_actor *who,
		       const struct rights_user *ru, int64_t id, int64_t version,
		       struct store_finding *out, int64_t *current_version, char *msg, size_t cap);

/*
 * Accept (sig: Ed25519 by device_id's signing key over the acceptance
 * digest of the stored finding) or return (reason: non-empty).
 */
int svc_finding_review(struct store_tx *tx, const struct svc_actor *who,
		       const struct rights_user *ru, int64_t device_id, int64_t id, int64_t version,
		       bool accept, const char *reason, const uint8_t *sig, size_t sig_len,
		       struct store_finding *out, int64_t *current_version, char *msg, size_t cap);

/* The acceptance digest of a stored finding (evidence sorted by id, with SHA-256). */
int svc_finding_digest(struct store_tx *tx, const struct store_finding *f, uint8_t out[32]);

/* One finding, when the caller may see it. */
int svc_finding_get(struct store_tx *tx, const struct rights_user *ru, int64_t id,
		    struct store_finding *out, char *msg, size_t cap);

struct svc_finding_query {
	int64_t plan_id;
	int64_t unit_id; /* 0: every unit the caller may see */
	int state;	 /* 0: any */
	int area;	 /* 0: any */
	int64_t after_id;
	unsigned limit; /* 0: no limit (the caller pages) */
};

/* The findings of a plan the caller may see, in id order. */
int svc_finding_list(struct store_tx *tx, const struct rights_user *ru,
		     const struct svc_finding_query *q,
		     int (*fn)(const struct store_finding *f, void *arg), void *arg, char *msg,
		     size_t cap);

/*
 * The revisions of a finding the caller may see (the team: all; others only
 * those in a state they may see), version > after_version, at most limit.
 */
int svc_finding_history(struct store_tx *tx, const struct rights_user *ru, int64_t id,
			int64_t after_version, unsigned limit,
			int (*fn)(const struct store_finding_revision *r, void *arg), void *arg,
			char *msg, size_t cap);

/*
 * Whether an update about a finding in this state is for the team only
 * (everything before acceptance: drafts, submissions awaiting review and
 * returns; a unit's representative must not see them).
 */
bool svc_finding_team_only(int state);

#endif
