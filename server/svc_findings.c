/*
 * svc_findings.c - the finding service (see svc_findings.h).
 *
 * The state machine, in full (FindingState; "-" means refused):
 *
 *     op \ from     (none)      DRAFT       SUBMITTED   ACCEPTED   RETURNED
 *     create        DRAFT*      -           -           -          -
 *     edit          -           DRAFT*      -           -          DRAFT*
 *     submit        -           SUBMITTED   -           -          SUBMITTED
 *     accept        -           -           ACCEPTED    -          -
 *     return        -           -           RETURNED    -          -
 *
 *     * with submit: SUBMITTED instead of DRAFT.
 *
 * ACCEPTED is final: the signed content never changes. svc_finding_next()
 * is the only place that answers "may op happen in this state, and to what
 * state"; every change passes change_check() (rights, open plan, version,
 * then svc_finding_next()) and is written by save() as the next version
 * with its revision.
 */
#include "server/svc_common.h"
#include "server/svc_findings.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/approval.h"
#include "common/status.h"
#include "common/text.h"
#include "server/store/store.h"
#include "server/store/store_evidence.h"
#include "server/store/store_plans.h"
#include "server/svc_evidence.h"

#define AREA_FIRST 1
#define AREA_LAST 7
#define KIND_FIRST 1
#define KIND_LAST 2
#define CLIENT_ID_MIN 8

#define STATE_BIT(s) (1u << (s))
#define STATES_ALL                                                                                 \
	(STATE_BIT(SVC_FINDING_DRAFT) | STATE_BIT(SVC_FINDING_SUBMITTED) |                         \
	 STATE_BIT(SVC_FINDING_ACCEPTED) | STATE_BIT(SVC_FINDING_RETURNED))
/* What observers, the authority and planners see: never a team's drafts or returns. */
#define STATES_READERS (STATE_BIT(SVC_FINDING_SUBMITTED) | STATE_BIT(SVC_FINDING_ACCEPTED))
#define STATES_REP STATE_BIT(SVC_FINDING_ACCEPTED)

static const char *const op_names[] = {
    [SVC_FOP_CREATE] = "create", [SVC_FOP_EDIT] = "edit",     [SVC_FOP_SUBMIT] = "submit",
    [SVC_FOP_ACCEPT] = "accept", [SVC_FOP_RETURN] = "return",
};

int svc_finding_next(enum svc_finding_op op, int from, bool submit)
{
	switch (op) {
	case SVC_FOP_CREATE:
		if (from == SVC_FINDING_NONE)
			return submit ? SVC_FINDING_SUBMITTED : SVC_FINDING_DRAFT;
		return -1;
	case SVC_FOP_EDIT:
		if (from == SVC_FINDING_DRAFT || from == SVC_FINDING_RETURNED)
			return submit ? SVC_FINDING_SUBMITTED : SVC_FINDING_DRAFT;
		return -1;
	case SVC_FOP_SUBMIT:
		if (from == SVC_FINDING_DRAFT || from == SVC_FINDING_RETURNED)
			return SVC_FINDING_SUBMITTED;
		return -1;
	case SVC_FOP_ACCEPT:
		return from == SVC_FINDING_SUBMITTED ? SVC_FINDING_ACCEPTED : -1;
	case SVC_FOP_RETURN:
		return from == SVC_FINDING_SUBMITTED ? SVC_FINDING_RETURNED : -1;
	}
	return -1;
}

const char *svc_finding_state_name(int state)
{
	switch (state) {
	case SVC_FINDING_DRAFT:
		return "draft";
	case SVC_FINDING_SUBMITTED:
		return "submitted";
	case SVC_FINDING_ACCEPTED:
		return "accepted";
	case SVC_FINDING_RETURNED:
		return "returned";
	default:
		return "none";
	}
}

bool svc_finding_team_only(int state)
{
	return state != SVC_FINDING_ACCEPTED;
}

bool svc_finding_client_id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	if (n < CLIENT_ID_MIN || n > STORE_FINDING_CLIENT_ID_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = id[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == ':' || c == '-'))
			return false;
	}
	return true;
}

static int audit(struct store_tx *tx, const struct svc_actor *who, const char *action, int64_t id,
		 const char *detail)
{
	struct store_audit a = {
	    .user_id = who->user_id,
	    .actor = who->name,
	    .session_id = who->session_id,
	    .action = action,
	    .object_type = "finding",
	    .object_id = id,
	    .detail = detail,
	    .at = who->now,
	};

	return store_audit_append(tx, &a);
}

static int check_text(const char *field, const char *s, size_t max, unsigned flags, char *msg,
		      size_t cap)
{
	int rc = kt_text_check(s, strlen(s), max, flags);

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

/* a: the plan whose scope the area must be in; NULL: any area. */
static int check_area_kind(int area, int kind, const struct plan_access *a, char *msg, size_t cap)
{
	if (area < AREA_FIRST || area > AREA_LAST)
		return svc_fail(msg, cap, KT_EINVAL,
			    "area must be one of the reform areas 1..7, not %d", area);
	if (kind < KIND_FIRST || kind > KIND_LAST)
		return svc_fail(msg, cap, KT_EINVAL,
			    "kind must be strength (1) or shortcoming (2), not %d", kind);
	if (a && a->areas && !(a->areas & (1u << area)))
		return svc_fail(msg, cap, KT_EINVAL, "area %d is not in the scope of plan %s", area,
			    a->number);
	return 0;
}

/* Copy text, cause and evidence of in over f (an edit keeps what in leaves out). */
static void apply_input(struct store_finding *f, const struct svc_finding_input *in)
{
	if (in->area)
		f->area = in->area;
	if (in->kind)
		f->kind = in->kind;
	if (in->text && in->text[0])
		snprintf(f->text, sizeof(f->text), "%s", in->text);
	snprintf(f->cause, sizeof(f->cause), "%s", in->cause ? in->cause : "");
	f->n_evidence = in->n_evidence;
	for (size_t i = 0; i < in->n_evidence; i++)
		f->evidence_ids[i] = in->evidence_ids[i];
	kt_sort_ids(f->evidence_ids, f->n_evidence);
}

/* Validate the content of a create (edit: false) or an edit against the plan (a). */
static int check_input(struct store_tx *tx, const struct svc_finding_input *in, bool edit,
		       const struct plan_access *a, const struct store_finding *cur, char *msg,
		       size_t cap)
{
	int area = edit && !in->area ? cur->area : in->area;
	int kind = edit && !in->kind ? cur->kind : in->kind;
	int rc;

	if ((rc = check_area_kind(area, kind, edit && area == cur->area ? NULL : a, msg, cap)))
		return rc;
	if (!edit || (in->text && in->text[0])) {
		if ((rc = check_text("text", in->text ? in->text : "", STORE_FINDING_TEXT_MAX,
				     KT_TEXT_NONEMPTY | KT_TEXT_MULTILINE, msg, cap)))
			return rc;
	}
	if ((rc = check_text("cause", in->cause ? in->cause : "", STORE_FINDING_CAUSE_MAX,
			     KT_TEXT_MULTILINE, msg, cap)))
		return rc;
	return svc_evidence_check_refs(tx, a->plan_id, in->evidence_ids, in->n_evidence,
				       STORE_FINDING_EVIDENCE_MAX, msg, cap);
}

static int get_finding(struct store_tx *tx, int64_t id, struct store_finding *f, char *msg,
		       size_t cap)
{
	int rc = store_finding_get(tx, id, f);

	if (rc == KT_ENOTFOUND)
		return svc_fail(msg, cap, rc, "no finding with id %" PRId64, id);
	return rc;
}

/* The states of a plan's findings the caller may see (bits), and the unit they are limited to. */
static uint32_t visible_states(const struct plan_access *a, int64_t *only_unit)
{
	*only_unit = 0;
	/* Observers (supervision) read everything in their plans, drafts included. */
	if (rights_is_team(a) || a->observer)
		return STATES_ALL;
	if (a->authority || a->planner)
		return STATES_READERS;
	if (a->rep_unit_id) {
		*only_unit = a->rep_unit_id;
		return STATES_REP;
	}
	return 0;
}

static int check_visible(const struct plan_access *a, const struct store_finding *f,
			 const char *username, char *msg, size_t cap)
{
	int64_t only_unit;
	uint32_t states = visible_states(a, &only_unit);

	if ((states & STATE_BIT(f->state)) && (!only_unit || only_unit == f->unit_id))
		return 0;
	if (a->rep_unit_id && !rights_is_team(a) && !a->observer && !a->authority && !a->planner)
		return svc_fail(msg, cap, KT_EPERM,
			    "finding %" PRId64 " is not visible to '%s': a unit representative "
			    "sees only accepted findings of their own unit",
			    f->id, username);
	return svc_fail(msg, cap, KT_EPERM,
		    "finding %" PRId64 " is a team %s, visible to the team of plan %s only", f->id,
		    svc_finding_state_name(f->state), a->number);
}

/*
 * The one gate of every change: rights, plan open, version, and the state
 * machine. *to gets the new state.
 */
static int change_check(struct store_tx *tx, const struct svc_actor *who,
			const struct rights_user *ru, const struct store_finding *f,
			enum svc_finding_op op, bool submit, int64_t version, int *to,
			struct plan_access *a, int64_t *current_version, char *msg, size_t cap)
{
	static const char *const action[] = {
	    [SVC_FOP_CREATE] = "finding.create", [SVC_FOP_EDIT] = "finding.update",
	    [SVC_FOP_SUBMIT] = "finding.submit", [SVC_FOP_ACCEPT] = "finding.review",
	    [SVC_FOP_RETURN] = "finding.review",
	};
	int rc;

	if ((rc = rights_load(tx, ru, f->plan_id, a, msg, cap)) != 0)
		return rc;
	if (op == SVC_FOP_ACCEPT || op == SVC_FOP_RETURN) {
		if ((rc = rights_require_lead(a, action[op], who->name, msg, cap)) != 0)
			return rc;
	} else {
		if ((rc = rights_require_team(a, action[op], who->name, msg, cap)) != 0)
			return rc;
		if ((rc = rights_can_write_unit(tx, a, who->user_id, f->unit_id, msg, cap)) != 0)
			return rc;
	}
	if ((rc = rights_plan_open(a, msg, cap)) != 0)
		return rc;
	if (version != f->version) {
		if (current_version)
			*current_version = f->version;
		return svc_fail(msg, cap, KT_ECONFLICT,
			    "finding %" PRId64 " changed: this %s is based on version %" PRId64
			    ", it is now at version %" PRId64 "; read it again",
			    f->id, op_names[op], version, f->version);
	}
	*to = svc_finding_next(op, f->state, submit);
	if (*to < 0) {
		if (f->state == SVC_FINDING_ACCEPTED)
			return svc_fail(msg, cap, KT_ESTATE,
				    "finding %" PRId64 " is accepted and frozen: it cannot %s",
				    f->id, op == SVC_FOP_EDIT ? "be edited" : op_names[op]);
		return svc_fail(msg, cap, KT_ESTATE, "a %s finding cannot %s (finding %" PRId64 "); %s",
			    svc_finding_state_name(f->state), op_names[op], f->id,
			    f->state == SVC_FINDING_SUBMITTED
				? "it waits for the leader's review (accept or return)"
				: "it must be submitted first");
	}
	return 0;
}

/*
 * A create that did not happen now may be the retry of one that happened
 * before (the answer was lost): the finding this author created with this
 * client_id is the answer, whatever rc says. KT_ENOTFOUND when there is none.
 */
static int earlier_create(struct store_tx *tx, const struct svc_actor *who, const char *client_id,
			  int64_t plan_id, int64_t unit_id, struct store_finding *out, char *msg,
			  size_t cap)
{
	int rc = store_finding_get_by_client(tx, who->user_id, client_id, out);

	if (rc == 0 && (out->plan_id != plan_id || out->unit_id != unit_id))
		rc = svc_fail(msg, cap, KT_EEXIST,
			      "client_id '%s' was already used for finding %" PRId64
			      " of another plan or unit",
			      client_id, out->id);
	return rc;
}

/* Failures of the storage itself: nothing more is tried in the transaction. */
static bool storage_failure(int rc)
{
	return rc == KT_EIO || rc == KT_EFULL || rc == KT_ECORRUPT || rc == KT_ENOMEM ||
	       rc == KT_EBUSY || rc == KT_EINTERNAL;
}

int svc_finding_create(struct store_tx *tx, const struct svc_actor *who,
		       const struct rights_user *ru, const char *client_id, int64_t plan_id,
		       int64_t unit_id, const struct svc_finding_input *in,
		       struct store_finding *out, bool *created, char *msg, size_t cap)
{
	struct plan_access a;
	char detail[128];
	int rc, rc2, to;
	bool inserted = false;

	*created = false;
	if (!svc_finding_client_id_ok(client_id))
		return svc_fail(msg, cap, KT_EINVAL,
				"client_id must be %d to %d bytes of A-Z, a-z, 0-9, '.', '_', ':' "
				"and '-'",
				CLIENT_ID_MIN, STORE_FINDING_CLIENT_ID_MAX);
	if ((rc = rights_load(tx, ru, plan_id, &a, msg, cap)) != 0 ||
	    (rc = rights_require_team(&a, "finding.create", who->name, msg, cap)) != 0)
		return rc;
	/*
	 * The usual case, a new finding, costs no lookup of the client id: the
	 * insert itself refuses a taken one (KT_EEXIST), and only then, or when
	 * a check refuses, is this a retry to answer with the earlier finding.
	 */
	if ((rc = rights_can_write_unit(tx, &a, who->user_id, unit_id, msg, cap)) == 0 &&
	    (rc = rights_plan_open(&a, msg, cap)) == 0 &&
	    (rc = check_input(tx, in, false, &a, NULL, msg, cap)) == 0) {
		to = svc_finding_next(SVC_FOP_CREATE, SVC_FINDING_NONE, in->submit);
		store_finding_clear(out);
		out->plan_id = plan_id;
		out->unit_id = unit_id;
		out->state = to;
		out->author_id = who->user_id;
		snprintf(out->author, sizeof(out->author), "%s", who->name);
		snprintf(out->client_id, sizeof(out->client_id), "%s", client_id);
		apply_input(out, in);
		rc = store_finding_insert(tx, out, who->now);
		inserted = rc != KT_EEXIST; /* KT_EEXIST: nothing written, the id is taken */
	}
	if (rc != 0) {
		/*
		 * Not a retry when the storage failed, or when the insert failed
		 * after writing part of the finding (its savepoint is rolled back).
		 */
		if (storage_failure(rc) || inserted)
			return rc;
		rc2 = earlier_create(tx, who, client_id, plan_id, unit_id, out, msg, cap);
		if (rc2 == 0 && cap)
			msg[0] = '\0'; /* answered with the earlier finding, not refused */
		return rc2 == KT_ENOTFOUND ? rc : rc2;
	}
	snprintf(detail, sizeof(detail), "plan %" PRId64 ", unit %" PRId64 ", %s", plan_id, unit_id,
		 svc_finding_state_name(to));
	if ((rc = audit(tx, who, "finding.create", out->id, detail)) != 0)
		return rc;
	*created = true;
	return 0;
}

/* Save f (already changed) as the next version and audit action. */
static int save(struct store_tx *tx, const struct svc_actor *who, struct store_finding *f,
		int64_t version, int from, const char *reason, const char *action,
		int64_t *current_version, char *msg, size_t cap)
{
	char detail[96];
	int rc;

	f->updated_at = who->now;
	f->updated_by = who->user_id;
	rc = store_finding_save(tx, f, version, reason);
	if (rc == KT_ECONFLICT) {
		struct store_finding *cur = malloc(sizeof(*cur));

		if (cur && store_finding_get(tx, f->id, cur) == 0 && current_version)
			*current_version = cur->version;
		free(cur);
		return svc_fail(msg, cap, rc, "finding %" PRId64 " changed meanwhile; read it again",
			    f->id);
	}
	if (rc != 0)
		return rc;
	snprintf(detail, sizeof(detail), "version %" PRId64 ", %s -> %s", f->version,
		 svc_finding_state_name(from), svc_finding_state_name(f->state));
	return audit(tx, who, action, f->id, detail);
}

int svc_finding_update(struct store_tx *tx, const struct svc_actor *who,
		       const struct rights_user *ru, int64_t id, int64_t version,
		       const struct svc_finding_input *in, struct store_finding *out,
		       int64_t *current_version, char *msg, size_t cap)
{
	struct plan_access a;
	int rc, to, from;

	if ((rc = get_finding(tx, id, out, msg, cap)) != 0 ||
	    (rc = change_check(tx, who, ru, out, SVC_FOP_EDIT, in->submit, version, &to, &a,
			       current_version, msg, cap)) != 0 ||
	    (rc = check_input(tx, in, true, &a, out, msg, cap)) != 0)
		return rc;
	from = out->state;
	apply_input(out, in);
	out->state = to;
	return save(tx, who, out, version, from, "",
		    in->submit ? "finding.update_submit" : "finding.update", current_version, msg,
		    cap);
}

int svc_finding_submit(struct store_tx *tx, const struct svc_actor *who,
		       const struct rights_user *ru, int64_t id, int64_t version,
		       struct store_finding *out, int64_t *current_version, char *msg, size_t cap)
{
	struct plan_access a;
	int rc, to, from;

	if ((rc = get_finding(tx, id, out, msg, cap)) != 0 ||
	    (rc = change_check(tx, who, ru, out, SVC_FOP_SUBMIT, false, version, &to, &a,
			       current_version, msg, cap)) != 0)
		return rc;
	from = out->state;
	out->state = to;
	return save(tx, who, out, version, from, "", "finding.submit", current_version, msg, cap);
}

int svc_finding_digest(struct store_tx *tx, const struct store_finding *f, uint8_t out[32])
{
	struct kt_digest_evidence ev[STORE_FINDING_EVIDENCE_MAX];
	uint8_t sums[STORE_FINDING_EVIDENCE_MAX][STORE_SHA256_LEN];
	struct store_evidence e;
	int rc;

	for (size_t i = 0; i < f->n_evidence; i++) {
		if ((rc = store_evidence_get(tx, f->evidence_ids[i], &e)) != 0)
			return rc == KT_ENOTFOUND ? KT_ECORRUPT : rc;
		memcpy(sums[i], e.sha256, STORE_SHA256_LEN);
		ev[i].id = e.id;
		ev[i].sha256 = sums[i];
	}
	kt_sort_evidence(ev, f->n_evidence);
	kt_digest_finding_accept(f->plan_id, f->id, f->unit_id, f->area, f->kind, f->text, f->cause,
				 f->n_evidence, ev, out);
	return 0;
}

int svc_finding_review(struct store_tx *tx, const struct svc_actor *who,
		       const struct rights_user *ru, int64_t device_id, int64_t id, int64_t version,
		       bool accept, const char *reason, const uint8_t *sig, size_t sig_len,
		       struct store_finding *out, int64_t *current_version, char *msg, size_t cap)
{
	enum svc_finding_op op = accept ? SVC_FOP_ACCEPT : SVC_FOP_RETURN;
	uint8_t digest[32], key[32];
	struct plan_access a;
	int rc, to, from;

	if (!accept) {
		if (!reason || !reason[0])
			return svc_fail(msg, cap, KT_EINVAL,
				    "returning a finding needs a reason for its authors");
		if ((rc = check_text("reason", reason, STORE_FINDING_REASON_MAX,
				     KT_TEXT_NONEMPTY | KT_TEXT_MULTILINE, msg, cap)))
			return rc;
	}
	if ((rc = get_finding(tx, id, out, msg, cap)) != 0 ||
	    (rc = change_check(tx, who, ru, out, op, false, version, &to, &a, current_version, msg,
			       cap)) != 0)
		return rc;
	from = out->state;
	if (accept) {
		if ((rc = svc_finding_digest(tx, out, digest)) != 0)
			return rc;
		if ((rc = svc_verify_signature(tx, device_id, digest, sig, sig_len, key, msg,
					       cap)) != 0)
			return rc;
		out->accepted_by = who->user_id;
		out->accepted_at = who->now;
		memcpy(out->accept_digest, digest, sizeof(digest));
		memcpy(out->accept_signature, sig, sizeof(out->accept_signature));
		memcpy(out->accept_key, key, sizeof(key));
	} else {
		snprintf(out->return_reason, sizeof(out->return_reason), "%s", reason);
	}
	out->state = to;
	rc = save(tx, who, out, version, from, accept ? "" : reason,
		  accept ? "finding.accept" : "finding.return", current_version, msg, cap);
	if (rc == 0 && accept) {
		struct store_user u;

		snprintf(out->accepted_by_name, sizeof(out->accepted_by_name), "%s", who->name);
		if (store_user_get(tx, who->user_id, &u) == 0)
			snprintf(out->accepted_by_full, sizeof(out->accepted_by_full), "%s",
				 u.full_name);
	}
	return rc;
}

int svc_finding_get(struct store_tx *tx, const struct rights_user *ru, int64_t id,
		    struct store_finding *out, char *msg, size_t cap)
{
	struct plan_access a;
	struct store_user u;
	int rc;

	if ((rc = get_finding(tx, id, out, msg, cap)) != 0 ||
	    (rc = rights_load(tx, ru, out->plan_id, &a, msg, cap)) != 0)
		return rc;
	if (store_user_get(tx, ru->user_id, &u) != 0)
		u.username[0] = '\0';
	return check_visible(&a, out, u.username, msg, cap);
}

int svc_finding_list(struct store_tx *tx, const struct rights_user *ru,
		     const struct svc_finding_query *q,
		     int (*fn)(const struct store_finding *f, void *arg), void *arg, char *msg,
		     size_t cap)
{
	struct store_finding_filter flt = {0};
	struct plan_access a;
	int64_t only_unit;
	int rc;

	if (q->state < 0 || q->state > SVC_FINDING_RETURNED)
		return svc_fail(msg, cap, KT_EINVAL, "state must be 0..4, not %d", q->state);
	if (q->area < 0 || q->area > AREA_LAST)
		return svc_fail(msg, cap, KT_EINVAL, "area must be 0..7, not %d", q->area);
	if ((rc = rights_load(tx, ru, q->plan_id, &a, msg, cap)) != 0)
		return rc;
	flt.plan_id = q->plan_id;
	flt.states = visible_states(&a, &only_unit);
	if (q->state)
		flt.states &= STATE_BIT(q->state);
	flt.unit_id = q->unit_id;
	if (only_unit) {
		if (q->unit_id && q->unit_id != only_unit)
			return svc_fail(msg, cap, KT_EPERM,
				    "a unit representative sees only the findings of their own "
				    "unit (unit %" PRId64 "), not of unit %" PRId64,
				    only_unit, q->unit_id);
		flt.unit_id = only_unit;
	}
	flt.area = q->area;
	flt.after_id = q->after_id;
	flt.limit = q->limit;
	if (!flt.states)
		return 0;
	return store_finding_list(tx, &flt, fn, arg);
}

struct history_walk {
	uint32_t states;
	int (*fn)(const struct store_finding_revision *r, void *arg);
	void *arg;
};

static int history_one(const struct store_finding_revision *r, void *arg)
{
	struct history_walk *w = arg;

	if (!(w->states & STATE_BIT(r->state)))
		return 0;
	return w->fn(r, w->arg);
}

int svc_finding_history(struct store_tx *tx, const struct rights_user *ru, int64_t id,
			int64_t after_version, unsigned limit,
			int (*fn)(const struct store_finding_revision *r, void *arg), void *arg,
			char *msg, size_t cap)
{
	struct store_finding *f = malloc(sizeof(*f));
	struct history_walk w = {.fn = fn, .arg = arg};
	struct plan_access a;
	int64_t only_unit;
	int rc;

	if (!f)
		return KT_ENOMEM;
	if ((rc = svc_finding_get(tx, ru, id, f, msg, cap)) != 0 ||
	    (rc = rights_load(tx, ru, f->plan_id, &a, msg, cap)) != 0)
		goto out;
	w.states = visible_states(&a, &only_unit);
	rc = store_finding_history(tx, id, after_version, limit, history_one, &w);
out:
	free(f);
	return rc;
}
