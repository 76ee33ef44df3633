/*
 * cmd_recommendations.c - rec add, rec list, rec show, rec respond, rec accept,
 * rec return.
 *
 * A recommendation (kiến nghị) tells one unit of a plan what to do by a
 * deadline. The unit's representative answers with a remediation report
 * (khắc phục) or an explanation (giải trình); the team leader or a deputy
 * accepts the answer (done) or returns it with a reason (the unit answers
 * again). The server computes `overdue` from its own date (Vietnam, UTC+7).
 *
 * Changes name the version they are based on: without --version the command
 * reads the recommendation first and uses its current version; with
 * --version V a stale V is refused (exit 20). Plan and unit lookup helpers
 * (kt_wf_*) live in cmd_conclusions.c. Every response is freed before the
 * handler returns.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/cli.h"
#include "client/workflow.h"
#include "client/util.h"
#include "common/date.h"
#include "common/status.h"
#include "common/text.h"

#define TEXT_MAX (16 * 1024)
#define REASON_MAX (4 * 1024)
#define EVIDENCE_MAX 16
#define CLIENT_ID_MAX 64
#define TEXT_COLUMN 48 /* code points of the text shown in a table row */


static const char *state_name(int state)
{
	switch (state) {
	case KIEMTRA__V1__RECOMMENDATION_STATE__RECOMMENDATION_STATE_OPEN:
		return "open";
	case KIEMTRA__V1__RECOMMENDATION_STATE__RECOMMENDATION_STATE_ANSWERED:
		return "answered";
	case KIEMTRA__V1__RECOMMENDATION_STATE__RECOMMENDATION_STATE_DONE:
		return "done";
	case KIEMTRA__V1__RECOMMENDATION_STATE__RECOMMENDATION_STATE_RETURNED:
		return "returned";
	default:
		return "unknown";
	}
}

static const char *kind_name(int kind)
{
	switch (kind) {
	case KIEMTRA__V1__RESPONSE_KIND__RESPONSE_KIND_REMEDIATION:
		return "remediation";
	case KIEMTRA__V1__RESPONSE_KIND__RESPONSE_KIND_EXPLANATION:
		return "explanation";
	default:
		return NULL;
	}
}

static void json_rec(struct kt_json *j, const Kiemtra__V1__Recommendation *r)
{
	kt_json_begin_object(j);
	kt_json_kv_int(j, "id", r->id);
	kt_json_kv_int(j, "plan_id", r->plan_id);
	kt_json_kv_int(j, "unit_id", r->unit_id);
	kt_json_kv_str(j, "text", r->text);
	kt_json_kv_str(j, "deadline", r->deadline);
	kt_json_kv_str(j, "state", state_name((int)r->state));
	kt_json_kv_bool(j, "overdue", r->overdue);
	kt_json_kv_str(j, "response_kind", kind_name((int)r->response_kind));
	kt_json_kv_str(j, "response_text", r->response_text);
	kt_json_key(j, "response_evidence");
	kt_json_begin_array(j);
	for (size_t i = 0; i < r->n_response_evidence; i++) {
		const Kiemtra__V1__EvidenceRef *e = r->response_evidence[i];

		kt_json_begin_object(j);
		kt_json_kv_int(j, "id", e->id);
		kt_json_kv_str(j, "name", e->name);
		kt_wf_json_hex(j, "sha256", &e->sha256);
		kt_json_kv_uint(j, "size", e->size);
		kt_json_kv_str(j, "content_type", e->content_type);
		kt_json_end_object(j);
	}
	kt_json_end_array(j);
	kt_json_kv_int(j, "responded_by", r->responded_by);
	kt_json_kv_int(j, "responded_at", r->responded_at);
	kt_json_kv_str(j, "decision_reason", r->decision_reason);
	kt_json_kv_int(j, "decided_by", r->decided_by);
	kt_json_kv_int(j, "decided_at", r->decided_at);
	kt_json_kv_int(j, "version", r->version);
	kt_json_kv_int(j, "created_by", r->created_by);
	kt_json_kv_int(j, "created_at", r->created_at);
	kt_json_kv_str(j, "client_id", r->client_id);
	kt_json_end_object(j);
}

/* The first line of s, at most max code points ("…" when cut), into out (cap bytes). */
static void first_line(const char *s, size_t max, char *out, size_t cap)
{
	size_t i = 0, len = 0, points = 0, n = strlen(s);
	uint32_t cp;

	while (i < n && s[i] != '\n' && s[i] != '\r') {
		size_t k = kt_utf8_decode((const unsigned char *)s + i, n - i, &cp);

		if (k == 0)
			k = 1;
		if (points == max || len + k + 4 > cap) {
			memcpy(out + len, "\xe2\x80\xa6", 3); /* … */
			len += 3;
			break;
		}
		memcpy(out + len, s + i, k);
		len += k;
		i += k;
		points++;
	}
	if (i < n && (s[i] == '\n' || s[i] == '\r') && len + 4 <= cap &&
	    (len < 3 || memcmp(out + len - 3, "\xe2\x80\xa6", 3) != 0)) {
		memcpy(out + len, "\xe2\x80\xa6", 3);
		len += 3;
	}
	out[len] = '\0';
}

/* A user for people: the team member's name when known, else "user #ID". */
static void user_text(const Kiemtra__V1__PlanGetResp *plan, int64_t id, char *out, size_t cap)
{
	for (size_t i = 0; plan && i < plan->n_team; i++) {
		if (plan->team[i]->user_id == id) {
			snprintf(out, cap, "%s", plan->team[i]->username);
			return;
		}
	}
	snprintf(out, cap, "user #%lld", (long long)id);
}

/* The recommendation with this id as the caller sees it; *out owns it. Exit code. */
static int fetch_rec(struct kt_cli *cli, int64_t id, Kiemtra__V1__Response **out,
		     const Kiemtra__V1__Recommendation **rec)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__RecommendationListReq l = KIEMTRA__V1__RECOMMENDATION_LIST_REQ__INIT;
	int rc;

	l.id = id;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_RECOMMENDATION_LIST;
	req.recommendation_list = &l;
	rc = kt_cli_call(cli, &req, out);
	if (rc != KT_EXIT_OK)
		return rc;
	if ((*out)->recommendation_list->n_recommendations != 1 ||
	    (*out)->recommendation_list->recommendations[0]->id != id) {
		kt_response_free(*out);
		*out = NULL;
		return kt_cli_fail(cli, KT_EXIT_STATUS + KT_STATUS_NOT_FOUND, "NOT_FOUND",
				   "no recommendation with id %lld", (long long)id);
	}
	*rec = (*out)->recommendation_list->recommendations[0];
	return KT_EXIT_OK;
}

/* "YYYY-MM-DD", or the Vietnamese "DD/MM/YYYY", into out as YYYY-MM-DD. */
static int parse_deadline(const char *s, char out[KT_DATE_SIZE])
{
	if (strlen(s) == KT_DATE_LEN && s[2] == '/' && s[5] == '/') {
		snprintf(out, KT_DATE_SIZE, "%.4s-%.2s-%.2s", s + 6, s + 3, s);
	} else if (strlen(s) == KT_DATE_LEN) {
		memcpy(out, s, KT_DATE_SIZE);
	} else {
		return KT_EINVAL;
	}
	return kt_date_valid(out) ? KT_OK : KT_EINVAL;
}

/* One recommendation for people, after a change or for `rec show`. */
static void print_rec(const Kiemtra__V1__PlanGetResp *plan, const Kiemtra__V1__Recommendation *r)
{
	char code[32], when[64], who[96];

	printf("recommendation %lld  %s%s  (version %lld)\n", (long long)r->id,
	       state_name((int)r->state), r->overdue ? ", OVERDUE" : "", (long long)r->version);
	kt_cli_field("unit:", "%s", kt_wf_unit_code(plan, r->unit_id, code, sizeof(code)));
	kt_cli_field("deadline:", "%s%s", r->deadline, r->overdue ? " (passed)" : "");
	kt_format_time(r->created_at, when, sizeof(when));
	user_text(plan, r->created_by, who, sizeof(who));
	kt_cli_field("issued:", "%s by %s", when, who);
	printf("text:\n");
	kt_print_safe(stdout, r->text, true);
	printf("\n");
	if (kind_name((int)r->response_kind)) {
		kt_format_time(r->responded_at, when, sizeof(when));
		user_text(plan, r->responded_by, who, sizeof(who));
		printf("response (%s, %s by %s", kind_name((int)r->response_kind), when, who);
		printf(", %zu evidence):\n", r->n_response_evidence);
		kt_print_safe(stdout, r->response_text, true);
		printf("\n");
		for (size_t i = 0; i < r->n_response_evidence; i++) {
			printf("  evidence %lld  ", (long long)r->response_evidence[i]->id);
			kt_print_safe(stdout, r->response_evidence[i]->name, false);
			printf("  (%llu bytes)\n",
			       (unsigned long long)r->response_evidence[i]->size);
		}
	}
	if (r->decided_by) {
		kt_format_time(r->decided_at, when, sizeof(when));
		user_text(plan, r->decided_by, who, sizeof(who));
		printf("%s %s by %s",
		       r->state == KIEMTRA__V1__RECOMMENDATION_STATE__RECOMMENDATION_STATE_DONE
			   ? "accepted"
			   : "returned",
		       when, who);
		if (r->decision_reason[0]) {
			printf(":\n");
			kt_print_safe(stdout, r->decision_reason, true);
		}
		printf("\n");
	}
}

/* Print or write as JSON the recommendation a change answered with. */
static int report_rec(struct kt_cli *cli, const Kiemtra__V1__PlanGetResp *plan,
		      const Kiemtra__V1__RecommendationResp *p, const char *done)
{
	struct kt_json *j;

	if (!p || !p->recommendation)
		return kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT", "the server's answer is empty");
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_kv_bool(j, "created", p->created);
		kt_json_key(j, "recommendation");
		json_rec(j, p->recommendation);
		kt_cli_json_end(cli);
		return KT_EXIT_OK;
	}
	printf("%s\n", done);
	print_rec(plan, p->recommendation);
	return KT_EXIT_OK;
}

static int cmd_add(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"text", required_argument, NULL, 't'},
	    {"text-file", required_argument, NULL, 'T'},
	    {"deadline", required_argument, NULL, 'd'},
	    {"client-id", required_argument, NULL, 'c'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__RecommendationCreateReq cr = KIEMTRA__V1__RECOMMENDATION_CREATE_REQ__INIT;
	Kiemtra__V1__Response *plan = NULL, *resp = NULL;
	const char *text_opt = NULL, *text_file = NULL, *deadline_opt = NULL, *client_id = NULL;
	char deadline[KT_DATE_SIZE], cid[2 * 16 + 1], *text = NULL, done[160] = "";
	uint8_t rnd[16];
	int64_t unit_id = 0;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			text_opt = optarg;
			break;
		case 'T':
			text_file = optarg;
			break;
		case 'd':
			deadline_opt = optarg;
			break;
		case 'c':
			client_id = optarg;
			break;
		default:
			return kt_wf_bad_option(cli, c, argv);
		}
	}
	if (argc - optind != 2)
		return kt_cli_usage(cli, "name the PLAN and the UNIT");
	if (!deadline_opt)
		return kt_cli_usage(cli, "--deadline DATE is required (YYYY-MM-DD or DD/MM/YYYY)");
	if (parse_deadline(deadline_opt, deadline) != KT_OK)
		return kt_cli_usage(cli, "--deadline '%s' is not a date (YYYY-MM-DD or DD/MM/YYYY)",
				    deadline_opt);
	if (client_id &&
	    (strlen(client_id) < 8 || strlen(client_id) > CLIENT_ID_MAX ||
	     kt_text_check(client_id, strlen(client_id), CLIENT_ID_MAX, KT_TEXT_NONEMPTY) != KT_OK))
		return kt_cli_usage(cli, "--client-id wants 8 to %d bytes of text", CLIENT_ID_MAX);
	if (!client_id) {
		/* A fresh key per command: a retry of this very request is the server's business.
		 */
		randombytes_buf(rnd, sizeof(rnd));
		sodium_bin2hex(cid, sizeof(cid), rnd, sizeof(rnd));
		client_id = cid;
	}
	rc = kt_wf_text_arg(cli, "text", text_opt, text_file, TEXT_MAX, true, &text);
	if (rc != KT_EXIT_OK)
		goto out;
	rc = kt_plan_resolve(cli, argv[optind], &plan);
	if (rc != KT_EXIT_OK)
		goto out;
	rc = kt_wf_unit_id(cli, plan->plan_get, argv[optind + 1], &unit_id);
	if (rc != KT_EXIT_OK)
		goto out;
	cr.client_id = (char *)client_id;
	cr.plan_id = plan->plan_get->plan->id;
	cr.unit_id = unit_id;
	cr.text = text;
	cr.deadline = deadline;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_RECOMMENDATION_CREATE;
	req.recommendation_create = &cr;
	rc = kt_cli_call(cli, &req, &resp);
	if (rc != KT_EXIT_OK)
		goto out;
	if (resp->recommendation_create->recommendation)
		snprintf(done, sizeof(done), "%s recommendation %lld",
			 resp->recommendation_create->created ? "issued"
							      : "already issued (same client id):",
			 (long long)resp->recommendation_create->recommendation->id);
	rc = report_rec(cli, plan->plan_get, resp->recommendation_create, done);
out:
	kt_response_free(resp);
	kt_response_free(plan);
	free(text);
	return rc;
}

static int cmd_list(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"unit", required_argument, NULL, 'u'},
	    {"overdue", no_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	static const char *const headers[] = {"ID",	 "UNIT",     "DEADLINE", "STATE",
					      "OVERDUE", "RESPONSE", "TEXT"};
	Kiemtra__V1__Response *plan = NULL, **pages = NULL, **np;
	const char *unit_arg = NULL;
	bool overdue_only = false;
	int64_t unit_id = 0, after_id = 0;
	size_t n_pages = 0, total = 0, overdue = 0;
	struct kt_table t = {0};
	struct kt_json *j;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			unit_arg = optarg;
			break;
		case 'o':
			overdue_only = true;
			break;
		default:
			return kt_wf_bad_option(cli, c, argv);
		}
	}
	if (argc - optind != 1)
		return kt_cli_usage(cli, "name the PLAN (id or number)");
	rc = kt_plan_resolve(cli, argv[optind], &plan);
	if (rc == KT_EXIT_OK && unit_arg)
		rc = kt_wf_unit_id(cli, plan->plan_get, unit_arg, &unit_id);
	if (rc != KT_EXIT_OK)
		goto out;
	for (;;) {
		Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
		Kiemtra__V1__RecommendationListReq l = KIEMTRA__V1__RECOMMENDATION_LIST_REQ__INIT;
		Kiemtra__V1__RecommendationListResp *p;
		Kiemtra__V1__Response *resp = NULL;

		l.plan_id = plan->plan_get->plan->id;
		l.unit_id = unit_id;
		l.overdue_only = overdue_only;
		l.after_id = after_id;
		req.body_case = KIEMTRA__V1__REQUEST__BODY_RECOMMENDATION_LIST;
		req.recommendation_list = &l;
		rc = kt_cli_call(cli, &req, &resp);
		if (rc != KT_EXIT_OK)
			goto out;
		np = realloc(pages, (n_pages + 1) * sizeof(*np));
		if (!np) {
			kt_response_free(resp);
			rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
			goto out;
		}
		pages = np;
		pages[n_pages++] = resp;
		p = resp->recommendation_list;
		total += p->n_recommendations;
		for (size_t i = 0; i < p->n_recommendations; i++)
			overdue += p->recommendations[i]->overdue;
		if (!p->more || p->n_recommendations == 0 ||
		    p->recommendations[p->n_recommendations - 1]->id <= after_id)
			break;
		after_id = p->recommendations[p->n_recommendations - 1]->id;
	}
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_kv_int(j, "plan_id", plan->plan_get->plan->id);
		kt_json_kv_int(j, "unit_id", unit_id);
		kt_json_kv_uint(j, "overdue", overdue);
		kt_json_key(j, "recommendations");
		kt_json_begin_array(j);
		for (size_t k = 0; k < n_pages; k++)
			for (size_t i = 0; i < pages[k]->recommendation_list->n_recommendations;
			     i++)
				json_rec(j, pages[k]->recommendation_list->recommendations[i]);
		kt_json_end_array(j);
		kt_cli_json_end(cli);
		goto out;
	}
	if (total == 0) {
		puts(overdue_only ? "no overdue recommendations" : "no recommendations");
		goto out;
	}
	if (kt_table_init(&t, 7, headers) != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
		goto out;
	}
	for (size_t k = 0; k < n_pages; k++) {
		for (size_t i = 0; i < pages[k]->recommendation_list->n_recommendations; i++) {
			const Kiemtra__V1__Recommendation *r =
			    pages[k]->recommendation_list->recommendations[i];
			char id[24], code[32], text[TEXT_COLUMN * 4 + 8];
			const char *kind = kind_name((int)r->response_kind);
			const char *cells[7];

			snprintf(id, sizeof(id), "%lld", (long long)r->id);
			first_line(r->text, TEXT_COLUMN, text, sizeof(text));
			cells[0] = id;
			cells[1] = kt_wf_unit_code(plan->plan_get, r->unit_id, code, sizeof(code));
			cells[2] = r->deadline;
			cells[3] = state_name((int)r->state);
			cells[4] = r->overdue ? "OVERDUE" : "-";
			cells[5] = kind ? kind : "-";
			cells[6] = text;
			kt_table_add(&t, cells);
		}
	}
	if (kt_table_print(&t, stdout) != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
		goto out;
	}
	printf("%zu recommendation%s, %zu overdue\n", total, total == 1 ? "" : "s", overdue);
out:
	kt_table_free(&t);
	for (size_t k = 0; k < n_pages; k++)
		kt_response_free(pages[k]);
	free(pages);
	kt_response_free(plan);
	return rc;
}

/* ID as the one positional argument. */
static int id_arg(struct kt_cli *cli, int argc, char **argv, int64_t *id)
{
	if (argc - optind != 1)
		return kt_cli_usage(cli, "name the recommendation by its ID");
	if (kt_wf_parse_id(argv[optind], id) != KT_OK)
		return kt_cli_usage(cli, "'%s' is not a recommendation id", argv[optind]);
	return KT_EXIT_OK;
}

/* The plan, for unit codes and team names; NULL (nothing reported) when it cannot be read. */
static Kiemtra__V1__Response *plan_quietly(struct kt_cli *cli, int64_t plan_id)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__PlanGetReq g = KIEMTRA__V1__PLAN_GET_REQ__INIT;
	Kiemtra__V1__Response *resp = NULL;

	g.id = plan_id;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_PLAN_GET;
	req.plan_get = &g;
	if (kt_conn_call(cli->conn, &req, &resp) != KT_OK || !resp ||
	    resp->status != KIEMTRA__V1__STATUS__STATUS_OK ||
	    resp->body_case != KIEMTRA__V1__RESPONSE__BODY_PLAN_GET || !resp->plan_get->plan) {
		kt_response_free(resp);
		return NULL;
	}
	return resp;
}

static int cmd_show(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	Kiemtra__V1__Response *resp = NULL, *plan = NULL;
	const Kiemtra__V1__Recommendation *r;
	struct kt_json *j;
	int64_t id;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1)
		return kt_wf_bad_option(cli, c, argv);
	if ((rc = id_arg(cli, argc, argv, &id)) != KT_EXIT_OK)
		return rc;
	rc = fetch_rec(cli, id, &resp, &r);
	if (rc != KT_EXIT_OK)
		goto out;
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_key(j, "recommendation");
		json_rec(j, r);
		kt_cli_json_end(cli);
		goto out;
	}
	plan = plan_quietly(cli, r->plan_id);
	if (plan) {
		printf("plan ");
		kt_print_safe(stdout, plan->plan_get->plan->number, false);
		printf("\n");
	}
	print_rec(plan ? plan->plan_get : NULL, r);
out:
	kt_response_free(plan);
	kt_response_free(resp);
	return rc;
}

static int cmd_respond(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"remediation", no_argument, NULL, 'r'},
	    {"explanation", no_argument, NULL, 'e'},
	    {"text", required_argument, NULL, 't'},
	    {"text-file", required_argument, NULL, 'T'},
	    {"evidence", required_argument, NULL, 'E'},
	    {"version", required_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__RecommendationRespondReq rr = KIEMTRA__V1__RECOMMENDATION_RESPOND_REQ__INIT;
	Kiemtra__V1__Response *cur = NULL, *resp = NULL, *plan = NULL;
	const Kiemtra__V1__Recommendation *r;
	const char *text_opt = NULL, *text_file = NULL;
	int64_t id, version = 0, evidence[EVIDENCE_MAX];
	size_t n_evidence = 0;
	char *text = NULL, done[96];
	int kind = 0, c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
		case 'e':
			if (kind)
				return kt_cli_usage(cli,
						    "give --remediation or --explanation, once");
			kind = c == 'r' ? KIEMTRA__V1__RESPONSE_KIND__RESPONSE_KIND_REMEDIATION
					: KIEMTRA__V1__RESPONSE_KIND__RESPONSE_KIND_EXPLANATION;
			break;
		case 't':
			text_opt = optarg;
			break;
		case 'T':
			text_file = optarg;
			break;
		case 'E':
			if (n_evidence == EVIDENCE_MAX)
				return kt_cli_usage(cli, "at most %d --evidence", EVIDENCE_MAX);
			if (kt_wf_parse_id(optarg, &evidence[n_evidence]) != KT_OK)
				return kt_cli_usage(
				    cli, "--evidence wants an evidence id, not '%s'", optarg);
			n_evidence++;
			break;
		case 'v':
			if (kt_wf_parse_id(optarg, &version) != KT_OK)
				return kt_cli_usage(cli, "--version wants a version number");
			break;
		default:
			return kt_wf_bad_option(cli, c, argv);
		}
	}
	if (!kind)
		return kt_cli_usage(cli, "say what the response is: --remediation (the unit fixed "
					 "it) or --explanation (the unit explains)");
	if ((rc = id_arg(cli, argc, argv, &id)) != KT_EXIT_OK)
		return rc;
	rc = kt_wf_text_arg(cli, "text", text_opt, text_file, TEXT_MAX, true, &text);
	if (rc != KT_EXIT_OK)
		goto out;
	if (!version) {
		rc = fetch_rec(cli, id, &cur, &r);
		if (rc != KT_EXIT_OK)
			goto out;
		version = r->version;
	}
	rr.id = id;
	rr.version = version;
	rr.kind = (Kiemtra__V1__ResponseKind)kind;
	rr.text = text;
	rr.evidence_ids = evidence;
	rr.n_evidence_ids = n_evidence;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_RECOMMENDATION_RESPOND;
	req.recommendation_respond = &rr;
	rc = kt_cli_call(cli, &req, &resp);
	if (rc != KT_EXIT_OK)
		goto out;
	snprintf(done, sizeof(done), "sent the %s on recommendation %lld", kind_name(kind),
		 (long long)id);
	if (!cli->json && resp->recommendation_respond->recommendation)
		plan = plan_quietly(cli, resp->recommendation_respond->recommendation->plan_id);
	rc = report_rec(cli, plan ? plan->plan_get : NULL, resp->recommendation_respond, done);
out:
	kt_response_free(plan);
	kt_response_free(resp);
	kt_response_free(cur);
	free(text);
	return rc;
}

/* rec accept / rec return: the leader's decision on the unit's answer. */
static int decide(struct kt_cli *cli, int argc, char **argv, bool accept)
{
	static const struct option opts[] = {
	    {"reason", required_argument, NULL, 'r'},
	    {"reason-file", required_argument, NULL, 'R'},
	    {"version", required_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__RecommendationDecideReq dr = KIEMTRA__V1__RECOMMENDATION_DECIDE_REQ__INIT;
	Kiemtra__V1__Response *cur = NULL, *resp = NULL, *plan = NULL;
	const Kiemtra__V1__Recommendation *r;
	const char *reason_opt = NULL, *reason_file = NULL;
	char *reason = NULL, done[96];
	int64_t id, version = 0;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			reason_opt = optarg;
			break;
		case 'R':
			reason_file = optarg;
			break;
		case 'v':
			if (kt_wf_parse_id(optarg, &version) != KT_OK)
				return kt_cli_usage(cli, "--version wants a version number");
			break;
		default:
			return kt_wf_bad_option(cli, c, argv);
		}
	}
	if ((rc = id_arg(cli, argc, argv, &id)) != KT_EXIT_OK)
		return rc;
	rc = kt_wf_text_arg(cli, "reason", reason_opt, reason_file, REASON_MAX, !accept, &reason);
	if (rc != KT_EXIT_OK)
		goto out;
	if (!version) {
		rc = fetch_rec(cli, id, &cur, &r);
		if (rc != KT_EXIT_OK)
			goto out;
		version = r->version;
	}
	dr.id = id;
	dr.version = version;
	dr.accept = accept;
	dr.reason = reason ? reason : "";
	req.body_case = KIEMTRA__V1__REQUEST__BODY_RECOMMENDATION_DECIDE;
	req.recommendation_decide = &dr;
	rc = kt_cli_call(cli, &req, &resp);
	if (rc != KT_EXIT_OK)
		goto out;
	snprintf(done, sizeof(done), "%s the response to recommendation %lld",
		 accept ? "accepted" : "returned", (long long)id);
	if (!cli->json && resp->recommendation_decide->recommendation)
		plan = plan_quietly(cli, resp->recommendation_decide->recommendation->plan_id);
	rc = report_rec(cli, plan ? plan->plan_get : NULL, resp->recommendation_decide, done);
out:
	kt_response_free(plan);
	kt_response_free(resp);
	kt_response_free(cur);
	free(reason);
	return rc;
}

static int cmd_accept(struct kt_cli *cli, int argc, char **argv)
{
	return decide(cli, argc, argv, true);
}

static int cmd_return(struct kt_cli *cli, int argc, char **argv)
{
	return decide(cli, argc, argv, false);
}

/* clang-format off */
const struct kt_command kt_cmds_recommendations[] = {
	{"rec add", cmd_add, KT_CMD_SESSION,
	 "rec add PLAN UNIT --text TEXT --deadline DATE [--client-id ID]",
	 "issue a recommendation to a unit, with a deadline",
	 "DATE is YYYY-MM-DD or DD/MM/YYYY and may not be before the start of the plan.\n"
	 "--text-file FILE reads the text from a file. --client-id ID (8..64 bytes) makes\n"
	 "the command safe to repeat: the same ID returns the recommendation already issued\n"
	 "instead of a second one (a random ID is used otherwise). Needs the team role\n"
	 "leader or deputy."},
	{"rec list", cmd_list, KT_CMD_SESSION, "rec list PLAN [--unit CODE] [--overdue]",
	 "list a plan's recommendations, with which are overdue",
	 "OVERDUE: the deadline is before the server's date (Vietnam, UTC+7) and the\n"
	 "recommendation is not done. --overdue lists only those; --unit only one unit's.\n"
	 "Unit representatives see only their own unit's recommendations."},
	{"rec show", cmd_show, KT_CMD_SESSION, "rec show ID",
	 "show one recommendation with the unit's response and the decision", NULL},
	{"rec respond", cmd_respond, KT_CMD_SESSION,
	 "rec respond ID --remediation|--explanation --text TEXT [--evidence ID]... [--version V]",
	 "answer a recommendation for your unit",
	 "--remediation reports that the unit fixed the shortcoming (khắc phục);\n"
	 "--explanation explains why it disputes or cannot fix it (giải trình). --evidence ID\n"
	 "(repeatable, at most 16) cites uploaded evidence of the plan. An open or returned\n"
	 "recommendation can be answered. Without --version the current version is read\n"
	 "first; with --version V a stale V is refused (exit 20). Only the representative of\n"
	 "the recommendation's unit answers."},
	{"rec accept", cmd_accept, KT_CMD_SESSION, "rec accept ID [--reason TEXT] [--version V]",
	 "accept the unit's answer: the recommendation is done",
	 "Needs the team role leader or deputy; the recommendation must be answered."},
	{"rec return", cmd_return, KT_CMD_SESSION, "rec return ID --reason TEXT [--version V]",
	 "return the unit's answer with a reason: the unit answers again",
	 "Needs the team role leader or deputy; the recommendation must be answered. The\n"
	 "reason (at most 4 KiB; --reason-file FILE reads it from a file) goes to the unit."},
};
/* clang-format on */
const size_t kt_ncmds_recommendations =
    sizeof(kt_cmds_recommendations) / sizeof(kt_cmds_recommendations[0]);
