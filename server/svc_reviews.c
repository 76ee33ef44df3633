/*
 * svc_reviews.c - responsibility reviews (see svc_reviews.h): recording the
 * meeting, the signed sign-off chain, and who may see which review.
 *
 * The state machine of one review, as (state, next_step, round). n is the
 * number of steps of the plan's review_chain (default UNIT_REP, LEADER,
 * AUTHORITY); step k is signed by the Signer chain[k - 1].
 *
 *   from         move                   to                          guard
 *   (none)       record                 DRAFT (1, round 1)          the unit's representative
 *   DRAFT        record (version)       DRAFT (1, same round)       the unit's representative
 *   DRAFT        approve step 1         IN_SIGNOFF (2)              signer of step 1; minutes
 *                                       or APPROVED (0) when n = 1
 *   IN_SIGNOFF   approve step k < n     IN_SIGNOFF (k + 1)          signer of step k
 *   IN_SIGNOFF   approve step n         APPROVED (0)                signer of step n
 *   IN_SIGNOFF   return step k >= 2     DRAFT (1, round + 1)        signer of step k; reason;
 *                                                                   round < ROUNDS_MAX
 *   APPROVED     -                      (final)
 *
 * For every sign move: the step is the review's next step, and the actor has
 * signed no other step of the current round (nobody signs twice, and nobody
 * confirms their own submission). Every move of the table is checked in
 * svc_review_transition() and nowhere else.
 *
 * Invariants: DRAFT <=> next_step = 1 and no signed step in the current
 * round; IN_SIGNOFF <=> 2 <= next_step <= n and steps 1..next_step-1 of the
 * current round are signed approvals; APPROVED <=> next_step = 0 and steps
 * 1..n of the current round are signed approvals. Signed steps are never
 * changed or removed (review_signoffs is append-only), so a return and the
 * approvals before it stay visible. The content (date, minutes, officials)
 * changes only in DRAFT, so every signature of a round covers the same
 * content, and the server recomputes each digest from the stored content.
 */
#include "server/svc_common.h"
#include "server/svc_evidence.h"
#include "server/svc_reviews.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/approval.h"
#include "common/date.h"
#include "common/status.h"
#include "common/text.h"

/* proto Outcome: 1 no-action .. 6 warning */
#define OUTCOME_FIRST 1
#define OUTCOME_LAST 6

static const int default_chain[] = {SVC_SIGNER_UNIT_REP, SVC_SIGNER_LEADER, SVC_SIGNER_AUTHORITY};

/* A storage failure: keep a message the storage layer or rights already wrote. */
const char *svc_review_signer_name(int signer)
{
	switch (signer) {
	case SVC_SIGNER_UNIT_REP:
		return "unit_rep";
	case SVC_SIGNER_LEADER:
		return "leader";
	case SVC_SIGNER_DEPUTY:
		return "deputy";
	case SVC_SIGNER_AUTHORITY:
		return "authority";
	default:
		return "?";
	}
}

const char *svc_review_outcome_name(int outcome)
{
	static const char *const names[OUTCOME_LAST + 1] = {
	    [1] = "no-action", [2] = "reminder",       [3] = "criticism",
	    [4] = "reprimand", [5] = "lowered-rating", [6] = "warning",
	};

	if (outcome < OUTCOME_FIRST || outcome > OUTCOME_LAST)
		return "?";
	return names[outcome];
}

/* ---- the state machine ------------------------------------------------------------ */

/* Who a Signer is, in a sentence: "the representative of unit X". */
static void signer_text(int signer, const char *unit_code, char *out, size_t cap)
{
	switch (signer) {
	case SVC_SIGNER_UNIT_REP:
		snprintf(out, cap, "the representative of unit %s", unit_code ? unit_code : "");
		break;
	case SVC_SIGNER_LEADER:
		snprintf(out, cap, "the team leader");
		break;
	case SVC_SIGNER_DEPUTY:
		snprintf(out, cap, "a deputy leader of the team");
		break;
	case SVC_SIGNER_AUTHORITY:
		snprintf(out, cap, "the plan's approving authority");
		break;
	default:
		snprintf(out, cap, "signer %d (unknown)", signer);
		break;
	}
}

int svc_review_signer_check(int signer, const struct plan_access *a, int64_t unit_id,
			    const char *username, const char *unit_code, const char *plan_number,
			    int step, char *msg, size_t cap)
{
	char need[STORE_CODE_MAX + 64], is[96];
	bool ok;

	switch (signer) {
	case SVC_SIGNER_UNIT_REP:
		ok = rights_is_unit_rep(a, unit_id);
		break;
	case SVC_SIGNER_LEADER:
		ok = rights_is_leader(a);
		break;
	case SVC_SIGNER_DEPUTY:
		ok = a->team_role == STORE_TEAM_DEPUTY;
		break;
	case SVC_SIGNER_AUTHORITY:
		ok = a->authority;
		break;
	default:
		ok = false;
		break;
	}
	if (ok)
		return 0;
	signer_text(signer, unit_code, need, sizeof(need));
	if (signer == SVC_SIGNER_UNIT_REP && a->rep_unit_id && a->rep_unit_id != unit_id)
		snprintf(is, sizeof(is), "the representative of another unit");
	else
		rights_describe(a, is, sizeof(is));
	return svc_fail(msg, cap, KT_EPERM, "review.sign: step %d (%s) needs %s in plan %s; '%s' is %s",
		    step, svc_review_signer_name(signer), need, plan_number ? plan_number : "",
		    username ? username : "", is);
}

static int transition_record(const struct svc_review_pos *cur, const struct svc_review_move *mv,
			     struct svc_review_pos *next, char *msg, size_t cap)
{
	char is[96];

	if (!rights_is_unit_rep(mv->access, mv->unit_id)) {
		if (mv->access->rep_unit_id)
			snprintf(is, sizeof(is), "the representative of another unit");
		else
			rights_describe(mv->access, is, sizeof(is));
		return svc_fail(msg, cap, KT_EPERM,
			    "review.record needs the representative of unit %s in plan %s; "
			    "'%s' is %s",
			    mv->unit_code, mv->plan_number, mv->username, is);
	}
	switch (cur->state) {
	case SVC_REVIEW_NONE:
		next->state = SVC_REVIEW_DRAFT;
		next->next_step = 1;
		next->round = 1;
		return 0;
	case SVC_REVIEW_DRAFT:
		next->state = SVC_REVIEW_DRAFT;
		next->next_step = 1;
		next->round = cur->round;
		return 0;
	case SVC_REVIEW_IN_SIGNOFF:
		return svc_fail(msg, cap, KT_ESTATE,
			    "the review of unit %s is in sign-off (step %d of %zu is next); it "
			    "can be changed only before the first sign-off or after a return",
			    mv->unit_code, cur->next_step, mv->n_chain);
	case SVC_REVIEW_APPROVED:
		return svc_fail(msg, cap, KT_ESTATE,
			    "the review of unit %s is approved (every step signed); it can no "
			    "longer be changed",
			    mv->unit_code);
	default:
		return svc_fail(msg, cap, KT_ECORRUPT, "the review of unit %s has an unknown state %d",
			    mv->unit_code, cur->state);
	}
}

static int transition_sign(const struct svc_review_pos *cur, const struct svc_review_move *mv,
			   struct svc_review_pos *next, char *msg, size_t cap)
{
	bool approve = mv->action == SVC_REVIEW_APPROVE;
	int step = mv->step, rc, signer;

	switch (cur->state) {
	case SVC_REVIEW_DRAFT:
	case SVC_REVIEW_IN_SIGNOFF:
		break;
	case SVC_REVIEW_NONE:
		return svc_fail(msg, cap, KT_ESTATE, "unit %s has not recorded its review yet",
			    mv->unit_code);
	case SVC_REVIEW_APPROVED:
		return svc_fail(msg, cap, KT_ESTATE,
			    "the review of unit %s is already approved: every step is signed",
			    mv->unit_code);
	default:
		return svc_fail(msg, cap, KT_ECORRUPT, "the review of unit %s has an unknown state %d",
			    mv->unit_code, cur->state);
	}
	if (mv->n_chain == 0 || cur->next_step < 1 || (size_t)cur->next_step > mv->n_chain)
		return svc_fail(msg, cap, KT_ESTATE,
			    "the review chain of plan %s has %zu steps, but the review of unit %s "
			    "is at step %d: the chain was changed during its sign-off",
			    mv->plan_number, mv->n_chain, mv->unit_code, cur->next_step);
	if (step != cur->next_step)
		return svc_fail(msg, cap, KT_ESTATE,
			    "step %d is not the next step of the review of unit %s: step %d (%s) "
			    "is",
			    step, mv->unit_code, cur->next_step,
			    svc_review_signer_name(mv->chain[cur->next_step - 1]));
	if (!approve && step == 1)
		return svc_fail(msg, cap, KT_ESTATE,
			    "step 1 (the submission) cannot be returned: the unit changes its "
			    "draft and records it again");
	signer = mv->chain[step - 1];
	rc = svc_review_signer_check(signer, mv->access, mv->unit_id, mv->username, mv->unit_code,
				     mv->plan_number, step, msg, cap);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < mv->n_round_signed; i++) {
		if (mv->round_signed[i].user_id != mv->user_id)
			continue;
		return svc_fail(msg, cap, KT_EPERM,
			    "'%s' already signed step %d of this round of the review of unit %s; "
			    "nobody signs two steps of the same round or confirms their own "
			    "submission",
			    mv->username, mv->round_signed[i].step, mv->unit_code);
	}
	if (approve) {
		if (mv->reason && mv->reason[0])
			return svc_fail(msg, cap, KT_EINVAL,
				    "a reason goes with a return only, not with an approval");
		if (step == 1 && !mv->has_minutes)
			return svc_fail(msg, cap, KT_ESTATE,
				    "attach the meeting minutes first: the review of unit %s has "
				    "no minutes (record it again with the minutes' evidence id)",
				    mv->unit_code);
		if ((size_t)step == mv->n_chain) {
			next->state = SVC_REVIEW_APPROVED;
			next->next_step = 0;
		} else {
			next->state = SVC_REVIEW_IN_SIGNOFF;
			next->next_step = step + 1;
		}
		next->round = cur->round;
		return 0;
	}
	if (!mv->reason || !mv->reason[0])
		return svc_fail(msg, cap, KT_EINVAL, "a return needs a reason for the unit");
	if (cur->round >= SVC_REVIEW_ROUNDS_MAX)
		return svc_fail(msg, cap, KT_ESTATE,
			    "the review of unit %s is in round %d, the last one allowed: it can "
			    "be approved but not returned again",
			    mv->unit_code, cur->round);
	next->state = SVC_REVIEW_DRAFT;
	next->next_step = 1;
	next->round = cur->round + 1;
	return 0;
}

int svc_review_transition(const struct svc_review_pos *cur, const struct svc_review_move *mv,
			  struct svc_review_pos *next, char *msg, size_t cap)
{
	*next = *cur;
	svc_fail(msg, cap, 0, "%s", "");
	switch (mv->action) {
	case SVC_REVIEW_RECORD:
		return transition_record(cur, mv, next, msg, cap);
	case SVC_REVIEW_APPROVE:
	case SVC_REVIEW_RETURN:
		return transition_sign(cur, mv, next, msg, cap);
	default:
		return svc_fail(msg, cap, KT_EINVAL, "unknown review action %d", mv->action);
	}
}

/* ---- loading ------------------------------------------------------------------------ */

void svc_review_free(struct svc_review *v)
{
	if (!v)
		return;
	free(v->officials);
	free(v->signoffs);
	memset(v, 0, sizeof(*v));
}

static int collect_official(const struct store_review_official *o, void *arg)
{
	struct svc_review *v = arg;
	struct store_review_official *no;
	size_t cap;

	if (v->n_officials == STORE_REVIEW_OFFICIALS_MAX)
		return KT_ECORRUPT;
	/* Capacity doubles from 4: grow when n reaches a power of two. */
	if (v->n_officials >= 4 && (v->n_officials & (v->n_officials - 1)) == 0) {
		cap = v->n_officials * 2;
		no = realloc(v->officials, cap * sizeof(*no));
		if (!no)
			return KT_ENOMEM;
		v->officials = no;
	}
	v->officials[v->n_officials++] = *o;
	return 0;
}

static int collect_signoff(const struct store_review_signoff *s, void *arg)
{
	struct svc_review *v = arg;
	struct store_review_signoff *ns;

	/* A handful per review (at most rounds x steps): grow one at a time. */
	ns = realloc(v->signoffs, (v->n_signoffs + 1) * sizeof(*ns));
	if (!ns)
		return KT_ENOMEM;
	v->signoffs = ns;
	v->signoffs[v->n_signoffs++] = *s;
	return 0;
}

/* Fill v (emptied first) with review r, its unit code, minutes, officials and signed steps. */
static int load(struct store_tx *tx, const struct store_review *r, struct svc_review *v, char *msg,
		size_t cap)
{
	struct store_user who;
	struct store_unit u;
	int rc;

	memset(v, 0, sizeof(*v));
	v->r = *r;
	rc = store_unit_get(tx, r->unit_id, &u);
	if (rc < 0)
		return svc_fail_store(msg, cap, rc, "reading the review's unit");
	memcpy(v->unit_code, u.code, sizeof(v->unit_code));
	rc = store_user_get(tx, r->recorded_by, &who);
	if (rc == 0) {
		memcpy(v->recorder, who.username, sizeof(v->recorder));
		memcpy(v->recorder_name, who.full_name, sizeof(v->recorder_name));
	} else if (rc != KT_ENOTFOUND) {
		return svc_fail_store(msg, cap, rc, "reading who recorded the review");
	}
	if (r->minutes_evidence_id) {
		rc = store_evidence_get(tx, r->minutes_evidence_id, &v->minutes);
		if (rc < 0)
			return svc_fail_store(msg, cap, rc, "reading the review's minutes");
		v->has_minutes = true;
	}
	v->officials = malloc(4 * sizeof(*v->officials));
	if (!v->officials)
		return svc_fail(msg, cap, KT_ENOMEM, "out of memory");
	rc = store_review_officials_list(tx, r->id, collect_official, v);
	if (rc < 0)
		return svc_fail_store(msg, cap, rc, "reading the review's officials");
	rc = store_review_signoffs_list(tx, r->id, collect_signoff, v);
	if (rc < 0)
		return svc_fail_store(msg, cap, rc, "reading the review's sign-offs");
	return 0;
}

void svc_review_digest(const struct svc_review *v, int step, int signer, bool approve,
		       const char *reason, uint8_t out[32])
{
	struct kt_digest_official o[STORE_REVIEW_OFFICIALS_MAX];
	size_t n = v->n_officials < STORE_REVIEW_OFFICIALS_MAX ? v->n_officials
							       : STORE_REVIEW_OFFICIALS_MAX;

	for (size_t i = 0; i < n; i++) {
		o[i].name = v->officials[i].name;
		o[i].position = v->officials[i].position;
		o[i].outcome = v->officials[i].outcome;
		o[i].note = v->officials[i].note;
	}
	kt_digest_review_signoff(v->r.plan_id, v->r.id, v->r.unit_id, v->r.round, step, signer,
				 approve, approve ? "" : reason, v->r.meeting_date,
				 v->has_minutes ? v->minutes.sha256 : NULL, n, o, out);
}

/* The plan's chain, or the default one when the plan stores none. */
static void plan_chain(const struct store_plan *p, const int **chain, size_t *n)
{
	if (p->n_chain) {
		*chain = p->review_chain;
		*n = p->n_chain;
	} else {
		*chain = default_chain;
		*n = sizeof(default_chain) / sizeof(default_chain[0]);
	}
}

/* Team (any role), observers and the authority see every unit; a representative their own. */
static bool can_see(const struct plan_access *a, int64_t unit_id)
{
	return rights_is_team(a) || a->observer || a->authority || rights_is_unit_rep(a, unit_id);
}

static int audit(struct store_tx *tx, const struct svc_actor *who, const char *action, int64_t id,
		 const char *detail, char *msg, size_t cap)
{
	struct store_audit a = {
	    .user_id = who->user_id,
	    .actor = who->name,
	    .session_id = who->session_id,
	    .action = action,
	    .object_type = "review",
	    .object_id = id,
	    .detail = detail,
	    .at = who->now,
	};
	int rc = store_audit_append(tx, &a);

	if (rc < 0)
		return svc_fail_store(msg, cap, rc, "writing the audit log");
	return 0;
}

/* ---- record ------------------------------------------------------------------------- */

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

static int check_officials(size_t n, const struct svc_review_official *v, char *msg, size_t cap)
{
	char field[64];
	size_t total = 0;
	int rc;

	if (n == 0)
		return svc_fail(msg, cap, KT_EINVAL,
			    "a review names at least one official reviewed and the outcome");
	if (n > STORE_REVIEW_OFFICIALS_MAX)
		return svc_fail(msg, cap, KT_EINVAL,
			    "a review names at most %d officials; this has %zu",
			    STORE_REVIEW_OFFICIALS_MAX, n);
	for (size_t i = 0; i < n; i++) {
		snprintf(field, sizeof(field), "official %zu: the name", i + 1);
		if ((rc = check_text(field, v[i].name, STORE_NAME_MAX, KT_TEXT_NONEMPTY, msg,
				     cap)) < 0)
			return rc;
		snprintf(field, sizeof(field), "official %zu: the position", i + 1);
		if ((rc = check_text(field, v[i].position, STORE_NAME_MAX, KT_TEXT_NONEMPTY, msg,
				     cap)) < 0)
			return rc;
		snprintf(field, sizeof(field), "official %zu: the note", i + 1);
		if ((rc = check_text(field, v[i].note, STORE_REVIEW_NOTE_MAX, KT_TEXT_MULTILINE,
				     msg, cap)) < 0)
			return rc;
		if (v[i].outcome < OUTCOME_FIRST || v[i].outcome > OUTCOME_LAST)
			return svc_fail(msg, cap, KT_EINVAL,
				    "official %zu: outcome %d is not an Outcome (1 no-action .. "
				    "6 warning)",
				    i + 1, v[i].outcome);
		total +=
		    strlen(v[i].name) + strlen(v[i].position) + (v[i].note ? strlen(v[i].note) : 0);
	}
	if (total > SVC_REVIEW_OFFICIALS_TEXT_MAX)
		return svc_fail(msg, cap, KT_ETOOBIG,
			    "the officials' names, positions and notes take %zu bytes; a review "
			    "holds at most %d",
			    total, SVC_REVIEW_OFFICIALS_TEXT_MAX);
	return 0;
}

static int check_meeting_date(const char *date, const struct store_plan *p, int64_t now, char *msg,
			      size_t cap)
{
	char today[KT_DATE_SIZE];

	if (!date || !kt_date_valid(date))
		return svc_fail(msg, cap, KT_EINVAL,
			    "the meeting date must be a real calendar date YYYY-MM-DD; got '%.32s'",
			    date ? date : "");
	kt_date_server_today(now, today); /* honours KIEMTRAD_TODAY, like every deadline */
	if (kt_date_cmp(date, today) > 0)
		return svc_fail(msg, cap, KT_EINVAL,
			    "the meeting date %s is in the future (today is %s): record a meeting "
			    "once it has been held",
			    date, today);
	if (kt_date_valid(p->issued_on) && kt_date_cmp(date, p->issued_on) < 0)
		return svc_fail(msg, cap, KT_EINVAL,
			    "the meeting date %s is before plan %s was issued (%s)", date,
			    p->number, p->issued_on);
	return 0;
}

static int check_minutes(struct store_tx *tx, int64_t id, const struct store_plan *p, char *msg,
			 size_t cap)
{
	struct store_evidence e;
	int rc;

	if (id == 0)
		return 0;
	if (id < 0)
		return svc_fail(msg, cap, KT_EINVAL, "the minutes' evidence id must be positive");
	rc = store_evidence_get(tx, id, &e);
	if (rc == KT_ENOTFOUND || (rc == 0 && e.plan_id != p->id))
		return svc_fail(msg, cap, KT_ENOTFOUND,
			    "no evidence %" PRId64 " in plan %s: upload the minutes to this plan "
			    "first (kiemtra evidence upload)",
			    id, p->number);
	if (rc < 0)
		return svc_fail_store(msg, cap, rc, "reading the minutes' evidence");
	if (!e.complete)
		return svc_fail(msg, cap, KT_ESTATE,
			    "the upload of evidence %" PRId64 " ('%s') is not complete; finish it "
			    "first",
			    id, e.name);
	return 0;
}

/* Whether the stored draft v is exactly what this record asks for, by the same user. */
static bool same_draft(const struct svc_review *v, int64_t user_id, const char *date,
		       int64_t minutes, size_t n, const struct svc_review_official *o)
{
	if (v->r.state != SVC_REVIEW_DRAFT || v->r.recorded_by != user_id ||
	    strcmp(v->r.meeting_date, date) != 0 || v->r.minutes_evidence_id != minutes ||
	    v->n_officials != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		const struct store_review_official *s = &v->officials[i];

		if (strcmp(s->name, o[i].name) != 0 || strcmp(s->position, o[i].position) != 0 ||
		    s->outcome != o[i].outcome || strcmp(s->note, o[i].note ? o[i].note : "") != 0)
			return false;
	}
	return true;
}

/* Steps of the current round signed so far, from v's sign-offs (caller's array). */
static size_t round_signed(const struct svc_review *v, struct svc_review_signed *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < v->n_signoffs && n < cap; i++) {
		if (v->signoffs[i].round != v->r.round)
			continue;
		out[n].step = v->signoffs[i].step;
		out[n].user_id = v->signoffs[i].user_id;
		n++;
	}
	return n;
}

int svc_review_record(struct store_tx *tx, const struct svc_review_caller *c, int64_t plan_id,
		      int64_t unit_id, int64_t version, const char *meeting_date,
		      int64_t minutes_evidence_id, size_t n_officials,
		      const struct svc_review_official *officials, struct svc_review *out,
		      int64_t *current_version, char *msg, size_t cap)
{
	struct store_review_official *rows = NULL;
	struct svc_review cur = {0};
	struct svc_review_pos pos = {0}, next;
	struct svc_review_move mv = {0};
	struct store_plan *plan = NULL;
	struct store_review r;
	struct plan_access a;
	struct store_unit u;
	char detail[160];
	bool exists = false;
	const int *chain;
	size_t n_chain;
	int rc;

	svc_fail(msg, cap, 0, "%s", "");
	if ((rc = rights_load(tx, &c->user, plan_id, &a, msg, cap)) < 0)
		goto out;
	if ((rc = rights_plan_open(&a, msg, cap)) < 0)
		goto out;
	plan = malloc(sizeof(*plan));
	if (!plan) {
		rc = svc_fail(msg, cap, KT_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = store_plan_get(tx, plan_id, plan)) < 0) {
		svc_fail_store(msg, cap, rc, "reading the plan");
		goto out;
	}
	plan_chain(plan, &chain, &n_chain);
	rc = store_unit_get(tx, unit_id, &u);
	if (rc == KT_ENOTFOUND) {
		rc = svc_fail(msg, cap, rc, "no unit with id %" PRId64, unit_id);
		goto out;
	}
	if (rc < 0) {
		svc_fail_store(msg, cap, rc, "reading the unit");
		goto out;
	}
	rc = store_plan_has_unit(tx, plan_id, unit_id);
	if (rc < 0) {
		svc_fail_store(msg, cap, rc, "reading the plan's units");
		goto out;
	}
	if (rc == 0) {
		rc = svc_fail(msg, cap, KT_ENOTFOUND, "unit %s is not one of the units of plan %s",
			  u.code, plan->number);
		goto out;
	}
	rc = store_review_find(tx, plan_id, unit_id, &r);
	if (rc == 0) {
		exists = true;
		if ((rc = load(tx, &r, &cur, msg, cap)) < 0)
			goto out;
		pos.state = r.state;
		pos.next_step = r.next_step;
		pos.round = r.round;
	} else if (rc != KT_ENOTFOUND) {
		svc_fail_store(msg, cap, rc, "reading the review");
		goto out;
	}

	mv.action = SVC_REVIEW_RECORD;
	mv.chain = chain;
	mv.n_chain = n_chain;
	mv.access = &a;
	mv.user_id = c->who->user_id;
	mv.username = c->who->name;
	mv.unit_id = unit_id;
	mv.unit_code = u.code;
	mv.plan_number = plan->number;
	/* The rights part of the move first: outsiders learn nothing of the review. */
	if (!rights_is_unit_rep(&a, unit_id)) {
		rc = svc_review_transition(&pos, &mv, &next, msg, cap);
		goto out;
	}
	if ((rc = check_meeting_date(meeting_date, plan, c->who->now, msg, cap)) < 0 ||
	    (rc = check_officials(n_officials, officials, msg, cap)) < 0 ||
	    (rc = check_minutes(tx, minutes_evidence_id, plan, msg, cap)) < 0 ||
	    (minutes_evidence_id &&
	     (rc = svc_evidence_rep_may_cite(tx, c->who->user_id, unit_id, minutes_evidence_id,
					     msg, cap)) < 0))
		goto out;

	if (!exists && version != 0) {
		rc = svc_fail(msg, cap, KT_ENOTFOUND,
			  "unit %s has no review recorded in plan %s yet: record it with version 0",
			  u.code, plan->number);
		goto out;
	}
	if (exists && version == 0 &&
	    same_draft(&cur, c->who->user_id, meeting_date, minutes_evidence_id, n_officials,
		       officials)) {
		/* A retry of the record that made this draft: nothing to change. */
		if (out) {
			*out = cur;
			memset(&cur, 0, sizeof(cur));
		}
		rc = 0;
		goto out;
	}
	if (exists && version != r.version) {
		*current_version = r.version;
		if (version == 0)
			rc = svc_fail(msg, cap, KT_ECONFLICT,
				  "unit %s already has a review in plan %s (version %" PRId64
				  "); to replace it, give that version",
				  u.code, plan->number, r.version);
		else
			rc = svc_fail(msg, cap, KT_ECONFLICT,
				  "the review of unit %s changed: it is at version %" PRId64
				  ", not %" PRId64 "; look at it again",
				  u.code, r.version, version);
		goto out;
	}
	if ((rc = svc_review_transition(&pos, &mv, &next, msg, cap)) < 0)
		goto out;

	rows = calloc(n_officials, sizeof(*rows));
	if (!rows) {
		rc = svc_fail(msg, cap, KT_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n_officials; i++) {
		snprintf(rows[i].name, sizeof(rows[i].name), "%s", officials[i].name);
		snprintf(rows[i].position, sizeof(rows[i].position), "%s", officials[i].position);
		snprintf(rows[i].note, sizeof(rows[i].note), "%s",
			 officials[i].note ? officials[i].note : "");
		rows[i].outcome = officials[i].outcome;
	}
	if (!exists) {
		memset(&r, 0, sizeof(r));
		r.plan_id = plan_id;
		r.unit_id = unit_id;
	}
	snprintf(r.meeting_date, sizeof(r.meeting_date), "%s", meeting_date);
	r.minutes_evidence_id = minutes_evidence_id;
	r.state = next.state;
	r.next_step = next.next_step;
	r.round = next.round;
	r.recorded_by = c->who->user_id;
	r.recorded_at = c->who->now;
	r.updated_at = c->who->now;
	if (exists)
		rc = store_review_update(tx, &r, version);
	else
		rc = store_review_insert(tx, &r);
	if (rc == KT_ECONFLICT || rc == KT_EEXIST) {
		rc = svc_fail(msg, cap, KT_ECONFLICT,
			  "the review of unit %s changed meanwhile; try again", u.code);
		goto out;
	}
	if (rc < 0) {
		svc_fail_store(msg, cap, rc, "writing the review");
		goto out;
	}
	if ((rc = store_review_officials_set(tx, r.id, n_officials, rows)) < 0) {
		svc_fail_store(msg, cap, rc, "writing the officials");
		goto out;
	}
	snprintf(detail, sizeof(detail),
		 "plan %" PRId64 " unit %s round %d meeting %s officials %zu minutes %" PRId64,
		 plan_id, u.code, r.round, r.meeting_date, n_officials, minutes_evidence_id);
	if ((rc = audit(tx, c->who, "review.record", r.id, detail, msg, cap)) < 0)
		goto out;
	if (out && (rc = load(tx, &r, out, msg, cap)) < 0)
		goto out;
	rc = 0;
out:
	free(rows);
	free(plan);
	svc_review_free(&cur);
	return rc;
}

/* ---- sign ----------------------------------------------------------------------------- */

int svc_review_sign(struct store_tx *tx, const struct svc_review_caller *c, int64_t id,
		    int64_t version, int step, bool approve, const char *reason, const uint8_t *sig,
		    size_t sig_len, struct svc_review *out, int64_t *current_version, char *msg,
		    size_t cap)
{
	struct svc_review_signed signed_steps[STORE_CHAIN_MAX];
	struct store_review_signoff so;
	struct svc_review v = {0};
	struct svc_review_pos pos, next;
	struct svc_review_move mv = {0};
	struct store_plan *plan = NULL;
	struct store_review r;
	struct plan_access a;
	uint8_t digest[32], key[32];
	char detail[160];
	const int *chain;
	size_t n_chain;
	int rc;

	svc_fail(msg, cap, 0, "%s", "");
	rc = store_review_get(tx, id, &r);
	if (rc == KT_ENOTFOUND) {
		rc = svc_fail(msg, cap, rc, "no review with id %" PRId64, id);
		goto out;
	}
	if (rc < 0) {
		svc_fail_store(msg, cap, rc, "reading the review");
		goto out;
	}
	if ((rc = rights_load(tx, &c->user, r.plan_id, &a, msg, cap)) < 0)
		goto out;
	if (!can_see(&a, r.unit_id)) {
		rc = svc_fail(msg, cap, KT_EPERM,
			  "review %" PRId64 " is of another unit than yours; a unit representative "
			  "signs only the review of their own unit",
			  id);
		goto out;
	}
	if ((rc = rights_plan_open(&a, msg, cap)) < 0)
		goto out;
	plan = malloc(sizeof(*plan));
	if (!plan) {
		rc = svc_fail(msg, cap, KT_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = store_plan_get(tx, r.plan_id, plan)) < 0) {
		svc_fail_store(msg, cap, rc, "reading the plan");
		goto out;
	}
	plan_chain(plan, &chain, &n_chain);
	if ((rc = load(tx, &r, &v, msg, cap)) < 0)
		goto out;
	if (version != r.version) {
		*current_version = r.version;
		rc = svc_fail(msg, cap, KT_ECONFLICT,
			  "the review of unit %s changed: it is at version %" PRId64
			  ", not %" PRId64 "; look at it again before signing",
			  v.unit_code, r.version, version);
		goto out;
	}

	pos.state = r.state;
	pos.next_step = r.next_step;
	pos.round = r.round;
	mv.action = approve ? SVC_REVIEW_APPROVE : SVC_REVIEW_RETURN;
	mv.step = step;
	mv.chain = chain;
	mv.n_chain = n_chain;
	mv.access = &a;
	mv.user_id = c->who->user_id;
	mv.username = c->who->name;
	mv.unit_id = r.unit_id;
	mv.unit_code = v.unit_code;
	mv.plan_number = plan->number;
	mv.reason = reason;
	mv.has_minutes = v.has_minutes;
	mv.round_signed = signed_steps;
	mv.n_round_signed = round_signed(&v, signed_steps, STORE_CHAIN_MAX);
	if ((rc = svc_review_transition(&pos, &mv, &next, msg, cap)) < 0)
		goto out;
	if (!approve && (rc = check_text("the reason", reason, STORE_REVIEW_REASON_MAX,
					 KT_TEXT_NONEMPTY | KT_TEXT_MULTILINE, msg, cap)) < 0)
		goto out;

	svc_review_digest(&v, step, chain[step - 1], approve, reason, digest);
	rc = svc_verify_signature(tx, c->device_id, digest, sig, sig_len, key, msg, cap);
	if (rc < 0)
		goto out;

	memset(&so, 0, sizeof(so));
	so.review_id = r.id;
	so.round = r.round;
	so.step = step;
	so.signer = chain[step - 1];
	so.approved = approve;
	snprintf(so.reason, sizeof(so.reason), "%s", approve ? "" : reason);
	so.user_id = c->who->user_id;
	so.at = c->who->now;
	memcpy(so.digest, digest, sizeof(so.digest));
	memcpy(so.signature, sig, sizeof(so.signature));
	memcpy(so.signing_key, key, sizeof(so.signing_key));
	rc = store_review_signoff_add(tx, &so);
	if (rc == KT_EEXIST) {
		rc = svc_fail(msg, cap, KT_ECONFLICT, "step %d of this round is already signed", step);
		goto out;
	}
	if (rc < 0) {
		svc_fail_store(msg, cap, rc, "writing the sign-off");
		goto out;
	}
	r.state = next.state;
	r.next_step = next.next_step;
	r.round = next.round;
	if (!approve)
		snprintf(r.return_reason, sizeof(r.return_reason), "%s", reason);
	r.updated_at = c->who->now;
	rc = store_review_update(tx, &r, version);
	if (rc == KT_ECONFLICT) {
		*current_version = r.version;
		rc = svc_fail(msg, cap, rc, "the review of unit %s changed meanwhile; try again",
			  v.unit_code);
		goto out;
	}
	if (rc < 0) {
		svc_fail_store(msg, cap, rc, "writing the review");
		goto out;
	}
	snprintf(
	    detail, sizeof(detail), "plan %" PRId64 " unit %s round %d step %d (%s) %s", r.plan_id,
	    v.unit_code, so.round, step, svc_review_signer_name(so.signer),
	    approve ? (next.state == SVC_REVIEW_APPROVED ? "approved, review approved" : "approved")
		    : "returned");
	rc =
	    audit(tx, c->who, approve ? "review.approve" : "review.return", r.id, detail, msg, cap);
	if (rc < 0)
		goto out;
	if (out && (rc = load(tx, &r, out, msg, cap)) < 0)
		goto out;
	rc = 0;
out:
	free(plan);
	svc_review_free(&v);
	return rc;
}

/* ---- list ------------------------------------------------------------------------------ */

struct list_walk {
	struct store_tx *tx;
	const struct plan_access *a;
	int (*fn)(const struct svc_review *v, void *arg);
	void *arg;
	char *msg;
	size_t cap;
};

static int list_one(const struct store_review *r, void *arg)
{
	struct list_walk *w = arg;
	struct svc_review v;
	int rc;

	if (!can_see(w->a, r->unit_id))
		return 0;
	rc = load(w->tx, r, &v, w->msg, w->cap);
	if (rc == 0)
		rc = w->fn(&v, w->arg);
	svc_review_free(&v);
	return rc;
}

int svc_review_list(struct store_tx *tx, const struct svc_review_caller *c, int64_t plan_id,
		    int64_t unit_id, int64_t after_unit_id,
		    int (*fn)(const struct svc_review *v, void *arg), void *arg, char *msg,
		    size_t cap)
{
	struct list_walk w = {tx, NULL, fn, arg, msg, cap};
	struct plan_access a;
	bool everything;
	int rc;

	svc_fail(msg, cap, 0, "%s", "");
	if ((rc = rights_load(tx, &c->user, plan_id, &a, msg, cap)) < 0)
		return rc;
	w.a = &a;
	everything = rights_is_team(&a) || a.observer || a.authority;
	if (unit_id && !can_see(&a, unit_id)) {
		char is[96], unit[STORE_CODE_MAX + 24];
		struct store_unit u;

		rights_describe(&a, is, sizeof(is));
		if (a.rep_unit_id)
			snprintf(is, sizeof(is), "the representative of another unit");
		if (store_unit_get(tx, unit_id, &u) == 0)
			snprintf(unit, sizeof(unit), "%s", u.code);
		else
			snprintf(unit, sizeof(unit), "#%" PRId64, unit_id);
		return svc_fail(msg, cap, KT_EPERM,
			    "the review of unit %s needs a place on the team of plan %s, an "
			    "observer's or the authority's standing, or to represent that unit; "
			    "'%s' is %s",
			    unit, a.number, c->who->name, is);
	}
	if (!everything && !a.rep_unit_id)
		return svc_fail(msg, cap, KT_EPERM,
			    "review.list needs a place on the team of plan %s, an observer's or "
			    "the authority's standing, or to represent one of its units; '%s' is "
			    "a planner only",
			    a.number, c->who->name);
	if (!everything)
		unit_id = a.rep_unit_id;
	rc = store_review_list(tx, plan_id, unit_id, after_unit_id, list_one, &w);
	if (rc < 0 && msg && cap && !msg[0])
		svc_fail_store(msg, cap, rc, "listing the reviews");
	return rc;
}
