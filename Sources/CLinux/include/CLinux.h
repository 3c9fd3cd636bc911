// Linux interfaces the Glibc module does not export to Swift (DESIGN §1: CLinux, thin shims only).
#ifndef CLINUX_H
#define CLINUX_H
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <signal.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

// accept4(2) with close-on-exec and non-blocking set.
int clinux_accept_nonblocking(int fd);

// signalfd(2) for SIGTERM, SIGINT and SIGHUP, after blocking them, and SIGPIPE ignored; -1 on error.
int clinux_termination_signalfd(void);

// posix_spawnp(3) of argv (NULL-terminated; argv[0] looked up in PATH) with stdin from
// /dev/null, stdout and stderr into out_fd, no other descriptor (closefrom 3), an empty signal
// mask and default actions for the signals the daemon handles. 0 or an errno value.
int clinux_spawn(char *const argv[], int out_fd, pid_t *pid);

// pipe2(2) with close-on-exec, and non-blocking when asked; -1 on error.
int clinux_pipe(int fds[2], int nonblocking);

// Opens /dev/net/tun as IFF_TUN | IFF_NO_PI named `name` (non-blocking); -1 on error (errno set).
int clinux_tun_open(const char *name);

// Sets an interface's MTU and brings it up; -1 on error.
int clinux_link_up(const char *name, int mtu);

// Adds an IPv4 address (network order) with a prefix length to an interface; -1 on error.
int clinux_addr4_add(const char *name, uint32_t address, int prefix);

// Adds an IPv6 address (16 bytes) with a prefix length to an interface, without duplicate address
// detection (rtnetlink RTM_NEWADDR); -1 on error (errno set).
int clinux_addr6_add(const char *name, const uint8_t *address, int prefix);

// Adds (add != 0, replacing one of the same prefix and metric) or deletes a route to the
// `length`-byte (4 or 16) destination/prefix at `metric` (0 = none) through `count` (1–8)
// interfaces, equal-cost multipath when several (rtnetlink); -1 on error with errno set.
int clinux_route(int add, const uint8_t *destination, int length, int prefix, uint32_t metric,
                 const char *const *names, int count);

// Batched datagram I/O (batch.c): at most this many datagrams per call.
#define CLINUX_BATCH_MAX 128

// Opens /dev/net/tun as IFF_TUN | IFF_NO_PI | IFF_VNET_HDR with TUNSETOFFLOAD(CSUM, TSO4, TSO6):
// every read and write starts with a 10-byte struct virtio_net_hdr, and reads may be TCP
// super-packets of up to 64 KiB. -1 on error (errno set; a kernel without it: use clinux_tun_open).
int clinux_tun_open_offload(const char *name);

// Sets up a UDP socket's offloads: reports UDP_SEGMENT (bit 0, send) and enables UDP_GRO
// (bit 1, receive) when want_gro; raises SO_RCVBUF/SO_SNDBUF to buffer_bytes when > 0.
int clinux_udp_offload(int fd, int want_gro, int buffer_bytes);

// One receive slot: the caller's buffer in, the datagram's length, GRO segment size (0: one
// datagram) and source out.
struct clinux_datagram {
    void *buffer;
    size_t capacity;
    size_t length;
    int segment;
    struct sockaddr_storage from;
};

// recvmmsg(2) without blocking into up to `count` slots; how many were filled, or -1 (errno).
int clinux_recv_batch(int fd, struct clinux_datagram *slots, int count);

// Sends `count` packets to one destination: with `segment` > 0 as one UDP GSO train (every
// packet but the last exactly `segment` bytes, the last no longer), otherwise with sendmmsg(2)
// one datagram each. Returns how many were sent, or -1 (errno).
int clinux_send_batch(int fd, const struct sockaddr *to, socklen_t tolen, const struct iovec *packets, int count, int segment);

// epoll (event.c), level-triggered, readable (or, after clinux_epoll_watch with writable set,
// writable instead). A new epoll descriptor (close-on-exec); register, re-arm and unregister a
// descriptor; wait up to timeout_ms (-1: forever) and write up to `capacity` (at most 256) ready
// descriptors to `fds`. Each returns -1 on error with errno set.
int clinux_epoll_create(void);
int clinux_epoll_add(int ep, int fd);
int clinux_epoll_watch(int ep, int fd, int writable);
int clinux_epoll_remove(int ep, int fd);
int clinux_epoll_wait(int ep, int *fds, int capacity, int timeout_ms);

// prctl(PR_SET_DUMPABLE, 0) (prctl is variadic, so Swift cannot call it): 0, or -1 (errno).
int clinux_set_not_dumpable(void);
#endif
