"""A full disk while `cdht merge` writes (issue 19, item 3): one Vietnamese message that says the disk is
full, with the right hint; no "Exception ignored", no traceback, no English text of the OS; nothing left
behind (no temporary file, no half-written output, the previous output intact).

The disk is real: a 64 KB tmpfs mounted in a user and mount namespace of its own (`unshare -rm`, no root
needed), filled up before the run; the real command runs inside it as a subprocess. Where user namespaces
are not allowed the test is skipped (it says so). A file size limit (RLIMIT_FSIZE, EFBIG) is the other
real write error: it is said as such, not as a full disk.
"""
from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from support import REPO, TRACEBACK_RE, message_of, says

from cdht_excel.rules import findings as F

SAMPLE = REPO / "samples" / "dong-thinh-2024"
ENGLISH_OS_TEXT = ("No space left", "Disk quota", "File too large", "Errno", "OSError", "Exception ignored")

IN_A_FULL_TMPFS = r"""
set -e
mount -t tmpfs -o size=64k tmpfs "$FULL"
printf previous > "$FULL/t.xlsx"
head -c 1000000 /dev/zero > "$FULL/filler" 2>/dev/null || true
set +e
"$PYTHON" -m cdht_excel merge "$INPUT" "$@" > "$OUT/stdout" 2> "$OUT/stderr"
echo $? > "$OUT/rc"
find "$FULL" -mindepth 1 -printf '%P\n' | sort > "$OUT/listing"
cat "$FULL/t.xlsx" > "$OUT/previous"
"""


def user_namespaces_work() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=4k tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


def merge_on_a_full_disk(tmp_path: Path, *args: str) -> dict:
    """Run `cdht merge SAMPLE ARGS` with the folder $FULL a full tmpfs; what the run left, read inside."""
    full, out = tmp_path / "day", tmp_path / "run"
    full.mkdir()
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "CDHT_DEBUG"} | {
        "PYTHONIOENCODING": "utf-8", "FULL": str(full), "OUT": str(out), "INPUT": str(SAMPLE),
        "PYTHON": sys.executable}
    script = subprocess.run(["unshare", "-rm", "sh", "-c", IN_A_FULL_TMPFS, "sh", *args], env=env,
                            capture_output=True, text=True, timeout=300)
    assert script.returncode == 0, script.stderr
    return {"rc": int((out / "rc").read_text()), "stdout": (out / "stdout").read_text("utf-8"),
            "stderr": (out / "stderr").read_text("utf-8"), "left": (out / "listing").read_text().split(),
            "previous": (out / "previous").read_text()}


needs_namespaces = pytest.mark.skipif(not user_namespaces_work(),
                                      reason="unprivileged user and mount namespaces are not allowed here")


@needs_namespaces
@pytest.mark.parametrize("where", ["-o", "--json", "--docs"])
def test_a_full_disk_is_said_in_vietnamese_and_leaves_nothing_behind(tmp_path, where):
    full = tmp_path / "day"
    targets = {"-o": ["-o", f"{full}/t.xlsx"],
               "--json": ["-o", f"{tmp_path}/t.xlsx", "--json", f"{full}/t.json"],
               "--docs": ["-o", f"{tmp_path}/t.xlsx", "--docs", f"{full}/ho-so"]}
    run = merge_on_a_full_disk(tmp_path, *targets[where])
    text = run["stdout"] + run["stderr"]
    assert run["rc"] == 2, text
    assert says(run["stderr"], "output-disk-full") and says(run["stderr"], "output-disk-full", "hint"), text
    assert not says(text, "output-unwritable", "hint")            # not "close the file in Excel"
    assert not TRACEBACK_RE.search(text) and not [t for t in ENGLISH_OS_TEXT if t in text], text
    assert run["left"] == ["filler", "t.xlsx"] and run["previous"] == "previous"


def _limit_file_size():
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)      # a write past the limit fails (EFBIG) instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))


def test_a_file_size_limit_is_said_as_such(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "CDHT_DEBUG"} | {"PYTHONIOENCODING": "utf-8"}
    run = subprocess.run([sys.executable, "-m", "cdht_excel", "merge", str(SAMPLE), "-o", str(out / "t.xlsx")],
                         capture_output=True, text=True, encoding="utf-8", env=env, preexec_fn=_limit_file_size)
    text = run.stdout + run.stderr
    assert run.returncode == 2, text
    said = " ".join(run.stderr.split())              # the terminal's lines are wrapped at words
    assert " ".join(message_of("output-too-large", file=str(out / "t.xlsx")).split()) in said, text
    assert not TRACEBACK_RE.search(text) and not [t for t in ENGLISH_OS_TEXT if t in text], text
    assert list(out.iterdir()) == []
    assert F.CATALOGUE["output-too-large"][0] == F.ERROR
