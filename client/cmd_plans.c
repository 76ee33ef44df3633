/*
 * cmd_plans.c - plans, teams, assignments and observers: plan create, plan
 * list, plan show, plan update, plan close, team set, team add, team remove,
 * assign, observer add, observer remove.
 *
 * A plan is named on the command line by its id ("3", "#3") or its number
 * ("06/KH-UBND", or "06/KH-UBND@2022" when several years share the number);
 * kt_plan_resolve() below turns either into the plan (one PlanGetReq). Units
 * are named by code, people by username; the server checks every right and
 * rule and says what is missing. Every response is freed before the handler
 * returns.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/cli.h"
#include "client/workflow.h"
#include "client/util.h"
#include "common/approval.h"
#include "common/status.h"
#include "common/text.h"

#define PLAN_ARG_MAX 96
#define MAX_LIST 64 /* --unit / --area values on one command line */

static const char *const area_names[] = {
    NULL,	 "direction",	  "institutions",   "procedures",
    "apparatus", "civil-service", "public-finance", "digital-gov",
};
#define NAREAS ((int)(sizeof(area_names) / sizeof(area_names[0])))

static const char *const signer_names[] = {NULL, "unit_rep", "leader", "deputy", "authority"};
#define NSIGNERS ((int)(sizeof(signer_names) / sizeof(signer_names[0])))

static const char *const team_role_names[] = {NULL, "leader", "deputy", "member", "secretary"};
#define NTEAMROLES ((int)(sizeof(team_role_names) / sizeof(team_role_names[0])))

static const char *name_of(const char *const *names, int n, int v)
{
	return v > 0 && v < n ? names[v] : "none";
}

static int parse_name(const char *const *names, int n, const char *s)
{
	for (int i = 1; i < n; i++)
		if (strcmp(names[i], s) == 0)
			return i;
	return 0;
}

static int bad_option(struct kt_cli *cli, int c, char **argv)
{
	if (c == ':')
		return kt_cli_usage(cli, "%s needs a value", argv[optind - 1]);
	return kt_cli_usage(cli, "unknown option %s", argv[optind - 1]);
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

/* ---- talking to the server ----------------------------------------------------------- */

/*
 * kt_cli_call, except that a stale version (ABORTED) is reported with the
 * record's current version from the response, so the user can re-read.
 */
static int call_versioned(struct kt_cli *cli, Kiemtra__V1__Request *req,
			  Kiemtra__V1__Response **resp)
{
	int rc;

	*resp = NULL;
	rc = kt_conn_call(cli->conn, req, resp);
	if (rc == KT_OK && (*resp)->status == KIEMTRA__V1__STATUS__STATUS_ABORTED &&
	    (*resp)->current_version) {
		rc = kt_cli_fail(cli, KT_EXIT_STATUS + KT_STATUS_ABORTED, "ABORTED",
				 "ABORTED: %s (current version %lld); run kiemtra plan show and "
				 "try again",
				 (*resp)->message, (long long)(*resp)->current_version);
		kt_response_free(*resp);
		*resp = NULL;
		return rc;
	}
	return kt_cli_check(cli, rc, (int)req->body_case, resp);
}

/*
 * The plan named by arg (ID, #ID or NUMBER[@YEAR]). On success *out is a
 * PlanGet response with the plan; else an exit code after reporting. Every
 * workflow command names plans through it (client/workflow.h).
 */
int kt_plan_resolve(struct kt_cli *cli, const char *arg, Kiemtra__V1__Response **out)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__PlanGetReq g = KIEMTRA__V1__PLAN_GET_REQ__INIT;
	unsigned long long id;
	const char *num = arg;
	int rc;

	*out = NULL;
	if (kt_text_check(arg, strlen(arg), PLAN_ARG_MAX, KT_TEXT_NONEMPTY) != KT_OK)
		return kt_cli_usage(cli,
				    "a plan is named by its id or its number (one line of "
				    "text, at most %d bytes)",
				    PLAN_ARG_MAX);
	if (arg[0] == '#' || all_digits(arg)) {
		num = arg[0] == '#' ? arg + 1 : arg;
		if (kt_parse_uint(num, 1, INT64_MAX, &id) != KT_OK)
			return kt_cli_usage(cli, "'%s' is not a plan id", arg);
		g.id = (int64_t)id;
	} else {
		g.number = (char *)arg;
	}
	req.body_case = KIEMTRA__V1__REQUEST__BODY_PLAN_GET;
	req.plan_get = &g;
	rc = kt_cli_call(cli, &req, out);
	if (rc == KT_EXIT_OK && !(*out)->plan_get->plan) {
		kt_response_free(*out);
		*out = NULL;
		rc =
		    kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT", "the server's answer has no plan");
	}
	return rc;
}

/* A fresh idempotency key: 32 hex digits. */
static void new_client_id(char out[33])
{
	uint8_t r[16];

	randombytes_buf(r, sizeof(r));
	sodium_bin2hex(out, 33, r, sizeof(r));
}

/* "a,b" or repeated options: append each comma-separated word of s to list. */
static int add_words(struct kt_cli *cli, const char *opt, char *s, char **list, size_t *n)
{
	for (char *w = strtok(s, ","); w; w = strtok(NULL, ",")) {
		if (*n >= MAX_LIST)
			return kt_cli_usage(cli, "at most %d values of %s", MAX_LIST, opt);
		list[(*n)++] = w;
	}
	return KT_EXIT_OK;
}

static int parse_areas(struct kt_cli *cli, char **words, size_t n, Kiemtra__V1__Area *out)
{
	for (size_t i = 0; i < n; i++) {
		int a = parse_name(area_names, NAREAS, words[i]);

		if (!a)
			return kt_cli_usage(cli,
					    "unknown area '%s'; the areas are direction, "
					    "institutions, procedures, apparatus, civil-service, "
					    "public-finance, digital-gov",
					    words[i]);
		out[i] = (Kiemtra__V1__Area)a;
	}
	return KT_EXIT_OK;
}

static int parse_chain(struct kt_cli *cli, char **words, size_t n, Kiemtra__V1__Signer *out)
{
	for (size_t i = 0; i < n; i++) {
		int s = parse_name(signer_names, NSIGNERS, words[i]);

		if (!s)
			return kt_cli_usage(cli,
					    "unknown signer '%s'; a chain is made of unit_rep, "
					    "leader, deputy, authority",
					    words[i]);
		out[i] = (Kiemtra__V1__Signer)s;
	}
	return KT_EXIT_OK;
}

/* ---- output ------------------------------------------------------------------------- */

static const char *status_name(int s)
{
	return s == KIEMTRA__V1__PLAN_STATUS__PLAN_STATUS_CLOSED ? "closed" : "active";
}

static void json_plan(struct kt_json *j, const Kiemtra__V1__Plan *p)
{
	char hex[129];

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
		kt_json_string(j, name_of(area_names, NAREAS, (int)p->areas[i]));
	kt_json_end_array(j);
	kt_json_key(j, "unit_ids");
	kt_json_begin_array(j);
	for (size_t i = 0; i < p->n_unit_ids; i++)
		kt_json_int(j, p->unit_ids[i]);
	kt_json_end_array(j);
	kt_json_kv_str(j, "status", status_name((int)p->status));
	kt_json_kv_str(j, "team_decision_number", p->team_decision_number);
	kt_json_kv_str(j, "team_decision_date", p->team_decision_date);
	kt_json_kv_int(j, "authority_user_id", p->authority_user_id);
	kt_json_key(j, "review_chain");
	kt_json_begin_array(j);
	for (size_t i = 0; i < p->n_review_chain; i++)
		kt_json_string(j, name_of(signer_names, NSIGNERS, (int)p->review_chain[i]));
	kt_json_end_array(j);
	kt_json_kv_int(j, "version", p->version);
	kt_json_kv_int(j, "created_by", p->created_by);
	kt_json_kv_int(j, "created_at", p->created_at);
	kt_json_key(j, "closure");
	if (!p->closure) {
		kt_json_null(j);
	} else {
		const Kiemtra__V1__Approval *a = p->closure;

		kt_json_begin_object(j);
		kt_json_kv_int(j, "user_id", a->user_id);
		kt_json_kv_str(j, "username", a->username);
		kt_json_kv_str(j, "full_name", a->full_name);
		kt_json_kv_int(j, "at", a->at);
		sodium_bin2hex(hex, sizeof(hex), a->digest.data,
			       a->digest.len < 64 ? a->digest.len : 64);
		kt_json_kv_str(j, "digest", hex);
		sodium_bin2hex(hex, sizeof(hex), a->signature.data,
			       a->signature.len < 64 ? a->signature.len : 64);
		kt_json_kv_str(j, "signature", hex);
		sodium_bin2hex(hex, sizeof(hex), a->signing_key.data,
			       a->signing_key.len < 64 ? a->signing_key.len : 64);
		kt_json_kv_str(j, "signing_key", hex);
		kt_json_end_object(j);
	}
	kt_json_end_object(j);
}

static void json_person(struct kt_json *j, const Kiemtra__V1__User *u)
{
	if (!u) {
		kt_json_null(j);
		return;
	}
	kt_json_begin_object(j);
	kt_json_kv_int(j, "id", u->id);
	kt_json_kv_str(j, "username", u->username);
	kt_json_kv_str(j, "full_name", u->full_name);
	kt_json_end_object(j);
}

static void json_team(struct kt_json *j, Kiemtra__V1__TeamMember *const *team, size_t n,
		      Kiemtra__V1__WorkingGroup *const *groups, size_t ng)
{
	kt_json_key(j, "team");
	kt_json_begin_array(j);
	for (size_t i = 0; i < n; i++) {
		kt_json_begin_object(j);
		kt_json_kv_int(j, "user_id", team[i]->user_id);
		kt_json_kv_str(j, "username", team[i]->username);
		kt_json_kv_str(j, "full_name", team[i]->full_name);
		kt_json_kv_str(j, "role", name_of(team_role_names, NTEAMROLES, (int)team[i]->role));
		kt_json_kv_int(j, "group_id", team[i]->group_id);
		kt_json_end_object(j);
	}
	kt_json_end_array(j);
	kt_json_key(j, "groups");
	kt_json_begin_array(j);
	for (size_t i = 0; i < ng; i++) {
		kt_json_begin_object(j);
		kt_json_kv_int(j, "id", groups[i]->id);
		kt_json_kv_str(j, "name", groups[i]->name);
		kt_json_end_object(j);
	}
	kt_json_end_array(j);
}

static void json_assignment(struct kt_json *j, const Kiemtra__V1__Assignment *a)
{
	kt_json_begin_object(j);
	kt_json_kv_int(j, "id", a->id);
	kt_json_kv_int(j, "unit_id", a->unit_id);
	kt_json_kv_int(j, "group_id", a->group_id);
	kt_json_kv_int(j, "user_id", a->user_id);
	kt_json_kv_str(j, "date_from", a->date_from);
	kt_json_kv_str(j, "date_to", a->date_to);
	kt_json_end_object(j);
}

static void list_names(char *out, size_t cap, const char *const *names, int nnames, const int *vals,
		       size_t n)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n && len < cap; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%s", i ? ", " : "",
					name_of(names, nnames, vals[i]));
}

/* The plan's own fields, for people. */
static void print_plan_fields(const Kiemtra__V1__Plan *p, const Kiemtra__V1__User *authority)
{
	char buf[512], when[64];
	int vals[16];
	size_t n;

	kt_cli_field("plan:", "%s of %s (id %lld)", p->number, p->issued_on, (long long)p->id);
	kt_cli_field("issuer:", "%s", p->issuer);
	kt_cli_field("title:", "%s", p->title);
	kt_cli_field("period:", "%s .. %s", p->period_start, p->period_end);
	for (n = 0; n < p->n_areas && n < 16; n++)
		vals[n] = (int)p->areas[n];
	list_names(buf, sizeof(buf), area_names, NAREAS, vals, n);
	kt_cli_field("areas:", "%s", buf);
	kt_cli_field("status:", "%s", status_name((int)p->status));
	if (p->team_decision_number[0])
		kt_cli_field("decision:", "%s of %s", p->team_decision_number,
			     p->team_decision_date);
	else
		kt_cli_field("decision:", "none yet (kiemtra team set PLAN --decision N --date D)");
	if (authority)
		kt_cli_field("authority:", "%s (%s)", authority->username, authority->full_name);
	else if (p->authority_user_id)
		kt_cli_field("authority:", "user %lld", (long long)p->authority_user_id);
	else
		kt_cli_field("authority:", "none named");
	for (n = 0; n < p->n_review_chain && n < 16; n++)
		vals[n] = (int)p->review_chain[n];
	list_names(buf, sizeof(buf), signer_names, NSIGNERS, vals, n);
	kt_cli_field("review:", "%s", buf);
	kt_cli_field("version:", "%lld", (long long)p->version);
	if (p->closure) {
		kt_format_time(p->closure->at, when, sizeof(when));
		kt_cli_field("closed:", "%s by %s (%s), signed", when, p->closure->username,
			     p->closure->full_name);
	}
}

/* ---- plan create ---------------------------------------------------------------------- */

static int kt_cmd_plan_create(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"number", required_argument, NULL, 'n'},
	    {"date", required_argument, NULL, 'd'},
	    {"issuer", required_argument, NULL, 'i'},
	    {"title", required_argument, NULL, 't'},
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 'T'},
	    {"area", required_argument, NULL, 'a'},
	    {"unit", required_argument, NULL, 'u'},
	    {"authority", required_argument, NULL, 'A'},
	    {"chain", required_argument, NULL, 'c'},
	    {"client-id", required_argument, NULL, 'k'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__PlanCreateReq q = KIEMTRA__V1__PLAN_CREATE_REQ__INIT;
	Kiemtra__V1__Response *resp = NULL;
	Kiemtra__V1__Area areas[MAX_LIST];
	Kiemtra__V1__Signer chain[MAX_LIST];
	char *units[MAX_LIST], *area_w[MAX_LIST], *chain_w[MAX_LIST], cid[33];
	size_t nunits = 0, nareas = 0, nchain = 0;
	const Kiemtra__V1__Plan *p;
	struct kt_json *j;
	int c, rc;

	new_client_id(cid);
	q.client_id = cid;
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		rc = KT_EXIT_OK;
		switch (c) {
		case 'n':
			q.number = optarg;
			break;
		case 'd':
			q.issued_on = optarg;
			break;
		case 'i':
			q.issuer = optarg;
			break;
		case 't':
			q.title = optarg;
			break;
		case 'f':
			q.period_start = optarg;
			break;
		case 'T':
			q.period_end = optarg;
			break;
		case 'a':
			rc = add_words(cli, "--area", optarg, area_w, &nareas);
			break;
		case 'u':
			rc = add_words(cli, "--unit", optarg, units, &nunits);
			break;
		case 'A':
			q.authority = optarg;
			break;
		case 'c':
			rc = add_words(cli, "--chain", optarg, chain_w, &nchain);
			break;
		case 'k':
			q.client_id = optarg;
			break;
		default:
			return bad_option(cli, c, argv);
		}
		if (rc != KT_EXIT_OK)
			return rc;
	}
	if (optind < argc)
		return kt_cli_usage(cli, "unexpected argument '%s'", argv[optind]);
	if (!q.number[0] || !q.issued_on[0] || !q.issuer[0] || !q.title[0] || !q.period_start[0] ||
	    !q.period_end[0] || !nunits)
		return kt_cli_usage(cli, "give --number, --date, --issuer, --title, --from, --to "
					 "and at least one --unit");
	if ((rc = parse_areas(cli, area_w, nareas, areas)) != KT_EXIT_OK ||
	    (rc = parse_chain(cli, chain_w, nchain, chain)) != KT_EXIT_OK)
		return rc;
	q.areas = areas;
	q.n_areas = nareas;
	q.review_chain = chain;
	q.n_review_chain = nchain;
	q.unit_codes = units;
	q.n_unit_codes = nunits;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_PLAN_CREATE;
	req.plan_create = &q;
	rc = kt_cli_call(cli, &req, &resp);
	if (rc != KT_EXIT_OK)
		return rc;
	p = resp->plan_create->plan;
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_key(j, "plan");
		json_plan(j, p);
		kt_json_kv_bool(j, "created", resp->plan_create->created);
		kt_json_kv_str(j, "client_id", q.client_id);
		kt_cli_json_end(cli);
	} else if (p) {
		printf("plan %s of %s %s (id %lld, %zu units)\n", p->number, p->issued_on,
		       resp->plan_create->created ? "registered" : "was already registered",
		       (long long)p->id, p->n_unit_ids);
	}
	kt_response_free(resp);
	return KT_EXIT_OK;
}

/* ---- plan list -------------------------------------------------------------------------- */

static int kt_cmd_plan_list(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{"all", no_argument, NULL, 'a'}, {NULL, 0, NULL, 0}};
	static const char *const hdr[] = {"ID",	    "NUMBER", "ISSUED", "STATUS",
					  "PERIOD", "UNITS",  "TITLE"};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__PlanListReq q = KIEMTRA__V1__PLAN_LIST_REQ__INIT;
	Kiemtra__V1__Response *resp = NULL;
	struct kt_table t = {0};
	struct kt_json *j;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c != 'a')
			return bad_option(cli, c, argv);
		q.include_closed = true;
	}
	if (optind < argc)
		return kt_cli_usage(cli, "unexpected argument '%s'", argv[optind]);
	req.body_case = KIEMTRA__V1__REQUEST__BODY_PLAN_LIST;
	req.plan_list = &q;
	rc = kt_cli_call(cli, &req, &resp);
	if (rc != KT_EXIT_OK)
		return rc;
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_key(j, "plans");
		kt_json_begin_array(j);
		for (size_t i = 0; i < resp->plan_list->n_plans; i++)
			json_plan(j, resp->plan_list->plans[i]);
		kt_json_end_array(j);
		kt_cli_json_end(cli);
		goto out;
	}
	if (resp->plan_list->n_plans == 0) {
		puts(q.include_closed ? "no plans" : "no active plans (--all shows closed ones)");
		goto out;
	}
	if (kt_table_init(&t, 7, hdr) != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
		goto out;
	}
	for (size_t i = 0; i < resp->plan_list->n_plans; i++) {
		const Kiemtra__V1__Plan *p = resp->plan_list->plans[i];
		char id[24], period[32], nunits[16];
		const char *row[7];

		snprintf(id, sizeof(id), "%lld", (long long)p->id);
		snprintf(period, sizeof(period), "%s..%s", p->period_start, p->period_end);
		snprintf(nunits, sizeof(nunits), "%zu", p->n_unit_ids);
		row[0] = id;
		row[1] = p->number;
		row[2] = p->issued_on;
		row[3] = status_name((int)p->status);
		row[4] = period;
		row[5] = nunits;
		row[6] = p->title;
		kt_table_add(&t, row);
	}
	if (kt_table_print(&t, stdout) != KT_OK)
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
out:
	kt_table_free(&t);
	kt_response_free(resp);
	return rc;
}

/* ---- plan show ----------------------------------------------------------------------------- */

static const char *unit_code_of(const Kiemtra__V1__PlanGetResp *g, int64_t id, char *buf,
				size_t cap)
{
	for (size_t i = 0; i < g->n_units; i++)
		if (g->units[i]->id == id)
			return g->units[i]->code;
	snprintf(buf, cap, "#%lld", (long long)id);
	return buf;
}

static const char *group_name_of(const Kiemtra__V1__PlanGetResp *g, int64_t id, char *buf,
				 size_t cap)
{
	for (size_t i = 0; i < g->n_groups; i++)
		if (g->groups[i]->id == id)
			return g->groups[i]->name;
	snprintf(buf, cap, "group %lld", (long long)id);
	return buf;
}

static const char *username_of(const Kiemtra__V1__PlanGetResp *g, int64_t id, char *buf, size_t cap)
{
	for (size_t i = 0; i < g->n_team; i++)
		if (g->team[i]->user_id == id)
			return g->team[i]->username;
	snprintf(buf, cap, "user %lld", (long long)id);
	return buf;
}

static int print_team(Kiemtra__V1__TeamMember *const *team, size_t n,
		      Kiemtra__V1__WorkingGroup *const *groups, size_t ng)
{
	static const char *const hdr[] = {"USER", "NAME", "ROLE", "GROUP"};
	struct kt_table t = {0};
	int rc;

	if (n == 0) {
		puts("team: nobody yet (kiemtra team add PLAN USER --role leader)");
		return KT_OK;
	}
	printf("team (%zu):\n", n);
	if (kt_table_init(&t, 4, hdr) != KT_OK)
		return KT_ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const char *row[4] = {team[i]->username, team[i]->full_name,
				      name_of(team_role_names, NTEAMROLES, (int)team[i]->role), ""};

		for (size_t k = 0; k < ng; k++)
			if (groups[k]->id == team[i]->group_id)
				row[3] = groups[k]->name;
		kt_table_add(&t, row);
	}
	rc = kt_table_print(&t, stdout);
	kt_table_free(&t);
	return rc;
}

static int print_plan_get(const Kiemtra__V1__PlanGetResp *g)
{
	static const char *const ahdr[] = {"UNIT", "ASSIGNED TO", "FROM", "TO"};
	struct kt_table t = {0};
	char b1[48], b2[48];
	int rc;

	print_plan_fields(g->plan, g->authority);
	if (g->n_units) {
		printf("units (%zu):\n", g->n_units);
		if ((rc = kt_cli_print_units(g->units, g->n_units)) != KT_OK)
			return rc;
	}
	if ((rc = print_team(g->team, g->n_team, g->groups, g->n_groups)) != KT_OK)
		return rc;
	if (g->n_assignments) {
		printf("assignments (%zu):\n", g->n_assignments);
		if (kt_table_init(&t, 4, ahdr) != KT_OK)
			return KT_ENOMEM;
		for (size_t i = 0; i < g->n_assignments; i++) {
			const Kiemtra__V1__Assignment *a = g->assignments[i];
			char whom[300];
			const char *row[4];

			if (a->group_id)
				snprintf(whom, sizeof(whom), "group: %s",
					 group_name_of(g, a->group_id, b2, sizeof(b2)));
			else
				snprintf(whom, sizeof(whom), "%s",
					 username_of(g, a->user_id, b2, sizeof(b2)));
			row[0] = unit_code_of(g, a->unit_id, b1, sizeof(b1));
			row[1] = whom;
			row[2] = a->date_from;
			row[3] = a->date_to;
			kt_table_add(&t, row);
		}
		rc = kt_table_print(&t, stdout);
		kt_table_free(&t);
		if (rc != KT_OK)
			return rc;
	} else {
		puts("assignments: none");
	}
	if (g->n_observers) {
		printf("observers:  ");
		for (size_t i = 0; i < g->n_observers; i++) {
			printf("%s", i ? ", " : "");
			kt_print_safe(stdout, g->observers[i]->username, false);
			printf(" (");
			kt_print_safe(stdout, g->observers[i]->full_name, false);
			printf(")");
		}
		putchar('\n');
	}
	return KT_OK;
}

/* PLAN as the one positional argument, no options. */
static int plan_arg(struct kt_cli *cli, int argc, char **argv, const char **arg)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1)
		return bad_option(cli, c, argv);
	if (optind >= argc)
		return kt_cli_usage(cli, "name the plan by its id or number");
	if (optind + 1 < argc)
		return kt_cli_usage(cli, "unexpected argument '%s'", argv[optind + 1]);
	*arg = argv[optind];
	return KT_EXIT_OK;
}

static int kt_cmd_plan_show(struct kt_cli *cli, int argc, char **argv)
{
	Kiemtra__V1__Response *resp = NULL;
	const Kiemtra__V1__PlanGetResp *g;
	const char *arg = NULL;
	struct kt_json *j;
	int rc;

	if ((rc = plan_arg(cli, argc, argv, &arg)) != KT_EXIT_OK)
		return rc;
	if ((rc = kt_plan_resolve(cli, arg, &resp)) != KT_EXIT_OK)
		return rc;
	g = resp->plan_get;
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_key(j, "plan");
		json_plan(j, g->plan);
		kt_cli_json_units(j, "units", g->units, g->n_units);
		json_team(j, g->team, g->n_team, g->groups, g->n_groups);
		kt_json_key(j, "assignments");
		kt_json_begin_array(j);
		for (size_t i = 0; i < g->n_assignments; i++)
			json_assignment(j, g->assignments[i]);
		kt_json_end_array(j);
		kt_json_key(j, "observers");
		kt_json_begin_array(j);
		for (size_t i = 0; i < g->n_observers; i++)
			json_person(j, g->observers[i]);
		kt_json_end_array(j);
		kt_json_key(j, "authority");
		json_person(j, g->authority);
		kt_cli_json_end(cli);
	} else if (print_plan_get(g) != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
	}
	kt_response_free(resp);
	return rc;
}

/* ---- plan update, team set ------------------------------------------------------------------ */

static int parse_version(struct kt_cli *cli, const char *s, int64_t *v)
{
	unsigned long long x;

	if (kt_parse_uint(s, 1, INT64_MAX, &x) != KT_OK)
		return kt_cli_usage(cli, "--based-on wants the plan's version (a number)");
	*v = (int64_t)x;
	return KT_EXIT_OK;
}

/* Print (or put in JSON) the plan of a PlanResp, after a change. */
static void report_plan(struct kt_cli *cli, const Kiemtra__V1__Plan *p, const char *what)
{
	struct kt_json *j = kt_cli_json_begin(cli);

	if (j) {
		kt_json_key(j, "plan");
		json_plan(j, p);
		kt_cli_json_end(cli);
	} else if (p) {
		printf("plan %s of %s %s (version %lld)\n", p->number, p->issued_on, what,
		       (long long)p->version);
	}
}

static int kt_cmd_plan_update(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"title", required_argument, NULL, 't'},
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 'T'},
	    {"area", required_argument, NULL, 'a'},
	    {"unit", required_argument, NULL, 'u'},
	    {"authority", required_argument, NULL, 'A'},
	    {"chain", required_argument, NULL, 'c'},
	    {"based-on", required_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__PlanUpdateReq q = KIEMTRA__V1__PLAN_UPDATE_REQ__INIT;
	Kiemtra__V1__Response *plan = NULL, *resp = NULL;
	Kiemtra__V1__Area areas[MAX_LIST];
	Kiemtra__V1__Signer chain[MAX_LIST];
	char *units[MAX_LIST], *area_w[MAX_LIST], *chain_w[MAX_LIST];
	size_t nunits = 0, nareas = 0, nchain = 0;
	int64_t version = 0;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		rc = KT_EXIT_OK;
		switch (c) {
		case 't':
			q.title = optarg;
			break;
		case 'f':
			q.period_start = optarg;
			break;
		case 'T':
			q.period_end = optarg;
			break;
		case 'a':
			rc = add_words(cli, "--area", optarg, area_w, &nareas);
			break;
		case 'u':
			rc = add_words(cli, "--unit", optarg, units, &nunits);
			break;
		case 'A':
			q.authority = optarg;
			break;
		case 'c':
			rc = add_words(cli, "--chain", optarg, chain_w, &nchain);
			break;
		case 'v':
			rc = parse_version(cli, optarg, &version);
			break;
		default:
			return bad_option(cli, c, argv);
		}
		if (rc != KT_EXIT_OK)
			return rc;
	}
	if (optind >= argc)
		return kt_cli_usage(cli, "name the plan by its id or number");
	if (optind + 1 < argc)
		return kt_cli_usage(cli, "unexpected argument '%s'", argv[optind + 1]);
	if ((rc = parse_areas(cli, area_w, nareas, areas)) != KT_EXIT_OK ||
	    (rc = parse_chain(cli, chain_w, nchain, chain)) != KT_EXIT_OK)
		return rc;
	if ((rc = kt_plan_resolve(cli, argv[optind], &plan)) != KT_EXIT_OK)
		return rc;
	q.id = plan->plan_get->plan->id;
	q.version = version ? version : plan->plan_get->plan->version;
	q.areas = areas;
	q.n_areas = nareas;
	q.review_chain = chain;
	q.n_review_chain = nchain;
	q.unit_codes = units;
	q.n_unit_codes = nunits;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_PLAN_UPDATE;
	req.plan_update = &q;
	rc = call_versioned(cli, &req, &resp);
	if (rc == KT_EXIT_OK)
		report_plan(cli, resp->plan_update->plan, "updated");
	kt_response_free(resp);
	kt_response_free(plan);
	return rc;
}

static int kt_cmd_team_set(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"decision", required_argument, NULL, 'n'},
	    {"date", required_argument, NULL, 'd'},
	    {"based-on", required_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__TeamSetReq q = KIEMTRA__V1__TEAM_SET_REQ__INIT;
	Kiemtra__V1__Response *plan = NULL, *resp = NULL;
	int64_t version = 0;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			q.decision_number = optarg;
			break;
		case 'd':
			q.decision_date = optarg;
			break;
		case 'v':
			if ((rc = parse_version(cli, optarg, &version)) != KT_EXIT_OK)
				return rc;
			break;
		default:
			return bad_option(cli, c, argv);
		}
	}
	if (optind >= argc)
		return kt_cli_usage(cli, "name the plan by its id or number");
	if (optind + 1 < argc)
		return kt_cli_usage(cli, "unexpected argument '%s'", argv[optind + 1]);
	if (!q.decision_number[0] || !q.decision_date[0])
		return kt_cli_usage(cli, "give --decision NUMBER and --date YYYY-MM-DD");
	if ((rc = kt_plan_resolve(cli, argv[optind], &plan)) != KT_EXIT_OK)
		return rc;
	q.plan_id = plan->plan_get->plan->id;
	q.version = version ? version : plan->plan_get->plan->version;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_TEAM_SET;
	req.team_set = &q;
	rc = call_versioned(cli, &req, &resp);
	if (rc == KT_EXIT_OK)
		report_plan(cli, resp->team_set->plan, "has its team decision");
	kt_response_free(resp);
	kt_response_free(plan);
	return rc;
}

/* ---- team add, team remove --------------------------------------------------------------- */

static int member_set(struct kt_cli *cli, const char *plan_arg_s, const char *user, int role,
		      const char *group)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__TeamMemberSetReq q = KIEMTRA__V1__TEAM_MEMBER_SET_REQ__INIT;
	Kiemtra__V1__Response *plan = NULL, *resp = NULL;
	const Kiemtra__V1__TeamResp *t;
	struct kt_json *j;
	int rc;

	if ((rc = kt_plan_resolve(cli, plan_arg_s, &plan)) != KT_EXIT_OK)
		return rc;
	q.plan_id = plan->plan_get->plan->id;
	q.username = (char *)user;
	q.role = (Kiemtra__V1__TeamRole)role;
	if (group)
		q.group = (char *)group;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_TEAM_MEMBER_SET;
	req.team_member_set = &q;
	rc = kt_cli_call(cli, &req, &resp);
	if (rc != KT_EXIT_OK)
		goto out;
	t = resp->team_member_set;
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_kv_int(j, "plan_id", q.plan_id);
		kt_json_kv_int(j, "plan_version", t->plan_version);
		json_team(j, t->team, t->n_team, t->groups, t->n_groups);
		kt_cli_json_end(cli);
		goto out;
	}
	if (role)
		printf("%s is %s on the team of plan %s\n", user,
		       name_of(team_role_names, NTEAMROLES, role), plan->plan_get->plan->number);
	else
		printf("%s left the team of plan %s\n", user, plan->plan_get->plan->number);
	if (print_team(t->team, t->n_team, t->groups, t->n_groups) != KT_OK)
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
out:
	kt_response_free(resp);
	kt_response_free(plan);
	return rc;
}

static int kt_cmd_team_add(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"role", required_argument, NULL, 'r'},
	    {"group", required_argument, NULL, 'g'},
	    {NULL, 0, NULL, 0},
	};
	const char *group = NULL;
	int c, role = 0;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			role = parse_name(team_role_names, NTEAMROLES, optarg);
			if (!role)
				return kt_cli_usage(cli,
						    "--role is leader, deputy, member or "
						    "secretary, not '%s'",
						    optarg);
			break;
		case 'g':
			group = optarg;
			break;
		default:
			return bad_option(cli, c, argv);
		}
	}
	if (argc - optind != 2)
		return kt_cli_usage(cli, "name the plan and the user: team add PLAN USER --role R");
	if (!role)
		return kt_cli_usage(cli, "give --role leader|deputy|member|secretary");
	return member_set(cli, argv[optind], argv[optind + 1], role, group);
}

static int kt_cmd_team_remove(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1)
		return bad_option(cli, c, argv);
	if (argc - optind != 2)
		return kt_cli_usage(cli, "name the plan and the user: team remove PLAN USER");
	return member_set(cli, argv[optind], argv[optind + 1], 0, NULL);
}

/* ---- assign --------------------------------------------------------------------------------- */

static int kt_cmd_assign(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"group", required_argument, NULL, 'g'},
	    {"user", required_argument, NULL, 'u'},
	    {"from", required_argument, NULL, 'f'},
	    {"to", required_argument, NULL, 'T'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__AssignReq q = KIEMTRA__V1__ASSIGN_REQ__INIT;
	Kiemtra__V1__Response *plan = NULL, *resp = NULL;
	const Kiemtra__V1__Assignment *a;
	struct kt_json *j;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'g':
			q.group = optarg;
			break;
		case 'u':
			q.username = optarg;
			break;
		case 'f':
			q.date_from = optarg;
			break;
		case 'T':
			q.date_to = optarg;
			break;
		default:
			return bad_option(cli, c, argv);
		}
	}
	if (argc - optind != 2)
		return kt_cli_usage(cli, "name the plan and the unit: assign PLAN UNIT "
					 "(--group NAME | --user USER) --from D --to D");
	if (!q.group[0] == !q.username[0])
		return kt_cli_usage(cli, "give either --group NAME or --user USER");
	if (!q.date_from[0] || !q.date_to[0])
		return kt_cli_usage(cli, "give --from YYYY-MM-DD and --to YYYY-MM-DD");
	if ((rc = kt_plan_resolve(cli, argv[optind], &plan)) != KT_EXIT_OK)
		return rc;
	q.plan_id = plan->plan_get->plan->id;
	q.unit_code = argv[optind + 1];
	req.body_case = KIEMTRA__V1__REQUEST__BODY_ASSIGN;
	req.assign = &q;
	rc = kt_cli_call(cli, &req, &resp);
	if (rc != KT_EXIT_OK)
		goto out;
	a = resp->assign->assignment;
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_kv_int(j, "plan_id", q.plan_id);
		kt_json_key(j, "assignment");
		if (a)
			json_assignment(j, a);
		else
			kt_json_null(j);
		kt_cli_json_end(cli);
	} else if (a) {
		printf("unit %s assigned to %s%s, %s .. %s (assignment %lld)\n", q.unit_code,
		       q.group[0] ? "working group " : "", q.group[0] ? q.group : q.username,
		       a->date_from, a->date_to, (long long)a->id);
	}
out:
	kt_response_free(resp);
	kt_response_free(plan);
	return rc;
}

/* ---- observer add, observer remove ------------------------------------------------------------
 */

static int observer_set(struct kt_cli *cli, int argc, char **argv, bool remove)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__ObserverSetReq q = KIEMTRA__V1__OBSERVER_SET_REQ__INIT;
	Kiemtra__V1__Response *plan = NULL, *resp = NULL;
	struct kt_json *j;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1)
		return bad_option(cli, c, argv);
	if (argc - optind != 2)
		return kt_cli_usage(cli, "name the plan and the user");
	if ((rc = kt_plan_resolve(cli, argv[optind], &plan)) != KT_EXIT_OK)
		return rc;
	q.plan_id = plan->plan_get->plan->id;
	q.username = argv[optind + 1];
	q.remove = remove;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_OBSERVER_SET;
	req.observer_set = &q;
	rc = kt_cli_call(cli, &req, &resp);
	if (rc != KT_EXIT_OK)
		goto out;
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_kv_int(j, "plan_id", q.plan_id);
		kt_json_key(j, "observer_ids");
		kt_json_begin_array(j);
		for (size_t i = 0; i < resp->observer_set->n_observer_ids; i++)
			kt_json_int(j, resp->observer_set->observer_ids[i]);
		kt_json_end_array(j);
		kt_cli_json_end(cli);
	} else {
		printf("%s %s the observers of plan %s (%zu now)\n", q.username,
		       remove ? "removed from" : "is among", plan->plan_get->plan->number,
		       resp->observer_set->n_observer_ids);
	}
out:
	kt_response_free(resp);
	kt_response_free(plan);
	return rc;
}

static int kt_cmd_observer_add(struct kt_cli *cli, int argc, char **argv)
{
	return observer_set(cli, argc, argv, false);
}

static int kt_cmd_observer_remove(struct kt_cli *cli, int argc, char **argv)
{
	return observer_set(cli, argc, argv, true);
}

/* ---- plan close ------------------------------------------------------------------------------ */

static int kt_cmd_plan_close(struct kt_cli *cli, int argc, char **argv)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__PlanCloseReq q = KIEMTRA__V1__PLAN_CLOSE_REQ__INIT;
	Kiemtra__V1__Response *plan = NULL, *resp = NULL;
	const Kiemtra__V1__Plan *p;
	uint8_t digest[KT_DIGEST_LEN], sig[KT_SIG_LEN];
	int64_t *ids = NULL;
	const char *arg = NULL;
	int rc;

	if ((rc = plan_arg(cli, argc, argv, &arg)) != KT_EXIT_OK)
		return rc;
	if ((rc = kt_plan_resolve(cli, arg, &plan)) != KT_EXIT_OK)
		return rc;
	p = plan->plan_get->plan;
	ids = malloc((p->n_unit_ids + 1) * sizeof(*ids));
	if (!ids) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
		goto out;
	}
	if (p->n_unit_ids)
		memcpy(ids, p->unit_ids, p->n_unit_ids * sizeof(*ids));
	kt_sort_ids(ids, p->n_unit_ids);
	/* What the leader signs: the plan as registered, with its units (PROTOCOL, Signatures). */
	kt_digest_plan_close(p->id, p->number, p->issued_on, p->issuer, p->title, p->period_start,
			     p->period_end, p->n_unit_ids, ids, digest);
	if ((rc = kt_cli_sign(cli, digest, sig)) != KT_EXIT_OK)
		goto out;
	q.plan_id = p->id;
	q.version = p->version;
	q.signature.data = sig;
	q.signature.len = sizeof(sig);
	req.body_case = KIEMTRA__V1__REQUEST__BODY_PLAN_CLOSE;
	req.plan_close = &q;
	rc = call_versioned(cli, &req, &resp);
	if (rc == KT_EXIT_OK)
		report_plan(cli, resp->plan_close->plan, "is closed");
out:
	sodium_memzero(sig, sizeof(sig));
	free(ids);
	kt_response_free(resp);
	kt_response_free(plan);
	return rc;
}

/* ---- the table ----------------------------------------------------------------------------- */

#define PLAN_HELP                                                                                  \
	"PLAN is the plan's id or its number (06/KH-UBND; 06/KH-UBND@2022 when several\n"          \
	"years share a number). Dates are YYYY-MM-DD."

const struct kt_command kt_cmds_plans[] = {
    {"plan create", kt_cmd_plan_create, KT_CMD_SESSION,
     "plan create --number N --date D --issuer TEXT --title TEXT --from D --to D "
     "[--area A]... --unit CODE... [--authority USER] [--chain unit_rep,leader,authority]",
     "register an inspection plan (planners)",
     "Registers a plan: its number and issue date (unique together), the issuing body,\n"
     "the title, the inspection period, the reform areas (direction, institutions,\n"
     "procedures, apparatus, civil-service, public-finance, digital-gov; none means\n"
     "all), the units to inspect (by code; repeat --unit or separate with commas), the\n"
     "approving authority (a user with the role authority) and the sign-off chain of\n"
     "responsibility reviews (default unit_rep,leader,authority). A retry with the same\n"
     "--client-id ID returns the plan already registered instead of a second one."},
    {"plan list", kt_cmd_plan_list, KT_CMD_SESSION, "plan list [--all]",
     "list the plans you have a place in",
     "Planners see every plan; others the plans whose team they are on, that they\n"
     "observe or approve, or that inspect their unit. --all includes closed plans."},
    {"plan show", kt_cmd_plan_show, KT_CMD_SESSION, "plan show PLAN",
     "show a plan with its units, team, working groups and assignments",
     PLAN_HELP "\nA unit representative sees only their own unit."},
    {"plan update", kt_cmd_plan_update, KT_CMD_SESSION,
     "plan update PLAN [--title T] [--from D] [--to D] [--area A]... [--unit CODE]... "
     "[--authority USER] [--chain LIST] [--based-on V]",
     "change a plan (planners or the plan's leader)",
     PLAN_HELP "\nOnly the options given change; --unit gives the whole new list of units\n"
	       "(a unit with findings cannot leave). The change is based on the version\n"
	       "read just before, or on --based-on V; a stale version is refused (ABORTED)\n"
	       "with the current one."},
    {"plan close", kt_cmd_plan_close, KT_CMD_SESSION, "plan close PLAN",
     "close a plan with your signature (the plan's leader)",
     PLAN_HELP "\nSigns the plan as registered (number, date, issuer, title, period, units)\n"
	       "with this device's signing key. The server refuses while any unit lacks an\n"
	       "approved conclusion, an approved review, or has recommendations not done,\n"
	       "and lists them. A closed plan accepts no change."},
    {"team set", kt_cmd_team_set, KT_CMD_SESSION,
     "team set PLAN --decision N --date D [--based-on V]",
     "record the team decision (planners or the plan's leader)",
     PLAN_HELP "\nThe decision forming the team (Quyết định thành lập Đoàn), e.g.\n"
	       "--decision 334/QĐ-UBND --date 2022-02-24."},
    {"team add", kt_cmd_team_add, KT_CMD_SESSION,
     "team add PLAN USER --role leader|deputy|member|secretary [--group NAME]",
     "put an inspector on the team, or change their role or working group",
     PLAN_HELP "\nOnly users with the role inspector may be on a team; a team has one\n"
	       "leader. --group puts the member in a working group (created when new);\n"
	       "without it the member is in no group."},
    {"team remove", kt_cmd_team_remove, KT_CMD_SESSION, "team remove PLAN USER",
     "take someone off the team (their personal assignments go too)", PLAN_HELP},
    {"assign", kt_cmd_assign, KT_CMD_SESSION,
     "assign PLAN UNIT (--group NAME | --user USER) --from D --to D",
     "assign a unit to a working group or a member (the plan's leader)",
     PLAN_HELP "\nThe dates lie within the plan's period. Assigning the same unit to the\n"
	       "same group or member again changes the dates."},
    {"observer add", kt_cmd_observer_add, KT_CMD_SESSION, "observer add PLAN USER",
     "let a user with the role observer read the plan", PLAN_HELP},
    {"observer remove", kt_cmd_observer_remove, KT_CMD_SESSION, "observer remove PLAN USER",
     "stop a user observing the plan", PLAN_HELP},
};
const size_t kt_ncmds_plans = sizeof(kt_cmds_plans) / sizeof(kt_cmds_plans[0]);
