/*
 * fuzz_config.c - the client's config file (client/config.c kt_config_parse,
 * through kt_kv_parse) and its server address syntax (kt_server_parse), as
 * config.h documents them:
 *
 *   - a config that parses has a canonical server address (parsing it again
 *     gives itself) or none, user and device_name of valid single-line
 *     non-empty text within their buffers, and a timeout of 1..1 hour or 0;
 *   - a config that does not parse says which line ("line N: ...");
 *   - the whole input as an address: when it parses, the port is 1..65535 in
 *     its shortest form, the canonical address parses to itself, and the
 *     session file path can be made from it.
 *
 * Input: the file's bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "client/config.h"
#include "common/status.h"
#include "common/text.h"
#include "fuzz/fuzz.h"

static void check_address(const char *text)
{
	struct kt_server_addr a, b;
	char path[KT_PATH_MAX], *end;
	long port;

	if (kt_server_parse(text, &a) != KT_OK)
		return;
	port = strtol(a.port, &end, 10);
	FZ_CHECK(*end == '\0' && port >= 1 && port <= 65535 && a.port[0] != '0',
		 "port '%s' of '%s'", a.port, text);
	FZ_CHECK(a.host[0] != '\0', "an empty host from '%s'", text);
	FZ_CHECK(kt_server_parse(a.hostport, &b) == KT_OK && strcmp(a.hostport, b.hostport) == 0,
		 "'%s' is not canonical", a.hostport);
	FZ_CHECK(kt_session_path("/home/u/.config/kiemtra", &a, path, sizeof(path)) == KT_OK,
		 "no session path for '%s'", a.hostport);
	FZ_CHECK(strchr(path + strlen("/home/u/.config/kiemtra/sessions/"), '/') == NULL,
		 "session path '%s' leaves the sessions directory", path);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kt_config cfg;
	char err[512], *text;
	int rc;

	err[0] = '\0';
	rc = kt_config_parse((const char *)data, size, &cfg, err, sizeof(err));
	if (rc == KT_OK) {
		struct kt_server_addr a;

		if (cfg.server[0])
			FZ_CHECK(kt_server_parse(cfg.server, &a) == KT_OK &&
				     strcmp(a.hostport, cfg.server) == 0,
				 "server '%s' is not canonical", cfg.server);
		FZ_CHECK(!cfg.user[0] ||
			     kt_text_check(cfg.user, strlen(cfg.user), sizeof(cfg.user) - 1,
					   KT_TEXT_NONEMPTY) == KT_OK,
			 "user '%s'", cfg.user);
		FZ_CHECK(!cfg.device_name[0] ||
			     kt_text_check(cfg.device_name, strlen(cfg.device_name),
					   sizeof(cfg.device_name) - 1, KT_TEXT_NONEMPTY) == KT_OK,
			 "device_name '%s'", cfg.device_name);
		FZ_CHECK(cfg.timeout_ms >= 0 && cfg.timeout_ms <= KT_MAX_TIMEOUT_MS, "timeout %d",
			 cfg.timeout_ms);
	} else {
		FZ_CHECK(rc == KT_EINVAL, "kt_config_parse returned %d", rc);
		FZ_CHECK(strncmp(err, "line ", 5) == 0, "error '%s' names no line", err);
	}

	text = fz_strndup(data, size);
	check_address(text);
	free(text);
	return 0;
}
