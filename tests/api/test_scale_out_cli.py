"""`arledger serve` and `arledger follow` as operators run them: separate processes, real
ports, on SQLite or PostgreSQL, then `verify` and `replay` offline on the same store."""

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import pytest
from google.protobuf import json_format

from arledger import cli, synthetic

WAIT_S = 60


def _store_args(location) -> list[str]:
    if location.kind == "sqlite":
        return ["--data-dir", str(location.where)]
    return ["--store", str(location.where), "--namespace", location.namespace]


def _start(args: list[str]) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen([sys.executable, "-m", "arledger.cli", *args, "--listen",
                             "127.0.0.1:0"], stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONUNBUFFERED": "1"})
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(ln) for ln in proc.stderr], daemon=True).start()
    seen = []
    while True:
        line = lines.get(timeout=WAIT_S)
        seen.append(line)
        m = re.search(r"(serving|following) on ([\d.]+:\d+)", line)
        if m:
            return proc, m.group(2)
        assert proc.poll() is None, "".join(seen)


def _stop(proc: subprocess.Popen) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(WAIT_S)


@pytest.mark.slow
def test_a_writer_and_a_follower_process_then_offline_verify_and_replay(location, tmp_path,
                                                                       capsys):
    writer, wt = _start(["serve", *_store_args(location)])
    follower = None
    try:
        follower, ft = _start(["follow", *_store_args(location), "--poll-ms", "20"])
        cmds = list(synthetic.generate(synthetic.PortfolioSpec(customers=25, seed=4)))
        path = tmp_path / "cmds.jsonl"
        path.write_text("".join(json_format.MessageToJson(c, indent=None) + "\n" for c in cmds))
        assert cli.main(["--target", wt, "submit", str(path), "--batch-size", "50"]) == 0
        capsys.readouterr()
        assert cli.main(["--target", wt, "--format", "json", "head", "--digest"]) == 0
        w = json.loads(capsys.readouterr().out)
        deadline = time.monotonic() + WAIT_S
        while True:
            assert cli.main(["--target", ft, "--format", "json", "head", "--digest"]) == 0
            f = json.loads(capsys.readouterr().out)
            if f["segment"] == w["segment"] or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        assert f["role"] == "follower" and f["state_digest"] == w["state_digest"]
        # The follower refuses writes with its reason, through the same command line.
        assert cli.main(["--target", ft, "submit", str(path)]) != 0
        assert "READ_ONLY_FOLLOWER" in capsys.readouterr().err
    finally:
        codes = [_stop(p) for p in (follower, writer) if p is not None]
    assert codes == [0, 0]
    # With the writer gone, the log verifies offline and replays to the same digest.
    assert cli.main(["--format", "json", "verify", *_store_args(location)]) == 0
    assert json.loads(capsys.readouterr().out)["ok"] is True
    assert cli.main(["--format", "json", "replay", *_store_args(location)]) == 0
    assert json.loads(capsys.readouterr().out)["state_digest"] == w["state_digest"]
