"""Where an audit's wall time goes: what runs when, in which process (issue 17).

    LINKCHECK_STORE=DIR/100000/store.db LINKCHECK_PASSPHRASE="benchmark passphrase, not a secret" \\
        python bench/audit_timeline.py audit --format json > /dev/null

Runs `linkcheck ARGS...` in this process (the key derivation begun at once, as the console
script begins it) with the audit's steps wrapped: each one's start and end (seconds since this
script started) and its CPU time (its thread's), in the command's process and in the fuzzy
child it forks, written to stderr at the end in time order. Then the critical path in CPU
time: the command's main thread up to the fork, the longer of the two sides after it (the
command's own reading until it waits for the child, and the child), and the command after the
child's result -- about the wall time of an idle 2-core machine, less what the main thread
waits for the derivation. Timing only: the command's output is its own, unchanged.
"""

from __future__ import annotations

import atexit
import sys

from timeline_log import TimelineLog  # bench/, beside this script

LOG = TimelineLog("audit-timeline-")
_mark, _wrap = LOG.mark, LOG.wrap


def _instrument() -> None:
    from linkcheck import jsontext
    from linkcheck.linkage import engine, sieve
    try:
        from linkcheck.linkage import exactfirst
    except ImportError:  # an older tree
        exactfirst = None
    from linkcheck import health
    from linkcheck.cli import output
    from linkcheck.report import builder
    from linkcheck.store import prefilter, sqlite
    try:
        from linkcheck.store import sievecache
    except ImportError:  # an older tree
        sievecache = None
    try:
        from linkcheck.store import auditcache, indexarrays
    except ImportError:  # an older tree
        auditcache = indexarrays = None  # type: ignore[assignment]

    for owner, names in ((sqlite, ("_fetch_for_verify",)),
                         (sqlite.Store, ("_unlock", "_verify_manifest", "_verify_manifest_but_macs",
                                         "finish_verification", "explanations", "count_accounts",
                                         "_open_from_audit_cache", "_write_audit_cache")),
                         (auditcache, ("read", "load")), (indexarrays and indexarrays.IndexArrays, ("from_padded",)),
                         (health, ("load", "audit_health")), (output, ("echo_json",)),
                         (builder, ("report_data", "build_report", "_json_for_script")),
                         (prefilter, ("_open_arrays", "_SharedInArrays", "_decode_lines", "_every_account",
                                      "_blocks_in_arrays", "_blocks_in_python")),
                         (engine, ("score_blocks", "audit", "audit_to_json", "_group_by_key", "_exact_pairs", "_given_matches",
                                   "_add_fuzzy", "_resolve_all", "_clusters", "_taint")),
                         (sieve, ("hopeless_blocks", "parts_may_agree")), (sievecache, ("_digests", "load")),
                         (exactfirst, ("audit_exact", "merge", "_merge", "_remap")), (jsontext, ("dumps", "dumps_bytes", "dumps_bytes_found"))):
        for name in names:
            if owner is not None and hasattr(owner, name):
                _wrap(owner, name)
    if auditcache is not None:  # the key is there (the warm path: the snapshot opened first)
        real_load = auditcache.load

        def load(*args, **kwargs):
            _mark("key")
            return real_load(*args, **kwargs)

        auditcache.load = load  # type: ignore[assignment]
    background = prefilter._Background
    real_init, real_result = background.__init__, background.result

    def init(self, work, parallel, *rest, **kw):  # (`then`, in trees that have it)
        _mark("fork")

        def marked():
            try:
                return work()
            finally:
                _mark("child done")

        real_init(self, marked, parallel, *rest, **kw)

    def result(self):
        _mark("wait")
        try:
            return real_result(self)
        finally:
            _mark("result")

    background.__init__, background.result = init, result  # type: ignore[method-assign]


def _report() -> None:
    _mark("exit")
    steps, marks = [], {}
    for fields in LOG.read():
        if fields[0] == "STEP":
            steps.append(fields[1:])
        else:
            marks[fields[2]] = (float(fields[3]), float(fields[4]))
    out = sys.stderr
    print(f"{'pid':>7} {'thread':<22} {'start':>7} {'end':>7} {'cpu':>6}  step", file=out)
    for pid, thread, began, ended, cpu, label in sorted(steps, key=lambda s: float(s[2])):
        print(f"{pid:>7} {thread[:22]:<22} {began:>7} {ended:>7} {cpu:>6}  {label}", file=out)
    if {"fork", "child done", "wait", "result", "exit"} <= marks.keys():
        before = marks["fork"][1]
        own = marks["wait"][1] - marks["fork"][1]
        child = marks["child done"][1]  # the child's thread CPU since the fork (it starts at 0)
        after = marks["exit"][1] - marks["result"][1]
        print(f"CPU: before the fork {before:.2f} s; after it, the command {own:.2f} s and the child {child:.2f} s; "
              f"after the child's result {after:.2f} s; critical path {before + max(own, child) + after:.2f} s "
              f"(wall {marks['exit'][0]:.2f} s)", file=out)
        if "key" in marks:  # what follows the key's derivation (what loads meanwhile does not count)
            print(f"From the key on: {marks['fork'][1] - marks['key'][1] + max(own, child) + after:.2f} s CPU "
                  f"on the critical path (the main thread's CPU before it {marks['key'][1]:.2f} s, "
                  f"wall {marks['exit'][0] - marks['key'][0]:.2f} s)", file=out)


def main() -> None:
    sys.argv = ["linkcheck", *sys.argv[1:]]
    from linkcheck import early

    early.start(sys.argv[1:])
    _instrument()
    atexit.register(_report)
    from linkcheck.cli import run

    run()


if __name__ == "__main__":
    main()
