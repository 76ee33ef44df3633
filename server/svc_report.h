/*
 * svc_report.h - the records service: what a user may watch, the figures of
 * a plan's report, and the signing keys of users. Domain rules and rights
 * only (server/rights.h decides standing); SQL is in store_report.c; no
 * protobuf, no sockets. Everything here reads; nothing is changed or audited.
 *
 * Every function runs inside a transaction the caller opened (a worker job)
 * and returns 0 or a negative KT_E* code, with a sentence for a person in msg
 * (capacity cap; may be NULL) when it refuses.
 *
 * Ownership: svc_watch_list() hands out a malloc'd array (the caller frees
 * it); svc_report_build() a struct report freed with svc_report_free()
 * (accepts NULL). On failure nothing is handed out.
 */
#ifndef KT_SVC_REPORT_H
#define KT_SVC_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/events.h"
#include "server/rights.h"
#include "server/store/store_report.h"

#define SVC_AREA_MAX 7	  /* Area values 1..7 */
#define SVC_OUTCOME_MAX 6 /* Outcome values 1..6 */
#define SVC_WATCH_MAX_PLANS 4096
#define SVC_KEYS_MAX_USERS 256

/*
 * The watch list of user u: for plan_id, that plan (KT_ENOTFOUND, or KT_EPERM
 * when u has no standing in it); for plan_id 0, every plan that is not closed
 * in which u has standing (possibly none: *n = 0). Each entry: team members
 * (any TeamRole) see the whole plan including team-only updates (drafts,
 * returns); observers, the approving authority and planners see the whole
 * plan without them; a unit representative sees only their unit. KT_ELIMIT
 * beyond SVC_WATCH_MAX_PLANS plans. *out is malloc'd (NULL when *n is 0).
 */
int svc_watch_list(struct store_tx *tx, const struct rights_user *u, int64_t plan_id,
		   struct watch_entry **out, size_t *n, char *msg, size_t cap);

struct report_counts {
	uint32_t strengths, shortcomings;
};

struct report_unit {
	struct store_report_unit unit;		      /* id, code, name, covering working group */
	uint32_t strengths, shortcomings;	      /* ACCEPTED findings */
	struct report_counts areas[SVC_AREA_MAX + 1]; /* by Area; [0] unused */
	uint32_t rec_open, rec_done, rec_overdue;
	bool conclusion_approved;
	bool review_held, review_approved;
	uint32_t officials;
};

/*
 * A plan's figures (docs/PROTOCOL.md §14 defines each one):
 *   units_inspected  units with an ACCEPTED finding or an approved conclusion
 *   units_total      units of the plan (1 for a restricted report)
 *   groups           working groups of the plan (restricted: assigned to the unit)
 *   window           first date_from .. last date_to of the assignments; the
 *                    plan's period when there is none (window_is_period)
 *   rec_*            open = OPEN|ANSWERED|RETURNED, done = DONE, overdue = open
 *                    with a deadline before as_of (a subset of open)
 *   reviews_held     units with a recorded review (any state);
 *   reviews_approved those in state APPROVED; officials: officials reviewed in
 *                    every recorded review; outcomes[] by Outcome
 */
struct report {
	struct store_plan plan;
	int64_t only_unit; /* restricted to one unit (its representative asked); else 0 */
	char as_of[STORE_DATE_MAX + 1];
	uint32_t units_inspected, units_total, groups;
	char window_from[STORE_DATE_MAX + 1], window_to[STORE_DATE_MAX + 1];
	bool window_is_period;
	struct report_unit *units; /* ordered by unit code */
	size_t nunits;
	struct report_counts areas[SVC_AREA_MAX + 1];
	uint32_t strengths, shortcomings;
	uint32_t rec_open, rec_done, rec_overdue;
	uint32_t conclusions_approved;
	uint32_t reviews_held, reviews_approved, officials;
	uint32_t outcomes[SVC_OUTCOME_MAX + 1]; /* by Outcome; [0] unused */
};

/*
 * Build the report of plan_id for u as of today ("YYYY-MM-DD": the server's
 * date, kt_date_server_today()).
 * Anyone with standing in the plan gets every unit; a unit representative
 * with no other standing gets their own unit only. KT_ENOTFOUND, KT_EPERM as
 * rights_load(); storage errors as they come.
 */
int svc_report_build(struct store_tx *tx, const struct rights_user *u, int64_t plan_id,
		     const char *today, struct report **out, char *msg, size_t cap);
void svc_report_free(struct report *r);

/*
 * The registered signing keys of the users ids[0..n) (duplicates asked once,
 * unknown ids give no keys), each handed to fn in the order asked. Any
 * logged-in user may ask: these are public keys. KT_EINVAL for an id <= 0,
 * KT_ELIMIT for more than SVC_KEYS_MAX_USERS ids.
 */
int svc_signing_keys(struct store_tx *tx, const int64_t *ids, size_t n,
		     int (*fn)(const struct store_signing_key *k, void *arg), void *arg, char *msg,
		     size_t cap);

#endif
