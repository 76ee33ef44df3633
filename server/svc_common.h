/*
 * svc_common.h - what every service shares: the sentence that goes with a
 * refusal. Services return a KT_E* code and write, for the person who made the
 * request, what was wrong into a caller buffer (msg may be NULL).
 *
 * Owns nothing.
 */
#ifndef KT_SVC_COMMON_H
#define KT_SVC_COMMON_H

#include <stddef.h>

/* Write the sentence (printf-style) into msg and return rc. */
int svc_fail(char *msg, size_t cap, int rc, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A storage failure: "<what>: <the error's text>", returning rc. */
int svc_fail_store(char *msg, size_t cap, int rc, const char *what);

#endif
