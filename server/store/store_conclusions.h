/*
 * store_conclusions.h - the records of conclusions (kết luận): one row per
 * revision of the conclusion of one unit of a plan (unit 0: the conclusion of
 * the whole inspection), with its approval; and the read of one finding's
 * plan, unit and state that a conclusion citing it needs.
 *
 * SQL lives in store_conclusions.c (portable, through db.h). Domain rules
 * (who may draft or approve, which findings may be cited, that an approved
 * revision never changes) are svc_conclusions.c's: here only keys, versions
 * and the state a row must be in for an UPDATE to touch it.
 *
 * Ownership: output structs are filled by value; nothing returned needs
 * freeing. A struct store_conclusion is large (its text buffer): callers keep
 * it on the heap. List callbacks get a pointer valid only during the call.
 * Errors as store.h: 0 or a negative KT_E* code.
 */
#ifndef KT_STORE_CONCLUSIONS_H
#define KT_STORE_CONCLUSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/store/store.h"

#define STORE_CONCLUSION_TEXT_MAX (16 * 1024) /* bytes of UTF-8 */
#define STORE_CONCLUSION_FINDINGS_MAX 500     /* findings one revision may cite */

/* proto ConclusionState */
enum store_conclusion_state {
	STORE_CONCLUSION_DRAFT = 1,
	STORE_CONCLUSION_APPROVED = 2,
	STORE_CONCLUSION_SUPERSEDED = 3,
};

struct store_conclusion {
	int64_t id;
	int64_t plan_id;
	int64_t unit_id;  /* 0: the whole inspection */
	int32_t revision; /* 1, 2, ... per (plan, unit) */
	char text[STORE_CONCLUSION_TEXT_MAX + 1];
	size_t n_findings;
	int64_t finding_ids[STORE_CONCLUSION_FINDINGS_MAX]; /* ascending */
	int state;					    /* enum store_conclusion_state */
	int64_t author_id;
	char author[STORE_USERNAME_MAX + 1];
	int64_t created_at, updated_at;
	int64_t version;
	/* the approval (approved_by != 0 once APPROVED; kept when SUPERSEDED) */
	int64_t approved_by;
	char approver[STORE_USERNAME_MAX + 1];
	char approver_name[STORE_NAME_MAX + 1];
	int64_t approved_at;
	uint8_t digest[32];
	uint8_t signature[64];
	uint8_t signing_key[32];
};

/*
 * Insert c as a new DRAFT revision: reads plan_id, unit_id, revision, text,
 * n_findings/finding_ids (stored sorted ascending), author_id, created_at.
 * Sets id, state, version (1), updated_at. KT_EEXIST when that revision of
 * (plan, unit) exists already; KT_ETOOBIG for an over-long text or list.
 */
int store_conclusion_create(struct store_tx *tx, struct store_conclusion *c);
int store_conclusion_get(struct store_tx *tx, int64_t id, struct store_conclusion *out);
/* The highest revision of (plan, unit); KT_ENOTFOUND when there is none. */
int store_conclusion_latest(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
			    struct store_conclusion *out);
/*
 * Replace a DRAFT's text and findings (sorted here), bump its version.
 * KT_ECONFLICT when the row is not at expected_version or not a DRAFT.
 */
int store_conclusion_update_draft(struct store_tx *tx, int64_t id, int64_t expected_version,
				  const char *text, size_t n_findings, const int64_t *finding_ids,
				  int64_t now);
/* DRAFT -> APPROVED with the approval; KT_ECONFLICT as for update_draft. */
int store_conclusion_approve(struct store_tx *tx, int64_t id, int64_t expected_version, int64_t by,
			     int64_t at, const uint8_t digest[32], const uint8_t signature[64],
			     const uint8_t signing_key[32]);
/*
 * Every APPROVED revision of (plan, unit) other than except_id becomes
 * SUPERSEDED (version bumped; the approval stays). *revision gets the
 * highest revision so changed, 0 when none was.
 */
int store_conclusion_supersede(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
			       int64_t except_id, int64_t now, int32_t *revision);
/*
 * The revisions of (plan, unit) below before_revision (0: every one), newest
 * first. fn returning non-zero stops the walk; that value is returned.
 */
int store_conclusion_list(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
			  int32_t before_revision,
			  int (*fn)(const struct store_conclusion *c, void *arg), void *arg);

/* One finding as a conclusion may cite it. KT_ENOTFOUND when there is no such finding. */
int store_conclusion_finding(struct store_tx *tx, int64_t finding_id, int64_t *plan_id,
			     int64_t *unit_id, int *state);

#endif
