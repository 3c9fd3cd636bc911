// Linux interfaces the Glibc module does not export to Swift (DESIGN §1: CLinux, thin shims only).
#ifndef CLINUX_H
#define CLINUX_H
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <signal.h>

// accept4(2) with close-on-exec and non-blocking set.
int clinux_accept_nonblocking(int fd);

// signalfd(2) for SIGTERM, SIGINT and SIGHUP, after blocking them; -1 on error.
int clinux_termination_signalfd(void);
#endif
