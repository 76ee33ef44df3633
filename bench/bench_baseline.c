/*
 * bench_baseline.c - the yardstick: raw in-process SQLite inserts of the rows a
 * finding submission writes (the finding and its audit row; revision 1 lives in
 * the row until the first change),
 * on the same disk, with the same schema (the store's migrations) and the same
 * durability (WAL, synchronous=FULL), 100 findings per transaction, with the
 * statements prepared once. No network, no encryption, no rights checks: the
 * ceiling the server is measured against.
 */
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"
#include "common/status.h"
#include "server/store/db.h"
#include "server/store/store.h"
#include "server/store/store_int.h"

#define BATCH 100

static int exec_setup(struct db *db)
{
	return db_exec(db, "INSERT INTO users (id, username, full_name, roles, disabled,"
			   " must_change_password, pwhash, created_at, updated_at)"
			   " VALUES (1, 'base', 'Baseline', 8, 0, 0, 'x', 0, 0);"
			   "INSERT INTO units (id, code, name, name_folded, kind, status,"
			   " created_at, updated_at) VALUES (1, 'B', 'Phường B', 'phuong b', 4, 1,"
			   " 0, 0);"
			   "INSERT INTO plans (id, number, issued_on, issuer, title, period_start,"
			   " period_end, areas, review_chain, client_id, created_by, created_at,"
			   " updated_at) VALUES (1, '1/KH', '2026-01-01', 'UBND', 'Baseline',"
			   " '2026-01-01', '2026-12-31', 8, '1,2,4', 'c', 1, 0, 0);");
}

double bench_baseline(const char *dir, double seconds)
{
	static const char text[] =
		"Hồ sơ trễ hạn trên phần mềm một cửa điện tử do công chức quên cập nhật (000000)";
	static const char cause[] = "Công chức chưa cập nhật luân chuyển hồ sơ";
	struct store_options o = {.create = true};
	struct store *st = NULL;
	struct db *db;
	struct db_stmt *f = NULL, *a = NULL;
	uint8_t hash[32] = {0};
	uint64_t n = 0, t0, t;
	double rate = -1;
	char client_id[32];

	if (store_open(&st, dir, &o) != KT_OK)
		return -1;
	db = st->db;
	if (exec_setup(db) < 0)
		goto out;
	t0 = bench_now_ns();
	do {
		if (db_begin(db, true) < 0)
			goto out;
		for (int i = 0; i < BATCH; i++, n++) {
			int64_t id;

			snprintf(client_id, sizeof(client_id), "base-%llu", (unsigned long long)n);
			if (db_prepare(db,
				       "INSERT INTO findings (plan_id, unit_id, area, kind, text,"
				       " cause, state, author_id, client_id, created_at,"
				       " updated_at, updated_by) VALUES (1, 1, 3, 2, ?1, ?2, 2, 1,"
				       " ?3, ?4, ?4, 1)",
				       &f) < 0)
				goto out;
			db_bind_text(f, 1, text, sizeof(text) - 1);
			db_bind_text(f, 2, cause, sizeof(cause) - 1);
			db_bind_str(f, 3, client_id);
			db_bind_int64(f, 4, (int64_t)n);
			if (db_step(f) < 0 || db_changes(db) != 1)
				goto out;
			id = db_last_insert_id(db);
			db_finish(f);
			f = NULL;
			if (db_prepare(db,
				       "INSERT INTO audit_log (at, user_id, actor, session_id,"
				       " action, object_type, object_id, detail, prev_hash,"
				       " row_hash) VALUES (?1, 1, 'base', 1, 'finding.create',"
				       " 'finding', ?2, ?3, ?4, ?4)",
				       &a) < 0)
				goto out;
			db_bind_int64(a, 1, (int64_t)n);
			db_bind_int64(a, 2, id);
			db_bind_str(a, 3, client_id);
			db_bind_blob(a, 4, hash, sizeof(hash));
			if (db_step(a) < 0)
				goto out;
			db_finish(a);
			a = NULL;
		}
		if (db_commit(db) < 0)
			goto out;
		t = bench_now_ns();
	} while ((double)(t - t0) < seconds * 1e9);
	rate = (double)n / ((double)(t - t0) / 1e9);
out:
	db_finish(f);
	db_finish(a);
	store_close(st);
	return rate;
}
