/* support_server.c - see support_server.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/noise.h"
#include "common/status.h"
#include "fuzz/support_server.h"
#include "server/store/store.h"
#include "server/svc_units.h"
#include "server/svc_users.h"
#include "server/worker.h"

#define SESSION_TTL_MS (12LL * 3600 * 1000)

static struct server srv;
static struct fz_seed seed;
static bool started;
static char data_dir[PATH_MAX];
static char db_path[PATH_MAX + 32], wal_path[PATH_MAX + 32], shm_path[PATH_MAX + 32];
static uint8_t *snapshot;
static size_t snapshot_len;

/* What the write-ahead log looks like: it changes with every commit that wrote a page. */
struct wal_sig {
	bool exists;
	off_t size;
	struct timespec mtime;
	uint8_t head[32];
};
static struct wal_sig wal_base;

static void die(const char *what, const char *why)
{
	fprintf(stderr, "fuzz support: %s: %s\n", what, why);
	abort();
}

static void wal_sig_get(struct wal_sig *w)
{
	struct stat sb;
	int fd;

	memset(w, 0, sizeof(*w));
	fd = open(wal_path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &sb) == 0) {
		w->exists = true;
		w->size = sb.st_size;
		w->mtime = sb.st_mtim;
		if (read(fd, w->head, sizeof(w->head)) < 0)
			memset(w->head, 0, sizeof(w->head));
	}
	close(fd);
}

static bool wal_sig_same(const struct wal_sig *a, const struct wal_sig *b)
{
	return a->exists == b->exists && a->size == b->size && a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       memcmp(a->head, b->head, sizeof(a->head)) == 0;
}

static void remove_data_dir(void)
{
	DIR *d;
	struct dirent *e;
	char path[PATH_MAX + 300];

	if (!data_dir[0])
		return;
	d = opendir(data_dir);
	if (d) {
		while ((e = readdir(d))) {
			if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/%s", data_dir, e->d_name);
			unlink(path);
		}
		closedir(d);
	}
	rmdir(data_dir);
}

static void make_data_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (!tmp || !*tmp)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(data_dir, sizeof(data_dir), "%s/kt-fuzz-XXXXXX", tmp);
	if (!mkdtemp(data_dir))
		die("mkdtemp", strerror(errno));
	atexit(remove_data_dir);
	snprintf(db_path, sizeof(db_path), "%s/kiemtra.db", data_dir);
	snprintf(wal_path, sizeof(wal_path), "%s/kiemtra.db-wal", data_dir);
	snprintf(shm_path, sizeof(shm_path), "%s/kiemtra.db-shm", data_dir);
}

struct seed_arg {
	const char *pwhash;
	char msg[512];
};

static int seed_tx(struct store_tx *tx, void *arg)
{
	struct seed_arg *sa = arg;
	const uint32_t roles = STORE_ROLE_BIT(1) | STORE_ROLE_BIT(2) | STORE_ROLE_BIT(3) |
			       STORE_ROLE_BIT(5) | STORE_ROLE_BIT(6);
	int64_t now = server_now_ms();
	struct svc_actor console = {.user_id = 0, .name = "console", .now = now};
	struct svc_actor who;
	struct store_unit bd, tp, ha, hb, pnv, out;
	struct store_user u;
	struct store_session sess;
	uint8_t token_hash[32], sign_seed[32], sign_pk[32], sign_sk[64];
	bool enrolled;
	int rc;

#define UNIT(code, name, kind, parent, o)                                                          \
	svc_unit_add(tx, code, name, kind, parent, 0, "console", 0, now, o, sa->msg,               \
		     sizeof(sa->msg))
	if ((rc = UNIT("BD", "Tỉnh Bình Định", 1, 0, &bd)) != KT_OK ||
	    (rc = UNIT("TP", "Huyện Tuy Phuoc", 2, bd.id, &tp)) != KT_OK ||
	    (rc = UNIT("HA", "xã Hòa An", 3, tp.id, &ha)) != KT_OK ||
	    (rc = UNIT("HB", "xã Hòa Bình", 3, tp.id, &hb)) != KT_OK ||
	    (rc = UNIT("PNV", "Sở Nội vụ", 6, bd.id, &pnv)) != KT_OK)
		return rc;
#undef UNIT
	rc = svc_unit_rename(tx, tp.id, 0, "Huyện Tuy Phước", "sửa dấu", 0, "console", 0, now, &out,
			     sa->msg, sizeof(sa->msg));
	if (rc == KT_OK)
		rc = svc_unit_merge(tx, hb.id, ha.id, "sáp nhập\nhai xã", 0, "console", 0, now,
				    &out, sa->msg, sizeof(sa->msg));
	if (rc == KT_OK)
		rc = svc_user_add(tx, &console, FZ_USERNAME, "Người Kiểm Thử", roles, NULL,
				  sa->pwhash, false, &u, sa->msg, sizeof(sa->msg));
	if (rc != KT_OK)
		return rc;
	memset(sign_seed, 0x53, sizeof(sign_seed));
	crypto_sign_seed_keypair(sign_pk, sign_sk, sign_seed);
	svc_token_hash(seed.token, token_hash);
	who = (struct svc_actor){.user_id = u.id, .name = FZ_USERNAME, .now = now};
	rc = svc_login(tx, &who, u.id, seed.device_pub, "fuzz device", sign_pk, token_hash,
		       now + SESSION_TTL_MS, &u, &sess, &enrolled, sa->msg, sizeof(sa->msg));
	sodium_memzero(sign_sk, sizeof(sign_sk));
	if (rc != KT_OK)
		return rc;
	seed.user_id = u.id;
	seed.roles = roles;
	seed.session_id = sess.id;
	seed.session_created_at = sess.created_at;
	seed.session_expires_at = sess.expires_at;
	seed.device_id = sess.device_id;
	seed.unit_ha = ha.id;
	return KT_OK;
}

static void read_snapshot(void)
{
	struct stat sb;
	int fd = open(db_path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &sb) != 0)
		die("snapshot", strerror(errno));
	snapshot_len = (size_t)sb.st_size;
	snapshot = malloc(snapshot_len ? snapshot_len : 1);
	if (!snapshot || read(fd, snapshot, snapshot_len) != (ssize_t)snapshot_len)
		die("snapshot", "cannot read the seeded database");
	close(fd);
	if (access(wal_path, F_OK) == 0) {
		struct stat ws;

		/* A closed database leaves an empty log at most; anything else would be lost. */
		if (stat(wal_path, &ws) != 0 || ws.st_size != 0)
			die("snapshot", "the write-ahead log was not checkpointed at close");
	}
}

static void open_store_and_worker(void)
{
	struct store_options so = {.create = false};
	int rc;

	rc = store_open(&srv.store, data_dir, &so);
	if (rc != KT_OK)
		die("store_open", kt_strerror(rc));
	rc = worker_start(&srv.worker, srv.loop, srv.store);
	if (rc != KT_OK)
		die("worker_start", kt_strerror(rc));
	wal_sig_get(&wal_base);
}

static void close_worker_and_store(void)
{
	worker_stop(srv.worker);
	uv_run(srv.loop, UV_RUN_NOWAIT); /* closes the worker's async handle */
	worker_free(srv.worker);
	srv.worker = NULL;
	store_close(srv.store);
	srv.store = NULL;
}

static void start(void)
{
	struct server_config cfg;
	struct seed_arg sa = {0};
	char err[512], hash[STORE_PWHASH_MAX + 1];
	uint8_t device_priv[32];
	int rc;

	signal(SIGPIPE, SIG_IGN);
	make_data_dir();
	server_config_defaults(&cfg);
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", data_dir);
	cfg.console = false;
	cfg.listen_port = 0;
	cfg.auth.level = AUTH_LEVEL_TEST;
	rc = server_init(&srv, &cfg, err, sizeof(err));
	if (rc != KT_OK)
		die("server_init", err);

	memset(device_priv, FZ_DEVICE_BYTE, sizeof(device_priv));
	if (noise_public_key(device_priv, seed.device_pub) != NOISE_OK)
		die("device key", "refused");
	memset(seed.token, FZ_TOKEN_BYTE, sizeof(seed.token));
	rc = auth_hash_now(srv.auth, FZ_PASSWORD, hash, sizeof(hash));
	if (rc != KT_OK)
		die("auth_hash_now", kt_strerror(rc));
	sa.pwhash = hash;
	rc = store_run(srv.store, true, seed_tx, &sa);
	if (rc != KT_OK)
		die("seeding the database", sa.msg[0] ? sa.msg : kt_strerror(rc));

	store_close(srv.store);
	srv.store = NULL;
	read_snapshot();
	open_store_and_worker();
	started = true;
}

struct server *fz_server(void)
{
	if (!started)
		start();
	return &srv;
}

const struct fz_seed *fz_seed(void)
{
	fz_server();
	return &seed;
}

void fz_run_until(bool (*done)(void *arg), void *arg)
{
	while (!done(arg))
		uv_run(srv.loop, UV_RUN_ONCE);
}

void fz_restore_if_changed(void)
{
	struct wal_sig now;
	int fd;

	wal_sig_get(&now);
	if (wal_sig_same(&now, &wal_base))
		return;
	close_worker_and_store();
	fd = open(db_path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0 || write(fd, snapshot, snapshot_len) != (ssize_t)snapshot_len)
		die("restore", strerror(errno));
	close(fd);
	unlink(wal_path);
	unlink(shm_path);
	open_store_and_worker();
}

void fz_snapshot(void)
{
	close_worker_and_store();
	free(snapshot);
	read_snapshot();
	open_store_and_worker();
}

void fz_reset_auth(void)
{
	int rc;

	auth_free(srv.auth);
	srv.auth = NULL;
	rc = auth_new(&srv.auth, srv.loop, &srv.cfg.auth);
	if (rc != KT_OK)
		die("auth_new", kt_strerror(rc));
}
