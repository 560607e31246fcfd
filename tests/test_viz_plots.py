"""Tests for the course plots: the data each figure draws, image sizes, errors on bad input."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # headless: the library itself never chooses a backend

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.contour import ContourSet
from matplotlib.figure import Figure
from PIL import Image

from autograd_scalar import Value, is_grad_enabled
from nn.data import flatten, load_cifar10, prepare_images
from viz import (
    confusion_matrix,
    decision_grid,
    plot_confusion_matrix,
    plot_decision_boundary,
    plot_history,
    plot_per_class_accuracy,
    save_figure,
    show_images,
    show_weights,
    weight_images,
)
from viz.model_outputs import model_outputs

HISTORY = {
    "epoch": [1, 2, 3, 4],
    "train_loss": [2.0, 1.5, 1.0, 0.6],
    "train_acc": [0.2, 0.4, 0.6, 0.8],
    "val_loss": [2.1, 1.7, 1.8, 2.2],
    "val_acc": [0.18, 0.35, 0.33, 0.30],
    "seconds": [1.0, 1.0, 1.0, 1.0],
}
TRAIN_ONLY = {key: HISTORY[key] for key in ("epoch", "train_loss", "train_acc")}


def png_size(fig: Figure, dpi: int) -> tuple[int, int]:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    buffer.seek(0)
    with Image.open(buffer) as image:
        image.load()
        return image.size


# ---------------------------------------------------------------------------------------
# plot_history
# ---------------------------------------------------------------------------------------


def test_history_draws_training_and_validation_curves_with_the_data():
    fig = plot_history(HISTORY, title="run", chance=0.1)
    ax_loss, ax_acc = fig.axes
    for ax, key in ((ax_loss, "loss"), (ax_acc, "acc")):
        train, val = ax.lines[0], ax.lines[1]
        np.testing.assert_array_equal(train.get_xdata(), HISTORY["epoch"])
        np.testing.assert_allclose(train.get_ydata(), HISTORY[f"train_{key}"])
        np.testing.assert_allclose(val.get_ydata(), HISTORY[f"val_{key}"])
        # the dotted line at the epoch of lowest validation loss (epoch 2)
        np.testing.assert_array_equal(ax.lines[2].get_xdata(), [2, 2])
    assert len(ax_loss.lines) == 3
    np.testing.assert_allclose(ax_acc.lines[3].get_ydata(), [0.1, 0.1])  # chance
    assert ax_acc.yaxis.get_major_formatter()(0.25, 0) == "25%"
    assert fig._suptitle.get_text() == "run"


@pytest.mark.parametrize(
    "history",
    [
        TRAIN_ONLY,
        {**TRAIN_ONLY, "val_loss": [None] * 4, "val_acc": [None] * 4},
    ],
    ids=["val absent", "val all None"],
)
def test_history_without_validation_draws_only_training(history):
    fig = plot_history(history)
    for ax in fig.axes:
        assert len(ax.lines) == 1
        assert ax.lines[0].get_label().startswith("training")


def test_history_skips_epochs_without_validation():
    history = {**TRAIN_ONLY, "val_loss": [None, 1.7, None, 1.2], "val_acc": [None, 0.3, None, 0.4]}
    ax_loss = plot_history(history, mark_best=False).axes[0]
    np.testing.assert_array_equal(ax_loss.lines[1].get_xdata(), [2, 4])
    np.testing.assert_allclose(ax_loss.lines[1].get_ydata(), [1.7, 1.2])


def test_history_of_one_epoch_shows_a_visible_point_at_an_integer_tick():
    fig = plot_history({"epoch": [1], "train_loss": [2.3], "train_acc": [0.1]})
    for ax in fig.axes:
        assert ax.lines[0].get_marker() == "o"
        assert list(ax.get_xticks()) == [1]
        low, high = ax.get_xlim()
        assert low < 1 < high


def test_history_png_has_figsize_times_dpi_pixels(tmp_path):
    fig = plot_history(HISTORY, figsize=(8.0, 3.0))
    path = save_figure(fig, tmp_path / "sub" / "history.png", dpi=50)
    with Image.open(path) as image:
        assert image.size == (400, 150)
        assert image.format == "PNG"


def test_figures_show_themselves_in_jupyter_without_pyplot():
    png = plot_history(TRAIN_ONLY)._repr_png_()
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.size[0] > 100


@pytest.mark.parametrize(
    ("history", "error", "words"),
    [
        ({"epoch": [1], "train_loss": [1.0]}, KeyError, "train_acc"),
        ({"train_loss": [1.0], "train_acc": [0.1]}, KeyError, "epoch"),
        ({**TRAIN_ONLY, "train_acc": [0.1, 0.2]}, ValueError, "has 2 entries"),
        ({**TRAIN_ONLY, "val_acc": [10.0, 20.0, 30.0, 40.0]}, ValueError, "divide percentages"),
        ({"epoch": [], "train_loss": [], "train_acc": []}, ValueError, "empty"),
        ([1, 2, 3], TypeError, "dict of lists"),
    ],
)
def test_history_bad_input_says_what_is_wrong(history, error, words):
    with pytest.raises(error, match=words):
        plot_history(history)


# ---------------------------------------------------------------------------------------
# decision_grid and plot_decision_boundary
# ---------------------------------------------------------------------------------------

X_LINE = np.array([[0.0, 0.0], [1.0, 1.0], [0.1, 1.0], [0.9, 0.0]])
Y_LINE = np.array([0, 1, 1, 1])  # the third point (x0 = 0.1 < 0.3) is on the wrong side


class LinePredict:
    """One output, x0 - 0.3: class 1 right of the vertical line x0 = 0.3."""

    def predict(self, X: np.ndarray) -> np.ndarray:
        return (X[:, 0] - 0.3)[:, None]


def line_per_sample(x: list[float]) -> list[Value]:
    """The same model as LinePredict, called on one sample like an MLP."""
    assert not is_grad_enabled()  # evaluation runs under no_grad()
    return [Value(x[0]) - 0.3]


def test_decision_grid_classifies_by_the_sign_of_one_output():
    xx, yy, classes = decision_grid(LinePredict(), X_LINE, resolution=50)
    assert xx.shape == yy.shape == classes.shape == (50, 50)
    np.testing.assert_array_equal(classes, (xx > 0.3).astype(int))
    assert 0 < classes.mean() < 1  # both classes occur, so the test can fail
    # the grid covers the data with a margin
    assert xx.min() < 0.0 and xx.max() > 1.0 and yy.min() < 0.0 and yy.max() > 1.0


def test_decision_grid_per_sample_call_matches_predict():
    _, _, by_predict = decision_grid(LinePredict(), X_LINE, resolution=30)
    _, _, by_call = decision_grid(line_per_sample, X_LINE, resolution=30)
    np.testing.assert_array_equal(by_call, by_predict)


def test_decision_grid_default_resolutions():
    assert decision_grid(LinePredict(), X_LINE)[2].shape == (200, 200)
    assert decision_grid(line_per_sample, X_LINE)[2].shape == (100, 100)  # slow path: smaller


def test_decision_grid_takes_the_argmax_of_several_outputs():
    class ThreeOutputs:
        def predict(self, X):
            return np.column_stack([X[:, 0], X[:, 1], np.full(len(X), 0.5)])

    xx, yy, classes = decision_grid(ThreeOutputs(), X_LINE, resolution=40)
    expected = np.argmax(np.stack([xx, yy, np.full_like(xx, 0.5)], axis=-1), axis=-1)
    np.testing.assert_array_equal(classes, expected)
    assert set(np.unique(classes)) == {0, 1, 2}


def test_model_outputs_accepts_a_single_value_or_numbers():
    X = np.array([[1.0, 2.0], [3.0, -4.0]])
    np.testing.assert_allclose(model_outputs(lambda x: Value(x[1]), X), [[2.0], [-4.0]])
    np.testing.assert_allclose(model_outputs(lambda x: [x[0], -x[0]], X), [[1, -1], [3, -3]])


def test_decision_boundary_draws_the_zero_line_and_reports_accuracy():
    fig = plot_decision_boundary(LinePredict(), X_LINE, Y_LINE, resolution=40, title="line")
    ax = fig.axes[0]
    assert ax.get_title() == "line\naccuracy 75.0% on the 4 points shown"
    lines = [c for c in ax.collections if isinstance(c, ContourSet) and not c.filled]
    vertices = np.concatenate([path.vertices for c in lines for path in c.get_paths()])
    np.testing.assert_allclose(vertices[:, 0], 0.3, atol=1e-9)  # the boundary x0 = 0.3
    assert len(ax.get_legend().get_texts()) == 2
    assert png_size(fig, dpi=40) == tuple(int(s) for s in fig.get_size_inches() * 40)


@pytest.mark.parametrize(("split", "words"), [("training", "training"), ("test", "test")])
def test_decision_boundary_title_names_the_split_its_accuracy_is_on(split, words):
    """Y_LINE has 3 of its 4 points on the right side of x0 = 0.3: 75.0%, as the CLI prints it
    (f"{0.75:.1%}")."""
    assert np.mean((X_LINE[:, 0] > 0.3) == Y_LINE) == 0.75
    fig = plot_decision_boundary(LinePredict(), X_LINE, Y_LINE, resolution=10, split=split)
    assert fig.axes[0].get_title() == f"Decision boundary\n{words} accuracy {0.75:.1%}"


def test_decision_boundary_title_with_a_long_name_stays_inside_the_figure():
    fig = plot_decision_boundary(
        LinePredict(), X_LINE, Y_LINE, resolution=10, title="two spirals, 3 classes: boundary"
    )
    renderer = FigureCanvasAgg(fig).get_renderer()
    fig.draw(renderer)
    box = fig.axes[0].title.get_window_extent(renderer)
    assert 0 <= box.x0 and box.x1 <= fig.bbox.width


@pytest.mark.parametrize("split", ["", "  ", 3])
def test_decision_boundary_split_must_name_the_data(split):
    with pytest.raises(ValueError, match="split names the data"):
        plot_decision_boundary(LinePredict(), X_LINE, Y_LINE, resolution=10, split=split)


def test_decision_boundary_draws_into_given_axes():
    fig = Figure()
    left, right = fig.subplots(1, 2)
    returned = plot_decision_boundary(line_per_sample, X_LINE, Y_LINE, resolution=10, ax=right)
    assert returned is fig
    assert right.collections and not left.collections


@pytest.mark.parametrize("X", [np.zeros((5, 3)), np.zeros(5), np.zeros((0, 2))])
def test_decision_boundary_needs_two_features(X):
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        plot_decision_boundary(LinePredict(), X, None)


def test_decision_boundary_labels_must_match_points():
    with pytest.raises(ValueError, match="y has 3 labels but X has 4 points"):
        plot_decision_boundary(LinePredict(), X_LINE, [0, 1, 1])


# ---------------------------------------------------------------------------------------
# show_images
# ---------------------------------------------------------------------------------------

RNG = np.random.default_rng(0)
IMAGES = RNG.integers(0, 256, size=(6, 4, 5, 3), dtype=np.uint8)  # N, H, W, C
LABELS = np.array([0, 1, 2, 0, 1, 2])
NAMES = ["cat", "dog", "frog"]


def shown(fig: Figure) -> list[np.ndarray]:
    return [np.asarray(ax.images[0].get_array()) for ax in fig.axes]


def test_show_images_grid_titles_and_pixels():
    fig = show_images(IMAGES, LABELS, NAMES, n=5, ncols=3)
    assert len(fig.axes) == 5  # 2 rows of 3, the sixth cell is not created
    assert [ax.get_title() for ax in fig.axes] == ["cat", "dog", "frog", "cat", "dog"]
    np.testing.assert_allclose(shown(fig)[1], IMAGES[1] / 255.0)
    assert fig.get_size_inches()[0] > fig.get_size_inches()[1]  # 3 columns, 2 rows
    width, height = fig.get_size_inches()
    assert png_size(fig, dpi=30) == (int(width * 30), int(height * 30))


def test_show_images_with_predictions_colours_right_and_wrong():
    predictions = np.array([0, 2, 2, 0, 0, 2])
    fig = show_images(IMAGES, LABELS, NAMES, predictions=predictions)
    titles = [ax.title for ax in fig.axes]
    assert titles[1].get_text() == "frog/\ndog"
    assert [t.get_color() for t in titles] == [
        "tab:green", "tab:red", "tab:green", "tab:green", "tab:red", "tab:green",
    ]  # fmt: skip
    scores = np.eye(3)[predictions]  # (N, K) scores give the same titles via argmax
    fig2 = show_images(IMAGES, LABELS, NAMES, predictions=scores)
    assert [ax.get_title() for ax in fig2.axes] == [t.get_text() for t in titles]


def test_show_images_flattened_hwc_and_chw_layouts():
    hwc = IMAGES.reshape(6, -1)
    chw = IMAGES.transpose(0, 3, 1, 2).reshape(6, -1)
    a = shown(show_images(hwc, n=6, image_shape=(4, 5, 3), order="hwc"))
    b = shown(show_images(chw, n=6, image_shape=(4, 5, 3)))
    c = shown(show_images(IMAGES.transpose(0, 3, 1, 2), n=6, channel_first=True))
    for i in range(6):
        np.testing.assert_allclose(a[i], IMAGES[i] / 255.0)
        np.testing.assert_allclose(b[i], IMAGES[i] / 255.0)
        np.testing.assert_allclose(c[i], IMAGES[i] / 255.0)


def test_show_images_rescales_standardised_floats_per_image():
    x = (IMAGES.astype(float) - 120.0) / 60.0
    x[1] *= 10.0  # a different scale per image must not matter
    images = shown(show_images(x, n=3))
    for i, image in enumerate(images):
        assert image.min() == pytest.approx(0.0) and image.max() == pytest.approx(1.0)
        expected = (x[i] - x[i].min()) / (x[i].max() - x[i].min())
        np.testing.assert_allclose(image, expected)


def test_show_images_keeps_floats_in_unit_range_and_grayscale():
    x = IMAGES[..., 0] / 255.0 * 0.5  # (N, H, W) in [0, 0.5]: shown as it is, not stretched
    fig = show_images(x, n=2)
    np.testing.assert_allclose(shown(fig)[0], x[0])
    assert fig.axes[0].images[0].get_cmap().name == "gray"


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"x": IMAGES.reshape(6, -1)}, "pass image_shape"),
        ({"x": IMAGES.reshape(6, -1), "image_shape": (32, 32, 3)}, "needs 3072"),
        ({"x": IMAGES.transpose(0, 3, 1, 2)}, "channel_first=True"),
        ({"x": np.zeros(5)}, "got shape"),
        ({"x": IMAGES, "predictions": LABELS}, "true classes y"),
        ({"x": IMAGES, "y": LABELS[:2], "n": 4}, "y has 2 entries"),
    ],
)
def test_show_images_bad_input_says_what_is_wrong(kwargs, words):
    with pytest.raises(ValueError, match=words):
        show_images(**kwargs)


# ---------------------------------------------------------------------------------------
# show_weights and weight_images
# ---------------------------------------------------------------------------------------


class FakeNeuron:
    def __init__(self, weights):
        self.w = [Value(float(v)) for v in weights]


class FakeLayer:
    def __init__(self, matrix):
        self.neurons = [FakeNeuron(row) for row in matrix]


WEIGHTS = RNG.normal(size=(5, 4 * 5 * 3))


def test_show_weights_one_image_per_neuron_equal_to_the_normalised_weights():
    fig = show_weights(FakeLayer(WEIGHTS), image_shape=(4, 5, 3), ncols=2, max_neurons=3)
    assert len(fig.axes) == 3
    w = WEIGHTS[2]
    expected = ((w - w.min()) / (w.max() - w.min())).reshape(3, 4, 5).transpose(1, 2, 0)
    np.testing.assert_allclose(shown(fig)[2], expected)
    assert fig.axes[2].get_title() == "neuron 2"


def test_weight_images_accepts_arrays_and_mlps_alike():
    class FakeMLP:
        def __init__(self):
            self.layers = [FakeLayer(WEIGHTS), FakeLayer(np.ones((2, 5)))]

    from_layer = weight_images(FakeLayer(WEIGHTS), (4, 5, 3))
    np.testing.assert_allclose(weight_images(WEIGHTS, (4, 5, 3)), from_layer)
    np.testing.assert_allclose(weight_images(FakeMLP(), (4, 5, 3)), from_layer)
    assert from_layer.shape == (5, 4, 5, 3)
    assert from_layer.min() == 0.0 and from_layer.max() == 1.0


def test_weight_images_symmetric_keeps_zero_at_the_middle():
    w = np.array([[0.0, 2.0, -1.0, 0.5], [0.0, -4.0, 1.0, 1.0]])
    images = weight_images(w, (2, 2), normalize="symmetric")
    np.testing.assert_allclose(images[0], [[0.5, 1.0], [0.25, 0.625]])
    np.testing.assert_allclose(images[1], [[0.5, 0.0], [0.625, 0.625]])


def test_weight_images_orders():
    chw = WEIGHTS.reshape(5, 3, 4, 5)  # each row: all red, then all green, then all blue
    w = chw[0].transpose(1, 2, 0)
    np.testing.assert_allclose(weight_images(WEIGHTS, (4, 5, 3))[0], minmax(w))
    hwc = WEIGHTS.reshape(5, 4, 5, 3)  # each row: pixel by pixel
    np.testing.assert_allclose(weight_images(WEIGHTS, (4, 5, 3), order="hwc")[0], minmax(hwc[0]))


def test_channel_first_still_works_with_a_deprecation_warning():
    for flag, order in ((True, "chw"), (False, "hwc")):
        with pytest.warns(DeprecationWarning, match=f"order={order!r}"):
            old = weight_images(WEIGHTS, (4, 5, 3), channel_first=flag)
        np.testing.assert_array_equal(old, weight_images(WEIGHTS, (4, 5, 3), order=order))
        with pytest.warns(DeprecationWarning, match=f"order={order!r}"):
            fig = show_weights(WEIGHTS, image_shape=(4, 5, 3), channel_first=flag)
        np.testing.assert_array_equal(shown(fig)[0], old[0])


def minmax(image: np.ndarray) -> np.ndarray:
    return (image - image.min()) / (image.max() - image.min())


# Taller than wide, so that a transposed height and width cannot pass for the original.
PROJECT_IMAGES = RNG.integers(0, 256, size=(5, 6, 4, 3), dtype=np.uint8)


@pytest.mark.parametrize("order", ["chw", "hwc"])
def test_images_flattened_the_projects_way_are_shown_back_as_they_were(order):
    """nn's prepare_images (CIFAR-10's channel-major rows by default) and back: identity."""
    rows, _ = prepare_images(PROJECT_IMAGES, standardize=False, order=order)
    kwargs = {} if order == "chw" else {"order": "hwc"}  # the default is the project's own
    drawn = shown(show_images(rows, n=5, image_shape=(6, 4, 3), **kwargs))
    for image, original in zip(drawn, PROJECT_IMAGES):
        np.testing.assert_allclose(image, original / 255.0, atol=1e-12)


@pytest.mark.parametrize("order", ["chw", "hwc"])
def test_weights_shaped_like_flattened_images_are_drawn_as_those_images(order):
    """A first layer whose weight rows are flattened images shows those images (min-max)."""
    rows = flatten(PROJECT_IMAGES.astype(float), order)
    kwargs = {} if order == "chw" else {"order": "hwc"}
    for layer in (rows, FakeLayer(rows)):
        drawn = shown(show_weights(layer, image_shape=(6, 4, 3), **kwargs))
        for image, original in zip(drawn, PROJECT_IMAGES):
            np.testing.assert_allclose(image, minmax(original.astype(float)), atol=1e-12)


def test_real_cifar10_as_the_cli_prepares_it_is_shown_back_as_loaded(cifar_dir):
    """The README's calls on rows prepared as the CLI prepares them (32 x 32 x 3)."""
    train = load_cifar10(cifar_dir, split="train", size=6, progress=False)
    rows, _ = prepare_images(train.images, standardize=False)
    drawn = shown(show_images(rows, n=6, image_shape=(32, 32, 3)))
    for image, original in zip(drawn, train.images):
        np.testing.assert_allclose(image, original / 255.0, atol=1e-12)
    weights = shown(show_weights(rows, image_shape=(32, 32, 3)))
    for image, original in zip(weights, train.images):
        np.testing.assert_allclose(image, minmax(original.astype(float)), atol=1e-12)


def test_order_errors_name_the_argument():
    with pytest.raises(ValueError, match="order must be 'chw'.*got 'whc'"):
        weight_images(WEIGHTS, (4, 5, 3), order="whc")
    with pytest.raises(ValueError, match="order must be 'chw'.*got 'rgb'"):
        show_images(IMAGES.reshape(6, -1), image_shape=(4, 5, 3), order="rgb")
    with pytest.raises(ValueError, match="contradict"):
        show_images(IMAGES.reshape(6, -1), image_shape=(4, 5, 3), channel_first=True, order="hwc")


def test_show_weights_grayscale_uses_a_diverging_colormap():
    fig = show_weights(WEIGHTS[:, :12], image_shape=(3, 4), normalize="symmetric")
    assert fig.axes[0].images[0].get_cmap().name == "RdBu_r"
    assert "white = 0" in fig._suptitle.get_text()


@pytest.mark.parametrize(
    ("layer", "kwargs", "words"),
    [
        (WEIGHTS, {}, r"nin = 60 .* image_shape=\(32, 32, 3\) has 3072"),
        (WEIGHTS, {"image_shape": (4, 5, 3), "normalize": "zscore"}, "'minmax' or 'symmetric'"),
        (np.zeros(60), {"image_shape": (4, 5, 3)}, r"2-D array \(nout, nin\)"),
    ],
)
def test_weight_images_bad_input_says_what_is_wrong(layer, kwargs, words):
    with pytest.raises(ValueError, match=words):
        weight_images(layer, **kwargs)


# ---------------------------------------------------------------------------------------
# Accuracy per class and confusion matrix
# ---------------------------------------------------------------------------------------

Y_TRUE = np.array([0, 0, 0, 0, 1, 1, 2, 2, 2, 2])
Y_PRED = np.array([0, 0, 1, 2, 1, 1, 2, 0, 0, 0])


def test_confusion_matrix_counts():
    expected = [[2, 1, 1], [0, 2, 0], [3, 0, 1]]
    np.testing.assert_array_equal(confusion_matrix(Y_TRUE, Y_PRED), expected)
    scores = np.eye(3)[Y_PRED] * 5.0 - 1.0  # argmax of scores == Y_PRED
    np.testing.assert_array_equal(confusion_matrix(Y_TRUE, scores), expected)
    np.testing.assert_array_equal(confusion_matrix([0, 1], [1, 1], num_classes=3).shape, (3, 3))


def test_per_class_accuracy_bars():
    fig = plot_per_class_accuracy(Y_TRUE, Y_PRED, ["a", "b", "c", "d"], chance=0.25)
    ax = fig.axes[0]
    heights = [bar.get_height() for bar in ax.patches]
    np.testing.assert_allclose(heights, [0.5, 1.0, 0.25, 0.0])
    labels = [text.get_text() for text in ax.texts]
    assert labels == ["50%", "100%", "25%", "no samples"]
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0.5, 0.5])  # overall: 5 of 10
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [0.25, 0.25])
    width, height = fig.get_size_inches()
    assert png_size(fig, dpi=20) == (int(width * 20), int(height * 20))


def test_confusion_matrix_figure_shows_row_fractions():
    fig = plot_confusion_matrix(Y_TRUE, Y_PRED, ["a", "b", "c"])
    matrix = np.asarray(fig.axes[0].images[0].get_array())
    np.testing.assert_allclose(matrix.sum(axis=1), 1.0)
    np.testing.assert_allclose(matrix[2], [0.75, 0.0, 0.25])
    counts = plot_confusion_matrix(Y_TRUE, Y_PRED, normalize=False).axes[0].images[0]
    np.testing.assert_array_equal(counts.get_array(), confusion_matrix(Y_TRUE, Y_PRED))


@pytest.mark.parametrize(
    ("y_true", "y_pred", "names", "words"),
    [
        ([0, 1], [0], None, "y_true has 2 labels but y_pred has 1"),
        ([], [], None, "empty"),
        ([0, 3], [0, 1], ["a", "b"], "class 3 occurs but only 2 class_names"),
    ],
)
def test_accuracy_plots_bad_input(y_true, y_pred, names, words):
    with pytest.raises(ValueError, match=words):
        plot_per_class_accuracy(y_true, y_pred, names)


def test_plot_history_names_the_held_out_curves():
    history = {"epoch": [1, 2], "train_loss": [1.0, 0.5], "train_acc": [0.5, 0.7],
               "val_loss": [1.1, 0.9], "val_acc": [0.4, 0.6]}
    fig = plot_history(history, val_label="test")
    labels = [line.get_label() for line in fig.axes[0].lines]
    assert labels[:3] == ["training loss", "test loss", "lowest test loss (epoch 2)"]
