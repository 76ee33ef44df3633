/*
 * test_reviews.c - the responsibility review state machine
 * (svc_review_transition), who may sign which step (svc_review_signer_check),
 * and the sign-off digest the server recomputes (svc_review_digest). Pure
 * functions: no database, no network. Exit status 0 when every check passed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/approval.h"
#include "common/status.h"
#include "server/svc_reviews.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: expected %s, it is false\n", __FILE__, __LINE__,   \
				#cond);                                                            \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define CHECK_INT(expected, actual)                                                                \
	do {                                                                                       \
		long long e_ = (long long)(expected), a_ = (long long)(actual);                    \
		if (e_ != a_) {                                                                    \
			fprintf(stderr, "%s:%d: %s: expected %lld, got %lld\n", __FILE__,          \
				__LINE__, #actual, e_, a_);                                        \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define CHECK_MSG(msg, part)                                                                       \
	do {                                                                                       \
		if (!strstr((msg), (part))) {                                                      \
			fprintf(stderr, "%s:%d: expected \"%s\" in the message \"%s\"\n",          \
				__FILE__, __LINE__, (part), (msg));                                \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define UNIT 7
#define OTHER_UNIT 8

static const int chain3[] = {SVC_SIGNER_UNIT_REP, SVC_SIGNER_LEADER, SVC_SIGNER_AUTHORITY};

/* Standings in plan 06/KH-UBND. */
static struct plan_access rep, rep_other, leader, deputy, member, authority, observer,
    deputy_and_rep, outsider_authority;

static void standings(void)
{
	struct plan_access base = {.plan_id = 1, .status = 1};

	snprintf(base.number, sizeof(base.number), "06/KH-UBND");
	rep = rep_other = leader = deputy = member = authority = observer = deputy_and_rep = base;
	outsider_authority = base;
	rep.rep_unit_id = UNIT;
	rep.user_id = 10;
	rep_other.rep_unit_id = OTHER_UNIT;
	rep_other.user_id = 11;
	leader.team_role = 1;
	leader.user_id = 20;
	deputy.team_role = 2;
	deputy.user_id = 21;
	member.team_role = 3;
	member.user_id = 22;
	authority.authority = true;
	authority.user_id = 30;
	observer.observer = true;
	observer.user_id = 40;
	/* Global roles inspector + unit_rep: a deputy of the team who also represents the unit. */
	deputy_and_rep.team_role = 2;
	deputy_and_rep.rep_unit_id = UNIT;
	deputy_and_rep.user_id = 50;
	/* The authority of another plan: in this plan, no authority standing at all. */
	outsider_authority.planner = true;
	outsider_authority.user_id = 31;
}

static struct svc_review_move move(int action, int step, const struct plan_access *a,
				   const int *chain, size_t n_chain)
{
	struct svc_review_move mv = {0};

	mv.action = action;
	mv.step = step;
	mv.chain = chain;
	mv.n_chain = n_chain;
	mv.access = a;
	mv.user_id = a->user_id;
	mv.username = "user";
	mv.unit_id = UNIT;
	mv.unit_code = "GL-KIEUKY";
	mv.plan_number = "06/KH-UBND";
	mv.has_minutes = true;
	return mv;
}

static int run(int state, int next_step, int round, const struct svc_review_move *mv,
	       struct svc_review_pos *out, char *msg, size_t cap)
{
	struct svc_review_pos cur = {state, next_step, round};

	return svc_review_transition(&cur, mv, out, msg, cap);
}

static void test_record(void)
{
	struct svc_review_move mv = move(SVC_REVIEW_RECORD, 0, &rep, chain3, 3);
	struct svc_review_pos next;
	char msg[512];

	CHECK_INT(0, run(SVC_REVIEW_NONE, 0, 0, &mv, &next, msg, sizeof(msg)));
	CHECK_INT(SVC_REVIEW_DRAFT, next.state);
	CHECK_INT(1, next.next_step);
	CHECK_INT(1, next.round);

	/* A draft (after a return: round 2) is replaced in the same round. */
	CHECK_INT(0, run(SVC_REVIEW_DRAFT, 1, 2, &mv, &next, msg, sizeof(msg)));
	CHECK_INT(SVC_REVIEW_DRAFT, next.state);
	CHECK_INT(1, next.next_step);
	CHECK_INT(2, next.round);

	CHECK_INT(KT_ESTATE, run(SVC_REVIEW_IN_SIGNOFF, 2, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_MSG(msg, "in sign-off");
	CHECK_INT(KT_ESTATE, run(SVC_REVIEW_APPROVED, 0, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_MSG(msg, "approved");

	/* Only the representative of this very unit records it. */
	mv = move(SVC_REVIEW_RECORD, 0, &leader, chain3, 3);
	CHECK_INT(KT_EPERM, run(SVC_REVIEW_NONE, 0, 0, &mv, &next, msg, sizeof(msg)));
	CHECK_MSG(msg, "review.record needs the representative of unit GL-KIEUKY");
	CHECK_MSG(msg, "the leader");
	mv = move(SVC_REVIEW_RECORD, 0, &rep_other, chain3, 3);
	CHECK_INT(KT_EPERM, run(SVC_REVIEW_DRAFT, 1, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_MSG(msg, "another unit");
	mv = move(SVC_REVIEW_RECORD, 0, &observer, chain3, 3);
	CHECK_INT(KT_EPERM, run(SVC_REVIEW_NONE, 0, 0, &mv, &next, msg, sizeof(msg)));
}

/* The Gia Lâm path: the unit submits, the leader confirms, the authority approves. */
static void test_full_chain(void)
{
	struct svc_review_signed signed_steps[3];
	struct svc_review_move mv;
	struct svc_review_pos next;
	char msg[512];

	mv = move(SVC_REVIEW_APPROVE, 1, &rep, chain3, 3);
	CHECK_INT(0, run(SVC_REVIEW_DRAFT, 1, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_INT(SVC_REVIEW_IN_SIGNOFF, next.state);
	CHECK_INT(2, next.next_step);
	CHECK_INT(1, next.round);
	signed_steps[0] = (struct svc_review_signed){1, rep.user_id};

	mv = move(SVC_REVIEW_APPROVE, 2, &leader, chain3, 3);
	mv.round_signed = signed_steps;
	mv.n_round_signed = 1;
	CHECK_INT(0, run(SVC_REVIEW_IN_SIGNOFF, 2, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_INT(SVC_REVIEW_IN_SIGNOFF, next.state);
	CHECK_INT(3, next.next_step);
	signed_steps[1] = (struct svc_review_signed){2, leader.user_id};

	mv = move(SVC_REVIEW_APPROVE, 3, &authority, chain3, 3);
	mv.round_signed = signed_steps;
	mv.n_round_signed = 2;
	CHECK_INT(0, run(SVC_REVIEW_IN_SIGNOFF, 3, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_INT(SVC_REVIEW_APPROVED, next.state);
	CHECK_INT(0, next.next_step);
	CHECK_INT(1, next.round);

	/* Approved is final. */
	CHECK_INT(KT_ESTATE, run(SVC_REVIEW_APPROVED, 0, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_MSG(msg, "already approved");
	mv = move(SVC_REVIEW_RETURN, 3, &authority, chain3, 3);
	mv.reason = "late";
	CHECK_INT(KT_ESTATE, run(SVC_REVIEW_APPROVED, 0, 1, &mv, &next, msg, sizeof(msg)));
}

static void test_wrong_signer_or_step(void)
{
	struct svc_review_signed s1 = {1, 10};
	struct svc_review_move mv;
	struct svc_review_pos next;
	char msg[512];

	/* The unit's representative cannot sign the leader's step. */
	mv = move(SVC_REVIEW_APPROVE, 2, &rep, chain3, 3);
	mv.round_signed = &s1;
	mv.n_round_signed = 1;
	CHECK_INT(KT_EPERM, run(SVC_REVIEW_IN_SIGNOFF, 2, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_MSG(msg, "step 2 (leader) needs the team leader");
	/* A deputy or a member is not the leader. */
	mv.access = &deputy;
	mv.user_id = deputy.user_id;
	CHECK_INT(KT_EPERM, run(SVC_REVIEW_IN_SIGNOFF, 2, 1, &mv, &next, msg, sizeof(msg)));
	mv.access = &member;
	mv.user_id = member.user_id;
	CHECK_INT(KT_EPERM, run(SVC_REVIEW_IN_SIGNOFF, 2, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_MSG(msg, "a member");

	/* The leader cannot sign the authority's step. */
	mv = move(SVC_REVIEW_APPROVE, 3, &leader, chain3, 3);
	CHECK_INT(KT_EPERM, run(SVC_REVIEW_IN_SIGNOFF, 3, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_MSG(msg, "approving authority");
	/* Nor may the authority of another plan. */
	mv.access = &outsider_authority;
	mv.user_id = outsider_authority.user_id;
	CHECK_INT(KT_EPERM, run(SVC_REVIEW_IN_SIGNOFF, 3, 1, &mv, &next, msg, sizeof(msg)));
	/* An observer changes nothing. */
	mv.access = &observer;
	mv.user_id = observer.user_id;
	CHECK_INT(KT_EPERM, run(SVC_REVIEW_IN_SIGNOFF, 3, 1, &mv, &next, msg, sizeof(msg)));

	/* The representative of another unit cannot submit this one. */
	mv = move(SVC_REVIEW_APPROVE, 1, &rep_other, chain3, 3);
	CHECK_INT(KT_EPERM, run(SVC_REVIEW_DRAFT, 1, 1, &mv, &next, msg, sizeof(msg)));

	/* Only the next step can be signed. */
	mv = move(SVC_REVIEW_APPROVE, 3, &authority, chain3, 3);
	CHECK_INT(KT_ESTATE, run(SVC_REVIEW_IN_SIGNOFF, 2, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_MSG(msg, "step 2 (leader) is");
	mv = move(SVC_REVIEW_APPROVE, 1, &rep, chain3, 3);
	CHECK_INT(KT_ESTATE, run(SVC_REVIEW_IN_SIGNOFF, 2, 1, &mv, &next, msg, sizeof(msg)));
	mv = move(SVC_REVIEW_APPROVE, 0, &rep, chain3, 3);
	CHECK_INT(KT_ESTATE, run(SVC_REVIEW_DRAFT, 1, 1, &mv, &next, msg, sizeof(msg)));
	/* Nothing to sign before the unit records its review. */
	mv = move(SVC_REVIEW_APPROVE, 1, &rep, chain3, 3);
	CHECK_INT(KT_ESTATE, run(SVC_REVIEW_NONE, 0, 0, &mv, &next, msg, sizeof(msg)));
	CHECK_MSG(msg, "has not recorded");
}

static void test_minutes_and_reason(void)
{
	struct svc_review_move mv;
	struct svc_review_pos next;
	char msg[512];

	mv = move(SVC_REVIEW_APPROVE, 1, &rep, chain3, 3);
	mv.has_minutes = false;
	CHECK_INT(KT_ESTATE, run(SVC_REVIEW_DRAFT, 1, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_MSG(msg, "attach the meeting minutes first");

	/* A reason goes with a return only. */
	mv = move(SVC_REVIEW_APPROVE, 2, &leader, chain3, 3);
	mv.reason = "ok";
	CHECK_INT(KT_EINVAL, run(SVC_REVIEW_IN_SIGNOFF, 2, 1, &mv, &next, msg, sizeof(msg)));
	mv = move(SVC_REVIEW_RETURN, 2, &leader, chain3, 3);
	CHECK_INT(KT_EINVAL, run(SVC_REVIEW_IN_SIGNOFF, 2, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_MSG(msg, "needs a reason");
	mv.reason = "";
	CHECK_INT(KT_EINVAL, run(SVC_REVIEW_IN_SIGNOFF, 2, 1, &mv, &next, msg, sizeof(msg)));
}

static void test_return(void)
{
	struct svc_review_signed s[2] = {{1, 10}, {2, 20}};
	struct svc_review_move mv;
	struct svc_review_pos next;
	char msg[512];

	/* The leader returns at step 2: a draft again, in a new round. */
	mv = move(SVC_REVIEW_RETURN, 2, &leader, chain3, 3);
	mv.reason = "Biên bản thiếu chữ ký của chủ trì cuộc họp";
	mv.round_signed = s;
	mv.n_round_signed = 1;
	CHECK_INT(0, run(SVC_REVIEW_IN_SIGNOFF, 2, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_INT(SVC_REVIEW_DRAFT, next.state);
	CHECK_INT(1, next.next_step);
	CHECK_INT(2, next.round);

	/* The authority returns at step 3. */
	mv = move(SVC_REVIEW_RETURN, 3, &authority, chain3, 3);
	mv.reason = "thiếu một cán bộ";
	mv.round_signed = s;
	mv.n_round_signed = 2;
	CHECK_INT(0, run(SVC_REVIEW_IN_SIGNOFF, 3, 2, &mv, &next, msg, sizeof(msg)));
	CHECK_INT(SVC_REVIEW_DRAFT, next.state);
	CHECK_INT(3, next.round);

	/* Step 1 is the unit's own submission: it cannot be returned. */
	mv = move(SVC_REVIEW_RETURN, 1, &rep, chain3, 3);
	mv.reason = "x";
	CHECK_INT(KT_ESTATE, run(SVC_REVIEW_DRAFT, 1, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_MSG(msg, "cannot be returned");

	/* Only the step's signer returns it. */
	mv = move(SVC_REVIEW_RETURN, 2, &authority, chain3, 3);
	mv.reason = "x";
	CHECK_INT(KT_EPERM, run(SVC_REVIEW_IN_SIGNOFF, 2, 1, &mv, &next, msg, sizeof(msg)));

	/* The last round can still be approved, but not returned again. */
	mv = move(SVC_REVIEW_RETURN, 2, &leader, chain3, 3);
	mv.reason = "x";
	CHECK_INT(KT_ESTATE, run(SVC_REVIEW_IN_SIGNOFF, 2, SVC_REVIEW_ROUNDS_MAX, &mv, &next, msg,
				 sizeof(msg)));
	CHECK_MSG(msg, "last one allowed");
	mv = move(SVC_REVIEW_APPROVE, 2, &leader, chain3, 3);
	CHECK_INT(
	    0, run(SVC_REVIEW_IN_SIGNOFF, 2, SVC_REVIEW_ROUNDS_MAX, &mv, &next, msg, sizeof(msg)));
}

/* Nobody signs two steps of the same round: a deputy who also represents the unit. */
static void test_no_double_signing(void)
{
	static const int chain_rep_deputy[] = {SVC_SIGNER_UNIT_REP, SVC_SIGNER_DEPUTY};
	struct svc_review_signed s1 = {1, 50};
	struct svc_review_move mv;
	struct svc_review_pos next;
	char msg[512];

	mv = move(SVC_REVIEW_APPROVE, 1, &deputy_and_rep, chain_rep_deputy, 2);
	CHECK_INT(0, run(SVC_REVIEW_DRAFT, 1, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_INT(2, next.next_step);

	mv = move(SVC_REVIEW_APPROVE, 2, &deputy_and_rep, chain_rep_deputy, 2);
	mv.round_signed = &s1;
	mv.n_round_signed = 1;
	CHECK_INT(KT_EPERM, run(SVC_REVIEW_IN_SIGNOFF, 2, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_MSG(msg, "already signed step 1");
	/* Returning their own submission is refused the same way. */
	mv = move(SVC_REVIEW_RETURN, 2, &deputy_and_rep, chain_rep_deputy, 2);
	mv.reason = "x";
	mv.round_signed = &s1;
	mv.n_round_signed = 1;
	CHECK_INT(KT_EPERM, run(SVC_REVIEW_IN_SIGNOFF, 2, 1, &mv, &next, msg, sizeof(msg)));

	/* Another deputy may: the chain ends, the review is approved. */
	mv = move(SVC_REVIEW_APPROVE, 2, &deputy, chain_rep_deputy, 2);
	mv.round_signed = &s1;
	mv.n_round_signed = 1;
	CHECK_INT(0, run(SVC_REVIEW_IN_SIGNOFF, 2, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_INT(SVC_REVIEW_APPROVED, next.state);

	/* In the next round (after a return) the same person may sign step 1 again. */
	mv = move(SVC_REVIEW_APPROVE, 1, &deputy_and_rep, chain_rep_deputy, 2);
	CHECK_INT(0, run(SVC_REVIEW_DRAFT, 1, 2, &mv, &next, msg, sizeof(msg)));
}

static void test_chains(void)
{
	static const int one[] = {SVC_SIGNER_LEADER};
	static const int rep_leader[] = {SVC_SIGNER_UNIT_REP, SVC_SIGNER_LEADER};
	struct svc_review_move mv;
	struct svc_review_pos next;
	char msg[512];

	/* A one-step chain: the leader's signature approves it. */
	mv = move(SVC_REVIEW_APPROVE, 1, &leader, one, 1);
	CHECK_INT(0, run(SVC_REVIEW_DRAFT, 1, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_INT(SVC_REVIEW_APPROVED, next.state);
	CHECK_INT(0, next.next_step);

	/* UNIT_REP, LEADER: the leader's step is the last. */
	mv = move(SVC_REVIEW_APPROVE, 2, &leader, rep_leader, 2);
	CHECK_INT(0, run(SVC_REVIEW_IN_SIGNOFF, 2, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_INT(SVC_REVIEW_APPROVED, next.state);

	/* The chain got shorter during the sign-off: refused, with a reason. */
	mv = move(SVC_REVIEW_APPROVE, 3, &authority, rep_leader, 2);
	CHECK_INT(KT_ESTATE, run(SVC_REVIEW_IN_SIGNOFF, 3, 1, &mv, &next, msg, sizeof(msg)));
	CHECK_MSG(msg, "chain was changed");

	CHECK_INT(0, svc_review_signer_check(SVC_SIGNER_DEPUTY, &deputy, UNIT, "d", "U", "P", 2,
					     msg, sizeof(msg)));
	CHECK_INT(KT_EPERM, svc_review_signer_check(SVC_SIGNER_DEPUTY, &leader, UNIT, "l", "U", "P",
						    2, msg, sizeof(msg)));
	CHECK_INT(KT_EPERM,
		  svc_review_signer_check(0, &leader, UNIT, "l", "U", "P", 2, msg, sizeof(msg)));
	CHECK_INT(KT_EINVAL, svc_review_transition(&(struct svc_review_pos){1, 1, 1},
						   &(struct svc_review_move){.action = 9}, &next,
						   msg, sizeof(msg)));
}

static void test_digest(void)
{
	static struct store_review_official officials[2];
	struct kt_digest_official o[2];
	struct svc_review v = {0};
	uint8_t a[32], b[32], c[32];

	v.r.id = 5;
	v.r.plan_id = 1;
	v.r.unit_id = UNIT;
	v.r.round = 1;
	snprintf(v.r.meeting_date, sizeof(v.r.meeting_date), "2021-11-10");
	snprintf(officials[0].name, sizeof(officials[0].name), "Nguyễn Văn Hùng");
	snprintf(officials[0].position, sizeof(officials[0].position), "Chủ tịch UBND xã");
	officials[0].outcome = 5;
	snprintf(officials[0].note, sizeof(officials[0].note), "hạ mức xếp loại tháng 10/2021");
	snprintf(officials[1].name, sizeof(officials[1].name), "Lê Thị Mai");
	snprintf(officials[1].position, sizeof(officials[1].position), "Công chức Văn phòng");
	officials[1].outcome = 2;
	v.officials = officials;
	v.n_officials = 2;
	v.has_minutes = true;
	memset(v.minutes.sha256, 0xab, 32);

	for (int i = 0; i < 2; i++) {
		o[i].name = officials[i].name;
		o[i].position = officials[i].position;
		o[i].outcome = officials[i].outcome;
		o[i].note = officials[i].note;
	}
	svc_review_digest(&v, 2, SVC_SIGNER_LEADER, true, "ignored on approval", a);
	kt_digest_review_signoff(1, 5, UNIT, 1, 2, SVC_SIGNER_LEADER, 1, "", "2021-11-10",
				 v.minutes.sha256, 2, o, b);
	CHECK(memcmp(a, b, 32) == 0);

	/* Any change of what is signed changes the digest: round, outcome, order, minutes. */
	v.r.round = 2;
	svc_review_digest(&v, 2, SVC_SIGNER_LEADER, true, NULL, c);
	CHECK(memcmp(a, c, 32) != 0);
	v.r.round = 1;
	officials[0].outcome = 4;
	svc_review_digest(&v, 2, SVC_SIGNER_LEADER, true, NULL, c);
	CHECK(memcmp(a, c, 32) != 0);
	officials[0].outcome = 5;
	v.has_minutes = false;
	svc_review_digest(&v, 2, SVC_SIGNER_LEADER, true, NULL, c);
	CHECK(memcmp(a, c, 32) != 0);
	v.has_minutes = true;
	svc_review_digest(&v, 2, SVC_SIGNER_LEADER, false, "thiếu biên bản", c);
	CHECK(memcmp(a, c, 32) != 0);
	svc_review_digest(&v, 2, SVC_SIGNER_LEADER, true, NULL, c);
	CHECK(memcmp(a, c, 32) == 0);

	CHECK(strcmp(svc_review_outcome_name(5), "lowered-rating") == 0);
	CHECK(strcmp(svc_review_outcome_name(7), "?") == 0);
	CHECK(strcmp(svc_review_signer_name(SVC_SIGNER_AUTHORITY), "authority") == 0);
}

int main(void)
{
	standings();
	test_record();
	test_full_chain();
	test_wrong_signer_or_step();
	test_minutes_and_reason();
	test_return();
	test_no_double_signing();
	test_chains();
	test_digest();
	if (failures) {
		fprintf(stderr, "test_reviews: %d checks failed\n", failures);
		return 1;
	}
	printf("test_reviews: all checks passed\n");
	return 0;
}
