/*
 * admin_cmds.h - the administrator's commands, shared by the two front ends
 * of console.c (the interactive console and the admin socket), and the
 * shell-like tokenizer of console lines.
 *
 * The command table is static and declarative: one row per command with its
 * words ("user add"), handler, argument synopsis, one-line help, longer
 * details, the options it takes and how many positional arguments. Options
 * are parsed and counted against the row before the handler runs, so every
 * usage error looks the same and exits with ADMIN_EXIT_USAGE.
 *
 * Ownership: admin_run() copies argv and the input bytes into a call of its
 * own, runs the command (at once, or later through the worker thread and the
 * auth thread pool) and writes its text to the front end's struct admin_out;
 * then it sets out->code and calls out->done() exactly once, on the loop
 * thread, and frees the call. The struct admin_out belongs to the front end
 * and must stay valid until done() runs; done() may free it (after
 * admin_out_fini()). Every command always finishes: jobs and hashes that meet
 * a stopping server finish with KT_ESHUTDOWN.
 *
 * Exit codes: 0 done, 1 failed (the reason on stderr), 2 usage error (the
 * usage line on stderr).
 *
 * Threads: everything here runs on the loop thread, except the run() of the
 * worker jobs the commands submit (storage thread, job data only).
 */
#ifndef KT_ADMIN_CMDS_H
#define KT_ADMIN_CMDS_H

#include <stdbool.h>
#include <stddef.h>

struct server;
struct admin_call;

enum admin_exit {
	ADMIN_EXIT_OK = 0,
	ADMIN_EXIT_FAILED = 1,
	ADMIN_EXIT_USAGE = 2,
};

/* Limits of one command line, the same for both front ends. */
#define ADMIN_MAX_ARGC 64
#define ADMIN_MAX_ARG 4096	    /* bytes of one word */
#define ADMIN_MAX_INPUT (64 * 1024) /* bytes of standard input */

/* A growing text buffer (always NUL-terminated once anything was written). */
struct admin_buf {
	char *data;
	size_t len, cap;
	bool truncated; /* an allocation failed: some text was dropped */
};

/* Where a command's text goes; the front end's, see the ownership note. */
struct admin_out {
	struct admin_buf out, err; /* standard output and standard error text */
	int code;		   /* exit code, set before done() */
	void (*done)(struct admin_out *o);
	void *arg; /* the front end's */
};

void admin_out_init(struct admin_out *o, void (*done)(struct admin_out *o), void *arg);
/* Frees the buffers; the struct itself is the caller's. NULL is fine. */
void admin_out_fini(struct admin_out *o);
void admin_printf(struct admin_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void admin_eprintf(struct admin_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Run the command argv[0..argc). input is the command's standard input
 * (input_len bytes) from the admin socket, or NULL at the interactive console,
 * where there is none (--password-stdin is then refused). s may be NULL only
 * for commands that do not touch the server (help, usage errors: the tests).
 */
void admin_run(struct server *s, int argc, char *const *argv, const char *input, size_t input_len,
	       struct admin_out *out);

/* One row of the command table. */
struct admin_cmd {
	const char *words; /* "user add" */
	void (*run)(struct admin_call *call);
	const char *args;    /* synopsis after the words: "USERNAME --name \"FULL NAME\" ..." */
	const char *help;    /* one line, no final period */
	const char *details; /* more lines for 'help COMMAND' (may be NULL) */
	const char *options; /* space-separated option names; "name=" takes a value */
	unsigned min_args, max_args; /* positional arguments; ADMIN_ARGS_ANY: no limit */
};
#define ADMIN_ARGS_ANY 0xffffu

/* The table, in the order 'help' lists it: i from 0 until NULL. */
const struct admin_cmd *admin_cmd_at(size_t i);

/*
 * Find the command named by the first words of argv. On success *nwords is
 * how many words named it. NULL when none does: msg gets a sentence ("unknown
 * command 'frob'; type 'help' for the list", or the subcommands of a group).
 */
const struct admin_cmd *admin_cmd_lookup(int argc, char *const *argv, int *nwords, char *msg,
					 size_t cap);

/*
 * Split a console line into words as a POSIX shell would, without any
 * expansion: blanks separate words; '...' keeps everything literally; "..."
 * keeps everything but lets a backslash escape '"', '\\', '$' and '`';
 * outside quotes a backslash escapes any character; a word starting with '#'
 * begins a comment. On success *argv is a NULL-terminated array of *argc
 * words (free with admin_argv_free()). Returns 0, or KT_EINVAL with a
 * sentence in err (unterminated quote, too many or too long words).
 */
int admin_tokenize(const char *line, int *argc, char ***argv, char *err, size_t errcap);
void admin_argv_free(int argc, char **argv); /* NULL is fine */

#endif
