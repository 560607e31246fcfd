"""`autograd-scalar train`: options, outputs, and friendly errors."""

from __future__ import annotations

import csv
import json

import pytest

from nn import MLP
from nn.cli import build_parser, check_options, defaults_for, main


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["train", "--no-progress", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_default_command_trains_moons_to_at_least_97_percent(tmp_path, capsys):
    """The README's main job: `autograd-scalar train` with no options."""
    code, out, _ = run(capsys, "--out", str(tmp_path))
    assert code == 0
    assert "engine: interpreted" in out  # toy sets: the engine as the course writes it
    history = json.loads((tmp_path / "history.json").read_text())["history"]
    assert history["train_acc"][-1] >= 0.97
    assert MLP.load(tmp_path / "model.npz").sizes == [16, 16, 2]
    final = float(out.split("final training accuracy ")[1].split("%")[0]) / 100
    assert final >= 0.97


def test_compiled_engine_trains_moons_to_the_same_threshold(tmp_path, capsys):
    code, out, _ = run(capsys, "--engine", "compiled", "--out", str(tmp_path))
    assert code == 0
    assert "engine: compiled" in out
    saved = json.loads((tmp_path / "history.json").read_text())
    assert saved["config"]["engine"] == "compiled"
    assert saved["history"]["train_acc"][-1] >= 0.97
    final = float(out.split("final training accuracy ")[1].split("%")[0]) / 100
    assert final >= 0.97


def test_hinge_loss_runs_compiled(tmp_path, capsys):
    code, out, _ = run(capsys, "--engine", "compiled", "--loss", "hinge", "--epochs", "5",
                       "--out", str(tmp_path))
    assert code == 0 and "engine: compiled" in out
    history = json.loads((tmp_path / "history.json").read_text())["history"]
    assert history["train_loss"][-1] < history["train_loss"][0]


def test_both_engines_give_the_same_history(tmp_path, capsys):
    """The same seeds, data and steps: the engines agree to rounding, epoch by epoch."""
    histories = {}
    for engine in ("interpreted", "compiled"):
        code, _, _ = run(capsys, "--dataset", "blobs", "--engine", engine, "--epochs", "3",
                         "--hidden", "8", "--train-size", "60", "--test-size", "30",
                         "--schedule", "linear", "--out", str(tmp_path / engine))
        assert code == 0
        histories[engine] = json.loads((tmp_path / engine / "history.json").read_text())
    interpreted, compiled = (histories[e]["history"] for e in ("interpreted", "compiled"))
    for key in ("train_loss", "val_loss"):
        assert compiled[key] == pytest.approx(interpreted[key], rel=1e-9)
    for key in ("train_acc", "val_acc"):
        assert compiled[key] == interpreted[key]
    weights = [MLP.load(tmp_path / e / "model.npz").state_dict() for e in histories]
    for name, array in weights[0].items():
        assert weights[1][name] == pytest.approx(array, rel=1e-9, abs=1e-12)


def test_outputs_agree_with_each_other(tmp_path, capsys):
    code, _, _ = run(capsys, "--dataset", "blobs", "--epochs", "3", "--hidden", "8",
                     "--train-size", "60", "--test-size", "30", "--out", str(tmp_path))
    assert code == 0
    saved = json.loads((tmp_path / "history.json").read_text())
    assert saved["config"]["hidden"] == [8] and saved["config"]["dataset"] == "blobs"
    history = saved["history"]
    with open(tmp_path / "metrics.csv") as f:
        rows = list(csv.DictReader(f))
    assert [int(r["epoch"]) for r in rows] == [1, 2, 3] == history["epoch"]
    assert [float(r["val_acc"]) for r in rows] == pytest.approx(history["val_acc"])
    model = MLP.load(tmp_path / "model.npz")
    assert model.sizes == [8, 3] and model.nin == 2
    for name in ("curves.png", "decision_boundary.png"):
        assert (tmp_path / name).stat().st_size > 10_000


def test_cifar10_at_low_resolution_on_the_real_files(cifar_dir, tmp_path, capsys):
    code, out, _ = run(capsys, "--dataset", "cifar10", "--data-dir", str(cifar_dir),
                       "--train-size", "100", "--test-size", "50", "--image-size", "8",
                       "--grayscale", "--epochs", "1", "--engine", "interpreted",
                       "--out", str(tmp_path))
    assert code == 0
    assert "100 training and 50 test examples, 64 inputs, 10 classes" in out
    assert "engine: interpreted" in out
    assert MLP.load(tmp_path / "model.npz").sizes == [32, 10]  # the interpreter's default
    assert not (tmp_path / "decision_boundary.png").exists()


def test_cifar10_compiled_by_default_at_full_resolution(cifar_dir, tmp_path, capsys):
    code, out, _ = run(capsys, "--dataset", "cifar10", "--data-dir", str(cifar_dir),
                       "--train-size", "100", "--test-size", "50", "--epochs", "2",
                       "--out", str(tmp_path))
    assert code == 0
    assert "100 training and 50 test examples, 3072 inputs, 10 classes" in out
    assert "engine: compiled" in out and "decaying linearly" in out
    saved = json.loads((tmp_path / "history.json").read_text())
    assert saved["config"]["engine"] == "compiled" and saved["config"]["schedule"] == "linear"
    assert MLP.load(tmp_path / "model.npz").sizes == [64, 10]
    losses = saved["history"]["train_loss"]
    assert len(losses) == 2 and losses[1] < losses[0]  # it learns something
    final = float(out.split("final training accuracy ")[1].split("%")[0]) / 100
    assert final > 0.2  # 100 images, 197,322 weights: well above chance (10%) after 2 epochs


def parsed(*args: str):  # noqa: ANN201
    parser = build_parser()
    namespace = parser.parse_args(["train", *args])
    check_options(namespace, parser)
    return defaults_for(namespace)


@pytest.mark.parametrize(
    "args, engine, hidden, epochs, batch_size, lr, schedule, test_size",
    [
        ([], "interpreted", [16, 16], 20, 16, 0.1, "constant", 200),
        (["--engine", "compiled"], "compiled", [16, 16], 20, 16, 0.1, "constant", 200),
        (["--dataset", "cifar10"], "compiled", [64], 10, 64, 0.01, "linear", None),
        (["--dataset", "cifar10", "--engine", "interpreted"], "interpreted", [32], 5, 32,
         0.005, "constant", 1000),
        (["--dataset", "cifar10", "--optimizer", "adam", "--schedule", "constant",
          "--epochs", "3"], "compiled", [64], 3, 64, 0.001, "constant", None),
    ],
)
def test_defaults_depend_on_the_data_set_and_the_engine(args, engine, hidden, epochs,
                                                        batch_size, lr, schedule, test_size):
    options = parsed(*args)
    assert (options.engine, options.hidden, options.epochs, options.batch_size, options.lr,
            options.schedule, options.test_size) == (engine, hidden, epochs, batch_size, lr,
                                                     schedule, test_size)


def test_missing_cifar10_says_where_it_looked_and_how_to_get_it(tmp_path, capsys):
    code, _, err = run(capsys, "--dataset", "cifar10", "--data-dir", str(tmp_path / "nowhere"),
                       "--out", str(tmp_path / "out"))
    assert code == 2
    assert str(tmp_path / "nowhere") in err and "--download" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--hidden", "32,x"], "comma-separated layer sizes"),
        (["--hidden", "32,0"], "at least 1"),
        (["--lr", "-1"], "greater than 0"),
        (["--lr", "fast"], "expected a number"),
        (["--epochs", "0"], "at least 1"),
        (["--dataset", "mnist"], "invalid choice"),
        (["--optimizer", "rmsprop"], "invalid choice"),
        (["--engine", "fast"], "argument --engine: invalid choice: 'fast'"),
        (["--schedule", "cosine"], "invalid choice"),
        (["--image-size", "8"], "--image-size: only for --dataset cifar10"),
        (["--grayscale"], "--grayscale: only for --dataset cifar10"),
    ],
)
def test_bad_flags_are_refused_with_a_reason(args, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err


def test_help_lists_every_option():
    text = build_parser()._subparsers._group_actions[0].choices["train"].format_help()
    for flag in ("--dataset", "--data-dir", "--download", "--train-size", "--test-size",
                 "--image-size", "--grayscale", "--hidden", "--activation", "--epochs",
                 "--batch-size", "--lr", "--optimizer", "--momentum", "--seed", "--out",
                 "--engine", "--schedule"):
        assert flag in text


def test_a_diverging_run_stops_with_advice(tmp_path, capsys):
    code, _, err = run(capsys, "--lr", "1e200", "--momentum", "0", "--epochs", "5",
                       "--out", str(tmp_path))
    assert code == 1
    # lr 1e200 blows the weights up: the first op whose result overflows says so
    assert "dot overflows" in err
    assert "(learning rate 1e+200, momentum 0, weight decay 0)" in err
    assert "lower the learning rate" in err and "the momentum or the weight decay" in err


def test_the_decision_boundary_title_names_the_split_and_matches_the_printed_accuracy(
        tmp_path, capsys, monkeypatch):
    import viz

    titles = []
    draw = viz.plot_decision_boundary

    def recording(*args, **kwargs):
        figure = draw(*args, **kwargs)
        titles.append(figure.axes[0].get_title())
        return figure

    monkeypatch.setattr(viz, "plot_decision_boundary", recording)
    code, out, _ = run(capsys, "--epochs", "3", "--out", str(tmp_path))
    assert code == 0
    printed = out.split("final training accuracy ")[1].split("%")[0]
    assert titles and f"training accuracy {printed}%" in titles[0]
