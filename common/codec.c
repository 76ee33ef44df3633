/* codec.c - see codec.h. */
#include <stdlib.h>
#include <string.h>

#include "common/codec.h"

/*
 * Each allocation carries a header with its size so free can return it to the
 * budget. The budget state lives in front of the message: kt_unpack_free finds
 * it through the allocator that protobuf-c stores nowhere, so we keep the
 * pair (message -> budget) by allocating the budget first and recording it in
 * a small registry-free way: the first allocation is always the message
 * itself, and its header points back to the budget.
 */
struct budget {
	size_t left;
	ProtobufCAllocator alloc;
};

struct hdr {
	struct budget *b;
	size_t size;
	max_align_t align[];
};

static void *budget_alloc(void *data, size_t size)
{
	struct budget *b = data;
	struct hdr *h;

	if (size > b->left)
		return NULL;
	h = malloc(sizeof(*h) + size);
	if (!h)
		return NULL;
	b->left -= size;
	h->b = b;
	h->size = size;
	return h->align;
}

static void budget_free(void *data, void *ptr)
{
	struct budget *b = data;
	struct hdr *h;

	if (!ptr)
		return;
	h = (struct hdr *)((char *)ptr - offsetof(struct hdr, align));
	b->left += h->size;
	free(h);
}

ProtobufCMessage *kt_unpack(const ProtobufCMessageDescriptor *desc, const uint8_t *buf,
			    size_t len, size_t budget)
{
	struct budget *b = malloc(sizeof(*b));
	ProtobufCMessage *msg;

	if (!b)
		return NULL;
	b->left = budget;
	b->alloc.alloc = budget_alloc;
	b->alloc.free = budget_free;
	b->alloc.allocator_data = b;
	msg = protobuf_c_message_unpack(desc, &b->alloc, len, buf);
	if (!msg)
		free(b);
	return msg;
}

void kt_unpack_free(ProtobufCMessage *msg)
{
	struct hdr *h;
	struct budget *b;

	if (!msg)
		return;
	/* The top-level message is protobuf-c's first allocation from our allocator. */
	h = (struct hdr *)((char *)msg - offsetof(struct hdr, align));
	b = h->b;
	protobuf_c_message_free_unpacked(msg, &b->alloc);
	free(b);
}

size_t kt_pack(const ProtobufCMessage *msg, uint8_t *out, size_t cap)
{
	size_t n = protobuf_c_message_get_packed_size(msg);

	if (n > cap)
		return 0;
	return protobuf_c_message_pack(msg, out);
}
