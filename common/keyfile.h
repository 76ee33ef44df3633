/*
 * keyfile.h - long-term X25519 key files and their fingerprints.
 *
 * A key file holds the 32-byte private key, raw. It is created with O_EXCL and
 * mode 0600 (in a directory the caller created 0700); loading refuses a file
 * that is not a regular file, has the wrong size, or that group or others may
 * read. The private key is the caller's buffer; wipe it with sodium_memzero.
 *
 * Fingerprint: "SHA256:" followed by the unpadded standard base64 of the
 * SHA-256 of the 32-byte public key (the SSH style), 50 characters.
 */
#ifndef KT_KEYFILE_H
#define KT_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KT_FINGERPRINT_LEN 51 /* with the NUL */

/*
 * Load the key at path, or create it when absent (created is set then).
 * Returns 0 or a negative KT_E* code; err (if not NULL) gets a sentence a
 * person can act on, e.g. "key file /x/server.key is readable by others (mode 0644)".
 */
int kt_keyfile_load_or_create(const char *path, uint8_t priv[32], uint8_t pub[32], bool *created,
			      char *err, size_t errcap);

void kt_fingerprint(const uint8_t pub[32], char out[KT_FINGERPRINT_LEN]);

/* mkdir -p with mode for each created component; 0 or KT_ESYS. */
int kt_mkdirs(const char *path, unsigned mode);

#endif
