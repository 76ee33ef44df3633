/*
 * gen_corpus.c - write the seed corpus of every fuzz target:
 *
 *   build-fuzz/fuzz/gen_corpus fuzz/corpus
 *
 * creates fuzz/corpus/<target>/<name> for each seed below (replacing files of
 * the same name, leaving others alone). Protocol seeds (frame, noise,
 * dispatch, admin) are encoded here with the project's own encoders so that
 * they stay valid as the formats evolve; text seeds (config, session,
 * known_servers, text) are written as they stand. Each seed is small (under
 * 4 KiB) and either valid or one step from valid; the output is the same on
 * every run (fixed keys, no clock).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "common/codec.h"
#include "common/keyfile.h"
#include "common/wire.h"
#include "client/known_servers.h"
#include "fuzz/support_server.h"
#include "proto/kiemtra.pb-c.h"
#include "server/admin_client.h"

#define SEED_MAX 4096

static const char *root;
static unsigned written;

static void put(const char *target, const char *name, const void *data, size_t len)
{
	char path[4096];
	FILE *f;

	if (len >= SEED_MAX) {
		fprintf(stderr, "gen_corpus: %s/%s would be %zu bytes\n", target, name, len);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s", root, target);
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "gen_corpus: mkdir %s: %s\n", path, strerror(errno));
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s/%s", root, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "gen_corpus: cannot write %s\n", path);
		exit(1);
	}
	written++;
}

static void put_text(const char *target, const char *name, const char *text)
{
	put(target, name, text, strlen(text));
}

/* A text seed: the selector byte, then the text (a string literal: NULs count). */
#define TEXT_SEED(name, sel, lit)                                                                  \
	do {                                                                                       \
		char seed_[sizeof(lit)] = {(char)(sel)};                                           \
		memcpy(seed_ + 1, lit, sizeof(lit) - 1);                                           \
		put("text", name, seed_, sizeof(lit));                                             \
	} while (0)

/* A growing byte string for assembling seeds. */
struct bytes {
	uint8_t b[SEED_MAX];
	size_t n;
};

static void add(struct bytes *o, const void *p, size_t len)
{
	if (o->n + len > sizeof(o->b)) {
		fprintf(stderr, "gen_corpus: a seed outgrew %zu bytes\n", sizeof(o->b));
		exit(1);
	}
	if (len)
		memcpy(o->b + o->n, p, len);
	o->n += len;
}

static void add_byte(struct bytes *o, uint8_t v)
{
	add(o, &v, 1);
}

/* One fuzz.h chunk: 2-byte length, bytes. */
static void add_chunk(struct bytes *o, const void *p, size_t len)
{
	add_byte(o, (uint8_t)(len >> 8));
	add_byte(o, (uint8_t)len);
	add(o, p, len);
}

static size_t pack(const ProtobufCMessage *m, uint8_t *out, size_t cap)
{
	size_t n = kt_pack(m, out, cap);

	if (n == 0 && protobuf_c_message_get_packed_size(m) != 0) {
		fprintf(stderr, "gen_corpus: a message does not fit\n");
		exit(1);
	}
	return n;
}

/* ---- frame -------------------------------------------------------------------- */

static void frame_seed(const char *name, uint8_t sel, uint16_t seed, uint8_t stop,
		       const char *hex_stream)
{
	struct bytes o = {.n = 0};
	size_t hl = strlen(hex_stream), bl = 0;
	uint8_t bin[SEED_MAX];

	add_byte(&o, sel);
	add_byte(&o, (uint8_t)(seed >> 8));
	add_byte(&o, (uint8_t)seed);
	add_byte(&o, stop);
	if (sodium_hex2bin(bin, sizeof(bin), hex_stream, hl, " ", &bl, NULL) != 0) {
		fprintf(stderr, "gen_corpus: bad hex for %s\n", name);
		exit(1);
	}
	add(&o, bin, bl);
	put("frame", name, o.b, o.n);
}

static void gen_frame(void)
{
	struct bytes o = {.n = 0};
	uint8_t body[300];

	frame_seed("empty", 0x00, 0, 0, "");
	frame_seed("one", 0x00, 0, 0, "0005 68656c6c6f");
	frame_seed("two_in_bytes", 0x40, 0x1234, 0, "0003 616263 0001 78");
	frame_seed("three_in_tens", 0x80, 0x0007, 0, "0002 6869 0003 616263 0001 21");
	frame_seed("zero_length", 0x01, 0, 0, "0001 61 0000 62");
	frame_seed("too_big_before_login", 0x00, 0, 0, "1011 0102030405");
	frame_seed("largest_before_login", 0xc0, 0x4242, 0, "1010 00010203");
	frame_seed("tiny_limit", 0x0a, 0x0101, 0, "0003 616263 0004 61626364");
	frame_seed("partial_tail", 0xc0, 0x0909, 0, "0002 6869 0010 0102030405");
	frame_seed("lone_header_byte", 0x41, 0x0001, 0, "0001 61 00");
	frame_seed("stop_at_second", 0x80, 0x0033, 2, "0001 61 0001 62 0001 63");
	frame_seed("clamped_limit", 0x03, 0, 0, "ffff 00");
	/* A preamble-sized first frame and a handshake-sized second one. */
	add(&o, (const uint8_t[]){0x41, 0x77, 0x01, 0x00, 0x00, 0x08}, 6);
	add(&o, kt_preamble, KT_PREAMBLE_LEN);
	memset(body, 0x5a, sizeof(body));
	add_byte(&o, 0x00);
	add_byte(&o, 0x60);
	add(&o, body, 0x60);
	put("frame", "handshake_sizes", o.b, o.n);
}

/* ---- noise -------------------------------------------------------------------- */

static size_t client_hello(uint8_t *out, size_t cap, uint32_t lo, uint32_t hi, const char *name)
{
	Kiemtra__V1__ClientHello ch = KIEMTRA__V1__CLIENT_HELLO__INIT;

	ch.min_version = lo;
	ch.max_version = hi;
	ch.client_name = (char *)name;
	return pack(&ch.base, out, cap);
}

static size_t ping_request(uint8_t *out, size_t cap, uint64_t id, const char *data)
{
	Kiemtra__V1__Request r = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__PingReq p = KIEMTRA__V1__PING_REQ__INIT;

	p.data.data = (uint8_t *)data;
	p.data.len = strlen(data);
	r.id = id;
	r.body_case = KIEMTRA__V1__REQUEST__BODY_PING;
	r.ping = &p;
	return pack(&r.base, out, cap);
}

static size_t login_request(uint8_t *out, size_t cap, uint64_t id, const char *user, const char *pw,
			    size_t signing_len)
{
	Kiemtra__V1__Request r = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__LoginReq q = KIEMTRA__V1__LOGIN_REQ__INIT;
	static uint8_t key[40];

	memset(key, 0x4b, sizeof(key));
	q.username = (char *)user;
	q.password = (char *)pw;
	q.device_name = "fuzz laptop";
	q.signing_key.data = key;
	q.signing_key.len = signing_len;
	r.id = id;
	r.body_case = KIEMTRA__V1__REQUEST__BODY_LOGIN;
	r.login = &q;
	return pack(&r.base, out, cap);
}

/* A noise seed: flags, hello, ClientFinish payload, mask, then records (op, bytes). */
static void noise_seed(const char *name, uint8_t flags, const uint8_t *a, size_t alen,
		       const uint8_t *b, size_t blen, const uint8_t *mask, size_t masklen, int nrec,
		       ...)
{
	struct bytes o = {.n = 0};
	va_list ap;

	add_byte(&o, flags);
	add_chunk(&o, a, alen);
	add_chunk(&o, b, blen);
	if ((flags & 3) == 3)
		add_chunk(&o, mask, masklen);
	va_start(ap, nrec);
	for (int i = 0; i < nrec; i++) {
		int op = va_arg(ap, int);
		const uint8_t *p = va_arg(ap, uint8_t *);
		size_t n = va_arg(ap, size_t);
		uint8_t rec[SEED_MAX];

		rec[0] = (uint8_t)op;
		if (n)
			memcpy(rec + 1, p, n);
		add_chunk(&o, rec, n + 1);
	}
	va_end(ap);
	put("noise", name, o.b, o.n);
}

static void gen_noise(void)
{
	uint8_t hello[256], old[256], req[512], login[512], sf[256], junk[96], flip[256];
	size_t hl, ol, rl, ll, sl, fl;
	Kiemtra__V1__ServerFrame f = KIEMTRA__V1__SERVER_FRAME__INIT;
	Kiemtra__V1__Response resp = KIEMTRA__V1__RESPONSE__INIT;
	const uint8_t finish_extra[] = {0x08, 0x01, 0x12, 0x02, 0x68, 0x69};
	const uint8_t bad_hello[] = {0xff, 0xff, 0xff, 0x0a};
	const uint8_t one_bit[] = {0x00, 0x00, 0x01};
	const uint8_t tag_bit[] = {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
				   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
				   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
				   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
				   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80};

	hl = client_hello(hello, sizeof(hello), 1, 1, "kiemtra/" KT_VERSION);
	ol = client_hello(old, sizeof(old), 2, 3, "kiemtra/9.0");
	rl = ping_request(req, sizeof(req), 1, "hello");
	ll = login_request(login, sizeof(login), 2, FZ_USERNAME, FZ_PASSWORD, 32);
	resp.id = 1;
	resp.message = "ok";
	f.kind_case = KIEMTRA__V1__SERVER_FRAME__KIND_RESPONSE;
	f.response = &resp;
	sl = pack(&f.base, sf, sizeof(sf));
	memset(junk, 0xa5, sizeof(junk));
	flip[0] = 0x00;
	flip[1] = 0x21;
	memcpy(flip + 2, req, rl);
	fl = rl + 2;

	noise_seed("handshake_ping", 3, hello, hl, NULL, 0, NULL, 0, 3, 1, req, rl, 2, sf, sl, 1,
		   login, ll);
	noise_seed("handshake_flipped_frame", 3, hello, hl, NULL, 0, NULL, 0, 2, 1, req, rl, 3,
		   flip, fl);
	noise_seed("handshake_raw_frame", 3, hello, hl, NULL, 0, NULL, 0, 1, 0, junk, (size_t)40);
	noise_seed("handshake_empty_frame", 3, hello, hl, NULL, 0, NULL, 0, 2, 1, req, (size_t)0, 2,
		   req, (size_t)0);
	noise_seed("msg3_one_bit", 3, hello, hl, NULL, 0, one_bit, sizeof(one_bit), 0);
	noise_seed("msg3_tag_bit", 3, hello, hl, NULL, 0, tag_bit, sizeof(tag_bit), 0);
	noise_seed("msg3_payload", 3, hello, hl, finish_extra, sizeof(finish_extra), NULL, 0, 1, 1,
		   req, rl);
	noise_seed("hello_other_version", 3, old, ol, NULL, 0, NULL, 0, 0);
	noise_seed("hello_undecodable", 3, bad_hello, sizeof(bad_hello), NULL, 0, NULL, 0, 0);
	noise_seed("hello_empty", 3, NULL, 0, NULL, 0, NULL, 0, 1, 1, req, rl);
	noise_seed("initiator_raw_msg3", 1, hello, hl, junk, 64, NULL, 0, 0);
	noise_seed("raw_msg1", 0, junk, 32 + 5, junk, 64, NULL, 0, 0);
	noise_seed("raw_msg1_short", 0, junk, 20, NULL, 0, NULL, 0, 0);
	noise_seed("raw_msg1_hello", 0, junk, 32, NULL, 0, NULL, 0, 0);
}

/* ---- dispatch ------------------------------------------------------------------- */

static void request_seed(const char *name, uint8_t mode, Kiemtra__V1__Request *r)
{
	struct bytes o = {.n = 0};
	uint8_t buf[SEED_MAX];
	size_t n = pack(&r->base, buf, sizeof(buf));

	add_byte(&o, mode);
	add(&o, buf, n);
	put("dispatch", name, o.b, o.n);
}

static void gen_dispatch(void)
{
	Kiemtra__V1__Request r;
	Kiemtra__V1__PingReq ping = KIEMTRA__V1__PING_REQ__INIT;
	Kiemtra__V1__LoginReq login = KIEMTRA__V1__LOGIN_REQ__INIT;
	Kiemtra__V1__ResumeReq resume = KIEMTRA__V1__RESUME_REQ__INIT;
	Kiemtra__V1__LogoutReq logout = KIEMTRA__V1__LOGOUT_REQ__INIT;
	Kiemtra__V1__WhoamiReq whoami = KIEMTRA__V1__WHOAMI_REQ__INIT;
	Kiemtra__V1__PasswordChangeReq pwc = KIEMTRA__V1__PASSWORD_CHANGE_REQ__INIT;
	Kiemtra__V1__UnitListReq ul = KIEMTRA__V1__UNIT_LIST_REQ__INIT;
	Kiemtra__V1__UnitFindReq uf = KIEMTRA__V1__UNIT_FIND_REQ__INIT;
	Kiemtra__V1__UnitGetReq ug = KIEMTRA__V1__UNIT_GET_REQ__INIT;
	Kiemtra__V1__UnitHistoryReq uh = KIEMTRA__V1__UNIT_HISTORY_REQ__INIT;
	Kiemtra__V1__PlanListReq pl = KIEMTRA__V1__PLAN_LIST_REQ__INIT;
	Kiemtra__V1__PlanGetReq pg = KIEMTRA__V1__PLAN_GET_REQ__INIT;
	Kiemtra__V1__PlanCreateReq pc = KIEMTRA__V1__PLAN_CREATE_REQ__INIT;
	Kiemtra__V1__FindingListReq fl = KIEMTRA__V1__FINDING_LIST_REQ__INIT;
	Kiemtra__V1__FindingGetReq fg = KIEMTRA__V1__FINDING_GET_REQ__INIT;
	Kiemtra__V1__FindingUpdateReq fu = KIEMTRA__V1__FINDING_UPDATE_REQ__INIT;
	Kiemtra__V1__FindingSubmitReq fs = KIEMTRA__V1__FINDING_SUBMIT_REQ__INIT;
	Kiemtra__V1__ConclusionDraftReq cd = KIEMTRA__V1__CONCLUSION_DRAFT_REQ__INIT;
	Kiemtra__V1__ReportReq rp = KIEMTRA__V1__REPORT_REQ__INIT;
	Kiemtra__V1__WatchReq wr = KIEMTRA__V1__WATCH_REQ__INIT;
	char *ha_code[] = {"HA"};
	int64_t finding_ids[] = {1};
	uint8_t token[32], sign[32];
	struct bytes o = {.n = 0};

#define REQ(id_, field, CASE, msg)                                                                 \
	do {                                                                                       \
		kiemtra__v1__request__init(&r);                                                    \
		r.id = (id_);                                                                      \
		r.body_case = KIEMTRA__V1__REQUEST__BODY_##CASE;                                   \
		r.field = (msg);                                                                   \
	} while (0)

	ping.data.data = (uint8_t *)"are you there";
	ping.data.len = 13;
	REQ(1, ping, PING, &ping);
	request_seed("ping", 0, &r);
	request_seed("ping_before_login", 1, &r);

	memset(sign, 0x4b, sizeof(sign));
	login.username = FZ_USERNAME;
	login.password = FZ_PASSWORD;
	login.device_name = "fuzz laptop";
	login.signing_key.data = sign;
	login.signing_key.len = sizeof(sign);
	REQ(2, login, LOGIN, &login);
	request_seed("login", 1, &r);
	login.username = "Tester";
	login.password = "wrong password";
	login.signing_key.len = 0;
	request_seed("login_wrong_password", 1, &r);
	login.username = "nobody";
	login.signing_key.len = 31;
	request_seed("login_bad_signing_key", 1, &r);

	memset(token, FZ_TOKEN_BYTE, sizeof(token));
	resume.session_token.data = token;
	resume.session_token.len = sizeof(token);
	REQ(3, resume, RESUME, &resume);
	request_seed("resume", 1, &r);

	REQ(4, logout, LOGOUT, &logout);
	request_seed("logout", 0, &r);
	REQ(5, whoami, WHOAMI, &whoami);
	request_seed("whoami", 0, &r);
	request_seed("whoami_must_change", 2, &r);

	pwc.old_password = FZ_PASSWORD;
	pwc.new_password = "a brand new passphrase 7";
	REQ(6, password_change, PASSWORD_CHANGE, &pwc);
	request_seed("password_change", 0, &r);
	pwc.new_password = "tester1234567";
	request_seed("password_change_policy", 2, &r);

	REQ(7, unit_list, UNIT_LIST, &ul);
	request_seed("unit_list", 0, &r);
	request_seed("unit_list_before_login", 1, &r);
	ul.parent_id = 2;
	ul.include_merged = true;
	ul.limit = 1;
	ul.after_id = 2;
	request_seed("unit_list_page", 0, &r);
	ul.limit = 5001;
	request_seed("unit_list_over_limit", 0, &r);

	uf.query = "hoa an";
	REQ(8, unit_find, UNIT_FIND, &uf);
	request_seed("unit_find", 0, &r);

	ug.id = 3;
	REQ(9, unit_get, UNIT_GET, &ug);
	request_seed("unit_get", 0, &r);

	uh.id = 4;
	REQ(10, unit_history, UNIT_HISTORY, &uh);
	request_seed("unit_history", 0, &r);

	REQ(11, plan_list, PLAN_LIST, &pl);
	request_seed("plan_list", 0, &r);

	/* The plan and finding fuzz_dispatch.c sets up through the protocol are both id 1. */
	pg.id = 1;
	REQ(12, plan_get, PLAN_GET, &pg);
	request_seed("plan_get", 0, &r);
	pc.number = "07/KH-UBND";
	pc.issued_on = "2022-02-01";
	pc.issuer = "UBND tỉnh";
	pc.title = "Kiểm tra công vụ";
	pc.period_start = "2022-04-01";
	pc.period_end = "2022-04-10";
	pc.n_unit_codes = 1;
	pc.unit_codes = ha_code;
	pc.authority = FZ_USERNAME;
	pc.client_id = "fuzz-plan-0002";
	REQ(13, plan_create, PLAN_CREATE, &pc);
	request_seed("plan_create", 0, &r);
	request_seed("plan_create_no_roles", 3, &r);
	fl.plan_id = 1;
	REQ(14, finding_list, FINDING_LIST, &fl);
	request_seed("finding_list", 0, &r);
	fg.id = 1;
	REQ(15, finding_get, FINDING_GET, &fg);
	request_seed("finding_get", 0, &r);
	fu.id = 1;
	fu.version = 1;
	fu.area = KIEMTRA__V1__AREA__AREA_PROCEDURES;
	fu.kind = KIEMTRA__V1__FINDING_KIND__FINDING_KIND_SHORTCOMING;
	fu.text = "Còn 11 hồ sơ trễ hạn";
	REQ(16, finding_update, FINDING_UPDATE, &fu);
	request_seed("finding_update", 0, &r);
	fs.id = 1;
	fs.version = 1;
	REQ(17, finding_submit, FINDING_SUBMIT, &fs);
	request_seed("finding_submit", 0, &r);
	cd.plan_id = 1;
	cd.unit_id = 3;
	cd.text = "Kết luận: cần cập nhật hồ sơ đúng hạn";
	cd.n_finding_ids = 1;
	cd.finding_ids = finding_ids;
	REQ(18, conclusion_draft, CONCLUSION_DRAFT, &cd);
	request_seed("conclusion_draft", 0, &r);
	rp.plan_id = 1;
	REQ(19, report, REPORT, &rp);
	request_seed("report", 0, &r);
	wr.plan_id = 1;
	REQ(20, watch, WATCH, &wr);
	request_seed("watch", 0, &r);
#undef REQ

	/* Request{id: 21, field 200: {}}: a body this server does not know. */
	add(&o, (const uint8_t[]){0x00, 0x08, 0x15, 0xc2, 0x0c, 0x00}, 6);
	put("dispatch", "unknown_body", o.b, o.n);
	put("dispatch", "undecodable_before_login", (const uint8_t[]){0x01, 0x0a, 0xff}, 3);
}

/* ---- admin ---------------------------------------------------------------------- */

static void admin_request_seed(const char *name, const char *input, int argc, ...)
{
	char *argv[16];
	uint8_t *enc = NULL;
	size_t len = 0;
	char err[256];
	struct bytes o = {.n = 0};
	va_list ap;

	va_start(ap, argc);
	for (int i = 0; i < argc; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	if (admin_request_encode(argc, argv, input, input ? strlen(input) : 0, &enc, &len, err,
				 sizeof(err)) != 0) {
		fprintf(stderr, "gen_corpus: %s: %s\n", name, err);
		exit(1);
	}
	add_byte(&o, 0x01);
	add(&o, enc, len);
	free(enc);
	put("admin", name, o.b, o.n);
}

static void admin_line_seed(const char *name, const char *line)
{
	struct bytes o = {.n = 0};

	add_byte(&o, 0x00);
	add(&o, line, strlen(line));
	put("admin", name, o.b, o.n);
}

static void gen_admin(void)
{
	admin_request_seed("req_help", NULL, 1, "help");
	admin_request_seed("req_help_user", NULL, 2, "help", "user");
	admin_request_seed("req_user_list", NULL, 2, "user", "list");
	admin_request_seed("req_user_show", NULL, 3, "user", "show", FZ_USERNAME);
	admin_request_seed("req_user_add_stdin", "a long enough password 1\n", 7, "user", "add",
			   "bob", "--name", "Bob Nguyễn", "--role=inspector,observer",
			   "--password-stdin");
	admin_request_seed("req_user_passwd_stdin", "another password 22\n", 4, "user", "passwd",
			   FZ_USERNAME, "--password-stdin");
	admin_request_seed("req_unit_find", NULL, 4, "unit", "find", "hoa", "--all");
	admin_request_seed("req_status", NULL, 1, "status");
	admin_request_seed("req_no_words", "", 0);
	admin_line_seed("line_help_unit", "help unit\n");
	admin_line_seed("line_user_add", "user add carol --name 'Carol Trần' --role planner");
	admin_line_seed("line_user_roles", "user roles tester unit_rep --unit HA");
	admin_line_seed("line_user_disable", "user disable tester");
	admin_line_seed("line_unit_add",
			"unit add X1 \"xã Mới \\\"Một\\\"\" --kind commune --parent TP");
	admin_line_seed("line_unit_list", "unit list --parent BD --all # a comment");
	admin_line_seed("line_unit_show", "unit show HA");
	admin_line_seed("line_unit_rename", "unit rename PNV 'Sở Nội vụ mới' --note=sửa");
	admin_line_seed("line_unit_move", "unit move PNV --root --note \"lên\"");
	admin_line_seed("line_unit_merge", "unit merge TP BD");
	admin_line_seed("line_unit_history", "unit history HB");
	admin_line_seed("line_session_kick", "session kick --user tester");
	admin_line_seed("line_audit", "audit verify");
	admin_line_seed("line_fingerprint", "fingerprint --help");
	admin_line_seed("line_unterminated", "user add 'dave --name D");
	admin_line_seed("line_unknown_option", "user list --frob");
	admin_line_seed("line_backslashes", "unit\\ find a\\ b \"c\\d\" \\");
}

/* ---- text files ------------------------------------------------------------------ */

static void gen_text_files(void)
{
	uint8_t pub[32];
	char line[512], text[2048];

	put_text("config", "full",
		 "# kiemtra client\nserver = kt.example.vn:7447\nuser = lan\n"
		 "device_name = Máy của Lan\ntimeout_ms = 15000\n");
	put_text("config", "ipv6", "server=[::1]:7447\r\n\tuser\t=\tan\n");
	put_text("config", "bare_host", "server = 10.0.0.5\n");
	put_text("config", "empty", "");
	put_text("config", "comments_only", "   # nothing\n\n#server = x\n");
	put_text("config", "unknown_key", "servr = a:1\n");
	put_text("config", "bad_port", "server = host:70000\n");
	put_text("config", "bad_timeout", "timeout_ms = -5\n");
	put_text("config", "no_equals", "server kt.example.vn\n");
	put_text("config", "bare_ipv6", "server = ::1\n");
	put_text("config", "empty_value", "user =\n");

	put_text("session", "valid",
		 "user = lan\ntoken = "
		 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
		 "expires_at = 1767225600000\n");
	put_text(
	    "session", "unicode_user",
	    "expires_at=0\ntoken=FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\n"
	    "user = Nguyễn Văn A\n");
	put_text("session", "short_token", "user = lan\ntoken = 0001\nexpires_at = 1\n");
	put_text("session", "missing_expiry",
		 "user = lan\ntoken = "
		 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n");
	put_text("session", "bad_hex",
		 "user = lan\ntoken = "
		 "zz0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
		 "expires_at = 5\n");
	put_text("session", "huge_expiry",
		 "user = lan\ntoken = "
		 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\n"
		 "expires_at = 9223372036854775808\n");

	text[0] = '\0';
	strcat(text, "# pinned server keys\n\n");
	memset(pub, 0x11, sizeof(pub));
	kt_known_format(line, sizeof(line), "kt.example.vn:7447", pub);
	strcat(text, line);
	memset(pub, 0x22, sizeof(pub));
	kt_known_format(line, sizeof(line), "[::1]:7447", pub);
	strcat(text, line);
	memset(pub, 0x33, sizeof(pub));
	kt_known_format(line, sizeof(line), "kt.example.vn:7447", pub);
	strcat(text, line);
	put_text("known_servers", "three", text);
	put_text("known_servers", "one", line);
	put_text("known_servers", "comments", "# none yet\n   \n\t# still none\n");
	line[strlen(line) - 2] ^= 0x01; /* the key no longer matches the fingerprint */
	put_text("known_servers", "wrong_fingerprint", line);
	put_text("known_servers", "two_fields", "host:1 SHA256:abc\n");
	put_text("known_servers", "bad_port",
		 "host:123456 SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA "
		 "0000000000000000000000000000000000000000000000000000000000000000\n");

	/* Byte 0 picks the short fold buffer; octal escapes keep the bytes unambiguous. */
	TEXT_SEED("ascii", 16, "Hello World");
	TEXT_SEED("vietnamese", 7, "xã Hòa An, Huyện Tuy Phước, TỈNH BÌNH ĐỊNH");
	TEXT_SEED("decomposed", 5, "Ho\314\200a An  \302\240 D\314\233\314\201");
	TEXT_SEED("spaces", 3, "\343\200\200  a\tb\n\r c\342\200\250 ");
	TEXT_SEED("controls", 1, "a\177b\302\205c\033");
	TEXT_SEED("latin_ext", 2, "\303\206\303\237\303\276\305\213\304\260\306\211\341\272\240");
	TEXT_SEED("overlong", 9, "\300\257\340\200\257\360\200\200\257");
	TEXT_SEED("surrogate", 4, "\355\240\200\355\277\277");
	TEXT_SEED("above_max", 6, "\364\220\200\200\365\200\200\200");
	TEXT_SEED("truncated", 8, "abc\341\272");
	TEXT_SEED("cjk_emoji", 11, "\344\270\255\346\226\207 \360\237\230\200 \320\226");
	TEXT_SEED("nul", 10, "a\0b");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: gen_corpus DIR   (normally fuzz/corpus)\n");
		return 2;
	}
	if (sodium_init() < 0)
		return 1;
	root = argv[1];
	if (mkdir(root, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "gen_corpus: mkdir %s: %s\n", root, strerror(errno));
		return 1;
	}
	gen_frame();
	gen_noise();
	gen_dispatch();
	gen_admin();
	gen_text_files();
	printf("gen_corpus: %u seeds in %s\n", written, root);
	return 0;
}
