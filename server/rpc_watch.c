/*
 * rpc_watch.c - live updates, reports and signing keys over the network:
 * protobuf mapping and flow only. The rules (who watches what, which figures
 * a user may see) live in server/svc_report.c, the SQL in
 * server/store/store_report.c, the sending of updates in server/events.c.
 *
 *   watch         start (loop): stop -> clear the watch list, answer at once;
 *                 else run (storage): the watch list from the user's standing
 *                 in each plan -> finish (loop): install it on the connection
 *                 (events_watch), replacing any earlier one.
 *   report        run (storage): the figures -> ReportResp.
 *   signing_keys  run (storage): the keys of the users asked -> SigningKeysResp.
 *
 * Everything a response points to is allocated in the call's arena.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "common/status.h"
#include "common/wire.h"
#include "server/conn.h"
#include "server/dispatch.h"
#include "server/events.h"
#include "server/svc_report.h"

/* ---- watch ------------------------------------------------------------------------- */

struct watch_state {
	struct watch_entry *entries; /* in the arena */
	size_t n;
};

static bool set_watch_resp(struct call *call)
{
	Kiemtra__V1__WatchResp *p = call_alloc(call, sizeof(*p));

	if (!p)
		return false;
	kiemtra__v1__watch_resp__init(p);
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_WATCH;
	call->resp.watch = p;
	return true;
}

static void watch_start(struct call *call)
{
	if (call->req->watch->stop) {
		events_watch(call->conn, NULL, 0);
		if (!set_watch_resp(call))
			call_oom(call);
		call_reply(call);
		return;
	}
	call_submit(call);
}

static int watch_run(struct store_tx *tx, struct call *call)
{
	struct rights_user u = call_rights_user(call);
	struct watch_entry *list = NULL;
	struct watch_state *st;
	size_t n = 0;
	int rc;

	rc = svc_watch_list(tx, &u, call->req->watch->plan_id, &list, &n, call->msg,
			    sizeof(call->msg));
	if (rc != KT_OK)
		return rc;
	st = call_alloc(call, sizeof(*st));
	if (st && n) {
		st->entries = call_alloc(call, n * sizeof(*st->entries));
		if (st->entries)
			memcpy(st->entries, list, n * sizeof(*list));
	}
	free(list);
	if (!st || (n && !st->entries))
		return call_oom(call);
	st->n = n;
	call->state = st;
	return KT_OK;
}

static void watch_finish(struct call *call)
{
	struct watch_state *st = call->state;

	/* The list was computed for the identity of the request; it must still hold. */
	if (call->conn->user_id != call->who.user_id) {
		call_fail(call, KT_ESTATE, "the session changed while the watch was being set up");
		return;
	}
	if (events_watch(call->conn, st->entries, st->n) != KT_OK) {
		call_oom(call);
		return;
	}
	if (!set_watch_resp(call))
		call_oom(call);
}

/* ---- report ----------------------------------------------------------------------- */

static Kiemtra__V1__AreaCount *pb_area(struct call *call, int area, const struct report_counts *c)
{
	Kiemtra__V1__AreaCount *p = call_alloc(call, sizeof(*p));

	if (!p)
		return NULL;
	kiemtra__v1__area_count__init(p);
	p->area = (Kiemtra__V1__Area)area;
	p->strengths = c->strengths;
	p->shortcomings = c->shortcomings;
	return p;
}

/*
 * The areas to list: those with a count, plus (for the plan) every area in
 * the plan's scope (scope_bits: bit 1 << Area). 0, or KT_ENOMEM.
 */
static int pb_areas(struct call *call, const struct report_counts *counts, uint32_t scope_bits,
		    Kiemtra__V1__AreaCount ***out, size_t *n)
{
	Kiemtra__V1__AreaCount **v = call_alloc(call, SVC_AREA_MAX * sizeof(*v));
	int a;

	*n = 0;
	*out = v;
	if (!v)
		return KT_ENOMEM;
	for (a = 1; a <= SVC_AREA_MAX; a++) {
		if (!counts[a].strengths && !counts[a].shortcomings && !(scope_bits & (1u << a)))
			continue;
		if (!(v[*n] = pb_area(call, a, &counts[a])))
			return KT_ENOMEM;
		(*n)++;
	}
	return KT_OK;
}

static Kiemtra__V1__UnitReport *pb_unit_report(struct call *call, const struct report_unit *u)
{
	Kiemtra__V1__UnitReport *p = call_alloc(call, sizeof(*p));

	if (!p)
		return NULL;
	kiemtra__v1__unit_report__init(p);
	p->unit_id = u->unit.unit_id;
	p->unit_code = call_strdup(call, u->unit.code);
	p->unit_name = call_strdup(call, u->unit.name);
	p->group_id = u->unit.group_id;
	p->group_name = call_strdup(call, u->unit.group_name);
	p->strengths = u->strengths;
	p->shortcomings = u->shortcomings;
	p->recommendations_open = u->rec_open;
	p->recommendations_done = u->rec_done;
	p->recommendations_overdue = u->rec_overdue;
	p->conclusion_approved = u->conclusion_approved;
	p->review_held = u->review_held;
	p->review_approved = u->review_approved;
	p->officials_reviewed = u->officials;
	if (!p->unit_code || !p->unit_name || !p->group_name ||
	    pb_areas(call, u->areas, 0, &p->areas, &p->n_areas) != KT_OK)
		return NULL;
	return p;
}

/* The plan's header; its closure approval is left to PlanGet. */
static Kiemtra__V1__Plan *pb_plan(struct call *call, const struct report *r)
{
	const struct store_plan *pl = &r->plan;
	Kiemtra__V1__Plan *p = call_alloc(call, sizeof(*p));
	size_t i;
	int a;

	if (!p)
		return NULL;
	kiemtra__v1__plan__init(p);
	p->id = pl->id;
	p->number = call_strdup(call, pl->number);
	p->issued_on = call_strdup(call, pl->issued_on);
	p->issuer = call_strdup(call, pl->issuer);
	p->title = call_strdup(call, pl->title);
	p->period_start = call_strdup(call, pl->period_start);
	p->period_end = call_strdup(call, pl->period_end);
	p->team_decision_number = call_strdup(call, pl->team_decision_number);
	p->team_decision_date = call_strdup(call, pl->team_decision_date);
	p->status = (Kiemtra__V1__PlanStatus)pl->status;
	p->authority_user_id = pl->authority_user_id;
	p->version = pl->version;
	p->created_by = pl->created_by;
	p->created_at = pl->created_at;
	p->areas = call_alloc(call, SVC_AREA_MAX * sizeof(*p->areas));
	p->unit_ids = call_alloc(call, (r->nunits ? r->nunits : 1) * sizeof(*p->unit_ids));
	p->review_chain =
	    call_alloc(call, (pl->n_chain ? pl->n_chain : 1) * sizeof(*p->review_chain));
	if (!p->number || !p->issued_on || !p->issuer || !p->title || !p->period_start ||
	    !p->period_end || !p->team_decision_number || !p->team_decision_date || !p->areas ||
	    !p->unit_ids || !p->review_chain)
		return NULL;
	for (a = 1; a <= SVC_AREA_MAX; a++)
		if (pl->areas & (1u << a))
			p->areas[p->n_areas++] = (Kiemtra__V1__Area)a;
	for (i = 0; i < r->nunits; i++)
		p->unit_ids[p->n_unit_ids++] = r->units[i].unit.unit_id;
	for (i = 0; i < pl->n_chain; i++)
		p->review_chain[p->n_review_chain++] = (Kiemtra__V1__Signer)pl->review_chain[i];
	return p;
}

static int pb_outcomes(struct call *call, const struct report *r, Kiemtra__V1__ReportResp *p)
{
	int o;

	p->outcomes = call_alloc(call, SVC_OUTCOME_MAX * sizeof(*p->outcomes));
	if (!p->outcomes)
		return KT_ENOMEM;
	for (o = 1; o <= SVC_OUTCOME_MAX; o++) {
		Kiemtra__V1__OutcomeCount *c;

		if (!r->outcomes[o])
			continue;
		if (!(c = call_alloc(call, sizeof(*c))))
			return KT_ENOMEM;
		kiemtra__v1__outcome_count__init(c);
		c->outcome = (Kiemtra__V1__Outcome)o;
		c->count = r->outcomes[o];
		p->outcomes[p->n_outcomes++] = c;
	}
	return KT_OK;
}

static int pb_report(struct call *call, const struct report *r, Kiemtra__V1__ReportResp **out)
{
	Kiemtra__V1__ReportResp *p = call_alloc(call, sizeof(*p));
	size_t i;

	if (!p)
		return KT_ENOMEM;
	kiemtra__v1__report_resp__init(p);
	p->plan = pb_plan(call, r);
	p->units_inspected = r->units_inspected;
	p->units_total = r->units_total;
	p->groups = r->groups;
	p->window_from = call_strdup(call, r->window_from);
	p->window_to = call_strdup(call, r->window_to);
	p->recommendations_open = r->rec_open;
	p->recommendations_done = r->rec_done;
	p->recommendations_overdue = r->rec_overdue;
	p->reviews_held = r->reviews_held;
	p->reviews_approved = r->reviews_approved;
	p->officials_reviewed = r->officials;
	p->as_of = call_strdup(call, r->as_of);
	p->units = call_alloc(call, (r->nunits ? r->nunits : 1) * sizeof(*p->units));
	if (!p->plan || !p->window_from || !p->window_to || !p->as_of || !p->units)
		return KT_ENOMEM;
	for (i = 0; i < r->nunits; i++) {
		if (!(p->units[i] = pb_unit_report(call, &r->units[i])))
			return KT_ENOMEM;
		p->n_units++;
	}
	if (pb_areas(call, r->areas, r->only_unit ? 0 : r->plan.areas, &p->areas, &p->n_areas) !=
		KT_OK ||
	    pb_outcomes(call, r, p) != KT_OK)
		return KT_ENOMEM;
	*out = p;
	return KT_OK;
}

/* Room for the Response envelope around the body. */
#define RESPONSE_ENVELOPE 64

static int report_run(struct store_tx *tx, struct call *call)
{
	struct rights_user u = call_rights_user(call);
	Kiemtra__V1__ReportResp *p = NULL;
	struct report *r = NULL;
	char today[KT_DATE_SIZE];
	size_t size;
	int rc;

	kt_date_server_today(call->who.now, today);
	rc = svc_report_build(tx, &u, call->req->report->plan_id, today, &r, call->msg,
			      sizeof(call->msg));
	if (rc != KT_OK)
		goto out;
	if ((rc = pb_report(call, r, &p)) != KT_OK) {
		rc = call_oom(call);
		goto out;
	}
	size = kiemtra__v1__report_resp__get_packed_size(p);
	if (size + RESPONSE_ENVELOPE > KT_PLAINTEXT_MAX) {
		rc = call_fail(call, KT_ELIMIT,
			       "the report of plan %s has %zu units, more than one response "
			       "holds (%zu of %d bytes)",
			       r->plan.number, r->nunits, size, KT_PLAINTEXT_MAX);
		goto out;
	}
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_REPORT;
	call->resp.report = p;
	rc = KT_OK;
out:
	svc_report_free(r);
	return rc;
}

/* ---- signing keys ------------------------------------------------------------------ */

struct key_list {
	struct call *call;
	Kiemtra__V1__SigningKey **items;
	size_t n, cap;
};

static int collect_key(const struct store_signing_key *k, void *arg)
{
	struct key_list *l = arg;
	struct call *call = l->call;
	Kiemtra__V1__SigningKey *p;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		Kiemtra__V1__SigningKey **ni = call_alloc(call, ncap * sizeof(*ni));

		if (!ni)
			return KT_ENOMEM;
		if (l->n)
			memcpy(ni, l->items, l->n * sizeof(*ni));
		l->items = ni;
		l->cap = ncap;
	}
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return KT_ENOMEM;
	kiemtra__v1__signing_key__init(p);
	p->user_id = k->user_id;
	p->username = call_strdup(call, k->username);
	p->key.data = call_alloc(call, sizeof(k->key));
	if (!p->username || !p->key.data)
		return KT_ENOMEM;
	memcpy(p->key.data, k->key, sizeof(k->key));
	p->key.len = sizeof(k->key);
	p->registered_at = k->registered_at;
	p->revoked = k->revoked;
	l->items[l->n++] = p;
	return 0;
}

static int keys_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__SigningKeysReq *q = call->req->signing_keys;
	Kiemtra__V1__SigningKeysResp *p;
	struct key_list l = {.call = call};
	int rc;

	rc = svc_signing_keys(tx, q->user_ids, q->n_user_ids, collect_key, &l, call->msg,
			      sizeof(call->msg));
	if (rc == KT_ENOMEM)
		return call_oom(call);
	if (rc != KT_OK)
		return rc;
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return call_oom(call);
	kiemtra__v1__signing_keys_resp__init(p);
	p->keys = l.items;
	p->n_keys = l.n;
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_SIGNING_KEYS;
	call->resp.signing_keys = p;
	return KT_OK;
}

const struct method rpc_watch_methods[] = {
    {KIEMTRA__V1__REQUEST__BODY_WATCH, "watch", 0, 0, watch_start, watch_run, watch_finish},
    {KIEMTRA__V1__REQUEST__BODY_REPORT, "report", 0, 0, NULL, report_run, NULL},
    {KIEMTRA__V1__REQUEST__BODY_SIGNING_KEYS, "signing_keys", 0, 0, NULL, keys_run, NULL},
};
const size_t rpc_watch_nmethods = sizeof(rpc_watch_methods) / sizeof(rpc_watch_methods[0]);
