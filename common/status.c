/* status.c - see status.h. */
#include "common/status.h"

enum kt_status kt_err_status(int err)
{
	switch (err) {
#define KT_ERR_CASE(name, value, status, text)                                                 \
	case value:                                                                            \
		return status;
		KT_ERRORS(KT_ERR_CASE)
#undef KT_ERR_CASE
	}
	return KT_STATUS_UNKNOWN;
}

const char *kt_strerror(int err)
{
	switch (err) {
#define KT_ERR_CASE(name, value, status, text)                                                 \
	case value:                                                                            \
		return text;
		KT_ERRORS(KT_ERR_CASE)
#undef KT_ERR_CASE
	}
	return "unknown error";
}

const char *kt_status_name(int status)
{
	static const char *const names[] = {
		"OK",		     "CANCELLED",	  "UNKNOWN",	  "INVALID_ARGUMENT",
		"DEADLINE_EXCEEDED", "NOT_FOUND",	  "ALREADY_EXISTS", "PERMISSION_DENIED",
		"RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",	  "OUT_OF_RANGE",
		"UNIMPLEMENTED",     "INTERNAL",	  "UNAVAILABLE",  "DATA_LOSS",
		"UNAUTHENTICATED",
	};
	if (status < 0 || status >= (int)(sizeof(names) / sizeof(names[0])))
		return "UNKNOWN";
	return names[status];
}
