/*
 * sdnotify.h - systemd's readiness protocol without libsystemd: one datagram
 * to $NOTIFY_SOCKET (libmugai_util; used by mugaid and mugai-milter).
 */
#ifndef MUGAI_SDNOTIFY_H
#define MUGAI_SDNOTIFY_H

/* send state ("READY=1", "WATCHDOG=1", "STOPPING=1", ...); nothing when
 * NOTIFY_SOCKET is unset or unusable */
void sdnotify(const char *state);

#endif
