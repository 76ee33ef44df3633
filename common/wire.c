/* wire.c - see wire.h. */
#include <stdlib.h>
#include <string.h>

#include "common/status.h"
#include "common/wire.h"

const uint8_t kt_preamble[KT_PREAMBLE_LEN] = {'K', 'T', 'R', 'A', KT_WIRE_VERSION, 0, 0, 0};

int kt_preamble_check(const uint8_t p[KT_PREAMBLE_LEN])
{
	if (memcmp(p, kt_preamble, 4) != 0)
		return KT_EINVAL;
	if (memcmp(p + 4, kt_preamble + 4, KT_PREAMBLE_LEN - 4) != 0)
		return KT_ERANGE;
	return KT_OK;
}

void kt_frame_header(uint8_t hdr[KT_FRAME_HDR], size_t len)
{
	hdr[0] = (uint8_t)(len >> 8);
	hdr[1] = (uint8_t)len;
}

void kt_frame_reader_init(struct kt_frame_reader *r, size_t max_frame)
{
	memset(r, 0, sizeof(*r));
	r->max_frame = max_frame > KT_FRAME_MAX ? KT_FRAME_MAX : max_frame;
}

size_t kt_frame_pending(const struct kt_frame_reader *r)
{
	return r->len;
}

void kt_frame_reader_reset(struct kt_frame_reader *r)
{
	free(r->buf);
	r->buf = NULL;
	r->len = 0;
	r->cap = 0;
}

static int check_len(const struct kt_frame_reader *r, size_t flen)
{
	if (flen == 0)
		return KT_EINVAL;
	if (flen > r->max_frame)
		return KT_ETOOBIG;
	return KT_OK;
}

/* Append up to want bytes from data to the partial buffer; returns bytes taken. */
static size_t take(struct kt_frame_reader *r, const uint8_t *data, size_t n, size_t want)
{
	size_t k = n < want ? n : want;

	memcpy(r->buf + r->len, data, k);
	r->len += k;
	return k;
}

int kt_frame_feed(struct kt_frame_reader *r, const uint8_t *data, size_t n, kt_frame_fn fn,
		  void *arg)
{
	int rc;

	/* First complete a frame left over from an earlier read. */
	if (r->len > 0) {
		size_t used;

		if (r->len < KT_FRAME_HDR) {
			used = take(r, data, n, KT_FRAME_HDR - r->len);
			data += used;
			n -= used;
			if (r->len < KT_FRAME_HDR)
				return KT_OK;
		}
		size_t flen = ((size_t)r->buf[0] << 8) | r->buf[1];
		if ((rc = check_len(r, flen)) != KT_OK)
			return rc;
		if (r->cap < KT_FRAME_HDR + flen) {
			uint8_t *nb = realloc(r->buf, KT_FRAME_HDR + flen);
			if (!nb)
				return KT_ENOMEM;
			r->buf = nb;
			r->cap = KT_FRAME_HDR + flen;
		}
		used = take(r, data, n, KT_FRAME_HDR + flen - r->len);
		data += used;
		n -= used;
		if (r->len < KT_FRAME_HDR + flen)
			return KT_OK;
		rc = fn(arg, r->buf + KT_FRAME_HDR, flen);
		kt_frame_reader_reset(r);
		if (rc != 0)
			return rc;
	}
	/* Then whole frames straight from the caller's data. */
	while (n >= KT_FRAME_HDR) {
		size_t flen = ((size_t)data[0] << 8) | data[1];
		if ((rc = check_len(r, flen)) != KT_OK)
			return rc;
		if (n < KT_FRAME_HDR + flen)
			break;
		if ((rc = fn(arg, data + KT_FRAME_HDR, flen)) != 0)
			return rc;
		data += KT_FRAME_HDR + flen;
		n -= KT_FRAME_HDR + flen;
	}
	/* Keep the tail; size the buffer to the announced frame when known. */
	if (n > 0) {
		size_t need = KT_FRAME_HDR;
		if (n >= KT_FRAME_HDR)
			need += ((size_t)data[0] << 8) | data[1];
		r->buf = malloc(need);
		if (!r->buf)
			return KT_ENOMEM;
		r->cap = need;
		r->len = 0;
		take(r, data, n, n);
	}
	return KT_OK;
}
