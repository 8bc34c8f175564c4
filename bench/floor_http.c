/*
 * floor_http.c — the least an HTTP server can do, for bench/cluster.sh.
 *
 * It is not a server to copy: it parses nothing.  Each of its WORKERS
 * processes (default 2, like the cluster rows) waits in epoll_wait on the
 * one shared listening socket and its connections; for every request end
 * ("\r\n\r\n") a connection's recv() brings, it sends one fixed response
 * of the size `cluster.http` sends.  So it pays only what no HTTP server
 * on this kernel can avoid per keep-alive request — one recv(), one
 * send(), a share of an epoll_wait — and the req/s wrk gets from it is
 * the ceiling of the bench on this machine: on 2 CPUs wrk's own share
 * stays whatever the server does.
 *
 *   PORT=0 WORKERS=2 bench/floor-http     prints "listening PORT"; SIGTERM
 *                                          ends it and its workers
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

/* The same size as cluster.http's answer to GET / (201 bytes). */
static const char response[] =
    "HTTP/1.1 200 OK\r\n"
    "X-Worker-Pid: 00000\r\n"
    "Content-Type: text/plain\r\n"
    "Date: Thu, 01 Jan 1970 00:00:00 GMT\r\n"
    "Connection: keep-alive\r\n"
    "Keep-Alive: timeout=5\r\n"
    "Content-Length: 31\r\n"
    "\r\n"
    "hello from the floor, pid 0000\n";

/* Counts the request ends in what one recv() brought.  (A "\r\n\r\n"
 * split between two reads is missed: wrk's requests come whole.) */
static int request_ends(const char *buf, ssize_t n)
{
    int ends = 0;
    for (ssize_t i = 3; i < n; i++)
        if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r')
            ends++;
    return ends;
}

static void serve(int lfd)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = { .events = EPOLLIN, .data.fd = lfd };
    epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev);
    static char buf[65536];
    for (;;) {
        struct epoll_event ready[64];
        int n = epoll_wait(ep, ready, 64, -1);
        for (int i = 0; i < n; i++) {
            int fd = ready[i].data.fd;
            if (fd == lfd) {                  /* the other worker may win it */
                int c = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (c < 0) continue;
                int one = 1;
                setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                struct epoll_event cev = { .events = EPOLLIN, .data.fd = c };
                epoll_ctl(ep, EPOLL_CTL_ADD, c, &cev);
                continue;
            }
            ssize_t got = recv(fd, buf, sizeof buf, 0);
            if (got <= 0) {                   /* closed, or reset */
                close(fd);                    /* (also leaves the epoll set) */
                continue;
            }
            for (int r = request_ends(buf, got); r > 0; r--)
                send(fd, response, sizeof response - 1, MSG_NOSIGNAL);
        }
    }
}

int main(void)
{
    int workers = getenv("WORKERS") ? atoi(getenv("WORKERS")) : 2;
    int port = getenv("PORT") ? atoi(getenv("PORT")) : 0;
    if (workers < 1 || workers > 64 || port < 0 || port > 65535) {
        fprintf(stderr, "floor-http: WORKERS must be 1..64 and PORT 0..65535\n");
        return 2;
    }
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof addr;
    if (bind(lfd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(lfd, 511) < 0
        || getsockname(lfd, (struct sockaddr *)&addr, &len) < 0) {
        perror("floor-http: listen");
        return 1;
    }
    pid_t parent = getpid();
    for (int i = 0; i < workers; i++) {
        if (fork() == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);   /* never outlive the bench */
            if (getppid() != parent) _exit(0);
            serve(lfd);
        }
    }
    printf("listening %d\n", ntohs(addr.sin_port));
    fflush(stdout);
    /* SIGTERM ends this process; PDEATHSIG then ends the workers. */
    while (wait(NULL) > 0 || errno == EINTR) {}
    return 0;
}
