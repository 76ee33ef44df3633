/* server.c - see server.h. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "common/status.h"
#include "proto/kiemtra.pb-c.h"
#include "server/conn.h"
#include "server/console.h"
#include "server/server.h"
#include "server/store/store.h"
#include "server/svc_users.h"
#include "server/worker.h"

#define STOP_GRACE_MS 5000 /* how long a stop waits for clients to drain */

void server_config_defaults(struct server_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->data_dir, sizeof(cfg->data_dir), "var");
	snprintf(cfg->listen_host, sizeof(cfg->listen_host), "127.0.0.1");
	cfg->listen_port = 7447;
	cfg->console = true;
	cfg->max_conns = 20000;
	cfg->max_handshakes = 1024;
	cfg->max_in_flight = 64;
	cfg->handshake_timeout_ms = 10000;
	cfg->idle_timeout_ms = 300000;
	cfg->max_write_queue = 1 << 20;
	cfg->session_ttl_ms = 12LL * 3600 * 1000;
	cfg->session_max_ms = 7LL * 24 * 3600 * 1000;
	cfg->auth.concurrency = 0; /* auth.c: cores - 1, at least 1 */
	cfg->auth.queue_max = 512;
	cfg->auth.level = AUTH_LEVEL_INTERACTIVE;
}

int64_t server_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void path_in(const struct server *s, const char *name, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s", s->cfg.data_dir, name);
}

/* Write a small file atomically (tmp + rename), mode 0600. */
static int write_file(const char *path, const char *text)
{
	char tmp[PATH_MAX + 8];
	int fd;
	size_t n = strlen(text);

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return KT_ESYS;
	if (write(fd, text, n) != (ssize_t)n || fsync(fd) != 0) {
		close(fd);
		unlink(tmp);
		return KT_ESYS;
	}
	close(fd);
	return rename(tmp, path) == 0 ? KT_OK : KT_ESYS;
}

struct first_admin {
	const char *pwhash;
	char msg[256];
	int64_t users;
};

static int count_users(struct store_tx *tx, void *arg)
{
	struct first_admin *fa = arg;

	return store_user_count(tx, &fa->users);
}

static int add_first_admin(struct store_tx *tx, void *arg)
{
	struct first_admin *fa = arg;
	struct svc_actor who = {.user_id = 0, .name = "console", .now = server_now_ms()};

	return svc_user_add(tx, &who, "admin", "Quản trị hệ thống", STORE_ROLE_BIT(1), NULL,
			    fa->pwhash, true, NULL, fa->msg, sizeof(fa->msg));
}

static int ensure_first_admin(struct server *s, char *err, size_t errcap)
{
	struct first_admin fa = {0};
	char pw[AUTH_GENERATED_LEN], hash[STORE_PWHASH_MAX + 1], path[PATH_MAX + 32];
	char text[128];
	int rc;

	rc = store_run(s->store, false, count_users, &fa);
	if (rc != KT_OK || fa.users > 0)
		return rc;
	auth_generate_password(pw);
	rc = auth_hash_now(s->auth, pw, hash, sizeof(hash));
	if (rc != KT_OK)
		goto out;
	fa.pwhash = hash;
	rc = store_run(s->store, true, add_first_admin, &fa);
	if (rc != KT_OK) {
		snprintf(err, errcap, "cannot create the first administrator: %s",
			 fa.msg[0] ? fa.msg : kt_strerror(rc));
		goto out;
	}
	path_in(s, "initial-admin-password", path, sizeof(path));
	snprintf(text, sizeof(text), "%s\n", pw);
	write_file(path, text);
	printf("kiemtrad: created the first administrator account 'admin'\n"
	       "kiemtrad:   password: %s\n"
	       "kiemtrad:   (also in %s, mode 0600; it must be changed at first login)\n",
	       pw, path);
out:
	sodium_memzero(pw, sizeof(pw));
	sodium_memzero(hash, sizeof(hash));
	return rc;
}

int server_init(struct server *s, const struct server_config *cfg, char *err, size_t errcap)
{
	struct store_options so = {.create = true};
	char path[PATH_MAX + 32];
	bool created;
	struct stat sb;
	int rc;

	memset(s, 0, sizeof(*s));
	s->lock_fd = -1;
	s->cfg = *cfg;
	s->loop = uv_default_loop();
	s->started_at = server_now_ms();
	if (sodium_init() < 0) {
		snprintf(err, errcap, "libsodium failed to initialise");
		return KT_EINTERNAL;
	}
	if (kt_mkdirs(s->cfg.data_dir, 0700) != KT_OK) {
		snprintf(err, errcap, "cannot create data directory %s: %s", s->cfg.data_dir,
			 strerror(errno));
		return KT_ESYS;
	}
	if (stat(s->cfg.data_dir, &sb) == 0 && (sb.st_mode & 077))
		fprintf(stderr,
			"kiemtrad: warning: data directory %s is open to other users (mode %04o); "
			"chmod 700 it\n",
			s->cfg.data_dir, (unsigned)(sb.st_mode & 07777));
	/* One server per data directory: a second would corrupt nothing (SQLite locks)
	 * but would split clients and the admin socket between two processes. */
	path_in(s, "kiemtrad.lock", path, sizeof(path));
	s->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (s->lock_fd < 0 || flock(s->lock_fd, LOCK_EX | LOCK_NB) != 0) {
		snprintf(err, errcap,
			 "another kiemtrad is already running with data directory %s "
			 "(%s is locked); stop it first, or use kiemtrad admin --data %s",
			 s->cfg.data_dir, path, s->cfg.data_dir);
		return KT_EBUSY;
	}
	{
		/* The lock file names the process holding it (for tools and benchmarks). */
		char pid[32];
		int n = snprintf(pid, sizeof(pid), "%ld\n", (long)getpid());
		if (ftruncate(s->lock_fd, 0) != 0 || pwrite(s->lock_fd, pid, (size_t)n, 0) != n)
			fprintf(stderr, "kiemtrad: warning: cannot write the pid into %s\n", path);
	}
	path_in(s, "server.key", path, sizeof(path));
	rc = kt_keyfile_load_or_create(path, s->static_priv, s->static_pub, &created, err, errcap);
	if (rc != KT_OK)
		return rc;
	kt_fingerprint(s->static_pub, s->fingerprint);
	if (created)
		printf("kiemtrad: created server key %s\n", path);
	rc = store_open(&s->store, s->cfg.data_dir, &so);
	if (rc != KT_OK) {
		snprintf(err, errcap, "cannot open the database in %s: %s", s->cfg.data_dir,
			 kt_strerror(rc));
		return rc;
	}
	rc = auth_new(&s->auth, s->loop, &s->cfg.auth);
	if (rc != KT_OK) {
		snprintf(err, errcap, "cannot set up password hashing: %s", kt_strerror(rc));
		return rc;
	}
	return ensure_first_admin(s, err, errcap);
}

/* ---- the loop ------------------------------------------------------------------- */

static void on_connection(uv_stream_t *listener, int status)
{
	struct server *s = listener->data;

	if (status < 0)
		return;
	conn_accept(s, listener);
}

static void finish_stop(struct server *s)
{
	char path[PATH_MAX + 32];

	worker_stop(s->worker);
	uv_timer_stop(&s->sweep);
	uv_close((uv_handle_t *)&s->sweep, NULL);
	uv_close((uv_handle_t *)&s->sigint, NULL);
	uv_close((uv_handle_t *)&s->sigterm, NULL);
	path_in(s, "listen", path, sizeof(path));
	unlink(path);
}

static void on_sweep(uv_timer_t *t)
{
	struct server *s = t->data;
	uint64_t now = uv_now(s->loop);
	struct conn *c, *next;

	for (c = s->conns; c; c = next) {
		next = c->next;
		conn_sweep(c, now);
	}
}

static void on_stop_tick(uv_timer_t *t)
{
	struct server *s = t->data;
	uint64_t now = uv_now(s->loop);
	struct conn *c, *next;

	for (c = s->conns; c; c = next) {
		next = c->next;
		if (now >= s->stop_deadline)
			conn_sweep(c, now + STOP_GRACE_MS);
		else
			conn_sweep(c, now);
	}
	if (s->nconns == 0 || now >= s->stop_deadline + 1000)
		finish_stop(s);
}

void server_stop(struct server *s)
{
	struct conn *c, *next;

	if (s->stopping)
		return;
	s->stopping = true;
	console_stop(s->console);
	s->console = NULL;
	printf("kiemtrad: stopping\n");
	if (!uv_is_closing((uv_handle_t *)&s->listener))
		uv_close((uv_handle_t *)&s->listener, NULL);
	for (c = s->conns; c; c = next) {
		next = c->next;
		conn_close(c, KIEMTRA__V1__CLOSE_REASON__CLOSE_SHUTDOWN, "the server is stopping");
	}
	s->stop_deadline = uv_now(s->loop) + STOP_GRACE_MS;
	uv_timer_stop(&s->sweep);
	uv_timer_start(&s->sweep, on_stop_tick, 50, 50);
}

static void on_signal(uv_signal_t *h, int signum)
{
	server_stop(h->data);
}

static int start_listening(struct server *s, char *err, size_t errcap)
{
	struct sockaddr_storage ss;
	int sslen = sizeof(ss), rc;
	char host[64];
	int port = 0;

	if (strchr(s->cfg.listen_host, ':'))
		rc = uv_ip6_addr(s->cfg.listen_host, s->cfg.listen_port, (struct sockaddr_in6 *)&ss);
	else
		rc = uv_ip4_addr(s->cfg.listen_host, s->cfg.listen_port, (struct sockaddr_in *)&ss);
	if (rc != 0) {
		snprintf(err, errcap, "bad listen address %s", s->cfg.listen_host);
		return KT_EINVAL;
	}
	uv_tcp_init(s->loop, &s->listener);
	s->listener.data = s;
	rc = uv_tcp_bind(&s->listener, (struct sockaddr *)&ss, 0);
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&s->listener, 1024, on_connection);
	if (rc != 0) {
		snprintf(err, errcap, "cannot listen on %s:%d: %s", s->cfg.listen_host,
			 s->cfg.listen_port, uv_strerror(rc));
		return KT_ESYS;
	}
	uv_tcp_getsockname(&s->listener, (struct sockaddr *)&ss, &sslen);
	if (ss.ss_family == AF_INET6) {
		uv_ip6_name((struct sockaddr_in6 *)&ss, host, sizeof(host));
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		snprintf(s->listen_addr, sizeof(s->listen_addr), "[%s]:%d", host, port);
	} else {
		uv_ip4_name((struct sockaddr_in *)&ss, host, sizeof(host));
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		snprintf(s->listen_addr, sizeof(s->listen_addr), "%s:%d", host, port);
	}
	return KT_OK;
}

/*
 * Announce the address in <data>/listen: last, once the admin socket exists
 * too, so whoever waits for the file (scripts, tests) finds everything ready.
 */
static void announce(struct server *s)
{
	char path[PATH_MAX + 32], line[128];

	path_in(s, "listen", path, sizeof(path));
	snprintf(line, sizeof(line), "%s\n", s->listen_addr);
	write_file(path, line);
}

int server_run(struct server *s)
{
	char err[512];
	int rc;

	signal(SIGPIPE, SIG_IGN);
	rc = worker_start(&s->worker, s->loop, s->store);
	if (rc != KT_OK) {
		fprintf(stderr, "kiemtrad: cannot start the storage thread\n");
		return rc;
	}
	rc = start_listening(s, err, sizeof(err));
	if (rc != KT_OK) {
		fprintf(stderr, "kiemtrad: %s\n", err);
		worker_stop(s->worker);
		uv_run(s->loop, UV_RUN_NOWAIT);
		return rc;
	}
	uv_timer_init(s->loop, &s->sweep);
	s->sweep.data = s;
	uv_timer_start(&s->sweep, on_sweep, 1000, 1000);
	uv_signal_init(s->loop, &s->sigint);
	uv_signal_init(s->loop, &s->sigterm);
	s->sigint.data = s->sigterm.data = s;
	uv_signal_start(&s->sigint, on_signal, SIGINT);
	uv_signal_start(&s->sigterm, on_signal, SIGTERM);
	printf("kiemtrad: server key fingerprint %s\n", s->fingerprint);
	printf("kiemtrad: data directory %s\n", s->cfg.data_dir);
	printf("kiemtrad: listening on %s\n", s->listen_addr);
	fflush(stdout);
	rc = console_start(s, s->cfg.console);
	if (rc != KT_OK)
		fprintf(stderr, "kiemtrad: the admin console could not start: %s\n",
			kt_strerror(rc));
	announce(s);
	uv_run(s->loop, UV_RUN_DEFAULT);
	return KT_OK;
}

void server_fini(struct server *s)
{
	auth_free(s->auth);
	s->auth = NULL;
	/* Let the thread pool's last callbacks and handle closes run. */
	uv_run(s->loop, UV_RUN_DEFAULT);
	worker_free(s->worker);
	s->worker = NULL;
	store_close(s->store);
	s->store = NULL;
	uv_loop_close(s->loop);
	sodium_memzero(s->static_priv, sizeof(s->static_priv));
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* releases the lock */
}

/* ---- registry ------------------------------------------------------------------------ */

void server_foreach_conn(struct server *s, int (*fn)(struct conn *c, void *arg), void *arg)
{
	struct conn *c, *next;

	for (c = s->conns; c; c = next) {
		next = c->next;
		if (fn(c, arg))
			break;
	}
}

unsigned server_close_user(struct server *s, int64_t user_id, int reason, const char *message)
{
	struct conn *c, *next;
	unsigned n = 0;

	for (c = s->conns; c; c = next) {
		next = c->next;
		if (c->user_id == user_id && c->state == CONN_OPEN) {
			conn_close(c, reason, message);
			n++;
		}
	}
	return n;
}

unsigned server_close_conn(struct server *s, uint64_t conn_id, int reason, const char *message)
{
	struct conn *c;

	for (c = s->conns; c; c = c->next) {
		if (c->id == conn_id && c->state != CONN_CLOSING) {
			conn_close(c, reason, message);
			return 1;
		}
	}
	return 0;
}

unsigned server_update_user_roles(struct server *s, int64_t user_id, uint32_t roles,
				  int64_t unit_id)
{
	struct conn *c, *next;
	unsigned n = 0;

	for (c = s->conns; c; c = next) {
		next = c->next;
		if (c->user_id != user_id || c->state != CONN_OPEN)
			continue;
		n++;
		c->roles = roles;
		c->unit_id = unit_id;
		if (c->nwatch)
			conn_close(c, KIEMTRA__V1__CLOSE_REASON__CLOSE_KICKED,
				   "your roles changed; start watching again");
	}
	return n;
}

unsigned server_close_watchers(struct server *s, const char *username, const char *message)
{
	struct conn *c, *next;
	unsigned n = 0;

	for (c = s->watchers; c; c = next) {
		next = c->wnext;
		if (c->state == CONN_OPEN && strcmp(c->username, username) == 0) {
			conn_close(c, KIEMTRA__V1__CLOSE_REASON__CLOSE_KICKED, message);
			n++;
		}
	}
	return n;
}

unsigned server_close_device(struct server *s, int64_t user_id, const uint8_t device_pub[32],
			     int reason, const char *message)
{
	struct conn *c, *next;
	unsigned n = 0;

	for (c = s->conns; c; c = next) {
		next = c->next;
		if (c->state == CONN_OPEN && c->user_id == user_id &&
		    sodium_memcmp(c->device_pub, device_pub, 32) == 0) {
			conn_close(c, reason, message);
			n++;
		}
	}
	return n;
}
