/*
 * support_server.h - an in-process kiemtrad core for the fuzz targets that
 * drive the server (fuzz_dispatch, fuzz_admin).
 *
 * fz_server() starts it on first use: server_init() on a fresh data directory
 * (mkdtemp under $TMPDIR, else /dev/shm, else /tmp; removed at exit), password
 * hashing at the test level (libsodium's minimum Argon2id limits), a seeded
 * database, and the storage worker on the default uv loop. Nothing listens:
 * no TCP listener, console, admin socket, sweep timer or signal handler.
 *
 * Seed: units BD (province) > TP (district) > HA (commune, "xã Hòa An") and
 * BD > PNV (department), HB merged into HA, TP renamed once; the user
 * FZ_USERNAME (password FZ_PASSWORD; roles admin, planner, inspector,
 * authority, observer) with the device FZ_DEVICE_PRIV enrolled and a session
 * whose token is 32 bytes of FZ_TOKEN_BYTE. A target may add to that through its own requests
 * and then call fz_snapshot(). The database file is kept in memory;
 * fz_restore_if_changed() copies it back (worker stopped, store closed
 * and reopened) whenever an input committed a change, so every input starts
 * from the same database.
 *
 * Owns: the struct server (static) and the snapshot. Loop thread only.
 */
#ifndef KT_FUZZ_SUPPORT_SERVER_H
#define KT_FUZZ_SUPPORT_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "server/server.h"

#define FZ_USERNAME "tester"
#define FZ_PASSWORD "correct horse 42"
#define FZ_PEER_HOST "127.0.0.1"
#define FZ_PEER "127.0.0.1:40404"

/* The seeded device's X25519 private key is 32 bytes of FZ_DEVICE_BYTE. */
#define FZ_DEVICE_BYTE 0x44
/* The seeded session's token is 32 bytes of FZ_TOKEN_BYTE. */
#define FZ_TOKEN_BYTE 0x54

struct fz_seed {
	int64_t user_id;
	uint32_t roles;
	int64_t session_id;
	int64_t session_created_at, session_expires_at;
	int64_t device_id;
	int64_t unit_ha; /* the id of unit HA */
	uint8_t device_pub[32];
	uint8_t token[32];
};

/* The running core (started on the first call; aborts when it cannot start). */
struct server *fz_server(void);
const struct fz_seed *fz_seed(void);

/* Run the loop (one iteration at a time) until done(arg) is true. */
void fz_run_until(bool (*done)(void *arg), void *arg);

/*
 * Put the seeded database back when the last input committed anything (the
 * write-ahead log changed); cheap otherwise. Call between inputs, with no
 * request or command running.
 */
void fz_restore_if_changed(void);

/* Make the database as it is now the one fz_restore_if_changed() puts back. */
void fz_snapshot(void);

/* Replace the password hashing module (forgets every login throttle). */
void fz_reset_auth(void);

#endif
