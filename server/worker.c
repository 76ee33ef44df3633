/*
 * worker.c - see worker.h.
 *
 * Two threads and three lists, all under one mutex:
 *
 *   in   --storage thread: one transaction per batch-->   synced (pipelined)
 *   synced --sync thread: one log flush per turn------>   out
 *   out  --loop thread (uv_async): done() in order
 *
 * Pipelined (the default, when the store can split its sync): the storage
 * thread commits a batch without waiting for the disk and goes on with the
 * next while the sync thread flushes the log; a flush covers every batch
 * committed before it began, so each turn of the sync thread releases all the
 * batches waiting. Batches pass through every list in commit order, and a
 * batch's responses leave only after the flush that covers it, so an answer
 * that read an earlier batch's writes never leaves before those writes are
 * durable. Inline (KIEMTRAD_SYNC=commit, or a store that cannot split): each
 * commit waits for its own fsync and the batch goes straight to out.
 *
 * A failed flush: the batches it covered may or may not be on disk, so every
 * job of theirs that had succeeded fails with the flush's error, and the
 * worker is "unsynced": nothing more is released as durable (the sync thread
 * fails whatever reaches it) until the storage thread, once the sync thread
 * is idle, has checkpointed the whole log into the database and synced it
 * (store_checkpoint). A later flush alone would not do: after a failed
 * fsync the kernel may have dropped pages it could not write. While the
 * checkpoint fails, each batch fails whole, before it runs.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "server/worker.h"

struct worker {
	uv_loop_t *loop;
	struct store *st;
	bool pipelined;
	pthread_t thread, sync_thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;	/* storage thread: work arrived, or the sync thread went idle */
	pthread_cond_t sync_cv; /* sync thread: batches to flush, or stop */
	/* under mu */
	struct worker_job *in_head, *in_tail;	  /* submitted, not yet taken */
	struct worker_job *sync_head, *sync_tail; /* committed, waiting for a flush */
	struct worker_job *out_head, *out_tail;	  /* finished, done() not yet called */
	bool stopping, sync_stopping;
	bool syncing;  /* the sync thread holds a turn's batches */
	bool unsynced; /* a flush failed; no durable answers until a checkpoint */
	unsigned queued;
	struct worker_stats stats;
	/* loop thread */
	uv_async_t async;
	bool thread_running, sync_running;
};

/* Append the list head..tail to the list *lh..*lt. */
static void append(struct worker_job **lh, struct worker_job **lt, struct worker_job *head,
		   struct worker_job *tail)
{
	if (!head)
		return;
	tail->next = NULL;
	if (*lt)
		(*lt)->next = head;
	else
		*lh = head;
	*lt = tail;
}

/* Under mu: hand head..tail to the loop thread (done() in order); mu is held again after. */
static void release(struct worker *w, struct worker_job *head, struct worker_job *tail)
{
	append(&w->out_head, &w->out_tail, head, tail);
	pthread_mutex_unlock(&w->mu);
	uv_async_send(&w->async);
	pthread_mutex_lock(&w->mu);
}

static int run_item(struct store_tx *tx, void *arg)
{
	struct worker_job *job = arg;

	return job->run(tx, job);
}

/*
 * Storage thread: the run of re-runnable jobs from first on (up to the first
 * other job) under one savepoint, none of their own. When one fails after
 * writing something, the group is rolled back to its savepoint and its jobs
 * run again, each in its own savepoint. Returns the job after the group.
 */
static struct worker_job *run_group(struct worker *w, struct worker_job *first)
{
	struct worker_job *j, *end;
	bool redo = false;
	int rc;

	for (end = first; end && end->rerunnable; end = end->next)
		;
	rc = store_batch_group_begin(w->st);
	for (j = first; j != end && rc == KT_OK && !redo; j = j->next)
		j->rc = store_batch_group_item(w->st, run_item, j, &redo);
	if (rc == KT_OK)
		rc = store_batch_group_end(w->st, redo);
	if (rc == KT_OK && redo) {
		pthread_mutex_lock(&w->mu);
		w->stats.groups_redone++;
		pthread_mutex_unlock(&w->mu);
		for (j = first; j != end; j = j->next)
			j->rc = store_batch_item(w->st, run_item, j);
	} else if (rc != KT_OK) {
		for (j = first; j != end; j = j->next)
			j->rc = rc; /* the transaction is over: so is the batch (its commit fails) */
	}
	return end;
}

/* Storage thread: run one batch of jobs in one transaction; set each job's rc. */
static void run_batch(struct worker *w, struct worker_job *batch)
{
	struct worker_job *j;
	int rc;

	rc = store_batch_begin(w->st);
	if (rc == KT_OK) {
		for (j = batch; j;) {
			if (j->rerunnable) {
				j = run_group(w, j);
			} else {
				j->rc = store_batch_item(w->st, run_item, j);
				j = j->next;
			}
		}
		rc = store_batch_commit(w->st);
	}
	if (rc != KT_OK) {
		/* Nothing of the batch is stored: every job failed with the commit's error. */
		for (j = batch; j; j = j->next)
			j->rc = rc;
		pthread_mutex_lock(&w->mu);
		w->stats.commits_failed++;
		pthread_mutex_unlock(&w->mu);
	}
}

/* Every job of the list that succeeded fails with rc instead. */
static void fail_succeeded(struct worker_job *list, int rc)
{
	for (; list; list = list->next) {
		if (list->rc == KT_OK)
			list->rc = rc;
	}
}

/*
 * Storage thread, under mu, pipelined and unsynced: wait until the sync thread
 * has released everything before, then checkpoint. KT_OK when the worker is
 * synced again, else the error every job of the coming batch gets.
 */
static int resync(struct worker *w)
{
	int rc;

	while (w->sync_head || w->syncing)
		pthread_cond_wait(&w->cv, &w->mu);
	pthread_mutex_unlock(&w->mu);
	rc = store_checkpoint(w->st);
	pthread_mutex_lock(&w->mu);
	if (rc == KT_OK) {
		w->unsynced = false;
		return KT_OK;
	}
	return rc == KT_EFULL ? rc : KT_EIO;
}

static void *thread_main(void *arg)
{
	struct worker *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct worker_job *batch = NULL, *tail = NULL, *raw = NULL;
		unsigned n = 0;
		int refused = KT_OK;

		while (!w->in_head && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->in_head && w->stopping)
			break;
		/* Take up to WORKER_MAX_BATCH transactional jobs, or one raw job alone. */
		if (w->in_head->run_raw) {
			raw = w->in_head;
			w->in_head = raw->next;
			raw->next = NULL;
			batch = tail = raw;
			n = 1;
		} else {
			while (w->in_head && !w->in_head->run_raw && n < WORKER_MAX_BATCH) {
				struct worker_job *j = w->in_head;

				w->in_head = j->next;
				append(&batch, &tail, j, j);
				n++;
			}
		}
		if (!w->in_head)
			w->in_tail = NULL;
		w->queued -= n;
		if (w->pipelined && w->unsynced)
			refused = resync(w);
		pthread_mutex_unlock(&w->mu);

		if (refused != KT_OK) {
			for (struct worker_job *j = batch; j; j = j->next)
				j->rc = refused;
		} else if (raw) {
			raw->rc = raw->run_raw(w->st, raw);
		} else {
			run_batch(w, batch);
		}

		pthread_mutex_lock(&w->mu);
		w->stats.jobs += n;
		w->stats.batches++;
		if (w->pipelined && refused == KT_OK) {
			append(&w->sync_head, &w->sync_tail, batch, tail);
			pthread_cond_signal(&w->sync_cv);
		} else {
			release(w, batch, tail);
		}
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* The sync thread: flush the log for everything committed, then release it. */
static void *sync_main(void *arg)
{
	struct worker *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct worker_job *head, *tail;
		bool unsynced;
		int rc = KT_OK;

		while (!w->sync_head && !w->sync_stopping)
			pthread_cond_wait(&w->sync_cv, &w->mu);
		if (!w->sync_head)
			break;
		head = w->sync_head;
		tail = w->sync_tail;
		w->sync_head = w->sync_tail = NULL;
		w->syncing = true;
		unsynced = w->unsynced;
		pthread_mutex_unlock(&w->mu);

		rc = unsynced ? KT_EIO : store_sync(w->st); /* KT_OK or KT_EIO */
		if (rc != KT_OK)
			fail_succeeded(head, rc);

		pthread_mutex_lock(&w->mu);
		w->stats.syncs += !unsynced;
		if (rc != KT_OK && !unsynced) {
			w->unsynced = true;
			w->stats.syncs_failed++;
		}
		w->syncing = false;
		pthread_cond_signal(&w->cv);
		release(w, head, tail);
	}
	pthread_mutex_unlock(&w->mu);
	return NULL;
}

/* Loop thread: call done() for every finished job. */
static void drain(struct worker *w)
{
	struct worker_job *j, *next;

	pthread_mutex_lock(&w->mu);
	j = w->out_head;
	w->out_head = w->out_tail = NULL;
	pthread_mutex_unlock(&w->mu);
	for (; j; j = next) {
		next = j->next;
		j->done(j, j->rc);
	}
}

static void on_async(uv_async_t *h)
{
	drain(h->data);
}

/* KIEMTRAD_SYNC=commit: every commit waits for its own fsync (for comparisons). */
static bool want_pipelined(void)
{
	const char *v = getenv(WORKER_SYNC_ENV);

	return !(v && strcmp(v, "commit") == 0);
}

/* Loop thread: end the sync thread (it first flushes what reached it), if it runs. */
static void stop_sync(struct worker *w)
{
	if (!w->sync_running)
		return;
	pthread_mutex_lock(&w->mu);
	w->sync_stopping = true;
	pthread_cond_signal(&w->sync_cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->sync_thread, NULL);
	w->sync_running = false;
}

int worker_start(struct worker **out, uv_loop_t *loop, struct store *st)
{
	struct worker *w = calloc(1, sizeof(*w));

	if (!w)
		return KT_ENOMEM;
	w->loop = loop;
	w->st = st;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	pthread_cond_init(&w->sync_cv, NULL);
	if (uv_async_init(loop, &w->async, on_async) != 0) {
		pthread_mutex_destroy(&w->mu);
		pthread_cond_destroy(&w->cv);
		pthread_cond_destroy(&w->sync_cv);
		free(w);
		return KT_ESYS;
	}
	w->async.data = w;
	*out = w; /* from here on freed by worker_free after the loop closed the handle */
	w->pipelined = want_pipelined() && store_sync_split(st) == KT_OK;
	if (w->pipelined) {
		if (pthread_create(&w->sync_thread, NULL, sync_main, w) != 0) {
			uv_close((uv_handle_t *)&w->async, NULL);
			return KT_ESYS;
		}
		w->sync_running = true;
	}
	if (pthread_create(&w->thread, NULL, thread_main, w) != 0) {
		stop_sync(w);
		uv_close((uv_handle_t *)&w->async, NULL);
		return KT_ESYS;
	}
	w->thread_running = true;
	return KT_OK;
}

void worker_submit(struct worker *w, struct worker_job *job)
{
	pthread_mutex_lock(&w->mu);
	if (w->stopping) {
		pthread_mutex_unlock(&w->mu);
		job->done(job, KT_ESHUTDOWN);
		return;
	}
	append(&w->in_head, &w->in_tail, job, job);
	w->queued++;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

void worker_stop(struct worker *w)
{
	if (!w || !w->thread_running)
		return;
	pthread_mutex_lock(&w->mu);
	w->stopping = true;
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
	pthread_join(w->thread, NULL);
	w->thread_running = false;
	stop_sync(w); /* the storage thread is done: the sync thread flushes what is left */
	drain(w);
	uv_close((uv_handle_t *)&w->async, NULL);
}

void worker_free(struct worker *w)
{
	if (!w)
		return;
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	pthread_cond_destroy(&w->sync_cv);
	free(w);
}

void worker_get_stats(struct worker *w, struct worker_stats *out)
{
	pthread_mutex_lock(&w->mu);
	*out = w->stats;
	out->queued = w->queued;
	out->pipelined = w->pipelined;
	pthread_mutex_unlock(&w->mu);
}
