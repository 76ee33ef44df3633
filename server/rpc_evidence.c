/*
 * rpc_evidence.c - the evidence methods: protobuf mapping and flow only; rules live in
 * the service (server/svc_evidence.c), SQL in the store.
 *
 * Every method runs on the storage thread, so chunks are written there, each
 * in the transaction of its request (group commit batches a pipelined
 * upload). A finish whose content does not match its SHA-256 commits the
 * reset of the upload and only then, in finish(), turns into the error the
 * client sees.
 */
#include <stdio.h>
#include <string.h>

#include "common/status.h"
#include "server/dispatch.h"
#include "server/svc_evidence.h"

static Kiemtra__V1__EvidenceRef *pb_ref(struct call *call, const struct store_evidence *e)
{
	Kiemtra__V1__EvidenceRef *r = call_alloc(call, sizeof(*r));
	uint8_t *h = call_alloc(call, STORE_SHA256_LEN);

	if (!r || !h)
		return NULL;
	kiemtra__v1__evidence_ref__init(r);
	r->id = e->id;
	r->name = call_strdup(call, e->name);
	r->content_type = call_strdup(call, e->content_type);
	memcpy(h, e->sha256, STORE_SHA256_LEN);
	r->sha256.data = h;
	r->sha256.len = STORE_SHA256_LEN;
	r->size = e->size;
	return r->name && r->content_type ? r : NULL;
}

static int begin_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__EvidenceBeginReq *q = call->req->evidence_begin;
	struct rights_user ru = call_rights_user(call);
	Kiemtra__V1__EvidenceBeginResp *p;
	struct store_evidence e;
	bool resumed = false;
	int rc;

	rc = svc_evidence_begin(tx, &call->who, &ru, q->plan_id, q->name, q->size, q->sha256.data,
				q->sha256.len, q->content_type, &e, &resumed, call->msg,
				sizeof(call->msg));
	if (rc != KT_OK)
		return rc;
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return call_oom(call);
	kiemtra__v1__evidence_begin_resp__init(p);
	p->evidence_id = e.id;
	p->received = e.complete ? e.size : e.received;
	p->complete = e.complete;
	p->chunk_size = SVC_EVIDENCE_CHUNK_BYTES;
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_EVIDENCE_BEGIN;
	call->resp.evidence_begin = p;
	return KT_OK;
}

static int chunk_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__EvidenceChunkReq *q = call->req->evidence_chunk;
	struct rights_user ru = call_rights_user(call);
	Kiemtra__V1__EvidenceChunkResp *p;
	uint64_t received = 0;
	int rc;

	rc = svc_evidence_chunk(tx, &call->who, &ru, q->evidence_id, q->offset, q->data.data,
				q->data.len, &received, call->msg, sizeof(call->msg));
	if (rc != KT_OK)
		return rc;
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return call_oom(call);
	kiemtra__v1__evidence_chunk_resp__init(p);
	p->received = received;
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_EVIDENCE_CHUNK;
	call->resp.evidence_chunk = p;
	return KT_OK;
}

static int finish_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__EvidenceFinishReq *q = call->req->evidence_finish;
	struct rights_user ru = call_rights_user(call);
	Kiemtra__V1__EvidenceFinishResp *p;
	struct store_evidence e;
	bool mismatch = false;
	int rc;

	rc = svc_evidence_finish(tx, &call->who, &ru, q->evidence_id, &e, &mismatch, call->msg,
				 sizeof(call->msg));
	if (rc != KT_OK)
		return rc;
	if (mismatch) {
		/* Commit the reset; finish_finish() reports the mismatch. */
		call->state = call; /* any non-NULL marker */
		return KT_OK;
	}
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return call_oom(call);
	kiemtra__v1__evidence_finish_resp__init(p);
	p->evidence = pb_ref(call, &e);
	if (!p->evidence)
		return call_oom(call);
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_EVIDENCE_FINISH;
	call->resp.evidence_finish = p;
	return KT_OK;
}

static void finish_finish(struct call *call)
{
	if (call->state)
		call->rc = KT_EINVAL; /* call->msg already says why */
}

static int read_run(struct store_tx *tx, struct call *call)
{
	Kiemtra__V1__EvidenceReadReq *q = call->req->evidence_read;
	struct rights_user ru = call_rights_user(call);
	Kiemtra__V1__EvidenceReadResp *p;
	struct store_evidence e;
	size_t want = q->length ? q->length : SVC_EVIDENCE_CHUNK_BYTES, n = 0;
	uint8_t *buf;
	int rc;

	if (want > SVC_EVIDENCE_CHUNK_BYTES)
		want = SVC_EVIDENCE_CHUNK_BYTES;
	buf = call_alloc(call, want);
	if (!buf)
		return call_oom(call);
	rc = svc_evidence_read(tx, &ru, q->evidence_id, q->offset, buf, want, &n, &e, call->msg,
			       sizeof(call->msg));
	if (rc != KT_OK)
		return rc;
	p = call_alloc(call, sizeof(*p));
	if (!p)
		return call_oom(call);
	kiemtra__v1__evidence_read_resp__init(p);
	p->evidence = pb_ref(call, &e);
	if (!p->evidence)
		return call_oom(call);
	p->offset = q->offset;
	p->data.data = buf;
	p->data.len = n;
	call->resp.body_case = KIEMTRA__V1__RESPONSE__BODY_EVIDENCE_READ;
	call->resp.evidence_read = p;
	return KT_OK;
}

/* The rows of this area's methods (see struct method in dispatch.h). */
const struct method rpc_evidence_methods[] = {
    {KIEMTRA__V1__REQUEST__BODY_EVIDENCE_BEGIN, "evidence.begin", 0, 0, NULL, begin_run, NULL},
    {KIEMTRA__V1__REQUEST__BODY_EVIDENCE_CHUNK, "evidence.chunk", 0, 0, NULL, chunk_run, NULL},
    {KIEMTRA__V1__REQUEST__BODY_EVIDENCE_FINISH, "evidence.finish", 0, 0, NULL, finish_run,
     finish_finish},
    {KIEMTRA__V1__REQUEST__BODY_EVIDENCE_READ, "evidence.read", 0, 0, NULL, read_run, NULL},
};
const size_t rpc_evidence_nmethods = sizeof(rpc_evidence_methods) / sizeof(rpc_evidence_methods[0]);
