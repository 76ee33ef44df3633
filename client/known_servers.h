/*
 * known_servers.h - pinning of server static keys (trust on first use).
 *
 * The file (normally CLIENT_HOME/known_servers, mode 0600) has one line per
 * pinned server:
 *
 *   HOST:PORT SHA256:<fingerprint> <64 hex digits of the X25519 public key>
 *
 * Blank lines and lines starting with '#' are ignored. The fingerprint must be
 * the one of the key on the same line; a line that does not parse makes the
 * whole file unusable (a damaged pin must not turn into a silent re-pin).
 * HOST:PORT is compared as text, exactly as the user wrote the server address
 * (IPv6 hosts in brackets: "[::1]:7447").
 *
 * Owns: a kt_known_servers holds its entries (kt_known_free releases them and
 * accepts NULL). The file is only ever rewritten whole (temporary file and
 * rename) or appended to.
 */
#ifndef KT_CLIENT_KNOWN_SERVERS_H
#define KT_CLIENT_KNOWN_SERVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/keyfile.h"

#define KT_HOSTPORT_MAX 272 /* "[" + 255-byte host + "]:" + port + NUL */

struct kt_known_server {
	char hostport[KT_HOSTPORT_MAX];
	char fingerprint[KT_FINGERPRINT_LEN];
	uint8_t pub[32];
	int line; /* 1-based line number in the file */
};

struct kt_known_servers {
	struct kt_known_server *v;
	size_t n;
};

/* How a presented key relates to the file. */
enum kt_pin_state {
	KT_PIN_UNCHECKED = 0, /* no file and no --pin: nothing was checked */
	KT_PIN_KNOWN,	      /* the file already had this key for this server */
	KT_PIN_NEW_TOFU,      /* unknown server, trusted on first use and appended */
	KT_PIN_NEW_PINNED,    /* unknown server, matched --pin and appended */
	KT_PIN_MATCHED,	      /* matched --pin; no file to record it in */
	KT_PIN_UNKNOWN,	      /* unknown server, nothing recorded (kt_known_lookup only) */
	KT_PIN_MISMATCH,      /* the file pins another key for this server */
};

/*
 * Parse text[0..len). Returns 0, KT_EINVAL (err names the line and what is
 * wrong with it) or KT_ENOMEM. ks must be zeroed or freed before.
 */
int kt_known_parse(const char *text, size_t len, struct kt_known_servers *ks, char *err,
		   size_t errcap);
/* Read and parse path; a missing file is an empty list. Returns 0, KT_EINVAL, KT_ESYS. */
int kt_known_load(const char *path, struct kt_known_servers *ks, char *err, size_t errcap);
void kt_known_free(struct kt_known_servers *ks);

/*
 * Look up hostport. Returns KT_PIN_KNOWN (a line with this key), KT_PIN_MISMATCH
 * (lines for this server, none with this key; *entry is the first of them) or
 * KT_PIN_UNKNOWN. entry may be NULL.
 */
enum kt_pin_state kt_known_lookup(const struct kt_known_servers *ks, const char *hostport,
				  const uint8_t pub[32], const struct kt_known_server **entry);

/* Format one file line (with the newline) into out; 0 or KT_ETOOBIG. */
int kt_known_format(char *out, size_t cap, const char *hostport, const uint8_t pub[32]);

/* Append a line for hostport, creating the file 0600. 0 or KT_ESYS/KT_EINVAL (err says why). */
int kt_known_append(const char *path, const char *hostport, const uint8_t pub[32], char *err,
		    size_t errcap);

/*
 * Remove every line for hostport (comments and other lines are kept as they
 * are). *removed is how many; a missing file removes nothing. 0 or KT_ESYS.
 */
int kt_known_forget(const char *path, const char *hostport, size_t *removed, char *err,
		    size_t errcap);

/*
 * The pinning decision for a key a server presented during the handshake,
 * taken before the client reveals its identity:
 *
 *   - path NULL: no file; with pin_fp the key must match it (KT_PIN_MATCHED),
 *     else accepted only when tofu is set (KT_PIN_UNCHECKED);
 *   - known with this key: KT_PIN_KNOWN;
 *   - known with another key: KT_EPERM, err explains (both fingerprints, the
 *     file and line, what it may mean, how to forget the old pin);
 *   - unknown and pin_fp given: must match (else KT_EPERM), then appended;
 *   - unknown, no pin_fp: appended when tofu is set, with a notice on stderr;
 *     KT_EPERM otherwise.
 *
 * Returns 0, KT_EPERM (refused; *state says why), or KT_EINVAL/KT_ESYS for an
 * unreadable or damaged file (err says which line to fix).
 */
int kt_known_verify(const char *path, const char *hostport, const uint8_t pub[32],
		    const char *pin_fp, bool tofu, enum kt_pin_state *state, char *err,
		    size_t errcap);

/* True when fp looks like "SHA256:" + 43 base64 characters. */
bool kt_fingerprint_valid(const char *fp);

#endif
