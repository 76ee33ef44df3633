/*
 * status.h - the one table of internal error codes, and their mapping to the
 * wire status codes (the gRPC code set, see proto/kiemtra.proto Status).
 *
 * Internal codes are what every layer returns (storage, services, codec):
 * 0 is success, errors are negative. Only dispatch turns them into a wire
 * status, through kt_err_status(); nothing else hard-codes a wire number.
 */
#ifndef KT_STATUS_H
#define KT_STATUS_H

/* Wire status numbers (gRPC). Same values as kiemtra.v1.Status. */
enum kt_status {
	KT_STATUS_OK = 0,
	KT_STATUS_CANCELLED = 1,
	KT_STATUS_UNKNOWN = 2,
	KT_STATUS_INVALID_ARGUMENT = 3,
	KT_STATUS_DEADLINE_EXCEEDED = 4,
	KT_STATUS_NOT_FOUND = 5,
	KT_STATUS_ALREADY_EXISTS = 6,
	KT_STATUS_PERMISSION_DENIED = 7,
	KT_STATUS_RESOURCE_EXHAUSTED = 8,
	KT_STATUS_FAILED_PRECONDITION = 9,
	KT_STATUS_ABORTED = 10,
	KT_STATUS_OUT_OF_RANGE = 11,
	KT_STATUS_UNIMPLEMENTED = 12,
	KT_STATUS_INTERNAL = 13,
	KT_STATUS_UNAVAILABLE = 14,
	KT_STATUS_DATA_LOSS = 15,
	KT_STATUS_UNAUTHENTICATED = 16,
};

/*      name        value  wire status                      text */
#define KT_ERRORS(X)                                                                           \
	X(OK, 0, KT_STATUS_OK, "ok")                                                           \
	X(EINVAL, -1, KT_STATUS_INVALID_ARGUMENT, "invalid argument")                          \
	X(ENOTFOUND, -2, KT_STATUS_NOT_FOUND, "not found")                                     \
	X(EEXIST, -3, KT_STATUS_ALREADY_EXISTS, "already exists")                              \
	X(EPERM, -4, KT_STATUS_PERMISSION_DENIED, "permission denied")                         \
	X(EUNAUTH, -5, KT_STATUS_UNAUTHENTICATED, "not authenticated")                         \
	X(ECONFLICT, -6, KT_STATUS_ABORTED, "conflict: the record changed")                    \
	X(ESTATE, -7, KT_STATUS_FAILED_PRECONDITION, "not allowed in the current state")       \
	X(ELIMIT, -8, KT_STATUS_RESOURCE_EXHAUSTED, "limit reached")                           \
	X(EBUSY, -9, KT_STATUS_UNAVAILABLE, "busy, try again")                                 \
	X(EIO, -10, KT_STATUS_UNAVAILABLE, "storage I/O error")                                \
	X(EFULL, -11, KT_STATUS_UNAVAILABLE, "storage full")                                   \
	X(ECORRUPT, -12, KT_STATUS_DATA_LOSS, "storage corrupt")                               \
	X(ENOMEM, -13, KT_STATUS_RESOURCE_EXHAUSTED, "out of memory")                          \
	X(EINTERNAL, -14, KT_STATUS_INTERNAL, "internal error")                                \
	X(EUNIMPL, -15, KT_STATUS_UNIMPLEMENTED, "not implemented by this server")             \
	X(ETOOBIG, -16, KT_STATUS_INVALID_ARGUMENT, "too large")                               \
	X(EUTF8, -17, KT_STATUS_INVALID_ARGUMENT, "text is not valid UTF-8")                   \
	X(ERANGE, -18, KT_STATUS_OUT_OF_RANGE, "out of range")                                 \
	X(ESHUTDOWN, -19, KT_STATUS_UNAVAILABLE, "server is shutting down")                    \
	X(ESYS, -20, KT_STATUS_INTERNAL, "system call failed")

enum kt_err {
#define KT_ERR_ENUM(name, value, status, text) KT_##name = value,
	KT_ERRORS(KT_ERR_ENUM)
#undef KT_ERR_ENUM
};

/* The wire status for an internal code (KT_STATUS_UNKNOWN for a value not in the table). */
enum kt_status kt_err_status(int err);
/* A short English text for an internal code; never NULL. */
const char *kt_strerror(int err);
/* The canonical name of a wire status, e.g. "PERMISSION_DENIED"; never NULL. */
const char *kt_status_name(int status);

#endif
