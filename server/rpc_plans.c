/*
 * rpc_plans.c - the plans methods: protobuf mapping and flow only; rules and
 * rights live in the service (server/svc_plans.c), SQL in the store.
 *
 * Every method runs on the storage thread (run); the changes that concern
 * people watching the plan (plan, team, assignments, observers, closure)
 * publish an UPDATE_PLAN event from finish(), after the commit.
 */
#include <stdio.h>
#include <string.h>

#include "common/status.h"
#include "server/conn.h"
#include "server/dispatch.h"
#include "server/events.h"
#include "server/server.h"
#include "server/svc_plans.h"

/* Stop adding plans to a list before the response could outgrow one frame. */
#define RESPONSE_SOFT_MAX 56000

/* What finish() publishes. */
struct plan_event {
	int64_t plan_id;
	int64_t unit_id;
	int64_t object_id;
	int state;
	int64_t version;
	bool team_only;
	char summary[256];
	/*
	 * Someone's standing in the plan changed: their watch lists were computed
	 * from the old standing, so their watching connections are asked to watch
	 * again (username; empty when nobody's standing changed).
	 */
	char restanding[STORE_USERNAME_MAX + 1];
};

/* A growing array of pointers in the call's arena. */
struct ptrs {
	void **items;
	size_t n, cap;
};

static int ptrs_add(struct call *call, struct ptrs *a, void *item)
{
	if (!item)
		return KT_ENOMEM;
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 16;
		void **ni = call_alloc(call, ncap * sizeof(*ni));

		if (!ni)
			return KT_ENOMEM;
		if (a->n)
			memcpy(ni, a->items, a->n * sizeof(*ni));
		a->items = ni;
		a->cap = ncap;
	}
	a->items[a->n++] = item;
	return 0;
}

/* ---- mapping ---------------------------------------------------------------------- */

static Kiemtra__V1__Plan *pb_plan(struct call *call, const struct svc_plan_out *o)
{
	const struct store_plan *p = &o->plan;
	Kiemtra__V1__Plan *m = call_alloc(call, sizeof(*m));
	size_t n = 0;

	if (!m)
		return NULL;
	kiemtra__v1__plan__init(m);
	m->id = p->id;
	m->number = call_strdup(call, p->number);
	m->issued_on = call_strdup(call, p->issued_on);
	m->issuer = call_strdup(call, p->issuer);
	m->title = call_strdup(call, p->title);
	m->period_start = call_strdup(call, p->period_start);
	m->period_end = call_strdup(call, p->period_end);
	m->team_decision_number = call_strdup(call, p->team_decision_number);
	m->team_decision_date = call_strdup(call, p->team_decision_date);
	if (!m->number || !m->issued_on || !m->issuer || !m->title || !m->period_start ||
	    !m->period_end || !m->team_decision_number || !m->team_decision_date)
		return NULL;
	m->areas = call_alloc(call, (SVC_AREA_MAX + 1) * sizeof(*m->areas));
	if (!m->areas)
		return NULL;
	for (int a = 1; a <= SVC_AREA_MAX; a++)
		if (p->areas & (1u << a))
			m->areas[n++] = (Kiemtra__V1__Area)a;
	m->n_areas = n;
	if (o->n_units) {
		m->unit_ids = call_alloc(call, o->n_units * sizeof(*m->unit_ids));
		if (!m->unit_ids)
			return NULL;
		memcpy(m->unit_ids, o->unit_ids, o->n_units * sizeof(*m->unit_ids));
		m->n_unit_ids = o->n_units;
	}
	m->status = (Kiemtra__V1__PlanStatus)p->status;
	m->authority_user_id = p->authority_user_id;
	if (p->n_chain) {
		m->review_chain = call_alloc(call, p->n_chain * sizeof(*m->review_chain));
		if (!m->review_chain)
			return NULL;
		for (size_t i = 0; i < p->n_chain; i++)
			m->review_chain[i] = (Kiemtra__V1__Signer)p->review_chain[i];
		m->n_review_chain = p->n_chain;
	}
	m->version = p->version;
	m->created_by = p->created_by;
	m->created_at = p->created_at;
	if (p->has_closure) {
		Kiemtra__V1__Approval *ap = call_alloc(call, sizeof(*ap));
		uint8_t *buf = call_alloc(call, 32 + 64 + 32);

		if (!ap || !buf)
			return NULL;
		kiemtra__v1__approval__init(ap);
		ap->user_id = p->closed_by;
		ap->username = call_strdup(call, o->closed_by_username);
		ap->full_name = call_strdup(call, o->closed_by_name);
		if (!ap->username || !ap->full_name)
			return NULL;
		ap->at = p->closed_at;
		memcpy(buf, p->closure_digest, 32);
		memcpy(buf + 32, p->closure_signature, 64);
		memcpy(buf + 96, p->closure_key, 32);
		ap->digest.data = buf;
		ap->digest.len = 32;
		ap->signature.data = buf + 32;
		ap->signature.len = 64;
		ap->signing_key.data = buf + 96;
		ap->signing_key.len = 32;
		m->closure = ap;
	}
	return m;
}

static Kiemtra__V1__Unit *pb_unit(struct call *call, const struct store_unit *u)
{
	Kiemtra__V1__Unit *p = call_alloc(call, sizeof(*p));

	if (!p)
		return NULL;
	kiemtra__v1__unit__init(p);
	p->id = u->id;
	p->code = call_strdup(call, u->code);
	p->name = call_strdup(call, u->name);
	p->kind = (Kiemtra__V1__UnitKind)u->kind;
	p->parent_id = u->parent_id;
	p->status = (Kiemtra__V1__UnitStatus)u->status;
	p->merged_into = u->merged_into;
	p->version = u->version;
	p->updated_at = u->updated_at;
	if (!p->code || !p->name)
		return NULL;
	return p;
}

/* A person named in a plan: id, username and full name only. */
static Kiemtra__V1__User *pb_person(struct call *call, const struct store_user *u)
{
	Kiemtra__V1__User *p = call_alloc(call, sizeof(*p));

	if (!p)
		return NULL;
	kiemtra__v1__user__init(p);
	p->id = u->id;
	p->username = call_strdup(call, u->username);
	p->full_name = call_strdup(call, u->full_name);
	p->disabled = u->disabled;
	if (!p->username || !p->full_name)
		return NULL;
	return p;
}

static Kiemtra__V1__TeamMember *pb_member(struct call *call, const struct store_team_member *t)
{
	Kiemtra__V1__TeamMember *p = call_alloc(call, sizeof(*p));

	if (!p)
		return NULL;
	kiemtra__v1__team_member__init(p);
	p->user_id = t->user_id;
	p->username = call_strdup(call, t->username);
	p->full_name = call_strdup(call, t->full_name);
	p->role = (Kiemtra__V1__TeamRole)t->role;
	p->group_id = t->group_id;
	if (!p->username || !p->full_name)
		return NULL;
	return p;
}

static Kiemtra__V1__WorkingGroup *pb_group(struct call *call, const struct store_group *g)
{
	Kiemtra__V1__WorkingGroup *p = call_alloc(call, sizeof(*p));

	if (!p)
		return NULL;
	kiemtra__v1__working_group__init(p);
	p->id = g->id;
	p->name = call_strdup(call, g->name);
	return p->name ? p : NULL;
}

static Kiemtra__V1__Assignment *pb_assignment(struct call *call, const struct store_assignment *a)
{
	Kiemtra__V1__Assignment *p = call_alloc(call, sizeof(*p));

	if (!p)
		return NULL;
	kiemtra__v1__assignment__init(p);
	p->id = a->id;
	p->unit_id = a->unit_id;
	p->group_id = a->group_id;
	p->user_id = a->user_id;
	p->date_from = call_strdup(call, a->date_from);
	p->date_to = call_strdup(call, a->date_to);
	if (!p->date_from || !p->date_to)
		return NULL;
	return p;
}

/* The collected parts of a plan for PlanGetResp and TeamResp. */
struct collect {
	struct call *call;
	struct ptrs units, team, groups, assignments, observers;
	Kiemtra__V1__User *authority;
};

static int c_unit(const struct store_unit *u, void *arg)
{
	struct collect *c = arg;

	return ptrs_add(c->call, &c->units, pb_unit(c->call, u));
}

static int c_member(const struct store_team_member *m, void *arg)
{
	struct collect *c = arg;

	return ptrs_add(c->call, &c->team, pb_member(c->call, m));
}

static int c_group(const struct store_group *g, void *arg)
{
	struct collect *c = arg;

	return ptrs_add(c->call, &c->groups, pb_group(c->call, g));
}

static int c_assignment(const struct store_assignment *a, void *arg)
{
	struct collect *c = arg;

	return ptrs_add(c->call, &c->assignments, pb_assignment(c->call, a));
}

static int c_observer(const struct store_user *u, void *arg)
{
	struct collect *c = arg;

	return ptrs_add(c->call, &c->observers, pb_person(c->call, u));
}

static int c_authority(const struct store_user *u, void *arg)
{
	struct collect *c = arg;

	c->authority = pb_person(c->call, u);
	return c->authority ? 0 : KT_ENOMEM;
}

/* A PlanResp body for one of the methods answering with a plan. */
static int reply_plan(struct call *call, const struct svc_plan_out *o, int body_case)
{
	Kiemtra__V1__PlanResp *p = call_alloc(call, sizeof(*p));

	if (!p)
		return call_oom(call);
	kiemtra__v1__plan_resp__init(p);
	p->plan = pb_plan(call, o);
	p->created = o->created;
	if (!p->plan)
		return call_oom(call);
	call->resp.body_case = body_case;
	switch (body_case) {
	case KIEMTRA__V1__RESPONSE__BODY_PLAN_CREATE:
		call->resp.plan_create = p;
		break;
	case KIEMTRA__V1__RESPONSE__BODY_PLAN_UPDATE:
		call->resp.plan_update = p;
		break;
	case KIEMTRA__V1__RESPONSE__BODY_TEAM_SET:
		call->resp.team_set = p;
		break;
	default:
		call->resp.plan_close = p;
		break;
	}
	return KT_OK;
}

static struct plan_event *event_state(struct call *call, int64_t plan_id)
{
	struct plan_event *e = call_alloc(call, sizeof(*e));

	if (e)
		e->plan_id = plan_id;
	call->state = e;
	return e;
}

static void publish(struct call *call)
{
	struct plan_event *e = call->state;
	struct event_update u = {0};

	if (!e || !e->plan_id)
		return;
	u.kind = KIEMTRA__V1__UPDATE_KIND__UPDATE_PLAN;
	u.plan_id = e->plan_id;
	u.unit_id = e->unit_id;
	u.object_id = e->object_id;
	u.state = e->state;
	u.by = call->who.user_id;
	u.by_name = call->username;
	u.summary = e->summary;
	u.version = e->version;
	u.team_only = e->team_only;
	events_publish(call->conn->srv, &u);
	if (e->restanding[0])
		server_close_watchers(call->conn->srv, e->restanding,
				      "your standing in a plan you watch changed; watch again");
}

/* Copy repeated enums into ints for the service. */
static int *ints_of(struct call *call, const int *src_is_enum_array, size_t n)
{
	int *out;

	if (!n)
		return NULL;
	out = call_alloc(call, n * sizeof(*out));
	if (!out)
		return NULL;
	memcpy(out, src_is_enum_array, n * sizeof(*out));
	return out;
}

/* ---- plan.create ------------------------------------------------------------------- */

static int create_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__PlanCreateReq *q = call->req->plan_create;
	struct rights_user u = call_rights_user(call);
	struct svc_plan_spec spec = {0};
	struct svc_plan_out *o = call_alloc(call, sizeof(*o));
	int rc;

	_Static_assert(sizeof(Kiemtra__V1__Area) == sizeof(int), "enum is int-sized");
	_Static_assert(sizeof(Kiemtra__V1__Signer) == sizeof(int), "enum is int-sized");
	if (!o)
		return call_oom(call);
	spec.number = q->number;
	spec.issued_on = q->issued_on;
	spec.issuer = q->issuer;
	spec.title = q->title;
	spec.period_start = q->period_start;
	spec.period_end = q->period_end;
	spec.areas = ints_of(call, (const int *)q->areas, q->n_areas);
	spec.n_areas = q->n_areas;
	spec.unit_codes = q->unit_codes;
	spec.n_units = q->n_unit_codes;
	spec.authority = q->authority;
	spec.chain = ints_of(call, (const int *)q->review_chain, q->n_review_chain);
	spec.n_chain = q->n_review_chain;
	spec.client_id = q->client_id;
	if ((q->n_areas && !spec.areas) || (q->n_review_chain && !spec.chain))
		return call_oom(call);
	rc = svc_plan_create(tx, &call->who, &u, &spec, o, call->msg, sizeof(call->msg));
	if (rc != KT_OK)
		return rc;
	return reply_plan(call, o, KIEMTRA__V1__RESPONSE__BODY_PLAN_CREATE);
}

/* ---- plan.get ------------------------------------------------------------------------ */

static int get_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__PlanGetReq *q = call->req->plan_get;
	struct rights_user u = call_rights_user(call);
	struct collect c = {.call = call};
	struct svc_plan_sink sink = {c_unit,	 c_member,    c_group, c_assignment,
				     c_observer, c_authority, &c};
	struct svc_plan_out *o = call_alloc(call, sizeof(*o));
	Kiemtra__V1__PlanGetResp *p;
	int64_t plan_id;
	int rc;

	if (!o)
		return call_oom(call);
	if (!q->id && !q->number[0])
		return call_fail(call, KT_EINVAL, "name the plan by its id or its number");
	rc = svc_plan_resolve(tx, &u, q->id, q->number, &plan_id, call->msg, sizeof(call->msg));
	if (rc != KT_OK)
		return rc;
	rc = svc_plan_get(tx, &u, plan_id, &sink, o, call->msg, sizeof(call->msg));
	if (rc == KT_ENOMEM)
		return call_oom(call);
	if (rc != KT_OK)
		return rc;
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return call_oom(call);
	kiemtra__v1__plan_get_resp__init(p);
	p->plan = pb_plan(call, o);
	if (!p->plan)
		return call_oom(call);
	p->team = (Kiemtra__V1__TeamMember **)c.team.items;
	p->n_team = c.team.n;
	p->groups = (Kiemtra__V1__WorkingGroup **)c.groups.items;
	p->n_groups = c.groups.n;
	p->assignments = (Kiemtra__V1__Assignment **)c.assignments.items;
	p->n_assignments = c.assignments.n;
	p->units = (Kiemtra__V1__Unit **)c.units.items;
	p->n_units = c.units.n;
	p->observers = (Kiemtra__V1__User **)c.observers.items;
	p->n_observers = c.observers.n;
	if (c.observers.n) {
		p->observer_ids = call_alloc(call, c.observers.n * sizeof(*p->observer_ids));
		if (!p->observer_ids)
			return call_oom(call);
		for (size_t i = 0; i < c.observers.n; i++)
			p->observer_ids[i] = p->observers[i]->id;
		p->n_observer_ids = c.observers.n;
	}
	p->authority = c.authority;
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_PLAN_GET;
	call->resp.plan_get = p;
	return KT_OK;
}

/* ---- plan.list ------------------------------------------------------------------------ */

struct list_state {
	struct call *call;
	struct ptrs plans;
	size_t bytes;
};

static int list_one(const struct svc_plan_out *o, void *arg)
{
	struct list_state *l = arg;

	if (l->bytes > RESPONSE_SOFT_MAX)
		return 1;
	l->bytes += 200 + strlen(o->plan.title) + strlen(o->plan.issuer) + 10 * o->n_units;
	return ptrs_add(l->call, &l->plans, pb_plan(l->call, o));
}

static int list_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__PlanListReq *q = call->req->plan_list;
	struct rights_user u = call_rights_user(call);
	struct list_state l = {.call = call};
	Kiemtra__V1__PlanListResp *p;
	int rc;

	rc = svc_plan_list(tx, &u, q->include_closed, list_one, &l, call->msg, sizeof(call->msg));
	if (rc == KT_ENOMEM)
		return call_oom(call);
	if (rc < 0)
		return rc;
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return call_oom(call);
	kiemtra__v1__plan_list_resp__init(p);
	p->plans = (Kiemtra__V1__Plan **)l.plans.items;
	p->n_plans = l.plans.n;
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_PLAN_LIST;
	call->resp.plan_list = p;
	return KT_OK;
}

/* ---- plan.update, team.set --------------------------------------------------------- */

static int update_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__PlanUpdateReq *q = call->req->plan_update;
	struct rights_user u = call_rights_user(call);
	struct svc_plan_spec spec = {0};
	struct svc_plan_out *o = call_alloc(call, sizeof(*o));
	struct plan_event *e = event_state(call, q->id);
	int64_t current = 0;
	int rc;

	if (!o || !e)
		return call_oom(call);
	spec.title = q->title;
	spec.period_start = q->period_start;
	spec.period_end = q->period_end;
	spec.areas = ints_of(call, (const int *)q->areas, q->n_areas);
	spec.n_areas = q->n_areas;
	spec.unit_codes = q->unit_codes;
	spec.n_units = q->n_unit_codes;
	spec.authority = q->authority;
	spec.chain = ints_of(call, (const int *)q->review_chain, q->n_review_chain);
	spec.n_chain = q->n_review_chain;
	if ((q->n_areas && !spec.areas) || (q->n_review_chain && !spec.chain))
		return call_oom(call);
	rc = svc_plan_update(tx, &call->who, &u, q->id, q->version, &spec, o, &current, call->msg,
			     sizeof(call->msg));
	if (rc == KT_ECONFLICT)
		call->resp.current_version = current;
	if (rc != KT_OK)
		return rc;
	e->object_id = q->id;
	e->state = o->plan.status;
	e->version = o->plan.version;
	snprintf(e->summary, sizeof(e->summary), "plan %s was changed", o->plan.number);
	return reply_plan(call, o, KIEMTRA__V1__RESPONSE__BODY_PLAN_UPDATE);
}

static int team_set_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__TeamSetReq *q = call->req->team_set;
	struct rights_user u = call_rights_user(call);
	struct svc_plan_out *o = call_alloc(call, sizeof(*o));
	struct plan_event *e = event_state(call, q->plan_id);
	int64_t current = 0;
	int rc;

	if (!o || !e)
		return call_oom(call);
	rc = svc_team_set(tx, &call->who, &u, q->plan_id, q->version, q->decision_number,
			  q->decision_date, o, &current, call->msg, sizeof(call->msg));
	if (rc == KT_ECONFLICT)
		call->resp.current_version = current;
	if (rc != KT_OK)
		return rc;
	e->object_id = q->plan_id;
	e->state = o->plan.status;
	e->version = o->plan.version;
	snprintf(e->summary, sizeof(e->summary), "team decision %.64s of %s for plan %.64s",
		 o->plan.team_decision_number, o->plan.team_decision_date, o->plan.number);
	return reply_plan(call, o, KIEMTRA__V1__RESPONSE__BODY_TEAM_SET);
}

/* ---- team.member -------------------------------------------------------------------- */

static int member_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__TeamMemberSetReq *q = call->req->team_member_set;
	struct rights_user u = call_rights_user(call);
	struct collect c = {.call = call};
	struct svc_plan_sink sink = {NULL, c_member, c_group, NULL, NULL, NULL, &c};
	struct svc_team_change *chg = call_alloc(call, sizeof(*chg));
	struct plan_event *e = event_state(call, q->plan_id);
	Kiemtra__V1__TeamResp *p;
	int rc;

	if (!chg || !e)
		return call_oom(call);
	rc = svc_team_member_set(tx, &call->who, &u, q->plan_id, q->username, (int)q->role,
				 q->group, chg, call->msg, sizeof(call->msg));
	if (rc != KT_OK)
		return rc;
	rc = svc_plan_team(tx, q->plan_id, &sink);
	if (rc == KT_ENOMEM)
		return call_oom(call);
	if (rc < 0)
		return rc;
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return call_oom(call);
	kiemtra__v1__team_resp__init(p);
	p->team = (Kiemtra__V1__TeamMember **)c.team.items;
	p->n_team = c.team.n;
	p->groups = (Kiemtra__V1__WorkingGroup **)c.groups.items;
	p->n_groups = c.groups.n;
	p->plan_version = chg->plan_version;
	e->object_id = chg->user_id;
	e->state = chg->role;
	snprintf(e->restanding, sizeof(e->restanding), "%s", q->username);
	e->version = chg->plan_version;
	snprintf(e->summary, sizeof(e->summary), "%s", chg->summary);
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_TEAM_MEMBER_SET;
	call->resp.team_member_set = p;
	return KT_OK;
}

/* ---- plan.assign ----------------------------------------------------------------------- */

static int assign_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__AssignReq *q = call->req->assign;
	struct rights_user u = call_rights_user(call);
	struct plan_event *e = event_state(call, q->plan_id);
	struct store_assignment a;
	Kiemtra__V1__AssignResp *p;
	int rc;

	if (!e)
		return call_oom(call);
	rc = svc_assign(tx, &call->who, &u, q->plan_id, q->unit_code, q->group, q->username,
			q->date_from, q->date_to, &a, e->summary, sizeof(e->summary), call->msg,
			sizeof(call->msg));
	if (rc != KT_OK)
		return rc;
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return call_oom(call);
	kiemtra__v1__assign_resp__init(p);
	p->assignment = pb_assignment(call, &a);
	if (!p->assignment)
		return call_oom(call);
	e->unit_id = a.unit_id;
	e->object_id = a.id;
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_ASSIGN;
	call->resp.assign = p;
	return KT_OK;
}

/* ---- observer.set -------------------------------------------------------------------- */

static int observer_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__ObserverSetReq *q = call->req->observer_set;
	struct rights_user u = call_rights_user(call);
	struct plan_event *e = event_state(call, q->plan_id);
	Kiemtra__V1__ObserverSetResp *p = call_alloc(call, sizeof(*p));
	int64_t *ids = call_alloc(call, SVC_PLAN_OBSERVERS_MAX * sizeof(*ids));
	bool changed = false;
	size_t n = 0;
	int rc;

	if (!e || !p || !ids)
		return call_oom(call);
	rc = svc_observer_set(tx, &call->who, &u, q->plan_id, q->username, q->remove, ids,
			      SVC_PLAN_OBSERVERS_MAX, &n, &changed, call->msg, sizeof(call->msg));
	if (rc != KT_OK)
		return rc;
	kiemtra__v1__observer_set_resp__init(p);
	p->observer_ids = ids;
	p->n_observer_ids = n < SVC_PLAN_OBSERVERS_MAX ? n : SVC_PLAN_OBSERVERS_MAX;
	if (!changed)
		e->plan_id = 0; /* nothing to tell anyone */
	else
		snprintf(e->restanding, sizeof(e->restanding), "%s", q->username);
	e->team_only = true;
	snprintf(e->summary, sizeof(e->summary), "observer '%.64s' %s", q->username,
		 q->remove ? "removed" : "added");
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_OBSERVER_SET;
	call->resp.observer_set = p;
	return KT_OK;
}

/* ---- plan.close ------------------------------------------------------------------------ */

static int close_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__PlanCloseReq *q = call->req->plan_close;
	struct rights_user u = call_rights_user(call);
	struct svc_plan_out *o = call_alloc(call, sizeof(*o));
	struct plan_event *e = event_state(call, q->plan_id);
	int64_t current = 0;
	int rc;

	if (!o || !e)
		return call_oom(call);
	rc = svc_plan_close(tx, &call->who, &u, call->device_id, q->plan_id, q->version,
			    q->signature.data, q->signature.len, o, &current, call->msg,
			    sizeof(call->msg));
	if (rc == KT_ECONFLICT)
		call->resp.current_version = current;
	if (rc != KT_OK)
		return rc;
	e->object_id = q->plan_id;
	e->state = o->plan.status;
	e->version = o->plan.version;
	snprintf(e->summary, sizeof(e->summary), "plan %s was closed", o->plan.number);
	return reply_plan(call, o, KIEMTRA__V1__RESPONSE__BODY_PLAN_CLOSE);
}

#define PLANNER_BIT STORE_ROLE_BIT(KIEMTRA__V1__ROLE__ROLE_PLANNER)

/* The rows of this area's methods (see struct method in dispatch.h). */
const struct method rpc_plans_methods[] = {
    {KIEMTRA__V1__REQUEST__BODY_PLAN_CREATE, "plan.create", 0, PLANNER_BIT, NULL, create_run, NULL},
    {KIEMTRA__V1__REQUEST__BODY_PLAN_GET, "plan.get", 0, 0, NULL, get_run, NULL},
    {KIEMTRA__V1__REQUEST__BODY_PLAN_LIST, "plan.list", 0, 0, NULL, list_run, NULL},
    {KIEMTRA__V1__REQUEST__BODY_PLAN_UPDATE, "plan.update", 0, 0, NULL, update_run, publish},
    {KIEMTRA__V1__REQUEST__BODY_TEAM_SET, "team.set", 0, 0, NULL, team_set_run, publish},
    {KIEMTRA__V1__REQUEST__BODY_TEAM_MEMBER_SET, "team.member", 0, 0, NULL, member_run, publish},
    {KIEMTRA__V1__REQUEST__BODY_ASSIGN, "plan.assign", 0, 0, NULL, assign_run, publish},
    {KIEMTRA__V1__REQUEST__BODY_OBSERVER_SET, "observer.set", 0, 0, NULL, observer_run, publish},
    {KIEMTRA__V1__REQUEST__BODY_PLAN_CLOSE, "plan.close", 0, 0, NULL, close_run, publish},
};
const size_t rpc_plans_nmethods = sizeof(rpc_plans_methods) / sizeof(rpc_plans_methods[0]);
