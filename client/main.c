/*
 * main.c - kiemtra, the command-line client of kiemtrad.
 *
 * The subcommands are the rows of `commands` below (name, handler, flags,
 * usage, summary, help); adding a command is adding a row and a handler in the
 * cmd_*.c file of its concern. main() parses the global options (accepted
 * anywhere before "--"), finds the row, answers --help, resolves the settings,
 * opens the session when the row asks for one, runs the handler and returns its
 * exit code. Nothing else in the client exits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "client/cli.h"
#include "client/output.h"
#include "common/status.h"
#include "common/wire.h"

/* clang-format off */
static const struct kt_command core_commands[] = {
	{"login", kt_cmd_login, 0, "login [--user NAME] [--password-stdin]",
	 "log in to the server and remember the session",
	 "Asks for the password (without echo on a terminal; with --password-stdin, or when\n"
	 "standard input is not a terminal, reads one line from standard input). The user\n"
	 "name comes from --user, else KIEMTRA_USER, else 'user =' in the config file.\n"
	 "On the first login from this installation the device key is enrolled for the\n"
	 "account. The session is stored in the client home (sessions/HOST_PORT, mode 0600)\n"
	 "and used by later commands. When the server requires a new password, login asks\n"
	 "for it (twice on a terminal; otherwise the next line of standard input).\n"
	 "After repeated failures the server throttles logins: wait the time it states."},
	{"logout", kt_cmd_logout, KT_CMD_SESSION, "logout",
	 "end the session on the server and forget it here", NULL},
	{"whoami", kt_cmd_whoami, KT_CMD_SESSION, "whoami",
	 "show the account, roles, device and session in use", NULL},
	{"passwd", kt_cmd_passwd, KT_CMD_SESSION, "passwd [--password-stdin]",
	 "change your password",
	 "Asks for the current password and then the new one twice. Without a terminal\n"
	 "(or with --password-stdin) reads two lines: the current and the new password."},
	{"units list", kt_cmd_units_list, KT_CMD_SESSION,
	 "units list [--parent CODE|ID] [--all] [--limit N]", "list units",
	 "Lists every unit, or with --parent the units directly under one unit. Merged\n"
	 "units are left out unless --all is given. --limit N stops after N units; without\n"
	 "it every page is fetched. A unit is named by its code or id (#ID: always an id)."},
	{"units find", kt_cmd_units_find, KT_CMD_SESSION, "units find [--all] [--limit N] QUERY...",
	 "find units by name or code",
	 "Every word of the query must occur in the unit's name (or match its code),\n"
	 "ignoring case and Vietnamese diacritics: 'hoa an' finds 'xã Hòa An'. Merged\n"
	 "units only with --all. --limit N: at most N results (1..5000)."},
	{"units show", kt_cmd_units_show, KT_CMD_SESSION, "units show CODE|ID",
	 "show one unit with its parent and children",
	 "A number is looked up as a code first, then as an id; #ID always means an id."},
	{"units history", kt_cmd_units_history, KT_CMD_SESSION, "units history CODE|ID",
	 "show when a unit was created, renamed, moved or merged", NULL},
	{"ping", kt_cmd_ping, 0, "ping [--count N]",
	 "check that the server answers, and how fast",
	 "Connects (pinning the server's key like any command), sends N pings (default 1)\n"
	 "and prints each round-trip time. Needs no login."},
	{"known-servers list", kt_cmd_known_list, 0, "known-servers list",
	 "list the pinned server keys (the known_servers file)", NULL},
	{"known-servers forget", kt_cmd_known_forget, 0, "known-servers forget HOST:PORT",
	 "remove the pinned key of a server",
	 "Do this only after the server administrator has confirmed the server's new key\n"
	 "fingerprint; the next connection pins the key the server then presents (or, with\n"
	 "--pin FP, only the key with that fingerprint)."},
	{"server-key", kt_cmd_server_key, 0, "server-key",
	 "show the server's key fingerprint and whether it is pinned",
	 "Runs the handshake only as far as the server's key, without revealing this\n"
	 "device or logging in. With --pin FP and an unpinned server whose key matches,\n"
	 "records the pin. A pinned server presenting another key is reported (exit 4)."},
};

/*
 * Each workflow area keeps its commands in its own cmd_*.c (kt_cmds_* in cli.h);
 * the full table is the core rows followed by each area's, in this order.
 */
static const struct {
	const struct kt_command *rows;
	const size_t *n;
} areas[] = {
	{kt_cmds_plans, &kt_ncmds_plans},
	{kt_cmds_findings, &kt_ncmds_findings},
	{kt_cmds_evidence, &kt_ncmds_evidence},
	{kt_cmds_conclusions, &kt_ncmds_conclusions},
	{kt_cmds_recommendations, &kt_ncmds_recommendations},
	{kt_cmds_reviews, &kt_ncmds_reviews},
	{kt_cmds_records, &kt_ncmds_records},
	{kt_cmds_verify, &kt_ncmds_verify},
};

static struct kt_command *commands;
static size_t ncommands;
#define NCOMMANDS ncommands

/* Build the full table once; 0, or -1 when out of memory. */
static int commands_init(void)
{
	size_t n = sizeof(core_commands) / sizeof(core_commands[0]), k = 0;

	for (size_t a = 0; a < sizeof(areas) / sizeof(areas[0]); a++)
		n += *areas[a].n;
	commands = calloc(n, sizeof(*commands));
	if (!commands)
		return -1;
	for (size_t i = 0; i < sizeof(core_commands) / sizeof(core_commands[0]); i++)
		commands[k++] = core_commands[i];
	for (size_t a = 0; a < sizeof(areas) / sizeof(areas[0]); a++)
		for (size_t i = 0; i < *areas[a].n; i++)
			commands[k++] = areas[a].rows[i];
	ncommands = k;
	return 0;
}

static const char global_help[] =
	"Global options (accepted before or after the command):\n"
	"  --server HOST:PORT  the server (default: $KIEMTRA_SERVER, else 'server =' in the\n"
	"                      config file, else " KT_DEFAULT_SERVER ")\n"
	"  --home DIR          the client home (default: $KIEMTRA_HOME, else\n"
	"                      $XDG_CONFIG_HOME/kiemtra, else ~/.config/kiemtra)\n"
	"  --json              print exactly one JSON object on stdout\n"
	"  --pin SHA256:...    accept the server only if its key has this fingerprint\n"
	"  --no-tofu           refuse a server whose key is not pinned yet\n"
	"  --timeout MS        timeout of each network step (default: 'timeout_ms =' in\n"
	"                      the config file, else 10000)\n"
	"  --version           print the version\n"
	"  --help, -h          print help (kiemtra help COMMAND for one command)\n";

static const char files_help[] =
	"Files in the client home (created mode 0700):\n"
	"  config              lines 'key = value' and # comments; keys: server, user,\n"
	"                      device_name, timeout_ms\n"
	"  device.key          this installation's device key (created on first use, 0600)\n"
	"  known_servers       pinned server keys: HOST:PORT SHA256:<fingerprint> <hex key>\n"
	"  sessions/HOST_PORT  the session for one server (0600)\n"
	"The first connection to a server pins its key (trust on first use) and says so on\n"
	"stderr; a pinned server presenting another key is refused before this device's\n"
	"identity or any password is sent.\n";

static const char exit_help[] =
	"Exit codes:\n"
	"  0     success\n"
	"  1     other error (local files, unexpected input)\n"
	"  2     usage error\n"
	"  3     cannot connect; transport or handshake failure; timeout\n"
	"  4     server key mismatch, --pin mismatch, or unknown server with --no-tofu\n"
	"  5     kiemtra verify: an approval in the record does not verify\n"
	"  10+S  the server answered with status S, e.g. 13 INVALID_ARGUMENT, 15 NOT_FOUND,\n"
	"        16 ALREADY_EXISTS, 17 PERMISSION_DENIED, 18 RESOURCE_EXHAUSTED,\n"
	"        19 FAILED_PRECONDITION, 24 UNAVAILABLE, 26 UNAUTHENTICATED (not logged in)\n";

/* clang-format on */

/* "  usage   summary", the summary on its own line when the usage is long. */
static void command_line(FILE *f, const char *usage, const char *summary)
{
	if (strlen(usage) <= 34)
		fprintf(f, "  %-34s  %s\n", usage, summary);
	else
		fprintf(f, "  %s\n  %-34s  %s\n", usage, "", summary);
}

static void general_help(FILE *f)
{
	size_t i;

	fprintf(f, "usage: kiemtra [OPTIONS] COMMAND [ARGS]\n\n"
		   "kiemtra is the command-line client of kiemtrad, the server that carries\n"
		   "inspections of public-administration reform (kiểm tra công tác CCHC).\n\n"
		   "Commands:\n");
	for (i = 0; i < NCOMMANDS; i++)
		command_line(f, commands[i].usage, commands[i].summary);
	command_line(f, "help [COMMAND]", "this text, or the details of one command");
	fprintf(f, "\n%s\n%s\n%s", global_help, files_help, exit_help);
}

static void command_help(FILE *f, const struct kt_command *cmd)
{
	fprintf(f, "usage: kiemtra %s\n\n%s.\n", cmd->usage, cmd->summary);
	if (cmd->help)
		fprintf(f, "\n%s\n", cmd->help);
	if (cmd->flags & KT_CMD_SESSION)
		fprintf(f, "\nNeeds a session: run kiemtra login first (else exit code 26).\n");
	fprintf(f, "\n%s\n%s", global_help, exit_help);
}

static void group_help(FILE *f, const char *group)
{
	size_t i, n = strlen(group);

	fprintf(f, "kiemtra %s commands:\n", group);
	for (i = 0; i < NCOMMANDS; i++)
		if (strncmp(commands[i].name, group, n) == 0 && commands[i].name[n] == ' ')
			command_line(f, commands[i].usage, commands[i].summary);
}

static bool is_group(const char *word)
{
	size_t i, n = strlen(word);

	for (i = 0; i < NCOMMANDS; i++)
		if (strncmp(commands[i].name, word, n) == 0 && commands[i].name[n] == ' ')
			return true;
	return false;
}

/* The row named by words[0] (and words[1] for a two-word name); *used = words taken. */
static const struct kt_command *find_command(int nwords, char **words, int *used)
{
	char two[128];
	size_t i;

	if (nwords >= 2) {
		snprintf(two, sizeof(two), "%s %s", words[0], words[1]);
		for (i = 0; i < NCOMMANDS; i++) {
			if (strcmp(commands[i].name, two) == 0) {
				*used = 2;
				return &commands[i];
			}
		}
	}
	for (i = 0; nwords >= 1 && i < NCOMMANDS; i++) {
		if (strcmp(commands[i].name, words[0]) == 0) {
			*used = 1;
			return &commands[i];
		}
	}
	return NULL;
}

/* Print help text: as is, or with --json as {"ok":true,"help":"..."}. */
static int print_help(struct kt_cli *cli, int kind, const struct kt_command *cmd, const char *group)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	f = cli->json ? open_memstream(&text, &len) : stdout;
	if (!f)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
	if (kind == 0)
		general_help(f);
	else if (kind == 1)
		command_help(f, cmd);
	else
		group_help(f, group);
	if (cli->json) {
		struct kt_json *j;

		fclose(f);
		j = kt_cli_json_begin(cli);
		kt_json_kv_str(j, "help", text);
		kt_cli_json_end(cli);
		free(text);
	}
	return KT_EXIT_OK;
}

/* Is arg the global option name (as "--name" or "--name=value")? */
static const char *opt_value(const char *arg, const char *name, int argc, char **argv, int *i,
			     bool *matched)
{
	size_t n = strlen(name);

	*matched = false;
	if (strncmp(arg, name, n) != 0)
		return NULL;
	if (arg[n] == '=') {
		*matched = true;
		return arg + n + 1;
	}
	if (arg[n] != '\0')
		return NULL;
	*matched = true;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

struct globals {
	bool help, version;
	int nwords;
	char **words;
};

static int parse_globals(struct kt_cli *cli, int argc, char **argv, struct globals *g)
{
	static const char *const valued[] = {"--server", "--home", "--pin", "--timeout"};
	unsigned long long ms;
	bool matched, rest = false;
	const char *v;
	size_t k;
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (rest || a[0] != '-' || a[1] != '-' || strcmp(a, "--") == 0) {
			if (!rest && strcmp(a, "-h") == 0) {
				g->help = true;
				continue;
			}
			rest = rest || strcmp(a, "--") == 0;
			g->words[g->nwords++] = argv[i];
			continue;
		}
		if (strcmp(a, "--json") == 0) {
			cli->json = true;
			continue;
		}
		if (strcmp(a, "--no-tofu") == 0) {
			cli->no_tofu = true;
			continue;
		}
		if (strcmp(a, "--help") == 0) {
			g->help = true;
			continue;
		}
		/*
		 * --version is the client's own only before the command: after it,
		 * commands use --version V for the record version an edit is based on.
		 */
		if (strcmp(a, "--version") == 0 && g->nwords == 0) {
			g->version = true;
			continue;
		}
		for (k = 0; k < sizeof(valued) / sizeof(valued[0]); k++) {
			v = opt_value(a, valued[k], argc, argv, &i, &matched);
			if (matched)
				break;
		}
		if (!matched) {
			g->words[g->nwords++] = argv[i]; /* a command's own option */
			continue;
		}
		if (!v || !v[0])
			return kt_cli_usage(cli, "%s needs a value", valued[k]);
		switch (k) {
		case 0:
			cli->opt_server = v;
			break;
		case 1:
			cli->opt_home = v;
			break;
		case 2:
			cli->opt_pin = v;
			break;
		default:
			if (kt_parse_uint(v, 1, KT_MAX_TIMEOUT_MS, &ms) != KT_OK)
				return kt_cli_usage(cli, "--timeout wants milliseconds (1..%d)",
						    KT_MAX_TIMEOUT_MS);
			cli->opt_timeout_ms = (int)ms;
			break;
		}
	}
	return KT_EXIT_OK;
}

static int run(struct kt_cli *cli, int argc, char **argv)
{
	struct globals g = {0};
	const struct kt_command *cmd;
	int rc, used = 0;

	g.words = calloc((size_t)argc + 1, sizeof(*g.words));
	if (!g.words)
		return kt_cli_fail(cli, KT_EXIT_ERROR, "ERROR", "out of memory");
	rc = parse_globals(cli, argc, argv, &g);
	if (rc != KT_EXIT_OK)
		goto out;
	if (g.version && g.nwords == 0) {
		struct kt_json *j = kt_cli_json_begin(cli);

		if (j) {
			kt_json_kv_str(j, "version", KT_VERSION);
			kt_json_kv_int(j, "protocol", KT_PROTOCOL_VERSION);
			kt_cli_json_end(cli);
		} else {
			printf("kiemtra %s (protocol %d)\n", KT_VERSION, KT_PROTOCOL_VERSION);
		}
		rc = KT_EXIT_OK;
		goto out;
	}
	if (g.nwords == 0) {
		rc = g.help ? print_help(cli, 0, NULL, NULL)
			    : kt_cli_usage(cli, "no command given; kiemtra --help lists them");
		goto out;
	}
	if (strcmp(g.words[0], "help") == 0) {
		if (g.nwords == 1) {
			rc = print_help(cli, 0, NULL, NULL);
		} else if ((cmd = find_command(g.nwords - 1, g.words + 1, &used)) &&
			   used == g.nwords - 1) {
			rc = print_help(cli, 1, cmd, NULL);
		} else if (g.nwords == 2 && is_group(g.words[1])) {
			rc = print_help(cli, 2, NULL, g.words[1]);
		} else {
			rc = kt_cli_usage(cli, "no command '%s'; kiemtra --help lists them",
					  g.words[1]);
		}
		goto out;
	}
	cmd = find_command(g.nwords, g.words, &used);
	if (!cmd && is_group(g.words[0])) {
		if (g.help) {
			rc = print_help(cli, 2, NULL, g.words[0]);
		} else {
			group_help(stderr, g.words[0]);
			rc = kt_cli_usage(cli, "'%s' needs one of the subcommands above",
					  g.words[0]);
		}
		goto out;
	}
	if (!cmd) {
		rc = kt_cli_usage(cli, "unknown command '%s'; kiemtra --help lists them",
				  g.words[0]);
		goto out;
	}
	cli->cmd = cmd;
	if (g.help) {
		rc = print_help(cli, 1, cmd, NULL);
		goto out;
	}
	rc = kt_cli_setup(cli);
	if (rc != KT_EXIT_OK)
		goto out;
	if (cmd->flags & KT_CMD_SESSION) {
		rc = kt_cli_open_session(cli);
		if (rc != KT_EXIT_OK)
			goto out;
	}
	/* The handler sees its name as argv[0] and its own arguments after it. */
	g.words[used - 1] = (char *)cmd->name;
	rc = cmd->run(cli, g.nwords - used + 1, g.words + used - 1);
out:
	free(g.words);
	return rc;
}

int main(int argc, char **argv)
{
	struct kt_cli cli;
	int rc;

	memset(&cli, 0, sizeof(cli));
	if (sodium_init() < 0) {
		fprintf(stderr, "kiemtra: cannot initialise libsodium\n");
		return KT_EXIT_ERROR;
	}
	if (commands_init() != 0) {
		fprintf(stderr, "kiemtra: out of memory\n");
		return KT_EXIT_ERROR;
	}
	rc = run(&cli, argc, argv);
	kt_cli_cleanup(&cli);
	free(commands);
	if (fflush(stdout) != 0 && rc == KT_EXIT_OK) {
		fprintf(stderr, "kiemtra: cannot write the output\n");
		rc = KT_EXIT_ERROR;
	}
	return rc;
}
