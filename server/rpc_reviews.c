/*
 * rpc_reviews.c - the responsibility review methods (review.record,
 * review.sign, review.list): protobuf mapping and flow only. The rules live in
 * the service (server/svc_reviews.c), the SQL in server/store/store_reviews.c.
 *
 * Each method runs on the storage thread; record and sign publish an
 * UPDATE_REVIEW event from finish() once the change has committed. Every
 * string and byte string of a response is copied into the call's arena, so
 * the service's struct svc_review is freed before run() returns.
 */
#include <stdio.h>
#include <string.h>

#include "common/status.h"
#include "server/conn.h"
#include "server/dispatch.h"
#include "server/events.h"
#include "server/svc_reviews.h"

/* Stop adding reviews to a list before the response could outgrow one frame. */
#define RESPONSE_SOFT_MAX 56000

/* What finish() publishes (arena-allocated, in call->state). */
struct review_event {
	struct event_update u;
	char summary[320];
};

/* The start of s (whole UTF-8 characters, first line) in out, "..." when cut. */
static const char *text_brief(const char *s, char *out, size_t cap)
{
	size_t n = strcspn(s, "\r\n"), keep = n;

	if (keep > cap - 4) {
		keep = cap - 4;
		while (keep && ((unsigned char)s[keep] & 0xC0) == 0x80)
			keep--;
	}
	memcpy(out, s, keep);
	strcpy(out + keep, keep < n || s[n] ? "..." : "");
	return out;
}

static struct svc_review_caller caller_of(struct call *call)
{
	struct svc_review_caller c = {
	    .who = &call->who,
	    .user = {.user_id = call->who.user_id, .roles = call->roles, .unit_id = call->unit_id},
	    .device_id = call->device_id,
	};

	return c;
}

static bool bytes_dup(struct call *call, ProtobufCBinaryData *b, const void *p, size_t n)
{
	b->len = 0;
	b->data = NULL;
	if (!n)
		return true;
	b->data = call_alloc(call, n);
	if (!b->data)
		return false;
	memcpy(b->data, p, n);
	b->len = n;
	return true;
}

static Kiemtra__V1__EvidenceRef *pb_minutes(struct call *call, const struct store_evidence *e)
{
	Kiemtra__V1__EvidenceRef *p = call_alloc(call, sizeof(*p));

	if (!p)
		return NULL;
	kiemtra__v1__evidence_ref__init(p);
	p->id = e->id;
	p->size = e->size;
	p->name = call_strdup(call, e->name);
	p->content_type = call_strdup(call, e->content_type);
	if (!p->name || !p->content_type || !bytes_dup(call, &p->sha256, e->sha256, 32))
		return NULL;
	return p;
}

static Kiemtra__V1__ReviewedOfficial *pb_official(struct call *call,
						  const struct store_review_official *o)
{
	Kiemtra__V1__ReviewedOfficial *p = call_alloc(call, sizeof(*p));

	if (!p)
		return NULL;
	kiemtra__v1__reviewed_official__init(p);
	p->name = call_strdup(call, o->name);
	p->position = call_strdup(call, o->position);
	p->outcome = (Kiemtra__V1__Outcome)o->outcome;
	p->note = call_strdup(call, o->note);
	if (!p->name || !p->position || !p->note)
		return NULL;
	return p;
}

static Kiemtra__V1__SignoffStep *pb_signoff(struct call *call, const struct store_review_signoff *s)
{
	Kiemtra__V1__SignoffStep *p = call_alloc(call, sizeof(*p));
	Kiemtra__V1__Approval *a = call_alloc(call, sizeof(*a));

	if (!p || !a)
		return NULL;
	kiemtra__v1__signoff_step__init(p);
	kiemtra__v1__approval__init(a);
	p->step = s->step;
	p->round = s->round;
	p->signer = (Kiemtra__V1__Signer)s->signer;
	p->approved = s->approved;
	p->reason = call_strdup(call, s->reason);
	a->user_id = s->user_id;
	a->username = call_strdup(call, s->username);
	a->full_name = call_strdup(call, s->full_name);
	a->at = s->at;
	if (!p->reason || !a->username || !a->full_name ||
	    !bytes_dup(call, &a->digest, s->digest, sizeof(s->digest)) ||
	    !bytes_dup(call, &a->signature, s->signature, sizeof(s->signature)) ||
	    !bytes_dup(call, &a->signing_key, s->signing_key, sizeof(s->signing_key)))
		return NULL;
	p->approval = a;
	return p;
}

static Kiemtra__V1__Review *pb_review(struct call *call, const struct svc_review *v)
{
	Kiemtra__V1__Review *p = call_alloc(call, sizeof(*p));
	const struct store_review *r = &v->r;

	if (!p)
		return NULL;
	kiemtra__v1__review__init(p);
	p->id = r->id;
	p->plan_id = r->plan_id;
	p->unit_id = r->unit_id;
	p->meeting_date = call_strdup(call, r->meeting_date);
	p->state = (Kiemtra__V1__ReviewState)r->state;
	p->next_step = r->next_step;
	p->round = r->round;
	p->version = r->version;
	p->recorded_by = r->recorded_by;
	p->recorded_at = r->recorded_at;
	p->return_reason = call_strdup(call, r->return_reason);
	p->recorded_by_username = call_strdup(call, v->recorder);
	p->recorded_by_full_name = call_strdup(call, v->recorder_name);
	if (!p->meeting_date || !p->return_reason || !p->recorded_by_username ||
	    !p->recorded_by_full_name)
		return NULL;
	if (v->has_minutes && !(p->minutes = pb_minutes(call, &v->minutes)))
		return NULL;
	if (v->n_officials) {
		p->officials = call_alloc(call, v->n_officials * sizeof(*p->officials));
		if (!p->officials)
			return NULL;
		for (size_t i = 0; i < v->n_officials; i++) {
			p->officials[i] = pb_official(call, &v->officials[i]);
			if (!p->officials[i])
				return NULL;
		}
		p->n_officials = v->n_officials;
	}
	if (v->n_signoffs) {
		p->signoffs = call_alloc(call, v->n_signoffs * sizeof(*p->signoffs));
		if (!p->signoffs)
			return NULL;
		for (size_t i = 0; i < v->n_signoffs; i++) {
			p->signoffs[i] = pb_signoff(call, &v->signoffs[i]);
			if (!p->signoffs[i])
				return NULL;
		}
		p->n_signoffs = v->n_signoffs;
	}
	return p;
}

/* The event for finish(): who changed which review, and a sentence about it. */
static int prepare_event(struct call *call, const struct svc_review *v, const char *what)
{
	struct review_event *e = call_alloc(call, sizeof(*e));

	if (!e)
		return call_fail(call, KT_ENOMEM, "out of memory");
	snprintf(e->summary, sizeof(e->summary), "review of unit %s: %s", v->unit_code, what);
	e->u.kind = KIEMTRA__V1__UPDATE_KIND__UPDATE_REVIEW;
	e->u.plan_id = v->r.plan_id;
	e->u.unit_id = v->r.unit_id;
	e->u.object_id = v->r.id;
	e->u.state = v->r.state;
	e->u.by = call->who.user_id;
	e->u.by_name = call->username;
	e->u.summary = e->summary;
	e->u.version = v->r.version;
	/* The unit records and signs its own review: its representative sees every change. */
	e->u.team_only = false;
	call->state = e;
	return KT_OK;
}

static void publish(struct call *call)
{
	struct review_event *e = call->state;

	if (e)
		events_publish(call->conn->srv, &e->u);
}

/* Map the service's answer: the review into body, or the failure (with current_version). */
static int answer(struct call *call, int rc, int64_t current_version, struct svc_review *v,
		  Kiemtra__V1__ReviewResp **body)
{
	Kiemtra__V1__ReviewResp *p;

	if (rc < 0) {
		if (rc == KT_ECONFLICT)
			call->resp.current_version = current_version;
		return rc;
	}
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return call_fail(call, KT_ENOMEM, "out of memory");
	kiemtra__v1__review_resp__init(p);
	p->review = pb_review(call, v);
	if (!p->review)
		return call_fail(call, KT_ENOMEM, "out of memory");
	*body = p;
	return KT_OK;
}

static int record_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__ReviewRecordReq *q = call->req->review_record;
	struct svc_review_caller c = caller_of(call);
	struct svc_review_official *o = NULL;
	struct svc_review v = {0};
	int64_t current = 0;
	char what[200];
	int rc;

	if (q->n_officials > STORE_REVIEW_OFFICIALS_MAX)
		return call_fail(call, KT_EINVAL,
				 "a review names at most %d officials; this has %zu",
				 STORE_REVIEW_OFFICIALS_MAX, q->n_officials);
	if (q->n_officials) {
		o = call_alloc(call, q->n_officials * sizeof(*o));
		if (!o)
			return call_fail(call, KT_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < q->n_officials; i++) {
		o[i].name = q->officials[i]->name;
		o[i].position = q->officials[i]->position;
		o[i].outcome = (int)q->officials[i]->outcome;
		o[i].note = q->officials[i]->note;
	}
	rc = svc_review_record(tx, &c, q->plan_id, q->unit_id, q->version, q->meeting_date,
			       q->minutes_evidence_id, q->n_officials, o, &v, &current, call->msg,
			       sizeof(call->msg));
	rc = answer(call, rc, current, &v, &call->resp.review_record);
	if (rc == KT_OK) {
		call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_REVIEW_RECORD;
		snprintf(what, sizeof(what), "recorded by %s (meeting %s, %zu officials, round %d)",
			 call->username, v.r.meeting_date, v.n_officials, v.r.round);
		rc = prepare_event(call, &v, what);
	}
	svc_review_free(&v);
	return rc;
}

static int sign_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__ReviewSignReq *q = call->req->review_sign;
	struct svc_review_caller c = caller_of(call);
	struct svc_review v = {0};
	int64_t current = 0;
	char what[200], brief[64];
	int rc;

	rc = svc_review_sign(tx, &c, q->id, q->version, q->step, q->approve, q->reason,
			     q->signature.data, q->signature.len, &v, &current, call->msg,
			     sizeof(call->msg));
	rc = answer(call, rc, current, &v, &call->resp.review_sign);
	if (rc == KT_OK) {
		call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_REVIEW_SIGN;
		if (!q->approve)
			snprintf(what, sizeof(what), "returned at step %d by %s: %s", q->step,
				 call->username, text_brief(q->reason, brief, sizeof(brief)));
		else if (v.r.state == SVC_REVIEW_APPROVED)
			snprintf(what, sizeof(what), "step %d signed by %s; the review is approved",
				 q->step, call->username);
		else
			snprintf(what, sizeof(what), "step %d signed by %s; step %d is next",
				 q->step, call->username, v.r.next_step);
		rc = prepare_event(call, &v, what);
	}
	svc_review_free(&v);
	return rc;
}

struct list_acc {
	struct call *call;
	Kiemtra__V1__Review **items;
	size_t n, cap;
	size_t bytes;
	bool more;
};

static int list_add(const struct svc_review *v, void *arg)
{
	struct list_acc *l = arg;
	Kiemtra__V1__Review *p, **ni;
	size_t size;

	p = pb_review(l->call, v);
	if (!p)
		return KT_ENOMEM;
	size = kiemtra__v1__review__get_packed_size(p) + 8;
	if (l->n && l->bytes + size > RESPONSE_SOFT_MAX) {
		l->more = true;
		return 1;
	}
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 16;

		ni = call_alloc(l->call, ncap * sizeof(*ni));
		if (!ni)
			return KT_ENOMEM;
		if (l->n)
			memcpy(ni, l->items, l->n * sizeof(*ni));
		l->items = ni;
		l->cap = ncap;
	}
	l->items[l->n++] = p;
	l->bytes += size;
	return 0;
}

static int list_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__ReviewListReq *q = call->req->review_list;
	struct svc_review_caller c = caller_of(call);
	struct list_acc l = {.call = call};
	Kiemtra__V1__ReviewListResp *p;
	int rc;

	rc = svc_review_list(tx, &c, q->plan_id, q->unit_id, q->after_unit_id, list_add, &l,
			     call->msg, sizeof(call->msg));
	if (rc == KT_ENOMEM)
		return call_fail(call, rc, "out of memory");
	if (rc < 0)
		return rc;
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return call_fail(call, KT_ENOMEM, "out of memory");
	kiemtra__v1__review_list_resp__init(p);
	p->reviews = l.items;
	p->n_reviews = l.n;
	p->more = l.more;
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_REVIEW_LIST;
	call->resp.review_list = p;
	return KT_OK;
}

/* Record needs the unit_rep role; signing and listing are decided per plan (rights.h). */
const struct method rpc_reviews_methods[] = {
    {KIEMTRA__V1__REQUEST__BODY_REVIEW_RECORD, "review.record", 0, STORE_ROLE_BIT(4), NULL,
     record_run, publish},
    {KIEMTRA__V1__REQUEST__BODY_REVIEW_SIGN, "review.sign", 0, 0, NULL, sign_run, publish},
    {KIEMTRA__V1__REQUEST__BODY_REVIEW_LIST, "review.list", 0, 0, NULL, list_run, NULL},
};
const size_t rpc_reviews_nmethods = sizeof(rpc_reviews_methods) / sizeof(rpc_reviews_methods[0]);
