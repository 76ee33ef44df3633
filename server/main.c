/*
 * main.c - kiemtrad's command line: run the server, or talk to a running one.
 *
 *   kiemtrad [OPTIONS]                       run the server
 *   kiemtrad admin [--data DIR] COMMAND...   run a console command on the running server
 *   kiemtrad fingerprint [--data DIR]        print the server key's fingerprint
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <time.h>
#include <getopt.h>
#include <locale.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "common/keyfile.h"
#include "common/status.h"
#include "server/admin_client.h"
#include "server/server.h"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: kiemtrad [OPTIONS]                       run the server\n"
		"       kiemtrad admin [--data DIR] COMMAND...   run a console command on the\n"
		"                                                running server (try: admin help)\n"
		"       kiemtrad fingerprint [--data DIR]        print the server key fingerprint\n"
		"       kiemtrad rotate-key [--data DIR]         replace the server key (server stopped)\n"
		"\n"
		"options:\n"
		"  --data DIR            data directory (default: $KIEMTRAD_DATA or ./var)\n"
		"  --listen HOST:PORT    address to listen on (default 127.0.0.1:7447;\n"
		"                        port 0 picks a free port, written to DIR/listen)\n"
		"  --no-console          do not read console commands from the terminal\n"
		"  --idle-timeout SEC    close connections idle this long (default 300)\n"
		"  --max-conns N         connections at once (default 20000)\n"
		"  --handshake-timeout SEC  cut connections that do not finish the handshake\n"
		"                        in this time (default 10)\n"
		"  --version, --help\n"
		"\n"
		"environment:\n"
		"  KIEMTRAD_DATA         data directory when --data is not given\n"
		"  KIEMTRAD_PWHASH       interactive (default) | moderate | test; 'test' uses\n"
		"                        libsodium's minimum Argon2id limits: test suites only\n"
		"  KIEMTRAD_TODAY        YYYY-MM-DD: the server's date for deadlines (testing aid)\n"
		"  KIEMTRAD_FAULTS       none | read:N[:K],write:N[:K],sync:N[:K],full:BYTES: fail\n"
		"                        the N-th storage read/write/sync (K times; default:\n"
		"                        until cleared) or writes beyond BYTES (disk full);\n"
		"                        console 'fault set SPEC' / 'fault clear' change it at\n"
		"                        run time. A testing aid: never set it in production\n");
}

static int parse_listen(const char *arg, struct server_config *cfg)
{
	const char *colon = strrchr(arg, ':');
	char *end;
	long port;
	size_t hl;

	if (!colon)
		return -1;
	hl = (size_t)(colon - arg);
	if (hl > 0 && arg[0] == '[' && arg[hl - 1] == ']') {
		arg++;
		hl -= 2;
	}
	if (hl == 0 || hl >= sizeof(cfg->listen_host))
		return -1;
	memcpy(cfg->listen_host, arg, hl);
	cfg->listen_host[hl] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno || *end || port < 0 || port > 65535)
		return -1;
	cfg->listen_port = (int)port;
	return 0;
}

static const char *default_data_dir(void)
{
	const char *d = getenv("KIEMTRAD_DATA");

	return d && *d ? d : "var";
}

static int cmd_fingerprint(const char *data_dir)
{
	char path[PATH_MAX + 16], fp[KT_FINGERPRINT_LEN];
	uint8_t priv[32], pub[32];
	FILE *f;

	snprintf(path, sizeof(path), "%s/server.key", data_dir);
	f = fopen(path, "rb");
	if (!f || fread(priv, 1, 32, f) != 32) {
		fprintf(stderr, "kiemtrad: no server key at %s; start the server once to create it\n",
			path);
		if (f)
			fclose(f);
		return 1;
	}
	fclose(f);
	crypto_scalarmult_base(pub, priv);
	sodium_memzero(priv, sizeof(priv));
	kt_fingerprint(pub, fp);
	printf("%s\n", fp);
	return 0;
}

/*
 * Replace the server's static key: only while no server runs on DIR (its lock
 * is free). The old key is kept beside it as server.key.retired-<time> (0600)
 * so a mistaken rotation can be undone by moving it back.
 */
static int cmd_rotate_key(const char *data_dir)
{
	char path[PATH_MAX + 16], lock[PATH_MAX + 16], old[PATH_MAX + 64], stamp[32];
	char fp_old[KT_FINGERPRINT_LEN], fp_new[KT_FINGERPRINT_LEN], err[512];
	uint8_t priv[32], pub[32];
	time_t now = time(NULL);
	struct tm tm;
	bool created;
	int fd, rc = 1;

	snprintf(lock, sizeof(lock), "%s/kiemtrad.lock", data_dir);
	fd = open(lock, O_RDWR | O_CLOEXEC);
	if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) != 0) {
		fprintf(stderr, "kiemtrad: a server is running with %s; stop it first\n", data_dir);
		close(fd);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/server.key", data_dir);
	if (kt_keyfile_load_or_create(path, priv, pub, &created, err, sizeof(err)) != KT_OK) {
		fprintf(stderr, "kiemtrad: %s\n", err);
		goto out;
	}
	if (created) {
		fprintf(stderr, "kiemtrad: there was no key in %s; one was created\n", data_dir);
		goto out;
	}
	kt_fingerprint(pub, fp_old);
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm);
	snprintf(old, sizeof(old), "%s.retired-%s", path, stamp);
	if (rename(path, old) != 0) {
		fprintf(stderr, "kiemtrad: cannot move %s aside: %s\n", path, strerror(errno));
		goto out;
	}
	if (kt_keyfile_load_or_create(path, priv, pub, &created, err, sizeof(err)) != KT_OK) {
		fprintf(stderr, "kiemtrad: %s (the old key is in %s)\n", err, old);
		goto out;
	}
	kt_fingerprint(pub, fp_new);
	printf("server key rotated\n"
	       "  old: %s (kept in %s)\n"
	       "  new: %s\n"
	       "Clients that pinned the old key will refuse this server until told: give every\n"
	       "user the new fingerprint through a channel they trust, and have them run\n"
	       "  kiemtra known-servers forget HOST:PORT\n"
	       "  kiemtra --pin %s whoami\n",
	       fp_old, old, fp_new, fp_new);
	rc = 0;
out:
	sodium_memzero(priv, sizeof(priv));
	if (fd >= 0)
		close(fd);
	return rc;
}

/* Options shared by `admin` and `fingerprint`: only --data DIR, before the command. */
static int sub_data_dir(int argc, char **argv, int *i, const char **data_dir)
{
	*data_dir = default_data_dir();
	while (*i < argc && strncmp(argv[*i], "--data", 6) == 0) {
		if (strcmp(argv[*i], "--data") == 0 && *i + 1 < argc) {
			*data_dir = argv[*i + 1];
			*i += 2;
		} else if (strncmp(argv[*i], "--data=", 7) == 0) {
			*data_dir = argv[*i] + 7;
			(*i)++;
		} else {
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"data", required_argument, NULL, 'd'},
		{"listen", required_argument, NULL, 'l'},
		{"no-console", no_argument, NULL, 'n'},
		{"idle-timeout", required_argument, NULL, 'i'},
		{"max-conns", required_argument, NULL, 'm'},
		{"handshake-timeout", required_argument, NULL, 't'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct server_config cfg;
	static struct server srv;
	const char *pw;
	char err[512];
	int c, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* UTF-8 text at the console (libedit drops non-ASCII input in the C locale). */
	if (!setlocale(LC_CTYPE, "") || MB_CUR_MAX == 1)
		setlocale(LC_CTYPE, "C.UTF-8");
	if (sodium_init() < 0) {
		fprintf(stderr, "kiemtrad: libsodium failed to initialise\n");
		return 1;
	}
	if (argc > 1 && (strcmp(argv[1], "admin") == 0 || strcmp(argv[1], "fingerprint") == 0 ||
			 strcmp(argv[1], "rotate-key") == 0)) {
		const char *data_dir;
		int i = 2;

		if (sub_data_dir(argc, argv, &i, &data_dir) != 0) {
			usage(stderr);
			return 2;
		}
		if (strcmp(argv[1], "fingerprint") == 0)
			return cmd_fingerprint(data_dir);
		if (strcmp(argv[1], "rotate-key") == 0)
			return cmd_rotate_key(data_dir);
		if (i >= argc) {
			fprintf(stderr, "usage: kiemtrad admin [--data DIR] COMMAND... "
					"(try: kiemtrad admin help)\n");
			return 2;
		}
		return admin_client_main(data_dir, argc - i, argv + i);
	}

	server_config_defaults(&cfg);
	snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", default_data_dir());
	pw = getenv("KIEMTRAD_PWHASH");
	if (pw && strcmp(pw, "test") == 0)
		cfg.auth.level = AUTH_LEVEL_TEST;
	else if (pw && strcmp(pw, "moderate") == 0)
		cfg.auth.level = AUTH_LEVEL_MODERATE;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			snprintf(cfg.data_dir, sizeof(cfg.data_dir), "%s", optarg);
			break;
		case 'l':
			if (parse_listen(optarg, &cfg) != 0) {
				fprintf(stderr, "kiemtrad: --listen wants HOST:PORT, not '%s'\n",
					optarg);
				return 2;
			}
			break;
		case 'n':
			cfg.console = false;
			break;
		case 'i':
			cfg.idle_timeout_ms = (unsigned)strtoul(optarg, NULL, 10) * 1000;
			if (cfg.idle_timeout_ms < 2000) {
				fprintf(stderr, "kiemtrad: --idle-timeout is at least 2 seconds\n");
				return 2;
			}
			break;
		case 't':
			cfg.handshake_timeout_ms = (unsigned)strtoul(optarg, NULL, 10) * 1000;
			if (cfg.handshake_timeout_ms < 1000) {
				fprintf(stderr, "kiemtrad: --handshake-timeout is at least 1 second\n");
				return 2;
			}
			break;
		case 'm':
			cfg.max_conns = (unsigned)strtoul(optarg, NULL, 10);
			if (cfg.max_conns == 0) {
				fprintf(stderr, "kiemtrad: --max-conns must be positive\n");
				return 2;
			}
			break;
		case 'V':
			printf("kiemtrad %s\n", KT_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kiemtrad: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (cfg.console && !isatty(STDIN_FILENO))
		cfg.console = false;
	{
		/* Each connection is a descriptor: allow as many as the hard limit permits. */
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			setrlimit(RLIMIT_NOFILE, &rl);
		}
	}

	rc = server_init(&srv, &cfg, err, sizeof(err));
	if (rc != KT_OK) {
		fprintf(stderr, "kiemtrad: %s\n", err[0] ? err : kt_strerror(rc));
		server_fini(&srv);
		return 1;
	}
	rc = server_run(&srv);
	server_fini(&srv);
	printf("kiemtrad: stopped\n");
	return rc == KT_OK ? 0 : 1;
}
