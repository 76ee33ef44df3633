/*
 * cmd_findings.c - finding add, edit, submit, accept, return, show, list, history.
 *
 * A plan is named by id or by number ("06/KH-UBND", or "06/KH-UBND@2022" when
 * numbers repeat across years); a unit by its code (looked up among the plan's
 * units). Every change names the version it is based on: a stale one is
 * refused by the server (ABORTED, exit 20) and reported with the version the
 * finding is at now. Accepting signs the acceptance digest of the finding as
 * fetched (common/approval.h) with this installation's signing key.
 *
 * Also the plan lookup and the JSON/text names shared with cmd_evidence.c
 * (kt_fd_* below; declared there). Every response is freed before return.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "client/cli.h"
#include "client/workflow.h"
#include "client/util.h"
#include "common/approval.h"
#include "common/status.h"
#include "common/text.h"

#define TEXT_MAX (16 * 1024)
#define CAUSE_MAX (8 * 1024)
#define REASON_MAX (4 * 1024)
#define EVIDENCE_MAX 32
#define CLIENT_ID_MAX 64
#define ARG_MAX 256
#define LIST_PAGE 200
#define EXIT_CONFLICT (KT_EXIT_STATUS + KT_STATUS_ABORTED)

/* Shared with cmd_evidence.c (no header of their own: these two files are one area). */
void kt_fd_hex(const uint8_t *p, size_t n, char *out);
void kt_fd_json_evidence(struct kt_json *j, const Kiemtra__V1__EvidenceRef *e);
/* In cmd_evidence.c: upload a file to a plan (resuming), its id in *id. Exit code. */
int kt_ev_upload(struct kt_cli *cli, int64_t plan_id, const char *path, const char *type,
		 unsigned long stop_after, const char *declare_hex, int64_t *id, bool *dedup,
		 uint64_t *resumed_from);

/* clang-format off */
static const char *const area_names[] = {
	[1] = "direction", [2] = "institutions", [3] = "procedures", [4] = "apparatus",
	[5] = "civil-service", [6] = "public-finance", [7] = "digital-gov",
};
static const char *const kind_names[] = {[1] = "strength", [2] = "shortcoming"};
static const char *const state_names[] = {
	[1] = "draft", [2] = "submitted", [3] = "accepted", [4] = "returned",
};
/* clang-format on */

#define NAMES(a) (sizeof(a) / sizeof((a)[0]))

static const char *name_of(const char *const *names, size_t n, int v)
{
	return v > 0 && (size_t)v < n && names[v] ? names[v] : "none";
}

static int parse_name(const char *const *names, size_t n, const char *s)
{
	unsigned long long v;

	for (size_t i = 1; i < n; i++)
		if (names[i] && strcmp(s, names[i]) == 0)
			return (int)i;
	if (kt_parse_uint(s, 1, n - 1, &v) == KT_OK)
		return (int)v;
	return -1;
}

static const char *area_name(int a)
{
	return name_of(area_names, NAMES(area_names), a);
}

static const char *kind_name(int k)
{
	return name_of(kind_names, NAMES(kind_names), k);
}

static const char *state_name(int s)
{
	return name_of(state_names, NAMES(state_names), s);
}

void kt_fd_hex(const uint8_t *p, size_t n, char *out)
{
	sodium_bin2hex(out, n * 2 + 1, p, n);
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

/*
 * The finding id, the one positional argument of a change. main.c takes a bare
 * "--version" for its own (print the version), leaving "ID V": say how to write it.
 */
static int change_id(struct kt_cli *cli, int argc, char **argv, int64_t *id);

static int parse_id(struct kt_cli *cli, const char *what, const char *s, int64_t *out)
{
	unsigned long long v;

	if (kt_parse_uint(s[0] == '#' ? s + 1 : s, 1, INT64_MAX, &v) != KT_OK)
		return kt_cli_usage(cli, "%s must be a number, not '%s'", what, s);
	*out = (int64_t)v;
	return KT_EXIT_OK;
}

static int change_id(struct kt_cli *cli, int argc, char **argv, int64_t *id)
{
	if (argc - optind == 2 && all_digits(argv[optind]) && all_digits(argv[optind + 1]))
		return kt_cli_usage(cli, "write the version as --version=V or --based-on V (a bare "
					 "--version is the global option that prints the version)");
	if (argc - optind != 1)
		return kt_cli_usage(cli, "give the finding id");
	return parse_id(cli, "the finding id", argv[optind], id);
}

static int check_arg_text(struct kt_cli *cli, const char *opt, const char *s, size_t max,
			  bool multiline)
{
	unsigned flags = multiline ? KT_TEXT_MULTILINE : 0;

	if (kt_text_check(s, strlen(s), max, flags) != KT_OK)
		return kt_cli_usage(cli, "%s must be valid UTF-8 text of at most %zu bytes%s", opt,
				    max, multiline ? "" : " on one line");
	return KT_EXIT_OK;
}

static const char *unit_code(const Kiemtra__V1__PlanGetResp *pg, int64_t id)
{
	for (size_t i = 0; pg && i < pg->n_units; i++)
		if (pg->units[i]->id == id)
			return pg->units[i]->code;
	return NULL;
}

/* ---- output ------------------------------------------------------------------ */

static void json_hex(struct kt_json *j, const char *key, const ProtobufCBinaryData *b)
{
	char hex[2 * 64 + 1];

	if (b->len > 64) {
		kt_json_kv_str(j, key, "");
		return;
	}
	kt_fd_hex(b->data, b->len, hex);
	kt_json_kv_str(j, key, hex);
}

void kt_fd_json_evidence(struct kt_json *j, const Kiemtra__V1__EvidenceRef *e)
{
	kt_json_begin_object(j);
	kt_json_kv_int(j, "id", e->id);
	kt_json_kv_str(j, "name", e->name);
	kt_json_kv_uint(j, "size", e->size);
	json_hex(j, "sha256", &e->sha256);
	kt_json_kv_str(j, "content_type", e->content_type);
	kt_json_end_object(j);
}

static void json_finding(struct kt_json *j, const char *key, const Kiemtra__V1__Finding *f,
			 const char *code)
{
	kt_json_key(j, key);
	kt_json_begin_object(j);
	kt_json_kv_int(j, "id", f->id);
	kt_json_kv_int(j, "version", f->version);
	kt_json_kv_str(j, "state", state_name(f->state));
	kt_json_kv_int(j, "plan_id", f->plan_id);
	kt_json_kv_int(j, "unit_id", f->unit_id);
	if (code)
		kt_json_kv_str(j, "unit_code", code);
	kt_json_kv_str(j, "area", area_name(f->area));
	kt_json_kv_str(j, "kind", kind_name(f->kind));
	kt_json_kv_str(j, "text", f->text);
	kt_json_kv_str(j, "cause", f->cause);
	kt_json_kv_str(j, "return_reason", f->return_reason);
	kt_json_kv_int(j, "author_id", f->author_id);
	kt_json_kv_str(j, "author", f->author);
	kt_json_kv_str(j, "client_id", f->client_id);
	kt_json_kv_int(j, "created_at", f->created_at);
	kt_json_kv_int(j, "updated_at", f->updated_at);
	kt_json_kv_int(j, "updated_by", f->updated_by);
	kt_json_key(j, "evidence");
	kt_json_begin_array(j);
	for (size_t i = 0; i < f->n_evidence; i++)
		kt_fd_json_evidence(j, f->evidence[i]);
	kt_json_end_array(j);
	if (f->acceptance) {
		const Kiemtra__V1__Approval *a = f->acceptance;

		kt_json_key(j, "acceptance");
		kt_json_begin_object(j);
		kt_json_kv_int(j, "user_id", a->user_id);
		kt_json_kv_str(j, "username", a->username);
		kt_json_kv_str(j, "full_name", a->full_name);
		kt_json_kv_int(j, "at", a->at);
		json_hex(j, "digest", &a->digest);
		json_hex(j, "signature", &a->signature);
		json_hex(j, "signing_key", &a->signing_key);
		kt_json_end_object(j);
	}
	kt_json_end_object(j);
}

static void print_text(const char *label, const char *text)
{
	printf("%s\n", label);
	printf("  ");
	for (const char *p = text; *p; p++) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line = strndup(p, n);

		if (line) {
			kt_print_safe(stdout, line, false);
			free(line);
		}
		p += n;
		if (!*p)
			break;
		printf("\n  ");
	}
	putchar('\n');
}

static void print_finding(const Kiemtra__V1__Finding *f, const char *code)
{
	char when[64], hex[65];

	kt_cli_field("finding:", "%lld", (long long)f->id);
	kt_cli_field("state:", "%s, version %lld", state_name(f->state), (long long)f->version);
	if (code)
		kt_cli_field("unit:", "%s (id %lld), plan %lld", code, (long long)f->unit_id,
			     (long long)f->plan_id);
	else
		kt_cli_field("unit:", "id %lld, plan %lld", (long long)f->unit_id,
			     (long long)f->plan_id);
	kt_cli_field("area:", "%s", area_name(f->area));
	kt_cli_field("kind:", "%s", kind_name(f->kind));
	kt_format_time(f->created_at, when, sizeof(when));
	kt_cli_field("author:", "%s, %s", f->author, when);
	kt_format_time(f->updated_at, when, sizeof(when));
	kt_cli_field("updated:", "%s (user %lld)", when, (long long)f->updated_by);
	print_text("text:", f->text);
	if (f->cause[0])
		print_text("cause:", f->cause);
	if (f->return_reason[0])
		print_text("returned because:", f->return_reason);
	for (size_t i = 0; i < f->n_evidence; i++) {
		const Kiemtra__V1__EvidenceRef *e = f->evidence[i];

		hex[0] = '\0';
		if (e->sha256.len == 32)
			kt_fd_hex(e->sha256.data, 32, hex);
		kt_cli_field(i ? "" : "evidence:", "%lld  %s  %llu bytes  sha256 %s",
			     (long long)e->id, e->name, (unsigned long long)e->size, hex);
	}
	if (f->acceptance) {
		kt_format_time(f->acceptance->at, when, sizeof(when));
		kt_cli_field("accepted:", "by %s (%s), %s", f->acceptance->username,
			     f->acceptance->full_name, when);
		if (f->acceptance->signing_key.len == 32) {
			kt_fd_hex(f->acceptance->signing_key.data, 32, hex);
			kt_cli_field("signed with:", "%s", hex);
		}
	}
}

/* ---- requests ----------------------------------------------------------------- */

static int get_finding(struct kt_cli *cli, int64_t id, Kiemtra__V1__Response **out)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__FindingGetReq g = KIEMTRA__V1__FINDING_GET_REQ__INIT;
	int rc;

	g.id = id;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_FINDING_GET;
	req.finding_get = &g;
	rc = kt_cli_call(cli, &req, out);
	if (rc == KT_EXIT_OK && !(*out)->finding_get->finding) {
		kt_response_free(*out);
		*out = NULL;
		return kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT",
				   "the server's answer has no finding");
	}
	return rc;
}

/* The code of unit id (one UnitGet); NULL when it cannot be read. The response is kept. */
static const char *fetch_unit_code(struct kt_cli *cli, int64_t id, Kiemtra__V1__Response **keep)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__UnitGetReq g = KIEMTRA__V1__UNIT_GET_REQ__INIT;

	*keep = NULL;
	g.id = id;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_UNIT_GET;
	req.unit_get = &g;
	if (kt_conn_call(cli->conn, &req, keep) != KT_OK || !*keep ||
	    (*keep)->status != KIEMTRA__V1__STATUS__STATUS_OK ||
	    (*keep)->body_case != KIEMTRA__V1__RESPONSE__BODY_UNIT_GET || !(*keep)->unit_get->unit)
		return NULL;
	return (*keep)->unit_get->unit->code;
}

/*
 * Send a change and report a stale version the way people read it. body is
 * the FindingResp of the response on success (*resp kept for the caller).
 */
static int call_change(struct kt_cli *cli, Kiemtra__V1__Request *req, int64_t id, int64_t version,
		       const char *verb, Kiemtra__V1__Response **resp)
{
	int rc = kt_conn_call(cli->conn, req, resp);

	if (rc == KT_OK && (*resp)->status == KIEMTRA__V1__STATUS__STATUS_ABORTED) {
		int64_t now = (*resp)->current_version;

		kt_response_free(*resp);
		*resp = NULL;
		if (now)
			return kt_cli_fail(
			    cli, EXIT_CONFLICT, "ABORTED",
			    "finding %lld changed: you %s version %lld, it is now at "
			    "version %lld; run kiemtra finding show %lld",
			    (long long)id, verb, (long long)version, (long long)now, (long long)id);
		return kt_cli_fail(cli, EXIT_CONFLICT, "ABORTED",
				   "finding %lld changed: you %s version %lld; run kiemtra "
				   "finding show %lld",
				   (long long)id, verb, (long long)version, (long long)id);
	}
	rc = kt_cli_check(cli, rc, (int)req->body_case, resp);
	if (rc == KT_EXIT_OK && !(*resp)->finding_get->finding) {
		kt_response_free(*resp);
		*resp = NULL;
		return kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT",
				   "the server's answer has no finding");
	}
	return rc;
}

static int report_change(struct kt_cli *cli, const Kiemtra__V1__FindingResp *r, const char *what)
{
	struct kt_json *j = kt_cli_json_begin(cli);

	if (j) {
		kt_json_kv_bool(j, "created", r->created);
		json_finding(j, "finding", r->finding, NULL);
		kt_cli_json_end(cli);
	} else {
		printf("finding %lld %s (%s, version %lld)\n", (long long)r->finding->id, what,
		       state_name(r->finding->state), (long long)r->finding->version);
	}
	return KT_EXIT_OK;
}

/*
 * Each --evidence argument: an existing file is uploaded to the plan first;
 * otherwise it must be an evidence id. ids gets the ids (capacity EVIDENCE_MAX).
 */
static int resolve_evidence(struct kt_cli *cli, int64_t plan_id, char **args, size_t n,
			    int64_t *ids)
{
	struct stat st;
	uint64_t from;
	bool dedup;
	int rc;

	for (size_t i = 0; i < n; i++) {
		if (stat(args[i], &st) == 0 && S_ISREG(st.st_mode)) {
			rc = kt_ev_upload(cli, plan_id, args[i], NULL, 0, NULL, &ids[i], &dedup,
					  &from);
			if (rc != KT_EXIT_OK)
				return rc;
			if (!cli->json)
				fprintf(stderr, "kiemtra: %s is evidence %lld%s\n", args[i],
					(long long)ids[i],
					dedup ? " (already on the server)" : " (uploaded)");
			continue;
		}
		rc = parse_id(cli, "--evidence (a file or an evidence id)", args[i], &ids[i]);
		if (rc != KT_EXIT_OK)
			return kt_cli_usage(
			    cli, "--evidence %s: no such file, and not an evidence id", args[i]);
	}
	return KT_EXIT_OK;
}

static bool transport_retryable(int rc)
{
	return rc != KT_OK && rc != KT_ETOOBIG && rc != KT_ELIMIT;
}

/* ---- finding add ---------------------------------------------------------------- */

static int cmd_add(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"area", required_argument, NULL, 'a'},	 {"kind", required_argument, NULL, 'k'},
	    {"text", required_argument, NULL, 't'},	 {"cause", required_argument, NULL, 'c'},
	    {"evidence", required_argument, NULL, 'e'},	 {"submit", no_argument, NULL, 's'},
	    {"client-id", required_argument, NULL, 'i'}, {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__FindingCreateReq cr = KIEMTRA__V1__FINDING_CREATE_REQ__INIT;
	Kiemtra__V1__Response *plan = NULL, *resp = NULL;
	const char *text = NULL, *cause = "", *client_id = NULL;
	char *ev_args[EVIDENCE_MAX], gen_id[40];
	int64_t ev_ids[EVIDENCE_MAX], unit_id;
	size_t n_ev = 0;
	int area = 0, kind = 0, c, rc, trc;
	bool submit = false;
	uint8_t rnd[12];

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if ((area = parse_name(area_names, NAMES(area_names), optarg)) < 0)
				return kt_cli_usage(cli,
						    "--area is one of direction, institutions, "
						    "procedures, apparatus, civil-service, "
						    "public-finance, digital-gov");
			break;
		case 'k':
			if ((kind = parse_name(kind_names, NAMES(kind_names), optarg)) < 0)
				return kt_cli_usage(cli, "--kind is strength or shortcoming");
			break;
		case 't':
			text = optarg;
			break;
		case 'c':
			cause = optarg;
			break;
		case 'e':
			if (n_ev == EVIDENCE_MAX)
				return kt_cli_usage(cli, "at most %d --evidence", EVIDENCE_MAX);
			ev_args[n_ev++] = optarg;
			break;
		case 's':
			submit = true;
			break;
		case 'i':
			client_id = optarg;
			break;
		default:
			return bad_option(cli, c, argv);
		}
	}
	if (argc - optind != 2)
		return kt_cli_usage(cli, "give the plan and the unit");
	if (!area || !kind || !text)
		return kt_cli_usage(cli, "--area, --kind and --text are required");
	if (!text[0] || (rc = check_arg_text(cli, "--text", text, TEXT_MAX, true)) != KT_EXIT_OK)
		return text[0] ? rc : kt_cli_usage(cli, "--text cannot be empty");
	if ((rc = check_arg_text(cli, "--cause", cause, CAUSE_MAX, true)) != KT_EXIT_OK)
		return rc;
	if (client_id && (strlen(client_id) < 8 || strlen(client_id) > CLIENT_ID_MAX ||
			  strspn(client_id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
					    "0123456789._:-") != strlen(client_id)))
		return kt_cli_usage(cli,
				    "--client-id is 8 to 64 characters of A-Z a-z 0-9 . _ : -");
	if (!client_id) {
		randombytes_buf(rnd, sizeof(rnd));
		memcpy(gen_id, "cli-", 4);
		kt_fd_hex(rnd, sizeof(rnd), gen_id + 4);
		client_id = gen_id;
	}
	rc = kt_plan_resolve(cli, argv[optind], &plan);
	if (rc != KT_EXIT_OK)
		goto out;
	/* A unit outside the caller's view of the plan: the server says what is wrong. */
	rc = kt_wf_unit_id(cli, plan->plan_get, argv[optind + 1], &unit_id);
	if (rc != KT_EXIT_OK)
		goto out;
	rc = resolve_evidence(cli, plan->plan_get->plan->id, ev_args, n_ev, ev_ids);
	if (rc != KT_EXIT_OK)
		goto out;
	cr.client_id = (char *)client_id;
	cr.plan_id = plan->plan_get->plan->id;
	cr.unit_id = unit_id;
	cr.area = (Kiemtra__V1__Area)area;
	cr.kind = (Kiemtra__V1__FindingKind)kind;
	cr.text = (char *)text;
	cr.cause = (char *)cause;
	cr.evidence_ids = ev_ids;
	cr.n_evidence_ids = n_ev;
	cr.submit = submit;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_FINDING_CREATE;
	req.finding_create = &cr;
	trc = kt_conn_call(cli->conn, &req, &resp);
	if (transport_retryable(trc)) {
		/* The answer may be lost after the server created it: the same id finds it. */
		fprintf(stderr, "kiemtra: %s; retrying once with client id %s\n",
			kt_conn_strerror(cli->conn), client_id);
		kt_response_free(resp);
		resp = NULL;
		kt_conn_close(cli->conn);
		cli->conn = NULL;
		rc = kt_cli_open_session(cli);
		if (rc != KT_EXIT_OK)
			goto out;
		trc = kt_conn_call(cli->conn, &req, &resp);
	}
	rc = kt_cli_check(cli, trc, KIEMTRA__V1__RESPONSE__BODY_FINDING_CREATE, &resp);
	if (rc != KT_EXIT_OK)
		goto out;
	if (!resp->finding_create->finding) {
		rc = kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT",
				 "the server's answer has no finding");
		goto out;
	}
	if (!cli->json && !resp->finding_create->created)
		fprintf(stderr,
			"kiemtra: client id %s was used before: this is that finding, "
			"unchanged\n",
			client_id);
	rc = report_change(cli, resp->finding_create,
			   resp->finding_create->created ? "created" : "exists");
out:
	kt_response_free(plan);
	kt_response_free(resp);
	return rc;
}

/* ---- finding edit --------------------------------------------------------------- */

static int cmd_edit(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"version", required_argument, NULL, 'v'},
	    {"based-on", required_argument, NULL, 'v'},
	    {"area", required_argument, NULL, 'a'},
	    {"kind", required_argument, NULL, 'k'},
	    {"text", required_argument, NULL, 't'},
	    {"cause", required_argument, NULL, 'c'},
	    {"evidence", required_argument, NULL, 'e'},
	    {"remove-evidence", required_argument, NULL, 'r'},
	    {"submit", no_argument, NULL, 's'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__FindingUpdateReq ur = KIEMTRA__V1__FINDING_UPDATE_REQ__INIT;
	Kiemtra__V1__Response *cur = NULL, *resp = NULL;
	const char *text = NULL, *cause = NULL;
	char *ev_args[EVIDENCE_MAX];
	int64_t add_ids[EVIDENCE_MAX], drop[EVIDENCE_MAX], ids[2 * EVIDENCE_MAX], id = 0,
										  version = 0;
	size_t n_ev = 0, n_drop = 0, n = 0;
	int area = 0, kind = 0, c, rc;
	bool submit = false;
	Kiemtra__V1__Finding *f;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			if ((rc = parse_id(cli, "--version", optarg, &version)) != KT_EXIT_OK)
				return rc;
			break;
		case 'a':
			if ((area = parse_name(area_names, NAMES(area_names), optarg)) < 0)
				return kt_cli_usage(cli,
						    "--area is one of direction, institutions, "
						    "procedures, apparatus, civil-service, "
						    "public-finance, digital-gov");
			break;
		case 'k':
			if ((kind = parse_name(kind_names, NAMES(kind_names), optarg)) < 0)
				return kt_cli_usage(cli, "--kind is strength or shortcoming");
			break;
		case 't':
			text = optarg;
			break;
		case 'c':
			cause = optarg;
			break;
		case 'e':
			if (n_ev == EVIDENCE_MAX)
				return kt_cli_usage(cli, "at most %d --evidence", EVIDENCE_MAX);
			ev_args[n_ev++] = optarg;
			break;
		case 'r':
			if (n_drop == EVIDENCE_MAX)
				return kt_cli_usage(cli, "at most %d --remove-evidence",
						    EVIDENCE_MAX);
			if ((rc = parse_id(cli, "--remove-evidence", optarg, &drop[n_drop])) !=
			    KT_EXIT_OK)
				return rc;
			n_drop++;
			break;
		case 's':
			submit = true;
			break;
		default:
			return bad_option(cli, c, argv);
		}
	}
	if ((rc = change_id(cli, argc, argv, &id)) != KT_EXIT_OK)
		return rc;
	if (!version)
		return kt_cli_usage(cli, "--version V is required: the version you are editing "
					 "(kiemtra finding show ID tells it)");
	if (text && (!text[0] || check_arg_text(cli, "--text", text, TEXT_MAX, true)))
		return kt_cli_usage(cli, "--text must be non-empty text of at most %d bytes",
				    TEXT_MAX);
	if (cause && (rc = check_arg_text(cli, "--cause", cause, CAUSE_MAX, true)) != KT_EXIT_OK)
		return rc;
	/* The server replaces cause and evidence: start from what the finding has. */
	rc = get_finding(cli, id, &cur);
	if (rc != KT_EXIT_OK)
		goto out;
	f = cur->finding_get->finding;
	for (size_t i = 0; i < f->n_evidence; i++) {
		bool dropped = false;

		for (size_t k = 0; k < n_drop; k++)
			dropped = dropped || drop[k] == f->evidence[i]->id;
		if (!dropped)
			ids[n++] = f->evidence[i]->id;
	}
	rc = resolve_evidence(cli, f->plan_id, ev_args, n_ev, add_ids);
	if (rc != KT_EXIT_OK)
		goto out;
	for (size_t i = 0; i < n_ev; i++) {
		bool have = false;

		for (size_t k = 0; k < n; k++)
			have = have || ids[k] == add_ids[i];
		if (!have)
			ids[n++] = add_ids[i];
	}
	ur.id = id;
	ur.version = version;
	ur.area = (Kiemtra__V1__Area)area;
	ur.kind = (Kiemtra__V1__FindingKind)kind;
	ur.text = (char *)(text ? text : "");
	ur.cause = (char *)(cause ? cause : f->cause);
	ur.evidence_ids = ids;
	ur.n_evidence_ids = n;
	ur.submit = submit;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_FINDING_UPDATE;
	req.finding_update = &ur;
	rc = call_change(cli, &req, id, version, "edited", &resp);
	if (rc != KT_EXIT_OK)
		goto out;
	rc = report_change(cli, resp->finding_update, submit ? "edited and submitted" : "edited");
out:
	kt_response_free(cur);
	kt_response_free(resp);
	return rc;
}

/* ---- finding submit / accept / return ------------------------------------------ */

static int cmd_submit(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"version", required_argument, NULL, 'v'},
	    {"based-on", required_argument, NULL, 'v'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__FindingSubmitReq sr = KIEMTRA__V1__FINDING_SUBMIT_REQ__INIT;
	Kiemtra__V1__Response *resp = NULL;
	int64_t id = 0, version = 0;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c != 'v')
			return bad_option(cli, c, argv);
		if ((rc = parse_id(cli, "--version", optarg, &version)) != KT_EXIT_OK)
			return rc;
	}
	if ((rc = change_id(cli, argc, argv, &id)) != KT_EXIT_OK)
		return rc;
	if (!version)
		return kt_cli_usage(cli, "--version V is required: the version you are submitting");
	sr.id = id;
	sr.version = version;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_FINDING_SUBMIT;
	req.finding_submit = &sr;
	rc = call_change(cli, &req, id, version, "submitted", &resp);
	if (rc == KT_EXIT_OK)
		rc = report_change(cli, resp->finding_submit, "submitted");
	kt_response_free(resp);
	return rc;
}

/* The acceptance digest of f as fetched: evidence sorted by id, with its SHA-256. */
static int finding_digest(struct kt_cli *cli, const Kiemtra__V1__Finding *f, uint8_t out[32])
{
	struct kt_digest_evidence ev[EVIDENCE_MAX];

	if (f->n_evidence > EVIDENCE_MAX)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR",
				   "the finding has too many evidence "
				   "files to sign");
	for (size_t i = 0; i < f->n_evidence; i++) {
		if (f->evidence[i]->sha256.len != 32)
			return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR",
					   "evidence %lld has no SHA-256 in the server's answer",
					   (long long)f->evidence[i]->id);
		ev[i].id = f->evidence[i]->id;
		ev[i].sha256 = f->evidence[i]->sha256.data;
	}
	kt_sort_evidence(ev, f->n_evidence);
	kt_digest_finding_accept(f->plan_id, f->id, f->unit_id, f->area, f->kind, f->text, f->cause,
				 f->n_evidence, ev, out);
	return KT_EXIT_OK;
}

static int review(struct kt_cli *cli, int argc, char **argv, bool accept)
{
	static const struct option opts[] = {
	    {"version", required_argument, NULL, 'v'},
	    {"based-on", required_argument, NULL, 'v'},
	    {"reason", required_argument, NULL, 'r'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__FindingReviewReq rr = KIEMTRA__V1__FINDING_REVIEW_REQ__INIT;
	Kiemtra__V1__Response *cur = NULL, *resp = NULL;
	const char *reason = NULL;
	uint8_t digest[32], sig[64];
	int64_t id = 0, version = 0;
	Kiemtra__V1__Finding *f;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == 'v') {
			if ((rc = parse_id(cli, "--version", optarg, &version)) != KT_EXIT_OK)
				return rc;
		} else if (c == 'r' && !accept) {
			reason = optarg;
		} else {
			return bad_option(cli, c, argv);
		}
	}
	if ((rc = change_id(cli, argc, argv, &id)) != KT_EXIT_OK)
		return rc;
	if (!accept && (!reason || !reason[0]))
		return kt_cli_usage(cli, "--reason TEXT is required: tell the authors what to fix");
	if (reason &&
	    (rc = check_arg_text(cli, "--reason", reason, REASON_MAX, true)) != KT_EXIT_OK)
		return rc;
	rc = get_finding(cli, id, &cur);
	if (rc != KT_EXIT_OK)
		goto out;
	f = cur->finding_get->finding;
	if (!version)
		version = f->version;
	rr.id = id;
	rr.version = version;
	rr.accept = accept;
	if (accept) {
		if (version != f->version) {
			rc = kt_cli_fail(
			    cli, EXIT_CONFLICT, "ABORTED",
			    "finding %lld changed: you reviewed version %lld, it is now "
			    "at version %lld; run kiemtra finding show %lld",
			    (long long)id, (long long)version, (long long)f->version,
			    (long long)id);
			goto out;
		}
		if ((rc = finding_digest(cli, f, digest)) != KT_EXIT_OK ||
		    (rc = kt_cli_sign(cli, digest, sig)) != KT_EXIT_OK)
			goto out;
		rr.signature.data = sig;
		rr.signature.len = sizeof(sig);
	} else {
		rr.reason = (char *)reason;
	}
	req.body_case = KIEMTRA__V1__REQUEST__BODY_FINDING_REVIEW;
	req.finding_review = &rr;
	rc = call_change(cli, &req, id, version, "reviewed", &resp);
	if (rc == KT_EXIT_OK)
		rc = report_change(cli, resp->finding_review, accept ? "accepted" : "returned");
out:
	sodium_memzero(sig, sizeof(sig));
	kt_response_free(cur);
	kt_response_free(resp);
	return rc;
}

static int cmd_accept(struct kt_cli *cli, int argc, char **argv)
{
	return review(cli, argc, argv, true);
}

static int cmd_return(struct kt_cli *cli, int argc, char **argv)
{
	return review(cli, argc, argv, false);
}

/* ---- finding show / list / history ------------------------------------------------ */

static int one_id_arg(struct kt_cli *cli, int argc, char **argv, int64_t *id)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1)
		return bad_option(cli, c, argv);
	if (argc - optind != 1)
		return kt_cli_usage(cli, "give the finding id");
	return parse_id(cli, "the finding id", argv[optind], id);
}

static int cmd_show(struct kt_cli *cli, int argc, char **argv)
{
	Kiemtra__V1__Response *resp = NULL, *unit = NULL;
	const char *code;
	struct kt_json *j;
	int64_t id = 0;
	int rc;

	if ((rc = one_id_arg(cli, argc, argv, &id)) != KT_EXIT_OK)
		return rc;
	rc = get_finding(cli, id, &resp);
	if (rc != KT_EXIT_OK)
		return rc;
	code = fetch_unit_code(cli, resp->finding_get->finding->unit_id, &unit);
	j = kt_cli_json_begin(cli);
	if (j) {
		json_finding(j, "finding", resp->finding_get->finding, code);
		kt_cli_json_end(cli);
	} else {
		print_finding(resp->finding_get->finding, code);
	}
	kt_response_free(unit);
	kt_response_free(resp);
	return KT_EXIT_OK;
}

/* The first line of text, cut to about max columns. */
static void excerpt(const char *text, char *out, size_t cap, size_t max)
{
	size_t n = strcspn(text, "\r\n"), cols = 0, i = 0;

	while (i < n && i + 4 < cap) {
		uint32_t cp;
		size_t l = kt_utf8_decode((const unsigned char *)text + i, n - i, &cp);

		if (l == 0)
			l = 1;
		if (cols + 1 > max) {
			memcpy(out + i, "…", 3);
			i += 3;
			goto done;
		}
		if (i + l + 4 >= cap)
			break;
		memcpy(out + i, text + i, l);
		cols += (size_t)kt_codepoint_width(cp);
		i += l;
	}
done:
	out[i] = '\0';
}

static int cmd_list(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"unit", required_argument, NULL, 'u'},
	    {"state", required_argument, NULL, 's'},
	    {"area", required_argument, NULL, 'a'},
	    {"limit", required_argument, NULL, 'l'},
	    {NULL, 0, NULL, 0},
	};
	static const char *const head[] = {"ID",    "UNIT", "AREA",   "KIND",
					   "STATE", "VER",  "AUTHOR", "TEXT"};
	Kiemtra__V1__Response *plan = NULL, **pages = NULL, **np;
	const char *unit_arg = NULL;
	int64_t unit_id = 0, after = 0;
	unsigned long long limit = 0;
	size_t npages = 0, total = 0;
	int state = 0, area = 0, c, rc;
	struct kt_table t = {0};
	struct kt_json *j;
	bool more = false;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			unit_arg = optarg;
			break;
		case 's':
			if ((state = parse_name(state_names, NAMES(state_names), optarg)) < 0)
				return kt_cli_usage(cli, "--state is draft, submitted, accepted or "
							 "returned");
			break;
		case 'a':
			if ((area = parse_name(area_names, NAMES(area_names), optarg)) < 0)
				return kt_cli_usage(cli,
						    "--area is one of direction, institutions, "
						    "procedures, apparatus, civil-service, "
						    "public-finance, digital-gov");
			break;
		case 'l':
			if (kt_parse_uint(optarg, 1, 1000000, &limit) != KT_OK)
				return kt_cli_usage(cli,
						    "--limit wants a number from 1 to 1000000");
			break;
		default:
			return bad_option(cli, c, argv);
		}
	}
	if (argc - optind != 1)
		return kt_cli_usage(cli, "give the plan");
	rc = kt_plan_resolve(cli, argv[optind], &plan);
	if (rc != KT_EXIT_OK)
		return rc;
	if (unit_arg && (rc = kt_wf_unit_id(cli, plan->plan_get, unit_arg, &unit_id)) !=
				KT_EXIT_OK)
		goto out;
	for (;;) {
		Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
		Kiemtra__V1__FindingListReq lr = KIEMTRA__V1__FINDING_LIST_REQ__INIT;
		Kiemtra__V1__Response *resp = NULL;
		Kiemtra__V1__FindingListResp *page;

		lr.plan_id = plan->plan_get->plan->id;
		lr.unit_id = unit_id;
		lr.state = (Kiemtra__V1__FindingState)state;
		lr.area = (Kiemtra__V1__Area)area;
		lr.after_id = after;
		lr.limit = LIST_PAGE;
		req.body_case = KIEMTRA__V1__REQUEST__BODY_FINDING_LIST;
		req.finding_list = &lr;
		rc = kt_cli_call(cli, &req, &resp);
		if (rc != KT_EXIT_OK)
			goto out;
		np = realloc(pages, (npages + 1) * sizeof(*np));
		if (!np) {
			kt_response_free(resp);
			rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
			goto out;
		}
		pages = np;
		pages[npages++] = resp;
		page = resp->finding_list;
		total += page->n_findings;
		more = page->more;
		if (!page->more || page->n_findings == 0 || (limit && total >= limit))
			break;
		after = page->findings[page->n_findings - 1]->id;
	}
	if (limit && total > limit) {
		more = true;
		total = (size_t)limit;
	}
	j = kt_cli_json_begin(cli);
	if (j) {
		size_t shown = 0;

		kt_json_kv_int(j, "plan_id", plan->plan_get->plan->id);
		kt_json_kv_str(j, "plan", plan->plan_get->plan->number);
		kt_json_key(j, "findings");
		kt_json_begin_array(j);
		for (size_t p = 0; p < npages; p++) {
			Kiemtra__V1__FindingListResp *page = pages[p]->finding_list;

			for (size_t i = 0; i < page->n_findings && shown < total; i++, shown++) {
				const Kiemtra__V1__Finding *f = page->findings[i];
				struct kt_json *jj = j;

				/* json_finding writes "key": {...}; inside an array, no key. */
				kt_json_begin_object(jj);
				kt_json_kv_int(jj, "id", f->id);
				kt_json_kv_int(jj, "version", f->version);
				kt_json_kv_str(jj, "state", state_name(f->state));
				kt_json_kv_int(jj, "unit_id", f->unit_id);
				kt_json_kv_str(jj, "unit_code",
					       unit_code(plan->plan_get, f->unit_id)
						   ? unit_code(plan->plan_get, f->unit_id)
						   : "");
				kt_json_kv_str(jj, "area", area_name(f->area));
				kt_json_kv_str(jj, "kind", kind_name(f->kind));
				kt_json_kv_str(jj, "author", f->author);
				kt_json_kv_str(jj, "client_id", f->client_id);
				kt_json_kv_str(jj, "text", f->text);
				kt_json_kv_str(jj, "cause", f->cause);
				kt_json_kv_int(jj, "evidence", (int64_t)f->n_evidence);
				kt_json_kv_int(jj, "updated_at", f->updated_at);
				kt_json_end_object(jj);
			}
		}
		kt_json_end_array(j);
		kt_json_kv_uint(j, "count", total);
		kt_json_kv_bool(j, "more", more);
		kt_cli_json_end(cli);
		rc = KT_EXIT_OK;
		goto out;
	}
	if (total == 0) {
		puts("no findings");
		rc = KT_EXIT_OK;
		goto out;
	}
	if (kt_table_init(&t, 8, head) != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
		goto out;
	}
	for (size_t p = 0, shown = 0; p < npages; p++) {
		Kiemtra__V1__FindingListResp *page = pages[p]->finding_list;

		for (size_t i = 0; i < page->n_findings && shown < total; i++, shown++) {
			const Kiemtra__V1__Finding *f = page->findings[i];
			char idb[24], ver[24], txt[256];
			const char *code = unit_code(plan->plan_get, f->unit_id);
			const char *cells[8];

			snprintf(idb, sizeof(idb), "%lld", (long long)f->id);
			snprintf(ver, sizeof(ver), "%lld", (long long)f->version);
			excerpt(f->text, txt, sizeof(txt), 48);
			cells[0] = idb;
			cells[1] = code ? code : "?";
			cells[2] = area_name(f->area);
			cells[3] = kind_name(f->kind);
			cells[4] = state_name(f->state);
			cells[5] = ver;
			cells[6] = f->author;
			cells[7] = txt;
			kt_table_add(&t, cells);
		}
	}
	if (kt_table_print(&t, stdout) != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
		goto out;
	}
	if (more)
		fprintf(stderr, "kiemtra: more findings follow; raise --limit to see them\n");
	rc = KT_EXIT_OK;
out:
	kt_table_free(&t);
	for (size_t p = 0; p < npages; p++)
		kt_response_free(pages[p]);
	free(pages);
	kt_response_free(plan);
	return rc;
}

static int cmd_history(struct kt_cli *cli, int argc, char **argv)
{
	Kiemtra__V1__Response **pages = NULL, **np;
	int64_t id = 0, after = 0;
	size_t npages = 0, total = 0;
	struct kt_json *j;
	int rc;

	if ((rc = one_id_arg(cli, argc, argv, &id)) != KT_EXIT_OK)
		return rc;
	for (;;) {
		Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
		Kiemtra__V1__FindingHistoryReq hr = KIEMTRA__V1__FINDING_HISTORY_REQ__INIT;
		Kiemtra__V1__Response *resp = NULL;
		Kiemtra__V1__FindingHistoryResp *page;

		hr.id = id;
		hr.after_version = after;
		req.body_case = KIEMTRA__V1__REQUEST__BODY_FINDING_HISTORY;
		req.finding_history = &hr;
		rc = kt_cli_call(cli, &req, &resp);
		if (rc != KT_EXIT_OK)
			goto out;
		np = realloc(pages, (npages + 1) * sizeof(*np));
		if (!np) {
			kt_response_free(resp);
			rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
			goto out;
		}
		pages = np;
		pages[npages++] = resp;
		page = resp->finding_history;
		total += page->n_revisions;
		if (!page->more || page->n_revisions == 0 ||
		    page->revisions[page->n_revisions - 1]->version <= after)
			break;
		after = page->revisions[page->n_revisions - 1]->version;
	}
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_kv_int(j, "finding_id", id);
		kt_json_key(j, "revisions");
		kt_json_begin_array(j);
	}
	for (size_t p = 0; p < npages; p++) {
		Kiemtra__V1__FindingHistoryResp *page = pages[p]->finding_history;

		for (size_t i = 0; i < page->n_revisions; i++) {
			const Kiemtra__V1__FindingRevision *r = page->revisions[i];
			char when[64];

			if (j) {
				kt_json_begin_object(j);
				kt_json_kv_int(j, "version", r->version);
				kt_json_kv_str(j, "state", state_name(r->state));
				kt_json_kv_str(j, "area", area_name(r->area));
				kt_json_kv_str(j, "kind", kind_name(r->kind));
				kt_json_kv_str(j, "text", r->text);
				kt_json_kv_str(j, "cause", r->cause);
				kt_json_kv_str(j, "reason", r->reason);
				kt_json_kv_int(j, "by", r->by);
				kt_json_kv_str(j, "by_name", r->by_name);
				kt_json_kv_int(j, "at", r->at);
				kt_json_key(j, "evidence_ids");
				kt_json_begin_array(j);
				for (size_t k = 0; k < r->n_evidence_ids; k++)
					kt_json_int(j, r->evidence_ids[k]);
				kt_json_end_array(j);
				kt_json_end_object(j);
				continue;
			}
			kt_format_time(r->at, when, sizeof(when));
			printf("version %lld  %s  %s  by ", (long long)r->version,
			       state_name(r->state), when);
			kt_print_safe(stdout, r->by_name, false);
			printf("  (%s, %s", area_name(r->area), kind_name(r->kind));
			for (size_t k = 0; k < r->n_evidence_ids; k++)
				printf("%s%lld", k ? "," : "; evidence ",
				       (long long)r->evidence_ids[k]);
			printf(")\n");
			print_text("  text:", r->text);
			if (r->cause[0])
				print_text("  cause:", r->cause);
			if (r->reason[0])
				print_text("  reason:", r->reason);
		}
	}
	if (j) {
		kt_json_end_array(j);
		kt_json_kv_uint(j, "count", total);
		kt_cli_json_end(cli);
	} else if (total == 0) {
		puts("no revisions you may see");
	}
	rc = KT_EXIT_OK;
out:
	for (size_t p = 0; p < npages; p++)
		kt_response_free(pages[p]);
	free(pages);
	return rc;
}

/* clang-format off */
const struct kt_command kt_cmds_findings[] = {
	{"finding add", cmd_add, KT_CMD_SESSION,
	 "finding add PLAN UNIT --area A --kind K --text TEXT [--cause TEXT] "
	 "[--evidence FILE|ID]... [--submit] [--client-id ID]",
	 "record a finding (a strength or a shortcoming) of a unit",
	 "PLAN is a plan id or number (\"06/KH-UBND\", or \"06/KH-UBND@2022\"); UNIT is the\n"
	 "code of one of its units. --area: direction, institutions, procedures, apparatus,\n"
	 "civil-service, public-finance or digital-gov. --kind: strength or shortcoming.\n"
	 "--text (at most 16 KiB) is required; --cause (at most 8 KiB) says why a shortcoming\n"
	 "exists. --evidence FILE uploads the file to the plan first (resuming an interrupted\n"
	 "upload, reusing content already there); --evidence ID attaches uploaded evidence.\n"
	 "The finding starts as a draft; --submit sends it to the leader at once.\n"
	 "--client-id ID (8..64 of A-Z a-z 0-9 . _ : -) makes the command safe to repeat: the\n"
	 "same id returns the finding it created before instead of a second one. Without it\n"
	 "a random id is used, and a connection lost before the answer is retried once with it.\n"
	 "You must be on the plan's team and assigned to the unit (leaders and deputies: any\n"
	 "unit)."},
	{"finding edit", cmd_edit, KT_CMD_SESSION,
	 "finding edit ID --version V [--text T] [--cause T] [--area A] [--kind K] "
	 "[--evidence FILE|ID]... [--remove-evidence ID]... [--submit]",
	 "change a draft or returned finding",
	 "--version V is the version you read and are changing (kiemtra finding show ID);\n"
	 "write it --version=V or --based-on V (a bare --version prints the program's version).\n"
	 "Options left out keep their current value; --evidence adds, --remove-evidence removes.\n"
	 "When someone else changed the finding since version V, nothing is overwritten: the\n"
	 "command says which version it is at now and exits 20; read it again and redo the edit.\n"
	 "A returned finding goes back to draft (or, with --submit, straight to the leader).\n"
	 "Any team member who may write on the finding's unit may edit it. Accepted findings\n"
	 "are frozen."},
	{"finding submit", cmd_submit, KT_CMD_SESSION, "finding submit ID --version V",
	 "send a draft or returned finding to the leader for review",
	 "A stale --version is refused (exit 20) like an edit."},
	{"finding accept", cmd_accept, KT_CMD_SESSION, "finding accept ID [--version V]",
	 "accept a submitted finding, signing it (leader or deputy)",
	 "Fetches the finding, computes its acceptance digest (plan, finding, unit, area, kind,\n"
	 "text, cause and each evidence's id and SHA-256) and signs it with this installation's\n"
	 "signing key (registered at login). The server recomputes the digest from what it has\n"
	 "stored and verifies the signature, so the acceptance proves exactly what was accepted.\n"
	 "--version V insists on that version (exit 20 when the finding is at another one)."},
	{"finding return", cmd_return, KT_CMD_SESSION,
	 "finding return ID --reason TEXT [--version V]",
	 "return a submitted finding to its authors with a reason (leader or deputy)", NULL},
	{"finding show", cmd_show, KT_CMD_SESSION, "finding show ID",
	 "show one finding with its evidence and acceptance", NULL},
	{"finding list", cmd_list, KT_CMD_SESSION,
	 "finding list PLAN [--unit CODE] [--state S] [--area A] [--limit N]",
	 "list the findings of a plan that you may see",
	 "--state: draft, submitted, accepted or returned. The team sees every finding;\n"
	 "observers and the approving authority see submitted and accepted ones; a unit's\n"
	 "representative sees only accepted findings of their own unit."},
	{"finding history", cmd_history, KT_CMD_SESSION, "finding history ID",
	 "show every revision of a finding: who changed what, when", NULL},
};
/* clang-format on */
const size_t kt_ncmds_findings = sizeof(kt_cmds_findings) / sizeof(kt_cmds_findings[0]);
