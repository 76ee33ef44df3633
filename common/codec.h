/*
 * codec.h - decoding protobuf-c messages from untrusted bytes under a budget,
 * and encoding them into caller buffers.
 *
 * kt_unpack() decodes with an allocator that refuses to hand out more than
 * `budget` bytes in total, so a small frame cannot make the decoder allocate
 * without bound (repeated fields, nested messages). The message it returns
 * belongs to the caller and is freed with kt_unpack_free() (which uses the
 * same allocator); NULL from kt_unpack means undecodable or over budget.
 */
#ifndef KT_CODEC_H
#define KT_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#define KT_DECODE_BUDGET_UNAUTH (16 * 1024)  /* before login */
#define KT_DECODE_BUDGET (512 * 1024)        /* after login */

ProtobufCMessage *kt_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *buf,
			    size_t len, size_t budget);
void kt_unpack_free(ProtobufCMessage *msg);

/*
 * Encode msg into out (capacity cap). Returns the length, or 0 when it does not
 * fit (the caller treats that as KT_ETOOBIG).
 */
size_t kt_pack(const ProtobufCMessage *msg, uint8_t *out, size_t cap);

#endif
