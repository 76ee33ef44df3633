/*
 * svc_reviews.h - the responsibility review service (họp kiểm điểm trách
 * nhiệm): a unit records the meeting it held after the inspection (date,
 * minutes, each official reviewed and the outcome), and the record passes
 * through the plan's sign-off chain, each step a signed approval (or a signed
 * return) by a named person. Domain rules and rights live here; no protobuf,
 * no sockets, no SQL (store_reviews.h does the SQL).
 *
 * Every function runs inside the caller's transaction (a worker job), writes
 * an audit row for each change in that same transaction, and returns 0 or a
 * KT_E* code with a sentence for a person in msg (capacity cap):
 * KT_EINVAL/KT_ETOOBIG/KT_EUTF8 (bad input), KT_ENOTFOUND, KT_EPERM (the right
 * that is missing, and who the caller is), KT_ESTATE (not in this state; a
 * closed plan), KT_ECONFLICT (stale version: *current_version gets the
 * review's version now), storage errors.
 *
 * Ownership: struct svc_review owns its officials and signoffs arrays
 * (malloc'd by the service); svc_review_free() releases them (NULL is fine)
 * and leaves the struct empty. Callbacks get a review valid only during the
 * call.
 */
#ifndef KT_SVC_REVIEWS_H
#define KT_SVC_REVIEWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/rights.h"
#include "server/store/store.h"
#include "server/store/store_evidence.h"
#include "server/store/store_plans.h"
#include "server/store/store_reviews.h"
#include "server/svc_users.h"

/* proto ReviewState */
enum {
	SVC_REVIEW_NONE = 0, /* no review recorded yet */
	SVC_REVIEW_DRAFT = 1,
	SVC_REVIEW_IN_SIGNOFF = 2,
	SVC_REVIEW_APPROVED = 3,
};

/* proto Signer */
enum {
	SVC_SIGNER_UNIT_REP = 1,
	SVC_SIGNER_LEADER = 2,
	SVC_SIGNER_DEPUTY = 3,
	SVC_SIGNER_AUTHORITY = 4,
};

#define SVC_REVIEW_OFFICIALS_TEXT_MAX (16 * 1024) /* names + positions + notes, in bytes */
#define SVC_REVIEW_ROUNDS_MAX 8			  /* a review is returned at most 7 times */

/* A review as the service hands it out: the record, its officials, every signed step. */
struct svc_review {
	struct store_review r;
	char unit_code[STORE_CODE_MAX + 1];
	char recorder[STORE_USERNAME_MAX + 1];	/* username of r.recorded_by ("" if unknown) */
	char recorder_name[STORE_NAME_MAX + 1]; /* their full name */
	bool has_minutes;
	struct store_evidence minutes; /* when has_minutes */
	size_t n_officials;
	struct store_review_official *officials; /* owned */
	size_t n_signoffs;
	struct store_review_signoff *signoffs; /* owned; every round, by (round, step) */
};

void svc_review_free(struct svc_review *v);

/* An official as a request gives it (pointers into the request). */
struct svc_review_official {
	const char *name;
	const char *position;
	int outcome;
	const char *note; /* NULL reads as "" */
};

/* The caller: who acts (audit) and their global standing (rights). */
struct svc_review_caller {
	const struct svc_actor *who;
	struct rights_user user;
	int64_t device_id; /* the session's device: its key verifies signatures */
};

/*
 * Record (version 0) or replace (version = the review's version) the review
 * of unit_id in plan_id. Only the unit's representative, only in DRAFT.
 * minutes_evidence_id 0: no minutes yet. out receives the review after the
 * change (may be NULL). A version-0 record that repeats, by the same user,
 * exactly the draft already stored (a retry) changes nothing and succeeds.
 */
int svc_review_record(struct store_tx *tx, const struct svc_review_caller *c, int64_t plan_id,
		      int64_t unit_id, int64_t version, const char *meeting_date,
		      int64_t minutes_evidence_id, size_t n_officials,
		      const struct svc_review_official *officials, struct svc_review *out,
		      int64_t *current_version, char *msg, size_t cap);

/*
 * Sign step `step` (the review's next step) of review id at version: approve,
 * or return with a reason (steps after the first). sig is the caller's
 * Ed25519 signature over kt_digest_review_signoff() of the stored review.
 */
int svc_review_sign(struct store_tx *tx, const struct svc_review_caller *c, int64_t id,
		    int64_t version, int step, bool approve, const char *reason, const uint8_t *sig,
		    size_t sig_len, struct svc_review *out, int64_t *current_version, char *msg,
		    size_t cap);

/*
 * The reviews of plan_id the caller may see (unit_id 0: all of them), for
 * units with id > after_unit_id, in unit id order. fn returning non-zero
 * stops the walk; that value is returned.
 */
int svc_review_list(struct store_tx *tx, const struct svc_review_caller *c, int64_t plan_id,
		    int64_t unit_id, int64_t after_unit_id,
		    int (*fn)(const struct svc_review *v, void *arg), void *arg, char *msg,
		    size_t cap);

/*
 * The digest a signer signs for `step` of review v (its current round) with
 * signer kind `signer`: kt_digest_review_signoff() over the stored content.
 */
void svc_review_digest(const struct svc_review *v, int step, int signer, bool approve,
		       const char *reason, uint8_t out[32]);

/* ---- the state machine (pure; see the table in svc_reviews.c) --------------------- */

enum svc_review_action {
	SVC_REVIEW_RECORD = 1,
	SVC_REVIEW_APPROVE = 2,
	SVC_REVIEW_RETURN = 3,
};

/* Where a review stands. */
struct svc_review_pos {
	int state; /* SVC_REVIEW_NONE .. SVC_REVIEW_APPROVED */
	int next_step;
	int round;
};

/* Someone who signed a step of the current round. */
struct svc_review_signed {
	int step;
	int64_t user_id;
};

/* One proposed move and everything its guards look at. */
struct svc_review_move {
	int action;	  /* enum svc_review_action */
	int step;	  /* APPROVE, RETURN: the step named */
	const int *chain; /* the plan's Signer chain */
	size_t n_chain;
	const struct plan_access *access; /* the actor's standing in the plan */
	int64_t user_id;		  /* the actor */
	const char *username;
	int64_t unit_id;			      /* the review's unit */
	const char *unit_code;			      /* for messages */
	const char *plan_number;		      /* for messages */
	const char *reason;			      /* RETURN: must be non-empty */
	bool has_minutes;			      /* APPROVE of step 1 needs the minutes */
	const struct svc_review_signed *round_signed; /* the current round's signed steps */
	size_t n_round_signed;
};

/*
 * The one place that decides whether a move is allowed: the state and step,
 * who may sign the step (the chain's Signer for it), nobody signing two steps
 * of a round, a return's reason, the minutes before the first sign-off, the
 * round limit. On success *next is the position after the move; otherwise
 * KT_ESTATE, KT_EPERM or KT_EINVAL with a sentence in msg.
 */
int svc_review_transition(const struct svc_review_pos *cur, const struct svc_review_move *mv,
			  struct svc_review_pos *next, char *msg, size_t cap);

/*
 * Whether the actor (access, username) may sign as `signer` for unit_id:
 * 0, or KT_EPERM with a sentence naming the signer the step needs.
 */
int svc_review_signer_check(int signer, const struct plan_access *access, int64_t unit_id,
			    const char *username, const char *unit_code, const char *plan_number,
			    int step, char *msg, size_t cap);

/* "unit_rep", "leader", "deputy", "authority"; "?" otherwise. Never NULL. */
const char *svc_review_signer_name(int signer);
/* "no-action", "reminder", ...; "?" otherwise. Never NULL. */
const char *svc_review_outcome_name(int outcome);

#endif
