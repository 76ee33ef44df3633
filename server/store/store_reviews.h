/*
 * store_reviews.h - the records of responsibility reviews (họp kiểm điểm trách
 * nhiệm): the tables reviews, review_officials and review_signoffs of
 * migration 2.
 *
 * The plan, its units and the minutes' evidence record are read through
 * store_plans.h and store_evidence.h.
 *
 * Layer: SQL only (portable, ?N parameters, through db.h). No domain rules
 * beyond keys and versions: svc_reviews.c checks who may do what and when.
 *
 * Ownership: output structs are filled by value (fixed-size buffers); nothing
 * returned needs freeing. Callbacks receive a pointer valid only during the
 * call; a callback returning non-zero stops the walk and that value is
 * returned. Every function runs inside the caller's transaction and returns
 * 0 or a negative KT_E* code (KT_ENOTFOUND, KT_ECONFLICT for a stale version,
 * KT_ETOOBIG for text over the column limits, KT_ECORRUPT for a row these
 * functions could not have written, storage errors).
 */
#ifndef KT_STORE_REVIEWS_H
#define KT_STORE_REVIEWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/store/store.h"

#define STORE_REVIEW_OFFICIALS_MAX 200 /* officials in one review */
#define STORE_REVIEW_NOTE_MAX 1024     /* an official's note */
#define STORE_REVIEW_REASON_MAX 1024   /* a return's reason */
#define STORE_REVIEW_DATE_SIZE 11      /* "YYYY-MM-DD" and NUL */

/* One review: the meeting as recorded and where its sign-off stands. */
struct store_review {
	int64_t id;
	int64_t plan_id;
	int64_t unit_id;
	char meeting_date[STORE_REVIEW_DATE_SIZE];
	int64_t minutes_evidence_id; /* 0: no minutes yet */
	int state;		     /* ReviewState: 1 draft, 2 in sign-off, 3 approved */
	int next_step;		     /* 1-based; 0 when approved */
	int round;		     /* 1, then +1 after each return */
	char return_reason[STORE_REVIEW_REASON_MAX + 1];
	int64_t recorded_by; /* who recorded the current content */
	int64_t recorded_at;
	int64_t updated_at;
	int64_t version; /* 1 at insert, +1 with every update */
};

/* One reviewed official, in the order recorded (review_officials.pos). */
struct store_review_official {
	char name[STORE_NAME_MAX + 1];
	char position[STORE_NAME_MAX + 1];
	int outcome; /* Outcome */
	char note[STORE_REVIEW_NOTE_MAX + 1];
};

/* One signed step (an approval or a return); never updated or deleted. */
struct store_review_signoff {
	int64_t id;
	int64_t review_id;
	int round;
	int step;
	int signer;    /* Signer */
	bool approved; /* false: returned */
	char reason[STORE_REVIEW_REASON_MAX + 1];
	int64_t user_id;
	int64_t at;
	uint8_t digest[32];
	uint8_t signature[64];
	uint8_t signing_key[32];
	/* read only: the signer's account as it is now (users table) */
	char username[STORE_USERNAME_MAX + 1];
	char full_name[STORE_NAME_MAX + 1];
};

/* ---- reviews ------------------------------------------------------------------- */

int store_review_get(struct store_tx *tx, int64_t id, struct store_review *out);
/* The review of unit_id in plan_id (there is at most one); KT_ENOTFOUND. */
int store_review_find(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
		      struct store_review *out);
/*
 * Insert r (every field but id and version); sets r->id and r->version (1).
 * KT_EEXIST when the unit already has a review in the plan.
 */
int store_review_insert(struct store_tx *tx, struct store_review *r);
/*
 * Write every mutable field of r (meeting_date, minutes, state, next_step,
 * round, return_reason, recorded_by, recorded_at, updated_at) to row r->id
 * when its version is expected_version; sets r->version to the new version
 * (expected + 1). KT_ECONFLICT when the version differs, KT_ENOTFOUND when
 * there is no such review.
 */
int store_review_update(struct store_tx *tx, struct store_review *r, int64_t expected_version);
/* Reviews of plan_id (unit_id 0: every unit) with unit_id > after_unit_id, by unit id. */
int store_review_list(struct store_tx *tx, int64_t plan_id, int64_t unit_id, int64_t after_unit_id,
		      int (*fn)(const struct store_review *r, void *arg), void *arg);

/* ---- officials ----------------------------------------------------------------- */

/* Replace the review's officials with v[0..n) (positions 1..n). */
int store_review_officials_set(struct store_tx *tx, int64_t review_id, size_t n,
			       const struct store_review_official *v);
/* The review's officials in recorded order. */
int store_review_officials_list(struct store_tx *tx, int64_t review_id,
				int (*fn)(const struct store_review_official *o, void *arg),
				void *arg);

/* ---- sign-offs ----------------------------------------------------------------- */

/*
 * Append a signed step (s->username and s->full_name are ignored); sets s->id.
 * KT_EEXIST when (review, round, step) is already signed.
 */
int store_review_signoff_add(struct store_tx *tx, struct store_review_signoff *s);
/* Every signed step of the review, every round, ordered by (round, step). */
int store_review_signoffs_list(struct store_tx *tx, int64_t review_id,
			       int (*fn)(const struct store_review_signoff *s, void *arg),
			       void *arg);

#endif
