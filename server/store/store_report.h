/*
 * store_report.h - the read-only queries behind reports and the signing-key
 * lookup (store_report.c). The plan itself and the plans a user may watch come
 * from store_plans.h (store_plan_get, store_plan_list). Portable SQL through db.h; no rules:
 * who may see what is decided above, in server/svc_report.c.
 *
 * Every report query is one SQL statement that aggregates in the database
 * (GROUP BY), so a report costs the same handful of statements whether the
 * plan holds ten findings or a hundred thousand. Each takes unit_id: 0 for
 * every unit of the plan, else that unit alone; every figure counts only
 * units that are in the plan now (plan_units).
 *
 * Ownership: results are filled by value or handed to callbacks; a pointer a
 * callback receives is valid only during that call. A callback returning
 * non-zero stops the walk, and that value is returned. Nothing needs freeing.
 * Errors: 0 or a negative KT_E* code (store.h).
 */
#ifndef KT_STORE_REPORT_H
#define KT_STORE_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "server/store/store.h"
#include "server/store/store_plans.h"

/*
 * The plan's units (or the one unit, if it is in the plan), ordered by code,
 * with the working group that covers each: the group of the unit's first
 * assignment (by id) that names a group, directly or through the assigned
 * member's group; 0 and "" when none does.
 */
struct store_report_unit {
	int64_t unit_id;
	char code[STORE_CODE_MAX + 1];
	char name[STORE_NAME_MAX + 1];
	int64_t group_id;
	char group_name[STORE_NAME_MAX + 1];
};
int store_report_units(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
		       int (*fn)(const struct store_report_unit *u, void *arg), void *arg);

/* ACCEPTED findings counted by (unit, area, kind). */
int store_report_findings(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
			  int (*fn)(int64_t unit_id, int area, int kind, uint32_t count, void *arg),
			  void *arg);

/* Units with a conclusion revision that was approved (APPROVED or SUPERSEDED). */
int store_report_conclusions(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
			     int (*fn)(int64_t unit_id, void *arg), void *arg);

/*
 * Recommendations per unit: open (OPEN, ANSWERED, RETURNED), done (DONE), and
 * overdue (not DONE, deadline before today; today is "YYYY-MM-DD").
 */
int store_report_recommendations(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
				 const char *today,
				 int (*fn)(int64_t unit_id, uint32_t open, uint32_t done,
					   uint32_t overdue, void *arg),
				 void *arg);

/* Each recorded review (at most one per unit): its ReviewState and officials reviewed. */
int store_report_reviews(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
			 int (*fn)(int64_t unit_id, int state, uint32_t officials, void *arg),
			 void *arg);

/* Officials reviewed counted by Outcome, in outcome order. */
int store_report_outcomes(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
			  int (*fn)(int outcome, uint32_t count, void *arg), void *arg);

/*
 * Working groups: with unit_id 0 every group of the plan; with a unit, the
 * distinct groups assigned to it (directly or through an assigned member).
 */
int store_report_groups(struct store_tx *tx, int64_t plan_id, int64_t unit_id, uint32_t *out);

/* Earliest date_from and latest date_to of the assignments; "" and "" when none. */
int store_report_window(struct store_tx *tx, int64_t plan_id, int64_t unit_id,
			char from[STORE_DATE_MAX + 1], char to[STORE_DATE_MAX + 1]);

/* A signing key registered on one of a user's devices. */
struct store_signing_key {
	int64_t user_id;
	char username[STORE_USERNAME_MAX + 1];
	int64_t device_id;
	uint8_t key[32];
	int64_t registered_at; /* the device's enrolment */
	bool revoked;	       /* the device was revoked */
};
/* The keys of user_id's devices that have one, by device id. No user: no rows. */
int store_signing_keys(struct store_tx *tx, int64_t user_id,
		       int (*fn)(const struct store_signing_key *k, void *arg), void *arg);

#endif
