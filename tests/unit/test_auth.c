/*
 * test_auth.c - passwords and login throttling (server/auth.h), on a real libuv
 * loop: Argon2id hashing and verification off the loop thread, the dummy hash
 * for unknown users (and that it costs as much as a real verification), the
 * concurrency bound and the queue limit, shutdown with queued work, the
 * password policy, generated passwords, and the throttle (time is driven
 * through the now_ms arguments). Exit status 0 when every check passed; each
 * failed check prints what was expected and what came.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>
#include <uv.h>

#include "common/status.h"
#include "server/auth.h"

static int failures;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: expected %s, it is false\n", __FILE__, __LINE__,   \
				#cond);                                                            \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define CHECK_INT(expected, actual)                                                                \
	do {                                                                                       \
		long long e_ = (long long)(expected), a_ = (long long)(actual);                    \
		if (e_ != a_) {                                                                    \
			fprintf(stderr, "%s:%d: %s: expected %lld, got %lld\n", __FILE__,          \
				__LINE__, #actual, e_, a_);                                        \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static uv_loop_t loop;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct auth *new_auth(enum auth_level level, unsigned concurrency, unsigned queue_max)
{
	struct auth_options opt = {.concurrency = concurrency, .queue_max = queue_max,
				   .level = level};
	struct auth *a = NULL;
	int rc = auth_new(&a, &loop, &opt);

	if (rc != KT_OK || !a) {
		fprintf(stderr, "auth_new(level %d): expected 0, got %d\n", (int)level, rc);
		exit(1);
	}
	return a;
}

/* ---- results of asynchronous calls ----------------------------------------------- */

struct result {
	int calls; /* how often the callback ran: must end at exactly 1 */
	int rc;
	char hash[256];
	double at; /* when the callback ran */
};

static void on_hash(void *arg, int rc, const char *hash)
{
	struct result *r = arg;

	r->calls++;
	r->rc = rc;
	r->at = now_s();
	snprintf(r->hash, sizeof(r->hash), "%s", hash ? hash : "");
	if ((rc == KT_OK) != (hash != NULL)) {
		fprintf(stderr, "hash callback: rc %d with hash %s\n", rc, hash ? hash : "NULL");
		failures++;
	}
}

static void on_verify(void *arg, int rc)
{
	struct result *r = arg;

	r->calls++;
	r->rc = rc;
	r->at = now_s();
}

static void run_loop(void)
{
	uv_run(&loop, UV_RUN_DEFAULT);
}

/* Verify and wait; returns the rc and the seconds it took. */
static int verify_sync(struct auth *a, const char *hash, const char *pw, double *secs)
{
	struct result r = {0};
	double t0 = now_s();
	int rc = auth_verify(a, hash, pw, NULL, NULL, on_verify, &r);

	if (rc != KT_OK) {
		fprintf(stderr, "auth_verify: expected 0, got %d\n", rc);
		failures++;
		return rc;
	}
	run_loop();
	if (secs)
		*secs = r.at - t0;
	CHECK_INT(1, r.calls);
	return r.rc;
}

/* ---- hashing and verification ----------------------------------------------------- */

static void test_hash_verify(void)
{
	struct auth *a = new_auth(AUTH_LEVEL_TEST, 0, 0);
	struct result h = {0};
	char now_hash[256], small[16];

	CHECK_INT(KT_OK, auth_hash(a, "bí-mật-của-Lan-2024", on_hash, &h));
	CHECK_INT(0, h.calls); /* never synchronously: the hash runs off the loop thread */
	run_loop();
	CHECK_INT(1, h.calls);
	CHECK_INT(KT_OK, h.rc);
	CHECK(strncmp(h.hash, "$argon2id$", 10) == 0);

	CHECK_INT(KT_OK, verify_sync(a, h.hash, "bí-mật-của-Lan-2024", NULL));
	CHECK_INT(KT_EUNAUTH, verify_sync(a, h.hash, "bí-mật-của-Lan-2025", NULL));
	CHECK_INT(KT_EUNAUTH, verify_sync(a, h.hash, "", NULL));
	/* Unknown user (no hash) and a stored hash of another scheme: the dummy, and no. */
	CHECK_INT(KT_EUNAUTH, verify_sync(a, NULL, "bí-mật-của-Lan-2024", NULL));
	CHECK_INT(KT_EUNAUTH, verify_sync(a, "$2y$10$abcdefghijklmnopqrstuv", "x", NULL));
	CHECK_INT(KT_EUNAUTH, verify_sync(a, "", "", NULL));

	/* The same hash verifies in another instance (the parameters are in the string). */
	CHECK_INT(KT_OK, auth_hash_now(a, "mật khẩu khác 42", now_hash, sizeof(now_hash)));
	CHECK(strncmp(now_hash, "$argon2id$", 10) == 0);
	CHECK_INT(KT_OK, verify_sync(a, now_hash, "mật khẩu khác 42", NULL));
	CHECK_INT(KT_ETOOBIG, auth_hash_now(a, "mật khẩu khác 42", small, sizeof(small)));

	/* Two hashes of one password differ (random salt). */
	CHECK(strcmp(now_hash, h.hash) != 0);
	auth_free(a);
}

/*
 * Unknown users cost the same: at the production (INTERACTIVE) level, verifying
 * for an unknown user (the dummy hash) takes between half and twice as long as
 * a real verification. Otherwise response times tell which usernames exist
 * (and a dearer dummy would make unknown names a cheaper way to load us). Each is
 * measured three times, interleaved, and the fastest of each compared, so that
 * a busy machine slowing one run does not decide the outcome.
 */
static void test_unknown_user_cost(void)
{
	struct auth *a = new_auth(AUTH_LEVEL_INTERACTIVE, 0, 0);
	char hash[256];
	double known = 1e9, unknown = 1e9, t;

	CHECK_INT(KT_OK, auth_hash_now(a, "mật-khẩu-thật-2024", hash, sizeof(hash)));
	for (int i = 0; i < 3; i++) {
		CHECK_INT(KT_OK, verify_sync(a, hash, "mật-khẩu-thật-2024", &t));
		printf("test_auth: INTERACTIVE verify, known user:   %.3f s\n", t);
		if (t < known)
			known = t;
		CHECK_INT(KT_EUNAUTH, verify_sync(a, NULL, "mật-khẩu-thật-2024", &t));
		printf("test_auth: INTERACTIVE verify, unknown user: %.3f s\n", t);
		if (t < unknown)
			unknown = t;
	}
	printf("test_auth: fastest: known user %.3f s, unknown user %.3f s\n", known, unknown);
	if (unknown < known / 2 || unknown > known * 2) {
		fprintf(stderr,
			"unknown-user verify took %.3f s, expected between half and twice the "
			"known-user verify (%.3f s)\n",
			unknown, known);
		failures++;
	}
	auth_free(a);
}

/* ---- the work queue --------------------------------------------------------------- */

struct sampler {
	struct auth *a;
	unsigned max_running, max_waiting, samples;
};

static struct sampler sampler;

static void sample(void)
{
	unsigned running, waiting;

	auth_load(sampler.a, &running, &waiting);
	if (running > sampler.max_running)
		sampler.max_running = running;
	if (waiting > sampler.max_waiting)
		sampler.max_waiting = waiting;
	sampler.samples++;
}

static void on_check(uv_check_t *h)
{
	sample();
}

static int verify_done;
static int verify_rcs[16];

static void on_verify_sample(void *arg, int rc)
{
	int i = (int)(long)arg;

	verify_rcs[i] = rc;
	verify_done++;
	sample();
}

static void test_concurrency(void)
{
	struct auth *a = new_auth(AUTH_LEVEL_TEST, 2, 0);
	uv_check_t check;
	unsigned running, waiting;
	char hash[256];
	int ok = 0, no = 0;

	CHECK_INT(KT_OK, auth_hash_now(a, "đúng-mật-khẩu", hash, sizeof(hash)));
	memset(&sampler, 0, sizeof(sampler));
	sampler.a = a;
	uv_check_init(&loop, &check);
	uv_check_start(&check, on_check);
	uv_unref((uv_handle_t *)&check); /* the loop ends when the work does */
	for (long i = 0; i < 10; i++) {
		int rc = auth_verify(a, hash, i % 2 ? "sai-mật-khẩu" : "đúng-mật-khẩu", NULL, NULL,
				     on_verify_sample, (void *)i);
		CHECK_INT(KT_OK, rc);
		sample();
	}
	auth_load(a, &running, &waiting);
	CHECK_INT(2, running);
	CHECK_INT(8, waiting);
	run_loop();
	CHECK_INT(10, verify_done);
	for (int i = 0; i < 10; i++) {
		if (verify_rcs[i] == KT_OK)
			ok++;
		else if (verify_rcs[i] == KT_EUNAUTH)
			no++;
	}
	CHECK_INT(5, ok);
	CHECK_INT(5, no);
	printf("test_auth: 10 verifies, concurrency 2: at most %u running, %u waiting "
	       "(%u samples)\n",
	       sampler.max_running, sampler.max_waiting, sampler.samples);
	if (sampler.max_running > 2) {
		fprintf(stderr, "concurrency 2: expected at most 2 running, saw %u\n",
			sampler.max_running);
		failures++;
	}
	CHECK_INT(2, sampler.max_running); /* and the bound is used */
	auth_load(a, &running, &waiting);
	CHECK_INT(0, running);
	CHECK_INT(0, waiting);
	uv_check_stop(&check);
	uv_close((uv_handle_t *)&check, NULL);
	run_loop();
	auth_free(a);
}

static void test_queue_limit(void)
{
	struct auth *a = new_auth(AUTH_LEVEL_TEST, 1, 3);
	struct result r[6] = {{0}};
	unsigned running, waiting;
	char hash[256];

	CHECK_INT(KT_OK, auth_hash_now(a, "đúng-mật-khẩu", hash, sizeof(hash)));
	/* One runs, three wait: the queue is full. */
	for (int i = 0; i < 4; i++)
		CHECK_INT(KT_OK, auth_verify(a, hash, "đúng-mật-khẩu", NULL, NULL, on_verify, &r[i]));
	auth_load(a, &running, &waiting);
	CHECK_INT(1, running);
	CHECK_INT(3, waiting);
	CHECK_INT(KT_ELIMIT, auth_verify(a, hash, "đúng-mật-khẩu", NULL, NULL, on_verify, &r[4]));
	CHECK_INT(KT_ELIMIT, auth_hash(a, "đúng-mật-khẩu", on_hash, &r[4]));
	auth_load(a, &running, &waiting);
	CHECK_INT(1, running);
	CHECK_INT(3, waiting);
	run_loop();
	for (int i = 0; i < 4; i++) {
		CHECK_INT(1, r[i].calls);
		CHECK_INT(KT_OK, r[i].rc);
	}
	CHECK_INT(0, r[4].calls); /* a refused submission never calls back */

	/* Once drained, the queue accepts work again. */
	CHECK_INT(KT_OK, auth_verify(a, NULL, "x", NULL, NULL, on_verify, &r[5]));
	run_loop();
	CHECK_INT(1, r[5].calls);
	CHECK_INT(KT_EUNAUTH, r[5].rc);
	auth_free(a);
}

/* The server's login path: a wrong password is recorded as a failure in the callback. */
struct burst {
	struct auth *a;
	int unauth, limited, other;
};

static void on_burst(void *arg, int rc)
{
	struct burst *b = arg;

	if (rc == KT_EUNAUTH) {
		b->unauth++;
		auth_throttle_failure(b->a, "192.0.2.7", "lan", uv_now(&loop));
	} else if (rc == KT_ELIMIT) {
		b->limited++;
	} else {
		b->other++;
	}
}

/*
 * Eight guesses at one account sent at once all pass the throttle when they
 * arrive; with one hashing thread, each waiting one is checked again when its
 * turn comes, so the burst gets the tries sequential guesses would: the 3 free
 * failures and a fourth that starts the backoff (test_throttle_account).
 */
static void test_burst_gated(void)
{
	struct auth *a = new_auth(AUTH_LEVEL_TEST, 1, 0);
	struct burst b = {.a = a};
	char hash[256];

	CHECK_INT(KT_OK, auth_hash_now(a, "đúng-mật-khẩu", hash, sizeof(hash)));
	for (int i = 0; i < 8; i++) {
		CHECK_INT(0, (int)auth_throttle_check(a, "192.0.2.7", "lan", uv_now(&loop)));
		CHECK_INT(KT_OK, auth_verify(a, hash, "sai-mật-khẩu", "192.0.2.7", "lan", on_burst, &b));
	}
	run_loop();
	CHECK_INT(4, b.unauth);
	CHECK_INT(4, b.limited);
	CHECK_INT(0, b.other);
	/* Ungated (no keys), the same burst is hashed in full. */
	struct burst u = {.a = a};
	for (int i = 0; i < 3; i++)
		CHECK_INT(KT_OK, auth_verify(a, hash, "sai-mật-khẩu", NULL, NULL, on_burst, &u));
	run_loop();
	CHECK_INT(3, u.unauth);
	CHECK_INT(0, u.limited);
	auth_free(a);
}

static void test_free_with_work(void)
{
	struct auth *a = new_auth(AUTH_LEVEL_TEST, 1, 0);
	struct result r[5] = {{0}};
	char hash[256];

	CHECK_INT(KT_OK, auth_hash_now(a, "đúng-mật-khẩu", hash, sizeof(hash)));
	for (int i = 0; i < 4; i++)
		CHECK_INT(KT_OK, auth_verify(a, hash, "đúng-mật-khẩu", NULL, NULL, on_verify, &r[i]));
	CHECK_INT(KT_OK, auth_hash(a, "mật-khẩu-mới-2024", on_hash, &r[4]));
	/* The first runs; the other four are queued and are told at once. */
	auth_free(a);
	for (int i = 1; i < 5; i++) {
		CHECK_INT(1, r[i].calls);
		CHECK_INT(KT_ESHUTDOWN, r[i].rc);
	}
	CHECK_INT(0, r[0].calls);
	/* The running one finishes normally; the instance is freed after it (LeakSanitizer). */
	run_loop();
	CHECK_INT(1, r[0].calls);
	CHECK_INT(KT_OK, r[0].rc);
	for (int i = 1; i < 5; i++)
		CHECK_INT(1, r[i].calls);

	/* Freeing an idle instance, and NULL. */
	auth_free(new_auth(AUTH_LEVEL_TEST, 0, 0));
	auth_free(NULL);
}

/* ---- the password policy ------------------------------------------------------------ */

static void check_policy(int line, const char *user, const char *pw, int expected,
			 const char *msg_part)
{
	char msg[256] = "";
	int rc = auth_password_policy(user, pw, msg, sizeof(msg));

	if (rc != expected) {
		fprintf(stderr,
			"%s:%d: policy(user \"%s\", \"%.60s%s\"): expected %d, got %d (%s)\n",
			__FILE__, line, user ? user : "(null)", pw, strlen(pw) > 60 ? "..." : "",
			expected, rc, msg);
		failures++;
		return;
	}
	if (expected != KT_OK && (!msg[0] || (msg_part && !strstr(msg, msg_part)))) {
		fprintf(stderr, "%s:%d: policy(\"%.60s\"): expected a message with \"%s\", got "
				"\"%s\"\n",
			__FILE__, line, pw, msg_part ? msg_part : "", msg);
		failures++;
	}
}
#define POLICY_OK(user, pw) check_policy(__LINE__, user, pw, KT_OK, NULL)
#define POLICY_BAD(user, pw, part) check_policy(__LINE__, user, pw, KT_EINVAL, part)

static void test_policy(void)
{
	char *big = malloc(AUTH_PASSWORD_MAX + 2);

	if (!big)
		abort();
	/* Length in code points, not bytes. */
	POLICY_OK("lan", "abcdefghij");
	POLICY_BAD("lan", "abcdefghi", "at least 10");
	POLICY_OK("lan", "ằềịọụữỳđơư");  /* 10 letters with diacritics, 23 bytes */
	POLICY_BAD("lan", "ằềịọụữỳđơ", "at least 10"); /* 9 letters, 21 bytes */
	POLICY_OK("lan", "Hòa Bình 24");
	POLICY_BAD("lan", "", NULL);
	POLICY_BAD("lan", "          ", NULL); /* only white space */

	/* Not containing the username, in any letter case. */
	POLICY_BAD("lan", "toi-la-lan-2024", "username");
	POLICY_BAD("lan", "TOI-LA-LAN-2024", "username");
	POLICY_BAD("nguyen.van.a", "nguyen.van.a-2024", "username");
	POLICY_OK("nguyen.van.a", "nguyen-van-a-2024");
	POLICY_OK(NULL, "toi-la-lan-2024");
	POLICY_OK("", "toi-la-lan-2024");

	/* Not one repeated character: ASCII, and a character of several bytes. */
	POLICY_BAD("lan", "aaaaaaaaaaaa", "repeat");
	POLICY_BAD("lan", "ễễễễễễễễễễễễ", "repeat");
	POLICY_OK("lan", "aaaaaaaaaaab");
	POLICY_OK("lan", "ễễễễễễễễễễễa");

	/* Valid UTF-8 only, and no control characters. */
	POLICY_BAD("lan", "abcdefghij\xc3\x28", "UTF-8");
	POLICY_BAD("lan", "abcdefghij\xff", "UTF-8");
	POLICY_BAD("lan", "abcde\xed\xa0\x80" "fghij", "UTF-8"); /* a surrogate */
	POLICY_BAD("lan", "abcde\x01" "fghijk", NULL);
	POLICY_BAD("lan", "abcde\nfghijk", NULL);

	/* At most 1024 bytes. */
	for (int i = 0; i < AUTH_PASSWORD_MAX; i++)
		big[i] = (char)('a' + i % 26);
	big[AUTH_PASSWORD_MAX] = '\0';
	POLICY_OK("zz", big);
	big[AUTH_PASSWORD_MAX] = 'x';
	big[AUTH_PASSWORD_MAX + 1] = '\0';
	POLICY_BAD("zz", big, "1024");
	free(big);
}

static void test_generate(void)
{
	static const char alphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";
	char pw[200][AUTH_GENERATED_LEN];
	int bad = 0;

	for (int n = 0; n < 200; n++) {
		char msg[256] = "";

		memset(pw[n], '#', AUTH_GENERATED_LEN);
		auth_generate_password(pw[n]);
		if (strlen(pw[n]) != AUTH_GENERATED_LEN - 1) {
			fprintf(stderr, "generated \"%s\": expected %d characters, got %zu\n",
				pw[n], AUTH_GENERATED_LEN - 1, strlen(pw[n]));
			bad++;
			continue;
		}
		for (int i = 0; i < AUTH_GENERATED_LEN - 1; i++) {
			int dash = i % 6 == 5;
			if (dash ? pw[n][i] != '-' : !strchr(alphabet, pw[n][i])) {
				fprintf(stderr,
					"generated \"%s\": character %d: expected %s, got '%c'\n",
					pw[n], i, dash ? "'-'" : "one of the alphabet", pw[n][i]);
				bad++;
				break;
			}
		}
		if (auth_password_policy("admin", pw[n], msg, sizeof(msg)) != KT_OK) {
			fprintf(stderr, "generated \"%s\" fails the policy: %s\n", pw[n], msg);
			bad++;
		}
		for (int m = 0; m < n; m++) {
			if (strcmp(pw[m], pw[n]) == 0) {
				fprintf(stderr, "generated \"%s\" twice\n", pw[n]);
				bad++;
			}
		}
	}
	failures += bad;
	printf("test_auth: generated passwords, e.g. %s\n", pw[0]);
}

/* ---- the throttle ------------------------------------------------------------------- */

#define T0 1000000000ull /* an arbitrary start time, ms */
#define MINUTE 60000ull

static void check_wait(int line, struct auth *a, const char *addr, const char *user, uint64_t now,
		       uint32_t expected)
{
	uint32_t got = auth_throttle_check(a, addr, user, now);

	if (got != expected) {
		fprintf(stderr, "%s:%d: throttle_check(%s, %s, T0+%llu): expected %u ms, got %u\n",
			__FILE__, line, addr, user ? user : "(null)",
			(unsigned long long)(now - T0), expected, got);
		failures++;
	}
}
#define WAIT(a, addr, user, now, expected) check_wait(__LINE__, a, addr, user, now, expected)

static void test_throttle_account(void)
{
	struct auth *a = new_auth(AUTH_LEVEL_TEST, 0, 0);
	static const uint32_t waits[] = {1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000,
					 60000};
	char addr[32];
	uint64_t t = T0;

	/* Each failure from another address, so only the account's record counts. */
	WAIT(a, "10.0.0.1", "lan", t, 0);
	for (int i = 1; i <= 3; i++) {
		snprintf(addr, sizeof(addr), "10.0.0.%d", i);
		auth_throttle_failure(a, addr, "lan", t);
		WAIT(a, "10.0.1.1", "lan", t, 0); /* three failures are free */
	}
	for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++) {
		snprintf(addr, sizeof(addr), "10.0.2.%zu", i);
		auth_throttle_failure(a, addr, "lan", t);
		WAIT(a, "10.0.1.1", "lan", t, waits[i]); /* doubles from 1 s, capped at 60 s */
		WAIT(a, "10.0.1.1", "lan", t + waits[i] / 2, waits[i] - waits[i] / 2);
		WAIT(a, "10.0.1.1", "lan", t + waits[i], 0);
		WAIT(a, "10.0.1.1", "other", t, 0); /* other accounts are not affected */
		t += waits[i];
	}

	/* A success clears the account. */
	auth_throttle_failure(a, "10.0.3.1", "lan", t);
	WAIT(a, "10.0.1.1", "lan", t, 60000);
	auth_throttle_success(a, "10.0.3.2", "lan");
	WAIT(a, "10.0.1.1", "lan", t, 0);
	for (int i = 1; i <= 3; i++)
		auth_throttle_failure(a, "10.0.3.3", "lan", t);
	WAIT(a, "10.0.1.1", "lan", t, 0); /* free failures again after the success */
	auth_throttle_failure(a, "10.0.3.3", "lan", t);
	WAIT(a, "10.0.1.1", "lan", t, 1000);

	/* Failures are forgotten after 15 quiet minutes (measured from the last failure). */
	t += 1000;
	for (int i = 0; i < 5; i++)
		auth_throttle_failure(a, "10.0.4.1", "minh", t);
	WAIT(a, "10.0.1.1", "minh", t, 2000);
	WAIT(a, "10.0.1.1", "minh", t + 15 * MINUTE + 1, 0);
	auth_throttle_failure(a, "10.0.4.2", "minh", t + 15 * MINUTE + 1);
	WAIT(a, "10.0.1.1", "minh", t + 15 * MINUTE + 1, 0); /* counted as the first again */

	/* Not forgotten when the quiet time is shorter. */
	for (int i = 0; i < 3; i++)
		auth_throttle_failure(a, "10.0.4.3", "hoa", t);
	auth_throttle_failure(a, "10.0.4.4", "hoa", t + 14 * MINUTE);
	WAIT(a, "10.0.1.1", "hoa", t + 14 * MINUTE, 1000);

	/* An account at the cap is forgotten too, once quiet for 15 minutes. */
	for (int i = 0; i < 12; i++)
		auth_throttle_failure(a, "10.0.5.1", "tuan", t);
	WAIT(a, "10.0.1.1", "tuan", t, 60000);
	WAIT(a, "10.0.1.1", "tuan", t + 15 * MINUTE + 1, 0);
	auth_throttle_failure(a, "10.0.5.2", "tuan", t + 15 * MINUTE + 1);
	WAIT(a, "10.0.1.1", "tuan", t + 15 * MINUTE + 1, 0);
	auth_free(a);
}

static void test_throttle_address(void)
{
	struct auth *a = new_auth(AUTH_LEVEL_TEST, 0, 0);
	static const uint32_t waits[] = {1000, 2000, 4000, 8000, 16000, 32000, 64000, 128000,
					 256000, 300000, 300000};
	char user[32];
	uint64_t t = T0;
	int n = 0;

	/* Ten failures from one address (each for another account) are free. */
	for (; n < 10; n++) {
		snprintf(user, sizeof(user), "user%d", n);
		auth_throttle_failure(a, "192.0.2.7", user, t);
		WAIT(a, "192.0.2.7", "fresh", t, 0);
		WAIT(a, "192.0.2.7", NULL, t, 0);
	}
	/* Then the wait doubles from 1 s up to 5 minutes. */
	for (size_t i = 0; i < sizeof(waits) / sizeof(waits[0]); i++, n++) {
		snprintf(user, sizeof(user), "user%d", n);
		auth_throttle_failure(a, "192.0.2.7", user, t);
		WAIT(a, "192.0.2.7", "fresh", t, waits[i]);
		WAIT(a, "192.0.2.7", NULL, t, waits[i]);
		WAIT(a, "192.0.2.8", "fresh", t, 0); /* another address is not affected */
		t += waits[i];
	}
	/* A success does not clear the address. */
	auth_throttle_failure(a, "192.0.2.7", NULL, t);
	auth_throttle_success(a, "192.0.2.7", "user0");
	WAIT(a, "192.0.2.7", "fresh", t, 300000);
	/* Failures without a username count for the address only. */
	for (int i = 0; i < 5; i++)
		auth_throttle_failure(a, "198.51.100.1", NULL, t);
	WAIT(a, "198.51.100.2", "", t, 0);
	WAIT(a, "198.51.100.2", "fresh", t, 0);
	/* Quiet for 15 minutes after the wait: forgotten. */
	WAIT(a, "192.0.2.7", "fresh", t + 300000 + 15 * MINUTE + 1, 0);
	auth_throttle_failure(a, "192.0.2.7", NULL, t + 300000 + 15 * MINUTE + 1);
	WAIT(a, "192.0.2.7", "fresh", t + 300000 + 15 * MINUTE + 1, 0);
	auth_free(a);
}

int main(void)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "libsodium failed to initialise\n");
		return 1;
	}
	if (uv_loop_init(&loop) != 0) {
		fprintf(stderr, "uv_loop_init failed\n");
		return 1;
	}

	test_hash_verify();
	test_unknown_user_cost();
	test_concurrency();
	test_queue_limit();
	test_burst_gated();
	test_free_with_work();
	test_policy();
	test_generate();
	test_throttle_account();
	test_throttle_address();

	run_loop();
	if (uv_loop_close(&loop) != 0) {
		fprintf(stderr, "the loop still has handles or requests at the end\n");
		failures++;
	}
	if (failures) {
		printf("test_auth: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_auth: all checks passed\n");
	return 0;
}
