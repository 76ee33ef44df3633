/*
 * worker.h - the storage thread and group commit.
 *
 * Owns: the storage thread and the sync thread, the struct store it is given
 * (used only by them from worker_start() until worker_stop() returns), the
 * queues of jobs and a uv_async_t that brings finished jobs back to the loop
 * thread.
 *
 * A job's run() executes on the storage thread inside a transaction; jobs that
 * arrive together share one transaction (each in its own savepoint, so one
 * failing job rolls back alone) and one log flush. The flush is pipelined:
 * while the sync thread flushes the log for the batches committed so far, the
 * storage thread already runs the next batch (worker.c explains the ordering
 * and what a failed flush does). A job's done() runs on the loop thread once
 * a flush has made its batch durable, with run()'s code, or with the commit's
 * or the flush's error; done() calls come in the order the jobs committed.
 * The job's memory belongs to the submitter and must stay valid until done()
 * has been called; done() may free it.
 *
 * Rule: run() touches only the job's own data and the transaction; never
 * connection state or anything else the loop thread owns.
 */
#ifndef KT_WORKER_H
#define KT_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "server/store/store.h"

struct worker;

struct worker_job {
	int (*run)(struct store_tx *tx, struct worker_job *job); /* storage thread */
	/*
	 * Instead of run: a job that needs the whole store outside any transaction
	 * (online backup, integrity check). It runs alone, between batches.
	 */
	int (*run_raw)(struct store *st, struct worker_job *job);
	void (*done)(struct worker_job *job, int rc);            /* loop thread */
	/*
	 * run() may be called again after what its first call wrote was rolled
	 * back: it keeps its results only in the job's own memory and the
	 * database, and sets them afresh on each call. Such jobs run in groups
	 * without a savepoint each (store_batch_group_*), the others each in
	 * their own savepoint. False unless the submitter sets it.
	 */
	bool rerunnable;
	int rc;
	struct worker_job *next; /* queue link; the worker's */
};

#define WORKER_MAX_BATCH 256 /* jobs in one transaction at most */

/*
 * Environment: KIEMTRAD_SYNC=commit makes each commit wait for its own fsync
 * on the storage thread instead (no sync thread), for comparisons.
 */
#define WORKER_SYNC_ENV "KIEMTRAD_SYNC"

/* Start the thread. st is the worker's until worker_stop(). */
int worker_start(struct worker **out, uv_loop_t *loop, struct store *st);
/* Loop thread: queue a job. After worker_stop() began, done(KT_ESHUTDOWN) follows. */
void worker_submit(struct worker *w, struct worker_job *job);
/*
 * Loop thread: finish queued jobs, stop the thread, run the last done()
 * callbacks, close the async handle (the loop must run once more to finish
 * closing; worker_free() after that). The store is the caller's again.
 */
void worker_stop(struct worker *w);
void worker_free(struct worker *w);

/* Counters for status (loop thread reads them; approximate). */
struct worker_stats {
	uint64_t jobs, batches, commits_failed;
	uint64_t groups_redone; /* groups rolled back and run again, a savepoint each */
	uint64_t syncs, syncs_failed; /* the sync thread's log flushes */
	unsigned queued;
	bool pipelined; /* false: each commit syncs itself (KIEMTRAD_SYNC=commit) */
};
void worker_get_stats(struct worker *w, struct worker_stats *out);

#endif
