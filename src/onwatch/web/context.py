"""What the app factory is given: built once by the CLI (or a test), never at import time."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry

from onwatch.core.clock import Clock
from onwatch.core.db import Database
from onwatch.core.settings import Settings


@dataclass
class AppContext:
    db: Database
    settings: Settings
    clock: Clock
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)
    # Set by intake when it wrote something the engine should act on now, not at its next tick.
    engine_wakeup: threading.Event = field(default_factory=threading.Event)
