/*
 * store_evidence.h - evidence files (hồ sơ, tài liệu kiểm chứng) and their
 * content, stored as chunks in the database: the tables evidence and
 * evidence_chunks. Portable SQL through db.h, like every record file.
 *
 * An evidence row is created by an upload's begin with its declared size and
 * SHA-256; chunks are appended strictly in order (offset == received); the
 * service checks the content against the hash and marks it complete. A plan
 * holds one evidence row per distinct SHA-256 (the UNIQUE key), so a second
 * upload of the same content is the first one (deduplication).
 *
 * Rules (who may upload or read, the size limit, the hash check) are
 * svc_evidence.c's; here only keys and the sequential-append invariant apply.
 *
 * Ownership: output structs are filled by value; chunk data handed to a
 * callback is valid only during the call. Nothing needs freeing.
 */
#ifndef KT_STORE_EVIDENCE_H
#define KT_STORE_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/store/store.h"

#define STORE_EVIDENCE_TYPE_MAX 128 /* bytes of a MIME type */
#define STORE_SHA256_LEN 32

struct store_evidence {
	int64_t id;
	int64_t plan_id;
	char name[STORE_NAME_MAX + 1];
	char content_type[STORE_EVIDENCE_TYPE_MAX + 1];
	uint64_t size; /* declared size in bytes */
	uint8_t sha256[STORE_SHA256_LEN];
	uint64_t received; /* bytes stored so far (chunks 0..received) */
	bool complete;	   /* received == size and the hash matched */
	int64_t uploaded_by;
	int64_t created_at;
	int64_t completed_at; /* 0 until complete */
};

/* Insert a new, empty upload (received 0, incomplete); sets e->id. KT_EEXIST for (plan, hash). */
int store_evidence_insert(struct store_tx *tx, struct store_evidence *e);
int store_evidence_get(struct store_tx *tx, int64_t id, struct store_evidence *out);
int store_evidence_get_by_hash(struct store_tx *tx, int64_t plan_id,
			       const uint8_t sha256[STORE_SHA256_LEN], struct store_evidence *out);
/*
 * Take over an incomplete upload: set uploader, name, type and size. When the
 * size changes the stored chunks are dropped (received 0). KT_ESTATE when complete.
 */
int store_evidence_restart(struct store_tx *tx, int64_t id, int64_t uploaded_by, const char *name,
			   const char *content_type, uint64_t size);
/*
 * Append one chunk at offset, which must equal the stored received count, of
 * an incomplete upload: KT_ECONFLICT otherwise. *received gets the new count.
 */
int store_evidence_append(struct store_tx *tx, int64_t id, uint64_t offset, const void *data,
			  size_t n, uint64_t *received);
/* The stored chunks in offset order; fn returning non-zero stops and is returned. */
int store_evidence_chunks(struct store_tx *tx, int64_t id,
			  int (*fn)(uint64_t offset, const void *data, size_t n, void *arg),
			  void *arg);
/* Copy up to cap bytes of content from offset into buf; *n gets the count (0 at the end). */
int store_evidence_read(struct store_tx *tx, int64_t id, uint64_t offset, void *buf, size_t cap,
			size_t *n);
int store_evidence_complete(struct store_tx *tx, int64_t id, int64_t now);
/* Drop every chunk and set received back to 0 (an upload whose content did not match). */
int store_evidence_reset(struct store_tx *tx, int64_t id);
/*
 * 1 when evidence id is referenced by a record of unit_id that the unit's
 * representative may see: an ACCEPTED finding, a recommendation's response,
 * or the unit's responsibility review (its minutes); 0 when not.
 */
int store_evidence_unit_visible(struct store_tx *tx, int64_t id, int64_t unit_id);

#endif
