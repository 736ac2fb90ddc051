"""Synthetic account profiles for benchmarks and scale tests: fake, valid, with a realistic share rate.

Every value is made up: emails under .example domains, IPv4 only from the documentation ranges,
IPv6 under 2001:db8::/32, phone numbers in the fictional 555 exchanges.

Sharing, per 1,000 accounts: about 100 pairs share a supplier, 20 pairs share a phone, 10 pairs
share a MAC written another way, 10 accounts share a public IP with a neighbour, 5 small clusters
of three chain through a bank account and an email, and one account in fifty sits on one of the
three documentation IPv4 /24 networks (so those networks are hubs, exercising the engine's hub
handling). Everything else is unique to its account.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

AREA_CODES = ("201", "212", "213", "305", "312", "415", "617", "646", "702", "718", "202", "303")
TRADES = ("Trading", "Home", "Outdoor", "Kitchen", "Garden", "Pet", "Toys", "Beauty", "Sports", "Office")
WORDS = ("Acme", "Bright", "Cedar", "Delta", "Ember", "Fjord", "Grove", "Harbor", "Iris", "Juniper",
         "Kestrel", "Lotus", "Maple", "Nimbus", "Orchid", "Pine", "Quartz", "Rowan", "Sable", "Tidal")
CITIES = ("Shenzhen", "Guangzhou", "Yiwu", "Hangzhou", "Newark", "Leeds", "Berlin", "Tokyo", "Toronto")
LOGISTICS = ("SF Express", "DHL", "UPS", "FedEx", "Yamato Transport", "Royal Mail", "Cainiao")
CATEGORIES = ("Home & Kitchen", "Sports & Outdoors", "Toys & Games", "Beauty", "Office Products", "Pet Supplies")


def _luhn_complete(prefix: str) -> str:
    digits = [int(d) for d in prefix]
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return prefix + str((10 - total % 10) % 10)


def _name_word(i: int) -> str:
    # A distinctive made-up word per account (four random syllables), so that two accounts'
    # names differ by more than the one-letter typo the fuzzy matcher is there to catch.
    rng = random.Random(i * 7919 + 13)
    letters = "bcdfghjklmnprstvz"
    vowels = "aeiou"
    return "".join(rng.choice(letters) + rng.choice(vowels) for _ in range(4)).capitalize()


def profile(i: int) -> dict:
    rng = random.Random(i)
    word = _name_word(i)
    city = CITIES[i % len(CITIES)]
    trade = TRADES[i % len(TRADES)]
    area = AREA_CODES[i % len(AREA_CODES)]
    ipv4_net = ("192.0.2", "198.51.100", "203.0.113")[i % 3]
    return {
        "account": f"store-{i:06d}",
        "marketplace": "amazon.com",
        "status": "suspended" if i % 997 == 0 else "active",
        "attributes": {
            "company_name": [f"{city} {word} {trade} Co., Ltd."],
            "registration_number": [f"9144{i:010d}X"],
            "legal_representative": [f"{rng.choice(WORDS)} {word}"],
            "address": [f"Room {100 + i % 900}, {i % 300 + 1} {word} Road, {city}"],
            "email": [f"ops@{word.lower()}{i}.example", f"{word.lower()}.sales{i}@gmail.com"],
            "phone": [f"+1 {area} 555 {i // len(AREA_CODES) % 10000:04d}" if i < 120_000 else f"+86 138 {i:08d}"],
            "bank_account": [f"{i:012d}"],
            "card": [_luhn_complete(f"4{i:014d}")],
            "payment_account": [f"pay-{word.lower()}-{i}@payments.example"],
            # Documentation IPv4 space is three /24s, so most accounts get a public IPv6 address
            # of their own and a private LAN address; one in fifty sits on a shared IPv4 /24.
            "ip": [f"2001:db8:{i >> 16:x}:{i & 0xFFFF:x}::10", f"192.168.{i % 250}.{i % 200 + 2}"]
            + ([f"{ipv4_net}.{i // 150 % 250 + 1}"] if i % 50 == 0 else []),
            "mac": [f"3c:22:{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}:01"],
            "gateway_mac": [f"a4:2b:{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:{i & 255:02x}:fe"],
            "hostname": [f"ops-{word.lower()}-{i}"],
            "machine_id": [f"{rng.getrandbits(128):032x}"],
            "brand": [f"{word}{trade}"],
            "supplier": [f"{WORDS[i % len(WORDS)]} {_name_word(i + 7)} Factory"],
            "logistics": [LOGISTICS[i % len(LOGISTICS)]],
            "category": [CATEGORIES[i % len(CATEGORIES)]],
        },
    }


def profiles(count: int) -> list[dict]:
    """`count` profiles with shared values planted at a realistic rate."""
    return list(iter_profiles(count))


def iter_profiles(count: int):
    """`profiles(count)` one at a time, holding three at most (a million fit in little memory)."""
    window: list[dict] = []  # profiles i-2, i-1 and i, the ones step i may change
    for i in range(count):
        window.append(profile(i))
        if i >= 1:
            p, prev = window[-1]["attributes"], window[-2]["attributes"]
            if i % 50 == 1:  # a shared phone, written differently
                p["phone"].append(prev["phone"][0].replace(" ", "-"))
            if i % 100 == 7:  # a shared MAC in another spelling
                p["mac"].append(prev["mac"][0].replace(":", "-").upper())
            if i % 100 == 13:  # the same public IP
                p["ip"].append(prev["ip"][0])
            if i % 10 == 3:  # the same supplier
                p["supplier"].append(prev["supplier"][0])
            if i % 200 == 42 and i >= 2:  # a chain of three: bank account, then email
                p["bank_account"].append(prev["bank_account"][0])
                window[-3]["attributes"]["email"].append(prev["email"][0].upper())
        if len(window) == 3:
            yield window.pop(0)
    yield from window


def write_files(count: int, directory: Path, per_file: int = 10_000) -> list[Path]:
    """Write `count` profiles as JSON import files of at most `per_file` profiles each."""
    directory.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    batch: list[dict] = []

    def flush() -> None:
        path = directory / f"accounts-{len(paths):03d}.json"
        path.write_text(json.dumps(batch), encoding="utf-8")
        paths.append(path)

    for item in iter_profiles(count):
        batch.append(item)
        if len(batch) == per_file:
            flush()
            batch = []
    if batch:
        flush()
    return paths


def planned_profile() -> dict:
    """A planned account that collides with store-000121's phone (written differently)."""
    return {
        "account": "planned-brand",
        "marketplace": "amazon.com",
        "attributes": {
            "company_name": ["Newark Brandnew Garden Co Ltd"],
            "email": ["hello@brandnew.example"],
            "phone": ["+1 (212) 555-0010"],
            "address": ["Suite 9, 1 Brandnew Road, Newark"],
        },
    }


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(
        description="Write synthetic accounts as JSON import files (fake data; see the module's notes).",
        epilog="example: python bench/synth.py --accounts 2100 --out /tmp/synth && "
               "linkcheck import /tmp/synth/*.json")
    parser.add_argument("--accounts", type=int, required=True, help="how many accounts")
    parser.add_argument("--out", type=Path, required=True, help="folder for the files (made if missing)")
    parser.add_argument("--per-file", type=int, default=10_000, help="accounts per file (default 10,000)")
    args = parser.parse_args(argv)
    if args.accounts < 1 or args.per_file < 1:
        parser.error("--accounts and --per-file must be at least 1")
    args.out.mkdir(parents=True, exist_ok=True)
    for path in write_files(args.accounts, args.out, args.per_file):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
