/*
 * server.h - the kiemtrad process: configuration, the libuv loop, the TCP
 * listener, the registry of live connections, and orderly shutdown.
 *
 * Owns: the loop, the listener, the server's static key (wiped at exit), the
 * store (handed to the worker thread while it runs), the worker, the auth
 * module, the console, and every struct conn (see conn.h) until its close
 * callback. Everything here runs on the loop thread unless a comment says
 * otherwise.
 */
#ifndef KT_SERVER_H
#define KT_SERVER_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "common/keyfile.h"
#include "server/auth.h"

struct conn;
struct console;
struct worker;
struct store;

struct server_config {
	char data_dir[PATH_MAX];
	char listen_host[64];
	int listen_port;              /* 0: an ephemeral port */
	bool console;                 /* admin console on a terminal stdin */
	unsigned max_conns;           /* accepted connections at once */
	unsigned max_handshakes;      /* connections still in handshake at once */
	unsigned max_in_flight;       /* requests outstanding per connection */
	unsigned handshake_timeout_ms;
	unsigned idle_timeout_ms;
	unsigned max_write_queue;     /* bytes queued to a slow reader before reads pause */
	int64_t session_ttl_ms;       /* sliding session lifetime */
	int64_t session_max_ms;       /* absolute session lifetime */
	struct auth_options auth;
};

/* Defaults; then main() applies options and the KIEMTRAD_* environment. */
void server_config_defaults(struct server_config *cfg);

struct server_stats {
	uint64_t accepted, refused, handshakes_failed, requests, logins_ok, logins_failed;
};

struct server {
	uv_loop_t *loop;
	struct server_config cfg;
	struct store *store;
	struct worker *worker;
	struct auth *auth;
	struct console *console;
	uint8_t static_priv[32], static_pub[32];
	char fingerprint[KT_FINGERPRINT_LEN];
	char listen_addr[80]; /* "127.0.0.1:7447" once listening */
	uv_tcp_t listener;
	uv_timer_t sweep;     /* once a second: timeouts, keep-alives */
	uv_signal_t sigint, sigterm;
	struct conn *conns;   /* doubly linked registry */
	struct conn *watchers; /* the connections with a watch list (events.c) */
	unsigned nconns, nhandshakes;
	uint64_t next_conn_id;
	int64_t started_at;
	int lock_fd;            /* flock on <data>/kiemtrad.lock: one server per data directory */
	bool stopping;
	uint64_t stop_deadline; /* uv_now() by which a stop cuts remaining clients */
	struct server_stats stats;
	/* Shared buffers: the loop is one thread and none is kept across callbacks. */
	uint8_t readbuf[65536];  /* socket reads */
	uint8_t plainbuf[65536]; /* a decrypted frame */
	uint8_t scratch[65536];  /* a frame being packed before encryption */
};

/*
 * Open the data directory (created 0700), the server key (created 0600 on
 * first start), the database (migrated), and the first administrator account
 * when there is no user yet (its generated password is printed and written to
 * <data>/initial-admin-password, 0600). err gets a sentence on failure.
 */
int server_init(struct server *s, const struct server_config *cfg, char *err, size_t errcap);
/* Listen, start the worker, the console and the admin socket, and run the loop until stopped. */
int server_run(struct server *s);
/* Begin a graceful stop: refuse new connections, say Goodbye to every client, drain. */
void server_stop(struct server *s);
void server_fini(struct server *s);

/* Milliseconds since the Unix epoch (wall clock, for records). */
int64_t server_now_ms(void);

/* Registry. fn returning non-zero stops the walk. */
void server_foreach_conn(struct server *s, int (*fn)(struct conn *c, void *arg), void *arg);
/* Close every connection of a user (or one connection by id); returns how many. */
unsigned server_close_user(struct server *s, int64_t user_id, int reason, const char *message);
unsigned server_close_conn(struct server *s, uint64_t conn_id, int reason, const char *message);
/*
 * Roles changed on the console: live connections of the user act with the new
 * roles from their next request; connections watching updates (whose watch
 * lists were computed with the old rights) are closed so they watch again.
 * Returns how many connections the user has.
 */
unsigned server_update_user_roles(struct server *s, int64_t user_id, uint32_t roles,
				  int64_t unit_id);
/* Close the connections of one device of a user; returns how many. */
unsigned server_close_device(struct server *s, int64_t user_id, const uint8_t device_pub[32],
			     int reason, const char *message);
/* Close the watching connections of a user (by username) with Goodbye(KICKED, message). */
unsigned server_close_watchers(struct server *s, const char *username, const char *message);

#endif
