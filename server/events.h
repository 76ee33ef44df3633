/*
 * events.h - live updates to watching connections (kiemtra watch).
 *
 * A connection that sent WatchReq carries a watch list: for each plan it may
 * see, whether it sees the whole plan or one unit, and whether it sees team
 * drafts. events_publish() runs on the loop thread after the change has
 * committed (a method's finish()), and sends an Event.update to each watching
 * connection allowed to see it. Services never call it: the RPC layer does,
 * with what the service returned.
 *
 * Owns: each connection's watch list (freed with the connection through
 * events_forget()).
 */
#ifndef KT_EVENTS_H
#define KT_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct server;
struct conn;

struct event_update {
	int kind;                /* UpdateKind */
	int64_t plan_id;
	int64_t unit_id;         /* 0: about the plan as a whole */
	int64_t object_id;
	int state;
	int64_t by;
	const char *by_name;
	const char *summary;
	int64_t version;
	bool team_only;          /* drafts and returns: only the team sees them */
};

struct watch_entry {
	int64_t plan_id;
	int64_t unit_id;         /* 0: every unit of the plan; else only this unit */
	bool team;               /* sees team_only updates */
};

/* Replace a connection's watch list (entries copied); n = 0 stops watching. */
int events_watch(struct conn *c, const struct watch_entry *entries, size_t n);
void events_forget(struct conn *c);
/* Is anyone watching (worth writing an update's sentence for)? */
bool events_watched(const struct server *s);
void events_publish(struct server *s, const struct event_update *u);

#endif
