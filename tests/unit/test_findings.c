/*
 * test_findings.c - the finding state machine, the client_id rule, the
 * acceptance digest, and the finding and evidence services (server/svc_findings.c,
 * server/svc_evidence.c) over the real store in a temporary directory: rights,
 * versions and conflicts, revisions, signed acceptance, and resumable uploads
 * with the SHA-256 check.
 *
 * Exit status 0 when every check passed; each failed check prints what was
 * expected and what came.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "common/approval.h"
#include "common/status.h"
#include "server/rights.h"
#include "server/store/store.h"
#include "server/store/store_evidence.h"
#include "server/store/store_findings.h"
#include "server/store/store_int.h"
#include "server/store/store_plans.h"
#include "server/svc_evidence.h"
#include "server/svc_findings.h"

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
			fprintf(stderr, "%s:%d: %s: expected %lld, got %lld (%s)\n", __FILE__,     \
				__LINE__, #actual, e_, a_, msg);                                   \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define T0 INT64_C(1700000000000)

enum { ROLE_INSPECTOR = 3, ROLE_UNIT_REP = 4, ROLE_OBSERVER = 6 };
enum { DRAFT = 1, SUBMITTED = 2, ACCEPTED = 3, RETURNED = 4 };

static char dir[64];
static char msg[512];

/* The world of the service tests. */
struct world {
	int64_t lan, minh, hoa, obs, rep; /* leader, assigned member, unassigned member, ... */
	int64_t u1, u2, plan, device;
	uint8_t pk[32], sk[64];
	int64_t fid; /* the finding under test */
	int64_t ev;  /* a complete evidence */
};

static struct world w;

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (!d) {
		unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		char sub[512];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		rm_tree(sub);
	}
	closedir(d);
	rmdir(path);
}

/* ---- pure logic -------------------------------------------------------------- */

static void test_state_machine(void)
{
	/* expected[op][from] without submit, and with submit; -1 refused. */
	static const int plain[5][5] = {
	    /* from: NONE  DRAFT      SUBMITTED  ACCEPTED  RETURNED */
	    [SVC_FOP_CREATE] = {DRAFT, -1, -1, -1, -1},
	    [SVC_FOP_EDIT] = {-1, DRAFT, -1, -1, DRAFT},
	    [SVC_FOP_SUBMIT] = {-1, SUBMITTED, -1, -1, SUBMITTED},
	    [SVC_FOP_ACCEPT] = {-1, -1, ACCEPTED, -1, -1},
	    [SVC_FOP_RETURN] = {-1, -1, RETURNED, -1, -1},
	};
	static const int with_submit[5][5] = {
	    [SVC_FOP_CREATE] = {SUBMITTED, -1, -1, -1, -1},
	    [SVC_FOP_EDIT] = {-1, SUBMITTED, -1, -1, SUBMITTED},
	    [SVC_FOP_SUBMIT] = {-1, SUBMITTED, -1, -1, SUBMITTED},
	    [SVC_FOP_ACCEPT] = {-1, -1, ACCEPTED, -1, -1},
	    [SVC_FOP_RETURN] = {-1, -1, RETURNED, -1, -1},
	};

	msg[0] = '\0';
	for (int op = 0; op < 5; op++)
		for (int from = 0; from < 5; from++) {
			CHECK_INT(plain[op][from],
				  svc_finding_next((enum svc_finding_op)op, from, false));
			CHECK_INT(with_submit[op][from],
				  svc_finding_next((enum svc_finding_op)op, from, true));
		}
	/* Nothing leaves ACCEPTED; nothing reaches it but an accept. */
	for (int op = 0; op < 5; op++) {
		CHECK_INT(-1, svc_finding_next((enum svc_finding_op)op, ACCEPTED, false));
		CHECK_INT(-1, svc_finding_next((enum svc_finding_op)op, 7, false));
	}
	CHECK(svc_finding_team_only(DRAFT));
	CHECK(svc_finding_team_only(RETURNED));
	CHECK(!svc_finding_team_only(ACCEPTED));
}

static void test_client_id(void)
{
	CHECK(svc_finding_client_id_ok("abcdefgh"));
	CHECK(svc_finding_client_id_ok("cli-0123456789abcdef:x._-Z"));
	CHECK(!svc_finding_client_id_ok("abcdefg"));
	CHECK(!svc_finding_client_id_ok(""));
	CHECK(!svc_finding_client_id_ok(NULL));
	CHECK(!svc_finding_client_id_ok("abcd efgh"));
	CHECK(!svc_finding_client_id_ok("abcdéfgh"));
	CHECK(svc_finding_client_id_ok(
	    "0123456789012345678901234567890123456789012345678901234567890123"));
	CHECK(!svc_finding_client_id_ok(
	    "01234567890123456789012345678901234567890123456789012345678901234"));
}

static void test_digest(void)
{
	uint8_t a[32], b[32], h1[32], h2[32];
	struct kt_digest_evidence e1[2], e2[2];

	memset(h1, 1, sizeof(h1));
	memset(h2, 2, sizeof(h2));
	e1[0] = (struct kt_digest_evidence){.id = 3, .sha256 = h1};
	e1[1] = (struct kt_digest_evidence){.id = 9, .sha256 = h2};
	e2[0] = e1[1];
	e2[1] = e1[0];
	kt_sort_evidence(e2, 2);
	kt_digest_finding_accept(1, 2, 3, 4, 2, "text", "cause", 2, e1, a);
	kt_digest_finding_accept(1, 2, 3, 4, 2, "text", "cause", 2, e2, b);
	CHECK(memcmp(a, b, 32) == 0);
	/* Each field counts. */
	kt_digest_finding_accept(1, 2, 3, 4, 2, "text.", "cause", 2, e1, b);
	CHECK(memcmp(a, b, 32) != 0);
	kt_digest_finding_accept(1, 2, 3, 4, 2, "text", "", 2, e1, b);
	CHECK(memcmp(a, b, 32) != 0);
	kt_digest_finding_accept(1, 2, 3, 5, 2, "text", "cause", 2, e1, b);
	CHECK(memcmp(a, b, 32) != 0);
	kt_digest_finding_accept(1, 2, 3, 4, 2, "text", "cause", 1, e1, b);
	CHECK(memcmp(a, b, 32) != 0);
	/* Text and cause are length-prefixed: moving a byte across them changes it. */
	kt_digest_finding_accept(1, 2, 3, 4, 2, "tex", "tcause", 2, e1, b);
	CHECK(memcmp(a, b, 32) != 0);
}

/* ---- the services over a real store --------------------------------------------- */

static struct rights_user ru(int64_t id, uint32_t roles, int64_t unit)
{
	struct rights_user u = {.user_id = id, .roles = roles, .unit_id = unit};

	return u;
}

static struct svc_actor actor(int64_t id, const char *name)
{
	struct svc_actor a = {.user_id = id, .name = name, .session_id = 0, .now = T0};

	return a;
}

#define INSP STORE_ROLE_BIT(ROLE_INSPECTOR)

static int64_t add_user(struct store_tx *tx, const char *name, uint32_t roles, int64_t unit)
{
	struct store_user u;

	memset(&u, 0, sizeof(u));
	snprintf(u.username, sizeof(u.username), "%s", name);
	snprintf(u.full_name, sizeof(u.full_name), "Người %s", name);
	snprintf(u.pwhash, sizeof(u.pwhash), "x");
	u.roles = roles;
	u.unit_id = unit;
	u.created_at = T0;
	CHECK_INT(0, store_user_create(tx, &u));
	return u.id;
}

static int setup(struct store_tx *tx, void *arg)
{
	struct store_unit u;
	struct store_plan p;
	struct store_team_member m;
	struct store_assignment as;
	struct store_device d;
	bool created;

	memset(&u, 0, sizeof(u));
	snprintf(u.code, sizeof(u.code), "CL-P4");
	snprintf(u.name, sizeof(u.name), "Phường 4");
	u.kind = 4;
	CHECK_INT(0, store_unit_create(tx, &u, "console", T0));
	w.u1 = u.id;
	snprintf(u.code, sizeof(u.code), "CL-HA");
	snprintf(u.name, sizeof(u.name), "xã Hòa An");
	u.kind = 3;
	CHECK_INT(0, store_unit_create(tx, &u, "console", T0));
	w.u2 = u.id;

	w.lan = add_user(tx, "lan", INSP, 0);
	w.minh = add_user(tx, "minh", INSP, 0);
	w.hoa = add_user(tx, "hoa", INSP, 0);
	w.obs = add_user(tx, "obs", STORE_ROLE_BIT(ROLE_OBSERVER), 0);
	w.rep = add_user(tx, "rep", STORE_ROLE_BIT(ROLE_UNIT_REP), w.u1);

	memset(&p, 0, sizeof(p));
	snprintf(p.number, sizeof(p.number), "06/KH-UBND");
	snprintf(p.issued_on, sizeof(p.issued_on), "2022-01-11");
	snprintf(p.issuer, sizeof(p.issuer), "UBND thành phố Cao Lãnh");
	snprintf(p.title, sizeof(p.title), "Kiểm tra CCHC 2022");
	snprintf(p.period_start, sizeof(p.period_start), "2022-01-15");
	snprintf(p.period_end, sizeof(p.period_end), "2022-12-15");
	p.areas = (1u << 3) | (1u << 7);
	p.review_chain[0] = 1;
	p.review_chain[1] = 2;
	p.n_chain = 2;
	snprintf(p.client_id, sizeof(p.client_id), "plan-client-1");
	p.created_by = w.lan;
	p.created_at = T0;
	CHECK_INT(0, store_plan_create(tx, &p));
	w.plan = p.id;
	CHECK_INT(0, store_plan_unit_add(tx, w.plan, w.u1));
	CHECK_INT(0, store_plan_unit_add(tx, w.plan, w.u2));
	memset(&m, 0, sizeof(m));
	m.plan_id = w.plan;
	m.user_id = w.lan;
	m.role = STORE_TEAM_LEADER;
	CHECK_INT(0, store_team_set(tx, &m));
	m.user_id = w.minh;
	m.role = STORE_TEAM_MEMBER;
	CHECK_INT(0, store_team_set(tx, &m));
	m.user_id = w.hoa;
	CHECK_INT(0, store_team_set(tx, &m));
	CHECK_INT(0, store_observer_add(tx, w.plan, w.obs));
	memset(&as, 0, sizeof(as));
	as.plan_id = w.plan;
	as.unit_id = w.u1;
	as.user_id = w.minh;
	snprintf(as.date_from, sizeof(as.date_from), "2022-10-01");
	snprintf(as.date_to, sizeof(as.date_to), "2022-10-21");
	as.created_at = T0;
	CHECK_INT(0, store_assignment_put(tx, &as, &created));

	memset(&d, 0, sizeof(d));
	d.user_id = w.lan;
	randombytes_buf(d.pubkey, sizeof(d.pubkey));
	snprintf(d.name, sizeof(d.name), "laptop");
	d.enrolled_at = d.last_seen_at = T0;
	CHECK_INT(0, store_device_add(tx, &d));
	w.device = d.id;
	crypto_sign_keypair(w.pk, w.sk);
	CHECK_INT(0, store_device_set_signing_key(tx, w.device, w.pk));
	return 0;
}

static struct store_finding *F;

static struct svc_finding_input input(int area, int kind, const char *text, const char *cause)
{
	struct svc_finding_input in = {
	    .area = area,
	    .kind = kind,
	    .text = text,
	    .cause = cause,
	};

	return in;
}

static int t_create(struct store_tx *tx, void *arg)
{
	struct svc_actor minh = actor(w.minh, "minh"), hoa = actor(w.hoa, "hoa"),
			 obs = actor(w.obs, "obs");
	struct rights_user rm = ru(w.minh, INSP, 0), rh = ru(w.hoa, INSP, 0),
			   ro = ru(w.obs, STORE_ROLE_BIT(ROLE_OBSERVER), 0);
	struct svc_finding_input in = input(3, 2, "Hồ sơ trễ hạn trên phần mềm một cửa", "");
	int64_t first;
	bool created;

	CHECK_INT(0, svc_finding_create(tx, &minh, &rm, "client-0001", w.plan, w.u1, &in, F,
					&created, msg, sizeof(msg)));
	CHECK(created);
	CHECK_INT(DRAFT, F->state);
	CHECK_INT(1, F->version);
	first = F->id;
	w.fid = first;
	/* The same client_id: the same finding, nothing new. */
	in.text = "another text";
	CHECK_INT(0, svc_finding_create(tx, &minh, &rm, "client-0001", w.plan, w.u1, &in, F,
					&created, msg, sizeof(msg)));
	CHECK(!created);
	CHECK_INT(first, F->id);
	CHECK(strcmp(F->text, "Hồ sơ trễ hạn trên phần mềm một cửa") == 0);
	/* A retry is answered with the earlier finding even when it would be refused now. */
	in.area = 5; /* not in the plan's scope */
	CHECK_INT(0, svc_finding_create(tx, &minh, &rm, "client-0001", w.plan, w.u1, &in, F,
					&created, msg, sizeof(msg)));
	CHECK(!created);
	CHECK_INT(first, F->id);
	CHECK_INT(3, F->area);
	in.area = 3;
	/* The same client_id for another unit is refused, naming the earlier finding. */
	CHECK_INT(KT_EEXIST, svc_finding_create(tx, &minh, &rm, "client-0001", w.plan, w.u2, &in,
						F, &created, msg, sizeof(msg)));
	CHECK(strstr(msg, "already used") != NULL);
	/* Not assigned to unit 2; hoa is assigned nowhere; observers write nothing. */
	CHECK_INT(KT_EPERM, svc_finding_create(tx, &minh, &rm, "client-0002", w.plan, w.u2, &in, F,
					       &created, msg, sizeof(msg)));
	CHECK_INT(KT_EPERM, svc_finding_create(tx, &hoa, &rh, "client-0003", w.plan, w.u1, &in, F,
					       &created, msg, sizeof(msg)));
	CHECK(strstr(msg, "assignment") != NULL);
	CHECK_INT(KT_EPERM, svc_finding_create(tx, &obs, &ro, "client-0004", w.plan, w.u1, &in, F,
					       &created, msg, sizeof(msg)));
	/* Bad input. */
	CHECK_INT(KT_EINVAL, svc_finding_create(tx, &minh, &rm, "short", w.plan, w.u1, &in, F,
						&created, msg, sizeof(msg)));
	in.area = 5; /* not in the plan's scope */
	CHECK_INT(KT_EINVAL, svc_finding_create(tx, &minh, &rm, "client-0005", w.plan, w.u1, &in, F,
						&created, msg, sizeof(msg)));
	in.area = 9;
	CHECK_INT(KT_EINVAL, svc_finding_create(tx, &minh, &rm, "client-0006", w.plan, w.u1, &in, F,
						&created, msg, sizeof(msg)));
	in.area = 3;
	in.text = "  ";
	CHECK_INT(KT_EINVAL, svc_finding_create(tx, &minh, &rm, "client-0007", w.plan, w.u1, &in, F,
						&created, msg, sizeof(msg)));
	return 0;
}

static int t_edit(struct store_tx *tx, void *arg)
{
	struct svc_actor minh = actor(w.minh, "minh"), lan = actor(w.lan, "lan");
	struct rights_user rm = ru(w.minh, INSP, 0), rl = ru(w.lan, INSP, 0);
	struct svc_finding_input in = input(0, 0, "Bản sửa 1", "Cán bộ quên cập nhật");
	int64_t cur = 0;

	CHECK_INT(0, svc_finding_update(tx, &minh, &rm, w.fid, 1, &in, F, &cur, msg, sizeof(msg)));
	CHECK_INT(2, F->version);
	CHECK_INT(3, F->area);
	/* The leader edits from version 1 too: refused, current version 2. */
	in.text = "Bản sửa của trưởng đoàn";
	CHECK_INT(KT_ECONFLICT,
		  svc_finding_update(tx, &lan, &rl, w.fid, 1, &in, F, &cur, msg, sizeof(msg)));
	CHECK_INT(2, cur);
	CHECK_INT(0, svc_finding_update(tx, &lan, &rl, w.fid, 2, &in, F, &cur, msg, sizeof(msg)));
	CHECK_INT(3, F->version);
	/* A leader cannot accept a draft. */
	CHECK_INT(KT_ESTATE, svc_finding_review(tx, &lan, &rl, w.device, w.fid, 3, false, "x", NULL,
						0, F, &cur, msg, sizeof(msg)));
	/* A member cannot review. */
	CHECK_INT(0, svc_finding_submit(tx, &minh, &rm, w.fid, 3, F, &cur, msg, sizeof(msg)));
	CHECK_INT(SUBMITTED, F->state);
	CHECK_INT(KT_EPERM, svc_finding_review(tx, &minh, &rm, w.device, w.fid, 4, false, "x", NULL,
					       0, F, &cur, msg, sizeof(msg)));
	CHECK(strstr(msg, "leader or deputy") != NULL);
	/* Submitted: not editable until reviewed. */
	CHECK_INT(KT_ESTATE,
		  svc_finding_update(tx, &minh, &rm, w.fid, 4, &in, F, &cur, msg, sizeof(msg)));
	/* Return needs a reason; then the author edits it back to a draft. */
	CHECK_INT(KT_EINVAL, svc_finding_review(tx, &lan, &rl, w.device, w.fid, 4, false, "", NULL,
						0, F, &cur, msg, sizeof(msg)));
	CHECK_INT(0, svc_finding_review(tx, &lan, &rl, w.device, w.fid, 4, false,
					"Ghi rõ số hồ sơ trễ hạn", NULL, 0, F, &cur, msg,
					sizeof(msg)));
	CHECK_INT(RETURNED, F->state);
	in.text = "Có 12 hồ sơ trễ hạn";
	in.submit = true;
	CHECK_INT(0, svc_finding_update(tx, &minh, &rm, w.fid, 5, &in, F, &cur, msg, sizeof(msg)));
	CHECK_INT(SUBMITTED, F->state);
	CHECK_INT(6, F->version);
	return 0;
}

static int t_accept(struct store_tx *tx, void *arg)
{
	struct svc_actor lan = actor(w.lan, "lan"), minh = actor(w.minh, "minh");
	struct rights_user rl = ru(w.lan, INSP, 0), rm = ru(w.minh, INSP, 0);
	struct svc_finding_input in = input(0, 0, "late edit", "");
	uint8_t digest[32], sig[64], bad[64];
	int64_t cur = 0;

	CHECK_INT(0, store_finding_get(tx, w.fid, F));
	CHECK_INT(0, svc_finding_digest(tx, F, digest));
	crypto_sign_detached(sig, NULL, digest, 32, w.sk);
	memcpy(bad, sig, 64);
	bad[5] ^= 1;
	CHECK_INT(KT_EINVAL, svc_finding_review(tx, &lan, &rl, w.device, w.fid, 6, true, "", NULL,
						0, F, &cur, msg, sizeof(msg)));
	CHECK_INT(KT_EPERM, svc_finding_review(tx, &lan, &rl, w.device, w.fid, 6, true, "", bad, 64,
					       F, &cur, msg, sizeof(msg)));
	CHECK_INT(KT_ECONFLICT, svc_finding_review(tx, &lan, &rl, w.device, w.fid, 5, true, "", sig,
						   64, F, &cur, msg, sizeof(msg)));
	CHECK_INT(0, svc_finding_review(tx, &lan, &rl, w.device, w.fid, 6, true, "", sig, 64, F,
					&cur, msg, sizeof(msg)));
	CHECK_INT(ACCEPTED, F->state);
	CHECK_INT(0, store_finding_get(tx, w.fid, F));
	CHECK_INT(w.lan, F->accepted_by);
	CHECK(memcmp(F->accept_digest, digest, 32) == 0);
	CHECK(memcmp(F->accept_signature, sig, 64) == 0);
	CHECK(memcmp(F->accept_key, w.pk, 32) == 0);
	/* Frozen. */
	CHECK_INT(KT_ESTATE,
		  svc_finding_update(tx, &minh, &rm, w.fid, 7, &in, F, &cur, msg, sizeof(msg)));
	CHECK(strstr(msg, "frozen") != NULL);
	return 0;
}

struct rev_walk {
	int n;
	int64_t last;
	int states[16];
};

static int count_rev(const struct store_finding_revision *r, void *arg)
{
	struct rev_walk *rw = arg;

	if (rw->n < 16)
		rw->states[rw->n] = r->state;
	rw->n++;
	rw->last = r->version;
	return 0;
}

static int count_finding(const struct store_finding *f, void *arg)
{
	(*(int *)arg)++;
	return 0;
}

static int t_visibility(struct store_tx *tx, void *arg)
{
	struct svc_actor minh = actor(w.minh, "minh");
	struct rights_user rm = ru(w.minh, INSP, 0),
			   ro = ru(w.obs, STORE_ROLE_BIT(ROLE_OBSERVER), 0),
			   rr = ru(w.rep, STORE_ROLE_BIT(ROLE_UNIT_REP), w.u1);
	struct svc_finding_input in = input(7, 1, "Một bản nháp", "");
	struct svc_finding_query q = {.plan_id = w.plan};
	struct rev_walk rw = {0};
	bool created;
	int n;

	CHECK_INT(0, svc_finding_create(tx, &minh, &rm, "client-draft-1", w.plan, w.u1, &in, F,
					&created, msg, sizeof(msg)));
	/* The team and the observer (who reads everything) see both; the unit's rep the accepted. */
	n = 0;
	CHECK_INT(0, svc_finding_list(tx, &rm, &q, count_finding, &n, msg, sizeof(msg)));
	CHECK_INT(2, n);
	n = 0;
	CHECK_INT(0, svc_finding_list(tx, &ro, &q, count_finding, &n, msg, sizeof(msg)));
	CHECK_INT(2, n);
	n = 0;
	CHECK_INT(0, svc_finding_list(tx, &rr, &q, count_finding, &n, msg, sizeof(msg)));
	CHECK_INT(1, n);
	q.unit_id = w.u2;
	CHECK_INT(KT_EPERM, svc_finding_list(tx, &rr, &q, count_finding, &n, msg, sizeof(msg)));
	CHECK_INT(KT_EPERM, svc_finding_get(tx, &rr, F->id, F, msg, sizeof(msg)));
	CHECK_INT(0, svc_finding_get(tx, &ro, F->id, F, msg, sizeof(msg)));
	/* History: the team sees all 7 versions; the rep only the accepted one. */
	CHECK_INT(0, svc_finding_history(tx, &rm, w.fid, 0, 0, count_rev, &rw, msg, sizeof(msg)));
	CHECK_INT(7, rw.n);
	CHECK_INT(7, rw.last);
	CHECK_INT(DRAFT, rw.states[0]);
	CHECK_INT(SUBMITTED, rw.states[3]);
	CHECK_INT(RETURNED, rw.states[4]);
	memset(&rw, 0, sizeof(rw));
	CHECK_INT(0, svc_finding_history(tx, &rr, w.fid, 0, 0, count_rev, &rw, msg, sizeof(msg)));
	CHECK_INT(1, rw.n);
	CHECK_INT(ACCEPTED, rw.states[0]);
	return 0;
}

static int t_evidence(struct store_tx *tx, void *arg)
{
	struct svc_actor minh = actor(w.minh, "minh"), hoa = actor(w.hoa, "hoa"),
			 obs = actor(w.obs, "obs");
	struct rights_user rm = ru(w.minh, INSP, 0), rh = ru(w.hoa, INSP, 0),
			   ro = ru(w.obs, STORE_ROLE_BIT(ROLE_OBSERVER), 0),
			   rr = ru(w.rep, STORE_ROLE_BIT(ROLE_UNIT_REP), w.u1);
	size_t size = SVC_EVIDENCE_CHUNK_BYTES * 2 + 1000, n;
	uint8_t *data = malloc(size), *back = malloc(SVC_EVIDENCE_CHUNK_BYTES), sum[32], wrong[32];
	struct store_evidence e;
	uint64_t received = 0;
	bool resumed, mismatch;
	int64_t id;

	if (!data || !back) {
		failures++;
		goto out;
	}
	randombytes_buf(data, size);
	crypto_hash_sha256(sum, data, size);
	memset(wrong, 7, sizeof(wrong));
	CHECK_INT(KT_ETOOBIG,
		  svc_evidence_begin(tx, &minh, &rm, w.plan, "big.pdf", SVC_EVIDENCE_MAX_BYTES + 1,
				     sum, 32, NULL, &e, &resumed, msg, sizeof(msg)));
	CHECK_INT(KT_EPERM, svc_evidence_begin(tx, &obs, &ro, w.plan, "a.pdf", size, sum, 32, NULL,
					       &e, &resumed, msg, sizeof(msg)));
	CHECK_INT(0, svc_evidence_begin(tx, &minh, &rm, w.plan, "biên bản.pdf", size, sum, 32,
					"application/pdf", &e, &resumed, msg, sizeof(msg)));
	CHECK(!resumed && !e.complete);
	id = e.id;
	CHECK_INT(0, svc_evidence_chunk(tx, &minh, &rm, id, 0, data, SVC_EVIDENCE_CHUNK_BYTES,
					&received, msg, sizeof(msg)));
	CHECK_INT(SVC_EVIDENCE_CHUNK_BYTES, received);
	/* Out of order, too big, or from someone who may not upload in the plan: refused. */
	CHECK_INT(KT_ECONFLICT,
		  svc_evidence_chunk(tx, &minh, &rm, id, 0, data, 10, &received, msg, sizeof(msg)));
	CHECK_INT(KT_EINVAL,
		  svc_evidence_chunk(tx, &minh, &rm, id, SVC_EVIDENCE_CHUNK_BYTES, data,
				     SVC_EVIDENCE_CHUNK_BYTES + 1, &received, msg, sizeof(msg)));
	CHECK_INT(KT_EPERM, svc_evidence_chunk(tx, &obs, &ro, id, SVC_EVIDENCE_CHUNK_BYTES, data,
					       10, &received, msg, sizeof(msg)));
	/* Finishing early is refused; a new begin resumes at the received count. */
	CHECK_INT(KT_ESTATE,
		  svc_evidence_finish(tx, &minh, &rm, id, &e, &mismatch, msg, sizeof(msg)));
	CHECK_INT(0, svc_evidence_begin(tx, &minh, &rm, w.plan, "biên bản.pdf", size, sum, 32,
					"application/pdf", &e, &resumed, msg, sizeof(msg)));
	CHECK(resumed);
	CHECK_INT(id, e.id);
	CHECK_INT(SVC_EVIDENCE_CHUNK_BYTES, e.received);
	CHECK_INT(0, svc_evidence_chunk(tx, &minh, &rm, id, SVC_EVIDENCE_CHUNK_BYTES,
					data + SVC_EVIDENCE_CHUNK_BYTES, SVC_EVIDENCE_CHUNK_BYTES,
					&received, msg, sizeof(msg)));
	CHECK_INT(0, svc_evidence_chunk(tx, &minh, &rm, id, 2 * SVC_EVIDENCE_CHUNK_BYTES,
					data + 2 * SVC_EVIDENCE_CHUNK_BYTES, 1000, &received, msg,
					sizeof(msg)));
	CHECK_INT(size, received);
	CHECK_INT(0, svc_evidence_finish(tx, &minh, &rm, id, &e, &mismatch, msg, sizeof(msg)));
	CHECK(!mismatch && e.complete);
	w.ev = id;
	/* Reads across chunk boundaries give the bytes back. */
	CHECK_INT(0, svc_evidence_read(tx, &ro, id, SVC_EVIDENCE_CHUNK_BYTES - 100, back,
				       SVC_EVIDENCE_CHUNK_BYTES, &n, &e, msg, sizeof(msg)));
	CHECK_INT(SVC_EVIDENCE_CHUNK_BYTES, n);
	CHECK(memcmp(back, data + SVC_EVIDENCE_CHUNK_BYTES - 100, n) == 0);
	CHECK_INT(0, svc_evidence_read(tx, &ro, id, size - 10, back, SVC_EVIDENCE_CHUNK_BYTES, &n,
				       &e, msg, sizeof(msg)));
	CHECK_INT(10, n);
	/* The rep may not read it: attached to nothing of their unit yet. */
	CHECK_INT(KT_EPERM, svc_evidence_read(tx, &rr, id, 0, back, 10, &n, &e, msg, sizeof(msg)));
	/* The same content again: deduplicated. */
	CHECK_INT(0, svc_evidence_begin(tx, &hoa, &rh, w.plan, "copy.pdf", size, sum, 32, NULL, &e,
					&resumed, msg, sizeof(msg)));
	CHECK(e.complete);
	CHECK_INT(id, e.id);
	/* A declared hash the content does not match: reset. */
	CHECK_INT(0, svc_evidence_begin(tx, &minh, &rm, w.plan, "sai.txt", 10, wrong, 32, NULL, &e,
					&resumed, msg, sizeof(msg)));
	CHECK_INT(
	    0, svc_evidence_chunk(tx, &minh, &rm, e.id, 0, data, 10, &received, msg, sizeof(msg)));
	CHECK_INT(0, svc_evidence_finish(tx, &minh, &rm, e.id, &e, &mismatch, msg, sizeof(msg)));
	CHECK(mismatch);
	CHECK(strstr(msg, "does not match its SHA-256") != NULL);
	CHECK_INT(0, store_evidence_get(tx, e.id, &e));
	CHECK_INT(0, e.received);
	CHECK(!e.complete);
	/* Incomplete evidence cannot be attached. */
	msg[0] = '\0';
	CHECK_INT(KT_EINVAL, svc_evidence_check_refs(tx, w.plan, &e.id, 1, 32, msg, sizeof(msg)));
	CHECK_INT(0, svc_evidence_check_refs(tx, w.plan, &id, 1, 32, msg, sizeof(msg)));
out:
	free(data);
	free(back);
	return 0;
}

static int t_evidence_finding(struct store_tx *tx, void *arg)
{
	struct svc_actor minh = actor(w.minh, "minh"), lan = actor(w.lan, "lan");
	struct rights_user rm = ru(w.minh, INSP, 0), rl = ru(w.lan, INSP, 0),
			   rr = ru(w.rep, STORE_ROLE_BIT(ROLE_UNIT_REP), w.u1);
	struct svc_finding_input in = input(3, 1, "Có biên bản họp", "");
	uint8_t digest[32], sig[64], back[16];
	struct store_evidence e;
	int64_t ids[2] = {w.ev, w.ev}, cur = 0;
	bool created;
	size_t n;

	in.evidence_ids = ids;
	in.n_evidence = 2;
	CHECK_INT(KT_EINVAL, svc_finding_create(tx, &minh, &rm, "client-ev-01", w.plan, w.u1, &in,
						F, &created, msg, sizeof(msg)));
	in.n_evidence = 1;
	in.submit = true;
	CHECK_INT(0, svc_finding_create(tx, &minh, &rm, "client-ev-01", w.plan, w.u1, &in, F,
					&created, msg, sizeof(msg)));
	CHECK_INT(SUBMITTED, F->state);
	CHECK_INT(1, F->n_evidence);
	CHECK_INT(0, svc_finding_digest(tx, F, digest));
	crypto_sign_detached(sig, NULL, digest, 32, w.sk);
	CHECK_INT(0, svc_finding_review(tx, &lan, &rl, w.device, F->id, 1, true, "", sig, 64, F,
					&cur, msg, sizeof(msg)));
	/* Now attached to an accepted finding of the rep's unit: readable by the rep. */
	CHECK_INT(
	    0, svc_evidence_read(tx, &rr, w.ev, 0, back, sizeof(back), &n, &e, msg, sizeof(msg)));
	CHECK_INT(sizeof(back), n);
	return 0;
}

struct rev_keep {
	int n;
	int64_t version[4], ev0[4];
	size_t n_ev[4];
	char text[4][64];
};

static int keep_rev(const struct store_finding_revision *r, void *arg)
{
	struct rev_keep *k = arg;

	if (k->n < 4) {
		k->version[k->n] = r->version;
		k->n_ev[k->n] = r->n_evidence;
		k->ev0[k->n] = r->n_evidence ? r->evidence_ids[0] : 0;
		size_t len = strnlen(r->text, sizeof(k->text[0]) - 1);

		memcpy(k->text[k->n], r->text, len);
		k->text[k->n][len] = '\0';
	}
	k->n++;
	return 0;
}

static int64_t stored_revisions(struct store_tx *tx, int64_t id)
{
	struct db_stmt *s = NULL;
	int64_t n = -1;

	if (db_prepare(tx->db, "SELECT COUNT(*) FROM finding_revisions WHERE finding_id = ?1",
		       &s) == 0) {
		db_bind_int64(s, 1, id);
		if (db_step(s) == DB_ROW)
			n = db_column_int64(s, 0);
	}
	db_finish(s);
	return n;
}

/* Revision 1 is the row until the first change, which stores it as it was. */
static int t_first_revision(struct store_tx *tx, void *arg)
{
	struct svc_actor minh = actor(w.minh, "minh");
	struct rights_user rm = ru(w.minh, INSP, 0);
	struct svc_finding_input in = input(3, 1, "Bản đầu", "");
	struct rev_keep k = {0};
	int64_t ids[1] = {w.ev}, cur = 0, id;
	bool created;

	(void)arg;
	in.evidence_ids = ids;
	in.n_evidence = 1;
	CHECK_INT(0, svc_finding_create(tx, &minh, &rm, "client-rev-01", w.plan, w.u1, &in, F,
					&created, msg, sizeof(msg)));
	id = F->id;
	CHECK_INT(0, stored_revisions(tx, id)); /* one row written, not two */
	CHECK_INT(0, svc_finding_history(tx, &rm, id, 0, 0, keep_rev, &k, msg, sizeof(msg)));
	CHECK_INT(1, k.n);
	CHECK_INT(1, k.version[0]);
	CHECK(strcmp(k.text[0], "Bản đầu") == 0);
	CHECK_INT(1, k.n_ev[0]);
	CHECK_INT(w.ev, k.ev0[0]);
	memset(&k, 0, sizeof(k));
	CHECK_INT(0, svc_finding_history(tx, &rm, id, 1, 0, keep_rev, &k, msg, sizeof(msg)));
	CHECK_INT(0, k.n);

	/* The first edit (new text, no evidence) keeps revision 1 as it was. */
	in = input(3, 1, "Bản sửa", "");
	CHECK_INT(0, svc_finding_update(tx, &minh, &rm, id, 1, &in, F, &cur, msg, sizeof(msg)));
	CHECK_INT(2, F->version);
	CHECK_INT(2, stored_revisions(tx, id));
	memset(&k, 0, sizeof(k));
	CHECK_INT(0, svc_finding_history(tx, &rm, id, 0, 0, keep_rev, &k, msg, sizeof(msg)));
	CHECK_INT(2, k.n);
	CHECK(strcmp(k.text[0], "Bản đầu") == 0);
	CHECK_INT(1, k.n_ev[0]);
	CHECK_INT(w.ev, k.ev0[0]);
	CHECK(strcmp(k.text[1], "Bản sửa") == 0);
	CHECK_INT(0, k.n_ev[1]);
	memset(&k, 0, sizeof(k));
	CHECK_INT(0, svc_finding_history(tx, &rm, id, 1, 0, keep_rev, &k, msg, sizeof(msg)));
	CHECK_INT(1, k.n);
	CHECK_INT(2, k.version[0]);

	/* A stale edit of version 1 changes nothing, adds no second revision 1. */
	CHECK_INT(KT_ECONFLICT,
		  svc_finding_update(tx, &minh, &rm, id, 1, &in, F, &cur, msg, sizeof(msg)));
	CHECK_INT(2, stored_revisions(tx, id));

	/* A database written before keeps its stored revision 1: read once, kept at the edit. */
	in = input(3, 1, "Bản cũ", "");
	CHECK_INT(0, svc_finding_create(tx, &minh, &rm, "client-rev-02", w.plan, w.u1, &in, F,
					&created, msg, sizeof(msg)));
	id = F->id;
	CHECK_INT(0, store_exec_i64(tx,
				    "INSERT INTO finding_revisions (finding_id, version, state, area, "
				    "kind, text, cause, by_user, at) SELECT id, 1, state, area, kind, "
				    "'như đã lưu', cause, updated_by, updated_at FROM findings "
				    "WHERE id = ?1",
				    true, 1, id));
	memset(&k, 0, sizeof(k));
	CHECK_INT(0, svc_finding_history(tx, &rm, id, 0, 0, keep_rev, &k, msg, sizeof(msg)));
	CHECK_INT(1, k.n);
	CHECK(strcmp(k.text[0], "như đã lưu") == 0);
	CHECK_INT(0, svc_finding_update(tx, &minh, &rm, id, 1, &in, F, &cur, msg, sizeof(msg)));
	CHECK_INT(2, stored_revisions(tx, id));
	memset(&k, 0, sizeof(k));
	CHECK_INT(0, svc_finding_history(tx, &rm, id, 0, 0, keep_rev, &k, msg, sizeof(msg)));
	CHECK_INT(2, k.n);
	CHECK(strcmp(k.text[0], "như đã lưu") == 0);
	return 0;
}

/* Assign unit 1 to hoa (a member with no assignment in the world). */
static int assign_hoa(struct store_tx *tx)
{
	struct store_assignment as = {.plan_id = w.plan, .unit_id = w.u1, .user_id = w.hoa};
	bool created;

	snprintf(as.date_from, sizeof(as.date_from), "2022-10-01");
	snprintf(as.date_to, sizeof(as.date_to), "2022-10-21");
	as.created_at = T0;
	return store_assignment_put(tx, &as, &created);
}

/* The rights memos (rights.c) forget what a change, a rollback or another connection undid. */
static int t_memo_change(struct store_tx *tx, void *arg)
{
	struct rights_user rh = ru(w.hoa, INSP, 0);
	struct plan_access a;
	int64_t n;

	(void)arg;
	CHECK_INT(0, rights_load(tx, &rh, w.plan, &a, msg, sizeof(msg)));
	CHECK_INT(KT_EPERM, rights_can_write_unit(tx, &a, w.hoa, w.u1, msg, sizeof(msg)));
	CHECK_INT(0, assign_hoa(tx));
	CHECK_INT(0, rights_can_write_unit(tx, &a, w.hoa, w.u1, msg, sizeof(msg)));
	CHECK_INT(0, rights_can_write_unit(tx, &a, w.hoa, w.u1, msg, sizeof(msg))); /* remembered */
	CHECK_INT(0, store_assignment_remove_user(tx, w.plan, w.hoa, &n));
	CHECK_INT(KT_EPERM, rights_can_write_unit(tx, &a, w.hoa, w.u1, msg, sizeof(msg)));
	return 0;
}

/* Assign hoa, let the memo remember it, then fail: the transaction is rolled back. */
static int t_memo_then_fail(struct store_tx *tx, void *arg)
{
	struct rights_user rh = ru(w.hoa, INSP, 0);
	struct plan_access a;

	(void)arg;
	CHECK_INT(0, assign_hoa(tx));
	CHECK_INT(0, rights_load(tx, &rh, w.plan, &a, msg, sizeof(msg)));
	CHECK_INT(0, rights_can_write_unit(tx, &a, w.hoa, w.u1, msg, sizeof(msg)));
	return KT_EINVAL;
}

/* hoa's standing in the plan and on unit 1: *arg is what rights_load must say. */
static int t_memo_expect(struct store_tx *tx, void *arg)
{
	struct rights_user rh = ru(w.hoa, INSP, 0);
	struct plan_access a;

	CHECK_INT(*(int *)arg, rights_load(tx, &rh, w.plan, &a, msg, sizeof(msg)));
	if (*(int *)arg == 0)
		CHECK_INT(KT_EPERM, rights_can_write_unit(tx, &a, w.hoa, w.u1, msg, sizeof(msg)));
	return 0;
}

static int t_memo_remove_hoa(struct store_tx *tx, void *arg)
{
	(void)arg;
	CHECK_INT(0, store_team_remove(tx, w.plan, w.hoa));
	return 0;
}

static void test_rights_memo(struct store *st)
{
	struct store_options o = {.create = false, .busy_timeout_ms = 2000};
	struct store *other = NULL;
	int ok = 0, perm = KT_EPERM;

	CHECK_INT(0, store_run(st, true, t_memo_change, NULL));
	CHECK_INT(KT_EINVAL, store_run(st, true, t_memo_then_fail, NULL));
	CHECK_INT(0, store_run(st, false, t_memo_expect, &ok)); /* the assignment is gone */
	/* Another connection takes hoa off the team: the next transaction here sees it. */
	CHECK_INT(0, store_open(&other, dir, &o));
	if (other)
		CHECK_INT(0, store_run(other, true, t_memo_remove_hoa, NULL));
	store_close(other);
	CHECK_INT(0, store_run(st, false, t_memo_expect, &perm));
}

static void test_services(void)
{
	struct store_options o = {.create = true, .busy_timeout_ms = 2000};
	struct store *st = NULL;

	snprintf(dir, sizeof(dir), "/tmp/kt-findings.XXXXXX");
	if (!mkdtemp(dir)) {
		failures++;
		return;
	}
	F = malloc(sizeof(*F));
	if (!F || store_open(&st, dir, &o) != 0) {
		fprintf(stderr, "cannot open a store in %s\n", dir);
		failures++;
		goto out;
	}
	msg[0] = '\0';
	CHECK_INT(0, store_run(st, true, setup, NULL));
	CHECK_INT(0, store_run(st, true, t_create, NULL));
	CHECK_INT(0, store_run(st, true, t_edit, NULL));
	CHECK_INT(0, store_run(st, true, t_accept, NULL));
	CHECK_INT(0, store_run(st, true, t_visibility, NULL));
	CHECK_INT(0, store_run(st, true, t_evidence, NULL));
	CHECK_INT(0, store_run(st, true, t_evidence_finding, NULL));
	CHECK_INT(0, store_run(st, true, t_first_revision, NULL));
	test_rights_memo(st);
out:
	store_close(st);
	free(F);
	rm_tree(dir);
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	test_state_machine();
	test_client_id();
	test_digest();
	test_services();
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("all findings checks passed\n");
	return 0;
}
