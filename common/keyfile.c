/* keyfile.c - see keyfile.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sodium.h>

#include "common/keyfile.h"
#include "common/noise.h"
#include "common/status.h"

static int load(const char *path, uint8_t priv[32], char *err, size_t errcap)
{
	int fd, rc = KT_ESYS;
	struct stat sb;
	ssize_t n;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? KT_ENOTFOUND : KT_ESYS;
	if (fstat(fd, &sb) != 0)
		goto out;
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errcap, "key file %s is not a regular file", path);
		rc = KT_EINVAL;
		goto out;
	}
	if (sb.st_mode & 077) {
		snprintf(err, errcap,
			 "key file %s is readable by others (mode %04o); run chmod 600 on it",
			 path, (unsigned)(sb.st_mode & 07777));
		rc = KT_EPERM;
		goto out;
	}
	if (sb.st_size != 32) {
		snprintf(err, errcap, "key file %s has %lld bytes, expected 32", path,
			 (long long)sb.st_size);
		rc = KT_EINVAL;
		goto out;
	}
	n = read(fd, priv, 32);
	if (n != 32) {
		snprintf(err, errcap, "cannot read key file %s: %s", path, strerror(errno));
		goto out;
	}
	rc = KT_OK;
out:
	close(fd);
	return rc;
}

static int create(const char *path, uint8_t priv[32], char *err, size_t errcap)
{
	uint8_t pub[32];
	int fd, rc = KT_ESYS;

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return errno == EEXIST ? KT_EEXIST : KT_ESYS;
	noise_keypair(priv, pub);
	if (write(fd, priv, 32) != 32 || fsync(fd) != 0) {
		snprintf(err, errcap, "cannot write key file %s: %s", path, strerror(errno));
		unlink(path);
		goto out;
	}
	rc = KT_OK;
out:
	close(fd);
	sodium_memzero(pub, sizeof(pub));
	return rc;
}

int kt_keyfile_load_or_create(const char *path, uint8_t priv[32], uint8_t pub[32], bool *created,
			      char *err, size_t errcap)
{
	char dummy[1];
	int rc;

	if (!err) {
		err = dummy;
		errcap = sizeof(dummy);
	}
	err[0] = '\0';
	if (created)
		*created = false;
	rc = load(path, priv, err, errcap);
	if (rc == KT_ENOTFOUND) {
		rc = create(path, priv, err, errcap);
		if (rc == KT_EEXIST) /* lost a race with another process: use its key */
			rc = load(path, priv, err, errcap);
		else if (rc == KT_OK && created)
			*created = true;
	}
	if (rc == KT_ESYS && !err[0])
		snprintf(err, errcap, "cannot open key file %s: %s", path, strerror(errno));
	if (rc != KT_OK) {
		sodium_memzero(priv, 32);
		return rc;
	}
	if (noise_public_key(priv, pub) != NOISE_OK) {
		snprintf(err, errcap, "key file %s does not hold a usable key", path);
		sodium_memzero(priv, 32);
		return KT_EINVAL;
	}
	return KT_OK;
}

void kt_fingerprint(const uint8_t pub[32], char out[KT_FINGERPRINT_LEN])
{
	uint8_t digest[crypto_hash_sha256_BYTES];

	crypto_hash_sha256(digest, pub, 32);
	memcpy(out, "SHA256:", 7);
	sodium_bin2base64(out + 7, KT_FINGERPRINT_LEN - 7, digest, sizeof(digest),
			  sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
}

int kt_mkdirs(const char *path, unsigned mode)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n == 0 || n >= sizeof(buf))
		return KT_EINVAL;
	memcpy(buf, path, n + 1);
	for (size_t i = 1; i <= n; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char c = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, mode) != 0 && errno != EEXIST)
			return KT_ESYS;
		buf[i] = c;
	}
	return KT_OK;
}
