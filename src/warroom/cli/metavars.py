"""What each kind of value is called in `--help` (`--severity LEVEL`, `--at TIME`): one
name per kind, used by every command that takes one. A test walks every command's help
and refuses a bare TEXT or INTEGER."""

from __future__ import annotations

ADDRESS = "ADDRESS"  # a host or IP address to listen on
COMPONENT = "COMPONENT"  # a status page component, as the config names it
COUNT = "COUNT"  # how many
CURSOR = "CURSOR"  # next_cursor of a previous page
DIR = "DIR"  # a folder
DURATION = "DURATION"  # 30s, 15m, 4h, 90d
EMAIL = "EMAIL"
FILE = "FILE"  # a file (- for stdin where said)
GROUPING = "GROUPING"  # what a report groups by
ITEM = "ITEM"  # a checklist item: KEY or PHASE.KEY
KIND = "KIND"  # one of a fixed list of kinds, named in the help
LEVEL = "LEVEL"  # a severity level's id: P1, SEV2
MESSAGE = "MESSAGE"  # words people read
NAME = "NAME"  # the name of a thing warroom stores (a token, a team)
PASSWORD = "PASSWORD"  # noqa: S105 (a name in --help, not a password)
PERSON = "PERSON"  # a person's name
PORT = "PORT"
RATE = "RATE"  # how many a second
REASON = "REASON"  # why, in words
REF = "REF"  # an incident: INC-42 or 42
ROLE = "ROLE"  # viewer, responder or admin
SECRET = "SECRET"  # noqa: S105 (a name in --help, not a secret)
SERVICE = "SERVICE"  # a service, as the config names it
STATUS = "STATUS"  # one of a fixed list of statuses, named in the help
TIME = "TIME"  # ISO 8601 with a time zone: 2026-11-23T09:00:00Z
TIMEZONE = "TIMEZONE"  # an IANA zone: Europe/Oslo
TITLE = "TITLE"
URL = "URL"
VERSION = "VERSION"  # a post-mortem version's number
WHEN = "WHEN"  # a time, a date, or a span back from now (90d)
