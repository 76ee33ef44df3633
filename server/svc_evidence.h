/*
 * svc_evidence.h - the evidence service: uploads in chunks inside the
 * protocol, resumable and checked by SHA-256, and reads. No protobuf, no
 * sockets, no SQL.
 *
 * An upload:
 *
 *     begin(plan, name, size, sha256)
 *         -> same (plan, sha256) complete:   that evidence, complete (dedupe)
 *         -> same (plan, sha256) incomplete: that upload, resumed at `received`
 *         -> otherwise:                      a new upload, received 0
 *     chunk(offset == received, 1..SVC_EVIDENCE_CHUNK_BYTES bytes) ...
 *     finish: received == size, and SHA-256 of the stored chunks == the
 *             declared hash -> complete; else the chunks are dropped (the
 *             upload starts again from 0) and the finish fails.
 *
 * A complete evidence never changes. Only complete evidence can be read or
 * referenced by a record, and only within its own plan.
 *
 * Rights (server/rights.h): uploading needs an open plan and a place on its
 * team or the representative standing of one of its units; chunks and finish
 * only by the uploader (the last one to begin the upload). Reading: anyone
 * with standing in the plan except unit representatives, who may read what
 * they uploaded and what is attached to records of their own unit that they
 * may see.
 *
 * Every function runs inside a transaction the caller opened (a worker job),
 * writes one audit row for begin, finish and reset (not for each chunk), and
 * returns 0 or a KT_E* code with a sentence for a person in msg (capacity cap).
 */
#ifndef KT_SVC_EVIDENCE_H
#define KT_SVC_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/rights.h"
#include "server/store/store_evidence.h"
#include "server/svc_users.h"

/* The largest evidence file, and the chunk size of uploads and reads (fits one frame). */
#define SVC_EVIDENCE_MAX_BYTES (64ull * 1024 * 1024)
#define SVC_EVIDENCE_CHUNK_BYTES (48u * 1024)

/* *resumed: an incomplete upload of the same content was found (out->received tells where). */
int svc_evidence_begin(struct store_tx *tx, const struct svc_actor *who,
		       const struct rights_user *ru, int64_t plan_id, const char *name,
		       uint64_t size, const uint8_t *sha256, size_t sha256_len,
		       const char *content_type, struct store_evidence *out, bool *resumed,
		       char *msg, size_t cap);

/* *received: the bytes stored after this chunk. */
int svc_evidence_chunk(struct store_tx *tx, const struct svc_actor *who,
		       const struct rights_user *ru, int64_t id, uint64_t offset, const void *data,
		       size_t n, uint64_t *received, char *msg, size_t cap);

/*
 * Finish an upload. When the stored content does not match its SHA-256, the
 * upload is reset and this returns 0 with *mismatch set and the sentence in
 * msg: the caller commits the reset and then reports KT_EINVAL. A finish of
 * complete evidence returns it unchanged.
 */
int svc_evidence_finish(struct store_tx *tx, const struct svc_actor *who,
			const struct rights_user *ru, int64_t id, struct store_evidence *out,
			bool *mismatch, char *msg, size_t cap);

/* Read up to cap (<= SVC_EVIDENCE_CHUNK_BYTES) bytes from offset; *n = 0 at the end. */
int svc_evidence_read(struct store_tx *tx, const struct rights_user *ru, int64_t id,
		      uint64_t offset, void *buf, size_t cap, size_t *n, struct store_evidence *out,
		      char *msg, size_t cap_msg);

/*
 * Check evidence ids a record of plan_id refers to: each exists, is
 * complete and belongs to the plan, and none repeats; at most max ids.
 * For other areas too (recommendation responses, review minutes).
 */
int svc_evidence_check_refs(struct store_tx *tx, int64_t plan_id, const int64_t *ids, size_t n,
			    size_t max, char *msg, size_t cap);

/*
 * May a unit representative attach this evidence to their unit's record
 * (a recommendation response, review minutes)? Only what they uploaded
 * themselves or may already read (attached to their unit's visible records):
 * citing an id must not become a way to read the team's files. 0, or
 * KT_EPERM with a sentence; KT_ENOTFOUND for an unknown id.
 */
int svc_evidence_rep_may_cite(struct store_tx *tx, int64_t user_id, int64_t rep_unit_id,
			      int64_t evidence_id, char *msg, size_t cap);

#endif
