/*
 * svc_conclusions.c - the conclusion service (see svc_conclusions.h): input
 * checks, rights, the revision state machine, signature verification, the
 * change through the store and its audit row.
 */
#include "server/svc_common.h"
#include "server/svc_conclusions.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/approval.h"
#include "common/status.h"
#include "common/text.h"
#include "server/rights.h"
#include "server/store/store.h"
#include "server/store/store_conclusions.h"

/* proto FindingState */
enum {
	FINDING_ACCEPTED = 3,
};

static const char *state_name(int state)
{
	switch (state) {
	case STORE_CONCLUSION_DRAFT:
		return "a draft";
	case STORE_CONCLUSION_APPROVED:
		return "approved";
	case STORE_CONCLUSION_SUPERSEDED:
		return "superseded";
	default:
		return "in an unknown state";
	}
}

static const char *finding_state_name(int state)
{
	static const char *const names[] = {"none", "a draft", "submitted", "accepted", "returned"};

	return state >= 0 && state <= 4 ? names[state] : "in an unknown state";
}

/* "unit 29.268" or "the whole inspection", for messages and audit details. */
static void unit_label(struct store_tx *tx, int64_t unit_id, char *out, size_t cap)
{
	struct store_unit u;

	if (unit_id == 0)
		snprintf(out, cap, "the whole inspection");
	else if (store_unit_get(tx, unit_id, &u) == 0)
		snprintf(out, cap, "unit %s", u.code);
	else
		snprintf(out, cap, "unit %" PRId64, unit_id);
}

static int audit(struct store_tx *tx, const struct svc_actor *who, const char *action, int64_t id,
		 const char *detail, char *msg, size_t cap)
{
	struct store_audit a = {
	    .user_id = who->user_id,
	    .actor = who->name,
	    .session_id = who->session_id,
	    .action = action,
	    .object_type = "conclusion",
	    .object_id = id,
	    .detail = detail,
	    .at = who->now,
	};
	int rc = store_audit_append(tx, &a);

	if (rc < 0)
		return svc_fail_store(msg, cap, rc, "writing the audit log");
	return 0;
}

/*
 * The caller's standing in plan_id; with need_leader, also that the caller
 * leads its team and that the plan is open.
 */
static int load_plan(struct store_tx *tx, const struct rights_user *ru, const char *method,
		     int64_t plan_id, bool need_leader, struct plan_access *a, const char *username,
		     char *msg, size_t cap)
{
	int rc;

	if (plan_id <= 0)
		return svc_fail(msg, cap, KT_EINVAL, "%s needs a plan id", method);
	rc = rights_load(tx, ru, plan_id, a, msg, cap);
	if (rc < 0 || !need_leader)
		return rc;
	rc = rights_require_leader(a, method, username, msg, cap);
	if (rc < 0)
		return rc;
	return rights_plan_open(a, msg, cap);
}

/* 0 when unit_id is one of the plan's units; else KT_EINVAL saying so. */
static int check_unit(struct store_tx *tx, const struct plan_access *a, int64_t unit_id, char *msg,
		      size_t cap)
{
	char where[STORE_CODE_MAX + 32];
	int rc = store_plan_has_unit(tx, a->plan_id, unit_id);

	if (rc < 0)
		return svc_fail_store(msg, cap, rc, "reading the plan's units");
	if (rc == 1)
		return 0;
	unit_label(tx, unit_id, where, sizeof(where));
	return svc_fail(msg, cap, KT_EINVAL, "%s is not one of the units of plan %s", where, a->number);
}

/* The cited findings: distinct, ACCEPTED, of this plan (and unit, unless 0). */
static int check_findings(struct store_tx *tx, int64_t plan_id, int64_t unit_id, size_t n,
			  const int64_t *ids, const char *plan_number, char *msg, size_t cap)
{
	char where[STORE_CODE_MAX + 32];
	int64_t fplan, funit;
	int state, rc;

	if (n > STORE_CONCLUSION_FINDINGS_MAX)
		return svc_fail(msg, cap, KT_ETOOBIG, "a conclusion cites at most %d findings",
			    STORE_CONCLUSION_FINDINGS_MAX);
	for (size_t i = 0; i < n; i++) {
		if (ids[i] <= 0)
			return svc_fail(msg, cap, KT_EINVAL, "finding id %" PRId64 " is not an id",
				    ids[i]);
		for (size_t k = 0; k < i; k++)
			if (ids[k] == ids[i])
				return svc_fail(msg, cap, KT_EINVAL,
					    "finding %" PRId64 " is cited twice", ids[i]);
		rc = store_conclusion_finding(tx, ids[i], &fplan, &funit, &state);
		if (rc == KT_ENOTFOUND)
			return svc_fail(msg, cap, KT_EINVAL, "there is no finding %" PRId64, ids[i]);
		if (rc < 0)
			return svc_fail_store(msg, cap, rc, "reading a finding");
		if (fplan != plan_id)
			return svc_fail(msg, cap, KT_EINVAL,
				    "finding %" PRId64 " belongs to another plan, not %s", ids[i],
				    plan_number);
		if (unit_id && funit != unit_id) {
			unit_label(tx, funit, where, sizeof(where));
			return svc_fail(msg, cap, KT_EINVAL,
				    "finding %" PRId64 " is about %s, not this conclusion's unit",
				    ids[i], where);
		}
		if (state != FINDING_ACCEPTED)
			return svc_fail(msg, cap, KT_ESTATE,
				    "finding %" PRId64 " is %s; a conclusion cites only accepted "
				    "findings",
				    ids[i], finding_state_name(state));
	}
	return 0;
}

static int check_text(const char *text, char *msg, size_t cap)
{
	int rc = kt_text_check(text ? text : "", text ? strlen(text) : 0, STORE_CONCLUSION_TEXT_MAX,
			       KT_TEXT_NONEMPTY | KT_TEXT_MULTILINE);

	switch (rc) {
	case 0:
		return 0;
	case KT_EUTF8:
		return svc_fail(msg, cap, rc, "the conclusion text is not valid UTF-8");
	case KT_ETOOBIG:
		return svc_fail(msg, cap, rc, "the conclusion text is longer than %d bytes",
			    STORE_CONCLUSION_TEXT_MAX);
	default:
		return svc_fail(msg, cap, rc,
			    "the conclusion text is empty or has a control character");
	}
}

void svc_conclusion_digest(const struct store_conclusion *c, uint8_t out[32])
{
	int64_t *ids = NULL;

	/* Stored ascending already; sort a copy anyway so the digest never depends on it. */
	if (c->n_findings) {
		ids = malloc(c->n_findings * sizeof(*ids));
		if (ids) {
			memcpy(ids, c->finding_ids, c->n_findings * sizeof(*ids));
			kt_sort_ids(ids, c->n_findings);
		}
	}
	kt_digest_conclusion(c->plan_id, c->id, c->unit_id, c->revision, c->text, c->n_findings,
			     ids ? ids : c->finding_ids, out);
	free(ids);
}

int svc_conclusion_draft(struct store_tx *tx, const struct svc_actor *who,
			 const struct rights_user *ru, const struct svc_conclusion_draft *in,
			 struct store_conclusion *out, bool *created, int64_t *current_version,
			 char *msg, size_t cap)
{
	char where[STORE_CODE_MAX + 32], detail[STORE_NAME_MAX + 160];
	struct plan_access a;
	struct store_conclusion *c = out;
	bool have_latest = false;
	int rc;

	*created = false;
	*current_version = 0;
	svc_fail(msg, cap, 0, "%s", "");
	if (in->unit_id < 0 || in->version < 0) {
		rc = svc_fail(msg, cap, KT_EINVAL, "unit id and version cannot be negative");
		goto out;
	}
	if ((rc = check_text(in->text, msg, cap)) < 0)
		goto out;
	rc = load_plan(tx, ru, "conclusion.draft", in->plan_id, true, &a, who->name, msg, cap);
	if (rc < 0)
		goto out;
	if (in->unit_id && (rc = check_unit(tx, &a, in->unit_id, msg, cap)) < 0)
		goto out;
	unit_label(tx, in->unit_id, where, sizeof(where));
	rc = check_findings(tx, in->plan_id, in->unit_id, in->n_findings, in->finding_ids, a.number,
			    msg, cap);
	if (rc < 0)
		goto out;

	rc = store_conclusion_latest(tx, in->plan_id, in->unit_id, c);
	if (rc == 0)
		have_latest = true;
	else if (rc != KT_ENOTFOUND) {
		rc = svc_fail_store(msg, cap, rc, "reading the conclusion");
		goto out;
	}
	if (in->version == 0) {
		if (have_latest && c->state == STORE_CONCLUSION_DRAFT) {
			*current_version = c->version;
			rc = svc_fail(msg, cap, KT_EEXIST,
				  "revision %d of the conclusion for %s is a draft already "
				  "(version %" PRId64 "); edit it with that version",
				  c->revision, where, c->version);
			goto out;
		}
		int32_t revision = have_latest ? c->revision + 1 : 1;

		memset(c, 0, sizeof(*c));
		c->plan_id = in->plan_id;
		c->unit_id = in->unit_id;
		c->revision = revision;
		memcpy(c->text, in->text, strlen(in->text));
		c->n_findings = in->n_findings;
		if (in->n_findings)
			memcpy(c->finding_ids, in->finding_ids,
			       in->n_findings * sizeof(*in->finding_ids));
		c->author_id = who->user_id;
		c->created_at = who->now;
		rc = store_conclusion_create(tx, c);
		if (rc < 0) {
			rc = svc_fail_store(msg, cap, rc, "writing the conclusion");
			goto out;
		}
		*created = true;
	} else {
		if (!have_latest) {
			rc = svc_fail(msg, cap, KT_ENOTFOUND,
				  "there is no conclusion for %s in plan %s yet; start one with "
				  "version 0",
				  where, a.number);
			goto out;
		}
		if (c->state != STORE_CONCLUSION_DRAFT) {
			rc = svc_fail(msg, cap, KT_ESTATE,
				  "revision %d of the conclusion for %s is %s and frozen; a change "
				  "is a new revision (draft with version 0), approved again",
				  c->revision, where, state_name(c->state));
			goto out;
		}
		if (c->version != in->version) {
			*current_version = c->version;
			rc = svc_fail(msg, cap, KT_ECONFLICT,
				  "the draft of revision %d changed meanwhile: it is at version "
				  "%" PRId64 ", not %" PRId64 "; read it again",
				  c->revision, c->version, in->version);
			goto out;
		}
		rc = store_conclusion_update_draft(tx, c->id, in->version, in->text, in->n_findings,
						   in->finding_ids, who->now);
		if (rc == KT_ECONFLICT) {
			*current_version = c->version;
			rc = svc_fail(msg, cap, rc, "the draft changed meanwhile; read it again");
			goto out;
		}
		if (rc < 0) {
			rc = svc_fail_store(msg, cap, rc, "writing the conclusion");
			goto out;
		}
	}
	snprintf(detail, sizeof(detail), "plan %s, %s, revision %d %s, %zu findings", a.number,
		 where, c->revision, *created ? "started" : "edited", in->n_findings);
	if ((rc = audit(tx, who, "conclusion.draft", c->id, detail, msg, cap)) < 0)
		goto out;
	rc = store_conclusion_get(tx, c->id, c);
	if (rc < 0)
		rc = svc_fail_store(msg, cap, rc, "reading the conclusion back");
out:
	return rc;
}

/* Every finding a revision cites is still ACCEPTED, as when it was drafted. */
static int recheck_findings(struct store_tx *tx, const struct store_conclusion *c,
			    const char *plan_number, char *msg, size_t cap)
{
	return check_findings(tx, c->plan_id, c->unit_id, c->n_findings, c->finding_ids,
			      plan_number, msg, cap);
}

int svc_conclusion_approve(struct store_tx *tx, const struct svc_actor *who,
			   const struct rights_user *ru, int64_t device_id, int64_t id,
			   int64_t version, const uint8_t *sig, size_t sig_len,
			   struct store_conclusion *out, int32_t *superseded_revision,
			   int64_t *current_version, char *msg, size_t cap)
{
	char where[STORE_CODE_MAX + 32], detail[STORE_NAME_MAX + 200];
	struct store_conclusion *c = out;
	struct plan_access a;
	uint8_t digest[32], key[32];
	int rc;

	*superseded_revision = 0;
	*current_version = 0;
	svc_fail(msg, cap, 0, "%s", "");
	if (id <= 0 || version <= 0) {
		rc = svc_fail(msg, cap, KT_EINVAL,
			  "conclusion.approve needs the revision's id and "
			  "version");
		goto out;
	}
	rc = store_conclusion_get(tx, id, c);
	if (rc == KT_ENOTFOUND) {
		rc = svc_fail(msg, cap, rc, "no conclusion with id %" PRId64, id);
		goto out;
	}
	if (rc < 0) {
		rc = svc_fail_store(msg, cap, rc, "reading the conclusion");
		goto out;
	}
	rc = load_plan(tx, ru, "conclusion.approve", c->plan_id, true, &a, who->name, msg, cap);
	if (rc < 0)
		goto out;
	unit_label(tx, c->unit_id, where, sizeof(where));
	if (c->state != STORE_CONCLUSION_DRAFT) {
		rc = svc_fail(msg, cap, KT_ESTATE,
			  "revision %d of the conclusion for %s is %s already; it is frozen",
			  c->revision, where, state_name(c->state));
		goto out;
	}
	if (c->version != version) {
		*current_version = c->version;
		rc = svc_fail(msg, cap, KT_ECONFLICT,
			  "the draft of revision %d changed: it is at version %" PRId64
			  ", not %" PRId64 "; read it again before approving",
			  c->revision, c->version, version);
		goto out;
	}
	if ((rc = recheck_findings(tx, c, a.number, msg, cap)) < 0)
		goto out;
	svc_conclusion_digest(c, digest);
	rc = svc_verify_signature(tx, device_id, digest, sig, sig_len, key, msg, cap);
	if (rc < 0)
		goto out;
	rc = store_conclusion_approve(tx, c->id, version, who->user_id, who->now, digest, sig, key);
	if (rc == KT_ECONFLICT) {
		*current_version = c->version;
		rc = svc_fail(msg, cap, rc, "the draft changed meanwhile; read it again");
		goto out;
	}
	if (rc < 0) {
		rc = svc_fail_store(msg, cap, rc, "approving the conclusion");
		goto out;
	}
	rc = store_conclusion_supersede(tx, c->plan_id, c->unit_id, c->id, who->now,
					superseded_revision);
	if (rc < 0) {
		rc = svc_fail_store(msg, cap, rc, "superseding the earlier revision");
		goto out;
	}
	snprintf(detail, sizeof(detail), "plan %s, %s, revision %d approved%s", a.number, where,
		 c->revision, *superseded_revision ? "; the earlier one is superseded" : "");
	if ((rc = audit(tx, who, "conclusion.approve", c->id, detail, msg, cap)) < 0)
		goto out;
	rc = store_conclusion_get(tx, c->id, c);
	if (rc < 0) {
		rc = svc_fail_store(msg, cap, rc, "reading the conclusion back");
		goto out;
	}
out:
	return rc;
}

struct visible {
	int (*fn)(const struct store_conclusion *c, void *arg);
	void *arg;
	bool approved_only;
};

static int pass_visible(const struct store_conclusion *c, void *arg)
{
	struct visible *v = arg;

	if (v->approved_only && c->state == STORE_CONCLUSION_DRAFT)
		return 0;
	return v->fn(c, v->arg);
}

int svc_conclusion_list(struct store_tx *tx, const struct rights_user *ru, int64_t plan_id,
			int64_t unit_id, int32_t before_revision,
			int (*fn)(const struct store_conclusion *c, void *arg), void *arg,
			char *msg, size_t cap)
{
	struct visible v = {.fn = fn, .arg = arg};
	char where[STORE_CODE_MAX + 32], standing[96];
	struct plan_access a;
	int rc;

	svc_fail(msg, cap, 0, "%s", "");
	if (unit_id < 0 || before_revision < 0)
		return svc_fail(msg, cap, KT_EINVAL, "unit id and revision cannot be negative");
	rc = load_plan(tx, ru, "conclusion.get", plan_id, false, &a, NULL, msg, cap);
	if (rc < 0)
		return rc;
	if (!(rights_is_team(&a) || a.observer || a.authority)) {
		if (!a.planner && (!a.rep_unit_id || a.rep_unit_id != unit_id)) {
			unit_label(tx, unit_id, where, sizeof(where));
			rights_describe(&a, standing, sizeof(standing));
			return svc_fail(msg, cap, KT_EPERM,
				    "conclusion.get of %s in plan %s needs a place on the team, "
				    "to observe the plan or be its approving authority, the "
				    "planner role, or to represent that unit; the caller is %s",
				    where, a.number, standing);
		}
		v.approved_only = true; /* approved revisions only: drafts are the team's */
	}
	if (unit_id && (rc = check_unit(tx, &a, unit_id, msg, cap)) < 0)
		return rc;
	rc = store_conclusion_list(tx, plan_id, unit_id, before_revision, pass_visible, &v);
	if (rc == KT_ENOMEM)
		return svc_fail(msg, cap, rc, "out of memory");
	if (rc < 0)
		return svc_fail_store(msg, cap, rc, "reading the conclusions");
	return rc;
}
