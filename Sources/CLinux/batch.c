#define _GNU_SOURCE
#include "CLinux.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/uio.h>
#include <unistd.h>

// Debian 12's headers predate these (Linux 4.18 and 5.0).
#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

int clinux_tun_open_offload(const char *name) {
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    // TSO without ECN: the kernel segments CWR super-packets itself, so ours never carry it.
    if (ioctl(fd, TUNSETIFF, &ifr) < 0 || ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

int clinux_udp_offload(int fd, int want_gro, int buffer_bytes) {
    int flags = 0, one = 1, segment = 0;
    socklen_t len = sizeof segment;
    if (getsockopt(fd, SOL_UDP, UDP_SEGMENT, &segment, &len) == 0) flags |= 1;
    if (want_gro && setsockopt(fd, SOL_UDP, UDP_GRO, &one, sizeof one) == 0) flags |= 2;
    if (buffer_bytes > 0) {
        // The FORCE variants pass rmem_max/wmem_max with CAP_NET_ADMIN; otherwise the capped ones.
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buffer_bytes, sizeof buffer_bytes) != 0)
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer_bytes, sizeof buffer_bytes);
        if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &buffer_bytes, sizeof buffer_bytes) != 0)
            setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer_bytes, sizeof buffer_bytes);
    }
    return flags;
}

int clinux_recv_batch(int fd, struct clinux_datagram *slots, int count) {
    if (count <= 0 || count > CLINUX_BATCH_MAX) { errno = EINVAL; return -1; }
    struct mmsghdr msgs[CLINUX_BATCH_MAX];
    struct iovec iov[CLINUX_BATCH_MAX];
    union { struct cmsghdr align; char space[CMSG_SPACE(sizeof(int))]; } control[CLINUX_BATCH_MAX];
    memset(msgs, 0, sizeof(struct mmsghdr) * count);
    for (int i = 0; i < count; i++) {
        iov[i].iov_base = slots[i].buffer;
        iov[i].iov_len = slots[i].capacity;
        msgs[i].msg_hdr.msg_iov = &iov[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
        msgs[i].msg_hdr.msg_name = &slots[i].from;
        msgs[i].msg_hdr.msg_namelen = sizeof slots[i].from;
        msgs[i].msg_hdr.msg_control = control[i].space;
        msgs[i].msg_hdr.msg_controllen = sizeof control[i].space;
    }
    int n = recvmmsg(fd, msgs, count, MSG_DONTWAIT, 0);
    for (int i = 0; i < n; i++) {
        slots[i].length = msgs[i].msg_len;
        slots[i].segment = 0;
        for (struct cmsghdr *c = CMSG_FIRSTHDR(&msgs[i].msg_hdr); c; c = CMSG_NXTHDR(&msgs[i].msg_hdr, c)) {
            // The kernel writes the GRO segment size as an int (udp_cmsg_recv).
            if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO && c->cmsg_len >= CMSG_LEN(sizeof(int))) {
                int size;
                memcpy(&size, CMSG_DATA(c), sizeof size);
                slots[i].segment = size;
            }
        }
    }
    return n;
}

int clinux_send_batch(int fd, const struct sockaddr *to, socklen_t tolen, const struct iovec *packets, int count, int segment) {
    if (count <= 0 || count > CLINUX_BATCH_MAX) { errno = EINVAL; return -1; }
    if (segment > 0) {
        // One datagram train: the kernel cuts it every `segment` bytes (UDP GSO).
        union { struct cmsghdr align; char space[CMSG_SPACE(sizeof(uint16_t))]; } control;
        memset(&control, 0, sizeof control);
        struct msghdr m = { .msg_name = (void *)to, .msg_namelen = tolen, .msg_iov = (struct iovec *)packets,
                            .msg_iovlen = count, .msg_control = control.space, .msg_controllen = sizeof control.space };
        struct cmsghdr *c = CMSG_FIRSTHDR(&m);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        uint16_t size = (uint16_t)segment;
        memcpy(CMSG_DATA(c), &size, sizeof size);
        return sendmsg(fd, &m, 0) < 0 ? -1 : count;
    }
    struct mmsghdr msgs[CLINUX_BATCH_MAX];
    memset(msgs, 0, sizeof(struct mmsghdr) * count);
    for (int i = 0; i < count; i++) {
        msgs[i].msg_hdr.msg_name = (void *)to;
        msgs[i].msg_hdr.msg_namelen = tolen;
        msgs[i].msg_hdr.msg_iov = (struct iovec *)&packets[i];
        msgs[i].msg_hdr.msg_iovlen = 1;
    }
    int sent = 0;
    while (sent < count) {
        int n = sendmmsg(fd, msgs + sent, count - sent, 0);
        if (n <= 0) return sent > 0 ? sent : -1;
        sent += n;
    }
    return sent;
}
