/*
 * workflow.h - helpers the workflow commands share (defined in
 * cmd_conclusions.c, and kt_plan_resolve in cmd_plans.c): naming plans and units on the command line, text
 * arguments, option errors, hex in JSON. Each returns an exit code (or, for
 * kt_wf_unit_code, a string in the caller's buffer); responses handed out are
 * the caller's to free with kt_response_free.
 */
#ifndef KT_CLIENT_WORKFLOW_H
#define KT_CLIENT_WORKFLOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/cli.h"
#include "client/output.h"

/* "#12" or "12" as an id: KT_OK or KT_EINVAL. */
int kt_wf_parse_id(const char *s, int64_t *out);
/*
 * A plan by id, #ID or number ("06/KH-UBND", "06/KH-UBND@2022"): a PlanGet
 * response with the plan in *out (defined in cmd_plans.c).
 */
int kt_plan_resolve(struct kt_cli *cli, const char *arg, Kiemtra__V1__Response **out);
/* A unit by code or #ID: the plan's own units first, else the server's answer. */
int kt_wf_unit_id(struct kt_cli *cli, const Kiemtra__V1__PlanGetResp *plan, const char *arg,
		  int64_t *id);
const char *kt_wf_unit_code(const Kiemtra__V1__PlanGetResp *plan, int64_t unit_id, char *buf,
			    size_t cap);
/* --text TEXT or --text-file FILE, checked as UTF-8 within max bytes. */
int kt_wf_text_arg(struct kt_cli *cli, const char *opt, const char *text, const char *file,
		   size_t max, bool required, char **out);
int kt_wf_bad_option(struct kt_cli *cli, int c, char **argv);
void kt_wf_json_hex(struct kt_json *j, const char *key, const ProtobufCBinaryData *b);

#endif
