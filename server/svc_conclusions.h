/*
 * svc_conclusions.h - the conclusion service: the domain rules of conclusions
 * (kết luận) above the store. No protobuf, no sockets, no SQL.
 *
 * A conclusion belongs to one unit of a plan, or to the whole inspection
 * (unit 0). It is kept as numbered revisions; each revision goes
 *
 *     (none) --draft, version 0--> DRAFT --draft, version V--> DRAFT
 *     DRAFT --approve (leader's signature)--> APPROVED
 *     APPROVED --a newer revision of the same (plan, unit) is approved--> SUPERSEDED
 *
 * and nothing else: an APPROVED or SUPERSEDED revision never changes again (a
 * change is a new DRAFT revision, which needs its own approval). At most one
 * DRAFT exists per (plan, unit), and it is always the newest revision; at
 * most one revision per (plan, unit) is APPROVED.
 *
 * Rights (server/rights.h): drafting and approving need the team role leader
 * in the plan, and an open plan. Reading: the team, the plan's observers and
 * its approving authority see every revision; planners see the APPROVED and
 * SUPERSEDED revisions of every unit; the representative of a unit sees only
 * the APPROVED and SUPERSEDED revisions of their own unit.
 *
 * Every function runs inside a transaction the caller opened (a worker job),
 * writes one audit row per change in that transaction, and returns 0 or a
 * KT_E* code with a sentence for a person in msg (capacity cap). Outputs are
 * filled by value; nothing is allocated for the caller. The struct
 * store_conclusion outputs are large: keep them on the heap.
 */
#ifndef KT_SVC_CONCLUSIONS_H
#define KT_SVC_CONCLUSIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/rights.h"
#include "server/store/store_conclusions.h"
#include "server/svc_users.h"

struct svc_conclusion_draft {
	int64_t plan_id;
	int64_t unit_id;  /* 0: the whole inspection */
	const char *text; /* non-empty, multi-line, <= STORE_CONCLUSION_TEXT_MAX */
	size_t n_findings;
	const int64_t *finding_ids; /* ACCEPTED findings of the plan (and unit, unless 0) */
	int64_t version;	    /* 0: start a new revision; else the current draft's */
};

/*
 * Start a new revision (version 0: refused with KT_EEXIST while a DRAFT
 * exists) or edit the current DRAFT (KT_ESTATE when the newest revision is
 * approved, KT_ECONFLICT with *current_version when the version is stale).
 * out: the revision after the change. *created: a new revision was started.
 */
int svc_conclusion_draft(struct store_tx *tx, const struct svc_actor *who,
			 const struct rights_user *ru, const struct svc_conclusion_draft *in,
			 struct store_conclusion *out, bool *created, int64_t *current_version,
			 char *msg, size_t cap);

/*
 * Approve DRAFT revision id at version: sig (sig_len bytes) must be the
 * Ed25519 signature, by the signing key of device_id, over
 * kt_digest_conclusion() of the stored revision. The previously APPROVED
 * revision of the same (plan, unit), if any, becomes SUPERSEDED
 * (*superseded_revision, else 0). out: the revision as approved.
 */
int svc_conclusion_approve(struct store_tx *tx, const struct svc_actor *who,
			   const struct rights_user *ru, int64_t device_id, int64_t id,
			   int64_t version, const uint8_t *sig, size_t sig_len,
			   struct store_conclusion *out, int32_t *superseded_revision,
			   int64_t *current_version, char *msg, size_t cap);

/*
 * The revisions of (plan, unit) the caller may see, newest first, below
 * before_revision (0: from the newest). fn returning non-zero stops the walk;
 * that value is returned.
 */
int svc_conclusion_list(struct store_tx *tx, const struct rights_user *ru, int64_t plan_id,
			int64_t unit_id, int32_t before_revision,
			int (*fn)(const struct store_conclusion *c, void *arg), void *arg,
			char *msg, size_t cap);

/* The digest a leader signs to approve revision c (finding ids ascending). */
void svc_conclusion_digest(const struct store_conclusion *c, uint8_t out[32]);

#endif
