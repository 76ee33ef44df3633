/*
 * util.h - small file, time and text helpers of the client.
 *
 * Owns nothing: kt_read_file hands the caller a malloc'd buffer, which the
 * caller frees (and wipes first when it held a secret, e.g. a session file).
 */
#ifndef KT_CLIENT_UTIL_H
#define KT_CLIENT_UTIL_H

#include <stddef.h>
#include <stdint.h>

/*
 * Read the whole regular file at path (at most max bytes) into a new
 * NUL-terminated buffer *out (length *len, NUL not counted). Returns 0,
 * KT_ENOTFOUND (no such file), KT_ETOOBIG, KT_ENOMEM or KT_ESYS (errno set).
 */
int kt_read_file(const char *path, size_t max, char **out, size_t *len);

/* write() until done, retrying on EINTR. 0 or KT_ESYS (errno set). */
int kt_write_all(int fd, const void *buf, size_t n);

/*
 * Replace path with data[0..len) atomically: a temporary file in the same
 * directory created with mode, fsync'd, then renamed over path. 0 or KT_ESYS.
 */
int kt_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode);

/* Milliseconds since the Unix epoch (wall clock), and a monotonic clock in ms. */
int64_t kt_now_ms(void);
int64_t kt_mono_ms(void);

/* "2025-07-01 14:03 +0700" in local time; "-" for 0. */
void kt_format_time(int64_t ms, char *out, size_t cap);

#endif
