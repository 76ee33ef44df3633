/*
 * rights.c - a user's standing in a plan, and the checks every workflow
 * service makes with it (see rights.h; the table of role x request is in
 * docs/design/plans.md).
 *
 * Standing is computed for every request from the stored plan, team,
 * observers and assignments, and from the caller's global roles as they
 * were when the request arrived; a standing (or a unit check) that succeeded
 * is remembered while the store's rights stamp stays the same, i.e. while
 * nothing it was read from can have changed (memos below). A standing that
 * needs a global role (team: inspector; observer: observer; authority:
 * authority; unit representative: unit_rep with a unit) is void without that
 * role.
 */
#include "server/rights.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "server/store/store_plans.h"

/* Role numbers of the proto enum Role. */
enum {
	ROLE_PLANNER = 2,
	ROLE_INSPECTOR = 3,
	ROLE_UNIT_REP = 4,
	ROLE_AUTHORITY = 5,
	ROLE_OBSERVER = 6,
};

#define HAS_ROLE(u, r) (((u)->roles & STORE_ROLE_BIT(r)) != 0)

static void say(char *msg, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *msg, size_t cap, const char *fmt, ...)
{
	va_list ap;

	if (!msg || !cap)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, cap, fmt, ap);
	va_end(ap);
}

static int load_fresh(struct store_tx *tx, const struct rights_user *u, int64_t plan_id,
		      struct plan_access *out, char *msg, size_t cap)
{
	struct store_team_member m;
	struct store_plan_head ph, *p = &ph;
	int rc;

	memset(out, 0, sizeof(*out));
	say(msg, cap, "%s", "");
	rc = store_plan_head_get(tx, plan_id, p);
	if (rc == KT_ENOTFOUND) {
		say(msg, cap, "no plan with id %lld", (long long)plan_id);
		goto out;
	}
	if (rc < 0)
		goto out;
	out->plan_id = p->id;
	out->status = p->status;
	out->areas = p->areas;
	out->user_id = u->user_id;
	memcpy(out->number, p->number, sizeof(out->number));

	out->planner = HAS_ROLE(u, ROLE_PLANNER);
	out->authority =
	    HAS_ROLE(u, ROLE_AUTHORITY) && p->authority_user_id == u->user_id && u->user_id != 0;
	if (HAS_ROLE(u, ROLE_INSPECTOR)) {
		rc = store_team_get(tx, plan_id, u->user_id, &m);
		if (rc == 0) {
			out->team_role = m.role;
			out->group_id = m.group_id;
		} else if (rc != KT_ENOTFOUND) {
			goto out;
		}
	}
	if (HAS_ROLE(u, ROLE_OBSERVER)) {
		rc = store_observer_is(tx, plan_id, u->user_id);
		if (rc < 0)
			goto out;
		out->observer = rc == 1;
	}
	if (HAS_ROLE(u, ROLE_UNIT_REP) && u->unit_id) {
		rc = store_plan_has_unit(tx, plan_id, u->unit_id);
		if (rc < 0)
			goto out;
		if (rc == 1)
			out->rep_unit_id = u->unit_id;
	}
	if (!out->planner && !out->authority && !out->team_role && !out->observer &&
	    !out->rep_unit_id) {
		/* Say nothing of the plan itself (its number) to someone it does not concern. */
		say(msg, cap,
		    "you have no standing in plan %lld: not on its team, not an observer, "
		    "not its approving authority, not a planner, and not the representative of "
		    "one of its units",
		    (long long)plan_id);
		memset(out, 0, sizeof(*out));
		rc = KT_EPERM;
		goto out;
	}
	rc = 0;
out:
	return rc;
}

/*
 * Memos of standings and unit checks that succeeded, direct-mapped, each
 * valid only under the rights stamp it was computed under
 * (store_rights_stamp: any change to a plan, team, observer, assignment or
 * unit, any rollback, another connection's commit gives a new one). A run of
 * submissions by the same people then reads nothing for rights (those reads
 * were a sixth of the storage thread's work per finding). Refusals are never
 * remembered: they are computed again, with their messages. Rights run on
 * the storage thread; the memos are per thread all the same.
 */
#define MEMO_SLOTS 16 /* a power of two */

struct load_memo {
	uint64_t stamp; /* 0: empty */
	int64_t plan_id, user_id, unit_id;
	uint32_t roles;
	struct plan_access a;
};

struct unit_memo {
	uint64_t stamp;
	int64_t plan_id, unit_id, user_id, group_id;
	int team_role;
};

static _Thread_local struct load_memo load_memo[MEMO_SLOTS];
static _Thread_local struct unit_memo unit_memo[MEMO_SLOTS];

static unsigned memo_slot(int64_t a, int64_t b)
{
	uint64_t h = ((uint64_t)a * 0x9e3779b97f4a7c15u) ^ ((uint64_t)b * 0xc2b2ae3d27d4eb4fu);

	return (unsigned)(h >> 32) & (MEMO_SLOTS - 1);
}

int rights_load(struct store_tx *tx, const struct rights_user *u, int64_t plan_id,
		struct plan_access *out, char *msg, size_t cap)
{
	uint64_t stamp = store_rights_stamp(tx);
	struct load_memo *m = &load_memo[memo_slot(plan_id, u->user_id)];
	int rc;

	if (m->stamp == stamp && m->plan_id == plan_id && m->user_id == u->user_id &&
	    m->roles == u->roles && m->unit_id == u->unit_id) {
		*out = m->a;
		say(msg, cap, "%s", "");
		return 0;
	}
	rc = load_fresh(tx, u, plan_id, out, msg, cap);
	if (rc == 0)
		*m = (struct load_memo){.stamp = stamp, .plan_id = plan_id, .user_id = u->user_id,
					.unit_id = u->unit_id, .roles = u->roles, .a = *out};
	return rc;
}

bool rights_is_team(const struct plan_access *a)
{
	return a->team_role >= STORE_TEAM_LEADER && a->team_role <= STORE_TEAM_SECRETARY;
}

bool rights_is_leader(const struct plan_access *a)
{
	return a->team_role == STORE_TEAM_LEADER;
}

bool rights_is_lead(const struct plan_access *a)
{
	return a->team_role == STORE_TEAM_LEADER || a->team_role == STORE_TEAM_DEPUTY;
}

bool rights_can_read_unit(const struct plan_access *a, int64_t unit_id)
{
	if (rights_is_team(a) || a->observer || a->authority || a->planner)
		return true;
	/* A representative sees the plan as a whole (unit 0) and their own unit. */
	return a->rep_unit_id != 0 && (unit_id == 0 || unit_id == a->rep_unit_id);
}

/* "unit CL-P4" when the unit is known, else "unit 7". */
static void unit_label(struct store_tx *tx, int64_t unit_id, char *out, size_t cap)
{
	struct store_unit u;

	if (store_unit_get(tx, unit_id, &u) == 0)
		snprintf(out, cap, "unit %s", u.code);
	else
		snprintf(out, cap, "unit %lld", (long long)unit_id);
}

static void user_label(struct store_tx *tx, int64_t user_id, char *out, size_t cap)
{
	struct store_user u;

	if (store_user_get(tx, user_id, &u) == 0)
		snprintf(out, cap, "'%s'", u.username);
	else
		snprintf(out, cap, "user %lld", (long long)user_id);
}

static int can_write_fresh(struct store_tx *tx, const struct plan_access *a, int64_t user_id,
			   int64_t unit_id, char *msg, size_t cap)
{
	char unit[STORE_CODE_MAX + 32], who[STORE_USERNAME_MAX + 32], what[96];
	int rc;

	if (!rights_is_team(a)) {
		unit_label(tx, unit_id, unit, sizeof(unit));
		user_label(tx, user_id, who, sizeof(who));
		rights_describe(a, what, sizeof(what));
		say(msg, cap, "writing on %s needs a place on the team of plan %s; %s is %s", unit,
		    a->number, who, what);
		return KT_EPERM;
	}
	rc = store_plan_has_unit(tx, a->plan_id, unit_id);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		unit_label(tx, unit_id, unit, sizeof(unit));
		say(msg, cap, "%s is not one of the units of plan %s", unit, a->number);
		return KT_EINVAL;
	}
	if (rights_is_lead(a))
		return 0;
	rc = store_assignment_covers(tx, a->plan_id, unit_id, user_id, a->group_id);
	if (rc < 0)
		return rc;
	if (rc == 1)
		return 0;
	unit_label(tx, unit_id, unit, sizeof(unit));
	user_label(tx, user_id, who, sizeof(who));
	say(msg, cap,
	    "writing on %s needs an assignment to it (of %s or of their working group) or the "
	    "team role leader or deputy in plan %s; %s is a %s without one",
	    unit, who, a->number, who, rights_team_role_name(a->team_role));
	return KT_EPERM;
}

int rights_can_write_unit(struct store_tx *tx, const struct plan_access *a, int64_t user_id,
			  int64_t unit_id, char *msg, size_t cap)
{
	uint64_t stamp = store_rights_stamp(tx);
	struct unit_memo *m = &unit_memo[memo_slot(unit_id, user_id)];
	int rc;

	say(msg, cap, "%s", "");
	if (m->stamp == stamp && m->plan_id == a->plan_id && m->unit_id == unit_id &&
	    m->user_id == user_id && m->group_id == a->group_id && m->team_role == a->team_role &&
	    rights_is_team(a))
		return 0;
	rc = can_write_fresh(tx, a, user_id, unit_id, msg, cap);
	if (rc == 0)
		*m = (struct unit_memo){.stamp = stamp, .plan_id = a->plan_id, .unit_id = unit_id,
					.user_id = user_id, .group_id = a->group_id,
					.team_role = a->team_role};
	return rc;
}

bool rights_is_unit_rep(const struct plan_access *a, int64_t unit_id)
{
	return unit_id != 0 && a->rep_unit_id == unit_id;
}

int rights_plan_open(const struct plan_access *a, char *msg, size_t cap)
{
	if (a->status == STORE_PLAN_ACTIVE)
		return 0;
	say(msg, cap, "plan %s is closed: nothing in it can change any more", a->number);
	return KT_ESTATE;
}

const char *rights_team_role_name(int role)
{
	switch (role) {
	case STORE_TEAM_LEADER:
		return "leader";
	case STORE_TEAM_DEPUTY:
		return "deputy";
	case STORE_TEAM_MEMBER:
		return "member";
	case STORE_TEAM_SECRETARY:
		return "secretary";
	default:
		return "none";
	}
}

void rights_describe(const struct plan_access *a, char *out, size_t cap)
{
	if (!out || !cap)
		return;
	if (rights_is_leader(a))
		snprintf(out, cap, "the leader");
	else if (rights_is_team(a))
		snprintf(out, cap, "a %s", rights_team_role_name(a->team_role));
	else if (a->authority)
		snprintf(out, cap, "its approving authority");
	else if (a->observer)
		snprintf(out, cap, "an observer");
	else if (a->planner)
		snprintf(out, cap, "a planner, not on the team");
	else if (a->rep_unit_id)
		snprintf(out, cap, "a unit representative");
	else
		snprintf(out, cap, "not on the team");
}

static int refuse(const struct plan_access *a, const char *action, const char *need,
		  const char *username, char *msg, size_t cap)
{
	char what[96];

	rights_describe(a, what, sizeof(what));
	say(msg, cap, "%s needs %s in plan %s; '%s' is %s", action, need, a->number,
	    username ? username : "", what);
	return KT_EPERM;
}

int rights_require_team(const struct plan_access *a, const char *action, const char *username,
			char *msg, size_t cap)
{
	if (rights_is_team(a))
		return 0;
	return refuse(a, action, "a place on the team", username, msg, cap);
}

int rights_require_lead(const struct plan_access *a, const char *action, const char *username,
			char *msg, size_t cap)
{
	if (rights_is_lead(a))
		return 0;
	return refuse(a, action, "the team role leader or deputy", username, msg, cap);
}

int rights_require_leader(const struct plan_access *a, const char *action, const char *username,
			  char *msg, size_t cap)
{
	if (rights_is_leader(a))
		return 0;
	return refuse(a, action, "the team role leader", username, msg, cap);
}
