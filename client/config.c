/* config.c - see config.h. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "client/config.h"
#include "client/util.h"
#include "common/keyfile.h"
#include "common/status.h"
#include "common/text.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

int kt_kv_parse(const char *text, size_t len, kt_kv_fn fn, void *arg, char *err, size_t errcap)
{
	char line[1024], sub[256];
	size_t pos = 0;
	int lineno = 0, rc;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *k, *v, *eq, *end;

		lineno++;
		if (n >= sizeof(line)) {
			snprintf(err, errcap, "line %d: too long", lineno);
			return KT_EINVAL;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if (!kt_utf8_valid(line, n)) {
			snprintf(err, errcap, "line %d: not valid UTF-8 text", lineno);
			return KT_EINVAL;
		}
		k = line;
		while (is_space(*k))
			k++;
		if (*k == '\0' || *k == '#')
			continue;
		eq = strchr(k, '=');
		if (!eq) {
			snprintf(err, errcap, "line %d: expected 'key = value'", lineno);
			return KT_EINVAL;
		}
		for (end = eq; end > k && is_space(end[-1]); end--)
			;
		*end = '\0';
		if (*k == '\0') {
			snprintf(err, errcap, "line %d: no key before '='", lineno);
			return KT_EINVAL;
		}
		v = eq + 1;
		while (is_space(*v))
			v++;
		for (end = v + strlen(v); end > v && is_space(end[-1]); end--)
			;
		*end = '\0';
		sub[0] = '\0';
		rc = fn(arg, k, v, sub, sizeof(sub));
		if (rc != KT_OK) {
			snprintf(err, errcap, "line %d: %s", lineno, sub);
			sodium_memzero(line, sizeof(line));
			return rc;
		}
	}
	sodium_memzero(line, sizeof(line));
	return KT_OK;
}

static int copy_value(char *dst, size_t cap, const char *key, const char *v, char *err,
		      size_t errcap)
{
	if (v[0] == '\0') {
		snprintf(err, errcap, "'%s' has an empty value", key);
		return KT_EINVAL;
	}
	if (strlen(v) >= cap) {
		snprintf(err, errcap, "'%s' is longer than %zu bytes", key, cap - 1);
		return KT_EINVAL;
	}
	if (kt_text_check(v, strlen(v), cap - 1, KT_TEXT_NONEMPTY) != KT_OK) {
		snprintf(err, errcap, "'%s' is not valid single-line text", key);
		return KT_EINVAL;
	}
	memcpy(dst, v, strlen(v) + 1);
	return KT_OK;
}

static int parse_int(const char *s, long long lo, long long hi, long long *out)
{
	char *end;
	long long v;

	if (!*s)
		return KT_EINVAL;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v < lo || v > hi)
		return KT_EINVAL;
	*out = v;
	return KT_OK;
}

static int config_kv(void *arg, const char *key, const char *v, char *err, size_t errcap)
{
	struct kt_config *cfg = arg;
	struct kt_server_addr a;
	long long n;

	if (strcmp(key, "server") == 0) {
		if (kt_server_parse(v, &a) != KT_OK) {
			snprintf(err, errcap, "server '%.64s' is not HOST:PORT", v);
			return KT_EINVAL;
		}
		snprintf(cfg->server, sizeof(cfg->server), "%s", a.hostport);
		return KT_OK;
	}
	if (strcmp(key, "user") == 0)
		return copy_value(cfg->user, sizeof(cfg->user), key, v, err, errcap);
	if (strcmp(key, "device_name") == 0)
		return copy_value(cfg->device_name, sizeof(cfg->device_name), key, v, err, errcap);
	if (strcmp(key, "timeout_ms") == 0) {
		if (parse_int(v, 1, KT_MAX_TIMEOUT_MS, &n) != KT_OK) {
			snprintf(err, errcap,
				 "timeout_ms must be a number of milliseconds "
				 "(1..%d)",
				 KT_MAX_TIMEOUT_MS);
			return KT_EINVAL;
		}
		cfg->timeout_ms = (int)n;
		return KT_OK;
	}
	snprintf(err, errcap, "unknown key '%.64s' (known: server, user, device_name, timeout_ms)",
		 key);
	return KT_EINVAL;
}

int kt_config_parse(const char *text, size_t len, struct kt_config *cfg, char *err, size_t errcap)
{
	memset(cfg, 0, sizeof(*cfg));
	return kt_kv_parse(text, len, config_kv, cfg, err, errcap);
}

int kt_config_load(const char *path, struct kt_config *cfg, char *err, size_t errcap)
{
	char *text = NULL, sub[320];
	size_t len;
	int rc;

	memset(cfg, 0, sizeof(*cfg));
	rc = kt_read_file(path, 1 << 16, &text, &len);
	if (rc == KT_ENOTFOUND)
		return KT_OK;
	if (rc != KT_OK) {
		snprintf(err, errcap, "cannot read %s: %s", path,
			 rc == KT_ETOOBIG ? "file too large" : strerror(errno));
		return rc == KT_ETOOBIG ? KT_EINVAL : KT_ESYS;
	}
	sub[0] = '\0';
	rc = kt_config_parse(text, len, cfg, sub, sizeof(sub));
	if (rc != KT_OK)
		snprintf(err, errcap, "%s %s", path, sub);
	free(text);
	return rc;
}

int kt_home_resolve(const char *opt, char *out, size_t cap, char *err, size_t errcap)
{
	const char *env, *home;
	struct passwd *pw;
	int n;

	if (opt && opt[0]) {
		n = snprintf(out, cap, "%s", opt);
	} else if ((env = getenv("KIEMTRA_HOME")) && env[0]) {
		n = snprintf(out, cap, "%s", env);
	} else if ((env = getenv("XDG_CONFIG_HOME")) && env[0] == '/') {
		n = snprintf(out, cap, "%s/kiemtra", env);
	} else {
		home = getenv("HOME");
		if ((!home || !home[0]) && (pw = getpwuid(getuid())))
			home = pw->pw_dir;
		if (!home || !home[0]) {
			snprintf(err, errcap,
				 "cannot find a home directory: set HOME or "
				 "KIEMTRA_HOME, or pass --home DIR");
			return KT_EINVAL;
		}
		n = snprintf(out, cap, "%s/.config/kiemtra", home);
	}
	if (n < 0 || (size_t)n >= cap) {
		snprintf(err, errcap, "client home path is too long");
		return KT_EINVAL;
	}
	return KT_OK;
}

static int make_dir(const char *path, char *err, size_t errcap)
{
	struct stat sb;

	if (kt_mkdirs(path, 0700) != KT_OK || stat(path, &sb) != 0) {
		snprintf(err, errcap, "cannot create directory %s: %s", path, strerror(errno));
		return KT_ESYS;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errcap, "%s is not a directory", path);
		return KT_ESYS;
	}
	return KT_OK;
}

int kt_home_create(const char *home, char *err, size_t errcap)
{
	char sessions[KT_PATH_MAX];
	int rc;

	rc = make_dir(home, err, errcap);
	if (rc != KT_OK)
		return rc;
	if ((size_t)snprintf(sessions, sizeof(sessions), "%s/sessions", home) >= sizeof(sessions)) {
		snprintf(err, errcap, "client home path is too long");
		return KT_ESYS;
	}
	return make_dir(sessions, err, errcap);
}

int kt_server_parse(const char *s, struct kt_server_addr *a)
{
	const char *host, *port = KT_DEFAULT_PORT, *p;
	size_t hlen;
	long long n;

	memset(a, 0, sizeof(*a));
	if (s[0] == '[') {
		p = strchr(s, ']');
		if (!p)
			return KT_EINVAL;
		host = s + 1;
		hlen = (size_t)(p - host);
		if (p[1] == ':')
			port = p + 2;
		else if (p[1] != '\0')
			return KT_EINVAL;
	} else {
		host = s;
		p = strchr(s, ':');
		if (p && strchr(p + 1, ':'))
			return KT_EINVAL; /* a bare IPv6 address needs brackets */
		hlen = p ? (size_t)(p - s) : strlen(s);
		if (p)
			port = p + 1;
	}
	if (hlen == 0 || hlen >= sizeof(a->host) || strlen(port) >= sizeof(a->port))
		return KT_EINVAL;
	for (p = host; p < host + hlen; p++)
		if ((unsigned char)*p <= ' ' || *p == '/' || *p == '[' || *p == ']' ||
		    (unsigned char)*p >= 0x7f)
			return KT_EINVAL;
	for (p = port; *p; p++)
		if (*p < '0' || *p > '9')
			return KT_EINVAL;
	if (parse_int(port, 1, 65535, &n) != KT_OK)
		return KT_EINVAL;
	memcpy(a->host, host, hlen);
	a->host[hlen] = '\0';
	snprintf(a->port, sizeof(a->port), "%lld", n);
	if (strchr(a->host, ':'))
		snprintf(a->hostport, sizeof(a->hostport), "[%s]:%s", a->host, a->port);
	else
		snprintf(a->hostport, sizeof(a->hostport), "%s:%s", a->host, a->port);
	return KT_OK;
}

int kt_session_path(const char *home, const struct kt_server_addr *a, char *out, size_t cap)
{
	char name[sizeof(a->host) + sizeof(a->port) + 1];
	size_t i;
	int n;

	for (i = 0; a->host[i]; i++) {
		char c = a->host[i];

		name[i] = ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '.' || c == '-')
			      ? c
			      : '_';
	}
	name[i] = '\0';
	n = snprintf(out, cap, "%s/sessions/%s_%s", home, name, a->port);
	return n < 0 || (size_t)n >= cap ? KT_EINVAL : KT_OK;
}

struct session_parse {
	struct kt_session *s;
	bool user, token, expires;
};

static int session_kv(void *arg, const char *key, const char *v, char *err, size_t errcap)
{
	struct session_parse *sp = arg;
	size_t binlen = 0;
	long long n;

	if (strcmp(key, "user") == 0) {
		sp->user = true;
		return copy_value(sp->s->user, sizeof(sp->s->user), key, v, err, errcap);
	}
	if (strcmp(key, "token") == 0) {
		if (strlen(v) != 64 ||
		    sodium_hex2bin(sp->s->token, sizeof(sp->s->token), v, 64, NULL, &binlen,
				   NULL) != 0 ||
		    binlen != 32) {
			snprintf(err, errcap, "token must be 64 hex digits");
			return KT_EINVAL;
		}
		sp->token = true;
		return KT_OK;
	}
	if (strcmp(key, "expires_at") == 0) {
		if (parse_int(v, 0, INT64_MAX, &n) != KT_OK) {
			snprintf(err, errcap, "expires_at must be milliseconds since the epoch");
			return KT_EINVAL;
		}
		sp->s->expires_at = n;
		sp->expires = true;
		return KT_OK;
	}
	snprintf(err, errcap, "unknown key '%.64s'", key);
	return KT_EINVAL;
}

int kt_session_parse(const char *text, size_t len, struct kt_session *s, char *err, size_t errcap)
{
	struct session_parse sp = {.s = s};
	int rc;

	memset(s, 0, sizeof(*s));
	rc = kt_kv_parse(text, len, session_kv, &sp, err, errcap);
	if (rc == KT_OK && !(sp.user && sp.token && sp.expires)) {
		snprintf(err, errcap, "needs user, token and expires_at");
		rc = KT_EINVAL;
	}
	if (rc != KT_OK)
		kt_session_wipe(s);
	return rc;
}

int kt_session_load(const char *path, struct kt_session *s, char *err, size_t errcap)
{
	char *text = NULL, sub[256];
	size_t len = 0;
	int rc;

	memset(s, 0, sizeof(*s));
	rc = kt_read_file(path, 4096, &text, &len);
	if (rc == KT_ENOTFOUND)
		return rc;
	if (rc != KT_OK) {
		snprintf(err, errcap, "cannot read session file %s: %s", path,
			 rc == KT_ETOOBIG ? "file too large" : strerror(errno));
		return rc == KT_ETOOBIG ? KT_EINVAL : KT_ESYS;
	}
	sub[0] = '\0';
	rc = kt_session_parse(text, len, s, sub, sizeof(sub));
	if (rc != KT_OK)
		snprintf(err, errcap, "session file %s is damaged (%s)", path, sub);
	sodium_memzero(text, len);
	free(text);
	return rc;
}

int kt_session_save(const char *path, const struct kt_session *s, char *err, size_t errcap)
{
	char buf[KT_NAME_MAX + 192], hex[65];
	int n, rc;

	sodium_bin2hex(hex, sizeof(hex), s->token, sizeof(s->token));
	n = snprintf(buf, sizeof(buf), "user = %s\ntoken = %s\nexpires_at = %lld\n", s->user, hex,
		     (long long)s->expires_at);
	rc = kt_write_file_atomic(path, buf, (size_t)n, 0600);
	if (rc != KT_OK)
		snprintf(err, errcap, "cannot save the session in %s: %s", path, strerror(errno));
	sodium_memzero(hex, sizeof(hex));
	sodium_memzero(buf, sizeof(buf));
	return rc;
}

int kt_session_delete(const char *path)
{
	if (unlink(path) != 0 && errno != ENOENT)
		return KT_ESYS;
	return KT_OK;
}

void kt_session_wipe(struct kt_session *s)
{
	if (s)
		sodium_memzero(s, sizeof(*s));
}
