/*
 * cmd_conclusions.c - conclusion draft, conclusion approve, conclusion show.
 *
 * A conclusion (kết luận) belongs to one unit of a plan, or to the whole
 * inspection when no UNIT is named. PLAN is a plan id or its number
 * ("06/KH-UBND", "06/KH-UBND@2022"); UNIT is a unit code (or #ID).
 *
 * `conclusion approve` fetches the newest revision, which must be a draft,
 * computes its canonical digest (common/approval.h, kt_digest_conclusion) from
 * exactly what it fetched and signs it with this device's signing key; the
 * server recomputes the digest from what it stores, so an edit in between
 * makes the approval fail instead of approving text the leader did not see.
 *
 * The helpers kt_wf_* (plan and unit lookup, ids, texts) are shared with
 * cmd_recommendations.c, which declares them. Every response is freed before
 * the handler returns.
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

#define ARG_MAX 256
#define TEXT_MAX (16 * 1024)
#define FINDINGS_MAX 500


int kt_wf_parse_id(const char *s, int64_t *out)
{
	unsigned long long v;

	if (s[0] == '#')
		s++;
	if (kt_parse_uint(s, 1, INT64_MAX, &v) != KT_OK)
		return KT_EINVAL;
	*out = (int64_t)v;
	return KT_OK;
}

int kt_wf_bad_option(struct kt_cli *cli, int c, char **argv)
{
	if (c == ':')
		return kt_cli_usage(cli, "%s needs a value", argv[optind - 1]);
	return kt_cli_usage(cli, "unknown option %s", argv[optind - 1]);
}

int kt_wf_unit_id(struct kt_cli *cli, const Kiemtra__V1__PlanGetResp *plan, const char *arg,
		  int64_t *id)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__UnitGetReq g = KIEMTRA__V1__UNIT_GET_REQ__INIT;
	Kiemtra__V1__Response *resp = NULL;
	int rc, trc;

	if (kt_text_check(arg, strlen(arg), ARG_MAX, KT_TEXT_NONEMPTY) != KT_OK)
		return kt_cli_usage(cli, "a unit is named by its code (one line of text)");
	if (arg[0] == '#') {
		if (kt_wf_parse_id(arg, id) != KT_OK)
			return kt_cli_usage(cli, "'%s' is not #ID (a unit id after '#')", arg);
		return KT_EXIT_OK;
	}
	for (size_t i = 0; plan && i < plan->n_units; i++) {
		if (strcmp(plan->units[i]->code, arg) == 0) {
			*id = plan->units[i]->id;
			return KT_EXIT_OK;
		}
	}
	/* Not one of the plan's units: let the server say what it is. */
	g.code = (char *)arg;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_UNIT_GET;
	req.unit_get = &g;
	trc = kt_conn_call(cli->conn, &req, &resp);
	if (trc == KT_OK && resp->status == KIEMTRA__V1__STATUS__STATUS_NOT_FOUND) {
		kt_response_free(resp);
		return kt_cli_fail(cli, KT_EXIT_STATUS + KT_STATUS_NOT_FOUND, "NOT_FOUND",
				   "no unit has the code '%s'", arg);
	}
	rc = kt_cli_check(cli, trc, KIEMTRA__V1__RESPONSE__BODY_UNIT_GET, &resp);
	if (rc != KT_EXIT_OK)
		return rc;
	*id = resp->unit_get->unit ? resp->unit_get->unit->id : 0;
	kt_response_free(resp);
	if (!*id)
		return kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT",
				   "the server's answer has no unit");
	return KT_EXIT_OK;
}

const char *kt_wf_unit_code(const Kiemtra__V1__PlanGetResp *plan, int64_t unit_id, char *buf,
			    size_t cap)
{
	for (size_t i = 0; plan && i < plan->n_units; i++)
		if (plan->units[i]->id == unit_id)
			return plan->units[i]->code;
	snprintf(buf, cap, "#%lld", (long long)unit_id);
	return buf;
}

int kt_wf_text_arg(struct kt_cli *cli, const char *opt, const char *text, const char *file,
		   size_t max, bool required, char **out)
{
	size_t len;
	int rc;

	*out = NULL;
	if (text && file)
		return kt_cli_usage(cli, "give --%s or --%s-file, not both", opt, opt);
	if (!text && !file) {
		if (required)
			return kt_cli_usage(cli, "--%s TEXT (or --%s-file FILE) is required", opt,
					    opt);
		return KT_EXIT_OK;
	}
	if (text) {
		*out = strdup(text);
		if (!*out)
			return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
	} else {
		rc = kt_read_file(file, max, out, &len);
		if (rc == KT_ETOOBIG)
			return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR",
					   "%s is larger than %zu bytes", file, max);
		if (rc != KT_OK)
			return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "cannot read %s: %s", file,
					   kt_strerror(rc));
	}
	rc = kt_text_check(*out, strlen(*out), max, KT_TEXT_MULTILINE);
	if (rc != KT_OK) {
		free(*out);
		*out = NULL;
		return kt_cli_usage(cli, "the %s must be UTF-8 text of at most %zu bytes", opt,
				    max);
	}
	return KT_EXIT_OK;
}

void kt_wf_json_hex(struct kt_json *j, const char *key, const ProtobufCBinaryData *b)
{
	char hex[2 * 64 + 1];

	if (!b->data || b->len > 64) {
		kt_json_kv_str(j, key, "");
		return;
	}
	sodium_bin2hex(hex, sizeof(hex), b->data, b->len);
	kt_json_kv_str(j, key, hex);
}

/* ---- conclusions ------------------------------------------------------------ */

static const char *state_name(int state)
{
	switch (state) {
	case KIEMTRA__V1__CONCLUSION_STATE__CONCLUSION_STATE_DRAFT:
		return "draft";
	case KIEMTRA__V1__CONCLUSION_STATE__CONCLUSION_STATE_APPROVED:
		return "approved";
	case KIEMTRA__V1__CONCLUSION_STATE__CONCLUSION_STATE_SUPERSEDED:
		return "superseded";
	default:
		return "unknown";
	}
}

static void json_conclusion(struct kt_json *j, const Kiemtra__V1__Conclusion *c)
{
	const Kiemtra__V1__Approval *a = c->approval;

	kt_json_begin_object(j);
	kt_json_kv_int(j, "id", c->id);
	kt_json_kv_int(j, "plan_id", c->plan_id);
	kt_json_kv_int(j, "unit_id", c->unit_id);
	kt_json_kv_int(j, "revision", c->revision);
	kt_json_kv_str(j, "state", state_name((int)c->state));
	kt_json_kv_str(j, "text", c->text);
	kt_json_key(j, "finding_ids");
	kt_json_begin_array(j);
	for (size_t i = 0; i < c->n_finding_ids; i++)
		kt_json_int(j, c->finding_ids[i]);
	kt_json_end_array(j);
	kt_json_kv_int(j, "author_id", c->author_id);
	kt_json_kv_str(j, "author", c->author);
	kt_json_kv_int(j, "version", c->version);
	kt_json_kv_int(j, "created_at", c->created_at);
	kt_json_key(j, "approval");
	if (!a) {
		kt_json_null(j);
	} else {
		kt_json_begin_object(j);
		kt_json_kv_int(j, "user_id", a->user_id);
		kt_json_kv_str(j, "username", a->username);
		kt_json_kv_str(j, "full_name", a->full_name);
		kt_json_kv_int(j, "at", a->at);
		kt_wf_json_hex(j, "digest", &a->digest);
		kt_wf_json_hex(j, "signature", &a->signature);
		kt_wf_json_hex(j, "signing_key", &a->signing_key);
		kt_json_end_object(j);
	}
	kt_json_end_object(j);
}

/* "unit CL-P4" or "the whole inspection", into buf. */
static const char *subject(const Kiemtra__V1__PlanGetResp *plan, int64_t unit_id, char *buf,
			   size_t cap)
{
	char code[32];

	if (!unit_id)
		snprintf(buf, cap, "the whole inspection");
	else
		snprintf(buf, cap, "unit %s", kt_wf_unit_code(plan, unit_id, code, sizeof(code)));
	return buf;
}

/* One revision for people: a header line, approval, findings, then the text. */
static void print_revision(const Kiemtra__V1__Conclusion *c, bool with_text)
{
	const Kiemtra__V1__Approval *a = c->approval;
	char when[64], hex[2 * 32 + 1];

	kt_format_time(c->created_at, when, sizeof(when));
	printf("revision %d  %s  (id %lld, version %lld, written by ", c->revision,
	       state_name((int)c->state), (long long)c->id, (long long)c->version);
	kt_print_safe(stdout, c->author, false);
	printf(", %s)\n", when);
	if (a) {
		kt_format_time(a->at, when, sizeof(when));
		printf("  %s by ",
		       c->state == KIEMTRA__V1__CONCLUSION_STATE__CONCLUSION_STATE_SUPERSEDED
			   ? "approved (now superseded)"
			   : "approved");
		kt_print_safe(stdout, a->username, false);
		printf(" (");
		kt_print_safe(stdout, a->full_name, false);
		printf(") at %s\n", when);
		if (a->digest.len == 32) {
			sodium_bin2hex(hex, sizeof(hex), a->digest.data, a->digest.len);
			printf("  digest %s\n", hex);
		}
	}
	printf("  findings:");
	if (!c->n_finding_ids)
		printf(" none");
	for (size_t i = 0; i < c->n_finding_ids; i++)
		printf("%s %lld", i ? "," : "", (long long)c->finding_ids[i]);
	printf("\n");
	if (with_text) {
		kt_print_safe(stdout, c->text, true);
		printf("\n");
	}
}

/* PLAN [UNIT] positional arguments after the options. */
static int plan_unit_args(struct kt_cli *cli, int argc, char **argv, Kiemtra__V1__Response **plan,
			  int64_t *unit_id)
{
	int rc;

	*plan = NULL;
	*unit_id = 0;
	if (optind >= argc)
		return kt_cli_usage(cli, "name the PLAN (id or number)");
	if (argc - optind > 2)
		return kt_cli_usage(cli, "unexpected argument '%s'", argv[optind + 2]);
	rc = kt_plan_resolve(cli, argv[optind], plan);
	if (rc == KT_EXIT_OK && argc - optind == 2)
		rc = kt_wf_unit_id(cli, (*plan)->plan_get, argv[optind + 1], unit_id);
	return rc;
}

/*
 * Every revision of (plan, unit), newest first, fetched page by page; *pages
 * (n_pages responses) own them. Returns an exit code.
 */
static int fetch_revisions(struct kt_cli *cli, int64_t plan_id, int64_t unit_id, bool all,
			   Kiemtra__V1__Response ***pages, size_t *n_pages)
{
	int32_t before = 0;

	*pages = NULL;
	*n_pages = 0;
	for (;;) {
		Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
		Kiemtra__V1__ConclusionGetReq g = KIEMTRA__V1__CONCLUSION_GET_REQ__INIT;
		Kiemtra__V1__Response *resp = NULL, **np;
		Kiemtra__V1__ConclusionGetResp *p;
		int rc;

		g.plan_id = plan_id;
		g.unit_id = unit_id;
		g.before_revision = before;
		req.body_case = KIEMTRA__V1__REQUEST__BODY_CONCLUSION_GET;
		req.conclusion_get = &g;
		rc = kt_cli_call(cli, &req, &resp);
		if (rc != KT_EXIT_OK)
			return rc;
		np = realloc(*pages, (*n_pages + 1) * sizeof(*np));
		if (!np) {
			kt_response_free(resp);
			return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
		}
		*pages = np;
		(*pages)[(*n_pages)++] = resp;
		p = resp->conclusion_get;
		if (!all || !p->more || p->n_revisions == 0)
			return KT_EXIT_OK;
		if (before && p->revisions[p->n_revisions - 1]->revision >= before)
			return kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT",
					   "the server's pages of revisions do not advance");
		before = p->revisions[p->n_revisions - 1]->revision;
	}
}

static void free_pages(Kiemtra__V1__Response **pages, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kt_response_free(pages[i]);
	free(pages);
}

static int cmd_draft(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"text", required_argument, NULL, 't'},
	    {"text-file", required_argument, NULL, 'T'},
	    {"finding", required_argument, NULL, 'f'},
	    {"version", required_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__ConclusionDraftReq d = KIEMTRA__V1__CONCLUSION_DRAFT_REQ__INIT;
	Kiemtra__V1__Response *plan = NULL, *resp = NULL;
	const char *text_opt = NULL, *text_file = NULL;
	const Kiemtra__V1__Conclusion *c;
	int64_t *findings = NULL, unit_id = 0, version = 0;
	size_t n_findings = 0;
	char *text = NULL, where[64];
	struct kt_json *j;
	int c_opt, rc;

	findings = calloc(FINDINGS_MAX, sizeof(*findings));
	if (!findings)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
	optind = 0;
	opterr = 0;
	while ((c_opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c_opt) {
		case 't':
			text_opt = optarg;
			break;
		case 'T':
			text_file = optarg;
			break;
		case 'f':
			if (n_findings == FINDINGS_MAX) {
				rc = kt_cli_usage(cli, "at most %d findings", FINDINGS_MAX);
				goto out;
			}
			if (kt_wf_parse_id(optarg, &findings[n_findings]) != KT_OK) {
				rc = kt_cli_usage(cli, "--finding wants a finding id, not '%s'",
						  optarg);
				goto out;
			}
			n_findings++;
			break;
		case 'v':
			if (kt_wf_parse_id(optarg, &version) != KT_OK) {
				rc =
				    kt_cli_usage(cli, "--version wants the draft's version number");
				goto out;
			}
			break;
		default:
			rc = kt_wf_bad_option(cli, c_opt, argv);
			goto out;
		}
	}
	rc = kt_wf_text_arg(cli, "text", text_opt, text_file, TEXT_MAX, true, &text);
	if (rc != KT_EXIT_OK)
		goto out;
	rc = plan_unit_args(cli, argc, argv, &plan, &unit_id);
	if (rc != KT_EXIT_OK)
		goto out;
	d.plan_id = plan->plan_get->plan->id;
	d.unit_id = unit_id;
	d.text = text;
	d.finding_ids = findings;
	d.n_finding_ids = n_findings;
	d.version = version;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_CONCLUSION_DRAFT;
	req.conclusion_draft = &d;
	rc = kt_cli_call(cli, &req, &resp);
	if (rc != KT_EXIT_OK)
		goto out;
	c = resp->conclusion_draft->conclusion;
	if (!c) {
		rc = kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT", "the server's answer is empty");
		goto out;
	}
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_key(j, "conclusion");
		json_conclusion(j, c);
		kt_cli_json_end(cli);
		goto out;
	}
	printf("%s revision %d of the conclusion for %s in plan ", version ? "saved" : "started",
	       c->revision, subject(plan->plan_get, c->unit_id, where, sizeof(where)));
	kt_print_safe(stdout, plan->plan_get->plan->number, false);
	printf(": draft, version %lld, %zu findings\n", (long long)c->version, c->n_finding_ids);
	printf(
	    "edit it with --version %lld; approve it with: kiemtra conclusion approve %lld%s%s\n",
	    (long long)c->version, (long long)c->plan_id, unit_id ? " " : "",
	    unit_id ? argv[argc - 1] : "");
out:
	kt_response_free(resp);
	kt_response_free(plan);
	free(text);
	free(findings);
	return rc;
}

static int cmd_approve(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"revision", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__ConclusionApproveReq ap = KIEMTRA__V1__CONCLUSION_APPROVE_REQ__INIT;
	Kiemtra__V1__Response *plan = NULL, *resp = NULL, **pages = NULL;
	const Kiemtra__V1__Conclusion *d, *c;
	uint8_t digest[KT_DIGEST_LEN], sig[KT_SIG_LEN];
	int64_t unit_id = 0, *ids = NULL, want_revision = 0;
	char where[64], hex[2 * KT_DIGEST_LEN + 1];
	size_t n_pages = 0;
	struct kt_json *j;
	int c_opt, rc;

	optind = 0;
	opterr = 0;
	while ((c_opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c_opt) {
		case 'r':
			if (kt_wf_parse_id(optarg, &want_revision) != KT_OK)
				return kt_cli_usage(cli, "--revision wants a revision number");
			break;
		default:
			return kt_wf_bad_option(cli, c_opt, argv);
		}
	}
	rc = plan_unit_args(cli, argc, argv, &plan, &unit_id);
	if (rc != KT_EXIT_OK)
		goto out;
	subject(plan->plan_get, unit_id, where, sizeof(where));
	rc = fetch_revisions(cli, plan->plan_get->plan->id, unit_id, false, &pages, &n_pages);
	if (rc != KT_EXIT_OK)
		goto out;
	if (pages[0]->conclusion_get->n_revisions == 0) {
		rc = kt_cli_fail(cli, KT_EXIT_STATUS + KT_STATUS_NOT_FOUND, "NOT_FOUND",
				 "there is no conclusion for %s yet: write one with kiemtra "
				 "conclusion draft",
				 where);
		goto out;
	}
	d = pages[0]->conclusion_get->revisions[0];
	if (d->state != KIEMTRA__V1__CONCLUSION_STATE__CONCLUSION_STATE_DRAFT) {
		rc = kt_cli_fail(cli, KT_EXIT_STATUS + KT_STATUS_FAILED_PRECONDITION,
				 "FAILED_PRECONDITION",
				 "the newest revision (%d) of the conclusion for %s is %s already; "
				 "there is no draft to approve",
				 d->revision, where, state_name((int)d->state));
		goto out;
	}
	if (want_revision && d->revision != want_revision) {
		rc = kt_cli_fail(cli, KT_EXIT_STATUS + KT_STATUS_FAILED_PRECONDITION,
				 "FAILED_PRECONDITION",
				 "the draft of the conclusion for %s is revision %d, not %lld",
				 where, d->revision, (long long)want_revision);
		goto out;
	}
	/* The digest of exactly what was fetched, finding ids ascending. */
	ids = calloc(d->n_finding_ids + 1, sizeof(*ids));
	if (!ids) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
		goto out;
	}
	if (d->n_finding_ids)
		memcpy(ids, d->finding_ids, d->n_finding_ids * sizeof(*ids));
	kt_sort_ids(ids, d->n_finding_ids);
	kt_digest_conclusion(d->plan_id, d->id, d->unit_id, d->revision, d->text, d->n_finding_ids,
			     ids, digest);
	rc = kt_cli_sign(cli, digest, sig);
	if (rc != KT_EXIT_OK)
		goto out;
	ap.id = d->id;
	ap.version = d->version;
	ap.signature.data = sig;
	ap.signature.len = sizeof(sig);
	req.body_case = KIEMTRA__V1__REQUEST__BODY_CONCLUSION_APPROVE;
	req.conclusion_approve = &ap;
	rc = kt_cli_call(cli, &req, &resp);
	if (rc != KT_EXIT_OK)
		goto out;
	c = resp->conclusion_approve->conclusion;
	if (!c) {
		rc = kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT", "the server's answer is empty");
		goto out;
	}
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_key(j, "conclusion");
		json_conclusion(j, c);
		kt_cli_json_end(cli);
		goto out;
	}
	sodium_bin2hex(hex, sizeof(hex), digest, sizeof(digest));
	printf("approved revision %d of the conclusion for %s in plan ", c->revision, where);
	kt_print_safe(stdout, plan->plan_get->plan->number, false);
	printf("\ndigest %s (signed with this device's key)\n", hex);
	/* A revision is started only after the one before was approved: it is superseded now. */
	if (c->revision > 1)
		printf("revision %d is now superseded (kiemtra conclusion show still shows it)\n",
		       c->revision - 1);
out:
	sodium_memzero(sig, sizeof(sig));
	free(ids);
	free_pages(pages, n_pages);
	kt_response_free(resp);
	kt_response_free(plan);
	return rc;
}

static int cmd_show(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"brief", no_argument, NULL, 'b'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Response *plan = NULL, **pages = NULL;
	size_t n_pages = 0, total = 0;
	bool brief = false;
	int64_t unit_id = 0;
	char where[64];
	struct kt_json *j;
	int c_opt, rc;

	optind = 0;
	opterr = 0;
	while ((c_opt = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c_opt) {
		case 'b':
			brief = true;
			break;
		default:
			return kt_wf_bad_option(cli, c_opt, argv);
		}
	}
	rc = plan_unit_args(cli, argc, argv, &plan, &unit_id);
	if (rc != KT_EXIT_OK)
		goto out;
	rc = fetch_revisions(cli, plan->plan_get->plan->id, unit_id, true, &pages, &n_pages);
	if (rc != KT_EXIT_OK)
		goto out;
	for (size_t p = 0; p < n_pages; p++)
		total += pages[p]->conclusion_get->n_revisions;
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_kv_int(j, "plan_id", plan->plan_get->plan->id);
		kt_json_kv_int(j, "unit_id", unit_id);
		kt_json_key(j, "revisions");
		kt_json_begin_array(j);
		for (size_t p = 0; p < n_pages; p++)
			for (size_t i = 0; i < pages[p]->conclusion_get->n_revisions; i++)
				json_conclusion(j, pages[p]->conclusion_get->revisions[i]);
		kt_json_end_array(j);
		kt_cli_json_end(cli);
		goto out;
	}
	subject(plan->plan_get, unit_id, where, sizeof(where));
	printf("conclusion for %s in plan ", where);
	kt_print_safe(stdout, plan->plan_get->plan->number, false);
	printf(": %zu revision%s%s\n", total, total == 1 ? "" : "s", total ? ", newest first" : "");
	for (size_t p = 0; p < n_pages; p++) {
		for (size_t i = 0; i < pages[p]->conclusion_get->n_revisions; i++) {
			printf("\n");
			print_revision(pages[p]->conclusion_get->revisions[i], !brief);
		}
	}
out:
	free_pages(pages, n_pages);
	kt_response_free(plan);
	return rc;
}

/* clang-format off */
const struct kt_command kt_cmds_conclusions[] = {
	{"conclusion draft", cmd_draft, KT_CMD_SESSION,
	 "conclusion draft PLAN [UNIT] --text TEXT [--finding ID]... [--version V]",
	 "write the draft of a unit's conclusion (or the whole inspection's)",
	 "Without --version, starts a new revision as a draft (refused while a draft exists:\n"
	 "edit that one). With --version V, replaces the text and the findings of the\n"
	 "current draft, which must still be at version V (else exit 20: someone changed it;\n"
	 "read it with kiemtra conclusion show and retry). An approved revision is frozen: a\n"
	 "change is a new revision, approved again. --finding ID (repeatable) cites an\n"
	 "accepted finding of the plan (of the unit, when UNIT is named). --text-file FILE\n"
	 "reads the text from a file. Without UNIT, the conclusion of the whole inspection.\n"
	 "Only the team leader drafts conclusions."},
	{"conclusion approve", cmd_approve, KT_CMD_SESSION,
	 "conclusion approve PLAN [UNIT] [--revision N]",
	 "approve the current draft of a conclusion with your signature",
	 "Fetches the newest revision (it must be a draft; with --revision N it must be\n"
	 "revision N), computes the digest of its text and findings and signs it with this\n"
	 "device's signing key. The server checks the signature against the draft as stored:\n"
	 "if it changed meanwhile the approval is refused (exit 20). The approved revision\n"
	 "is frozen; the previously approved revision becomes superseded. Only the team\n"
	 "leader approves."},
	{"conclusion show", cmd_show, KT_CMD_SESSION, "conclusion show PLAN [UNIT] [--brief]",
	 "show every revision of a conclusion, newest first",
	 "Each revision with its state (draft, approved, superseded), its approver, time and\n"
	 "digest, the findings it cites and its text (--brief: without the text). Unit\n"
	 "representatives see only their own unit's approved and superseded revisions."},
};
/* clang-format on */
const size_t kt_ncmds_conclusions = sizeof(kt_cmds_conclusions) / sizeof(kt_cmds_conclusions[0]);
