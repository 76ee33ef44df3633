/* cli.c - see cli.h. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <sodium.h>

#include "client/cli.h"
#include "client/util.h"
#include "common/keyfile.h"
#include "common/status.h"
#include "common/text.h"

/* ---- setup ---------------------------------------------------------------------- */

static int join(char *out, size_t cap, const char *dir, const char *name)
{
	int n = snprintf(out, cap, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= cap ? KT_EINVAL : KT_OK;
}

int kt_cli_setup(struct kt_cli *cli)
{
	char err[1024];
	const char *server, *env;

	err[0] = '\0';
	if (kt_home_resolve(cli->opt_home, cli->home, sizeof(cli->home), err, sizeof(err)) != KT_OK)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "%s", err);
	if (join(cli->config_path, sizeof(cli->config_path), cli->home, "config") != KT_OK ||
	    join(cli->key_path, sizeof(cli->key_path), cli->home, "device.key") != KT_OK ||
	    join(cli->known_path, sizeof(cli->known_path), cli->home, "known_servers") != KT_OK)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "client home path is too long");
	if (kt_config_load(cli->config_path, &cli->cfg, err, sizeof(err)) != KT_OK)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "%s", err);

	server = KT_DEFAULT_SERVER;
	if (cli->opt_server)
		server = cli->opt_server;
	else if ((env = getenv("KIEMTRA_SERVER")) && env[0])
		server = env;
	else if (cli->cfg.server[0])
		server = cli->cfg.server;
	if (kt_server_parse(server, &cli->server) != KT_OK)
		return kt_cli_usage(cli,
				    "server address '%s' is not HOST:PORT (e.g. 10.0.0.5:7447 "
				    "or [::1]:7447)",
				    server);
	if (kt_session_path(cli->home, &cli->server, cli->session_path,
			    sizeof(cli->session_path)) != KT_OK)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "client home path is too long");

	if ((env = getenv("KIEMTRA_USER")) && env[0])
		snprintf(cli->default_user, sizeof(cli->default_user), "%s", env);
	else
		snprintf(cli->default_user, sizeof(cli->default_user), "%s", cli->cfg.user);
	if (cli->cfg.device_name[0]) {
		snprintf(cli->device_name, sizeof(cli->device_name), "%s", cli->cfg.device_name);
	} else if (gethostname(cli->device_name, sizeof(cli->device_name) - 1) != 0 ||
		   !kt_utf8_valid(cli->device_name, strlen(cli->device_name))) {
		snprintf(cli->device_name, sizeof(cli->device_name), "unnamed");
	}
	cli->timeout_ms = cli->opt_timeout_ms	? cli->opt_timeout_ms
			  : cli->cfg.timeout_ms ? cli->cfg.timeout_ms
						: KT_DEFAULT_TIMEOUT_MS;
	if (cli->opt_pin && !kt_fingerprint_valid(cli->opt_pin))
		return kt_cli_usage(cli, "--pin wants a fingerprint like SHA256:<43 base64 "
					 "characters>, as 'kiemtra server-key' prints");
	return KT_EXIT_OK;
}

void kt_cli_cleanup(struct kt_cli *cli)
{
	kt_conn_close(cli->conn);
	cli->conn = NULL;
	sodium_memzero(cli->dev_priv, sizeof(cli->dev_priv));
	cli->have_key = false;
	sodium_memzero(cli->sign_sk, sizeof(cli->sign_sk));
	cli->have_sign = false;
	kt_session_wipe(&cli->session);
	cli->have_session = false;
}

int kt_cli_load_key(struct kt_cli *cli)
{
	char err[1024];
	bool created = false;

	if (cli->have_key)
		return KT_EXIT_OK;
	err[0] = '\0';
	if (kt_home_create(cli->home, err, sizeof(err)) != KT_OK)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "%s", err);
	if (kt_keyfile_load_or_create(cli->key_path, cli->dev_priv, cli->dev_pub, &created, err,
				      sizeof(err)) != KT_OK)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "device key: %s", err);
	cli->have_key = true;
	return KT_EXIT_OK;
}

int kt_cli_load_signing_key(struct kt_cli *cli)
{
	char err[1024], path[KT_PATH_MAX + 16];
	uint8_t seed[32], unused[32];
	bool created = false;

	if (cli->have_sign)
		return KT_EXIT_OK;
	err[0] = '\0';
	if (kt_home_create(cli->home, err, sizeof(err)) != KT_OK)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "%s", err);
	snprintf(path, sizeof(path), "%s/signing.key", cli->home);
	/* The key file holds 32 random bytes: here they are the Ed25519 seed. */
	if (kt_keyfile_load_or_create(path, seed, unused, &created, err, sizeof(err)) != KT_OK)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "signing key: %s", err);
	crypto_sign_seed_keypair(cli->sign_pk, cli->sign_sk, seed);
	sodium_memzero(seed, sizeof(seed));
	sodium_memzero(unused, sizeof(unused));
	cli->have_sign = true;
	return KT_EXIT_OK;
}

int kt_cli_sign(struct kt_cli *cli, const uint8_t digest[32], uint8_t sig[64])
{
	int rc = kt_cli_load_signing_key(cli);

	if (rc != KT_EXIT_OK)
		return rc;
	crypto_sign_detached(sig, NULL, digest, 32, cli->sign_sk);
	return KT_EXIT_OK;
}

int kt_cli_connect(struct kt_cli *cli)
{
	char err[2048];
	int rc;

	if (cli->conn)
		return KT_EXIT_OK;
	rc = kt_cli_load_key(cli);
	if (rc != KT_EXIT_OK)
		return rc;
	err[0] = '\0';
	rc = kt_conn_open(cli->server.host, cli->server.port, cli->dev_priv, cli->dev_pub,
			  cli->known_path, cli->opt_pin, !cli->no_tofu, cli->timeout_ms, &cli->conn,
			  err, sizeof(err));
	switch (rc) {
	case KT_OK:
		return KT_EXIT_OK;
	case KT_EPERM:
		if (cli->opt_home)
			return kt_cli_fail(cli, KT_EXIT_KEY, "SERVER_KEY_REFUSED",
					   "%s\n(with this client home, add: --home %s)", err,
					   cli->home);
		return kt_cli_fail(cli, KT_EXIT_KEY, "SERVER_KEY_REFUSED", "%s", err);
	case KT_ECORRUPT:
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "%s", err);
	default:
		if (strstr(err, "cannot connect") || strstr(err, "cannot resolve"))
			return kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT",
					   "%s; is kiemtrad running there? Choose the server "
					   "with --server HOST:PORT, KIEMTRA_SERVER or 'server =' "
					   "in %s",
					   err, cli->config_path);
		return kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT", "%s", err);
	}
}

static void forget_session(struct kt_cli *cli)
{
	kt_session_delete(cli->session_path);
	kt_session_wipe(&cli->session);
	cli->have_session = false;
}

int kt_cli_open_session(struct kt_cli *cli)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__ResumeReq rr = KIEMTRA__V1__RESUME_REQ__INIT;
	Kiemtra__V1__Response *resp = NULL;
	char err[1024];
	int rc;

	err[0] = '\0';
	rc = kt_session_load(cli->session_path, &cli->session, err, sizeof(err));
	if (rc == KT_ENOTFOUND)
		return kt_cli_fail(cli, KT_EXIT_STATUS + KT_STATUS_UNAUTHENTICATED,
				   "UNAUTHENTICATED", "not logged in to %s; run: kiemtra login",
				   cli->server.hostport);
	if (rc != KT_OK)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR",
				   "%s; delete it and run: kiemtra "
				   "login",
				   err);
	cli->have_session = true;
	if (cli->session.expires_at && cli->session.expires_at <= kt_now_ms()) {
		forget_session(cli);
		return kt_cli_fail(cli, KT_EXIT_STATUS + KT_STATUS_UNAUTHENTICATED,
				   "UNAUTHENTICATED",
				   "the session for %s has expired; run: "
				   "kiemtra login",
				   cli->server.hostport);
	}
	rc = kt_cli_connect(cli);
	if (rc != KT_EXIT_OK)
		return rc;
	rr.session_token.data = cli->session.token;
	rr.session_token.len = sizeof(cli->session.token);
	req.body_case = KIEMTRA__V1__REQUEST__BODY_RESUME;
	req.resume = &rr;
	rc = kt_conn_call(cli->conn, &req, &resp);
	if (rc != KT_OK)
		return kt_cli_fail_transport(cli, rc);
	if (resp->status == KIEMTRA__V1__STATUS__STATUS_UNAUTHENTICATED) {
		forget_session(cli);
		rc = kt_cli_fail(cli, KT_EXIT_STATUS + KT_STATUS_UNAUTHENTICATED, "UNAUTHENTICATED",
				 "not logged in to %s (the server says: %s); run: kiemtra login",
				 cli->server.hostport,
				 resp->message[0] ? resp->message : "session not valid");
		goto out;
	}
	rc = kt_cli_check(cli, KT_OK, KIEMTRA__V1__RESPONSE__BODY_RESUME, &resp);
	if (rc != KT_EXIT_OK)
		goto out;
	cli->must_change_password = resp->resume->must_change_password;
	if (cli->must_change_password && strcmp(cli->cmd->name, "passwd") != 0)
		fprintf(stderr, "kiemtra: your password must be changed; run: kiemtra passwd\n");
	rc = KT_EXIT_OK;
out:
	kt_response_free(resp);
	return rc;
}

/* ---- errors --------------------------------------------------------------------- */

static void report(struct kt_cli *cli, int exit_code, const char *status, int code,
		   uint32_t retry_after_ms, const char *msg)
{
	struct kt_json j;

	fputs("kiemtra: ", stderr);
	kt_print_safe(stderr, msg, true);
	fputc('\n', stderr);
	if (!cli->json || cli->reported)
		return;
	cli->reported = true;
	kt_json_init(&j, stdout);
	kt_json_begin_object(&j);
	kt_json_kv_bool(&j, "ok", false);
	kt_json_kv_str(&j, "status", status);
	for (int s = 0; code < 0 && s <= KT_STATUS_UNAUTHENTICATED; s++)
		if (strcmp(kt_status_name(s), status) == 0)
			code = s; /* a local error worded as a wire status (NOT_FOUND ...) */
	if (code >= 0)
		kt_json_kv_int(&j, "code", code);
	kt_json_kv_str(&j, "message", msg);
	if (retry_after_ms)
		kt_json_kv_uint(&j, "retry_after_ms", retry_after_ms);
	kt_json_kv_int(&j, "exit", exit_code);
	kt_json_end_object(&j);
	kt_json_end_document(&j);
}

static int vfail(struct kt_cli *cli, int exit_code, const char *status, int code, const char *fmt,
		 va_list ap) __attribute__((format(printf, 5, 0)));

static int vfail(struct kt_cli *cli, int exit_code, const char *status, int code, const char *fmt,
		 va_list ap)
{
	char msg[4096];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	report(cli, exit_code, status, code, 0, msg);
	return exit_code;
}

int kt_cli_fail(struct kt_cli *cli, int exit_code, const char *status, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vfail(cli, exit_code, status, -1, fmt, ap);
	va_end(ap);
	return rc;
}

int kt_cli_usage(struct kt_cli *cli, const char *fmt, ...)
{
	char msg[1024], full[1536];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (cli->cmd)
		snprintf(full, sizeof(full), "%s\nusage: kiemtra %s\n(kiemtra help %s tells more)",
			 msg, cli->cmd->usage, cli->cmd->name);
	else
		snprintf(full, sizeof(full), "%s\n(kiemtra --help tells more)", msg);
	report(cli, KT_EXIT_USAGE, "USAGE", -1, 0, full);
	return KT_EXIT_USAGE;
}

static const char *advice(const Kiemtra__V1__Response *resp, int req_body)
{
	if (req_body == KIEMTRA__V1__REQUEST__BODY_LOGIN ||
	    req_body == KIEMTRA__V1__REQUEST__BODY_PASSWORD_CHANGE)
		return resp->status == KIEMTRA__V1__STATUS__STATUS_UNAUTHENTICATED
			   ? "; check the user name and password"
			   : "";
	switch ((int)resp->status) {
	case KT_STATUS_PERMISSION_DENIED:
		return "; ask an administrator if you need this right";
	case KT_STATUS_UNAUTHENTICATED:
		return "; run: kiemtra login";
	case KT_STATUS_UNAVAILABLE:
		return "; try again later";
	case KT_STATUS_INVALID_ARGUMENT:
		return "; check the arguments (kiemtra help COMMAND)";
	default:
		return "";
	}
}

int kt_cli_fail_status(struct kt_cli *cli, const Kiemtra__V1__Response *resp, int req_body)
{
	int status = (int)resp->status, exit_code;
	char msg[1536], retry[96];

	if (status < 1 || status > KT_STATUS_UNAUTHENTICATED)
		status = KT_STATUS_UNKNOWN;
	exit_code = KT_EXIT_STATUS + status;
	retry[0] = '\0';
	if (resp->retry_after_ms)
		snprintf(retry, sizeof(retry), "; try again in %u s",
			 (resp->retry_after_ms + 999) / 1000);
	if (status == KT_STATUS_RESOURCE_EXHAUSTED &&
	    req_body == KIEMTRA__V1__REQUEST__BODY_LOGIN && resp->retry_after_ms)
		snprintf(msg, sizeof(msg), "too many failed logins; try again in %u s",
			 (resp->retry_after_ms + 999) / 1000);
	else
		snprintf(msg, sizeof(msg), "%s: %s%s%s", kt_status_name(status),
			 resp->message[0] ? resp->message : "(no message)", retry,
			 advice(resp, req_body));
	report(cli, exit_code, kt_status_name(status), status, resp->retry_after_ms, msg);
	return exit_code;
}

int kt_cli_fail_transport(struct kt_cli *cli, int rc)
{
	const char *msg = cli->conn ? kt_conn_strerror(cli->conn) : "";

	if (!msg[0])
		msg = kt_strerror(rc);
	if (rc == KT_ETOOBIG || rc == KT_ELIMIT)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "%s", msg);
	return kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT", "%s", msg);
}

int kt_cli_check(struct kt_cli *cli, int rc, int body_case, Kiemtra__V1__Response **resp)
{
	bool empty_body = body_case == KIEMTRA__V1__RESPONSE__BODY_LOGOUT ||
			  body_case == KIEMTRA__V1__RESPONSE__BODY_PASSWORD_CHANGE;

	if (rc != KT_OK) {
		kt_response_free(*resp);
		*resp = NULL;
		return kt_cli_fail_transport(cli, rc);
	}
	if ((*resp)->status != KIEMTRA__V1__STATUS__STATUS_OK) {
		rc = kt_cli_fail_status(cli, *resp, body_case);
		kt_response_free(*resp);
		*resp = NULL;
		return rc;
	}
	/* An empty body may be left out by the server; any other must be there. */
	if (empty_body && (*resp)->body_case == KIEMTRA__V1__RESPONSE__BODY__NOT_SET)
		return KT_EXIT_OK;
	if ((int)(*resp)->body_case != body_case || !(*resp)->ping) {
		kt_response_free(*resp);
		*resp = NULL;
		return kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT",
				   "the server answered with an unexpected kind of response "
				   "(is it a compatible kiemtrad?)");
	}
	return KT_EXIT_OK;
}

int kt_cli_call(struct kt_cli *cli, Kiemtra__V1__Request *req, Kiemtra__V1__Response **resp)
{
	int rc;

	*resp = NULL;
	rc = kt_conn_call(cli->conn, req, resp);
	return kt_cli_check(cli, rc, (int)req->body_case, resp);
}

/* ---- output --------------------------------------------------------------------- */

struct kt_json *kt_cli_json_begin(struct kt_cli *cli)
{
	if (!cli->json)
		return NULL;
	kt_json_init(&cli->json_out, stdout);
	kt_json_begin_object(&cli->json_out);
	kt_json_kv_bool(&cli->json_out, "ok", true);
	return &cli->json_out;
}

void kt_cli_json_end(struct kt_cli *cli)
{
	if (!cli->json)
		return;
	kt_json_end_object(&cli->json_out);
	kt_json_end_document(&cli->json_out);
	cli->reported = true;
}

const char *kt_role_name(int role)
{
	static const char *const names[] = {
	    "none", "admin", "planner", "inspector", "unit_rep", "authority", "observer",
	};

	if (role < 0 || role >= (int)(sizeof(names) / sizeof(names[0])))
		return "unknown";
	return names[role];
}

const char *kt_unit_kind_name(int kind)
{
	static const char *const names[] = {
	    "-", "province", "district", "commune", "ward", "town", "department", "office", "other",
	};

	if (kind < 0 || kind >= (int)(sizeof(names) / sizeof(names[0])))
		return "unknown";
	return names[kind];
}

const char *kt_unit_event_name(int kind)
{
	static const char *const names[] = {
	    "-", "created", "renamed", "moved", "merged", "absorbed",
	};

	if (kind < 0 || kind >= (int)(sizeof(names) / sizeof(names[0])))
		return "unknown";
	return names[kind];
}

void kt_roles_text(const Kiemtra__V1__User *u, char *out, size_t cap)
{
	size_t i, len = 0;

	out[0] = '\0';
	for (i = 0; u && i < u->n_roles && len < cap; i++) {
		int n = snprintf(out + len, cap - len, "%s%s", i ? ", " : "",
				 kt_role_name((int)u->roles[i]));
		if (n < 0)
			break;
		len += (size_t)n;
	}
	if (!out[0])
		snprintf(out, cap, "none");
}

void kt_cli_json_user(struct kt_json *j, const char *key, const Kiemtra__V1__User *u)
{
	size_t i;

	kt_json_key(j, key);
	if (!u) {
		kt_json_null(j);
		return;
	}
	kt_json_begin_object(j);
	kt_json_kv_int(j, "id", u->id);
	kt_json_kv_str(j, "username", u->username);
	kt_json_kv_str(j, "full_name", u->full_name);
	kt_json_key(j, "roles");
	kt_json_begin_array(j);
	for (i = 0; i < u->n_roles; i++)
		kt_json_string(j, kt_role_name((int)u->roles[i]));
	kt_json_end_array(j);
	kt_json_kv_int(j, "unit_id", u->unit_id);
	kt_json_kv_bool(j, "disabled", u->disabled);
	kt_json_kv_int(j, "created_at", u->created_at);
	kt_json_end_object(j);
}

void kt_cli_json_unit(struct kt_json *j, const Kiemtra__V1__Unit *u)
{
	if (!u) {
		kt_json_null(j);
		return;
	}
	kt_json_begin_object(j);
	kt_json_kv_int(j, "id", u->id);
	kt_json_kv_str(j, "code", u->code);
	kt_json_kv_str(j, "name", u->name);
	kt_json_kv_str(j, "kind", kt_unit_kind_name((int)u->kind));
	kt_json_kv_int(j, "parent_id", u->parent_id);
	kt_json_kv_str(j, "status",
		       u->status == KIEMTRA__V1__UNIT_STATUS__UNIT_STATUS_MERGED ? "merged"
										 : "active");
	kt_json_kv_int(j, "merged_into", u->merged_into);
	kt_json_kv_int(j, "version", u->version);
	kt_json_kv_int(j, "updated_at", u->updated_at);
	kt_json_end_object(j);
}

void kt_cli_json_units(struct kt_json *j, const char *key, Kiemtra__V1__Unit *const *units,
		       size_t n)
{
	size_t i;

	kt_json_key(j, key);
	kt_json_begin_array(j);
	for (i = 0; i < n; i++)
		kt_cli_json_unit(j, units[i]);
	kt_json_end_array(j);
}

void kt_cli_field(const char *key, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("%-12s ", key);
	kt_print_safe(stdout, buf, false);
	putchar('\n');
}

int kt_cli_print_units(Kiemtra__V1__Unit *const *units, size_t n)
{
	static const char *const hdr[] = {"ID", "CODE", "NAME", "KIND", "PARENT", "STATUS"};
	char id[24], parent[24], status[48];
	struct kt_table t;
	size_t i;
	int rc;

	if (kt_table_init(&t, 6, hdr) != KT_OK)
		return KT_ENOMEM;
	for (i = 0; i < n; i++) {
		const Kiemtra__V1__Unit *u = units[i];
		const char *row[6];

		snprintf(id, sizeof(id), "%lld", (long long)u->id);
		if (u->parent_id)
			snprintf(parent, sizeof(parent), "%lld", (long long)u->parent_id);
		else
			snprintf(parent, sizeof(parent), "-");
		if (u->status == KIEMTRA__V1__UNIT_STATUS__UNIT_STATUS_MERGED)
			snprintf(status, sizeof(status), "merged into %lld",
				 (long long)u->merged_into);
		else
			snprintf(status, sizeof(status), "active");
		row[0] = id;
		row[1] = u->code;
		row[2] = u->name;
		row[3] = kt_unit_kind_name((int)u->kind);
		row[4] = parent;
		row[5] = status;
		kt_table_add(&t, row);
	}
	rc = kt_table_print(&t, stdout);
	kt_table_free(&t);
	return rc;
}

/* ---- input ---------------------------------------------------------------------- */

bool kt_cli_interactive(void)
{
	return isatty(STDIN_FILENO) == 1;
}

static struct termios saved_tio;
static volatile sig_atomic_t tio_saved;

static void restore_tty(int sig)
{
	if (tio_saved)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Read bytes up to '\n' from fd 0, unbuffered so the next line stays for the next read. */
static int read_fd_line(char *buf, size_t cap)
{
	size_t n = 0;
	ssize_t k;
	char c;
	int rc = KT_OK;

	for (;;) {
		k = read(STDIN_FILENO, &c, 1);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return KT_ESYS;
		if (k == 0) {
			if (n == 0)
				return KT_ENOTFOUND;
			break;
		}
		if (c == '\n')
			break;
		if (n + 1 >= cap) {
			rc = KT_ETOOBIG; /* keep reading to the end of the line */
			continue;
		}
		buf[n++] = c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (rc == KT_OK && !kt_utf8_valid(buf, n))
		rc = KT_EUTF8;
	if (rc != KT_OK)
		sodium_memzero(buf, cap);
	return rc;
}

int kt_cli_read_secret(const char *prompt, bool force_stdin, char *buf, size_t cap)
{
	struct termios tio;
	void (*old_int)(int), (*old_term)(int);
	int rc;

	if (force_stdin || !kt_cli_interactive() || tcgetattr(STDIN_FILENO, &saved_tio) != 0)
		return read_fd_line(buf, cap);
	fputs(prompt, stderr);
	fflush(stderr);
	tio = saved_tio;
	tio.c_lflag &= ~(tcflag_t)ECHO;
	tio.c_lflag |= ECHONL;
	tio_saved = 1;
	old_int = signal(SIGINT, restore_tty);
	old_term = signal(SIGTERM, restore_tty);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &tio);
	rc = read_fd_line(buf, cap);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	tio_saved = 0;
	signal(SIGINT, old_int);
	signal(SIGTERM, old_term);
	return rc;
}

int kt_cli_read_line(const char *prompt, char *buf, size_t cap)
{
	if (kt_cli_interactive()) {
		fputs(prompt, stderr);
		fflush(stderr);
	}
	return read_fd_line(buf, cap);
}

int kt_parse_uint(const char *s, unsigned long long lo, unsigned long long hi,
		  unsigned long long *out)
{
	unsigned long long v;
	char *end;

	if (!s[0] || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return KT_EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return KT_EINVAL;
	*out = v;
	return KT_OK;
}
