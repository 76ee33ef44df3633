/*
 * cmd_records.c - kiemtra watch, kiemtra report, kiemtra signing-keys.
 *
 * watch streams the updates the server pushes after a WatchReq, one line (or
 * one JSON object) per update, until Ctrl-C, a Goodbye, --count updates or
 * --seconds. report prints a plan's figures as sentences and tables, or as
 * JSON, CSV (one table, RFC 4180) or Markdown. signing-keys lists the public
 * signing keys of a plan's team and authority (or of given user ids), for
 * checking approvals offline.
 *
 * A plan is named by its id (12 or #12) or by its number ("06/KH-UBND"), which
 * one PlanGetReq resolves. Every response is freed before the handler returns.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "client/cli.h"
#include "client/util.h"
#include "common/date.h"
#include "common/status.h"
#include "common/text.h"

#define PLAN_ARG_MAX 128
#define LABEL_MAX 80
#define WATCH_POLL_MS 500 /* longest wait before looking at Ctrl-C and --seconds again */
#define KEYS_MAX_IDS 256  /* SigningKeysReq: users per request (server limit) */

/* ---- names ------------------------------------------------------------------------ */

static const char *const area_ids[] = {
    "none",	 "direction",	  "institutions",   "procedures",
    "apparatus", "civil-service", "public-finance", "digital-gov",
};
static const char *const area_vn[] = {
    "",
    "Chỉ đạo, điều hành CCHC",
    "Cải cách thể chế",
    "Cải cách thủ tục hành chính",
    "Cải cách tổ chức bộ máy",
    "Cải cách chế độ công vụ",
    "Cải cách tài chính công",
    "Chính quyền điện tử, chính quyền số",
};
#define NAREAS ((int)(sizeof(area_ids) / sizeof(area_ids[0])))

static const char *const outcome_ids[] = {
    "none", "no-action", "reminder", "criticism", "reprimand", "lowered-rating", "warning",
};
static const char *const outcome_words[] = {
    "", "no action", "reminder", "criticism", "reprimand", "lowered rating", "warning",
};
#define NOUTCOMES ((int)(sizeof(outcome_ids) / sizeof(outcome_ids[0])))

static const char *area_id(int a)
{
	return a > 0 && a < NAREAS ? area_ids[a] : "unknown";
}

static const char *outcome_id(int o)
{
	return o > 0 && o < NOUTCOMES ? outcome_ids[o] : "unknown";
}

static const char *outcome_word(int o)
{
	return o > 0 && o < NOUTCOMES ? outcome_words[o] : "unknown outcome";
}

/* "11/01/2022" for "2022-01-11"; the text as it is when it is not a date. */
static void vn_date(const char *iso, char out[KT_DATE_SIZE + 8])
{
	if (kt_date_format_vn(iso, out, KT_DATE_SIZE + 8) != 0)
		snprintf(out, KT_DATE_SIZE + 8, "%s", iso && iso[0] ? iso : "-");
}

static int bad_option(struct kt_cli *cli, int c, char **argv)
{
	if (c == ':')
		return kt_cli_usage(cli, "%s needs a value", argv[optind - 1]);
	return kt_cli_usage(cli, "unknown option %s", argv[optind - 1]);
}

/* ---- plans by id or number ---------------------------------------------------------- */

static int plan_get(struct kt_cli *cli, int64_t id, const char *number,
		    Kiemtra__V1__Response **resp)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__PlanGetReq g = KIEMTRA__V1__PLAN_GET_REQ__INIT;
	int rc;

	g.id = id;
	if (number)
		g.number = (char *)number;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_PLAN_GET;
	req.plan_get = &g;
	rc = kt_cli_call(cli, &req, resp);
	if (rc == KT_EXIT_OK && !(*resp)->plan_get->plan) {
		kt_response_free(*resp);
		*resp = NULL;
		return kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT",
				   "the server's answer has no plan");
	}
	return rc;
}

/* A plan's id from ID, #ID or its number ("06/KH-UBND", asked of the server). */
static int plan_id_arg(struct kt_cli *cli, const char *arg, int64_t *id)
{
	Kiemtra__V1__Response *resp = NULL;
	const char *digits = arg[0] == '#' ? arg + 1 : arg;
	unsigned long long v;
	int rc;

	if (kt_text_check(arg, strlen(arg), PLAN_ARG_MAX, KT_TEXT_NONEMPTY) != KT_OK)
		return kt_cli_usage(cli,
				    "a plan is named by its id or its number, e.g. 06/KH-UBND");
	if (kt_parse_uint(digits, 1, INT64_MAX, &v) == KT_OK) {
		*id = (int64_t)v;
		return KT_EXIT_OK;
	}
	if (arg[0] == '#')
		return kt_cli_usage(cli, "'%s' is not #ID (a plan id after '#')", arg);
	rc = plan_get(cli, 0, arg, &resp);
	if (rc == KT_EXIT_OK)
		*id = resp->plan_get->plan->id;
	kt_response_free(resp);
	return rc;
}

/* ---- watch ----------------------------------------------------------------------------- */

static const char *update_kind_name(int kind)
{
	static const char *const names[] = {
	    "update", "finding", "conclusion", "recommendation", "review", "plan",
	};

	return kind > 0 && kind < (int)(sizeof(names) / sizeof(names[0])) ? names[kind] : "update";
}

/* The name of a record's state; each UpdateKind has its own state enum. */
static const char *update_state_name(int kind, int state)
{
	static const char *const finding[] = {"", "draft", "submitted", "accepted", "returned"};
	static const char *const conclusion[] = {"", "draft", "approved", "superseded"};
	static const char *const recommendation[] = {"", "open", "answered", "done", "returned"};
	static const char *const review[] = {"", "draft", "in sign-off", "approved"};
	static const char *const plan[] = {"", "active", "closed"};
	const char *const *names;
	int n;

	switch (kind) {
	case KIEMTRA__V1__UPDATE_KIND__UPDATE_FINDING:
		names = finding, n = 5;
		break;
	case KIEMTRA__V1__UPDATE_KIND__UPDATE_CONCLUSION:
		names = conclusion, n = 4;
		break;
	case KIEMTRA__V1__UPDATE_KIND__UPDATE_RECOMMENDATION:
		names = recommendation, n = 5;
		break;
	case KIEMTRA__V1__UPDATE_KIND__UPDATE_REVIEW:
		names = review, n = 4;
		break;
	case KIEMTRA__V1__UPDATE_KIND__UPDATE_PLAN:
		names = plan, n = 3;
		break;
	default:
		return "";
	}
	return state > 0 && state < n ? names[state] : "";
}

struct label {
	int64_t id;
	char text[LABEL_MAX];
};

struct labels {
	struct label *v;
	size_t n, cap;
};

static const char *label_find(const struct labels *l, int64_t id)
{
	for (size_t i = 0; i < l->n; i++)
		if (l->v[i].id == id)
			return l->v[i].text;
	return NULL;
}

/* Remember text for id (an allocation failure only loses the label). */
static void label_put(struct labels *l, int64_t id, const char *text)
{
	if (label_find(l, id))
		return;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 32;
		struct label *nv = realloc(l->v, ncap * sizeof(*nv));

		if (!nv)
			return;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n].id = id;
	snprintf(l->v[l->n].text, sizeof(l->v[l->n].text), "%s", text);
	l->n++;
}

struct watch {
	struct kt_cli *cli;
	struct labels plans, units;
	unsigned long long updates;
};

/*
 * Labels for an update's plan (its number) and unit (its code), asked of the
 * server the first time each is seen; "#ID" when the server does not say.
 * Lookups go straight to the connection: a refusal here is not the command's
 * failure. Events arriving meanwhile stay queued.
 */
static void learn_plan(struct watch *w, int64_t plan_id)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__PlanGetReq g = KIEMTRA__V1__PLAN_GET_REQ__INIT;
	Kiemtra__V1__Response *resp = NULL;
	char id[32];

	g.id = plan_id;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_PLAN_GET;
	req.plan_get = &g;
	if (kt_conn_call(w->cli->conn, &req, &resp) == KT_OK &&
	    resp->status == KIEMTRA__V1__STATUS__STATUS_OK &&
	    resp->body_case == KIEMTRA__V1__RESPONSE__BODY_PLAN_GET && resp->plan_get->plan) {
		const Kiemtra__V1__PlanGetResp *p = resp->plan_get;

		label_put(&w->plans, plan_id, p->plan->number);
		for (size_t i = 0; i < p->n_units; i++)
			label_put(&w->units, p->units[i]->id, p->units[i]->code);
	}
	kt_response_free(resp);
	snprintf(id, sizeof(id), "#%lld", (long long)plan_id);
	label_put(&w->plans, plan_id, id);
}

static void learn_unit(struct watch *w, int64_t unit_id)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__UnitGetReq g = KIEMTRA__V1__UNIT_GET_REQ__INIT;
	Kiemtra__V1__Response *resp = NULL;
	char id[32];

	g.id = unit_id;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_UNIT_GET;
	req.unit_get = &g;
	if (kt_conn_call(w->cli->conn, &req, &resp) == KT_OK &&
	    resp->status == KIEMTRA__V1__STATUS__STATUS_OK &&
	    resp->body_case == KIEMTRA__V1__RESPONSE__BODY_UNIT_GET && resp->unit_get->unit)
		label_put(&w->units, unit_id, resp->unit_get->unit->code);
	kt_response_free(resp);
	snprintf(id, sizeof(id), "#%lld", (long long)unit_id);
	label_put(&w->units, unit_id, id);
}

static const char *plan_label(struct watch *w, int64_t plan_id)
{
	if (!label_find(&w->plans, plan_id))
		learn_plan(w, plan_id);
	return label_find(&w->plans, plan_id) ? label_find(&w->plans, plan_id) : "?";
}

static const char *unit_label(struct watch *w, int64_t unit_id)
{
	if (!unit_id)
		return "-";
	if (!label_find(&w->units, unit_id))
		learn_unit(w, unit_id);
	return label_find(&w->units, unit_id) ? label_find(&w->units, unit_id) : "?";
}

static volatile sig_atomic_t watch_interrupted;

static void on_watch_signal(int sig)
{
	(void)sig;
	watch_interrupted = 1;
}

/* "2026-11-22 16:40:01" in local time. */
static void clock_text(int64_t ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (!localtime_r(&t, &tm) || !strftime(out, cap, "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(out, cap, "%lld", (long long)ms);
}

static void print_update(struct watch *w, const Kiemtra__V1__Event *ev)
{
	const Kiemtra__V1__Update *u = ev->update;
	const char *plan = plan_label(w, u->plan_id);
	const char *unit = unit_label(w, u->unit_id);
	const char *state = update_state_name(u->kind, u->state);
	char when[32];

	if (w->cli->json) {
		struct kt_json j;

		kt_json_init(&j, stdout);
		kt_json_begin_object(&j);
		kt_json_kv_str(&j, "event", "update");
		kt_json_kv_uint(&j, "seq", ev->seq);
		kt_json_kv_int(&j, "at", ev->at);
		kt_json_kv_str(&j, "kind", update_kind_name(u->kind));
		kt_json_kv_int(&j, "plan_id", u->plan_id);
		kt_json_kv_str(&j, "plan", plan);
		kt_json_kv_int(&j, "unit_id", u->unit_id);
		kt_json_kv_str(&j, "unit", u->unit_id ? unit : "");
		kt_json_kv_int(&j, "object_id", u->object_id);
		kt_json_kv_int(&j, "state", u->state);
		kt_json_kv_str(&j, "state_name", state);
		kt_json_kv_int(&j, "version", u->version);
		kt_json_kv_int(&j, "by", u->by);
		kt_json_kv_str(&j, "by_name", u->by_name);
		kt_json_kv_str(&j, "summary", u->summary);
		kt_json_end_object(&j);
		kt_json_end_document(&j);
	} else {
		clock_text(ev->at, when, sizeof(when));
		printf("%s  ", when);
		kt_print_safe(stdout, plan, false);
		fputs("  ", stdout);
		kt_print_safe(stdout, unit, false);
		printf("  %s #%lld%s%s  by ", update_kind_name(u->kind), (long long)u->object_id,
		       state[0] ? " " : "", state);
		kt_print_safe(stdout, u->by_name[0] ? u->by_name : "?", false);
		if (u->summary[0]) {
			fputs(": ", stdout);
			kt_print_safe(stdout, u->summary, false);
		}
		fputc('\n', stdout);
	}
	fflush(stdout);
}

/* The last JSON line (or the note on stderr) of a watch that ended normally. */
static void watch_end(struct watch *w, const char *reason)
{
	if (w->cli->json) {
		struct kt_json j;

		kt_json_init(&j, stdout);
		kt_json_begin_object(&j);
		kt_json_kv_str(&j, "event", "end");
		kt_json_kv_str(&j, "reason", reason);
		kt_json_kv_uint(&j, "updates", w->updates);
		kt_json_end_object(&j);
		kt_json_end_document(&j);
		fflush(stdout);
		w->cli->reported = true;
	} else {
		fprintf(stderr, "kiemtra: watch ended (%s) after %llu update%s\n", reason,
			w->updates, w->updates == 1 ? "" : "s");
	}
}

static int answer_keepalive(struct watch *w)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__PingReq ping = KIEMTRA__V1__PING_REQ__INIT;
	Kiemtra__V1__Response *resp = NULL;
	int rc;

	req.body_case = KIEMTRA__V1__REQUEST__BODY_PING;
	req.ping = &ping;
	rc = kt_cli_call(w->cli, &req, &resp);
	kt_response_free(resp);
	return rc;
}

/* Read events until the end; returns an exit code. */
static int watch_loop(struct watch *w, unsigned long long count, int64_t deadline)
{
	Kiemtra__V1__Event *ev = NULL;
	const char *reason;
	int64_t left;
	int trc, wait, rc = KT_EXIT_OK;

	for (;;) {
		if (watch_interrupted) {
			reason = "interrupted";
			break;
		}
		if (count && w->updates >= count) {
			reason = "count";
			break;
		}
		wait = WATCH_POLL_MS;
		if (deadline) {
			left = deadline - kt_mono_ms();
			if (left <= 0) {
				reason = "seconds";
				break;
			}
			if (left < wait)
				wait = (int)left;
		}
		trc = kt_conn_next_event(w->cli->conn, wait, &ev);
		if (trc == KT_EBUSY)
			continue;
		if (trc != KT_OK)
			return kt_cli_fail_transport(w->cli, trc);
		if (ev->kind_case == KIEMTRA__V1__EVENT__KIND_KEEPALIVE) {
			rc = answer_keepalive(w);
		} else if (ev->kind_case == KIEMTRA__V1__EVENT__KIND_UPDATE && ev->update) {
			print_update(w, ev);
			w->updates++;
		}
		kt_event_free(ev);
		ev = NULL;
		if (rc != KT_EXIT_OK)
			return rc;
	}
	watch_end(w, reason);
	return KT_EXIT_OK;
}

static int kt_cmd_watch(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"count", required_argument, NULL, 'c'},
	    {"seconds", required_argument, NULL, 's'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__WatchReq wr = KIEMTRA__V1__WATCH_REQ__INIT;
	Kiemtra__V1__Response *resp = NULL;
	struct sigaction sa, old_int, old_term;
	struct watch w = {.cli = cli};
	unsigned long long count = 0, seconds = 0;
	int64_t plan_id = 0, deadline = 0;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (kt_parse_uint(optarg, 1, 1000000000ULL, &count) != KT_OK)
				return kt_cli_usage(cli, "--count wants a number from 1 up");
			break;
		case 's':
			if (kt_parse_uint(optarg, 1, 31536000ULL, &seconds) != KT_OK)
				return kt_cli_usage(
				    cli, "--seconds wants a number of seconds from 1 up");
			break;
		default:
			return bad_option(cli, c, argv);
		}
	}
	if (argc - optind > 1)
		return kt_cli_usage(cli, "unexpected argument '%s'", argv[optind + 1]);
	if (optind < argc && (rc = plan_id_arg(cli, argv[optind], &plan_id)) != KT_EXIT_OK)
		return rc;
	kt_conn_keep_events(cli->conn, true);
	wr.plan_id = plan_id;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_WATCH;
	req.watch = &wr;
	rc = kt_cli_call(cli, &req, &resp);
	kt_response_free(resp);
	if (rc != KT_EXIT_OK)
		return rc;
	if (cli->json) {
		struct kt_json j;

		kt_json_init(&j, stdout);
		kt_json_begin_object(&j);
		kt_json_kv_bool(&j, "ok", true);
		kt_json_kv_str(&j, "event", "watching");
		kt_json_kv_int(&j, "plan_id", plan_id);
		kt_json_end_object(&j);
		kt_json_end_document(&j);
		fflush(stdout);
	} else if (plan_id) {
		fprintf(stderr, "kiemtra: watching plan %s (Ctrl-C to stop)\n",
			plan_label(&w, plan_id));
	} else {
		fprintf(stderr, "kiemtra: watching every plan you have standing in (Ctrl-C to "
				"stop)\n");
	}
	if (seconds)
		deadline = kt_mono_ms() + (int64_t)seconds * 1000;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_watch_signal;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: a signal ends the wait at once */
	watch_interrupted = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	rc = watch_loop(&w, count, deadline);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	free(w.plans.v);
	free(w.units.v);
	return rc;
}

/* ---- report --------------------------------------------------------------------------- */

enum report_format { FMT_TABLE, FMT_JSON, FMT_CSV, FMT_MARKDOWN };
enum report_table { TBL_UNITS, TBL_AREAS, TBL_OUTCOMES, TBL_SUMMARY };

struct totals {
	uint32_t strengths, shortcomings;
};

static struct totals report_totals(const Kiemtra__V1__ReportResp *r)
{
	struct totals t = {0, 0};

	for (size_t i = 0; i < r->n_units; i++) {
		t.strengths += r->units[i]->strengths;
		t.shortcomings += r->units[i]->shortcomings;
	}
	return t;
}

static const char *plural(uint32_t n, const char *one, const char *many)
{
	return n == 1 ? one : many;
}

/* The review column: "approved", "held" or "-". */
static const char *review_text(const Kiemtra__V1__UnitReport *u)
{
	if (u->review_approved)
		return "approved";
	return u->review_held ? "held" : "-";
}

static const char *group_text(const Kiemtra__V1__UnitReport *u)
{
	return u->group_name[0] ? u->group_name : "-";
}

/*
 * The headline figures as sentences in the manner of an inspection report,
 * each passed to line() (a paragraph for the table view, a list item for
 * Markdown). Counts below ten are written with two digits ("02 working
 * groups"), dates as DD/MM/YYYY.
 */
static void report_sentences(const Kiemtra__V1__ReportResp *r, FILE *f, const char *prefix)
{
	struct totals t = report_totals(r);
	char from[KT_DATE_SIZE + 8], to[KT_DATE_SIZE + 8], asof[KT_DATE_SIZE + 8];
	bool any = false;

	vn_date(r->window_from, from);
	vn_date(r->window_to, to);
	vn_date(r->as_of, asof);
	if (r->groups)
		fprintf(f, "%sFrom %s to %s, %02u working %s inspected %02u of %02u %s.\n", prefix,
			from, to, r->groups, plural(r->groups, "group", "groups"),
			r->units_inspected, r->units_total,
			plural(r->units_total, "unit", "units"));
	else
		fprintf(f, "%sFrom %s to %s, %02u of %02u %s were inspected.\n", prefix, from, to,
			r->units_inspected, r->units_total,
			plural(r->units_total, "unit", "units"));
	fprintf(f, "%sAccepted findings: %02u %s and %02u %s.\n", prefix, t.strengths,
		plural(t.strengths, "strength", "strengths"), t.shortcomings,
		plural(t.shortcomings, "shortcoming", "shortcomings"));
	fprintf(f, "%sRecommendations: %02u open, of which %02u overdue; %02u done.\n", prefix,
		r->recommendations_open, r->recommendations_overdue, r->recommendations_done);
	fprintf(f,
		"%sBy %s, %02u/%02u %s had held responsibility review meetings, reviewing %02u "
		"%s; %02u %s signed off.\n",
		prefix, asof, r->reviews_held, r->units_total,
		plural(r->units_total, "unit", "units"), r->officials_reviewed,
		plural(r->officials_reviewed, "official", "officials"), r->reviews_approved,
		plural(r->reviews_approved, "review was", "reviews were"));
	fprintf(f, "%sOutcomes:", prefix);
	for (size_t i = 0; i < r->n_outcomes; i++) {
		if (!r->outcomes[i]->count)
			continue;
		fprintf(f, "%s %02u %s", any ? "," : "", r->outcomes[i]->count,
			outcome_word(r->outcomes[i]->outcome));
		any = true;
	}
	fprintf(f, "%s.\n", any ? "" : " none recorded");
}

/* "Plan 06/KH-UBND of 11/01/2022 (issuer): title" parts, terminal-safe. */
static void report_heading(const Kiemtra__V1__ReportResp *r, FILE *f, const char *lead)
{
	const Kiemtra__V1__Plan *p = r->plan;
	char issued[KT_DATE_SIZE + 8], asof[KT_DATE_SIZE + 8];

	vn_date(p->issued_on, issued);
	vn_date(r->as_of, asof);
	fputs(lead, f);
	fputs("Report on plan ", f);
	kt_print_safe(f, p->number, false);
	fprintf(f, " of %s", issued);
	if (p->issuer[0]) {
		fputs(" (", f);
		kt_print_safe(f, p->issuer, false);
		fputc(')', f);
	}
	fputc('\n', f);
	if (lead[0])
		fputc('\n', f);
	if (p->title[0]) {
		kt_print_safe(f, p->title, false);
		fputc('\n', f);
	}
	fprintf(f, "Figures as of %s%s.\n\n", asof,
		p->status == KIEMTRA__V1__PLAN_STATUS__PLAN_STATUS_CLOSED ? "; the plan is closed"
									  : "");
}

static int print_report_table(struct kt_cli *cli, const Kiemtra__V1__ReportResp *r)
{
	static const char *const uhead[] = {
	    "CODE",	"UNIT",	   "GROUP",	 "STRENGTHS", "SHORTCOMINGS", "REC OPEN",
	    "REC DONE", "OVERDUE", "CONCLUSION", "REVIEW",    "OFFICIALS",
	};
	static const char *const ahead[] = {"AREA", "NAME", "STRENGTHS", "SHORTCOMINGS"};
	struct kt_table ut, at;
	char n[6][16];
	int rc = KT_OK;

	report_heading(r, stdout, "");
	report_sentences(r, stdout, "");
	if (kt_table_init(&ut, 11, uhead) != KT_OK)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
	for (size_t i = 0; i < r->n_units; i++) {
		const Kiemtra__V1__UnitReport *u = r->units[i];
		const char *cells[11];

		snprintf(n[0], sizeof(n[0]), "%u", u->strengths);
		snprintf(n[1], sizeof(n[1]), "%u", u->shortcomings);
		snprintf(n[2], sizeof(n[2]), "%u", u->recommendations_open);
		snprintf(n[3], sizeof(n[3]), "%u", u->recommendations_done);
		snprintf(n[4], sizeof(n[4]), "%u", u->recommendations_overdue);
		snprintf(n[5], sizeof(n[5]), "%u", u->officials_reviewed);
		cells[0] = u->unit_code;
		cells[1] = u->unit_name;
		cells[2] = group_text(u);
		cells[3] = n[0];
		cells[4] = n[1];
		cells[5] = n[2];
		cells[6] = n[3];
		cells[7] = n[4];
		cells[8] = u->conclusion_approved ? "approved" : "-";
		cells[9] = review_text(u);
		cells[10] = n[5];
		kt_table_add(&ut, cells);
	}
	printf("\nUnits\n");
	rc = kt_table_print(&ut, stdout);
	kt_table_free(&ut);
	if (rc != KT_OK)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
	if (kt_table_init(&at, 4, ahead) != KT_OK)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
	for (size_t i = 0; i < r->n_areas; i++) {
		const Kiemtra__V1__AreaCount *a = r->areas[i];
		const char *cells[4];

		snprintf(n[0], sizeof(n[0]), "%u", a->strengths);
		snprintf(n[1], sizeof(n[1]), "%u", a->shortcomings);
		cells[0] = area_id(a->area);
		cells[1] = a->area > 0 && a->area < NAREAS ? area_vn[a->area] : "";
		cells[2] = n[0];
		cells[3] = n[1];
		kt_table_add(&at, cells);
	}
	printf("\nAreas\n");
	rc = kt_table_print(&at, stdout);
	kt_table_free(&at);
	if (rc != KT_OK)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
	return KT_EXIT_OK;
}

static void json_area(struct kt_json *j, const Kiemtra__V1__AreaCount *a)
{
	kt_json_begin_object(j);
	kt_json_kv_str(j, "area", area_id(a->area));
	kt_json_kv_uint(j, "strengths", a->strengths);
	kt_json_kv_uint(j, "shortcomings", a->shortcomings);
	kt_json_end_object(j);
}

static void json_areas(struct kt_json *j, Kiemtra__V1__AreaCount *const *areas, size_t n)
{
	kt_json_key(j, "areas");
	kt_json_begin_array(j);
	for (size_t i = 0; i < n; i++)
		json_area(j, areas[i]);
	kt_json_end_array(j);
}

static void print_report_json(struct kt_cli *cli, const Kiemtra__V1__ReportResp *r)
{
	const Kiemtra__V1__Plan *p = r->plan;
	struct totals t = report_totals(r);
	struct kt_json *j = kt_cli_json_begin(cli);

	kt_json_key(j, "plan");
	kt_json_begin_object(j);
	kt_json_kv_int(j, "id", p->id);
	kt_json_kv_str(j, "number", p->number);
	kt_json_kv_str(j, "issued_on", p->issued_on);
	kt_json_kv_str(j, "issuer", p->issuer);
	kt_json_kv_str(j, "title", p->title);
	kt_json_kv_str(j, "period_start", p->period_start);
	kt_json_kv_str(j, "period_end", p->period_end);
	kt_json_kv_str(j, "status",
		       p->status == KIEMTRA__V1__PLAN_STATUS__PLAN_STATUS_CLOSED ? "closed"
										 : "active");
	kt_json_end_object(j);
	kt_json_kv_str(j, "as_of", r->as_of);
	kt_json_kv_uint(j, "units_inspected", r->units_inspected);
	kt_json_kv_uint(j, "units_total", r->units_total);
	kt_json_kv_uint(j, "groups", r->groups);
	kt_json_kv_str(j, "window_from", r->window_from);
	kt_json_kv_str(j, "window_to", r->window_to);
	kt_json_kv_uint(j, "strengths", t.strengths);
	kt_json_kv_uint(j, "shortcomings", t.shortcomings);
	kt_json_kv_uint(j, "recommendations_open", r->recommendations_open);
	kt_json_kv_uint(j, "recommendations_done", r->recommendations_done);
	kt_json_kv_uint(j, "recommendations_overdue", r->recommendations_overdue);
	kt_json_kv_uint(j, "reviews_held", r->reviews_held);
	kt_json_kv_uint(j, "reviews_approved", r->reviews_approved);
	kt_json_kv_uint(j, "officials_reviewed", r->officials_reviewed);
	kt_json_key(j, "outcomes");
	kt_json_begin_array(j);
	for (size_t i = 0; i < r->n_outcomes; i++) {
		kt_json_begin_object(j);
		kt_json_kv_str(j, "outcome", outcome_id(r->outcomes[i]->outcome));
		kt_json_kv_uint(j, "count", r->outcomes[i]->count);
		kt_json_end_object(j);
	}
	kt_json_end_array(j);
	json_areas(j, r->areas, r->n_areas);
	kt_json_key(j, "units");
	kt_json_begin_array(j);
	for (size_t i = 0; i < r->n_units; i++) {
		const Kiemtra__V1__UnitReport *u = r->units[i];

		kt_json_begin_object(j);
		kt_json_kv_int(j, "unit_id", u->unit_id);
		kt_json_kv_str(j, "unit_code", u->unit_code);
		kt_json_kv_str(j, "unit_name", u->unit_name);
		kt_json_kv_int(j, "group_id", u->group_id);
		kt_json_kv_str(j, "group_name", u->group_name);
		kt_json_kv_uint(j, "strengths", u->strengths);
		kt_json_kv_uint(j, "shortcomings", u->shortcomings);
		kt_json_kv_uint(j, "recommendations_open", u->recommendations_open);
		kt_json_kv_uint(j, "recommendations_done", u->recommendations_done);
		kt_json_kv_uint(j, "recommendations_overdue", u->recommendations_overdue);
		kt_json_kv_bool(j, "conclusion_approved", u->conclusion_approved);
		kt_json_kv_bool(j, "review_held", u->review_held);
		kt_json_kv_bool(j, "review_approved", u->review_approved);
		kt_json_kv_uint(j, "officials_reviewed", u->officials_reviewed);
		json_areas(j, u->areas, u->n_areas);
		kt_json_end_object(j);
	}
	kt_json_end_array(j);
	kt_cli_json_end(cli);
}

/* One CSV field (RFC 4180): quoted when it holds a comma, a quote, CR or LF. */
static void csv_field(FILE *f, const char *s, bool last)
{
	if (strpbrk(s, ",\"\r\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
	fputs(last ? "\r\n" : ",", f);
}

static void csv_row(FILE *f, const char *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++)
		csv_field(f, cells[i] ? cells[i] : "", i + 1 == n);
}

static void csv_uint_row(FILE *f, const char *name, uint32_t v)
{
	char n[16];
	const char *cells[2] = {name, n};

	snprintf(n, sizeof(n), "%u", v);
	csv_row(f, cells, 2);
}

static void print_report_csv(const Kiemtra__V1__ReportResp *r, enum report_table table)
{
	char n[8][24];
	size_t i;

	if (table == TBL_UNITS) {
		static const char *const head[] = {
		    "unit_id",
		    "unit_code",
		    "unit_name",
		    "group",
		    "strengths",
		    "shortcomings",
		    "recommendations_open",
		    "recommendations_done",
		    "recommendations_overdue",
		    "conclusion_approved",
		    "review_held",
		    "review_approved",
		    "officials_reviewed",
		};
		csv_row(stdout, head, 13);
		for (i = 0; i < r->n_units; i++) {
			const Kiemtra__V1__UnitReport *u = r->units[i];
			const char *cells[13];

			snprintf(n[0], sizeof(n[0]), "%lld", (long long)u->unit_id);
			snprintf(n[1], sizeof(n[1]), "%u", u->strengths);
			snprintf(n[2], sizeof(n[2]), "%u", u->shortcomings);
			snprintf(n[3], sizeof(n[3]), "%u", u->recommendations_open);
			snprintf(n[4], sizeof(n[4]), "%u", u->recommendations_done);
			snprintf(n[5], sizeof(n[5]), "%u", u->recommendations_overdue);
			snprintf(n[6], sizeof(n[6]), "%u", u->officials_reviewed);
			cells[0] = n[0];
			cells[1] = u->unit_code;
			cells[2] = u->unit_name;
			cells[3] = u->group_name;
			cells[4] = n[1];
			cells[5] = n[2];
			cells[6] = n[3];
			cells[7] = n[4];
			cells[8] = n[5];
			cells[9] = u->conclusion_approved ? "yes" : "no";
			cells[10] = u->review_held ? "yes" : "no";
			cells[11] = u->review_approved ? "yes" : "no";
			cells[12] = n[6];
			csv_row(stdout, cells, 13);
		}
	} else if (table == TBL_AREAS) {
		static const char *const head[] = {"area", "area_name", "strengths",
						   "shortcomings"};
		csv_row(stdout, head, 4);
		for (i = 0; i < r->n_areas; i++) {
			const Kiemtra__V1__AreaCount *a = r->areas[i];
			const char *cells[4];

			snprintf(n[0], sizeof(n[0]), "%u", a->strengths);
			snprintf(n[1], sizeof(n[1]), "%u", a->shortcomings);
			cells[0] = area_id(a->area);
			cells[1] = a->area > 0 && a->area < NAREAS ? area_vn[a->area] : "";
			cells[2] = n[0];
			cells[3] = n[1];
			csv_row(stdout, cells, 4);
		}
	} else if (table == TBL_OUTCOMES) {
		static const char *const head[] = {"outcome", "count"};
		csv_row(stdout, head, 2);
		for (i = 0; i < r->n_outcomes; i++)
			csv_uint_row(stdout, outcome_id(r->outcomes[i]->outcome),
				     r->outcomes[i]->count);
	} else {
		static const char *const head[] = {"figure", "value"};
		struct totals t = report_totals(r);
		const char *row[2];

		csv_row(stdout, head, 2);
		row[0] = "plan";
		row[1] = r->plan->number;
		csv_row(stdout, row, 2);
		row[0] = "as_of";
		row[1] = r->as_of;
		csv_row(stdout, row, 2);
		csv_uint_row(stdout, "units_inspected", r->units_inspected);
		csv_uint_row(stdout, "units_total", r->units_total);
		csv_uint_row(stdout, "groups", r->groups);
		row[0] = "window_from";
		row[1] = r->window_from;
		csv_row(stdout, row, 2);
		row[0] = "window_to";
		row[1] = r->window_to;
		csv_row(stdout, row, 2);
		csv_uint_row(stdout, "strengths", t.strengths);
		csv_uint_row(stdout, "shortcomings", t.shortcomings);
		csv_uint_row(stdout, "recommendations_open", r->recommendations_open);
		csv_uint_row(stdout, "recommendations_done", r->recommendations_done);
		csv_uint_row(stdout, "recommendations_overdue", r->recommendations_overdue);
		csv_uint_row(stdout, "reviews_held", r->reviews_held);
		csv_uint_row(stdout, "reviews_approved", r->reviews_approved);
		csv_uint_row(stdout, "officials_reviewed", r->officials_reviewed);
	}
}

/* A Markdown table cell: '|' escaped, control characters as spaces. */
static void md_cell(FILE *f, const char *s)
{
	fputs("| ", f);
	if (!s[0])
		s = "-";
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '|' || ch == '\\')
			fputc('\\', f);
		fputc(ch < 0x20 || ch == 0x7f ? ' ' : ch, f);
	}
	fputc(' ', f);
}

static void md_row(FILE *f, const char *const *cells, size_t n)
{
	for (size_t i = 0; i < n; i++)
		md_cell(f, cells[i]);
	fputs("|\n", f);
}

/* The rule under a header: align holds 'l' (text) or 'r' (a number) per column. */
static void md_rule(FILE *f, const char *align)
{
	for (; *align; align++)
		fputs(*align == 'r' ? "| ---: " : "| --- ", f);
	fputs("|\n", f);
}

static void print_report_markdown(const Kiemtra__V1__ReportResp *r)
{
	static const char *const uhead[] = {
	    "Code",
	    "Unit",
	    "Group",
	    "Strengths",
	    "Shortcomings",
	    "Recommendations open",
	    "Recommendations done",
	    "Overdue",
	    "Conclusion",
	    "Review",
	    "Officials reviewed",
	};
	static const char *const ahead[] = {"Area", "Name", "Strengths", "Shortcomings"};
	char n[6][16];
	size_t i;

	report_heading(r, stdout, "# ");
	report_sentences(r, stdout, "- ");
	fputs("\n## Units\n\n", stdout);
	md_row(stdout, uhead, 11);
	md_rule(stdout, "lllrrrrrllr");
	for (i = 0; i < r->n_units; i++) {
		const Kiemtra__V1__UnitReport *u = r->units[i];
		const char *cells[11];

		snprintf(n[0], sizeof(n[0]), "%u", u->strengths);
		snprintf(n[1], sizeof(n[1]), "%u", u->shortcomings);
		snprintf(n[2], sizeof(n[2]), "%u", u->recommendations_open);
		snprintf(n[3], sizeof(n[3]), "%u", u->recommendations_done);
		snprintf(n[4], sizeof(n[4]), "%u", u->recommendations_overdue);
		snprintf(n[5], sizeof(n[5]), "%u", u->officials_reviewed);
		cells[0] = u->unit_code;
		cells[1] = u->unit_name;
		cells[2] = group_text(u);
		cells[3] = n[0];
		cells[4] = n[1];
		cells[5] = n[2];
		cells[6] = n[3];
		cells[7] = n[4];
		cells[8] = u->conclusion_approved ? "approved" : "-";
		cells[9] = review_text(u);
		cells[10] = n[5];
		md_row(stdout, cells, 11);
	}
	fputs("\n## Areas\n\n", stdout);
	md_row(stdout, ahead, 4);
	md_rule(stdout, "llrr");
	for (i = 0; i < r->n_areas; i++) {
		const Kiemtra__V1__AreaCount *a = r->areas[i];
		const char *cells[4];

		snprintf(n[0], sizeof(n[0]), "%u", a->strengths);
		snprintf(n[1], sizeof(n[1]), "%u", a->shortcomings);
		cells[0] = area_id(a->area);
		cells[1] = a->area > 0 && a->area < NAREAS ? area_vn[a->area] : "";
		cells[2] = n[0];
		cells[3] = n[1];
		md_row(stdout, cells, 4);
	}
}

static int kt_cmd_report(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"table", required_argument, NULL, 't'},
	    {NULL, 0, NULL, 0},
	};
	static const char *const formats[] = {"table", "json", "csv", "markdown"};
	static const char *const tables[] = {"units", "areas", "outcomes", "summary"};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__ReportReq rr = KIEMTRA__V1__REPORT_REQ__INIT;
	Kiemtra__V1__Response *resp = NULL;
	enum report_format fmt = cli->json ? FMT_JSON : FMT_TABLE;
	enum report_table table = TBL_UNITS;
	bool have_table = false, have_format = false;
	int64_t plan_id;
	int c, rc, i;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			for (i = 0; i < 4 && strcmp(optarg, formats[i]) != 0; i++)
				;
			if (i == 4)
				return kt_cli_usage(cli,
						    "--format is table, json, csv or markdown");
			if (cli->json && i != FMT_JSON)
				return kt_cli_usage(cli, "--json asks for --format json");
			fmt = (enum report_format)i;
			have_format = true;
			break;
		case 't':
			for (i = 0; i < 4 && strcmp(optarg, tables[i]) != 0; i++)
				;
			if (i == 4)
				return kt_cli_usage(cli,
						    "--table is units, areas, outcomes or summary");
			table = (enum report_table)i;
			have_table = true;
			break;
		default:
			return bad_option(cli, c, argv);
		}
	}
	if (optind >= argc)
		return kt_cli_usage(cli, "name the plan, e.g. kiemtra report 06/KH-UBND");
	if (argc - optind > 1)
		return kt_cli_usage(cli, "unexpected argument '%s'", argv[optind + 1]);
	if (have_table && fmt != FMT_CSV)
		return kt_cli_usage(cli, "--table goes with --format csv (one table per CSV file)");
	if (have_format && fmt == FMT_JSON)
		cli->json = true; /* errors, too, as one JSON object */
	if ((rc = plan_id_arg(cli, argv[optind], &plan_id)) != KT_EXIT_OK)
		return rc;
	rr.plan_id = plan_id;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_REPORT;
	req.report = &rr;
	if ((rc = kt_cli_call(cli, &req, &resp)) != KT_EXIT_OK)
		return rc;
	if (!resp->report->plan) {
		kt_response_free(resp);
		return kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT",
				   "the server's report has no plan");
	}
	switch (fmt) {
	case FMT_JSON:
		print_report_json(cli, resp->report);
		break;
	case FMT_CSV:
		print_report_csv(resp->report, table);
		break;
	case FMT_MARKDOWN:
		print_report_markdown(resp->report);
		break;
	default:
		rc = print_report_table(cli, resp->report);
		break;
	}
	kt_response_free(resp);
	return rc;
}

/* ---- signing keys ----------------------------------------------------------------------- */

static int add_id(int64_t *ids, size_t *n, int64_t id)
{
	for (size_t i = 0; i < *n; i++)
		if (ids[i] == id)
			return KT_OK;
	if (*n == KEYS_MAX_IDS)
		return KT_ELIMIT;
	ids[(*n)++] = id;
	return KT_OK;
}

static int kt_cmd_signing_keys(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"id", required_argument, NULL, 'i'},
	    {NULL, 0, NULL, 0},
	};
	static const char *const head[] = {"USER", "ID", "KEY", "REGISTERED", "STATUS"};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__SigningKeysReq kr = KIEMTRA__V1__SIGNING_KEYS_REQ__INIT;
	Kiemtra__V1__Response *resp = NULL, *plan = NULL;
	int64_t ids[KEYS_MAX_IDS], plan_id;
	unsigned long long v;
	size_t n = 0, i;
	struct kt_table t;
	struct kt_json *j;
	char hex[65], when[40], idtext[24];
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			if (kt_parse_uint(optarg, 1, INT64_MAX, &v) != KT_OK)
				return kt_cli_usage(cli, "--id wants a user id (a number)");
			if (add_id(ids, &n, (int64_t)v) != KT_OK)
				return kt_cli_usage(cli, "at most %d users at once", KEYS_MAX_IDS);
			break;
		default:
			return bad_option(cli, c, argv);
		}
	}
	if (argc - optind > 1)
		return kt_cli_usage(cli, "unexpected argument '%s'", argv[optind + 1]);
	if (optind == argc && n == 0)
		return kt_cli_usage(cli, "name a plan (its team and authority) or give --id ID");
	if (optind < argc) {
		if ((rc = plan_id_arg(cli, argv[optind], &plan_id)) != KT_EXIT_OK ||
		    (rc = plan_get(cli, plan_id, NULL, &plan)) != KT_EXIT_OK)
			return rc;
		for (i = 0; i < plan->plan_get->n_team && rc == KT_EXIT_OK; i++)
			if (add_id(ids, &n, plan->plan_get->team[i]->user_id) != KT_OK)
				rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR",
						 "the team has more than %d members", KEYS_MAX_IDS);
		if (rc == KT_EXIT_OK && plan->plan_get->plan->authority_user_id &&
		    add_id(ids, &n, plan->plan_get->plan->authority_user_id) != KT_OK)
			rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "too many users");
		kt_response_free(plan);
		if (rc != KT_EXIT_OK)
			return rc;
	}
	kr.user_ids = ids;
	kr.n_user_ids = n;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_SIGNING_KEYS;
	req.signing_keys = &kr;
	if ((rc = kt_cli_call(cli, &req, &resp)) != KT_EXIT_OK)
		return rc;
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_key(j, "keys");
		kt_json_begin_array(j);
		for (i = 0; i < resp->signing_keys->n_keys; i++) {
			const Kiemtra__V1__SigningKey *k = resp->signing_keys->keys[i];

			sodium_bin2hex(hex, sizeof(hex), k->key.data,
				       k->key.len > 32 ? 32 : k->key.len);
			kt_json_begin_object(j);
			kt_json_kv_int(j, "user_id", k->user_id);
			kt_json_kv_str(j, "username", k->username);
			kt_json_kv_str(j, "key", hex);
			kt_json_kv_int(j, "registered_at", k->registered_at);
			kt_json_kv_bool(j, "revoked", k->revoked);
			kt_json_end_object(j);
		}
		kt_json_end_array(j);
		kt_cli_json_end(cli);
	} else if (resp->signing_keys->n_keys == 0) {
		puts("no signing keys registered for those users");
	} else if (kt_table_init(&t, 5, head) != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
	} else {
		for (i = 0; i < resp->signing_keys->n_keys; i++) {
			const Kiemtra__V1__SigningKey *k = resp->signing_keys->keys[i];
			const char *cells[5];

			sodium_bin2hex(hex, sizeof(hex), k->key.data,
				       k->key.len > 32 ? 32 : k->key.len);
			snprintf(idtext, sizeof(idtext), "%lld", (long long)k->user_id);
			kt_format_time(k->registered_at, when, sizeof(when));
			cells[0] = k->username;
			cells[1] = idtext;
			cells[2] = hex;
			cells[3] = when;
			cells[4] = k->revoked ? "revoked" : "valid";
			kt_table_add(&t, cells);
		}
		if (kt_table_print(&t, stdout) != KT_OK)
			rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
		kt_table_free(&t);
	}
	kt_response_free(resp);
	return rc;
}

/* clang-format off */
const struct kt_command kt_cmds_records[] = {
	{"watch", kt_cmd_watch, KT_CMD_SESSION, "watch [PLAN] [--count N] [--seconds S]",
	 "show changes in your plans as they happen",
	 "Asks the server for live updates of one plan (by id or number), or of every\n"
	 "plan you have standing in, and prints each as one line: time, plan, unit,\n"
	 "record and its new state, who, and what happened. You see what you may read:\n"
	 "the team sees every change, drafts and submissions included; observers, the\n"
	 "approving authority and planners see accepted findings, approved conclusions,\n"
	 "recommendations and reviews; a unit representative sees those of their unit.\n"
	 "Runs until Ctrl-C, until the server ends the connection (exit 3), after\n"
	 "--count N updates, or after --seconds S. Keep-alives are answered.\n"
	 "With --json, prints JSON lines (one object per line, flushed at once):\n"
	 "{\"ok\":true,\"event\":\"watching\",\"plan_id\":N} first, then one\n"
	 "{\"event\":\"update\",...} per update (kind, plan_id, plan, unit_id, unit,\n"
	 "object_id, state, state_name, version, by, by_name, summary, seq, at), and\n"
	 "{\"event\":\"end\",\"reason\":\"interrupted|count|seconds\",\"updates\":N} last; or\n"
	 "an {\"ok\":false,...} object when it fails."},
	{"report", kt_cmd_report, KT_CMD_SESSION,
	 "report PLAN [--format table|json|csv|markdown] [--table T]",
	 "the figures of a plan's inspection",
	 "States the figures an inspection report quotes: the inspection window, the\n"
	 "working groups and the units inspected; accepted strengths and shortcomings\n"
	 "per unit and per area; recommendations open, done and overdue (as of the\n"
	 "server's date); responsibility reviews held and signed off, the officials\n"
	 "reviewed and their outcomes. A unit representative gets their own unit only.\n"
	 "--format table (default): sentences and tables. json (the same as --json):\n"
	 "one object. markdown: a heading, the sentences as a list, and tables.\n"
	 "csv: one table with a header row (RFC 4180 quoting, CRLF line ends), chosen\n"
	 "with --table: units (default), areas, outcomes or summary (figure,value)."},
	{"signing-keys", kt_cmd_signing_keys, KT_CMD_SESSION, "signing-keys [PLAN] [--id ID]...",
	 "the public keys that sign approvals, for checking them offline",
	 "Lists the Ed25519 signing keys registered for the team and the approving\n"
	 "authority of PLAN, and for each user id given with --id (repeatable; at most\n"
	 "256 users): user, key (hex), when its device was enrolled, and whether the\n"
	 "device was revoked. An approval's signing_key must be one of its signer's keys."},
};
/* clang-format on */
const size_t kt_ncmds_records = sizeof(kt_cmds_records) / sizeof(kt_cmds_records[0]);
