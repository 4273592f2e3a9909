"""Slowing down password guessing: per client address and overall.

Every failed login is counted for its client address and for the whole
process (all sessions of the admin app share it), within a window. Each
failure waits longer before its answer (1, 2, 4 … up to 8 s); after
PER_CLIENT failures in the window a client is locked out until the window
has passed since its last failure, and after OVERALL failures from anywhere
every login is (so many addresses cannot share the work). A lockout refuses
before the password is looked at. Each failure is logged with its address.
"""

import logging
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

log = logging.getLogger("product_importer.access")

WINDOW_SECONDS = 15 * 60
PER_CLIENT = 5
OVERALL = 50
MAX_DELAY_SECONDS = 8.0


@dataclass
class LoginThrottle:
    window: float = WINDOW_SECONDS
    per_client: int = PER_CLIENT
    overall: int = OVERALL
    _failures: dict[str, deque] = field(default_factory=lambda: defaultdict(deque))
    _all: deque = field(default_factory=deque)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _prune(self, now: float) -> None:
        for times in (*self._failures.values(), self._all):
            while times and times[0] <= now - self.window:
                times.popleft()

    def locked_for(self, client: str, now: float | None = None) -> float:
        """Seconds until `client` may try again (0: now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._prune(now)
            waits = []
            mine = self._failures.get(client)
            if mine and len(mine) >= self.per_client:
                waits.append(mine[-1] + self.window - now)
            if len(self._all) >= self.overall:
                waits.append(self._all[-1] + self.window - now)
            return max([0.0, *waits])

    def failed(self, client: str, now: float | None = None) -> float:
        """Record a failed login; returns how long to wait before answering it."""
        now = time.monotonic() if now is None else now
        with self._lock:
            self._prune(now)
            mine = self._failures[client]
            mine.append(now)
            self._all.append(now)
            count = len(mine)
        log.warning(f"Failed admin login from {client} ({count} in the last {self.window / 60:.0f} min)")
        return min(2.0 ** (count - 1), MAX_DELAY_SECONDS)

    def succeeded(self, client: str) -> None:
        with self._lock:
            self._failures.pop(client, None)


# One per process: the admin app's sessions all run in it.
throttle = LoginThrottle()
