/*
 * kt_load - a closed-loop writer for the crash and backup tests.
 *
 *   KT_LOAD_PASSWORD=PW kt_load --server HOST:PORT --user NAME --plan ID --unit ID
 *                               --prefix P --log FILE [--accept] [--count N]
 *
 * Logs in as NAME (a fresh device and signing key per process) and records
 * findings on unit ID of plan ID, one request at a time, with client ids
 * P-000001, P-000002, ... (created as submitted). With --accept (NAME leads
 * or deputises the plan's team) it then accepts each finding with a
 * signature over its acceptance digest. After every acknowledged write it
 * appends one line to FILE and fsyncs it before going on:
 *
 *   C CLIENT_ID FINDING_ID      the server acknowledged the creation
 *   A CLIENT_ID FINDING_ID      the server acknowledged the acceptance
 *
 * so after a crash FILE lists exactly what the server promised to keep. When
 * the connection breaks (the server was killed) it reconnects, logs in again
 * and retries the write it was waiting for: a creation with the same client
 * id (the server answers with the finding when the first attempt was kept),
 * an acceptance after reading whether the first attempt was kept. UNAVAILABLE
 * answers are retried after a short pause. It runs until killed, or until
 * --count findings were acknowledged (exit 0). Any other refusal is a bug in
 * the test or the server: it says what and exits 1 (2 for usage errors).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "client/transport.h"
#include "common/approval.h"
#include "common/status.h"
#include "proto/kiemtra.pb-c.h"

#define CONNECT_TIMEOUT_MS 5000
#define RETRY_PAUSE_MS 30

static const char *prog = "kt_load";
static char host[256], port[16];
static const char *user, *password, *prefix, *log_path;
static int64_t plan_id, unit_id;
static bool do_accept;
static unsigned long count_max;
static int log_fd = -1;
static uint8_t dev_priv[32], dev_pub[32];
static uint8_t sign_pk[crypto_sign_PUBLICKEYBYTES], sign_sk[crypto_sign_SECRETKEYBYTES];
static struct kt_conn *conn;
static unsigned long reconnects;

static void die(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
static void die(int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s %s: fatal: ", prog, prefix ? prefix : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	exit(code);
}

static void pause_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/* Append one line to the log and make it durable before the next request. */
static void log_ack(char kind, const char *client_id, int64_t finding_id)
{
	char line[128];
	int n = snprintf(line, sizeof(line), "%c %s %" PRId64 "\n", kind, client_id, finding_id);

	if (n < 0 || (size_t)n >= sizeof(line) || write(log_fd, line, (size_t)n) != n ||
	    fsync(log_fd) != 0)
		die(1, "cannot append to %s: %s", log_path, strerror(errno));
}

static void drop_conn(void)
{
	kt_conn_close(conn);
	conn = NULL;
}

/*
 * One request; 0 with *resp (any status), or -1 when the connection broke
 * (it is then dropped).
 */
static int call(Kiemtra__V1__Request *req, Kiemtra__V1__Response **resp)
{
	int rc;

	*resp = NULL;
	rc = kt_conn_call(conn, req, resp);
	if (rc == KT_ETOOBIG || rc == KT_ELIMIT)
		die(1, "request refused by the client library: %s", kt_strerror(rc));
	if (rc != KT_OK) {
		kt_response_free(*resp);
		*resp = NULL;
		drop_conn();
		return -1;
	}
	return 0;
}

static bool retryable(const Kiemtra__V1__Response *resp)
{
	return resp->status == KIEMTRA__V1__STATUS__STATUS_UNAVAILABLE ||
	       resp->status == KIEMTRA__V1__STATUS__STATUS_RESOURCE_EXHAUSTED;
}

/* Connect and log in, retrying until it works (the server may be restarting). */
static void ensure_conn(void)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__LoginReq lr = KIEMTRA__V1__LOGIN_REQ__INIT;
	Kiemtra__V1__Response *resp;
	char err[512];

	while (!conn) {
		if (kt_conn_open(host, port, dev_priv, dev_pub, NULL, NULL, true,
				 CONNECT_TIMEOUT_MS, &conn, err, sizeof(err)) != KT_OK) {
			conn = NULL;
			pause_ms(RETRY_PAUSE_MS);
			continue;
		}
		reconnects++;
		lr.username = (char *)user;
		lr.password = (char *)password;
		lr.device_name = "kt_load";
		lr.signing_key.data = sign_pk;
		lr.signing_key.len = sizeof(sign_pk);
		req.body_case = KIEMTRA__V1__REQUEST__BODY_LOGIN;
		req.login = &lr;
		if (call(&req, &resp) != 0)
			continue;
		if (resp->status == KIEMTRA__V1__STATUS__STATUS_OK &&
		    resp->body_case == KIEMTRA__V1__RESPONSE__BODY_LOGIN && resp->login) {
			if (resp->login->must_change_password)
				die(1, "%s must change the password first", user);
			if (resp->login->session_token.data)
				sodium_memzero(resp->login->session_token.data,
					       resp->login->session_token.len);
			kt_response_free(resp);
			return;
		}
		if (retryable(resp)) {
			kt_response_free(resp);
			drop_conn();
			pause_ms(RETRY_PAUSE_MS);
			continue;
		}
		die(1, "login as %s refused: status %d: %s", user, (int)resp->status,
		    resp->message);
	}
}

/* The finding of an OK response to a create, review or get; dies if the body is not one. */
static const Kiemtra__V1__Finding *finding_of(const Kiemtra__V1__Response *resp)
{
	const Kiemtra__V1__Finding *f = NULL;

	switch (resp->body_case) {
	case KIEMTRA__V1__RESPONSE__BODY_FINDING_CREATE:
		f = resp->finding_create ? resp->finding_create->finding : NULL;
		break;
	case KIEMTRA__V1__RESPONSE__BODY_FINDING_REVIEW:
		f = resp->finding_review ? resp->finding_review->finding : NULL;
		break;
	case KIEMTRA__V1__RESPONSE__BODY_FINDING_GET:
		f = resp->finding_get ? resp->finding_get->finding : NULL;
		break;
	default:
		break;
	}
	if (!f)
		die(1, "the server's answer (body %d) has no finding", (int)resp->body_case);
	return f;
}

/*
 * Create the finding with this client id until the server acknowledges it.
 * Returns the response (OK); the caller frees it.
 */
static Kiemtra__V1__Response *create(const char *client_id, const char *text)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__FindingCreateReq cr = KIEMTRA__V1__FINDING_CREATE_REQ__INIT;
	Kiemtra__V1__Response *resp;

	cr.client_id = (char *)client_id;
	cr.plan_id = plan_id;
	cr.unit_id = unit_id;
	cr.area = KIEMTRA__V1__AREA__AREA_PROCEDURES;
	cr.kind = KIEMTRA__V1__FINDING_KIND__FINDING_KIND_SHORTCOMING;
	cr.text = (char *)text;
	cr.cause = "";
	cr.submit = true;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_FINDING_CREATE;
	req.finding_create = &cr;
	for (;;) {
		ensure_conn();
		if (call(&req, &resp) != 0)
			continue;
		if (resp->status == KIEMTRA__V1__STATUS__STATUS_OK)
			return resp;
		if (!retryable(resp))
			die(1, "finding create %s refused: status %d: %s", client_id,
			    (int)resp->status, resp->message);
		kt_response_free(resp);
		pause_ms(RETRY_PAUSE_MS);
	}
}

/* The finding id as the server has it now (after a broken acceptance); NULL on a broken link. */
static Kiemtra__V1__Response *get(int64_t id)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__FindingGetReq g = KIEMTRA__V1__FINDING_GET_REQ__INIT;
	Kiemtra__V1__Response *resp;

	g.id = id;
	req.body_case = KIEMTRA__V1__REQUEST__BODY_FINDING_GET;
	req.finding_get = &g;
	for (;;) {
		ensure_conn();
		if (call(&req, &resp) != 0)
			continue;
		if (resp->status == KIEMTRA__V1__STATUS__STATUS_OK)
			return resp;
		if (!retryable(resp))
			die(1, "finding get %" PRId64 " refused: status %d: %s", id,
			    (int)resp->status, resp->message);
		kt_response_free(resp);
		pause_ms(RETRY_PAUSE_MS);
	}
}

/* Accept the finding of resp0 (submitted) until the server acknowledges it. */
static void accept_finding(const char *client_id, Kiemtra__V1__Response *resp0)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__FindingReviewReq rr = KIEMTRA__V1__FINDING_REVIEW_REQ__INIT;
	Kiemtra__V1__Response *cur = resp0, *resp;
	const Kiemtra__V1__Finding *f = finding_of(cur);
	int64_t id = f->id;
	uint8_t digest[KT_DIGEST_LEN], sig[KT_SIG_LEN];

	for (;;) {
		f = finding_of(cur);
		if (f->state == KIEMTRA__V1__FINDING_STATE__FINDING_STATE_ACCEPTED)
			break; /* an attempt whose answer was lost was kept */
		if (f->state != KIEMTRA__V1__FINDING_STATE__FINDING_STATE_SUBMITTED)
			die(1, "finding %" PRId64 " (%s) is in state %d, not submitted", id,
			    client_id, (int)f->state);
		kt_digest_finding_accept(f->plan_id, f->id, f->unit_id, f->area, f->kind, f->text,
					 f->cause, 0, NULL, digest);
		kt_sign_digest(sign_sk, digest, sig);
		rr.id = id;
		rr.version = f->version;
		rr.accept = true;
		rr.signature.data = sig;
		rr.signature.len = sizeof(sig);
		req.body_case = KIEMTRA__V1__REQUEST__BODY_FINDING_REVIEW;
		req.finding_review = &rr;
		ensure_conn();
		if (call(&req, &resp) == 0 && resp->status == KIEMTRA__V1__STATUS__STATUS_OK) {
			kt_response_free(resp);
			break;
		}
		if (conn && !retryable(resp))
			die(1, "finding accept %" PRId64 " (%s) refused: status %d: %s", id,
			    client_id, (int)resp->status, resp->message);
		if (conn) {
			kt_response_free(resp);
			pause_ms(RETRY_PAUSE_MS);
		}
		/* Lost or refused for now: read what the server kept, then decide. */
		if (cur != resp0)
			kt_response_free(cur);
		cur = get(id);
	}
	if (cur != resp0)
		kt_response_free(cur);
	log_ack('A', client_id, id);
}

static void usage(void)
{
	fprintf(stderr, "usage: KT_LOAD_PASSWORD=PW kt_load --server HOST:PORT --user NAME "
			"--plan ID --unit ID --prefix P --log FILE [--accept] [--count N]\n");
	exit(2);
}

static int64_t parse_id(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end || v <= 0)
		usage();
	return (int64_t)v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"server", required_argument, NULL, 's'},
	    {"user", required_argument, NULL, 'u'},
	    {"plan", required_argument, NULL, 'p'},
	    {"unit", required_argument, NULL, 'n'},
	    {"prefix", required_argument, NULL, 'x'},
	    {"log", required_argument, NULL, 'l'},
	    {"accept", no_argument, NULL, 'a'},
	    {"count", required_argument, NULL, 'c'},
	    {NULL, 0, NULL, 0},
	};
	const char *server = NULL, *colon;
	char client_id[80], text[160];
	unsigned long acked = 0, seq;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			server = optarg;
			break;
		case 'u':
			user = optarg;
			break;
		case 'p':
			plan_id = parse_id(optarg);
			break;
		case 'n':
			unit_id = parse_id(optarg);
			break;
		case 'x':
			prefix = optarg;
			break;
		case 'l':
			log_path = optarg;
			break;
		case 'a':
			do_accept = true;
			break;
		case 'c':
			count_max = (unsigned long)parse_id(optarg);
			break;
		default:
			usage();
		}
	}
	password = getenv("KT_LOAD_PASSWORD");
	if (optind != argc || !server || !user || !plan_id || !unit_id || !prefix || !log_path ||
	    !password || strlen(prefix) > 40 ||
	    strspn(prefix, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") !=
		strlen(prefix))
		usage();
	colon = strrchr(server, ':');
	if (!colon || (size_t)(colon - server) >= sizeof(host) || strlen(colon + 1) >= sizeof(port))
		usage();
	memcpy(host, server, (size_t)(colon - server));
	host[colon - server] = '\0';
	snprintf(port, sizeof(port), "%s", colon + 1);
	if (sodium_init() < 0)
		die(1, "libsodium failed to initialise");
	randombytes_buf(dev_priv, sizeof(dev_priv));
	crypto_scalarmult_base(dev_pub, dev_priv);
	crypto_sign_keypair(sign_pk, sign_sk);
	log_fd = open(log_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (log_fd < 0)
		die(1, "cannot open %s: %s", log_path, strerror(errno));

	for (seq = 1; !count_max || acked < count_max; seq++) {
		Kiemtra__V1__Response *resp;
		const Kiemtra__V1__Finding *f;

		snprintf(client_id, sizeof(client_id), "%s-%06lu", prefix, seq);
		snprintf(text, sizeof(text), "Tải thử %s: hồ sơ một cửa trễ hạn", client_id);
		resp = create(client_id, text);
		f = finding_of(resp);
		if (strcmp(f->client_id, client_id) != 0 || strcmp(f->text, text) != 0)
			die(1, "finding %" PRId64 " answered for %s is %s", f->id, client_id,
			    f->client_id);
		log_ack('C', client_id, f->id);
		acked++;
		if (do_accept)
			accept_finding(client_id, resp);
		kt_response_free(resp);
	}
	drop_conn();
	sodium_memzero(dev_priv, sizeof(dev_priv));
	sodium_memzero(sign_sk, sizeof(sign_sk));
	fprintf(stderr, "%s %s: %lu findings acknowledged, %lu connections\n", prog, prefix, acked,
		reconnects);
	return 0;
}
