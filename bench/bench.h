/*
 * bench.h - kiemtra-bench: what its parts share.
 *
 *   bench.c      options, the run, the report (the JSON last line)
 *   bench_conn.c asynchronous clients on one libuv loop: connect, Noise XX,
 *                resume a session, then a closed loop of requests
 *   bench_setup.c starting a private kiemtrad and preparing a user, a unit
 *                and a plan through the admin socket and the real protocol
 *   bench_baseline.c the in-process SQLite baseline
 *   bench_startup.c  --startup-findings: a large database written through the
 *                store seam, and the server's start-up timed on it
 *
 * Owns: struct bench (one per run) owns the connections, the latency samples
 * and the child server process it started.
 */
#ifndef KT_BENCH_H
#define KT_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <uv.h>

#define BENCH_PASSWORD "bench-mật-khẩu-2024"

enum bench_workload { WORKLOAD_SUBMIT, WORKLOAD_MIXED };

/*
 * What the ready connections do: nothing yet; fill the plan with findings
 * (--report-findings: create, then accept with a signature); time reports one
 * at a time on the first connection; or the measured workload.
 */
enum bench_phase { PHASE_SETUP, PHASE_POPULATE, PHASE_REPORT, PHASE_LOAD };

#define BENCH_REPORTS 20  /* reports timed after --report-findings (--reports) */
#define BENCH_REPORTS_MAX 10000
#define BENCH_STARTS 5    /* server starts timed by --startup-findings */

struct bconn;

struct bench {
	/* options */
	unsigned connections;
	unsigned idle;            /* extra connections that only resume and stay idle */
	unsigned logins;          /* connections that log in with the password during the run */
	double seconds;
	enum bench_workload workload;
	bool baseline;
	char server[128];         /* HOST:PORT; empty: start our own */
	char data_dir[512];       /* the server's data directory (ours, or --data) */
	bool quiet;
	unsigned report_findings; /* --report-findings N: 0 when not asked */
	unsigned startup_findings; /* --startup-findings N: 0 when not asked */
	/* setup results */
	char host[64], port[16];
	uint8_t token[32];        /* a session token, shared by every connection */
	char username[64];        /* the benchmark account (for --logins) */
	uint8_t dev_priv[32], dev_pub[32];
	uint8_t sign_pk[32], sign_sk[64]; /* the device's signing key (accepting findings) */
	int64_t plan_id, unit_id;
	pid_t server_pid;         /* 0 when unknown */
	bool own_server;
	char tmp_dir[256];
	/* run state (loop thread) */
	uv_loop_t *loop;
	uv_timer_t timer;
	struct bconn **conns;
	unsigned nconns;          /* connections + idle */
	unsigned ready, failed_setup;
	bool running, stopping;
	uint64_t started_ns, stopped_ns;
	uint64_t ops, errors;
	uint32_t *lat_us;         /* one sample per acknowledged request */
	size_t nlat, caplat;
	uint64_t client_seq;
	char first_error[256];
	unsigned logins_ok, logins_failed;
	uint32_t *login_ms;       /* latency of each password login */
	/* --report-findings */
	enum bench_phase phase;
	bool phase_failed;        /* a connection was lost while populating or reporting */
	uint64_t pop_target, pop_sent, pop_done, pop_errors; /* findings created, accepted */
	uint64_t pop_ns;
	unsigned reports;         /* how many to time (--reports) */
	uint32_t report_us[BENCH_REPORTS_MAX];
	unsigned nreports;
	uint64_t report_shortcomings; /* what the last report counted */
	/* --startup-findings */
	double startup_ms[BENCH_STARTS], startup_base_ms[BENCH_STARTS];
	unsigned nstarts, nbase_starts;
	int64_t startup_db_findings, startup_audit_rows;
	long long startup_db_bytes;
	double startup_insert_s;
};

uint64_t bench_now_ns(void);
void bench_record(struct bench *b, uint64_t latency_ns, bool ok, const char *err);

/* bench_setup.c: 0 or -1 (a message was printed). */
int bench_setup(struct bench *b);
void bench_teardown(struct bench *b);
long bench_server_rss(const struct bench *b);
/* The path of the kiemtrad binary beside kiemtra-bench. */
const char *bench_kiemtrad_path(void);
/*
 * Start our kiemtrad on b->data_dir (output appended to b->tmp_dir/kiemtrad.log);
 * wait until its listen file appears. Sets b->server_pid and b->server; *ms (if
 * not NULL) is the time from spawning it to the listen file. 0 or -1.
 */
int bench_start_server(struct bench *b, double *ms);
/* SIGTERM our kiemtrad and wait for it to exit (at most 10 s, then SIGKILL). */
void bench_stop_server(struct bench *b);

/* bench_conn.c */
int bench_connect_all(struct bench *b);
void bench_start_load(struct bench *b);
/* Start b->logins connections that log in with the password at once. */
void bench_start_logins(struct bench *b);
void bench_close_all(struct bench *b);
/* --report-findings: create and accept n findings over every ready connection. */
void bench_start_populate(struct bench *b, uint64_t n);
/* Time b->reports reports of the plan, one at a time, on the first ready connection. */
void bench_start_reports(struct bench *b);

/* bench_baseline.c: rows (findings) per second, or a negative value on failure. */
double bench_baseline(const char *dir, double seconds);

/* bench_startup.c: --startup-findings (our own server only). 0 or -1. */
int bench_startup(struct bench *b);

#endif
