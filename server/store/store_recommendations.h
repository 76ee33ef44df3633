/*
 * store_recommendations.h - the records of recommendations (kiến nghị): what
 * a unit must do by a deadline, the unit's current response (remediation or
 * explanation, with evidence), the leader's decision, and every response
 * round with its decision (recommendation_rounds).
 *
 * SQL lives in store_recommendations.c (portable, through db.h). Domain rules
 * (who may issue, answer or decide; which transitions; what is overdue) are
 * svc_recommendations.c's: here only keys, versions and the state a row must
 * be in for an UPDATE to touch it.
 *
 * Ownership: output structs are filled by value; nothing returned needs
 * freeing. A struct store_recommendation is large (three text buffers and the
 * evidence list): callers keep it on the heap. List callbacks get a pointer
 * valid only during the call. Errors as store.h: 0 or a negative KT_E* code.
 */
#ifndef KT_STORE_RECOMMENDATIONS_H
#define KT_STORE_RECOMMENDATIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/store/store.h"
#include "server/store/store_plans.h"

/* One recommendation at its largest still fits one response frame (64 KiB). */
#define STORE_REC_TEXT_MAX (16 * 1024)	/* the recommendation's and the response's text */
#define STORE_REC_REASON_MAX (4 * 1024) /* the reason of a return */
#define STORE_REC_EVIDENCE_MAX 16	/* evidence items of one response */
#define STORE_REC_CLIENT_ID_MIN 8
#define STORE_REC_CLIENT_ID_MAX 64
#define STORE_REC_EVIDENCE_TYPE_MAX STORE_NAME_MAX

/* proto RecommendationState */
enum store_rec_state {
	STORE_REC_OPEN = 1,
	STORE_REC_ANSWERED = 2,
	STORE_REC_DONE = 3,
	STORE_REC_RETURNED = 4,
};

/* recommendation_rounds.decision */
enum store_rec_decision {
	STORE_REC_PENDING = 0,
	STORE_REC_ACCEPTED = 1,
	STORE_REC_REJECTED = 2, /* returned to the unit */
};

struct store_rec_evidence {
	int64_t id;
	char name[STORE_NAME_MAX + 1];
	uint8_t sha256[32];
	uint64_t size;
	char content_type[STORE_REC_EVIDENCE_TYPE_MAX + 1];
};

struct store_recommendation {
	int64_t id;
	int64_t plan_id;
	int64_t unit_id;
	char text[STORE_REC_TEXT_MAX + 1];
	char deadline[STORE_DATE_MAX + 1];
	int state;	   /* enum store_rec_state */
	int response_kind; /* ResponseKind; 0 before the first answer */
	char response_text[STORE_REC_TEXT_MAX + 1];
	size_t n_evidence;
	struct store_rec_evidence evidence[STORE_REC_EVIDENCE_MAX]; /* ascending id */
	int64_t responded_by, responded_at;
	char decision_reason[STORE_REC_REASON_MAX + 1];
	int64_t decided_by, decided_at;
	char client_id[STORE_REC_CLIENT_ID_MAX + 1];
	int64_t created_by, created_at, updated_at;
	int64_t version;
	int32_t rounds; /* response rounds so far */
};

/*
 * Insert r as OPEN: reads plan_id, unit_id, text, deadline, client_id,
 * created_by, created_at. Sets id, state, version (1), updated_at.
 * KT_EEXIST when created_by already used client_id.
 */
int store_rec_create(struct store_tx *tx, struct store_recommendation *r);
int store_rec_get(struct store_tx *tx, int64_t id, struct store_recommendation *out);
/* The recommendation created_by made with client_id; KT_ENOTFOUND when none. */
int store_rec_get_by_client(struct store_tx *tx, int64_t created_by, const char *client_id,
			    struct store_recommendation *out);
/*
 * A response: state ANSWERED, the response fields replaced (the previous
 * decision's reason, by and at cleared: they stay in their round), the
 * evidence list replaced, and a new round row written. KT_ECONFLICT when the
 * row is not at expected_version or is neither OPEN nor RETURNED.
 */
int store_rec_respond(struct store_tx *tx, int64_t id, int64_t expected_version, int kind,
		      const char *text, size_t n_evidence, const int64_t *evidence_ids, int64_t by,
		      int64_t at);
/*
 * The decision on the current response: DONE (accept) or RETURNED with reason,
 * recorded on the recommendation and on its last round. KT_ECONFLICT when the
 * row is not at expected_version or not ANSWERED.
 */
int store_rec_decide(struct store_tx *tx, int64_t id, int64_t expected_version, bool accept,
		     const char *reason, int64_t by, int64_t at);
/*
 * The plan's recommendations (unit_id 0: every unit) with ids above after_id,
 * in id order. fn returning non-zero stops the walk; that value is returned.
 */
int store_rec_list(struct store_tx *tx, int64_t plan_id, int64_t unit_id, int64_t after_id,
		   int (*fn)(const struct store_recommendation *r, void *arg), void *arg);

/* One evidence item as a response may cite it. KT_ENOTFOUND when there is none. */
int store_rec_evidence_info(struct store_tx *tx, int64_t evidence_id, int64_t *plan_id,
			    bool *complete);

#endif
