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
 * Global roles still count at the time of each request: a team place needs
 * the inspector role, an observer place the observer role, the authority the
 * authority role; taking the role away takes those rights with it.
 *
 * Owns nothing; struct plan_access is filled by value. Functions run inside a
 * transaction (a worker job). Messages are written to msg (capacity cap; may
 * be NULL/0).
 */
#ifndef KT_RIGHTS_H
#define KT_RIGHTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/store/store.h"
#include "server/store/store_plans.h"

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
	uint32_t areas;          /* the plan's reform areas in scope (bit per area); 0: all */
	/* for messages: who asked, and the plan's number ("06/KH-UBND") */
	int64_t user_id;
	char number[STORE_PLAN_NUMBER_MAX + 1];
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

/*
 * Helpers for refusals that name the missing right, e.g.
 * "finding.review needs the team role leader or deputy in plan 06/KH-UBND;
 * 'lan' is a member". action is the method name, username the caller's.
 */
/* "leader", "deputy", "member", "secretary"; "none" for 0 and anything else. */
const char *rights_team_role_name(int role);
/* The caller's strongest standing, for a sentence: "a member", "an observer", ... */
void rights_describe(const struct plan_access *a, char *out, size_t cap);
/* 0 when on the team (any role); else KT_EPERM with such a sentence. */
int rights_require_team(const struct plan_access *a, const char *action, const char *username,
			char *msg, size_t cap);
/* 0 for the leader or a deputy; else KT_EPERM. */
int rights_require_lead(const struct plan_access *a, const char *action, const char *username,
			char *msg, size_t cap);
/* 0 for the leader only; else KT_EPERM. */
int rights_require_leader(const struct plan_access *a, const char *action, const char *username,
			  char *msg, size_t cap);

#endif
