/* approval.c - see approval.h. */
#include <stdlib.h>
#include <string.h>

#include "common/approval.h"

static const char domain[] = "kiemtra-approval-v1";

static void put_be(uint8_t *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

void kt_canon_begin(struct kt_canon *c, const char *kind)
{
	crypto_generichash_init(&c->h, NULL, 0, KT_DIGEST_LEN);
	crypto_generichash_update(&c->h, (const uint8_t *)domain, sizeof(domain)); /* with NUL */
	crypto_generichash_update(&c->h, (const uint8_t *)kind, strlen(kind) + 1);
}

void kt_canon_i64(struct kt_canon *c, int64_t v)
{
	uint8_t b[8];

	put_be(b, (uint64_t)v, 8);
	crypto_generichash_update(&c->h, b, 8);
}

void kt_canon_count(struct kt_canon *c, size_t n)
{
	uint8_t b[4];

	put_be(b, (uint64_t)n, 4);
	crypto_generichash_update(&c->h, b, 4);
}

void kt_canon_bytes(struct kt_canon *c, const void *p, size_t n)
{
	kt_canon_count(c, n);
	if (n)
		crypto_generichash_update(&c->h, p, n);
}

void kt_canon_str(struct kt_canon *c, const char *s)
{
	kt_canon_bytes(c, s ? s : "", s ? strlen(s) : 0);
}

void kt_canon_end(struct kt_canon *c, uint8_t out[KT_DIGEST_LEN])
{
	crypto_generichash_final(&c->h, out, KT_DIGEST_LEN);
}

void kt_digest_finding_accept(int64_t plan_id, int64_t finding_id, int64_t unit_id, int area,
			      int kind, const char *text, const char *cause, size_t n_evidence,
			      const struct kt_digest_evidence *evidence, uint8_t out[KT_DIGEST_LEN])
{
	static const uint8_t zero[32];
	struct kt_canon c;

	kt_canon_begin(&c, "finding.accept");
	kt_canon_i64(&c, plan_id);
	kt_canon_i64(&c, finding_id);
	kt_canon_i64(&c, unit_id);
	kt_canon_i64(&c, area);
	kt_canon_i64(&c, kind);
	kt_canon_str(&c, text);
	kt_canon_str(&c, cause);
	kt_canon_count(&c, n_evidence);
	for (size_t i = 0; i < n_evidence; i++) {
		kt_canon_i64(&c, evidence[i].id);
		kt_canon_bytes(&c, evidence[i].sha256 ? evidence[i].sha256 : zero, 32);
	}
	kt_canon_end(&c, out);
}

void kt_digest_conclusion(int64_t plan_id, int64_t conclusion_id, int64_t unit_id,
			  int32_t revision, const char *text, size_t n_findings,
			  const int64_t *finding_ids, uint8_t out[KT_DIGEST_LEN])
{
	struct kt_canon c;

	kt_canon_begin(&c, "conclusion.approve");
	kt_canon_i64(&c, plan_id);
	kt_canon_i64(&c, conclusion_id);
	kt_canon_i64(&c, unit_id);
	kt_canon_i64(&c, revision);
	kt_canon_str(&c, text);
	kt_canon_count(&c, n_findings);
	for (size_t i = 0; i < n_findings; i++)
		kt_canon_i64(&c, finding_ids[i]);
	kt_canon_end(&c, out);
}

void kt_digest_review_signoff(int64_t plan_id, int64_t review_id, int64_t unit_id, int32_t round,
			      int32_t step, int signer, int approve, const char *reason,
			      const char *meeting_date, const uint8_t *minutes_sha256,
			      size_t n_officials, const struct kt_digest_official *officials,
			      uint8_t out[KT_DIGEST_LEN])
{
	static const uint8_t zero[32];
	struct kt_canon c;

	kt_canon_begin(&c, "review.signoff");
	kt_canon_i64(&c, plan_id);
	kt_canon_i64(&c, review_id);
	kt_canon_i64(&c, unit_id);
	kt_canon_i64(&c, round);
	kt_canon_i64(&c, step);
	kt_canon_i64(&c, signer);
	kt_canon_i64(&c, approve ? 1 : 0);
	kt_canon_str(&c, reason);
	kt_canon_str(&c, meeting_date);
	kt_canon_bytes(&c, minutes_sha256 ? minutes_sha256 : zero, 32);
	kt_canon_count(&c, n_officials);
	for (size_t i = 0; i < n_officials; i++) {
		kt_canon_str(&c, officials[i].name);
		kt_canon_str(&c, officials[i].position);
		kt_canon_i64(&c, officials[i].outcome);
		kt_canon_str(&c, officials[i].note);
	}
	kt_canon_end(&c, out);
}

void kt_digest_plan_close(int64_t plan_id, const char *number, const char *issued_on,
			  const char *issuer, const char *title, const char *period_start,
			  const char *period_end, size_t n_units, const int64_t *unit_ids,
			  uint8_t out[KT_DIGEST_LEN])
{
	struct kt_canon c;

	kt_canon_begin(&c, "plan.close");
	kt_canon_i64(&c, plan_id);
	kt_canon_str(&c, number);
	kt_canon_str(&c, issued_on);
	kt_canon_str(&c, issuer);
	kt_canon_str(&c, title);
	kt_canon_str(&c, period_start);
	kt_canon_str(&c, period_end);
	kt_canon_count(&c, n_units);
	for (size_t i = 0; i < n_units; i++)
		kt_canon_i64(&c, unit_ids[i]);
	kt_canon_end(&c, out);
}

void kt_sign_digest(const uint8_t sk[KT_SIGN_SK_LEN], const uint8_t digest[KT_DIGEST_LEN],
		    uint8_t sig[KT_SIG_LEN])
{
	crypto_sign_detached(sig, NULL, digest, KT_DIGEST_LEN, sk);
}

int kt_verify_digest(const uint8_t pk[KT_SIGN_PK_LEN], const uint8_t digest[KT_DIGEST_LEN],
		     const uint8_t sig[KT_SIG_LEN])
{
	return crypto_sign_verify_detached(sig, digest, KT_DIGEST_LEN, pk) == 0 ? 0 : -1;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static int cmp_ev(const void *a, const void *b)
{
	return cmp_i64(&((const struct kt_digest_evidence *)a)->id,
		       &((const struct kt_digest_evidence *)b)->id);
}

void kt_sort_ids(int64_t *ids, size_t n)
{
	if (n > 1)
		qsort(ids, n, sizeof(*ids), cmp_i64);
}

void kt_sort_evidence(struct kt_digest_evidence *ev, size_t n)
{
	if (n > 1)
		qsort(ev, n, sizeof(*ev), cmp_ev);
}
