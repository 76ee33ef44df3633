/*
 * cmd_misc.c - ping, known-servers list|forget, server-key.
 *
 * None of these needs a session. ping connects (pinning the server like every
 * connection) and sends PingReq, which the server answers before login.
 * server-key only probes: it stops the handshake before this device's identity
 * would be sent, and changes the pin file only when --pin confirms the key.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "client/cli.h"
#include "client/util.h"
#include "common/keyfile.h"
#include "common/status.h"

#define PING_COUNT_MAX 100000
#define PING_DATA 16

static double mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int kt_cmd_ping(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"count", required_argument, NULL, 'c'},
	    {NULL, 0, NULL, 0},
	};
	unsigned long long count = 1, i;
	double *rtt = NULL, t0, min = 0, max = 0, sum = 0;
	int64_t server_time = 0;
	struct kt_json *j;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":c:", opts, NULL)) != -1) {
		if (c == 'c' && kt_parse_uint(optarg, 1, PING_COUNT_MAX, &count) == KT_OK)
			continue;
		if (c == 'c')
			return kt_cli_usage(cli, "--count wants a number from 1 to %d",
					    PING_COUNT_MAX);
		if (c == ':')
			return kt_cli_usage(cli, "%s needs a value", argv[optind - 1]);
		return kt_cli_usage(cli, "unknown option %s", argv[optind - 1]);
	}
	if (optind < argc)
		return kt_cli_usage(cli, "unexpected argument '%s'", argv[optind]);
	rtt = calloc(count, sizeof(*rtt));
	if (!rtt)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
	rc = kt_cli_connect(cli);
	if (rc != KT_EXIT_OK)
		goto out;
	for (i = 0; i < count; i++) {
		Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
		Kiemtra__V1__PingReq pr = KIEMTRA__V1__PING_REQ__INIT;
		Kiemtra__V1__Response *resp = NULL;
		uint8_t data[PING_DATA];

		randombytes_buf(data, sizeof(data));
		pr.data.data = data;
		pr.data.len = sizeof(data);
		req.body_case = KIEMTRA__V1__REQUEST__BODY_PING;
		req.ping = &pr;
		t0 = mono_us();
		rc = kt_cli_call(cli, &req, &resp);
		if (rc != KT_EXIT_OK)
			goto out;
		rtt[i] = (mono_us() - t0) / 1000.0;
		server_time = resp->ping->server_time;
		if (resp->ping->data.len != sizeof(data) ||
		    memcmp(resp->ping->data.data, data, sizeof(data)) != 0) {
			kt_response_free(resp);
			rc = kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT",
					 "%s echoed other data than "
					 "it was sent",
					 cli->server.hostport);
			goto out;
		}
		kt_response_free(resp);
		if (i == 0 || rtt[i] < min)
			min = rtt[i];
		if (rtt[i] > max)
			max = rtt[i];
		sum += rtt[i];
		if (!cli->json)
			printf("reply from %s (%s): seq=%llu time=%.3f ms\n", cli->server.hostport,
			       kt_conn_server_name(cli->conn), i + 1, rtt[i]);
	}
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_kv_str(j, "server", cli->server.hostport);
		kt_json_kv_str(j, "server_name", kt_conn_server_name(cli->conn));
		kt_json_kv_str(j, "server_fingerprint", kt_conn_server_fingerprint(cli->conn));
		kt_json_kv_int(j, "server_time", server_time);
		kt_json_kv_uint(j, "count", count);
		kt_json_key(j, "rtt_ms");
		kt_json_begin_array(j);
		for (i = 0; i < count; i++)
			kt_json_double(j, rtt[i]);
		kt_json_end_array(j);
		kt_json_key(j, "min_ms");
		kt_json_double(j, min);
		kt_json_key(j, "avg_ms");
		kt_json_double(j, sum / (double)count);
		kt_json_key(j, "max_ms");
		kt_json_double(j, max);
		kt_cli_json_end(cli);
	} else if (count > 1) {
		printf("%llu replies: min/avg/max = %.3f/%.3f/%.3f ms\n", count, min,
		       sum / (double)count, max);
	}
	rc = KT_EXIT_OK;
out:
	free(rtt);
	return rc;
}

static int no_options(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {{NULL, 0, NULL, 0}};
	int c;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1)
		return kt_cli_usage(cli, "unknown option %s", argv[optind - 1]);
	return KT_EXIT_OK;
}

int kt_cmd_known_list(struct kt_cli *cli, int argc, char **argv)
{
	static const char *const hdr[] = {"SERVER", "FINGERPRINT", "LINE"};
	struct kt_known_servers ks = {0};
	struct kt_table t = {0};
	char err[1024], line[16], hex[65];
	struct kt_json *j;
	size_t i;
	int rc;

	rc = no_options(cli, argc, argv);
	if (rc != KT_EXIT_OK)
		return rc;
	if (optind < argc)
		return kt_cli_usage(cli, "unexpected argument '%s'", argv[optind]);
	err[0] = '\0';
	if (kt_known_load(cli->known_path, &ks, err, sizeof(err)) != KT_OK)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "%s", err);
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_kv_str(j, "file", cli->known_path);
		kt_json_key(j, "servers");
		kt_json_begin_array(j);
		for (i = 0; i < ks.n; i++) {
			sodium_bin2hex(hex, sizeof(hex), ks.v[i].pub, 32);
			kt_json_begin_object(j);
			kt_json_kv_str(j, "server", ks.v[i].hostport);
			kt_json_kv_str(j, "fingerprint", ks.v[i].fingerprint);
			kt_json_kv_str(j, "key", hex);
			kt_json_kv_int(j, "line", ks.v[i].line);
			kt_json_end_object(j);
		}
		kt_json_end_array(j);
		kt_cli_json_end(cli);
		goto out;
	}
	if (ks.n == 0) {
		printf("no pinned servers (in %s)\n", cli->known_path);
		goto out;
	}
	if (kt_table_init(&t, 3, hdr) != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
		goto out;
	}
	for (i = 0; i < ks.n; i++) {
		const char *row[3] = {ks.v[i].hostport, ks.v[i].fingerprint, line};

		snprintf(line, sizeof(line), "%d", ks.v[i].line);
		kt_table_add(&t, row);
	}
	if (kt_table_print(&t, stdout) != KT_OK)
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
out:
	kt_table_free(&t);
	kt_known_free(&ks);
	return rc;
}

int kt_cmd_known_forget(struct kt_cli *cli, int argc, char **argv)
{
	struct kt_server_addr a;
	char err[1024];
	size_t removed = 0;
	struct kt_json *j;
	int rc;

	rc = no_options(cli, argc, argv);
	if (rc != KT_EXIT_OK)
		return rc;
	if (optind >= argc)
		return kt_cli_usage(cli, "name the server to forget, as HOST:PORT");
	if (optind + 1 < argc)
		return kt_cli_usage(cli, "unexpected argument '%s'", argv[optind + 1]);
	if (kt_server_parse(argv[optind], &a) != KT_OK)
		return kt_cli_usage(cli, "'%s' is not HOST:PORT", argv[optind]);
	err[0] = '\0';
	if (kt_known_forget(cli->known_path, a.hostport, &removed, err, sizeof(err)) != KT_OK)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "%s", err);
	if (removed == 0)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR",
				   "no pin for %s in %s "
				   "(kiemtra known-servers list shows the pins)",
				   a.hostport, cli->known_path);
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_kv_str(j, "server", a.hostport);
		kt_json_kv_uint(j, "removed", removed);
		kt_json_kv_str(j, "file", cli->known_path);
		kt_cli_json_end(cli);
	} else {
		printf("forgot the pinned key of %s (%zu line%s removed from %s); the next "
		       "connection will show and pin the server's key\n",
		       a.hostport, removed, removed == 1 ? "" : "s", cli->known_path);
	}
	return KT_EXIT_OK;
}

int kt_cmd_server_key(struct kt_cli *cli, int argc, char **argv)
{
	struct kt_known_servers ks = {0};
	const struct kt_known_server *e = NULL;
	enum kt_pin_state state;
	char err[2048], fp[KT_FINGERPRINT_LEN], name[65], hex[65];
	uint8_t pub[32];
	const char *pinned = "no";
	struct kt_json *j;
	int rc, trc;

	rc = no_options(cli, argc, argv);
	if (rc != KT_EXIT_OK)
		return rc;
	if (optind < argc)
		return kt_cli_usage(cli, "unexpected argument '%s'", argv[optind]);
	err[0] = '\0';
	trc = kt_conn_probe(cli->server.host, cli->server.port, cli->timeout_ms, pub, name,
			    sizeof(name), err, sizeof(err));
	if (trc != KT_OK)
		return kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT", "%s", err);
	kt_fingerprint(pub, fp);
	sodium_bin2hex(hex, sizeof(hex), pub, 32);
	if (kt_known_load(cli->known_path, &ks, err, sizeof(err)) != KT_OK)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "%s", err);
	state = kt_known_lookup(&ks, cli->server.hostport, pub, &e);
	if (state == KT_PIN_MISMATCH || (cli->opt_pin && strcmp(cli->opt_pin, fp) != 0)) {
		/* The same check and wording as a real connection. */
		trc = kt_known_verify(cli->known_path, cli->server.hostport, pub, cli->opt_pin,
				      false, &state, err, sizeof(err));
		rc = kt_cli_fail(cli, KT_EXIT_KEY, "SERVER_KEY_REFUSED", "%s", err);
		goto out;
	}
	if (state == KT_PIN_UNKNOWN && cli->opt_pin) {
		trc = kt_known_verify(cli->known_path, cli->server.hostport, pub, cli->opt_pin,
				      false, &state, err, sizeof(err));
		if (trc != KT_OK) {
			rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "%s", err);
			goto out;
		}
		pinned = "now";
	} else if (state == KT_PIN_KNOWN) {
		pinned = "yes";
	}
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_kv_str(j, "server", cli->server.hostport);
		kt_json_kv_str(j, "server_name", name);
		kt_json_kv_str(j, "fingerprint", fp);
		kt_json_kv_str(j, "key", hex);
		kt_json_kv_bool(j, "pinned", strcmp(pinned, "no") != 0);
		kt_json_kv_str(j, "file", cli->known_path);
		if (e && state == KT_PIN_KNOWN)
			kt_json_kv_int(j, "line", e->line);
		kt_cli_json_end(cli);
		goto out;
	}
	kt_cli_field("server:", "%s (%s)", cli->server.hostport, name[0] ? name : "unnamed");
	kt_cli_field("fingerprint:", "%s", fp);
	kt_cli_field("key:", "%s", hex);
	if (state == KT_PIN_KNOWN && e)
		kt_cli_field("pinned:", "yes, %s line %d", cli->known_path, e->line);
	else if (strcmp(pinned, "now") == 0)
		kt_cli_field("pinned:", "now, in %s (it matched --pin)", cli->known_path);
	else
		kt_cli_field("pinned:",
			     "no. Compare the fingerprint with the one the server "
			     "administrator gives you, then pin it with: kiemtra --server %s "
			     "--pin %s server-key",
			     cli->server.hostport, fp);
	rc = KT_EXIT_OK;
out:
	kt_known_free(&ks);
	return rc;
}
