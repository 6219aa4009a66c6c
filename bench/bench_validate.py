"""Measure how long validating a definition takes, as `maestro dev` does on every save.

Prints the time per definition for the largest definition of the ASL corpus and for the
largest one with JSONata expressions (with the JSONata syntax cache cold and warm), and
for 1,000 corpus definitions validated in a row.
Run: python bench/bench_validate.py [--corpus DIR]
"""

from __future__ import annotations

import argparse
import itertools
import os
import platform
import statistics
import time
from pathlib import Path

from maestro_watch.asl.validate import validate_text
from maestro_watch.asl.validate.jsonata import expression_problem

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = Path(os.environ.get("MAESTRO_CORPUS", REPO_ROOT.parent / "shared" / "corpus")) / "asl"
REPEATS = 200
IN_A_ROW = 1_000


def corpus_definitions(folder: Path) -> list[tuple[Path, str]]:
    paths = sorted(path for label in ("valid", "invalid") for path in (folder / label).glob("*.asl.*"))
    return [(path, path.read_text(encoding="utf-8")) for path in paths]


def time_one_ms(path: Path, text: str, *, cold: bool) -> float:
    if cold:
        expression_problem.cache_clear()
    start = time.perf_counter()
    validate_text(text, path)
    return (time.perf_counter() - start) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="folder with valid/ and invalid/ definitions")
    arguments = parser.parse_args()
    definitions = corpus_definitions(arguments.corpus)
    if not definitions:
        raise SystemExit(f"no definitions under {arguments.corpus}; pass --corpus")

    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; {len(definitions)} corpus files")

    largest = max(definitions, key=lambda item: len(item[1]))
    largest_jsonata = max((item for item in definitions if "{%" in item[1]), key=lambda item: len(item[1]))
    for title, (path, text) in (("largest definition", largest), ("largest JSONata definition", largest_jsonata)):
        validate_text(text, path)
        for cold in (True, False):
            samples = [time_one_ms(path, text, cold=cold) for _ in range(REPEATS)]
            label = "cold JSONata cache" if cold else "warm JSONata cache"
            print(
                f"{title} {path.name} ({len(text):,} characters), {label}: "
                f"median {statistics.median(samples):.2f} ms, max {max(samples):.2f} ms per definition ({REPEATS} runs)"
            )

    expression_problem.cache_clear()
    batch = list(itertools.islice(itertools.cycle(definitions), IN_A_ROW))
    start = time.perf_counter()
    for path, text in batch:
        validate_text(text, path)
    total_s = time.perf_counter() - start
    print(f"{IN_A_ROW:,} definitions in a row: {total_s:.2f} s in total, {total_s / IN_A_ROW * 1000:.2f} ms per definition")


if __name__ == "__main__":
    main()
