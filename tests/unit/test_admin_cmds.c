/*
 * test_admin_cmds.c - the console tokenizer, the command table, the commands
 * that need no server (help, usage errors, unknown commands) and the admin
 * socket's request format.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "server/admin_client.h"
#include "server/admin_cmds.h"
#include "server/console.h"

static int passed, failed;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (cond) {                                                                        \
			passed++;                                                                  \
		} else {                                                                           \
			failed++;                                                                  \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

/* Tokenize line and compare with the expected words (NULL-terminated list). */
static void tok_ok(const char *line, const char *const *want)
{
	char err[128] = "", **argv = NULL;
	int argc = -1, n = 0;
	int rc = admin_tokenize(line, &argc, &argv, err, sizeof(err));

	while (want[n])
		n++;
	CHECK(rc == 0);
	if (rc != 0) {
		fprintf(stderr, "  line <%s>: %s\n", line, err);
		return;
	}
	CHECK(argc == n);
	for (int i = 0; i < argc && i < n; i++) {
		bool same = strcmp(argv[i], want[i]) == 0;

		CHECK(same);
		if (!same)
			fprintf(stderr, "  line <%s> word %d: <%s>, want <%s>\n", line, i, argv[i],
				want[i]);
	}
	CHECK(argc >= 0 && argv && argv[argc] == NULL);
	admin_argv_free(argc, argv);
}

static void tok_err(const char *line, const char *needle)
{
	char err[128] = "", **argv = NULL;
	int argc = -1;
	int rc = admin_tokenize(line, &argc, &argv, err, sizeof(err));

	CHECK(rc == KT_EINVAL);
	CHECK(argv == NULL && argc == 0);
	CHECK(strstr(err, needle) != NULL);
	if (!strstr(err, needle))
		fprintf(stderr, "  line <%s>: error <%s>, want <%s>\n", line, err, needle);
}

static void test_tokenizer(void)
{
	char big[ADMIN_MAX_ARG + 16], many[ADMIN_MAX_ARGC * 2 + 8];

	tok_ok("", (const char *[]){NULL});
	tok_ok("   \t ", (const char *[]){NULL});
	tok_ok("user list", (const char *[]){"user", "list", NULL});
	tok_ok("  user   list  ", (const char *[]){"user", "list", NULL});
	tok_ok("user add dung --name \"Lê Quốc Dũng\"",
	       (const char *[]){"user", "add", "dung", "--name", "Lê Quốc Dũng", NULL});
	tok_ok("unit add DT-HA 'xã Hòa An' --kind xã",
	       (const char *[]){"unit", "add", "DT-HA", "xã Hòa An", "--kind", "xã", NULL});
	/* Quotes join with the rest of a word, as in a shell. */
	tok_ok("--name=\"Phường 4\"", (const char *[]){"--name=Phường 4", NULL});
	tok_ok("a'b c'\"d e\"f", (const char *[]){"ab cd ef", NULL});
	/* Backslashes: outside quotes any character; inside "" only " \\ $ `. */
	tok_ok("xã\\ Tân\\ Thuận\\ Tây", (const char *[]){"xã Tân Thuận Tây", NULL});
	tok_ok("\"say \\\"hi\\\" \\\\ \\n\"", (const char *[]){"say \"hi\" \\ \\n", NULL});
	tok_ok("'it''s' 'a\\b'", (const char *[]){"its", "a\\b", NULL});
	tok_ok("\"\" ''", (const char *[]){"", "", NULL});
	tok_ok("status # the rest is a comment", (const char *[]){"status", NULL});
	tok_ok("a#b", (const char *[]){"a#b", NULL});
	tok_ok("06/KH-UBND 334/QĐ-UBND", (const char *[]){"06/KH-UBND", "334/QĐ-UBND", NULL});

	tok_err("user add x --name \"Lê Quốc", "unterminated \"");
	tok_err("unit rename X 'Phường 4", "unterminated '");
	tok_err("trailing \\", "backslash");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	tok_err(big, "longer than");
	many[0] = '\0';
	for (int i = 0; i <= ADMIN_MAX_ARGC; i++)
		strcat(many, "x ");
	tok_err(many, "more than");
}

static void test_table(void)
{
	const struct admin_cmd *cmd;
	char msg[256];
	size_t count = 0;
	int n;

	for (size_t i = 0; (cmd = admin_cmd_at(i)); i++) {
		count++;
		CHECK(cmd->words && *cmd->words);
		CHECK(cmd->run != NULL);
		CHECK(cmd->args != NULL);
		CHECK(cmd->help && *cmd->help);
		CHECK(cmd->options != NULL);
		CHECK(cmd->min_args <= cmd->max_args);
		/* Every command is found by its own words, and by no shorter name. */
		{
			char buf[64], **argv = NULL, err[64];
			int argc = 0;

			snprintf(buf, sizeof(buf), "%s", cmd->words);
			CHECK(admin_tokenize(buf, &argc, &argv, err, sizeof(err)) == 0);
			CHECK(admin_cmd_lookup(argc, argv, &n, msg, sizeof(msg)) == cmd);
			CHECK(n == argc);
			admin_argv_free(argc, argv);
		}
		/* Words are unique. */
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(admin_cmd_at(j)->words, cmd->words) != 0);
	}
	/* The administrator's whole job: every command the documentation promises is here. */
	{
		static const char *const required[] = {
			"help", "user add", "user list", "user show", "user disable", "user enable",
			"user passwd", "user roles", "user revoke-device", "unit add", "unit list",
			"unit find", "unit show", "unit rename", "unit move", "unit merge",
			"unit history", "session list", "session kick", "status", "backup",
			"audit verify", "fingerprint", "shutdown",
		};
		size_t found = 0;

		for (size_t r = 0; r < sizeof(required) / sizeof(required[0]); r++)
			for (size_t i = 0; i < count; i++)
				if (strcmp(admin_cmd_at(i)->words, required[r]) == 0)
					found++;
		CHECK(found == sizeof(required) / sizeof(required[0]));
	}

	/* Multi-word lookup leaves the arguments after the command words. */
	cmd =
	    admin_cmd_lookup(4, (char *[]){"unit", "merge", "A", "B", NULL}, &n, msg, sizeof(msg));
	CHECK(cmd && strcmp(cmd->words, "unit merge") == 0 && n == 2);
	cmd = admin_cmd_lookup(2, (char *[]){"audit", "verify", NULL}, &n, msg, sizeof(msg));
	CHECK(cmd && strcmp(cmd->words, "audit verify") == 0 && n == 2);
	cmd = admin_cmd_lookup(2, (char *[]){"backup", "x.db", NULL}, &n, msg, sizeof(msg));
	CHECK(cmd && strcmp(cmd->words, "backup") == 0 && n == 1);

	/* Unknown commands, groups without or with a wrong subcommand. */
	CHECK(!admin_cmd_lookup(1, (char *[]){"frobnicate", NULL}, &n, msg, sizeof(msg)));
	CHECK(strstr(msg, "unknown command 'frobnicate'") && strstr(msg, "help"));
	CHECK(!admin_cmd_lookup(1, (char *[]){"user", NULL}, &n, msg, sizeof(msg)));
	CHECK(strstr(msg, "add") && strstr(msg, "disable") && strstr(msg, "passwd"));
	CHECK(!admin_cmd_lookup(2, (char *[]){"unit", "explode", NULL}, &n, msg, sizeof(msg)));
	CHECK(strstr(msg, "unknown command 'unit explode'") && strstr(msg, "merge"));
	CHECK(!admin_cmd_lookup(0, (char *[]){NULL}, &n, msg, sizeof(msg)));
}

/* Run a command without a server (only help and usage errors may be run so). */
struct result {
	struct admin_out out;
	bool done;
	int code;
	char *stdout_text, *stderr_text;
};

static void on_done(struct admin_out *o)
{
	struct result *r = o->arg;

	r->done = true;
	r->code = o->code;
	r->stdout_text = strdup(o->out.data ? o->out.data : "");
	r->stderr_text = strdup(o->err.data ? o->err.data : "");
	admin_out_fini(o);
}

static void run(struct result *r, const char *line, const char *input)
{
	char err[128], **argv = NULL;
	int argc = 0;

	memset(r, 0, sizeof(*r));
	admin_out_init(&r->out, on_done, r);
	if (admin_tokenize(line, &argc, &argv, err, sizeof(err)) != 0) {
		fprintf(stderr, "  cannot tokenize <%s>: %s\n", line, err);
		failed++;
		return;
	}
	admin_run(NULL, argc, argv, input, input ? strlen(input) : 0, &r->out);
	admin_argv_free(argc, argv);
	CHECK(r->done);
}

static void result_free(struct result *r)
{
	free(r->stdout_text);
	free(r->stderr_text);
}

static void expect(const char *line, const char *input, int code, const char *in_stdout,
		   const char *in_stderr)
{
	struct result r;

	run(&r, line, input);
	if (!r.done)
		return;
	CHECK(r.code == code);
	if (in_stdout)
		CHECK(strstr(r.stdout_text, in_stdout) != NULL);
	if (in_stderr)
		CHECK(strstr(r.stderr_text, in_stderr) != NULL);
	if (r.code != code || (in_stdout && !strstr(r.stdout_text, in_stdout)) ||
	    (in_stderr && !strstr(r.stderr_text, in_stderr)))
		fprintf(stderr, "  <%s>: exit %d\n  stdout: %s\n  stderr: %s\n", line, r.code,
			r.stdout_text, r.stderr_text);
	result_free(&r);
}

static void test_run_without_server(void)
{
	expect("help", NULL, ADMIN_EXIT_OK, "user add", NULL);
	expect("help", NULL, ADMIN_EXIT_OK, "unit merge", NULL);
	expect("help user add", NULL, ADMIN_EXIT_OK, "--password-stdin", NULL);
	expect("help unit", NULL, ADMIN_EXIT_OK, "unit history", NULL);
	expect("user add --help", NULL, ADMIN_EXIT_OK, "usage: user add USERNAME", NULL);
	expect("help nothing", NULL, ADMIN_EXIT_USAGE, NULL, "unknown command 'nothing'");
	expect("frobnicate", NULL, ADMIN_EXIT_USAGE, NULL, "unknown command 'frobnicate'");
	expect("user", NULL, ADMIN_EXIT_USAGE, NULL, "'user' needs one of");
	/* Usage errors are found before anything touches the server. */
	expect("user add", NULL, ADMIN_EXIT_USAGE, NULL, "usage: user add USERNAME");
	expect("user add a b", NULL, ADMIN_EXIT_USAGE, NULL, "unexpected argument 'b'");
	expect("user add dung --nmae x", NULL, ADMIN_EXIT_USAGE, NULL, "unknown option --nmae");
	expect("user add dung --name", NULL, ADMIN_EXIT_USAGE, NULL, "--name needs a value");
	expect("user add dung", NULL, ADMIN_EXIT_USAGE, NULL, "--name \"FULL NAME\" is required");
	expect("user add dung --name X --password-stdin=x", NULL, ADMIN_EXIT_USAGE, NULL,
	       "takes no value");
	expect("user add Dung --name X", NULL, ADMIN_EXIT_FAILED, NULL, "invalid argument");
	expect("unit add X Y", NULL, ADMIN_EXIT_USAGE, NULL, "--kind KIND is required");
	expect("unit add X Y --kind planet", NULL, ADMIN_EXIT_USAGE, NULL, "unknown kind");
	expect("unit move X", NULL, ADMIN_EXIT_USAGE, NULL, "--parent CODE or --root");
	expect("unit list extra", NULL, ADMIN_EXIT_USAGE, NULL, "unexpected argument");
	expect("session kick", NULL, ADMIN_EXIT_USAGE, NULL, "connection ID or --user");
	expect("status now", NULL, ADMIN_EXIT_USAGE, NULL, "usage: status");
}

static void test_request_format(void)
{
	char *argv[] = {"user", "add", "dung", "--name", "Lê Quốc Dũng", NULL};
	struct admin_request req;
	uint8_t *buf = NULL;
	size_t len = 0;
	char err[128];
	int rc;

	CHECK(admin_request_encode(5, argv, "secret-pass\n", 12, &buf, &len, err, sizeof(err)) ==
	      0);
	/* Every prefix is "need more"; the whole is one request. */
	for (size_t i = 0; i < len; i++) {
		rc = admin_request_parse(buf, i, &req, err, sizeof(err));
		CHECK(rc == 0);
		if (rc != 0)
			break;
	}
	CHECK(admin_request_parse(buf, len, &req, err, sizeof(err)) == 1);
	CHECK(req.argc == 5 && req.argv[5] == NULL);
	for (int i = 0; i < 5 && i < req.argc; i++)
		CHECK(strcmp(req.argv[i], argv[i]) == 0);
	CHECK(req.input_len == 12 && memcmp(req.input, "secret-pass\n", 12) == 0);
	admin_request_free(&req);
	admin_request_free(NULL);

	/* Extra bytes, too many words, a word too long, a NUL inside a word. */
	buf = realloc(buf, len + 1);
	buf[len] = 'x';
	CHECK(admin_request_parse(buf, len + 1, &req, err, sizeof(err)) == KT_EINVAL);
	free(buf);

	{
		uint8_t many[4] = {0, 0, 0, ADMIN_MAX_ARGC + 1};
		uint8_t longw[8] = {0, 0, 0, 1, 0, 0, 0x10, 0x01}; /* 4097 bytes */
		uint8_t nul[16] = {0, 0, 0, 1, 0, 0, 0, 3, 'a', 0, 'b', 0, 0, 0, 0};
		uint8_t bigin[8] = {0, 0, 0, 0, 0, 1, 0, 1}; /* 65537 bytes of input */

		CHECK(admin_request_parse(many, 4, &req, err, sizeof(err)) == KT_ETOOBIG);
		CHECK(admin_request_parse(longw, 8, &req, err, sizeof(err)) == KT_ETOOBIG);
		CHECK(admin_request_parse(nul, 15, &req, err, sizeof(err)) == KT_EINVAL);
		CHECK(strstr(err, "NUL") != NULL);
		CHECK(admin_request_parse(bigin, 8, &req, err, sizeof(err)) == KT_ETOOBIG);
	}
	CHECK(admin_request_encode(ADMIN_MAX_ARGC + 1, argv, NULL, 0, &buf, &len, err,
				   sizeof(err)) == KT_ETOOBIG);
}

int main(void)
{
	test_tokenizer();
	test_table();
	test_run_without_server();
	test_request_format();
	printf("%d passed, %d failed\n", passed, failed);
	return failed ? 1 : 0;
}
