"""The scale benchmark runs end to end on 2,000 accounts and reports every figure of issue 17's table (not its timings)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from session_folders import once_per_session

BENCH = Path(__file__).resolve().parent.parent / "bench" / "run.py"
TIMED = ("import", "audit", "export", "list", "report", "precheck", "check")


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    """The benchmark's JSON report (run once per test session, shared by xdist workers)."""

    def build(folder: Path) -> None:
        env = dict(os.environ, TMPDIR=str(folder))
        for name in ("LINKCHECK_PASSPHRASE", "LINKCHECK_DEBUG", "LINKCHECK_STORE"):
            env.pop(name, None)
        proc = subprocess.run(
            [sys.executable, str(BENCH), "--sizes", "2000", "--runs", "1", "--fast-kdf", "--json"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        (folder / "report.json").write_text(proc.stdout)

    return json.loads((once_per_session(tmp_path_factory, "bench", build) / "report.json").read_text())


def _positive(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0


def test_benchmark_report_has_machine_results_growth_and_targets(report):
    assert set(report) == {"machine", "results", "growth", "targets"}


def test_benchmark_names_the_machine_and_the_kdf_it_ran_with(report):
    machine = report["machine"]
    assert machine["python"] and machine["platform"]
    assert _positive(machine["cpus"])
    assert "insecure" in machine["kdf"]


def test_benchmark_reports_one_positive_figure_per_timed_command(report):
    (result,) = report["results"]
    assert result["accounts"] == 2000
    per_command = [f"{t}{suffix}" for t in TIMED for suffix in ("", "_cpu", "_peak_mb")]
    for name in (*per_command, "store_mb", "export_mb", "report_page_mb", "peak_mb"):
        assert _positive(result[name]), (name, result[name])
    assert result["peak_mb"] == max(result[f"{t}_peak_mb"] for t in TIMED)


def test_benchmark_says_the_key_derivation_each_store_was_given(report):
    """`init` calibrates Argon2id on the machine as it is then (a busy VM calibrates cheaper), so
    the `check` and `precheck` figures come with the iterations and memory the store got."""
    (result,) = report["results"]
    assert isinstance(result["kdf_iterations"], int) and result["kdf_iterations"] >= 1
    assert isinstance(result["kdf_memory_kib"], int) and result["kdf_memory_kib"] >= 8


def test_benchmark_reports_the_audit_with_no_sieve_cache_apart(report):
    """The audit row is the repeated (warm) audit; the first audit, with no file of the sieve's
    verdicts (store/sievecache.py), is its own figure."""
    (result,) = report["results"]
    for name in ("audit_cold", "audit_cold_cpu", "audit_cold_peak_mb"):
        assert _positive(result[name]), (name, result[name])


def test_benchmark_has_no_growth_ratios_for_a_single_size(report):
    assert report["growth"] == []


def test_benchmark_targets_are_the_issue_targets(report):
    assert report["targets"] == {
        "import": 12.0, "audit": 3.0, "export": 8.0, "list": 1.5, "report": 3.0, "precheck": 0.6, "check": 0.6,
        "export_peak_mb": 400.0, "peak_mb": 1000.0, "report_page_mb": 3.0,
    }



def test_synth_writes_import_files_that_linkcheck_imports(cli, store, tmp_path):
    synth = BENCH.parent / "synth.py"
    out = tmp_path / "synth"
    done = subprocess.run([sys.executable, str(synth), "--accounts", "25", "--out", str(out), "--per-file", "10"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    files = [Path(line) for line in done.stdout.split()]
    assert [f.name for f in files] == ["accounts-000.json", "accounts-001.json", "accounts-002.json"]
    assert sum(len(json.loads(f.read_text())) for f in files) == 25
    assert cli("import", *files).exit_code == 0
    listed = cli("account", "list", "--format", "json")
    assert len(json.loads(listed.stdout)) == 25
    bad = subprocess.run([sys.executable, str(synth), "--accounts", "0", "--out", str(out)],
                         capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "--accounts and --per-file must be at least 1" in bad.stderr


def test_the_audit_timeline_times_each_side_and_leaves_the_output_alone(demo_store, cli):
    """`bench/audit_timeline.py` runs the command as `linkcheck` runs it (the same output and
    exit code) and reports the audit's steps in both processes and the critical path."""
    timeline = Path(__file__).resolve().parent.parent / "bench" / "audit_timeline.py"
    from conftest import PASSPHRASE

    plain = cli("audit", "--format", "json")
    proc = subprocess.run([sys.executable, str(timeline), "audit", "--format", "json"],
                          env=dict(os.environ, LINKCHECK_PASSPHRASE=PASSPHRASE), capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == plain.exit_code, proc.stderr[-2000:]
    assert proc.stdout == plain.stdout
    steps = proc.stderr.splitlines()
    assert steps[0].split() == ["pid", "thread", "start", "end", "cpu", "step"]
    pids = {line.split()[0] for line in steps[1:-1]}
    assert len(pids) == 2  # the command and its fuzzy child
    for name in ("_verify_manifest_but_macs", "finish_verification", "_decode_lines", "score_blocks",
                 "exactfirst.audit_exact", "exactfirst.merge", "output.echo_json"):
        assert any(line.endswith(name) for line in steps), name
    assert steps[-1].startswith("CPU: before the fork ") and "critical path" in steps[-1]


def test_benchmark_reports_the_first_audit_after_a_write_and_the_check_without_its_cache(report):
    """The audit and check rows are those between two writes (their caches made); these are the first after one."""
    (result,) = report["results"]
    for name in ("audit_full", "audit_full_cpu", "audit_full_peak_mb", "check_full", "check_full_cpu"):
        assert _positive(result[name]), (name, result[name])


def test_benchmark_reports_the_first_audit_right_after_the_import(report):
    """A store the run built: its first audit, right after the import, has its own row."""
    (result,) = report["results"]
    for name in ("audit_import", "audit_import_cpu", "audit_import_peak_mb"):
        assert _positive(result[name]), (name, result[name])
