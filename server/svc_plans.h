/*
 * svc_plans.h - the plan service: registering and changing plans, forming
 * the team (team decision, members, working groups), assigning units,
 * naming observers, and closing a plan with a signed approval. Domain rules
 * and rights live here (no protobuf, no sockets, no SQL: the records are in
 * server/store/store_plans.h, the rights model in server/rights.h).
 *
 * Every function runs inside a transaction the caller opened (a worker job),
 * checks the caller's rights in the plan for this request, writes one audit
 * row per change in the same transaction, and returns 0 or a KT_E* code with
 * a sentence for a person in msg (capacity cap) naming the missing right or
 * the broken rule. A stale version gives KT_ECONFLICT and *current_version.
 *
 * Rules (docs/design/plans.md has them with the table of role x request):
 * - number: 1..64 bytes of one line; (number, issued_on) unique.
 * - dates "YYYY-MM-DD", real calendar dates (common/date.h); period_start <=
 *   period_end; assignments within the period, date_from <= date_to.
 * - issuer 1..256 bytes, title 1..512 bytes, one line each.
 * - units: 1..SVC_PLAN_UNITS_MAX distinct codes of active units.
 * - areas: Area numbers 1..7, empty means every area.
 * - authority: a username holding the authority role (optional).
 * - review chain: empty means UNIT_REP, LEADER, AUTHORITY; else Signer
 *   numbers 1..4, starting with UNIT_REP, no repeats.
 * - client_id: 8..64 bytes; the same user's retry returns the same plan.
 * - team: only inspectors; at most one leader; role NONE removes.
 * - a closed plan refuses every change.
 *
 * Ownership: outputs are filled by value into the caller's structs; sinks
 * receive pointers valid only during the callback.
 */
#ifndef KT_SVC_PLANS_H
#define KT_SVC_PLANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/rights.h"
#include "server/store/store.h"
#include "server/store/store_plans.h"
#include "server/svc_users.h"

#define SVC_PLAN_UNITS_MAX 200
#define SVC_PLAN_TEAM_MAX 60
#define SVC_PLAN_GROUPS_MAX 30
#define SVC_PLAN_ASSIGNMENTS_MAX 400
#define SVC_PLAN_OBSERVERS_MAX 50
#define SVC_CLIENT_ID_MIN 8

#define SVC_AREA_MAX 7	 /* Area numbers 1..7 */
#define SVC_SIGNER_MAX 4 /* Signer numbers 1..4 */

/* Input of create and update. For update, an empty field means "unchanged". */
struct svc_plan_spec {
	const char *number;    /* create only */
	const char *issued_on; /* create only */
	const char *issuer;    /* create only */
	const char *title;
	const char *period_start;
	const char *period_end;
	const int *areas;
	size_t n_areas;
	char *const *unit_codes;
	size_t n_units;
	const char *authority; /* username; "" none (create) / unchanged (update) */
	const int *chain;
	size_t n_chain;
	const char *client_id; /* create only */
};

/* A plan as one caller may see it: unit ids filtered for a unit representative. */
struct svc_plan_out {
	struct store_plan plan;
	int64_t unit_ids[SVC_PLAN_UNITS_MAX];
	size_t n_units;
	bool created; /* create: false when the client_id was seen before */
	struct plan_access access;
	/* who closed it, when closed */
	char closed_by_username[STORE_USERNAME_MAX + 1];
	char closed_by_name[STORE_NAME_MAX + 1];
};

/* What svc_plan_get() and svc_plan_team() report besides the plan (any may be NULL). */
struct svc_plan_sink {
	int (*unit)(const struct store_unit *u, void *arg);
	int (*member)(const struct store_team_member *m, void *arg);
	int (*group)(const struct store_group *g, void *arg);
	int (*assignment)(const struct store_assignment *a, void *arg);
	int (*observer)(const struct store_user *u, void *arg);
	int (*authority)(const struct store_user *u, void *arg);
	void *arg;
};

/* Area names as on the command line: "direction" ... "digital-gov"; NULL when out of range. */
const char *svc_area_name(int area);
/* Signer names: "unit_rep", "leader", "deputy", "authority"; NULL when out of range. */
const char *svc_signer_name(int signer);

int svc_plan_create(struct store_tx *tx, const struct svc_actor *who, const struct rights_user *u,
		    const struct svc_plan_spec *spec, struct svc_plan_out *out, char *msg,
		    size_t cap);

/*
 * Find the plan named by id, or (id 0) by number: "06/KH-UBND", or with the
 * issue year or date "06/KH-UBND@2022", "06/KH-UBND@2022-01-11" when several
 * plans share a number. Only plans the caller has standing in are found.
 */
int svc_plan_resolve(struct store_tx *tx, const struct rights_user *u, int64_t id,
		     const char *number, int64_t *plan_id, char *msg, size_t cap);

/* The plan with its units, team, groups, assignments, observers and authority. */
int svc_plan_get(struct store_tx *tx, const struct rights_user *u, int64_t plan_id,
		 const struct svc_plan_sink *sink, struct svc_plan_out *out, char *msg, size_t cap);

/* The plans the caller has standing in (planners: every plan), in id order. */
int svc_plan_list(struct store_tx *tx, const struct rights_user *u, bool include_closed,
		  int (*fn)(const struct svc_plan_out *p, void *arg), void *arg, char *msg,
		  size_t cap);

int svc_plan_update(struct store_tx *tx, const struct svc_actor *who, const struct rights_user *u,
		    int64_t plan_id, int64_t version, const struct svc_plan_spec *spec,
		    struct svc_plan_out *out, int64_t *current_version, char *msg, size_t cap);

/* The team decision: number and date (not before the plan's issue date). */
int svc_team_set(struct store_tx *tx, const struct svc_actor *who, const struct rights_user *u,
		 int64_t plan_id, int64_t version, const char *decision_number,
		 const char *decision_date, struct svc_plan_out *out, int64_t *current_version,
		 char *msg, size_t cap);

/* What a team change did, for the event and the reply. */
struct svc_team_change {
	int64_t plan_id;
	int64_t plan_version;
	int64_t user_id;
	char username[STORE_USERNAME_MAX + 1];
	int old_role, role; /* TeamRole; role 0: removed */
	int64_t group_id;
	char summary[256];
};

int svc_team_member_set(struct store_tx *tx, const struct svc_actor *who,
			const struct rights_user *u, int64_t plan_id, const char *username,
			int role, const char *group, struct svc_team_change *out, char *msg,
			size_t cap);

/* The team and working groups of a plan (for TeamResp), no rights check. */
int svc_plan_team(struct store_tx *tx, int64_t plan_id, const struct svc_plan_sink *sink);

/* Assign unit_code to a working group (group) or one member (username). */
int svc_assign(struct store_tx *tx, const struct svc_actor *who, const struct rights_user *u,
	       int64_t plan_id, const char *unit_code, const char *group, const char *username,
	       const char *date_from, const char *date_to, struct store_assignment *out,
	       char *summary, size_t summary_cap, char *msg, size_t cap);

/* Add (idempotent) or remove an observer; ids receive the observers after the change. */
int svc_observer_set(struct store_tx *tx, const struct svc_actor *who, const struct rights_user *u,
		     int64_t plan_id, const char *username, bool remove, int64_t *ids,
		     size_t ids_cap, size_t *n_ids, bool *changed, char *msg, size_t cap);

/*
 * Close the plan: the leader's signature (Ed25519 by the session's device
 * key, svc_verify_signature) over kt_digest_plan_close of the stored plan
 * with its unit ids ascending. Refused (KT_ESTATE, listing what is open)
 * unless every unit has an approved conclusion, every recommendation DONE
 * and an approved review.
 */
int svc_plan_close(struct store_tx *tx, const struct svc_actor *who, const struct rights_user *u,
		   int64_t device_id, int64_t plan_id, int64_t version, const uint8_t *sig,
		   size_t sig_len, struct svc_plan_out *out, int64_t *current_version, char *msg,
		   size_t cap);

#endif
