"""``python -m bench [name ...] [--repeat N]``: run benchmarks (all when none is named) and print tables."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from . import reads

BENCHMARKS: dict[str, Callable[..., str]] = {
    "reads": reads.main,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="name", help=f"one of: {', '.join(BENCHMARKS)}")
    parser.add_argument("--repeat", type=int, default=7, help="timing rounds per candidate (median is shown)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    for name in args.names or list(BENCHMARKS):
        print(BENCHMARKS[name](repeat=args.repeat))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
