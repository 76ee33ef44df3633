/*
 * approval.h - canonical digests of what an approval approves, and Ed25519
 * signatures over them. The server, the client and `kiemtra verify` compute
 * the same bytes from the same content, so a signature proves who approved
 * exactly which content, and any later change of that content is detected.
 *
 * Encoding (docs/PROTOCOL.md, "Signatures"): BLAKE2b-256 over
 *
 *   "kiemtra-approval-v1" 0x00 KIND 0x00 FIELD...
 *
 * where each FIELD is an integer as 8 bytes big-endian (two's complement), a
 * text or byte string as its length in 4 bytes big-endian then its bytes, and
 * a list as its count in 4 bytes big-endian then its items. Versions are not
 * digested: only content and identity. Lists are sorted by id ascending.
 *
 * Owns nothing; pure functions over caller buffers.
 */
#ifndef KT_APPROVAL_H
#define KT_APPROVAL_H

#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#define KT_DIGEST_LEN 32
#define KT_SIG_LEN 64
#define KT_SIGN_PK_LEN 32
#define KT_SIGN_SK_LEN 64

struct kt_canon {
	crypto_generichash_state h;
};

void kt_canon_begin(struct kt_canon *c, const char *kind);
void kt_canon_i64(struct kt_canon *c, int64_t v);
void kt_canon_str(struct kt_canon *c, const char *s); /* NULL digests as "" */
void kt_canon_bytes(struct kt_canon *c, const void *p, size_t n);
void kt_canon_count(struct kt_canon *c, size_t n);
void kt_canon_end(struct kt_canon *c, uint8_t out[KT_DIGEST_LEN]);

struct kt_digest_evidence {
	int64_t id;
	const uint8_t *sha256; /* 32 bytes */
};

/* "finding.accept": a leader accepts a finding as written. */
void kt_digest_finding_accept(int64_t plan_id, int64_t finding_id, int64_t unit_id, int area,
			      int kind, const char *text, const char *cause, size_t n_evidence,
			      const struct kt_digest_evidence *evidence, uint8_t out[KT_DIGEST_LEN]);

/* "conclusion.approve": one revision of a unit's (or the plan's, unit 0) conclusion. */
void kt_digest_conclusion(int64_t plan_id, int64_t conclusion_id, int64_t unit_id,
			  int32_t revision, const char *text, size_t n_findings,
			  const int64_t *finding_ids, uint8_t out[KT_DIGEST_LEN]);

struct kt_digest_official {
	const char *name;
	const char *position;
	int outcome;
	const char *note;
};

/* "review.signoff": one step of a responsibility review, approved or returned. */
void kt_digest_review_signoff(int64_t plan_id, int64_t review_id, int64_t unit_id, int32_t round,
			      int32_t step, int signer, int approve, const char *reason,
			      const char *meeting_date, const uint8_t *minutes_sha256,
			      size_t n_officials, const struct kt_digest_official *officials,
			      uint8_t out[KT_DIGEST_LEN]);

/* "plan.close": the plan as registered, with its units. */
void kt_digest_plan_close(int64_t plan_id, const char *number, const char *issued_on,
			  const char *issuer, const char *title, const char *period_start,
			  const char *period_end, size_t n_units, const int64_t *unit_ids,
			  uint8_t out[KT_DIGEST_LEN]);

/* Ed25519 (libsodium crypto_sign_detached) over a digest. 0, or -1 for a bad signature. */
void kt_sign_digest(const uint8_t sk[KT_SIGN_SK_LEN], const uint8_t digest[KT_DIGEST_LEN],
		    uint8_t sig[KT_SIG_LEN]);
int kt_verify_digest(const uint8_t pk[KT_SIGN_PK_LEN], const uint8_t digest[KT_DIGEST_LEN],
		     const uint8_t sig[KT_SIG_LEN]);

/* Sort helpers for callers building the sorted lists. */
void kt_sort_ids(int64_t *ids, size_t n);
void kt_sort_evidence(struct kt_digest_evidence *ev, size_t n);

#endif
