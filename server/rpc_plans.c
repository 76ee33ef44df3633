/*
 * rpc_plans.c - the plans methods: protobuf mapping and flow only; rules live in
 * the service (server/svc_plans.c), SQL in the store.
 */
#include "server/dispatch.h"

/* The rows of this area's methods (see struct method in dispatch.h). */
const struct method rpc_plans_methods[1] = {{0}};
const size_t rpc_plans_nmethods = 0;
