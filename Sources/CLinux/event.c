// epoll(7) for the daemon's event loop (LinuxNet/EventLoop.swift): kept in C so that Swift never
// touches struct epoll_event, which is packed on x86-64 and holds a union.
#define _GNU_SOURCE
#include "CLinux.h"
#include <sys/epoll.h>

int clinux_epoll_create(void) {
    return epoll_create1(EPOLL_CLOEXEC);
}

int clinux_epoll_add(int ep, int fd) {
    struct epoll_event e = { .events = EPOLLIN, .data = { .fd = fd } };
    return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e);
}

int clinux_epoll_watch(int ep, int fd, int writable) {
    struct epoll_event e = { .events = writable ? EPOLLOUT : EPOLLIN, .data = { .fd = fd } };
    return epoll_ctl(ep, EPOLL_CTL_MOD, fd, &e);
}

int clinux_epoll_remove(int ep, int fd) {
    return epoll_ctl(ep, EPOLL_CTL_DEL, fd, 0);
}

int clinux_epoll_wait(int ep, int *fds, int capacity, int timeout_ms) {
    struct epoll_event events[256];
    if (capacity > 256) capacity = 256;
    int n = epoll_wait(ep, events, capacity, timeout_ms);
    for (int i = 0; i < n; i++) fds[i] = events[i].data.fd;
    return n;
}
