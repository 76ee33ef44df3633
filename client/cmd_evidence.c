/*
 * cmd_evidence.c - evidence upload, evidence get.
 *
 * Upload: the file's SHA-256 is computed first; EvidenceBegin tells whether the
 * server already has that content in the plan (nothing is sent), or how many
 * bytes of an earlier, interrupted upload it holds (the upload resumes there);
 * chunks follow in order, a few in flight at once, and EvidenceFinish makes the
 * server check the whole content against the hash. Running the same command
 * again after an interruption continues where the server stopped.
 *
 * Get: chunks are read in order into FILE.part, the SHA-256 of what arrived is
 * checked against the evidence's, and only then is FILE.part renamed to FILE.
 *
 * kt_ev_upload() serves `finding add --evidence FILE` too (declared in
 * cmd_findings.c); kt_plan_resolve() and the JSON helpers come from there.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "client/cli.h"
#include "client/workflow.h"
#include "client/util.h"
#include "common/status.h"
#include "common/text.h"

#define CHUNK_DEFAULT (48u * 1024)
#define CHUNK_MAX (64u * 1024)
#define WINDOW_MAX 8
#define NAME_MAX_BYTES 256

/* From cmd_findings.c. */
void kt_fd_hex(const uint8_t *p, size_t n, char *out);
void kt_fd_json_evidence(struct kt_json *j, const Kiemtra__V1__EvidenceRef *e);
int kt_ev_upload(struct kt_cli *cli, int64_t plan_id, const char *path, const char *type,
		 unsigned long stop_after, const char *declare_hex, int64_t *id, bool *dedup,
		 uint64_t *resumed_from);

static int bad_option(struct kt_cli *cli, int c, char **argv)
{
	if (c == ':')
		return kt_cli_usage(cli, "%s needs a value", argv[optind - 1]);
	return kt_cli_usage(cli, "unknown option %s", argv[optind - 1]);
}

static const char *guess_type(const char *path)
{
	static const struct {
		const char *ext, *type;
	} types[] = {
	    {".pdf", "application/pdf"},
	    {".png", "image/png"},
	    {".jpg", "image/jpeg"},
	    {".jpeg", "image/jpeg"},
	    {".txt", "text/plain"},
	    {".csv", "text/csv"},
	    {".doc", "application/msword"},
	    {".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	    {".xls", "application/vnd.ms-excel"},
	    {".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	    {".odt", "application/vnd.oasis.opendocument.text"},
	    {".zip", "application/zip"},
	};
	const char *dot = strrchr(path, '.');

	for (size_t i = 0; dot && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(dot, types[i].ext) == 0)
			return types[i].type;
	return "application/octet-stream";
}

/* SHA-256 and size of the open file fd. 0 or KT_ESYS. */
static int hash_file(int fd, uint8_t sum[32], uint64_t *size)
{
	crypto_hash_sha256_state h;
	uint8_t buf[65536];
	ssize_t r;

	*size = 0;
	crypto_hash_sha256_init(&h);
	for (;;) {
		r = pread(fd, buf, sizeof(buf), (off_t)*size);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return KT_ESYS;
		if (r == 0)
			break;
		crypto_hash_sha256_update(&h, buf, (size_t)r);
		*size += (uint64_t)r;
	}
	crypto_hash_sha256_final(&h, sum);
	return KT_OK;
}

/* Read exactly n bytes at off (the file must not shrink meanwhile). */
static int read_at(int fd, uint8_t *buf, size_t n, uint64_t off)
{
	size_t got = 0;
	ssize_t r;

	while (got < n) {
		r = pread(fd, buf + got, n - got, (off_t)(off + got));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return KT_ESYS;
		got += (size_t)r;
	}
	return KT_OK;
}

/* Wait for the answer to chunk request id; exit code. */
/*
 * Another uploader of the same content (several people send the same file at
 * once) moved the upload ahead, or finished it: start again from the server's
 * count. A negative value no exit code uses.
 */
#define UPLOAD_RACED (-1)
#define UPLOAD_ATTEMPTS 200

static bool raced(const Kiemtra__V1__Response *r)
{
	return r && (r->status == KIEMTRA__V1__STATUS__STATUS_ABORTED ||
		     r->status == KIEMTRA__V1__STATUS__STATUS_FAILED_PRECONDITION);
}

static int chunk_wait(struct kt_cli *cli, uint64_t id)
{
	Kiemtra__V1__Response *resp = NULL;
	int rc = kt_conn_wait(cli->conn, id, &resp);

	if (rc == KT_OK && raced(resp)) {
		kt_response_free(resp);
		return UPLOAD_RACED;
	}
	rc = kt_cli_check(cli, rc, KIEMTRA__V1__RESPONSE__BODY_EVIDENCE_CHUNK, &resp);
	kt_response_free(resp);
	return rc;
}

int kt_ev_upload(struct kt_cli *cli, int64_t plan_id, const char *path, const char *type,
		 unsigned long stop_after, const char *declare_hex, int64_t *id, bool *dedup,
		 uint64_t *resumed_from)
{
	Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
	Kiemtra__V1__EvidenceBeginReq br = KIEMTRA__V1__EVIDENCE_BEGIN_REQ__INIT;
	Kiemtra__V1__EvidenceFinishReq fr = KIEMTRA__V1__EVIDENCE_FINISH_REQ__INIT;
	Kiemtra__V1__Response *resp = NULL;
	uint64_t size = 0, offset, ids[WINDOW_MAX];
	const struct kt_conn_limits *lim;
	uint8_t sum[32], *buf = NULL;
	const char *base = strrchr(path, '/');
	unsigned long sent = 0;
	size_t chunk, window, head = 0, n_in = 0;
	int fd, rc, trc;
	struct stat st;

	*id = 0;
	*dedup = false;
	*resumed_from = 0;
	base = base ? base + 1 : path;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "cannot open %s: %s", path,
				   strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "%s is not a regular file", path);
		goto out;
	}
	if (!base[0] || kt_text_check(base, strlen(base), NAME_MAX_BYTES, KT_TEXT_NONEMPTY)) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR",
				 "the file name must be UTF-8 text of at most %d bytes",
				 NAME_MAX_BYTES);
		goto out;
	}
	if (hash_file(fd, sum, &size) != KT_OK) {
		rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "cannot read %s: %s", path,
				 strerror(errno));
		goto out;
	}
	if (declare_hex && (sodium_hex2bin(sum, sizeof(sum), declare_hex, strlen(declare_hex), NULL,
					   NULL, NULL) != 0 ||
			    strlen(declare_hex) != 64)) {
		rc = kt_cli_usage(cli, "--declare-sha256 wants 64 hexadecimal digits");
		goto out;
	}
	br.name = (char *)base;
	br.size = size;
	br.sha256.data = sum;
	br.sha256.len = sizeof(sum);
	br.content_type = (char *)(type ? type : guess_type(path));
	br.plan_id = plan_id;
	for (int attempt = 0;; attempt++) {
		if (attempt == UPLOAD_ATTEMPTS) {
			rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR",
					 "the upload of %s kept being moved by others sending the "
					 "same file; run the command again",
					 path);
			goto out;
		}
		if (attempt > 0)
			usleep(10000); /* let the other sender get ahead before asking again */
		kt_response_free(resp);
		resp = NULL;
		kiemtra__v1__request__init(&req);
		req.body_case = KIEMTRA__V1__REQUEST__BODY_EVIDENCE_BEGIN;
		req.evidence_begin = &br;
		rc = kt_cli_call(cli, &req, &resp);
		if (rc != KT_EXIT_OK)
			goto out;
		*id = resp->evidence_begin->evidence_id;
		if (resp->evidence_begin->complete) {
			*dedup = true;
			rc = KT_EXIT_OK;
			goto out;
		}
		offset = resp->evidence_begin->received;
		if (attempt == 0)
			*resumed_from = offset;
		chunk = resp->evidence_begin->chunk_size ? resp->evidence_begin->chunk_size
							 : CHUNK_DEFAULT;
		if (chunk > CHUNK_MAX)
			chunk = CHUNK_MAX;
		if (offset > size) {
			rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR",
					 "the server holds more of evidence %lld than the file has",
					 (long long)*id);
			goto out;
		}
		kt_response_free(resp);
		resp = NULL;
		lim = kt_conn_limits(cli->conn);
		window = lim->max_in_flight > 1 ? lim->max_in_flight - 1 : 1;
		if (window > WINDOW_MAX)
			window = WINDOW_MAX;
		if (!buf && !(buf = malloc(chunk > CHUNK_MAX ? chunk : CHUNK_MAX))) {
			rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
			goto out;
		}
		/* Chunks in order, up to `window` unanswered; the server stores them in order. */
		bool moved = false;
		head = 0;
		n_in = 0;
		while (offset < size || n_in) {
			while (!moved && offset < size && n_in < window &&
			       (!stop_after || sent < stop_after)) {
				Kiemtra__V1__Request cq = KIEMTRA__V1__REQUEST__INIT;
				Kiemtra__V1__EvidenceChunkReq ch = KIEMTRA__V1__EVIDENCE_CHUNK_REQ__INIT;
				size_t n = size - offset < chunk ? (size_t)(size - offset) : chunk;

				if (read_at(fd, buf, n, offset) != KT_OK) {
					rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR",
							 "cannot read %s (did it change?)", path);
					goto out;
				}
				ch.evidence_id = *id;
				ch.offset = offset;
				ch.data.data = buf;
				ch.data.len = n;
				cq.body_case = KIEMTRA__V1__REQUEST__BODY_EVIDENCE_CHUNK;
				cq.evidence_chunk = &ch;
				trc = kt_conn_send(cli->conn, &cq, &ids[(head + n_in) % WINDOW_MAX]);
				if (trc != KT_OK) {
					rc = kt_cli_fail_transport(cli, trc);
					goto out;
				}
				n_in++;
				offset += n;
				sent++;
			}
			if (!n_in)
				break;
			rc = chunk_wait(cli, ids[head]);
			head = (head + 1) % WINDOW_MAX;
			n_in--;
			if (rc == UPLOAD_RACED) {
				moved = true; /* drain what is in flight, then begin again */
				continue;
			}
			if (rc != KT_EXIT_OK)
				goto out;
		}
		if (moved)
			continue;
		if (offset < size) {
			rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR",
					 "upload of %s stopped after %lu chunks as asked (%llu of %llu "
					 "bytes on the server); run the same command again to resume",
					 path, sent, (unsigned long long)offset,
					 (unsigned long long)size);
			goto out;
		}
		fr.evidence_id = *id;
		kiemtra__v1__request__init(&req);
		req.body_case = KIEMTRA__V1__REQUEST__BODY_EVIDENCE_FINISH;
		req.evidence_finish = &fr;
		trc = kt_conn_call(cli->conn, &req, &resp);
		if (trc == KT_OK && raced(resp))
			continue; /* someone finished it, or is still sending: ask again */
		rc = kt_cli_check(cli, trc, KIEMTRA__V1__RESPONSE__BODY_EVIDENCE_FINISH, &resp);
		goto out;
	}
out:
	kt_response_free(resp);
	free(buf);
	close(fd);
	return rc;
}

static int cmd_upload(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"type", required_argument, NULL, 't'},
	    {"stop-after-chunks", required_argument, NULL, 'S'},
	    {"declare-sha256", required_argument, NULL, 'D'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Response *plan = NULL;
	const char *type = NULL, *declare = NULL;
	unsigned long long stop = 0;
	uint64_t from = 0;
	int64_t id = 0;
	bool dedup = false;
	struct kt_json *j;
	int c, rc;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			type = optarg;
			break;
		case 'S':
			if (kt_parse_uint(optarg, 1, 1000000000, &stop) != KT_OK)
				return kt_cli_usage(cli, "--stop-after-chunks wants a number >= 1");
			break;
		case 'D':
			declare = optarg;
			break;
		default:
			return bad_option(cli, c, argv);
		}
	}
	if (argc - optind != 2)
		return kt_cli_usage(cli, "give the plan and the file");
	if (type && (!type[0] || kt_text_check(type, strlen(type), 128, KT_TEXT_NONEMPTY)))
		return kt_cli_usage(cli, "--type wants a MIME type such as application/pdf");
	rc = kt_plan_resolve(cli, argv[optind], &plan);
	if (rc != KT_EXIT_OK)
		return rc;
	rc = kt_ev_upload(cli, plan->plan_get->plan->id, argv[optind + 1], type,
			  (unsigned long)stop, declare, &id, &dedup, &from);
	if (rc != KT_EXIT_OK)
		goto out;
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_kv_int(j, "evidence_id", id);
		kt_json_kv_int(j, "plan_id", plan->plan_get->plan->id);
		kt_json_kv_bool(j, "deduplicated", dedup);
		kt_json_kv_uint(j, "resumed_from", from);
		kt_cli_json_end(cli);
	} else if (dedup) {
		printf("evidence %lld: the plan already has this content; nothing was sent\n",
		       (long long)id);
	} else if (from) {
		printf("evidence %lld uploaded (resumed at byte %llu)\n", (long long)id,
		       (unsigned long long)from);
	} else {
		printf("evidence %lld uploaded\n", (long long)id);
	}
out:
	kt_response_free(plan);
	return rc;
}

/* Read evidence id into fd; the first answer's EvidenceRef into *ref_resp. Exit code. */
static int download(struct kt_cli *cli, int64_t id, int fd, Kiemtra__V1__Response **ref_resp,
		    uint8_t sum[32], uint64_t *got)
{
	crypto_hash_sha256_state h;
	uint64_t ids[WINDOW_MAX], next = 0, size = 0;
	size_t head = 0, n_in = 0, window = 4;
	Kiemtra__V1__Response *resp = NULL;
	bool known = false;
	int rc, trc;

	*got = 0;
	crypto_hash_sha256_init(&h);
	for (;;) {
		/* Until the size is known, one read at a time; then a few in flight. */
		while ((!known && n_in == 0) || (known && next < size && n_in < window)) {
			Kiemtra__V1__Request req = KIEMTRA__V1__REQUEST__INIT;
			Kiemtra__V1__EvidenceReadReq rr = KIEMTRA__V1__EVIDENCE_READ_REQ__INIT;

			rr.evidence_id = id;
			rr.offset = next;
			rr.length = CHUNK_DEFAULT;
			req.body_case = KIEMTRA__V1__REQUEST__BODY_EVIDENCE_READ;
			req.evidence_read = &rr;
			trc = kt_conn_send(cli->conn, &req, &ids[(head + n_in) % WINDOW_MAX]);
			if (trc != KT_OK)
				return kt_cli_fail_transport(cli, trc);
			n_in++;
			next += CHUNK_DEFAULT;
		}
		if (!n_in)
			break;
		trc = kt_conn_wait(cli->conn, ids[head], &resp);
		rc = kt_cli_check(cli, trc, KIEMTRA__V1__RESPONSE__BODY_EVIDENCE_READ, &resp);
		if (rc != KT_EXIT_OK)
			return rc;
		head = (head + 1) % WINDOW_MAX;
		n_in--;
		if (!resp->evidence_read->evidence || resp->evidence_read->offset != *got) {
			kt_response_free(resp);
			return kt_cli_fail(cli, KT_EXIT_CONNECT, "CONNECT",
					   "the server's answer is not the part asked for");
		}
		if (!known) {
			size = resp->evidence_read->evidence->size;
			known = true;
		}
		if (resp->evidence_read->data.len == 0 && *got < size) {
			kt_response_free(resp);
			return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR",
					   "the server sent no data at byte %llu of %llu",
					   (unsigned long long)*got, (unsigned long long)size);
		}
		crypto_hash_sha256_update(&h, resp->evidence_read->data.data,
					  resp->evidence_read->data.len);
		if (kt_write_all(fd, resp->evidence_read->data.data,
				 resp->evidence_read->data.len) != KT_OK) {
			kt_response_free(resp);
			return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "cannot write: %s",
					   strerror(errno));
		}
		*got += resp->evidence_read->data.len;
		if (!*ref_resp)
			*ref_resp = resp;
		else
			kt_response_free(resp);
		resp = NULL;
		if (*got >= size && !n_in)
			break;
	}
	crypto_hash_sha256_final(&h, sum);
	return KT_EXIT_OK;
}

static int cmd_get(struct kt_cli *cli, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {NULL, 0, NULL, 0},
	};
	Kiemtra__V1__Response *ref_resp = NULL;
	const Kiemtra__V1__EvidenceRef *ref;
	char part[KT_PATH_MAX + 8], hex[65];
	const char *out = NULL;
	unsigned long long id;
	uint8_t sum[32];
	uint64_t got = 0;
	bool to_stdout;
	struct kt_json *j;
	int c, rc, fd = -1;

	optind = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:", opts, NULL)) != -1) {
		if (c != 'o')
			return bad_option(cli, c, argv);
		out = optarg;
	}
	if (argc - optind != 1)
		return kt_cli_usage(cli, "give the evidence id");
	if (kt_parse_uint(argv[optind][0] == '#' ? argv[optind] + 1 : argv[optind], 1, INT64_MAX,
			  &id) != KT_OK)
		return kt_cli_usage(cli, "the evidence id must be a number");
	if (!out || !out[0])
		return kt_cli_usage(cli, "-o FILE is required (-o - writes to standard output)");
	to_stdout = strcmp(out, "-") == 0;
	if (to_stdout && cli->json)
		return kt_cli_usage(cli, "--json and -o - both want standard output");
	if (to_stdout) {
		fd = STDOUT_FILENO;
	} else {
		if ((size_t)snprintf(part, sizeof(part), "%s.part", out) >= sizeof(part))
			return kt_cli_usage(cli, "the output path is too long");
		fd = open(part, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "cannot create %s: %s",
					   part, strerror(errno));
	}
	rc = download(cli, (int64_t)id, fd, &ref_resp, sum, &got);
	if (rc != KT_EXIT_OK)
		goto out;
	ref = ref_resp->evidence_read->evidence;
	if (got != ref->size || ref->sha256.len != 32 ||
	    sodium_memcmp(sum, ref->sha256.data, 32) != 0) {
		rc = kt_cli_fail(
		    cli, KT_EXIT_ERROR, "ERROR",
		    "the downloaded content of evidence %llu does not match its SHA-256 "
		    "(%llu of %llu bytes); %s",
		    id, (unsigned long long)got, (unsigned long long)ref->size,
		    to_stdout ? "discard what was written" : "nothing was saved");
		goto out;
	}
	if (!to_stdout) {
		if (fsync(fd) != 0 || close(fd) != 0) {
			fd = -1;
			rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "cannot write %s: %s", part,
					 strerror(errno));
			goto out;
		}
		fd = -1;
		if (rename(part, out) != 0) {
			rc = kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "cannot rename %s to %s: %s",
					 part, out, strerror(errno));
			goto out;
		}
	}
	kt_fd_hex(sum, 32, hex);
	j = kt_cli_json_begin(cli);
	if (j) {
		kt_json_key(j, "evidence");
		kt_fd_json_evidence(j, ref);
		kt_json_kv_str(j, "output", out);
		kt_json_kv_bool(j, "verified", true);
		kt_cli_json_end(cli);
	} else if (!to_stdout) {
		printf("evidence %llu (", id);
		kt_print_safe(stdout, ref->name, false);
		printf(", %llu bytes) saved to ", (unsigned long long)got);
		kt_print_safe(stdout, out, false);
		printf("; SHA-256 %s verified\n", hex);
	}
	rc = KT_EXIT_OK;
out:
	if (fd >= 0 && !to_stdout)
		close(fd);
	if (rc != KT_EXIT_OK && !to_stdout)
		unlink(part);
	kt_response_free(ref_resp);
	return rc;
}

/* clang-format off */
const struct kt_command kt_cmds_evidence[] = {
	{"evidence upload", cmd_upload, KT_CMD_SESSION,
	 "evidence upload PLAN FILE [--type MIME]",
	 "upload an evidence file to a plan (resumable, checked by SHA-256)",
	 "Computes the file's SHA-256 and sends it in chunks; the server checks the whole\n"
	 "content against the hash before the evidence can be used. When the plan already\n"
	 "has the same content, nothing is sent and its id is printed. When an upload was\n"
	 "interrupted, running the same command again continues where the server stopped.\n"
	 "--type sets the MIME type (guessed from the file name otherwise). The server's\n"
	 "limit is 64 MiB per file. The evidence id is what findings refer to\n"
	 "(kiemtra finding add ... --evidence ID, or --evidence FILE to upload and attach).\n"
	 "Team members and the representatives of the plan's units may upload.\n"
	 "For testing: --stop-after-chunks N stops after N chunks as if interrupted (exit 1);\n"
	 "--declare-sha256 HEX declares that hash instead of the file's (the server then\n"
	 "refuses the content)."},
	{"evidence get", cmd_get, KT_CMD_SESSION, "evidence get ID -o FILE",
	 "download an evidence file and verify its SHA-256",
	 "Writes FILE.part, checks the SHA-256 of what arrived against the evidence's, then\n"
	 "renames it to FILE (nothing is left behind when the check fails). -o - writes to\n"
	 "standard output (checked at the end: exit 1 when it does not match)."},
};
/* clang-format on */
const size_t kt_ncmds_evidence = sizeof(kt_cmds_evidence) / sizeof(kt_cmds_evidence[0]);
