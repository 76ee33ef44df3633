/*
 * test_worker.c - the storage worker (server/worker.c) with a real store and
 * a real loop: jobs that may be run again share one savepoint per group; one
 * that fails after writing sends its group back to run again item by item,
 * and every job ends with the result of its last run, the database with the
 * writes of the jobs that succeeded only.
 */
#include <dirent.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include "common/status.h"
#include "server/store/store.h"
#include "server/worker.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);  \
			failures++;                                                                \
		}                                                                                  \
	} while (0)
#define CHECK_INT(want, got)                                                                       \
	do {                                                                                       \
		long long w_ = (long long)(want), g_ = (long long)(got);                           \
		if (w_ != g_) {                                                                    \
			fprintf(stderr, "%s:%d: %s: expected %lld, got %lld\n", __FILE__, __LINE__, \
				#got, w_, g_);                                                     \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

struct tjob {
	struct worker_job job;
	const char *name;  /* the user it creates */
	bool fail_after;   /* then fails, having written */
	bool refuse;       /* fails before writing anything */
	int runs;          /* run() calls */
	int done_rc;       /* what done() got */
	bool done;
};

static int done_count;
static sem_t started, go; /* the blocker job holds the storage thread until go */

static int blocker_run(struct store_tx *tx, struct worker_job *j)
{
	(void)tx;
	(void)j;
	sem_post(&started);
	sem_wait(&go);
	return 0;
}

static int tjob_run(struct store_tx *tx, struct worker_job *j)
{
	struct tjob *t = (struct tjob *)j;
	struct store_user u;
	int rc;

	t->runs++;
	if (t->refuse)
		return KT_EINVAL;
	memset(&u, 0, sizeof(u));
	snprintf(u.username, sizeof(u.username), "%s", t->name);
	snprintf(u.full_name, sizeof(u.full_name), "Trần Thị %s", t->name);
	snprintf(u.pwhash, sizeof(u.pwhash), "$argon2id$v=19$m=65536,t=2,p=1$x");
	u.roles = STORE_ROLE_BIT(3);
	rc = store_user_create(tx, &u);
	if (rc == 0 && t->fail_after)
		return KT_ECONFLICT;
	return rc;
}

static void tjob_done(struct worker_job *j, int rc)
{
	struct tjob *t = (struct tjob *)j;

	t->done_rc = rc;
	t->done = true;
	done_count++;
}

static int t_user_exists(struct store_tx *tx, void *arg)
{
	struct store_user u;

	return store_user_get_by_name(tx, arg, &u);
}

static void rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	while (d && (e = readdir(d))) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

int main(void)
{
	struct store_options o = {.create = true, .busy_timeout_ms = 2000};
	char dir[64] = "/tmp/kt-worker.XXXXXX";
	struct store *st = NULL;
	struct worker *w = NULL;
	struct worker_stats ws;
	uv_loop_t loop;

	if (!mkdtemp(dir) || store_open(&st, dir, &o) != 0) {
		fprintf(stderr, "cannot open a store in %s\n", dir);
		return 1;
	}
	uv_loop_init(&loop);
	CHECK_INT(KT_OK, worker_start(&w, &loop, st));

	/*
	 * One batch: a re-runnable group (a, a refusal, b, then c that writes
	 * and fails, then d), a job with its own savepoint (e), another group (f).
	 */
	struct tjob jobs[] = {
	    {.name = "a", .job.rerunnable = true},
	    {.name = "x", .refuse = true, .job.rerunnable = true},
	    {.name = "b", .job.rerunnable = true},
	    {.name = "c", .fail_after = true, .job.rerunnable = true},
	    {.name = "d", .job.rerunnable = true},
	    {.name = "e"},
	    {.name = "f", .job.rerunnable = true},
	};
	/* Hold the storage thread so that all arrive before it takes a batch. */
	struct tjob blocker = {.name = "blocker"};
	sem_init(&started, 0, 0);
	sem_init(&go, 0, 0);
	blocker.job.run = blocker_run;
	blocker.job.done = tjob_done;
	worker_submit(w, &blocker.job);
	sem_wait(&started);
	done_count = 0;
	for (size_t i = 0; i < sizeof(jobs) / sizeof(jobs[0]); i++) {
		jobs[i].job.run = tjob_run;
		jobs[i].job.done = tjob_done;
		worker_submit(w, &jobs[i].job);
	}
	sem_post(&go);
	while (done_count < (int)(sizeof(jobs) / sizeof(jobs[0])) + 1)
		uv_run(&loop, UV_RUN_ONCE);

	CHECK_INT(KT_OK, jobs[0].done_rc);
	CHECK_INT(KT_EINVAL, jobs[1].done_rc);
	CHECK_INT(KT_OK, jobs[2].done_rc);
	CHECK_INT(KT_ECONFLICT, jobs[3].done_rc);
	CHECK_INT(KT_OK, jobs[4].done_rc);
	CHECK_INT(KT_OK, jobs[5].done_rc);
	CHECK_INT(KT_OK, jobs[6].done_rc);
	worker_get_stats(w, &ws);
	CHECK_INT(2, ws.batches); /* the blocker's, then all seven */
	{
		/* a..c ran twice (the group again, a savepoint each), d once, after. */
		CHECK_INT(2, jobs[0].runs);
		CHECK_INT(2, jobs[1].runs);
		CHECK_INT(2, jobs[2].runs);
		CHECK_INT(2, jobs[3].runs);
		CHECK_INT(1, jobs[4].runs);
		CHECK_INT(1, jobs[5].runs);
		CHECK_INT(1, jobs[6].runs);
		CHECK_INT(1, ws.groups_redone);
	}
	worker_stop(w);
	uv_run(&loop, UV_RUN_DEFAULT);
	worker_free(w);
	uv_loop_close(&loop);

	CHECK_INT(0, store_run(st, false, t_user_exists, "a"));
	CHECK_INT(0, store_run(st, false, t_user_exists, "b"));
	CHECK_INT(KT_ENOTFOUND, store_run(st, false, t_user_exists, "c"));
	CHECK_INT(0, store_run(st, false, t_user_exists, "d"));
	CHECK_INT(0, store_run(st, false, t_user_exists, "e"));
	CHECK_INT(0, store_run(st, false, t_user_exists, "f"));
	CHECK_INT(KT_ENOTFOUND, store_run(st, false, t_user_exists, "x"));
	store_close(st);
	rm_dir(dir);
	if (failures) {
		fprintf(stderr, "%d check(s) failed\n", failures);
		return 1;
	}
	printf("test_worker: all checks passed\n");
	return 0;
}
