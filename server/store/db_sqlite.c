/*
 * db_sqlite.c - the SQLite driver of db.h. The only file of the project that
 * includes sqlite3.h.
 *
 * One connection per struct db, opened with SQLITE_OPEN_NOMUTEX (the store is
 * used by one thread at a time), extended result codes on, and prepared
 * statements cached in a small hash table keyed by SQL text (prepared with
 * SQLITE_PREPARE_PERSISTENT). Result codes become KT_E* codes in db_map_rc()
 * and nowhere else.
 */
#include "server/store/db.h"

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/status.h"
#include "server/store/db_faultvfs.h"

#define DB_CACHE_BUCKETS 64 /* the store has a few dozen distinct statements */

#define DB_HOT_SLOTS 128
#define DB_SAVEPOINT_TEXTS 16 /* distinct SAVEPOINT/RELEASE/ROLLBACK TO texts per connection */

struct db_stmt {
	struct db *db;
	sqlite3_stmt *stmt;
	char *sql; /* the cache key; NULL for an uncached statement */
	const char *src; /* the caller's pointer it was last found by (see db_prepare) */
	uint32_t hash;
	bool in_use;	      /* lent out by db_prepare(), not yet finished */
	int bind_err;	      /* the first failed bind, returned by db_step() */
	struct db_stmt *next; /* bucket chain */
};

struct db {
	sqlite3 *conn;
	bool query_only; /* a read-only transaction set PRAGMA query_only */
	struct db_stmt *cache[DB_CACHE_BUCKETS];
	/*
	 * Record files pass SQL as string literals, so the same pointer comes back
	 * for the same statement: a direct-mapped table by pointer finds it without
	 * hashing or comparing the text (db.h: a text's address is never reused for
	 * another text).
	 */
	struct db_stmt *hot[DB_HOT_SLOTS];
	/* The savepoint statements' texts, made once, at fixed addresses (savepoint_sql). */
	char sp_sql[DB_SAVEPOINT_TEXTS][96];
	unsigned n_sp_sql;
	int log_fd; /* the -wal file, after db_sync_split(); else -1 */
	void (*on_change)(void *arg, const char *table); /* db_on_change() */
	void *on_change_arg;
	char errmsg[256];
};

/* sqlite3_update_hook's callback: tell db_on_change()'s fn which table changed. */
static void update_hook(void *arg, int op, const char *dbname, const char *table,
			sqlite3_int64 rowid)
{
	struct db *db = arg;

	(void)op;
	(void)dbname;
	(void)rowid;
	db->on_change(db->on_change_arg, table);
}

/* The one mapping of SQLite result codes (extended or primary) to KT_E* codes. */
static int db_map_rc(int rc)
{
	switch (rc) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return KT_OK;
	case SQLITE_CONSTRAINT_UNIQUE:
	case SQLITE_CONSTRAINT_PRIMARYKEY:
		return KT_EEXIST;
	}
	switch (rc & 0xff) {
	case SQLITE_CONSTRAINT:
		return KT_EINVAL;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return KT_EBUSY;
	case SQLITE_IOERR:
		return KT_EIO;
	case SQLITE_FULL:
		return KT_EFULL;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return KT_ECORRUPT;
	case SQLITE_NOMEM:
		return KT_ENOMEM;
	case SQLITE_TOOBIG:
		return KT_ETOOBIG;
	}
	return KT_EINTERNAL;
}

/* Record the connection's message for rc and return rc's KT_E* code. */
static int db_fail(struct db *db, int rc)
{
	const char *m = db->conn ? sqlite3_errmsg(db->conn) : sqlite3_errstr(rc);

	snprintf(db->errmsg, sizeof(db->errmsg), "%s (%d)", m, rc);
	return db_map_rc(rc);
}

static uint32_t sql_hash(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

/*
 * Process-wide SQLite settings, before SQLite initialises: no memory
 * statistics, so allocations do not take SQLite's global mutex (each
 * connection is used by one thread; the statistics cost 8% of the storage
 * thread's time under load, measured with perf).
 */
static void db_global_init(void)
{
	sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

int db_open(struct db **out, const char *path, bool create, int busy_timeout_ms)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
	struct db *db = NULL;
	sqlite3_stmt *st = NULL;
	struct stat sb;
	int rc = KT_ENOMEM, src;

	*out = NULL;
	pthread_once(&once, db_global_init);
	/* Storage fault injection (a testing aid): only with KIEMTRAD_FAULTS set. */
	rc = db_fault_init(NULL, 0);
	if (rc < 0)
		goto out;
	rc = KT_ENOMEM;
	if (stat(path, &sb) < 0) {
		if (errno != ENOENT) {
			rc = KT_EIO;
			goto out;
		}
		if (!create) {
			rc = KT_ENOTFOUND;
			goto out;
		}
		/* Create it ourselves so the database (and its -wal, -shm) is 0600. */
		int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);

		if (fd < 0) {
			rc = errno == ENOENT ? KT_ENOTFOUND : KT_EIO;
			goto out;
		}
		close(fd);
	}
	db = calloc(1, sizeof(*db));
	if (!db)
		goto out;
	db->log_fd = -1;
	src = sqlite3_open_v2(path, &db->conn, flags, NULL);
	if (src != SQLITE_OK) {
		rc = db_fail(db, src);
		goto out;
	}
	sqlite3_extended_result_codes(db->conn, 1);
	sqlite3_busy_timeout(db->conn, busy_timeout_ms > 0 ? busy_timeout_ms : 5000);

	/* journal_mode answers with the mode in effect: make sure it is WAL. */
	src = sqlite3_prepare_v2(db->conn, "PRAGMA journal_mode=WAL", -1, &st, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	if (src != SQLITE_ROW) {
		rc = db_fail(db, src);
		goto out;
	}
	if (sqlite3_stricmp((const char *)sqlite3_column_text(st, 0), "wal") != 0) {
		snprintf(db->errmsg, sizeof(db->errmsg), "journal_mode is %s, not wal",
			 sqlite3_column_text(st, 0));
		rc = KT_EIO;
		goto out;
	}
	rc = db_exec(db, "PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;");
	if (rc < 0)
		goto out;
	*out = db;
	db = NULL;
	rc = 0;
out:
	sqlite3_finalize(st);
	db_close(db);
	return rc;
}

void db_close(struct db *db)
{
	if (!db)
		return;
	for (int b = 0; b < DB_CACHE_BUCKETS; b++) {
		struct db_stmt *s = db->cache[b], *next;

		for (; s; s = next) {
			next = s->next;
			sqlite3_finalize(s->stmt);
			free(s->sql);
			free(s);
		}
	}
	sqlite3_close_v2(db->conn);
	if (db->log_fd >= 0)
		close(db->log_fd);
	free(db);
}

enum db_dialect db_dialect(const struct db *db)
{
	return DB_DIALECT_SQLITE;
}

const char *db_errmsg(const struct db *db)
{
	return db->errmsg;
}

int db_exec(struct db *db, const char *sql)
{
	char *err = NULL;
	int src = sqlite3_exec(db->conn, sql, NULL, NULL, &err);

	if (src == SQLITE_OK)
		return 0;
	snprintf(db->errmsg, sizeof(db->errmsg), "%s (%d)", err ? err : sqlite3_errstr(src), src);
	sqlite3_free(err);
	return db_map_rc(src);
}

static size_t hot_slot(const char *sql)
{
	return ((uintptr_t)sql >> 4) % DB_HOT_SLOTS;
}

int db_prepare(struct db *db, const char *sql, struct db_stmt **out)
{
	struct db_stmt *hot = db->hot[hot_slot(sql)];
	uint32_t h;
	struct db_stmt **bucket, *s;
	bool cache = true;
	int rc = KT_ENOMEM, src;

	*out = NULL;
	/* The same address is the same text (db.h), so the hot slot compares no text. */
	if (hot && hot->src == sql && !hot->in_use) {
		hot->in_use = true;
		*out = hot;
		return 0;
	}
	h = sql_hash(sql);
	bucket = &db->cache[h % DB_CACHE_BUCKETS];
	for (s = *bucket; s; s = s->next) {
		if (s->hash != h || strcmp(s->sql, sql) != 0)
			continue;
		if (!s->in_use) {
			s->in_use = true;
			s->src = sql;
			db->hot[hot_slot(sql)] = s;
			*out = s;
			return 0;
		}
		cache = false; /* the cached one is busy in an outer loop */
		break;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto out;
	s->db = db;
	s->hash = h;
	if (cache) {
		s->sql = strdup(sql);
		if (!s->sql)
			goto out;
	}
	src = sqlite3_prepare_v3(db->conn, sql, -1, cache ? SQLITE_PREPARE_PERSISTENT : 0, &s->stmt,
				 NULL);
	if (src != SQLITE_OK) {
		rc = db_fail(db, src);
		goto out;
	}
	s->in_use = true;
	if (cache) {
		s->next = *bucket;
		*bucket = s;
		s->src = sql;
		db->hot[hot_slot(sql)] = s;
	}
	*out = s;
	s = NULL;
	rc = 0;
out:
	if (s) {
		sqlite3_finalize(s->stmt);
		free(s->sql);
		free(s);
	}
	return rc;
}

void db_finish(struct db_stmt *s)
{
	if (!s)
		return;
	sqlite3_reset(s->stmt);
	sqlite3_clear_bindings(s->stmt);
	s->bind_err = 0;
	if (s->sql) {
		s->in_use = false;
		return;
	}
	sqlite3_finalize(s->stmt);
	free(s);
}

static int bind_rc(struct db_stmt *s, int src)
{
	int rc = src == SQLITE_OK ? 0 : db_fail(s->db, src);

	if (rc < 0 && s->bind_err == 0)
		s->bind_err = rc;
	return rc;
}

int db_bind_int64(struct db_stmt *s, int idx, int64_t v)
{
	return bind_rc(s, sqlite3_bind_int64(s->stmt, idx, v));
}

int db_bind_text(struct db_stmt *s, int idx, const char *p, size_t n)
{
	if (n > INT_MAX)
		return bind_rc(s, SQLITE_TOOBIG);
	return bind_rc(s, sqlite3_bind_text(s->stmt, idx, n ? p : "", (int)n, SQLITE_TRANSIENT));
}

int db_bind_str(struct db_stmt *s, int idx, const char *p)
{
	return db_bind_text(s, idx, p ? p : "", p ? strlen(p) : 0);
}

int db_bind_blob(struct db_stmt *s, int idx, const void *p, size_t n)
{
	if (n > INT_MAX)
		return bind_rc(s, SQLITE_TOOBIG);
	return bind_rc(s, sqlite3_bind_blob(s->stmt, idx, n ? p : "", (int)n, SQLITE_TRANSIENT));
}

int db_bind_null(struct db_stmt *s, int idx)
{
	return bind_rc(s, sqlite3_bind_null(s->stmt, idx));
}

int db_step(struct db_stmt *s)
{
	int src;

	if (s->bind_err)
		return s->bind_err;
	src = sqlite3_step(s->stmt);
	if (src == SQLITE_ROW)
		return DB_ROW;
	if (src == SQLITE_DONE)
		return DB_DONE;
	return db_fail(s->db, src);
}

int64_t db_column_int64(struct db_stmt *s, int col)
{
	return sqlite3_column_int64(s->stmt, col);
}

const char *db_column_text(struct db_stmt *s, int col, size_t *len)
{
	const char *p = (const char *)sqlite3_column_text(s->stmt, col);
	int n = sqlite3_column_bytes(s->stmt, col);

	if (!p) {
		p = "";
		n = 0;
	}
	if (len)
		*len = (size_t)n;
	return p;
}

const void *db_column_blob(struct db_stmt *s, int col, size_t *len)
{
	const void *p = sqlite3_column_blob(s->stmt, col);
	int n = sqlite3_column_bytes(s->stmt, col);

	if (!p) {
		p = "";
		n = 0;
	}
	if (len)
		*len = (size_t)n;
	return p;
}

bool db_column_is_null(struct db_stmt *s, int col)
{
	return sqlite3_column_type(s->stmt, col) == SQLITE_NULL;
}

int64_t db_changes(struct db *db)
{
	return sqlite3_changes(db->conn);
}

int64_t db_total_changes(struct db *db)
{
	return sqlite3_total_changes64(db->conn);
}

int64_t db_last_insert_id(struct db *db)
{
	return sqlite3_last_insert_rowid(db->conn);
}

void db_on_change(struct db *db, void (*fn)(void *arg, const char *table), void *arg)
{
	db->on_change = fn;
	db->on_change_arg = arg;
	sqlite3_update_hook(db->conn, fn ? update_hook : NULL, fn ? db : NULL);
}

int db_data_version(struct db *db, int64_t *out)
{
	struct db_stmt *s;
	int rc = db_prepare(db, "PRAGMA data_version", &s);

	if (rc < 0)
		return rc;
	rc = db_step(s);
	*out = rc == DB_ROW ? db_column_int64(s, 0) : 0;
	db_finish(s);
	return rc < 0 ? rc : 0;
}

/*
 * A statement without parameters or rows (BEGIN, COMMIT, savepoints), through
 * the statement cache: parsed once, not on every use as sqlite3_exec() would
 * (that parsing was 6-9% of the storage thread under load).
 */
static int db_run(struct db *db, const char *sql)
{
	struct db_stmt *s;
	int rc = db_prepare(db, sql, &s);

	if (rc < 0)
		return rc;
	rc = db_step(s);
	db_finish(s);
	return rc < 0 ? rc : 0;
}

/* A read-only transaction is BEGIN DEFERRED with PRAGMA query_only on until it ends. */
int db_begin(struct db *db, bool write)
{
	int rc;

	if (write)
		return db_run(db, "BEGIN IMMEDIATE");
	rc = db_exec(db, "BEGIN DEFERRED; PRAGMA query_only=ON;");
	if (rc < 0) {
		if (db_in_transaction(db))
			db_exec(db, "ROLLBACK");
		return rc;
	}
	db->query_only = true;
	return 0;
}

static void db_end_query_only(struct db *db)
{
	if (db->query_only && !db_in_transaction(db)) {
		db_exec(db, "PRAGMA query_only=OFF");
		db->query_only = false;
	}
}

int db_commit(struct db *db)
{
	int rc = db_run(db, "COMMIT");

	db_end_query_only(db);
	return rc;
}

int db_rollback(struct db *db)
{
	int rc = 0;

	/* A failed statement may already have rolled the transaction back. */
	if (db_in_transaction(db))
		rc = db_run(db, "ROLLBACK");
	db_end_query_only(db);
	return rc;
}

/* Does the cached text t say "verb name"? */
static bool savepoint_is(const char *t, const char *verb, const char *name)
{
	size_t v = strlen(verb);

	return strncmp(t, verb, v) == 0 && t[v] == ' ' && strcmp(t + v + 1, name) == 0;
}

static int savepoint_sql(struct db *db, const char *verb, const char *name)
{
	size_t len = strlen(name);
	unsigned i;

	if (!name[0] || strspn(name, "abcdefghijklmnopqrstuvwxyz_") != len || len > 64)
		return KT_EINVAL;
	/* The statement cache knows a text by its address: keep each one at its own. */
	for (i = 0; i < db->n_sp_sql && !savepoint_is(db->sp_sql[i], verb, name); i++)
		;
	if (i == db->n_sp_sql) {
		if (i == DB_SAVEPOINT_TEXTS)
			return KT_ELIMIT;
		snprintf(db->sp_sql[i], sizeof(db->sp_sql[i]), "%s %s", verb, name);
		db->n_sp_sql++;
	}
	return db_run(db, db->sp_sql[i]);
}

int db_savepoint(struct db *db, const char *name)
{
	return savepoint_sql(db, "SAVEPOINT", name);
}

int db_release(struct db *db, const char *name)
{
	return savepoint_sql(db, "RELEASE", name);
}

int db_rollback_to(struct db *db, const char *name)
{
	return savepoint_sql(db, "ROLLBACK TO", name);
}

bool db_in_transaction(struct db *db)
{
	return sqlite3_get_autocommit(db->conn) == 0;
}

/*
 * The log is the -wal file beside the database; SQLite keeps it (the same
 * file, reused from its start after checkpoints) while this connection is
 * open. Our own descriptor of it lets db_sync_log() flush it from another
 * thread; fdatasync() flushes the file, whichever descriptor asks.
 */
int db_sync_split(struct db *db)
{
	const char *main_path = sqlite3_db_filename(db->conn, "main");
	char path[PATH_MAX];
	int fd, rc;

	if (db->log_fd >= 0)
		return 0;
	if (!main_path || !*main_path ||
	    snprintf(path, sizeof(path), "%s-wal", main_path) >= (int)sizeof(path))
		return KT_EUNIMPL;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(db->errmsg, sizeof(db->errmsg), "cannot open the log: %s", strerror(errno));
		return KT_EUNIMPL;
	}
	rc = db_exec(db, "PRAGMA synchronous=NORMAL");
	if (rc < 0) {
		close(fd);
		return rc;
	}
	db->log_fd = fd;
	return 0;
}

int db_sync_log(struct db *db)
{
	int rc;

	if (db->log_fd < 0)
		return 0; /* commits are durable by themselves */
	rc = db_fault_external_sync();
	if (rc < 0)
		return rc;
	while (fdatasync(db->log_fd) != 0) {
		if (errno != EINTR)
			return KT_EIO;
	}
	return 0;
}

int db_checkpoint(struct db *db)
{
	int src = sqlite3_wal_checkpoint_v2(db->conn, NULL, SQLITE_CHECKPOINT_FULL, NULL, NULL);

	return src == SQLITE_OK ? 0 : db_fail(db, src);
}

/* fsync the directory holding path, so a new file's name is durable too. */
static int sync_parent_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : NULL;
	int fd, rc = KT_EIO;

	if (slash && !dir)
		return KT_ENOMEM;
	fd = open(dir ? dir : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		if (fsync(fd) == 0)
			rc = 0;
		close(fd);
	}
	free(dir);
	return rc;
}

/*
 * The online backup API copies every page under one read transaction of the
 * source (writers on other connections go on in WAL mode). The copy is then
 * switched to journal_mode=DELETE so it is one self-contained file.
 */
int db_backup(struct db *db, const char *path)
{
	sqlite3 *dst = NULL;
	sqlite3_backup *bk;
	sqlite3_stmt *st = NULL;
	bool created = false;
	int rc = KT_EIO, src, fd;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		rc = errno == EEXIST ? KT_EEXIST : errno == ENOENT ? KT_ENOTFOUND : KT_EIO;
		snprintf(db->errmsg, sizeof(db->errmsg), "%s: %s", path, strerror(errno));
		goto out;
	}
	close(fd);
	created = true;
	src = sqlite3_open_v2(path, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_exec(dst, "PRAGMA synchronous=FULL", NULL, NULL, NULL);
	if (src != SQLITE_OK)
		goto dst_fail;
	bk = sqlite3_backup_init(dst, "main", db->conn, "main");
	if (!bk) {
		src = sqlite3_extended_errcode(dst);
		goto dst_fail;
	}
	src = sqlite3_backup_step(bk, -1);
	if (src == SQLITE_DONE)
		src = SQLITE_OK;
	if (sqlite3_backup_finish(bk) != SQLITE_OK && src == SQLITE_OK)
		src = sqlite3_extended_errcode(dst);
	if (src != SQLITE_OK)
		goto dst_fail;
	src = sqlite3_prepare_v2(dst, "PRAGMA journal_mode=DELETE", -1, &st, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	if (src != SQLITE_ROW)
		goto dst_fail;
	sqlite3_finalize(st);
	st = NULL;
	src = sqlite3_close(dst);
	dst = NULL;
	if (src != SQLITE_OK)
		goto dst_fail;
	rc = sync_parent_dir(path);
	goto out;
dst_fail:
	snprintf(db->errmsg, sizeof(db->errmsg), "backup to %s: %s (%d)", path,
		 dst ? sqlite3_errmsg(dst) : sqlite3_errstr(src), src);
	rc = db_map_rc(src);
out:
	sqlite3_finalize(st);
	sqlite3_close(dst);
	if (rc < 0 && created) {
		char side[PATH_MAX];

		unlink(path);
		if (snprintf(side, sizeof(side), "%s-journal", path) < (int)sizeof(side))
			unlink(side);
	}
	return rc;
}

/* PRAGMA integrity_check, then PRAGMA foreign_key_check. */
int db_integrity_check(struct db *db, char *msg, size_t msgcap)
{
	sqlite3_stmt *st = NULL;
	int rc = KT_EINTERNAL, src;

	if (msgcap)
		msg[0] = '\0';
	src = sqlite3_prepare_v2(db->conn, "PRAGMA integrity_check", -1, &st, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	if (src != SQLITE_ROW) {
		rc = db_fail(db, src);
		if (msgcap)
			snprintf(msg, msgcap, "%s", db->errmsg);
		goto out;
	}
	if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0) {
		if (msgcap)
			snprintf(msg, msgcap, "%s", sqlite3_column_text(st, 0));
		rc = KT_ECORRUPT;
		goto out;
	}
	sqlite3_finalize(st);
	st = NULL;
	src = sqlite3_prepare_v2(db->conn, "PRAGMA foreign_key_check", -1, &st, NULL);
	if (src == SQLITE_OK)
		src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		if (msgcap)
			snprintf(msg, msgcap, "foreign key violation: %s row %lld refers to %s",
				 sqlite3_column_text(st, 0), sqlite3_column_int64(st, 1),
				 sqlite3_column_text(st, 2));
		rc = KT_ECORRUPT;
		goto out;
	}
	if (src != SQLITE_DONE) {
		rc = db_fail(db, src);
		if (msgcap)
			snprintf(msg, msgcap, "%s", db->errmsg);
		goto out;
	}
	if (msgcap)
		snprintf(msg, msgcap, "ok");
	rc = 0;
out:
	sqlite3_finalize(st);
	return rc;
}
