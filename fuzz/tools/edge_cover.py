#!/usr/bin/env python3
"""Prints the smallest-ish subset of a corpus that covers every edge the whole corpus covers.

`cargo fuzz cmin` keeps every input that adds a coverage *feature* (edge hit counts
included), which leaves hundreds of files; the committed seed corpora keep tens. This runs
each input alone through a libFuzzer merge to learn the edges (`COV` lines) it covers, then
picks inputs greedily (most new edges first, smaller first on ties).

    python3 tools/edge_cover.py target/x86_64-unknown-linux-gnu/release/<target> <corpus dir> [max]

prints the chosen paths on stdout and a summary on stderr; with `max`, stops after that many
inputs (for targets whose full cover is hundreds of inputs) and says how much they cover.
"""
import os
import shutil
import subprocess
import sys
import tempfile


def edges_of(binary: str, path: str) -> set:
    with tempfile.TemporaryDirectory() as tmp:
        inputs, out, control = (os.path.join(tmp, n) for n in ("in", "out", "control"))
        os.mkdir(inputs)
        os.mkdir(out)
        shutil.copy(path, inputs)
        subprocess.run([binary, "-merge=1", f"-merge_control_file={control}", out, inputs],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        edges = set()
        with open(control) as lines:
            for line in lines:
                parts = line.split()
                if parts and parts[0] == "COV":
                    edges.update(map(int, parts[2:]))
        return edges


def main() -> None:
    binary, corpus = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else None
    paths = sorted((os.path.join(corpus, f) for f in os.listdir(corpus)), key=os.path.getsize)
    cover = {p: edges_of(binary, p) for p in paths}
    universe = set().union(*cover.values()) if cover else set()
    chosen, covered = [], set()
    while covered != universe and (limit is None or len(chosen) < limit):
        best = max(paths, key=lambda p: (len(cover[p] - covered), -os.path.getsize(p)))
        chosen.append(best)
        covered |= cover[best]
    print(
        f"{len(chosen)} of {len(paths)} inputs cover {len(covered)} of {len(universe)} edges",
        file=sys.stderr,
    )
    print("\n".join(chosen))


if __name__ == "__main__":
    main()
