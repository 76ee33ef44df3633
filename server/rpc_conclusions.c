/*
 * rpc_conclusions.c - the conclusions methods: protobuf mapping and flow only; rules live in
 * the service (server/svc_conclusions.c), SQL in the store.
 *
 *   conclusion.draft    ConclusionDraftReq   -> ConclusionResp
 *   conclusion.approve  ConclusionApproveReq -> ConclusionResp
 *   conclusion.get      ConclusionGetReq     -> ConclusionGetResp (newest first, paged)
 *
 * Every method runs on the storage thread. A draft publishes an
 * UPDATE_CONCLUSION event to the team only; an approval to everyone watching
 * the plan (or the unit). A stale version answers ABORTED with
 * Response.current_version.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "common/wire.h"
#include "server/conn.h"
#include "server/dispatch.h"
#include "server/events.h"
#include "server/svc_conclusions.h"

/* Room left in a frame for the Response around the revisions. */
#define RESPONSE_BUDGET (KT_PLAINTEXT_MAX - 1024)

struct conclusion_event {
	struct event_update up;
	char summary[200];
};

static int bytes_dup(struct call *call, ProtobufCBinaryData *b, const uint8_t *p, size_t n)
{
	b->data = call_alloc(call, n);
	if (!b->data)
		return KT_ENOMEM;
	memcpy(b->data, p, n);
	b->len = n;
	return KT_OK;
}

static Kiemtra__V1__Approval *pb_approval(struct call *call, const struct store_conclusion *c)
{
	Kiemtra__V1__Approval *a = call_alloc(call, sizeof(*a));

	if (!a)
		return NULL;
	kiemtra__v1__approval__init(a);
	a->user_id = c->approved_by;
	a->username = call_strdup(call, c->approver);
	a->full_name = call_strdup(call, c->approver_name);
	a->at = c->approved_at;
	if (!a->username || !a->full_name ||
	    bytes_dup(call, &a->digest, c->digest, sizeof(c->digest)) != KT_OK ||
	    bytes_dup(call, &a->signature, c->signature, sizeof(c->signature)) != KT_OK ||
	    bytes_dup(call, &a->signing_key, c->signing_key, sizeof(c->signing_key)) != KT_OK)
		return NULL;
	return a;
}

/* The protobuf Conclusion of c (arena memory); NULL when out of memory. */
static Kiemtra__V1__Conclusion *pb_conclusion(struct call *call, const struct store_conclusion *c)
{
	Kiemtra__V1__Conclusion *p = call_alloc(call, sizeof(*p));

	if (!p)
		return NULL;
	kiemtra__v1__conclusion__init(p);
	p->id = c->id;
	p->plan_id = c->plan_id;
	p->unit_id = c->unit_id;
	p->revision = c->revision;
	p->text = call_strdup(call, c->text);
	p->state = (Kiemtra__V1__ConclusionState)c->state;
	p->author_id = c->author_id;
	p->author = call_strdup(call, c->author);
	p->version = c->version;
	p->created_at = c->created_at;
	if (!p->text || !p->author)
		return NULL;
	if (c->n_findings) {
		p->finding_ids = call_alloc(call, c->n_findings * sizeof(*p->finding_ids));
		if (!p->finding_ids)
			return NULL;
		memcpy(p->finding_ids, c->finding_ids, c->n_findings * sizeof(*p->finding_ids));
		p->n_finding_ids = c->n_findings;
	}
	if (c->approved_by) {
		p->approval = pb_approval(call, c);
		if (!p->approval)
			return NULL;
	}
	return p;
}

/* Remember what finish() publishes after the commit. */
static int note_event(struct call *call, const struct store_conclusion *c, const char *what,
		      int32_t superseded)
{
	char tail[64] = "";

	struct conclusion_event *ev = call_alloc(call, sizeof(*ev));

	if (!ev)
		return call_oom(call);
	ev->up.kind = KIEMTRA__V1__UPDATE_KIND__UPDATE_CONCLUSION;
	ev->up.plan_id = c->plan_id;
	ev->up.unit_id = c->unit_id;
	ev->up.object_id = c->id;
	ev->up.state = c->state;
	ev->up.by = call->who.user_id;
	ev->up.by_name = call->username;
	ev->up.version = c->version;
	ev->up.team_only = c->state == STORE_CONCLUSION_DRAFT;
	if (superseded)
		snprintf(tail, sizeof(tail), "; revision %d is superseded", superseded);
	snprintf(ev->summary, sizeof(ev->summary), "%s %s revision %d of the conclusion%s%s",
		 call->username, what, c->revision, c->unit_id ? "" : " of the whole inspection",
		 tail);
	ev->up.summary = ev->summary;
	call->state = ev;
	return KT_OK;
}

static void publish_finish(struct call *call)
{
	struct conclusion_event *ev = call->state;

	if (ev)
		events_publish(call->conn->srv, &ev->up);
}

/* Answer with c as a ConclusionResp in the body of body_case. */
static int reply(struct call *call, int body_case, const struct store_conclusion *c)
{
	Kiemtra__V1__ConclusionResp *r = call_alloc(call, sizeof(*r));

	if (!r)
		return call_oom(call);
	kiemtra__v1__conclusion_resp__init(r);
	r->conclusion = pb_conclusion(call, c);
	if (!r->conclusion)
		return call_oom(call);
	call->resp.body_case = body_case;
	if (body_case == KIEMTRA__V1__RESPONSE__BODY_CONCLUSION_DRAFT)
		call->resp.conclusion_draft = r;
	else
		call->resp.conclusion_approve = r;
	return KT_OK;
}

static int draft_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__ConclusionDraftReq *q = call->req->conclusion_draft;
	struct rights_user ru = call_rights_user(call);
	struct svc_conclusion_draft in = {
	    .plan_id = q->plan_id,
	    .unit_id = q->unit_id,
	    .text = q->text,
	    .n_findings = q->n_finding_ids,
	    .finding_ids = q->finding_ids,
	    .version = q->version,
	};
	struct store_conclusion *c = malloc(sizeof(*c));
	int64_t current = 0;
	bool created = false;
	int rc;

	if (!c)
		return call_oom(call);
	rc = svc_conclusion_draft(tx, &call->who, &ru, &in, c, &created, &current, call->msg,
				  sizeof(call->msg));
	if (current && (rc == KT_ECONFLICT || rc == KT_EEXIST))
		call->resp.current_version = current;
	if (rc == KT_OK)
		rc = reply(call, KIEMTRA__V1__RESPONSE__BODY_CONCLUSION_DRAFT, c);
	if (rc == KT_OK)
		rc = note_event(call, c, created ? "started" : "edited the draft of", 0);
	free(c);
	return rc;
}

static int approve_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__ConclusionApproveReq *q = call->req->conclusion_approve;
	struct rights_user ru = call_rights_user(call);
	struct store_conclusion *c = malloc(sizeof(*c));
	int32_t superseded = 0;
	int64_t current = 0;
	int rc;

	if (!c)
		return call_oom(call);
	rc = svc_conclusion_approve(tx, &call->who, &ru, call->device_id, q->id, q->version,
				    q->signature.data, q->signature.len, c, &superseded, &current,
				    call->msg, sizeof(call->msg));
	if (rc == KT_ECONFLICT && current)
		call->resp.current_version = current;
	if (rc == KT_OK)
		rc = reply(call, KIEMTRA__V1__RESPONSE__BODY_CONCLUSION_APPROVE, c);
	if (rc == KT_OK)
		rc = note_event(call, c, "approved", superseded);
	free(c);
	return rc;
}

struct revision_list {
	struct call *call;
	Kiemtra__V1__Conclusion **items;
	size_t n, cap;
	size_t bytes;
	bool more;
	bool oom;
};

static int collect(const struct store_conclusion *c, void *arg)
{
	struct revision_list *l = arg;
	size_t size = strlen(c->text) + c->n_findings * 11 + 512;

	if (l->n > 0 && l->bytes + size > RESPONSE_BUDGET) {
		l->more = true;
		return 1;
	}
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 8;
		Kiemtra__V1__Conclusion **ni = call_alloc(l->call, ncap * sizeof(*ni));

		if (!ni) {
			l->oom = true;
			return 1;
		}
		if (l->n)
			memcpy(ni, l->items, l->n * sizeof(*ni));
		l->items = ni;
		l->cap = ncap;
	}
	l->items[l->n] = pb_conclusion(l->call, c);
	if (!l->items[l->n]) {
		l->oom = true;
		return 1;
	}
	l->n++;
	l->bytes += size;
	return 0;
}

static int get_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__ConclusionGetReq *q = call->req->conclusion_get;
	struct rights_user ru = call_rights_user(call);
	struct revision_list l = {.call = call};
	Kiemtra__V1__ConclusionGetResp *p;
	int rc;

	rc = svc_conclusion_list(tx, &ru, q->plan_id, q->unit_id, q->before_revision, collect, &l,
				 call->msg, sizeof(call->msg));
	if (l.oom)
		return call_oom(call);
	if (rc < 0)
		return rc;
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return call_oom(call);
	kiemtra__v1__conclusion_get_resp__init(p);
	p->revisions = l.items;
	p->n_revisions = l.n;
	p->more = l.more;
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_CONCLUSION_GET;
	call->resp.conclusion_get = p;
	return KT_OK;
}

/* The rows of this area's methods (see struct method in dispatch.h). */
const struct method rpc_conclusions_methods[] = {
    {KIEMTRA__V1__REQUEST__BODY_CONCLUSION_DRAFT, "conclusion.draft", 0, 0, NULL, draft_run,
     publish_finish},
    {KIEMTRA__V1__REQUEST__BODY_CONCLUSION_APPROVE, "conclusion.approve", 0, 0, NULL, approve_run,
     publish_finish},
    {KIEMTRA__V1__REQUEST__BODY_CONCLUSION_GET, "conclusion.get", 0, 0, NULL, get_run, NULL},
};
const size_t rpc_conclusions_nmethods =
    sizeof(rpc_conclusions_methods) / sizeof(rpc_conclusions_methods[0]);
