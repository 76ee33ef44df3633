/*
 * test_client.c - the client library (client/): config and session files,
 * server addresses, known_servers parsing and pinning decisions, the JSON
 * writer, display width and tables, and the transport against an in-process
 * fake server (a Noise XX responder on a thread) for pinning, pipelining,
 * events and Goodbye. Exit status 0 when every check passed; each failed
 * check prints what was expected and what came.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "client/config.h"
#include "client/known_servers.h"
#include "client/output.h"
#include "client/transport.h"
#include "client/util.h"
#include "common/codec.h"
#include "common/keyfile.h"
#include "common/noise.h"
#include "common/status.h"
#include "common/wire.h"
#include "support_json.h"

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

#define CHECK_STR(expected, actual)                                                                \
	do {                                                                                       \
		const char *e_ = (expected), *a_ = (actual);                                       \
		if (!a_ || strcmp(e_, a_) != 0) {                                                  \
			fprintf(stderr, "%s:%d: %s: expected \"%s\", got \"%s\"\n", __FILE__,      \
				__LINE__, #actual, e_, a_ ? a_ : "(null)");                        \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

#define CHECK_HAS(haystack, needle)                                                                \
	do {                                                                                       \
		const char *h_ = (haystack), *n_ = (needle);                                       \
		if (!strstr(h_, n_)) {                                                             \
			fprintf(stderr, "%s:%d: expected \"%s\" in \"%s\"\n", __FILE__, __LINE__,  \
				n_, h_);                                                           \
			failures++;                                                                \
		}                                                                                  \
	} while (0)

static char tmpdir[256];

static void path_in_tmp(char *out, size_t cap, const char *name)
{
	snprintf(out, cap, "%s/%s", tmpdir, name);
}

static void write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "cannot write %s: %s\n", path, strerror(errno));
		exit(1);
	}
	fputs(text, f);
	fclose(f);
}

/* ---- config ------------------------------------------------------------------ */

static void test_config(void)
{
	static const char good[] = "# kiemtra client config\n"
				   "\n"
				   "   server = 10.0.0.5:7447   \n"
				   "user=lan\n"
				   "\t# indented comment\n"
				   "device_name = Máy của Lan = laptop\r\n"
				   "timeout_ms = 2500";
	struct kt_config cfg;
	char err[256];

	err[0] = '\0';
	CHECK_INT(KT_OK, kt_config_parse(good, strlen(good), &cfg, err, sizeof(err)));
	CHECK_STR("10.0.0.5:7447", cfg.server);
	CHECK_STR("lan", cfg.user);
	CHECK_STR("Máy của Lan = laptop", cfg.device_name);
	CHECK_INT(2500, cfg.timeout_ms);

	CHECK_INT(KT_OK, kt_config_parse("", 0, &cfg, err, sizeof(err)));
	CHECK_STR("", cfg.server);
	CHECK_INT(0, cfg.timeout_ms);

	CHECK_INT(KT_EINVAL, kt_config_parse("user = a\nserver\n", 16, &cfg, err, sizeof(err)));
	CHECK_HAS(err, "line 2");
	CHECK_HAS(err, "key = value");
	CHECK_INT(KT_EINVAL, kt_config_parse("colour = red\n", 13, &cfg, err, sizeof(err)));
	CHECK_HAS(err, "line 1");
	CHECK_HAS(err, "unknown key 'colour'");
	CHECK_INT(KT_EINVAL,
		  kt_config_parse("\n\ntimeout_ms = soon\n", 20, &cfg, err, sizeof(err)));
	CHECK_HAS(err, "line 3");
	CHECK_INT(KT_EINVAL, kt_config_parse("timeout_ms = 0\n", 15, &cfg, err, sizeof(err)));
	CHECK_INT(KT_EINVAL, kt_config_parse("user =\n", 7, &cfg, err, sizeof(err)));
	CHECK_HAS(err, "empty value");
	CHECK_INT(KT_EINVAL, kt_config_parse(" = x\n", 5, &cfg, err, sizeof(err)));
	CHECK_INT(KT_EINVAL, kt_config_parse("server = a:b:c\n", 15, &cfg, err, sizeof(err)));
	CHECK_INT(KT_EINVAL, kt_config_parse("user = \xc3\x28\n", 10, &cfg, err, sizeof(err)));
	CHECK_HAS(err, "UTF-8");
	/* A bare host gets the default port. */
	CHECK_INT(KT_OK, kt_config_parse("server = example.org", 20, &cfg, err, sizeof(err)));
	CHECK_STR("example.org:7447", cfg.server);
}

static void test_server_parse(void)
{
	struct kt_server_addr a;

	CHECK_INT(KT_OK, kt_server_parse("127.0.0.1:7447", &a));
	CHECK_STR("127.0.0.1", a.host);
	CHECK_STR("7447", a.port);
	CHECK_STR("127.0.0.1:7447", a.hostport);
	CHECK_INT(KT_OK, kt_server_parse("[::1]:9000", &a));
	CHECK_STR("::1", a.host);
	CHECK_STR("[::1]:9000", a.hostport);
	CHECK_INT(KT_OK, kt_server_parse("[::1]", &a));
	CHECK_STR("[::1]:7447", a.hostport);
	CHECK_INT(KT_OK, kt_server_parse("kiemtra.so-noi-vu.vn", &a));
	CHECK_STR("kiemtra.so-noi-vu.vn:7447", a.hostport);
	CHECK_INT(KT_OK, kt_server_parse("h:007", &a));
	CHECK_STR("h:7", a.hostport);
	CHECK_INT(KT_EINVAL, kt_server_parse("::1", &a));
	CHECK_INT(KT_EINVAL, kt_server_parse("h:0", &a));
	CHECK_INT(KT_EINVAL, kt_server_parse("h:65536", &a));
	CHECK_INT(KT_EINVAL, kt_server_parse("h:", &a));
	CHECK_INT(KT_EINVAL, kt_server_parse(":7447", &a));
	CHECK_INT(KT_EINVAL, kt_server_parse("a b:1", &a));
	CHECK_INT(KT_EINVAL, kt_server_parse("[::1]x", &a));
	CHECK_INT(KT_EINVAL, kt_server_parse("h:-1", &a));
}

/* ---- sessions ------------------------------------------------------------------ */

static void test_session(void)
{
	struct kt_server_addr a;
	struct kt_session s = {0}, t;
	char path[512], err[256];
	struct stat sb;

	CHECK_INT(KT_OK, kt_server_parse("[fe80::1]:7447", &a));
	CHECK_INT(KT_OK, kt_session_path("/h", &a, path, sizeof(path)));
	CHECK_STR("/h/sessions/fe80__1_7447", path);
	CHECK_INT(KT_OK, kt_server_parse("127.0.0.1:7447", &a));
	CHECK_INT(KT_OK, kt_home_create(tmpdir, err, sizeof(err)));
	CHECK_INT(KT_OK, kt_session_path(tmpdir, &a, path, sizeof(path)));
	CHECK_INT(KT_ENOTFOUND, kt_session_load(path, &t, err, sizeof(err)));

	snprintf(s.user, sizeof(s.user), "nguyễn.lan");
	for (int i = 0; i < 32; i++)
		s.token[i] = (uint8_t)(i * 7 + 1);
	s.expires_at = 1751328000123LL;
	CHECK_INT(KT_OK, kt_session_save(path, &s, err, sizeof(err)));
	CHECK_INT(0, stat(path, &sb));
	CHECK_INT(0600, sb.st_mode & 0777);
	CHECK_INT(KT_OK, kt_session_load(path, &t, err, sizeof(err)));
	CHECK_STR("nguyễn.lan", t.user);
	CHECK(memcmp(s.token, t.token, 32) == 0);
	CHECK_INT(1751328000123LL, t.expires_at);
	CHECK_INT(KT_OK, kt_session_delete(path));
	CHECK_INT(KT_OK, kt_session_delete(path));

	CHECK_INT(KT_EINVAL, kt_session_parse("user = a\ntoken = 12\nexpires_at = 1\n", 34, &t, err,
					      sizeof(err)));
	CHECK_HAS(err, "64 hex");
	CHECK_INT(KT_EINVAL, kt_session_parse("user = a\n", 9, &t, err, sizeof(err)));
	CHECK_HAS(err, "needs user, token and expires_at");
}

/* ---- known servers -------------------------------------------------------------- */

static void key_line(char *out, size_t cap, const char *hostport, uint8_t seed)
{
	uint8_t priv[32], pub[32];

	memset(priv, seed, sizeof(priv));
	noise_public_key(priv, pub);
	kt_known_format(out, cap, hostport, pub);
}

static void test_known_parse(void)
{
	struct kt_known_servers ks = {0};
	const struct kt_known_server *e = NULL;
	uint8_t priv[32], pub1[32], pub2[32];
	char text[2048], l1[256], l2[256], err[256], fp[KT_FINGERPRINT_LEN];

	memset(priv, 1, sizeof(priv));
	noise_public_key(priv, pub1);
	memset(priv, 2, sizeof(priv));
	noise_public_key(priv, pub2);
	key_line(l1, sizeof(l1), "127.0.0.1:7447", 1);
	key_line(l2, sizeof(l2), "[::1]:7447", 2);
	snprintf(text, sizeof(text), "# pinned servers\n\n%s   \n%s", l1, l2);
	err[0] = '\0';
	CHECK_INT(KT_OK, kt_known_parse(text, strlen(text), &ks, err, sizeof(err)));
	CHECK_INT(2, ks.n);
	if (ks.n == 2) {
		CHECK_STR("127.0.0.1:7447", ks.v[0].hostport);
		CHECK_INT(3, ks.v[0].line);
		CHECK_INT(5, ks.v[1].line); /* l1 ends with a newline: a blank line 4 */
		kt_fingerprint(pub1, fp);
		CHECK_STR(fp, ks.v[0].fingerprint);
		CHECK_INT(50, strlen(fp));
		CHECK(kt_fingerprint_valid(fp));
	}
	CHECK_INT(KT_PIN_KNOWN, kt_known_lookup(&ks, "127.0.0.1:7447", pub1, &e));
	CHECK_INT(KT_PIN_MISMATCH, kt_known_lookup(&ks, "127.0.0.1:7447", pub2, &e));
	CHECK(e && e->line == 3);
	CHECK_INT(KT_PIN_UNKNOWN, kt_known_lookup(&ks, "127.0.0.1:7448", pub1, &e));
	CHECK_INT(KT_PIN_KNOWN, kt_known_lookup(&ks, "[::1]:7447", pub2, NULL));
	kt_known_free(&ks);
	kt_known_free(NULL);

	/* Damaged lines make the file unusable, naming the line. */
	CHECK_INT(KT_EINVAL, kt_known_parse("a:1 SHA256:x\n", 13, &ks, err, sizeof(err)));
	CHECK_HAS(err, "line 1");
	snprintf(text, sizeof(text), "%s", l1);
	text[strlen(text) - 2] = text[strlen(text) - 2] == '0' ? '1' : '0'; /* change the key */
	CHECK_INT(KT_EINVAL, kt_known_parse(text, strlen(text), &ks, err, sizeof(err)));
	CHECK_HAS(err, "is not the fingerprint of the key");
	snprintf(text, sizeof(text), "\n%s", l1);
	memcpy(strrchr(text, ' ') + 1, "zz", 2);
	CHECK_INT(KT_EINVAL, kt_known_parse(text, strlen(text), &ks, err, sizeof(err)));
	CHECK_HAS(err, "line 2: the key must be 64 hex digits");
	CHECK_INT(KT_EINVAL,
		  kt_known_parse("nohostport SHA256:AAAA 00\n", 26, &ks, err, sizeof(err)));
	CHECK_INT(0, ks.n);
	CHECK(!kt_fingerprint_valid("SHA256:short"));
	CHECK(!kt_fingerprint_valid("MD5:aa"));
}

static int count_lines(const char *s)
{
	int n = 0;

	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

static void test_known_verify(void)
{
	uint8_t priv[32], pub1[32], pub2[32];
	char path[512], err[2048], fp1[KT_FINGERPRINT_LEN], fp2[KT_FINGERPRINT_LEN];
	char *text = NULL;
	size_t len = 0, removed = 0;
	enum kt_pin_state st;
	struct stat sb;

	memset(priv, 3, sizeof(priv));
	noise_public_key(priv, pub1);
	memset(priv, 4, sizeof(priv));
	noise_public_key(priv, pub2);
	kt_fingerprint(pub1, fp1);
	kt_fingerprint(pub2, fp2);
	path_in_tmp(path, sizeof(path), "known_verify");
	unlink(path);

	/* Unknown, no TOFU: refused, nothing written. */
	CHECK_INT(KT_EPERM, kt_known_verify(path, "h:1", pub1, NULL, false, &st, err, sizeof(err)));
	CHECK_INT(KT_PIN_UNKNOWN, st);
	CHECK_HAS(err, "--no-tofu");
	CHECK(stat(path, &sb) != 0);
	/* Unknown with TOFU: appended, file 0600. */
	CHECK_INT(KT_OK, kt_known_verify(path, "h:1", pub1, NULL, true, &st, err, sizeof(err)));
	CHECK_INT(KT_PIN_NEW_TOFU, st);
	CHECK_INT(0, stat(path, &sb));
	CHECK_INT(0600, sb.st_mode & 0777);
	/* Known with the same key. */
	CHECK_INT(KT_OK, kt_known_verify(path, "h:1", pub1, NULL, false, &st, err, sizeof(err)));
	CHECK_INT(KT_PIN_KNOWN, st);
	/* Known with another key: hard error naming both fingerprints, file, line, remedy. */
	CHECK_INT(KT_EPERM, kt_known_verify(path, "h:1", pub2, NULL, true, &st, err, sizeof(err)));
	CHECK_INT(KT_PIN_MISMATCH, st);
	CHECK_HAS(err, fp1);
	CHECK_HAS(err, fp2);
	CHECK_HAS(err, path);
	CHECK_HAS(err, "line 1");
	CHECK_HAS(err, "rotated");
	CHECK_HAS(err, "intercept");
	CHECK_HAS(err, "kiemtra known-servers forget h:1");
	/* Even a --pin of the new key does not override a pinned server. */
	CHECK_INT(KT_EPERM, kt_known_verify(path, "h:1", pub2, fp2, true, &st, err, sizeof(err)));
	CHECK_INT(KT_PIN_MISMATCH, st);
	/* --pin must match; on match an unknown server is recorded. */
	CHECK_INT(KT_EPERM, kt_known_verify(path, "h:2", pub2, fp1, true, &st, err, sizeof(err)));
	CHECK_HAS(err, "does not match --pin");
	CHECK_INT(KT_OK, kt_known_verify(path, "h:2", pub2, fp2, false, &st, err, sizeof(err)));
	CHECK_INT(KT_PIN_NEW_PINNED, st);
	/* No file: only the pin (or TOFU) decides. */
	CHECK_INT(KT_OK, kt_known_verify(NULL, "h:3", pub1, fp1, false, &st, err, sizeof(err)));
	CHECK_INT(KT_PIN_MATCHED, st);
	CHECK_INT(KT_EPERM, kt_known_verify(NULL, "h:3", pub1, NULL, false, &st, err, sizeof(err)));

	/* A file without a final newline, with a comment: append and forget keep it tidy. */
	CHECK_INT(KT_OK, kt_known_forget(path, "h:1", &removed, err, sizeof(err)));
	CHECK_INT(1, removed);
	CHECK_INT(KT_OK, kt_known_verify(path, "h:1", pub2, NULL, true, &st, err, sizeof(err)));
	CHECK_INT(KT_PIN_NEW_TOFU, st);
	CHECK_INT(KT_OK, kt_known_forget(path, "h:9", &removed, err, sizeof(err)));
	CHECK_INT(0, removed);
	CHECK_INT(KT_OK, kt_read_file(path, 1 << 16, &text, &len));
	CHECK_INT(2, count_lines(text));
	CHECK(text && strncmp(text, "h:2 ", 4) == 0);
	free(text);
	write_text(path, "# my servers\nh:5 SHA256:x");
	CHECK_INT(KT_OK, kt_known_forget(path, "h:5", &removed, err, sizeof(err)));
	CHECK_INT(1, removed);
	CHECK_INT(KT_OK, kt_read_file(path, 1 << 16, &text, &len));
	CHECK_STR("# my servers\n", text);
	free(text);
	write_text(path, "# no newline at the end");
	CHECK_INT(KT_OK, kt_known_append(path, "h:6", pub1, err, sizeof(err)));
	CHECK_INT(KT_OK, kt_read_file(path, 1 << 16, &text, &len));
	CHECK(text && strncmp(text, "# no newline at the end\nh:6 SHA256:", 35) == 0);
	free(text);
	unlink(path);
}

/* ---- JSON, width, tables -------------------------------------------------------- */

static char *capture_json(void (*fn)(struct kt_json *j))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct kt_json j;

	kt_json_init(&j, f);
	fn(&j);
	kt_json_end_document(&j);
	fclose(f);
	return buf;
}

static void write_sample(struct kt_json *j)
{
	static const char ctl[] = "a\x01"
				  "b\x1f"
				  "c\x7f"
				  "d\tq\"\\/\n\r";

	kt_json_begin_object(j);
	kt_json_kv_bool(j, "ok", true);
	kt_json_kv_str(j, "name", "Phường 4, xã Hòa An, thị trấn Trâu Quỳ");
	kt_json_kv_str(j, "ctl", ctl);
	kt_json_key(j, "bad");
	kt_json_stringn(j, "x\xff\xc3(y", 5);
	kt_json_kv_str(j, "c1",
		       "\xc2\x85"
		       "next");
	kt_json_kv_int(j, "neg", -42);
	kt_json_kv_uint(j, "big", 18446744073709551615ULL);
	kt_json_key(j, "list");
	kt_json_begin_array(j);
	kt_json_int(j, 1);
	kt_json_begin_object(j);
	kt_json_end_object(j);
	kt_json_begin_array(j);
	kt_json_end_array(j);
	kt_json_null(j);
	kt_json_string(j, NULL);
	kt_json_double(j, 0.25);
	kt_json_end_array(j);
	kt_json_end_object(j);
}

static void test_json(void)
{
	char *out = capture_json(write_sample), err[256];
	struct json *v;
	const struct json *list;

	err[0] = '\0';
	v = out ? json_parse(out, strlen(out), err, sizeof(err)) : NULL;
	if (!v) {
		fprintf(stderr, "JSON writer output does not parse (%s): %s\n", err, out);
		failures++;
		free(out);
		return;
	}
	CHECK_INT(JSON_TRUE, json_get(v, "ok")->type);
	CHECK_STR("Phường 4, xã Hòa An, thị trấn Trâu Quỳ", json_str(json_get(v, "name")));
	/* UTF-8 kept as is, not \u-escaped. */
	CHECK_HAS(out, "Phường 4, xã Hòa An");
	CHECK_STR("a\x01"
		  "b\x1f"
		  "c\x7f"
		  "d\tq\"\\/\n\r",
		  json_str(json_get(v, "ctl")));
	CHECK_HAS(out, "a\\u0001b\\u001fc\\u007fd\\tq\\\"\\\\/\\n\\r");
	CHECK_STR("x\xef\xbf\xbd\xef\xbf\xbd(y", json_str(json_get(v, "bad")));
	CHECK_HAS(out, "\\u0085next");
	CHECK_INT(-42, (long long)json_get(v, "neg")->number);
	CHECK_HAS(out, "\"big\":18446744073709551615");
	list = json_get(v, "list");
	CHECK(list && list->type == JSON_ARRAY && list->len == 6);
	CHECK_INT(JSON_OBJECT, json_at(list, 1)->type);
	CHECK_INT(JSON_NULL, json_at(list, 4)->type);
	CHECK(strncmp(out, "{\"ok\":true,", 11) == 0);
	json_free(v);
	free(out);
}

static void test_width(void)
{
	/* "Phường" precomposed (ư U+01B0, ờ U+1EDD) and decomposed (u+U+031B, o+U+031B+U+0300). */
	CHECK_INT(8, kt_display_width("Phường 4"));
	CHECK_INT(8, kt_display_width("Phu\xcc\x9bo\xcc\x9b\xcc\x80ng 4"));
	CHECK(strlen("Phường 4") > 8);
	CHECK_INT(9, kt_display_width("xã Hòa An"));
	CHECK_INT(17, kt_display_width("thị trấn Trâu Quỳ"));
	CHECK_INT(0, kt_display_width(""));
	CHECK_INT(4, kt_display_width("漢字"));
	CHECK_INT(3, kt_display_width("a\x1b"
				      "b")); /* ESC shows as '?' */
	CHECK_INT(2, kt_display_width("\xff"
				      "a")); /* invalid byte shows as U+FFFD */
	CHECK_INT(0, kt_codepoint_width(0x0301));
	CHECK_INT(1, kt_codepoint_width(0x0110)); /* Đ */
	CHECK_INT(2, kt_codepoint_width(0xac00));
}

static void test_table(void)
{
	static const char *const hdr[] = {"CODE", "NAME", "KIND"};
	static const char *const r1[] = {"29.268", "Phường 4", "ward"};
	static const char *const r2[] = {"1", "xã Hòa An", "commune"};
	static const char *const r3[] = {"TQ", "Trâu Quỳ\x1b[31m", NULL};
	struct kt_table t;
	char *buf = NULL, *line, *save = NULL;
	size_t len = 0, col = 0;
	FILE *f;
	int n = 0;

	CHECK_INT(KT_OK, kt_table_init(&t, 3, hdr));
	kt_table_add(&t, r1);
	kt_table_add(&t, r2);
	kt_table_add(&t, r3);
	f = open_memstream(&buf, &len);
	CHECK_INT(KT_OK, kt_table_print(&t, f));
	fclose(f);
	kt_table_free(&t);
	kt_table_free(NULL);
	CHECK(buf && !strchr(buf, '\x1b'));
	/* The third column starts at the same display column on every line. */
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save), n++) {
		char *k = strstr(line, n == 0 ? "KIND" : n == 1 ? "ward" : n == 2 ? "commune" : "");
		size_t c;

		if (n == 3)
			continue; /* no KIND cell */
		CHECK(k != NULL);
		if (!k)
			continue;
		*k = '\0';
		c = kt_display_width(line);
		if (n == 0)
			col = c;
		CHECK_INT(col, c);
	}
	CHECK_INT(4, n);
	/* CODE is 6 wide ("29.268"); NAME 13 ("Trâu Quỳ" + "?[31m"), then two spaces each. */
	CHECK_INT(8 + 15, col);
	free(buf);
}

/* ---- transport against a fake server -------------------------------------------- */

enum fake_mode { FAKE_PIPELINE, FAKE_REFUSE };

struct fake {
	int lfd;
	uint16_t port;
	uint8_t priv[32], pub[32];
	enum fake_mode mode;
	/* results */
	bool hello_ok;
	bool got_msg3;
	int requests;
	bool done;
};

static int fk_read(int fd, uint8_t *p, size_t n)
{
	ssize_t k;

	while (n > 0) {
		k = read(fd, p, n);
		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int fk_read_frame(int fd, uint8_t *buf, size_t *len)
{
	uint8_t hdr[2];

	if (fk_read(fd, hdr, 2) != 0)
		return -1;
	*len = ((size_t)hdr[0] << 8) | hdr[1];
	return fk_read(fd, buf, *len);
}

static int fk_write_frame(int fd, const uint8_t *msg, size_t len)
{
	uint8_t hdr[2];

	kt_frame_header(hdr, len);
	if (write(fd, hdr, 2) != 2 || write(fd, msg, len) != (ssize_t)len)
		return -1;
	return 0;
}

static int fk_send(int fd, struct noise_cipher *tx, const Kiemtra__V1__ServerFrame *sf)
{
	static uint8_t plain[KT_FRAME_MAX], ct[KT_FRAME_MAX];
	size_t n = kt_pack(&sf->base, plain, sizeof(plain));

	if (noise_encrypt(tx, NULL, 0, plain, n, ct) != NOISE_OK)
		return -1;
	return fk_write_frame(fd, ct, n + NOISE_TAGLEN);
}

static void fk_respond(int fd, struct noise_cipher *tx, const Kiemtra__V1__Request *rq)
{
	Kiemtra__V1__ServerFrame sf = KIEMTRA__V1__SERVER_FRAME__INIT;
	Kiemtra__V1__Response r = KIEMTRA__V1__RESPONSE__INIT;
	Kiemtra__V1__PingResp pr = KIEMTRA__V1__PING_RESP__INIT;

	r.id = rq->id;
	if (rq->body_case == KIEMTRA__V1__REQUEST__BODY_PING) {
		pr.data = rq->ping->data;
		pr.server_time = 1751328000000LL;
		r.body_case = KIEMTRA__V1__RESPONSE__BODY_PING;
		r.ping = &pr;
	} else {
		r.status = KIEMTRA__V1__STATUS__STATUS_UNAUTHENTICATED;
		r.message = (char *)"log in first";
	}
	sf.kind_case = KIEMTRA__V1__SERVER_FRAME__KIND_RESPONSE;
	sf.response = &r;
	fk_send(fd, tx, &sf);
}

static void *fake_main(void *arg)
{
	static uint8_t buf[KT_FRAME_MAX], payload[KT_FRAME_MAX];
	struct fake *fk = arg;
	Kiemtra__V1__ServerHello sh = KIEMTRA__V1__SERVER_HELLO__INIT;
	Kiemtra__V1__Limits lim = KIEMTRA__V1__LIMITS__INIT;
	Kiemtra__V1__ClientHello *ch;
	Kiemtra__V1__Request *reqs[3] = {NULL, NULL, NULL};
	Kiemtra__V1__ServerFrame sf = KIEMTRA__V1__SERVER_FRAME__INIT;
	Kiemtra__V1__Event ev = KIEMTRA__V1__EVENT__INIT;
	Kiemtra__V1__KeepAlive ka = KIEMTRA__V1__KEEP_ALIVE__INIT;
	Kiemtra__V1__Goodbye gb = KIEMTRA__V1__GOODBYE__INIT;
	struct noise_handshake hs;
	struct noise_cipher tx, rx;
	size_t len, plen, mlen;
	uint8_t pre[KT_PREAMBLE_LEN];
	int fd, i;

	fd = accept(fk->lfd, NULL, NULL);
	if (fd < 0)
		goto out;
	if (fk_read(fd, pre, sizeof(pre)) != 0 || kt_preamble_check(pre) != KT_OK)
		goto out_fd;
	noise_handshake_init(&hs, KT_NOISE_PROTOCOL, NOISE_RESPONDER, kt_preamble, KT_PREAMBLE_LEN,
			     fk->priv, NULL, NULL, 0);
	if (fk_read_frame(fd, buf, &len) != 0 ||
	    noise_handshake_read(&hs, buf, len, payload, sizeof(payload), &plen) != NOISE_OK)
		goto out_fd;
	ch = (Kiemtra__V1__ClientHello *)kt_unpack(&kiemtra__v1__client_hello__descriptor, payload,
						   plen, KT_DECODE_BUDGET_UNAUTH);
	fk->hello_ok = ch && ch->min_version == 1 && ch->max_version == 1 &&
		       strncmp(ch->client_name, "kiemtra/", 8) == 0;
	kt_unpack_free(ch ? &ch->base : NULL);
	sh.version = 1;
	sh.server_name = (char *)"fake/1";
	lim.max_in_flight = 8;
	lim.max_frame_bytes = KT_FRAME_MAX;
	sh.limits = &lim;
	if (fk->mode == FAKE_REFUSE) {
		sh.status = KIEMTRA__V1__STATUS__STATUS_UNAVAILABLE;
		sh.message = (char *)"too many connections";
	}
	plen = kt_pack(&sh.base, payload, sizeof(payload));
	if (noise_handshake_write(&hs, payload, plen, buf, sizeof(buf), &mlen) != NOISE_OK ||
	    fk_write_frame(fd, buf, mlen) != 0)
		goto out_fd;
	/* Message 3, or the client hanging up (refused key). */
	if (fk_read_frame(fd, buf, &len) != 0)
		goto out_fd;
	fk->got_msg3 = true;
	if (noise_handshake_read(&hs, buf, len, payload, sizeof(payload), &plen) != NOISE_OK ||
	    noise_handshake_split(&hs, &tx, &rx, NULL) != NOISE_OK)
		goto out_fd;
	/* Three pipelined requests, answered in reverse after a KeepAlive, then Goodbye. */
	for (i = 0; i < 3; i++) {
		if (fk_read_frame(fd, buf, &len) != 0 ||
		    noise_decrypt(&rx, NULL, 0, buf, len, payload) != NOISE_OK)
			goto out_reqs;
		reqs[i] =
		    (Kiemtra__V1__Request *)kt_unpack(&kiemtra__v1__request__descriptor, payload,
						      len - NOISE_TAGLEN, KT_DECODE_BUDGET);
		if (!reqs[i])
			goto out_reqs;
		fk->requests++;
	}
	ka.server_time = 1;
	ev.seq = 1;
	ev.kind_case = KIEMTRA__V1__EVENT__KIND_KEEPALIVE;
	ev.keepalive = &ka;
	sf.kind_case = KIEMTRA__V1__SERVER_FRAME__KIND_EVENT;
	sf.event = &ev;
	fk_send(fd, &tx, &sf);
	for (i = 2; i >= 0; i--)
		fk_respond(fd, &tx, reqs[i]);
	gb.reason = KIEMTRA__V1__CLOSE_REASON__CLOSE_SHUTDOWN;
	gb.message = (char *)"maintenance";
	ev.seq = 2;
	ev.kind_case = KIEMTRA__V1__EVENT__KIND_GOODBYE;
	ev.goodbye = &gb;
	fk_send(fd, &tx, &sf);
	/* Wait for the client to hang up, so its last send does not meet a reset. */
	while (read(fd, buf, sizeof(buf)) > 0)
		;
out_reqs:
	for (i = 0; i < 3; i++)
		kt_unpack_free(reqs[i] ? &reqs[i]->base : NULL);
out_fd:
	noise_handshake_wipe(&hs);
	close(fd);
out:
	fk->done = true;
	return NULL;
}

static void fake_start(struct fake *fk, pthread_t *th, uint8_t seed, enum fake_mode mode)
{
	struct sockaddr_in sa = {0};
	socklen_t sl = sizeof(sa);

	memset(fk, 0, sizeof(*fk));
	memset(fk->priv, seed, sizeof(fk->priv));
	noise_public_key(fk->priv, fk->pub);
	fk->mode = mode;
	fk->lfd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fk->lfd < 0 || bind(fk->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    listen(fk->lfd, 4) != 0 || getsockname(fk->lfd, (struct sockaddr *)&sa, &sl) != 0) {
		perror("fake server");
		exit(1);
	}
	fk->port = ntohs(sa.sin_port);
	pthread_create(th, NULL, fake_main, fk);
}

static void fake_stop(struct fake *fk, pthread_t th)
{
	pthread_join(th, NULL);
	close(fk->lfd);
}

static void ping_req(Kiemtra__V1__Request *req, Kiemtra__V1__PingReq *pr, uint8_t *data)
{
	kiemtra__v1__request__init(req);
	kiemtra__v1__ping_req__init(pr);
	pr->data.data = data;
	pr->data.len = 4;
	req->body_case = KIEMTRA__V1__REQUEST__BODY_PING;
	req->ping = pr;
}

static void test_transport(void)
{
	uint8_t dpriv[32], dpub[32], data[3][4] = {"aaa", "bbb", "ccc"}, probed[32];
	char known[512], port[8], err[2048], fp[KT_FINGERPRINT_LEN], hp[64], name[65];
	Kiemtra__V1__Request req[4];
	Kiemtra__V1__PingReq pr[4];
	Kiemtra__V1__Response *resp = NULL;
	struct kt_conn *c = NULL;
	const char *gmsg = NULL;
	uint64_t ids[3];
	struct fake fk;
	pthread_t th;
	int rc, reason = 0, i;

	noise_keypair(dpriv, dpub);
	path_in_tmp(known, sizeof(known), "known_transport");
	unlink(known);

	/* 1. Trust on first use; pipelining with out-of-order answers; KeepAlive; Goodbye. */
	fake_start(&fk, &th, 0x51, FAKE_PIPELINE);
	snprintf(port, sizeof(port), "%u", fk.port);
	snprintf(hp, sizeof(hp), "127.0.0.1:%u", fk.port);
	rc = kt_conn_open("127.0.0.1", port, dpriv, dpub, known, NULL, true, 5000, &c, err,
			  sizeof(err));
	CHECK_INT(KT_OK, rc);
	if (rc == KT_OK) {
		kt_fingerprint(fk.pub, fp);
		CHECK_STR(fp, kt_conn_server_fingerprint(c));
		CHECK(memcmp(kt_conn_server_key(c), fk.pub, 32) == 0);
		CHECK_INT(KT_PIN_NEW_TOFU, kt_conn_pin_state(c));
		CHECK_STR("fake/1", kt_conn_server_name(c));
		CHECK_STR(hp, kt_conn_hostport(c));
		CHECK_INT(8, kt_conn_limits(c)->max_in_flight);
		for (i = 0; i < 3; i++) {
			ping_req(&req[i], &pr[i], data[i]);
			CHECK_INT(KT_OK, kt_conn_send(c, &req[i], &ids[i]));
			CHECK_INT(i + 1, ids[i]);
		}
		CHECK_INT(3, kt_conn_in_flight(c));
		/* Wait for the middle one first: the third arrives before it and is kept. */
		CHECK_INT(KT_OK, kt_conn_wait(c, ids[1], &resp));
		CHECK(resp && resp->id == 2 && resp->ping && resp->ping->data.len == 4 &&
		      memcmp(resp->ping->data.data, "bbb", 4) == 0);
		kt_response_free(resp);
		CHECK_INT(KT_OK, kt_conn_recv(c, &resp));
		CHECK(resp && resp->id == 3);
		kt_response_free(resp);
		CHECK_INT(KT_OK, kt_conn_recv(c, &resp));
		CHECK(resp && resp->id == 1);
		kt_response_free(resp);
		CHECK_INT(KT_ESTATE, kt_conn_recv(c, &resp));
		CHECK_INT(0, kt_conn_in_flight(c));
		ping_req(&req[3], &pr[3], data[0]);
		CHECK_INT(KT_ESHUTDOWN, kt_conn_call(c, &req[3], &resp));
		CHECK(resp == NULL);
		CHECK(kt_conn_goodbye(c, &reason, &gmsg));
		CHECK_INT(KIEMTRA__V1__CLOSE_REASON__CLOSE_SHUTDOWN, reason);
		CHECK_STR("maintenance", gmsg);
		CHECK_HAS(kt_conn_strerror(c), "maintenance");
		CHECK_INT(KT_ESHUTDOWN, kt_conn_send(c, &req[3], NULL));
	}
	kt_conn_close(c);
	c = NULL;
	fake_stop(&fk, th);
	CHECK(fk.hello_ok);
	CHECK(fk.got_msg3);
	CHECK_INT(3, fk.requests);

	/* 2. The same address with another server key: refused before message 3. */
	fake_start(&fk, &th, 0x52, FAKE_PIPELINE);
	snprintf(port, sizeof(port), "%u", fk.port);
	{
		/* Pin the first fake's key for this new port too. */
		uint8_t p1[32], k1[32];

		memset(k1, 0x51, sizeof(k1));
		noise_public_key(k1, p1);
		snprintf(hp, sizeof(hp), "127.0.0.1:%u", fk.port);
		CHECK_INT(KT_OK, kt_known_append(known, hp, p1, err, sizeof(err)));
	}
	err[0] = '\0';
	rc = kt_conn_open("127.0.0.1", port, dpriv, dpub, known, NULL, true, 5000, &c, err,
			  sizeof(err));
	CHECK_INT(KT_EPERM, rc);
	CHECK(c == NULL);
	CHECK_HAS(err, "MISMATCH");
	CHECK_HAS(err, "known-servers forget");
	fake_stop(&fk, th);
	CHECK(!fk.got_msg3);

	/* 3. Unknown server with TOFU off; and a --pin that does not match. */
	fake_start(&fk, &th, 0x53, FAKE_PIPELINE);
	snprintf(port, sizeof(port), "%u", fk.port);
	rc = kt_conn_open("127.0.0.1", port, dpriv, dpub, known, NULL, false, 5000, &c, err,
			  sizeof(err));
	CHECK_INT(KT_EPERM, rc);
	fake_stop(&fk, th);
	CHECK(!fk.got_msg3);
	fake_start(&fk, &th, 0x53, FAKE_PIPELINE);
	snprintf(port, sizeof(port), "%u", fk.port);
	rc = kt_conn_open("127.0.0.1", port, dpriv, dpub, NULL,
			  "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", true, 5000, &c, err,
			  sizeof(err));
	CHECK_INT(KT_EPERM, rc);
	CHECK_HAS(err, "does not match --pin");
	fake_stop(&fk, th);
	CHECK(!fk.got_msg3);

	/* 4. A server that refuses in its ServerHello. */
	fake_start(&fk, &th, 0x54, FAKE_REFUSE);
	snprintf(port, sizeof(port), "%u", fk.port);
	rc = kt_conn_open("127.0.0.1", port, dpriv, dpub, NULL, NULL, true, 5000, &c, err,
			  sizeof(err));
	CHECK_INT(KT_EBUSY, rc);
	CHECK_HAS(err, "too many connections");
	fake_stop(&fk, th);
	CHECK(!fk.got_msg3);

	/* 5. The probe reads the key and never sends message 3. */
	fake_start(&fk, &th, 0x55, FAKE_PIPELINE);
	snprintf(port, sizeof(port), "%u", fk.port);
	CHECK_INT(KT_OK, kt_conn_probe("127.0.0.1", port, 5000, probed, name, sizeof(name), err,
				       sizeof(err)));
	CHECK(memcmp(probed, fk.pub, 32) == 0);
	CHECK_STR("fake/1", name);
	fake_stop(&fk, th);
	CHECK(!fk.got_msg3);

	/* 6. Nobody listening: a connect error, quickly. */
	rc = kt_conn_open("127.0.0.1", "1", dpriv, dpub, NULL, NULL, true, 2000, &c, err,
			  sizeof(err));
	CHECK(rc != KT_OK && c == NULL);
	CHECK_HAS(err, "cannot connect to 127.0.0.1:1");
	kt_conn_close(NULL);
	unlink(known);
	sodium_memzero(dpriv, sizeof(dpriv));
}

int main(void)
{
	char path[512];

	if (sodium_init() < 0)
		return 1;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/kt_test_client.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_config();
	test_server_parse();
	test_session();
	test_known_parse();
	test_known_verify();
	test_json();
	test_width();
	test_table();
	test_transport();
	path_in_tmp(path, sizeof(path), "sessions");
	rmdir(path);
	rmdir(tmpdir);
	if (failures) {
		fprintf(stderr, "test_client: %d check(s) failed\n", failures);
		return 1;
	}
	printf("test_client: all checks passed\n");
	return 0;
}
