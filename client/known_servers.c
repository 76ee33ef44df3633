/* known_servers.c - see known_servers.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "client/known_servers.h"
#include "client/util.h"
#include "common/status.h"

bool kt_fingerprint_valid(const char *fp)
{
	size_t i;

	if (strncmp(fp, "SHA256:", 7) != 0 || strlen(fp) != KT_FINGERPRINT_LEN - 1)
		return false;
	for (i = 7; fp[i]; i++) {
		char c = fp[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '/'))
			return false;
	}
	return true;
}

/* A HOST:PORT: non-empty host, a port of 1..5 digits, no white space. */
static bool hostport_valid(const char *s)
{
	const char *colon = strrchr(s, ':');
	size_t i, n;

	if (!colon || colon == s || strlen(s) >= KT_HOSTPORT_MAX)
		return false;
	n = strlen(colon + 1);
	if (n == 0 || n > 5)
		return false;
	for (i = 0; i < n; i++)
		if (colon[1 + i] < '0' || colon[1 + i] > '9')
			return false;
	return true;
}

static int parse_line(char *line, int lineno, struct kt_known_server *e, char *err, size_t errcap)
{
	char *tok[4], *save = NULL, *p;
	char fp[KT_FINGERPRINT_LEN];
	size_t ntok = 0, binlen = 0;

	for (p = strtok_r(line, " \t\r", &save); p; p = strtok_r(NULL, " \t\r", &save)) {
		if (ntok == 4)
			break;
		tok[ntok++] = p;
	}
	if (ntok != 3) {
		snprintf(err, errcap,
			 "line %d: expected 'HOST:PORT SHA256:... HEXKEY', found %zu fields",
			 lineno, ntok);
		return KT_EINVAL;
	}
	if (!hostport_valid(tok[0])) {
		snprintf(err, errcap, "line %d: '%.64s' is not HOST:PORT", lineno, tok[0]);
		return KT_EINVAL;
	}
	if (!kt_fingerprint_valid(tok[1])) {
		snprintf(err, errcap, "line %d: '%.64s' is not a SHA256: fingerprint", lineno,
			 tok[1]);
		return KT_EINVAL;
	}
	if (strlen(tok[2]) != 64 ||
	    sodium_hex2bin(e->pub, sizeof(e->pub), tok[2], 64, NULL, &binlen, NULL) != 0 ||
	    binlen != 32) {
		snprintf(err, errcap, "line %d: the key must be 64 hex digits", lineno);
		return KT_EINVAL;
	}
	kt_fingerprint(e->pub, fp);
	if (strcmp(fp, tok[1]) != 0) {
		snprintf(err, errcap,
			 "line %d: fingerprint %s is not the fingerprint of the key "
			 "on that line (%s)",
			 lineno, tok[1], fp);
		return KT_EINVAL;
	}
	snprintf(e->hostport, sizeof(e->hostport), "%s", tok[0]);
	memcpy(e->fingerprint, fp, sizeof(fp));
	e->line = lineno;
	return KT_OK;
}

int kt_known_parse(const char *text, size_t len, struct kt_known_servers *ks, char *err,
		   size_t errcap)
{
	int rc = KT_ENOMEM, lineno = 0;
	size_t pos = 0, cap = 0;
	char line[1024];

	ks->v = NULL;
	ks->n = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		size_t i = 0;

		lineno++;
		if (n >= sizeof(line)) {
			snprintf(err, errcap, "line %d: too long", lineno);
			rc = KT_EINVAL;
			goto out;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if (strlen(line) != n) {
			snprintf(err, errcap, "line %d: contains a NUL byte", lineno);
			rc = KT_EINVAL;
			goto out;
		}
		while (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')
			i++;
		if (line[i] == '\0' || line[i] == '#')
			continue;
		if (ks->n == cap) {
			size_t ncap = cap ? cap * 2 : 8;
			struct kt_known_server *nv = realloc(ks->v, ncap * sizeof(*nv));

			if (!nv)
				goto out;
			ks->v = nv;
			cap = ncap;
		}
		rc = parse_line(line + i, lineno, &ks->v[ks->n], err, errcap);
		if (rc != KT_OK)
			goto out;
		ks->n++;
	}
	rc = KT_OK;
out:
	if (rc != KT_OK)
		kt_known_free(ks);
	return rc;
}

int kt_known_load(const char *path, struct kt_known_servers *ks, char *err, size_t errcap)
{
	char *text = NULL, sub[512];
	size_t len = 0;
	int rc;

	ks->v = NULL;
	ks->n = 0;
	rc = kt_read_file(path, 1 << 20, &text, &len);
	if (rc == KT_ENOTFOUND)
		return KT_OK;
	if (rc != KT_OK) {
		snprintf(err, errcap, "cannot read %s: %s", path,
			 rc == KT_ETOOBIG ? "file too large" : strerror(errno));
		return rc == KT_ETOOBIG ? KT_EINVAL : KT_ESYS;
	}
	sub[0] = '\0';
	rc = kt_known_parse(text, len, ks, sub, sizeof(sub));
	free(text);
	if (rc == KT_EINVAL)
		snprintf(err, errcap, "%s %s; fix or delete that line", path, sub);
	return rc;
}

void kt_known_free(struct kt_known_servers *ks)
{
	if (!ks)
		return;
	free(ks->v);
	ks->v = NULL;
	ks->n = 0;
}

enum kt_pin_state kt_known_lookup(const struct kt_known_servers *ks, const char *hostport,
				  const uint8_t pub[32], const struct kt_known_server **entry)
{
	const struct kt_known_server *first = NULL;
	size_t i;

	for (i = 0; i < ks->n; i++) {
		if (strcmp(ks->v[i].hostport, hostport) != 0)
			continue;
		if (sodium_memcmp(ks->v[i].pub, pub, 32) == 0) {
			if (entry)
				*entry = &ks->v[i];
			return KT_PIN_KNOWN;
		}
		if (!first)
			first = &ks->v[i];
	}
	if (entry)
		*entry = first;
	return first ? KT_PIN_MISMATCH : KT_PIN_UNKNOWN;
}

int kt_known_format(char *out, size_t cap, const char *hostport, const uint8_t pub[32])
{
	char fp[KT_FINGERPRINT_LEN], hex[65];
	int n;

	kt_fingerprint(pub, fp);
	sodium_bin2hex(hex, sizeof(hex), pub, 32);
	n = snprintf(out, cap, "%s %s %s\n", hostport, fp, hex);
	return n < 0 || (size_t)n >= cap ? KT_ETOOBIG : KT_OK;
}

int kt_known_append(const char *path, const char *hostport, const uint8_t pub[32], char *err,
		    size_t errcap)
{
	char line[KT_HOSTPORT_MAX + 128];
	int fd = -1, rc = KT_ESYS;
	struct stat sb;
	char last = '\n';

	if (!hostport_valid(hostport) ||
	    kt_known_format(line, sizeof(line), hostport, pub) != KT_OK) {
		snprintf(err, errcap, "'%.64s' is not HOST:PORT", hostport);
		return KT_EINVAL;
	}
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 || fstat(fd, &sb) != 0)
		goto fail;
	if ((sb.st_mode & 077) && fchmod(fd, 0600) != 0)
		goto fail;
	if (sb.st_size > 0 && pread(fd, &last, 1, sb.st_size - 1) != 1)
		goto fail;
	if (last != '\n' && kt_write_all(fd, "\n", 1) != KT_OK)
		goto fail;
	if (kt_write_all(fd, line, strlen(line)) != KT_OK || fsync(fd) != 0)
		goto fail;
	rc = KT_OK;
	goto out;
fail:
	snprintf(err, errcap, "cannot record the server key in %s: %s", path, strerror(errno));
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Does this raw line pin hostport? (First field equal to it, not a comment.) */
static bool line_names(const char *line, size_t n, const char *hostport)
{
	size_t i = 0, hl = strlen(hostport);

	while (i < n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	if (i + hl > n || memcmp(line + i, hostport, hl) != 0)
		return false;
	return i + hl == n || line[i + hl] == ' ' || line[i + hl] == '\t';
}

int kt_known_forget(const char *path, const char *hostport, size_t *removed, char *err,
		    size_t errcap)
{
	char *text = NULL, *tmp = NULL;
	size_t len = 0, pos = 0;
	int rc, fd = -1;

	*removed = 0;
	rc = kt_read_file(path, 1 << 20, &text, &len);
	if (rc == KT_ENOTFOUND)
		return KT_OK;
	if (rc != KT_OK) {
		snprintf(err, errcap, "cannot read %s: %s", path, strerror(errno));
		return KT_ESYS;
	}
	rc = KT_ESYS;
	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
		tmp = NULL;
		goto fail;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		goto fail;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;

		if (line_names(text + pos, n, hostport)) {
			(*removed)++;
		} else if (kt_write_all(fd, text + pos, n) != KT_OK ||
			   kt_write_all(fd, "\n", 1) != KT_OK) {
			goto fail;
		}
		pos += n + 1;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto fail;
	rc = KT_OK;
	goto out;
fail:
	snprintf(err, errcap, "cannot rewrite %s: %s", path, strerror(errno));
	if (tmp)
		unlink(tmp);
out:
	if (fd >= 0)
		close(fd);
	free(tmp);
	free(text);
	return rc;
}

int kt_known_verify(const char *path, const char *hostport, const uint8_t pub[32],
		    const char *pin_fp, bool tofu, enum kt_pin_state *state, char *err,
		    size_t errcap)
{
	struct kt_known_servers ks = {0};
	const struct kt_known_server *e = NULL;
	char fp[KT_FINGERPRINT_LEN];
	int rc = KT_EPERM;

	*state = KT_PIN_UNCHECKED;
	kt_fingerprint(pub, fp);
	if (pin_fp && strcmp(pin_fp, fp) != 0) {
		snprintf(err, errcap,
			 "server %s presented key %s, which does not match --pin %s; nothing was "
			 "sent to it. Check the fingerprint with the server administrator",
			 hostport, fp, pin_fp);
		*state = KT_PIN_MISMATCH;
		return KT_EPERM;
	}
	if (!path) {
		*state = pin_fp ? KT_PIN_MATCHED : KT_PIN_UNCHECKED;
		if (!pin_fp && !tofu) {
			snprintf(err, errcap,
				 "server %s (key %s) cannot be checked: no pin given "
				 "and trust on first use is off",
				 hostport, fp);
			return KT_EPERM;
		}
		return KT_OK;
	}
	rc = kt_known_load(path, &ks, err, errcap);
	if (rc != KT_OK)
		goto out;
	switch (kt_known_lookup(&ks, hostport, pub, &e)) {
	case KT_PIN_KNOWN:
		*state = KT_PIN_KNOWN;
		rc = KT_OK;
		goto out;
	case KT_PIN_MISMATCH:
		*state = KT_PIN_MISMATCH;
		snprintf(err, errcap,
			 "SERVER KEY MISMATCH for %s!\n"
			 "  the server presented key  %s\n"
			 "  but %s line %d pins     %s\n"
			 "This means the server's key was rotated, or someone is intercepting the "
			 "connection.\nNothing was sent to the server (this device's identity and "
			 "password included).\nAsk the server administrator for the server's key "
			 "fingerprint. Only if it is %s, remove the old pin with\n"
			 "  kiemtra known-servers forget %s\nand connect again.",
			 hostport, fp, path, e->line, e->fingerprint, fp, hostport);
		rc = KT_EPERM;
		goto out;
	default:
		break;
	}
	if (!pin_fp && !tofu) {
		*state = KT_PIN_UNKNOWN;
		snprintf(
		    err, errcap,
		    "server %s (key fingerprint %s) is not in %s and --no-tofu is set; nothing "
		    "was sent to it. Check the fingerprint with the server administrator, then "
		    "connect with --pin %s",
		    hostport, fp, path, fp);
		rc = KT_EPERM;
		goto out;
	}
	rc = kt_known_append(path, hostport, pub, err, errcap);
	if (rc != KT_OK)
		goto out;
	if (pin_fp) {
		*state = KT_PIN_NEW_PINNED;
		fprintf(stderr, "kiemtra: server %s key %s matches --pin; pinned in %s\n", hostport,
			fp, path);
	} else {
		*state = KT_PIN_NEW_TOFU;
		fprintf(stderr,
			"kiemtra: new server %s, key fingerprint %s; trusting it from now "
			"on (pinned in %s)\n",
			hostport, fp, path);
	}
out:
	kt_known_free(&ks);
	return rc;
}
