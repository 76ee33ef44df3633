/*
 * dispatch.h - from a decrypted Request frame to a Response frame.
 *
 * Owns: struct call, one per request in flight, from decode to reply. A call
 * holds a reference to its connection, the decoded request (freed at reply),
 * and an arena for everything the response points to (freed at reply).
 *
 * Order of checks, for every request (dispatch_frame): decode under the
 * connection's budget -> method known -> in-flight cap -> authenticated (or
 * the method is allowed before login) -> must-change-password gate -> role ->
 * the method's start(). Each refusal is a Response with a status and a
 * sentence saying what is missing.
 *
 * A method either answers on the loop thread (start() calls call_reply()) or
 * runs on the storage thread: call_submit() queues run() inside a
 * transaction; finish() (optional) runs on the loop thread after commit;
 * then the reply goes out. run() sees only the call (its snapshot of the
 * connection's identity in call->who), never the connection itself.
 */
#ifndef KT_DISPATCH_H
#define KT_DISPATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/kiemtra.pb-c.h"
#include "server/rights.h"
#include "server/store/store.h"
#include "server/svc_users.h"
#include "server/worker.h"

struct conn;
struct call;

enum method_flags {
	M_NOAUTH = 1 << 0,      /* allowed before login */
	M_MUSTCHANGE = 1 << 1,  /* allowed while the password must be changed */
};

struct method {
	int body;               /* KIEMTRA__V1__REQUEST__BODY_* */
	const char *name;       /* "unit.list": for logs, audit and error messages */
	unsigned flags;
	uint32_t roles;         /* any of these STORE_ROLE_BIT()s; 0: any logged-in user */
	void (*start)(struct call *call);                     /* loop thread; NULL: submit run */
	int (*run)(struct store_tx *tx, struct call *call);   /* storage thread */
	void (*finish)(struct call *call);                    /* loop thread, after commit */
};

struct arena_chunk;

struct call {
	struct worker_job job;
	struct conn *conn;
	const struct method *m;
	Kiemtra__V1__Request *req;
	uint64_t id;
	int rc;                  /* KT_E* result */
	int run_rc;              /* what run() returned (a commit may still fail after it) */
	char msg[512];           /* sentence for the person, when rc != 0 */
	uint32_t retry_after_ms;
	Kiemtra__V1__Response resp;
	struct arena_chunk *arena;
	/* identity snapshot taken at dispatch (the storage thread reads these) */
	struct svc_actor who;
	char username[STORE_USERNAME_MAX + 1];
	uint32_t roles;
	int64_t unit_id;
	uint8_t device_pub[32];
	int64_t device_id;       /* the session's enrolled device (its signing key verifies approvals) */
	char peer_host[48];
	void *state;             /* a method's own data (arena-allocated) */
	bool wipe;               /* the request or arena holds secrets: zero before free */
};

/* Decode and route one plaintext frame (loop thread). Returns 0, or KT_E* to close. */
int dispatch_frame(struct conn *c, const uint8_t *plain, size_t len);

/* Zeroed memory that lives as long as the call; NULL on exhaustion. */
void *call_alloc(struct call *call, size_t size);
char *call_strdup(struct call *call, const char *s);
/* Set the result code and message (printf-style). Returns rc. */
int call_fail(struct call *call, int rc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* KT_ENOMEM with "out of memory", for run() and finish() to return. */
int call_oom(struct call *call);
/* The caller's identity as the rights model takes it (server/rights.h). */
struct rights_user call_rights_user(const struct call *call);
/* Queue call->m->run (or the given run/done) on the storage thread. */
void call_submit(struct call *call);
/* Send the response (status from call->rc) and free the call. Loop thread. */
void call_reply(struct call *call);

/* Send an Event frame to a connection (loop thread); 0 or KT_E*. */
int dispatch_send_event(struct conn *c, Kiemtra__V1__Event *ev);

/* Method rows live with their handlers (rpc_*.c); dispatch.c lists the tables. */
extern const struct method rpc_auth_methods[];
extern const size_t rpc_auth_nmethods;
extern const struct method rpc_units_methods[];
extern const size_t rpc_units_nmethods;
extern const struct method rpc_plans_methods[];
extern const size_t rpc_plans_nmethods;
extern const struct method rpc_findings_methods[];
extern const size_t rpc_findings_nmethods;
extern const struct method rpc_evidence_methods[];
extern const size_t rpc_evidence_nmethods;
extern const struct method rpc_conclusions_methods[];
extern const size_t rpc_conclusions_nmethods;
extern const struct method rpc_recommendations_methods[];
extern const size_t rpc_recommendations_nmethods;
extern const struct method rpc_reviews_methods[];
extern const size_t rpc_reviews_nmethods;
extern const struct method rpc_watch_methods[];
extern const size_t rpc_watch_nmethods;

#endif
