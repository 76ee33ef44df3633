/*
 * store_findings.h - findings (kết quả đạt được / tồn tại, hạn chế) recorded
 * by an inspection team per plan, unit and area: the tables findings,
 * finding_evidence and finding_revisions. Portable SQL through db.h.
 *
 * The history is complete by construction: revision N is exactly what
 * version N was. A finding's first version is its row until the first change;
 * that change copies it into finding_revisions as revision 1 (with the
 * evidence linked then), and every change writes the row of its new version,
 * all in the change's transaction. So a finding at version 1 has no stored
 * revision (its history reads the row), every later one has one per version.
 * A save names the version it is based on and fails with KT_ECONFLICT when
 * the stored one differs (never overwrites a newer version).
 *
 * Domain rules (states, rights, text limits, evidence of the same plan) are
 * svc_findings.c's; here only keys, versions and lengths apply.
 *
 * Ownership: structs are filled by value (fixed-size buffers; a struct
 * store_finding is about 30 KiB, so callers keep few of them). Callback
 * arguments are valid only during the call. Nothing needs freeing.
 */
#ifndef KT_STORE_FINDINGS_H
#define KT_STORE_FINDINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/store/store.h"

#define STORE_FINDING_TEXT_MAX (16 * 1024) /* bytes of UTF-8 */
#define STORE_FINDING_CAUSE_MAX (8 * 1024)
#define STORE_FINDING_REASON_MAX (4 * 1024) /* a return's reason */
#define STORE_FINDING_CLIENT_ID_MAX 64
#define STORE_FINDING_EVIDENCE_MAX 32 /* evidence files per finding */

struct store_finding {
	int64_t id;
	int64_t plan_id;
	int64_t unit_id;
	int area;  /* Area */
	int kind;  /* FindingKind */
	int state; /* FindingState */
	char text[STORE_FINDING_TEXT_MAX + 1];
	char cause[STORE_FINDING_CAUSE_MAX + 1];
	char return_reason[STORE_FINDING_REASON_MAX + 1];
	int64_t author_id;
	char author[STORE_USERNAME_MAX + 1]; /* read only (from users) */
	char client_id[STORE_FINDING_CLIENT_ID_MAX + 1];
	int64_t created_at, updated_at;
	int64_t updated_by;
	int64_t version;
	size_t n_evidence;
	int64_t evidence_ids[STORE_FINDING_EVIDENCE_MAX]; /* ascending, no duplicates */
	/* The acceptance, when state is ACCEPTED (accepted_by 0 otherwise). */
	int64_t accepted_by, accepted_at;
	char accepted_by_name[STORE_USERNAME_MAX + 1]; /* read only */
	char accepted_by_full[STORE_NAME_MAX + 1];     /* read only */
	uint8_t accept_digest[32], accept_signature[64], accept_key[32];
};

struct store_finding_revision {
	int64_t finding_id;
	int64_t version;
	int state, area, kind;
	char text[STORE_FINDING_TEXT_MAX + 1];
	char cause[STORE_FINDING_CAUSE_MAX + 1];
	char reason[STORE_FINDING_REASON_MAX + 1];
	int64_t by;
	char by_name[STORE_USERNAME_MAX + 1];
	int64_t at;
	size_t n_evidence;
	int64_t evidence_ids[STORE_FINDING_EVIDENCE_MAX];
};

/* Which findings a list returns: all conditions hold. */
struct store_finding_filter {
	int64_t plan_id;
	int64_t unit_id;  /* 0: any unit */
	uint32_t states;  /* bits (1u << FindingState) allowed; 0: none */
	int area;	  /* 0: any */
	int64_t after_id; /* ids greater than this, ascending */
	unsigned limit;	  /* 0: no limit */
};

/*
 * Empty f: every number zero, every text empty. Only the first byte of each
 * large text buffer is written (zeroing the whole struct cost a create 1 µs).
 */
void store_finding_clear(struct store_finding *f);
/*
 * Insert f as version 1 (created_at = updated_at = now, updated_by =
 * author_id) with its evidence links; sets f->id and f->version. KT_EEXIST
 * when (author_id, client_id) is taken (nothing written).
 */
int store_finding_insert(struct store_tx *tx, struct store_finding *f, int64_t now);
int store_finding_get(struct store_tx *tx, int64_t id, struct store_finding *out);
int store_finding_get_by_client(struct store_tx *tx, int64_t author_id, const char *client_id,
				struct store_finding *out);
/*
 * Write f's mutable fields (area, kind, text, cause, state, return_reason,
 * evidence, updated_at/by, the acceptance) as version expected_version + 1,
 * and its revision row (reason: the return's reason, or ""), after revision 1
 * when expected_version is 1. KT_ECONFLICT
 * when the stored version is not expected_version. Sets f->version.
 */
int store_finding_save(struct store_tx *tx, struct store_finding *f, int64_t expected_version,
		       const char *reason);
/* Findings matching flt in id order; fn returning non-zero stops and is returned. */
int store_finding_list(struct store_tx *tx, const struct store_finding_filter *flt,
		       int (*fn)(const struct store_finding *f, void *arg), void *arg);
/*
 * Revisions of finding id with version > after_version, ascending, at most
 * limit (0: all); revision 1 of a finding still at version 1 read from its row.
 */
int store_finding_history(struct store_tx *tx, int64_t id, int64_t after_version, unsigned limit,
			  int (*fn)(const struct store_finding_revision *r, void *arg), void *arg);

#endif
