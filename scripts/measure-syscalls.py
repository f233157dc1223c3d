#!/usr/bin/env python3
"""Measure the system calls each filter makes inside its sandbox.

Runs `mugai sanitize` under `strace -f` once per mode over the given files
and attributes every system call made after the filter's seccomp filter was
loaded (in mugai-filter, mugai-filter-lite, mugai-filter-mail and every
process they start, LibreOffice included) to the filter named in
mugai-filter's argv.  Prints,
per filter, the calls seen and those not in src/filterd/sandbox.c's
allow-lists.

Use a build with -DMUGAI_SECCOMP_LOG (seccomp logs instead of killing) to see
everything a filter needs; with a normal build a missing call shows up as
the SIGSYS that ended it.

usage: measure-syscalls.py BUILD_BIN DATABASE SANDBOX_C MODE[,MODE...] FILE...
       (MODE: auto, text, image-pdf, cdr)
"""
import collections
import os
import re
import subprocess
import sys
import tempfile

LINE = re.compile(r"^(\d+) +(.*)$")
CALL = re.compile(r"^([a-z0-9_]+)\(")
RESUMED = re.compile(r"^<\.\.\. ([a-z0-9_]+) resumed>")
RET = re.compile(r"\) += (-?\d+|\?)")


def allow_lists(sandbox_c):
    """syscall names in the sandbox's tables and conditional rules"""
    src = open(sandbox_c, encoding="utf-8").read()
    tables = {}
    for name in ("sandbox_allow_base", "sandbox_allow_exec"):
        m = re.search(r"static const int " + name + r"\[\] = \{(.*?)\n\};", src, re.S)
        tables[name] = set(re.findall(r"SCMP_SYS\((\w+)\)", m.group(1))) if m else set()
    body = src[src.index("static int sandbox_seccomp("):]
    body = body[:body.index("\nint sandbox_enter(")]
    rules = set(re.findall(r"seccomp_rule_add\(ctx, allow, SCMP_SYS\((\w+)\)", body))
    errno_rules = set(re.findall(r"SCMP_ACT_ERRNO\(\w+\), SCMP_SYS\((\w+)\)", body))
    return tables["sandbox_allow_base"] | rules | errno_rules, tables["sandbox_allow_exec"]


def parse(log, seen, sigsys):
    owner = {}       # pid -> filter name
    confined = set()  # pids under the filter's seccomp
    pending = {}     # pid -> the text of an unfinished call
    for raw in open(log, encoding="utf-8", errors="replace"):
        m = LINE.match(raw.rstrip("\n"))
        if not m:
            continue
        pid, rest = int(m.group(1)), m.group(2)
        if rest.startswith("---"):
            if "SIGSYS" in rest and pid in confined:
                sigsys[owner[pid]].append(rest)
            continue
        if rest.startswith("+++"):
            continue
        r = RESUMED.match(rest)
        if r:
            name = r.group(1)
            # the call's arguments are on its unfinished line
            rest = pending.pop(pid, "") + rest[r.end():]
        else:
            c = CALL.match(rest)
            if not c:
                continue
            name = c.group(1)
        if rest.endswith("<unfinished ...>"):
            pending[pid] = rest[:-len("<unfinished ...>")]
            continue
        ret = RET.search(rest)
        ret = ret.group(1) if ret else "?"
        if name == "execve" and "mugai-filter" in rest.split(",")[0] and ret == "0":
            argv = re.search(r"\[\"[^\"]*\", \"([^\"]+)\"", rest)
            owner[pid] = argv.group(1) if argv else "?"
            confined.discard(pid)
            continue
        if pid in confined:
            seen[owner[pid]][name] += 1
        if name == "seccomp" and "SECCOMP_SET_MODE_FILTER" in rest and ret == "0" and pid in owner:
            confined.add(pid)
        if name in ("clone", "clone3", "fork", "vfork") and ret not in ("?",) and int(ret) > 0:
            child = int(ret)
            if pid in owner:
                owner[child] = owner[pid]
                if pid in confined:
                    confined.add(child)


def main():
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    bindir, db, sandbox_c, modes = sys.argv[1:5]
    files = sys.argv[5:]
    base, exec_ = allow_lists(sandbox_c)
    seen = collections.defaultdict(collections.Counter)
    sigsys = collections.defaultdict(list)
    with tempfile.TemporaryDirectory() as tmp:
        for mode in modes.split(","):
            log = os.path.join(tmp, "strace-%s.log" % mode)
            out = os.path.join(tmp, "out-" + mode)
            cmd = ["strace", "-f", "-qq", "-s", "64", "-o", log,
                   os.path.join(bindir, "mugai"), "sanitize", "--json", "--database", db,
                   "-o", out] + (["--mode", mode] if mode != "auto" else []) + files
            r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                               text=True)
            for line in r.stdout.splitlines():
                m = re.search(r'"name":"([^"]*)","verdict":"(\w+)","reason":"([^"]*)"', line)
                if m:
                    print("# %s %s: %s %s" % (mode, m.group(1), m.group(2), m.group(3)))
            parse(log, seen, sigsys)
    for filt in sorted(seen):
        calls = seen[filt]
        allowed = base | (exec_ if filt.startswith("office-") else set())
        print("%s (%d calls): %s" % (filt, len(calls), " ".join(sorted(calls))))
        missing = sorted(set(calls) - allowed)
        if missing:
            print("  NOT ALLOWED: %s" % " ".join(missing))
        for s in sigsys.get(filt, [])[:3]:
            print("  SIGSYS: %s" % s)


if __name__ == "__main__":
    main()
