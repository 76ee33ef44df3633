/*
 * svc_recommendations.c - the recommendation service (see svc_recommendations.h):
 * input checks, rights, the state machine, the change through the store and
 * its audit row.
 */
#include "server/svc_common.h"
#include "server/svc_evidence.h"
#include "server/svc_recommendations.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/date.h"
#include "common/status.h"
#include "common/text.h"
#include "server/rights.h"
#include "server/store/store.h"
#include "server/store/store_recommendations.h"

/* proto ResponseKind */
enum {
	RESPONSE_REMEDIATION = 1,
	RESPONSE_EXPLANATION = 2,
};

static const char *state_name(int state)
{
	switch (state) {
	case STORE_REC_OPEN:
		return "open";
	case STORE_REC_ANSWERED:
		return "answered";
	case STORE_REC_DONE:
		return "done";
	case STORE_REC_RETURNED:
		return "returned";
	default:
		return "in an unknown state";
	}
}

static const char *kind_name(int kind)
{
	return kind == RESPONSE_REMEDIATION ? "remediation" : "explanation";
}

bool svc_rec_overdue(const struct store_recommendation *r, const char *today)
{
	return r->state != STORE_REC_DONE && kt_date_cmp(r->deadline, today) < 0;
}

static int check_text(const char *field, const char *s, size_t max, unsigned flags, char *msg,
		      size_t cap)
{
	int rc = kt_text_check(s ? s : "", s ? strlen(s) : 0, max, flags);

	switch (rc) {
	case 0:
		return 0;
	case KT_EUTF8:
		return svc_fail(msg, cap, rc, "%s is not valid UTF-8", field);
	case KT_ETOOBIG:
		return svc_fail(msg, cap, rc, "%s is longer than %zu bytes", field, max);
	default:
		if (flags & KT_TEXT_NONEMPTY)
			return svc_fail(msg, cap, rc, "%s is empty or has a control character", field);
		return svc_fail(msg, cap, rc, "%s has a control character", field);
	}
}

static void unit_code(struct store_tx *tx, int64_t unit_id, char *out, size_t cap)
{
	struct store_unit u;

	if (store_unit_get(tx, unit_id, &u) == 0)
		snprintf(out, cap, "%s", u.code);
	else
		snprintf(out, cap, "%" PRId64, unit_id);
}

static int audit(struct store_tx *tx, const struct svc_actor *who, const char *action, int64_t id,
		 const char *detail, char *msg, size_t cap)
{
	struct store_audit a = {
	    .user_id = who->user_id,
	    .actor = who->name,
	    .session_id = who->session_id,
	    .action = action,
	    .object_type = "recommendation",
	    .object_id = id,
	    .detail = detail,
	    .at = who->now,
	};
	int rc = store_audit_append(tx, &a);

	if (rc < 0)
		return svc_fail_store(msg, cap, rc, "writing the audit log");
	return 0;
}

static int load_plan(struct store_tx *tx, const struct rights_user *ru, int64_t plan_id,
		     struct plan_access *a, char *msg, size_t cap)
{
	if (plan_id <= 0)
		return svc_fail(msg, cap, KT_EINVAL, "a plan id is needed");
	return rights_load(tx, ru, plan_id, a, msg, cap);
}

/* Leader or deputy of the plan, in an open plan. */
static int need_lead(const struct plan_access *a, const char *method, const char *username,
		     char *msg, size_t cap)
{
	int rc = rights_require_lead(a, method, username, msg, cap);

	if (rc < 0)
		return rc;
	return rights_plan_open(a, msg, cap);
}

/* Read recommendation id and the caller's standing in its plan. */
static int load_rec(struct store_tx *tx, const struct rights_user *ru, int64_t id,
		    struct store_recommendation *r, struct plan_access *a, char *msg, size_t cap)
{
	int rc;

	if (id <= 0)
		return svc_fail(msg, cap, KT_EINVAL, "a recommendation id is needed");
	rc = store_rec_get(tx, id, r);
	if (rc == KT_ENOTFOUND)
		return svc_fail(msg, cap, rc, "no recommendation with id %" PRId64, id);
	if (rc < 0)
		return svc_fail_store(msg, cap, rc, "reading the recommendation");
	return load_plan(tx, ru, r->plan_id, a, msg, cap);
}

int svc_rec_create(struct store_tx *tx, const struct svc_actor *who, const struct rights_user *ru,
		   const struct svc_rec_create *in, struct store_recommendation *out, bool *created,
		   char *msg, size_t cap)
{
	char code[STORE_CODE_MAX + 24], detail[STORE_NAME_MAX + 128];
	struct store_plan *plan = NULL;
	struct plan_access a;
	size_t n;
	int rc;

	*created = false;
	svc_fail(msg, cap, 0, "%s", "");
	rc = check_text("client_id", in->client_id, STORE_REC_CLIENT_ID_MAX, KT_TEXT_NONEMPTY, msg,
			cap);
	if (rc < 0)
		goto out;
	n = strlen(in->client_id);
	if (n < STORE_REC_CLIENT_ID_MIN) {
		rc = svc_fail(msg, cap, KT_EINVAL, "client_id must be %d to %d bytes",
			  STORE_REC_CLIENT_ID_MIN, STORE_REC_CLIENT_ID_MAX);
		goto out;
	}
	if ((rc = check_text("the recommendation text", in->text, STORE_REC_TEXT_MAX,
			     KT_TEXT_NONEMPTY | KT_TEXT_MULTILINE, msg, cap)) < 0)
		goto out;
	if (!kt_date_valid(in->deadline)) {
		rc = svc_fail(msg, cap, KT_EINVAL,
			  "the deadline must be a real calendar date written YYYY-MM-DD");
		goto out;
	}
	if (in->unit_id <= 0) {
		rc = svc_fail(msg, cap, KT_EINVAL, "a recommendation is addressed to one unit");
		goto out;
	}
	if ((rc = load_plan(tx, ru, in->plan_id, &a, msg, cap)) < 0)
		goto out;
	/* A retry of a create that succeeded returns that record, whatever came since. */
	rc = store_rec_get_by_client(tx, who->user_id, in->client_id, out);
	if (rc == 0)
		goto out;
	if (rc != KT_ENOTFOUND) {
		rc = svc_fail_store(msg, cap, rc, "looking up client_id");
		goto out;
	}
	if ((rc = need_lead(&a, "recommendation.create", who->name, msg, cap)) < 0)
		goto out;
	unit_code(tx, in->unit_id, code, sizeof(code));
	rc = store_plan_has_unit(tx, in->plan_id, in->unit_id);
	if (rc < 0) {
		rc = svc_fail_store(msg, cap, rc, "reading the plan's units");
		goto out;
	}
	if (rc == 0) {
		rc = svc_fail(msg, cap, KT_EINVAL, "unit %s is not one of the units of plan %s", code,
			  a.number);
		goto out;
	}
	plan = malloc(sizeof(*plan));
	if (!plan) {
		rc = svc_fail(msg, cap, KT_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = store_plan_get(tx, in->plan_id, plan)) < 0) {
		rc = svc_fail_store(msg, cap, rc, "reading the plan");
		goto out;
	}
	if (kt_date_cmp(in->deadline, plan->period_start) < 0) {
		rc =
		    svc_fail(msg, cap, KT_EINVAL, "the deadline %s is before the start of plan %s (%s)",
			 in->deadline, a.number, plan->period_start);
		goto out;
	}
	memset(out, 0, sizeof(*out));
	out->plan_id = in->plan_id;
	out->unit_id = in->unit_id;
	memcpy(out->text, in->text, strlen(in->text));
	memcpy(out->deadline, in->deadline, KT_DATE_LEN);
	memcpy(out->client_id, in->client_id, n);
	out->created_by = who->user_id;
	out->created_at = who->now;
	rc = store_rec_create(tx, out);
	if (rc < 0) {
		rc = svc_fail_store(msg, cap, rc, "writing the recommendation");
		goto out;
	}
	snprintf(detail, sizeof(detail), "plan %s, unit %s, deadline %s", a.number, code,
		 in->deadline);
	if ((rc = audit(tx, who, "recommendation.create", out->id, detail, msg, cap)) < 0)
		goto out;
	*created = true;
	rc = store_rec_get(tx, out->id, out);
	if (rc < 0)
		rc = svc_fail_store(msg, cap, rc, "reading the recommendation back");
out:
	free(plan);
	return rc;
}

static int check_evidence(struct store_tx *tx, int64_t plan_id, const char *plan_number, size_t n,
			  const int64_t *ids, char *msg, size_t cap)
{
	int64_t eplan;
	bool complete;
	int rc;

	if (n > STORE_REC_EVIDENCE_MAX)
		return svc_fail(msg, cap, KT_ETOOBIG, "a response cites at most %d evidence items",
			    STORE_REC_EVIDENCE_MAX);
	for (size_t i = 0; i < n; i++) {
		if (ids[i] <= 0)
			return svc_fail(msg, cap, KT_EINVAL, "evidence id %" PRId64 " is not an id",
				    ids[i]);
		for (size_t k = 0; k < i; k++)
			if (ids[k] == ids[i])
				return svc_fail(msg, cap, KT_EINVAL,
					    "evidence %" PRId64 " is cited twice", ids[i]);
		rc = store_rec_evidence_info(tx, ids[i], &eplan, &complete);
		if (rc == KT_ENOTFOUND)
			return svc_fail(msg, cap, KT_EINVAL, "there is no evidence %" PRId64, ids[i]);
		if (rc < 0)
			return svc_fail_store(msg, cap, rc, "reading the evidence");
		if (eplan != plan_id)
			return svc_fail(msg, cap, KT_EINVAL,
				    "evidence %" PRId64 " belongs to another plan, not %s", ids[i],
				    plan_number);
		if (!complete)
			return svc_fail(msg, cap, KT_ESTATE,
				    "evidence %" PRId64 " is not completely uploaded yet", ids[i]);
	}
	return 0;
}

int svc_rec_respond(struct store_tx *tx, const struct svc_actor *who, const struct rights_user *ru,
		    const struct svc_rec_respond *in, struct store_recommendation *out,
		    int64_t *current_version, char *msg, size_t cap)
{
	char code[STORE_CODE_MAX + 24], standing[96], detail[STORE_NAME_MAX + 128];
	struct plan_access a;
	int rc;

	*current_version = 0;
	svc_fail(msg, cap, 0, "%s", "");
	if (in->kind != RESPONSE_REMEDIATION && in->kind != RESPONSE_EXPLANATION) {
		rc =
		    svc_fail(msg, cap, KT_EINVAL,
			 "a response is a remediation (1) or an explanation (2), not %d", in->kind);
		goto out;
	}
	if ((rc = check_text("the response text", in->text, STORE_REC_TEXT_MAX,
			     KT_TEXT_NONEMPTY | KT_TEXT_MULTILINE, msg, cap)) < 0)
		goto out;
	if ((rc = load_rec(tx, ru, in->id, out, &a, msg, cap)) < 0)
		goto out;
	unit_code(tx, out->unit_id, code, sizeof(code));
	if (!rights_is_unit_rep(&a, out->unit_id)) {
		rights_describe(&a, standing, sizeof(standing));
		rc = svc_fail(msg, cap, KT_EPERM,
			  "recommendation.respond needs the representative of unit %s in plan %s; "
			  "'%s' is %s",
			  code, a.number, who->name, standing);
		goto out;
	}
	if ((rc = rights_plan_open(&a, msg, cap)) < 0)
		goto out;
	if (out->state != STORE_REC_OPEN && out->state != STORE_REC_RETURNED) {
		rc = svc_fail(msg, cap, KT_ESTATE,
			  "recommendation %" PRId64 " is %s; the unit answers only an open or "
			  "returned recommendation",
			  out->id, state_name(out->state));
		goto out;
	}
	if (in->version != out->version) {
		*current_version = out->version;
		rc = svc_fail(msg, cap, KT_ECONFLICT,
			  "recommendation %" PRId64 " changed: it is at version %" PRId64
			  ", not %" PRId64 "; read it again",
			  out->id, out->version, in->version);
		goto out;
	}
	rc = check_evidence(tx, out->plan_id, a.number, in->n_evidence, in->evidence_ids, msg, cap);
	if (rc < 0)
		goto out;
	for (size_t i = 0; i < in->n_evidence; i++) {
		rc = svc_evidence_rep_may_cite(tx, who->user_id, out->unit_id, in->evidence_ids[i],
					       msg, cap);
		if (rc < 0)
			goto out;
	}
	rc = store_rec_respond(tx, out->id, in->version, in->kind, in->text, in->n_evidence,
			       in->evidence_ids, who->user_id, who->now);
	if (rc == KT_ECONFLICT) {
		*current_version = out->version;
		rc = svc_fail(msg, cap, rc, "recommendation %" PRId64 " changed meanwhile", out->id);
		goto out;
	}
	if (rc < 0) {
		rc = svc_fail_store(msg, cap, rc, "writing the response");
		goto out;
	}
	snprintf(detail, sizeof(detail), "plan %s, unit %s, round %d: %s with %zu evidence",
		 a.number, code, out->rounds + 1, kind_name(in->kind), in->n_evidence);
	if ((rc = audit(tx, who, "recommendation.respond", out->id, detail, msg, cap)) < 0)
		goto out;
	rc = store_rec_get(tx, out->id, out);
	if (rc < 0)
		rc = svc_fail_store(msg, cap, rc, "reading the recommendation back");
out:
	return rc;
}

int svc_rec_decide(struct store_tx *tx, const struct svc_actor *who, const struct rights_user *ru,
		   int64_t id, int64_t version, bool accept, const char *reason,
		   struct store_recommendation *out, int64_t *current_version, char *msg,
		   size_t cap)
{
	char code[STORE_CODE_MAX + 24], detail[STORE_NAME_MAX + 128];
	struct plan_access a;
	int rc;

	*current_version = 0;
	svc_fail(msg, cap, 0, "%s", "");
	if (!reason)
		reason = "";
	rc =
	    check_text("the reason", reason, STORE_REC_REASON_MAX,
		       accept ? KT_TEXT_MULTILINE : KT_TEXT_NONEMPTY | KT_TEXT_MULTILINE, msg, cap);
	if (rc < 0) {
		if (!accept && rc == KT_EINVAL)
			rc = svc_fail(msg, cap, rc, "returning a response needs a reason for the unit");
		goto out;
	}
	if ((rc = load_rec(tx, ru, id, out, &a, msg, cap)) < 0)
		goto out;
	if ((rc = need_lead(&a, "recommendation.decide", who->name, msg, cap)) < 0)
		goto out;
	if (out->state != STORE_REC_ANSWERED) {
		rc = svc_fail(msg, cap, KT_ESTATE,
			  "recommendation %" PRId64 " is %s; only an answered recommendation is "
			  "accepted or returned",
			  out->id, state_name(out->state));
		goto out;
	}
	if (version != out->version) {
		*current_version = out->version;
		rc = svc_fail(msg, cap, KT_ECONFLICT,
			  "recommendation %" PRId64 " changed: it is at version %" PRId64
			  ", not %" PRId64 "; read it again",
			  out->id, out->version, version);
		goto out;
	}
	rc = store_rec_decide(tx, out->id, version, accept, reason, who->user_id, who->now);
	if (rc == KT_ECONFLICT) {
		*current_version = out->version;
		rc = svc_fail(msg, cap, rc, "recommendation %" PRId64 " changed meanwhile", out->id);
		goto out;
	}
	if (rc < 0) {
		rc = svc_fail_store(msg, cap, rc, "writing the decision");
		goto out;
	}
	unit_code(tx, out->unit_id, code, sizeof(code));
	snprintf(detail, sizeof(detail), "plan %s, unit %s, round %d %s", a.number, code,
		 out->rounds, accept ? "accepted: done" : "returned to the unit");
	rc = audit(tx, who, accept ? "recommendation.accept" : "recommendation.return", out->id,
		   detail, msg, cap);
	if (rc < 0)
		goto out;
	rc = store_rec_get(tx, out->id, out);
	if (rc < 0)
		rc = svc_fail_store(msg, cap, rc, "reading the recommendation back");
out:
	return rc;
}

struct list_walk {
	int (*fn)(const struct store_recommendation *r, bool overdue, void *arg);
	void *arg;
	bool overdue_only;
	char today[KT_DATE_SIZE];
};

static int pass_one(const struct store_recommendation *r, void *arg)
{
	struct list_walk *w = arg;
	bool overdue = svc_rec_overdue(r, w->today);

	if (w->overdue_only && !overdue)
		return 0;
	return w->fn(r, overdue, w->arg);
}

/* May the caller see the recommendations of unit_id (0: of every unit)? unit_id is narrowed. */
static int list_scope(struct store_tx *tx, const struct svc_actor *who, const struct plan_access *a,
		      int64_t *unit_id, char *msg, size_t cap)
{
	char code[STORE_CODE_MAX + 24], standing[96];

	if (rights_is_team(a) || a->observer || a->authority || a->planner)
		return 0;
	if (!a->rep_unit_id) {
		rights_describe(a, standing, sizeof(standing));
		return svc_fail(msg, cap, KT_EPERM,
			    "recommendation.list in plan %s needs a place on the team, to "
			    "observe the plan or be its approving authority, the planner role, "
			    "or to represent one of its units; '%s' is %s",
			    a->number, who->name, standing);
	}
	if (*unit_id && *unit_id != a->rep_unit_id) {
		unit_code(tx, *unit_id, code, sizeof(code));
		return svc_fail(msg, cap, KT_EPERM,
			    "a unit representative sees only their own unit's recommendations, "
			    "not unit %s's",
			    code);
	}
	*unit_id = a->rep_unit_id;
	return 0;
}

int svc_rec_list(struct store_tx *tx, const struct svc_actor *who, const struct rights_user *ru,
		 const struct svc_rec_query *q,
		 int (*fn)(const struct store_recommendation *r, bool overdue, void *arg),
		 void *arg, char *msg, size_t cap)
{
	struct list_walk w = {.fn = fn, .arg = arg, .overdue_only = q->overdue_only};
	struct store_recommendation *r = NULL;
	struct plan_access a;
	int64_t unit_id = q->unit_id;
	int rc;

	svc_fail(msg, cap, 0, "%s", "");
	if (unit_id < 0 || q->after_id < 0 || q->id < 0) {
		rc = svc_fail(msg, cap, KT_EINVAL, "ids cannot be negative");
		goto out;
	}
	kt_date_server_today(who->now, w.today);
	if (q->id == 0) {
		if ((rc = load_plan(tx, ru, q->plan_id, &a, msg, cap)) < 0 ||
		    (rc = list_scope(tx, who, &a, &unit_id, msg, cap)) < 0)
			goto out;
		rc = store_rec_list(tx, q->plan_id, unit_id, q->after_id, pass_one, &w);
		if (rc < 0)
			rc = svc_fail_store(msg, cap, rc, "reading the recommendations");
		goto out;
	}
	r = malloc(sizeof(*r));
	if (!r) {
		rc = svc_fail(msg, cap, KT_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = load_rec(tx, ru, q->id, r, &a, msg, cap)) < 0)
		goto out;
	if ((q->plan_id && q->plan_id != r->plan_id) || (q->unit_id && q->unit_id != r->unit_id)) {
		rc = svc_fail(msg, cap, KT_ENOTFOUND,
			  "recommendation %" PRId64 " is not in that plan and unit", q->id);
		goto out;
	}
	unit_id = r->unit_id;
	if ((rc = list_scope(tx, who, &a, &unit_id, msg, cap)) < 0)
		goto out;
	rc = r->id > q->after_id ? pass_one(r, &w) : 0;
out:
	free(r);
	return rc;
}
