/*
 * svc_evidence.c - the evidence service (see svc_evidence.h): input checks,
 * rights, the sequential upload, the SHA-256 check, reads, and audit rows.
 */
#include "server/svc_common.h"
#include "server/svc_evidence.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sodium.h>

#include "common/status.h"
#include "common/text.h"
#include "server/store/store.h"

#define DEFAULT_TYPE "application/octet-stream"

static int audit(struct store_tx *tx, const struct svc_actor *who, const char *action, int64_t id,
		 const char *detail)
{
	struct store_audit a = {
	    .user_id = who->user_id,
	    .actor = who->name,
	    .session_id = who->session_id,
	    .action = action,
	    .object_type = "evidence",
	    .object_id = id,
	    .detail = detail,
	    .at = who->now,
	};

	return store_audit_append(tx, &a);
}

/* A MIME type: "type/subtype" and parameters, printable ASCII without controls. */
static bool type_ok(const char *t)
{
	bool slash = false;
	size_t n = strlen(t);

	if (n == 0 || n > STORE_EVIDENCE_TYPE_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)t[i];

		if (c < 0x20 || c > 0x7e)
			return false;
		if (c == '/')
			slash = true;
	}
	return slash && t[0] != '/' && t[0] != ' ';
}

/* The caller's standing in the plan; the load's own sentence on failure. */
static int load(struct store_tx *tx, const struct rights_user *ru, int64_t plan_id,
		struct plan_access *a, char *msg, size_t cap)
{
	return rights_load(tx, ru, plan_id, a, msg, cap);
}

static int get_evidence(struct store_tx *tx, int64_t id, struct store_evidence *e, char *msg,
			size_t cap)
{
	int rc = store_evidence_get(tx, id, e);

	if (rc == KT_ENOTFOUND)
		return svc_fail(msg, cap, rc, "no evidence with id %" PRId64, id);
	return rc;
}

/*
 * Who may write an incomplete upload, in an open plan: anyone who may begin
 * an upload there (the team, the plan's unit representatives). An upload is
 * identified by its content's SHA-256 within the plan, so several people
 * sending the same file at once write the same bytes at the same offsets, and
 * the hash check at the end protects the content whoever wrote a chunk.
 */
static int check_uploader(struct store_tx *tx, const struct svc_actor *who,
			  const struct rights_user *ru, const struct store_evidence *e,
			  const char *action, char *msg, size_t cap)
{
	struct plan_access a;
	char what[128];
	int rc;

	if ((rc = load(tx, ru, e->plan_id, &a, msg, cap)) != 0 ||
	    (rc = rights_plan_open(&a, msg, cap)) != 0)
		return rc;
	if (e->uploaded_by != who->user_id && !rights_is_team(&a) && !a.rep_unit_id) {
		rights_describe(&a, what, sizeof(what));
		return svc_fail(msg, cap, KT_EPERM,
			    "%s of evidence %" PRId64 " needs a place on the team of plan %s or "
			    "the representative standing of one of its units; '%s' is %s",
			    action, e->id, a.number, who->name, what);
	}
	return 0;
}

int svc_evidence_begin(struct store_tx *tx, const struct svc_actor *who,
		       const struct rights_user *ru, int64_t plan_id, const char *name,
		       uint64_t size, const uint8_t *sha256, size_t sha256_len,
		       const char *content_type, struct store_evidence *out, bool *resumed,
		       char *msg, size_t cap)
{
	char detail[STORE_NAME_MAX + 128], what[96];
	struct plan_access a;
	int rc;

	*resumed = false;
	if (!name || kt_text_check(name, strlen(name), STORE_NAME_MAX, KT_TEXT_NONEMPTY) != 0)
		return svc_fail(msg, cap, KT_EINVAL,
			    "the evidence name must be 1 to %d bytes of text on one line",
			    STORE_NAME_MAX);
	if (content_type && content_type[0] && !type_ok(content_type))
		return svc_fail(msg, cap, KT_EINVAL,
			    "the content type must look like 'application/pdf' (printable ASCII, "
			    "at most %d bytes)",
			    STORE_EVIDENCE_TYPE_MAX);
	if (!content_type || !content_type[0])
		content_type = DEFAULT_TYPE;
	if (size == 0)
		return svc_fail(msg, cap, KT_EINVAL, "an evidence file cannot be empty");
	if (size > SVC_EVIDENCE_MAX_BYTES)
		return svc_fail(msg, cap, KT_ETOOBIG,
			    "evidence of %" PRIu64 " bytes is larger than the limit of %llu bytes "
			    "(64 MiB)",
			    size, SVC_EVIDENCE_MAX_BYTES);
	if (!sha256 || sha256_len != STORE_SHA256_LEN)
		return svc_fail(msg, cap, KT_EINVAL,
			    "sha256 must be the 32-byte SHA-256 of the content");
	if ((rc = load(tx, ru, plan_id, &a, msg, cap)) != 0 ||
	    (rc = rights_plan_open(&a, msg, cap)) != 0)
		return rc;
	if (!rights_is_team(&a) && !a.rep_unit_id) {
		rights_describe(&a, what, sizeof(what));
		return svc_fail(msg, cap, KT_EPERM,
			    "evidence.begin needs a place on the team of plan %s or the "
			    "representative standing of one of its units; '%s' is %s",
			    a.number, who->name, what);
	}
	rc = store_evidence_get_by_hash(tx, plan_id, sha256, out);
	if (rc == 0 && out->complete)
		return 0; /* the same content is already there */
	if (rc == 0) {
		bool other = out->uploaded_by != who->user_id;

		rc = store_evidence_restart(tx, out->id, who->user_id, name, content_type, size);
		if (rc != 0)
			return rc;
		if ((rc = store_evidence_get(tx, out->id, out)) != 0)
			return rc;
		*resumed = true;
		if (other) {
			snprintf(detail, sizeof(detail),
				 "%s, %" PRIu64 " bytes: taken over at %" PRIu64, name, size,
				 out->received);
			if ((rc = audit(tx, who, "evidence.resume", out->id, detail)) != 0)
				return rc;
		}
		return 0;
	}
	if (rc != KT_ENOTFOUND)
		return rc;
	memset(out, 0, sizeof(*out));
	out->plan_id = plan_id;
	snprintf(out->name, sizeof(out->name), "%s", name);
	snprintf(out->content_type, sizeof(out->content_type), "%s", content_type);
	out->size = size;
	memcpy(out->sha256, sha256, STORE_SHA256_LEN);
	out->uploaded_by = who->user_id;
	out->created_at = who->now;
	if ((rc = store_evidence_insert(tx, out)) != 0)
		return rc;
	snprintf(detail, sizeof(detail), "%s, %" PRIu64 " bytes", name, size);
	return audit(tx, who, "evidence.begin", out->id, detail);
}

int svc_evidence_chunk(struct store_tx *tx, const struct svc_actor *who,
		       const struct rights_user *ru, int64_t id, uint64_t offset, const void *data,
		       size_t n, uint64_t *received, char *msg, size_t cap)
{
	struct store_evidence e;
	int rc;

	if ((rc = get_evidence(tx, id, &e, msg, cap)) != 0 ||
	    (rc = check_uploader(tx, who, ru, &e, "evidence.chunk", msg, cap)) != 0)
		return rc;
	if (e.complete)
		return svc_fail(msg, cap, KT_ESTATE, "evidence %" PRId64 " is already complete", id);
	if (n == 0 || n > SVC_EVIDENCE_CHUNK_BYTES)
		return svc_fail(msg, cap, KT_EINVAL, "a chunk holds 1 to %u bytes",
			    SVC_EVIDENCE_CHUNK_BYTES);
	if (offset != e.received) {
		if (received)
			*received = e.received;
		return svc_fail(msg, cap, KT_ECONFLICT,
			    "the chunk at offset %" PRIu64 " does not continue the upload: the "
			    "server has %" PRIu64 " bytes of evidence %" PRId64 "; send from there",
			    offset, e.received, id);
	}
	if (n > e.size - e.received)
		return svc_fail(msg, cap, KT_EINVAL,
			    "the chunk ends at %" PRIu64 ", past the declared size of %" PRIu64
			    " bytes",
			    offset + n, e.size);
	rc = store_evidence_append(tx, id, offset, data, n, received);
	if (rc == KT_ECONFLICT)
		return svc_fail(msg, cap, rc,
			    "the upload of evidence %" PRId64 " moved on; begin again", id);
	return rc;
}

static int hash_chunk(uint64_t offset, const void *data, size_t n, void *arg)
{
	crypto_hash_sha256_update(arg, data, n);
	return 0;
}

int svc_evidence_finish(struct store_tx *tx, const struct svc_actor *who,
			const struct rights_user *ru, int64_t id, struct store_evidence *out,
			bool *mismatch, char *msg, size_t cap)
{
	crypto_hash_sha256_state h;
	uint8_t sum[STORE_SHA256_LEN];
	char detail[STORE_NAME_MAX + 64];
	int rc;

	*mismatch = false;
	if ((rc = get_evidence(tx, id, out, msg, cap)) != 0)
		return rc;
	if (out->complete)
		return 0;
	if ((rc = check_uploader(tx, who, ru, out, "evidence.finish", msg, cap)) != 0)
		return rc;
	if (out->received != out->size)
		return svc_fail(msg, cap, KT_ESTATE,
			    "evidence %" PRId64 " has %" PRIu64 " of its %" PRIu64
			    " bytes; send the rest before finishing",
			    id, out->received, out->size);
	crypto_hash_sha256_init(&h);
	if ((rc = store_evidence_chunks(tx, id, hash_chunk, &h)) != 0)
		return rc;
	crypto_hash_sha256_final(&h, sum);
	if (sodium_memcmp(sum, out->sha256, sizeof(sum)) != 0) {
		if ((rc = store_evidence_reset(tx, id)) != 0)
			return rc;
		snprintf(detail, sizeof(detail), "%s: content did not match its SHA-256",
			 out->name);
		if ((rc = audit(tx, who, "evidence.reset", id, detail)) != 0)
			return rc;
		out->received = 0;
		*mismatch = true;
		svc_fail(msg, cap, KT_EINVAL,
		     "content does not match its SHA-256: evidence %" PRId64
		     " was reset; upload it again",
		     id);
		return 0;
	}
	if ((rc = store_evidence_complete(tx, id, who->now)) != 0)
		return rc;
	out->complete = true;
	out->completed_at = who->now;
	snprintf(detail, sizeof(detail), "%s, %" PRIu64 " bytes", out->name, out->size);
	return audit(tx, who, "evidence.add", id, detail);
}

int svc_evidence_rep_may_cite(struct store_tx *tx, int64_t user_id, int64_t rep_unit_id,
			      int64_t evidence_id, char *msg, size_t cap)
{
	struct store_evidence e;
	int rc = store_evidence_get(tx, evidence_id, &e);

	if (rc < 0)
		return rc == KT_ENOTFOUND
			       ? svc_fail(msg, cap, KT_ENOTFOUND, "there is no evidence %" PRId64,
				      evidence_id)
			       : rc;
	if (e.uploaded_by == user_id)
		return 0;
	rc = store_evidence_unit_visible(tx, evidence_id, rep_unit_id);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return svc_fail(msg, cap, KT_EPERM,
			    "evidence %" PRId64 " was not uploaded by you nor attached to a record "
			    "of your unit you may see; a unit representative cites only those",
			    evidence_id);
	return 0;
}

int svc_evidence_read(struct store_tx *tx, const struct rights_user *ru, int64_t id,
		      uint64_t offset, void *buf, size_t cap, size_t *n, struct store_evidence *out,
		      char *msg, size_t cap_msg)
{
	struct plan_access a;
	int rc;

	*n = 0;
	if ((rc = get_evidence(tx, id, out, msg, cap_msg)) != 0 ||
	    (rc = load(tx, ru, out->plan_id, &a, msg, cap_msg)) != 0)
		return rc;
	if (!rights_is_team(&a) && !a.observer && !a.authority && !a.planner) {
		/* A unit representative: their own uploads and their unit's visible records. */
		rc = 0;
		if (a.rep_unit_id && out->uploaded_by != ru->user_id)
			rc = store_evidence_unit_visible(tx, id, a.rep_unit_id);
		else if (a.rep_unit_id)
			rc = 1;
		if (rc < 0)
			return rc;
		if (rc == 0)
			return svc_fail(msg, cap_msg, KT_EPERM,
				    "evidence %" PRId64 " is not attached to a record of your unit "
				    "that you may see; a unit representative reads only those",
				    id);
	}
	if (!out->complete)
		return svc_fail(msg, cap_msg, KT_ESTATE,
			    "evidence %" PRId64 " is not complete yet (%" PRIu64 " of %" PRIu64
			    " bytes)",
			    id, out->received, out->size);
	if (offset > out->size)
		return svc_fail(msg, cap_msg, KT_ERANGE,
			    "offset %" PRIu64 " is past the end (%" PRIu64 " bytes)", offset,
			    out->size);
	if (cap > SVC_EVIDENCE_CHUNK_BYTES)
		cap = SVC_EVIDENCE_CHUNK_BYTES;
	if (cap > out->size - offset)
		cap = (size_t)(out->size - offset);
	if (cap == 0)
		return 0;
	rc = store_evidence_read(tx, id, offset, buf, cap, n);
	if (rc == 0 && *n != cap)
		return svc_fail(msg, cap_msg, KT_ECORRUPT,
			    "evidence %" PRId64 " is missing stored content at offset %" PRIu64, id,
			    offset + *n);
	return rc;
}

int svc_evidence_check_refs(struct store_tx *tx, int64_t plan_id, const int64_t *ids, size_t n,
			    size_t max, char *msg, size_t cap)
{
	struct store_evidence e;
	int rc;

	if (n > max)
		return svc_fail(msg, cap, KT_EINVAL, "a record refers to at most %zu evidence files",
			    max);
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < i; j++)
			if (ids[j] == ids[i])
				return svc_fail(msg, cap, KT_EINVAL,
					    "evidence %" PRId64 " is listed twice", ids[i]);
		rc = store_evidence_get(tx, ids[i], &e);
		if (rc == KT_ENOTFOUND || (rc == 0 && e.plan_id != plan_id))
			return svc_fail(msg, cap, KT_EINVAL,
				    "evidence %" PRId64 " is not evidence of this plan (upload it "
				    "to the plan first)",
				    ids[i]);
		if (rc != 0)
			return rc;
		if (!e.complete)
			return svc_fail(msg, cap, KT_EINVAL,
				    "evidence %" PRId64 " is not complete: finish its upload first",
				    ids[i]);
	}
	return 0;
}
