/* util.c - see util.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "client/util.h"
#include "common/status.h"

int kt_read_file(const char *path, size_t max, char **out, size_t *len)
{
	int fd, rc = KT_ESYS;
	struct stat sb;
	char *buf = NULL;
	size_t got = 0;
	ssize_t n;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? KT_ENOTFOUND : KT_ESYS;
	if (fstat(fd, &sb) != 0)
		goto out;
	if (!S_ISREG(sb.st_mode)) {
		errno = EINVAL;
		goto out;
	}
	if ((size_t)sb.st_size > max) {
		rc = KT_ETOOBIG;
		goto out;
	}
	buf = malloc((size_t)sb.st_size + 1);
	if (!buf) {
		rc = KT_ENOMEM;
		goto out;
	}
	while (got < (size_t)sb.st_size) {
		n = read(fd, buf + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto out;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	buf[got] = '\0';
	*out = buf;
	*len = got;
	buf = NULL;
	rc = KT_OK;
out:
	free(buf);
	close(fd);
	return rc;
}

int kt_write_all(int fd, const void *buf, size_t n)
{
	const char *p = buf;
	ssize_t k;

	while (n > 0) {
		k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return KT_ESYS;
		p += k;
		n -= (size_t)k;
	}
	return KT_OK;
}

int kt_write_file_atomic(const char *path, const void *data, size_t len, unsigned mode)
{
	char *tmp = NULL;
	int fd = -1, rc = KT_ESYS, saved;

	if (asprintf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0) {
		tmp = NULL;
		goto out;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd < 0)
		goto out;
	if (fchmod(fd, mode) != 0 || kt_write_all(fd, data, len) != KT_OK || fsync(fd) != 0)
		goto out;
	if (close(fd) != 0) {
		fd = -1;
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) != 0)
		goto out;
	rc = KT_OK;
out:
	saved = errno;
	if (fd >= 0)
		close(fd);
	if (rc != KT_OK && tmp)
		unlink(tmp);
	free(tmp);
	errno = saved;
	return rc;
}

int64_t kt_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t kt_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void kt_format_time(int64_t ms, char *out, size_t cap)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;

	if (ms == 0 || !localtime_r(&t, &tm) || strftime(out, cap, "%Y-%m-%d %H:%M %z", &tm) == 0)
		snprintf(out, cap, "-");
}
