"""``python -m gateway``: serve the gateway, write the SDL, invite a patient, or seed the demo accounts.

- ``python -m gateway [serve [--workers N]]``
- ``python -m gateway sdl [FILE]``
- ``python -m gateway invite --patient ID [--email ADDRESS]`` (staff: mails temporary credentials)
- ``python -m gateway reset-two-factor (--username NAME | --patient ID)`` (staff: two-step verification off)
- ``python -m gateway seed-demo-accounts`` (development only: the accounts of ``fixtures/accounts.py``)
- ``python -m gateway reconcile-payments`` (finish pending payments once: docs/billing.md)
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import uvicorn
from uvicorn.supervisors import Multiprocess

import auth
from schema import build_schema

from .accounts import invite, reset_two_factor, seed_demo_accounts
from .app import create_app
from .logs import configure_logging
from .payments import reconcile_once
from .serve import server_config
from .settings import Settings


def main(argv: list[str] | None = None) -> int:
    """Run the command line."""
    parser = argparse.ArgumentParser(prog="python -m gateway")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="serve the gateway (the default)")
    serve.add_argument(
        "--workers", type=int, default=1, help="worker processes (state is shared through Redis only)"
    )
    sdl = commands.add_parser("sdl", help="print the schema's SDL, or write it to FILE")
    sdl.add_argument("file", nargs="?", type=Path)
    invitation = commands.add_parser("invite", help="invite a patient to the portal (mails credentials)")
    invitation.add_argument("--patient", required=True, help="the FHIR Patient id")
    invitation.add_argument("--email", help="send here instead of the Patient's email on file")
    reset = commands.add_parser(
        "reset-two-factor", help="turn an account's two-step verification off and end its sessions (staff)"
    )
    who = reset.add_mutually_exclusive_group(required=True)
    who.add_argument("--username", help="the account's username")
    who.add_argument("--patient", help="the FHIR Patient id of the account")
    commands.add_parser("seed-demo-accounts", help="create the demo accounts (development only)")
    commands.add_parser(
        "reconcile-payments", help="record charged payments the EHR missed, void those never charged (once)"
    )
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
    if args.command == "invite":
        try:
            sent = asyncio.run(invite(settings, args.patient, args.email))
        except (ValueError, auth.PatientAlreadyEnrolled) as exc:  # InvalidInput is a ValueError
            sys.stderr.write(f"not invited: {exc}\n")
            return 1
        expires = f"{sent.expires_at:%Y-%m-%d %H:%M} UTC"
        sys.stdout.write(f"invited: account {sent.account_id}, username {sent.username}, expires {expires}\n")
        return 0
    if args.command == "reset-two-factor":
        try:
            account_id = asyncio.run(
                reset_two_factor(settings, username=args.username, patient_id=args.patient)
            )
        except (ValueError, auth.AccountNotFound) as exc:  # InvalidInput is a ValueError
            sys.stderr.write(f"not reset: {exc}\n")
            return 1
        sys.stdout.write(f"two-step verification reset: account {account_id}; its sessions ended\n")
        return 0
    if args.command == "seed-demo-accounts":
        try:
            report = asyncio.run(seed_demo_accounts(settings))
        except ValueError as exc:
            sys.stderr.write(f"not seeded: {exc}\n")
            return 2
        sys.stdout.write(
            f"demo accounts: {len(report.created)} created, {len(report.existing)} already there\n"
        )
        return 0
    if args.command == "reconcile-payments":
        reconciled = asyncio.run(reconcile_once(settings))
        if reconciled is None:
            sys.stderr.write("no card processor is configured (PORTAL_PAYMENT_PROCESSOR)\n")
            return 1
        done = (
            f"{reconciled.recorded} recorded, {reconciled.voided} voided, {reconciled.waiting} still pending"
        )
        sys.stdout.write(f"payments: {done}\n")
        return 0
    workers = getattr(args, "workers", 1)
    if workers < 1:
        parser.error("--workers must be at least 1")
    if workers > 1:
        # uvicorn starts each worker from an import path, so each builds its own app and pools.
        target = "gateway.serve:app_from_environment"
        config = server_config(target, host=settings.host, port=settings.port, workers=workers)
        Multiprocess(config, sockets=[config.bind_socket()]).run()
        return 0
    uvicorn.Server(server_config(create_app(settings), host=settings.host, port=settings.port)).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
