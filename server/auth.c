/* auth.c - see auth.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <sodium.h>

#include "common/status.h"
#include "common/text.h"
#include "server/auth.h"

/* ---- Argon2id work queue ---------------------------------------------------- */

enum work_kind { WORK_HASH, WORK_VERIFY };

struct work {
	uv_work_t req;
	struct auth *a;
	enum work_kind kind;
	char *password;              /* our copy; wiped and freed when done */
	size_t password_len;
	char hash[crypto_pwhash_STRBYTES];
	bool dummy;                  /* verifying the dummy hash: result is always "no" */
	bool gated;                  /* throttle checked again when it starts (auth_verify) */
	char addr[64], username[64]; /* its throttle keys, when gated */
	int rc;
	auth_hash_cb hash_cb;
	auth_verify_cb verify_cb;
	void *arg;
	struct work *next;
};

#define THROTTLE_SLOTS 4096

struct throttle_slot {
	char key[96];            /* "a:127.0.0.1" or "u:username"; empty = free */
	uint32_t failures;
	uint64_t last_failure_ms;
	uint64_t next_allowed_ms;
};

struct auth {
	uv_loop_t *loop;
	struct auth_options opt;
	unsigned long long opslimit;
	size_t memlimit;
	char dummy_hash[crypto_pwhash_STRBYTES];
	unsigned running;
	unsigned waiting;
	struct work *wait_head, *wait_tail;
	bool closing;
	struct throttle_slot *slots;
};

static void start_next(struct auth *a, bool gate);

static void work_run(uv_work_t *req) /* thread pool */
{
	static __thread bool niced;
	struct work *w = req->data;

	/*
	 * Argon2id is the slowest thing the server does and nobody waits on it but
	 * the one logging in: let the loop and storage threads win the CPU. (Linux
	 * applies setpriority to one thread when given its tid.)
	 */
	if (!niced) {
		setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), 10);
		niced = true;
	}

	if (w->kind == WORK_HASH) {
		w->rc = crypto_pwhash_str_alg(w->hash, w->password, w->password_len,
					      w->a->opslimit, w->a->memlimit,
					      crypto_pwhash_ALG_ARGON2ID13) == 0
				? KT_OK
				: KT_ENOMEM;
	} else {
		int ok = crypto_pwhash_str_verify(w->hash, w->password, w->password_len) == 0;
		w->rc = ok && !w->dummy ? KT_OK : KT_EUNAUTH;
	}
}

static void work_free(struct work *w)
{
	sodium_memzero(w->password, w->password_len);
	free(w->password);
	sodium_memzero(w->hash, sizeof(w->hash));
	free(w);
}

static void work_finish(struct work *w, int rc)
{
	if (w->kind == WORK_HASH)
		w->hash_cb(w->arg, rc, rc == KT_OK ? w->hash : NULL);
	else
		w->verify_cb(w->arg, rc);
	work_free(w);
}

static void work_after(uv_work_t *req, int status) /* loop thread */
{
	struct work *w = req->data;
	struct auth *a = w->a;

	a->running--;
	work_finish(w, status == 0 ? w->rc : KT_ESHUTDOWN);
	if (a->closing) {
		if (a->running == 0) {
			free(a->slots);
			sodium_memzero(a, sizeof(*a));
			free(a);
		}
		return;
	}
	start_next(a, true);
}

/*
 * Start waiting work while there is room. gate: check a gated verification's
 * throttle keys again first, because the attempts that ran before it (a burst
 * of guesses sent at once all passed the check at arrival) may have put the
 * address or the account into backoff since; then it ends with KT_ELIMIT and
 * costs no hash. Not from enqueue(): a callback there would run inside the
 * caller's auth_verify(), and the caller has only just checked.
 */
static void start_next(struct auth *a, bool gate)
{
	while (a->running < a->opt.concurrency && a->wait_head) {
		struct work *w = a->wait_head;

		a->wait_head = w->next;
		if (!a->wait_head)
			a->wait_tail = NULL;
		a->waiting--;
		if (gate && w->gated &&
		    auth_throttle_check(a, w->addr, w->username, uv_now(a->loop)) != 0) {
			work_finish(w, KT_ELIMIT);
			continue;
		}
		w->req.data = w;
		if (uv_queue_work(a->loop, &w->req, work_run, work_after) != 0) {
			work_finish(w, KT_EINTERNAL);
			continue;
		}
		a->running++;
	}
}

static int enqueue(struct auth *a, struct work *w)
{
	if (a->closing) {
		work_free(w);
		return KT_ESHUTDOWN;
	}
	if (a->waiting >= a->opt.queue_max) {
		work_free(w);
		return KT_ELIMIT;
	}
	w->next = NULL;
	if (a->wait_tail)
		a->wait_tail->next = w;
	else
		a->wait_head = w;
	a->wait_tail = w;
	a->waiting++;
	start_next(a, false);
	return KT_OK;
}

static struct work *work_new(struct auth *a, enum work_kind kind, const char *password)
{
	struct work *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->a = a;
	w->kind = kind;
	w->password_len = strlen(password);
	w->password = malloc(w->password_len + 1);
	if (!w->password) {
		free(w);
		return NULL;
	}
	memcpy(w->password, password, w->password_len + 1);
	return w;
}

int auth_hash(struct auth *a, const char *password, auth_hash_cb cb, void *arg)
{
	struct work *w = work_new(a, WORK_HASH, password);

	if (!w)
		return KT_ENOMEM;
	w->hash_cb = cb;
	w->arg = arg;
	return enqueue(a, w);
}

int auth_verify(struct auth *a, const char *hash, const char *password, const char *addr,
		const char *username, auth_verify_cb cb, void *arg)
{
	struct work *w = work_new(a, WORK_VERIFY, password);

	if (!w)
		return KT_ENOMEM;
	if (addr && username) {
		w->gated = true;
		snprintf(w->addr, sizeof(w->addr), "%s", addr);
		snprintf(w->username, sizeof(w->username), "%s", username);
	}
	/* Unknown users (and malformed stored hashes) cost one real verification too. */
	if (!hash || strlen(hash) >= sizeof(w->hash) || strncmp(hash, "$argon2id$", 10) != 0) {
		hash = a->dummy_hash;
		w->dummy = true;
	}
	snprintf(w->hash, sizeof(w->hash), "%s", hash);
	w->verify_cb = cb;
	w->arg = arg;
	return enqueue(a, w);
}

int auth_hash_now(struct auth *a, const char *password, char *out, size_t cap)
{
	if (cap < crypto_pwhash_STRBYTES)
		return KT_ETOOBIG;
	if (crypto_pwhash_str_alg(out, password, strlen(password), a->opslimit, a->memlimit,
				  crypto_pwhash_ALG_ARGON2ID13) != 0)
		return KT_ENOMEM;
	return KT_OK;
}

void auth_load(struct auth *a, unsigned *running, unsigned *waiting)
{
	*running = a->running;
	*waiting = a->waiting;
}

/*
 * The hash verified for unknown users, in the encoding crypto_pwhash_str
 * writes: Argon2id with the server's parameters, a random salt and a random
 * output. Verifying any password against it computes one Argon2id with those
 * parameters, as a real verification does, and finds no match (and a match
 * would still be refused: w->dummy). Nothing is hashed to make it: computing
 * a real hash here cost every start 65-190 ms and 64 MiB.
 */
static void dummy_hash(struct auth *a)
{
	uint8_t salt[crypto_pwhash_SALTBYTES], output[32];
	char salt64[sodium_base64_ENCODED_LEN(sizeof(salt),
					      sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];
	char output64[sodium_base64_ENCODED_LEN(sizeof(output),
						sodium_base64_VARIANT_ORIGINAL_NO_PADDING)];

	randombytes_buf(salt, sizeof(salt));
	randombytes_buf(output, sizeof(output));
	sodium_bin2base64(salt64, sizeof(salt64), salt, sizeof(salt),
			  sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	sodium_bin2base64(output64, sizeof(output64), output, sizeof(output),
			  sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
	snprintf(a->dummy_hash, sizeof(a->dummy_hash), "$argon2id$v=19$m=%zu,t=%llu,p=1$%s$%s",
		 a->memlimit / 1024, (unsigned long long)a->opslimit, salt64, output64);
}

int auth_new(struct auth **out, uv_loop_t *loop, const struct auth_options *opt)
{
	struct auth *a = calloc(1, sizeof(*a));

	if (!a)
		return KT_ENOMEM;
	a->slots = calloc(THROTTLE_SLOTS, sizeof(*a->slots));
	if (!a->slots) {
		free(a);
		return KT_ENOMEM;
	}
	a->loop = loop;
	a->opt = *opt;
	if (a->opt.concurrency == 0) {
		/* Leave a core to the loop and storage threads. */
		long n = sysconf(_SC_NPROCESSORS_ONLN);
		a->opt.concurrency = n > 2 ? (unsigned)(n - 1) : 1;
	}
	if (a->opt.queue_max == 0)
		a->opt.queue_max = 256;
	switch (a->opt.level) {
	case AUTH_LEVEL_TEST:
		a->opslimit = crypto_pwhash_OPSLIMIT_MIN;
		a->memlimit = crypto_pwhash_MEMLIMIT_MIN;
		break;
	case AUTH_LEVEL_MODERATE:
		a->opslimit = crypto_pwhash_OPSLIMIT_MODERATE;
		a->memlimit = crypto_pwhash_MEMLIMIT_MODERATE;
		break;
	default:
		a->opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
		a->memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;
		break;
	}
	dummy_hash(a);
	*out = a;
	return KT_OK;
}

void auth_free(struct auth *a)
{
	struct work *w, *next;

	if (!a)
		return;
	a->closing = true;
	for (w = a->wait_head; w; w = next) {
		next = w->next;
		work_finish(w, KT_ESHUTDOWN);
	}
	a->wait_head = a->wait_tail = NULL;
	a->waiting = 0;
	if (a->running == 0) {
		free(a->slots);
		sodium_memzero(a, sizeof(*a));
		free(a);
	}
	/* else freed by the last work_after() */
}

/* ---- passwords ------------------------------------------------------------------ */

static size_t utf8_codepoints(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

int auth_password_policy(const char *username, const char *password, char *msg, size_t cap)
{
	size_t len = strlen(password);
	int rc = kt_text_check(password, len, AUTH_PASSWORD_MAX, KT_TEXT_NONEMPTY);

	if (rc == KT_EUTF8) {
		snprintf(msg, cap, "the password is not valid UTF-8 text");
		return KT_EINVAL;
	}
	if (rc == KT_ETOOBIG) {
		snprintf(msg, cap, "the password is longer than %d bytes", AUTH_PASSWORD_MAX);
		return KT_EINVAL;
	}
	if (rc != KT_OK) {
		snprintf(msg, cap, "the password must not be empty or contain control characters");
		return KT_EINVAL;
	}
	if (utf8_codepoints(password) < AUTH_PASSWORD_MIN) {
		snprintf(msg, cap, "the password must have at least %d characters",
			 AUTH_PASSWORD_MIN);
		return KT_EINVAL;
	}
	if (username && *username && strcasestr(password, username)) {
		snprintf(msg, cap, "the password must not contain the username");
		return KT_EINVAL;
	}
	/* One character repeated: compare whole UTF-8 sequences, not bytes. */
	size_t first = 1;
	while (first < len && ((unsigned char)password[first] & 0xC0) == 0x80)
		first++;
	bool same = len % first == 0;
	for (size_t i = first; same && i < len; i += first)
		if (memcmp(password + i, password, first) != 0)
			same = false;
	if (same) {
		snprintf(msg, cap, "the password must not repeat one character");
		return KT_EINVAL;
	}
	return KT_OK;
}

void auth_generate_password(char out[AUTH_GENERATED_LEN])
{
	/* 31 symbols without 0/o, 1/l/i: 20 symbols carry about 99 bits. */
	static const char alphabet[] = "23456789abcdefghjkmnpqrstuvwxyz";
	size_t o = 0;

	for (int g = 0; g < 4; g++) {
		for (int i = 0; i < 5; i++)
			out[o++] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
		out[o++] = g < 3 ? '-' : '\0';
	}
}

/* ---- throttle --------------------------------------------------------------- */

/*
 * An account gets 3 free failures; an address 10, because one office behind
 * one NAT address holds many honest users who mistype.
 */
#define THROTTLE_USER_FREE 3
#define THROTTLE_ADDR_FREE 10
#define THROTTLE_BASE_MS 1000ull          /* first delay */
#define THROTTLE_ADDR_MAX_MS 300000ull    /* cap per address: 5 minutes */
#define THROTTLE_USER_MAX_MS 60000ull     /* cap per account: 1 minute */
#define THROTTLE_DECAY_MS 900000ull       /* failures forgotten after 15 quiet minutes */

static struct throttle_slot *slot_find(struct auth *a, const char *key, bool create,
				       uint64_t now)
{
	struct throttle_slot *free_slot = NULL, *oldest = NULL;

	for (unsigned i = 0; i < THROTTLE_SLOTS; i++) {
		struct throttle_slot *s = &a->slots[i];

		if (s->key[0] && now > s->last_failure_ms + THROTTLE_DECAY_MS &&
		    now >= s->next_allowed_ms)
			s->key[0] = '\0'; /* expired */
		if (!s->key[0]) {
			if (!free_slot)
				free_slot = s;
			continue;
		}
		if (strcmp(s->key, key) == 0)
			return s;
		if (!oldest || s->last_failure_ms < oldest->last_failure_ms)
			oldest = s;
	}
	if (!create)
		return NULL;
	struct throttle_slot *s = free_slot ? free_slot : oldest;
	memset(s, 0, sizeof(*s));
	snprintf(s->key, sizeof(s->key), "%s", key);
	return s;
}

static void key_of(char *out, size_t cap, char kind, const char *v)
{
	snprintf(out, cap, "%c:%s", kind, v ? v : "");
}

static uint32_t wait_of(struct auth *a, const char *key, uint64_t now)
{
	struct throttle_slot *s = slot_find(a, key, false, now);

	if (!s || now >= s->next_allowed_ms)
		return 0;
	return (uint32_t)(s->next_allowed_ms - now);
}

uint32_t auth_throttle_check(struct auth *a, const char *addr, const char *username,
			     uint64_t now_ms)
{
	char k1[96], k2[96];
	uint32_t w1, w2;

	key_of(k1, sizeof(k1), 'a', addr);
	key_of(k2, sizeof(k2), 'u', username);
	w1 = wait_of(a, k1, now_ms);
	w2 = username ? wait_of(a, k2, now_ms) : 0;
	return w1 > w2 ? w1 : w2;
}

static void fail_one(struct auth *a, const char *key, uint32_t free_failures, uint64_t cap_ms,
		     uint64_t now)
{
	struct throttle_slot *s = slot_find(a, key, true, now);
	uint64_t delay = 0;

	s->failures++;
	s->last_failure_ms = now;
	if (s->failures > free_failures) {
		unsigned shift = s->failures - free_failures - 1;
		delay = shift >= 20 ? cap_ms : THROTTLE_BASE_MS << shift;
		if (delay > cap_ms)
			delay = cap_ms;
	}
	s->next_allowed_ms = now + delay;
}

void auth_throttle_failure(struct auth *a, const char *addr, const char *username,
			   uint64_t now_ms)
{
	char k[96];

	key_of(k, sizeof(k), 'a', addr);
	fail_one(a, k, THROTTLE_ADDR_FREE, THROTTLE_ADDR_MAX_MS, now_ms);
	if (username && *username) {
		key_of(k, sizeof(k), 'u', username);
		fail_one(a, k, THROTTLE_USER_FREE, THROTTLE_USER_MAX_MS, now_ms);
	}
}

void auth_throttle_success(struct auth *a, const char *addr, const char *username)
{
	char k[96];
	struct throttle_slot *s;

	/* A success clears the account's record; the address keeps its history. */
	key_of(k, sizeof(k), 'u', username);
	s = slot_find(a, k, false, 0);
	if (s)
		s->key[0] = '\0';
	(void)addr;
}
