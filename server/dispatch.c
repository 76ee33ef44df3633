/* dispatch.c - see dispatch.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "common/codec.h"
#include "common/status.h"
#include "common/wire.h"
#include "server/conn.h"
#include "server/dispatch.h"
#include "server/server.h"

/* ---- the method table ------------------------------------------------------- */

#define MAX_BODY 256 /* oneof field numbers of Request.body are below this */

static const struct method *by_body[MAX_BODY];
static bool table_ready;

static void table_add(const struct method *rows, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].body > 0 && rows[i].body < MAX_BODY)
			by_body[rows[i].body] = &rows[i];
}

static const struct method *find_method(int body)
{
	if (!table_ready) {
		table_add(rpc_auth_methods, rpc_auth_nmethods);
		table_add(rpc_units_methods, rpc_units_nmethods);
		table_add(rpc_plans_methods, rpc_plans_nmethods);
		table_add(rpc_findings_methods, rpc_findings_nmethods);
		table_add(rpc_evidence_methods, rpc_evidence_nmethods);
		table_add(rpc_conclusions_methods, rpc_conclusions_nmethods);
		table_add(rpc_recommendations_methods, rpc_recommendations_nmethods);
		table_add(rpc_reviews_methods, rpc_reviews_nmethods);
		table_add(rpc_watch_methods, rpc_watch_nmethods);
		table_ready = true;
	}
	if (body <= 0 || body >= MAX_BODY)
		return NULL;
	return by_body[body];
}

/* ---- the call arena ----------------------------------------------------------- */

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	max_align_t data[];
};

void *call_alloc(struct call *call, size_t size)
{
	struct arena_chunk *ch = call->arena;
	size_t need = (size + 15) & ~(size_t)15;
	void *p;

	if (!ch || ch->cap - ch->used < need) {
		size_t cap = need > 8192 ? need : 8192;
		ch = malloc(sizeof(*ch) + cap);
		if (!ch)
			return NULL;
		ch->used = 0;
		ch->cap = cap;
		ch->next = call->arena;
		call->arena = ch;
	}
	p = (char *)ch->data + ch->used;
	ch->used += need;
	memset(p, 0, size);
	return p;
}

char *call_strdup(struct call *call, const char *s)
{
	size_t n = strlen(s);
	char *p = call_alloc(call, n + 1);

	if (p)
		memcpy(p, s, n + 1);
	return p;
}

static void arena_free(struct arena_chunk *ch, bool wipe)
{
	while (ch) {
		struct arena_chunk *next = ch->next;
		if (wipe)
			sodium_memzero(ch->data, ch->cap);
		free(ch);
		ch = next;
	}
}

int call_fail(struct call *call, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(call->msg, sizeof(call->msg), fmt, ap);
	va_end(ap);
	call->rc = rc;
	return rc;
}

int call_oom(struct call *call)
{
	return call_fail(call, KT_ENOMEM, "out of memory");
}

struct rights_user call_rights_user(const struct call *call)
{
	struct rights_user u = {
		.user_id = call->who.user_id,
		.roles = call->roles,
		.unit_id = call->unit_id,
	};

	return u;
}

/* ---- replies -------------------------------------------------------------------- */

static int send_frame(struct conn *c, Kiemtra__V1__ServerFrame *f)
{
	uint8_t *buf = c->srv->scratch;
	size_t n = kt_pack(&f->base, buf, KT_PLAINTEXT_MAX);

	if (n == 0)
		return KT_ETOOBIG;
	return conn_send(c, buf, n);
}

void call_reply(struct call *call)
{
	struct conn *c = call->conn;
	Kiemtra__V1__ServerFrame f = KIEMTRA__V1__SERVER_FRAME__INIT;
	Kiemtra__V1__Response *r = &call->resp;

	if (c->state == CONN_OPEN) {
		r->id = call->id;
		r->status = (Kiemtra__V1__Status)kt_err_status(call->rc);
		r->retry_after_ms = call->retry_after_ms;
		if (call->rc != KT_OK) {
			r->body_case = KIEMTRA__V1__RESPONSE__BODY__NOT_SET;
			r->message = call->msg[0] ? call->msg : (char *)kt_strerror(call->rc);
			if (kt_err_status(call->rc) == KT_STATUS_INTERNAL)
				fprintf(stderr, "kiemtrad: %s from %s (%s): %s\n",
					call->m ? call->m->name : "request", c->peer,
					c->username[0] ? c->username : "-", r->message);
		}
		f.kind_case = KIEMTRA__V1__SERVER_FRAME__KIND_RESPONSE;
		f.response = r;
		if (send_frame(c, &f) == KT_ETOOBIG) {
			r->body_case = KIEMTRA__V1__RESPONSE__BODY__NOT_SET;
			r->status = KIEMTRA__V1__STATUS__STATUS_RESOURCE_EXHAUSTED;
			r->message = "the response would exceed one frame; ask for fewer items";
			send_frame(c, &f);
		}
	}
	c->in_flight--;
	kt_unpack_free(&call->req->base);
	arena_free(call->arena, call->wipe);
	free(call);
	conn_unref(c);
}

int dispatch_send_event(struct conn *c, Kiemtra__V1__Event *ev)
{
	Kiemtra__V1__ServerFrame f = KIEMTRA__V1__SERVER_FRAME__INIT;

	if (c->state != CONN_OPEN)
		return KT_ESTATE;
	ev->seq = ++c->event_seq;
	ev->at = server_now_ms();
	f.kind_case = KIEMTRA__V1__SERVER_FRAME__KIND_EVENT;
	f.event = ev;
	return send_frame(c, &f);
}

/* ---- the storage-thread path -------------------------------------------------- */

static int job_run(struct store_tx *tx, struct worker_job *job)
{
	struct call *call = (struct call *)((char *)job - offsetof(struct call, job));

	call->rc = KT_OK;
	if (call->job.rerunnable) {
		/* Run again after a rollback: nothing of the first run counts. */
		call->msg[0] = '\0';
		kiemtra__v1__response__init(&call->resp);
		call->state = NULL;
	}
	call->run_rc = call->m->run(tx, call);
	return call->run_rc;
}

static void job_done(struct worker_job *job, int rc)
{
	struct call *call = (struct call *)((char *)job - offsetof(struct call, job));

	call->rc = rc;
	/* A failed commit: run()'s sentence (if any) is not what happened. */
	if (rc != call->run_rc)
		call->msg[0] = '\0';
	if (rc == KT_ESHUTDOWN && !call->msg[0])
		snprintf(call->msg, sizeof(call->msg), "the server is shutting down");
	if (rc == KT_OK && call->m->finish && call->conn->state == CONN_OPEN)
		call->m->finish(call);
	call_reply(call);
}

void call_submit(struct call *call)
{
	call->job.run = job_run;
	call->job.run_raw = NULL;
	call->job.done = job_done;
	/*
	 * A method's run() keeps its results in the call (response, state and
	 * sentence, set afresh by job_run) and the database, unless a start()
	 * prepared state for it: only those without one are run again.
	 */
	call->job.rerunnable = call->m->start == NULL;
	worker_submit(call->conn->srv->worker, &call->job);
}

/* ---- routing -------------------------------------------------------------------- */

static void role_names(uint32_t roles, char *out, size_t cap)
{
	svc_roles_format(roles, out, cap);
	for (char *p = out; *p; p++)
		if (*p == ',')
			*p = '|';
}

int dispatch_frame(struct conn *c, const uint8_t *plain, size_t len)
{
	struct server *s = c->srv;
	size_t budget = c->user_id ? KT_DECODE_BUDGET : KT_DECODE_BUDGET_UNAUTH;
	Kiemtra__V1__Request *req;
	const struct method *m;
	struct call *call;

	s->stats.requests++;
	req = (Kiemtra__V1__Request *)kt_unpack(&kiemtra__v1__request__descriptor, plain, len,
						 budget);
	if (!req) {
		/* Undecodable: answer once with id 0; before login that ends the connection. */
		Kiemtra__V1__ServerFrame f = KIEMTRA__V1__SERVER_FRAME__INIT;
		Kiemtra__V1__Response r = KIEMTRA__V1__RESPONSE__INIT;

		r.status = KIEMTRA__V1__STATUS__STATUS_INVALID_ARGUMENT;
		r.message = "the request could not be decoded as a kiemtra.v1.Request "
			    "(or exceeded the decoding budget)";
		f.kind_case = KIEMTRA__V1__SERVER_FRAME__KIND_RESPONSE;
		f.response = &r;
		send_frame(c, &f);
		return c->user_id ? KT_OK : KT_EINVAL;
	}
	call = calloc(1, sizeof(*call));
	if (!call) {
		kt_unpack_free(&req->base);
		return KT_ENOMEM;
	}
	kiemtra__v1__response__init(&call->resp);
	call->conn = c;
	call->req = req;
	call->id = req->id;
	conn_ref(c);
	c->in_flight++;
	call->who.user_id = c->user_id;
	call->who.session_id = c->session_id;
	call->who.now = server_now_ms();
	snprintf(call->username, sizeof(call->username), "%s", c->username);
	call->who.name = call->username;
	call->roles = c->roles;
	call->unit_id = c->unit_id;
	memcpy(call->device_pub, c->device_pub, 32);
	call->device_id = c->device_id;
	snprintf(call->peer_host, sizeof(call->peer_host), "%s", c->peer_host);

	m = find_method((int)req->body_case);
	call->m = m;
	if (!m) {
		call_fail(call, KT_EUNIMPL,
			  "this server does not know this kind of request (a newer client?); "
			  "upgrade the server or use an older client");
	} else if (c->in_flight > (c->user_id ? s->cfg.max_in_flight : CONN_IN_FLIGHT_UNAUTH)) {
		call_fail(call, KT_ELIMIT, "too many requests in flight on this connection (limit %u)",
			  c->user_id ? s->cfg.max_in_flight : CONN_IN_FLIGHT_UNAUTH);
	} else if (!c->user_id && !(m->flags & M_NOAUTH)) {
		call_fail(call, KT_EUNAUTH, "%s needs a logged-in session: log in first",
			  m->name);
	} else if (c->must_change_password && !(m->flags & M_MUSTCHANGE)) {
		call_fail(call, KT_ESTATE,
			  "the password of '%s' must be changed first (kiemtra passwd)",
			  c->username);
	} else if (m->roles && !(c->roles & m->roles)) {
		char need[128];
		role_names(m->roles, need, sizeof(need));
		call_fail(call, KT_EPERM, "%s needs the role %s; '%s' does not have it", m->name,
			  need, c->username);
	}
	if (call->rc != KT_OK) {
		call_reply(call);
		return KT_OK;
	}
	if (m->start)
		m->start(call);
	else
		call_submit(call);
	return KT_OK;
}
