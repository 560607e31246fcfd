"""`autograd-scalar train`: every way a run could be lost is refused before it trains."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest

from nn import MLP, memory
from nn.cli import main
from nn.cli_outputs import default_run_folder

REPO = Path(__file__).resolve().parents[1]
SMALL = ["--no-progress", "--epochs", "1", "--train-size", "20", "--test-size", "20"]


def refused(capsys, *args: str) -> str:
    """The usage error of a run that must not start (exit status 2)."""
    with pytest.raises(SystemExit) as exit_info:
        main(["train", *args])
    assert exit_info.value.code == 2
    out, err = capsys.readouterr()
    assert "epoch" not in out  # nothing was trained
    return err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--lr", "inf"], "argument --lr: must be a finite number, got inf"),
        (["--lr", "nan"], "argument --lr: must be a finite number, got nan"),
        (["--momentum", "inf"], "argument --momentum: must be a finite number, got inf"),
        (["--weight-decay", "inf"], "argument --weight-decay: must be a finite number"),
        (["--momentum", "5"], "argument --momentum: must be at least 0 and below 1, got 5"),
        (["--momentum", "1"], "argument --momentum: must be at least 0 and below 1, got 1"),
        (["--seed", "-1"], "argument --seed: must be 0 or more, got -1"),
        (["--train-size", "1"], "--train-size must be at least 2 for --dataset moons"),
        (["--dataset", "spirals", "--test-size", "2"],
         "--test-size must be at least 3 for --dataset spirals"),
        (["--dataset", "cifar10", "--train-size", "100000000"],
         "--train-size: CIFAR-10's train split has 50,000 images, got 100,000,000"),
        (["--hidden", "100000000"], "this run needs about 385.3 GB of memory"),
    ],
)
def test_bad_values_are_usage_errors_naming_the_flag(args, message, capsys, tmp_path):
    err = refused(capsys, *args, "--out", str(tmp_path / "run"))
    assert message in err and "Traceback" not in err
    assert not (tmp_path / "run").exists()


def test_a_run_bigger_than_the_free_memory_is_refused_with_the_estimate(capsys, tmp_path,
                                                                          monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 2 * 10**9)
    err = refused(capsys, "--train-size", "100000000", "--out", str(tmp_path / "run"))
    assert "this run needs about 15.3 GB of memory, and the machine has 2.0 GB free" in err
    assert "--train-size" in err


def test_the_estimate_grows_with_the_model_and_the_data():
    small = memory.run_bytes([2, 16, 2], 400, 150, 16, "interpreted")
    assert memory.run_bytes([2, 32, 2], 400, 150, 16, "interpreted") > small
    assert memory.run_bytes([2, 16, 2], 4000, 150, 16, "interpreted") == small + 3600 * 150
    params = 3 * 16 + 17 * 2
    assert small == (memory.BASELINE_BYTES + memory.BYTES_PER_PARAMETER * params
                     + memory.INTERPRETED_BYTES_PER_PARAMETER_AND_SAMPLE * params * 16
                     + 400 * 150)


def test_available_bytes_reads_memavailable(tmp_path):
    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:  4000 kB\nMemAvailable:   1500 kB\n")
    assert memory.available_bytes(meminfo) == 1500 * 1024


def test_an_existing_out_with_files_needs_overwrite(capsys, tmp_path):
    out = tmp_path / "run"
    out.mkdir()
    (out / "metrics.csv").write_text("an earlier run\n")
    err = refused(capsys, *SMALL, "--out", str(out))
    assert "already holds files" in err and "--overwrite" in err
    assert (out / "metrics.csv").read_text() == "an earlier run\n"
    assert main(["train", *SMALL, "--out", str(out), "--overwrite"]) == 0
    assert MLP.load(out / "model.npz").sizes == [16, 16, 2]


def test_an_empty_existing_out_is_used(tmp_path):
    assert main(["train", *SMALL, "--out", str(tmp_path)]) == 0
    assert (tmp_path / "model.npz").exists()


def test_out_that_is_a_file_or_hides_a_folder_where_model_npz_goes(capsys, tmp_path):
    a_file = tmp_path / "notes.txt"
    a_file.write_text("keep me")
    assert "is a file, not a folder" in refused(capsys, *SMALL, "--out", str(a_file))
    assert "inside" in refused(capsys, *SMALL, "--out", str(a_file / "run"))
    (tmp_path / "run" / "model.npz").mkdir(parents=True)
    err = refused(capsys, *SMALL, "--out", str(tmp_path / "run"), "--overwrite")
    assert "model.npz is a folder" in err
    assert a_file.read_text() == "keep me"


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_out_in_a_folder_that_cannot_be_written(capsys, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        assert "cannot write into" in refused(capsys, *SMALL, "--out", str(locked / "run"))
    finally:
        locked.chmod(0o700)


def test_runs_get_their_own_folder_by_default(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["train", *SMALL]) == 0
    assert main(["train", *SMALL, "--engine", "compiled"]) == 0
    assert main(["train", *SMALL]) == 0
    folders = sorted(p.name for p in (tmp_path / "runs").iterdir())
    assert len(folders) == 3
    assert sum(name.startswith("moons-interpreted-") for name in folders) == 2
    assert sum(name.startswith("moons-compiled-") for name in folders) == 1
    for name in folders:
        assert (tmp_path / "runs" / name / "model.npz").exists()
    assert f"writing to runs/{folders[0]}/" in capsys.readouterr().out


def test_default_run_folder_names_and_does_not_collide(tmp_path):
    now = datetime(2026, 12, 3, 15, 30, 12)
    first = default_run_folder("cifar10", "compiled", now, root=tmp_path)
    assert first == tmp_path / "cifar10-compiled-20261203-153012"
    first.mkdir()
    assert default_run_folder("cifar10", "compiled", now, root=tmp_path).name == (
        "cifar10-compiled-20261203-153012-2")


def test_final_training_accuracy_is_explained(tmp_path, capsys):
    assert main(["train", *SMALL, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "final training accuracy" in out
    assert "(final: the trained model on all training examples; epoch 1's" in out
    assert "averaged its batches while the model still learned)" in out


def test_ctrl_c_stops_after_a_batch_writes_the_run_and_exits_130(tmp_path):
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "nn.cli", "train", "--no-progress", "--epochs", "100000",
         "--out", str(out)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "MPLBACKEND": "Agg"},
    )
    try:
        for line in process.stdout:  # wait until two epochs are done
            if line.startswith("epoch   2:"):
                break
        process.send_signal(signal.SIGINT)
        rest, err = process.communicate(timeout=120)
    finally:
        process.kill()
    assert process.returncode == 130, err
    assert "Traceback" not in err and "interrupted (Ctrl-C) in epoch" in err
    saved = json.loads((out / "history.json").read_text())
    k = saved["interrupted"]["epoch"]
    assert k >= 3 and saved["history"]["epoch"] == list(range(1, k))
    assert MLP.load(out / "model.npz").sizes == [16, 16, 2]
    assert (out / "curves.png").exists()
    assert (out / "metrics.csv").read_text().count("\n") == k  # header + k - 1 epochs


def test_data_with_nan_is_refused_naming_sample_and_feature(tmp_path, capsys, monkeypatch):
    import nn.cli

    real_load_toy = nn.cli.data.load_toy

    def load_toy_with_a_hole(*args, **kwargs):
        X, y = real_load_toy(*args, **kwargs)
        X[4, 1] = float("nan")
        return X, y

    monkeypatch.setattr(nn.cli.data, "load_toy", load_toy_with_a_hole)
    assert main(["train", *SMALL, "--out", str(tmp_path / "run")]) == 2
    out, err = capsys.readouterr()
    assert "the moons training data holds nan at sample 4, feature 1" in err
    assert "epoch" not in out and "Traceback" not in err
