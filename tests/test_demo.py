"""`linkcheck demo`: the main job end to end on the example profiles, touching nothing of the user's."""

from __future__ import annotations

import configparser
import fnmatch
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from linkcheck import demo
from linkcheck.store import STORE_ENV

REPO = Path(__file__).resolve().parent.parent
DATA_BLOB = re.compile(r'<script type="application/json" id="linkcheck-data">(.*?)</script>', re.S)


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    """`python -m linkcheck demo --output-dir out` from an empty folder, with no store configured,
    a fresh HOME and its own TMPDIR, as a newcomer would run it."""
    root = tmp_path_factory.mktemp("demo")
    home, tmp, cwd = root / "home", root / "tmp", root / "empty"
    for folder in (home, tmp, cwd):
        folder.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LINKCHECK_")}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), TMPDIR=str(tmp), PYTHONPATH=str(REPO))
    done = subprocess.run(
        [sys.executable, "-m", "linkcheck", "demo", "--output-dir", "out"],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    return {"result": done, "home": home, "tmp": tmp, "cwd": cwd, "out": cwd / "out"}


def test_demo_exits_0_from_an_empty_directory_with_no_store_configured(demo_run):
    done = demo_run["result"]
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


def test_demo_writes_the_statement_the_report_and_the_appeal_pack_into_the_output_dir(demo_run):
    assert sorted(p.name for p in demo_run["out"].iterdir()) == sorted(
        [demo.STATEMENT_FILE, demo.REPORT_FILE, demo.APPEAL_DIR, demo.WRITTEN_FILE])


def test_demo_says_where_it_wrote_the_statement_the_report_and_the_appeal(demo_run):
    out = demo_run["out"].resolve()
    assert str(out / demo.STATEMENT_FILE) in demo_run["result"].stdout
    assert str(out / demo.REPORT_FILE) in demo_run["result"].stdout
    assert str(out / demo.APPEAL_DIR) in demo_run["result"].stdout


def test_demo_appeal_is_for_an_account_the_records_show_deactivated(demo_run):
    # the letter says Amazon deactivated pine-mx: the demo records it, so nothing contradicts it
    done = demo_run["result"]
    assert "while the letter says Amazon's notice deactivated it" not in done.stdout + done.stderr
    exhibits = (demo_run["out"] / demo.APPEAL_DIR / "exhibits.txt").read_text(encoding="utf-8")
    assert "do not show Pine Valley Home as deactivated" not in exhibits


def test_demo_appeal_pack_is_a_plan_of_action_that_verifies(demo_run):
    pack = demo_run["out"] / demo.APPEAL_DIR
    assert sorted(p.name for p in pack.iterdir()) == [
        "SHA256SUMS", "SHA256SUMS.sig", "evidence.html", "exhibits.txt", "plan-of-action.txt"]
    letter = (pack / "plan-of-action.txt").read_text(encoding="utf-8")
    assert letter.startswith("Dear Seller Performance Team,")
    # the retired phone is in the root cause with its date, by its last four digits only
    assert "shared the same phone number ending in 0142" in letter and "555-0142" not in letter
    assert "We do not own, control or access Brightway Goods Canada" in letter
    assert "linkcheck" not in letter.lower()


def test_demo_prints_each_step_then_the_real_command_output(demo_run):
    stdout = demo_run["result"].stdout
    steps = re.findall(r"^Step (\d+)/(\d+)\. ", stdout, re.M)
    assert [int(n) for n, _ in steps] == list(range(1, int(steps[0][1]) + 1))
    assert "Imported 10 new account(s)" in stdout
    assert "Linked pairs, strongest first" in stdout
    assert "Wrote the report to" in stdout


def test_demo_shows_a_go_for_acme_us_and_a_stop_for_lotus_jp(demo_run):
    stdout = demo_run["result"].stdout
    go = stdout.index("$ linkcheck check acme-us")
    stop = stdout.index("$ linkcheck check lotus-jp")
    assert "GO" in stdout[go:stop]
    assert "STOP" in stdout[stop:]


def test_demo_report_shows_the_example_accounts(demo_run):
    html = (demo_run["out"] / demo.REPORT_FILE).read_text(encoding="utf-8")
    data = json.loads(DATA_BLOB.search(html).group(1))
    assert len(data["accounts"]) == len(demo.example_profiles())
    assert data["headline"]["at_risk"] >= 1


def test_demo_leaves_no_store_behind(demo_run):
    assert list(demo_run["tmp"].iterdir()) == []
    assert sorted(p.name for p in demo_run["cwd"].iterdir()) == ["out"]


def test_demo_does_not_create_the_default_store(demo_run):
    assert not any("linkcheck" in str(p) for p in demo_run["home"].rglob("*"))


# ----- in-process: the caller's environment and store ------------------------------------------


def test_demo_never_touches_the_users_store(cli, store, store_path, tmp_path):
    before = store_path.read_bytes()
    result = cli("demo", "--output-dir", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert store_path.read_bytes() == before
    listed = cli("account", "list", "--format", "json")
    assert json.loads(listed.stdout) == []


def test_demo_restores_the_callers_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("LINKCHECK_PASSPHRASE", "the user's own passphrase")
    monkeypatch.delenv("LINKCHECK_TEST_INSECURE_FAST_KDF")
    before = dict(os.environ)
    demo.run_demo(tmp_path, lambda args: 0, lambda line: None)
    assert dict(os.environ) == before


def test_demo_commands_run_against_a_throwaway_store(tmp_path):
    seen = []

    def invoke(args):
        seen.append((os.environ[STORE_ENV], os.environ["LINKCHECK_PASSPHRASE"]))
        return 0

    demo.run_demo(tmp_path, invoke, lambda line: None)
    stores = {store for store, _ in seen}
    assert len(stores) == 1
    store = Path(stores.pop())
    assert store.name == "store.db" and store.parent.name.startswith("linkcheck-demo-")
    assert not store.parent.exists()
    assert {passphrase for _, passphrase in seen} == {demo.DEMO_PASSPHRASE}


def test_demo_defaults_to_the_current_directory(cli, tmp_path):
    result = cli("demo")
    assert result.exit_code == 0, result.output
    assert (tmp_path / demo.STATEMENT_FILE).is_file()
    assert (tmp_path / demo.REPORT_FILE).is_file()


def test_demo_notices_a_step_that_did_not_go_as_planned(tmp_path):
    result = demo.run_demo(tmp_path, lambda args: 0, lambda line: None)
    assert not result.ok
    assert {o.step.args[0] for o in result.surprises} == {"audit", "check", "statement"}


def test_demo_fails_loudly_when_a_step_goes_wrong(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "demo_machine", lambda: "{ not json")
    result = cli("demo", "--output-dir", tmp_path / "out")
    assert result.exit_code == 70
    assert "did not go as planned" in result.output


def test_demo_files_ship_as_package_data():
    config = configparser.ConfigParser()
    config.read(REPO / "setup.cfg")
    patterns = [p.strip() for p in config["options.package_data"]["linkcheck"].replace("\n", ",").split(",") if p.strip()]
    needed = [f"example_profiles/{name}" for name, _ in demo.example_profiles()]
    needed += [f"capture/fixtures/{demo.MACHINE_FILE}", "report/static/cytoscape.min.js", "report/static/cytoscape.LICENSE",
               "report/static/report.js", "report/static/report.css", "report/templates/report.html.j2"]
    missing = [n for n in needed if not any(fnmatch.fnmatch(n, p) for p in patterns)]
    assert missing == []


def test_demo_says_it_set_the_fast_kdf_itself(cli, tmp_path, monkeypatch):
    # A newcomer never set LINKCHECK_TEST_INSECURE_FAST_KDF; init's warning names it, so the step
    # before it must say the demo set it for its throwaway store.
    monkeypatch.delenv("LINKCHECK_TEST_INSECURE_FAST_KDF")
    result = cli("demo", "--output-dir", tmp_path / "out")
    assert result.exit_code == 0, result.output
    step = result.output.index("Step 1/12. Create a throwaway encrypted store")
    explained = result.output.index("The demo sets LINKCHECK_TEST_INSECURE_FAST_KDF=1 for it", step)
    warned = result.output.index("warning: LINKCHECK_TEST_INSECURE_FAST_KDF=1 is set", step)
    assert explained < warned


def test_demo_speaks_the_language_the_user_set_though_it_sets_other_settings_aside(cli, tmp_path):
    # The demo runs on the built-in defaults, but a Chinese seller who set `lang = "zh"` reads
    # the narration and every command's output in Chinese.
    assert cli("config", "set", "lang", "zh").exit_code == 0
    assert cli("config", "set", "format", "json").exit_code == 0  # set aside: the audit still prints its table
    result = cli("demo", "--output-dir", tmp_path / "out")
    assert result.exit_code == 0, result.output
    out = result.output
    assert out.startswith("linkcheck 演示：在 10 个示例账户上走 12 步")
    assert "第 3/12 步：对所有记录做关联排查" in out
    assert "共 10 个账户：4 对关联账户（严重 3 对、中 1 对），2 个关联群组，1 个账户受牵连" in out
    assert "拒绝生成说明：acme-us 有 4 项识别信息" in out
    assert "（退出码 1）" in out and "(exit code" not in out
    assert not re.search(r"^Step \d|refusing to write", out, re.M)
    english = cli("demo", "--output-dir", tmp_path / "out2", env={"LINKCHECK_LANG": "en"})
    assert "Step 3/12. Audit everything on file" in english.output
    assert "4 linked pair(s) (3 critical, 1 medium)" in english.output
