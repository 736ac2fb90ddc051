"""The demo script: the main job, step by step, on the shipped example profiles in a throwaway store."""

from __future__ import annotations

import json
import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable, Iterator

from . import i18n, settings
from .i18n import _
from .crypto import TEST_KDF_ENV
from .store import STORE_ENV

PASSPHRASE_ENV = "LINKCHECK_PASSPHRASE"
# The demo store lives for a few seconds in a private temporary directory and holds only the
# fake example profiles, so a fixed passphrase and cheap key derivation protect nothing real.
DEMO_PASSPHRASE = "linkcheck demo, not a secret"
STATEMENT_FILE = "linkcheck-demo-statement.html"
REPORT_FILE = "linkcheck-demo-report.html"
APPEAL_DIR = "linkcheck-demo-appeal"
MACHINE_FILE = "demo-machine.json"
# Variables the demo sets for its duration and restores afterwards.
# The demo runs on the built-in defaults: the user's settings (file and variables) are set aside.
DEMO_ENVIRONMENT = (STORE_ENV, PASSPHRASE_ENV, TEST_KDF_ENV, "LINKCHECK_NEW_PASSPHRASE", *settings.ENVIRONMENT)


@dataclass(frozen=True)
class Step:
    """One demo step: what it shows, the command that shows it, and the exit code that means
    it went as planned (`audit` and a STOP are supposed to exit 1)."""

    title: str
    explanation: str
    args: tuple[str, ...]
    shown: str
    expected: int = 0


@dataclass(frozen=True)
class Workspace:
    """Where the throwaway store and the copies of the example files live."""

    root: Path
    store: Path
    profiles: tuple[Path, ...]
    machine: Path


@dataclass(frozen=True)
class Outcome:
    """What one step did."""

    step: Step
    exit_code: int

    @property
    def as_planned(self) -> bool:
        return self.exit_code == self.step.expected


@dataclass(frozen=True)
class DemoResult:
    outcomes: tuple[Outcome, ...]
    statement: Path
    report: Path
    appeal: Path

    @property
    def ok(self) -> bool:
        return all(o.as_planned for o in self.outcomes)

    @property
    def surprises(self) -> tuple[Outcome, ...]:
        return tuple(o for o in self.outcomes if not o.as_planned)


def example_profiles() -> list[tuple[str, str]]:
    """(file name, text) of each shipped example profile, wherever linkcheck is installed."""
    folder = resources.files("linkcheck") / "example_profiles"
    entries = sorted((e for e in folder.iterdir() if e.name.endswith(".json")), key=lambda e: e.name)
    return [(e.name, e.read_text(encoding="utf-8")) for e in entries]


def demo_machine() -> str:
    """The fixture machine the demo checks: acme-us's office laptop."""
    return (resources.files("linkcheck.capture") / "fixtures" / MACHINE_FILE).read_text(encoding="utf-8")


def steps(work: Workspace, output_dir: Path) -> list[Step]:
    statement = output_dir / STATEMENT_FILE
    refused = work.root / "refused-statement.html"  # never written on refusal; kept out of output_dir anyway
    report = output_dir / REPORT_FILE
    appeal = output_dir / APPEAL_DIR
    machine = str(work.machine)
    return [
        Step(
            _("Create a throwaway encrypted store"),
            _(
                "It lives in a temporary folder and is deleted at the end; your own store is not touched. "
                "The demo sets LINKCHECK_TEST_INSECURE_FAST_KDF=1 for it, so it opens at once: the warning "
                "below is about this throwaway store, not yours (your `linkcheck init` uses the full settings)."
            ),
            ("init",),
            "linkcheck init",
        ),
        Step(
            _("Import the example accounts"),
            _("{count} made-up seller accounts; acme-de is suspended, willow-us is only planned.", count=len(work.profiles)),
            ("import", *map(str, work.profiles)),
            "linkcheck import example_profiles/*.json",
        ),
        Step(
            _("Audit everything on file"),
            _("Linked pairs strongest first, clusters, and the accounts put at risk by the suspended acme-de "
            "(exit code 1: something is at or above --fail-on high)."),
            ("audit",),
            "linkcheck audit",
            expected=1,
        ),
        Step(
            _("Check this machine before logging in to acme-us"),
            _("The fixture machine is acme-us's own office laptop: nothing on it belongs to another account, so GO."),
            ("check", "acme-us", "--machine", machine),
            f"linkcheck check acme-us --machine {MACHINE_FILE}",
        ),
        Step(
            _("Check the same machine before logging in to lotus-jp"),
            _("The laptop is on file for acme-us: logging in to lotus-jp from it would link the two, so STOP "
            "(exit 1) before the login happens."),
            ("check", "lotus-jp", "--machine", machine),
            f"linkcheck check lotus-jp --machine {MACHINE_FILE}",
            expected=1,
        ),
        Step(
            _("Write a separation statement for two independent accounts"),
            _("lotus-jp and nordic-de share nothing: the statement shows it side by side, for an appeal."),
            ("statement", "lotus-jp", "--against", "nordic-de", "--format", "html", "--force", "-o", str(statement)),
            f"linkcheck statement lotus-jp --against nordic-de --format html --force -o {statement}",
        ),
        Step(
            _("Ask for a statement for two linked accounts"),
            _("acme-us and acme-de share a company and a network adapter: linkcheck refuses to call them "
            "independent (exit 1) and says what they share."),
            ("statement", "acme-us", "--against", "acme-de", "--format", "html", "-o", str(refused)),
            "linkcheck statement acme-us --against acme-de --format html -o statement.html",
            expected=1,
        ),
        Step(
            _("pine-mx stops using the phone number it shared with brightway-ca"),
            _("The number is retired, not deleted: the marketplace remembers it, so the audit still links the two "
            "accounts and says until when the number was used."),
            ("attr", "retire", "pine-mx", "phone", "+1 (416) 555-0142", "--note", "new company line"),
            'linkcheck attr retire pine-mx phone "+1 (416) 555-0142" --note "new company line"',
        ),
        Step(
            _("Record the deactivation and the store names Amazon knows"),
            _("Amazon's notice deactivated pine-mx; an appeal names the accounts as the notice does: the store's "
            "display name and merchant token."),
            ("account", "set", "pine-mx", "--status", "suspended", "--display-name", "Pine Valley Home",
             "--merchant-token", "A2PINEVALLEY01", "--legal-name-en", "Pine Valley Comercio SA de CV"),
            'linkcheck account set pine-mx --status suspended --display-name "Pine Valley Home" '
            '--merchant-token A2PINEVALLEY01 --legal-name-en "Pine Valley Comercio SA de CV"',
        ),
        Step(
            _("Record how the notice names the related account"),
            _("Amazon's notice names brightway-ca by its store name; the letter will too."),
            ("account", "set", "brightway-ca", "--display-name", "Brightway Goods Canada"),
            'linkcheck account set brightway-ca --display-name "Brightway Goods Canada"',
        ),
        Step(
            _("Write pine-mx's appeal: the Plan of Action and its signed evidence pack"),
            _("The letter to paste (root cause with dates, actions, prevention, request), the exhibit list, the "
            "evidence page and a signature over the folder that `linkcheck verify` checks."),
            ("appeal", "pine-mx", "--related", "brightway-ca", "--notice-date", "2026-11-20", "--relationship",
             "not-owned", "--force", "-o", str(appeal)),
            f"linkcheck appeal pine-mx --related brightway-ca --notice-date 2026-11-20 --relationship not-owned "
            f"--force -o {appeal}",
        ),
        Step(
            _("Write the HTML report with the graph of linked accounts"),
            _("One self-contained page: headline figures, the graph, clusters, accounts at risk and every finding."),
            ("report", "--force", "-o", str(report)),
            f"linkcheck report --force -o {report}",
        ),
    ]


@contextmanager
def throwaway_workspace() -> Iterator[Workspace]:
    """A temporary folder holding the demo store and copies of the example files, with the
    environment pointing at it; everything is restored and deleted on the way out."""
    saved = {name: os.environ.get(name) for name in DEMO_ENVIRONMENT}
    lang = i18n.language()  # the one setting the demo keeps: the language the user reads
    with tempfile.TemporaryDirectory(prefix="linkcheck-demo-") as tmp:
        root = Path(tmp)
        folder = root / "example_profiles"
        folder.mkdir()
        profiles = []
        for name, text in example_profiles():
            path = folder / name
            path.write_text(text, encoding="utf-8")
            profiles.append(path)
        machine = root / MACHINE_FILE
        machine.write_text(demo_machine(), encoding="utf-8")
        work = Workspace(root, root / "store.db", tuple(profiles), machine)
        try:
            for name in DEMO_ENVIRONMENT:
                os.environ.pop(name, None)
            os.environ[STORE_ENV] = str(work.store)
            os.environ[PASSPHRASE_ENV] = DEMO_PASSPHRASE
            os.environ[TEST_KDF_ENV] = "1"
            os.environ[settings.SETTINGS_FILE_ENV] = str(root / "no-settings.toml")
            os.environ[settings.SETTINGS["lang"].env] = lang
            yield work
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


# In --output-dir, what the demo wrote there last: each file's SHA-256, so a rerun replaces its
# own files (as they were left) and never a file of the user's that happens to bear the name.
WRITTEN_FILE = ".linkcheck-demo.json"


def not_the_demos(output_dir: Path) -> list[str]:
    """The demo's output names in `output_dir` that hold something the demo did not write there
    (or that was changed since): a file it would replace, or a folder that is no appeal pack."""
    try:
        written = json.loads(_read_regular(output_dir / WRITTEN_FILE)).get("files", {})
        if not isinstance(written, dict):
            written = {}
    except (OSError, ValueError, AttributeError, TypeError):
        written = {}
    found = []
    for name in (STATEMENT_FILE, REPORT_FILE):
        path = output_dir / name
        if not os.path.lexists(path):
            continue
        if not path.is_file() or path.is_symlink() or written.get(name) != _sha256(path):
            found.append(name)
    pack = output_dir / APPEAL_DIR
    # (`appeal` itself replaces a folder only when it holds an earlier pack)
    if os.path.lexists(pack) and (pack.is_symlink() or not (pack / "SHA256SUMS").is_file()):
        found.append(APPEAL_DIR)
    return found


def _read_regular(path: Path) -> bytes:
    """A regular file's bytes, never through a symbolic link nor from a FIFO or device (OSError)."""
    import stat

    fd = os.open(str(path), os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError("not a regular file")
        with os.fdopen(fd, "rb") as fh:
            fd = -1
            return fh.read()
    finally:
        if fd >= 0:
            os.close(fd)


def _sha256(path: Path) -> str | None:
    import hashlib

    try:
        return hashlib.sha256(_read_regular(path)).hexdigest()
    except OSError:
        return None


def _remember_written(output_dir: Path) -> None:
    """Note what the demo wrote, for the next run (`not_the_demos`); never an error."""
    files = {name: _sha256(output_dir / name) for name in (STATEMENT_FILE, REPORT_FILE)}
    # A new file renamed into place: a symbolic link or a FIFO of that name is replaced, never
    # written through or waited on.
    partial = output_dir / f".linkcheck-demo.{os.getpid()}.tmp"
    try:
        fd = os.open(str(partial), os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps({"files": {k: v for k, v in files.items() if v}}))
        os.replace(partial, output_dir / WRITTEN_FILE)
    except OSError:
        try:
            partial.unlink()
        except OSError:
            pass


def run_demo(output_dir: Path, invoke: Callable[[tuple[str, ...]], int], say: Callable[[str], None]) -> DemoResult:
    """Run every step through `invoke` (the real commands), announcing each through `say`."""
    output_dir = output_dir.resolve()
    outcomes = []
    with throwaway_workspace() as work:
        plan = steps(work, output_dir)
        say(_("linkcheck demo: {steps} steps on {accounts} example accounts, in a throwaway store at {store}.",
              steps=len(plan), accounts=len(work.profiles), store=work.store))
        for number, step in enumerate(plan, 1):
            say("")
            say(_("Step {number}/{steps}. {title}", number=number, steps=len(plan), title=step.title))
            say(f"  {step.explanation}")
            say(f"$ {step.shown}")
            # Each command takes the passphrase out of the environment as it reads it (so a
            # command `run` starts cannot read it); the demo's is no secret: put it back.
            os.environ[PASSPHRASE_ENV] = DEMO_PASSPHRASE
            code = invoke(step.args)
            outcome = Outcome(step, code)
            outcomes.append(outcome)
            if code and outcome.as_planned:
                say(_("(exit code {code})", code=code))
            elif code:
                say(_("(exit code {code}; expected {expected})", code=code, expected=step.expected))
    _remember_written(output_dir)
    return DemoResult(tuple(outcomes), output_dir / STATEMENT_FILE, output_dir / REPORT_FILE, output_dir / APPEAL_DIR)

