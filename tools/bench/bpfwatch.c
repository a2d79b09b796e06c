// SPDX-License-Identifier: MIT
/*
 * bpfwatch: what the benchmark needs to know about a tool's BPF programs,
 * found through the process that owns them (/proc/PID/fdinfo), so that the
 * same programs loaded by other processes on a shared machine are not
 * counted.
 *
 *   bpfwatch stats CMD...          run CMD with the kernel's BPF run-time
 *                                  stats enabled (BPF_ENABLE_STATS: the fd is
 *                                  closed, and the stats off, when CMD ends)
 *   bpfwatch progs PID             one line per program PID holds:
 *                                  id type name attach run_time_ns run_cnt
 *                                  (attach: the tracepoint of a tp_btf
 *                                  program, "-" for other kinds)
 *   bpfwatch attached PID TIMEOUT_MS SETTLE_MS
 *                                  wait until PID holds a BPF program and its
 *                                  BPF and perf fds stayed the same for
 *                                  SETTLE_MS; exit 1 on timeout or death
 *   bpfwatch empty TP[,TP...]      attach a BPF program that does nothing
 *                                  to each raw tracepoint, until SIGINT: the
 *                                  floor any tool on those tracepoints pays
 *   bpfwatch launch SETTLE_MS STEADY_S CMD...
 *                                  start CMD, print "attach_ms peak_kib
 *                                  steady_kib": launch to the last change of
 *                                  its BPF/perf fds, VmHWM and VmRSS after
 *                                  STEADY_S seconds; then SIGINT it
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

#define MAX_IDS 1024

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* Program ids held by pid, through program fds and link fds; -1 if gone. */
static int prog_ids(int pid, unsigned int *ids, int max)
{
	char path[320], line[256];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fdinfo", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		unsigned int id;
		FILE *f;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fdinfo/%s", pid, de->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			int dup = 0;

			if (sscanf(line, "prog_id: %u", &id) != 1)
				continue;
			for (int i = 0; i < n; i++)
				dup |= ids[i] == id;
			if (!dup && n < max)
				ids[n++] = id;
		}
		fclose(f);
	}
	closedir(d);
	return n;
}

/* A signature of pid's BPF and perf fds: their count, weighted by kind. */
static long bpf_fds(int pid)
{
	char path[320], target[128];
	struct dirent *de;
	long sig = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/fd/%s", pid, de->d_name);
		len = readlink(path, target, sizeof(target) - 1);
		if (len <= 0)
			continue;
		target[len] = 0;
		if (strstr(target, "bpf-prog"))
			sig += 1;
		else if (strstr(target, "bpf_link"))
			sig += 1000;
		else if (strstr(target, "perf_event"))
			sig += 1000000;
	}
	closedir(d);
	return sig;
}

static int cmd_progs(int pid)
{
	unsigned int ids[MAX_IDS];
	int n = prog_ids(pid, ids, MAX_IDS);

	if (n < 0) {
		fprintf(stderr, "bpfwatch: no process %d\n", pid);
		return 1;
	}
	struct btf *vmlinux = btf__load_vmlinux_btf();

	for (int i = 0; i < n; i++) {
		const char *attach = "-";
		struct bpf_prog_info info;
		struct btf *btf = NULL;
		__u32 len = sizeof(info);
		int fd = bpf_prog_get_fd_by_id(ids[i]);

		if (fd < 0)
			continue;
		memset(&info, 0, sizeof(info));
		if (bpf_obj_get_info_by_fd(fd, &info, &len)) {
			close(fd);
			continue;
		}
		/* The attach target's BTF (vmlinux or a module's, split on it). */
		if (vmlinux && info.attach_btf_id && info.attach_btf_obj_id)
			btf = btf__load_from_kernel_by_id_split(info.attach_btf_obj_id, vmlinux);
		if (btf) {
			const struct btf_type *t = btf__type_by_id(btf, info.attach_btf_id);

			if (t)
				attach = btf__name_by_offset(btf, t->name_off);
			if (attach && !strncmp(attach, "btf_trace_", 10))
				attach += 10;
		}
		printf("%u %u %s %s %llu %llu\n", info.id, info.type,
		       info.name[0] ? info.name : "-", attach && *attach ? attach : "-",
		       (unsigned long long)info.run_time_ns, (unsigned long long)info.run_cnt);
		btf__free(btf);
		close(fd);
	}
	btf__free(vmlinux);
	return 0;
}

/* Waits for pid's BPF fds to appear and settle; returns ms of the last change. */
static double wait_attached(int pid, double start, int timeout_ms, int settle_ms)
{
	long last = 0, sig;
	double changed = start;

	for (;;) {
		double t = now_ms();
		int status;

		sig = bpf_fds(pid);
		if (sig < 0 || waitpid(pid, &status, WNOHANG) == pid)
			return -1;
		if (sig != last) {
			last = sig;
			changed = t;
		} else if (sig % 1000 && sig >= 1000 && t - changed >= settle_ms) {
			return changed;
		}
		if (t - start > timeout_ms)
			return -1;
		sleep_ms(1);
	}
}

static long status_kib(int pid, const char *field)
{
	char path[320], line[256];
	size_t flen = strlen(field);
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, flen) && line[flen] == ':')
			v = strtol(line + flen + 1, NULL, 10);
	fclose(f);
	return v;
}

static pid_t spawn(char **argv)
{
	pid_t pid = fork();

	if (pid == 0) {
		execvp(argv[0], argv);
		fprintf(stderr, "bpfwatch: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	return pid;
}

static int stop(pid_t pid)
{
	int status = 0;

	kill(pid, SIGINT);
	for (int i = 0; i < 500; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return 0;
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return 1;
}

static int cmd_launch(int settle_ms, int steady_s, char **argv)
{
	double start = now_ms(), attached;
	long peak, steady;
	pid_t pid = spawn(argv);

	if (pid < 0)
		return 1;
	attached = wait_attached(pid, start, 30000, settle_ms);
	if (attached < 0) {
		fprintf(stderr, "bpfwatch: %s never attached\n", argv[0]);
		stop(pid);
		return 1;
	}
	while (now_ms() - start < steady_s * 1000.0)
		sleep_ms(20);
	steady = status_kib(pid, "VmRSS");
	peak = status_kib(pid, "VmHWM");
	printf("%.1f %ld %ld\n", attached - start, peak, steady);
	stop(pid);
	return 0;
}

static int cmd_stats(char **argv)
{
	int fd = bpf_enable_stats(BPF_STATS_RUN_TIME), status;
	pid_t pid;

	if (fd < 0) {
		fprintf(stderr, "bpfwatch: cannot enable BPF stats: %s\n", strerror(errno));
		return 1;
	}
	pid = spawn(argv);
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		status = 1 << 8;
	close(fd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static int cmd_empty(char *tps)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	int fd = bpf_prog_load(BPF_PROG_TYPE_RAW_TRACEPOINT, "bench_empty", "GPL", insns, 2, NULL);

	if (fd < 0) {
		fprintf(stderr, "bpfwatch: cannot load the empty program: %s\n", strerror(errno));
		return 1;
	}
	for (char *tp = strtok(tps, ","); tp; tp = strtok(NULL, ",")) {
		if (bpf_raw_tracepoint_open(tp, fd) < 0) {
			fprintf(stderr, "bpfwatch: cannot attach to %s: %s\n", tp, strerror(errno));
			return 1;
		}
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	while (!stopping)
		pause();
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: bpfwatch stats CMD... | progs PID | attached PID TIMEOUT_MS "
			"SETTLE_MS | empty TP[,TP...] | launch SETTLE_MS STEADY_S CMD...\n");
	return 2;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "stats"))
		return cmd_stats(argv + 2);
	if (argc == 3 && !strcmp(argv[1], "progs"))
		return cmd_progs(atoi(argv[2]));
	if (argc == 5 && !strcmp(argv[1], "attached")) {
		/* Not our child: waitpid fails harmlessly, /proc tells death. */
		double t = wait_attached(atoi(argv[2]), now_ms(), atoi(argv[3]), atoi(argv[4]));

		return t < 0;
	}
	if (argc == 3 && !strcmp(argv[1], "empty"))
		return cmd_empty(argv[2]);
	if (argc >= 5 && !strcmp(argv[1], "launch"))
		return cmd_launch(atoi(argv[2]), atoi(argv[3]), argv + 4);
	return usage();
}
