"""`python -m etl users ...`: the sign-in accounts (see docs/SECURITY.md).

    python -m etl users add NAME --role staff --unit 市工业和信息化局 [--password-stdin]
    python -m etl users list
    python -m etl users remove NAME
    python -m etl users disable NAME | enable NAME

The admin page 用户管理 changes the same file under the same lock.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path

from kpi.auth import accounts
from kpi.base import i18n
from kpi.base.errors import InputRejected

FILE_HELP = "accounts file (default: $KPI_USERS_FILE, else config/users.yaml)"


def add_commands(users: argparse.ArgumentParser) -> None:
    """The sub-commands of `etl users`."""
    commands = users.add_subparsers(dest="users_command", required=True)

    add = commands.add_parser("add", help=i18n.both("cli.help.users_add"))
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=accounts.ROLES)
    add.add_argument("--unit", help=i18n.both("cli.help.unit"))
    add.add_argument("--display-name", help="name shown in the app (default: the username)")
    add.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    add.add_argument("--replace", action="store_true", help="overwrite an existing account")
    add.add_argument(
        "--allow-unknown-unit",
        action="store_true",
        help="accept a unit not listed in data/plans/*/responsible_units.csv",
    )
    add.add_argument("--file", type=Path, help=FILE_HELP)

    listing = commands.add_parser("list", help=i18n.both("cli.help.users_list"))
    listing.add_argument("--file", type=Path, help="accounts file (default: the one the app uses)")

    remove = commands.add_parser("remove", help=i18n.both("cli.help.users_remove"))
    remove.add_argument("username")
    remove.add_argument("--file", type=Path, help=FILE_HELP)

    for command, help_key in (
        ("disable", "cli.help.users_disable"),
        ("enable", "cli.help.users_enable"),
    ):
        toggle = commands.add_parser(command, help=i18n.both(help_key))
        toggle.add_argument("username")
        toggle.add_argument("--file", type=Path, help=FILE_HELP)


def run(args: argparse.Namespace) -> int:
    """Carry out one `etl users` command; returns the exit code."""
    command = args.users_command
    if command == "add":
        add_user(args)
    elif command == "list":
        path = args.file or accounts.users_file()
        for a in accounts.list_accounts(path):
            fields = [a["username"], a["role"], a["unit"] or "-", a["display_name"]]
            print("\t".join(fields + (["disabled"] if a["disabled"] else [])))
        if accounts.is_demo_file(path):
            print(f"({i18n.both('cli.demo_accounts')})", file=sys.stderr)
    elif command == "remove":
        path = args.file or accounts.writable_users_file()
        if not accounts.remove_user(path, args.username):
            raise InputRejected("cli.no_user_in_file", username=args.username, path=path)
        print(f"{i18n.both('cli.removed')}: {args.username} -> {path}")
    else:
        path = args.file or accounts.writable_users_file()
        disabled = command == "disable"
        accounts.update_user(path, args.username, disabled=disabled)
        done = i18n.both("cli.disabled" if disabled else "cli.enabled")
        print(f"{done}: {args.username} -> {path}")
    return 0


def add_user(args: argparse.Namespace) -> None:
    path = args.file or accounts.writable_users_file()
    if args.role == "staff" and not args.unit:
        raise InputRejected("cli.unit_required")
    if args.role != "staff" and args.unit:
        raise InputRejected("cli.unit_not_for_role", role=args.role)
    units = set() if args.allow_unknown_unit else accounts.known_units()
    if args.unit and units and args.unit.strip() not in units:
        known = "、".join(sorted(units))
        raise InputRejected("cli.unknown_unit", unit=args.unit, known=known)
    password = _read_new_password(args.password_stdin)
    user = accounts.add_user(
        path,
        args.username,
        args.role,
        args.unit,
        password,
        args.display_name,
        replace=args.replace,
    )
    print(f"{i18n.both('cli.saved')}: {user.username} ({user.role}, {user.unit or '-'}) -> {path}")


def _read_new_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass(f"{i18n.both('signin.password')}: ")
    if getpass.getpass(f"{i18n.both('users.password_again')}: ") != first:
        raise InputRejected("accounts.passwords_differ")
    return first
