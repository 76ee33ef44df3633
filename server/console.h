/*
 * console.h - the administrator's two front ends to the commands of
 * admin_cmds.c: the interactive console on the server's terminal, and the
 * admin socket that `kiemtrad admin` (admin_client.c) talks to.
 *
 * Owns: struct console (kept in s->console): libedit's callback state and a
 * uv_poll_t on standard input (only when stdin is a terminal), the history
 * file <data>/console_history (0600), the listening uv_pipe_t at
 * <data>/admin.sock (0600; removed at stop) and every admin connection with
 * its buffers. console_stop() closes the terminal, the listener and every
 * idle admin connection with uv_close(); an admin connection whose command
 * still runs gets its answer first, then closes (a running command always
 * finishes, with KT_ESHUTDOWN at worst). The memory is freed in the close
 * callbacks once no handle is open and no command runs.
 *
 * The console runs one command at a time: while a command runs, the prompt
 * is gone and standard input is not read; the output is printed when the
 * command finishes, and the prompt comes back. Ctrl-D prints a hint and does
 * not stop the server; 'shutdown' does.
 *
 * Admin socket: only a peer with the server's own uid, or root, is served
 * (SO_PEERCRED); at most ADMIN_MAX_CONNS connections at once; a request must
 * arrive within ADMIN_REQUEST_TIMEOUT_MS.
 *
 * Wire format (every integer is a u32, big-endian):
 *
 *   request   argc                                  argc <= ADMIN_MAX_ARGC (64)
 *             argc times: length, bytes             each <= ADMIN_MAX_ARG (4096), no NUL
 *             length, bytes of standard input       <= ADMIN_MAX_INPUT (65536)
 *
 *   response  records: u8 kind, length, bytes
 *               'o'  text for standard output
 *               'e'  text for standard error
 *               'x'  the exit code as decimal text ("0", "1", "2"); always
 *                    the last record, after which the server closes.
 *
 * A request over a limit, malformed, followed by extra bytes, or not
 * complete in time gets an 'e' record saying why and 'x' "2"; a refused peer
 * gets 'e' and 'x' "1".
 */
#ifndef KT_CONSOLE_H
#define KT_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct server;
struct console;

#define ADMIN_SOCKET_NAME "admin.sock"
#define ADMIN_HISTORY_NAME "console_history"
#define ADMIN_MAX_CONNS 16
#define ADMIN_REQUEST_TIMEOUT_MS 30000
#define ADMIN_RECORD_STDOUT 'o'
#define ADMIN_RECORD_STDERR 'e'
#define ADMIN_RECORD_EXIT 'x'

/*
 * Start the admin socket, and the interactive console when interactive is
 * set and standard input and output are terminals. Sets s->console. Returns 0,
 * or a KT_E* code after printing the reason to stderr (e.g. another server
 * answers on the admin socket of the same data directory).
 */
int console_start(struct server *s, bool interactive);
/* Close everything (see above); clears s->console. NULL is fine. */
void console_stop(struct console *con);

/* A parsed request; argv has argc words and a NULL, input input_len bytes and a NUL. */
struct admin_request {
	int argc;
	char **argv;
	char *input;
	size_t input_len;
};

/*
 * Parse buf[0..len): 1 when a whole request was parsed into req (free it with
 * admin_request_free()), 0 when more bytes are needed, or a negative KT_E*
 * code with a sentence in err (over a limit, a NUL in an argument, extra
 * bytes after the request).
 */
int admin_request_parse(const uint8_t *buf, size_t len, struct admin_request *req, char *err,
			size_t errcap);
void admin_request_free(struct admin_request *req); /* NULL is fine */

#endif
