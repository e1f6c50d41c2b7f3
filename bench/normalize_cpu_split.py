"""CPU seconds of this process (DISTINCT queries, stores) and of the parse workers during normalize_all.

Runs the normalize stage's Python step alone on a working DB that holds the extracts (bench/profile_steps.py
made it), e.g. `python bench/normalize_cpu_split.py /tmp/p1m`.
"""

import resource
import sys
import time
from pathlib import Path

from shellring.flows.core.settings import Settings
from shellring.flows.core.workspace import Workspace, connect
from shellring.flows.pipeline.normalize import normalize_all


def _cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def main(work: Path) -> None:
    ws = Workspace(work)
    with connect(ws, Settings()) as con:
        own, workers, began = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN), time.time()
        stats = normalize_all(con, ws.scratch)
        print(f"wall {time.time() - began:.1f} s, this process {_cpu(resource.RUSAGE_SELF) - own:.1f} cpu-s, "
              f"workers {_cpu(resource.RUSAGE_CHILDREN) - workers:.1f} cpu-s")
        print(stats)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
