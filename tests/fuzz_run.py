"""Seeded fuzz run over every bundled sample: ``python -m tests.fuzz_run [COUNT] [SEED]``.

Each mutant of each sample (tests/hostile.py) is run through one command, the commands taken
in turn. Prints the counts of outcomes and every run that broke a rule; exits 1 if any did.
"""

from __future__ import annotations

import random
import sys
import tempfile
from collections import Counter
from pathlib import Path

from .hostile import COMMANDS, SAMPLES, check_mutant, mutate


def fuzz(count: int, seed: int, report=print) -> tuple[Counter, list[str]]:
    """Run ``count`` mutants per sample; (outcome counts, problems)."""
    rng = random.Random(seed)
    tally: Counter = Counter()
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for sample in SAMPLES:
            data = sample.read_bytes()
            is_json = sample.name.endswith((".json", ".cpuprofile"))
            for i in range(count):
                mutant_seed = rng.randrange(2**32)
                mutant = mutate(data, random.Random(mutant_seed), is_json)
                command = COMMANDS[(i + mutant_seed) % len(COMMANDS)]
                outcome = check_mutant(mutant, sample, command, folder)
                tally["runs"] += 1
                tally[f"exit {outcome.exit}"] += 1
                if outcome.problem:
                    tally[outcome.problem.split(":")[0]] += 1
                    problems.append(
                        f"{sample.name} seed={mutant_seed} {command[0]}: {outcome.problem}"
                        f" | {outcome.stderr.strip()[-300:]}"
                    )
                    report(problems[-1])
    return tally, problems


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 14
    tally, problems = fuzz(count, seed)
    print(dict(tally))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
