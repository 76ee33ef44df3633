/*
 * cmd_plans.c - the kiemtra commands of this workflow area. Each row of the table
 * is one subcommand (see struct kt_command in cli.h).
 */
#include "client/cli.h"

const struct kt_command kt_cmds_plans[1] = {{0}};
const size_t kt_ncmds_plans = 0;
