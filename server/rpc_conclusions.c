/*
 * rpc_conclusions.c - the conclusions methods: protobuf mapping and flow only; rules live in
 * the service (server/svc_conclusions.c), SQL in the store.
 */
#include "server/dispatch.h"

/* The rows of this area's methods (see struct method in dispatch.h). */
const struct method rpc_conclusions_methods[1] = {{0}};
const size_t rpc_conclusions_nmethods = 0;
