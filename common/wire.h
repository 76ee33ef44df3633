/*
 * wire.h - what travels on the TCP stream before and around Noise messages.
 *
 *   client -> server: preamble (8 bytes, clear text), then frames
 *   server -> client: frames
 *   frame:            2-byte big-endian length L (1..65535), then L bytes
 *                     (one Noise handshake or transport message)
 *
 * The preamble is "KTRA", the wire version (1), and three zero bytes. It is
 * also the Noise prologue, so a peer that altered it fails the handshake.
 *
 * A kt_frame_reader reassembles frames from arbitrary read chunks. It owns a
 * buffer only while a frame is incomplete (sized to that frame), so an idle
 * connection holds no buffer; kt_frame_reader_reset() frees it.
 */
#ifndef KT_WIRE_H
#define KT_WIRE_H

#include <stddef.h>
#include <stdint.h>

#define KT_PREAMBLE_LEN 8
#define KT_WIRE_VERSION 1
#define KT_PROTOCOL_VERSION 1 /* application protocol (ClientHello/ServerHello) */
#define KT_NOISE_PROTOCOL "Noise_XX_25519_ChaChaPoly_BLAKE2b"
#define KT_FRAME_HDR 2
#define KT_FRAME_MAX 65535
#define KT_PLAINTEXT_MAX (KT_FRAME_MAX - 16) /* a transport message's payload */

extern const uint8_t kt_preamble[KT_PREAMBLE_LEN];

/* 0 when p is our preamble; KT_EINVAL for another magic; KT_ERANGE for another version. */
int kt_preamble_check(const uint8_t p[KT_PREAMBLE_LEN]);

/* Write the 2-byte length header for a frame of len bytes (1..KT_FRAME_MAX). */
void kt_frame_header(uint8_t hdr[KT_FRAME_HDR], size_t len);

struct kt_frame_reader {
	uint8_t *buf;     /* partial frame (header included), or NULL */
	size_t len;       /* bytes in buf */
	size_t cap;       /* allocated size of buf */
	size_t max_frame; /* frames longer than this are refused (KT_ETOOBIG) */
};

/*
 * Called for each complete frame; frame points into the caller's data or the
 * reader's buffer and is valid only during the call. A non-zero return stops
 * the feed and is returned by kt_frame_feed (the rest of the data is dropped).
 */
typedef int (*kt_frame_fn)(void *arg, const uint8_t *frame, size_t len);

void kt_frame_reader_init(struct kt_frame_reader *r, size_t max_frame);
/*
 * Feed n bytes. Returns 0, KT_ETOOBIG (a frame header announced more than
 * max_frame), KT_EINVAL (a zero-length frame), KT_ENOMEM, or fn's non-zero
 * return. After an error the reader must not be fed again.
 */
int kt_frame_feed(struct kt_frame_reader *r, const uint8_t *data, size_t n, kt_frame_fn fn,
		  void *arg);
/* Bytes of an incomplete frame held (0 when between frames). */
size_t kt_frame_pending(const struct kt_frame_reader *r);
void kt_frame_reader_reset(struct kt_frame_reader *r);

#endif
