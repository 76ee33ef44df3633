/* events.c - see events.h. */
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "proto/kiemtra.pb-c.h"
#include "server/conn.h"
#include "server/dispatch.h"
#include "server/events.h"
#include "server/server.h"

/*
 * Watching connections are also on the server's watchers list, so publishing
 * costs as much as there are watchers, not connections (thousands may idle).
 */
static void unlist(struct conn *c)
{
	struct server *s = c->srv;

	if (!c->nwatch)
		return;
	if (c->wprev)
		c->wprev->wnext = c->wnext;
	else
		s->watchers = c->wnext;
	if (c->wnext)
		c->wnext->wprev = c->wprev;
	c->wprev = c->wnext = NULL;
}

int events_watch(struct conn *c, const struct watch_entry *entries, size_t n)
{
	struct watch_entry *copy = NULL;
	struct server *s = c->srv;

	if (n) {
		copy = malloc(n * sizeof(*copy));
		if (!copy)
			return KT_ENOMEM;
		memcpy(copy, entries, n * sizeof(*copy));
	}
	unlist(c);
	free(c->watch);
	c->watch = copy;
	c->nwatch = n;
	if (n) {
		c->wprev = NULL;
		c->wnext = s->watchers;
		if (s->watchers)
			s->watchers->wprev = c;
		s->watchers = c;
	}
	return KT_OK;
}

void events_forget(struct conn *c)
{
	unlist(c);
	free(c->watch);
	c->watch = NULL;
	c->nwatch = 0;
}

static bool sees(const struct conn *c, const struct event_update *u)
{
	for (size_t i = 0; i < c->nwatch; i++) {
		const struct watch_entry *w = &c->watch[i];

		if (w->plan_id != u->plan_id)
			continue;
		if (u->team_only && !w->team)
			return false;
		/* A unit-limited watcher sees its unit's records, not plan-wide ones. */
		if (w->unit_id && w->unit_id != u->unit_id)
			return false;
		return true;
	}
	return false;
}

bool events_watched(const struct server *s)
{
	return s->watchers != NULL;
}

void events_publish(struct server *s, const struct event_update *u)
{
	Kiemtra__V1__Event ev = KIEMTRA__V1__EVENT__INIT;
	Kiemtra__V1__Update up = KIEMTRA__V1__UPDATE__INIT;
	struct conn *c, *next;

	up.kind = (Kiemtra__V1__UpdateKind)u->kind;
	up.plan_id = u->plan_id;
	up.unit_id = u->unit_id;
	up.object_id = u->object_id;
	up.state = u->state;
	up.by = u->by;
	up.by_name = (char *)(u->by_name ? u->by_name : "");
	up.summary = (char *)(u->summary ? u->summary : "");
	up.version = u->version;
	ev.kind_case = KIEMTRA__V1__EVENT__KIND_UPDATE;
	ev.update = &up;
	for (c = s->watchers; c; c = next) {
		next = c->wnext;
		if (c->state == CONN_OPEN && c->user_id && sees(c, u))
			dispatch_send_event(c, &ev);
	}
}
