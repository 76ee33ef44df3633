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
 * Verify needs no connection. For each approval, in this order:
 *   MALFORMED        it lacks a field, has an unknown one, or a wrong type;
 *   UNKNOWN KEY      its signing key is not listed for its signer in the
 *                    document's signing_keys;
 *   BAD SIGNATURE    the Ed25519 signature does not hold over the recorded
 *                    digest with that key;
 *   CONTENT CHANGED  the digest recomputed from the content differs from the
 *                    recorded one, or the content differs from the fields of
 *                    the record it sits in;
 *   OK.
 * A record approved by its state (an accepted finding, an approved or
 * superseded conclusion, a closed plan, a sign-off step) without an approval
 * is NO SIGNATURE. A sign-off of an earlier round of a review whose content was
 * recorded again after a return cannot be recomputed (the server keeps only
 * the current content): export writes its content as null, and when its
 * signature holds over the recorded digest verify says REPLACED, reported but
 * not a failure. Exit 0 when nothing failed, else 5 (docs/design/record.md).
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
#include "client/util.h"
#include "common/approval.h"
#include "common/status.h"

#define RECORD_FORMAT "kiemtra-record"
#define RECORD_VERSION 1
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
	kt_json_kv_str(j, "format", RECORD_FORMAT);
	kt_json_kv_int(j, "version", RECORD_VERSION);
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

/* ---- verify ----------------------------------------------------------------------- */

enum vstatus {
	V_OK,
	V_REPLACED,
	V_CHANGED,
	V_BADSIG,
	V_UNKNOWN_KEY,
	V_NO_SIGNATURE,
	V_MALFORMED,
	V_NSTATUS,
};

static const char *const vstatus_name[V_NSTATUS] = {
    "OK",	   "REPLACED",	   "CONTENT CHANGED", "BAD SIGNATURE",
    "UNKNOWN KEY", "NO SIGNATURE", "MALFORMED",
};

/* The JSON names of the counts. */
static const char *const vstatus_key[V_NSTATUS] = {
    "ok",	   "replaced",	   "content_changed", "bad_signature",
    "unknown_key", "no_signature", "malformed",
};

struct vres {
	enum vstatus st;
	const char *kind;
	char path[96];	  /* where in the document, e.g. conclusions[2].approval */
	char what[256];	  /* for people: "approval of conclusion 3, revision 1 (unit CL-P4)" */
	char detail[512]; /* why it failed, or the signer and time */
	const char *signer;
	int64_t at;
};

struct verifier {
	const struct kt_jv *doc, *units, *keys;
	struct vres *res;
	size_t n, cap;
	bool nomem;
};

/* What a record is called for people. */
static const char *unit_label(const struct verifier *v, int64_t unit_id, char *buf, size_t cap)
{
	const char *code;
	int64_t id;

	if (!unit_id) {
		snprintf(buf, cap, "the whole inspection");
		return buf;
	}
	for (size_t i = 0; i < v->units->n; i++) {
		const struct kt_jv *u = v->units->items[i];

		if (kt_jv_get_int(u, "id", &id) && id == unit_id &&
		    (code = kt_jv_get_str(u, "code"))) {
			snprintf(buf, cap, "unit %s", code);
			return buf;
		}
	}
	snprintf(buf, cap, "unit #%lld", (long long)unit_id);
	return buf;
}

static struct vres *new_result(struct verifier *v, const char *kind, const char *path)
{
	struct vres *r;

	if (v->n == v->cap) {
		size_t ncap = v->cap ? 2 * v->cap : 32;
		struct vres *nr = realloc(v->res, ncap * sizeof(*nr));

		if (!nr) {
			v->nomem = true;
			return NULL;
		}
		v->res = nr;
		v->cap = ncap;
	}
	r = &v->res[v->n++];
	memset(r, 0, sizeof(*r));
	r->kind = kind;
	snprintf(r->path, sizeof(r->path), "%s", path);
	return r;
}

static void set(struct vres *r, enum vstatus st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set(struct vres *r, enum vstatus st, const char *fmt, ...)
{
	va_list ap;

	r->st = st;
	va_start(ap, fmt);
	vsnprintf(r->detail, sizeof(r->detail), fmt, ap);
	va_end(ap);
}

/* s is exactly 2n hexadecimal digits: their bytes into out. */
static bool unhex(const char *s, uint8_t *out, size_t n)
{
	size_t got = 0;
	const char *end = NULL;

	if (!s || strlen(s) != 2 * n)
		return false;
	if (sodium_hex2bin(out, n, s, 2 * n, NULL, &got, &end) != 0 || got != n || *end)
		return false;
	return true;
}

/* o has exactly the members keys[0..n): *bad names the first unknown or missing one. */
static bool exact_members(const struct kt_jv *o, const char *const *keys, size_t n,
			  const char **bad, bool *missing)
{
	for (size_t i = 0; i < n; i++) {
		if (!kt_jv_get(o, keys[i])) {
			*bad = keys[i];
			*missing = true;
			return false;
		}
	}
	for (size_t i = 0; o && i < o->n; i++) {
		size_t k;

		for (k = 0; k < n && strcmp(o->keys[i], keys[k]) != 0; k++)
			;
		if (k == n) {
			*bad = o->keys[i];
			*missing = false;
			return false;
		}
	}
	return true;
}

/* Reading one approval's content: the first problem stops it, into why. */
struct reader {
	const struct kt_jv *o;
	char why[200];
};

static int64_t rd_int(struct reader *rd, const char *key, int64_t lo, int64_t hi)
{
	int64_t x = 0;

	if (rd->why[0])
		return 0;
	if (!kt_jv_get_int(rd->o, key, &x))
		snprintf(rd->why, sizeof(rd->why), "content.%s is not an integer", key);
	else if (x < lo || x > hi)
		snprintf(rd->why, sizeof(rd->why), "content.%s (%" PRId64 ") is out of range", key,
			 x);
	return x;
}

static const char *rd_str(struct reader *rd, const struct kt_jv *o, const char *key)
{
	const char *s = kt_jv_get_str(o, key);

	if (rd->why[0])
		return "";
	if (!s) {
		snprintf(rd->why, sizeof(rd->why), "content.%s is not a string", key);
		return "";
	}
	return s;
}

static const struct kt_jv *rd_array(struct reader *rd, const char *key)
{
	const struct kt_jv *a = kt_jv_get(rd->o, key);

	if (rd->why[0])
		return NULL;
	if (!a || a->type != KT_JV_ARRAY) {
		snprintf(rd->why, sizeof(rd->why), "content.%s is not an array", key);
		return NULL;
	}
	return a;
}

/* A sorted copy of an array of integers; NULL with rd->why set, or on no memory. */
static int64_t *rd_ids(struct reader *rd, const struct kt_jv *a, const char *key)
{
	int64_t *ids;

	if (!a)
		return NULL;
	ids = malloc((a->n + 1) * sizeof(*ids));
	if (!ids) {
		snprintf(rd->why, sizeof(rd->why), "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < a->n; i++) {
		if (a->items[i]->type != KT_JV_INT) {
			snprintf(rd->why, sizeof(rd->why), "%s[%zu] is not an integer", key, i);
			free(ids);
			return NULL;
		}
		ids[i] = a->items[i]->i;
	}
	kt_sort_ids(ids, a->n);
	return ids;
}

#define NKEYS(a) (sizeof(a) / sizeof((a)[0]))

static const char *const finding_keys[] = {
    "plan_id", "finding_id", "unit_id", "area", "kind", "text", "cause", "evidence",
};
static const char *const conclusion_keys[] = {
    "plan_id", "conclusion_id", "unit_id", "revision", "text", "finding_ids",
};
static const char *const signoff_keys[] = {
    "plan_id", "review_id", "unit_id",	    "round",	      "step",	   "signer",
    "approve", "reason",    "meeting_date", "minutes_sha256", "officials",
};
static const char *const plan_keys[] = {
    "plan_id", "number", "issued_on", "issuer", "title", "period_start", "period_end", "unit_ids",
};
static const char *const official_keys[] = {"name", "position", "outcome", "note"};
static const char *const evidence_keys[] = {"id", "sha256"};

static void digest_finding(struct reader *rd, uint8_t out[KT_DIGEST_LEN])
{
	const struct kt_jv *ev = rd_array(rd, "evidence");
	struct kt_digest_evidence *list = NULL;
	uint8_t *sums = NULL;
	int64_t plan = rd_int(rd, "plan_id", 0, INT64_MAX);
	int64_t id = rd_int(rd, "finding_id", 0, INT64_MAX);
	int64_t unit = rd_int(rd, "unit_id", 0, INT64_MAX);
	int64_t area = rd_int(rd, "area", INT32_MIN, INT32_MAX);
	int64_t kind = rd_int(rd, "kind", INT32_MIN, INT32_MAX);
	const char *text = rd_str(rd, rd->o, "text"), *cause = rd_str(rd, rd->o, "cause");
	const char *bad;
	bool missing;

	if (rd->why[0])
		return;
	list = calloc(ev->n + 1, sizeof(*list));
	sums = calloc(ev->n + 1, KT_DIGEST_LEN);
	if (!list || !sums) {
		snprintf(rd->why, sizeof(rd->why), "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ev->n; i++) {
		const struct kt_jv *e = ev->items[i];

		if (e->type != KT_JV_OBJECT ||
		    !exact_members(e, evidence_keys, NKEYS(evidence_keys), &bad, &missing) ||
		    !kt_jv_get_int(e, "id", &list[i].id) ||
		    !unhex(kt_jv_get_str(e, "sha256"), sums + i * KT_DIGEST_LEN, KT_DIGEST_LEN)) {
			snprintf(rd->why, sizeof(rd->why),
				 "content.evidence[%zu] is not {\"id\": integer, \"sha256\": 64 "
				 "hexadecimal digits}",
				 i);
			goto out;
		}
		list[i].sha256 = sums + i * KT_DIGEST_LEN;
	}
	kt_sort_evidence(list, ev->n);
	kt_digest_finding_accept(plan, id, unit, (int)area, (int)kind, text, cause, ev->n, list,
				 out);
out:
	free(list);
	free(sums);
}

static void digest_conclusion(struct reader *rd, uint8_t out[KT_DIGEST_LEN])
{
	int64_t plan = rd_int(rd, "plan_id", 0, INT64_MAX);
	int64_t id = rd_int(rd, "conclusion_id", 0, INT64_MAX);
	int64_t unit = rd_int(rd, "unit_id", 0, INT64_MAX);
	int64_t revision = rd_int(rd, "revision", INT32_MIN, INT32_MAX);
	const char *text = rd_str(rd, rd->o, "text");
	const struct kt_jv *a = rd_array(rd, "finding_ids");
	int64_t *ids = rd->why[0] ? NULL : rd_ids(rd, a, "content.finding_ids");

	if (!ids)
		return;
	kt_digest_conclusion(plan, id, unit, (int32_t)revision, text, a->n, ids, out);
	free(ids);
}

static void digest_signoff(struct reader *rd, uint8_t out[KT_DIGEST_LEN])
{
	int64_t plan = rd_int(rd, "plan_id", 0, INT64_MAX);
	int64_t id = rd_int(rd, "review_id", 0, INT64_MAX);
	int64_t unit = rd_int(rd, "unit_id", 0, INT64_MAX);
	int64_t round = rd_int(rd, "round", INT32_MIN, INT32_MAX);
	int64_t step = rd_int(rd, "step", INT32_MIN, INT32_MAX);
	int64_t signer = rd_int(rd, "signer", INT32_MIN, INT32_MAX);
	int64_t approve = rd_int(rd, "approve", 0, 1);
	const char *reason = rd_str(rd, rd->o, "reason");
	const char *date = rd_str(rd, rd->o, "meeting_date");
	const struct kt_jv *of = rd_array(rd, "officials");
	struct kt_digest_official *list = NULL;
	uint8_t minutes[KT_DIGEST_LEN];
	const char *bad;
	bool missing;

	if (rd->why[0])
		return;
	if (!unhex(kt_jv_get_str(rd->o, "minutes_sha256"), minutes, sizeof(minutes))) {
		snprintf(rd->why, sizeof(rd->why),
			 "content.minutes_sha256 is not 64 hexadecimal digits");
		return;
	}
	if (!(list = calloc(of->n + 1, sizeof(*list)))) {
		snprintf(rd->why, sizeof(rd->why), "out of memory");
		return;
	}
	for (size_t i = 0; i < of->n; i++) {
		const struct kt_jv *o = of->items[i];
		int64_t outcome;

		if (o->type != KT_JV_OBJECT ||
		    !exact_members(o, official_keys, NKEYS(official_keys), &bad, &missing) ||
		    !kt_jv_get_str(o, "name") || !kt_jv_get_str(o, "position") ||
		    !kt_jv_get_str(o, "note") || !kt_jv_get_int(o, "outcome", &outcome) ||
		    outcome < INT32_MIN || outcome > INT32_MAX) {
			snprintf(rd->why, sizeof(rd->why),
				 "content.officials[%zu] is not {\"name\", \"position\", "
				 "\"outcome\", \"note\"}",
				 i);
			free(list);
			return;
		}
		list[i].name = kt_jv_get_str(o, "name");
		list[i].position = kt_jv_get_str(o, "position");
		list[i].outcome = (int)outcome;
		list[i].note = kt_jv_get_str(o, "note");
	}
	/* A missing minutes hash is 32 zero bytes in the digest, as here. */
	kt_digest_review_signoff(plan, id, unit, (int32_t)round, (int32_t)step, (int)signer,
				 (int)approve, reason, date, minutes, of->n, list, out);
	free(list);
}

static void digest_plan(struct reader *rd, uint8_t out[KT_DIGEST_LEN])
{
	int64_t id = rd_int(rd, "plan_id", 0, INT64_MAX);
	const char *number = rd_str(rd, rd->o, "number");
	const char *issued = rd_str(rd, rd->o, "issued_on");
	const char *issuer = rd_str(rd, rd->o, "issuer");
	const char *title = rd_str(rd, rd->o, "title");
	const char *from = rd_str(rd, rd->o, "period_start");
	const char *to = rd_str(rd, rd->o, "period_end");
	const struct kt_jv *a = rd_array(rd, "unit_ids");
	int64_t *ids = rd->why[0] ? NULL : rd_ids(rd, a, "content.unit_ids");

	if (!ids)
		return;
	kt_digest_plan_close(id, number, issued, issuer, title, from, to, a->n, ids, out);
	free(ids);
}

/* ---- comparing the content with the record it sits in ---- */

/* Equal int arrays as sets (sorted copies compared). */
static bool same_ids(const struct kt_jv *a, const struct kt_jv *b)
{
	struct reader rd = {0};
	int64_t *x, *y;
	bool same;

	if (!a || !b || a->type != KT_JV_ARRAY || b->type != KT_JV_ARRAY || a->n != b->n)
		return false;
	x = rd_ids(&rd, a, "");
	y = x ? rd_ids(&rd, b, "") : NULL;
	same = x && y && (a->n == 0 || memcmp(x, y, a->n * sizeof(*x)) == 0);
	free(x);
	free(y);
	return same;
}

/* Every content key ckeys[i] equals record member rkeys[i]; the first that differs. */
static const char *first_diff(const struct kt_jv *content, const struct kt_jv *record,
			      const char *const *ckeys, const char *const *rkeys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!kt_jv_equal(kt_jv_get(content, ckeys[i]), kt_jv_get(record, rkeys[i])))
			return rkeys[i];
	return NULL;
}

static const char *diff_finding(const struct kt_jv *c, const struct kt_jv *f)
{
	static const char *const ck[] = {"plan_id", "finding_id", "unit_id", "area",
					 "kind",    "text",	  "cause"};
	static const char *const rk[] = {"plan_id", "id",   "unit_id", "area",
					 "kind",    "text", "cause"};
	const struct kt_jv *ce = kt_jv_get(c, "evidence"), *re = kt_jv_get(f, "evidence");
	const char *d = first_diff(c, f, ck, rk, NKEYS(ck));

	if (d)
		return d;
	if (!re || re->type != KT_JV_ARRAY || re->n != ce->n)
		return "evidence";
	for (size_t i = 0; i < re->n; i++) {
		const struct kt_jv *r = re->items[i];
		bool found = false;

		for (size_t k = 0; k < ce->n && !found; k++)
			found =
			    kt_jv_equal(kt_jv_get(r, "id"), kt_jv_get(ce->items[k], "id")) &&
			    kt_jv_equal(kt_jv_get(r, "sha256"), kt_jv_get(ce->items[k], "sha256"));
		if (!found)
			return "evidence";
	}
	return NULL;
}

static const char *diff_conclusion(const struct kt_jv *c, const struct kt_jv *r)
{
	static const char *const ck[] = {"plan_id", "conclusion_id", "unit_id", "revision", "text"};
	static const char *const rk[] = {"plan_id", "id", "unit_id", "revision", "text"};
	const char *d = first_diff(c, r, ck, rk, NKEYS(ck));

	if (d)
		return d;
	return same_ids(kt_jv_get(c, "finding_ids"), kt_jv_get(r, "finding_ids")) ? NULL
										  : "finding_ids";
}

static const char *diff_signoff(const struct kt_jv *c, const struct kt_jv *rv,
				const struct kt_jv *st)
{
	static const char *const ck[] = {"plan_id", "review_id", "unit_id", "meeting_date",
					 "officials"};
	static const char *const rk[] = {"plan_id", "id", "unit_id", "meeting_date", "officials"};
	static const char *const cs[] = {"round", "step", "signer"};
	const struct kt_jv *minutes = kt_jv_get(rv, "minutes");
	const char *d = first_diff(c, rv, ck, rk, NKEYS(ck)), *want, *sha;
	int64_t approve = 0;
	bool approved;

	if (d)
		return d;
	if ((d = first_diff(c, st, cs, cs, NKEYS(cs))))
		return d;
	if (!kt_jv_get_bool(st, "approved", &approved) || !kt_jv_get_int(c, "approve", &approve) ||
	    approve != (approved ? 1 : 0))
		return "approved";
	want = approved ? "" : kt_jv_get_str(st, "reason");
	if (!want || strcmp(want, kt_jv_get_str(c, "reason")) != 0)
		return "reason";
	sha = kt_jv_get_str(c, "minutes_sha256");
	if (minutes && minutes->type == KT_JV_OBJECT) {
		const char *rs = kt_jv_get_str(minutes, "sha256");

		if (!rs || strcmp(rs, sha) != 0)
			return "minutes";
	} else if (!minutes || minutes->type != KT_JV_NULL || strspn(sha, "0") != strlen(sha)) {
		return "minutes";
	}
	return NULL;
}

static const char *diff_plan(const struct kt_jv *c, const struct kt_jv *p)
{
	static const char *const ck[] = {"plan_id", "number",	    "issued_on", "issuer",
					 "title",   "period_start", "period_end"};
	static const char *const rk[] = {"id",	  "number",	  "issued_on", "issuer",
					 "title", "period_start", "period_end"};
	const char *d = first_diff(c, p, ck, rk, NKEYS(ck));

	if (d)
		return d;
	return same_ids(kt_jv_get(c, "unit_ids"), kt_jv_get(p, "unit_ids")) ? NULL : "unit_ids";
}

/* ---- one approval ---- */

struct spot {
	const char *kind;
	const char *const *keys; /* of its content */
	size_t nkeys;
	void (*digest)(struct reader *rd, uint8_t out[KT_DIGEST_LEN]);
};

static const struct spot spot_finding = {"finding.accept", finding_keys, NKEYS(finding_keys),
					 digest_finding};
static const struct spot spot_conclusion = {"conclusion.approve", conclusion_keys,
					    NKEYS(conclusion_keys), digest_conclusion};
static const struct spot spot_signoff = {"review.signoff", signoff_keys, NKEYS(signoff_keys),
					 digest_signoff};
static const struct spot spot_plan = {"plan.close", plan_keys, NKEYS(plan_keys), digest_plan};

static const char *const approval_keys[] = {
    "kind", "content", "digest", "signature", "signing_key", "signer", "at",
};

/* Is key listed for user_id in signing_keys? 1 yes, 0 not listed, -1 listed for another. */
static int key_listed(const struct verifier *v, int64_t user_id, const uint8_t key[32],
		      int64_t *other)
{
	uint8_t k[32];
	int64_t uid;
	int found = 0;

	for (size_t i = 0; i < v->keys->n; i++) {
		const struct kt_jv *e = v->keys->items[i];

		if (!kt_jv_get_int(e, "user_id", &uid) ||
		    !unhex(kt_jv_get_str(e, "key"), k, sizeof(k)) || memcmp(k, key, 32) != 0)
			continue;
		if (uid == user_id)
			return 1;
		*other = uid;
		found = -1;
	}
	return found;
}

/*
 * Check approval a (NULL when absent) of record; diff() compares its content
 * with the record. earlier: a sign-off of an earlier round (see the header).
 */
static void check(struct verifier *v, struct vres *r, const struct spot *sp, const struct kt_jv *a,
		  bool earlier,
		  const char *(*diff)(const struct kt_jv *c, const struct kt_jv *rec,
				      const struct kt_jv *extra),
		  const struct kt_jv *rec, const struct kt_jv *extra)
{
	uint8_t digest[KT_DIGEST_LEN], sig[KT_SIG_LEN], key[KT_SIGN_PK_LEN], again[KT_DIGEST_LEN];
	const struct kt_jv *signer, *content;
	struct reader rd = {0};
	const char *bad, *kind, *field;
	int64_t uid = 0, other = 0;
	bool missing;

	if (!a || a->type == KT_JV_NULL) {
		set(r, V_NO_SIGNATURE, "it is %s by its state, but carries no signed approval",
		    sp == &spot_finding ? "accepted"
		    : sp == &spot_plan	? "closed"
					: "approved");
		return;
	}
	if (a->type != KT_JV_OBJECT) {
		set(r, V_MALFORMED, "the approval is not an object");
		return;
	}
	if (!exact_members(a, approval_keys, NKEYS(approval_keys), &bad, &missing)) {
		set(r, V_MALFORMED, "the approval %s the field \"%s\"",
		    missing ? "lacks" : "has an unknown", bad);
		return;
	}
	signer = kt_jv_get(a, "signer");
	r->signer = kt_jv_get_str(signer, "username");
	if (!kt_jv_get_int(signer, "user_id", &uid) || !r->signer ||
	    !kt_jv_get_str(signer, "full_name") || !kt_jv_get_int(a, "at", &r->at)) {
		set(r, V_MALFORMED, "signer or at is malformed");
		return;
	}
	kind = kt_jv_get_str(a, "kind");
	if (!kind || strcmp(kind, sp->kind) != 0) {
		set(r, V_MALFORMED, "its kind is \"%s\", not \"%s\"", kind ? kind : "?", sp->kind);
		return;
	}
	if (!unhex(kt_jv_get_str(a, "digest"), digest, sizeof(digest)) ||
	    !unhex(kt_jv_get_str(a, "signature"), sig, sizeof(sig)) ||
	    !unhex(kt_jv_get_str(a, "signing_key"), key, sizeof(key))) {
		set(r, V_MALFORMED,
		    "digest, signature and signing_key must be 64, 128 and 64 hexadecimal "
		    "digits");
		return;
	}
	content = kt_jv_get(a, "content");
	if (content->type == KT_JV_NULL && !earlier) {
		set(r, V_MALFORMED, "the content is missing (null)");
		return;
	}
	if (content->type != KT_JV_NULL &&
	    (content->type != KT_JV_OBJECT ||
	     !exact_members(content, sp->keys, sp->nkeys, &bad, &missing))) {
		set(r, V_MALFORMED, "the content %s the field \"%s\"",
		    missing ? "lacks" : "has an unknown", content->type == KT_JV_OBJECT ? bad : "");
		return;
	}
	switch (key_listed(v, uid, key, &other)) {
	case 0:
		set(r, V_UNKNOWN_KEY, "the signing key is not listed for %s in signing_keys",
		    r->signer);
		return;
	case -1:
		set(r, V_UNKNOWN_KEY, "the signing key is listed for user %lld, not for %s",
		    (long long)other, r->signer);
		return;
	default:
		break;
	}
	if (kt_verify_digest(key, digest, sig) != 0) {
		set(r, V_BADSIG,
		    "the signature does not hold over the recorded digest with %s's key",
		    r->signer);
		return;
	}
	if (content->type == KT_JV_NULL) {
		set(r, V_REPLACED,
		    "signed by %s in an earlier round, whose content was recorded over after the "
		    "return and is not on record (the signature holds)",
		    r->signer);
		return;
	}
	rd.o = content;
	sp->digest(&rd, again);
	if (rd.why[0]) {
		set(r, V_MALFORMED, "%s", rd.why);
		return;
	}
	if (sodium_memcmp(again, digest, sizeof(digest)) != 0) {
		set(r, V_CHANGED,
		    "the content no longer matches the digest %s signed: it changed "
		    "after signing",
		    r->signer);
		return;
	}
	if ((field = diff(content, rec, extra))) {
		set(r, V_CHANGED, "the record's %s differs from the content %s signed", field,
		    r->signer);
		return;
	}
	set(r, V_OK, "signed by %s", r->signer);
}

static const char *diff_finding3(const struct kt_jv *c, const struct kt_jv *r,
				 const struct kt_jv *x)
{
	(void)x;
	return diff_finding(c, r);
}

static const char *diff_conclusion3(const struct kt_jv *c, const struct kt_jv *r,
				    const struct kt_jv *x)
{
	(void)x;
	return diff_conclusion(c, r);
}

static const char *diff_plan3(const struct kt_jv *c, const struct kt_jv *r, const struct kt_jv *x)
{
	(void)x;
	return diff_plan(c, r);
}

/* ---- walking the document ---- */

static void walk_plan(struct verifier *v, const struct kt_jv *plan)
{
	const struct kt_jv *closure = kt_jv_get(plan, "closure");
	const char *number = kt_jv_get_str(plan, "number");
	int64_t status = 0;
	struct vres *r;

	kt_jv_get_int(plan, "status", &status);
	if ((!closure || closure->type == KT_JV_NULL) &&
	    status != KIEMTRA__V1__PLAN_STATUS__PLAN_STATUS_CLOSED)
		return;
	if (!(r = new_result(v, spot_plan.kind, "plan.closure")))
		return;
	snprintf(r->what, sizeof(r->what), "closure of plan %s", number ? number : "?");
	check(v, r, &spot_plan, closure, false, diff_plan3, plan, NULL);
}

static void walk_findings(struct verifier *v, const struct kt_jv *findings)
{
	char path[96], unit[96];

	for (size_t i = 0; i < findings->n; i++) {
		const struct kt_jv *f = findings->items[i], *a = kt_jv_get(f, "acceptance");
		int64_t id = 0, unit_id = 0, state = 0;
		struct vres *r;

		kt_jv_get_int(f, "state", &state);
		if ((!a || a->type == KT_JV_NULL) &&
		    state != KIEMTRA__V1__FINDING_STATE__FINDING_STATE_ACCEPTED)
			continue;
		snprintf(path, sizeof(path), "findings[%zu].acceptance", i);
		if (!(r = new_result(v, spot_finding.kind, path)))
			return;
		kt_jv_get_int(f, "id", &id);
		kt_jv_get_int(f, "unit_id", &unit_id);
		snprintf(r->what, sizeof(r->what), "acceptance of finding %lld (%s)", (long long)id,
			 unit_label(v, unit_id, unit, sizeof(unit)));
		check(v, r, &spot_finding, a, false, diff_finding3, f, NULL);
	}
}

static void walk_conclusions(struct verifier *v, const struct kt_jv *conclusions)
{
	char path[96], unit[96];

	for (size_t i = 0; i < conclusions->n; i++) {
		const struct kt_jv *c = conclusions->items[i], *a = kt_jv_get(c, "approval");
		int64_t id = 0, unit_id = 0, state = 0, revision = 0;
		struct vres *r;

		kt_jv_get_int(c, "state", &state);
		if ((!a || a->type == KT_JV_NULL) &&
		    state != KIEMTRA__V1__CONCLUSION_STATE__CONCLUSION_STATE_APPROVED &&
		    state != KIEMTRA__V1__CONCLUSION_STATE__CONCLUSION_STATE_SUPERSEDED)
			continue;
		snprintf(path, sizeof(path), "conclusions[%zu].approval", i);
		if (!(r = new_result(v, spot_conclusion.kind, path)))
			return;
		kt_jv_get_int(c, "id", &id);
		kt_jv_get_int(c, "unit_id", &unit_id);
		kt_jv_get_int(c, "revision", &revision);
		snprintf(r->what, sizeof(r->what),
			 "approval of conclusion %lld, revision %lld (%s)", (long long)id,
			 (long long)revision, unit_label(v, unit_id, unit, sizeof(unit)));
		check(v, r, &spot_conclusion, a, false, diff_conclusion3, c, NULL);
	}
}

static void walk_reviews(struct verifier *v, const struct kt_jv *reviews)
{
	char path[96], unit[96];

	for (size_t i = 0; i < reviews->n; i++) {
		const struct kt_jv *rv = reviews->items[i], *so = kt_jv_get(rv, "signoffs");
		int64_t id = 0, unit_id = 0, round = 0;

		kt_jv_get_int(rv, "id", &id);
		kt_jv_get_int(rv, "unit_id", &unit_id);
		kt_jv_get_int(rv, "round", &round);
		unit_label(v, unit_id, unit, sizeof(unit));
		for (size_t s = 0; so && so->type == KT_JV_ARRAY && s < so->n; s++) {
			const struct kt_jv *st = so->items[s];
			int64_t sround = 0, step = 0;
			bool approved = true;
			struct vres *r;

			snprintf(path, sizeof(path), "reviews[%zu].signoffs[%zu].approval", i, s);
			if (!(r = new_result(v, spot_signoff.kind, path)))
				return;
			kt_jv_get_int(st, "round", &sround);
			kt_jv_get_int(st, "step", &step);
			kt_jv_get_bool(st, "approved", &approved);
			snprintf(r->what, sizeof(r->what),
				 "%s of review %lld (%s), round %lld, step %lld",
				 approved ? "sign-off" : "return", (long long)id, unit,
				 (long long)sround, (long long)step);
			check(v, r, &spot_signoff, kt_jv_get(st, "approval"), sround < round,
			      diff_signoff, rv, st);
		}
	}
}

/* The document's frame: format, version and the members verify reads. NULL or why not. */
static const char *frame(const struct kt_jv *doc, char *why, size_t cap)
{
	static const char *const arrays[] = {"units", "findings", "conclusions", "reviews",
					     "signing_keys"};
	const char *format = kt_jv_get_str(doc, "format");
	int64_t version = 0;
	uint8_t k[32];

	if (doc->type != KT_JV_OBJECT || !format || strcmp(format, RECORD_FORMAT) != 0) {
		snprintf(why, cap, "it is not a kiemtra record (\"format\" is not \"%s\")",
			 RECORD_FORMAT);
		return why;
	}
	if (!kt_jv_get_int(doc, "version", &version) || version != RECORD_VERSION) {
		snprintf(why, cap,
			 "it is version %lld of the record format; this client reads "
			 "version %d",
			 (long long)version, RECORD_VERSION);
		return why;
	}
	if (!kt_jv_get(doc, "plan") || kt_jv_get(doc, "plan")->type != KT_JV_OBJECT) {
		snprintf(why, cap, "\"plan\" is not an object");
		return why;
	}
	for (size_t i = 0; i < NKEYS(arrays); i++) {
		const struct kt_jv *a = kt_jv_get(doc, arrays[i]);

		if (!a || a->type != KT_JV_ARRAY) {
			snprintf(why, cap, "\"%s\" is not an array", arrays[i]);
			return why;
		}
		for (size_t n = 0; n < a->n; n++) {
			if (a->items[n]->type != KT_JV_OBJECT) {
				snprintf(why, cap, "%s[%zu] is not an object", arrays[i], n);
				return why;
			}
		}
	}
	for (size_t n = 0; n < kt_jv_get(doc, "signing_keys")->n; n++) {
		const struct kt_jv *e = kt_jv_get(doc, "signing_keys")->items[n];
		int64_t uid;

		if (!kt_jv_get_int(e, "user_id", &uid) ||
		    !unhex(kt_jv_get_str(e, "key"), k, sizeof(k))) {
			snprintf(why, cap,
				 "signing_keys[%zu] needs \"user_id\" and a 64-digit hexadecimal "
				 "\"key\"",
				 n);
			return why;
		}
	}
	return NULL;
}

static void print_results(const struct verifier *v, size_t *counts)
{
	char when[64];

	for (size_t i = 0; i < v->n; i++) {
		const struct vres *r = &v->res[i];

		printf("%-15s  ", vstatus_name[r->st]);
		kt_print_safe(stdout, r->what, false);
		if (r->st == V_OK) {
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
	       counts[V_OK]);
	for (int s = V_REPLACED; s < V_NSTATUS; s++) {
		if (!counts[s])
			continue;
		printf(", %zu ", counts[s]);
		for (const char *p = vstatus_name[s]; *p; p++)
			putchar(*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
	}
	printf("\n");
}

static void json_results(struct kt_json *j, const struct verifier *v, const char *file,
			 const size_t *counts, bool failed)
{
	const struct kt_jv *plan = kt_jv_get(v->doc, "plan");
	int64_t id = 0;

	kt_jv_get_int(plan, "id", &id);
	kt_json_kv_str(j, "file", file);
	kt_json_kv_bool(j, "verified", !failed);
	kt_json_key(j, "plan");
	kt_json_begin_object(j);
	kt_json_kv_int(j, "id", id);
	kt_json_kv_str(j, "number", kt_jv_get_str(plan, "number"));
	kt_json_end_object(j);
	kt_json_key(j, "counts");
	kt_json_begin_object(j);
	kt_json_kv_uint(j, "total", v->n);
	for (int s = 0; s < V_NSTATUS; s++)
		kt_json_kv_uint(j, vstatus_key[s], counts[s]);
	kt_json_end_object(j);
	kt_json_key(j, "approvals");
	kt_json_begin_array(j);
	for (size_t i = 0; i < v->n; i++) {
		const struct vres *r = &v->res[i];

		kt_json_begin_object(j);
		kt_json_kv_str(j, "status", vstatus_name[r->st]);
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
	struct verifier v;
	struct kt_jv *doc = NULL;
	size_t len = 0, counts[V_NSTATUS] = {0}, failed = 0;
	const char *file;
	char *text = NULL, err[256], msg[512];
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
	rc = kt_jv_parse(text, len, &doc, err, sizeof(err));
	if (rc == KT_ENOMEM) {
		rc = nomem(cli);
		goto out;
	}
	if (rc != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_VERIFY, "VERIFY_FAILED",
				 "%s is not valid JSON: %s; verification failed", file, err);
		goto out;
	}
	if (frame(doc, err, sizeof(err))) {
		rc = kt_cli_fail(cli, KT_EXIT_VERIFY, "VERIFY_FAILED", "%s cannot be verified: %s",
				 file, err);
		goto out;
	}
	v.doc = doc;
	v.units = kt_jv_get(doc, "units");
	v.keys = kt_jv_get(doc, "signing_keys");
	walk_plan(&v, kt_jv_get(doc, "plan"));
	walk_findings(&v, kt_jv_get(doc, "findings"));
	walk_conclusions(&v, kt_jv_get(doc, "conclusions"));
	walk_reviews(&v, kt_jv_get(doc, "reviews"));
	if (v.nomem) {
		rc = nomem(cli);
		goto out;
	}
	for (size_t i = 0; i < v.n; i++) {
		counts[v.res[i].st]++;
		if (v.res[i].st != V_OK && v.res[i].st != V_REPLACED)
			failed++;
	}
	snprintf(msg, sizeof(msg), "verification failed: %zu of %zu approvals in %s do not verify",
		 failed, v.n, file);
	if (cli->json) {
		if (failed) {
			fprintf(stderr, "kiemtra: %s\n", msg);
			kt_json_init(&jf, stdout);
			kt_json_begin_object(&jf);
			kt_json_kv_bool(&jf, "ok", false);
			kt_json_kv_str(&jf, "status", "VERIFY_FAILED");
			kt_json_kv_str(&jf, "message", msg);
			kt_json_kv_int(&jf, "exit", KT_EXIT_VERIFY);
			json_results(&jf, &v, file, counts, true);
			kt_json_end_object(&jf);
			kt_json_end_document(&jf);
			cli->reported = true;
		} else {
			j = kt_cli_json_begin(cli);
			json_results(j, &v, file, counts, false);
			kt_cli_json_end(cli);
		}
	} else {
		print_results(&v, counts);
		if (failed)
			fprintf(stderr, "kiemtra: %s\n", msg);
		else
			printf("the record verifies: every approval matches its content and is "
			       "signed with a key listed for its signer\n");
	}
	rc = failed ? KT_EXIT_VERIFY : KT_EXIT_OK;
out:
	kt_jv_free(doc);
	free(v.res);
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
