/*
 * kiemtra-bench - how fast kiemtrad acknowledges durable work.
 *
 *   kiemtra-bench --connections N --seconds S [--workload submit|mixed]
 *                 [--baseline] [--idle N] [--logins N] [--report-findings N]
 *                 [--startup-findings N] [--server HOST:PORT --data DIR]
 *
 * Opens N authenticated connections (Noise XX, a resumed session each) and,
 * for S seconds, runs a closed loop on each: submit a finding (workload
 * submit), or submit, list, look up a unit and ask for the plan's report in
 * turn (workload mixed). Prints throughput, latency percentiles, errors and
 * the server's memory, and as its LAST line one JSON object:
 *
 *   {"connections":N,"seconds":S,"workload":"submit","ops":...,"ops_per_s":...,
 *    "p50_ms":...,"p90_ms":...,"p99_ms":...,"max_ms":...,"errors":...,
 *    "server_rss_bytes":...,"idle":N[,"logins":N,...][,"report_findings":N,...]
 *    [,"startup_findings":N,...][,"baseline_ops_per_s":...,"ratio":...]}
 *
 * Without --server it starts its own kiemtrad on 127.0.0.1 in a temporary
 * directory and stops it at the end. --baseline first measures raw in-process
 * SQLite inserts of the same rows at the same durability, 100 per transaction,
 * on the same disk, and reports our rate as a ratio of it.
 *
 * --report-findings N first fills the plan with N findings over the
 * connections (each created, then accepted with a signature, so the report
 * counts them) and times --reports (20) reports one after the other.
 * --startup-findings N, after the measurement, stops our server, writes N
 * findings into its database through the store seam (bench_startup.c) and
 * times BENCH_STARTS starts from exec to the listen file.
 */
#include <getopt.h>
#include <signal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "bench/bench.h"

uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bench_record(struct bench *b, uint64_t latency_ns, bool ok, const char *err)
{
	if (!ok) {
		b->errors++;
		if (!b->first_error[0] && err)
			snprintf(b->first_error, sizeof(b->first_error), "%s", err);
		return;
	}
	b->ops++;
	if (b->nlat == b->caplat) {
		size_t ncap = b->caplat ? b->caplat * 2 : 65536;
		uint32_t *n = realloc(b->lat_us, ncap * sizeof(*n));
		if (!n)
			return;
		b->lat_us = n;
		b->caplat = ncap;
	}
	uint64_t us = latency_ns / 1000;
	b->lat_us[b->nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

static double pct_ms(const struct bench *b, double p)
{
	size_t i;

	if (b->nlat == 0)
		return 0;
	i = (size_t)ceil(p / 100.0 * (double)b->nlat);
	if (i > 0)
		i--;
	if (i >= b->nlat)
		i = b->nlat - 1;
	return b->lat_us[i] / 1000.0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of n samples (the mean of the middle two for an even n); sorts v. */
static double median_ms(double *v, unsigned n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static double max_ms(const double *v, unsigned n)
{
	double m = 0;

	for (unsigned i = 0; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

/*
 * --report-findings: fill the plan with b->report_findings accepted findings,
 * then time b->reports reports of it. 0, or -1 (a message was printed).
 */
static int report(struct bench *b)
{
	uint64_t t0 = bench_now_ns();

	if (!b->quiet)
		printf("report: creating and accepting %u findings over %u connections\n",
		       b->report_findings, b->connections);
	bench_start_populate(b, b->report_findings);
	uv_run(b->loop, UV_RUN_DEFAULT);
	b->pop_ns = bench_now_ns() - t0;
	if (b->phase_failed || b->pop_errors || b->pop_done < b->report_findings) {
		fprintf(stderr, "kiemtra-bench: populating failed after %llu findings (%s)\n",
			(unsigned long long)b->pop_done, b->first_error);
		return -1;
	}
	if (!b->quiet)
		printf("report: %llu findings accepted in %.1f s (%.0f/s); timing %d reports\n",
		       (unsigned long long)b->pop_done, (double)b->pop_ns / 1e9,
		       (double)b->pop_done / ((double)b->pop_ns / 1e9), b->reports);
	bench_start_reports(b);
	if (!b->phase_failed)
		uv_run(b->loop, UV_RUN_DEFAULT);
	if (b->phase_failed || b->nreports < b->reports) {
		fprintf(stderr, "kiemtra-bench: the reports failed (%s)\n", b->first_error);
		return -1;
	}
	if (b->report_shortcomings < b->report_findings) {
		fprintf(stderr, "kiemtra-bench: the report counted %llu findings, not %u\n",
			(unsigned long long)b->report_shortcomings, b->report_findings);
		return -1;
	}
	if (!b->quiet) {
		static uint32_t s[BENCH_REPORTS_MAX];
		unsigned n = b->nreports;

		memcpy(s, b->report_us, n * sizeof(*s));
		qsort(s, n, sizeof(*s), cmp_u32);
		printf("report over %llu accepted findings: p50 %.1f ms, max %.1f ms\n",
		       (unsigned long long)b->report_shortcomings, s[(n - 1) / 2] / 1000.0,
		       s[n - 1] / 1000.0);
	}
	b->first_error[0] = '\0';
	return 0;
}

static void on_stop(uv_timer_t *t)
{
	struct bench *b = t->data;

	b->stopping = true;
	b->stopped_ns = bench_now_ns();
	uv_stop(b->loop);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kiemtra-bench [--connections N] [--seconds S] [--workload submit|mixed]\n"
		"         [--baseline] [--idle N] [--logins N]\n"
		"         [--report-findings N [--reports N]] [--startup-findings N]\n"
		"         [--server HOST:PORT --data DIR] [--quiet]\n"
		"  --connections N   connections submitting in a closed loop (default 64)\n"
		"  --seconds S       how long to measure (default 10)\n"
		"  --workload W      submit: findings only; mixed: submit, list, find, report\n"
		"  --baseline        also measure in-process SQLite inserts of the same rows\n"
		"  --idle N          extra connections that authenticate and stay idle\n"
		"  --logins N        N connections log in with the password (Argon2id) at\n"
		"                    once when the measurement starts\n"
		"  --report-findings N\n"
		"                    before the measurement, create and accept N findings in\n"
		"                    the plan over the connections, then time its report\n"
		"  --reports N       how many reports to time one after the other (default %d)\n"
		"  --startup-findings N\n"
		"                    after the measurement, stop our server, write N findings\n"
		"                    into its database (store seam, valid audit chain) and time\n"
		"                    %d starts from exec to the listen file, before and after\n"
		"  --server H:P      benchmark a running server (needs --data DIR: accounts\n"
		"                    are prepared through its local admin socket)\n"
		"  --quiet           print only the JSON line\n"
		"The last line of output is one JSON object with the figures.\n",
		BENCH_REPORTS, BENCH_STARTS);
}

static struct bench *sig_bench; /* for on_fatal_signal */
static bool sig_keep;            /* KT_KEEP: leave the temporary directory */

/*
 * SIGINT or SIGTERM (^C, a timeout): stop our server and remove our temporary
 * directory, then die of the signal. Only async-signal-safe calls.
 */
static void on_fatal_signal(int sig)
{
	struct bench *b = sig_bench;
	pid_t pid;

	if (b->own_server && b->server_pid > 0) {
		kill(b->server_pid, SIGTERM);
		waitpid(b->server_pid, NULL, 0);
	}
	if (b->own_server && b->tmp_dir[0] && !sig_keep) {
		pid = fork();
		if (pid == 0) {
			char *const argv[] = {"rm", "-rf", b->tmp_dir, NULL};

			execv("/bin/rm", argv);
			_exit(127);
		}
		if (pid > 0)
			waitpid(pid, NULL, 0);
	}
	raise(sig); /* blocked until we return; SA_RESETHAND made it fatal */
}

static void catch_fatal_signals(struct bench *b)
{
	struct sigaction sa;

	sig_bench = b;
	sig_keep = getenv("KT_KEEP") != NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_fatal_signal;
	sa.sa_flags = SA_RESETHAND;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"connections", required_argument, NULL, 'c'},
		{"seconds", required_argument, NULL, 's'},
		{"workload", required_argument, NULL, 'w'},
		{"baseline", no_argument, NULL, 'b'},
		{"idle", required_argument, NULL, 'i'},
		{"logins", required_argument, NULL, 'L'},
		{"report-findings", required_argument, NULL, 'R'},
		{"startup-findings", required_argument, NULL, 'T'},
		{"reports", required_argument, NULL, 'r'},
		{"server", required_argument, NULL, 'S'},
		{"data", required_argument, NULL, 'd'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	static struct bench bench;
	struct bench *b = &bench;
	double baseline = -1, elapsed, ops_per_s;
	uint64_t deadline;
	long rss;
	int c, rc = 1;

	setvbuf(stdout, NULL, _IOLBF, 0);
	b->connections = 64;
	b->seconds = 10;
	b->reports = BENCH_REPORTS;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			b->connections = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 's':
			b->seconds = strtod(optarg, NULL);
			break;
		case 'w':
			if (strcmp(optarg, "submit") == 0)
				b->workload = WORKLOAD_SUBMIT;
			else if (strcmp(optarg, "mixed") == 0)
				b->workload = WORKLOAD_MIXED;
			else {
				usage(stderr);
				return 2;
			}
			break;
		case 'b':
			b->baseline = true;
			break;
		case 'i':
			b->idle = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'L':
			b->logins = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'R':
			b->report_findings = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'r':
			b->reports = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'T':
			b->startup_findings = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'S':
			snprintf(b->server, sizeof(b->server), "%s", optarg);
			break;
		case 'd':
			snprintf(b->data_dir, sizeof(b->data_dir), "%s", optarg);
			break;
		case 'q':
			b->quiet = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (b->connections == 0 || b->seconds <= 0 || b->connections + b->idle > 100000 ||
	    b->reports == 0 || b->reports > BENCH_REPORTS_MAX) {
		usage(stderr);
		return 2;
	}
	if (b->startup_findings && b->server[0]) {
		fprintf(stderr, "kiemtra-bench: --startup-findings restarts the server: it "
				"needs our own server, not --server\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	signal(SIGPIPE, SIG_IGN); /* a refused connection is an error to count, not a death */
	raise_fd_limit();
	catch_fatal_signals(b);

	if (bench_setup(b) != 0)
		goto out;
	if (b->baseline) {
		/* The same disk as the server's data: the temporary directory beside it. */
		char dir[sizeof(b->data_dir) + 16];
		snprintf(dir, sizeof(dir), "%.500s-baseline", b->data_dir);
		baseline = bench_baseline(dir, b->seconds < 5 ? b->seconds : 5);
		char cmd[sizeof(dir) + 16];
		snprintf(cmd, sizeof(cmd), "rm -rf '%.520s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "kiemtra-bench: could not remove %s\n", dir);
		if (baseline < 0)
			fprintf(stderr, "kiemtra-bench: the baseline failed\n");
		else if (!b->quiet)
			printf("baseline: %.0f findings/s (in-process SQLite, 100 per transaction, "
			       "synchronous=FULL)\n",
			       baseline);
	}

	b->loop = uv_default_loop();
	if (bench_connect_all(b) != 0)
		goto out;
	deadline = bench_now_ns() + 120ull * 1000000000ull;
	while (b->ready + b->failed_setup < b->nconns && bench_now_ns() < deadline)
		uv_run(b->loop, UV_RUN_ONCE);
	if (b->ready < b->nconns) {
		fprintf(stderr, "kiemtra-bench: %u of %u connections ready (%s)\n", b->ready,
			b->nconns, b->first_error);
		if (b->ready == 0)
			goto out;
	}
	if (!b->quiet)
		printf("%u connections ready (%u idle); measuring %s for %.1f s\n", b->ready,
		       b->idle, b->workload == WORKLOAD_SUBMIT ? "submit" : "mixed", b->seconds);
	b->first_error[0] = '\0';
	if (b->report_findings && report(b) != 0)
		goto out;
	uv_timer_init(b->loop, &b->timer);
	b->timer.data = b;
	b->running = true;
	b->started_ns = bench_now_ns();
	bench_start_load(b);
	if (b->logins)
		bench_start_logins(b);
	uv_timer_start(&b->timer, on_stop, (uint64_t)(b->seconds * 1000), 0);
	uv_run(b->loop, UV_RUN_DEFAULT);
	rss = bench_server_rss(b);
	uv_close((uv_handle_t *)&b->timer, NULL);
	bench_close_all(b);
	if (b->startup_findings && bench_startup(b) != 0)
		goto out;

	elapsed = (double)(b->stopped_ns - b->started_ns) / 1e9;
	ops_per_s = elapsed > 0 ? (double)b->ops / elapsed : 0;
	qsort(b->lat_us, b->nlat, sizeof(*b->lat_us), cmp_u32);
	if (!b->quiet) {
		printf("%llu acknowledged in %.2f s: %.0f ops/s\n", (unsigned long long)b->ops,
		       elapsed, ops_per_s);
		printf("latency ms: p50 %.3f  p90 %.3f  p99 %.3f  max %.3f\n", pct_ms(b, 50),
		       pct_ms(b, 90), pct_ms(b, 99), b->nlat ? b->lat_us[b->nlat - 1] / 1000.0 : 0);
		if (b->first_error[0])
			printf("errors: %llu (first: %s)\n", (unsigned long long)b->errors,
			       b->first_error);
		else
			printf("errors: %llu\n", (unsigned long long)b->errors);
		if (rss >= 0)
			printf("server memory (RSS): %.1f MiB\n", rss / 1048576.0);
		if (b->startup_findings)
			printf("start-up (exec to listening), median of %u: %.1f ms before, "
			       "%.1f ms with %lld findings\n",
			       b->nstarts, median_ms(b->startup_base_ms, b->nbase_starts),
			       median_ms(b->startup_ms, b->nstarts),
			       (long long)b->startup_db_findings);
	}
	printf("{\"connections\":%u,\"seconds\":%.2f,\"workload\":\"%s\",\"ops\":%llu,"
	       "\"ops_per_s\":%.1f,\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,"
	       "\"max_ms\":%.3f,\"errors\":%llu,\"server_rss_bytes\":%ld,\"idle\":%u",
	       b->connections, b->seconds, b->workload == WORKLOAD_SUBMIT ? "submit" : "mixed",
	       (unsigned long long)b->ops, ops_per_s, pct_ms(b, 50), pct_ms(b, 90),
	       pct_ms(b, 99), b->nlat ? b->lat_us[b->nlat - 1] / 1000.0 : 0,
	       (unsigned long long)b->errors, rss, b->idle);
	if (b->logins) {
		qsort(b->login_ms, b->logins_ok, sizeof(*b->login_ms), cmp_u32);
		printf(",\"logins\":%u,\"logins_ok\":%u,\"logins_failed\":%u,"
		       "\"login_p50_ms\":%u,\"login_max_ms\":%u",
		       b->logins, b->logins_ok, b->logins_failed,
		       b->logins_ok ? b->login_ms[(b->logins_ok - 1) / 2] : 0,
		       b->logins_ok ? b->login_ms[b->logins_ok - 1] : 0);
	}
	if (b->report_findings) {
		qsort(b->report_us, b->nreports, sizeof(*b->report_us), cmp_u32);
		printf(",\"report_findings\":%u,\"populate_per_s\":%.1f,\"report_counted\":%llu,"
		       "\"reports\":%u,\"report_p50_ms\":%.3f,\"report_max_ms\":%.3f",
		       b->report_findings,
		       b->pop_ns ? (double)b->pop_done / ((double)b->pop_ns / 1e9) : 0,
		       (unsigned long long)b->report_shortcomings, b->nreports,
		       b->report_us[(b->nreports - 1) / 2] / 1000.0,
		       b->report_us[b->nreports - 1] / 1000.0);
	}
	if (b->startup_findings) {
		printf(",\"startup_findings\":%u,\"startup_db_findings\":%lld,"
		       "\"startup_db_bytes\":%lld,\"startup_insert_s\":%.1f,"
		       "\"startup_p50_ms\":%.1f,\"startup_max_ms\":%.1f,"
		       "\"startup_base_p50_ms\":%.1f,\"startup_base_max_ms\":%.1f",
		       b->startup_findings, (long long)b->startup_db_findings,
		       b->startup_db_bytes, b->startup_insert_s,
		       median_ms(b->startup_ms, b->nstarts), max_ms(b->startup_ms, b->nstarts),
		       median_ms(b->startup_base_ms, b->nbase_starts),
		       max_ms(b->startup_base_ms, b->nbase_starts));
	}
	if (b->baseline && baseline > 0)
		printf(",\"baseline_ops_per_s\":%.1f,\"ratio\":%.3f", baseline,
		       ops_per_s / baseline);
	printf("}\n");
	rc = b->ops > 0 ? 0 : 1;
out:
	bench_teardown(b);
	free(b->lat_us);
	free(b->login_ms);
	return rc;
}
