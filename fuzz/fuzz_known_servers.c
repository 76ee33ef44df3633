/*
 * fuzz_known_servers.c - the client's pinned server keys (client/
 * known_servers.c kt_known_parse), as known_servers.h documents them:
 *
 *   - a file that parses gives entries whose line, formatted again with
 *     kt_known_format, parses to the same entry; looking an entry up with its
 *     key finds it (KT_PIN_KNOWN), with another key gives KT_PIN_MISMATCH
 *     unless another line of that server pins that key;
 *   - a file that does not parse says which line, and leaves no entries.
 *
 * Input: the file's bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "client/known_servers.h"
#include "common/status.h"
#include "fuzz/fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kt_known_servers ks = {0}, one = {0};
	char err[512], line[512];
	int rc;

	err[0] = '\0';
	rc = kt_known_parse((const char *)data, size, &ks, err, sizeof(err));
	if (rc != KT_OK) {
		FZ_CHECK(rc == KT_EINVAL, "kt_known_parse returned %d", rc);
		FZ_CHECK(strncmp(err, "line ", 5) == 0, "error '%s' names no line", err);
		FZ_CHECK(ks.v == NULL && ks.n == 0, "a refused file left %zu entries", ks.n);
		return 0;
	}
	for (size_t i = 0; i < ks.n; i++) {
		const struct kt_known_server *e = &ks.v[i], *found = NULL;
		uint8_t other[32];
		enum kt_pin_state st;

		FZ_CHECK(kt_fingerprint_valid(e->fingerprint), "fingerprint '%s'", e->fingerprint);
		FZ_CHECK(e->line >= 1, "line %d", e->line);
		rc = kt_known_format(line, sizeof(line), e->hostport, e->pub);
		FZ_CHECK(rc == KT_OK, "format '%s'", e->hostport);
		rc = kt_known_parse(line, strlen(line), &one, err, sizeof(err));
		FZ_CHECK(rc == KT_OK && one.n == 1, "its own line does not parse: %s", err);
		FZ_CHECK(strcmp(one.v[0].hostport, e->hostport) == 0 &&
			     memcmp(one.v[0].pub, e->pub, 32) == 0 &&
			     strcmp(one.v[0].fingerprint, e->fingerprint) == 0,
			 "'%s' reads back differently", e->hostport);
		kt_known_free(&one);

		st = kt_known_lookup(&ks, e->hostport, e->pub, &found);
		FZ_CHECK(st == KT_PIN_KNOWN && found && memcmp(found->pub, e->pub, 32) == 0,
			 "lookup of '%s' with its key: %d", e->hostport, (int)st);
		memcpy(other, e->pub, 32);
		other[0] ^= 0x01;
		st = kt_known_lookup(&ks, e->hostport, other, &found);
		if (st == KT_PIN_KNOWN)
			FZ_CHECK(found && memcmp(found->pub, other, 32) == 0 &&
				     strcmp(found->hostport, e->hostport) == 0,
				 "KNOWN for a key no line of '%s' has", e->hostport);
		else
			FZ_CHECK(st == KT_PIN_MISMATCH && found &&
				     strcmp(found->hostport, e->hostport) == 0,
				 "lookup of '%s' with another key: %d", e->hostport, (int)st);
	}
	kt_known_free(&ks);
	return 0;
}
