/*
 * bench_setup.c - what a benchmark run needs before it starts: a server (our
 * own kiemtrad in a temporary directory, or the one named by --server/--data),
 * an inspector who leads a plan with one unit, and a session token.
 *
 * Accounts and units are made through the server's admin socket
 * (`kiemtrad admin`, as an administrator would); the plan, the team and the
 * login go through the real protocol with the client library.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "bench/bench.h"
#include "client/transport.h"
#include "common/noise.h"
#include "common/status.h"
#include "proto/kiemtra.pb-c.h"

extern char **environ;

static char self_dir[PATH_MAX];

const char *bench_kiemtrad_path(void)
{
	static char path[PATH_MAX + 16];
	ssize_t n;

	if (!self_dir[0]) {
		n = readlink("/proc/self/exe", self_dir, sizeof(self_dir) - 1);
		if (n <= 0)
			return "kiemtrad";
		self_dir[n] = '\0';
		char *slash = strrchr(self_dir, '/');
		if (slash)
			*slash = '\0';
	}
	/* kiemtra-bench lives in build/bench/ or build/; kiemtrad in build/. */
	snprintf(path, sizeof(path), "%s/kiemtrad", self_dir);
	if (access(path, X_OK) == 0)
		return path;
	snprintf(path, sizeof(path), "%s/../kiemtrad", self_dir);
	return path;
}

/* Run `kiemtrad admin --data DIR args...` with stdin_text; 0 when it exits 0. */
static int admin(struct bench *b, const char *stdin_text, const char *const args[])
{
	const char *argv[32];
	int in[2], status, n = 0;
	pid_t pid;

	argv[n++] = bench_kiemtrad_path();
	argv[n++] = "admin";
	argv[n++] = "--data";
	argv[n++] = b->data_dir;
	for (int i = 0; args[i] && n < 30; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (pipe(in) != 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(in[0], 0);
		close(in[0]);
		close(in[1]);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 1);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	if (stdin_text && write(in[1], stdin_text, strlen(stdin_text)) < 0)
		status = -1;
	close(in[1]);
	if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -1;
	return 0;
}

/* Make our temporary directory and the (empty, 0700) data directory in it. */
static int make_dirs(struct bench *b)
{
	snprintf(b->tmp_dir, sizeof(b->tmp_dir), "%s/kiemtra-bench.XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(b->tmp_dir)) {
		perror("kiemtra-bench: mkdtemp");
		b->tmp_dir[0] = '\0';
		return -1;
	}
	snprintf(b->data_dir, sizeof(b->data_dir), "%s/data", b->tmp_dir);
	if (mkdir(b->data_dir, 0700) != 0) {
		perror("kiemtra-bench: mkdir");
		return -1;
	}
	return 0;
}

/* The address in DIR/listen once the server wrote it (whole, with its newline). */
static bool read_listen(const char *path, char *addr, size_t cap)
{
	FILE *f = fopen(path, "r");
	bool ok;

	if (!f)
		return false;
	ok = fgets(addr, (int)cap, f) != NULL && strchr(addr, '\n') != NULL;
	fclose(f);
	if (ok)
		addr[strcspn(addr, "\n")] = '\0';
	return ok;
}

int bench_start_server(struct bench *b, double *ms)
{
	char listen_path[PATH_MAX + 16], sock_path[PATH_MAX + 16], addr[128];
	char log[PATH_MAX + 16];
	const char *exe = bench_kiemtrad_path(), *argv[8];
	posix_spawn_file_actions_t fa;
	uint64_t t0, deadline;
	struct stat sb;
	int ino = -1, rc = -1, err;
	pid_t pid;

	snprintf(listen_path, sizeof(listen_path), "%s/listen", b->data_dir);
	snprintf(sock_path, sizeof(sock_path), "%s/admin.sock", b->data_dir);
	snprintf(log, sizeof(log), "%s/kiemtrad.log", b->tmp_dir);
	unlink(listen_path);
	/* The listen file is written to listen.tmp and renamed: wake up on the rename. */
	ino = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	if (ino >= 0 && inotify_add_watch(ino, b->data_dir, IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
		close(ino);
		ino = -1;
	}
	argv[0] = "kiemtrad";
	argv[1] = "--data";
	argv[2] = b->data_dir;
	argv[3] = "--listen";
	argv[4] = "127.0.0.1:0";
	argv[5] = "--no-console";
	argv[6] = NULL;
	if (posix_spawn_file_actions_init(&fa) != 0)
		goto out;
	if (posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_APPEND, 0600) ||
	    posix_spawn_file_actions_adddup2(&fa, 1, 2)) {
		posix_spawn_file_actions_destroy(&fa);
		goto out;
	}
	/* posix_spawn (vfork and exec): the time measured is the server's, not our fork's. */
	t0 = bench_now_ns();
	err = posix_spawn(&pid, exe, &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (err != 0) {
		fprintf(stderr, "kiemtra-bench: cannot start %s: %s\n", exe, strerror(err));
		goto out;
	}
	b->server_pid = pid;
	b->own_server = true;
	deadline = t0 + 60ull * 1000000000ull;
	for (;;) {
		if (read_listen(listen_path, addr, sizeof(addr)))
			break;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			fprintf(stderr, "kiemtra-bench: kiemtrad exited at start (see %s)\n", log);
			b->server_pid = 0;
			goto out;
		}
		if (bench_now_ns() > deadline) {
			fprintf(stderr, "kiemtra-bench: kiemtrad did not start within 60 s\n");
			goto out;
		}
		if (ino >= 0) {
			struct pollfd pfd = {.fd = ino, .events = POLLIN};
			char evbuf[4096];

			if (poll(&pfd, 1, 20) > 0)
				while (read(ino, evbuf, sizeof(evbuf)) > 0)
					;
		} else {
			usleep(1000);
		}
	}
	if (ms)
		*ms = (double)(bench_now_ns() - t0) / 1e6;
	snprintf(b->server, sizeof(b->server), "%s", addr);
	/* The admin socket comes a moment after the listen file: wait for it too. */
	for (int i = 0; i < 2000 && stat(sock_path, &sb) != 0; i++)
		usleep(1000);
	rc = 0;
out:
	if (ino >= 0)
		close(ino);
	return rc;
}

void bench_stop_server(struct bench *b)
{
	if (b->server_pid <= 0)
		return;
	kill(b->server_pid, SIGTERM);
	for (int i = 0; i < 1000; i++) {
		if (waitpid(b->server_pid, NULL, WNOHANG) == b->server_pid) {
			b->server_pid = 0;
			return;
		}
		usleep(10000);
	}
	fprintf(stderr, "kiemtra-bench: kiemtrad did not stop within 10 s; killing it\n");
	kill(b->server_pid, SIGKILL);
	waitpid(b->server_pid, NULL, 0);
	b->server_pid = 0;
}

static int call(struct kt_conn *conn, Kiemtra__V1__Request *req, Kiemtra__V1__Response **resp,
		const char *what)
{
	int rc = kt_conn_call(conn, req, resp);

	if (rc != KT_OK) {
		fprintf(stderr, "kiemtra-bench: %s: %s\n", what, kt_conn_strerror(conn));
		return -1;
	}
	if ((*resp)->status != KIEMTRA__V1__STATUS__STATUS_OK) {
		fprintf(stderr, "kiemtra-bench: %s: %s: %s\n", what,
			kt_status_name((*resp)->status), (*resp)->message);
		kt_response_free(*resp);
		*resp = NULL;
		return -1;
	}
	return 0;
}

static int prepare(struct bench *b)
{
	struct kt_conn *conn = NULL;
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__Response *resp = NULL;
	Kiemtra__V1__LoginReq lr = KIEMTRA__V1__LOGIN_REQ__INIT;
	Kiemtra__V1__PlanCreateReq pc = KIEMTRA__V1__PLAN_CREATE_REQ__INIT;
	Kiemtra__V1__TeamMemberSetReq tm = KIEMTRA__V1__TEAM_MEMBER_SET_REQ__INIT;
	Kiemtra__V1__UnitGetReq ug = KIEMTRA__V1__UNIT_GET_REQ__INIT;
	Kiemtra__V1__Area areas[1] = {KIEMTRA__V1__AREA__AREA_PROCEDURES};
	char err[512], user[64], unit[32], number[64], *codes[1];
	const char *host_end;
	int rc = -1;

	/* Names unique per run, so a shared server can be benchmarked again. */
	unsigned tag = (unsigned)(randombytes_random() % 1000000);

	snprintf(user, sizeof(user), "bench%06u", tag);
	snprintf(b->username, sizeof(b->username), "%s", user);
	snprintf(unit, sizeof(unit), "BENCH-%06u", tag);
	snprintf(number, sizeof(number), "%06u/KH-BENCH", tag);
	{
		const char *ua[] = {"user", "add", user, "--name", "Người đo hiệu năng", "--role",
				    "planner,inspector", "--password-stdin", NULL};
		const char *aa[] = {"unit", "add", unit, "Phường Bench", "--kind", "ward", NULL};
		if (admin(b, BENCH_PASSWORD "\n", ua) != 0 || admin(b, NULL, aa) != 0) {
			fprintf(stderr, "kiemtra-bench: cannot prepare the account and unit "
					"through %s/admin.sock\n",
				b->data_dir);
			return -1;
		}
	}
	host_end = strrchr(b->server, ':');
	if (!host_end)
		return -1;
	snprintf(b->host, sizeof(b->host), "%.*s", (int)(host_end - b->server), b->server);
	snprintf(b->port, sizeof(b->port), "%s", host_end + 1);
	noise_keypair(b->dev_priv, b->dev_pub);
	if (kt_conn_open(b->host, b->port, b->dev_priv, b->dev_pub, NULL, NULL, true, 30000, &conn,
			 err, sizeof(err)) != KT_OK) {
		fprintf(stderr, "kiemtra-bench: cannot connect to %s: %s\n", b->server, err);
		return -1;
	}
	/* Kept for the run: --report-findings accepts findings, signing as a leader does. */
	crypto_sign_keypair(b->sign_pk, b->sign_sk);
	lr.username = user;
	lr.password = BENCH_PASSWORD;
	lr.device_name = "kiemtra-bench";
	lr.signing_key.data = b->sign_pk;
	lr.signing_key.len = sizeof(b->sign_pk);
	req.body_case = KIEMTRA__V1__REQUEST__BODY_LOGIN;
	req.login = &lr;
	if (call(conn, &req, &resp, "login") != 0)
		goto out;
	memcpy(b->token, resp->login->session_token.data, sizeof(b->token));
	kt_response_free(resp);

	ug.code = unit;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_UNIT_GET;
	req.unit_get = &ug;
	if (call(conn, &req, &resp, "unit.get") != 0)
		goto out;
	b->unit_id = resp->unit_get->unit->id;
	kt_response_free(resp);

	codes[0] = unit;
	pc.number = number;
	pc.issued_on = "2026-01-05";
	pc.issuer = "UBND thành phố Bench";
	pc.title = "Kế hoạch đo hiệu năng";
	pc.period_start = "2026-01-05";
	pc.period_end = "2026-12-31";
	pc.areas = areas;
	pc.n_areas = 1;
	pc.unit_codes = codes;
	pc.n_unit_codes = 1;
	pc.client_id = number;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_PLAN_CREATE;
	req.plan_create = &pc;
	if (call(conn, &req, &resp, "plan.create") != 0)
		goto out;
	b->plan_id = resp->plan_create->plan->id;
	kt_response_free(resp);

	tm.plan_id = b->plan_id;
	tm.username = user;
	tm.role = KIEMTRA__V1__TEAM_ROLE__TEAM_ROLE_LEADER;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_TEAM_MEMBER_SET;
	req.team_member_set = &tm;
	if (call(conn, &req, &resp, "team.member_set") != 0)
		goto out;
	kt_response_free(resp);
	rc = 0;
out:
	kt_conn_close(conn);
	return rc;
}

static pid_t pid_of_data_dir(const char *dir)
{
	char path[PATH_MAX + 32], line[32];
	FILE *f;
	long pid = 0;

	snprintf(path, sizeof(path), "%s/kiemtrad.lock", dir);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (fgets(line, sizeof(line), f))
		pid = strtol(line, NULL, 10);
	fclose(f);
	return (pid_t)pid;
}

int bench_setup(struct bench *b)
{
	if (!b->server[0]) {
		if (make_dirs(b) != 0 || bench_start_server(b, NULL) != 0)
			return -1;
	} else if (!b->data_dir[0]) {
		fprintf(stderr, "kiemtra-bench: with --server, also give --data DIR of that "
				"(local) server: accounts are prepared through its admin socket\n");
		return -1;
	} else {
		b->server_pid = pid_of_data_dir(b->data_dir);
	}
	return prepare(b);
}

void bench_teardown(struct bench *b)
{
	sodium_memzero(b->sign_sk, sizeof(b->sign_sk));
	if (b->own_server)
		bench_stop_server(b);
	if (b->own_server && b->tmp_dir[0] && !getenv("KT_KEEP")) {
		char cmd[PATH_MAX + 32];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", b->tmp_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "kiemtra-bench: could not remove %s\n", b->tmp_dir);
	}
}

long bench_server_rss(const struct bench *b)
{
	char path[64], line[256];
	long kb = -1;
	FILE *f;

	if (b->server_pid <= 0)
		return -1;
	snprintf(path, sizeof(path), "/proc/%ld/status", (long)b->server_pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	fclose(f);
	return kb < 0 ? -1 : kb * 1024;
}
