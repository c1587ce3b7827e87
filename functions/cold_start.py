"""A handler module's cold start: its settings and its logger, made once per container.

Every handler module begins its entry point with `SETTINGS, LOG = cold_start(<its spec>)`
(`contract.lambdas`), at import time. A missing or malformed environment variable therefore
fails the cold start with one SettingsError naming every problem, instead of failing later
in whichever execution first needs the value.
"""

from __future__ import annotations

import os
from typing import TypeVar

from contract.lambdas import CommonSettings, LambdaSpec
from contract.settings import read_settings
from functions.logs import StructuredLogger

S = TypeVar("S", bound=CommonSettings)


def cold_start(spec: LambdaSpec[S]) -> tuple[S, StructuredLogger]:
    settings = read_settings(spec, os.environ)
    return settings, StructuredLogger(spec.key, settings.log_level)
