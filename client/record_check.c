/*
 * record_check.c - every approval in an exported record checked offline
 * (record_check.h says what each result means).
 *
 * The walk goes plan, findings, conclusions, reviews; each approval is read
 * field by field as common/approval.h digests it (struct reader stops at the
 * first problem), its digest recomputed, its key looked up in signing_keys,
 * its signature checked, and its content compared with the record it sits in.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/record_check.h"
#include "client/util.h"
#include "common/approval.h"
#include "common/status.h"
#include "proto/kiemtra.pb-c.h"

const char *const kt_vstatus_name[KT_V_NSTATUS] = {
    "OK",	   "REPLACED",	   "CONTENT CHANGED", "BAD SIGNATURE",
    "UNKNOWN KEY", "NO SIGNATURE", "MALFORMED",
};

/* The JSON names of the counts. */
const char *const kt_vstatus_key[KT_V_NSTATUS] = {
    "ok",	   "replaced",	   "content_changed", "bad_signature",
    "unknown_key", "no_signature", "malformed",
};

struct verifier {
	const struct kt_jv *doc, *units, *keys;
	struct kt_vres *res;
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

static struct kt_vres *new_result(struct verifier *v, const char *kind, const char *path)
{
	struct kt_vres *r;

	if (v->n == v->cap) {
		size_t ncap = v->cap ? 2 * v->cap : 32;
		struct kt_vres *nr = realloc(v->res, ncap * sizeof(*nr));

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

static void set(struct kt_vres *r, enum kt_vstatus st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set(struct kt_vres *r, enum kt_vstatus st, const char *fmt, ...)
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
static void check(struct verifier *v, struct kt_vres *r, const struct spot *sp,
		  const struct kt_jv *a, bool earlier,
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
		set(r, KT_V_NO_SIGNATURE, "it is %s by its state, but carries no signed approval",
		    sp == &spot_finding ? "accepted"
		    : sp == &spot_plan	? "closed"
					: "approved");
		return;
	}
	if (a->type != KT_JV_OBJECT) {
		set(r, KT_V_MALFORMED, "the approval is not an object");
		return;
	}
	if (!exact_members(a, approval_keys, NKEYS(approval_keys), &bad, &missing)) {
		set(r, KT_V_MALFORMED, "the approval %s the field \"%s\"",
		    missing ? "lacks" : "has an unknown", bad);
		return;
	}
	signer = kt_jv_get(a, "signer");
	r->signer = kt_jv_get_str(signer, "username");
	if (!kt_jv_get_int(signer, "user_id", &uid) || !r->signer ||
	    !kt_jv_get_str(signer, "full_name") || !kt_jv_get_int(a, "at", &r->at)) {
		set(r, KT_V_MALFORMED, "signer or at is malformed");
		return;
	}
	kind = kt_jv_get_str(a, "kind");
	if (!kind || strcmp(kind, sp->kind) != 0) {
		set(r, KT_V_MALFORMED, "its kind is \"%s\", not \"%s\"", kind ? kind : "?",
		    sp->kind);
		return;
	}
	if (!unhex(kt_jv_get_str(a, "digest"), digest, sizeof(digest)) ||
	    !unhex(kt_jv_get_str(a, "signature"), sig, sizeof(sig)) ||
	    !unhex(kt_jv_get_str(a, "signing_key"), key, sizeof(key))) {
		set(r, KT_V_MALFORMED,
		    "digest, signature and signing_key must be 64, 128 and 64 hexadecimal "
		    "digits");
		return;
	}
	content = kt_jv_get(a, "content");
	if (content->type == KT_JV_NULL && !earlier) {
		set(r, KT_V_MALFORMED, "the content is missing (null)");
		return;
	}
	if (content->type != KT_JV_NULL &&
	    (content->type != KT_JV_OBJECT ||
	     !exact_members(content, sp->keys, sp->nkeys, &bad, &missing))) {
		set(r, KT_V_MALFORMED, "the content %s the field \"%s\"",
		    missing ? "lacks" : "has an unknown", content->type == KT_JV_OBJECT ? bad : "");
		return;
	}
	switch (key_listed(v, uid, key, &other)) {
	case 0:
		set(r, KT_V_UNKNOWN_KEY, "the signing key is not listed for %s in signing_keys",
		    r->signer);
		return;
	case -1:
		set(r, KT_V_UNKNOWN_KEY, "the signing key is listed for user %lld, not for %s",
		    (long long)other, r->signer);
		return;
	default:
		break;
	}
	if (kt_verify_digest(key, digest, sig) != 0) {
		set(r, KT_V_BADSIG,
		    "the signature does not hold over the recorded digest with %s's key",
		    r->signer);
		return;
	}
	if (content->type == KT_JV_NULL) {
		set(r, KT_V_REPLACED,
		    "signed by %s in an earlier round, whose content was recorded over after the "
		    "return and is not on record (the signature holds)",
		    r->signer);
		return;
	}
	rd.o = content;
	sp->digest(&rd, again);
	if (rd.why[0]) {
		set(r, KT_V_MALFORMED, "%s", rd.why);
		return;
	}
	if (sodium_memcmp(again, digest, sizeof(digest)) != 0) {
		set(r, KT_V_CHANGED,
		    "the content no longer matches the digest %s signed: it changed "
		    "after signing",
		    r->signer);
		return;
	}
	if ((field = diff(content, rec, extra))) {
		set(r, KT_V_CHANGED, "the record's %s differs from the content %s signed", field,
		    r->signer);
		return;
	}
	set(r, KT_V_OK, "signed by %s", r->signer);
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
	struct kt_vres *r;

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
		struct kt_vres *r;

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
		struct kt_vres *r;

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
			struct kt_vres *r;

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

	if (doc->type != KT_JV_OBJECT || !format || strcmp(format, KT_RECORD_FORMAT) != 0) {
		snprintf(why, cap, "it is not a kiemtra record (\"format\" is not \"%s\")",
			 KT_RECORD_FORMAT);
		return why;
	}
	if (!kt_jv_get_int(doc, "version", &version) || version != KT_RECORD_VERSION) {
		snprintf(why, cap,
			 "it is version %lld of the record format; this client reads "
			 "version %d",
			 (long long)version, KT_RECORD_VERSION);
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

int kt_record_check(const char *text, size_t len, struct kt_record_check *out, char *why,
		    size_t cap)
{
	struct verifier v;
	struct kt_jv *doc = NULL;
	char err[256];
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&v, 0, sizeof(v));
	rc = kt_jv_parse(text, len, &doc, err, sizeof(err));
	if (rc == KT_ENOMEM)
		return rc;
	if (rc != KT_OK) {
		snprintf(why, cap, "is not valid JSON: %s; verification failed", err);
		return KT_EINVAL;
	}
	if (frame(doc, err, sizeof(err))) {
		snprintf(why, cap, "cannot be verified: %s", err);
		kt_jv_free(doc);
		return KT_EINVAL;
	}
	v.doc = doc;
	v.units = kt_jv_get(doc, "units");
	v.keys = kt_jv_get(doc, "signing_keys");
	walk_plan(&v, kt_jv_get(doc, "plan"));
	walk_findings(&v, kt_jv_get(doc, "findings"));
	walk_conclusions(&v, kt_jv_get(doc, "conclusions"));
	walk_reviews(&v, kt_jv_get(doc, "reviews"));
	if (v.nomem) {
		free(v.res);
		kt_jv_free(doc);
		return KT_ENOMEM;
	}
	out->doc = doc;
	out->res = v.res;
	out->n = v.n;
	for (size_t i = 0; i < v.n; i++) {
		out->counts[v.res[i].st]++;
		if (v.res[i].st != KT_V_OK && v.res[i].st != KT_V_REPLACED)
			out->failed++;
	}
	return KT_OK;
}

void kt_record_check_free(struct kt_record_check *c)
{
	kt_jv_free(c->doc);
	free(c->res);
	memset(c, 0, sizeof(*c));
}
