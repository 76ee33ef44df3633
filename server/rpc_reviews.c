/*
 * rpc_reviews.c - the reviews methods: protobuf mapping and flow only; rules live in
 * the service (server/svc_reviews.c), SQL in the store.
 */
#include "server/dispatch.h"

/* The rows of this area's methods (see struct method in dispatch.h). */
const struct method rpc_reviews_methods[1] = {{0}};
const size_t rpc_reviews_nmethods = 0;
