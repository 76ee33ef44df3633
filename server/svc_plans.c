/*
 * svc_plans.c - the plan service (see svc_plans.h): plans, team, working
 * groups, assignments, observers, closing.
 *
 * The plan's life (PlanStatus), checked by every change through
 * rights_plan_open():
 *
 *     (create) --> ACTIVE --(plan.close: leader's signature, nothing open)--> CLOSED
 *
 * ACTIVE accepts every change below from those with the right to make it;
 * CLOSED accepts none, here or in any other area. There is no way back.
 *
 * Who may do what (the caller's standing from rights_load()):
 *   plan.create            global role planner
 *   plan.get / plan.list   any standing in the plan (planners: every plan)
 *   plan.update, team.set, team.member, observer.set   planner or the plan's leader
 *   plan.assign, plan.close                            the plan's leader
 */
#include "server/svc_common.h"
#include "server/svc_plans.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/approval.h"
#include "common/date.h"
#include "common/status.h"
#include "common/text.h"
#include "server/rights.h"
#include "server/store/store_plans.h"

enum {
	ROLE_PLANNER = 2,
	ROLE_INSPECTOR = 3,
	ROLE_UNIT_REP = 4,
	ROLE_AUTHORITY = 5,
	ROLE_OBSERVER = 6,
	SIGNER_UNIT_REP = 1,
	SIGNER_LEADER = 2,
	SIGNER_AUTHORITY = 4,
};

#define HAS_ROLE(u, r) (((u)->roles & STORE_ROLE_BIT(r)) != 0)

static const char *const area_names[SVC_AREA_MAX + 1] = {
    NULL,	 "direction",	  "institutions",   "procedures",
    "apparatus", "civil-service", "public-finance", "digital-gov",
};

static const char *const signer_names[SVC_SIGNER_MAX + 1] = {
    NULL, "unit_rep", "leader", "deputy", "authority",
};

const char *svc_area_name(int area)
{
	return area >= 1 && area <= SVC_AREA_MAX ? area_names[area] : NULL;
}

const char *svc_signer_name(int signer)
{
	return signer >= 1 && signer <= SVC_SIGNER_MAX ? signer_names[signer] : NULL;
}

static int audit(struct store_tx *tx, const struct svc_actor *who, const char *action,
		 const char *type, int64_t id, const char *detail)
{
	struct store_audit a = {
	    .user_id = who->user_id,
	    .actor = who->name,
	    .session_id = who->session_id,
	    .action = action,
	    .object_type = type,
	    .object_id = id,
	    .detail = detail,
	    .at = who->now,
	};
	return store_audit_append(tx, &a);
}

static const char *nz(const char *s)
{
	return s ? s : "";
}

/* One line of text, 1..max bytes. */
static int check_line(const char *what, const char *s, size_t max, char *msg, size_t cap)
{
	int rc = kt_text_check(nz(s), strlen(nz(s)), max, KT_TEXT_NONEMPTY);

	if (rc == KT_ETOOBIG)
		return svc_fail(msg, cap, rc, "%s is longer than %zu bytes", what, max);
	if (rc != 0)
		return svc_fail(msg, cap, rc, "%s must be 1 to %zu bytes of text on one line", what,
			    max);
	return 0;
}

static int check_date(const char *what, const char *s, char *msg, size_t cap)
{
	char shown[24];

	if (kt_date_valid(s))
		return 0;
	snprintf(shown, sizeof(shown), "%.16s", nz(s));
	for (char *p = shown; *p; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p >= 0x7f)
			*p = '?';
	return svc_fail(msg, cap, KT_EINVAL, "%s '%s' is not a date YYYY-MM-DD of the calendar", what,
		    shown);
}

/* The caller's name for messages. */
static const char *caller(const struct svc_actor *who)
{
	return who && who->name ? who->name : "";
}

/* Planner or the plan's leader; else KT_EPERM naming both. */
static int require_planner_or_leader(const struct plan_access *a, const char *action,
				     const struct svc_actor *who, char *msg, size_t cap)
{
	char what[96];

	if (a->planner || rights_is_leader(a))
		return 0;
	rights_describe(a, what, sizeof(what));
	return svc_fail(msg, cap, KT_EPERM,
		    "%s needs the role planner or the team role leader in plan %s; '%s' is %s",
		    action, a->number, caller(who), what);
}

static int load(struct store_tx *tx, const struct rights_user *u, int64_t plan_id,
		struct plan_access *a, char *msg, size_t cap)
{
	if (plan_id <= 0)
		return svc_fail(msg, cap, KT_EINVAL, "name the plan (its id or its number)");
	return rights_load(tx, u, plan_id, a, msg, cap);
}

/* A rep sees only their unit; everyone else with standing sees every unit. */
static bool rep_only(const struct plan_access *a)
{
	return a->rep_unit_id && !rights_is_team(a) && !a->observer && !a->authority && !a->planner;
}

/* Plan, access and (filtered) unit ids of plan_id into out. */
static int fill_out(struct store_tx *tx, const struct plan_access *a, int64_t plan_id,
		    struct svc_plan_out *out)
{
	size_t n;
	int rc;

	rc = store_plan_get(tx, plan_id, &out->plan);
	if (rc < 0)
		return rc;
	out->access = *a;
	out->n_units = 0;
	out->closed_by_username[0] = out->closed_by_name[0] = '\0';
	if (out->plan.closed_by) {
		struct store_user usr;

		rc = store_user_get(tx, out->plan.closed_by, &usr);
		if (rc < 0 && rc != KT_ENOTFOUND)
			return rc;
		if (rc == 0) {
			memcpy(out->closed_by_username, usr.username, sizeof(usr.username));
			memcpy(out->closed_by_name, usr.full_name, sizeof(usr.full_name));
		}
	}
	if (rep_only(a)) {
		out->unit_ids[0] = a->rep_unit_id;
		out->n_units = 1;
		return 0;
	}
	rc = store_plan_unit_ids(tx, plan_id, out->unit_ids, SVC_PLAN_UNITS_MAX, &n);
	if (rc < 0)
		return rc;
	out->n_units = n < SVC_PLAN_UNITS_MAX ? n : SVC_PLAN_UNITS_MAX;
	return 0;
}

/* ---- validation of the plan's fields ---------------------------------------------- */

static int check_areas(const int *areas, size_t n, uint32_t *bits, char *msg, size_t cap)
{
	*bits = 0;
	for (size_t i = 0; i < n; i++) {
		if (areas[i] < 1 || areas[i] > SVC_AREA_MAX)
			return svc_fail(msg, cap, KT_EINVAL,
				    "area %d is not a reform area (1 direction .. 7 digital-gov)",
				    areas[i]);
		*bits |= 1u << areas[i];
	}
	if (n == 0)
		for (int a = 1; a <= SVC_AREA_MAX; a++)
			*bits |= 1u << a;
	return 0;
}

static int check_chain(const int *chain, size_t n, int *out, size_t *nout, char *msg, size_t cap)
{
	static const int dflt[] = {SIGNER_UNIT_REP, SIGNER_LEADER, SIGNER_AUTHORITY};
	bool seen[SVC_SIGNER_MAX + 1] = {false};

	if (n == 0) {
		memcpy(out, dflt, sizeof(dflt));
		*nout = 3;
		return 0;
	}
	if (n > SVC_SIGNER_MAX)
		return svc_fail(msg, cap, KT_EINVAL,
			    "a review chain has at most %d steps, each signer once",
			    SVC_SIGNER_MAX);
	for (size_t i = 0; i < n; i++) {
		if (chain[i] < 1 || chain[i] > SVC_SIGNER_MAX)
			return svc_fail(msg, cap, KT_EINVAL,
				    "review chain step %zu: %d is not a signer (unit_rep, leader, "
				    "deputy, authority)",
				    i + 1, chain[i]);
		if (seen[chain[i]])
			return svc_fail(msg, cap, KT_EINVAL,
				    "review chain: %s appears twice; each signer signs once",
				    svc_signer_name(chain[i]));
		seen[chain[i]] = true;
		out[i] = chain[i];
	}
	if (chain[0] != SIGNER_UNIT_REP)
		return svc_fail(msg, cap, KT_EINVAL,
			    "a review chain starts with unit_rep (the unit submits its review), "
			    "not %s",
			    svc_signer_name(chain[0]));
	*nout = n;
	return 0;
}

static int check_period(const char *from, const char *to, char *msg, size_t cap)
{
	int rc;

	if ((rc = check_date("period start", from, msg, cap)) != 0 ||
	    (rc = check_date("period end", to, msg, cap)) != 0)
		return rc;
	if (kt_date_cmp(from, to) > 0)
		return svc_fail(msg, cap, KT_EINVAL, "the period starts (%s) after it ends (%s)", from,
			    to);
	return 0;
}

/* The authority named by username: exists, enabled, holds the authority role. */
static int check_authority(struct store_tx *tx, const char *username, int64_t *user_id, char *msg,
			   size_t cap)
{
	struct store_user usr;
	int rc;

	rc = store_user_get_by_name(tx, username, &usr);
	if (rc == KT_ENOTFOUND)
		return svc_fail(msg, cap, KT_ENOTFOUND, "no user '%.64s' (the approving authority)",
			    username);
	if (rc < 0)
		return rc;
	if (!(usr.roles & STORE_ROLE_BIT(ROLE_AUTHORITY)))
		return svc_fail(msg, cap, KT_EINVAL,
			    "'%s' cannot be the approving authority: the account lacks the role "
			    "authority",
			    usr.username);
	if (usr.disabled)
		return svc_fail(msg, cap, KT_ESTATE, "the account '%s' is disabled", usr.username);
	*user_id = usr.id;
	return 0;
}

/* Unit codes to distinct ids of active units, in the order given. */
static int resolve_units(struct store_tx *tx, char *const *codes, size_t n, int64_t *ids, char *msg,
			 size_t cap)
{
	struct store_unit unit;
	int rc;

	if (n == 0)
		return svc_fail(msg, cap, KT_EINVAL, "a plan needs at least one unit to inspect");
	if (n > SVC_PLAN_UNITS_MAX)
		return svc_fail(msg, cap, KT_ELIMIT, "a plan has at most %d units; %zu were given",
			    SVC_PLAN_UNITS_MAX, n);
	for (size_t i = 0; i < n; i++) {
		rc = check_line("a unit code", codes[i], STORE_CODE_MAX, msg, cap);
		if (rc != 0)
			return rc;
		rc = store_unit_get_by_code(tx, codes[i], &unit);
		if (rc == KT_ENOTFOUND)
			return svc_fail(msg, cap, KT_ENOTFOUND, "no unit with code '%s'", codes[i]);
		if (rc < 0)
			return rc;
		if (unit.status != 1)
			return svc_fail(msg, cap, KT_ESTATE,
				    "unit %s (%s) was merged into unit %lld; name the unit it "
				    "became",
				    unit.code, unit.name, (long long)unit.merged_into);
		for (size_t j = 0; j < i; j++)
			if (ids[j] == unit.id)
				return svc_fail(msg, cap, KT_EINVAL, "unit %s is named twice",
					    unit.code);
		ids[i] = unit.id;
	}
	return 0;
}

/* ---- create --------------------------------------------------------------------- */

int svc_plan_create(struct store_tx *tx, const struct svc_actor *who, const struct rights_user *u,
		    const struct svc_plan_spec *spec, struct svc_plan_out *out, char *msg,
		    size_t cap)
{
	struct store_plan *p = NULL, *dup = NULL;
	struct plan_access a;
	int64_t *ids = NULL;
	char detail[512];
	size_t n_cid;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!HAS_ROLE(u, ROLE_PLANNER))
		return svc_fail(msg, cap, KT_EPERM,
			    "plan.create needs the role planner; '%s' does not "
			    "have it",
			    caller(who));
	n_cid = strlen(nz(spec->client_id));
	if (n_cid < SVC_CLIENT_ID_MIN || n_cid > STORE_CLIENT_ID_MAX ||
	    kt_text_check(spec->client_id, n_cid, STORE_CLIENT_ID_MAX, KT_TEXT_NONEMPTY) != 0)
		return svc_fail(msg, cap, KT_EINVAL,
			    "client_id must be %d to %d bytes of text on one line (a retry sends "
			    "the same one)",
			    SVC_CLIENT_ID_MIN, STORE_CLIENT_ID_MAX);
	p = calloc(1, sizeof(*p));
	dup = calloc(1, sizeof(*dup));
	ids = calloc(SVC_PLAN_UNITS_MAX, sizeof(*ids));
	if (!p || !dup || !ids) {
		rc = KT_ENOMEM;
		goto out;
	}

	/* A retry of a create that already happened: the same plan, created = false. */
	rc = store_plan_get_by_client(tx, who->user_id, spec->client_id, dup);
	if (rc == 0) {
		rc = rights_load(tx, u, dup->id, &a, msg, cap);
		if (rc == 0)
			rc = fill_out(tx, &a, dup->id, out);
		out->created = false;
		goto out;
	}
	if (rc != KT_ENOTFOUND)
		goto out;

	if ((rc = check_line("the plan number", spec->number, STORE_PLAN_NUMBER_MAX, msg, cap)) ||
	    (rc = check_date("the issue date", spec->issued_on, msg, cap)) ||
	    (rc = check_line("the issuer", spec->issuer, STORE_NAME_MAX, msg, cap)) ||
	    (rc = check_line("the title", spec->title, STORE_PLAN_TITLE_MAX, msg, cap)) ||
	    (rc = check_period(spec->period_start, spec->period_end, msg, cap)) ||
	    (rc = check_areas(spec->areas, spec->n_areas, &p->areas, msg, cap)) ||
	    (rc =
		 check_chain(spec->chain, spec->n_chain, p->review_chain, &p->n_chain, msg, cap)) ||
	    (rc = resolve_units(tx, spec->unit_codes, spec->n_units, ids, msg, cap)))
		goto out;
	if (spec->authority && spec->authority[0]) {
		rc = check_authority(tx, spec->authority, &p->authority_user_id, msg, cap);
		if (rc != 0)
			goto out;
	}
	rc = store_plan_get_by_number_date(tx, spec->number, spec->issued_on, dup);
	if (rc == 0) {
		rc = svc_fail(msg, cap, KT_EEXIST, "plan %s of %s is already registered (id %lld): %s",
			  dup->number, dup->issued_on, (long long)dup->id, dup->title);
		goto out;
	}
	if (rc != KT_ENOTFOUND)
		goto out;

	snprintf(p->number, sizeof(p->number), "%s", spec->number);
	snprintf(p->issued_on, sizeof(p->issued_on), "%s", spec->issued_on);
	snprintf(p->issuer, sizeof(p->issuer), "%s", spec->issuer);
	snprintf(p->title, sizeof(p->title), "%s", spec->title);
	snprintf(p->period_start, sizeof(p->period_start), "%s", spec->period_start);
	snprintf(p->period_end, sizeof(p->period_end), "%s", spec->period_end);
	snprintf(p->client_id, sizeof(p->client_id), "%s", spec->client_id);
	p->created_by = who->user_id;
	p->created_at = who->now;
	rc = store_plan_create(tx, p);
	if (rc == KT_EEXIST) {
		rc = svc_fail(msg, cap, KT_EEXIST, "plan %s of %s is already registered", p->number,
			  p->issued_on);
		goto out;
	}
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < spec->n_units; i++) {
		rc = store_plan_unit_add(tx, p->id, ids[i]);
		if (rc < 0)
			goto out;
	}
	snprintf(detail, sizeof(detail), "plan %s of %s, %s .. %s, %zu units", p->number,
		 p->issued_on, p->period_start, p->period_end, spec->n_units);
	rc = audit(tx, who, "plan.create", "plan", p->id, detail);
	if (rc < 0)
		goto out;
	rc = rights_load(tx, u, p->id, &a, msg, cap);
	if (rc == 0)
		rc = fill_out(tx, &a, p->id, out);
	out->created = true;
out:
	free(p);
	free(dup);
	free(ids);
	return rc;
}

/* ---- resolve, get, list --------------------------------------------------------- */

struct resolve {
	struct store_tx *tx;
	const struct rights_user *u;
	const char *suffix; /* "" / "2022" / "2022-01-11" */
	size_t matched;	    /* plans with the number (and suffix) */
	size_t visible;	    /* of those, with standing */
	int64_t first_id;
	char list[300];
	int err;
};

static int resolve_one(const struct store_plan *p, void *arg)
{
	struct resolve *r = arg;
	struct plan_access a;
	size_t len = strlen(r->list);
	int rc;

	if (r->suffix[0] && strncmp(p->issued_on, r->suffix, strlen(r->suffix)) != 0)
		return 0;
	r->matched++;
	rc = rights_load(r->tx, r->u, p->id, &a, NULL, 0);
	if (rc == KT_EPERM)
		return 0;
	if (rc < 0) {
		r->err = rc;
		return 1;
	}
	if (r->visible++ == 0)
		r->first_id = p->id;
	if (len < sizeof(r->list) - 40)
		snprintf(r->list + len, sizeof(r->list) - len, "%sissued %s (id %lld)",
			 len ? ", " : "", p->issued_on, (long long)p->id);
	return 0;
}

int svc_plan_resolve(struct store_tx *tx, const struct rights_user *u, int64_t id,
		     const char *number, int64_t *plan_id, char *msg, size_t cap)
{
	struct resolve r = {.tx = tx, .u = u, .suffix = ""};
	char num[STORE_PLAN_NUMBER_MAX + 16];
	struct plan_access a;
	char *at;
	int rc;

	*plan_id = 0;
	if (id) {
		rc = load(tx, u, id, &a, msg, cap);
		if (rc == 0)
			*plan_id = id;
		return rc;
	}
	rc = check_line("the plan number", number, STORE_PLAN_NUMBER_MAX + 11, msg, cap);
	if (rc != 0)
		return rc;
	snprintf(num, sizeof(num), "%s", number);
	at = strrchr(num, '@');
	if (at) {
		*at = '\0';
		r.suffix = at + 1;
		if (!(strlen(r.suffix) == 4 && strspn(r.suffix, "0123456789") == 4) &&
		    !kt_date_valid(r.suffix))
			return svc_fail(msg, cap, KT_EINVAL,
				    "after '@' comes the issue year or date (06/KH-UBND@2022)");
	}
	rc = store_plan_find_by_number(tx, num, resolve_one, &r);
	if (r.err)
		return r.err;
	if (rc < 0)
		return rc;
	if (r.visible == 1) {
		*plan_id = r.first_id;
		return 0;
	}
	if (r.visible > 1)
		return svc_fail(msg, cap, KT_EINVAL,
			    "%zu plans are numbered %s: %s; name one as %s@YEAR or by its id",
			    r.visible, num, r.list, num);
	if (r.matched)
		return svc_fail(msg, cap, KT_EPERM,
			    "you have no standing in plan %s: not on its team, not an observer, "
			    "not its approving authority, not a planner, and not the "
			    "representative of one of its units",
			    num);
	return svc_fail(msg, cap, KT_ENOTFOUND, "no plan numbered %s%s%s", num,
		    r.suffix[0] ? " issued in " : "", r.suffix);
}

struct unit_filter {
	const struct svc_plan_sink *sink;
	int64_t only; /* 0: every unit */
};

static int unit_filtered(const struct store_unit *unit, void *arg)
{
	struct unit_filter *f = arg;

	if (f->only && unit->id != f->only)
		return 0;
	return f->sink->unit(unit, f->sink->arg);
}

static int observer_user(struct store_tx *tx, const struct svc_plan_sink *sink, int64_t plan_id)
{
	int64_t ids[SVC_PLAN_OBSERVERS_MAX];
	struct store_user usr;
	size_t n;
	int rc;

	rc = store_observer_ids(tx, plan_id, ids, SVC_PLAN_OBSERVERS_MAX, &n);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < n && i < SVC_PLAN_OBSERVERS_MAX; i++) {
		rc = store_user_get(tx, ids[i], &usr);
		if (rc == KT_ENOTFOUND)
			continue;
		if (rc < 0)
			return rc;
		rc = sink->observer(&usr, sink->arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int svc_plan_team(struct store_tx *tx, int64_t plan_id, const struct svc_plan_sink *sink)
{
	int rc = 0;

	if (sink->member && (rc = store_team_list(tx, plan_id, sink->member, sink->arg)) != 0)
		return rc;
	if (sink->group && (rc = store_group_list(tx, plan_id, sink->group, sink->arg)) != 0)
		return rc;
	return 0;
}

int svc_plan_get(struct store_tx *tx, const struct rights_user *u, int64_t plan_id,
		 const struct svc_plan_sink *sink, struct svc_plan_out *out, char *msg, size_t cap)
{
	struct plan_access a;
	struct store_user usr;
	int64_t only;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = load(tx, u, plan_id, &a, msg, cap);
	if (rc != 0)
		return rc;
	rc = fill_out(tx, &a, plan_id, out);
	if (rc < 0)
		return rc;
	only = rep_only(&a) ? a.rep_unit_id : 0;
	if (sink->unit) {
		struct unit_filter f = {sink, only};

		if ((rc = store_plan_units(tx, plan_id, unit_filtered, &f)) != 0)
			return rc;
	}
	if ((rc = svc_plan_team(tx, plan_id, sink)) != 0)
		return rc;
	if (sink->assignment &&
	    (rc = store_assignment_list(tx, plan_id, only, sink->assignment, sink->arg)) != 0)
		return rc;
	if (sink->observer && !only && (rc = observer_user(tx, sink, plan_id)) != 0)
		return rc;
	if (sink->authority && out->plan.authority_user_id) {
		rc = store_user_get(tx, out->plan.authority_user_id, &usr);
		if (rc == 0)
			rc = sink->authority(&usr, sink->arg);
		if (rc != 0 && rc != KT_ENOTFOUND)
			return rc;
	}
	return 0;
}

struct list_walk {
	struct store_tx *tx;
	const struct rights_user *u;
	int (*fn)(const struct svc_plan_out *p, void *arg);
	void *arg;
	struct svc_plan_out *out;
};

static int list_one(const struct store_plan *p, void *arg)
{
	struct list_walk *w = arg;
	struct plan_access a;
	int rc;

	rc = rights_load(w->tx, w->u, p->id, &a, NULL, 0);
	if (rc == KT_EPERM)
		return 0; /* a role taken away since: no standing any more */
	if (rc < 0)
		return rc;
	memset(w->out, 0, sizeof(*w->out));
	rc = fill_out(w->tx, &a, p->id, w->out);
	if (rc < 0)
		return rc;
	return w->fn(w->out, w->arg);
}

int svc_plan_list(struct store_tx *tx, const struct rights_user *u, bool include_closed,
		  int (*fn)(const struct svc_plan_out *p, void *arg), void *arg, char *msg,
		  size_t cap)
{
	struct list_walk w = {tx, u, fn, arg, NULL};
	int64_t rep_unit = HAS_ROLE(u, ROLE_UNIT_REP) ? u->unit_id : 0;
	int rc;

	w.out = malloc(sizeof(*w.out));
	if (!w.out)
		return svc_fail(msg, cap, KT_ENOMEM, "out of memory");
	rc = store_plan_list(tx, HAS_ROLE(u, ROLE_PLANNER), u->user_id, rep_unit, include_closed,
			     list_one, &w);
	free(w.out);
	return rc;
}

/* ---- update ------------------------------------------------------------------- */

struct period_check {
	const char *from, *to;
	int64_t bad;
	char first[64];
};

static int assignment_in_period(const struct store_assignment *as, void *arg)
{
	struct period_check *c = arg;

	if (kt_date_within(as->date_from, c->from, c->to) &&
	    kt_date_within(as->date_to, c->from, c->to))
		return 0;
	if (c->bad++ == 0)
		snprintf(c->first, sizeof(c->first), "%s .. %s", as->date_from, as->date_to);
	return 0;
}

/* Units of the plan that the new list drops: refused when anything rests on them. */
static int drop_units(struct store_tx *tx, const struct svc_actor *who, const struct store_plan *p,
		      const int64_t *new_ids, size_t n_new, size_t *dropped, char *msg, size_t cap)
{
	int64_t old[SVC_PLAN_UNITS_MAX];
	struct store_plan_unit_use use;
	struct store_unit unit;
	size_t n_old;
	int64_t n;
	int rc;

	*dropped = 0;
	rc = store_plan_unit_ids(tx, p->id, old, SVC_PLAN_UNITS_MAX, &n_old);
	if (rc < 0)
		return rc;
	if (n_old > SVC_PLAN_UNITS_MAX)
		n_old = SVC_PLAN_UNITS_MAX;
	for (size_t i = 0; i < n_old; i++) {
		bool kept = false;

		for (size_t j = 0; j < n_new && !kept; j++)
			kept = new_ids[j] == old[i];
		if (kept)
			continue;
		if ((rc = store_plan_unit_use(tx, p->id, old[i], &use)) < 0)
			return rc;
		if (use.findings || use.conclusions || use.recommendations || use.reviews) {
			if (store_unit_get(tx, old[i], &unit) < 0)
				snprintf(unit.code, sizeof(unit.code), "%lld", (long long)old[i]);
			return svc_fail(msg, cap, KT_ESTATE,
				    "unit %s cannot leave plan %s: it already has %lld findings, "
				    "%lld conclusions, %lld recommendations and %lld reviews",
				    unit.code, p->number, (long long)use.findings,
				    (long long)use.conclusions, (long long)use.recommendations,
				    (long long)use.reviews);
		}
		if ((rc = store_assignment_remove_unit(tx, p->id, old[i], &n)) < 0 ||
		    (rc = store_plan_unit_remove(tx, p->id, old[i])) < 0)
			return rc;
		(*dropped)++;
	}
	(void)who;
	return 0;
}

static bool chain_equal(const int *a, size_t na, const int *b, size_t nb)
{
	return na == nb && memcmp(a, b, na * sizeof(*a)) == 0;
}

int svc_plan_update(struct store_tx *tx, const struct svc_actor *who, const struct rights_user *u,
		    int64_t plan_id, int64_t version, const struct svc_plan_spec *spec,
		    struct svc_plan_out *out, int64_t *current_version, char *msg, size_t cap)
{
	struct store_plan *p = NULL;
	struct plan_access a;
	int64_t *ids = NULL, nreviews;
	char detail[512], changes[256] = "";
	size_t added = 0, dropped = 0;
	int chain[STORE_CHAIN_MAX];
	size_t n_chain;
	int rc;

	memset(out, 0, sizeof(*out));
	*current_version = 0;
	if ((rc = load(tx, u, plan_id, &a, msg, cap)) != 0 ||
	    (rc = require_planner_or_leader(&a, "plan.update", who, msg, cap)) != 0 ||
	    (rc = rights_plan_open(&a, msg, cap)) != 0)
		return rc;
	p = calloc(1, sizeof(*p));
	ids = calloc(SVC_PLAN_UNITS_MAX, sizeof(*ids));
	if (!p || !ids) {
		rc = KT_ENOMEM;
		goto out;
	}
	if ((rc = store_plan_get(tx, plan_id, p)) < 0)
		goto out;
	if (version != p->version) {
		*current_version = p->version;
		rc = svc_fail(msg, cap, KT_ECONFLICT,
			  "plan %s changed: it is at version %lld, this edit is based on %lld; "
			  "read it again and redo the edit",
			  p->number, (long long)p->version, (long long)version);
		goto out;
	}
	if (spec->title && spec->title[0]) {
		if ((rc = check_line("the title", spec->title, STORE_PLAN_TITLE_MAX, msg, cap)))
			goto out;
		if (strcmp(p->title, spec->title) != 0) {
			snprintf(p->title, sizeof(p->title), "%s", spec->title);
			strcat(changes, " title");
		}
	}
	if (nz(spec->period_start)[0] || nz(spec->period_end)[0]) {
		struct period_check c = {0};
		const char *from = nz(spec->period_start)[0] ? spec->period_start : p->period_start;
		const char *to = nz(spec->period_end)[0] ? spec->period_end : p->period_end;

		if ((rc = check_period(from, to, msg, cap)) != 0)
			goto out;
		c.from = from;
		c.to = to;
		rc = store_assignment_list(tx, plan_id, 0, assignment_in_period, &c);
		if (rc < 0)
			goto out;
		if (c.bad) {
			rc = svc_fail(msg, cap, KT_ESTATE,
				  "the period %s .. %s would leave %lld assignments outside it "
				  "(e.g. %s); change those first",
				  from, to, (long long)c.bad, c.first);
			goto out;
		}
		snprintf(p->period_start, sizeof(p->period_start), "%s", from);
		snprintf(p->period_end, sizeof(p->period_end), "%s", to);
		strcat(changes, " period");
	}
	if (spec->n_areas) {
		if ((rc = check_areas(spec->areas, spec->n_areas, &p->areas, msg, cap)) != 0)
			goto out;
		strcat(changes, " areas");
	}
	if (nz(spec->authority)[0]) {
		if ((rc = check_authority(tx, spec->authority, &p->authority_user_id, msg, cap)))
			goto out;
		strcat(changes, " authority");
	}
	if (spec->n_chain) {
		if ((rc = check_chain(spec->chain, spec->n_chain, chain, &n_chain, msg, cap)))
			goto out;
		if (!chain_equal(chain, n_chain, p->review_chain, p->n_chain)) {
			if ((rc = store_plan_review_count(tx, plan_id, &nreviews)) < 0)
				goto out;
			if (nreviews) {
				rc = svc_fail(msg, cap, KT_ESTATE,
					  "the review chain of plan %s cannot change: %lld reviews "
					  "are already recorded under it",
					  p->number, (long long)nreviews);
				goto out;
			}
			memcpy(p->review_chain, chain, n_chain * sizeof(*chain));
			p->n_chain = n_chain;
			strcat(changes, " review-chain");
		}
	}
	if (spec->n_units) {
		if ((rc = resolve_units(tx, spec->unit_codes, spec->n_units, ids, msg, cap)))
			goto out;
		if ((rc = drop_units(tx, who, p, ids, spec->n_units, &dropped, msg, cap)) != 0)
			goto out;
		for (size_t i = 0; i < spec->n_units; i++) {
			rc = store_plan_has_unit(tx, plan_id, ids[i]);
			if (rc < 0)
				goto out;
			if (rc == 1)
				continue;
			if ((rc = store_plan_unit_add(tx, plan_id, ids[i])) < 0)
				goto out;
			added++;
		}
		rc = 0;
		if (added || dropped)
			strcat(changes, " units");
	}
	if (!nz(spec->title)[0] && !nz(spec->period_start)[0] && !nz(spec->period_end)[0] &&
	    !spec->n_areas && !nz(spec->authority)[0] && !spec->n_chain && !spec->n_units) {
		rc = svc_fail(msg, cap, KT_EINVAL,
			  "nothing to change: give a title, period, areas, "
			  "units, authority or review chain");
		goto out;
	}
	rc = store_plan_update(tx, p, version, who->now);
	if (rc == KT_ECONFLICT) {
		*current_version = version + 1;
		rc = svc_fail(msg, cap, KT_ECONFLICT, "plan %s changed meanwhile; read it again",
			  p->number);
		goto out;
	}
	if (rc < 0)
		goto out;
	snprintf(detail, sizeof(detail), "plan %s:%s%s (units +%zu -%zu)", p->number,
		 changes[0] ? "" : " no field", changes, added, dropped);
	if ((rc = audit(tx, who, "plan.update", "plan", plan_id, detail)) < 0)
		goto out;
	if ((rc = rights_load(tx, u, plan_id, &a, msg, cap)) == 0)
		rc = fill_out(tx, &a, plan_id, out);
out:
	free(p);
	free(ids);
	return rc;
}

/* ---- team ----------------------------------------------------------------------- */

int svc_team_set(struct store_tx *tx, const struct svc_actor *who, const struct rights_user *u,
		 int64_t plan_id, int64_t version, const char *decision_number,
		 const char *decision_date, struct svc_plan_out *out, int64_t *current_version,
		 char *msg, size_t cap)
{
	struct store_plan *p = NULL;
	struct plan_access a;
	char detail[256];
	int rc;

	memset(out, 0, sizeof(*out));
	*current_version = 0;
	if ((rc = load(tx, u, plan_id, &a, msg, cap)) != 0 ||
	    (rc = require_planner_or_leader(&a, "team.set", who, msg, cap)) != 0 ||
	    (rc = rights_plan_open(&a, msg, cap)) != 0)
		return rc;
	if ((rc = check_line("the team decision number", decision_number, STORE_PLAN_NUMBER_MAX,
			     msg, cap)) != 0 ||
	    (rc = check_date("the team decision date", decision_date, msg, cap)) != 0)
		return rc;
	p = calloc(1, sizeof(*p));
	if (!p)
		return KT_ENOMEM;
	if ((rc = store_plan_get(tx, plan_id, p)) < 0)
		goto out;
	if (version != p->version) {
		*current_version = p->version;
		rc = svc_fail(msg, cap, KT_ECONFLICT,
			  "plan %s changed: it is at version %lld, this edit is based on %lld; "
			  "read it again and redo the edit",
			  p->number, (long long)p->version, (long long)version);
		goto out;
	}
	if (kt_date_cmp(decision_date, p->issued_on) < 0) {
		rc = svc_fail(msg, cap, KT_EINVAL,
			  "the team decision (%s) cannot come before the plan it carries out (%s "
			  "of %s)",
			  decision_date, p->number, p->issued_on);
		goto out;
	}
	snprintf(p->team_decision_number, sizeof(p->team_decision_number), "%s", decision_number);
	snprintf(p->team_decision_date, sizeof(p->team_decision_date), "%s", decision_date);
	rc = store_plan_update(tx, p, version, who->now);
	if (rc == KT_ECONFLICT) {
		*current_version = version + 1;
		rc = svc_fail(msg, cap, KT_ECONFLICT, "plan %s changed meanwhile; read it again",
			  p->number);
		goto out;
	}
	if (rc < 0)
		goto out;
	snprintf(detail, sizeof(detail), "plan %s: team decision %s of %s", p->number,
		 decision_number, decision_date);
	if ((rc = audit(tx, who, "team.set", "plan", plan_id, detail)) < 0)
		goto out;
	rc = fill_out(tx, &a, plan_id, out);
out:
	free(p);
	return rc;
}

static int count_member(const struct store_team_member *m, void *arg)
{
	(void)m;
	(*(size_t *)arg)++;
	return 0;
}

static int count_group(const struct store_group *g, void *arg)
{
	(void)g;
	(*(size_t *)arg)++;
	return 0;
}

static int count_assignment(const struct store_assignment *as, void *arg)
{
	(void)as;
	(*(size_t *)arg)++;
	return 0;
}

/* The working group named name in the plan, created when new. */
static int group_for(struct store_tx *tx, const struct svc_actor *who, const struct store_plan *p,
		     const char *name, struct store_group *g, char *msg, size_t cap)
{
	char detail[STORE_GROUP_NAME_MAX + 96];
	size_t n = 0;
	int rc;

	rc = check_line("the working group's name", name, STORE_GROUP_NAME_MAX, msg, cap);
	if (rc != 0)
		return rc;
	rc = store_group_get_by_name(tx, p->id, name, g);
	if (rc != KT_ENOTFOUND)
		return rc;
	if ((rc = store_group_list(tx, p->id, count_group, &n)) < 0)
		return rc;
	if (n >= SVC_PLAN_GROUPS_MAX)
		return svc_fail(msg, cap, KT_ELIMIT, "plan %s has %d working groups, the most it may",
			    p->number, SVC_PLAN_GROUPS_MAX);
	memset(g, 0, sizeof(*g));
	g->plan_id = p->id;
	snprintf(g->name, sizeof(g->name), "%s", name);
	if ((rc = store_group_create(tx, g)) < 0)
		return rc;
	snprintf(detail, sizeof(detail), "plan %s: working group '%s'", p->number, g->name);
	return audit(tx, who, "team.group", "working_group", g->id, detail);
}

int svc_team_member_set(struct store_tx *tx, const struct svc_actor *who,
			const struct rights_user *u, int64_t plan_id, const char *username,
			int role, const char *group, struct svc_team_change *out, char *msg,
			size_t cap)
{
	struct store_team_member cur, leader, m;
	struct store_plan *p = NULL;
	struct store_group g;
	struct store_user usr;
	struct plan_access a;
	char detail[512];
	int64_t n_assign = 0;
	bool on_team;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = load(tx, u, plan_id, &a, msg, cap)) != 0 ||
	    (rc = require_planner_or_leader(&a, "team.member", who, msg, cap)) != 0 ||
	    (rc = rights_plan_open(&a, msg, cap)) != 0)
		return rc;
	if (role < STORE_TEAM_NONE || role > STORE_TEAM_SECRETARY)
		return svc_fail(msg, cap, KT_EINVAL,
			    "team role %d is not one of leader, deputy, member, secretary (or none "
			    "to remove)",
			    role);
	if ((rc = check_line("the username", username, STORE_USERNAME_MAX, msg, cap)) != 0)
		return rc;
	rc = store_user_get_by_name(tx, username, &usr);
	if (rc == KT_ENOTFOUND)
		return svc_fail(msg, cap, rc, "no user '%s'", username);
	if (rc < 0)
		return rc;
	p = calloc(1, sizeof(*p));
	if (!p)
		return KT_ENOMEM;
	if ((rc = store_plan_get(tx, plan_id, p)) < 0)
		goto out;
	rc = store_team_get(tx, plan_id, usr.id, &cur);
	if (rc < 0 && rc != KT_ENOTFOUND)
		goto out;
	on_team = rc == 0;
	out->plan_id = plan_id;
	out->plan_version = p->version;
	out->user_id = usr.id;
	snprintf(out->username, sizeof(out->username), "%s", usr.username);
	out->old_role = on_team ? cur.role : STORE_TEAM_NONE;
	out->role = role;

	if (role == STORE_TEAM_NONE) {
		if (!on_team) {
			rc = svc_fail(msg, cap, KT_ENOTFOUND, "'%s' is not on the team of plan %s",
				  usr.username, p->number);
			goto out;
		}
		if ((rc = store_assignment_remove_user(tx, plan_id, usr.id, &n_assign)) < 0 ||
		    (rc = store_team_remove(tx, plan_id, usr.id)) < 0)
			goto out;
		snprintf(detail, sizeof(detail),
			 "plan %s: '%s' (%s) left the team; %lld personal assignments removed",
			 p->number, usr.username, rights_team_role_name(cur.role),
			 (long long)n_assign);
		snprintf(out->summary, sizeof(out->summary), "%.120s left the team of plan %.64s",
			 usr.full_name, p->number);
		rc = audit(tx, who, "team.member", "plan", plan_id, detail);
		goto out;
	}
	if (!(usr.roles & STORE_ROLE_BIT(ROLE_INSPECTOR))) {
		rc = svc_fail(msg, cap, KT_EINVAL,
			  "'%s' cannot join the team of plan %s: only accounts with the role "
			  "inspector may be on a team",
			  usr.username, p->number);
		goto out;
	}
	if (usr.disabled) {
		rc = svc_fail(msg, cap, KT_ESTATE, "the account '%s' is disabled", usr.username);
		goto out;
	}
	if (role == STORE_TEAM_LEADER) {
		rc = store_team_find_role(tx, plan_id, STORE_TEAM_LEADER, &leader);
		if (rc < 0 && rc != KT_ENOTFOUND)
			goto out;
		if (rc == 0 && leader.user_id != usr.id) {
			rc = svc_fail(msg, cap, KT_ESTATE,
				  "plan %s already has a leader, '%s' (%s); a team has one leader: "
				  "give '%s' another role first",
				  p->number, leader.username, leader.full_name, leader.username);
			goto out;
		}
	}
	if (!on_team) {
		size_t n = 0;

		if ((rc = store_team_list(tx, plan_id, count_member, &n)) < 0)
			goto out;
		if (n >= SVC_PLAN_TEAM_MAX) {
			rc = svc_fail(msg, cap, KT_ELIMIT,
				  "the team of plan %s has %d members, the "
				  "most it may",
				  p->number, SVC_PLAN_TEAM_MAX);
			goto out;
		}
	}
	memset(&g, 0, sizeof(g));
	if (group && group[0]) {
		if ((rc = group_for(tx, who, p, group, &g, msg, cap)) != 0)
			goto out;
	}
	memset(&m, 0, sizeof(m));
	m.plan_id = plan_id;
	m.user_id = usr.id;
	m.role = role;
	m.group_id = g.id;
	if ((rc = store_team_set(tx, &m)) < 0)
		goto out;
	out->group_id = g.id;
	snprintf(detail, sizeof(detail), "plan %s: '%s' %s%s%s%s", p->number, usr.username,
		 rights_team_role_name(role), g.id ? ", working group '" : "", g.id ? g.name : "",
		 g.id ? "'" : "");
	snprintf(out->summary, sizeof(out->summary), "%.120s is %s %s of the team of plan %.64s",
		 usr.full_name, role == STORE_TEAM_LEADER ? "the" : "a",
		 rights_team_role_name(role), p->number);
	rc = audit(tx, who, "team.member", "plan", plan_id, detail);
out:
	free(p);
	return rc;
}

/* ---- assignments ------------------------------------------------------------------ */

int svc_assign(struct store_tx *tx, const struct svc_actor *who, const struct rights_user *u,
	       int64_t plan_id, const char *unit_code, const char *group, const char *username,
	       const char *date_from, const char *date_to, struct store_assignment *out,
	       char *summary, size_t summary_cap, char *msg, size_t cap)
{
	struct store_team_member member;
	struct store_plan *p = NULL;
	struct store_unit unit;
	struct store_group g;
	struct store_user usr;
	struct plan_access a;
	char detail[512], to_whom[STORE_NAME_MAX + 32];
	size_t n = 0;
	bool created;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = load(tx, u, plan_id, &a, msg, cap)) != 0 ||
	    (rc = rights_require_leader(&a, "plan.assign", caller(who), msg, cap)) != 0 ||
	    (rc = rights_plan_open(&a, msg, cap)) != 0)
		return rc;
	if ((rc = check_line("the unit code", unit_code, STORE_CODE_MAX, msg, cap)) != 0)
		return rc;
	if (nz(group)[0] && nz(username)[0])
		return svc_fail(msg, cap, KT_EINVAL,
			    "assign the unit to a working group or to one member, not both");
	if (!nz(group)[0] && !nz(username)[0])
		return svc_fail(msg, cap, KT_EINVAL,
			    "name the working group or the member the unit is assigned to");
	if ((rc = check_date("the first day", date_from, msg, cap)) != 0 ||
	    (rc = check_date("the last day", date_to, msg, cap)) != 0)
		return rc;
	if (kt_date_cmp(date_from, date_to) > 0)
		return svc_fail(msg, cap, KT_EINVAL, "the assignment starts (%s) after it ends (%s)",
			    date_from, date_to);
	p = calloc(1, sizeof(*p));
	if (!p)
		return KT_ENOMEM;
	if ((rc = store_plan_get(tx, plan_id, p)) < 0)
		goto out;
	rc = store_unit_get_by_code(tx, unit_code, &unit);
	if (rc == KT_ENOTFOUND) {
		rc = svc_fail(msg, cap, rc, "no unit with code '%s'", unit_code);
		goto out;
	}
	if (rc < 0)
		goto out;
	if ((rc = store_plan_has_unit(tx, plan_id, unit.id)) < 0)
		goto out;
	if (rc == 0) {
		rc = svc_fail(msg, cap, KT_EINVAL, "unit %s (%s) is not one of the units of plan %s",
			  unit.code, unit.name, p->number);
		goto out;
	}
	if (!kt_date_within(date_from, p->period_start, p->period_end) ||
	    !kt_date_within(date_to, p->period_start, p->period_end)) {
		rc = svc_fail(msg, cap, KT_EINVAL,
			  "the assignment %s .. %s lies outside the period of plan %s (%s .. %s)",
			  date_from, date_to, p->number, p->period_start, p->period_end);
		goto out;
	}
	if (nz(group)[0]) {
		if ((rc = check_line("the working group's name", group, STORE_GROUP_NAME_MAX, msg,
				     cap)) != 0)
			goto out;
		rc = store_group_get_by_name(tx, plan_id, group, &g);
		if (rc == KT_ENOTFOUND) {
			rc = svc_fail(msg, cap, rc,
				  "plan %s has no working group '%s'; put members in it first "
				  "(team add PLAN USER --role member --group NAME)",
				  p->number, group);
			goto out;
		}
		if (rc < 0)
			goto out;
		out->group_id = g.id;
		snprintf(to_whom, sizeof(to_whom), "working group '%s'", g.name);
	} else {
		if ((rc = check_line("the username", username, STORE_USERNAME_MAX, msg, cap)))
			goto out;
		rc = store_user_get_by_name(tx, username, &usr);
		if (rc == KT_ENOTFOUND) {
			rc = svc_fail(msg, cap, rc, "no user '%s'", username);
			goto out;
		}
		if (rc < 0)
			goto out;
		rc = store_team_get(tx, plan_id, usr.id, &member);
		if (rc == KT_ENOTFOUND) {
			rc = svc_fail(msg, cap, KT_EINVAL,
				  "'%s' is not on the team of plan %s; only team members are "
				  "assigned to units",
				  usr.username, p->number);
			goto out;
		}
		if (rc < 0)
			goto out;
		out->user_id = usr.id;
		snprintf(to_whom, sizeof(to_whom), "'%s'", usr.username);
	}
	if ((rc = store_assignment_list(tx, plan_id, 0, count_assignment, &n)) < 0)
		goto out;
	if (n >= SVC_PLAN_ASSIGNMENTS_MAX) {
		rc = svc_fail(msg, cap, KT_ELIMIT, "plan %s has %d assignments, the most it may",
			  p->number, SVC_PLAN_ASSIGNMENTS_MAX);
		goto out;
	}
	out->plan_id = plan_id;
	out->unit_id = unit.id;
	snprintf(out->date_from, sizeof(out->date_from), "%s", date_from);
	snprintf(out->date_to, sizeof(out->date_to), "%s", date_to);
	out->created_at = who->now;
	if ((rc = store_assignment_put(tx, out, &created)) < 0)
		goto out;
	snprintf(detail, sizeof(detail), "plan %s: unit %s to %s, %s .. %s%s", p->number, unit.code,
		 to_whom, date_from, date_to, created ? "" : " (dates changed)");
	if (summary && summary_cap)
		snprintf(summary, summary_cap, "%s assigned to %s, %s .. %s", unit.name, to_whom,
			 date_from, date_to);
	rc = audit(tx, who, "plan.assign", "assignment", out->id, detail);
out:
	free(p);
	return rc;
}

/* ---- observers ------------------------------------------------------------------ */

int svc_observer_set(struct store_tx *tx, const struct svc_actor *who, const struct rights_user *u,
		     int64_t plan_id, const char *username, bool remove, int64_t *ids,
		     size_t ids_cap, size_t *n_ids, bool *changed, char *msg, size_t cap)
{
	struct store_user usr;
	struct plan_access a;
	char detail[256];
	size_t n = 0;
	int rc;

	*n_ids = 0;
	*changed = false;
	if ((rc = load(tx, u, plan_id, &a, msg, cap)) != 0 ||
	    (rc = require_planner_or_leader(&a, "observer.set", who, msg, cap)) != 0 ||
	    (rc = rights_plan_open(&a, msg, cap)) != 0)
		return rc;
	if ((rc = check_line("the username", username, STORE_USERNAME_MAX, msg, cap)) != 0)
		return rc;
	rc = store_user_get_by_name(tx, username, &usr);
	if (rc == KT_ENOTFOUND)
		return svc_fail(msg, cap, rc, "no user '%s'", username);
	if (rc < 0)
		return rc;
	if (remove) {
		rc = store_observer_remove(tx, plan_id, usr.id);
		if (rc == KT_ENOTFOUND)
			return svc_fail(msg, cap, rc, "'%s' is not an observer of plan %s",
				    usr.username, a.number);
		if (rc < 0)
			return rc;
		*changed = true;
	} else {
		if (!(usr.roles & STORE_ROLE_BIT(ROLE_OBSERVER)))
			return svc_fail(msg, cap, KT_EINVAL,
				    "'%s' cannot observe plan %s: the account lacks the role "
				    "observer",
				    usr.username, a.number);
		if ((rc = store_observer_ids(tx, plan_id, NULL, 0, &n)) < 0)
			return rc;
		rc = store_observer_is(tx, plan_id, usr.id);
		if (rc < 0)
			return rc;
		if (rc == 0) {
			if (n >= SVC_PLAN_OBSERVERS_MAX)
				return svc_fail(msg, cap, KT_ELIMIT,
					    "plan %s has %d observers, the most it may", a.number,
					    SVC_PLAN_OBSERVERS_MAX);
			if ((rc = store_observer_add(tx, plan_id, usr.id)) < 0)
				return rc;
			*changed = true;
		}
	}
	if (*changed) {
		snprintf(detail, sizeof(detail), "plan %s: '%s' %s observers", a.number,
			 usr.username, remove ? "removed from the" : "added to the");
		if ((rc = audit(tx, who, "observer.set", "plan", plan_id, detail)) < 0)
			return rc;
	}
	return store_observer_ids(tx, plan_id, ids, ids_cap, n_ids);
}

/* ---- close ----------------------------------------------------------------------- */

struct open_items {
	char text[400];
	size_t open_units, shown;
	bool full;
};

static int open_item(const struct store_plan_unit_state *s, void *arg)
{
	struct open_items *o = arg;
	char item[160], recs[48] = "";
	const char *parts[3];
	size_t np = 0, len = strlen(o->text), k;

	if (s->conclusion_approved && s->recommendations_open == 0 && s->review_approved)
		return 0;
	o->open_units++;
	if (o->full)
		return 0;
	if (!s->conclusion_approved)
		parts[np++] = "no approved conclusion";
	if (s->recommendations_open) {
		snprintf(recs, sizeof(recs), "%lld recommendation%s not done",
			 (long long)s->recommendations_open,
			 s->recommendations_open == 1 ? "" : "s");
		parts[np++] = recs;
	}
	if (!s->review_approved)
		parts[np++] = "review not approved";
	k = (size_t)snprintf(item, sizeof(item), "%s%s (", len ? "; " : "", s->code);
	for (size_t i = 0; i < np && k < sizeof(item); i++)
		k += (size_t)snprintf(item + k, sizeof(item) - k, "%s%s", i ? ", " : "", parts[i]);
	if (k < sizeof(item))
		snprintf(item + k, sizeof(item) - k, ")");
	if (len + strlen(item) >= sizeof(o->text) - 1) {
		o->full = true;
		return 0;
	}
	memcpy(o->text + len, item, strlen(item) + 1);
	o->shown++;
	return 0;
}

int svc_plan_close(struct store_tx *tx, const struct svc_actor *who, const struct rights_user *u,
		   int64_t device_id, int64_t plan_id, int64_t version, const uint8_t *sig,
		   size_t sig_len, struct svc_plan_out *out, int64_t *current_version, char *msg,
		   size_t cap)
{
	struct store_plan *p = NULL;
	struct open_items *o = NULL;
	struct plan_access a;
	int64_t *ids = NULL;
	uint8_t digest[KT_DIGEST_LEN], key[32];
	char detail[256];
	size_t n;
	int rc;

	memset(out, 0, sizeof(*out));
	*current_version = 0;
	if ((rc = load(tx, u, plan_id, &a, msg, cap)) != 0 ||
	    (rc = rights_require_leader(&a, "plan.close", caller(who), msg, cap)) != 0)
		return rc;
	if (a.status == STORE_PLAN_CLOSED)
		return svc_fail(msg, cap, KT_ESTATE, "plan %s is already closed", a.number);
	p = calloc(1, sizeof(*p));
	o = calloc(1, sizeof(*o));
	ids = calloc(SVC_PLAN_UNITS_MAX, sizeof(*ids));
	if (!p || !o || !ids) {
		rc = KT_ENOMEM;
		goto out;
	}
	if ((rc = store_plan_get(tx, plan_id, p)) < 0)
		goto out;
	if (version != p->version) {
		*current_version = p->version;
		rc = svc_fail(msg, cap, KT_ECONFLICT,
			  "plan %s changed: it is at version %lld, the closing was signed over "
			  "%lld; read it again and sign again",
			  p->number, (long long)p->version, (long long)version);
		goto out;
	}
	if ((rc = store_plan_unit_states(tx, plan_id, open_item, o)) < 0)
		goto out;
	if (o->open_units) {
		rc = svc_fail(msg, cap, KT_ESTATE, "plan %s cannot close: %zu unit%s still open: %s%s",
			  p->number, o->open_units, o->open_units == 1 ? " is" : "s are", o->text,
			  o->shown < o->open_units ? "; ..." : "");
		goto out;
	}
	if ((rc = store_plan_unit_ids(tx, plan_id, ids, SVC_PLAN_UNITS_MAX, &n)) < 0)
		goto out;
	if (n > SVC_PLAN_UNITS_MAX)
		n = SVC_PLAN_UNITS_MAX;
	kt_sort_ids(ids, n);
	kt_digest_plan_close(p->id, p->number, p->issued_on, p->issuer, p->title, p->period_start,
			     p->period_end, n, ids, digest);
	rc = svc_verify_signature(tx, device_id, digest, sig, sig_len, key, msg, cap);
	if (rc != 0)
		goto out;
	rc = store_plan_close(tx, plan_id, version, who->user_id, who->now, digest, sig, key);
	if (rc == KT_ECONFLICT) {
		*current_version = version + 1;
		rc = svc_fail(msg, cap, KT_ECONFLICT, "plan %s changed meanwhile; read it again",
			  p->number);
		goto out;
	}
	if (rc < 0)
		goto out;
	snprintf(detail, sizeof(detail), "plan %s of %s closed, %zu units", p->number, p->issued_on,
		 n);
	if ((rc = audit(tx, who, "plan.close", "plan", plan_id, detail)) < 0)
		goto out;
	a.status = STORE_PLAN_CLOSED;
	rc = fill_out(tx, &a, plan_id, out);
out:
	free(p);
	free(o);
	free(ids);
	return rc;
}
