/*
 * rpc_recommendations.c - the recommendations methods: protobuf mapping and flow only; rules
 * live in the service (server/svc_recommendations.c), SQL in the store.
 *
 *   recommendation.create   RecommendationCreateReq  -> RecommendationResp
 *   recommendation.respond  RecommendationRespondReq -> RecommendationResp
 *   recommendation.decide   RecommendationDecideReq  -> RecommendationResp
 *   recommendation.list     RecommendationListReq    -> RecommendationListResp (paged)
 *
 * Every method runs on the storage thread. Issuing, answering and deciding
 * publish an UPDATE_RECOMMENDATION event (seen by the team and by the unit:
 * a return is addressed to the unit). Recommendation.overdue is computed here
 * from the server's date (kt_date_server_today). A stale version answers
 * ABORTED with Response.current_version.
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
#include "server/svc_recommendations.h"

/* Room left in a frame for the Response around the recommendations. */
#define RESPONSE_BUDGET (KT_PLAINTEXT_MAX - 1024)

struct rec_event {
	struct event_update up;
	char summary[200];
};

static Kiemtra__V1__EvidenceRef *pb_evidence(struct call *call, const struct store_rec_evidence *e)
{
	Kiemtra__V1__EvidenceRef *r = call_alloc(call, sizeof(*r));
	uint8_t *h = call_alloc(call, sizeof(e->sha256));

	if (!r || !h)
		return NULL;
	kiemtra__v1__evidence_ref__init(r);
	r->id = e->id;
	r->name = call_strdup(call, e->name);
	r->content_type = call_strdup(call, e->content_type);
	memcpy(h, e->sha256, sizeof(e->sha256));
	r->sha256.data = h;
	r->sha256.len = sizeof(e->sha256);
	r->size = e->size;
	return r->name && r->content_type ? r : NULL;
}

/* The protobuf Recommendation of r (arena memory); NULL when out of memory. */
static Kiemtra__V1__Recommendation *pb_rec(struct call *call, const struct store_recommendation *r,
					   bool overdue)
{
	Kiemtra__V1__Recommendation *p = call_alloc(call, sizeof(*p));

	if (!p)
		return NULL;
	kiemtra__v1__recommendation__init(p);
	p->id = r->id;
	p->plan_id = r->plan_id;
	p->unit_id = r->unit_id;
	p->text = call_strdup(call, r->text);
	p->deadline = call_strdup(call, r->deadline);
	p->state = (Kiemtra__V1__RecommendationState)r->state;
	p->response_kind = (Kiemtra__V1__ResponseKind)r->response_kind;
	p->response_text = call_strdup(call, r->response_text);
	p->responded_by = r->responded_by;
	p->responded_at = r->responded_at;
	p->decision_reason = call_strdup(call, r->decision_reason);
	p->decided_by = r->decided_by;
	p->decided_at = r->decided_at;
	p->overdue = overdue;
	p->version = r->version;
	p->created_by = r->created_by;
	p->created_at = r->created_at;
	p->client_id = call_strdup(call, r->client_id);
	if (!p->text || !p->deadline || !p->response_text || !p->decision_reason || !p->client_id)
		return NULL;
	if (r->n_evidence) {
		p->response_evidence =
		    call_alloc(call, r->n_evidence * sizeof(*p->response_evidence));
		if (!p->response_evidence)
			return NULL;
		for (size_t i = 0; i < r->n_evidence; i++) {
			p->response_evidence[i] = pb_evidence(call, &r->evidence[i]);
			if (!p->response_evidence[i])
				return NULL;
		}
		p->n_response_evidence = r->n_evidence;
	}
	return p;
}

static void publish_finish(struct call *call)
{
	struct rec_event *ev = call->state;

	if (ev)
		events_publish(call->conn->srv, &ev->up);
}

/*
 * Answer with r as a RecommendationResp in the body of body_case, and note
 * the event finish() publishes (what: "issued", "answered" ...; NULL: none).
 */
static int reply(struct call *call, int body_case, const struct store_recommendation *r,
		 bool created, const char *what)
{
	Kiemtra__V1__RecommendationResp *p = call_alloc(call, sizeof(*p));
	char today[KT_DATE_SIZE];
	struct rec_event *ev;

	if (!p)
		return call_oom(call);
	kt_date_server_today(call->who.now, today);
	kiemtra__v1__recommendation_resp__init(p);
	p->recommendation = pb_rec(call, r, svc_rec_overdue(r, today));
	p->created = created;
	if (!p->recommendation)
		return call_oom(call);
	call->resp.body_case = body_case;
	switch (body_case) {
	case KIEMTRA__V1__RESPONSE__BODY_RECOMMENDATION_CREATE:
		call->resp.recommendation_create = p;
		break;
	case KIEMTRA__V1__RESPONSE__BODY_RECOMMENDATION_RESPOND:
		call->resp.recommendation_respond = p;
		break;
	default:
		call->resp.recommendation_decide = p;
		break;
	}
	if (!what)
		return KT_OK;
	ev = call_alloc(call, sizeof(*ev));
	if (!ev)
		return call_oom(call);
	ev->up.kind = KIEMTRA__V1__UPDATE_KIND__UPDATE_RECOMMENDATION;
	ev->up.plan_id = r->plan_id;
	ev->up.unit_id = r->unit_id;
	ev->up.object_id = r->id;
	ev->up.state = r->state;
	ev->up.by = call->who.user_id;
	ev->up.by_name = call->username;
	ev->up.version = r->version;
	ev->up.team_only = false;
	snprintf(ev->summary, sizeof(ev->summary), "%s %s recommendation %lld (deadline %s)%s",
		 call->username, what, (long long)r->id, r->deadline,
		 svc_rec_overdue(r, today) ? ", overdue" : "");
	ev->up.summary = ev->summary;
	call->state = ev;
	return KT_OK;
}

static int create_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__RecommendationCreateReq *q = call->req->recommendation_create;
	struct rights_user ru = call_rights_user(call);
	struct svc_rec_create in = {
	    .client_id = q->client_id,
	    .plan_id = q->plan_id,
	    .unit_id = q->unit_id,
	    .text = q->text,
	    .deadline = q->deadline,
	};
	struct store_recommendation *r = malloc(sizeof(*r));
	bool created = false;
	int rc;

	if (!r)
		return call_oom(call);
	rc = svc_rec_create(tx, &call->who, &ru, &in, r, &created, call->msg, sizeof(call->msg));
	if (rc == KT_OK)
		rc = reply(call, KIEMTRA__V1__RESPONSE__BODY_RECOMMENDATION_CREATE, r, created,
			   created ? "issued" : NULL);
	free(r);
	return rc;
}

static int respond_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__RecommendationRespondReq *q = call->req->recommendation_respond;
	struct rights_user ru = call_rights_user(call);
	struct svc_rec_respond in = {
	    .id = q->id,
	    .version = q->version,
	    .kind = q->kind,
	    .text = q->text,
	    .n_evidence = q->n_evidence_ids,
	    .evidence_ids = q->evidence_ids,
	};
	struct store_recommendation *r = malloc(sizeof(*r));
	int64_t current = 0;
	int rc;

	if (!r)
		return call_oom(call);
	rc = svc_rec_respond(tx, &call->who, &ru, &in, r, &current, call->msg, sizeof(call->msg));
	if (rc == KT_ECONFLICT && current)
		call->resp.current_version = current;
	if (rc == KT_OK)
		rc = reply(call, KIEMTRA__V1__RESPONSE__BODY_RECOMMENDATION_RESPOND, r, false,
			   r->response_kind == 1 ? "reported remediation on"
						 : "sent an explanation on");
	free(r);
	return rc;
}

static int decide_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__RecommendationDecideReq *q = call->req->recommendation_decide;
	struct rights_user ru = call_rights_user(call);
	struct store_recommendation *r = malloc(sizeof(*r));
	int64_t current = 0;
	int rc;

	if (!r)
		return call_oom(call);
	rc = svc_rec_decide(tx, &call->who, &ru, q->id, q->version, q->accept, q->reason, r,
			    &current, call->msg, sizeof(call->msg));
	if (rc == KT_ECONFLICT && current)
		call->resp.current_version = current;
	if (rc == KT_OK)
		rc = reply(call, KIEMTRA__V1__RESPONSE__BODY_RECOMMENDATION_DECIDE, r, false,
			   q->accept ? "accepted the response to" : "returned the response to");
	free(r);
	return rc;
}

struct rec_list {
	struct call *call;
	Kiemtra__V1__Recommendation **items;
	size_t n, cap;
	size_t bytes;
	bool more;
	bool oom;
};

static int collect(const struct store_recommendation *r, bool overdue, void *arg)
{
	struct rec_list *l = arg;
	size_t size = strlen(r->text) + strlen(r->response_text) + strlen(r->decision_reason) +
		      r->n_evidence * (2 * STORE_NAME_MAX + 96) + 256;

	if (l->n > 0 && l->bytes + size > RESPONSE_BUDGET) {
		l->more = true;
		return 1;
	}
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;
		Kiemtra__V1__Recommendation **ni = call_alloc(l->call, ncap * sizeof(*ni));

		if (!ni) {
			l->oom = true;
			return 1;
		}
		if (l->n)
			memcpy(ni, l->items, l->n * sizeof(*ni));
		l->items = ni;
		l->cap = ncap;
	}
	l->items[l->n] = pb_rec(l->call, r, overdue);
	if (!l->items[l->n]) {
		l->oom = true;
		return 1;
	}
	l->n++;
	l->bytes += size;
	return 0;
}

static int list_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__RecommendationListReq *q = call->req->recommendation_list;
	struct rights_user ru = call_rights_user(call);
	struct svc_rec_query query = {
	    .plan_id = q->plan_id,
	    .unit_id = q->unit_id,
	    .overdue_only = q->overdue_only,
	    .after_id = q->after_id,
	    .id = q->id,
	};
	struct rec_list l = {.call = call};
	Kiemtra__V1__RecommendationListResp *p;
	int rc;

	rc = svc_rec_list(tx, &call->who, &ru, &query, collect, &l, call->msg, sizeof(call->msg));
	if (l.oom)
		return call_oom(call);
	if (rc < 0)
		return rc;
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return call_oom(call);
	kiemtra__v1__recommendation_list_resp__init(p);
	p->recommendations = l.items;
	p->n_recommendations = l.n;
	p->more = l.more;
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_RECOMMENDATION_LIST;
	call->resp.recommendation_list = p;
	return KT_OK;
}

/* The rows of this area's methods (see struct method in dispatch.h). */
const struct method rpc_recommendations_methods[] = {
    {KIEMTRA__V1__REQUEST__BODY_RECOMMENDATION_CREATE, "recommendation.create", 0, 0, NULL,
     create_run, publish_finish},
    {KIEMTRA__V1__REQUEST__BODY_RECOMMENDATION_RESPOND, "recommendation.respond", 0, 0, NULL,
     respond_run, publish_finish},
    {KIEMTRA__V1__REQUEST__BODY_RECOMMENDATION_DECIDE, "recommendation.decide", 0, 0, NULL,
     decide_run, publish_finish},
    {KIEMTRA__V1__REQUEST__BODY_RECOMMENDATION_LIST, "recommendation.list", 0, 0, NULL, list_run,
     NULL},
};
const size_t rpc_recommendations_nmethods =
    sizeof(rpc_recommendations_methods) / sizeof(rpc_recommendations_methods[0]);
