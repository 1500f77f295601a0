// SPDX-License-Identifier: MIT
/*
 * vxpuctl checkpoint / restore: criu with the vxpu plugin.
 *
 *   vxpuctl checkpoint PID DIR [--leave-running] [--shell-job] [-- CRIU-ARGS...]
 *       criu dump -t PID -D DIR -o dump.log -v4 -L <plugin dir> [-R]; shows a
 *       progress bar of the device memory written (from the plugin) on stderr
 *       when the dump takes more than a second
 *   vxpuctl restore DIR [--gpu-map OLD=NEW,...] [--shell-job] [-- CRIU-ARGS...]
 *       criu restore -D DIR -d -o restore.log -v4 -L <plugin dir>; prints the
 *       restored pid. --gpu-map sends the contexts of device OLD (gpu id at
 *       checkpoint) to the device NEW (VXPU_GPU_MAP for the plugin).
 *
 * The plugin directory is $VXPU_PLUGIN_DIR, else build/criu next to this
 * vxpuctl (../criu from its directory), else /usr/lib/criu. The criu binary
 * is $VXPU_CRIU, else criu from PATH. On failure the errors of CRIU's log
 * are printed, with the log's path.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vxpu_image.h"

#define MAX_ARGS 64

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int plugin_dir(char *out, size_t n)
{
	const char *env = getenv("VXPU_PLUGIN_DIR");
	char exe[PATH_MAX - 64], so[PATH_MAX];
	ssize_t l;

	if (env && *env) {
		snprintf(out, n, "%s", env);
		return 0;
	}
	l = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (l > 0) {
		char *slash;

		exe[l] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(so, sizeof(so), "%s/../criu/vxpu_plugin.so", exe);
			if (!access(so, R_OK)) {
				snprintf(out, n, "%s/../criu", exe);
				return 0;
			}
		}
	}
	if (!access("/usr/lib/criu/vxpu_plugin.so", R_OK)) {
		snprintf(out, n, "/usr/lib/criu");
		return 0;
	}
	fprintf(stderr, "vxpuctl: cannot find vxpu_plugin.so (not in ../criu next to vxpuctl nor "
		"in /usr/lib/criu; build it with make -C criu or set VXPU_PLUGIN_DIR)\n");
	return -1;
}

/* print the last error lines of CRIU's log @path (kerndat probes log errors early on) */
static void log_errors(const char *path)
{
	char lines[8][1024], line[1024];
	FILE *f = fopen(path, "re");
	unsigned int n = 0;

	if (!f) {
		fprintf(stderr, "vxpuctl: no CRIU log at %s\n", path);
		return;
	}
	while (fgets(line, sizeof(line), f))
		if (strstr(line, "Error") || strstr(line, "vxpu: error"))
			snprintf(lines[n++ % 8], sizeof(lines[0]), "%s", line);
	fclose(f);
	for (unsigned int i = n > 8 ? n - 8 : 0; i < n; i++)
		fprintf(stderr, "  %s", lines[i % 8]);
	fprintf(stderr, "vxpuctl: the whole log: %s\n", path);
}

static int run_criu(char **argv, const char *progress, const char *what)
{
	unsigned long long done = 0, total = 0;
	int st, shown = 0, tty = isatty(2), pidfd;
	char last[160] = "";
	double t0 = now_s();
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		fprintf(stderr, "vxpuctl: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "vxpuctl: cannot run %s: %s (install criu, or set VXPU_CRIU)\n",
			argv[0], strerror(errno));
		_exit(127);
	}
	/* a pidfd polls readable the moment criu exits: no sleep to round up to */
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		pid_t w = waitpid(pid, &st, WNOHANG);
		struct pollfd pfd = { .fd = pidfd, .events = POLLIN };
		char buf[64] = "", line[160];
		int fd;

		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			fprintf(stderr, "vxpuctl: waitpid: %s\n", strerror(errno));
			if (pidfd >= 0)
				close(pidfd);
			return -1;
		}
		if (pidfd < 0 || poll(&pfd, 1, 100) < 0)
			usleep(100000);
		if (!progress)
			continue;
		fd = open(progress, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			ssize_t r = read(fd, buf, sizeof(buf) - 1);

			buf[r > 0 ? r : 0] = '\0';
			close(fd);
			sscanf(buf, "%llu %llu", &done, &total);
		}
		/* a bar on a terminal, for dumps longer than a second; redrawn on change */
		if (!tty || !total || now_s() - t0 < 1.0)
			continue;
		snprintf(line, sizeof(line), "%s: device memory [%-40.*s] %.1f / %.1f MiB", what,
			 (int)((double)done / (double)total * 40),
			 "########################################", done / 1048576.0,
			 total / 1048576.0);
		if (strcmp(line, last)) {
			fprintf(stderr, "\r%s", line);
			snprintf(last, sizeof(last), "%s", line);
			shown = 1;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	if (shown)
		fprintf(stderr, "\n");
	if (progress && total)
		fprintf(stderr, "%s: %.1f MiB of device memory written by the plugin; criu ran %.1f s\n",
			what, done / 1048576.0, now_s() - t0);
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	fprintf(stderr, "vxpuctl: criu was killed by signal %d\n", WTERMSIG(st));
	return 128 + WTERMSIG(st);
}

static int is_dir(const char *p)
{
	struct stat st;

	return !stat(p, &st) && S_ISDIR(st.st_mode);
}

/* sum of the device memory in the image (for the summary line) */
static void image_totals(const char *dir, size_t *nctx, uint64_t *bytes)
{
	char **names, err[VXI_ERR];
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t n;

	*nctx = 0;
	*bytes = 0;
	if (dfd < 0)
		return;
	if (!vxi_list_ctx(dfd, &names, &n, err)) {
		for (size_t i = 0; i < n; i++) {
			VxpuCtxEntry *e;

			if (vxi_read_ctx(dfd, names[i], &e, err))
				continue;
			(*nctx)++;
			*bytes += e->vram_needed + e->gtt_needed;
			vxi_free_ctx(e);
		}
		vxi_free_names(names, n);
	}
	close(dfd);
}

static const char *criu_bin(void)
{
	const char *c = getenv("VXPU_CRIU");

	return c && *c ? c : "criu";
}

int cmd_checkpoint(int argc, char **argv)
{
	char pdir[PATH_MAX], log[PATH_MAX + 16], progress[] = "/tmp/vxpuctl-progress-XXXXXX";
	const char *pid = NULL, *dir = NULL, *args[MAX_ARGS];
	int leave = 0, shell = 0, na = 0, rc, pfd, extra = -1;
	char proc[64];
	size_t nctx;
	uint64_t bytes;
	double t0;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--leave-running"))
			leave = 1;
		else if (!strcmp(argv[i], "--shell-job"))
			shell = 1;
		else if (!strcmp(argv[i], "--")) {
			extra = i + 1;
			break;
		} else if (!pid)
			pid = argv[i];
		else if (!dir)
			dir = argv[i];
		else
			pid = NULL, i = argc;
	}
	if (!pid || !dir) {
		fprintf(stderr, "usage: vxpuctl checkpoint PID DIR [--leave-running] [--shell-job] "
			"[-- CRIU-ARGS...]\n");
		return 2;
	}
	if (strspn(pid, "0123456789") != strlen(pid) || atoi(pid) <= 0) {
		fprintf(stderr, "vxpuctl: checkpoint: '%s' is not a pid\n", pid);
		return 2;
	}
	snprintf(proc, sizeof(proc), "/proc/%s", pid);
	if (access(proc, F_OK)) {
		fprintf(stderr, "vxpuctl: checkpoint: no process %s\n", pid);
		return 1;
	}
	if (!is_dir(dir) && mkdir(dir, 0700)) {
		fprintf(stderr, "vxpuctl: checkpoint: cannot create %s: %s\n", dir, strerror(errno));
		return 1;
	}
	snprintf(log, sizeof(log), "%s/inventory.img", dir);
	if (!access(log, F_OK)) {
		fprintf(stderr, "vxpuctl: checkpoint: %s already holds a checkpoint; use an empty "
			"directory\n", dir);
		return 1;
	}
	if (plugin_dir(pdir, sizeof(pdir)))
		return 1;
	pfd = mkstemp(progress);
	if (pfd >= 0) {
		close(pfd);
		setenv("VXPU_PROGRESS", progress, 1);
	}
	args[na++] = criu_bin();
	args[na++] = "dump";
	args[na++] = "-t";
	args[na++] = pid;
	args[na++] = "-D";
	args[na++] = dir;
	args[na++] = "-o";
	args[na++] = "dump.log";
	args[na++] = "-v4";
	args[na++] = "-L";
	args[na++] = pdir;
	if (leave)
		args[na++] = "-R";
	if (shell)
		args[na++] = "--shell-job";
	for (int i = extra; extra >= 0 && i < argc && na < MAX_ARGS - 1; i++)
		args[na++] = argv[i];
	args[na] = NULL;
	t0 = now_s();
	rc = run_criu((char **)args, pfd >= 0 ? progress : NULL, "checkpoint");
	if (pfd >= 0)
		unlink(progress);
	unsetenv("VXPU_PROGRESS");
	snprintf(log, sizeof(log), "%s/dump.log", dir);
	if (rc) {
		fprintf(stderr, "vxpuctl: checkpoint of pid %s failed (criu exit status %d); errors "
			"from CRIU's log:\n", pid, rc);
		log_errors(log);
		return 1;
	}
	image_totals(dir, &nctx, &bytes);
	printf("checkpoint: pid %s -> %s: %zu vxpu context%s, %.1f MiB of device memory, %.1f s; "
	       "the process was %s\n", pid, dir, nctx, nctx == 1 ? "" : "s", bytes / 1048576.0,
	       now_s() - t0, leave ? "left running" : "killed");
	return 0;
}

int cmd_restore(int argc, char **argv)
{
	char pdir[PATH_MAX], log[PATH_MAX + 16], tmpd[] = "/tmp/vxpuctl-restore-XXXXXX";
	char pidfile[64], err[VXI_ERR], buf[32] = "";
	const char *dir = NULL, *map = NULL, *args[MAX_ARGS];
	int shell = 0, na = 0, rc, extra = -1, fd;
	struct vxi_gpu_map m;
	double t0;

	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--gpu-map") && i + 1 < argc)
			map = argv[++i];
		else if (!strncmp(argv[i], "--gpu-map=", 10))
			map = argv[i] + 10;
		else if (!strcmp(argv[i], "--shell-job"))
			shell = 1;
		else if (!strcmp(argv[i], "--")) {
			extra = i + 1;
			break;
		} else if (!dir && argv[i][0] != '-')
			dir = argv[i];
		else
			dir = NULL, i = argc;
	}
	if (!dir) {
		fprintf(stderr, "usage: vxpuctl restore DIR [--gpu-map OLD=NEW,...] [--shell-job] "
			"[-- CRIU-ARGS...]\n");
		return 2;
	}
	snprintf(log, sizeof(log), "%s/inventory.img", dir);
	if (access(log, R_OK)) {
		fprintf(stderr, "vxpuctl: restore: %s is not a checkpoint (no inventory.img)\n", dir);
		return 1;
	}
	if (map) {
		if (vxi_parse_gpu_map(map, &m, err)) {
			fprintf(stderr, "vxpuctl: restore: --gpu-map: %s\n", err);
			return 2;
		}
		setenv("VXPU_GPU_MAP", map, 1);
	} else {
		unsetenv("VXPU_GPU_MAP");
	}
	if (plugin_dir(pdir, sizeof(pdir)))
		return 1;
	if (!mkdtemp(tmpd)) {
		fprintf(stderr, "vxpuctl: restore: mkdtemp: %s\n", strerror(errno));
		return 1;
	}
	snprintf(pidfile, sizeof(pidfile), "%s/pid", tmpd);
	args[na++] = criu_bin();
	args[na++] = "restore";
	args[na++] = "-D";
	args[na++] = dir;
	args[na++] = "-d";
	args[na++] = "-o";
	args[na++] = "restore.log";
	args[na++] = "-v4";
	args[na++] = "-L";
	args[na++] = pdir;
	args[na++] = "--pidfile";
	args[na++] = pidfile;
	if (shell)
		args[na++] = "--shell-job";
	for (int i = extra; extra >= 0 && i < argc && na < MAX_ARGS - 1; i++)
		args[na++] = argv[i];
	args[na] = NULL;
	t0 = now_s();
	rc = run_criu((char **)args, NULL, "restore");
	fd = open(pidfile, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t r = read(fd, buf, sizeof(buf) - 1);

		buf[r > 0 ? r : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		close(fd);
	}
	unlink(pidfile);
	rmdir(tmpd);
	snprintf(log, sizeof(log), "%s/restore.log", dir);
	if (rc) {
		fprintf(stderr, "vxpuctl: restore from %s failed (criu exit status %d); errors from "
			"CRIU's log:\n", dir, rc);
		log_errors(log);
		return 1;
	}
	printf("restored pid %s (from %s%s%s, %.1f s)\n", buf[0] ? buf : "?", dir,
	       map ? ", gpu map " : "", map ? map : "", now_s() - t0);
	return 0;
}
