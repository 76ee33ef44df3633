/*
 * test_store.c - the storage layer (server/store) and the unit service
 * (server/svc_units.c) against a real SQLite database in a temporary
 * directory (mkdtemp under /tmp, removed at the end).
 *
 * This test is outside the storage seam: it opens the database file with the
 * sqlite3 API itself to check PRAGMAs and backups and to tamper with the
 * audit log, the way an intruder with file access would.
 *
 * Exit status 0 when every check passed; each failed check prints what was
 * expected and what came.
 */
#include <dirent.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/status.h"
#include "server/store/store.h"
#include "server/svc_units.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: expected %s, it is false\n", __FILE__, __LINE__,   \
				#cond);                                                            \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define CHECK_INT(expected, actual)                                                                \
	do {                                                                                       \
		long long e_ = (long long)(expected), a_ = (long long)(actual);                    \
		if (e_ != a_) {                                                                    \
			fprintf(stderr, "%s:%d: %s: expected %lld, got %lld\n", __FILE__,          \
				__LINE__, #actual, e_, a_);                                        \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define CHECK_STR(expected, actual)                                                                \
	do {                                                                                       \
		const char *e_ = (expected), *a_ = (actual);                                       \
		if (strcmp(e_, a_) != 0) {                                                         \
			fprintf(stderr, "%s:%d: %s: expected \"%s\", got \"%s\"\n", __FILE__,      \
				__LINE__, #actual, e_, a_);                                        \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define CHECK_HAS(haystack, needle)                                                                \
	do {                                                                                       \
		const char *h_ = (haystack), *n_ = (needle);                                       \
		if (!strstr(h_, n_)) {                                                             \
			fprintf(stderr, "%s:%d: %s: expected to contain \"%s\", got \"%s\"\n",     \
				__FILE__, __LINE__, #haystack, n_, h_);                            \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define T0 INT64_C(1700000000000) /* the tests' "now" */

static char dir[64];
static char dbpath[128];

/* ---- helpers ------------------------------------------------------------- */

static void rm_tree(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	if (!d) {
		unlink(path);
		return;
	}
	while ((e = readdir(d)) != NULL) {
		char sub[512];

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
		rm_tree(sub);
	}
	closedir(d);
	rmdir(path);
}

/* Run one SQL text through a second connection (outside the seam); SQLite's code. */
static int raw_exec(const char *sql)
{
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READWRITE, NULL);

	if (rc == SQLITE_OK) {
		sqlite3_busy_timeout(db, 5000);
		rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	}
	sqlite3_close(db);
	return rc;
}

/* The first column of the first row of sql on the database at path, as text. */
static void raw_query(const char *path, const char *sql, char *out, size_t cap)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;

	snprintf(out, cap, "(error)");
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		snprintf(out, cap, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static struct store *open_store(bool create)
{
	struct store_options o = {.create = create, .busy_timeout_ms = 2000};
	struct store *st = NULL;
	int rc = store_open(&st, dir, &o);

	CHECK_INT(0, rc);
	return st;
}

struct ids {
	int n;
	int64_t id[64];
	char name[64][STORE_NAME_MAX + 1];
};

static int collect_unit(const struct store_unit *u, void *arg)
{
	struct ids *l = arg;

	if (l->n < 64) {
		l->id[l->n] = u->id;
		snprintf(l->name[l->n], sizeof(l->name[0]), "%s", u->name);
	}
	l->n++;
	return 0;
}

static int collect_user(const struct store_user *u, void *arg)
{
	struct ids *l = arg;

	if (l->n < 64) {
		l->id[l->n] = u->id;
		snprintf(l->name[l->n], sizeof(l->name[0]), "%s", u->username);
	}
	l->n++;
	return 0;
}

static int stop_at_first(const struct store_user *u, void *arg)
{
	return 7;
}

static int collect_device(const struct store_device *d, void *arg)
{
	struct ids *l = arg;

	if (l->n < 64)
		l->id[l->n] = d->id;
	l->n++;
	return 0;
}

struct events {
	int n;
	struct store_unit_event e[32];
};

static int collect_event(const struct store_unit_event *e, void *arg)
{
	struct events *l = arg;

	if (l->n < 32)
		l->e[l->n] = *e;
	l->n++;
	return 0;
}

static void new_user(struct store_user *u, const char *name)
{
	memset(u, 0, sizeof(*u));
	snprintf(u->username, sizeof(u->username), "%s", name);
	snprintf(u->full_name, sizeof(u->full_name), "Nguyễn Văn %s", name);
	snprintf(u->pwhash, sizeof(u->pwhash), "$argon2id$v=19$m=65536,t=2,p=1$%s", name);
	u->roles = STORE_ROLE_BIT(3);
	u->created_at = T0;
}

/* ---- open and migrate ---------------------------------------------------- */

static void test_open(void)
{
	struct store_options no_create = {.create = false};
	char missing[128], out[64], want[16];
	struct store *st;
	struct stat sb;

	snprintf(missing, sizeof(missing), "%s/none", dir);
	st = (struct store *)1;
	CHECK_INT(KT_ENOTFOUND, store_open(&st, missing, &no_create));
	CHECK(st == NULL);

	st = open_store(true);
	CHECK(st != NULL);
	if (!st)
		return;
	CHECK_INT(store_schema_latest(), store_schema_version(st));
	store_close(st);

	CHECK_INT(0, stat(dbpath, &sb));
	CHECK_INT(0600, sb.st_mode & 0777);
	raw_query(dbpath, "PRAGMA journal_mode", out, sizeof(out));
	CHECK_STR("wal", out);
	raw_query(dbpath, "SELECT COUNT(*) FROM schema_version", out, sizeof(out));
	snprintf(want, sizeof(want), "%d", store_schema_latest());
	CHECK_STR(want, out);

	/* Reopening migrates nothing more. */
	st = open_store(false);
	CHECK(st != NULL);
	if (st)
		CHECK_INT(store_schema_latest(), store_schema_version(st));
	store_close(st);
	raw_query(dbpath, "SELECT COUNT(*) FROM schema_version", out, sizeof(out));
	snprintf(want, sizeof(want), "%d", store_schema_latest());
	CHECK_STR(want, out);
	store_close(NULL);

	/* A database from a newer server is left alone. */
	CHECK_INT(SQLITE_OK, raw_exec("INSERT INTO schema_version VALUES (99, 0)"));
	CHECK_INT(KT_ESTATE, store_open(&st, dir, &no_create));
	CHECK(st == NULL);
	CHECK_INT(SQLITE_OK, raw_exec("DELETE FROM schema_version WHERE version = 99"));

	/* A file that is not a database. */
	{
		char gdir[128], gpath[192];
		FILE *f;

		snprintf(gdir, sizeof(gdir), "%s/garbage", dir);
		snprintf(gpath, sizeof(gpath), "%s/kiemtra.db", gdir);
		CHECK_INT(0, mkdir(gdir, 0700));
		f = fopen(gpath, "w");
		CHECK(f != NULL);
		if (f) {
			for (int i = 0; i < 1000; i++)
				fputs("not a database ", f);
			fclose(f);
		}
		CHECK_INT(KT_ECORRUPT, store_open(&st, gdir, &no_create));
		CHECK(st == NULL);
	}
}

/* ---- users --------------------------------------------------------------- */

static int t_users(struct store_tx *tx, void *arg)
{
	struct store_user a, b, got;
	struct ids l = {0};
	int64_t count = -1;

	new_user(&a, "alice");
	CHECK_INT(0, store_user_create(tx, &a));
	CHECK(a.id > 0);
	CHECK_INT(1, a.version);
	new_user(&b, "alice");
	CHECK_INT(KT_EEXIST, store_user_create(tx, &b));
	new_user(&b, "bob");
	b.roles = STORE_ROLE_BIT(1) | STORE_ROLE_BIT(6);
	b.must_change_password = true;
	CHECK_INT(0, store_user_create(tx, &b));
	CHECK(b.id != a.id);

	CHECK_INT(0, store_user_get(tx, a.id, &got));
	CHECK_STR("alice", got.username);
	CHECK_STR("Nguyễn Văn alice", got.full_name);
	CHECK_STR(a.pwhash, got.pwhash);
	CHECK_INT(STORE_ROLE_BIT(3), got.roles);
	CHECK_INT(0, got.unit_id);
	CHECK_INT(T0, got.created_at);
	CHECK_INT(T0, got.updated_at);
	CHECK(!got.disabled && !got.must_change_password);
	CHECK_INT(0, store_user_get_by_name(tx, "bob", &got));
	CHECK_INT(b.id, got.id);
	CHECK(got.must_change_password);
	CHECK_INT(STORE_ROLE_BIT(1) | STORE_ROLE_BIT(6), got.roles);
	CHECK_INT(KT_ENOTFOUND, store_user_get(tx, 9999, &got));
	CHECK_INT(KT_ENOTFOUND, store_user_get_by_name(tx, "nobody", &got));

	CHECK_INT(0, store_user_list(tx, collect_user, &l));
	CHECK_INT(2, l.n);
	CHECK_STR("alice", l.name[0]);
	CHECK_STR("bob", l.name[1]);
	CHECK_INT(7, store_user_list(tx, stop_at_first, NULL));
	CHECK_INT(0, store_user_count(tx, &count));
	CHECK_INT(2, count);

	CHECK_INT(0, store_user_set_password(tx, a.id, "$argon2id$new", true, T0 + 10));
	CHECK_INT(0, store_user_get(tx, a.id, &got));
	CHECK_STR("$argon2id$new", got.pwhash);
	CHECK(got.must_change_password);
	CHECK_INT(2, got.version);
	CHECK_INT(T0 + 10, got.updated_at);
	CHECK_INT(0, store_user_set_disabled(tx, a.id, true, T0 + 20));
	CHECK_INT(0, store_user_get(tx, a.id, &got));
	CHECK(got.disabled);
	CHECK_INT(3, got.version);
	CHECK_INT(0, store_user_set_disabled(tx, a.id, false, T0 + 21));
	CHECK_INT(0, store_user_set_roles(tx, a.id, STORE_ROLE_BIT(2), 0, T0 + 30));
	CHECK_INT(0, store_user_get(tx, a.id, &got));
	CHECK_INT(STORE_ROLE_BIT(2), got.roles);
	CHECK_INT(5, got.version);
	/* unit_id must name a unit (a foreign key). */
	CHECK_INT(KT_EINVAL, store_user_set_roles(tx, a.id, STORE_ROLE_BIT(4), 4242, T0 + 31));
	CHECK_INT(KT_ENOTFOUND, store_user_set_password(tx, 9999, "x", false, T0));
	CHECK_INT(KT_ENOTFOUND, store_user_set_disabled(tx, 9999, true, T0));
	CHECK_INT(KT_ENOTFOUND, store_user_set_roles(tx, 9999, 0, 0, T0));
	return 0;
}

static int t_create_then_fail(struct store_tx *tx, void *arg)
{
	struct store_user u;

	new_user(&u, arg);
	CHECK_INT(0, store_user_create(tx, &u));
	return KT_EINVAL;
}

static int t_create(struct store_tx *tx, void *arg)
{
	struct store_user u;

	new_user(&u, arg);
	return store_user_create(tx, &u);
}

static int t_user_exists(struct store_tx *tx, void *arg)
{
	struct store_user u;

	return store_user_get_by_name(tx, arg, &u);
}

static int t_nested(struct store_tx *tx, void *arg)
{
	CHECK_INT(KT_ESTATE, store_run(arg, false, t_user_exists, "alice"));
	return 0;
}

static void test_users(struct store *st)
{
	CHECK_INT(0, store_run(st, true, t_users, NULL));
	/* A failing transaction leaves nothing behind. */
	CHECK_INT(KT_EINVAL, store_run(st, true, t_create_then_fail, "carol"));
	CHECK_INT(KT_ENOTFOUND, store_run(st, false, t_user_exists, "carol"));
	/* A read transaction cannot write. */
	CHECK(store_run(st, false, t_create, "dave") < 0);
	CHECK_INT(KT_ENOTFOUND, store_run(st, false, t_user_exists, "dave"));
	/* ... and the connection writes again afterwards. */
	CHECK_INT(0, store_run(st, true, t_create, "dave"));
	CHECK_INT(0, store_run(st, false, t_user_exists, "dave"));
	CHECK_INT(0, store_run(st, false, t_nested, st));
}

/* ---- devices and sessions ------------------------------------------------ */

static int t_devices_sessions(struct store_tx *tx, void *arg)
{
	struct store_user alice, bob;
	struct store_device d = {0}, d2 = {0}, got;
	struct store_session s = {0}, s2 = {0}, s3 = {0}, sg;
	struct ids l = {0};
	uint8_t other[32];

	CHECK_INT(0, store_user_get_by_name(tx, "alice", &alice));
	CHECK_INT(0, store_user_get_by_name(tx, "bob", &bob));

	d.user_id = alice.id;
	memset(d.pubkey, 0xa1, sizeof(d.pubkey));
	snprintf(d.name, sizeof(d.name), "Máy tính xách tay");
	d.enrolled_at = d.last_seen_at = T0;
	CHECK_INT(0, store_device_add(tx, &d));
	CHECK(d.id > 0);
	d2 = d;
	CHECK_INT(KT_EEXIST, store_device_add(tx, &d2)); /* same (user, key) */
	d2.user_id = bob.id;
	CHECK_INT(0, store_device_add(tx, &d2)); /* same key, another user */
	CHECK(d2.id != d.id);

	CHECK_INT(0, store_device_find(tx, alice.id, d.pubkey, &got));
	CHECK_INT(d.id, got.id);
	CHECK_STR("Máy tính xách tay", got.name);
	CHECK(memcmp(got.pubkey, d.pubkey, 32) == 0);
	memset(other, 0xb2, sizeof(other));
	CHECK_INT(KT_ENOTFOUND, store_device_find(tx, alice.id, other, &got));
	CHECK_INT(0, store_device_touch(tx, d.id, T0 + 100));
	CHECK_INT(0, store_device_find(tx, alice.id, d.pubkey, &got));
	CHECK_INT(T0 + 100, got.last_seen_at);
	CHECK_INT(0, store_device_list(tx, alice.id, collect_device, &l));
	CHECK_INT(1, l.n);
	CHECK_INT(d.id, l.id[0]);
	CHECK_INT(0, store_device_set_revoked(tx, d.id, true));
	CHECK_INT(0, store_device_find(tx, alice.id, d.pubkey, &got));
	CHECK(got.revoked);
	CHECK_INT(KT_ENOTFOUND, store_device_touch(tx, 9999, T0));
	CHECK_INT(KT_ENOTFOUND, store_device_set_revoked(tx, 9999, true));

	s.user_id = alice.id;
	s.device_id = d.id;
	memset(s.token_hash, 0x11, 32);
	s.created_at = s.last_used_at = T0;
	s.expires_at = T0 + 3600000;
	CHECK_INT(0, store_session_create(tx, &s));
	CHECK(s.id > 0);
	s2 = s;
	CHECK_INT(KT_EEXIST, store_session_create(tx, &s2)); /* same token hash */
	memset(s2.token_hash, 0x22, 32);
	s2.device_id = 0; /* a console session has no device */
	s2.expires_at = T0 - 1;
	CHECK_INT(0, store_session_create(tx, &s2));
	s3 = s;
	s3.user_id = bob.id;
	memset(s3.token_hash, 0x33, 32);
	CHECK_INT(0, store_session_create(tx, &s3));

	CHECK_INT(0, store_session_get_by_hash(tx, s.token_hash, &sg));
	CHECK_INT(s.id, sg.id);
	CHECK_INT(d.id, sg.device_id);
	CHECK_INT(T0 + 3600000, sg.expires_at);
	CHECK_INT(0, store_session_get_by_hash(tx, s2.token_hash, &sg));
	CHECK_INT(0, sg.device_id);
	CHECK_INT(0, store_session_touch(tx, s.id, T0 + 5, T0 + 7200000));
	CHECK_INT(0, store_session_get_by_hash(tx, s.token_hash, &sg));
	CHECK_INT(T0 + 5, sg.last_used_at);
	CHECK_INT(T0 + 7200000, sg.expires_at);

	CHECK_INT(0, store_session_delete_expired(tx, T0));
	CHECK_INT(KT_ENOTFOUND, store_session_get_by_hash(tx, s2.token_hash, &sg));
	CHECK_INT(0, store_session_get_by_hash(tx, s.token_hash, &sg));
	CHECK_INT(0, store_session_delete(tx, s.id));
	CHECK_INT(KT_ENOTFOUND, store_session_delete(tx, s.id));
	CHECK_INT(KT_ENOTFOUND, store_session_get_by_hash(tx, s.token_hash, &sg));
	CHECK_INT(0, store_session_delete_for_user(tx, bob.id));
	CHECK_INT(KT_ENOTFOUND, store_session_get_by_hash(tx, s3.token_hash, &sg));
	CHECK_INT(0, store_session_delete_for_user(tx, bob.id)); /* none left: fine */
	CHECK_INT(KT_ENOTFOUND, store_session_touch(tx, 9999, T0, T0));
	return 0;
}

/* ---- units --------------------------------------------------------------- */

/* Unit ids made by t_units_tree, for the later steps. */
static struct {
	int64_t province, district_a, district_b, hoa_an, tan_thuan_tay, p4, trau_quy, ward_x;
} U;

#define ADMIN_ID 0
#define ADMIN "console"

static int64_t add_unit(struct store_tx *tx, const char *code, const char *name, int kind,
			int64_t parent)
{
	struct store_unit u;
	char msg[256];
	int rc = svc_unit_add(tx, code, name, kind, parent, ADMIN_ID, ADMIN, 0, T0, &u, msg,
			      sizeof(msg));

	CHECK_INT(0, rc);
	if (rc < 0) {
		fprintf(stderr, "  svc_unit_add(%s): %s\n", code, msg);
		return 0;
	}
	CHECK_STR("", msg);
	CHECK_STR(name, u.name);
	CHECK_INT(1, u.status);
	CHECK_INT(1, u.version);
	return u.id;
}

static int t_units_tree(struct store_tx *tx, void *arg)
{
	struct store_unit u;
	struct events ev = {0};
	struct ids l = {0};

	U.province = add_unit(tx, "87", "Tỉnh Đồng Tháp", svc_unit_kind_parse("province"), 0);
	U.district_a = add_unit(tx, "87.CL", "Thành phố Cao Lãnh", 2, U.province);
	U.district_b = add_unit(tx, "87.SD", "Thành phố Sa Đéc", 2, U.province);
	U.hoa_an = add_unit(tx, "29.268", "xã Hòa An", 3, U.district_a);
	U.tan_thuan_tay = add_unit(tx, "CL-TTT", "xã Tân Thuận Tây", 3, U.district_a);
	U.p4 = add_unit(tx, "CL-P4", "Phường 4", 4, U.district_a);
	U.trau_quy = add_unit(tx, "HN.TQ", "thị trấn Trâu Quỳ", 5, 0);
	U.ward_x = add_unit(tx, "SD-P1", "Phường 1", 4, U.district_b);

	CHECK_INT(0, store_unit_get(tx, U.hoa_an, &u));
	CHECK_STR("29.268", u.code);
	CHECK_INT(3, u.kind);
	CHECK_INT(U.district_a, u.parent_id);
	CHECK_INT(0, u.merged_into);
	CHECK_INT(T0, u.created_at);
	CHECK_INT(0, store_unit_get_by_code(tx, "CL-P4", &u));
	CHECK_INT(U.p4, u.id);
	CHECK_INT(KT_ENOTFOUND, store_unit_get_by_code(tx, "nope", &u));
	CHECK_INT(KT_ENOTFOUND, store_unit_get(tx, 9999, &u));

	CHECK_INT(0, store_unit_list(tx, U.district_a, false, 0, 0, collect_unit, &l));
	CHECK_INT(3, l.n);
	CHECK_INT(U.hoa_an, l.id[0]);
	CHECK_INT(U.p4, l.id[2]);
	l.n = 0;
	CHECK_INT(0, store_unit_list(tx, U.district_a, false, U.hoa_an, 1, collect_unit, &l));
	CHECK_INT(1, l.n);
	CHECK_INT(U.tan_thuan_tay, l.id[0]);
	l.n = 0;
	CHECK_INT(0, store_unit_list(tx, 0, false, 0, 0, collect_unit, &l));
	CHECK_INT(8, l.n);

	CHECK_INT(0, store_unit_history(tx, U.hoa_an, collect_event, &ev));
	CHECK_INT(1, ev.n);
	CHECK_INT(1, ev.e[0].kind); /* CREATED */
	CHECK_STR("xã Hòa An", ev.e[0].new_name);
	CHECK_INT(U.district_a, ev.e[0].new_parent_id);
	CHECK_STR(ADMIN, ev.e[0].actor);
	CHECK_INT(KT_ENOTFOUND, store_unit_history(tx, 9999, collect_event, &ev));

	CHECK_INT(1, store_unit_is_ancestor(tx, U.province, U.hoa_an));
	CHECK_INT(1, store_unit_is_ancestor(tx, U.hoa_an, U.hoa_an));
	CHECK_INT(0, store_unit_is_ancestor(tx, U.hoa_an, U.province));
	CHECK_INT(0, store_unit_is_ancestor(tx, U.district_b, U.hoa_an));
	CHECK_INT(KT_ENOTFOUND, store_unit_is_ancestor(tx, U.province, 9999));
	return 0;
}

/* Find with query; expect exactly the ids given (0-terminated), in id order. */
static void check_find(int line, struct store_tx *tx, const char *query, int merged, ...)
{
	struct ids l = {0};
	int64_t want[16];
	int nwant = 0, rc;
	va_list ap;

	/* The ids end with 0; a negative id only says "none". */
	va_start(ap, merged);
	for (int64_t id; (id = va_arg(ap, int64_t)) != 0;) {
		if (id > 0 && nwant < 16)
			want[nwant++] = id;
	}
	va_end(ap);
	rc = store_unit_find(tx, query, merged, 0, collect_unit, &l);
	bool same = rc == 0 && l.n == nwant;

	for (int i = 0; same && i < nwant; i++)
		same = l.id[i] == want[i];
	if (!same) {
		fprintf(stderr, "%s:%d: find \"%s\": rc %d, expected ids", __FILE__, line, query,
			rc);
		for (int i = 0; i < nwant; i++)
			fprintf(stderr, " %" PRId64, want[i]);
		fprintf(stderr, "; got");
		for (int i = 0; i < l.n && i < 64; i++)
			fprintf(stderr, " %" PRId64 " (%s)", l.id[i], l.name[i]);
		fprintf(stderr, "\n");
		failures++;
	}
}
#define FIND(q, ...) check_find(__LINE__, tx, q, 0, __VA_ARGS__, INT64_C(0))
#define FIND_ALL(q, ...) check_find(__LINE__, tx, q, 1, __VA_ARGS__, INT64_C(0))

static int t_units_find(struct store_tx *tx, void *arg)
{
	struct ids l = {0};

	FIND("hoa an", U.hoa_an);
	FIND("HOA AN", U.hoa_an);
	FIND("Hòa An", U.hoa_an);
	FIND("xã   hòa  an ", U.hoa_an);
	FIND("Ho\xcc\x80\x61", U.hoa_an); /* decomposed query */
	FIND("TAN THUAN TAY", U.tan_thuan_tay);
	FIND("tân thuận", U.tan_thuan_tay);
	FIND("trau quy", U.trau_quy);
	FIND("thi tran", U.trau_quy);
	FIND("dong thap", U.province); /* "d" matches "Đ" */
	FIND("đồng", U.province);
	FIND("sa dec", U.district_b);
	FIND("phuong", U.p4, U.ward_x);
	FIND("phuong 4", U.p4);
	FIND("cao lanh", U.district_a);
	FIND("cl-p4", U.p4); /* by code, any case */
	FIND("29.268", U.hoa_an);
	FIND("an hoa", U.hoa_an);	 /* words in any order */
	FIND("hoa an zzz", INT64_C(-1)); /* every word must match */
	FIND("%", INT64_C(-1));		 /* LIKE wildcards are literal */
	FIND("_", INT64_C(-1));
	FIND("p_4", INT64_C(-1));
	/* Nine words: the ninth is checked after the SQL. */
	FIND("t h a n h p h o c", U.district_a, U.district_b);
	FIND("t h a n h p h o x", INT64_C(-1));

	CHECK_INT(0, store_unit_find(tx, "", false, 0, collect_unit, &l));
	CHECK_INT(8, l.n);
	l.n = 0;
	CHECK_INT(0, store_unit_find(tx, "xa", false, 1, collect_unit, &l));
	CHECK_INT(1, l.n);
	CHECK_INT(KT_EUTF8, store_unit_find(tx, "\xff", false, 0, collect_unit, &l));
	return 0;
}

static void check_event(int line, const struct store_unit_event *e, int kind, const char *old_name,
			const char *new_name, int64_t old_parent, int64_t new_parent, int64_t other)
{
	if (e->kind != kind || strcmp(e->old_name, old_name) != 0 ||
	    strcmp(e->new_name, new_name) != 0 || e->old_parent_id != old_parent ||
	    e->new_parent_id != new_parent || e->other_unit_id != other) {
		fprintf(stderr,
			"%s:%d: event: expected kind %d \"%s\" -> \"%s\" parent %" PRId64
			" -> %" PRId64 " other %" PRId64 "; got kind %d \"%s\" -> \"%s\" parent "
			"%" PRId64 " -> %" PRId64 " other %" PRId64 "\n",
			__FILE__, line, kind, old_name, new_name, old_parent, new_parent, other,
			e->kind, e->old_name, e->new_name, e->old_parent_id, e->new_parent_id,
			e->other_unit_id);
		failures++;
	}
}
#define CHECK_EVENT(e, ...) check_event(__LINE__, e, __VA_ARGS__)

/* Rename, move and merge through the service, with their history. */
static int t_units_change(struct store_tx *tx, void *arg)
{
	struct store_unit u, into;
	struct events ev = {0};
	char msg[256];
	int rc;

	/* Rename: the new name is found, the old one no longer; history keeps both. */
	rc = svc_unit_rename(tx, U.hoa_an, 1, "phường Hòa An", "Nghị quyết 1234/NQ-UBTVQH15",
			     ADMIN_ID, ADMIN, 0, T0 + 1000, &u, msg, sizeof(msg));
	CHECK_INT(0, rc);
	CHECK_STR("phường Hòa An", u.name);
	CHECK_INT(2, u.version);
	CHECK_INT(T0 + 1000, u.updated_at);
	FIND("phuong hoa an", U.hoa_an);
	FIND("xa hoa an", INT64_C(-1));
	CHECK_INT(0, store_unit_history(tx, U.hoa_an, collect_event, &ev));
	CHECK_INT(2, ev.n);
	CHECK_EVENT(&ev.e[1], 2, "xã Hòa An", "phường Hòa An", 0, 0, 0);
	CHECK_STR("Nghị quyết 1234/NQ-UBTVQH15", ev.e[1].note);
	CHECK_INT(T0 + 1000, ev.e[1].at);
	/* A stale version is a conflict. */
	rc = svc_unit_rename(tx, U.hoa_an, 1, "xã Hòa An", NULL, ADMIN_ID, ADMIN, 0, T0, NULL, msg,
			     sizeof(msg));
	CHECK_INT(KT_ECONFLICT, rc);
	CHECK_HAS(msg, "version 2, not 1");
	CHECK_INT(KT_ECONFLICT, store_unit_rename(tx, U.hoa_an, 1, "x", ADMIN, NULL, T0));

	/* Move: P4 from district A to district B, then back under the province. */
	rc = svc_unit_move(tx, U.p4, U.district_b, NULL, ADMIN_ID, ADMIN, 0, T0 + 2000, &u, msg,
			   sizeof(msg));
	CHECK_INT(0, rc);
	CHECK_INT(U.district_b, u.parent_id);
	ev.n = 0;
	CHECK_INT(0, store_unit_history(tx, U.p4, collect_event, &ev));
	CHECK_INT(2, ev.n);
	CHECK_EVENT(&ev.e[1], 3, "", "", U.district_a, U.district_b, 0);
	/* Moving to where it is changes nothing. */
	rc = svc_unit_move(tx, U.p4, U.district_b, NULL, ADMIN_ID, ADMIN, 0, T0, &u, msg,
			   sizeof(msg));
	CHECK_INT(0, rc);
	ev.n = 0;
	CHECK_INT(0, store_unit_history(tx, U.p4, collect_event, &ev));
	CHECK_INT(2, ev.n);

	/* Merge district A into district B: A's active children follow. */
	rc = svc_unit_merge(tx, U.district_a, U.district_b, "sáp nhập", ADMIN_ID, ADMIN, 0,
			    T0 + 3000, &into, msg, sizeof(msg));
	CHECK_INT(0, rc);
	CHECK_STR("", msg);
	CHECK_INT(U.district_b, into.id);
	CHECK_INT(0, store_unit_get(tx, U.district_a, &u));
	CHECK_INT(2, u.status);
	CHECK_INT(U.district_b, u.merged_into);
	CHECK_INT(0, store_unit_get(tx, U.hoa_an, &u));
	CHECK_INT(U.district_b, u.parent_id);
	CHECK_INT(0, store_unit_get(tx, U.tan_thuan_tay, &u));
	CHECK_INT(U.district_b, u.parent_id);

	ev.n = 0;
	CHECK_INT(0, store_unit_history(tx, U.district_a, collect_event, &ev));
	CHECK_INT(2, ev.n);
	CHECK_EVENT(&ev.e[0], 1, "", "Thành phố Cao Lãnh", 0, U.province, 0);
	CHECK_EVENT(&ev.e[1], 4, "", "", 0, 0, U.district_b);
	CHECK_STR("sáp nhập", ev.e[1].note);
	ev.n = 0;
	CHECK_INT(0, store_unit_history(tx, U.district_b, collect_event, &ev));
	CHECK_INT(2, ev.n);
	CHECK_EVENT(&ev.e[1], 5, "", "", 0, 0, U.district_a);
	ev.n = 0;
	CHECK_INT(0, store_unit_history(tx, U.tan_thuan_tay, collect_event, &ev));
	CHECK_INT(2, ev.n);
	CHECK_EVENT(&ev.e[1], 3, "", "", U.district_a, U.district_b, 0);
	ev.n = 0;
	CHECK_INT(0, store_unit_history(tx, U.hoa_an, collect_event, &ev));
	CHECK_INT(3, ev.n);
	CHECK_EVENT(&ev.e[2], 3, "", "", U.district_a, U.district_b, 0);

	/* The merged unit is hidden from find and list unless asked for. */
	FIND("cao lanh", INT64_C(-1));
	FIND_ALL("cao lanh", U.district_a);
	return 0;
}

/* The service's rules; every call here fails before it writes anything. */
static int t_units_rules(struct store_tx *tx, void *arg)
{
	char msg[256], longname[STORE_NAME_MAX + 2];
	struct store_unit u;
	int rc;

#define ADD(code, name, kind, parent)                                                              \
	svc_unit_add(tx, code, name, kind, parent, ADMIN_ID, ADMIN, 0, T0, &u, msg, sizeof(msg))
	CHECK_INT(KT_ENOTFOUND, ADD("N1", "xã Mới", 3, 9999));
	CHECK_HAS(msg, "parent unit 9999 not found");
	CHECK_INT(KT_ESTATE, ADD("N1", "xã Mới", 3, U.district_a));
	{
		char want[64];

		snprintf(want, sizeof(want), "parent unit %" PRId64 " is merged into %" PRId64,
			 U.district_a, U.district_b);
		CHECK_HAS(msg, want);
	}
	CHECK_INT(KT_EEXIST, ADD("CL-P4", "Phường 4 khác", 4, 0));
	CHECK_HAS(msg, "CL-P4");
	CHECK_INT(KT_EINVAL, ADD("a b", "xã Mới", 3, 0));
	CHECK_HAS(msg, "code");
	CHECK_INT(KT_EINVAL, ADD("", "xã Mới", 3, 0));
	CHECK_INT(KT_EINVAL, ADD("mã", "xã Mới", 3, 0));
	CHECK_INT(KT_ETOOBIG, ADD("123456789012345678901234567890123", "xã Mới", 3, 0));
	CHECK_INT(0, ADD("12345678901234567890123456789012", "xã Mã Dài", 3, 0));
	CHECK_INT(KT_EINVAL, ADD("N2", "xã Mới", 0, 0));
	CHECK_HAS(msg, "kind");
	CHECK_INT(KT_EINVAL, ADD("N2", "xã Mới", 9, 0));
	CHECK_INT(KT_EUTF8, ADD("N2", "x\xc3\x28", 3, 0));
	CHECK_HAS(msg, "UTF-8");
	CHECK_INT(KT_EUTF8, ADD("N2", "x\xed\xa0\x80", 3, 0));
	CHECK_INT(KT_EINVAL, ADD("N2", "", 3, 0));
	CHECK_INT(KT_EINVAL, ADD("N2", "  ", 3, 0));
	CHECK_INT(KT_EINVAL, ADD("N2", "xã\nMới", 3, 0));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	CHECK_INT(KT_ETOOBIG, ADD("N2", longname, 3, 0));
	longname[STORE_NAME_MAX] = '\0';
	CHECK_INT(0, ADD("N3", longname, 3, 0));
#undef ADD

	/* Cycles. */
	rc = svc_unit_move(tx, U.province, U.hoa_an, NULL, ADMIN_ID, ADMIN, 0, T0, NULL, msg,
			   sizeof(msg));
	CHECK_INT(KT_EINVAL, rc);
	CHECK_HAS(msg, "descendant");
	rc = svc_unit_move(tx, U.province, U.province, NULL, ADMIN_ID, ADMIN, 0, T0, NULL, msg,
			   sizeof(msg));
	CHECK_INT(KT_EINVAL, rc);
	CHECK_HAS(msg, "itself");
	rc =
	    svc_unit_move(tx, U.hoa_an, 9999, NULL, ADMIN_ID, ADMIN, 0, T0, NULL, msg, sizeof(msg));
	CHECK_INT(KT_ENOTFOUND, rc);
	rc = svc_unit_move(tx, 9999, 0, NULL, ADMIN_ID, ADMIN, 0, T0, NULL, msg, sizeof(msg));
	CHECK_INT(KT_ENOTFOUND, rc);
	CHECK_HAS(msg, "unit 9999 not found");

	/* Merges that make no sense. */
	rc = svc_unit_merge(tx, U.province, U.hoa_an, NULL, ADMIN_ID, ADMIN, 0, T0, NULL, msg,
			    sizeof(msg));
	CHECK_INT(KT_EINVAL, rc);
	CHECK_HAS(msg, "descendant");
	rc = svc_unit_merge(tx, U.p4, U.p4, NULL, ADMIN_ID, ADMIN, 0, T0, NULL, msg, sizeof(msg));
	CHECK_INT(KT_EINVAL, rc);
	CHECK_HAS(msg, "itself");

	/* A merged unit can be neither renamed, moved nor merged, nor merged into. */
	rc = svc_unit_rename(tx, U.district_a, 0, "Tên mới", NULL, ADMIN_ID, ADMIN, 0, T0, NULL,
			     msg, sizeof(msg));
	CHECK_INT(KT_ESTATE, rc);
	CHECK_HAS(msg, "is merged into");
	rc = svc_unit_move(tx, U.district_a, 0, NULL, ADMIN_ID, ADMIN, 0, T0, NULL, msg,
			   sizeof(msg));
	CHECK_INT(KT_ESTATE, rc);
	rc = svc_unit_merge(tx, U.district_a, U.province, NULL, ADMIN_ID, ADMIN, 0, T0, NULL, msg,
			    sizeof(msg));
	CHECK_INT(KT_ESTATE, rc);
	CHECK_HAS(msg, "is merged into");
	rc = svc_unit_merge(tx, U.trau_quy, U.district_a, NULL, ADMIN_ID, ADMIN, 0, T0, NULL, msg,
			    sizeof(msg));
	CHECK_INT(KT_ESTATE, rc);
	CHECK_HAS(msg, "target unit");
	rc = svc_unit_move(tx, U.trau_quy, U.district_a, NULL, ADMIN_ID, ADMIN, 0, T0, NULL, msg,
			   sizeof(msg));
	CHECK_INT(KT_ESTATE, rc);

	/* Bad text in a rename, a bad note, a missing actor. */
	rc = svc_unit_rename(tx, U.p4, 0, "Ph\xff", NULL, ADMIN_ID, ADMIN, 0, T0, NULL, msg,
			     sizeof(msg));
	CHECK_INT(KT_EUTF8, rc);
	rc = svc_unit_rename(tx, U.p4, 0, "Phường 4", "a\x01", ADMIN_ID, ADMIN, 0, T0, NULL, msg,
			     sizeof(msg));
	CHECK_INT(KT_EINVAL, rc);
	CHECK_HAS(msg, "note");
	rc = svc_unit_rename(tx, U.p4, 0, "Phường 4", NULL, ADMIN_ID, NULL, 0, T0, NULL, msg,
			     sizeof(msg));
	CHECK_INT(KT_EINVAL, rc);

	/* Kind names. */
	CHECK_INT(1, svc_unit_kind_parse("province"));
	CHECK_INT(3, svc_unit_kind_parse("commune"));
	CHECK_INT(8, svc_unit_kind_parse("other"));
	CHECK_INT(KT_EINVAL, svc_unit_kind_parse("hamlet"));
	CHECK_INT(KT_EINVAL, svc_unit_kind_parse(NULL));
	CHECK_STR("ward", svc_unit_kind_name(4));
	CHECK_STR("", svc_unit_kind_name(0));
	CHECK_STR("", svc_unit_kind_name(99));
	return 0;
}

static int t_count_units(struct store_tx *tx, void *arg)
{
	struct ids *l = arg;

	l->n = 0;
	return store_unit_list(tx, 0, true, 0, 0, collect_unit, l);
}

static void test_units(struct store *st)
{
	struct ids l;

	CHECK_INT(0, store_run(st, true, t_units_tree, NULL));
	CHECK_INT(0, store_run(st, false, t_units_find, NULL));
	CHECK_INT(0, store_run(st, true, t_units_change, NULL));
	CHECK_INT(0, store_run(st, true, t_units_rules, NULL));
	CHECK_INT(0, store_run(st, false, t_count_units, &l));
	CHECK_INT(10, l.n); /* 8, and the two the rules test added; none deleted */
}

/* ---- group commit ---------------------------------------------------------- */

static int t_create_two(struct store_tx *tx, void *arg)
{
	struct store_user u;
	int rc;

	new_user(&u, arg);
	rc = store_user_create(tx, &u);
	if (rc < 0)
		return rc;
	new_user(&u, "alice"); /* taken: this item fails after its first insert */
	return store_user_create(tx, &u);
}

static void test_batch(struct store *st)
{
	CHECK_INT(0, store_batch_begin(st));
	CHECK_INT(KT_ESTATE, store_batch_begin(st));
	CHECK_INT(KT_ESTATE, store_run(st, false, t_user_exists, "alice"));
	CHECK_INT(0, store_batch_item(st, t_create, "b1"));
	CHECK_INT(KT_EEXIST, store_batch_item(st, t_create_two, "b2"));
	CHECK_INT(0, store_batch_item(st, t_create, "b3"));
	CHECK_INT(KT_EEXIST, store_batch_item(st, t_create, "b1"));
	CHECK_INT(0, store_batch_commit(st));
	CHECK_INT(0, store_run(st, false, t_user_exists, "b1"));
	CHECK_INT(KT_ENOTFOUND, store_run(st, false, t_user_exists, "b2"));
	CHECK_INT(0, store_run(st, false, t_user_exists, "b3"));

	CHECK_INT(0, store_batch_begin(st));
	CHECK_INT(0, store_batch_item(st, t_create, "b4"));
	store_batch_abort(st);
	CHECK_INT(KT_ENOTFOUND, store_run(st, false, t_user_exists, "b4"));
	CHECK_INT(KT_ESTATE, store_batch_item(st, t_create, "b5"));
	CHECK_INT(KT_ESTATE, store_batch_commit(st));
	store_batch_abort(st); /* no batch: nothing happens */
}

/*
 * Groups: items without savepoints of their own. A refusal that wrote
 * nothing costs nothing; a failure after a write asks for the group again,
 * item by item, and the rolled-back group leaves nothing behind.
 */
static void test_batch_groups(struct store *st)
{
	bool redo = false;

	CHECK_INT(KT_ESTATE, store_batch_group_begin(st)); /* no batch */
	CHECK_INT(0, store_batch_begin(st));
	CHECK_INT(0, store_batch_group_begin(st));
	CHECK_INT(KT_ESTATE, store_batch_group_begin(st));
	CHECK_INT(KT_ESTATE, store_batch_item(st, t_create, "g0"));
	CHECK_INT(0, store_batch_group_item(st, t_create, "g1", &redo));
	CHECK_INT(KT_EEXIST, store_batch_group_item(st, t_create, "g1", &redo));
	CHECK(!redo); /* refused by the insert itself: nothing written */
	CHECK_INT(0, store_batch_group_item(st, t_create, "g2", &redo));
	CHECK_INT(0, store_batch_group_end(st, false));
	/* Second group: g3, then an item that writes g4 and fails. */
	CHECK_INT(0, store_batch_group_begin(st));
	CHECK_INT(0, store_batch_group_item(st, t_create, "g3", &redo));
	CHECK_INT(KT_EEXIST, store_batch_group_item(st, t_create_two, "g4", &redo));
	CHECK(redo);
	CHECK_INT(0, store_batch_group_end(st, true));
	CHECK_INT(0, store_batch_item(st, t_create, "g3"));
	CHECK_INT(KT_EEXIST, store_batch_item(st, t_create_two, "g4"));
	CHECK_INT(0, store_batch_commit(st));
	CHECK_INT(0, store_run(st, false, t_user_exists, "g1"));
	CHECK_INT(0, store_run(st, false, t_user_exists, "g2"));
	CHECK_INT(0, store_run(st, false, t_user_exists, "g3"));
	CHECK_INT(KT_ENOTFOUND, store_run(st, false, t_user_exists, "g4"));

	/* A group left open keeps nothing. */
	CHECK_INT(0, store_batch_begin(st));
	CHECK_INT(0, store_batch_group_begin(st));
	redo = false;
	CHECK_INT(0, store_batch_group_item(st, t_create, "g5", &redo));
	CHECK_INT(KT_ESTATE, store_batch_commit(st));
	CHECK_INT(KT_ENOTFOUND, store_run(st, false, t_user_exists, "g5"));
}

/* ---- backup and integrity ---------------------------------------------------- */

static int t_count_users(struct store_tx *tx, void *arg)
{
	return store_user_count(tx, arg);
}

static void test_backup(struct store *st)
{
	char bdir[128], bpath[192], out[64], msg[256];
	struct store_options o = {.create = false};
	struct store *b = NULL;
	int64_t n1 = -1, n2 = -2;

	CHECK_INT(0, store_integrity_check(st, msg, sizeof(msg)));
	CHECK_STR("ok", msg);

	snprintf(bdir, sizeof(bdir), "%s/backup", dir);
	CHECK_INT(0, mkdir(bdir, 0700));
	snprintf(bpath, sizeof(bpath), "%s/kiemtra.db", bdir);
	CHECK_INT(0, store_backup(st, bpath));
	CHECK_INT(KT_EEXIST, store_backup(st, bpath));
	CHECK_INT(KT_ENOTFOUND, store_backup(st, "/nonexistent-dir/x.db"));

	raw_query(bpath, "PRAGMA integrity_check", out, sizeof(out));
	CHECK_STR("ok", out);
	raw_query(bpath, "PRAGMA journal_mode", out, sizeof(out));
	CHECK_STR("delete", out);

	/* The copy opens as a store and holds the same rows. */
	CHECK_INT(0, store_open(&b, bdir, &o));
	if (!b)
		return;
	CHECK_INT(store_schema_latest(), store_schema_version(b));
	CHECK_INT(0, store_integrity_check(b, msg, sizeof(msg)));
	CHECK_INT(0, store_run(st, false, t_count_users, &n1));
	CHECK_INT(0, store_run(b, false, t_count_users, &n2));
	CHECK_INT(n1, n2);
	store_close(b);
}

/* ---- audit chain ------------------------------------------------------------- */

static int t_audit_append(struct store_tx *tx, void *arg)
{
	for (int i = 1; i <= 50; i++) {
		char detail[128];
		struct store_audit a = {
		    .user_id = i % 3,
		    .actor = i % 3 ? "alice" : "console",
		    .session_id = i % 3 ? 40 + i : 0,
		    .action = "finding.add",
		    .object_type = "finding",
		    .object_id = 1000 + i,
		    .detail = detail,
		    .at = T0 + i,
		};

		snprintf(detail, sizeof(detail),
			 "phát hiện số %d: hồ sơ trễ hạn trên phần mềm một cửa", i);
		CHECK_INT(0, store_audit_append(tx, &a));
	}
	return 0;
}

struct verify_result {
	int rc;
	int64_t rows, bad;
};

static int t_audit_verify(struct store_tx *tx, void *arg)
{
	struct verify_result *v = arg;

	v->rc = store_audit_verify(tx, &v->rows, &v->bad);
	return 0;
}

static struct verify_result verify(struct store *st)
{
	struct verify_result v = {-999, -1, -1};

	CHECK_INT(0, store_run(st, false, t_audit_verify, &v));
	return v;
}

static int t_audit_bad_text(struct store_tx *tx, void *arg)
{
	struct store_audit a = {
	    .actor = "console", .action = "x", .object_type = "y", .detail = "\xc3\x28"};

	return store_audit_append(tx, &a);
}

/* Appends a row, then fails: the row goes with its savepoint. */
static int t_audit_then_fail(struct store_tx *tx, void *arg)
{
	struct store_audit a = {
	    .actor = "alice", .action = "finding.add", .object_type = "finding", .detail = arg};

	CHECK_INT(0, store_audit_append(tx, &a));
	return KT_EINVAL;
}

static int t_audit_one(struct store_tx *tx, void *arg)
{
	struct store_audit a = {
	    .actor = "alice", .action = "finding.add", .object_type = "finding", .detail = arg};

	return store_audit_append(tx, &a);
}

/*
 * The store remembers the last row it appended: a row rolled back with its
 * savepoint, or with its batch, must not become the next row's predecessor.
 */
static void test_audit_rollback(struct store *st)
{
	struct verify_result v = verify(st);
	int64_t before = v.rows;
	bool redo;

	CHECK_INT(0, v.rc);
	CHECK_INT(0, store_batch_begin(st));
	CHECK_INT(0, store_batch_item(st, t_audit_one, "một"));
	CHECK_INT(KT_EINVAL, store_batch_item(st, t_audit_then_fail, "hai (rolled back)"));
	CHECK_INT(0, store_batch_item(st, t_audit_one, "ba"));
	CHECK_INT(0, store_batch_commit(st));
	CHECK_INT(0, store_batch_begin(st));
	CHECK_INT(0, store_batch_item(st, t_audit_one, "bốn (aborted)"));
	store_batch_abort(st);
	CHECK_INT(0, store_run(st, true, t_audit_one, "năm"));
	CHECK_INT(KT_EINVAL, store_run(st, true, t_audit_then_fail, "sáu (rolled back)"));
	CHECK_INT(0, store_run(st, true, t_audit_one, "bảy"));
	/* A group rolled back to its savepoint takes its rows with it. */
	redo = false;
	CHECK_INT(0, store_batch_begin(st));
	CHECK_INT(0, store_batch_group_begin(st));
	CHECK_INT(0, store_batch_group_item(st, t_audit_one, "tám (rolled back)", &redo));
	CHECK_INT(KT_EINVAL,
		  store_batch_group_item(st, t_audit_then_fail, "chín (rolled back)", &redo));
	CHECK(redo);
	CHECK_INT(0, store_batch_group_end(st, true));
	CHECK_INT(0, store_batch_item(st, t_audit_one, "tám"));
	CHECK_INT(0, store_batch_commit(st));
	v = verify(st);
	CHECK_INT(0, v.rc);
	CHECK_INT(before + 5, v.rows);
	CHECK_INT(0, v.bad);
}

static void test_audit(struct store *st)
{
	struct verify_result v;
	int64_t before, n;
	char sql[256];

	/* The unit service wrote rows already; they verify. */
	v = verify(st);
	CHECK_INT(0, v.rc);
	CHECK(v.rows >= 5);
	before = v.rows;

	CHECK_INT(0, store_run(st, true, t_audit_append, NULL));
	CHECK_INT(KT_EUTF8, store_run(st, true, t_audit_bad_text, NULL));
	v = verify(st);
	CHECK_INT(0, v.rc);
	n = before + 50;
	CHECK_INT(n, v.rows);
	CHECK_INT(0, v.bad);

	/* The triggers refuse changes from a plain connection ... */
	snprintf(sql, sizeof(sql), "UPDATE audit_log SET detail = 'x' WHERE id = %" PRId64,
		 before + 17);
	CHECK(raw_exec(sql) != SQLITE_OK);
	CHECK(raw_exec("DELETE FROM audit_log WHERE id = 3") != SQLITE_OK);

	/* ... and whoever drops them is caught by the chain. */
	CHECK_INT(SQLITE_OK, raw_exec("DROP TRIGGER audit_log_no_update;"
				      "DROP TRIGGER audit_log_no_delete;"));
	snprintf(sql, sizeof(sql),
		 "UPDATE audit_log SET detail = detail || ' (đã sửa)' WHERE id = %" PRId64,
		 before + 17);
	CHECK_INT(SQLITE_OK, raw_exec(sql));
	v = verify(st);
	CHECK_INT(KT_ECORRUPT, v.rc);
	CHECK_INT(before + 17, v.bad);
	CHECK_INT(before + 16, v.rows); /* the rows before it verified */

	/* Put it back: intact again (the chain has no memory of the edit). */
	snprintf(sql, sizeof(sql),
		 "UPDATE audit_log SET detail = substr(detail, 1, length(detail) - 9) "
		 "WHERE id = %" PRId64,
		 before + 17);
	CHECK_INT(SQLITE_OK, raw_exec(sql));
	v = verify(st);
	CHECK_INT(0, v.rc);
	CHECK_INT(n, v.rows);

	/* An integer field counts too. */
	CHECK_INT(SQLITE_OK, raw_exec("UPDATE audit_log SET at = at + 1 WHERE id = 5"));
	v = verify(st);
	CHECK_INT(KT_ECORRUPT, v.rc);
	CHECK_INT(5, v.bad);
	CHECK_INT(SQLITE_OK, raw_exec("UPDATE audit_log SET at = at - 1 WHERE id = 5"));

	/* A removed row: the row after the gap is reported. */
	snprintf(sql, sizeof(sql), "DELETE FROM audit_log WHERE id = %" PRId64, before + 23);
	CHECK_INT(SQLITE_OK, raw_exec(sql));
	v = verify(st);
	CHECK_INT(KT_ECORRUPT, v.rc);
	CHECK_INT(before + 24, v.bad);

	/* The first row removed. */
	CHECK_INT(SQLITE_OK, raw_exec("DELETE FROM audit_log WHERE id = 1"));
	v = verify(st);
	CHECK_INT(KT_ECORRUPT, v.rc);
	CHECK_INT(2, v.bad);

	/* SQLite itself sees nothing wrong: only the chain tells. */
	{
		char msg[128];

		CHECK_INT(0, store_integrity_check(st, msg, sizeof(msg)));
	}
}

int main(void)
{
	struct store *st;

	snprintf(dir, sizeof(dir), "/tmp/kt_test_store_XXXXXX");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(dbpath, sizeof(dbpath), "%s/kiemtra.db", dir);

	test_open();
	st = open_store(false);
	if (st) {
		test_users(st);
		CHECK_INT(0, store_run(st, true, t_devices_sessions, NULL));
		test_units(st);
		test_batch(st);
		test_batch_groups(st);
		test_backup(st);
		test_audit_rollback(st);
		test_audit(st);
		store_close(st);
	}
	rm_tree(dir);
	if (failures) {
		fprintf(stderr, "test_store: %d checks failed\n", failures);
		return 1;
	}
	printf("test_store: all checks passed\n");
	return 0;
}
