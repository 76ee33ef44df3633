/*
 * rpc_findings.c - the findings methods: protobuf mapping and flow only; rules live in
 * the service (server/svc_findings.c), SQL in the store.
 *
 * Every method runs on the storage thread. Changes publish an UPDATE_FINDING
 * event from finish(), after the commit (team only until the finding is
 * accepted). Lists and histories stop before a response would outgrow one
 * frame (more = true: the client asks again from the last id or version).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "common/wire.h"
#include "server/conn.h"
#include "server/dispatch.h"
#include "server/events.h"
#include "server/store/store_evidence.h"
#include "server/svc_evidence.h"
#include "server/svc_findings.h"

#define LIST_DEFAULT 200
#define LIST_MAX 500
/* Room left in a frame for the Response around the records. */
#define RESPONSE_BUDGET (KT_PLAINTEXT_MAX - 1024)

/* What finish() publishes after the commit. */
struct finding_event {
	bool publish;
	struct event_update up;
	const char *what; /* "created", "edited", ...: a literal */
	char summary[160];
};

static Kiemtra__V1__EvidenceRef *pb_evidence_ref(struct call *call, const struct store_evidence *e)
{
	Kiemtra__V1__EvidenceRef *r = call_alloc(call, sizeof(*r));
	uint8_t *h = call_alloc(call, STORE_SHA256_LEN);

	if (!r || !h)
		return NULL;
	kiemtra__v1__evidence_ref__init(r);
	r->id = e->id;
	r->name = call_strdup(call, e->name);
	r->content_type = call_strdup(call, e->content_type);
	memcpy(h, e->sha256, STORE_SHA256_LEN);
	r->sha256.data = h;
	r->sha256.len = STORE_SHA256_LEN;
	r->size = e->size;
	return r->name && r->content_type ? r : NULL;
}

static uint8_t *dup_bytes(struct call *call, const uint8_t *p, size_t n)
{
	uint8_t *d = call_alloc(call, n);

	if (d)
		memcpy(d, p, n);
	return d;
}

static Kiemtra__V1__Approval *pb_acceptance(struct call *call, const struct store_finding *f)
{
	Kiemtra__V1__Approval *a = call_alloc(call, sizeof(*a));

	if (!a)
		return NULL;
	kiemtra__v1__approval__init(a);
	a->user_id = f->accepted_by;
	a->username = call_strdup(call, f->accepted_by_name);
	a->full_name = call_strdup(call, f->accepted_by_full);
	a->at = f->accepted_at;
	a->digest.data = dup_bytes(call, f->accept_digest, sizeof(f->accept_digest));
	a->digest.len = sizeof(f->accept_digest);
	a->signature.data = dup_bytes(call, f->accept_signature, sizeof(f->accept_signature));
	a->signature.len = sizeof(f->accept_signature);
	a->signing_key.data = dup_bytes(call, f->accept_key, sizeof(f->accept_key));
	a->signing_key.len = sizeof(f->accept_key);
	if (!a->username || !a->full_name || !a->digest.data || !a->signature.data ||
	    !a->signing_key.data)
		return NULL;
	return a;
}

/* The protobuf Finding of f, with its evidence refs; NULL with call->rc set on failure. */
static Kiemtra__V1__Finding *pb_finding(struct store_tx *tx, struct call *call,
					const struct store_finding *f)
{
	Kiemtra__V1__Finding *p = call_alloc(call, sizeof(*p));
	struct store_evidence e;
	int rc;

	if (!p) {
		call_oom(call);
		return NULL;
	}
	kiemtra__v1__finding__init(p);
	p->id = f->id;
	p->plan_id = f->plan_id;
	p->unit_id = f->unit_id;
	p->area = (Kiemtra__V1__Area)f->area;
	p->kind = (Kiemtra__V1__FindingKind)f->kind;
	p->text = call_strdup(call, f->text);
	p->cause = call_strdup(call, f->cause);
	p->state = (Kiemtra__V1__FindingState)f->state;
	p->return_reason = call_strdup(call, f->return_reason);
	p->author_id = f->author_id;
	p->author = call_strdup(call, f->author);
	p->version = f->version;
	p->created_at = f->created_at;
	p->updated_at = f->updated_at;
	p->client_id = call_strdup(call, f->client_id);
	p->updated_by = f->updated_by;
	if (!p->text || !p->cause || !p->return_reason || !p->author || !p->client_id) {
		call_oom(call);
		return NULL;
	}
	if (f->n_evidence) {
		p->evidence = call_alloc(call, f->n_evidence * sizeof(*p->evidence));
		if (!p->evidence) {
			call_oom(call);
			return NULL;
		}
	}
	for (size_t i = 0; i < f->n_evidence; i++) {
		rc = store_evidence_get(tx, f->evidence_ids[i], &e);
		if (rc != KT_OK) {
			call_fail(call, rc == KT_ENOTFOUND ? KT_ECORRUPT : rc,
				  "finding %lld refers to evidence %lld, which cannot be read",
				  (long long)f->id, (long long)f->evidence_ids[i]);
			return NULL;
		}
		p->evidence[i] = pb_evidence_ref(call, &e);
		if (!p->evidence[i]) {
			call_oom(call);
			return NULL;
		}
		p->n_evidence++;
	}
	if (f->state == SVC_FINDING_ACCEPTED && f->accepted_by) {
		p->acceptance = pb_acceptance(call, f);
		if (!p->acceptance) {
			call_oom(call);
			return NULL;
		}
	}
	return p;
}

/* Set the FindingResp body of kind body_case. */
static int reply_finding(struct store_tx *tx, struct call *call, int body_case,
			 const struct store_finding *f, bool created)
{
	Kiemtra__V1__FindingResp *r = call_alloc(call, sizeof(*r));

	if (!r)
		return call_oom(call);
	kiemtra__v1__finding_resp__init(r);
	r->finding = pb_finding(tx, call, f);
	if (!r->finding)
		return call->rc;
	r->created = created;
	call->resp.body_case = (Kiemtra__V1__Response__BodyCase)body_case;
	switch (body_case) {
	case KIEMTRA__V1__RESPONSE__BODY_FINDING_CREATE:
		call->resp.finding_create = r;
		break;
	case KIEMTRA__V1__RESPONSE__BODY_FINDING_UPDATE:
		call->resp.finding_update = r;
		break;
	case KIEMTRA__V1__RESPONSE__BODY_FINDING_SUBMIT:
		call->resp.finding_submit = r;
		break;
	case KIEMTRA__V1__RESPONSE__BODY_FINDING_REVIEW:
		call->resp.finding_review = r;
		break;
	default:
		call->resp.finding_get = r;
		break;
	}
	return KT_OK;
}

/*
 * Remember the event finish() publishes for this change (what: a literal).
 * Its sentence is written there, on the loop thread, and only when someone
 * watches: not on the storage thread for every submission.
 */
static int note_event(struct call *call, const struct store_finding *f, const char *what)
{
	struct finding_event *ev = call_alloc(call, sizeof(*ev));

	if (!ev)
		return call_oom(call);
	ev->publish = true;
	ev->up.kind = KIEMTRA__V1__UPDATE_KIND__UPDATE_FINDING;
	ev->up.plan_id = f->plan_id;
	ev->up.unit_id = f->unit_id;
	ev->up.object_id = f->id;
	ev->up.state = f->state;
	ev->up.by = call->who.user_id;
	ev->up.by_name = call->username;
	ev->up.version = f->version;
	ev->up.team_only = svc_finding_team_only(f->state);
	ev->what = what;
	call->state = ev;
	return KT_OK;
}

static void publish_finish(struct call *call)
{
	struct finding_event *ev = call->state;

	if (!ev || !ev->publish || !events_watched(call->conn->srv))
		return;
	snprintf(ev->summary, sizeof(ev->summary), "%s %s finding %lld (now %s, version %lld)",
		 call->username, ev->what, (long long)ev->up.object_id,
		 svc_finding_state_name(ev->up.state), (long long)ev->up.version);
	ev->up.summary = ev->summary;
	events_publish(call->conn->srv, &ev->up);
}

static int finding_input(struct call *call, struct svc_finding_input *in, int area, int kind,
			 const char *text, const char *cause, const int64_t *ids, size_t n,
			 bool submit)
{
	memset(in, 0, sizeof(*in));
	if (n > STORE_FINDING_EVIDENCE_MAX)
		return call_fail(call, KT_EINVAL, "a finding refers to at most %d evidence files",
				 STORE_FINDING_EVIDENCE_MAX);
	in->area = area;
	in->kind = kind;
	in->text = text;
	in->cause = cause;
	in->evidence_ids = ids;
	in->n_evidence = n;
	in->submit = submit;
	return KT_OK;
}

/* Run a change with a heap finding; common tail for update, submit and review. */
static int change_done(struct store_tx *tx, struct call *call, int rc, int64_t current,
		       struct store_finding *f, int body_case, const char *what)
{
	if (rc == KT_ECONFLICT && current)
		call->resp.current_version = current;
	if (rc == KT_OK)
		rc = reply_finding(tx, call, body_case, f, false);
	if (rc == KT_OK)
		rc = note_event(call, f, what);
	free(f);
	return rc;
}

static int create_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__FindingCreateReq *q = call->req->finding_create;
	struct rights_user ru = call_rights_user(call);
	struct svc_finding_input in;
	struct store_finding *f;
	bool created = false;
	int rc;

	if ((rc = finding_input(call, &in, q->area, q->kind, q->text, q->cause, q->evidence_ids,
				q->n_evidence_ids, q->submit)) != KT_OK)
		return rc;
	f = malloc(sizeof(*f));
	if (!f)
		return call_oom(call);
	rc = svc_finding_create(tx, &call->who, &ru, q->client_id, q->plan_id, q->unit_id, &in, f,
				&created, call->msg, sizeof(call->msg));
	if (rc == KT_OK)
		rc =
		    reply_finding(tx, call, KIEMTRA__V1__RESPONSE__BODY_FINDING_CREATE, f, created);
	if (rc == KT_OK && created)
		rc = note_event(call, f, "created");
	free(f);
	return rc;
}

static int update_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__FindingUpdateReq *q = call->req->finding_update;
	struct rights_user ru = call_rights_user(call);
	struct svc_finding_input in;
	struct store_finding *f;
	int64_t current = 0;
	int rc;

	if ((rc = finding_input(call, &in, q->area, q->kind, q->text, q->cause, q->evidence_ids,
				q->n_evidence_ids, q->submit)) != KT_OK)
		return rc;
	f = malloc(sizeof(*f));
	if (!f)
		return call_oom(call);
	rc = svc_finding_update(tx, &call->who, &ru, q->id, q->version, &in, f, &current, call->msg,
				sizeof(call->msg));
	return change_done(tx, call, rc, current, f, KIEMTRA__V1__RESPONSE__BODY_FINDING_UPDATE,
			   q->submit ? "edited and submitted" : "edited");
}

static int submit_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__FindingSubmitReq *q = call->req->finding_submit;
	struct rights_user ru = call_rights_user(call);
	struct store_finding *f = malloc(sizeof(*f));
	int64_t current = 0;
	int rc;

	if (!f)
		return call_oom(call);
	rc = svc_finding_submit(tx, &call->who, &ru, q->id, q->version, f, &current, call->msg,
				sizeof(call->msg));
	return change_done(tx, call, rc, current, f, KIEMTRA__V1__RESPONSE__BODY_FINDING_SUBMIT,
			   "submitted");
}

static int review_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__FindingReviewReq *q = call->req->finding_review;
	struct rights_user ru = call_rights_user(call);
	struct store_finding *f = malloc(sizeof(*f));
	int64_t current = 0;
	int rc;

	if (!f)
		return call_oom(call);
	rc = svc_finding_review(tx, &call->who, &ru, call->device_id, q->id, q->version, q->accept,
				q->reason, q->signature.data, q->signature.len, f, &current,
				call->msg, sizeof(call->msg));
	return change_done(tx, call, rc, current, f, KIEMTRA__V1__RESPONSE__BODY_FINDING_REVIEW,
			   q->accept ? "accepted" : "returned");
}

static int get_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__FindingGetReq *q = call->req->finding_get;
	struct rights_user ru = call_rights_user(call);
	struct store_finding *f = malloc(sizeof(*f));
	int rc;

	if (!f)
		return call_oom(call);
	rc = svc_finding_get(tx, &ru, q->id, f, call->msg, sizeof(call->msg));
	if (rc == KT_OK)
		rc = reply_finding(tx, call, KIEMTRA__V1__RESPONSE__BODY_FINDING_GET, f, false);
	free(f);
	return rc;
}

struct finding_list {
	struct store_tx *tx;
	struct call *call;
	Kiemtra__V1__Finding **items;
	size_t n, cap;
	size_t bytes;
	bool more;
	int rc;
};

static int collect(const struct store_finding *f, void *arg)
{
	struct finding_list *l = arg;
	Kiemtra__V1__Finding *p;
	size_t sz;

	if (l->n == l->cap) {
		l->more = true;
		return 1;
	}
	p = pb_finding(l->tx, l->call, f);
	if (!p) {
		l->rc = l->call->rc;
		return 1;
	}
	sz = kiemtra__v1__finding__get_packed_size(p) + 8;
	if (l->n && l->bytes + sz > RESPONSE_BUDGET) {
		l->more = true;
		return 1;
	}
	l->bytes += sz;
	l->items[l->n++] = p;
	return 0;
}

static int list_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__FindingListReq *q = call->req->finding_list;
	struct rights_user ru = call_rights_user(call);
	struct svc_finding_query fq = {0};
	Kiemtra__V1__FindingListResp *p;
	struct finding_list l = {.tx = tx, .call = call};
	int rc;

	if (q->limit > LIST_MAX)
		return call_fail(call, KT_ERANGE, "limit is at most %d", LIST_MAX);
	if (q->plan_id <= 0)
		return call_fail(call, KT_EINVAL, "name the plan whose findings to list");
	l.cap = q->limit ? q->limit : LIST_DEFAULT;
	l.items = call_alloc(call, l.cap * sizeof(*l.items));
	if (!l.items)
		return call_oom(call);
	fq.plan_id = q->plan_id;
	fq.unit_id = q->unit_id;
	fq.state = q->state;
	fq.area = q->area;
	fq.after_id = q->after_id;
	fq.limit = (unsigned)l.cap + 1;
	rc = svc_finding_list(tx, &ru, &fq, collect, &l, call->msg, sizeof(call->msg));
	if (l.rc != KT_OK)
		return l.rc;
	if (rc < 0)
		return rc;
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return call_oom(call);
	kiemtra__v1__finding_list_resp__init(p);
	p->findings = l.items;
	p->n_findings = l.n;
	p->more = l.more;
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_FINDING_LIST;
	call->resp.finding_list = p;
	return KT_OK;
}

struct revision_list {
	struct call *call;
	Kiemtra__V1__FindingRevision **items;
	size_t n, cap;
	size_t bytes;
	bool more, oom;
};

static int collect_revision(const struct store_finding_revision *r, void *arg)
{
	struct revision_list *l = arg;
	struct call *call = l->call;
	Kiemtra__V1__FindingRevision *p;
	size_t sz;

	if (l->n == l->cap) {
		l->more = true;
		return 1;
	}
	p = call_alloc(call, sizeof(*p));
	if (!p)
		goto nomem;
	kiemtra__v1__finding_revision__init(p);
	p->version = r->version;
	p->state = (Kiemtra__V1__FindingState)r->state;
	p->area = (Kiemtra__V1__Area)r->area;
	p->kind = (Kiemtra__V1__FindingKind)r->kind;
	p->text = call_strdup(call, r->text);
	p->cause = call_strdup(call, r->cause);
	p->reason = call_strdup(call, r->reason);
	p->by = r->by;
	p->by_name = call_strdup(call, r->by_name);
	p->at = r->at;
	if (!p->text || !p->cause || !p->reason || !p->by_name)
		goto nomem;
	if (r->n_evidence) {
		p->evidence_ids = call_alloc(call, r->n_evidence * sizeof(*p->evidence_ids));
		if (!p->evidence_ids)
			goto nomem;
		memcpy(p->evidence_ids, r->evidence_ids, r->n_evidence * sizeof(*p->evidence_ids));
		p->n_evidence_ids = r->n_evidence;
	}
	sz = kiemtra__v1__finding_revision__get_packed_size(p) + 8;
	if (l->n && l->bytes + sz > RESPONSE_BUDGET) {
		l->more = true;
		return 1;
	}
	l->bytes += sz;
	l->items[l->n++] = p;
	return 0;
nomem:
	l->oom = true;
	return 1;
}

static int history_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__FindingHistoryReq *q = call->req->finding_history;
	struct rights_user ru = call_rights_user(call);
	Kiemtra__V1__FindingHistoryResp *p;
	struct revision_list l = {.call = call};
	int rc;

	if (q->limit > LIST_MAX)
		return call_fail(call, KT_ERANGE, "limit is at most %d", LIST_MAX);
	l.cap = q->limit ? q->limit : LIST_MAX;
	l.items = call_alloc(call, l.cap * sizeof(*l.items));
	if (!l.items)
		return call_oom(call);
	rc = svc_finding_history(tx, &ru, q->id, q->after_version, 0, collect_revision, &l,
				 call->msg, sizeof(call->msg));
	if (l.oom)
		return call_oom(call);
	if (rc < 0)
		return rc;
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return call_oom(call);
	kiemtra__v1__finding_history_resp__init(p);
	p->revisions = l.items;
	p->n_revisions = l.n;
	p->more = l.more;
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_FINDING_HISTORY;
	call->resp.finding_history = p;
	return KT_OK;
}

/* The rows of this area's methods (see struct method in dispatch.h). */
const struct method rpc_findings_methods[] = {
    {KIEMTRA__V1__REQUEST__BODY_FINDING_CREATE, "finding.create", 0, 0, NULL, create_run,
     publish_finish},
    {KIEMTRA__V1__REQUEST__BODY_FINDING_UPDATE, "finding.update", 0, 0, NULL, update_run,
     publish_finish},
    {KIEMTRA__V1__REQUEST__BODY_FINDING_SUBMIT, "finding.submit", 0, 0, NULL, submit_run,
     publish_finish},
    {KIEMTRA__V1__REQUEST__BODY_FINDING_REVIEW, "finding.review", 0, 0, NULL, review_run,
     publish_finish},
    {KIEMTRA__V1__REQUEST__BODY_FINDING_GET, "finding.get", 0, 0, NULL, get_run, NULL},
    {KIEMTRA__V1__REQUEST__BODY_FINDING_LIST, "finding.list", 0, 0, NULL, list_run, NULL},
    {KIEMTRA__V1__REQUEST__BODY_FINDING_HISTORY, "finding.history", 0, 0, NULL, history_run, NULL},
};
const size_t rpc_findings_nmethods = sizeof(rpc_findings_methods) / sizeof(rpc_findings_methods[0]);
