/* svc_report.c - see svc_report.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "server/svc_report.h"

#define MSG(...)                                                                                   \
	do {                                                                                       \
		if (msg)                                                                           \
			snprintf(msg, cap, __VA_ARGS__);                                           \
	} while (0)

/* Proto enum numbers used here. */
enum {
	ROLE_PLANNER = 2,
	ROLE_UNIT_REP = 4,
	FINDING_KIND_STRENGTH = 1,
	FINDING_KIND_SHORTCOMING = 2,
	REVIEW_STATE_APPROVED = 3,
};

/* ---- watch lists -------------------------------------------------------------- */

/*
 * Whether a standing covers every unit of the plan: the team, observers, the
 * approving authority and planners do (rights.h); a unit representative only
 * sees their own unit, although rights_can_read_unit(a, 0) lets them read the
 * plan's own header.
 */
static bool sees_every_unit(const struct plan_access *a)
{
	return rights_is_team(a) || a->observer || a->authority || a->planner;
}

/* What a standing lets its holder watch; false when it shows no unit at all. */
static bool watch_entry_of(const struct plan_access *a, struct watch_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->plan_id = a->plan_id;
	/* Team members and observers see drafts and returns (observers read everything). */
	e->team = rights_is_team(a) || a->observer;
	if (sees_every_unit(a))
		return true;
	if (a->rep_unit_id && rights_can_read_unit(a, a->rep_unit_id)) {
		e->unit_id = a->rep_unit_id;
		return true;
	}
	return false;
}

struct watch_build {
	struct store_tx *tx;
	const struct rights_user *u;
	struct watch_entry *items;
	size_t n;
	int rc; /* why the walk stopped */
};

static int watch_candidate(const struct store_plan *p, void *arg)
{
	struct watch_build *b = arg;
	struct plan_access a;
	int rc;

	rc = rights_load(b->tx, b->u, p->id, &a, NULL, 0);
	if (rc == KT_EPERM || rc == KT_ENOTFOUND)
		return 0;
	if (rc != KT_OK) {
		b->rc = rc;
		return 1;
	}
	if (b->n == SVC_WATCH_MAX_PLANS) {
		b->rc = KT_ELIMIT;
		return 1;
	}
	if (watch_entry_of(&a, &b->items[b->n]))
		b->n++;
	return 0;
}

int svc_watch_list(struct store_tx *tx, const struct rights_user *u, int64_t plan_id,
		   struct watch_entry **out, size_t *n, char *msg, size_t cap)
{
	struct watch_build b = {.tx = tx, .u = u};
	struct plan_access a;
	int rc = KT_ENOMEM;

	*out = NULL;
	*n = 0;
	if (plan_id < 0) {
		MSG("plan_id must be a plan's id, or 0 for every plan");
		return KT_EINVAL;
	}
	b.items = calloc(plan_id ? 1 : SVC_WATCH_MAX_PLANS, sizeof(*b.items));
	if (!b.items)
		goto out;
	if (plan_id) {
		rc = rights_load(tx, u, plan_id, &a, msg, cap);
		if (rc != KT_OK)
			goto out;
		if (!watch_entry_of(&a, &b.items[0])) {
			MSG("watching plan %lld needs standing in it", (long long)plan_id);
			rc = KT_EPERM;
			goto out;
		}
		b.n = 1;
	} else {
		/* Candidates by the stored relations; rights_load() has the last word. */
		rc = store_plan_list(tx, (u->roles & STORE_ROLE_BIT(ROLE_PLANNER)) != 0, u->user_id,
				     (u->roles & STORE_ROLE_BIT(ROLE_UNIT_REP)) ? u->unit_id : 0,
				     false, watch_candidate, &b);
		if (rc > 0)
			rc = b.rc;
		if (rc == KT_ELIMIT)
			MSG("you have standing in more than %d plans; watch one plan at a time",
			    SVC_WATCH_MAX_PLANS);
		if (rc != KT_OK)
			goto out;
	}
	if (b.n == 0) {
		free(b.items);
		b.items = NULL;
	}
	*out = b.items;
	*n = b.n;
	b.items = NULL;
	rc = KT_OK;
out:
	free(b.items);
	return rc;
}

/* ---- reports ---------------------------------------------------------------------- */

struct unit_key {
	int64_t id;
	size_t idx; /* into report.units */
};

struct report_build {
	struct report *r;
	size_t cap;
	struct unit_key *keys; /* the units sorted by id, for the aggregate rows */
};

void svc_report_free(struct report *r)
{
	if (!r)
		return;
	free(r->units);
	free(r);
}

static int add_unit(const struct store_report_unit *u, void *arg)
{
	struct report_build *b = arg;
	struct report *r = b->r;

	if (r->nunits == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 64;
		struct report_unit *nu = realloc(r->units, ncap * sizeof(*nu));

		if (!nu)
			return KT_ENOMEM;
		r->units = nu;
		b->cap = ncap;
	}
	memset(&r->units[r->nunits], 0, sizeof(r->units[0]));
	r->units[r->nunits].unit = *u;
	r->nunits++;
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	const struct unit_key *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static struct report_unit *unit_of(struct report_build *b, int64_t unit_id)
{
	struct unit_key k = {.id = unit_id}, *hit;

	if (!b->r->nunits)
		return NULL;
	hit = bsearch(&k, b->keys, b->r->nunits, sizeof(k), key_cmp);
	return hit ? &b->r->units[hit->idx] : NULL;
}

static int index_units(struct report_build *b)
{
	size_t n = b->r->nunits, i;

	b->keys = malloc((n ? n : 1) * sizeof(*b->keys));
	if (!b->keys)
		return KT_ENOMEM;
	for (i = 0; i < n; i++) {
		b->keys[i].id = b->r->units[i].unit.unit_id;
		b->keys[i].idx = i;
	}
	if (n)
		qsort(b->keys, n, sizeof(*b->keys), key_cmp);
	return 0;
}

static int add_findings(int64_t unit_id, int area, int kind, uint32_t count, void *arg)
{
	struct report_build *b = arg;
	struct report_unit *u = unit_of(b, unit_id);
	struct report *r = b->r;
	bool in_area = area >= 1 && area <= SVC_AREA_MAX;

	if (!u)
		return 0;
	if (kind == FINDING_KIND_STRENGTH) {
		u->strengths += count;
		r->strengths += count;
		if (in_area) {
			u->areas[area].strengths += count;
			r->areas[area].strengths += count;
		}
	} else if (kind == FINDING_KIND_SHORTCOMING) {
		u->shortcomings += count;
		r->shortcomings += count;
		if (in_area) {
			u->areas[area].shortcomings += count;
			r->areas[area].shortcomings += count;
		}
	}
	return 0;
}

static int add_conclusion(int64_t unit_id, void *arg)
{
	struct report_build *b = arg;
	struct report_unit *u = unit_of(b, unit_id);

	if (u && !u->conclusion_approved) {
		u->conclusion_approved = true;
		b->r->conclusions_approved++;
	}
	return 0;
}

static int add_recommendations(int64_t unit_id, uint32_t open, uint32_t done, uint32_t overdue,
			       void *arg)
{
	struct report_build *b = arg;
	struct report_unit *u = unit_of(b, unit_id);

	if (!u)
		return 0;
	u->rec_open = open;
	u->rec_done = done;
	u->rec_overdue = overdue;
	b->r->rec_open += open;
	b->r->rec_done += done;
	b->r->rec_overdue += overdue;
	return 0;
}

static int add_review(int64_t unit_id, int state, uint32_t officials, void *arg)
{
	struct report_build *b = arg;
	struct report_unit *u = unit_of(b, unit_id);

	if (!u)
		return 0;
	u->review_held = true;
	u->review_approved = state == REVIEW_STATE_APPROVED;
	u->officials = officials;
	b->r->reviews_held++;
	b->r->reviews_approved += u->review_approved;
	b->r->officials += officials;
	return 0;
}

static int add_outcome(int outcome, uint32_t count, void *arg)
{
	struct report_build *b = arg;

	if (outcome >= 1 && outcome <= SVC_OUTCOME_MAX)
		b->r->outcomes[outcome] += count;
	return 0;
}

/* Who sees which units: every unit, or only a representative's own. */
static int report_scope(const struct plan_access *a, int64_t *only_unit, char *msg, size_t cap)
{
	*only_unit = 0;
	if (sees_every_unit(a))
		return KT_OK;
	if (a->rep_unit_id && rights_can_read_unit(a, a->rep_unit_id)) {
		*only_unit = a->rep_unit_id;
		return KT_OK;
	}
	MSG("the report of plan %s needs standing in the plan", a->number);
	return KT_EPERM;
}

int svc_report_build(struct store_tx *tx, const struct rights_user *u, int64_t plan_id,
		     const char *today, struct report **out, char *msg, size_t cap)
{
	struct report_build b = {0};
	struct plan_access a;
	struct report *r = NULL;
	int64_t unit;
	size_t i;
	int rc;

	*out = NULL;
	if (plan_id <= 0) {
		MSG("name the plan: plan_id must be a plan's id");
		return KT_EINVAL;
	}
	if ((rc = rights_load(tx, u, plan_id, &a, msg, cap)) != KT_OK)
		return rc;
	r = calloc(1, sizeof(*r));
	if (!r)
		return KT_ENOMEM;
	b.r = r;
	if ((rc = report_scope(&a, &r->only_unit, msg, cap)) != KT_OK)
		goto out;
	unit = r->only_unit;
	snprintf(r->as_of, sizeof(r->as_of), "%s", today);
	if ((rc = store_plan_get(tx, plan_id, &r->plan)) != KT_OK ||
	    (rc = store_report_units(tx, plan_id, unit, add_unit, &b)) != KT_OK ||
	    (rc = index_units(&b)) != KT_OK ||
	    (rc = store_report_findings(tx, plan_id, unit, add_findings, &b)) != KT_OK ||
	    (rc = store_report_conclusions(tx, plan_id, unit, add_conclusion, &b)) != KT_OK ||
	    (rc = store_report_recommendations(tx, plan_id, unit, today, add_recommendations,
					       &b)) != KT_OK ||
	    (rc = store_report_reviews(tx, plan_id, unit, add_review, &b)) != KT_OK ||
	    (rc = store_report_outcomes(tx, plan_id, unit, add_outcome, &b)) != KT_OK ||
	    (rc = store_report_groups(tx, plan_id, unit, &r->groups)) != KT_OK ||
	    (rc = store_report_window(tx, plan_id, unit, r->window_from, r->window_to)) != KT_OK)
		goto out;
	if (!r->window_from[0] || !r->window_to[0]) {
		snprintf(r->window_from, sizeof(r->window_from), "%s", r->plan.period_start);
		snprintf(r->window_to, sizeof(r->window_to), "%s", r->plan.period_end);
		r->window_is_period = true;
	}
	r->units_total = (uint32_t)r->nunits;
	for (i = 0; i < r->nunits; i++) {
		const struct report_unit *ru = &r->units[i];

		if (ru->strengths || ru->shortcomings || ru->conclusion_approved)
			r->units_inspected++;
	}
	*out = r;
	r = NULL;
	rc = KT_OK;
out:
	free(b.keys);
	svc_report_free(r);
	return rc;
}

/* ---- signing keys ------------------------------------------------------------------ */

int svc_signing_keys(struct store_tx *tx, const int64_t *ids, size_t n,
		     int (*fn)(const struct store_signing_key *k, void *arg), void *arg, char *msg,
		     size_t cap)
{
	size_t i, j;
	int rc;

	if (n > SVC_KEYS_MAX_USERS) {
		MSG("ask for the keys of at most %d users at once", SVC_KEYS_MAX_USERS);
		return KT_ELIMIT;
	}
	for (i = 0; i < n; i++) {
		if (ids[i] <= 0) {
			MSG("user id %lld is not a user's id", (long long)ids[i]);
			return KT_EINVAL;
		}
	}
	for (i = 0; i < n; i++) {
		for (j = 0; j < i && ids[j] != ids[i]; j++)
			;
		if (j < i)
			continue;
		if ((rc = store_signing_keys(tx, ids[i], fn, arg)) != KT_OK)
			return rc;
	}
	return KT_OK;
}
