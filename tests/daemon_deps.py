#!/usr/bin/env python3
"""daemon_deps.py OBJECT... - which file of src/daemon calls which (from the
symbols each object defines and needs, `nm`), and fail when two files call
each other, directly or round a longer cycle.  Prints the edges."""
import subprocess
import sys


def symbols(obj):
    out = subprocess.run(["nm", obj], capture_output=True, text=True, check=True).stdout
    defined, needed = set(), set()
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] == "U":
            needed.add(parts[1])
        elif len(parts) == 3 and parts[1] in "TDBR":
            defined.add(parts[2])
    return defined, needed


def name(obj):
    base = obj.rsplit("/", 1)[-1]
    return base.split(".", 1)[0]


def main(objs):
    syms = {name(o): symbols(o) for o in objs}
    owner = {s: f for f, (d, _) in syms.items() for s in d}
    edges = {f: sorted({owner[s] for s in n if s in owner and owner[s] != f})
             for f, (_, n) in syms.items()}
    for f in sorted(edges):
        print(f"{f} -> {' '.join(edges[f]) or '(nothing of src/daemon)'}")
    # Tarjan's strongly connected components: any with more than one file
    # is a cycle
    index, low, stack, on, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for v in edges:
        if v not in index:
            visit(v)
    for c in cycles:
        print("cycle:", " <-> ".join(c))
    print(f"{len(edges)} files, {sum(len(e) for e in edges.values())} edges, "
          f"{len(cycles)} cycle(s)")
    return 1 if cycles else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
