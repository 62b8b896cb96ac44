"""``python -m bench [portal] [reads]``: the portal benchmark (HAPI, Redis and gateway processes: a table, a
verdict per target, JSON under bench/results/) and the read-representation micro-benchmark."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import reads

NAMES = ("portal", "reads")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("names", nargs="*", metavar="name", help=f"one of: {', '.join(NAMES)} (default: all)")
    parser.add_argument("--rounds", type=int, default=150, help="portal: measured rounds per question")
    parser.add_argument("--load-seconds", type=float, default=15.0, help="portal: seconds per load level")
    parser.add_argument("--quick", action="store_true", help="portal: a short run (fewer rounds, 5 s loads)")
    parser.add_argument("--keep", action="store_true", help="portal: leave the servers it started running")
    parser.add_argument("--results", type=Path, default=Path("bench/results"), help="portal: JSON folder")
    parser.add_argument("--repeat", type=int, default=7, help="reads: timing rounds per candidate")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in NAMES]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}")
    for name in args.names or NAMES:
        if name == "reads":
            print(reads.main(repeat=args.repeat))
        else:
            from .portal import Options
            from .portal import main as portal

            options = (
                Options(rounds=30, warmup=10, load_seconds=5.0, cpu_rounds=20)
                if args.quick
                else Options(rounds=args.rounds, load_seconds=args.load_seconds)
            )
            print(portal(options, keep=args.keep, results_dir=args.results))
        print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
