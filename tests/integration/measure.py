#!/usr/bin/env python3
"""Run a command; write its wall time (s) and the peak RSS (KiB) of it and
every descendant it waited for (getrusage RUSAGE_CHILDREN) to a JSON file.
usage: measure.py RESULT.json CMD ARGS...   (exit status is the command's)"""
import json
import resource
import subprocess
import sys
import time

t0 = time.monotonic()
with open(sys.argv[1] + ".stdout", "wb") as out:
    p = subprocess.run(sys.argv[2:], stdout=out)
wall = time.monotonic() - t0
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
json.dump({"wall": wall, "maxrss_kib": ru.ru_maxrss, "rc": p.returncode},
          open(sys.argv[1], "w"))
sys.exit(p.returncode)
