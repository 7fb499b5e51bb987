"""Render deploy/nginx/isoapp.conf.template into a configuration nginx can include.

    ISOAPP_LISTEN=127.0.0.1:8080 \\
    ISOAPP_UPSTREAMS="server 127.0.0.1:8001; server 127.0.0.1:8002;" \\
    python deploy/nginx/render.py --output run/isoapp.conf

Only the ${ISOAPP_*} names of the template's contract are replaced; nginx's own $variables are
left alone. A missing or malformed value stops with a message instead of writing a configuration
that nginx would reject, or worse accept.
"""

import argparse
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

TEMPLATE = Path(__file__).with_name("isoapp.conf.template")
REQUIRED = ("ISOAPP_LISTEN", "ISOAPP_UPSTREAMS")
DEFAULTS = {"ISOAPP_TLS_ENDS_AT": "proxy"}
TLS_ENDS_AT = ("proxy", "load-balancer")
PLACEHOLDER = re.compile(r"\$\{(ISOAPP_[A-Z_]+)\}")


class TemplateValueError(ValueError):
    """A value the template cannot take; the message says which and why."""


def template_variables(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def check(values: Mapping[str, str]) -> dict[str, str]:
    chosen = {**DEFAULTS, **{name: v.strip() for name, v in values.items() if v.strip()}}
    missing = [name for name in REQUIRED if name not in chosen]
    if missing:
        raise TemplateValueError(f"Set {', '.join(missing)} (see deploy/README.md).")
    upstreams = chosen["ISOAPP_UPSTREAMS"]
    if not re.fullmatch(r"(\s*server\s+[^;{}]+;)+\s*", upstreams):
        raise TemplateValueError(
            "ISOAPP_UPSTREAMS must be one or more `server HOST:PORT;` directives, "
            f"got {upstreams!r}."
        )
    # An address or port, then optional listen parameters ("80", "127.0.0.1:8080 reuseport").
    if not re.fullmatch(r"[\w.:\[\]-]+( [a-z_]+(=[\w.:-]+)?)*", chosen["ISOAPP_LISTEN"]):
        raise TemplateValueError(
            f"ISOAPP_LISTEN must be a port or address:port, got {chosen['ISOAPP_LISTEN']!r}."
        )
    if chosen["ISOAPP_TLS_ENDS_AT"] not in TLS_ENDS_AT:
        raise TemplateValueError(
            f"ISOAPP_TLS_ENDS_AT must be one of {', '.join(TLS_ENDS_AT)}, "
            f"got {chosen['ISOAPP_TLS_ENDS_AT']!r}."
        )
    return chosen


def render(values: Mapping[str, str], template: str | None = None) -> str:
    text = TEMPLATE.read_text() if template is None else template
    chosen = check(values)
    unknown = template_variables(text) - set(chosen)
    if unknown:
        raise TemplateValueError(f"The template names {sorted(unknown)}, which have no value.")
    return PLACEHOLDER.sub(lambda match: chosen[match.group(1)], text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, help="file to write (default: standard output)")
    arguments = parser.parse_args(argv)
    names = (*REQUIRED, *DEFAULTS)
    try:
        text = render({name: os.environ[name] for name in names if name in os.environ})
    except TemplateValueError as error:
        print(f"render.py: {error}", file=sys.stderr)
        return 2
    if arguments.output:
        arguments.output.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
