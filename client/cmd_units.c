/*
 * cmd_units.c - units list, units find, units show, units history.
 *
 * A unit is named on the command line by CODE or ID. Administrative codes are
 * often all digits ("09880"), so a number is looked up both ways at once (two
 * pipelined requests) and a code match wins; "#12" always means id 12.
 * Every response is freed before the handler returns.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "client/cli.h"
#include "client/util.h"
#include "common/status.h"
#include "common/text.h"

#define UNIT_ARG_MAX 128
#define QUERY_MAX 256
#define FIND_LIMIT_MAX 5000
#define LIST_PAGE_MAX 5000

static void unit_get_req(Kiemtra__V1__Request *req, Kiemtra__V1__UnitGetReq *g, int64_t id,
			 const char *code)
{
	kiemtra__v1__request__init(req);
	kiemtra__v1__unit_get_req__init(g);
	g->id = id;
	if (code)
		g->code = (char *)code;
	req->body_case = KIEMTRA__V1__REQUEST__BODY_UNIT_GET;
	req->unit_get = g;
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

static bool not_found(const Kiemtra__V1__Response *r)
{
	return r && r->status == KIEMTRA__V1__STATUS__STATUS_NOT_FOUND;
}

/*
 * Look up the unit named by arg (CODE, ID or #ID). On success *out is a
 * UnitGet response with status OK and a unit; else an exit code is returned
 * after reporting.
 */
static int resolve_unit(struct kt_cli *cli, const char *arg, Kiemtra__V1__Response **out)
{
	Kiemtra__V1__Request rc_req, rid_req;
	Kiemtra__V1__UnitGetReq gc, gid;
	Kiemtra__V1__Response *rcode = NULL, *rid = NULL;
	unsigned long long id = 0;
	uint64_t code_id = 0, id_id = 0;
	int rc, trc;

	*out = NULL;
	if (kt_text_check(arg, strlen(arg), UNIT_ARG_MAX, KT_TEXT_NONEMPTY) != KT_OK)
		return kt_cli_usage(cli,
				    "a unit is named by its code or id (one line of text, at "
				    "most %d bytes)",
				    UNIT_ARG_MAX);
	if (arg[0] == '#') {
		if (kt_parse_uint(arg + 1, 1, INT64_MAX, &id) != KT_OK)
			return kt_cli_usage(cli, "'%s' is not #ID (a unit id after '#')", arg);
		unit_get_req(&rid_req, &gid, (int64_t)id, NULL);
		rc = kt_cli_call(cli, &rid_req, out);
		goto out;
	}
	unit_get_req(&rc_req, &gc, 0, arg);
	trc = kt_conn_send(cli->conn, &rc_req, &code_id);
	if (trc != KT_OK) {
		rc = kt_cli_fail_transport(cli, trc);
		goto out;
	}
	if (all_digits(arg) && kt_parse_uint(arg, 1, INT64_MAX, &id) == KT_OK) {
		unit_get_req(&rid_req, &gid, (int64_t)id, NULL);
		trc = kt_conn_send(cli->conn, &rid_req, &id_id);
		if (trc != KT_OK) {
			rc = kt_cli_fail_transport(cli, trc);
			goto out;
		}
	}
	trc = kt_conn_wait(cli->conn, code_id, &rcode);
	if (trc == KT_OK && id_id)
		trc = kt_conn_wait(cli->conn, id_id, &rid);
	if (trc != KT_OK) {
		rc = kt_cli_fail_transport(cli, trc);
		goto out;
	}
	if (not_found(rcode) && rid && rid->status == KIEMTRA__V1__STATUS__STATUS_OK) {
		*out = rid;
		rid = NULL;
		rc = kt_cli_check(cli, KT_OK, KIEMTRA__V1__RESPONSE__BODY_UNIT_GET, out);
		goto out;
	}
	if (not_found(rcode)) {
		rc = kt_cli_fail(cli, KT_EXIT_STATUS + KT_STATUS_NOT_FOUND, "NOT_FOUND",
				 "no unit has the %s '%s'; search with: kiemtra units find WORDS",
				 id_id ? "code or id" : "code", arg);
		goto out;
	}
	*out = rcode;
	rcode = NULL;
	rc = kt_cli_check(cli, KT_OK, KIEMTRA__V1__RESPONSE__BODY_UNIT_GET, out);
out:
	if (rc == KT_EXIT_OK && !(*out)->unit_get->unit) {
		kt_response_free(*out);
		*out = NULL;
		rc =
		    kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT", "the server's answer has no unit");
	}
	kt_response_free(rcode);
	kt_response_free(rid);
	return rc;
}

static int parse_limit(struct kt_cli *cli, const char *s, unsigned long long max, uint32_t *out)
{
	unsigned long long v;

	if (kt_parse_uint(s, 1, max, &v) != KT_OK)
		return kt_cli_usage(cli, "--limit wants a number from 1 to %llu", max);
	*out = (uint32_t)v;
	return KT_EXIT_OK;
}

static int bad_option(struct kt_cli *cli, int c, char **argv)
{
	if (c == ':')
		return kt_cli_usage(cli, "%s needs a value", argv[optind - 1]);
	return kt_cli_usage(cli, "unknown option %s", argv[optind - 1]);
}

int kt_cmd_units_list(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"parent", required_argument, NULL, 'p'},
	    {"all", no_argument, NULL, 'a'},
	    {"limit", required_argument, NULL, 'l'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Response **pages = NULL, *parent = NULL, **np;
	Kiemtra__V1__Unit **units = NULL, **nu;
	const char *parent_arg = NULL;
	size_t npages = 0, nunits = 0, i;
	uint32_t limit = 0;
	int64_t after_id = 0, parent_id = 0;
	bool all = false, more = false;
	struct kt_json *j;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			parent_arg = optarg;
			break;
		case 'a':
			all = true;
			break;
		case 'l':
			rc = parse_limit(cli, optarg, 1000000, &limit);
			if (rc != KT_EXIT_OK)
				return rc;
			break;
		default:
			return bad_option(cli, c, argv);
		}
	}
	if (optind < argc)
		return kt_cli_usage(cli, "unexpected argument '%s'", argv[optind]);
	if (parent_arg) {
		rc = resolve_unit(cli, parent_arg, &parent);
		if (rc != KT_EXIT_OK)
			return rc;
		parent_id = parent->unit_get->unit->id;
	}
	for (;;) {
		Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
		Kiemtra__V1__UnitListReq lr = KIEMTRA__V1__UNIT_LIST_REQ__INIT;
		Kiemtra__V1__Response *resp = NULL;
		Kiemtra__V1__UnitListResp *page;

		lr.parent_id = parent_id;
		lr.include_merged = all;
		lr.after_id = after_id;
		if (limit)
			lr.limit = limit - nunits < LIST_PAGE_MAX ? (uint32_t)(limit - nunits)
								  : LIST_PAGE_MAX;
		req.body_case = KIEMTRA__V1__REQUEST__BODY_UNIT_LIST;
		req.unit_list = &lr;
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
		page = resp->unit_list;
		nu = realloc(units, (nunits + page->n_units + 1) * sizeof(*nu));
		if (!nu) {
			rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
			goto out;
		}
		units = nu;
		for (i = 0; i < page->n_units && (!limit || nunits < limit); i++)
			units[nunits++] = page->units[i];
		more = page->more || i < page->n_units;
		if (!more || (limit && nunits >= limit) || page->n_units == 0 ||
		    page->units[page->n_units - 1]->id <= after_id)
			break;
		after_id = page->units[page->n_units - 1]->id;
	}
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_kv_int(j, "parent_id", parent_id);
		kt_cli_json_units(j, "units", units, nunits);
		kt_json_kv_bool(j, "more", more);
		kt_cli_json_end(cli);
	} else if (nunits == 0) {
		puts(parent_id ? "no units under that parent" : "no units");
	} else if (kt_cli_print_units(units, nunits) != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
		goto out;
	} else if (more) {
		fprintf(stderr, "kiemtra: more units follow; raise --limit to see them\n");
	}
	rc = KT_EXIT_OK;
out:
	for (i = 0; i < npages; i++)
		kt_response_free(pages[i]);
	free(pages);
	free(units);
	kt_response_free(parent);
	return rc;
}

int kt_cmd_units_find(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"all", no_argument, NULL, 'a'},
	    {"limit", required_argument, NULL, 'l'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__UnitFindReq fr = KIEMTRA__V1__UNIT_FIND_REQ__INIT;
	Kiemtra__V1__Response *resp = NULL;
	char query[QUERY_MAX + 1];
	size_t len = 0, n;
	uint32_t limit = 0;
	bool all = false;
	struct kt_json *j;
	int c, rc, i;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			all = true;
			break;
		case 'l':
			rc = parse_limit(cli, optarg, FIND_LIMIT_MAX, &limit);
			if (rc != KT_EXIT_OK)
				return rc;
			break;
		default:
			return bad_option(cli, c, argv);
		}
	}
	if (optind >= argc)
		return kt_cli_usage(cli, "say what to look for, e.g. kiemtra units find hoa an");
	query[0] = '\0';
	for (i = optind; i < argc; i++) {
		n = strlen(argv[i]);
		if (len + n + 1 > QUERY_MAX)
			return kt_cli_usage(cli, "the query is longer than %d bytes", QUERY_MAX);
		if (len)
			query[len++] = ' ';
		memcpy(query + len, argv[i], n + 1);
		len += n;
	}
	if (kt_text_check(query, len, QUERY_MAX, KT_TEXT_NONEMPTY) != KT_OK)
		return kt_cli_usage(cli, "the query must be one line of UTF-8 text");
	fr.query = query;
	fr.include_merged = all;
	fr.limit = limit;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_UNIT_FIND;
	req.unit_find = &fr;
	rc = kt_cli_call(cli, &req, &resp);
	if (rc != KT_EXIT_OK)
		return rc;
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_kv_str(j, "query", query);
		kt_cli_json_units(j, "units", resp->unit_find->units, resp->unit_find->n_units);
		kt_cli_json_end(cli);
	} else if (resp->unit_find->n_units == 0) {
		fputs("no unit matches '", stdout);
		kt_print_safe(stdout, query, false);
		puts("'");
	} else if (kt_cli_print_units(resp->unit_find->units, resp->unit_find->n_units) != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
	}
	kt_response_free(resp);
	return rc;
}

/* One positional CODE|ID argument, no options. */
static int unit_arg(struct kt_cli *cli, int argc, char **argv, const char **arg)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1)
		return bad_option(cli, c, argv);
	if (optind >= argc)
		return kt_cli_usage(cli, "name the unit by its code or id");
	if (optind + 1 < argc)
		return kt_cli_usage(cli, "unexpected argument '%s'", argv[optind + 1]);
	*arg = argv[optind];
	return KT_EXIT_OK;
}

/* Fetch units by id, pipelined; a slot stays NULL when that unit cannot be read. */
static void fetch_units(struct kt_cli *cli, const int64_t *ids, Kiemtra__V1__Response **out,
			size_t n)
{
	Kiemtra__V1__Request req;
	Kiemtra__V1__UnitGetReq g;
	uint64_t rid[4] = {0};
	size_t i;

	for (i = 0; i < n && i < 4; i++) {
		out[i] = NULL;
		if (!ids[i])
			continue;
		unit_get_req(&req, &g, ids[i], NULL);
		if (kt_conn_send(cli->conn, &req, &rid[i]) != KT_OK)
			rid[i] = 0;
	}
	for (i = 0; i < n && i < 4; i++) {
		if (!rid[i] || kt_conn_wait(cli->conn, rid[i], &out[i]) != KT_OK)
			continue;
		if (out[i]->status != KIEMTRA__V1__STATUS__STATUS_OK ||
		    out[i]->body_case != KIEMTRA__V1__RESPONSE__BODY_UNIT_GET ||
		    !out[i]->unit_get || !out[i]->unit_get->unit) {
			kt_response_free(out[i]);
			out[i] = NULL;
		}
	}
}

static void unit_ref(const char *label, int64_t id, const Kiemtra__V1__Response *r)
{
	if (r)
		kt_cli_field(label, "%s  %s  (id %lld)", r->unit_get->unit->code,
			     r->unit_get->unit->name, (long long)id);
	else
		kt_cli_field(label, "id %lld", (long long)id);
}

int kt_cmd_units_show(struct kt_cli *cli, int argc, char **argv)
{
	Kiemtra__V1__Response *resp = NULL, *rel[2] = {NULL, NULL};
	const Kiemtra__V1__Unit *u;
	const char *arg = NULL;
	int64_t ids[2];
	char when[64];
	struct kt_json *j;
	int rc;

	rc = unit_arg(cli, argc, argv, &arg);
	if (rc != KT_EXIT_OK)
		return rc;
	rc = resolve_unit(cli, arg, &resp);
	if (rc != KT_EXIT_OK)
		return rc;
	u = resp->unit_get->unit;
	ids[0] = u->parent_id;
	ids[1] = u->status == KIEMTRA__V1__UNIT_STATUS__UNIT_STATUS_MERGED ? u->merged_into : 0;
	fetch_units(cli, ids, rel, 2);
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_key(j, "unit");
		kt_cli_json_unit(j, u);
		kt_json_key(j, "parent");
		kt_cli_json_unit(j, rel[0] ? rel[0]->unit_get->unit : NULL);
		kt_json_key(j, "merged_into");
		kt_cli_json_unit(j, rel[1] ? rel[1]->unit_get->unit : NULL);
		kt_cli_json_units(j, "children", resp->unit_get->children,
				  resp->unit_get->n_children);
		kt_cli_json_end(cli);
		goto out;
	}
	kt_cli_field("unit:", "%s  %s", u->code, u->name);
	kt_cli_field("id:", "%lld", (long long)u->id);
	kt_cli_field("kind:", "%s", kt_unit_kind_name((int)u->kind));
	if (u->parent_id)
		unit_ref("parent:", u->parent_id, rel[0]);
	else
		kt_cli_field("parent:", "none (a root unit)");
	if (ids[1])
		unit_ref("merged into:", u->merged_into, rel[1]);
	else
		kt_cli_field("status:", "active");
	kt_format_time(u->updated_at, when, sizeof(when));
	kt_cli_field("version:", "%lld, updated %s", (long long)u->version, when);
	if (resp->unit_get->n_children == 0) {
		kt_cli_field("children:", "none");
	} else {
		printf("children (%zu):\n", resp->unit_get->n_children);
		if (kt_cli_print_units(resp->unit_get->children, resp->unit_get->n_children) !=
		    KT_OK)
			rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
	}
out:
	kt_response_free(rel[0]);
	kt_response_free(rel[1]);
	kt_response_free(resp);
	return rc;
}

static void event_details(const Kiemtra__V1__UnitEvent *e, char *out, size_t cap)
{
	switch ((int)e->kind) {
	case KIEMTRA__V1__UNIT_EVENT_KIND__UNIT_EVENT_CREATED:
		snprintf(out, cap, "as %s", e->new_name);
		break;
	case KIEMTRA__V1__UNIT_EVENT_KIND__UNIT_EVENT_RENAMED:
		snprintf(out, cap, "%s -> %s", e->old_name, e->new_name);
		break;
	case KIEMTRA__V1__UNIT_EVENT_KIND__UNIT_EVENT_MOVED:
		snprintf(out, cap, "parent %lld -> %lld", (long long)e->old_parent_id,
			 (long long)e->new_parent_id);
		break;
	case KIEMTRA__V1__UNIT_EVENT_KIND__UNIT_EVENT_MERGED:
		snprintf(out, cap, "into unit %lld", (long long)e->other_unit_id);
		break;
	case KIEMTRA__V1__UNIT_EVENT_KIND__UNIT_EVENT_ABSORBED:
		snprintf(out, cap, "unit %lld merged in", (long long)e->other_unit_id);
		break;
	default:
		snprintf(out, cap, "-");
		break;
	}
}

static void json_event(struct kt_json *j, const Kiemtra__V1__UnitEvent *e)
{
	kt_json_begin_object(j);
	kt_json_kv_int(j, "unit_id", e->unit_id);
	kt_json_kv_str(j, "kind", kt_unit_event_name((int)e->kind));
	kt_json_kv_int(j, "at", e->at);
	kt_json_kv_str(j, "old_name", e->old_name);
	kt_json_kv_str(j, "new_name", e->new_name);
	kt_json_kv_int(j, "old_parent_id", e->old_parent_id);
	kt_json_kv_int(j, "new_parent_id", e->new_parent_id);
	kt_json_kv_int(j, "other_unit_id", e->other_unit_id);
	kt_json_kv_str(j, "actor", e->actor);
	kt_json_kv_str(j, "note", e->note);
	kt_json_end_object(j);
}

int kt_cmd_units_history(struct kt_cli *cli, int argc, char **argv)
{
	static const char *const hdr[] = {"WHEN", "EVENT", "DETAILS", "BY", "NOTE"};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__UnitHistoryReq hr = KIEMTRA__V1__UNIT_HISTORY_REQ__INIT;
	Kiemtra__V1__Response *unit = NULL, *resp = NULL;
	const Kiemtra__V1__UnitHistoryResp *h;
	char when[64], details[600];
	const char *arg = NULL;
	struct kt_table t = {0};
	struct kt_json *j;
	size_t i;
	int rc;

	rc = unit_arg(cli, argc, argv, &arg);
	if (rc != KT_EXIT_OK)
		return rc;
	rc = resolve_unit(cli, arg, &unit);
	if (rc != KT_EXIT_OK)
		return rc;
	hr.id = unit->unit_get->unit->id;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_UNIT_HISTORY;
	req.unit_history = &hr;
	rc = kt_cli_call(cli, &req, &resp);
	if (rc != KT_EXIT_OK)
		goto out;
	h = resp->unit_history;
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_key(j, "unit");
		kt_cli_json_unit(j, unit->unit_get->unit);
		kt_json_key(j, "events");
		kt_json_begin_array(j);
		for (i = 0; i < h->n_events; i++)
			json_event(j, h->events[i]);
		kt_json_end_array(j);
		kt_cli_json_end(cli);
		goto out;
	}
	fputs("history of ", stdout);
	kt_print_safe(stdout, unit->unit_get->unit->code, false);
	fputs("  ", stdout);
	kt_print_safe(stdout, unit->unit_get->unit->name, false);
	printf(" (id %lld)\n", (long long)hr.id);
	if (h->n_events == 0) {
		puts("no recorded events");
		goto out;
	}
	if (kt_table_init(&t, 5, hdr) != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
		goto out;
	}
	for (i = 0; i < h->n_events; i++) {
		const Kiemtra__V1__UnitEvent *e = h->events[i];
		const char *row[5];

		kt_format_time(e->at, when, sizeof(when));
		event_details(e, details, sizeof(details));
		row[0] = when;
		row[1] = kt_unit_event_name((int)e->kind);
		row[2] = details;
		row[3] = e->actor;
		row[4] = e->note;
		kt_table_add(&t, row);
	}
	if (kt_table_print(&t, stdout) != KT_OK)
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
out:
	kt_table_free(&t);
	kt_response_free(resp);
	kt_response_free(unit);
	return rc;
}
