#define _GNU_SOURCE
#include "CLinux.h"
#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int clinux_tun_open(const char *name) {
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) { int e = errno; close(fd); errno = e; return -1; }
    return fd;
}

static int with_ioctl_socket(int (*body)(int, struct ifreq *, void *), const char *name, void *arg) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, name, IFNAMSIZ - 1);
    int rc = body(s, &ifr, arg);
    int e = errno;
    close(s);
    errno = e;
    return rc;
}

static int link_up_body(int s, struct ifreq *ifr, void *arg) {
    ifr->ifr_mtu = *(int *)arg;
    if (ioctl(s, SIOCSIFMTU, ifr) < 0) return -1;
    if (ioctl(s, SIOCGIFFLAGS, ifr) < 0) return -1;
    ifr->ifr_flags |= IFF_UP | IFF_RUNNING;
    return ioctl(s, SIOCSIFFLAGS, ifr);
}

int clinux_link_up(const char *name, int mtu) { return with_ioctl_socket(link_up_body, name, &mtu); }

struct addr4 { uint32_t address; int prefix; };

static int addr4_body(int s, struct ifreq *ifr, void *arg) {
    struct addr4 *a = arg;
    struct sockaddr_in *sin = (struct sockaddr_in *)&ifr->ifr_addr;
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = a->address;
    if (ioctl(s, SIOCSIFADDR, ifr) < 0) return -1;
    sin->sin_addr.s_addr = a->prefix == 0 ? 0 : htonl(0xFFFFFFFFu << (32 - a->prefix));
    return ioctl(s, SIOCSIFNETMASK, ifr);
}

int clinux_addr4_add(const char *name, uint32_t address, int prefix) {
    struct addr4 a = { address, prefix };
    return with_ioctl_socket(addr4_body, name, &a);
}

// Appends one attribute to a request whose buffer has room for it.
static void add_attr(struct nlmsghdr *n, int type, const void *data, int len) {
    struct rtattr *a = (struct rtattr *)((char *)n + NLMSG_ALIGN(n->nlmsg_len));
    a->rta_type = type;
    a->rta_len = RTA_LENGTH(len);
    memcpy(RTA_DATA(a), data, len);
    n->nlmsg_len = NLMSG_ALIGN(n->nlmsg_len) + RTA_ALIGN(a->rta_len);
}

// Sends one rtnetlink request and reads its acknowledgement; -1 with errno set on a refusal.
static int talk(struct nlmsghdr *n) {
    int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (s < 0) return -1;
    struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
    if (sendto(s, n, n->nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) { int e = errno; close(s); errno = e; return -1; }
    char buf[512];
    ssize_t got = recv(s, buf, sizeof buf, 0);
    close(s);
    if (got < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr))) { errno = EIO; return -1; }
    struct nlmsghdr *h = (struct nlmsghdr *)buf;
    if (h->nlmsg_type == NLMSG_ERROR) {
        struct nlmsgerr *err = NLMSG_DATA(h);
        if (err->error != 0) { errno = -err->error; return -1; }
    }
    return 0;
}

// One route to dst/prefix at `metric` through `count` interfaces: RTA_OIF for one, an
// equal-cost RTA_MULTIPATH for several. A delete names dst, prefix and metric only.
static int route(int add, int family, const void *dst, int dstlen, int prefix, uint32_t metric,
                 const char *const *names, int count) {
    if (count < (add ? 1 : 0) || count > 8) { errno = EINVAL; return -1; }
    unsigned indexes[8];
    for (int i = 0; i < count; i++) {
        indexes[i] = if_nametoindex(names[i]);
        if (indexes[i] == 0) return -1;
    }
    struct { struct nlmsghdr n; struct rtmsg r; char attrs[256]; } req;
    memset(&req, 0, sizeof req);
    req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct rtmsg));
    req.n.nlmsg_type = add ? RTM_NEWROUTE : RTM_DELROUTE;
    req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | (add ? (NLM_F_CREATE | NLM_F_REPLACE) : 0);
    req.r.rtm_family = family;
    req.r.rtm_dst_len = prefix;
    req.r.rtm_table = RT_TABLE_MAIN;
    req.r.rtm_protocol = RTPROT_STATIC;
    // IPv6 routes have no scope of their own; the kernel wants universe for them.
    req.r.rtm_scope = family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
    req.r.rtm_type = RTN_UNICAST;
    add_attr(&req.n, RTA_DST, dst, dstlen);
    if (metric != 0) add_attr(&req.n, RTA_PRIORITY, &metric, sizeof metric);
    if (!add) return talk(&req.n);
    if (count == 1) {
        int oif = (int)indexes[0];
        add_attr(&req.n, RTA_OIF, &oif, sizeof oif);
        return talk(&req.n);
    }
    char hops[8 * sizeof(struct rtnexthop)];
    memset(hops, 0, sizeof hops);
    for (int i = 0; i < count; i++) {
        struct rtnexthop *h = (struct rtnexthop *)(hops + i * RTNH_ALIGN(sizeof(struct rtnexthop)));
        h->rtnh_len = sizeof(struct rtnexthop);
        h->rtnh_ifindex = (int)indexes[i];
    }
    add_attr(&req.n, RTA_MULTIPATH, hops, count * RTNH_ALIGN(sizeof(struct rtnexthop)));
    return talk(&req.n);
}

int clinux_route(int add, const uint8_t *destination, int length, int prefix, uint32_t metric,
                 const char *const *names, int count) {
    return route(add, length == 4 ? AF_INET : AF_INET6, destination, length, prefix, metric, names, count);
}

int clinux_addr6_add(const char *name, const uint8_t *address, int prefix) {
    unsigned index = if_nametoindex(name);
    if (index == 0) return -1;
    struct { struct nlmsghdr n; struct ifaddrmsg a; char attrs[64]; } req;
    memset(&req, 0, sizeof req);
    req.n.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
    req.n.nlmsg_type = RTM_NEWADDR;
    req.n.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE;
    req.a.ifa_family = AF_INET6;
    req.a.ifa_prefixlen = prefix;
    req.a.ifa_scope = RT_SCOPE_UNIVERSE;
    req.a.ifa_index = index;
    // A point-to-point TUN has no neighbours to detect duplicates with: without NODAD the address
    // stays tentative for a second and cannot be a source.
    req.a.ifa_flags = IFA_F_NODAD;
    add_attr(&req.n, IFA_LOCAL, address, 16);
    add_attr(&req.n, IFA_ADDRESS, address, 16);
    return talk(&req.n);
}
