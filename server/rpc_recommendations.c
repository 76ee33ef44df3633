/*
 * rpc_recommendations.c - the recommendations methods: protobuf mapping and flow only; rules live in
 * the service (server/svc_recommendations.c), SQL in the store.
 */
#include "server/dispatch.h"

/* The rows of this area's methods (see struct method in dispatch.h). */
const struct method rpc_recommendations_methods[1] = {{0}};
const size_t rpc_recommendations_nmethods = 0;
