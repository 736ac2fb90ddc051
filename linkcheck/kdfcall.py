"""The one Argon2id call of linkcheck, and the derivation helper process's work.

`argon2id` is cryptography's Argon2id (OpenSSL's, which runs the lanes on threads of its own
without the GIL): the class `cryptography.hazmat.primitives.kdf.argon2.Argon2id` is, taken from
the Rust binding that module takes it from (a test holds them the same class), so that the
helper process (early.py) imports nothing else -- not `cryptography.utils` with `typing` and
`enum`, 15-20 ms of its start. Should a later cryptography move it, the public module is used.
Every derivation of linkcheck is this call: early.py's thread, its helper process and
crypto/keys.py's `_argon2`.

This module imports only `os`: it is all a helper process loads of linkcheck.
"""

import os

# crypto/keys.py's KEY_BYTES and the bounds of KdfParams.check_bounds (a test holds them equal).
KEY_BYTES = 32
MAX_MEMORY_KIB = 1024 * 1024
MAX_ITERATIONS = 32
MAX_LANES = 16


def argon2id(passphrase: bytes, salt: bytes, iterations: int, memory_kib: int, lanes: int) -> bytes:
    """The key-encryption key: Argon2id, 32 bytes."""
    try:
        from cryptography.hazmat.bindings._rust import openssl

        kdf = openssl.kdf.Argon2id
    except (ImportError, AttributeError):  # pragma: no cover - another cryptography
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id as kdf

    return kdf(salt=salt, length=KEY_BYTES, iterations=iterations, lanes=lanes,
               memory_cost=memory_kib).derive(passphrase)


def within_bounds(params: tuple) -> bool:
    """KdfParams.check_bounds, for (algorithm, salt, iterations, memory_kib, lanes): a damaged or
    hostile header must not make a derivation allocate gigabytes or spin for minutes."""
    algorithm, salt, iterations, memory_kib, lanes = params
    return (algorithm == "argon2id" and 16 <= len(salt) <= 64 and 1 <= iterations <= MAX_ITERATIONS
            and 1 <= lanes <= MAX_LANES and 8 * lanes <= memory_kib <= MAX_MEMORY_KIB)


def serve(request: bytes) -> None:
    """The helper process's work (early.HELPER_CODE): the key for the parameters and passphrase
    in `request` (the salt in hex, iterations, memory in KiB, lanes and the passphrase, split by
    NUL bytes) written to standard output, within a header's bounds (else exit 2)."""
    salt, iterations, memory_kib, lanes, passphrase = request.split(b"\0", 4)
    params = ("argon2id", bytes.fromhex(salt.decode("ascii")), int(iterations), int(memory_kib), int(lanes))
    if not within_bounds(params):
        raise SystemExit(2)
    key = argon2id(passphrase, *params[1:])
    written = 0
    while written < len(key):
        written += os.write(1, key[written:])
