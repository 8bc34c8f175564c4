// Not hostile: a server and a client on the sandbox's own loopback, as
// the networking exercises' tests do.  It must keep working.
// where: call
// expect: passed | 12 |
int l = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0);
struct sockaddr_in a = { .sin_family = AF_INET };
socklen_t len = sizeof a;
inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
if (bind(l, (struct sockaddr *)&a, sizeof a) || listen(l, 1) || getsockname(l, (struct sockaddr *)&a, &len))
    abort();
if (connect(c, (struct sockaddr *)&a, sizeof a)) abort();
close(c);
close(l);
