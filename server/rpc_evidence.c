/*
 * rpc_evidence.c - the evidence methods: protobuf mapping and flow only; rules live in
 * the service (server/svc_evidence.c), SQL in the store.
 */
#include "server/dispatch.h"

/* The rows of this area's methods (see struct method in dispatch.h). */
const struct method rpc_evidence_methods[1] = {{0}};
const size_t rpc_evidence_nmethods = 0;
