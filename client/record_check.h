/*
 * record_check.h - checking every approval in an exported plan record
 * (`kiemtra export`, docs/PROTOCOL.md §15) offline, without a connection.
 *
 * For each approval, in this order:
 *   MALFORMED        it lacks a field, has an unknown one, or a wrong type;
 *   UNKNOWN KEY      its signing key is not listed for its signer in the
 *                    document's signing_keys;
 *   BAD SIGNATURE    the Ed25519 signature does not hold over the recorded
 *                    digest with that key;
 *   CONTENT CHANGED  the digest recomputed from the content differs from the
 *                    recorded one, or the content differs from the fields of
 *                    the record it sits in;
 *   OK.
 * A record approved by its state (an accepted finding, an approved or
 * superseded conclusion, a closed plan, a sign-off step) without an approval
 * is NO SIGNATURE. A sign-off of an earlier round of a review whose content was
 * recorded again after a return cannot be recomputed (the server keeps only
 * the current content): export writes its content as null, and when its
 * signature holds over the recorded digest the result is REPLACED, reported
 * but not a failure (docs/design/record.md).
 *
 * The document is read with the strict reader (json_read.h); a document that
 * is not JSON, or not a kiemtra record of a version this client reads, is
 * refused as a whole.
 *
 * Owns: kt_record_check fills *out; out->doc (the parsed document) and
 * out->res belong to it, and the results' kind and signer point into static
 * names and into out->doc. kt_record_check_free releases both (and accepts a
 * zeroed or already freed struct).
 */
#ifndef KT_CLIENT_RECORD_CHECK_H
#define KT_CLIENT_RECORD_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/json_read.h"

#define KT_RECORD_FORMAT "kiemtra-record"
#define KT_RECORD_VERSION 1

enum kt_vstatus {
	KT_V_OK,
	KT_V_REPLACED,
	KT_V_CHANGED,
	KT_V_BADSIG,
	KT_V_UNKNOWN_KEY,
	KT_V_NO_SIGNATURE,
	KT_V_MALFORMED,
	KT_V_NSTATUS,
};

/* What people read ("CONTENT CHANGED") and the JSON count names ("content_changed"). */
extern const char *const kt_vstatus_name[KT_V_NSTATUS];
extern const char *const kt_vstatus_key[KT_V_NSTATUS];

/* One approval's result. */
struct kt_vres {
	enum kt_vstatus st;
	const char *kind; /* "finding.accept", "conclusion.approve", ... */
	char path[96];	  /* where in the document, e.g. conclusions[2].approval */
	char what[256];	  /* for people: "approval of conclusion 3, revision 1 (unit CL-P4)" */
	char detail[512]; /* why it failed, or the signer and time */
	const char *signer;
	int64_t at;
};

struct kt_record_check {
	struct kt_jv *doc;   /* the whole document */
	struct kt_vres *res; /* one per approval, in document order */
	size_t n;
	size_t counts[KT_V_NSTATUS];
	size_t failed; /* results neither OK nor REPLACED */
};

/*
 * Check text[0..len). KT_OK with *out filled (out->failed says whether the
 * record verifies); KT_EINVAL when the document cannot be checked at all, with
 * why completing a sentence about the file ("is not valid JSON: line 3,
 * column 7: ...; verification failed" or "cannot be verified: it is not a
 * kiemtra record ..."); KT_ENOMEM. *out is zeroed on any error.
 */
int kt_record_check(const char *text, size_t len, struct kt_record_check *out, char *why,
		    size_t cap);
void kt_record_check_free(struct kt_record_check *c);

#endif
