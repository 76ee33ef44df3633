/*
 * cmd_records.c - the kiemtra commands of this workflow area. Each row of the table
 * is one subcommand (see struct kt_command in cli.h).
 */
#include "client/cli.h"

const struct kt_command kt_cmds_records[1] = {{0}};
const size_t kt_ncmds_records = 0;
