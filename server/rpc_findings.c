/*
 * rpc_findings.c - the findings methods: protobuf mapping and flow only; rules live in
 * the service (server/svc_findings.c), SQL in the store.
 */
#include "server/dispatch.h"

/* The rows of this area's methods (see struct method in dispatch.h). */
const struct method rpc_findings_methods[1] = {{0}};
const size_t rpc_findings_nmethods = 0;
