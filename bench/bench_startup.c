/*
 * bench_startup.c - --startup-findings N: how long kiemtrad takes to start on
 * a large database.
 *
 * With our own server stopped, N findings are written into its data directory
 * through the store seam, as the server itself writes a submission: the
 * finding (store_finding_insert: the row, its revision 1) and its audit row
 * (store_audit_append, which extends the hash chain, so `audit verify` still
 * holds), 20,000 findings per transaction. The chain is then verified. The
 * server is timed from its exec to its listen file (written once it accepts
 * connections), BENCH_STARTS times before the findings are added (the fixed
 * cost) and BENCH_STARTS times after.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bench/bench.h"
#include "common/status.h"
#include "server/store/db.h"
#include "server/store/store.h"
#include "server/store/store_findings.h"
#include "server/store/store_int.h"

#define STARTUP_TX 20000 /* findings per transaction */

struct fill {
	struct store_finding *f;
	int64_t user_id;
	const char *username;
	uint64_t next, end; /* findings numbered [next, end) in this transaction */
	int64_t now;
};

static int fill_tx(struct store_tx *tx, void *arg)
{
	struct fill *fl = arg;
	char detail[128];
	int rc;

	for (; fl->next < fl->end; fl->next++) {
		struct store_audit a = {
		    .user_id = fl->user_id,
		    .actor = fl->username,
		    .action = "finding.create",
		    .object_type = "finding",
		    .detail = detail,
		    .at = fl->now,
		};

		snprintf(fl->f->client_id, sizeof(fl->f->client_id), "start-%010" PRIu64, fl->next);
		snprintf(fl->f->text, sizeof(fl->f->text),
			 "Hồ sơ trễ hạn trên phần mềm một cửa điện tử do công chức quên cập nhật "
			 "(%" PRIu64 ")",
			 fl->next);
		rc = store_finding_insert(tx, fl->f, fl->now);
		if (rc != 0)
			return rc;
		snprintf(detail, sizeof(detail), "plan %" PRId64 ", unit %" PRId64 ", submitted",
			 fl->f->plan_id, fl->f->unit_id);
		a.object_id = fl->f->id;
		rc = store_audit_append(tx, &a);
		if (rc != 0)
			return rc;
	}
	return 0;
}

static int find_user(struct store_tx *tx, void *arg)
{
	struct fill *fl = arg;
	struct store_user *u = malloc(sizeof(*u));
	int rc;

	if (!u)
		return KT_ENOMEM;
	rc = store_user_get_by_name(tx, fl->username, u);
	if (rc == 0)
		fl->user_id = u->id;
	free(u);
	return rc;
}

struct totals {
	int64_t findings, audit_rows, bad_id;
	int verify_rc;
};

static int count_tx(struct store_tx *tx, void *arg)
{
	struct totals *t = arg;
	struct db_stmt *s = NULL;
	int rc;

	rc = db_prepare(tx->db, "SELECT COUNT(*) FROM findings", &s);
	if (rc < 0)
		return rc;
	rc = db_step(s);
	t->findings = rc == DB_ROW ? db_column_int64(s, 0) : -1;
	db_finish(s);
	if (rc < 0)
		return rc;
	t->verify_rc = store_audit_verify(tx, &t->audit_rows, &t->bad_id);
	return 0;
}

/* Write b->startup_findings findings into the stopped server's database. */
static int fill(struct bench *b)
{
	struct store_options o = {.create = false};
	struct fill fl = {.username = b->username, .now = (int64_t)time(NULL) * 1000};
	struct store *st = NULL;
	struct totals t = {0};
	uint64_t t0;
	int rc = -1;

	fl.f = calloc(1, sizeof(*fl.f));
	if (!fl.f)
		return -1;
	if (store_open(&st, b->data_dir, &o) != KT_OK) {
		fprintf(stderr, "kiemtra-bench: cannot open the database in %s\n", b->data_dir);
		goto out;
	}
	if (store_run(st, false, find_user, &fl) != KT_OK) {
		fprintf(stderr, "kiemtra-bench: no user %s in the database\n", b->username);
		goto out;
	}
	fl.f->plan_id = b->plan_id;
	fl.f->unit_id = b->unit_id;
	fl.f->area = 3;	 /* Area PROCEDURES, as the network clients submit */
	fl.f->kind = 2;	 /* FindingKind SHORTCOMING */
	fl.f->state = 2; /* FindingState SUBMITTED */
	fl.f->author_id = fl.user_id;
	snprintf(fl.f->cause, sizeof(fl.f->cause), "Công chức chưa cập nhật luân chuyển hồ sơ");
	t0 = bench_now_ns();
	while (fl.next < b->startup_findings) {
		fl.end = fl.next + STARTUP_TX;
		if (fl.end > b->startup_findings)
			fl.end = b->startup_findings;
		rc = store_run(st, true, fill_tx, &fl);
		if (rc != KT_OK) {
			fprintf(stderr, "kiemtra-bench: writing findings failed: %s\n",
				kt_strerror(rc));
			rc = -1;
			goto out;
		}
	}
	b->startup_insert_s = (double)(bench_now_ns() - t0) / 1e9;
	rc = store_run(st, false, count_tx, &t);
	if (rc != KT_OK || t.verify_rc != KT_OK) {
		fprintf(stderr,
			"kiemtra-bench: the audit chain does not verify (%s, row %" PRId64 ")\n",
			kt_strerror(rc != KT_OK ? rc : t.verify_rc), t.bad_id);
		rc = -1;
		goto out;
	}
	b->startup_db_findings = t.findings;
	b->startup_audit_rows = t.audit_rows;
	rc = 0;
out:
	store_close(st);
	free(fl.f);
	return rc;
}

/* Start and stop the server BENCH_STARTS times; each start's time into ms[]. */
static int time_starts(struct bench *b, double *ms, unsigned *n)
{
	for (*n = 0; *n < BENCH_STARTS; (*n)++) {
		if (bench_start_server(b, &ms[*n]) != 0)
			return -1;
		bench_stop_server(b);
	}
	return 0;
}

int bench_startup(struct bench *b)
{
	char path[sizeof(b->data_dir) + 16];
	struct stat sb;

	if (!b->own_server) {
		fprintf(stderr,
			"kiemtra-bench: --startup-findings needs our own server (no --server)\n");
		return -1;
	}
	bench_stop_server(b);
	if (!b->quiet)
		printf("start-up: timing %u starts before adding findings\n", BENCH_STARTS);
	if (time_starts(b, b->startup_base_ms, &b->nbase_starts) != 0)
		return -1;
	if (!b->quiet)
		printf("start-up: writing %u findings through the store\n", b->startup_findings);
	if (fill(b) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/kiemtra.db", b->data_dir);
	b->startup_db_bytes = stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
	if (!b->quiet)
		printf("start-up: %u findings written in %.1f s (%.0f/s); database %" PRId64
		       " findings, %" PRId64 " audit rows (chain verified), %.1f MiB\n",
		       b->startup_findings, b->startup_insert_s,
		       b->startup_insert_s > 0 ? b->startup_findings / b->startup_insert_s : 0,
		       b->startup_db_findings, b->startup_audit_rows,
		       (double)b->startup_db_bytes / 1048576.0);
	return time_starts(b, b->startup_ms, &b->nstarts);
}
