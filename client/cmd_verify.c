/*
 * cmd_verify.c - `kiemtra export`: a plan's whole record, as far as the caller
 * may see it, in one JSON document (docs/PROTOCOL.md §15); and
 * `kiemtra verify`: every approval in such a document checked offline.
 *
 * Export fetches through the ordinary requests (PlanGet, Whoami, FindingList,
 * ConclusionGet for the whole inspection and each unit, RecommendationList,
 * ReviewList, SigningKeys for every signer), writes the document with the
 * streaming writer (output.h) into memory, reads it back with the strict
 * reader (json_read.h) and writes that tree indented: what is written is known
 * to read back. A part the caller may not see (PERMISSION_DENIED) is left out
 * and listed under "omitted". Every approval carries, beside the record it
 * approves, the content it covers, field by field as common/approval.h digests
 * it, with the digest, signature, signing key, signer and time.
 *
 * Verify needs no connection: record_check.h checks every approval and says
 * what each result means; this file prints them. Exit 0 when nothing failed,
 * else 5 (docs/design/record.md).
 *
 * Ownership: each handler frees every response, buffer and tree it made
 * before returning; pointers in struct record point into the responses it
 * keeps in .pages.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/cli.h"
#include "client/workflow.h"
#include "client/json_read.h"
#include "client/record_check.h"
#include "client/util.h"
#include "common/approval.h"
#include "common/status.h"

#define RECORD_MAX ((size_t)512 << 20)
#define FINDINGS_PAGE 500
#define KEYS_PER_REQUEST 256

/* ---- export: fetching ------------------------------------------------------------- */

struct vec {
	const void **p;
	size_t n, cap;
};

static int vec_push(struct vec *v, const void *x)
{
	if (v->n == v->cap) {
		size_t ncap = v->cap ? 2 * v->cap : 16;
		const void **np = realloc(v->p, ncap * sizeof(*np));

		if (!np)
			return KT_ENOMEM;
		v->p = np;
		v->cap = ncap;
	}
	v->p[v->n++] = x;
	return KT_OK;
}

struct omitted {
	const char *what;
	int64_t unit_id;
	char *reason;
};

struct record {
	Kiemtra__V1__Response *plan, *who;
	struct vec pages; /* every other response, owned */
	struct vec findings, conclusions, recs, reviews, keys;
	struct omitted *omitted;
	size_t n_omitted;
	size_t n_approvals;
	bool nomem; /* an allocation failed while writing */
};

static void record_free(struct record *r)
{
	for (size_t i = 0; i < r->pages.n; i++)
		kt_response_free((Kiemtra__V1__Response *)r->pages.p[i]);
	free(r->pages.p);
	free(r->findings.p);
	free(r->conclusions.p);
	free(r->recs.p);
	free(r->reviews.p);
	free(r->keys.p);
	for (size_t i = 0; i < r->n_omitted; i++)
		free(r->omitted[i].reason);
	free(r->omitted);
	kt_response_free(r->plan);
	kt_response_free(r->who);
}

static int nomem(struct kt_cli *cli)
{
	return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
}

static int omit(struct kt_cli *cli, struct record *r, const char *what, int64_t unit_id,
		const char *reason)
{
	struct omitted *no = realloc(r->omitted, (r->n_omitted + 1) * sizeof(*no));

	if (!no)
		return nomem(cli);
	r->omitted = no;
	no[r->n_omitted].what = what;
	no[r->n_omitted].unit_id = unit_id;
	no[r->n_omitted].reason = strdup(reason ? reason : "");
	if (!no[r->n_omitted].reason)
		return nomem(cli);
	r->n_omitted++;
	return KT_EXIT_OK;
}

/*
 * One request. PERMISSION_DENIED leaves that part out of the record (listed
 * under "omitted"): exit code 0 and *resp NULL. Any other failure is reported.
 * A response is kept in r->pages. Returns an exit code.
 */
static int fetch(struct kt_cli *cli, struct record *r, Kiemtra__V1__Request *req, const char *what,
		 int64_t unit_id, Kiemtra__V1__Response **resp)
{
	int trc, rc;

	*resp = NULL;
	trc = kt_conn_call(cli->conn, req, resp);
	if (trc == KT_OK && (*resp)->status == KIEMTRA__V1__STATUS__STATUS_PERMISSION_DENIED) {
		rc = omit(cli, r, what, unit_id, (*resp)->message);
		kt_response_free(*resp);
		*resp = NULL;
		return rc;
	}
	rc = kt_cli_check(cli, trc, (int)req->body_case, resp);
	if (rc != KT_EXIT_OK)
		return rc;
	if (vec_push(&r->pages, *resp) != KT_OK) {
		kt_response_free(*resp);
		*resp = NULL;
		return nomem(cli);
	}
	return KT_EXIT_OK;
}

static int no_progress(struct kt_cli *cli, const char *what)
{
	return kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT",
			   "the server's pages of %s do not advance", what);
}

static int fetch_findings(struct kt_cli *cli, struct record *r, int64_t plan_id)
{
	int64_t after = 0;

	for (;;) {
		Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
		Kiemtra__V1__FindingListReq q = KIEMTRA__V1__FINDING_LIST_REQ__INIT;
		Kiemtra__V1__FindingListResp *p;
		Kiemtra__V1__Response *resp;
		int rc;

		q.plan_id = plan_id;
		q.after_id = after;
		q.limit = FINDINGS_PAGE;
		req.body_case = KIEMTRA__V1__REQUEST__BODY_FINDING_LIST;
		req.finding_list = &q;
		if ((rc = fetch(cli, r, &req, "findings", 0, &resp)) != KT_EXIT_OK || !resp)
			return rc;
		p = resp->finding_list;
		for (size_t i = 0; i < p->n_findings; i++)
			if (vec_push(&r->findings, p->findings[i]) != KT_OK)
				return nomem(cli);
		if (!p->more || !p->n_findings)
			return KT_EXIT_OK;
		if (p->findings[p->n_findings - 1]->id <= after)
			return no_progress(cli, "findings");
		after = p->findings[p->n_findings - 1]->id;
	}
}

/* Every revision of the conclusion of the whole inspection (unit 0) and of each unit. */
static int fetch_conclusions(struct kt_cli *cli, struct record *r, const Kiemtra__V1__Plan *plan)
{
	for (size_t k = 0; k <= plan->n_unit_ids; k++) {
		int64_t unit = k ? plan->unit_ids[k - 1] : 0;
		int32_t before = 0;

		for (;;) {
			Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
			Kiemtra__V1__ConclusionGetReq q = KIEMTRA__V1__CONCLUSION_GET_REQ__INIT;
			Kiemtra__V1__ConclusionGetResp *p;
			Kiemtra__V1__Response *resp;
			int32_t last;
			int rc;

			q.plan_id = plan->id;
			q.unit_id = unit;
			q.before_revision = before;
			req.body_case = KIEMTRA__V1__REQUEST__BODY_CONCLUSION_GET;
			req.conclusion_get = &q;
			rc = fetch(cli, r, &req, "conclusions", unit, &resp);
			if (rc != KT_EXIT_OK)
				return rc;
			if (!resp)
				break;
			p = resp->conclusion_get;
			for (size_t i = 0; i < p->n_revisions; i++)
				if (vec_push(&r->conclusions, p->revisions[i]) != KT_OK)
					return nomem(cli);
			if (!p->more || !p->n_revisions)
				break;
			last = p->revisions[p->n_revisions - 1]->revision;
			if (before && last >= before)
				return no_progress(cli, "conclusion revisions");
			before = last;
		}
	}
	return KT_EXIT_OK;
}

static int fetch_recommendations(struct kt_cli *cli, struct record *r, int64_t plan_id)
{
	int64_t after = 0;

	for (;;) {
		Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
		Kiemtra__V1__RecommendationListReq q = KIEMTRA__V1__RECOMMENDATION_LIST_REQ__INIT;
		Kiemtra__V1__RecommendationListResp *p;
		Kiemtra__V1__Response *resp;
		int rc;

		q.plan_id = plan_id;
		q.after_id = after;
		req.body_case = KIEMTRA__V1__REQUEST__BODY_RECOMMENDATION_LIST;
		req.recommendation_list = &q;
		if ((rc = fetch(cli, r, &req, "recommendations", 0, &resp)) != KT_EXIT_OK || !resp)
			return rc;
		p = resp->recommendation_list;
		for (size_t i = 0; i < p->n_recommendations; i++)
			if (vec_push(&r->recs, p->recommendations[i]) != KT_OK)
				return nomem(cli);
		if (!p->more || !p->n_recommendations)
			return KT_EXIT_OK;
		if (p->recommendations[p->n_recommendations - 1]->id <= after)
			return no_progress(cli, "recommendations");
		after = p->recommendations[p->n_recommendations - 1]->id;
	}
}

static int fetch_reviews(struct kt_cli *cli, struct record *r, int64_t plan_id)
{
	int64_t after = 0;

	for (;;) {
		Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
		Kiemtra__V1__ReviewListReq q = KIEMTRA__V1__REVIEW_LIST_REQ__INIT;
		Kiemtra__V1__ReviewListResp *p;
		Kiemtra__V1__Response *resp;
		int rc;

		q.plan_id = plan_id;
		q.after_unit_id = after;
		req.body_case = KIEMTRA__V1__REQUEST__BODY_REVIEW_LIST;
		req.review_list = &q;
		if ((rc = fetch(cli, r, &req, "reviews", 0, &resp)) != KT_EXIT_OK || !resp)
			return rc;
		p = resp->review_list;
		for (size_t i = 0; i < p->n_reviews; i++)
			if (vec_push(&r->reviews, p->reviews[i]) != KT_OK)
				return nomem(cli);
		if (!p->more || !p->n_reviews)
			return KT_EXIT_OK;
		if (p->reviews[p->n_reviews - 1]->unit_id <= after)
			return no_progress(cli, "reviews");
		after = p->reviews[p->n_reviews - 1]->unit_id;
	}
}

static int add_signer(int64_t **ids, size_t *n, const Kiemtra__V1__Approval *a)
{
	int64_t *ni;

	if (!a || a->user_id <= 0)
		return KT_OK;
	for (size_t i = 0; i < *n; i++)
		if ((*ids)[i] == a->user_id)
			return KT_OK;
	ni = realloc(*ids, (*n + 1) * sizeof(*ni));
	if (!ni)
		return KT_ENOMEM;
	*ids = ni;
	ni[(*n)++] = a->user_id;
	return KT_OK;
}

/* The registered keys of every user who signed an approval in the record. */
static int fetch_keys(struct kt_cli *cli, struct record *r)
{
	const Kiemtra__V1__Plan *plan = r->plan->plan_get->plan;
	int64_t *ids = NULL;
	size_t n = 0;
	int rc = KT_EXIT_OK, e = add_signer(&ids, &n, plan->closure);

	for (size_t i = 0; e == KT_OK && i < r->findings.n; i++)
		e = add_signer(&ids, &n,
			       ((const Kiemtra__V1__Finding *)r->findings.p[i])->acceptance);
	for (size_t i = 0; e == KT_OK && i < r->conclusions.n; i++)
		e = add_signer(&ids, &n,
			       ((const Kiemtra__V1__Conclusion *)r->conclusions.p[i])->approval);
	for (size_t i = 0; e == KT_OK && i < r->reviews.n; i++) {
		const Kiemtra__V1__Review *v = r->reviews.p[i];

		for (size_t s = 0; e == KT_OK && s < v->n_signoffs; s++)
			e = add_signer(&ids, &n, v->signoffs[s]->approval);
	}
	if (e != KT_OK) {
		rc = nomem(cli);
		goto out;
	}
	kt_sort_ids(ids, n);
	for (size_t at = 0; at < n; at += KEYS_PER_REQUEST) {
		Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
		Kiemtra__V1__SigningKeysReq q = KIEMTRA__V1__SIGNING_KEYS_REQ__INIT;
		Kiemtra__V1__Response *resp;

		q.user_ids = ids + at;
		q.n_user_ids = n - at < KEYS_PER_REQUEST ? n - at : KEYS_PER_REQUEST;
		req.body_case = KIEMTRA__V1__REQUEST__BODY_SIGNING_KEYS;
		req.signing_keys = &q;
		if ((rc = fetch(cli, r, &req, "signing_keys", 0, &resp)) != KT_EXIT_OK || !resp)
			goto out;
		for (size_t i = 0; i < resp->signing_keys->n_keys; i++) {
			if (vec_push(&r->keys, resp->signing_keys->keys[i]) != KT_OK) {
				rc = nomem(cli);
				goto out;
			}
		}
	}
out:
	free(ids);
	return rc;
}

static int cmp_finding(const void *a, const void *b)
{
	const Kiemtra__V1__Finding *x = *(const Kiemtra__V1__Finding *const *)a;
	const Kiemtra__V1__Finding *y = *(const Kiemtra__V1__Finding *const *)b;

	return (x->id > y->id) - (x->id < y->id);
}

static int cmp_conclusion(const void *a, const void *b)
{
	const Kiemtra__V1__Conclusion *x = *(const Kiemtra__V1__Conclusion *const *)a;
	const Kiemtra__V1__Conclusion *y = *(const Kiemtra__V1__Conclusion *const *)b;

	if (x->unit_id != y->unit_id)
		return (x->unit_id > y->unit_id) - (x->unit_id < y->unit_id);
	return (x->revision > y->revision) - (x->revision < y->revision);
}

static int cmp_rec(const void *a, const void *b)
{
	const Kiemtra__V1__Recommendation *x = *(const Kiemtra__V1__Recommendation *const *)a;
	const Kiemtra__V1__Recommendation *y = *(const Kiemtra__V1__Recommendation *const *)b;

	return (x->id > y->id) - (x->id < y->id);
}

static int cmp_review(const void *a, const void *b)
{
	const Kiemtra__V1__Review *x = *(const Kiemtra__V1__Review *const *)a;
	const Kiemtra__V1__Review *y = *(const Kiemtra__V1__Review *const *)b;

	return (x->unit_id > y->unit_id) - (x->unit_id < y->unit_id);
}

static void sort_vec(struct vec *v, int (*cmp)(const void *, const void *))
{
	if (v->n > 1)
		qsort(v->p, v->n, sizeof(*v->p), cmp);
}

/* ---- export: writing -------------------------------------------------------------- */

static void json_hex(struct record *r, struct kt_json *j, const char *key, const uint8_t *p,
		     size_t n)
{
	char *hex = malloc(2 * n + 1);

	if (!hex) {
		r->nomem = true;
		kt_json_kv_str(j, key, "");
		return;
	}
	sodium_bin2hex(hex, 2 * n + 1, p, n);
	kt_json_kv_str(j, key, hex);
	free(hex);
}

static void json_bin(struct record *r, struct kt_json *j, const char *key,
		     const ProtobufCBinaryData *b)
{
	json_hex(r, j, key, b->data, b->data ? b->len : 0);
}

static void json_ids(struct kt_json *j, const char *key, const int64_t *ids, size_t n)
{
	kt_json_key(j, key);
	kt_json_begin_array(j);
	for (size_t i = 0; i < n; i++)
		kt_json_int(j, ids[i]);
	kt_json_end_array(j);
}

/* ids sorted ascending (a copy), as digests list them. */
static void json_sorted_ids(struct record *r, struct kt_json *j, const char *key,
			    const int64_t *ids, size_t n)
{
	int64_t *s = malloc((n + 1) * sizeof(*s));

	if (!s) {
		r->nomem = true;
		json_ids(j, key, ids, n);
		return;
	}
	if (n)
		memcpy(s, ids, n * sizeof(*s));
	kt_sort_ids(s, n);
	json_ids(j, key, s, n);
	free(s);
}

static void json_person(struct kt_json *j, const char *key, int64_t id, const char *username,
			const char *full_name)
{
	if (key)
		kt_json_key(j, key);
	kt_json_begin_object(j);
	kt_json_kv_int(j, "user_id", id);
	kt_json_kv_str(j, "username", username);
	kt_json_kv_str(j, "full_name", full_name);
	kt_json_end_object(j);
}

static void json_evidence(struct record *r, struct kt_json *j, const Kiemtra__V1__EvidenceRef *e)
{
	if (!e) {
		kt_json_null(j);
		return;
	}
	kt_json_begin_object(j);
	kt_json_kv_int(j, "id", e->id);
	kt_json_kv_str(j, "name", e->name);
	json_bin(r, j, "sha256", &e->sha256);
	kt_json_kv_uint(j, "size", e->size);
	kt_json_kv_str(j, "content_type", e->content_type);
	kt_json_end_object(j);
}

static void json_evidence_list(struct record *r, struct kt_json *j, const char *key,
			       Kiemtra__V1__EvidenceRef *const *ev, size_t n)
{
	kt_json_key(j, key);
	kt_json_begin_array(j);
	for (size_t i = 0; i < n; i++)
		json_evidence(r, j, ev[i]);
	kt_json_end_array(j);
}

/* What each kind of approval digests, written as the "content" object. */
typedef void (*content_fn)(struct record *r, struct kt_json *j, const void *rec, const void *extra);

static void content_plan(struct record *r, struct kt_json *j, const void *rec, const void *extra)
{
	const Kiemtra__V1__Plan *p = rec;

	(void)extra;
	kt_json_kv_int(j, "plan_id", p->id);
	kt_json_kv_str(j, "number", p->number);
	kt_json_kv_str(j, "issued_on", p->issued_on);
	kt_json_kv_str(j, "issuer", p->issuer);
	kt_json_kv_str(j, "title", p->title);
	kt_json_kv_str(j, "period_start", p->period_start);
	kt_json_kv_str(j, "period_end", p->period_end);
	json_sorted_ids(r, j, "unit_ids", p->unit_ids, p->n_unit_ids);
}

static void content_finding(struct record *r, struct kt_json *j, const void *rec, const void *extra)
{
	const Kiemtra__V1__Finding *f = rec;
	struct kt_digest_evidence *ev = calloc(f->n_evidence + 1, sizeof(*ev));
	size_t n = ev ? f->n_evidence : 0;

	(void)extra;
	if (!ev)
		r->nomem = true;
	kt_json_kv_int(j, "plan_id", f->plan_id);
	kt_json_kv_int(j, "finding_id", f->id);
	kt_json_kv_int(j, "unit_id", f->unit_id);
	kt_json_kv_int(j, "area", f->area);
	kt_json_kv_int(j, "kind", f->kind);
	kt_json_kv_str(j, "text", f->text);
	kt_json_kv_str(j, "cause", f->cause);
	for (size_t i = 0; i < n; i++) {
		ev[i].id = f->evidence[i]->id;
		ev[i].sha256 = f->evidence[i]->sha256.data;
		if (f->evidence[i]->sha256.len != 32)
			ev[i].sha256 = NULL; /* written as it is: the check then fails */
	}
	kt_sort_evidence(ev, n);
	kt_json_key(j, "evidence");
	kt_json_begin_array(j);
	for (size_t i = 0; i < n; i++) {
		const Kiemtra__V1__EvidenceRef *e = NULL;

		for (size_t k = 0; k < f->n_evidence && !e; k++)
			if (f->evidence[k]->id == ev[i].id)
				e = f->evidence[k];
		kt_json_begin_object(j);
		kt_json_kv_int(j, "id", ev[i].id);
		if (e)
			json_bin(r, j, "sha256", &e->sha256);
		else
			kt_json_kv_str(j, "sha256", "");
		kt_json_end_object(j);
	}
	kt_json_end_array(j);
	free(ev);
}

static void content_conclusion(struct record *r, struct kt_json *j, const void *rec,
			       const void *extra)
{
	const Kiemtra__V1__Conclusion *c = rec;

	(void)extra;
	kt_json_kv_int(j, "plan_id", c->plan_id);
	kt_json_kv_int(j, "conclusion_id", c->id);
	kt_json_kv_int(j, "unit_id", c->unit_id);
	kt_json_kv_int(j, "revision", c->revision);
	kt_json_kv_str(j, "text", c->text);
	json_sorted_ids(r, j, "finding_ids", c->finding_ids, c->n_finding_ids);
}

static void json_officials(struct kt_json *j, const Kiemtra__V1__Review *v)
{
	kt_json_key(j, "officials");
	kt_json_begin_array(j);
	for (size_t i = 0; i < v->n_officials; i++) {
		const Kiemtra__V1__ReviewedOfficial *o = v->officials[i];

		kt_json_begin_object(j);
		kt_json_kv_str(j, "name", o->name);
		kt_json_kv_str(j, "position", o->position);
		kt_json_kv_int(j, "outcome", o->outcome);
		kt_json_kv_str(j, "note", o->note);
		kt_json_end_object(j);
	}
	kt_json_end_array(j);
}

static void content_signoff(struct record *r, struct kt_json *j, const void *rec, const void *extra)
{
	static const uint8_t zero[32];
	const Kiemtra__V1__Review *v = rec;
	const Kiemtra__V1__SignoffStep *s = extra;

	kt_json_kv_int(j, "plan_id", v->plan_id);
	kt_json_kv_int(j, "review_id", v->id);
	kt_json_kv_int(j, "unit_id", v->unit_id);
	kt_json_kv_int(j, "round", s->round);
	kt_json_kv_int(j, "step", s->step);
	kt_json_kv_int(j, "signer", s->signer);
	kt_json_kv_int(j, "approve", s->approved ? 1 : 0);
	kt_json_kv_str(j, "reason", s->approved ? "" : s->reason);
	kt_json_kv_str(j, "meeting_date", v->meeting_date);
	if (v->minutes)
		json_bin(r, j, "minutes_sha256", &v->minutes->sha256);
	else
		json_hex(r, j, "minutes_sha256", zero, sizeof(zero));
	json_officials(j, v);
}

/*
 * A sign-off of an earlier round whose digest the review's current content no
 * longer gives: the content it covered was recorded over after the return and
 * is not on record any more.
 */
static bool replaced_round(const Kiemtra__V1__Review *v, const Kiemtra__V1__SignoffStep *s)
{
	static const uint8_t zero[KT_DIGEST_LEN];
	struct kt_digest_official *o;
	uint8_t digest[KT_DIGEST_LEN];
	const uint8_t *minutes = zero;
	bool replaced;

	if (s->round >= v->round || !s->approval || s->approval->digest.len != KT_DIGEST_LEN)
		return false;
	if (!(o = calloc(v->n_officials + 1, sizeof(*o))))
		return false; /* written as it is: verify then reports it changed */
	for (size_t i = 0; i < v->n_officials; i++) {
		o[i].name = v->officials[i]->name;
		o[i].position = v->officials[i]->position;
		o[i].outcome = (int)v->officials[i]->outcome;
		o[i].note = v->officials[i]->note;
	}
	if (v->minutes && v->minutes->sha256.len == KT_DIGEST_LEN)
		minutes = v->minutes->sha256.data;
	kt_digest_review_signoff(v->plan_id, v->id, v->unit_id, s->round, s->step, s->signer,
				 s->approved, s->approved ? "" : s->reason, v->meeting_date,
				 minutes, v->n_officials, o, digest);
	free(o);
	replaced = sodium_memcmp(digest, s->approval->digest.data, KT_DIGEST_LEN) != 0;
	sodium_memzero(digest, sizeof(digest));
	return replaced;
}

static void json_approval(struct record *r, struct kt_json *j, const char *key, const char *kind,
			  const Kiemtra__V1__Approval *a, content_fn content, const void *rec,
			  const void *extra)
{
	kt_json_key(j, key);
	if (!a) {
		kt_json_null(j);
		return;
	}
	r->n_approvals++;
	kt_json_begin_object(j);
	kt_json_kv_str(j, "kind", kind);
	kt_json_key(j, "content");
	if (content == content_signoff && replaced_round(rec, extra)) {
		kt_json_null(j);
	} else {
		kt_json_begin_object(j);
		content(r, j, rec, extra);
		kt_json_end_object(j);
	}
	json_bin(r, j, "digest", &a->digest);
	json_bin(r, j, "signature", &a->signature);
	json_bin(r, j, "signing_key", &a->signing_key);
	json_person(j, "signer", a->user_id, a->username, a->full_name);
	kt_json_kv_int(j, "at", a->at);
	kt_json_end_object(j);
}

static void json_plan(struct record *r, struct kt_json *j)
{
	const Kiemtra__V1__Plan *p = r->plan->plan_get->plan;

	kt_json_key(j, "plan");
	kt_json_begin_object(j);
	kt_json_kv_int(j, "id", p->id);
	kt_json_kv_str(j, "number", p->number);
	kt_json_kv_str(j, "issued_on", p->issued_on);
	kt_json_kv_str(j, "issuer", p->issuer);
	kt_json_kv_str(j, "title", p->title);
	kt_json_kv_str(j, "period_start", p->period_start);
	kt_json_kv_str(j, "period_end", p->period_end);
	kt_json_key(j, "areas");
	kt_json_begin_array(j);
	for (size_t i = 0; i < p->n_areas; i++)
		kt_json_int(j, p->areas[i]);
	kt_json_end_array(j);
	json_ids(j, "unit_ids", p->unit_ids, p->n_unit_ids);
	kt_json_kv_int(j, "status", p->status);
	kt_json_kv_str(j, "team_decision_number", p->team_decision_number);
	kt_json_kv_str(j, "team_decision_date", p->team_decision_date);
	kt_json_kv_int(j, "authority_user_id", p->authority_user_id);
	kt_json_key(j, "review_chain");
	kt_json_begin_array(j);
	for (size_t i = 0; i < p->n_review_chain; i++)
		kt_json_int(j, p->review_chain[i]);
	kt_json_end_array(j);
	kt_json_kv_int(j, "version", p->version);
	kt_json_kv_int(j, "created_by", p->created_by);
	kt_json_kv_int(j, "created_at", p->created_at);
	json_approval(r, j, "closure", "plan.close", p->closure, content_plan, p, NULL);
	kt_json_end_object(j);
}

static void json_people(struct record *r, struct kt_json *j)
{
	const Kiemtra__V1__PlanGetResp *g = r->plan->plan_get;

	kt_json_key(j, "authority");
	if (g->authority)
		json_person(j, NULL, g->authority->id, g->authority->username,
			    g->authority->full_name);
	else
		kt_json_null(j);
	kt_json_key(j, "units");
	kt_json_begin_array(j);
	for (size_t i = 0; i < g->n_units; i++) {
		const Kiemtra__V1__Unit *u = g->units[i];

		kt_json_begin_object(j);
		kt_json_kv_int(j, "id", u->id);
		kt_json_kv_str(j, "code", u->code);
		kt_json_kv_str(j, "name", u->name);
		kt_json_kv_int(j, "kind", u->kind);
		kt_json_kv_int(j, "parent_id", u->parent_id);
		kt_json_kv_int(j, "status", u->status);
		kt_json_kv_int(j, "merged_into", u->merged_into);
		kt_json_end_object(j);
	}
	kt_json_end_array(j);
	kt_json_key(j, "team");
	kt_json_begin_array(j);
	for (size_t i = 0; i < g->n_team; i++) {
		const Kiemtra__V1__TeamMember *m = g->team[i];

		kt_json_begin_object(j);
		kt_json_kv_int(j, "user_id", m->user_id);
		kt_json_kv_str(j, "username", m->username);
		kt_json_kv_str(j, "full_name", m->full_name);
		kt_json_kv_int(j, "role", m->role);
		kt_json_kv_int(j, "group_id", m->group_id);
		kt_json_end_object(j);
	}
	kt_json_end_array(j);
	kt_json_key(j, "groups");
	kt_json_begin_array(j);
	for (size_t i = 0; i < g->n_groups; i++) {
		kt_json_begin_object(j);
		kt_json_kv_int(j, "id", g->groups[i]->id);
		kt_json_kv_str(j, "name", g->groups[i]->name);
		kt_json_end_object(j);
	}
	kt_json_end_array(j);
	kt_json_key(j, "assignments");
	kt_json_begin_array(j);
	for (size_t i = 0; i < g->n_assignments; i++) {
		const Kiemtra__V1__Assignment *a = g->assignments[i];

		kt_json_begin_object(j);
		kt_json_kv_int(j, "id", a->id);
		kt_json_kv_int(j, "unit_id", a->unit_id);
		kt_json_kv_int(j, "group_id", a->group_id);
		kt_json_kv_int(j, "user_id", a->user_id);
		kt_json_kv_str(j, "date_from", a->date_from);
		kt_json_kv_str(j, "date_to", a->date_to);
		kt_json_end_object(j);
	}
	kt_json_end_array(j);
	kt_json_key(j, "observers");
	kt_json_begin_array(j);
	for (size_t i = 0; i < g->n_observers; i++)
		json_person(j, NULL, g->observers[i]->id, g->observers[i]->username,
			    g->observers[i]->full_name);
	kt_json_end_array(j);
}

static void json_findings(struct record *r, struct kt_json *j)
{
	kt_json_key(j, "findings");
	kt_json_begin_array(j);
	for (size_t i = 0; i < r->findings.n; i++) {
		const Kiemtra__V1__Finding *f = r->findings.p[i];

		kt_json_begin_object(j);
		kt_json_kv_int(j, "id", f->id);
		kt_json_kv_int(j, "plan_id", f->plan_id);
		kt_json_kv_int(j, "unit_id", f->unit_id);
		kt_json_kv_int(j, "area", f->area);
		kt_json_kv_int(j, "kind", f->kind);
		kt_json_kv_str(j, "text", f->text);
		kt_json_kv_str(j, "cause", f->cause);
		kt_json_kv_int(j, "state", f->state);
		kt_json_kv_str(j, "return_reason", f->return_reason);
		kt_json_kv_int(j, "author_id", f->author_id);
		kt_json_kv_str(j, "author", f->author);
		kt_json_kv_int(j, "version", f->version);
		kt_json_kv_int(j, "created_at", f->created_at);
		kt_json_kv_int(j, "updated_at", f->updated_at);
		kt_json_kv_int(j, "updated_by", f->updated_by);
		json_evidence_list(r, j, "evidence", f->evidence, f->n_evidence);
		json_approval(r, j, "acceptance", "finding.accept", f->acceptance, content_finding,
			      f, NULL);
		kt_json_end_object(j);
	}
	kt_json_end_array(j);
}

static void json_conclusions(struct record *r, struct kt_json *j)
{
	kt_json_key(j, "conclusions");
	kt_json_begin_array(j);
	for (size_t i = 0; i < r->conclusions.n; i++) {
		const Kiemtra__V1__Conclusion *c = r->conclusions.p[i];

		kt_json_begin_object(j);
		kt_json_kv_int(j, "id", c->id);
		kt_json_kv_int(j, "plan_id", c->plan_id);
		kt_json_kv_int(j, "unit_id", c->unit_id);
		kt_json_kv_int(j, "revision", c->revision);
		kt_json_kv_str(j, "text", c->text);
		json_ids(j, "finding_ids", c->finding_ids, c->n_finding_ids);
		kt_json_kv_int(j, "state", c->state);
		kt_json_kv_int(j, "author_id", c->author_id);
		kt_json_kv_str(j, "author", c->author);
		kt_json_kv_int(j, "version", c->version);
		kt_json_kv_int(j, "created_at", c->created_at);
		json_approval(r, j, "approval", "conclusion.approve", c->approval,
			      content_conclusion, c, NULL);
		kt_json_end_object(j);
	}
	kt_json_end_array(j);
}

static void json_recommendations(struct record *r, struct kt_json *j)
{
	kt_json_key(j, "recommendations");
	kt_json_begin_array(j);
	for (size_t i = 0; i < r->recs.n; i++) {
		const Kiemtra__V1__Recommendation *c = r->recs.p[i];

		kt_json_begin_object(j);
		kt_json_kv_int(j, "id", c->id);
		kt_json_kv_int(j, "plan_id", c->plan_id);
		kt_json_kv_int(j, "unit_id", c->unit_id);
		kt_json_kv_str(j, "text", c->text);
		kt_json_kv_str(j, "deadline", c->deadline);
		kt_json_kv_int(j, "state", c->state);
		kt_json_kv_int(j, "response_kind", c->response_kind);
		kt_json_kv_str(j, "response_text", c->response_text);
		json_evidence_list(r, j, "response_evidence", c->response_evidence,
				   c->n_response_evidence);
		kt_json_kv_int(j, "responded_by", c->responded_by);
		kt_json_kv_int(j, "responded_at", c->responded_at);
		kt_json_kv_str(j, "decision_reason", c->decision_reason);
		kt_json_kv_int(j, "decided_by", c->decided_by);
		kt_json_kv_int(j, "decided_at", c->decided_at);
		kt_json_kv_bool(j, "overdue", c->overdue);
		kt_json_kv_int(j, "version", c->version);
		kt_json_kv_int(j, "created_by", c->created_by);
		kt_json_kv_int(j, "created_at", c->created_at);
		kt_json_end_object(j);
	}
	kt_json_end_array(j);
}

static void json_reviews(struct record *r, struct kt_json *j)
{
	kt_json_key(j, "reviews");
	kt_json_begin_array(j);
	for (size_t i = 0; i < r->reviews.n; i++) {
		const Kiemtra__V1__Review *v = r->reviews.p[i];

		kt_json_begin_object(j);
		kt_json_kv_int(j, "id", v->id);
		kt_json_kv_int(j, "plan_id", v->plan_id);
		kt_json_kv_int(j, "unit_id", v->unit_id);
		kt_json_kv_str(j, "meeting_date", v->meeting_date);
		kt_json_key(j, "minutes");
		json_evidence(r, j, v->minutes);
		json_officials(j, v);
		kt_json_kv_int(j, "state", v->state);
		kt_json_kv_int(j, "next_step", v->next_step);
		kt_json_kv_int(j, "round", v->round);
		kt_json_kv_int(j, "version", v->version);
		kt_json_kv_int(j, "recorded_by", v->recorded_by);
		kt_json_kv_str(j, "recorded_by_username", v->recorded_by_username);
		kt_json_kv_str(j, "recorded_by_full_name", v->recorded_by_full_name);
		kt_json_kv_int(j, "recorded_at", v->recorded_at);
		kt_json_kv_str(j, "return_reason", v->return_reason);
		kt_json_key(j, "signoffs");
		kt_json_begin_array(j);
		for (size_t s = 0; s < v->n_signoffs; s++) {
			const Kiemtra__V1__SignoffStep *st = v->signoffs[s];

			kt_json_begin_object(j);
			kt_json_kv_int(j, "round", st->round);
			kt_json_kv_int(j, "step", st->step);
			kt_json_kv_int(j, "signer", st->signer);
			kt_json_kv_bool(j, "approved", st->approved);
			kt_json_kv_str(j, "reason", st->reason);
			json_approval(r, j, "approval", "review.signoff", st->approval,
				      content_signoff, v, st);
			kt_json_end_object(j);
		}
		kt_json_end_array(j);
		kt_json_end_object(j);
	}
	kt_json_end_array(j);
}

static void json_tail(struct record *r, struct kt_json *j)
{
	kt_json_key(j, "signing_keys");
	kt_json_begin_array(j);
	for (size_t i = 0; i < r->keys.n; i++) {
		const Kiemtra__V1__SigningKey *k = r->keys.p[i];

		kt_json_begin_object(j);
		kt_json_kv_int(j, "user_id", k->user_id);
		kt_json_kv_str(j, "username", k->username);
		json_bin(r, j, "key", &k->key);
		kt_json_kv_int(j, "registered_at", k->registered_at);
		kt_json_kv_bool(j, "revoked", k->revoked);
		kt_json_end_object(j);
	}
	kt_json_end_array(j);
	kt_json_key(j, "omitted");
	kt_json_begin_array(j);
	for (size_t i = 0; i < r->n_omitted; i++) {
		kt_json_begin_object(j);
		kt_json_kv_str(j, "what", r->omitted[i].what);
		kt_json_kv_int(j, "unit_id", r->omitted[i].unit_id);
		kt_json_kv_str(j, "reason", r->omitted[i].reason);
		kt_json_end_object(j);
	}
	kt_json_end_array(j);
}

/* The whole document as one object (the caller has begun nothing). */
static void json_record(struct kt_cli *cli, struct record *r, struct kt_json *j)
{
	const Kiemtra__V1__User *u = r->who->whoami->user;

	r->n_approvals = 0;
	kt_json_begin_object(j);
	kt_json_kv_str(j, "format", KT_RECORD_FORMAT);
	kt_json_kv_int(j, "version", KT_RECORD_VERSION);
	kt_json_kv_int(j, "exported_at", kt_now_ms());
	kt_json_kv_str(j, "server", cli->server.hostport);
	json_person(j, "exported_by", u ? u->id : 0, u ? u->username : "", u ? u->full_name : "");
	json_plan(r, j);
	json_people(r, j);
	json_findings(r, j);
	json_conclusions(r, j);
	json_recommendations(r, j);
	json_reviews(r, j);
	json_tail(r, j);
	kt_json_end_object(j);
}

/*
 * The document, indented, into a new buffer *out (*len bytes): written
 * compactly, read back strictly, written again indented. Exit code.
 */
static int render(struct kt_cli *cli, struct record *r, char **out, size_t *len)
{
	char *raw = NULL, err[256];
	struct kt_jv *tree = NULL;
	struct kt_json j;
	size_t raw_len = 0;
	FILE *f;
	int rc;

	*out = NULL;
	*len = 0;
	if (!(f = open_memstream(&raw, &raw_len)))
		return nomem(cli);
	kt_json_init(&j, f);
	json_record(cli, r, &j);
	if (fclose(f) != 0 || r->nomem) {
		free(raw);
		return nomem(cli);
	}
	rc = kt_jv_parse(raw, raw_len, &tree, err, sizeof(err));
	free(raw);
	if (rc == KT_ENOMEM)
		return nomem(cli);
	if (rc != KT_OK)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR",
				   "the record does not read back as JSON (%s)", err);
	if (!(f = open_memstream(out, len))) {
		kt_jv_free(tree);
		return nomem(cli);
	}
	rc = kt_jv_write_pretty(f, tree);
	kt_jv_free(tree);
	if (fclose(f) != 0 || rc != KT_OK) {
		free(*out);
		*out = NULL;
		return nomem(cli);
	}
	return KT_EXIT_OK;
}

static int cmd_export(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__WhoamiReq w = KIEMTRA__V1__WHOAMI_REQ__INIT;
	const Kiemtra__V1__Plan *plan;
	struct record r;
	const char *file = NULL;
	char *doc = NULL;
	size_t doc_len = 0;
	struct kt_json *j;
	int c, rc;

	memset(&r, 0, sizeof(r));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
		if (c != 'o')
			return kt_wf_bad_option(cli, c, argv);
		file = optarg;
	}
	if (optind >= argc)
		return kt_cli_usage(cli, "name the PLAN (id or number)");
	if (argc - optind > 1)
		return kt_cli_usage(cli, "unexpected argument '%s'", argv[optind + 1]);
	if (file && !file[0])
		return kt_cli_usage(cli, "-o wants a file name");
	if (file && strcmp(file, "-") == 0)
		file = NULL; /* standard output */
	if ((rc = kt_plan_resolve(cli, argv[optind], &r.plan)) != KT_EXIT_OK)
		goto out;
	plan = r.plan->plan_get->plan;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_WHOAMI;
	req.whoami = &w;
	if ((rc = kt_cli_call(cli, &req, &r.who)) != KT_EXIT_OK ||
	    (rc = fetch_findings(cli, &r, plan->id)) != KT_EXIT_OK ||
	    (rc = fetch_conclusions(cli, &r, plan)) != KT_EXIT_OK ||
	    (rc = fetch_recommendations(cli, &r, plan->id)) != KT_EXIT_OK ||
	    (rc = fetch_reviews(cli, &r, plan->id)) != KT_EXIT_OK ||
	    (rc = fetch_keys(cli, &r)) != KT_EXIT_OK)
		goto out;
	sort_vec(&r.findings, cmp_finding);
	sort_vec(&r.conclusions, cmp_conclusion);
	sort_vec(&r.recs, cmp_rec);
	sort_vec(&r.reviews, cmp_review);
	if (!file && cli->json) {
		/* The document itself is the "record" member of the one JSON object. */
		j = kt_cli_json_begin(cli);
		kt_json_key(j, "record");
		json_record(cli, &r, j);
		kt_cli_json_end(cli);
		rc = r.nomem ? nomem(cli) : KT_EXIT_OK;
		goto out;
	}
	if ((rc = render(cli, &r, &doc, &doc_len)) != KT_EXIT_OK)
		goto out;
	if (!file) {
		if (fwrite(doc, 1, doc_len, stdout) != doc_len)
			rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "cannot write the output");
		goto out;
	}
	if (kt_write_file_atomic(file, doc, doc_len, 0644) != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "cannot write %s: %s", file,
				 strerror(errno));
		goto out;
	}
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_kv_str(j, "file", file);
		kt_json_kv_int(j, "plan_id", plan->id);
		kt_json_kv_str(j, "number", plan->number);
		kt_json_kv_uint(j, "bytes", doc_len);
		kt_json_kv_uint(j, "approvals", r.n_approvals);
		kt_json_kv_uint(j, "findings", r.findings.n);
		kt_json_kv_uint(j, "conclusions", r.conclusions.n);
		kt_json_kv_uint(j, "recommendations", r.recs.n);
		kt_json_kv_uint(j, "reviews", r.reviews.n);
		kt_json_kv_uint(j, "omitted", r.n_omitted);
		kt_cli_json_end(cli);
	} else {
		printf("exported plan ");
		kt_print_safe(stdout, plan->number, false);
		printf(" to ");
		kt_print_safe(stdout, file, false);
		printf(": %zu findings, %zu conclusion revisions, %zu recommendations, "
		       "%zu reviews, %zu approvals\n",
		       r.findings.n, r.conclusions.n, r.recs.n, r.reviews.n, r.n_approvals);
		for (size_t i = 0; i < r.n_omitted; i++) {
			printf("left out (not visible to you): %s", r.omitted[i].what);
			if (r.omitted[i].unit_id)
				printf(" of unit #%lld", (long long)r.omitted[i].unit_id);
			printf("\n");
		}
		printf("check it offline with: kiemtra verify ");
		kt_print_safe(stdout, file, false);
		printf("\n");
	}
	rc = KT_EXIT_OK;
out:
	free(doc);
	record_free(&r);
	return rc;
}

/* ---- verify (the checking itself is record_check.c) ------------------------------- */

static void print_results(const struct kt_record_check *v)
{
	char when[64];

	for (size_t i = 0; i < v->n; i++) {
		const struct kt_vres *r = &v->res[i];

		printf("%-15s  ", kt_vstatus_name[r->st]);
		kt_print_safe(stdout, r->what, false);
		if (r->st == KT_V_OK) {
			kt_format_time(r->at, when, sizeof(when));
			printf(": signed by ");
			kt_print_safe(stdout, r->signer, false);
			printf(", %s\n", when);
		} else {
			printf(": ");
			kt_print_safe(stdout, r->detail, false);
			printf(" [%s]\n", r->path);
		}
	}
	printf("%s%zu approval%s checked: %zu OK", v->n ? "\n" : "", v->n, v->n == 1 ? "" : "s",
	       v->counts[KT_V_OK]);
	for (int s = KT_V_REPLACED; s < KT_V_NSTATUS; s++) {
		if (!v->counts[s])
			continue;
		printf(", %zu ", v->counts[s]);
		for (const char *p = kt_vstatus_name[s]; *p; p++)
			putchar(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	}
	printf("\n");
}

static void json_results(struct kt_json *j, const struct kt_record_check *v, const char *file)
{
	const struct kt_jv *plan = kt_jv_get(v->doc, "plan");
	int64_t id = 0;

	kt_jv_get_int(plan, "id", &id);
	kt_json_kv_str(j, "file", file);
	kt_json_kv_bool(j, "verified", !v->failed);
	kt_json_key(j, "plan");
	kt_json_begin_object(j);
	kt_json_kv_int(j, "id", id);
	kt_json_kv_str(j, "number", kt_jv_get_str(plan, "number"));
	kt_json_end_object(j);
	kt_json_key(j, "counts");
	kt_json_begin_object(j);
	kt_json_kv_uint(j, "total", v->n);
	for (int s = 0; s < KT_V_NSTATUS; s++)
		kt_json_kv_uint(j, kt_vstatus_key[s], v->counts[s]);
	kt_json_end_object(j);
	kt_json_key(j, "approvals");
	kt_json_begin_array(j);
	for (size_t i = 0; i < v->n; i++) {
		const struct kt_vres *r = &v->res[i];

		kt_json_begin_object(j);
		kt_json_kv_str(j, "status", kt_vstatus_name[r->st]);
		kt_json_kv_str(j, "kind", r->kind);
		kt_json_kv_str(j, "path", r->path);
		kt_json_kv_str(j, "what", r->what);
		kt_json_kv_str(j, "signer", r->signer);
		kt_json_kv_int(j, "at", r->at);
		kt_json_kv_str(j, "detail", r->detail);
		kt_json_end_object(j);
	}
	kt_json_end_array(j);
}

static int cmd_verify(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	struct kt_record_check v;
	size_t len = 0;
	const char *file;
	char *text = NULL, why[512], msg[512];
	struct kt_json *j, jf;
	int c, rc;

	memset(&v, 0, sizeof(v));
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1)
		return kt_wf_bad_option(cli, c, argv);
	if (optind >= argc)
		return kt_cli_usage(cli, "name the FILE written by kiemtra export");
	if (argc - optind > 1)
		return kt_cli_usage(cli, "unexpected argument '%s'", argv[optind + 1]);
	file = argv[optind];
	rc = kt_read_file(file, RECORD_MAX, &text, &len);
	if (rc == KT_ETOOBIG)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "%s is larger than %zu bytes", file,
				   RECORD_MAX);
	if (rc != KT_OK)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "cannot read %s: %s", file,
				   rc == KT_ESYS ? strerror(errno) : kt_strerror(rc));
	rc = kt_record_check(text, len, &v, why, sizeof(why));
	if (rc == KT_ENOMEM) {
		rc = nomem(cli);
		goto out;
	}
	if (rc != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_VERIFY, "VERIFY_FAILED", "%s %s", file, why);
		goto out;
	}
	snprintf(msg, sizeof(msg), "verification failed: %zu of %zu approvals in %s do not verify",
		 v.failed, v.n, file);
	if (cli->json) {
		if (v.failed) {
			fprintf(stderr, "kiemtra: %s\n", msg);
			kt_json_init(&jf, stdout);
			kt_json_begin_object(&jf);
			kt_json_kv_bool(&jf, "ok", false);
			kt_json_kv_str(&jf, "status", "VERIFY_FAILED");
			kt_json_kv_str(&jf, "message", msg);
			kt_json_kv_int(&jf, "exit", KT_EXIT_VERIFY);
			json_results(&jf, &v, file);
			kt_json_end_object(&jf);
			kt_json_end_document(&jf);
			cli->reported = true;
		} else {
			j = kt_cli_json_begin(cli);
			json_results(j, &v, file);
			kt_cli_json_end(cli);
		}
	} else {
		print_results(&v);
		if (v.failed)
			fprintf(stderr, "kiemtra: %s\n", msg);
		else
			printf("the record verifies: every approval matches its content and is "
			       "signed with a key listed for its signer\n");
	}
	rc = v.failed ? KT_EXIT_VERIFY : KT_EXIT_OK;
out:
	kt_record_check_free(&v);
	free(text);
	return rc;
}

/* clang-format off */
const struct kt_command kt_cmds_verify[] = {
	{"export", cmd_export, KT_CMD_SESSION, "export PLAN [-o FILE]",
	 "write a plan's whole record, with every signed approval, as one JSON document",
	 "Fetches everything of the plan you may see: the plan, its units, team, groups,\n"
	 "assignments and observers; every finding with its evidence references and\n"
	 "acceptance; every revision of every conclusion with its approval; the\n"
	 "recommendations; the responsibility reviews with every sign-off step of every\n"
	 "round; the closure; and the registered public keys of everyone who signed. Each\n"
	 "approval carries the content it covers, exactly as digested, with the digest,\n"
	 "signature, signing key, signer and time (docs/PROTOCOL.md §15). Parts\n"
	 "you may not see are left out and listed under \"omitted\".\n"
	 "-o FILE writes the document to FILE (replaced atomically) and prints a summary;\n"
	 "without -o (or with -o -) the document goes to standard output. With --json and\n"
	 "no -o, the document is the \"record\" member of the one JSON object. Check the\n"
	 "file offline with: kiemtra verify FILE."},
	{"verify", cmd_verify, 0, "verify FILE",
	 "check every approval in an exported record, offline",
	 "Reads a document written by kiemtra export (no connection, no login) and checks\n"
	 "every approval: the digest recomputed from its content must equal the recorded\n"
	 "digest, the content must equal the record it approves, the Ed25519 signature must\n"
	 "hold with the recorded key, and that key must be listed for the signer in the\n"
	 "document's signing_keys. One line per approval:\n"
	 "  OK               the content is what the signer signed\n"
	 "  CONTENT CHANGED  the content changed after it was signed\n"
	 "  BAD SIGNATURE    the signature (or the recorded digest) was altered\n"
	 "  UNKNOWN KEY      the key is not listed for the signer\n"
	 "  NO SIGNATURE     approved by its state, but no approval is attached\n"
	 "  MALFORMED        the approval lacks a field or has a wrong one\n"
	 "  REPLACED         a sign-off of an earlier review round whose content was\n"
	 "                   recorded again after the return (not a failure)\n"
	 "then a summary. The keys are those the exporting server listed: compare them\n"
	 "with keys you obtained independently (kiemtra signing-keys) when that matters.\n"
	 "Exit codes: 0 every approval verifies; 5 verification failed (some approval does\n"
	 "not verify, or the file is not a readable kiemtra record); 1 the file cannot be\n"
	 "read. --json: the same as one JSON object (counts and one entry per approval)."},
};
/* clang-format on */
const size_t kt_ncmds_verify = sizeof(kt_cmds_verify) / sizeof(kt_cmds_verify[0]);
