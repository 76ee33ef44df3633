/*
 * rights.h - who may do what in a plan. Every workflow service asks here, on
 * the server, for every request; nothing is trusted from the client.
 *
 * A user's standing in a plan comes from: the team (TeamRole: leader, deputy,
 * member, secretary; members and secretaries act on the units assigned to
 * them or to their working group; leader and deputies on every unit of the
 * plan), the plan's observers, the plan's approving authority, the global
 * planner role (registers plans and forms teams), and the unit representative
 * role (sees and answers only for their own unit, if it is in the plan).
 * Administrators manage accounts and units from the console; over the network
 * they have no workflow rights at all.
 *
 * Owns nothing; struct plan_access is filled by value. Functions run inside a
 * transaction (a worker job).
 */
#ifndef KT_RIGHTS_H
#define KT_RIGHTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/store/store.h"

struct rights_user {
	int64_t user_id;
	uint32_t roles;          /* STORE_ROLE_BIT()s */
	int64_t unit_id;         /* for unit representatives */
};

struct plan_access {
	int64_t plan_id;
	int status;              /* PlanStatus: 1 active, 2 closed */
	int team_role;           /* TeamRole in this plan; 0 when not on the team */
	int64_t group_id;        /* working group in this plan; 0 when none */
	bool observer;           /* an observer of this plan */
	bool authority;          /* this plan's approving authority */
	bool planner;            /* global planner role */
	int64_t rep_unit_id;     /* a unit representative whose unit is in the plan; else 0 */
};

/*
 * Load the user's standing in plan_id. KT_ENOTFOUND when there is no such
 * plan; KT_EPERM (with msg) when the user has no standing in it at all, so
 * that a plan's existence does not leak to outsiders it does not concern.
 */
int rights_load(struct store_tx *tx, const struct rights_user *u, int64_t plan_id,
		struct plan_access *out, char *msg, size_t cap);

bool rights_is_team(const struct plan_access *a);
bool rights_is_leader(const struct plan_access *a);         /* leader only */
bool rights_is_lead(const struct plan_access *a);           /* leader or deputy */
/* May see this unit's records in the plan (unit_id 0: the plan as a whole). */
bool rights_can_read_unit(const struct plan_access *a, int64_t unit_id);
/* Team members on this unit: leader/deputy anywhere in the plan, others where assigned. */
int rights_can_write_unit(struct store_tx *tx, const struct plan_access *a, int64_t user_id,
			  int64_t unit_id, char *msg, size_t cap);
/* The representative of this very unit. */
bool rights_is_unit_rep(const struct plan_access *a, int64_t unit_id);
/* Refuses changes in a closed plan: KT_ESTATE with msg. */
int rights_plan_open(const struct plan_access *a, char *msg, size_t cap);

#endif
