/* admin_client.c - see admin_client.h. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "common/status.h"
#include "server/admin_cmds.h"
#include "server/admin_client.h"
#include "server/console.h"

static void put_u32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

int admin_request_encode(int argc, char *const *argv, const char *input, size_t input_len,
			 uint8_t **out, size_t *outlen, char *err, size_t errcap)
{
	size_t total = 8 + input_len;
	uint8_t *buf, *p;

	*out = NULL;
	*outlen = 0;
	if (argc < 0 || argc > ADMIN_MAX_ARGC) {
		snprintf(err, errcap, "more than %d words in the command", ADMIN_MAX_ARGC);
		return KT_ETOOBIG;
	}
	if (input_len > ADMIN_MAX_INPUT) {
		snprintf(err, errcap, "standard input is longer than %d bytes", ADMIN_MAX_INPUT);
		return KT_ETOOBIG;
	}
	for (int i = 0; i < argc; i++) {
		if (strlen(argv[i]) > ADMIN_MAX_ARG) {
			snprintf(err, errcap, "word %d is longer than %d bytes", i + 1,
				 ADMIN_MAX_ARG);
			return KT_ETOOBIG;
		}
		total += 4 + strlen(argv[i]);
	}
	buf = malloc(total);
	if (!buf) {
		snprintf(err, errcap, "out of memory");
		return KT_ENOMEM;
	}
	p = buf;
	put_u32(p, (uint32_t)argc);
	p += 4;
	for (int i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);

		put_u32(p, (uint32_t)n);
		memcpy(p + 4, argv[i], n);
		p += 4 + n;
	}
	put_u32(p, (uint32_t)input_len);
	if (input_len)
		memcpy(p + 4, input, input_len);
	*out = buf;
	*outlen = total;
	return 0;
}

static bool wants_stdin(int argc, char **argv)
{
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return false;
		if (strcmp(argv[i], "--password-stdin") == 0)
			return true;
	}
	return false;
}

/* One line from the terminal without echo, into buf (NUL-terminated, no newline). */
static int read_hidden(const char *prompt, char *buf, size_t cap)
{
	struct termios old, quiet;
	bool restore = false;
	size_t n;
	int rc = -1;

	fputs(prompt, stderr);
	fflush(stderr);
	if (tcgetattr(0, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		quiet.c_lflag |= ECHONL;
		restore = tcsetattr(0, TCSAFLUSH, &quiet) == 0;
	}
	if (!fgets(buf, (int)cap, stdin))
		goto out;
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	rc = 0;
out:
	if (restore)
		tcsetattr(0, TCSAFLUSH, &old);
	return rc;
}

/*
 * Standard input for --password-stdin into *input: asked for twice on a
 * terminal, else read whole (at most ADMIN_MAX_INPUT bytes). Returns 0 or an
 * exit code after printing why.
 */
static int read_input(char **input, size_t *len)
{
	char *buf = calloc(1, ADMIN_MAX_INPUT + 2), again[1100];
	size_t n = 0;
	ssize_t r;
	int rc = ADMIN_EXIT_FAILED;

	*input = NULL;
	*len = 0;
	if (!buf) {
		fprintf(stderr, "kiemtrad admin: out of memory\n");
		return rc;
	}
	if (isatty(0)) {
		if (read_hidden("new password: ", buf, sizeof(again)) != 0 ||
		    read_hidden("the same again: ", again, sizeof(again)) != 0) {
			fprintf(stderr, "kiemtrad admin: no password given\n");
			goto out;
		}
		if (strcmp(buf, again) != 0) {
			fprintf(stderr, "kiemtrad admin: the two passwords differ\n");
			goto out;
		}
		n = strlen(buf);
	} else {
		while (n <= ADMIN_MAX_INPUT) {
			r = read(0, buf + n, ADMIN_MAX_INPUT + 1 - n);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				fprintf(stderr, "kiemtrad admin: cannot read standard input: %s\n",
					strerror(errno));
				goto out;
			}
			if (r == 0)
				break;
			n += (size_t)r;
		}
		if (n > ADMIN_MAX_INPUT) {
			fprintf(stderr, "kiemtrad admin: standard input is longer than %d bytes\n",
				ADMIN_MAX_INPUT);
			rc = ADMIN_EXIT_USAGE;
			goto out;
		}
	}
	*input = buf;
	*len = n;
	buf = NULL;
	rc = 0;
out:
	memset(again, 0, sizeof(again));
	if (buf) {
		memset(buf, 0, ADMIN_MAX_INPUT + 2);
		free(buf);
	}
	return rc;
}

static int send_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read exactly n bytes; 1 when the peer closed first, -1 on error. */
static int recv_all(int fd, uint8_t *p, size_t n)
{
	while (n) {
		ssize_t r = recv(fd, p, n, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			return 1;
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* Print the response records; returns the exit code. */
static int read_response(int fd)
{
	uint8_t head[5], chunk[16384];
	char x[16];

	for (;;) {
		uint32_t len;
		int r = recv_all(fd, head, sizeof(head));

		if (r != 0)
			break;
		len = (uint32_t)head[1] << 24 | (uint32_t)head[2] << 16 | (uint32_t)head[3] << 8 |
		      head[4];
		if (head[0] == ADMIN_RECORD_EXIT) {
			if (len >= sizeof(x) || recv_all(fd, (uint8_t *)x, len) != 0)
				break;
			x[len] = '\0';
			return atoi(x);
		}
		while (len) {
			size_t n = len < sizeof(chunk) ? len : sizeof(chunk);
			FILE *f = head[0] == ADMIN_RECORD_STDERR ? stderr : stdout;

			if (recv_all(fd, chunk, n) != 0)
				goto broken;
			fwrite(chunk, 1, n, f);
			len -= (uint32_t)n;
		}
		fflush(stdout);
		fflush(stderr);
	}
broken:
	fflush(stdout);
	fprintf(stderr, "kiemtrad admin: the server closed the connection before the command "
			"finished\n");
	return ADMIN_EXIT_FAILED;
}

int admin_client_main(const char *data_dir, int argc, char **argv)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char *help[] = {"help", NULL}, *input = NULL, err[256];
	uint8_t *req = NULL;
	size_t reqlen = 0, input_len = 0;
	int fd = -1, n, rc = ADMIN_EXIT_FAILED;

	if (argc == 0) {
		argc = 1;
		argv = help;
	}
	n = snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/%s", data_dir, ADMIN_SOCKET_NAME);
	if (n < 0 || (size_t)n >= sizeof(sa.sun_path)) {
		fprintf(stderr, "kiemtrad admin: the data directory path %s is too long\n",
			data_dir);
		rc = ADMIN_EXIT_USAGE;
		goto out;
	}
	if (wants_stdin(argc, argv) && (rc = read_input(&input, &input_len)) != 0)
		goto out;
	rc = admin_request_encode(argc, argv, input, input_len, &req, &reqlen, err, sizeof(err));
	if (rc != 0) {
		fprintf(stderr, "kiemtrad admin: %s\n", err);
		rc = ADMIN_EXIT_USAGE;
		goto out;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "kiemtrad admin: socket: %s\n", strerror(errno));
		rc = ADMIN_EXIT_FAILED;
		goto out;
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		if (errno == ENOENT || errno == ECONNREFUSED || errno == ENOTDIR)
			fprintf(stderr,
				"no server running with data directory %s (no admin socket)\n",
				data_dir);
		else if (errno == EACCES)
			fprintf(stderr,
				"kiemtrad admin: cannot connect to %s: %s (run the command "
				"as the server's user)\n",
				sa.sun_path, strerror(errno));
		else
			fprintf(stderr, "kiemtrad admin: cannot connect to %s: %s\n", sa.sun_path,
				strerror(errno));
		rc = ADMIN_EXIT_NO_SERVER;
		goto out;
	}
	if (send_all(fd, req, reqlen) != 0) {
		/* The server may have refused us already: its answer says why. */
		if (errno != EPIPE && errno != ECONNRESET) {
			fprintf(stderr, "kiemtrad admin: cannot send the command: %s\n",
				strerror(errno));
			rc = ADMIN_EXIT_FAILED;
			goto out;
		}
	}
	shutdown(fd, SHUT_WR);
	rc = read_response(fd);
out:
	if (fd >= 0)
		close(fd);
	if (req) {
		memset(req, 0, reqlen);
		free(req);
	}
	if (input) {
		memset(input, 0, input_len);
		free(input);
	}
	return rc;
}
