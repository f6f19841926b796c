/*
 * The pod sandbox ("pause") process for the real-node e2e cluster: containerd's sandbox image
 * runs it as PID 1 of every pod. It holds the pod's namespaces open and does nothing else:
 * it sleeps in pause(), reaps any zombie re-parented to it (SIGCHLD; with
 * shareProcessNamespace it is the pod's init), and exits 0 on SIGINT or SIGTERM so that a
 * sandbox stops at once instead of waiting for SIGKILL. `-v` prints the version.
 *
 * Built static (`gcc -static -Os`) so the image holds this one file. Only async-signal-safe
 * calls in handlers; no stdio after start-up.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef PAUSE_VERSION
#define PAUSE_VERSION "dev"
#endif

static void on_stop(int sig) {
  (void)sig;
  _exit(0);
}

static void on_child(int sig) {
  (void)sig;
  int saved = errno;
  while (waitpid(-1, NULL, WNOHANG) > 0) {
  }
  errno = saved;
}

static int handle(int sig, void (*fn)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = fn;
  sa.sa_flags = SA_RESTART | (sig == SIGCHLD ? SA_NOCLDSTOP : 0);
  sigemptyset(&sa.sa_mask);
  return sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv) {
  if (argc > 1 && (strcmp(argv[1], "-v") == 0 || strcmp(argv[1], "--version") == 0)) {
    printf("mcp-pause %s\n", PAUSE_VERSION);
    return 0;
  }
  if (argc > 1) {
    fprintf(stderr, "usage: %s [-v]\n", argv[0]);
    return 2;
  }
  if (handle(SIGINT, on_stop) < 0 || handle(SIGTERM, on_stop) < 0 || handle(SIGCHLD, on_child) < 0) {
    perror("pause: sigaction");
    return 1;
  }
  if (getpid() != 1) {
    fprintf(stderr, "pause: warning: not PID 1, zombies of the pod are reaped only by PID 1\n");
  }
  for (;;) {
    pause();
  }
}
