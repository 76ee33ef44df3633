/*
 * config.h - the client home directory, its config file, server addresses and
 * the stored sessions.
 *
 * Home: --home DIR, else $KIEMTRA_HOME, else $XDG_CONFIG_HOME/kiemtra, else
 * ~/.config/kiemtra; created mode 0700. It holds:
 *
 *   config               "key = value" lines, '#' comments (see kt_config)
 *   device.key           this installation's X25519 device key (0600)
 *   known_servers        pinned server keys (known_servers.h)
 *   sessions/HOST_PORT   the session for one server (0600):
 *                          user = NAME
 *                          token = 64 hex digits
 *                          expires_at = milliseconds since the epoch
 *
 * Owns nothing on the heap: every structure here is fixed-size and belongs to
 * the caller. A kt_session holds a secret token: wipe it (kt_session_wipe).
 */
#ifndef KT_CLIENT_CONFIG_H
#define KT_CLIENT_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/known_servers.h"

#define KT_DEFAULT_SERVER "127.0.0.1:7447"
#define KT_DEFAULT_PORT "7447"
#define KT_DEFAULT_TIMEOUT_MS 10000
#define KT_MAX_TIMEOUT_MS 3600000
#define KT_NAME_MAX 128 /* user names and device names, bytes with the NUL */
#define KT_PATH_MAX 4096

struct kt_config {
	char server[KT_HOSTPORT_MAX];  /* "" when unset */
	char user[KT_NAME_MAX];	       /* "" when unset */
	char device_name[KT_NAME_MAX]; /* "" when unset */
	int timeout_ms;		       /* 0 when unset */
};

/*
 * Parse config text. Keys: server, user, device_name, timeout_ms. White space
 * around keys and values is ignored; a value may contain spaces. Unknown keys,
 * lines without '=', invalid UTF-8 and bad values are errors: KT_EINVAL with err
 * "line N: ...". cfg is zeroed first.
 */
int kt_config_parse(const char *text, size_t len, struct kt_config *cfg, char *err, size_t errcap);
/* Load path (a missing file is an empty config). 0, KT_EINVAL or KT_ESYS; err names the file. */
int kt_config_load(const char *path, struct kt_config *cfg, char *err, size_t errcap);

/*
 * Callback for each "key = value" line of a key-value file (config, sessions):
 * return 0 to go on, or a KT_E* code after writing a reason (without the line
 * number) to err.
 */
typedef int (*kt_kv_fn)(void *arg, const char *key, const char *value, char *err, size_t errcap);
int kt_kv_parse(const char *text, size_t len, kt_kv_fn fn, void *arg, char *err, size_t errcap);

/* Where the home is (not created). 0 or KT_EINVAL (no HOME; path too long). */
int kt_home_resolve(const char *opt, char *out, size_t cap, char *err, size_t errcap);
/* Create home (0700) and home/sessions (0700) if missing. 0 or KT_ESYS. */
int kt_home_create(const char *home, char *err, size_t errcap);

struct kt_server_addr {
	char host[256]; /* without brackets */
	char port[6];
	char hostport[KT_HOSTPORT_MAX]; /* canonical "host:port" or "[v6]:port" */
};

/*
 * Parse "HOST:PORT", "[V6ADDR]:PORT", or a bare HOST / [V6ADDR] (port 7447).
 * The port must be 1..65535. 0 or KT_EINVAL.
 */
int kt_server_parse(const char *s, struct kt_server_addr *a);

struct kt_session {
	char user[KT_NAME_MAX];
	uint8_t token[32];
	int64_t expires_at;
};

/* home/sessions/HOST_PORT, with every byte of HOST outside [A-Za-z0-9.-] as '_'. */
int kt_session_path(const char *home, const struct kt_server_addr *a, char *out, size_t cap);
/* Parse a session file's text. 0 or KT_EINVAL. */
int kt_session_parse(const char *text, size_t len, struct kt_session *s, char *err, size_t errcap);
/* 0, KT_ENOTFOUND (no session), KT_EINVAL (damaged) or KT_ESYS. */
int kt_session_load(const char *path, struct kt_session *s, char *err, size_t errcap);
/* Write atomically with mode 0600. 0 or KT_ESYS. */
int kt_session_save(const char *path, const struct kt_session *s, char *err, size_t errcap);
/* Remove the file; a missing file is fine. 0 or KT_ESYS. */
int kt_session_delete(const char *path);
void kt_session_wipe(struct kt_session *s);

#endif
