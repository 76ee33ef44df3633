/*
 * cli.h - what every kiemtra subcommand shares: the resolved settings, the
 * connection and session, error reporting with the documented exit codes,
 * JSON/human output helpers, and prompts.
 *
 * Owns: a struct kt_cli (set up by main) owns the device key (wiped by
 * kt_cli_cleanup), the open connection, the loaded session (token wiped) and
 * nothing else. Handlers receive it, may open the connection through
 * kt_cli_connect/kt_cli_open_session, and never exit: they return an exit code.
 * Responses a handler obtains through kt_cli_call are its own to free
 * (kt_response_free).
 *
 * Output contract: with --json a command prints exactly one JSON object on
 * stdout: {"ok":true,...} on success (kt_cli_json_begin/kt_cli_json_end), or
 * {"ok":false,"status":...,"message":...,"exit":N} on failure (every kt_cli_fail*
 * helper), plus "code" (the wire status) for a server error. Error messages also
 * go to stderr in both modes. Prompts go to the terminal (stderr).
 */
#ifndef KT_CLIENT_CLI_H
#define KT_CLIENT_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/config.h"
#include "client/output.h"
#include "client/transport.h"
#include "proto/kiemtra.pb-c.h"

enum kt_exit {
	KT_EXIT_OK = 0,
	KT_EXIT_ERROR = 1,   /* anything else: local files, bad input found late */
	KT_EXIT_USAGE = 2,   /* bad command line */
	KT_EXIT_CONNECT = 3, /* cannot connect; transport or handshake failure; timeout */
	KT_EXIT_KEY = 4,     /* server key mismatch, --pin mismatch, unknown with --no-tofu */
	KT_EXIT_VERIFY = 5,  /* kiemtra verify: an approval does not verify */
	KT_EXIT_STATUS = 10, /* + the wire status of a server error */
};

struct kt_cli;

struct kt_command {
	const char *name;				       /* "login", "units list" */
	int (*run)(struct kt_cli *cli, int argc, char **argv); /* argv[0] is the name */
	unsigned flags;					       /* KT_CMD_* */
	const char *usage;				       /* after "kiemtra " */
	const char *summary;
	const char *help; /* paragraphs after the usage line */
};

enum kt_command_flags {
	KT_CMD_SESSION = 1 << 0, /* log in with the stored session before running */
};

struct kt_cli {
	/* global options as given (NULL/false/0 when absent) */
	const char *opt_server;
	const char *opt_home;
	const char *opt_pin;
	bool json;
	bool no_tofu;
	int opt_timeout_ms;
	/* resolved settings */
	char home[KT_PATH_MAX];
	char config_path[KT_PATH_MAX];
	char key_path[KT_PATH_MAX];
	char known_path[KT_PATH_MAX];
	char session_path[KT_PATH_MAX];
	struct kt_config cfg;
	struct kt_server_addr server;
	char default_user[KT_NAME_MAX]; /* KIEMTRA_USER, else config user; "" if neither */
	char device_name[KT_NAME_MAX];
	int timeout_ms;
	/* state */
	const struct kt_command *cmd;
	uint8_t dev_priv[32], dev_pub[32];
	bool have_key;
	uint8_t sign_sk[64], sign_pk[32]; /* Ed25519: signs this user's approvals */
	bool have_sign;
	struct kt_conn *conn;
	struct kt_session session;
	bool have_session;
	bool must_change_password; /* the resumed session says so */
	bool reported;		   /* the one JSON object (or error) has been written */
	struct kt_json json_out;
};

/* ---- setup ---------------------------------------------------------------------- */

/* Resolve home, config, server, user, timeout. Returns an exit code (0 on success). */
int kt_cli_setup(struct kt_cli *cli);
/* Close the connection, wipe the key and the session. */
void kt_cli_cleanup(struct kt_cli *cli);
/* Create the home and load or create the device key. Exit code. */
int kt_cli_load_key(struct kt_cli *cli);
/*
 * The signing key (home/signing.key: a 32-byte Ed25519 seed, created 0600 on
 * first use). Its public half is registered at login; approvals are signed
 * with it (kt_cli_sign). Returns an exit code.
 */
int kt_cli_load_signing_key(struct kt_cli *cli);
/* Sign a canonical digest (common/approval.h) with the signing key. Returns an exit code. */
int kt_cli_sign(struct kt_cli *cli, const uint8_t digest[32], uint8_t sig[64]);
/* Connect (and pin) to the server as this device. Exit code. */
int kt_cli_connect(struct kt_cli *cli);
/*
 * Load the stored session, connect, and resume it. When there is none, or the
 * server no longer accepts it (the stale file is then removed): "not logged in"
 * and exit code 26. Exit code.
 */
int kt_cli_open_session(struct kt_cli *cli);

/* ---- errors --------------------------------------------------------------------- */

int kt_cli_fail(struct kt_cli *cli, int exit_code, const char *status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A usage error: the message, the command's usage line, exit code 2. */
int kt_cli_usage(struct kt_cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * A server error status in resp: its message and advice; exit code 10 + status.
 * req_body is the request's body case (a throttled login is worded for people).
 */
int kt_cli_fail_status(struct kt_cli *cli, const Kiemtra__V1__Response *resp, int req_body);
/* A transport failure rc on the open connection (exit 3). */
int kt_cli_fail_transport(struct kt_cli *cli, int rc);

/*
 * kt_conn_call, reporting failures: returns 0 with *resp (status OK, body of
 * the expected kind) or an exit code after reporting (and *resp NULL).
 */
int kt_cli_call(struct kt_cli *cli, Kiemtra__V1__Request *req, Kiemtra__V1__Response **resp);
/*
 * The same for a response obtained otherwise (pipelining): checks rc, status
 * and that the body is of kind body_case (request and response cases agree).
 */
int kt_cli_check(struct kt_cli *cli, int rc, int body_case, Kiemtra__V1__Response **resp);

/* ---- output --------------------------------------------------------------------- */

/* Start the success object ({"ok":true, ...); NULL when not in --json mode. */
struct kt_json *kt_cli_json_begin(struct kt_cli *cli);
void kt_cli_json_end(struct kt_cli *cli);
void kt_cli_json_user(struct kt_json *j, const char *key, const Kiemtra__V1__User *u);
void kt_cli_json_unit(struct kt_json *j, const Kiemtra__V1__Unit *u);
void kt_cli_json_units(struct kt_json *j, const char *key, Kiemtra__V1__Unit *const *units,
		       size_t n);
/* "key:   value" line for people; value printed terminal-safe. */
void kt_cli_field(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A table of units (id, code, name, kind, parent, status) on stdout. */
int kt_cli_print_units(Kiemtra__V1__Unit *const *units, size_t n);

const char *kt_role_name(int role);
const char *kt_unit_kind_name(int kind);
const char *kt_unit_event_name(int kind);
/* "inspector, planner" into out. */
void kt_roles_text(const Kiemtra__V1__User *u, char *out, size_t cap);

/* ---- input ---------------------------------------------------------------------- */

/*
 * Read one line: with echo off and prompt on stderr when stdin is a terminal
 * and force_stdin is false, else from stdin without prompt. The newline is
 * removed. 0, KT_ENOTFOUND (end of input), KT_ETOOBIG, KT_EUTF8 or KT_ESYS.
 */
int kt_cli_read_secret(const char *prompt, bool force_stdin, char *buf, size_t cap);
/* The same with echo (for a user name). */
int kt_cli_read_line(const char *prompt, char *buf, size_t cap);
/* True when stdin is a terminal. */
bool kt_cli_interactive(void);
/* Parse a decimal in [lo, hi]; 0 or KT_EINVAL. */
int kt_parse_uint(const char *s, unsigned long long lo, unsigned long long hi,
		  unsigned long long *out);

/* ---- commands (cmd_*.c) ----------------------------------------------------------- */

int kt_cmd_login(struct kt_cli *cli, int argc, char **argv);
int kt_cmd_logout(struct kt_cli *cli, int argc, char **argv);
int kt_cmd_whoami(struct kt_cli *cli, int argc, char **argv);
int kt_cmd_passwd(struct kt_cli *cli, int argc, char **argv);
int kt_cmd_units_list(struct kt_cli *cli, int argc, char **argv);
int kt_cmd_units_find(struct kt_cli *cli, int argc, char **argv);
int kt_cmd_units_show(struct kt_cli *cli, int argc, char **argv);
int kt_cmd_units_history(struct kt_cli *cli, int argc, char **argv);
int kt_cmd_ping(struct kt_cli *cli, int argc, char **argv);
int kt_cmd_known_list(struct kt_cli *cli, int argc, char **argv);
int kt_cmd_known_forget(struct kt_cli *cli, int argc, char **argv);
int kt_cmd_server_key(struct kt_cli *cli, int argc, char **argv);

/*
 * Workflow command tables, one per area, each in its cmd_<area>.c: rows of
 * struct kt_command, appended to the core commands by main.c.
 */
extern const struct kt_command kt_cmds_plans[];
extern const size_t kt_ncmds_plans;
extern const struct kt_command kt_cmds_findings[];
extern const size_t kt_ncmds_findings;
extern const struct kt_command kt_cmds_evidence[];
extern const size_t kt_ncmds_evidence;
extern const struct kt_command kt_cmds_conclusions[];
extern const size_t kt_ncmds_conclusions;
extern const struct kt_command kt_cmds_recommendations[];
extern const size_t kt_ncmds_recommendations;
extern const struct kt_command kt_cmds_reviews[];
extern const size_t kt_ncmds_reviews;
extern const struct kt_command kt_cmds_records[]; /* watch, report */
extern const size_t kt_ncmds_records;
extern const struct kt_command kt_cmds_verify[]; /* export, verify */
extern const size_t kt_ncmds_verify;

#endif
