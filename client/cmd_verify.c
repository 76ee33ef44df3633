/*
 * cmd_verify.c - exporting a plan's record and verifying it offline.
 */
#include "client/cli.h"

const struct kt_command kt_cmds_verify[1] = {{0}};
const size_t kt_ncmds_verify = 0;
