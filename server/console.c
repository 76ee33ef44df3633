/* console.c - see console.h. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <editline/readline.h>
#include <uv.h>

#include "common/status.h"
#include "server/admin_cmds.h"
#include "server/console.h"
#include "server/server.h"

#define PROMPT "kiemtrad> "
#define HISTORY_MAX 1000
#define EOF_MAX 64 /* Ctrl-D answers in a row before the terminal counts as gone */
/* The largest request: argc, the words with their lengths, the input with its length. */
#define REQUEST_MAX (4 + ADMIN_MAX_ARGC * (4 + ADMIN_MAX_ARG) + 4 + ADMIN_MAX_INPUT)

struct admin_conn {
	uv_pipe_t pipe;
	uv_timer_t timer;
	struct console *con;
	struct admin_conn *prev, *next;
	uint8_t *buf; /* the request as it arrives */
	size_t len, cap;
	uint8_t *resp; /* the response being written */
	uv_write_t wr;
	struct admin_out out;
	int handles;	/* handles not yet closed */
	bool running;	/* a command runs and owns out */
	bool responded; /* the response was queued */
	bool closing;
};

struct console {
	struct server *s;
	bool stopping;
	int handles; /* the console's own handles not yet closed */
	/* the terminal */
	bool tty; /* the interactive console is on */
	uv_poll_t poll;
	uv_timer_t first; /* the banner and first prompt wait for the loop to run */
	bool first_open;
	int stdin_flags; /* fcntl flags of fd 0 before libuv made it non-blocking */
	bool busy;	 /* a console command runs */
	unsigned eofs;
	struct admin_out out;
	char history[PATH_MAX];
	/* the admin socket */
	bool listening;
	uv_pipe_t listener;
	char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct admin_conn *conns;
	unsigned nconns;
};

/* libedit keeps one global line state, so there is one console per process. */
static struct console *tty_console;

static void console_maybe_free(struct console *con)
{
	if (!con->stopping || con->handles > 0 || con->busy || con->conns)
		return;
	if (tty_console == con)
		tty_console = NULL;
	admin_out_fini(&con->out);
	free(con);
}

/* ---- the wire format ---------------------------------------------------------- */

static uint32_t get_u32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void admin_request_free(struct admin_request *req)
{
	if (!req)
		return;
	admin_argv_free(req->argc, req->argv);
	if (req->input) {
		memset(req->input, 0, req->input_len);
		free(req->input);
	}
	memset(req, 0, sizeof(*req));
}

int admin_request_parse(const uint8_t *buf, size_t len, struct admin_request *req, char *err,
			size_t errcap)
{
	size_t off = 4;
	uint32_t argc, n;
	int rc = 0;

	memset(req, 0, sizeof(*req));
	if (len < 4)
		return 0;
	argc = get_u32(buf);
	if (argc > ADMIN_MAX_ARGC) {
		snprintf(err, errcap, "more than %d words in the command", ADMIN_MAX_ARGC);
		return KT_ETOOBIG;
	}
	/* First check that everything is there and within limits, then copy. */
	for (uint32_t i = 0; i <= argc; i++) {
		size_t max = i < argc ? ADMIN_MAX_ARG : ADMIN_MAX_INPUT;

		if (len - off < 4)
			return 0;
		n = get_u32(buf + off);
		if (n > max) {
			if (i < argc)
				snprintf(err, errcap, "word %u is longer than %d bytes", i + 1,
					 ADMIN_MAX_ARG);
			else
				snprintf(err, errcap, "standard input is longer than %d bytes",
					 ADMIN_MAX_INPUT);
			return KT_ETOOBIG;
		}
		off += 4;
		if (len - off < n)
			return 0;
		if (i < argc && memchr(buf + off, '\0', n)) {
			snprintf(err, errcap, "word %u contains a NUL byte", i + 1);
			return KT_EINVAL;
		}
		off += n;
	}
	if (off != len) {
		snprintf(err, errcap, "%zu bytes after the request", len - off);
		return KT_EINVAL;
	}
	req->argv = calloc(argc + 1, sizeof(*req->argv));
	if (!req->argv)
		goto oom;
	off = 4;
	for (uint32_t i = 0; i < argc; i++) {
		n = get_u32(buf + off);
		off += 4;
		req->argv[i] = strndup((const char *)buf + off, n);
		if (!req->argv[i])
			goto oom;
		req->argc++;
		off += n;
	}
	n = get_u32(buf + off);
	off += 4;
	req->input = malloc(n + 1);
	if (!req->input)
		goto oom;
	memcpy(req->input, buf + off, n);
	req->input[n] = '\0';
	req->input_len = n;
	rc = 1;
	return rc;
oom:
	admin_request_free(req);
	snprintf(err, errcap, "out of memory");
	return KT_ENOMEM;
}

/* ---- admin connections -------------------------------------------------------- */

static void conn_maybe_free(struct admin_conn *ac)
{
	struct console *con = ac->con;

	if (ac->handles > 0 || ac->running)
		return;
	if (ac->prev)
		ac->prev->next = ac->next;
	else
		con->conns = ac->next;
	if (ac->next)
		ac->next->prev = ac->prev;
	con->nconns--;
	admin_out_fini(&ac->out);
	if (ac->buf)
		memset(ac->buf, 0, ac->cap);
	free(ac->buf);
	free(ac->resp);
	free(ac);
	console_maybe_free(con);
}

static void conn_handle_closed(uv_handle_t *h)
{
	struct admin_conn *ac = h->data;

	ac->handles--;
	conn_maybe_free(ac);
}

static void conn_close(struct admin_conn *ac)
{
	if (ac->closing)
		return;
	ac->closing = true;
	uv_close((uv_handle_t *)&ac->pipe, conn_handle_closed);
	uv_close((uv_handle_t *)&ac->timer, conn_handle_closed);
}

static void conn_written(uv_write_t *wr, int status)
{
	conn_close(wr->data);
}

static uint8_t *put_record(uint8_t *p, char kind, const char *text, size_t n)
{
	*p++ = (uint8_t)kind;
	put_u32(p, (uint32_t)n);
	memcpy(p + 4, text, n);
	return p + 4 + n;
}

/* Queue the response records and close once written. */
static void conn_respond(struct admin_conn *ac, const char *out, size_t nout, const char *err,
			 size_t nerr, int code)
{
	char x[16];
	size_t nx = (size_t)snprintf(x, sizeof(x), "%d", code);
	uv_buf_t b;
	uint8_t *p;

	if (ac->closing || ac->responded)
		return;
	ac->responded = true;
	uv_read_stop((uv_stream_t *)&ac->pipe);
	uv_timer_stop(&ac->timer);
	ac->resp = malloc(3 * 5 + nout + nerr + nx);
	if (!ac->resp) {
		conn_close(ac);
		return;
	}
	p = ac->resp;
	if (nout)
		p = put_record(p, ADMIN_RECORD_STDOUT, out, nout);
	if (nerr)
		p = put_record(p, ADMIN_RECORD_STDERR, err, nerr);
	p = put_record(p, ADMIN_RECORD_EXIT, x, nx);
	b = uv_buf_init((char *)ac->resp, (unsigned)(p - ac->resp));
	ac->wr.data = ac;
	if (uv_write(&ac->wr, (uv_stream_t *)&ac->pipe, &b, 1, conn_written) != 0)
		conn_close(ac);
}

static void conn_refuse(struct admin_conn *ac, const char *why, int code)
{
	char text[512];
	int n = snprintf(text, sizeof(text), "kiemtrad: %s\n", why);

	conn_respond(ac, NULL, 0, text, n < 0 ? 0 : strlen(text), code);
}

static void conn_command_done(struct admin_out *o)
{
	struct admin_conn *ac = o->arg;

	ac->running = false;
	if (ac->closing) {
		conn_maybe_free(ac);
		return;
	}
	conn_respond(ac, o->out.data, o->out.len, o->err.data, o->err.len, o->code);
	admin_out_fini(o);
}

static void conn_timeout(uv_timer_t *t)
{
	conn_refuse(t->data, "timed out waiting for the request", ADMIN_EXIT_USAGE);
}

static void conn_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct admin_conn *ac = h->data;
	size_t want = ac->len + 65536;

	if (want > REQUEST_MAX + 1)
		want = REQUEST_MAX + 1;
	if (want > ac->cap) {
		uint8_t *p = realloc(ac->buf, want);

		if (!p) {
			*b = uv_buf_init(NULL, 0);
			return;
		}
		ac->buf = p;
		ac->cap = want;
	}
	*b = uv_buf_init((char *)ac->buf + ac->len, (unsigned)(ac->cap - ac->len));
}

static void conn_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *b)
{
	struct admin_conn *ac = st->data;
	struct admin_request req;
	char err[256];
	int rc;

	if (nread == UV_ENOBUFS) {
		conn_refuse(ac, "out of memory", ADMIN_EXIT_FAILED);
		return;
	}
	if (nread == UV_EOF) {
		/* The client shut its side down early: it may still read why. */
		conn_refuse(ac, "the request ended before it was complete", ADMIN_EXIT_USAGE);
		return;
	}
	if (nread < 0) {
		conn_close(ac);
		return;
	}
	ac->len += (size_t)nread;
	if (ac->len > REQUEST_MAX) {
		conn_refuse(ac, "the request is too large", ADMIN_EXIT_USAGE);
		return;
	}
	rc = admin_request_parse(ac->buf, ac->len, &req, err, sizeof(err));
	if (rc == 0)
		return;
	if (rc < 0) {
		conn_refuse(ac, err, ADMIN_EXIT_USAGE);
		return;
	}
	uv_read_stop(st);
	uv_timer_stop(&ac->timer);
	ac->running = true;
	admin_out_init(&ac->out, conn_command_done, ac);
	admin_run(ac->con->s, req.argc, req.argv, req.input, req.input_len, &ac->out);
	admin_request_free(&req);
}

/* 0 when the peer may use the socket: the server's own uid, or root. */
static int peer_allowed(struct admin_conn *ac, char *why, size_t cap)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	uv_os_fd_t fd;

	if (uv_fileno((uv_handle_t *)&ac->pipe, &fd) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
		snprintf(why, cap, "cannot tell who is connecting: %s", strerror(errno));
		return KT_ESYS;
	}
	if (cred.uid != getuid() && cred.uid != 0) {
		snprintf(why, cap,
			 "permission denied: uid %u may not administer this server; run the "
			 "command as the server's user (uid %u) or as root",
			 (unsigned)cred.uid, (unsigned)getuid());
		return KT_EPERM;
	}
	return 0;
}

static void on_admin_connection(uv_stream_t *listener, int status)
{
	struct console *con = listener->data;
	struct admin_conn *ac;
	char why[256];

	if (status < 0 || con->stopping)
		return;
	ac = calloc(1, sizeof(*ac));
	if (!ac)
		return;
	ac->con = con;
	uv_pipe_init(con->s->loop, &ac->pipe, 0);
	uv_timer_init(con->s->loop, &ac->timer);
	ac->pipe.data = ac->timer.data = ac;
	ac->handles = 2;
	ac->next = con->conns;
	if (con->conns)
		con->conns->prev = ac;
	con->conns = ac;
	con->nconns++;
	if (uv_accept(listener, (uv_stream_t *)&ac->pipe) != 0) {
		conn_close(ac);
		return;
	}
	if (peer_allowed(ac, why, sizeof(why)) != 0) {
		conn_refuse(ac, why, ADMIN_EXIT_FAILED);
		return;
	}
	if (con->nconns > ADMIN_MAX_CONNS) {
		conn_refuse(ac, "too many admin connections at once; try again", ADMIN_EXIT_FAILED);
		return;
	}
	uv_timer_start(&ac->timer, conn_timeout, ADMIN_REQUEST_TIMEOUT_MS, 0);
	if (uv_read_start((uv_stream_t *)&ac->pipe, conn_alloc, conn_read) != 0)
		conn_close(ac);
}

/*
 * Remove a socket file left by a server that died, but never one a running
 * server answers on, and never anything that is not a socket.
 */
static int clear_stale_socket(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stat sb;
	int fd, rc;

	if (lstat(path, &sb) != 0)
		return errno == ENOENT ? 0 : KT_ESYS;
	if (!S_ISSOCK(sb.st_mode)) {
		fprintf(stderr, "kiemtrad: %s exists and is not a socket; move it away\n", path);
		return KT_EEXIST;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return KT_ESYS;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (rc == 0) {
		fprintf(stderr,
			"kiemtrad: another server is running with this data directory "
			"(it answers on %s)\n",
			path);
		return KT_EEXIST;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		fprintf(stderr, "kiemtrad: cannot remove the stale %s: %s\n", path,
			strerror(errno));
		return KT_ESYS;
	}
	return 0;
}

static void console_handle_closed(uv_handle_t *h)
{
	struct console *con = h->data;

	con->handles--;
	console_maybe_free(con);
}

static int socket_start(struct console *con)
{
	const char *dir = con->s->cfg.data_dir;
	bool bound = false;
	int n, rc;

	n = snprintf(con->sock_path, sizeof(con->sock_path), "%s/%s", dir, ADMIN_SOCKET_NAME);
	if (n < 0 || (size_t)n >= sizeof(con->sock_path)) {
		fprintf(stderr,
			"kiemtrad: the data directory path is too long for the admin socket "
			"(%zu bytes at most)\n",
			sizeof(con->sock_path) - sizeof(ADMIN_SOCKET_NAME) - 1);
		con->sock_path[0] = '\0';
		return KT_ETOOBIG;
	}
	if ((rc = clear_stale_socket(con->sock_path)) != 0)
		goto fail;
	uv_pipe_init(con->s->loop, &con->listener, 0);
	con->listener.data = con;
	con->handles++;
	con->listening = true;
	rc = uv_pipe_bind(&con->listener, con->sock_path);
	if (rc == 0) {
		bound = true;
		if (chmod(con->sock_path, 0600) != 0)
			rc = uv_translate_sys_error(errno);
	}
	if (rc == 0)
		rc = uv_listen((uv_stream_t *)&con->listener, ADMIN_MAX_CONNS, on_admin_connection);
	if (rc != 0) {
		fprintf(stderr, "kiemtrad: cannot listen on %s: %s\n", con->sock_path,
			uv_strerror(rc));
		rc = KT_ESYS;
		goto fail;
	}
	return 0;
fail:
	/* console_stop() removes the file only when it is ours. */
	if (!bound)
		con->sock_path[0] = '\0';
	return rc;
}

/* ---- the interactive console -------------------------------------------------- */

static void tty_on_line(char *line);
static void tty_poll(uv_poll_t *p, int status, int events);

static void tty_prompt(struct console *con)
{
	if (!con->tty || con->stopping || con->busy)
		return;
	rl_callback_handler_install(PROMPT, tty_on_line);
	uv_poll_start(&con->poll, UV_READABLE | UV_DISCONNECT, tty_poll);
}

/* The terminal is gone (hung up): the server goes on, administered through the socket. */
static void tty_lost(struct console *con)
{
	if (!con->tty)
		return;
	rl_callback_handler_remove();
	con->tty = false;
	uv_close((uv_handle_t *)&con->poll, console_handle_closed);
	fcntl(0, F_SETFL, con->stdin_flags);
	fprintf(stderr, "kiemtrad: the console's terminal is gone; use 'kiemtrad admin'\n");
}

static void tty_command_done(struct admin_out *o)
{
	struct console *con = o->arg;

	if (o->out.len)
		fwrite(o->out.data, 1, o->out.len, stdout);
	fflush(stdout);
	if (o->err.len)
		fwrite(o->err.data, 1, o->err.len, stderr);
	fflush(stderr);
	admin_out_fini(o);
	con->busy = false;
	if (con->stopping)
		console_maybe_free(con);
	else
		tty_prompt(con);
}

static void tty_on_line(char *line)
{
	struct console *con = tty_console;
	char err[256], **argv = NULL;
	int argc = 0;

	if (!con || con->stopping) {
		free(line);
		return;
	}
	if (!line) {
		printf("\n(type 'shutdown' to stop the server)\n");
		fflush(stdout);
		if (++con->eofs >= EOF_MAX)
			tty_lost(con);
		else
			tty_prompt(con);
		return;
	}
	con->eofs = 0;
	if (admin_tokenize(line, &argc, &argv, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		fflush(stderr);
		goto out;
	}
	if (argc == 0)
		goto out;
	add_history(line);
	if (con->history[0])
		write_history(con->history);
	/* No prompt and no reading while the command runs; tty_command_done() goes on. */
	con->busy = true;
	rl_callback_handler_remove();
	uv_poll_stop(&con->poll);
	admin_out_init(&con->out, tty_command_done, con);
	admin_run(con->s, argc, argv, NULL, 0, &con->out);
	admin_argv_free(argc, argv);
	free(line);
	return;
out:
	admin_argv_free(argc, argv);
	free(line);
	tty_prompt(con);
}

static void tty_poll(uv_poll_t *p, int status, int events)
{
	struct console *con = p->data;

	if (status < 0 || (events & UV_DISCONNECT)) {
		tty_lost(con);
		return;
	}
	if (events & UV_READABLE)
		rl_callback_read_char();
}

/* Tab completion of command words, then of the options of the command typed. */
static char *complete_words[64];
static size_t complete_count, complete_next;

static void complete_add(const char *w, size_t n)
{
	for (size_t i = 0; i < complete_count; i++)
		if (strlen(complete_words[i]) == n && strncmp(complete_words[i], w, n) == 0)
			return;
	if (complete_count < sizeof(complete_words) / sizeof(complete_words[0]))
		complete_words[complete_count++] = strndup(w, n);
}

static char *complete_gen(const char *text, int state)
{
	size_t n = strlen(text);

	if (state == 0)
		complete_next = 0;
	while (complete_next < complete_count) {
		const char *w = complete_words[complete_next++];

		if (w && strncmp(w, text, n) == 0)
			return strdup(w);
	}
	return NULL;
}

static char **complete(const char *text, int start, int end)
{
	char *before = strndup(rl_line_buffer, (size_t)start), err[64], **argv = NULL;
	const struct admin_cmd *cmd;
	int argc = 0, nwords, skip;
	char **matches = NULL;

	rl_attempted_completion_over = 1;
	for (size_t i = 0; i < complete_count; i++)
		free(complete_words[i]);
	complete_count = 0;
	if (!before || admin_tokenize(before, &argc, &argv, err, sizeof(err)) != 0)
		goto out;
	/* After "help", command words again. */
	skip = argc > 0 && strcmp(argv[0], "help") == 0;
	/* The next word of every command whose first words are the ones typed. */
	for (size_t i = 0; (cmd = admin_cmd_at(i)); i++) {
		const char *p = cmd->words;
		int k = skip;

		while (*p && k < argc) {
			size_t len = strcspn(p, " ");

			if (strlen(argv[k]) != len || strncmp(argv[k], p, len) != 0)
				break;
			k++;
			p += len;
			p += strspn(p, " ");
		}
		if (k == argc && *p)
			complete_add(p, strcspn(p, " "));
	}
	/* A whole command typed: its options. */
	cmd = skip ? NULL : admin_cmd_lookup(argc, argv, &nwords, err, sizeof(err));
	if (cmd && !complete_count && cmd->options && text[0] == '-') {
		for (const char *p = cmd->options; *p;) {
			size_t len = strcspn(p, " "), n = len && p[len - 1] == '=' ? len - 1 : len;
			char opt[40];

			if (n + 3 <= sizeof(opt)) {
				snprintf(opt, sizeof(opt), "--%.*s", (int)n, p);
				complete_add(opt, strlen(opt));
			}
			p += len;
			p += strspn(p, " ");
		}
		complete_add("--help", 6);
	}
	if (complete_count)
		matches = rl_completion_matches(text, complete_gen);
out:
	admin_argv_free(argc, argv);
	free(before);
	return matches;
}

static void tty_first_prompt(uv_timer_t *t)
{
	struct console *con = t->data;

	con->first_open = false;
	uv_close((uv_handle_t *)&con->first, console_handle_closed);
	if (!con->tty)
		return;
	printf("kiemtrad %s console: 'help' lists the commands, 'shutdown' stops the server\n",
	       KT_VERSION);
	fflush(stdout);
	tty_prompt(con);
}

static int tty_start(struct console *con)
{
	const char *dir = con->s->cfg.data_dir;
	int n, fd;

	n = snprintf(con->history, sizeof(con->history), "%s/%s", dir, ADMIN_HISTORY_NAME);
	if (n < 0 || (size_t)n >= sizeof(con->history))
		con->history[0] = '\0';
	/* Create the history file 0600 before libedit writes it (fopen would use 0666). */
	if (con->history[0]) {
		fd = open(con->history, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
		if (fd >= 0) {
			fchmod(fd, 0600);
			close(fd);
		}
	}
	con->stdin_flags = fcntl(0, F_GETFL);
	if (con->stdin_flags < 0 || uv_poll_init(con->s->loop, &con->poll, 0) != 0) {
		fprintf(stderr, "kiemtrad: cannot watch the terminal; the console is off\n");
		return KT_ESYS;
	}
	con->poll.data = con;
	con->handles++;
	con->tty = true;
	tty_console = con;
	/* libedit reads multibyte text only in a multibyte locale: main() set UTF-8. */
	rl_catch_signals = 0; /* the loop's signal handlers stay in charge */
	rl_readline_name = "kiemtrad";
	rl_attempted_completion_function = complete;
	using_history();
	stifle_history(HISTORY_MAX);
	if (con->history[0])
		read_history(con->history);
	/*
	 * After what the server prints on its way to the loop: so the prompt is
	 * the last line on the terminal.
	 */
	uv_timer_init(con->s->loop, &con->first);
	con->first.data = con;
	con->handles++;
	con->first_open = true;
	uv_timer_start(&con->first, tty_first_prompt, 0, 0);
	return 0;
}

/* ---- start and stop ----------------------------------------------------------- */

int console_start(struct server *s, bool interactive)
{
	struct console *con = calloc(1, sizeof(*con));
	int rc;

	if (!con) {
		fprintf(stderr, "kiemtrad: out of memory\n");
		return KT_ENOMEM;
	}
	con->s = s;
	s->console = con;
	rc = socket_start(con);
	if (rc != 0) {
		console_stop(con);
		return rc;
	}
	/*
	 * A console that cannot start is not fatal: the admin socket is there. A
	 * server started in the background (kiemtrad &) would be stopped by
	 * SIGTTIN at its first read of the terminal, so it has no console.
	 */
	if (interactive && isatty(0) && isatty(1)) {
		if (tcgetpgrp(0) == getpgrp())
			tty_start(con);
		else
			fprintf(stderr, "kiemtrad: running in the background: no console; use "
					"'kiemtrad admin'\n");
	}
	return 0;
}

void console_stop(struct console *con)
{
	struct admin_conn *ac, *next;

	if (!con || con->stopping)
		return;
	con->stopping = true;
	if (con->s->console == con)
		con->s->console = NULL;
	if (con->first_open) {
		con->first_open = false;
		uv_close((uv_handle_t *)&con->first, console_handle_closed);
	}
	if (con->tty) {
		rl_callback_handler_remove();
		if (con->history[0])
			write_history(con->history);
		con->tty = false;
		uv_close((uv_handle_t *)&con->poll, console_handle_closed);
		fcntl(0, F_SETFL, con->stdin_flags);
	}
	if (con->listening) {
		con->listening = false;
		uv_close((uv_handle_t *)&con->listener, console_handle_closed);
		if (con->sock_path[0])
			unlink(con->sock_path);
	}
	/* A connection whose command runs closes once it has its answer. */
	for (ac = con->conns; ac; ac = next) {
		next = ac->next;
		if (!ac->running)
			conn_close(ac);
	}
	for (size_t i = 0; i < complete_count; i++)
		free(complete_words[i]);
	complete_count = 0;
	console_maybe_free(con);
}
