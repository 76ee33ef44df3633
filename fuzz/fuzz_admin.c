/*
 * fuzz_admin.c - the administrator's two ways in: an admin socket request
 * (server/console.c admin_request_parse, the format in console.h) or a
 * console line (server/admin_cmds.c admin_tokenize), then the command itself
 * (admin_run) against the in-process server core of support_server.c, until
 * it has finished.
 *
 * Input: byte 0 & 1 = 1: the rest is an admin socket request; 0: the rest is
 * a console line (up to the first NUL, as libedit would hand it over).
 *
 * Oracles:
 *   - a request that parses is exactly what admin_request_encode() (the
 *     `kiemtrad admin` side) makes of its words and input, and one byte less
 *     of it is "incomplete" (0), not a request nor an error;
 *   - a refused request or line says why; a tokenized line has at most
 *     ADMIN_MAX_ARGC words of at most ADMIN_MAX_ARG bytes, and quoting every
 *     word in single quotes tokenizes back to the same words;
 *   - a command calls done() exactly once with exit code 0, 1 or 2, and
 *     codes 1 and 2 come with text on standard error.
 *
 * KT_FUZZ_VERBOSE=1 in the environment prints each command's output.
 *
 * Not run: "backup" (it writes a file wherever its argument points) and
 * "shutdown" (it stops the core); their words are still looked up. The
 * database is put back after any command that changed it (support_server.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "fuzz/fuzz.h"
#include "fuzz/support_server.h"
#include "server/admin_client.h"
#include "server/admin_cmds.h"
#include "server/console.h"

struct wait {
	struct admin_out out;
	unsigned calls;
};

static void on_done(struct admin_out *o)
{
	struct wait *w = o->arg;

	w->calls++;
}

static bool finished(void *arg)
{
	struct wait *w = arg;

	return w->calls > 0;
}

/* Quote every word in single quotes ('\'' for a quote) and tokenize again. */
static void check_requote(int argc, char **argv)
{
	size_t cap = 1;
	char *line, *p, err[256], **back = NULL;
	int n = 0;

	for (int i = 0; i < argc; i++)
		cap += 3 + 4 * strlen(argv[i]);
	line = malloc(cap);
	if (!line)
		abort();
	p = line;
	for (int i = 0; i < argc; i++) {
		*p++ = '\'';
		for (const char *s = argv[i]; *s; s++) {
			if (*s == '\'') {
				memcpy(p, "'\\''", 4);
				p += 4;
			} else {
				*p++ = *s;
			}
		}
		*p++ = '\'';
		*p++ = ' ';
	}
	*p = '\0';
	FZ_CHECK(admin_tokenize(line, &n, &back, err, sizeof(err)) == KT_OK,
		 "the quoted words do not tokenize: %s", err);
	FZ_CHECK(n == argc, "%d words quoted, %d back", argc, n);
	for (int i = 0; i < argc; i++)
		FZ_CHECK(strcmp(back[i], argv[i]) == 0, "word %d changed", i + 1);
	admin_argv_free(n, back);
	free(line);
}

static void run_command(int argc, char **argv, const char *input, size_t input_len)
{
	const struct admin_cmd *cmd;
	struct wait w = {0};
	char msg[512];
	int nwords;

	cmd = admin_cmd_lookup(argc, argv, &nwords, msg, sizeof(msg));
	if (cmd && (strcmp(cmd->words, "backup") == 0 || strcmp(cmd->words, "shutdown") == 0))
		return;
	admin_out_init(&w.out, on_done, &w);
	admin_run(fz_server(), argc, argv, input, input_len, &w.out);
	fz_run_until(finished, &w);
	FZ_CHECK(w.calls == 1, "done() called %u times", w.calls);
	if (getenv("KT_FUZZ_VERBOSE"))
		fprintf(stderr, "fuzz_admin: exit %d\n%s%s", w.out.code,
			w.out.out.data ? w.out.out.data : "", w.out.err.data ? w.out.err.data : "");
	FZ_CHECK(w.out.code >= ADMIN_EXIT_OK && w.out.code <= ADMIN_EXIT_USAGE, "exit code %d",
		 w.out.code);
	if (w.out.code != ADMIN_EXIT_OK)
		FZ_CHECK(w.out.err.len > 0 && w.out.err.data, "exit code %d without a reason",
			 w.out.code);
	admin_out_fini(&w.out);
	fz_restore_if_changed();
}

static void from_request(const uint8_t *buf, size_t len)
{
	struct admin_request req, part;
	char err[512] = "", err2[512] = "";
	uint8_t *enc = NULL;
	size_t enclen = 0;
	int rc;

	rc = admin_request_parse(buf, len, &req, err, sizeof(err));
	if (rc == 0) {
		FZ_CHECK(req.argv == NULL && req.input == NULL, "incomplete, yet allocated");
		return;
	}
	if (rc < 0) {
		FZ_CHECK(err[0] != '\0', "refused (%d) without a reason", rc);
		FZ_CHECK(req.argv == NULL && req.input == NULL, "refused, yet allocated");
		return;
	}
	FZ_CHECK(rc == 1 && req.argc >= 0 && req.argc <= ADMIN_MAX_ARGC &&
		     req.argv[req.argc] == NULL,
		 "parse gave %d with %d words", rc, req.argc);
	rc = admin_request_encode(req.argc, req.argv, req.input, req.input_len, &enc, &enclen, err2,
				  sizeof(err2));
	FZ_CHECK(rc == KT_OK, "a parsed request does not encode: %s", err2);
	FZ_CHECK(enclen == len && memcmp(enc, buf, len) == 0,
		 "the request encodes differently (%zu bytes, was %zu)", enclen, len);
	free(enc);
	rc = admin_request_parse(buf, len - 1, &part, err2, sizeof(err2));
	FZ_CHECK(rc == 0, "one byte short: %d (%s)", rc, err2);
	run_command(req.argc, req.argv, req.input, req.input_len);
	admin_request_free(&req);
}

static void from_line(const uint8_t *buf, size_t len)
{
	char *line = fz_strndup(buf, len), err[512] = "", **argv = NULL;
	int argc = -1, rc;

	rc = admin_tokenize(line, &argc, &argv, err, sizeof(err));
	if (rc != KT_OK) {
		FZ_CHECK(err[0] != '\0' && argv == NULL && argc == 0, "refused without a reason");
		free(line);
		return;
	}
	FZ_CHECK(argc >= 0 && argc <= ADMIN_MAX_ARGC && argv && argv[argc] == NULL, "%d words",
		 argc);
	for (int i = 0; i < argc; i++)
		FZ_CHECK(strlen(argv[i]) <= ADMIN_MAX_ARG, "word %d has %zu bytes", i + 1,
			 strlen(argv[i]));
	check_requote(argc, argv);
	run_command(argc, argv, NULL, 0);
	admin_argv_free(argc, argv);
	free(line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		from_request(data + 1, size - 1);
	else
		from_line(data + 1, size - 1);
	return 0;
}
