/*
 * rpc_watch.c - the watch methods: protobuf mapping and flow only; rules live in
 * the service (server/svc_watch.c), SQL in the store.
 */
#include "server/dispatch.h"

/* The rows of this area's methods (see struct method in dispatch.h). */
const struct method rpc_watch_methods[1] = {{0}};
const size_t rpc_watch_nmethods = 0;
