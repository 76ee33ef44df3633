/*
 * store_plans.h - records of plans, their units, working groups, team
 * members, assignments and observers (tables of migration 2), and the read
 * queries that the rights model (server/rights.c) and the closing of a plan
 * ask of other areas' tables (findings, conclusions, recommendations,
 * reviews). Portable SQL through db.h, in store_plans.c.
 *
 * Same conventions as store.h: 0 or a negative KT_E* code; output structs
 * filled by value, nothing to free; callbacks get pointers valid only during
 * the call and stop the walk by returning non-zero (which is returned). No
 * domain rules here beyond keys and versions: svc_plans.c and rights.c have
 * them.
 *
 * Enums are the proto numbers: PlanStatus (1 active, 2 closed), TeamRole
 * (1 leader, 2 deputy, 3 member, 4 secretary), Signer (1..4), Area (1..7).
 * A plan's areas are a bit set (1u << Area); its review chain is stored as
 * the Signer numbers in order, "1,2,4".
 */
#ifndef KT_STORE_PLANS_H
#define KT_STORE_PLANS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/store/store.h"

#define STORE_PLAN_NUMBER_MAX 64 /* "06/KH-UBND", "334/QĐ-UBND" */
#define STORE_PLAN_TITLE_MAX 512
#define STORE_DATE_MAX 10 /* "YYYY-MM-DD" */
#define STORE_CLIENT_ID_MAX 64
#define STORE_CHAIN_MAX 8 /* steps of a review chain */
#define STORE_GROUP_NAME_MAX STORE_NAME_MAX

enum {
	STORE_PLAN_ACTIVE = 1,
	STORE_PLAN_CLOSED = 2,
};

enum {
	STORE_TEAM_NONE = 0,
	STORE_TEAM_LEADER = 1,
	STORE_TEAM_DEPUTY = 2,
	STORE_TEAM_MEMBER = 3,
	STORE_TEAM_SECRETARY = 4,
};

struct store_plan {
	int64_t id;
	char number[STORE_PLAN_NUMBER_MAX + 1];
	char issued_on[STORE_DATE_MAX + 1];
	char issuer[STORE_NAME_MAX + 1];
	char title[STORE_PLAN_TITLE_MAX + 1];
	char period_start[STORE_DATE_MAX + 1];
	char period_end[STORE_DATE_MAX + 1];
	uint32_t areas; /* bit (1u << Area) */
	int status;	/* PlanStatus */
	char team_decision_number[STORE_PLAN_NUMBER_MAX + 1];
	char team_decision_date[STORE_DATE_MAX + 1]; /* "" until the team decision */
	int64_t authority_user_id;		     /* 0: none named */
	int review_chain[STORE_CHAIN_MAX];
	size_t n_chain;
	char client_id[STORE_CLIENT_ID_MAX + 1];
	int64_t created_by, created_at, updated_at;
	int64_t version;
	/* closure: set together when status is CLOSED */
	int64_t closed_by, closed_at;
	bool has_closure;
	uint8_t closure_digest[32];
	uint8_t closure_signature[64];
	uint8_t closure_key[32];
};

/* What the rights check needs of a plan (rights_load, on every request): one narrow row. */
struct store_plan_head {
	int64_t id;
	char number[STORE_PLAN_NUMBER_MAX + 1];
	int status;		   /* PlanStatus */
	uint32_t areas;		   /* bit (1u << Area) */
	int64_t authority_user_id; /* 0: none named */
};
int store_plan_head_get(struct store_tx *tx, int64_t id, struct store_plan_head *out);

/*
 * Insert p (every field but id, status, version, updated_at and closure); sets
 * p->id, p->status (ACTIVE), p->version (1), p->updated_at. KT_EEXIST when
 * (number, issued_on) or (created_by, client_id) is taken.
 */
int store_plan_create(struct store_tx *tx, struct store_plan *p);
int store_plan_get(struct store_tx *tx, int64_t id, struct store_plan *out);
/* The plan created by user with client_id (idempotent create); KT_ENOTFOUND when none. */
int store_plan_get_by_client(struct store_tx *tx, int64_t created_by, const char *client_id,
			     struct store_plan *out);
/* Every plan numbered number (any issue date), oldest issue first. */
int store_plan_find_by_number(struct store_tx *tx, const char *number,
			      int (*fn)(const struct store_plan *p, void *arg), void *arg);
/* The plan numbered number issued on issued_on; KT_ENOTFOUND when none. */
int store_plan_get_by_number_date(struct store_tx *tx, const char *number, const char *issued_on,
				  struct store_plan *out);

/*
 * Plans in id order (closed ones only when include_closed). all: every plan;
 * else those where user_id is on the team, an observer or the authority, or
 * (rep_unit_id != 0) whose units include rep_unit_id.
 */
int store_plan_list(struct store_tx *tx, bool all, int64_t user_id, int64_t rep_unit_id,
		    bool include_closed, int (*fn)(const struct store_plan *p, void *arg),
		    void *arg);

/*
 * Write the mutable fields of p (title, period, areas, authority, review
 * chain, team decision) when the stored version is expected_version; bumps
 * version and sets updated_at = now; p->version and p->updated_at follow.
 * KT_ECONFLICT on a stale version, KT_ENOTFOUND for no such plan.
 */
int store_plan_update(struct store_tx *tx, struct store_plan *p, int64_t expected_version,
		      int64_t now);
/* Close: status CLOSED, closure fields, version bumped; KT_ECONFLICT on a stale version. */
int store_plan_close(struct store_tx *tx, int64_t id, int64_t expected_version, int64_t by,
		     int64_t now, const uint8_t digest[32], const uint8_t signature[64],
		     const uint8_t key[32]);

/* ---- the plan's units ------------------------------------------------------- */

/* The plan's unit ids, ascending, into ids (capacity cap); *n is the full count. */
int store_plan_unit_ids(struct store_tx *tx, int64_t plan_id, int64_t *ids, size_t cap, size_t *n);
/* The plan's units (joined from units), ascending id. */
int store_plan_units(struct store_tx *tx, int64_t plan_id,
		     int (*fn)(const struct store_unit *u, void *arg), void *arg);
/* 1 when unit_id is a unit of the plan, 0 when not. */
int store_plan_has_unit(struct store_tx *tx, int64_t plan_id, int64_t unit_id);
int store_plan_unit_add(struct store_tx *tx, int64_t plan_id, int64_t unit_id);
int store_plan_unit_remove(struct store_tx *tx, int64_t plan_id, int64_t unit_id);
/*
 * What depends on a unit in a plan: its findings, assignments, conclusions,
 * recommendations and reviews (so it cannot be removed from the plan).
 */
struct store_plan_unit_use {
	int64_t findings, assignments, conclusions, recommendations, reviews;
};
int store_plan_unit_use(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
			struct store_plan_unit_use *out);
/* Reviews recorded in the plan (any unit, any state). */
int store_plan_review_count(struct store_tx *tx, int64_t plan_id, int64_t *n);

/* What is still open for a unit before the plan may close (see svc_plans.c). */
struct store_plan_unit_state {
	int64_t unit_id;
	char code[STORE_CODE_MAX + 1];
	bool conclusion_approved;     /* an APPROVED conclusion exists */
	int64_t recommendations_open; /* recommendations not DONE */
	bool review_approved;	      /* the review is APPROVED */
};
int store_plan_unit_states(struct store_tx *tx, int64_t plan_id,
			   int (*fn)(const struct store_plan_unit_state *s, void *arg), void *arg);

/* ---- working groups ----------------------------------------------------------- */

struct store_group {
	int64_t id;
	int64_t plan_id;
	char name[STORE_GROUP_NAME_MAX + 1];
};

int store_group_create(struct store_tx *tx, struct store_group *g); /* sets g->id; KT_EEXIST */
int store_group_get(struct store_tx *tx, int64_t id, struct store_group *out);
int store_group_get_by_name(struct store_tx *tx, int64_t plan_id, const char *name,
			    struct store_group *out);
int store_group_list(struct store_tx *tx, int64_t plan_id,
		     int (*fn)(const struct store_group *g, void *arg), void *arg);

/* ---- team ------------------------------------------------------------------- */

struct store_team_member {
	int64_t plan_id;
	int64_t user_id;
	int role;	  /* TeamRole */
	int64_t group_id; /* 0: none */
	/* filled by the reads (joined from users) */
	char username[STORE_USERNAME_MAX + 1];
	char full_name[STORE_NAME_MAX + 1];
};

int store_team_get(struct store_tx *tx, int64_t plan_id, int64_t user_id,
		   struct store_team_member *out);
/* Insert or replace the member's role and group. */
int store_team_set(struct store_tx *tx, const struct store_team_member *m);
int store_team_remove(struct store_tx *tx, int64_t plan_id, int64_t user_id);
/* The team in role order (leader first), then by username. */
int store_team_list(struct store_tx *tx, int64_t plan_id,
		    int (*fn)(const struct store_team_member *m, void *arg), void *arg);
/* The member holding role (e.g. the leader); KT_ENOTFOUND when nobody does. */
int store_team_find_role(struct store_tx *tx, int64_t plan_id, int role,
			 struct store_team_member *out);

/* ---- assignments ------------------------------------------------------------ */

struct store_assignment {
	int64_t id;
	int64_t plan_id;
	int64_t unit_id;
	int64_t group_id; /* exactly one of group_id, user_id */
	int64_t user_id;
	char date_from[STORE_DATE_MAX + 1];
	char date_to[STORE_DATE_MAX + 1];
	int64_t created_at;
};

/*
 * Insert a (sets a->id), or when the unit is already assigned to the same
 * group or user, change that assignment's dates (a->id is the existing one;
 * *created tells which).
 */
int store_assignment_put(struct store_tx *tx, struct store_assignment *a, bool *created);
/* The plan's assignments by unit, then id; unit_id != 0 keeps that unit's only. */
int store_assignment_list(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
			  int (*fn)(const struct store_assignment *a, void *arg), void *arg);
/* 1 when unit_id is assigned to user_id or (group_id != 0) to group_id; else 0. */
int store_assignment_covers(struct store_tx *tx, int64_t plan_id, int64_t unit_id, int64_t user_id,
			    int64_t group_id);
/* Delete the assignments made to user_id personally in the plan; *n counts them. */
int store_assignment_remove_user(struct store_tx *tx, int64_t plan_id, int64_t user_id, int64_t *n);
/* Delete every assignment of unit_id in the plan; *n counts them. */
int store_assignment_remove_unit(struct store_tx *tx, int64_t plan_id, int64_t unit_id, int64_t *n);

/* ---- observers -------------------------------------------------------------- */

/* 0, or KT_EEXIST when already an observer. */
int store_observer_add(struct store_tx *tx, int64_t plan_id, int64_t user_id);
/* 0, or KT_ENOTFOUND when not an observer. */
int store_observer_remove(struct store_tx *tx, int64_t plan_id, int64_t user_id);
int store_observer_is(struct store_tx *tx, int64_t plan_id, int64_t user_id); /* 1 or 0 */
/* Observer user ids, ascending, into ids (capacity cap); *n is the full count. */
int store_observer_ids(struct store_tx *tx, int64_t plan_id, int64_t *ids, size_t cap, size_t *n);

#endif
