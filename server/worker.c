/* worker.c - see worker.h. */
#include <pthread.h>
#include <stdlib.h>

#include "common/status.h"
#include "server/worker.h"

struct worker {
	uv_loop_t *loop;
	struct store *st;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	/* under mu */
	struct worker_job *in_head, *in_tail; /* submitted, not yet taken */
	struct worker_job *out_head, *out_tail; /* finished, done() not yet called */
	bool stopping;
	unsigned queued;
	struct worker_stats stats;
	/* loop thread */
	uv_async_t async;
	bool thread_running;
};

static void push(struct worker_job **head, struct worker_job **tail, struct worker_job *job)
{
	job->next = NULL;
	if (*tail)
		(*tail)->next = job;
	else
		*head = job;
	*tail = job;
}

static int run_item(struct store_tx *tx, void *arg)
{
	struct worker_job *job = arg;

	return job->run(tx, job);
}

/* Storage thread: run one batch of jobs in one transaction; set each job's rc. */
static void run_batch(struct worker *w, struct worker_job *batch)
{
	struct worker_job *j;
	int rc;

	rc = store_batch_begin(w->st);
	if (rc == KT_OK) {
		for (j = batch; j; j = j->next)
			j->rc = store_batch_item(w->st, run_item, j);
		rc = store_batch_commit(w->st);
	}
	if (rc != KT_OK) {
		/* Nothing of the batch is durable: every job failed with the commit's error. */
		for (j = batch; j; j = j->next)
			j->rc = rc;
		pthread_mutex_lock(&w->mu);
		w->stats.commits_failed++;
		pthread_mutex_unlock(&w->mu);
	}
}

static void *thread_main(void *arg)
{
	struct worker *w = arg;

	pthread_mutex_lock(&w->mu);
	for (;;) {
		struct worker_job *batch = NULL, *tail = NULL, *raw = NULL;
		unsigned n = 0;

		while (!w->in_head && !w->stopping)
			pthread_cond_wait(&w->cv, &w->mu);
		if (!w->in_head && w->stopping)
			break;
		/* Take up to WORKER_MAX_BATCH transactional jobs, or one raw job alone. */
		if (w->in_head->run_raw) {
			raw = w->in_head;
			w->in_head = raw->next;
			n = 1;
		} else {
			while (w->in_head && !w->in_head->run_raw && n < WORKER_MAX_BATCH) {
				struct worker_job *j = w->in_head;
				w->in_head = j->next;
				j->next = NULL;
				if (tail)
					tail->next = j;
				else
					batch = j;
				tail = j;
				n++;
			}
		}
		if (!w->in_head)
			w->in_tail = NULL;
		w->queued -= n;
		pthread_mutex_unlock(&w->mu);

		if (raw) {
			raw->rc = raw->run_raw(w->st, raw);
			raw->next = NULL;
			batch = tail = raw;
		} else {
			run_batch(w, batch);
		}

		pthread_mutex_lock(&w->mu);
		w->stats.jobs += n;
		w->stats.batches++;
		if (w->out_tail)
			w->out_tail->next = batch;
		else
			w->out_head = batch;
		w->out_tail = tail;
		pthread_mutex_unlock(&w->mu);
		uv_async_send(&w->async);
		pthread_mutex_lock(&w->mu);
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

int worker_start(struct worker **out, uv_loop_t *loop, struct store *st)
{
	struct worker *w = calloc(1, sizeof(*w));

	if (!w)
		return KT_ENOMEM;
	w->loop = loop;
	w->st = st;
	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	if (uv_async_init(loop, &w->async, on_async) != 0) {
		free(w);
		return KT_ESYS;
	}
	w->async.data = w;
	if (pthread_create(&w->thread, NULL, thread_main, w) != 0) {
		uv_close((uv_handle_t *)&w->async, NULL);
		w->thread_running = false;
		*out = w; /* freed by worker_free after the loop closed the handle */
		return KT_ESYS;
	}
	w->thread_running = true;
	*out = w;
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
	push(&w->in_head, &w->in_tail, job);
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
	drain(w);
	uv_close((uv_handle_t *)&w->async, NULL);
}

void worker_free(struct worker *w)
{
	if (!w)
		return;
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}

void worker_get_stats(struct worker *w, struct worker_stats *out)
{
	pthread_mutex_lock(&w->mu);
	*out = w->stats;
	out->queued = w->queued;
	pthread_mutex_unlock(&w->mu);
}
