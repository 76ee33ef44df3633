/*
 * rpc_units.c - reading the unit tree over the network: list, find, get,
 * history. Units are changed only from the server console (admin_cmds.c).
 * Every logged-in user may read the tree: unit names are public record.
 */
#include <stdio.h>
#include <string.h>

#include "common/status.h"
#include "common/text.h"
#include "server/dispatch.h"

#define LIST_DEFAULT 500
#define LIST_MAX 1000
/* Stop adding rows before a response could outgrow one frame. */
#define RESPONSE_SOFT_MAX 56000

struct unit_list {
	struct call *call;
	Kiemtra__V1__Unit **items;
	size_t n, cap;
	size_t bytes;
	bool more;
	bool oom;
};

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

static int collect(const struct store_unit *u, void *arg)
{
	struct unit_list *l = arg;

	if (l->n == l->cap || l->bytes > RESPONSE_SOFT_MAX) {
		l->more = true;
		return 1;
	}
	l->items[l->n] = pb_unit(l->call, u);
	if (!l->items[l->n]) {
		l->oom = true;
		return 1;
	}
	l->bytes += strlen(u->code) + strlen(u->name) + 48;
	l->n++;
	return 0;
}

static int list_init(struct unit_list *l, struct call *call, unsigned limit)
{
	memset(l, 0, sizeof(*l));
	l->call = call;
	l->cap = limit;
	l->items = call_alloc(call, (limit + 1) * sizeof(*l->items));
	return l->items ? KT_OK : call_fail(call, KT_ENOMEM, "out of memory");
}

static unsigned clamp_limit(unsigned limit)
{
	if (limit == 0)
		return LIST_DEFAULT;
	return limit > LIST_MAX ? LIST_MAX : limit;
}

static int after_walk(struct call *call, int rc, struct unit_list *l)
{
	if (l->oom)
		return call_fail(call, KT_ENOMEM, "out of memory");
	if (rc < 0)
		return rc;
	return KT_OK;
}

static int list_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__UnitListReq *q = call->req->unit_list;
	Kiemtra__V1__UnitListResp *p;
	struct unit_list l;
	int rc;

	if (q->limit > LIST_MAX)
		return call_fail(call, KT_ERANGE, "limit is at most %d", LIST_MAX);
	if ((rc = list_init(&l, call, clamp_limit(q->limit))) != KT_OK)
		return rc;
	rc = store_unit_list(tx, q->parent_id, q->include_merged, q->after_id, l.cap + 1,
			     collect, &l);
	if ((rc = after_walk(call, rc, &l)) != KT_OK)
		return rc;
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return call_fail(call, KT_ENOMEM, "out of memory");
	kiemtra__v1__unit_list_resp__init(p);
	p->units = l.items;
	p->n_units = l.n;
	p->more = l.more;
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_UNIT_LIST;
	call->resp.unit_list = p;
	return KT_OK;
}

static int find_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__UnitFindReq *q = call->req->unit_find;
	Kiemtra__V1__UnitFindResp *p;
	struct unit_list l;
	int rc;

	rc = kt_text_check(q->query, strlen(q->query), STORE_NAME_MAX, KT_TEXT_NONEMPTY);
	if (rc != KT_OK)
		return call_fail(call, rc, "the query must be 1 to %d bytes of text on one line",
				 STORE_NAME_MAX);
	if (q->limit > LIST_MAX)
		return call_fail(call, KT_ERANGE, "limit is at most %d", LIST_MAX);
	if ((rc = list_init(&l, call, q->limit ? q->limit : 50)) != KT_OK)
		return rc;
	rc = store_unit_find(tx, q->query, q->include_merged, l.cap, collect, &l);
	if ((rc = after_walk(call, rc, &l)) != KT_OK)
		return rc;
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return call_fail(call, KT_ENOMEM, "out of memory");
	kiemtra__v1__unit_find_resp__init(p);
	p->units = l.items;
	p->n_units = l.n;
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_UNIT_FIND;
	call->resp.unit_find = p;
	return KT_OK;
}

static int get_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__UnitGetReq *q = call->req->unit_get;
	Kiemtra__V1__UnitGetResp *p;
	struct store_unit u;
	struct unit_list l;
	int rc;

	if (q->id)
		rc = store_unit_get(tx, q->id, &u);
	else if (q->code[0])
		rc = store_unit_get_by_code(tx, q->code, &u);
	else
		return call_fail(call, KT_EINVAL, "give a unit id or a code");
	if (rc == KT_ENOTFOUND) {
		if (q->id)
			return call_fail(call, rc, "no unit with id %lld", (long long)q->id);
		return call_fail(call, rc, "no unit with code '%.64s'", q->code);
	}
	if (rc != KT_OK)
		return rc;
	if ((rc = list_init(&l, call, LIST_DEFAULT)) != KT_OK)
		return rc;
	rc = store_unit_list(tx, u.id, false, 0, l.cap, collect, &l);
	if ((rc = after_walk(call, rc, &l)) != KT_OK)
		return rc;
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return call_fail(call, KT_ENOMEM, "out of memory");
	kiemtra__v1__unit_get_resp__init(p);
	p->unit = pb_unit(call, &u);
	p->children = l.items;
	p->n_children = l.n;
	if (!p->unit)
		return call_fail(call, KT_ENOMEM, "out of memory");
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_UNIT_GET;
	call->resp.unit_get = p;
	return KT_OK;
}

struct event_list {
	struct call *call;
	Kiemtra__V1__UnitEvent **items;
	size_t n, cap;
	bool oom;
};

static int collect_event(const struct store_unit_event *e, void *arg)
{
	struct event_list *l = arg;
	struct call *call = l->call;
	Kiemtra__V1__UnitEvent *p;

	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		Kiemtra__V1__UnitEvent **ni = call_alloc(call, ncap * sizeof(*ni));
		if (!ni) {
			l->oom = true;
			return 1;
		}
		if (l->n)
			memcpy(ni, l->items, l->n * sizeof(*ni));
		l->items = ni;
		l->cap = ncap;
	}
	p = call_alloc(call, sizeof(*p));
	if (!p) {
		l->oom = true;
		return 1;
	}
	kiemtra__v1__unit_event__init(p);
	p->unit_id = e->unit_id;
	p->kind = (Kiemtra__V1__UnitEventKind)e->kind;
	p->at = e->at;
	p->old_name = call_strdup(call, e->old_name);
	p->new_name = call_strdup(call, e->new_name);
	p->old_parent_id = e->old_parent_id;
	p->new_parent_id = e->new_parent_id;
	p->other_unit_id = e->other_unit_id;
	p->actor = call_strdup(call, e->actor);
	p->note = call_strdup(call, e->note);
	if (!p->old_name || !p->new_name || !p->actor || !p->note) {
		l->oom = true;
		return 1;
	}
	l->items[l->n++] = p;
	return 0;
}

static int history_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__UnitHistoryReq *q = call->req->unit_history;
	Kiemtra__V1__UnitHistoryResp *p;
	struct store_unit u;
	struct event_list l = {.call = call};
	int rc = store_unit_get(tx, q->id, &u);

	if (rc == KT_ENOTFOUND)
		return call_fail(call, rc, "no unit with id %lld", (long long)q->id);
	if (rc != KT_OK)
		return rc;
	rc = store_unit_history(tx, q->id, collect_event, &l);
	if (l.oom)
		return call_fail(call, KT_ENOMEM, "out of memory");
	if (rc < 0)
		return rc;
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return call_fail(call, KT_ENOMEM, "out of memory");
	kiemtra__v1__unit_history_resp__init(p);
	p->events = l.items;
	p->n_events = l.n;
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_UNIT_HISTORY;
	call->resp.unit_history = p;
	return KT_OK;
}

const struct method rpc_units_methods[] = {
	{KIEMTRA__V1__REQUEST__BODY_UNIT_LIST, "unit.list", 0, 0, NULL, list_run, NULL},
	{KIEMTRA__V1__REQUEST__BODY_UNIT_FIND, "unit.find", 0, 0, NULL, find_run, NULL},
	{KIEMTRA__V1__REQUEST__BODY_UNIT_GET, "unit.get", 0, 0, NULL, get_run, NULL},
	{KIEMTRA__V1__REQUEST__BODY_UNIT_HISTORY, "unit.history", 0, 0, NULL, history_run, NULL},
};
const size_t rpc_units_nmethods = sizeof(rpc_units_methods) / sizeof(rpc_units_methods[0]);
