/*
 * fuzz_session.c - the client's session files (client/config.c
 * kt_session_parse), as config.h documents them:
 *
 *   - a file that parses has a user of valid single-line text, and saving it
 *     (kt_session_save, a real file under the scratch directory) then loading
 *     it back (kt_session_load) gives the same session;
 *   - a file that does not parse leaves the session wiped (all zero) and says
 *     why.
 *
 * Input: the file's bytes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "client/config.h"
#include "common/status.h"
#include "common/text.h"
#include "fuzz/fuzz.h"

static char dir[4096], path[4200];

static void remove_dir(void)
{
	unlink(path);
	rmdir(dir);
}

static void make_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	if (!tmp || !*tmp)
		tmp = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
	snprintf(dir, sizeof(dir), "%s/kt-fuzz-session-XXXXXX", tmp);
	if (!mkdtemp(dir)) {
		fprintf(stderr, "fuzz_session: mkdtemp %s: %s\n", dir, strerror(errno));
		abort();
	}
	snprintf(path, sizeof(path), "%s/127.0.0.1_7447", dir);
	atexit(remove_dir);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct kt_session zero;
	struct kt_session s, back;
	char err[512];
	int rc;

	if (!dir[0])
		make_dir();
	err[0] = '\0';
	rc = kt_session_parse((const char *)data, size, &s, err, sizeof(err));
	if (rc != KT_OK) {
		FZ_CHECK(rc == KT_EINVAL, "kt_session_parse returned %d", rc);
		FZ_CHECK(err[0] != '\0', "refused without a reason");
		FZ_CHECK(memcmp(&s, &zero, sizeof(s)) == 0, "a refused session was not wiped");
		return 0;
	}
	FZ_CHECK(kt_text_check(s.user, strlen(s.user), sizeof(s.user) - 1, KT_TEXT_NONEMPTY) ==
		     KT_OK,
		 "user '%s'", s.user);
	FZ_CHECK(s.expires_at >= 0, "expires_at %lld", (long long)s.expires_at);
	rc = kt_session_save(path, &s, err, sizeof(err));
	FZ_CHECK(rc == KT_OK, "save: %s", err);
	rc = kt_session_load(path, &back, err, sizeof(err));
	FZ_CHECK(rc == KT_OK, "load what was saved: %s", err);
	FZ_CHECK(strcmp(back.user, s.user) == 0 && memcmp(back.token, s.token, 32) == 0 &&
		     back.expires_at == s.expires_at,
		 "the saved session reads back differently (user '%s' -> '%s')", s.user, back.user);
	kt_session_wipe(&s);
	kt_session_wipe(&back);
	return 0;
}
