/*
 * svc_units.c - the unit service (see svc_units.h): input checks, the rules of
 * the unit tree, the change through the store, and its audit row.
 */
#include "server/svc_common.h"
#include "server/svc_units.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "common/status.h"
#include "common/text.h"
#include "server/store/store.h"

/* proto/kiemtra.proto UnitKind and UnitStatus. */
enum {
	UNIT_KIND_FIRST = 1, /* UNIT_KIND_PROVINCE */
	UNIT_KIND_LAST = 8,  /* UNIT_KIND_OTHER */
	UNIT_STATUS_MERGED = 2,
};

/* clang-format off */
static const char *const kind_names[UNIT_KIND_LAST + 1] = {
	[1] = "province", [2] = "district", [3] = "commune", [4] = "ward",
	[5] = "town",     [6] = "department", [7] = "office", [8] = "other",
};
/* clang-format on */

/* The actor of one call, as every audit row and history event records it. */
struct who {
	int64_t user_id;
	const char *actor;
	int64_t session_id;
	int64_t now;
};

int svc_unit_kind_parse(const char *name)
{
	for (int k = UNIT_KIND_FIRST; name && k <= UNIT_KIND_LAST; k++) {
		if (strcmp(name, kind_names[k]) == 0)
			return k;
	}
	return KT_EINVAL;
}

const char *svc_unit_kind_name(int kind)
{
	if (kind < UNIT_KIND_FIRST || kind > UNIT_KIND_LAST)
		return "";
	return kind_names[kind];
}

/* Write the message for rc into msg and return rc. */
/* A storage failure: the message names the step that failed. */
static int check_text(const char *field, const char *s, size_t max, unsigned flags, char *msg,
		      size_t cap)
{
	int rc;

	if (!s)
		return svc_fail(msg, cap, KT_EINVAL, "%s is missing", field);
	rc = kt_text_check(s, strlen(s), max, flags);
	switch (rc) {
	case 0:
		return 0;
	case KT_EUTF8:
		return svc_fail(msg, cap, rc, "%s is not valid UTF-8", field);
	case KT_ETOOBIG:
		return svc_fail(msg, cap, rc, "%s is longer than %zu bytes", field, max);
	default:
		if (flags & KT_TEXT_NONEMPTY)
			return svc_fail(msg, cap, rc, "%s is empty or has a control character", field);
		return svc_fail(msg, cap, rc, "%s has a control character", field);
	}
}

static int check_name(const char *name, char *msg, size_t cap)
{
	return check_text("name", name, STORE_NAME_MAX, KT_TEXT_NONEMPTY, msg, cap);
}

static int check_note(const char *note, char *msg, size_t cap)
{
	if (!note)
		return 0;
	return check_text("note", note, STORE_NOTE_MAX, KT_TEXT_MULTILINE, msg, cap);
}

static int check_actor(const char *actor, char *msg, size_t cap)
{
	return check_text("actor", actor, STORE_USERNAME_MAX, KT_TEXT_NONEMPTY, msg, cap);
}

static bool is_code_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '_' || c == '-';
}

/* 1..STORE_CODE_MAX bytes of [A-Za-z0-9._-]. */
static int check_code(const char *code, char *msg, size_t cap)
{
	size_t n;

	if (!code || !code[0])
		return svc_fail(msg, cap, KT_EINVAL, "code is missing");
	n = strlen(code);
	if (n > STORE_CODE_MAX)
		return svc_fail(msg, cap, KT_ETOOBIG, "code is longer than %d bytes", STORE_CODE_MAX);
	for (size_t i = 0; i < n; i++) {
		if (!is_code_char(code[i]))
			return svc_fail(msg, cap, KT_EINVAL,
				    "code may hold only A-Z, a-z, 0-9, '.', '_' and '-'");
	}
	return 0;
}

/* Read unit id (called `what` in messages) and insist that it is active. */
static int get_active(struct store_tx *tx, int64_t id, const char *what, struct store_unit *u,
		      char *msg, size_t cap)
{
	int rc = store_unit_get(tx, id, u);

	if (rc == KT_ENOTFOUND)
		return svc_fail(msg, cap, rc, "%s %" PRId64 " not found", what, id);
	if (rc < 0)
		return svc_fail_store(msg, cap, rc, "reading the unit");
	if (u->status == UNIT_STATUS_MERGED)
		return svc_fail(msg, cap, KT_ESTATE, "%s %" PRId64 " is merged into %" PRId64, what, id,
			    u->merged_into);
	return 0;
}

static int audit(struct store_tx *tx, const struct who *w, const char *action, int64_t unit_id,
		 const char *detail, char *msg, size_t cap)
{
	struct store_audit a = {
	    .user_id = w->user_id,
	    .actor = w->actor,
	    .session_id = w->session_id,
	    .action = action,
	    .object_type = "unit",
	    .object_id = unit_id,
	    .detail = detail,
	    .at = w->now,
	};
	int rc = store_audit_append(tx, &a);

	if (rc < 0)
		return svc_fail_store(msg, cap, rc, "writing the audit log");
	return 0;
}

/* Copy the unit as it is now into out, when the caller wants it. */
static int read_back(struct store_tx *tx, int64_t id, struct store_unit *out, char *msg, size_t cap)
{
	int rc;

	if (!out)
		return 0;
	rc = store_unit_get(tx, id, out);
	if (rc < 0)
		return svc_fail_store(msg, cap, rc, "reading the unit back");
	return 0;
}

int svc_unit_add(struct store_tx *tx, const char *code, const char *name, int kind,
		 int64_t parent_id, int64_t actor_user_id, const char *actor, int64_t session_id,
		 int64_t now, struct store_unit *out, char *msg, size_t msgcap)
{
	struct who w = {actor_user_id, actor, session_id, now};
	char detail[STORE_NAME_MAX + 128];
	struct store_unit u, other;
	int rc;

	svc_fail(msg, msgcap, 0, "%s", "");
	if ((rc = check_actor(actor, msg, msgcap)) < 0 ||
	    (rc = check_code(code, msg, msgcap)) < 0 || (rc = check_name(name, msg, msgcap)) < 0)
		goto out;
	if (kind < UNIT_KIND_FIRST || kind > UNIT_KIND_LAST) {
		rc = svc_fail(msg, msgcap, KT_EINVAL, "unknown unit kind %d", kind);
		goto out;
	}
	if (parent_id < 0) {
		rc = svc_fail(msg, msgcap, KT_EINVAL, "parent unit %" PRId64 " is not a unit id",
			  parent_id);
		goto out;
	}
	if (parent_id && (rc = get_active(tx, parent_id, "parent unit", &other, msg, msgcap)) < 0)
		goto out;
	rc = store_unit_get_by_code(tx, code, &other);
	if (rc == 0) {
		rc = svc_fail(msg, msgcap, KT_EEXIST, "unit code %s is taken by unit %" PRId64 " (%s)",
			  code, other.id, other.name);
		goto out;
	}
	if (rc != KT_ENOTFOUND) {
		rc = svc_fail_store(msg, msgcap, rc, "looking up the code");
		goto out;
	}

	memset(&u, 0, sizeof(u));
	memcpy(u.code, code, strlen(code));
	memcpy(u.name, name, strlen(name));
	u.kind = kind;
	u.parent_id = parent_id;
	rc = store_unit_create(tx, &u, actor, now);
	if (rc == KT_EEXIST) {
		rc = svc_fail(msg, msgcap, rc, "unit code %s is taken", code);
		goto out;
	}
	if (rc < 0) {
		rc = svc_fail_store(msg, msgcap, rc, "adding the unit");
		goto out;
	}
	snprintf(detail, sizeof(detail), "code %s, kind %s, parent %" PRId64 ", name \"%s\"", code,
		 svc_unit_kind_name(kind), parent_id, name);
	rc = audit(tx, &w, "unit.add", u.id, detail, msg, msgcap);
	if (rc < 0)
		goto out;
	if (out)
		*out = u;
out:
	return rc;
}

int svc_unit_rename(struct store_tx *tx, int64_t id, int64_t expected_version, const char *new_name,
		    const char *note, int64_t actor_user_id, const char *actor, int64_t session_id,
		    int64_t now, struct store_unit *out, char *msg, size_t msgcap)
{
	struct who w = {actor_user_id, actor, session_id, now};
	char detail[2 * STORE_NAME_MAX + 32];
	struct store_unit u;
	int rc;

	svc_fail(msg, msgcap, 0, "%s", "");
	if ((rc = check_actor(actor, msg, msgcap)) < 0 ||
	    (rc = check_name(new_name, msg, msgcap)) < 0 ||
	    (rc = check_note(note, msg, msgcap)) < 0 ||
	    (rc = get_active(tx, id, "unit", &u, msg, msgcap)) < 0)
		goto out;
	if (expected_version && expected_version != u.version) {
		rc = svc_fail(msg, msgcap, KT_ECONFLICT,
			  "unit %" PRId64 " is at version %" PRId64 ", not %" PRId64, id, u.version,
			  expected_version);
		goto out;
	}
	if (strcmp(u.name, new_name) == 0) {
		rc = read_back(tx, id, out, msg, msgcap); /* nothing changes */
		goto out;
	}
	rc = store_unit_rename(tx, id, u.version, new_name, actor, note, now);
	if (rc == KT_ECONFLICT) {
		rc = svc_fail(msg, msgcap, rc, "unit %" PRId64 " changed meanwhile", id);
		goto out;
	}
	if (rc < 0) {
		rc = svc_fail_store(msg, msgcap, rc, "renaming the unit");
		goto out;
	}
	snprintf(detail, sizeof(detail), "\"%s\" -> \"%s\"", u.name, new_name);
	rc = audit(tx, &w, "unit.rename", id, detail, msg, msgcap);
	if (rc == 0)
		rc = read_back(tx, id, out, msg, msgcap);
out:
	return rc;
}

int svc_unit_move(struct store_tx *tx, int64_t id, int64_t new_parent_id, const char *note,
		  int64_t actor_user_id, const char *actor, int64_t session_id, int64_t now,
		  struct store_unit *out, char *msg, size_t msgcap)
{
	struct who w = {actor_user_id, actor, session_id, now};
	struct store_unit u, parent;
	char detail[96];
	int rc;

	svc_fail(msg, msgcap, 0, "%s", "");
	if ((rc = check_actor(actor, msg, msgcap)) < 0 ||
	    (rc = check_note(note, msg, msgcap)) < 0 ||
	    (rc = get_active(tx, id, "unit", &u, msg, msgcap)) < 0)
		goto out;
	if (new_parent_id < 0) {
		rc = svc_fail(msg, msgcap, KT_EINVAL, "parent unit %" PRId64 " is not a unit id",
			  new_parent_id);
		goto out;
	}
	if (new_parent_id == u.parent_id) {
		rc = read_back(tx, id, out, msg, msgcap); /* already there */
		goto out;
	}
	if (new_parent_id) {
		rc = get_active(tx, new_parent_id, "parent unit", &parent, msg, msgcap);
		if (rc < 0)
			goto out;
		rc = store_unit_is_ancestor(tx, id, new_parent_id);
		if (rc < 0) {
			rc = svc_fail_store(msg, msgcap, rc, "walking the tree");
			goto out;
		}
		if (rc == 1) {
			if (new_parent_id == id)
				rc = svc_fail(msg, msgcap, KT_EINVAL,
					  "cannot move unit %" PRId64 " under itself", id);
			else
				rc = svc_fail(msg, msgcap, KT_EINVAL,
					  "cannot move unit %" PRId64 " under its own descendant "
					  "%" PRId64,
					  id, new_parent_id);
			goto out;
		}
	}
	rc = store_unit_move(tx, id, new_parent_id, actor, note, now);
	if (rc < 0) {
		rc = svc_fail_store(msg, msgcap, rc, "moving the unit");
		goto out;
	}
	snprintf(detail, sizeof(detail), "parent %" PRId64 " -> %" PRId64, u.parent_id,
		 new_parent_id);
	rc = audit(tx, &w, "unit.move", id, detail, msg, msgcap);
	if (rc == 0)
		rc = read_back(tx, id, out, msg, msgcap);
out:
	return rc;
}

static int count_unit(const struct store_unit *u, void *arg)
{
	(*(int64_t *)arg)++;
	return 0;
}

int svc_unit_merge(struct store_tx *tx, int64_t from, int64_t into, const char *note,
		   int64_t actor_user_id, const char *actor, int64_t session_id, int64_t now,
		   struct store_unit *out, char *msg, size_t msgcap)
{
	struct who w = {actor_user_id, actor, session_id, now};
	char detail[STORE_NAME_MAX + 128];
	struct store_unit ufrom, uinto;
	int64_t children = 0;
	int rc;

	svc_fail(msg, msgcap, 0, "%s", "");
	if ((rc = check_actor(actor, msg, msgcap)) < 0 || (rc = check_note(note, msg, msgcap)) < 0)
		goto out;
	if (from == into) {
		rc = svc_fail(msg, msgcap, KT_EINVAL, "cannot merge a unit into itself");
		goto out;
	}
	if ((rc = get_active(tx, from, "unit", &ufrom, msg, msgcap)) < 0 ||
	    (rc = get_active(tx, into, "target unit", &uinto, msg, msgcap)) < 0)
		goto out;
	rc = store_unit_is_ancestor(tx, from, into);
	if (rc < 0) {
		rc = svc_fail_store(msg, msgcap, rc, "walking the tree");
		goto out;
	}
	if (rc == 1) {
		rc = svc_fail(msg, msgcap, KT_EINVAL,
			  "cannot merge unit %" PRId64 " into its own descendant %" PRId64, from,
			  into);
		goto out;
	}
	rc = store_unit_list(tx, from, false, 0, 0, count_unit, &children);
	if (rc < 0) {
		rc = svc_fail_store(msg, msgcap, rc, "listing the children");
		goto out;
	}
	rc = store_unit_merge(tx, from, into, actor, note, now);
	if (rc < 0) {
		rc = svc_fail_store(msg, msgcap, rc, "merging the unit");
		goto out;
	}
	snprintf(detail, sizeof(detail),
		 "into %" PRId64 " \"%s\", %" PRId64 " active children moved with it", into,
		 uinto.name, children);
	rc = audit(tx, &w, "unit.merge", from, detail, msg, msgcap);
	if (rc == 0)
		rc = read_back(tx, into, out, msg, msgcap);
out:
	return rc;
}
