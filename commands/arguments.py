"""Command-line argument types shared by the commands."""

from __future__ import annotations

import argparse
from typing import Any


def typed(parse: Any) -> Any:
    """An argparse type from a parser that raises ValueError (its message becomes the usage
    error)."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    convert.__name__ = parse.__name__
    return convert
