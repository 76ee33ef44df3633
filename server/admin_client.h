/*
 * admin_client.h - `kiemtrad admin COMMAND...`: send one command to the admin
 * socket of the server running on a data directory, print its answer, and
 * exit with the command's exit code. The wire format is in console.h.
 *
 * Owns nothing past the call: a plain POSIX socket (no libuv), closed before
 * returning; the password read for --password-stdin is wiped after sending.
 */
#ifndef KT_ADMIN_CLIENT_H
#define KT_ADMIN_CLIENT_H

#include <stddef.h>
#include <stdint.h>

/* Exit code when no server answers on the data directory. */
#define ADMIN_EXIT_NO_SERVER 3

/*
 * Run argv[0..argc) (the words after `kiemtrad admin [--data DIR]`) on the
 * server of data_dir. Standard input is read, and sent, only when a word is
 * --password-stdin; on a terminal it is asked for twice without echo.
 * Returns the command's exit code: 0 ok, 1 failed, 2 usage error, 3 no
 * server running with that data directory.
 */
int admin_client_main(const char *data_dir, int argc, char **argv);

/*
 * Encode a request (see console.h). *out is the caller's to free. Returns 0,
 * or KT_ETOOBIG / KT_EINVAL / KT_ENOMEM with a sentence in err.
 */
int admin_request_encode(int argc, char *const *argv, const char *input, size_t input_len,
			 uint8_t **out, size_t *outlen, char *err, size_t errcap);

#endif
