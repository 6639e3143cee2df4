/*
 * ERA sandbox exec agent: one per running sandbox, resident, so that an exec costs a fork and an
 * exec instead of a fresh root applier (see sandbox-exec.pl, which this replaces on the fast path
 * and which stays the fallback).
 *
 * Started by the daemon as root, it does once what the applier does per command: joins the
 * sandbox's cgroups, binds its Unix socket on the host (a root-only directory the sandbox does not
 * see), opens the namespaces of the sandbox's init (checking that the pid still names the process
 * the daemon started), drops its supplementary groups and enters the namespaces (user last). Then
 * it detaches (the daemon's launch returns once it is ready) and serves requests, one per
 * connection: a header, the working directory, argv and env as NUL-terminated strings, and four
 * descriptors passed with SCM_RIGHTS (stdin, stdout, stderr, status). For each it forks a child
 * that, still root's and beyond the reach of every sandbox process, leads a new session (taking
 * the terminal when asked), sets no_new_privs, loads the sandbox's seccomp filter, empties the
 * capability bounding set, becomes the sandbox user and execs the command. The agent writes
 * "p <host pid>\n" on the status descriptor after the fork and "x <code>\n" when the command ends
 * (128 + n when signal n killed it), then closes it.
 *
 * The agent itself stays outside the sandbox's pid namespace, so no sandbox process can see,
 * signal or trace it (it is root's); it is in the sandbox's cgroups, so it is frozen with it. It
 * exits when the sandbox's init does (a pidfd tells it).
 *
 * Arguments: <socket path> <init pid> <init start ticks> <uid> <gid> <seccomp filter file>
 *            <n> <n cgroup.procs files>
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#define MAGIC 0x31415245u /* "ERA1" little-endian */
#define MAX_BODY (4u << 20)
#define FLAG_TTY 1u
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

struct header {
    uint32_t magic;
    uint32_t length; /* of the body */
    uint32_t flags;
    uint32_t argc;
    uint32_t envc;
};

struct running {
    pid_t pid;
    int status_fd;
};

static struct sock_fprog filter;
static uid_t uid;
static gid_t gid;
static struct running *runs;
static size_t nruns, capruns;

static void die(const char *what) {
    fprintf(stderr, "era exec agent: %s: %s\n", what, strerror(errno));
    exit(125);
}

static void say(int fd, const char *fmt, long value) {
    char line[64];
    int n = snprintf(line, sizeof line, fmt, value);
    while (n > 0) {
        ssize_t w = write(fd, line, (size_t) n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        break; /* the daemon went away: nobody to tell */
    }
}

static char *read_file(const char *path, size_t *length) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        die(path);
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    for (;;) {
        if (n == cap) {
            buf = realloc(buf, cap *= 2);
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r < 0) {
            die(path);
        }
        if (r == 0) {
            break;
        }
        n += (size_t) r;
    }
    close(fd);
    *length = n;
    return buf;
}

/* field 22 of /proc/<pid>/stat: the start time in clock ticks, which tells a reused pid apart */
static int same_process(long pid, const char *ticks) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    size_t n;
    char *stat = read_file(path, &n);
    stat = realloc(stat, n + 1);
    stat[n] = 0;
    char *p = strrchr(stat, ')');
    if (p == NULL) {
        return 0;
    }
    p += 2;
    for (int field = 3; field < 22 && p != NULL; field++) {
        p = strchr(p, ' ');
        if (p != NULL) {
            p++;
        }
    }
    int same = p != NULL && strncmp(p, ticks, strlen(ticks)) == 0 && p[strlen(ticks)] == ' ';
    free(stat);
    return same;
}

static void fail_child(const char *fmt, const char *arg, int code) {
    dprintf(2, fmt, arg, strerror(errno));
    _exit(code);
}

static const char *env_value(char **env, const char *name) {
    size_t len = strlen(name);
    for (char **e = env; *e != NULL; e++) {
        if (strncmp(*e, name, len) == 0 && (*e)[len] == '=') {
            return *e + len + 1;
        }
    }
    return NULL;
}

/* execvp's search, but over the command's own PATH rather than the agent's */
static void exec_command(char **argv, char **env) {
    if (strchr(argv[0], '/') != NULL) {
        execve(argv[0], argv, env);
    } else {
        const char *path = env_value(env, "PATH");
        path = path == NULL ? DEFAULT_PATH : path;
        int denied = 0;
        errno = ENOENT;
        while (*path) {
            const char *end = strchrnul(path, ':');
            char file[4096];
            int n = snprintf(file, sizeof file, "%.*s/%s", (int) (end - path), end == path ? "." : path, argv[0]);
            if (n > 0 && (size_t) n < sizeof file) {
                execve(file, argv, env);
                if (errno == EACCES) {
                    denied = 1;
                }
            }
            path = *end ? end + 1 : end;
        }
        if (denied) {
            errno = EACCES;
        }
    }
    fail_child("era: cannot run %s: %s\n", argv[0], errno == ENOENT ? 127 : 126);
}

/* In the forked child: becomes the command, as sandbox-exec.pl's child does. Never returns. */
static void become(int fds[4], int tty, const char *dir, char **argv, char **env) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    for (int i = 0; i < 3; i++) {
        if (dup2(fds[i], i) < 0) {
            _exit(126);
        }
    }
    syscall(SYS_close_range, 3u, ~0u, 0u); /* the agent's socket, other execs' status pipes */
    if (setsid() < 0) {
        fail_child("era: %s: %s\n", "setsid", 126);
    }
    if (tty && ioctl(0, TIOCSCTTY, 0) < 0) {
        fail_child("era: %s: %s\n", "cannot take the terminal as the controlling one", 126);
    }
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        fail_child("era: %s: %s\n", "prctl(PR_SET_NO_NEW_PRIVS)", 126);
    }
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &filter, 0, 0) < 0) {
        fail_child("era: %s: %s\n", "prctl(PR_SET_SECCOMP)", 126);
    }
    for (int cap = 0; cap < 64; cap++) {
        prctl(PR_CAPBSET_DROP, cap, 0, 0, 0); /* past the last capability the kernel says EINVAL */
    }
    if (setresgid(gid, gid, gid) < 0) {
        fail_child("era: %s: %s\n", "setresgid", 126);
    }
    if (setresuid(uid, uid, uid) < 0) {
        fail_child("era: %s: %s\n", "setresuid", 126);
    }
    if (chdir(dir) < 0) {
        fail_child("era: cannot change to the working directory %s: %s\n", dir, 126);
    }
    exec_command(argv, env);
}

static int read_fully(int fd, char *buf, size_t length) {
    size_t n = 0;
    while (n < length) {
        ssize_t r = read(fd, buf + n, length - n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            return -1;
        }
        n += (size_t) r;
    }
    return 0;
}

static void close_all(int *fds, int n) {
    for (int i = 0; i < n; i++) {
        close(fds[i]);
    }
}

/* One request on an accepted connection; the connection is closed by the caller. */
static void serve(int conn) {
    struct header h;
    int fds[4];
    char control[CMSG_SPACE(sizeof fds)];
    struct iovec iov = {.iov_base = &h, .iov_len = sizeof h};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
    ssize_t r;
    do {
        r = recvmsg(conn, &msg, MSG_CMSG_CLOEXEC | MSG_WAITALL);
    } while (r < 0 && errno == EINTR);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    int nfds = 0;
    if (c != NULL && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
        nfds = (int) ((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
        memcpy(fds, CMSG_DATA(c), sizeof(int) * (size_t) (nfds > 4 ? 4 : nfds));
        if (nfds > 4) {
            int *extra = (int *) CMSG_DATA(c);
            for (int i = 4; i < nfds; i++) {
                close(extra[i]);
            }
            nfds = 4;
        }
    }
    if (r != (ssize_t) sizeof h || h.magic != MAGIC || nfds != 4 || (msg.msg_flags & MSG_CTRUNC)
        || h.length > MAX_BODY || h.argc == 0 || h.argc > h.length || h.envc > h.length) {
        if (nfds == 4) {
            say(fds[3], "e %ld bad request\n", 0);
        }
        close_all(fds, nfds);
        return;
    }
    char *body = malloc(h.length + 1);
    char **argv = calloc(h.argc + 1, sizeof(char *));
    char **env = calloc(h.envc + 1, sizeof(char *));
    if (body == NULL || argv == NULL || env == NULL || read_fully(conn, body, h.length) < 0) {
        say(fds[3], "e %ld truncated request\n", 0);
        goto done;
    }
    body[h.length] = 0;
    /* the body: dir, argv, env, each NUL-terminated; every string must be there */
    char *p = body, *end = body + h.length;
    uint32_t want = 1 + h.argc + h.envc, got = 0;
    char *dir = NULL;
    while (p < end && got < want) {
        char *s = p;
        p += strlen(p) + 1;
        if (got == 0) {
            dir = s;
        } else if (got <= h.argc) {
            argv[got - 1] = s;
        } else {
            env[got - 1 - h.argc] = s;
        }
        got++;
    }
    if (got != want || p != end) {
        say(fds[3], "e %ld malformed request\n", 0);
        goto done;
    }
    if (nruns == capruns) {
        capruns = capruns ? capruns * 2 : 16;
        runs = realloc(runs, capruns * sizeof *runs);
    }
    pid_t child = fork();
    if (child < 0) {
        say(fds[3], "e %ld fork failed\n", errno);
        goto done;
    }
    if (child == 0) {
        become(fds, (h.flags & FLAG_TTY) != 0, dir, argv, env);
    }
    say(fds[3], "p %ld\n", (long) child);
    runs[nruns].pid = child;
    runs[nruns].status_fd = fds[3];
    nruns++;
    close_all(fds, 3);
    free(body);
    free(argv);
    free(env);
    return;
done:
    close_all(fds, 4);
    free(body);
    free(argv);
    free(env);
}

static void reap(void) {
    int status;
    pid_t pid;
    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        int code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
        for (size_t i = 0; i < nruns; i++) {
            if (runs[i].pid == pid) {
                say(runs[i].status_fd, "x %ld\n", code);
                close(runs[i].status_fd);
                runs[i] = runs[--nruns];
                break;
            }
        }
    }
}

int main(int argc, char **argv) {
    if (argc < 8) {
        fprintf(stderr, "usage: %s <socket> <init pid> <init ticks> <uid> <gid> <filter> <n> <cgroup.procs...>\n", argv[0]);
        return 2;
    }
    const char *socket_path = argv[1];
    long init = strtol(argv[2], NULL, 10);
    const char *ticks = argv[3];
    uid = (uid_t) strtol(argv[4], NULL, 10);
    gid = (gid_t) strtol(argv[5], NULL, 10);
    int ncgroups = atoi(argv[7]);
    if (init <= 0 || ncgroups < 0 || argc != 8 + ncgroups) {
        fprintf(stderr, "era exec agent: bad arguments\n");
        return 2;
    }
    if (setsid() < 0) {
        die("setsid");
    }
    char self[32];
    snprintf(self, sizeof self, "%ld\n", (long) getpid());
    for (int i = 0; i < ncgroups; i++) {
        int fd = open(argv[8 + i], O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, self, strlen(self)) < 0 || close(fd) < 0) {
            die(argv[8 + i]);
        }
    }
    /*
     * Detach now, before entering the pid namespace (which would put a later child inside it): the
     * launcher, the daemon's child, exits once the agent says it is ready, with 0, or 125 when it died.
     */
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0) {
        die("pipe2");
    }
    pid_t agent = fork();
    if (agent < 0) {
        die("fork");
    }
    if (agent > 0) {
        char byte;
        close(ready[1]);
        ssize_t r;
        do {
            r = read(ready[0], &byte, 1);
        } while (r < 0 && errno == EINTR);
        return r == 1 ? 0 : 125;
    }
    close(ready[0]);

    size_t length;
    char *program = read_file(argv[6], &length);
    if (length == 0 || length % sizeof(struct sock_filter) != 0) {
        fprintf(stderr, "era exec agent: the seccomp filter %s is malformed\n", argv[6]);
        return 125;
    }
    filter.len = (unsigned short) (length / sizeof(struct sock_filter));
    filter.filter = (struct sock_filter *) program;

    static const char *const names[] = {"ipc", "uts", "net", "cgroup", "pid", "mnt", "user"};
    int ns[7];
    for (int i = 0; i < 7; i++) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%ld/ns/%s", init, names[i]);
        if ((ns[i] = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
            die(path);
        }
    }
    int pidfd = (int) syscall(SYS_pidfd_open, (pid_t) init, 0);
    if (pidfd < 0) {
        die("pidfd_open");
    }
    /* the descriptors are the init's only if the pid still names the process the daemon checked */
    if (!same_process(init, ticks)) {
        fprintf(stderr, "era exec agent: the sandbox (pid %ld) is gone\n", init);
        return 125;
    }

    /* bound under a temporary name and renamed, so that a connect finds a whole agent or the last one */
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    char temp[sizeof addr.sun_path];
    if (snprintf(temp, sizeof temp, "%s.%ld", socket_path, (long) getpid()) >= (int) sizeof temp) {
        fprintf(stderr, "era exec agent: socket path %s is too long\n", socket_path);
        return 2;
    }
    strcpy(addr.sun_path, temp);
    int listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    unlink(temp);
    if (listener < 0 || bind(listener, (struct sockaddr *) &addr, sizeof addr) < 0 || chmod(temp, 0600) < 0
        || listen(listener, 64) < 0) {
        die(temp);
    }

    /* live from here (on the host: the path is not there once in the sandbox's mount namespace); connections wait until accepted */
    if (rename(temp, socket_path) < 0) {
        die(socket_path);
    }

    if (setgroups(0, NULL) < 0) { /* inside, where setgroups is denied, they could not go */
        die("setgroups");
    }
    for (int i = 0; i < 7; i++) {
        if (setns(ns[i], 0) < 0) {
            die(names[i]);
        }
        close(ns[i]);
    }
    if (chdir("/") < 0) {
        die("chdir /");
    }

    sigset_t chld;
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    sigprocmask(SIG_BLOCK, &chld, NULL);
    signal(SIGPIPE, SIG_IGN);
    int sigfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sigfd < 0) {
        die("signalfd");
    }

    /* ready: the launcher exits */
    if (write(ready[1], "r", 1) != 1) {
        die("ready");
    }
    close(ready[1]);
    int devnull = open("/dev/null", O_RDWR);
    if (devnull >= 0) {
        dup2(devnull, 0);
        close(devnull);
    }

    struct timeval timeout = {.tv_sec = 5};
    for (;;) {
        struct pollfd polled[3] = {{.fd = listener, .events = POLLIN}, {.fd = pidfd, .events = POLLIN},
                                   {.fd = sigfd, .events = POLLIN}};
        if (poll(polled, 3, -1) < 0) {
            if (errno == EINTR) {
                continue;
            }
            die("poll");
        }
        if (polled[1].revents) {
            return 0; /* the sandbox's init ended, and with it every process of its pid namespace */
        }
        if (polled[2].revents) {
            struct signalfd_siginfo info;
            while (read(sigfd, &info, sizeof info) > 0) {
            }
            reap();
        }
        if (polled[0].revents) {
            int conn = accept4(listener, NULL, NULL, SOCK_CLOEXEC);
            if (conn >= 0) {
                setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
                serve(conn);
                close(conn);
            }
        }
    }
}
