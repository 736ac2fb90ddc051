"""Keys: Argon2id parameters (bounds, calibration), passphrase -> key-encryption key, the
master key, and HKDF subkeys of it."""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .. import early
from .errors import Damaged

KEY_BYTES = 32

# Argon2id parameters read from a header are bounded before use, so a damaged or hostile
# header cannot make `open` allocate gigabytes or spin for minutes.
MAX_MEMORY_KIB = 1024 * 1024  # 1 GiB
MAX_ITERATIONS = 32
MAX_LANES = 16
# Calibration target for a new store: about half a second on the machine that runs `init`.
TARGET_SECONDS = 0.5
DEFAULT_MEMORY_KIB = 64 * 1024
DEFAULT_LANES = 4
MIN_ITERATIONS = 2
# Calibration times one iteration and this many, each the quickest of CALIBRATION_RUNS runs.
CALIBRATION_SPAN = 5
CALIBRATION_RUNS = 3

# Test-only switch: cheap KDF parameters so a test suite can create hundreds of stores.
# It only affects stores created while it is set (the parameters are recorded in the header);
# it never weakens an existing store (`passwd` keeps at least the store's parameters, see
# KdfParams.at_least) and `linkcheck store` shows the parameters in use.
TEST_KDF_ENV = "LINKCHECK_TEST_INSECURE_FAST_KDF"


@dataclass(frozen=True)
class KdfParams:
    """Argon2id parameters as recorded in a store header."""

    algorithm: str
    salt: bytes
    iterations: int
    memory_kib: int
    lanes: int

    def to_json(self) -> dict:
        data = asdict(self)
        data["salt"] = self.salt.hex()
        return data

    @classmethod
    def from_json(cls, data: dict) -> "KdfParams":
        """Parameters read back, bounds checked; Damaged when unreadable or out of bounds."""
        try:
            params = cls(
                algorithm=str(data["algorithm"]),
                salt=bytes.fromhex(data["salt"]),
                iterations=int(data["iterations"]),
                memory_kib=int(data["memory_kib"]),
                lanes=int(data["lanes"]),
            )
        except (KeyError, TypeError, ValueError, OverflowError):  # OverflowError: int(Infinity)
            raise Damaged("key derivation parameters unreadable") from None
        params.check_bounds()
        return params

    def at_least(self, other: "KdfParams") -> "KdfParams":
        """These parameters (and salt), raised where `other` costs more: iterations, memory
        and lanes each the larger of the two. Within bounds whenever both are."""
        return KdfParams(
            self.algorithm,
            self.salt,
            iterations=max(self.iterations, other.iterations),
            memory_kib=max(self.memory_kib, other.memory_kib),
            lanes=max(self.lanes, other.lanes),
        )

    def check_bounds(self) -> None:
        ok = (
            self.algorithm == "argon2id"
            and 16 <= len(self.salt) <= 64
            and 1 <= self.iterations <= MAX_ITERATIONS
            and 1 <= self.lanes <= MAX_LANES
            and 8 * self.lanes <= self.memory_kib <= MAX_MEMORY_KIB
        )
        if not ok:
            raise Damaged("key derivation parameters out of bounds")


def _argon2(passphrase: bytes, params: KdfParams) -> bytes:
    # The one Argon2id call (early.py's, which the derivation begun at process start makes too).
    return early.argon2id(passphrase, params.salt, params.iterations, params.memory_kib, params.lanes)


def calibrate_kdf() -> KdfParams:
    """Pick Argon2id parameters that take about TARGET_SECONDS here (more iterations, same memory)."""
    salt = os.urandom(16)
    if os.environ.get(TEST_KDF_ENV) == "1":
        return KdfParams("argon2id", salt, iterations=1, memory_kib=64, lanes=1)

    def timed(iterations: int, runs: int = CALIBRATION_RUNS) -> float:
        # The quickest of three: a busy machine only ever makes a run slower, and a single
        # slow run of one iteration beside a quick run of the others made the slope look flat
        # (a store calibrated at a load of 2 got the maximum, 32 iterations: 0.65 s here).
        probe = KdfParams("argon2id", salt, iterations, DEFAULT_MEMORY_KIB, DEFAULT_LANES)
        best = float("inf")
        for _run in range(runs):
            start = time.perf_counter()
            _argon2(b"calibration", probe)
            best = min(best, time.perf_counter() - start)
        return best

    _argon2(b"calibration", KdfParams("argon2id", salt, 1, DEFAULT_MEMORY_KIB, DEFAULT_LANES))  # warm up
    one = timed(1)
    iterations = iterations_for(one, timed(CALIBRATION_SPAN), CALIBRATION_SPAN)
    if MIN_ITERATIONS < iterations < MAX_ITERATIONS:
        # The slope of a few iterations is not quite that of many (memory traffic grows with
        # them: 24 iterations fitted to 0.5 s took 0.55): time the answer once, and fit again.
        iterations = iterations_for(one, timed(iterations, runs=1), iterations)
    return KdfParams("argon2id", salt, iterations, DEFAULT_MEMORY_KIB, DEFAULT_LANES)


def iterations_for(one: float, many: float, many_iterations: int = 3) -> int:
    """Iterations that take TARGET_SECONDS, from the time of one and of `many_iterations`. A
    derivation costs a fixed part (its memory allocated and first filled, its threads started)
    plus a part per iteration: scaling the time of one alone would count the fixed part again in
    every iteration (64 MiB on 4 lanes: 0.06 s for one, 0.02 s for each further one -- 10
    iterations expected to take half a second took 0.2)."""
    per = max((many - one) / (many_iterations - 1), 1e-4)
    fixed = max(one - per, 0.0)
    return max(MIN_ITERATIONS, min(MAX_ITERATIONS, round((TARGET_SECONDS - fixed) / per)))


def derive_kek(passphrase: str, params: KdfParams) -> bytes:
    """Passphrase -> key-encryption key (the one begun as the process started, if it was begun
    for exactly this passphrase and these parameters; else derived now, for a pre-login command
    in a helper process with huge pages: linkcheck/early.py)."""
    secret = passphrase.encode("utf-8")
    return early.take(secret, params) or early.derive(secret, params)


def new_master_key() -> bytes:
    return os.urandom(KEY_BYTES)


def hkdf(master: bytes, info: bytes) -> bytes:
    """A subkey of the master key for one purpose (`info`)."""
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=None, info=info).derive(master)
