"""``python -m gateway``: serve the gateway, or write the SDL (``python -m gateway sdl [FILE]``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import uvicorn

from schema import build_schema

from .app import create_app
from .logs import configure_logging
from .serve import server_config
from .settings import Settings


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    parser = argparse.ArgumentParser(prog="python -m gateway")
    commands = parser.add_subparsers(dest="command")
    commands.add_parser("serve", help="serve the gateway (the default)")
    sdl = commands.add_parser("sdl", help="print the schema's SDL, or write it to FILE")
    sdl.add_argument("file", nargs="?", type=Path)
    args = parser.parse_args(argv)

    settings = Settings()
    if args.command == "sdl":
        text = build_schema(settings).as_str() + "\n"
        if args.file:
            args.file.write_text(text, encoding="utf-8")
        else:
            sys.stdout.write(text)
        return 0

    configure_logging(settings.log_level)
    uvicorn.Server(server_config(create_app(settings), host=settings.host, port=settings.port)).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
