/* svc_common.c - see svc_common.h. */
#include <stdarg.h>
#include <stdio.h>

#include "common/status.h"
#include "server/svc_common.h"

int svc_fail(char *msg, size_t cap, int rc, const char *fmt, ...)
{
	va_list ap;

	if (msg && cap) {
		va_start(ap, fmt);
		vsnprintf(msg, cap, fmt, ap);
		va_end(ap);
	}
	return rc;
}

int svc_fail_store(char *msg, size_t cap, int rc, const char *what)
{
	return svc_fail(msg, cap, rc, "%s: %s", what, kt_strerror(rc));
}
