/*
 * fuzz_dispatch.c - the request path after decryption: one plaintext frame
 * through server/dispatch.c dispatch_frame() (kt_unpack under the
 * connection's budget, the method table checks, the method itself on the loop,
 * the storage worker and the password-hash pool) against a seeded database,
 * until the reply has been written.
 *
 * The server core is support_server.c's (no listener), and before the first
 * input the harness adds a small workflow world through the protocol itself
 * (world_setup(): plan 1 with FZ_USERNAME as its authority and team leader,
 * unit HA assigned to them, draft finding 1), so that requests about plans,
 * findings, conclusions, reports and watches reach past "not found".
 *
 * The connection is a struct conn set up as conn_accept() and the handshake
 * would leave it, in state OPEN, with one end of a socketpair as its uv_tcp_t;
 * the harness reads the other end, decrypts each frame with the connection's
 * sending key, and checks the reply against docs/PROTOCOL.md §5.1:
 *   - exactly one Response (while the connection stays open), with the
 *     request's id, or id 0 when the request cannot be decoded;
 *   - STATUS_OK carries the body with the request's field number; any other
 *     status carries no body and a non-empty message;
 *   - every frame decrypts and decodes as a ServerFrame.
 *
 * Input: byte 0 picks the connection's state (low 2 bits):
 *   0  logged in as FZ_USERNAME (the seeded session and device)
 *   1  not logged in (frames limited to 4 KiB + tag, as conn.c enforces)
 *   2  logged in, the password must be changed first
 *   3  logged in, without any role
 * The rest is the plaintext of one transport frame (normally a Request).
 *
 * KT_FUZZ_VERBOSE=1 in the environment prints each response (reproducing).
 *
 * Between inputs the connection is reset to that state, the database is put
 * back when the input changed it, and the login throttle is forgotten after a
 * login or password change, so an input behaves the same whenever it runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <sodium.h>

#include "common/codec.h"
#include "common/status.h"
#include "common/wire.h"
#include "fuzz/fuzz.h"
#include "fuzz/support_server.h"
#include "proto/kiemtra.pb-c.h"
#include "server/conn.h"
#include "server/dispatch.h"
#include "server/events.h"

#define TX_KEY_BYTE 0x7a /* the connection's sending key: 32 bytes of this */

static struct conn *conn;
static int peer_fd = -1;
static bool verbose; /* KT_FUZZ_VERBOSE set: print each response (for reproducing) */

struct reply_check {
	const Kiemtra__V1__Request *req; /* NULL: undecodable */
	struct noise_cipher rx;		 /* the client's receiving cipher */
	unsigned responses;
	bool keep; /* keep the response's frame in kept (world setup) */
	Kiemtra__V1__ServerFrame *kept;
};

static void conn_new(void)
{
	struct server *s = fz_server();
	const struct fz_seed *sd = fz_seed();
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
		abort();
	conn = calloc(1, sizeof(*conn));
	if (!conn)
		abort();
	if (uv_tcp_init(s->loop, &conn->tcp) != 0 || uv_tcp_open(&conn->tcp, sv[0]) != 0)
		abort();
	peer_fd = sv[1];
	if (fcntl(peer_fd, F_SETFL, O_NONBLOCK) != 0)
		abort();
	conn->tcp.data = conn;
	conn->srv = s;
	conn->refs = 1; /* the registry's, as conn_accept() */
	conn->state = CONN_OPEN;
	conn->id = ++s->next_conn_id;
	conn->connected_at = server_now_ms();
	conn->last_rx_ms = uv_now(s->loop);
	kt_frame_reader_init(&conn->fr, CONN_FRAME_MAX_UNAUTH);
	conn->next = s->conns;
	if (s->conns)
		s->conns->prev = conn;
	s->conns = conn;
	s->nconns++;
	snprintf(conn->peer, sizeof(conn->peer), "%s", FZ_PEER);
	snprintf(conn->peer_host, sizeof(conn->peer_host), "%s", FZ_PEER_HOST);
	memcpy(conn->device_pub, sd->device_pub, 32);
	kt_fingerprint(conn->device_pub, conn->device_fp);
	memset(conn->tx.k, TX_KEY_BYTE, sizeof(conn->tx.k));
	conn->tx.has_key = 1;
	memset(conn->rx.k, TX_KEY_BYTE + 1, sizeof(conn->rx.k));
	conn->rx.has_key = 1;
	conn_ref(conn); /* the harness's: the connection outlives a close until we drop it */
}

static bool conn_closed(void *arg)
{
	return conn->refs == 1 && conn->in_flight == 0;
}

/* A request closed the connection: let the close finish, free it, start a new one. */
static void conn_replace(void)
{
	fz_run_until(conn_closed, NULL);
	conn_unref(conn);
	close(peer_fd);
	conn_new();
}

static void conn_setup(int mode)
{
	const struct fz_seed *sd = fz_seed();

	events_forget(conn);
	conn->tx.n = 0;
	conn->event_seq = 0;
	conn->keepalive_sent = false;
	conn->login_pending = false;
	conn->user_id = 0;
	conn->session_id = 0;
	conn->username[0] = '\0';
	conn->roles = 0;
	conn->unit_id = 0;
	conn->must_change_password = false;
	conn->session_started_at = conn->session_expires_at = 0;
	conn->device_id = 0;
	conn->fr.max_frame = CONN_FRAME_MAX_UNAUTH;
	if (mode == 1)
		return;
	conn->user_id = sd->user_id;
	conn->session_id = sd->session_id;
	snprintf(conn->username, sizeof(conn->username), "%s", FZ_USERNAME);
	conn->roles = mode == 3 ? 0 : sd->roles;
	conn->must_change_password = mode == 2;
	conn->session_started_at = sd->session_created_at;
	conn->session_expires_at = sd->session_expires_at;
	conn->device_id = sd->device_id;
	conn->fr.max_frame = KT_FRAME_MAX;
}

static bool conn_idle(void *arg)
{
	return conn->in_flight == 0 && conn->write_queued == 0;
}

static int check_frame(void *arg, const uint8_t *frame, size_t len)
{
	static uint8_t plain[KT_FRAME_MAX];
	struct reply_check *rc = arg;
	Kiemtra__V1__ServerFrame *f;
	const Kiemtra__V1__Response *r;
	int err;

	FZ_CHECK(len >= NOISE_TAGLEN, "a %zu-byte frame from the server", len);
	err = noise_decrypt(&rc->rx, NULL, 0, frame, len, plain);
	FZ_CHECK(err == NOISE_OK, "a server frame does not decrypt: %s", noise_strerror(err));
	f = (Kiemtra__V1__ServerFrame *)kt_unpack(&kiemtra__v1__server_frame__descriptor, plain,
						  len - NOISE_TAGLEN, 8u << 20);
	FZ_CHECK(f != NULL, "the server sent %zu bytes that are not a ServerFrame",
		 len - NOISE_TAGLEN);
	if (f->kind_case == KIEMTRA__V1__SERVER_FRAME__KIND_RESPONSE) {
		r = f->response;
		rc->responses++;
		if (verbose)
			fprintf(stderr, "fuzz_dispatch: response id %llu status %d body %d: %s\n",
				(unsigned long long)r->id, (int)r->status, (int)r->body_case,
				r->message ? r->message : "");
		FZ_CHECK(r->id == (rc->req ? rc->req->id : 0), "response id %llu",
			 (unsigned long long)r->id);
		FZ_CHECK(r->status >= 0 && r->status <= 16, "status %d", (int)r->status);
		if (r->status == KIEMTRA__V1__STATUS__STATUS_OK) {
			FZ_CHECK(rc->req != NULL, "an undecodable request was answered OK");
			FZ_CHECK((int)r->body_case == (int)rc->req->body_case,
				 "request body %d answered OK with body %d",
				 (int)rc->req->body_case, (int)r->body_case);
		} else {
			FZ_CHECK(r->body_case == KIEMTRA__V1__RESPONSE__BODY__NOT_SET,
				 "status %d with body %d", (int)r->status, (int)r->body_case);
			FZ_CHECK(r->message && r->message[0], "status %d without a message",
				 (int)r->status);
		}
		if (rc->keep && !rc->kept) {
			rc->kept = f;
			return 0;
		}
	} else {
		FZ_CHECK(f->kind_case == KIEMTRA__V1__SERVER_FRAME__KIND_EVENT,
			 "a ServerFrame with kind %d", (int)f->kind_case);
	}
	kt_unpack_free(&f->base);
	return 0;
}

static void read_replies(struct reply_check *rc)
{
	static uint8_t buf[1 << 16];
	struct kt_frame_reader fr;
	ssize_t n;
	int err;

	kt_frame_reader_init(&fr, KT_FRAME_MAX);
	for (;;) {
		n = read(peer_fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		err = kt_frame_feed(&fr, buf, (size_t)n, check_frame, rc);
		FZ_CHECK(err == KT_OK, "the server's frames do not parse: %s", kt_strerror(err));
	}
	FZ_CHECK(n < 0 && errno == EAGAIN, "reading the server's frames: %s",
		 n == 0 ? "end of stream" : strerror(errno));
	FZ_CHECK(kt_frame_pending(&fr) == 0, "%zu bytes of a partial frame", kt_frame_pending(&fr));
	kt_frame_reader_reset(&fr);
}

/* ---- the workflow world ------------------------------------------------------------ */

/*
 * One request as the seeded user, as an input in mode 0 would send it; returns
 * the response (free its ServerFrame with kt_unpack_free). A refusal is printed:
 * the world is then poorer, but the target still runs.
 */
static Kiemtra__V1__ServerFrame *world_call(Kiemtra__V1__Request *r, const char *what)
{
	static uint8_t buf[KT_PLAINTEXT_MAX];
	struct reply_check check = {.req = r, .keep = true};
	size_t n = kt_pack(&r->base, buf, sizeof(buf));
	int rc;

	conn_setup(0);
	FZ_CHECK(n > 0, "%s does not pack", what);
	rc = dispatch_frame(conn, buf, n);
	FZ_CHECK(rc == KT_OK, "%s: dispatch_frame returned %s", what, kt_strerror(rc));
	fz_run_until(conn_idle, NULL);
	memset(check.rx.k, TX_KEY_BYTE, sizeof(check.rx.k));
	check.rx.has_key = 1;
	read_replies(&check);
	FZ_CHECK(check.kept && conn->state == CONN_OPEN, "%s: no response", what);
	if (check.kept->response->status != KIEMTRA__V1__STATUS__STATUS_OK)
		fprintf(stderr, "fuzz_dispatch: setting up the world, %s was refused: %s\n", what,
			check.kept->response->message);
	return check.kept;
}

/*
 * Through the protocol, as the seeded user: plan 06/KH-UBND over HA and PNV
 * with FZ_USERNAME as its approving authority and team leader, HA assigned to
 * them, and one draft finding on HA. Then the database is the new baseline, so
 * inputs can work on plan and finding ids 1 (see gen_corpus.c).
 */
static void world_setup(void)
{
	Kiemtra__V1__Request r;
	Kiemtra__V1__PlanCreateReq pc = KIEMTRA__V1__PLAN_CREATE_REQ__INIT;
	Kiemtra__V1__TeamMemberSetReq tm = KIEMTRA__V1__TEAM_MEMBER_SET_REQ__INIT;
	Kiemtra__V1__AssignReq as = KIEMTRA__V1__ASSIGN_REQ__INIT;
	Kiemtra__V1__FindingCreateReq fc = KIEMTRA__V1__FINDING_CREATE_REQ__INIT;
	Kiemtra__V1__ServerFrame *f;
	Kiemtra__V1__Area areas[] = {KIEMTRA__V1__AREA__AREA_PROCEDURES,
				     KIEMTRA__V1__AREA__AREA_DIGITAL_GOV};
	char *units[] = {"HA", "PNV"};
	int64_t plan_id = 0;

	pc.number = "06/KH-UBND";
	pc.issued_on = "2022-01-11";
	pc.issuer = "UBND tỉnh Bình Định";
	pc.title = "Kiểm tra cải cách hành chính năm 2022";
	pc.period_start = "2022-03-01";
	pc.period_end = "2022-03-10";
	pc.n_areas = 2;
	pc.areas = areas;
	pc.n_unit_codes = 2;
	pc.unit_codes = units;
	pc.authority = FZ_USERNAME;
	pc.client_id = "fuzz-plan-0001";
	kiemtra__v1__request__init(&r);
	r.id = 1;
	r.body_case = KIEMTRA__V1__REQUEST__BODY_PLAN_CREATE;
	r.plan_create = &pc;
	f = world_call(&r, "plan.create");
	if (f->response->body_case == KIEMTRA__V1__RESPONSE__BODY_PLAN_CREATE &&
	    f->response->plan_create->plan)
		plan_id = f->response->plan_create->plan->id;
	kt_unpack_free(&f->base);
	if (!plan_id)
		return;

	tm.plan_id = plan_id;
	tm.username = FZ_USERNAME;
	tm.role = KIEMTRA__V1__TEAM_ROLE__TEAM_ROLE_LEADER;
	tm.group = "Tổ 1";
	kiemtra__v1__request__init(&r);
	r.id = 2;
	r.body_case = KIEMTRA__V1__REQUEST__BODY_TEAM_MEMBER_SET;
	r.team_member_set = &tm;
	kt_unpack_free(&world_call(&r, "team.member_set")->base);

	as.plan_id = plan_id;
	as.unit_code = "HA";
	as.username = FZ_USERNAME;
	as.date_from = "2022-03-01";
	as.date_to = "2022-03-05";
	kiemtra__v1__request__init(&r);
	r.id = 3;
	r.body_case = KIEMTRA__V1__REQUEST__BODY_ASSIGN;
	r.assign = &as;
	kt_unpack_free(&world_call(&r, "assign")->base);

	fc.client_id = "fuzz-finding-0001";
	fc.plan_id = plan_id;
	fc.unit_id = fz_seed()->unit_ha;
	fc.area = KIEMTRA__V1__AREA__AREA_PROCEDURES;
	fc.kind = KIEMTRA__V1__FINDING_KIND__FINDING_KIND_SHORTCOMING;
	fc.text = "Còn 12 hồ sơ trễ hạn trên phần mềm một cửa";
	fc.cause = "Cán bộ quên cập nhật trạng thái hồ sơ";
	kiemtra__v1__request__init(&r);
	r.id = 4;
	r.body_case = KIEMTRA__V1__REQUEST__BODY_FINDING_CREATE;
	r.finding_create = &fc;
	kt_unpack_free(&world_call(&r, "finding.create")->base);
	fz_snapshot();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Kiemtra__V1__Request *req;
	struct reply_check check = {0};
	const uint8_t *plain;
	size_t len;
	int mode, rc;

	if (size < 1)
		return 0;
	mode = data[0] & 3;
	plain = data + 1;
	len = size - 1;
	/* conn.c never passes a longer frame to dispatch_frame() (wire.h, conn.h limits). */
	if (len > KT_PLAINTEXT_MAX || (mode == 1 && len > CONN_REQUEST_MAX_UNAUTH))
		return -1;
	if (!conn) {
		verbose = getenv("KT_FUZZ_VERBOSE") != NULL;
		conn_new();
		world_setup();
	}
	conn_setup(mode);

	req = (Kiemtra__V1__Request *)kt_unpack(&kiemtra__v1__request__descriptor, plain, len,
						mode == 1 ? KT_DECODE_BUDGET_UNAUTH
							  : KT_DECODE_BUDGET);
	rc = dispatch_frame(conn, plain, len);
	if (req || mode != 1)
		FZ_CHECK(rc == KT_OK, "dispatch_frame returned %s", kt_strerror(rc));
	else
		FZ_CHECK(rc == KT_EINVAL, "undecodable before login: %s", kt_strerror(rc));
	fz_run_until(conn_idle, NULL);

	check.req = req;
	memset(check.rx.k, TX_KEY_BYTE, sizeof(check.rx.k));
	check.rx.has_key = 1;
	read_replies(&check);
	if (conn->state == CONN_OPEN)
		FZ_CHECK(check.responses == 1, "%u responses to one request", check.responses);
	else
		conn_replace();

	if (req && (req->body_case == KIEMTRA__V1__REQUEST__BODY_LOGIN ||
		    req->body_case == KIEMTRA__V1__REQUEST__BODY_PASSWORD_CHANGE))
		fz_reset_auth();
	kt_unpack_free((ProtobufCMessage *)req);
	fz_restore_if_changed();
	return 0;
}
