/*
 * svc_recommendations.h - the recommendation service: the domain rules of
 * recommendations (kiến nghị) and the unit's answers to them, above the store.
 * No protobuf, no sockets, no SQL.
 *
 * A recommendation tells one unit of a plan what to do by a deadline. Its
 * states (proto RecommendationState):
 *
 *     (none) --create (leader or deputy)--> OPEN
 *     OPEN, RETURNED --respond (the unit's representative): remediation
 *                      (khắc phục) or explanation (giải trình)--> ANSWERED
 *     ANSWERED --decide accept (leader or deputy)--> DONE
 *     ANSWERED --decide return, with a reason--> RETURNED
 *
 * DONE is final. Each response is a round (recommendation_rounds) that keeps
 * its kind, text, evidence and the decision on it, so a return and the next
 * answer never overwrite history. A recommendation is overdue when its
 * deadline is earlier than the server's date in Vietnam
 * (kt_date_server_today()) and it is not DONE; this is computed when read,
 * never stored.
 *
 * Rights (server/rights.h): create and decide need the team role leader or
 * deputy; respond needs the representative of the recommendation's unit;
 * every change needs an open plan. Reading: the team, the plan's observers,
 * its approving authority and planners see every unit's; a unit's
 * representative sees only their own unit's.
 *
 * Every function runs inside a transaction the caller opened (a worker job),
 * writes one audit row per change in that transaction, and returns 0 or a
 * KT_E* code with a sentence for a person in msg (capacity cap). Outputs are
 * filled by value; struct store_recommendation is large: keep it on the heap.
 */
#ifndef KT_SVC_RECOMMENDATIONS_H
#define KT_SVC_RECOMMENDATIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/rights.h"
#include "server/store/store_recommendations.h"
#include "server/svc_users.h"

struct svc_rec_create {
	const char *client_id; /* 8..64 bytes: a retry returns the same record */
	int64_t plan_id;
	int64_t unit_id;      /* one of the plan's units */
	const char *text;     /* non-empty, multi-line, <= STORE_REC_TEXT_MAX */
	const char *deadline; /* YYYY-MM-DD, not before the plan's period_start */
};

/* Issue a recommendation; *created is false when client_id was used before by this user. */
int svc_rec_create(struct store_tx *tx, const struct svc_actor *who, const struct rights_user *ru,
		   const struct svc_rec_create *in, struct store_recommendation *out, bool *created,
		   char *msg, size_t cap);

struct svc_rec_respond {
	int64_t id;
	int64_t version;
	int kind; /* ResponseKind: 1 remediation, 2 explanation */
	const char *text;
	size_t n_evidence;
	const int64_t *evidence_ids; /* complete evidence of the same plan */
};

/* The unit's answer. KT_ECONFLICT with *current_version when the version is stale. */
int svc_rec_respond(struct store_tx *tx, const struct svc_actor *who, const struct rights_user *ru,
		    const struct svc_rec_respond *in, struct store_recommendation *out,
		    int64_t *current_version, char *msg, size_t cap);

/* The leader's decision on the answer: accept (DONE) or return with reason (RETURNED). */
int svc_rec_decide(struct store_tx *tx, const struct svc_actor *who, const struct rights_user *ru,
		   int64_t id, int64_t version, bool accept, const char *reason,
		   struct store_recommendation *out, int64_t *current_version, char *msg,
		   size_t cap);

struct svc_rec_query {
	int64_t plan_id; /* may be 0 when id is given */
	int64_t unit_id; /* 0: every unit the caller may see */
	bool overdue_only;
	int64_t after_id; /* paging: ids above this, in id order */
	int64_t id;	  /* only this recommendation */
};

/*
 * The recommendations the caller may see, with overdue computed against the
 * server's date; overdue_only keeps only those. fn returning non-zero stops
 * the walk; that value is returned. A representative naming another unit, or
 * another unit's recommendation by id, is refused (KT_EPERM).
 */
int svc_rec_list(struct store_tx *tx, const struct svc_actor *who, const struct rights_user *ru,
		 const struct svc_rec_query *q,
		 int (*fn)(const struct store_recommendation *r, bool overdue, void *arg),
		 void *arg, char *msg, size_t cap);

/* Overdue on date today ("YYYY-MM-DD"): deadline < today and not DONE. */
bool svc_rec_overdue(const struct store_recommendation *r, const char *today);

#endif
