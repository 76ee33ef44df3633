/*
 * cmd_reviews.c - responsibility reviews (họp kiểm điểm trách nhiệm):
 * review record, review show, review submit, review sign, review return,
 * review list.
 *
 * A plan is named by id (or #ID) or by its number ("06/KH-UBND"); a unit by
 * its code (or #ID). Every sign-off step (the unit's submission, the leader's
 * confirmation, the authority's approval, a return) is signed here: the
 * client fetches the review, computes kt_digest_review_signoff() over exactly
 * what it shows (plan, review, unit, round, step, the step's signer, approve,
 * reason, meeting date, minutes' SHA-256, officials in order) and signs it
 * with this installation's signing key; the server recomputes the digest from
 * what it stores and refuses a signature over anything else.
 *
 * Every response is freed before the handler returns.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "client/cli.h"
#include "client/util.h"
#include "common/approval.h"
#include "common/keyfile.h"
#include "common/status.h"
#include "common/text.h"

#define ARG_MAX 128 /* a plan number or unit code on the command line */
#define OFFICIALS_MAX 200
#define CHAIN_MAX 16
#define KEY_PREFIX 16 /* characters of "SHA256:..." shown for a signing key */

enum sign_mode {
	MODE_SUBMIT,
	MODE_SIGN,
	MODE_RETURN,
};

/* The plan and unit a command is about; owns the responses it points into. */
struct target {
	Kiemtra__V1__Response *plan_resp;
	const Kiemtra__V1__PlanGetResp *pg;
	const Kiemtra__V1__Plan *plan;
	Kiemtra__V1__Response *unit_resp;
	int64_t unit_id;
	const char *unit_code;
	const char *unit_name;
	int chain[CHAIN_MAX];
	size_t n_chain;
};

static void target_free(struct target *t)
{
	kt_response_free(t->plan_resp);
	kt_response_free(t->unit_resp);
	memset(t, 0, sizeof(*t));
}

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int bad_option(struct kt_cli *cli, int c, char **argv)
{
	if (c == ':')
		return kt_cli_usage(cli, "%s needs a value", argv[optind - 1]);
	return kt_cli_usage(cli, "unknown option %s", argv[optind - 1]);
}

/* ---- names ---------------------------------------------------------------------- */

static const char *const outcome_names[] = {
    "none", "no-action", "reminder", "criticism", "reprimand", "lowered-rating", "warning",
};
#define OUTCOME_LAST 6

static const char *outcome_name(int o)
{
	return o >= 1 && o <= OUTCOME_LAST ? outcome_names[o] : "unknown";
}

/* "lowered-rating", "lowered_rating" and "LOWERED-RATING" alike; 0 when unknown. */
static int outcome_parse(const char *s)
{
	char buf[32];
	size_t i;

	for (i = 0; s[i] && i + 1 < sizeof(buf); i++) {
		char ch = s[i];
		if (ch == '_')
			ch = '-';
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		buf[i] = ch;
	}
	if (s[i])
		return 0;
	buf[i] = '\0';
	for (int o = 1; o <= OUTCOME_LAST; o++)
		if (strcmp(buf, outcome_names[o]) == 0)
			return o;
	return 0;
}

static const char *signer_name(int s)
{
	switch (s) {
	case KIEMTRA__V1__SIGNER__SIGNER_UNIT_REP:
		return "unit_rep";
	case KIEMTRA__V1__SIGNER__SIGNER_LEADER:
		return "leader";
	case KIEMTRA__V1__SIGNER__SIGNER_DEPUTY:
		return "deputy";
	case KIEMTRA__V1__SIGNER__SIGNER_AUTHORITY:
		return "authority";
	default:
		return "?";
	}
}

static const char *state_name(int s)
{
	switch (s) {
	case KIEMTRA__V1__REVIEW_STATE__REVIEW_STATE_DRAFT:
		return "draft";
	case KIEMTRA__V1__REVIEW_STATE__REVIEW_STATE_IN_SIGNOFF:
		return "in-signoff";
	case KIEMTRA__V1__REVIEW_STATE__REVIEW_STATE_APPROVED:
		return "approved";
	default:
		return "unknown";
	}
}

/* A user's name as the plan or the review's sign-offs know it; "user #ID" otherwise. */
static void user_text(const struct target *t, const Kiemtra__V1__Review *r, int64_t id, char *out,
		      size_t cap)
{
	for (size_t i = 0; t->pg && i < t->pg->n_team; i++) {
		const Kiemtra__V1__TeamMember *m = t->pg->team[i];
		if (m->user_id == id) {
			snprintf(out, cap, "%s (%s)", m->username, m->full_name);
			return;
		}
	}
	for (size_t i = 0; r && i < r->n_signoffs; i++) {
		const Kiemtra__V1__Approval *a = r->signoffs[i]->approval;
		if (a && a->user_id == id) {
			snprintf(out, cap, "%s (%s)", a->username, a->full_name);
			return;
		}
	}
	if (t->pg && t->pg->authority && t->pg->authority->id == id) {
		snprintf(out, cap, "%s (%s)", t->pg->authority->username,
			 t->pg->authority->full_name);
		return;
	}
	snprintf(out, cap, "user #%lld", (long long)id);
}

/* Who signs as `signer` in this plan, for a person: "leader lead (Trần Văn B)". */
static void signer_who(const struct target *t, const Kiemtra__V1__Review *r, int signer, char *out,
		       size_t cap)
{
	char who[400];
	size_t used;

	switch (signer) {
	case KIEMTRA__V1__SIGNER__SIGNER_UNIT_REP:
		snprintf(out, cap, "unit_rep (the representative of %s)", t->unit_code);
		return;
	case KIEMTRA__V1__SIGNER__SIGNER_AUTHORITY:
		if (!t->plan->authority_user_id) {
			snprintf(out, cap, "authority (none named in the plan)");
			return;
		}
		user_text(t, r, t->plan->authority_user_id, who, sizeof(who));
		snprintf(out, cap, "authority %s", who);
		return;
	case KIEMTRA__V1__SIGNER__SIGNER_LEADER:
	case KIEMTRA__V1__SIGNER__SIGNER_DEPUTY:
		used = (size_t)snprintf(out, cap, "%s", signer_name(signer));
		for (size_t i = 0; t->pg && i < t->pg->n_team && used < cap; i++) {
			const Kiemtra__V1__TeamMember *m = t->pg->team[i];
			int role = signer == KIEMTRA__V1__SIGNER__SIGNER_LEADER
				       ? KIEMTRA__V1__TEAM_ROLE__TEAM_ROLE_LEADER
				       : KIEMTRA__V1__TEAM_ROLE__TEAM_ROLE_DEPUTY;
			if ((int)m->role != role)
				continue;
			used += (size_t)snprintf(out + used, cap - used, " %s", m->username);
		}
		return;
	default:
		snprintf(out, cap, "%s", signer_name(signer));
		return;
	}
}

/* "SHA256:AbCdEfGh1" - the start of the signing key's fingerprint. */
static void key_prefix(const ProtobufCBinaryData *key, char *out, size_t cap)
{
	char fp[KT_FINGERPRINT_LEN];

	if (key->len != 32) {
		snprintf(out, cap, "-");
		return;
	}
	kt_fingerprint(key->data, fp);
	snprintf(out, cap, "%.*s", KEY_PREFIX, fp);
}

/* ---- the plan, the unit, the review ------------------------------------------- */

static int open_plan(struct kt_cli *cli, const char *arg, struct target *t)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__PlanGetReq g = KIEMTRA__V1__PLAN_GET_REQ__INIT;
	unsigned long long id;
	int rc;

	if (kt_text_check(arg, strlen(arg), ARG_MAX, KT_TEXT_NONEMPTY) != KT_OK)
		return kt_cli_usage(cli,
				    "a plan is named by its id or number (one line of text, "
				    "at most %d bytes)",
				    ARG_MAX);
	if (arg[0] == '#' || all_digits(arg)) {
		const char *digits = arg[0] == '#' ? arg + 1 : arg;
		if (kt_parse_uint(digits, 1, INT64_MAX, &id) != KT_OK)
			return kt_cli_usage(cli, "'%s' is not a plan id", arg);
		g.id = (int64_t)id;
	} else {
		g.number = (char *)arg;
	}
	req.body_case = KIEMTRA__V1__REQUEST__BODY_PLAN_GET;
	req.plan_get = &g;
	rc = kt_cli_call(cli, &req, &t->plan_resp);
	if (rc != KT_EXIT_OK)
		return rc;
	t->pg = t->plan_resp->plan_get;
	t->plan = t->pg->plan;
	if (!t->plan)
		return kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT",
				   "the server's answer has no plan");
	t->n_chain = 0;
	for (size_t i = 0; i < t->plan->n_review_chain && t->n_chain < CHAIN_MAX; i++)
		t->chain[t->n_chain++] = (int)t->plan->review_chain[i];
	if (t->n_chain == 0) {
		t->chain[0] = KIEMTRA__V1__SIGNER__SIGNER_UNIT_REP;
		t->chain[1] = KIEMTRA__V1__SIGNER__SIGNER_LEADER;
		t->chain[2] = KIEMTRA__V1__SIGNER__SIGNER_AUTHORITY;
		t->n_chain = 3;
	}
	return KT_EXIT_OK;
}

/* The unit by code among the plan's units, else by code (or #ID) from the server. */
static int open_unit(struct kt_cli *cli, const char *arg, struct target *t)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__UnitGetReq g = KIEMTRA__V1__UNIT_GET_REQ__INIT;
	unsigned long long id = 0;
	int rc;

	if (kt_text_check(arg, strlen(arg), ARG_MAX, KT_TEXT_NONEMPTY) != KT_OK)
		return kt_cli_usage(cli,
				    "a unit is named by its code or #ID (one line of text, "
				    "at most %d bytes)",
				    ARG_MAX);
	if (arg[0] == '#' && kt_parse_uint(arg + 1, 1, INT64_MAX, &id) != KT_OK)
		return kt_cli_usage(cli, "'%s' is not #ID (a unit id after '#')", arg);
	for (size_t i = 0; i < t->pg->n_units; i++) {
		const Kiemtra__V1__Unit *u = t->pg->units[i];
		if ((id && u->id == (int64_t)id) || (!id && strcmp(u->code, arg) == 0)) {
			t->unit_id = u->id;
			t->unit_code = u->code;
			t->unit_name = u->name;
			return KT_EXIT_OK;
		}
	}
	g.id = (int64_t)id;
	if (!id)
		g.code = (char *)arg;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_UNIT_GET;
	req.unit_get = &g;
	rc = kt_cli_call(cli, &req, &t->unit_resp);
	if (rc != KT_EXIT_OK)
		return rc;
	if (!t->unit_resp->unit_get->unit)
		return kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT",
				   "the server's answer has no unit");
	t->unit_id = t->unit_resp->unit_get->unit->id;
	t->unit_code = t->unit_resp->unit_get->unit->code;
	t->unit_name = t->unit_resp->unit_get->unit->name;
	return KT_EXIT_OK;
}

static int open_target(struct kt_cli *cli, const char *plan, const char *unit, struct target *t)
{
	int rc = open_plan(cli, plan, t);

	if (rc == KT_EXIT_OK && unit)
		rc = open_unit(cli, unit, t);
	return rc;
}

/* The unit's review; NOT_FOUND (exit 15) when it has none, unless missing_ok. */
static int fetch_review(struct kt_cli *cli, const struct target *t, bool missing_ok,
			Kiemtra__V1__Response **resp, const Kiemtra__V1__Review **review)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__ReviewListReq l = KIEMTRA__V1__REVIEW_LIST_REQ__INIT;
	int rc;

	*review = NULL;
	l.plan_id = t->plan->id;
	l.unit_id = t->unit_id;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_REVIEW_LIST;
	req.review_list = &l;
	rc = kt_cli_call(cli, &req, resp);
	if (rc != KT_EXIT_OK)
		return rc;
	for (size_t i = 0; i < (*resp)->review_list->n_reviews; i++)
		if ((*resp)->review_list->reviews[i]->unit_id == t->unit_id)
			*review = (*resp)->review_list->reviews[i];
	if (*review || missing_ok)
		return KT_EXIT_OK;
	return kt_cli_fail(cli, KT_EXIT_STATUS + KT_STATUS_NOT_FOUND, "NOT_FOUND",
			   "unit %s has not recorded its review in plan %s yet; record it with: "
			   "kiemtra review record %s %s --date YYYY-MM-DD --official "
			   "\"NAME|POSITION|OUTCOME\"",
			   t->unit_code, t->plan->number, t->plan->number, t->unit_code);
}

/* The canonical digest of `step` of review r as this client sees it. */
static void review_digest(const Kiemtra__V1__Review *r, int step, int signer, bool approve,
			  const char *reason, uint8_t out[KT_DIGEST_LEN])
{
	struct kt_digest_official o[OFFICIALS_MAX];
	size_t n = r->n_officials < OFFICIALS_MAX ? r->n_officials : OFFICIALS_MAX;
	const uint8_t *sha = NULL;

	for (size_t i = 0; i < n; i++) {
		o[i].name = r->officials[i]->name;
		o[i].position = r->officials[i]->position;
		o[i].outcome = (int)r->officials[i]->outcome;
		o[i].note = r->officials[i]->note;
	}
	if (r->minutes && r->minutes->sha256.len == 32)
		sha = r->minutes->sha256.data;
	kt_digest_review_signoff(r->plan_id, r->id, r->unit_id, r->round, step, signer, approve,
				 approve ? "" : reason, r->meeting_date, sha, n, o, out);
}

/* ---- JSON ------------------------------------------------------------------------ */

static void json_hex(struct kt_json *j, const char *key, const ProtobufCBinaryData *b)
{
	char hex[2 * 64 + 1];

	if (b->len > 64) {
		kt_json_kv_str(j, key, "");
		return;
	}
	sodium_bin2hex(hex, sizeof(hex), b->data, b->len);
	kt_json_kv_str(j, key, hex);
}

static void json_review(struct kt_json *j, const struct target *t, const Kiemtra__V1__Review *r)
{
	char who[512];

	kt_json_begin_object(j);
	kt_json_kv_int(j, "id", r->id);
	kt_json_kv_int(j, "plan_id", r->plan_id);
	kt_json_kv_int(j, "unit_id", r->unit_id);
	kt_json_kv_str(j, "meeting_date", r->meeting_date);
	kt_json_key(j, "minutes");
	if (r->minutes) {
		kt_json_begin_object(j);
		kt_json_kv_int(j, "id", r->minutes->id);
		kt_json_kv_str(j, "name", r->minutes->name);
		kt_json_kv_uint(j, "size", r->minutes->size);
		kt_json_kv_str(j, "content_type", r->minutes->content_type);
		json_hex(j, "sha256", &r->minutes->sha256);
		kt_json_end_object(j);
	} else {
		kt_json_null(j);
	}
	kt_json_kv_str(j, "state", state_name((int)r->state));
	kt_json_kv_int(j, "round", r->round);
	kt_json_kv_int(j, "next_step", r->next_step);
	if (r->next_step >= 1 && (size_t)r->next_step <= t->n_chain) {
		kt_json_kv_str(j, "next_signer", signer_name(t->chain[r->next_step - 1]));
		signer_who(t, r, t->chain[r->next_step - 1], who, sizeof(who));
		kt_json_kv_str(j, "next_signer_who", who);
	}
	kt_json_kv_int(j, "version", r->version);
	kt_json_kv_int(j, "recorded_by", r->recorded_by);
	kt_json_kv_str(j, "recorded_by_username", r->recorded_by_username);
	kt_json_kv_str(j, "recorded_by_full_name", r->recorded_by_full_name);
	kt_json_kv_int(j, "recorded_at", r->recorded_at);
	kt_json_kv_str(j, "return_reason", r->return_reason);
	kt_json_key(j, "officials");
	kt_json_begin_array(j);
	for (size_t i = 0; i < r->n_officials; i++) {
		const Kiemtra__V1__ReviewedOfficial *o = r->officials[i];
		kt_json_begin_object(j);
		kt_json_kv_str(j, "name", o->name);
		kt_json_kv_str(j, "position", o->position);
		kt_json_kv_str(j, "outcome", outcome_name((int)o->outcome));
		kt_json_kv_str(j, "note", o->note);
		kt_json_end_object(j);
	}
	kt_json_end_array(j);
	kt_json_key(j, "signoffs");
	kt_json_begin_array(j);
	for (size_t i = 0; i < r->n_signoffs; i++) {
		const Kiemtra__V1__SignoffStep *s = r->signoffs[i];
		kt_json_begin_object(j);
		kt_json_kv_int(j, "round", s->round);
		kt_json_kv_int(j, "step", s->step);
		kt_json_kv_str(j, "signer", signer_name((int)s->signer));
		kt_json_kv_bool(j, "approved", s->approved);
		kt_json_kv_str(j, "reason", s->reason);
		if (s->approval) {
			char fp[KT_FINGERPRINT_LEN];
			kt_json_kv_int(j, "user_id", s->approval->user_id);
			kt_json_kv_str(j, "username", s->approval->username);
			kt_json_kv_str(j, "full_name", s->approval->full_name);
			kt_json_kv_int(j, "at", s->approval->at);
			json_hex(j, "digest", &s->approval->digest);
			json_hex(j, "signature", &s->approval->signature);
			json_hex(j, "signing_key", &s->approval->signing_key);
			if (s->approval->signing_key.len == 32) {
				kt_fingerprint(s->approval->signing_key.data, fp);
				kt_json_kv_str(j, "key_fingerprint", fp);
			}
		}
		kt_json_end_object(j);
	}
	kt_json_end_array(j);
	kt_json_end_object(j);
}

static void json_target(struct kt_json *j, const struct target *t)
{
	kt_json_key(j, "plan");
	kt_json_begin_object(j);
	kt_json_kv_int(j, "id", t->plan->id);
	kt_json_kv_str(j, "number", t->plan->number);
	kt_json_key(j, "review_chain");
	kt_json_begin_array(j);
	for (size_t i = 0; i < t->n_chain; i++)
		kt_json_string(j, signer_name(t->chain[i]));
	kt_json_end_array(j);
	kt_json_end_object(j);
	if (t->unit_code) {
		kt_json_key(j, "unit");
		kt_json_begin_object(j);
		kt_json_kv_int(j, "id", t->unit_id);
		kt_json_kv_str(j, "code", t->unit_code);
		kt_json_kv_str(j, "name", t->unit_name);
		kt_json_end_object(j);
	}
}

/* ---- human output ----------------------------------------------------------------- */

static const Kiemtra__V1__SignoffStep *find_step(const Kiemtra__V1__Review *r, int round, int step)
{
	for (size_t i = 0; i < r->n_signoffs; i++)
		if (r->signoffs[i]->round == round && r->signoffs[i]->step == step)
			return r->signoffs[i];
	return NULL;
}

static void step_cells(const Kiemtra__V1__SignoffStep *s, char *by, size_t nby, char *when,
		       size_t nwhen, char *key, size_t nkey)
{
	if (!s || !s->approval) {
		snprintf(by, nby, "-");
		snprintf(when, nwhen, "-");
		snprintf(key, nkey, "-");
		return;
	}
	snprintf(by, nby, "%s (%s)", s->approval->username, s->approval->full_name);
	kt_format_time(s->approval->at, when, nwhen);
	key_prefix(&s->approval->signing_key, key, nkey);
}

static int print_review(struct kt_cli *cli, const struct target *t, const Kiemtra__V1__Review *r)
{
	static const char *const ohdr[] = {"#", "NAME", "POSITION", "OUTCOME", "NOTE"};
	static const char *const shdr[] = {"STEP", "SIGNER", "STATUS", "BY", "AT", "KEY"};
	char buf[1400], who[512], when[64], by[600], key[32], num[24], vn[16];
	struct kt_table ot = {0}, st = {0};
	int rc = KT_EXIT_OK;

	kt_cli_field("review:", "#%lld  unit %s  %s  in plan %s", (long long)r->id, t->unit_code,
		     t->unit_name ? t->unit_name : "", t->plan->number);
	if (strlen(r->meeting_date) == 10)
		snprintf(vn, sizeof(vn), "%.2s/%.2s/%.4s", r->meeting_date + 8, r->meeting_date + 5,
			 r->meeting_date);
	else
		snprintf(vn, sizeof(vn), "?");
	kt_cli_field("meeting:", "%s (%s)", r->meeting_date, vn);
	if (r->minutes) {
		char hex[17];
		sodium_bin2hex(hex, sizeof(hex), r->minutes->sha256.data,
			       r->minutes->sha256.len >= 8 ? 8 : 0);
		kt_cli_field("minutes:", "evidence #%lld  %s  (%llu bytes, sha256 %s...)",
			     (long long)r->minutes->id, r->minutes->name,
			     (unsigned long long)r->minutes->size, hex);
	} else {
		kt_cli_field("minutes:", "none yet (attach them before the submission)");
	}
	if (r->state == KIEMTRA__V1__REVIEW_STATE__REVIEW_STATE_APPROVED) {
		kt_cli_field("state:", "approved (round %d: every step signed)", r->round);
	} else if (r->next_step >= 1 && (size_t)r->next_step <= t->n_chain) {
		signer_who(t, r, t->chain[r->next_step - 1], who, sizeof(who));
		kt_cli_field("state:", "%s, round %d; next: step %d of %zu, %s",
			     state_name((int)r->state), r->round, r->next_step, t->n_chain, who);
	} else {
		kt_cli_field("state:", "%s, round %d; step %d is not in the plan's chain",
			     state_name((int)r->state), r->round, r->next_step);
	}
	if (r->recorded_by_username[0])
		snprintf(who, sizeof(who), "%s (%s)", r->recorded_by_username,
			 r->recorded_by_full_name);
	else
		user_text(t, r, r->recorded_by, who, sizeof(who));
	kt_format_time(r->recorded_at, when, sizeof(when));
	kt_cli_field("recorded:", "by %s, %s", who, when);
	kt_cli_field("version:", "%lld", (long long)r->version);
	if (r->return_reason[0])
		kt_cli_field("last return:", "%s", r->return_reason);

	printf("officials (%zu):\n", r->n_officials);
	if (kt_table_init(&ot, 5, ohdr) != KT_OK || kt_table_init(&st, 6, shdr) != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
		goto out;
	}
	for (size_t i = 0; i < r->n_officials; i++) {
		const Kiemtra__V1__ReviewedOfficial *o = r->officials[i];
		const char *row[5];

		snprintf(num, sizeof(num), "%zu", i + 1);
		row[0] = num;
		row[1] = o->name;
		row[2] = o->position;
		row[3] = outcome_name((int)o->outcome);
		row[4] = o->note;
		kt_table_add(&ot, row);
	}
	if (kt_table_print(&ot, stdout) != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
		goto out;
	}
	printf("sign-off chain (round %d):\n", r->round);
	for (size_t k = 1; k <= t->n_chain; k++) {
		const Kiemtra__V1__SignoffStep *s = find_step(r, r->round, (int)k);
		const char *status, *row[6];

		if (s)
			status = s->approved ? "signed" : "returned";
		else if ((size_t)r->next_step == k)
			status = "next";
		else
			status = "waiting";
		step_cells(s, by, sizeof(by), when, sizeof(when), key, sizeof(key));
		if (!s && (size_t)r->next_step == k) {
			signer_who(t, r, t->chain[k - 1], who, sizeof(who));
			snprintf(by, sizeof(by), "awaiting %s", who);
		}
		snprintf(num, sizeof(num), "%zu", k);
		row[0] = num;
		row[1] = signer_name(t->chain[k - 1]);
		row[2] = status;
		row[3] = by;
		row[4] = when;
		row[5] = key;
		kt_table_add(&st, row);
	}
	if (kt_table_print(&st, stdout) != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
		goto out;
	}
	for (size_t i = 0; i < r->n_signoffs; i++) {
		const Kiemtra__V1__SignoffStep *s = r->signoffs[i];

		if (s->round == r->round)
			continue;
		if (i == 0 || r->signoffs[i - 1]->round != s->round)
			printf("round %d:\n", s->round);
		step_cells(s, by, sizeof(by), when, sizeof(when), key, sizeof(key));
		snprintf(buf, sizeof(buf), "  step %d %s %s by %s, %s, key %s%s%s", s->step,
			 signer_name((int)s->signer), s->approved ? "signed" : "RETURNED", by, when,
			 key, s->approved ? "" : ": ", s->approved ? "" : s->reason);
		kt_print_safe(stdout, buf, true);
		putchar('\n');
	}
out:
	kt_table_free(&ot);
	kt_table_free(&st);
	return rc;
}

/* ---- review record ------------------------------------------------------------------ */

struct officials {
	Kiemtra__V1__ReviewedOfficial items[OFFICIALS_MAX];
	Kiemtra__V1__ReviewedOfficial *ptrs[OFFICIALS_MAX];
	char *bufs[OFFICIALS_MAX];
	size_t n;
};

static void officials_free(struct officials *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->bufs[i]);
	o->n = 0;
}

/* "NAME|POSITION|OUTCOME[|NOTE]" (the note may itself hold '|'). */
static int official_parse(struct kt_cli *cli, const char *arg, struct officials *o)
{
	Kiemtra__V1__ReviewedOfficial *p;
	char *buf, *f[4] = {NULL, NULL, NULL, NULL};
	int outcome;

	if (o->n == OFFICIALS_MAX)
		return kt_cli_usage(cli, "at most %d --official options", OFFICIALS_MAX);
	buf = strdup(arg);
	if (!buf)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
	o->bufs[o->n] = buf;
	f[0] = buf;
	for (int i = 1; i < 4; i++) {
		char *bar = strchr(f[i - 1], '|');
		if (!bar)
			break;
		*bar = '\0';
		f[i] = bar + 1;
	}
	o->n++;
	if (!f[2])
		return kt_cli_usage(
		    cli, "--official wants \"NAME|POSITION|OUTCOME[|NOTE]\"; got '%s'", arg);
	outcome = outcome_parse(f[2]);
	if (!outcome)
		return kt_cli_usage(cli,
				    "unknown outcome '%s': use no-action, reminder, criticism, "
				    "reprimand, lowered-rating or warning",
				    f[2]);
	p = &o->items[o->n - 1];
	kiemtra__v1__reviewed_official__init(p);
	p->name = f[0];
	p->position = f[1];
	p->outcome = (Kiemtra__V1__Outcome)outcome;
	p->note = f[3] ? f[3] : (char *)"";
	o->ptrs[o->n - 1] = p;
	return KT_EXIT_OK;
}

/* From cmd_evidence.c: upload a file to a plan (resumable), giving its evidence id. */
int kt_ev_upload(struct kt_cli *cli, int64_t plan_id, const char *path, const char *type,
		 unsigned long stop_after, const char *declare_hex, int64_t *id, bool *dedup,
		 uint64_t *resumed_from);

/*
 * --minutes: an existing file is uploaded to the plan (the evidence commands'
 * upload) and its evidence id used; otherwise an evidence id (or #ID).
 */
static int minutes_arg(struct kt_cli *cli, const char *arg, int64_t plan_id, int64_t *id)
{
	const char *digits = arg[0] == '#' ? arg + 1 : arg;
	unsigned long long v;
	uint64_t resumed;
	struct stat sb;
	bool dedup;

	if (stat(arg, &sb) == 0 && S_ISREG(sb.st_mode))
		return kt_ev_upload(cli, plan_id, arg, NULL, 0, NULL, id, &dedup, &resumed);
	if (kt_parse_uint(digits, 1, INT64_MAX, &v) != KT_OK)
		return kt_cli_usage(cli,
				    "--minutes wants a file to upload or an evidence id; "
				    "'%s' is neither",
				    arg);
	*id = (int64_t)v;
	return KT_EXIT_OK;
}

static int cmd_record(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"date", required_argument, NULL, 'd'},
	    {"minutes", required_argument, NULL, 'm'},
	    {"official", required_argument, NULL, 'o'},
	    {"version", required_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__ReviewRecordReq rr = KIEMTRA__V1__REVIEW_RECORD_REQ__INIT;
	Kiemtra__V1__Response *resp = NULL;
	const char *date = NULL, *minutes = NULL;
	struct officials *o = NULL;
	struct target t = {0};
	unsigned long long version = 0;
	const Kiemtra__V1__Review *r;
	struct kt_json *j;
	int c, rc;

	o = calloc(1, sizeof(*o));
	if (!o)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			date = optarg;
			break;
		case 'm':
			minutes = optarg;
			break;
		case 'o':
			rc = official_parse(cli, optarg, o);
			if (rc != KT_EXIT_OK)
				goto out;
			break;
		case 'v':
			if (kt_parse_uint(optarg, 0, INT64_MAX, &version) != KT_OK) {
				rc = kt_cli_usage(cli, "--version wants the review's version (a "
						       "number; 0 for the first record)");
				goto out;
			}
			break;
		default:
			rc = bad_option(cli, c, argv);
			goto out;
		}
	}
	if (argc - optind != 2) {
		rc = kt_cli_usage(cli, "name the plan and the unit: review record PLAN UNIT ...");
		goto out;
	}
	if (!date) {
		rc = kt_cli_usage(cli, "--date YYYY-MM-DD (the day of the meeting) is required");
		goto out;
	}
	if (o->n == 0) {
		rc = kt_cli_usage(cli, "name each official reviewed: --official "
				       "\"NAME|POSITION|OUTCOME[|NOTE]\"");
		goto out;
	}
	if ((rc = open_target(cli, argv[optind], argv[optind + 1], &t)) != KT_EXIT_OK)
		goto out;
	if (minutes &&
	    (rc = minutes_arg(cli, minutes, t.plan->id, &rr.minutes_evidence_id)) != KT_EXIT_OK)
		goto out;
	rr.plan_id = t.plan->id;
	rr.unit_id = t.unit_id;
	rr.version = (int64_t)version;
	rr.meeting_date = (char *)date;
	rr.officials = o->ptrs;
	rr.n_officials = o->n;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_REVIEW_RECORD;
	req.review_record = &rr;
	rc = kt_cli_call(cli, &req, &resp);
	if (rc != KT_EXIT_OK)
		goto out;
	r = resp->review_record->review;
	if (!r) {
		rc = kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT",
				 "the server's answer has no review");
		goto out;
	}
	j = kt_cli_json_begin(cli);
	if (j) {
		json_target(j, &t);
		kt_json_key(j, "review");
		json_review(j, &t, r);
		kt_cli_json_end(cli);
		goto out;
	}
	printf("recorded the review of unit %s in plan %s: meeting %s, %zu officials, version "
	       "%lld\n",
	       t.unit_code, t.plan->number, r->meeting_date, r->n_officials, (long long)r->version);
	if (!r->minutes)
		printf("no minutes yet: record it again with --minutes FILE --version %lld "
		       "before submitting\n",
		       (long long)r->version);
	else
		printf("next: kiemtra review submit %s %s\n", t.plan->number, t.unit_code);
out:
	kt_response_free(resp);
	target_free(&t);
	officials_free(o);
	free(o);
	return rc;
}

/* ---- review show ------------------------------------------------------------------------ */

static int plan_unit_args(struct kt_cli *cli, int argc, char **argv, const struct option *opts,
			  const char **reason)
{
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == 'r' && reason)
			*reason = optarg;
		else
			return bad_option(cli, c, argv);
	}
	if (argc - optind != 2)
		return kt_cli_usage(cli, "name the plan and the unit");
	return KT_EXIT_OK;
}

static int cmd_show(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	Kiemtra__V1__Response *resp = NULL;
	const Kiemtra__V1__Review *r;
	struct target t = {0};
	struct kt_json *j;
	int rc;

	if ((rc = plan_unit_args(cli, argc, argv, opts, NULL)) != KT_EXIT_OK)
		return rc;
	if ((rc = open_target(cli, argv[optind], argv[optind + 1], &t)) != KT_EXIT_OK)
		goto out;
	if ((rc = fetch_review(cli, &t, false, &resp, &r)) != KT_EXIT_OK)
		goto out;
	j = kt_cli_json_begin(cli);
	if (j) {
		json_target(j, &t);
		kt_json_key(j, "review");
		json_review(j, &t, r);
		kt_cli_json_end(cli);
		goto out;
	}
	rc = print_review(cli, &t, r);
out:
	kt_response_free(resp);
	target_free(&t);
	return rc;
}

/* ---- review submit / sign / return ------------------------------------------------------ */

static int sign_step(struct kt_cli *cli, int argc, char **argv, enum sign_mode mode)
{
	static const struct option opts_reason[] = {
	    {"reason", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	static const struct option opts_none[] = {{NULL, 0, NULL, 0}};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__ReviewSignReq sr = KIEMTRA__V1__REVIEW_SIGN_REQ__INIT;
	Kiemtra__V1__Response *resp = NULL, *signed_resp = NULL;
	const Kiemtra__V1__Review *r, *after;
	uint8_t digest[KT_DIGEST_LEN], sig[KT_SIG_LEN];
	const char *reason = NULL;
	struct target t = {0};
	char who[512];
	struct kt_json *j;
	int rc, step, signer;

	rc =
	    plan_unit_args(cli, argc, argv, mode == MODE_RETURN ? opts_reason : opts_none, &reason);
	if (rc != KT_EXIT_OK)
		return rc;
	if (mode == MODE_RETURN && (!reason || !reason[0]))
		return kt_cli_usage(cli, "a return needs --reason TEXT for the unit");
	if ((rc = open_target(cli, argv[optind], argv[optind + 1], &t)) != KT_EXIT_OK)
		goto out;
	if ((rc = fetch_review(cli, &t, false, &resp, &r)) != KT_EXIT_OK)
		goto out;
	step = mode == MODE_SUBMIT ? 1 : r->next_step;
	signer = step >= 1 && (size_t)step <= t.n_chain ? t.chain[step - 1] : 0;
	review_digest(r, step, signer, mode != MODE_RETURN, reason, digest);
	if ((rc = kt_cli_sign(cli, digest, sig)) != KT_EXIT_OK)
		goto out;
	sr.id = r->id;
	sr.version = r->version;
	sr.step = step;
	sr.approve = mode != MODE_RETURN;
	sr.reason = (char *)(mode == MODE_RETURN ? reason : "");
	sr.signature.data = sig;
	sr.signature.len = sizeof(sig);
	req.body_case = KIEMTRA__V1__REQUEST__BODY_REVIEW_SIGN;
	req.review_sign = &sr;
	rc = kt_cli_call(cli, &req, &signed_resp);
	if (rc != KT_EXIT_OK)
		goto out;
	after = signed_resp->review_sign->review;
	if (!after) {
		rc = kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT",
				 "the server's answer has no review");
		goto out;
	}
	j = kt_cli_json_begin(cli);
	if (j) {
		json_target(j, &t);
		kt_json_kv_int(j, "signed_step", step);
		kt_json_kv_str(j, "signed_as", signer_name(signer));
		kt_json_key(j, "review");
		json_review(j, &t, after);
		kt_cli_json_end(cli);
		goto out;
	}
	if (mode == MODE_RETURN)
		printf("returned the review of unit %s in plan %s at step %d (%s); it is a draft "
		       "again, round %d\n",
		       t.unit_code, t.plan->number, step, signer_name(signer), after->round);
	else
		printf("signed step %d (%s) of the review of unit %s in plan %s\n", step,
		       signer_name(signer), t.unit_code, t.plan->number);
	if (after->state == KIEMTRA__V1__REVIEW_STATE__REVIEW_STATE_APPROVED) {
		printf("the review is approved: every step is signed\n");
	} else if (after->next_step >= 1 && (size_t)after->next_step <= t.n_chain) {
		signer_who(&t, after, t.chain[after->next_step - 1], who, sizeof(who));
		fputs("next: ", stdout);
		printf("step %d, ", after->next_step);
		kt_print_safe(stdout, who, false);
		putchar('\n');
	}
out:
	kt_response_free(signed_resp);
	kt_response_free(resp);
	target_free(&t);
	sodium_memzero(sig, sizeof(sig));
	return rc;
}

static int cmd_submit(struct kt_cli *cli, int argc, char **argv)
{
	return sign_step(cli, argc, argv, MODE_SUBMIT);
}

static int cmd_sign(struct kt_cli *cli, int argc, char **argv)
{
	return sign_step(cli, argc, argv, MODE_SIGN);
}

static int cmd_return(struct kt_cli *cli, int argc, char **argv)
{
	return sign_step(cli, argc, argv, MODE_RETURN);
}

/* ---- review list ------------------------------------------------------------------------ */

static const Kiemtra__V1__Unit *plan_unit(const struct target *t, int64_t id)
{
	for (size_t i = 0; i < t->pg->n_units; i++)
		if (t->pg->units[i]->id == id)
			return t->pg->units[i];
	return NULL;
}

static int cmd_list(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	static const char *const hdr[] = {"UNIT", "NAME", "HELD", "OFFICIALS", "STATE", "NEXT"};
	Kiemtra__V1__Response **pages = NULL, **np;
	size_t npages = 0, nreviews = 0, napproved = 0, nofficials = 0;
	struct target t = {0};
	struct kt_table tb = {0};
	int64_t after = 0;
	struct kt_json *j;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1)
		return bad_option(cli, c, argv);
	if (argc - optind != 1)
		return kt_cli_usage(cli, "name the plan: review list PLAN");
	if ((rc = open_plan(cli, argv[optind], &t)) != KT_EXIT_OK)
		goto out;
	for (;;) {
		Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
		Kiemtra__V1__ReviewListReq l = KIEMTRA__V1__REVIEW_LIST_REQ__INIT;
		Kiemtra__V1__Response *resp = NULL;
		const Kiemtra__V1__ReviewListResp *p;

		l.plan_id = t.plan->id;
		l.after_unit_id = after;
		req.body_case = KIEMTRA__V1__REQUEST__BODY_REVIEW_LIST;
		req.review_list = &l;
		rc = kt_cli_call(cli, &req, &resp);
		if (rc != KT_EXIT_OK)
			goto out;
		np = realloc(pages, (npages + 1) * sizeof(*pages));
		if (!np) {
			kt_response_free(resp);
			rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
			goto out;
		}
		pages = np;
		pages[npages++] = resp;
		p = resp->review_list;
		if (!p->more || p->n_reviews == 0 || p->reviews[p->n_reviews - 1]->unit_id <= after)
			break;
		after = p->reviews[p->n_reviews - 1]->unit_id;
	}
	j = kt_cli_json_begin(cli);
	if (j) {
		json_target(j, &t);
		kt_json_key(j, "reviews");
		kt_json_begin_array(j);
	} else if (kt_table_init(&tb, 6, hdr) != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
		goto out;
	}
	for (size_t pg = 0; pg < npages; pg++) {
		const Kiemtra__V1__ReviewListResp *p = pages[pg]->review_list;

		for (size_t i = 0; i < p->n_reviews; i++) {
			const Kiemtra__V1__Review *r = p->reviews[i];
			const Kiemtra__V1__Unit *u = plan_unit(&t, r->unit_id);
			char code[48], n[16], state[48], next[512], who[480];
			const char *row[6];

			nreviews++;
			nofficials += r->n_officials;
			if (r->state == KIEMTRA__V1__REVIEW_STATE__REVIEW_STATE_APPROVED)
				napproved++;
			if (j) {
				t.unit_code = u ? u->code : "";
				json_review(j, &t, r);
				continue;
			}
			snprintf(code, sizeof(code), "%s", u ? u->code : "");
			if (!u)
				snprintf(code, sizeof(code), "#%lld", (long long)r->unit_id);
			t.unit_code = code;
			snprintf(n, sizeof(n), "%zu", r->n_officials);
			if (r->round > 1)
				snprintf(state, sizeof(state), "%s (round %d)",
					 state_name((int)r->state), r->round);
			else
				snprintf(state, sizeof(state), "%s", state_name((int)r->state));
			if (r->next_step >= 1 && (size_t)r->next_step <= t.n_chain) {
				signer_who(&t, r, t.chain[r->next_step - 1], who, sizeof(who));
				snprintf(next, sizeof(next), "%d: %s", r->next_step, who);
			} else {
				snprintf(next, sizeof(next), "-");
			}
			row[0] = code;
			row[1] = u ? u->name : "";
			row[2] = r->meeting_date;
			row[3] = n;
			row[4] = state;
			row[5] = next;
			kt_table_add(&tb, row);
		}
	}
	t.unit_code = NULL;
	if (j) {
		kt_json_end_array(j);
		kt_json_kv_uint(j, "held", nreviews);
		kt_json_kv_uint(j, "approved", napproved);
		kt_json_kv_uint(j, "officials", nofficials);
		kt_cli_json_end(cli);
		goto out;
	}
	if (nreviews == 0) {
		printf("no unit has recorded a review in plan %s yet\n", t.plan->number);
		goto out;
	}
	if (kt_table_print(&tb, stdout) != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
		goto out;
	}
	printf("reviews held: %zu (approved: %zu); officials reviewed: %zu; units in plan %s: "
	       "%zu\n",
	       nreviews, napproved, nofficials, t.plan->number, t.plan->n_unit_ids);
out:
	kt_table_free(&tb);
	for (size_t i = 0; i < npages; i++)
		kt_response_free(pages[i]);
	free(pages);
	target_free(&t);
	return rc;
}

/* clang-format off */
const struct kt_command kt_cmds_reviews[] = {
	{"review record", cmd_record, KT_CMD_SESSION,
	 "review record PLAN UNIT --date YYYY-MM-DD --official \"NAME|POSITION|OUTCOME[|NOTE]\"... "
	 "[--minutes FILE|EVIDENCE_ID] [--version V]",
	 "record the unit's responsibility review meeting",
	 "For the representative of UNIT. Records the meeting the unit held after the\n"
	 "inspection (họp kiểm điểm trách nhiệm): its date, the minutes (a file, uploaded\n"
	 "to the plan as evidence, or the id of evidence already uploaded; required before\n"
	 "the submission) and each official reviewed with the outcome: no-action,\n"
	 "reminder, criticism, reprimand, lowered-rating or warning, e.g.\n"
	 "  --official \"Nguyễn Văn A|Chủ tịch UBND xã|lowered-rating|hạ mức xếp loại T10/2021\"\n"
	 "Repeat --official for each official (1 to 200), in order.\n"
	 "The first record needs no --version; replacing it (allowed while it is a draft:\n"
	 "before the submission, or after a return) needs --version V, the version that\n"
	 "'review show' printed. A stale version is refused (exit 20): look again."},
	{"review show", cmd_show, KT_CMD_SESSION, "review show PLAN UNIT",
	 "show a unit's review: officials, outcomes and the sign-off chain",
	 "Shows the meeting, the minutes, the officials with their outcomes, and the\n"
	 "plan's sign-off chain for the current round: for each step the signer, who signed\n"
	 "it and when, and the start of the signing key's fingerprint; which step is next\n"
	 "and who may sign it. Earlier rounds (ended by a return) follow."},
	{"review submit", cmd_submit, KT_CMD_SESSION, "review submit PLAN UNIT",
	 "sign step 1: the unit submits its review",
	 "Signs step 1 of the plan's chain (normally the unit's representative) over the\n"
	 "review exactly as recorded. The minutes must be attached first."},
	{"review sign", cmd_sign, KT_CMD_SESSION, "review sign PLAN UNIT",
	 "sign the review's next step (confirm or approve)",
	 "Signs the next step of the review's sign-off chain with this installation's\n"
	 "signing key, over the review exactly as shown by 'review show'. The server checks\n"
	 "that you are the step's signer (the team leader, a deputy, the plan's approving\n"
	 "authority, or the unit's representative) and that you signed no other step of\n"
	 "this round. After the last step the review is approved."},
	{"review return", cmd_return, KT_CMD_SESSION, "review return PLAN UNIT --reason TEXT",
	 "return the review to the unit at its next step, with a reason",
	 "The signer of the next step (not step 1) sends the review back: it becomes a\n"
	 "draft again in a new round, the unit records it again and submits it anew. The\n"
	 "return is signed and stays on record with its reason."},
	{"review list", cmd_list, KT_CMD_SESSION, "review list PLAN",
	 "list the plan's reviews: held, officials, state, next signer",
	 "One line per unit that recorded its review (a unit representative sees their own\n"
	 "unit only): the meeting date, the number of officials reviewed, the state and\n"
	 "round, and the next step with who may sign it."},
};
/* clang-format on */
const size_t kt_ncmds_reviews = sizeof(kt_cmds_reviews) / sizeof(kt_cmds_reviews[0]);
