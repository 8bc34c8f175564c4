// Connects to a server on the host's loopback, then to the outside world.
// where: call
// expect: passed | 12 | 
static const char *const hosts[] = { "127.0.0.1", "1.1.1.1" };
for (int i = 0; i < 2; i++) {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(i ? 80 : @PORT@) };
    inet_pton(AF_INET, hosts[i], &a.sin_addr);
    if (s >= 0 && connect(s, (struct sockaddr *)&a, sizeof a) == 0) abort();
    if (s >= 0) close(s);
}
