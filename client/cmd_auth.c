/*
 * cmd_auth.c - login, logout, whoami, passwd.
 *
 * Passwords live in stack buffers of PASSWORD_MAX bytes and are wiped before
 * each handler returns; the session token is wiped with the kt_session.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "client/cli.h"
#include "client/util.h"
#include "common/status.h"
#include "common/text.h"

#define PASSWORD_MAX 1024
#define USERNAME_MAX 64

static int read_password(struct kt_cli *cli, const char *prompt, bool force_stdin, char *buf,
			 const char *what)
{
	int rc = kt_cli_read_secret(prompt, force_stdin, buf, PASSWORD_MAX);

	switch (rc) {
	case KT_OK:
		if (!buf[0])
			return kt_cli_usage(cli, "the %s is empty", what);
		return KT_EXIT_OK;
	case KT_ENOTFOUND:
		return kt_cli_usage(cli, "no %s: standard input ended (give one line per password)",
				    what);
	case KT_ETOOBIG:
		return kt_cli_usage(cli, "the %s is longer than %d bytes", what, PASSWORD_MAX - 1);
	case KT_EUTF8:
		return kt_cli_usage(cli, "the %s is not valid UTF-8 text", what);
	default:
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "cannot read the %s", what);
	}
}

/*
 * Ask for a new password: twice on a terminal (they must agree), one line
 * otherwise.
 */
static int read_new_password(struct kt_cli *cli, bool force_stdin, char *buf)
{
	char again[PASSWORD_MAX];
	int rc;

	rc = read_password(cli, "new password: ", force_stdin, buf, "new password");
	if (rc != KT_EXIT_OK || force_stdin || !kt_cli_interactive())
		return rc;
	rc = read_password(cli, "new password again: ", false, again, "new password");
	if (rc == KT_EXIT_OK && strcmp(buf, again) != 0)
		rc = kt_cli_usage(cli, "the two new passwords differ; nothing was changed");
	sodium_memzero(again, sizeof(again));
	return rc;
}

static int change_password(struct kt_cli *cli, const char *old, const char *new_pw)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__PasswordChangeReq pc = KIEMTRA__V1__PASSWORD_CHANGE_REQ__INIT;
	Kiemtra__V1__Response *resp = NULL;
	int rc;

	pc.old_password = (char *)old;
	pc.new_password = (char *)new_pw;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_PASSWORD_CHANGE;
	req.password_change = &pc;
	rc = kt_cli_call(cli, &req, &resp);
	kt_response_free(resp);
	return rc;
}

static void print_login(struct kt_cli *cli, const Kiemtra__V1__LoginResp *lr, bool changed)
{
	char roles[256], until[64];
	struct kt_json *j;

	kt_roles_text(lr->user, roles, sizeof(roles));
	kt_format_time(lr->expires_at, until, sizeof(until));
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_kv_str(j, "server", cli->server.hostport);
		kt_cli_json_user(j, "user", lr->user);
		kt_json_kv_int(j, "expires_at", lr->expires_at);
		kt_json_kv_bool(j, "device_enrolled", lr->device_enrolled);
		kt_json_kv_str(j, "device_fingerprint", kt_conn_device_fingerprint(cli->conn));
		kt_json_kv_bool(j, "must_change_password", lr->must_change_password && !changed);
		kt_json_kv_bool(j, "password_changed", changed);
		kt_cli_json_end(cli);
		return;
	}
	fputs("logged in as ", stdout);
	kt_print_safe(stdout, lr->user->username, false);
	if (lr->user->full_name[0]) {
		fputs(" (", stdout);
		kt_print_safe(stdout, lr->user->full_name, false);
		fputs(")", stdout);
	}
	printf(", roles %s, session valid until %s\n", roles, until);
	if (lr->device_enrolled) {
		printf("this device (%s) is now enrolled for ",
		       kt_conn_device_fingerprint(cli->conn));
		kt_print_safe(stdout, lr->user->username, false);
		putchar('\n');
	}
	if (changed)
		puts("password changed");
}

int kt_cmd_login(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"user", required_argument, NULL, 'u'},
	    {"password-stdin", no_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__LoginReq lr = KIEMTRA__V1__LOGIN_REQ__INIT;
	Kiemtra__V1__Response *resp = NULL;
	char user[KT_NAME_MAX], password[PASSWORD_MAX], new_pw[PASSWORD_MAX];
	char prompt[KT_NAME_MAX + KT_HOSTPORT_MAX + 32], err[512];
	const char *opt_user = NULL;
	bool pw_stdin = false, changed = false;
	struct kt_session s;
	int c, rc;

	memset(&s, 0, sizeof(s));
	password[0] = new_pw[0] = '\0';
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":u:", opts, NULL)) != -1) {
		switch (c) {
		case 'u':
			opt_user = optarg;
			break;
		case 'p':
			pw_stdin = true;
			break;
		case ':':
			rc = kt_cli_usage(cli, "%s needs a value", argv[optind - 1]);
			goto out;
		default:
			rc = kt_cli_usage(cli, "unknown option %s", argv[optind - 1]);
			goto out;
		}
	}
	if (optind < argc) {
		rc = kt_cli_usage(cli, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (opt_user) {
		snprintf(user, sizeof(user), "%s", opt_user);
	} else if (cli->default_user[0]) {
		snprintf(user, sizeof(user), "%s", cli->default_user);
	} else if (kt_cli_interactive() && !pw_stdin) {
		if (kt_cli_read_line("user name: ", user, sizeof(user)) != KT_OK)
			user[0] = '\0';
	} else {
		user[0] = '\0';
	}
	if (!user[0]) {
		rc = kt_cli_usage(cli,
				  "no user name: pass --user NAME, set KIEMTRA_USER, or add "
				  "'user = NAME' to %s",
				  cli->config_path);
		goto out;
	}
	if (kt_text_check(user, strlen(user), USERNAME_MAX, KT_TEXT_NONEMPTY) != KT_OK) {
		rc = kt_cli_usage(cli,
				  "the user name must be one line of UTF-8 text, at most %d "
				  "bytes",
				  USERNAME_MAX);
		goto out;
	}
	/* Connect first: a refused server key stops here, before any password is typed. */
	rc = kt_cli_connect(cli);
	if (rc != KT_EXIT_OK)
		goto out;
	snprintf(prompt, sizeof(prompt), "password for %s at %s: ", user, cli->server.hostport);
	rc = read_password(cli, prompt, pw_stdin, password, "password");
	if (rc != KT_EXIT_OK)
		goto out;

	lr.username = user;
	lr.password = password;
	lr.device_name = cli->device_name;
	rc = kt_cli_load_signing_key(cli);
	if (rc != KT_EXIT_OK)
		goto out;
	lr.signing_key.data = cli->sign_pk;
	lr.signing_key.len = sizeof(cli->sign_pk);
	req.body_case = KIEMTRA__V1__REQUEST__BODY_LOGIN;
	req.login = &lr;
	rc = kt_cli_call(cli, &req, &resp);
	if (rc != KT_EXIT_OK)
		goto out;
	if (!resp->login->user || resp->login->session_token.len != sizeof(s.token)) {
		rc = kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT",
				 "the server's login answer has "
				 "no valid session token (is it a compatible kiemtrad?)");
		goto out;
	}
	snprintf(s.user, sizeof(s.user), "%s", resp->login->user->username);
	memcpy(s.token, resp->login->session_token.data, sizeof(s.token));
	s.expires_at = resp->login->expires_at;
	err[0] = '\0';
	if (kt_home_create(cli->home, err, sizeof(err)) != KT_OK ||
	    kt_session_save(cli->session_path, &s, err, sizeof(err)) != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "logged in, but %s", err);
		goto out;
	}
	if (resp->login->must_change_password) {
		fprintf(stderr, "kiemtra: the password of %s must be changed now\n", user);
		rc = read_new_password(cli, pw_stdin, new_pw);
		if (rc == KT_EXIT_OK)
			rc = change_password(cli, password, new_pw);
		if (rc != KT_EXIT_OK) {
			fprintf(stderr,
				"kiemtra: you are logged in, but the password is unchanged; "
				"run: kiemtra passwd\n");
			goto out;
		}
		changed = true;
	}
	print_login(cli, resp->login, changed);
	rc = KT_EXIT_OK;
out:
	if (resp && resp->body_case == KIEMTRA__V1__RESPONSE__BODY_LOGIN && resp->login &&
	    resp->login->session_token.data)
		sodium_memzero(resp->login->session_token.data, resp->login->session_token.len);
	kt_response_free(resp);
	kt_session_wipe(&s);
	sodium_memzero(password, sizeof(password));
	sodium_memzero(new_pw, sizeof(new_pw));
	return rc;
}

/* Commands without options of their own. */
static int no_args(struct kt_cli *cli, int argc, char **argv)
{
	if (argc > 1)
		return kt_cli_usage(cli, "unexpected argument '%s'", argv[1]);
	return KT_EXIT_OK;
}

int kt_cmd_logout(struct kt_cli *cli, int argc, char **argv)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__LogoutReq lo = KIEMTRA__V1__LOGOUT_REQ__INIT;
	Kiemtra__V1__Response *resp = NULL;
	struct kt_json *j;
	int rc;

	rc = no_args(cli, argc, argv);
	if (rc != KT_EXIT_OK)
		return rc;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_LOGOUT;
	req.logout = &lo;
	rc = kt_cli_call(cli, &req, &resp);
	kt_response_free(resp);
	if (rc != KT_EXIT_OK)
		return rc;
	if (kt_session_delete(cli->session_path) != KT_OK)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "logged out, but cannot remove %s",
				   cli->session_path);
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_kv_str(j, "server", cli->server.hostport);
		kt_json_kv_str(j, "user", cli->session.user);
		kt_cli_json_end(cli);
	} else {
		fputs("logged out ", stdout);
		kt_print_safe(stdout, cli->session.user, false);
		printf(" from %s\n", cli->server.hostport);
	}
	return KT_EXIT_OK;
}

int kt_cmd_whoami(struct kt_cli *cli, int argc, char **argv)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__WhoamiReq wr = KIEMTRA__V1__WHOAMI_REQ__INIT;
	Kiemtra__V1__Response *resp = NULL;
	const Kiemtra__V1__WhoamiResp *w;
	char roles[256], t1[64], t2[64];
	struct kt_json *j;
	int rc;

	rc = no_args(cli, argc, argv);
	if (rc != KT_EXIT_OK)
		return rc;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_WHOAMI;
	req.whoami = &wr;
	rc = kt_cli_call(cli, &req, &resp);
	if (rc != KT_EXIT_OK)
		return rc;
	w = resp->whoami;
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_kv_str(j, "server", cli->server.hostport);
		kt_json_kv_str(j, "server_name", kt_conn_server_name(cli->conn));
		kt_json_kv_str(j, "server_fingerprint", kt_conn_server_fingerprint(cli->conn));
		kt_cli_json_user(j, "user", w->user);
		kt_json_kv_str(j, "device_fingerprint", w->device_fingerprint);
		kt_json_kv_int(j, "session_started_at", w->session_started_at);
		kt_json_kv_int(j, "session_expires_at", w->session_expires_at);
		kt_json_kv_str(j, "peer_address", w->peer_address);
		kt_json_kv_bool(j, "must_change_password", w->must_change_password);
		kt_cli_json_end(cli);
		goto out;
	}
	kt_roles_text(w->user, roles, sizeof(roles));
	if (w->user)
		kt_cli_field("user:", "%s (%s)", w->user->username,
			     w->user->full_name[0] ? w->user->full_name : "no full name");
	kt_cli_field("roles:", "%s", roles);
	if (w->user && w->user->unit_id)
		kt_cli_field("unit:", "%lld", (long long)w->user->unit_id);
	kt_cli_field("device:", "%s", w->device_fingerprint);
	kt_format_time(w->session_started_at, t1, sizeof(t1));
	kt_format_time(w->session_expires_at, t2, sizeof(t2));
	kt_cli_field("session:", "since %s, valid until %s", t1, t2);
	kt_cli_field("server:", "%s (%s), key %s", cli->server.hostport,
		     kt_conn_server_name(cli->conn), kt_conn_server_fingerprint(cli->conn));
	kt_cli_field("seen from:", "%s", w->peer_address);
	if (w->must_change_password)
		kt_cli_field("note:", "your password must be changed; run: kiemtra passwd");
out:
	kt_response_free(resp);
	return KT_EXIT_OK;
}

int kt_cmd_passwd(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"password-stdin", no_argument, NULL, 'p'},
	    {NULL, 0, NULL, 0},
	};
	char old[PASSWORD_MAX], new_pw[PASSWORD_MAX];
	bool pw_stdin = false;
	struct kt_json *j;
	int c, rc;

	old[0] = new_pw[0] = '\0';
	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		if (c == 'p') {
			pw_stdin = true;
			continue;
		}
		rc = kt_cli_usage(cli, "unknown option %s", argv[optind - 1]);
		goto out;
	}
	if (optind < argc) {
		rc = kt_cli_usage(cli, "unexpected argument '%s'", argv[optind]);
		goto out;
	}
	rc = read_password(cli, "current password: ", pw_stdin, old, "current password");
	if (rc != KT_EXIT_OK)
		goto out;
	rc = read_new_password(cli, pw_stdin, new_pw);
	if (rc != KT_EXIT_OK)
		goto out;
	rc = change_password(cli, old, new_pw);
	if (rc != KT_EXIT_OK)
		goto out;
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_kv_str(j, "server", cli->server.hostport);
		kt_json_kv_str(j, "user", cli->session.user);
		kt_json_kv_bool(j, "password_changed", true);
		kt_cli_json_end(cli);
	} else {
		fputs("password changed for ", stdout);
		kt_print_safe(stdout, cli->session.user, false);
		printf(" at %s\n", cli->server.hostport);
	}
	rc = KT_EXIT_OK;
out:
	sodium_memzero(old, sizeof(old));
	sodium_memzero(new_pw, sizeof(new_pw));
	return rc;
}
