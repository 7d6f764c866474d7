"""GE2E speaker embeddings (resemblyzer 0.1.4's weights) as an ONNX graph run by onnxruntime."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from neuronlens.errors import ModelUnavailable
from neuronlens.pipeline.speaker_mel import N_MELS
from neuronlens.pipeline.torch_pickle import load_legacy_checkpoint

if TYPE_CHECKING:
    import onnx
    import onnxruntime

WEIGHTS_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"
"""SHA-256 of ``resemblyzer/pretrained.pt`` in resemblyzer 0.1.4 (DESIGN.md)."""
INSTALL_HINT = "pip install --no-deps resemblyzer==0.1.4"
"""Never without --no-deps: the wheel declares a PyTorch dependency the encoder does not need."""
HIDDEN = 256
LAYERS = 3
EMBEDDING = 256
ONNX_DIRNAME = "speaker-ge2e"
ONNX_NAME = f"encoder-{WEIGHTS_SHA256[:16]}.onnx"

# PyTorch stores LSTM gate blocks as i, f, g, o; ONNX expects i, o, f, c (c is PyTorch's g).
_GATE_ORDER = (0, 3, 1, 2)


def weights_path() -> Path:
    """Where the installed resemblyzer wheel keeps ``pretrained.pt`` (found without importing it:
    its ``__init__`` imports torch)."""
    spec = importlib.util.find_spec("resemblyzer")
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise ModelUnavailable(
            f"The speaker encoder needs the resemblyzer wheel's weights; install it: {INSTALL_HINT}"
        )
    return Path(locations[0]) / "pretrained.pt"


def load_weights(path: Path, expected_sha256: str = WEIGHTS_SHA256) -> dict[str, np.ndarray]:
    """The encoder's state dict from ``pretrained.pt``, after checking its SHA-256."""
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as exc:
        raise ModelUnavailable(f"speaker encoder weights unreadable at {path}: {exc}") from exc
    if digest != expected_sha256:
        raise ModelUnavailable(
            f"{path} has SHA-256 {digest}, expected {expected_sha256}; reinstall: "
            f"pip install --force-reinstall {INSTALL_HINT.removeprefix('pip install ')}"
        )
    state = load_legacy_checkpoint(path).get("model_state")
    if not isinstance(state, Mapping):
        raise ModelUnavailable(f"{path} has no model_state")
    return {str(k): np.asarray(v, dtype=np.float32) for k, v in state.items()}


def _reorder_gates(matrix: np.ndarray) -> np.ndarray:
    blocks = np.split(matrix, 4, axis=0)
    return np.concatenate([blocks[i] for i in _GATE_ORDER], axis=0)


def build_onnx(weights: Mapping[str, np.ndarray]) -> onnx.ModelProto:
    """The encoder as ONNX: mels (batch, frames, 40) -> unit embeddings (batch, 256)."""
    from onnx import TensorProto, helper, numpy_helper

    inits, nodes = [], []
    nodes.append(helper.make_node("Transpose", ["mels"], ["x0"], perm=[1, 0, 2]))
    inits.append(numpy_helper.from_array(np.array([1], dtype=np.int64), "axis1"))
    inits.append(numpy_helper.from_array(np.array([0], dtype=np.int64), "axis0"))
    previous = "x0"
    for layer in range(LAYERS):
        w = _reorder_gates(weights[f"lstm.weight_ih_l{layer}"])[None]
        r = _reorder_gates(weights[f"lstm.weight_hh_l{layer}"])[None]
        b = np.concatenate(
            [
                _reorder_gates(weights[f"lstm.bias_ih_l{layer}"][:, None])[:, 0],
                _reorder_gates(weights[f"lstm.bias_hh_l{layer}"][:, None])[:, 0],
            ]
        )[None]
        for name, value in (("W", w), ("R", r), ("B", b)):
            inits.append(numpy_helper.from_array(value.astype(np.float32), f"{name}{layer}"))
        outputs = [f"y{layer}", f"h{layer}"]
        nodes.append(
            helper.make_node(
                "LSTM",
                [previous, f"W{layer}", f"R{layer}", f"B{layer}"],
                outputs,
                hidden_size=HIDDEN,
            )
        )
        # Y is (frames, directions=1, batch, hidden): drop the direction axis for the next layer.
        nodes.append(helper.make_node("Squeeze", [f"y{layer}", "axis1"], [f"x{layer + 1}"]))
        previous = f"x{layer + 1}"
    inits.append(numpy_helper.from_array(weights["linear.weight"].T.copy(), "linear_w"))
    inits.append(numpy_helper.from_array(weights["linear.bias"], "linear_b"))
    nodes += [
        helper.make_node("Squeeze", [f"h{LAYERS - 1}", "axis0"], ["last"]),
        helper.make_node("MatMul", ["last", "linear_w"], ["projected"]),
        helper.make_node("Add", ["projected", "linear_b"], ["biased"]),
        helper.make_node("Relu", ["biased"], ["positive"]),
        helper.make_node("LpNormalization", ["positive"], ["embeddings"], axis=1, p=2),
    ]
    graph = helper.make_graph(
        nodes,
        "ge2e_speaker_encoder",
        [helper.make_tensor_value_info("mels", TensorProto.FLOAT, ["batch", "frames", N_MELS])],
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", EMBEDDING])],
        inits,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8  # readable by every onnxruntime faster-whisper supports
    return model


def numpy_forward(weights: Mapping[str, np.ndarray], mels: np.ndarray) -> np.ndarray:
    """The same network in plain NumPy (PyTorch gate order): the reference for the ONNX graph."""

    def sigmoid(v: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-v))

    x = np.asarray(mels, dtype=np.float64)
    batch, frames, _ = x.shape
    h = np.zeros((batch, HIDDEN))
    for layer in range(LAYERS):
        w_ih, w_hh = weights[f"lstm.weight_ih_l{layer}"], weights[f"lstm.weight_hh_l{layer}"]
        bias = weights[f"lstm.bias_ih_l{layer}"] + weights[f"lstm.bias_hh_l{layer}"]
        h, c = np.zeros((batch, HIDDEN)), np.zeros((batch, HIDDEN))
        outputs = np.empty((batch, frames, HIDDEN))
        for t in range(frames):
            gates = x[:, t] @ w_ih.T + h @ w_hh.T + bias
            i, f, g, o = np.split(gates, 4, axis=1)
            c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
            h = sigmoid(o) * np.tanh(c)
            outputs[:, t] = h
        x = outputs
    raw = np.maximum(h @ weights["linear.weight"].T + weights["linear.bias"], 0.0)
    norms = np.linalg.norm(raw, axis=1, keepdims=True)
    return (raw / np.maximum(norms, 1e-12)).astype(np.float32)


def onnx_path(models_dir: Path, source: Path | None = None) -> Path:
    """The encoder's ONNX file in the model cache, built from the verified weights if absent."""
    target = models_dir / ONNX_DIRNAME / ONNX_NAME
    if target.is_file():
        return target
    model = build_onnx(load_weights(source or weights_path()))
    target.parent.mkdir(parents=True, exist_ok=True)
    # Write aside and rename: concurrent workers never see a half-written graph.
    handle, staging = tempfile.mkstemp(prefix=".encoder.", suffix=".onnx", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(model.SerializeToString())
        os.chmod(staging, 0o644)
        os.replace(staging, target)
    finally:
        if os.path.exists(staging):
            os.unlink(staging)
    return target


class SpeakerEncoder:
    """Embeds batches of mel windows; one instance per process (ModelRegistry)."""

    def __init__(self, path: Path, threads: int) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        # Explicit, so onnxruntime does not start its own pool per core beside CTranslate2's.
        options.intra_op_num_threads = max(1, threads)
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        try:
            self._session: onnxruntime.InferenceSession = onnxruntime.InferenceSession(
                str(path), options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own untyped errors
            raise ModelUnavailable(f"speaker encoder at {path} could not be loaded: {exc}") from exc

    def embed(self, mels: np.ndarray) -> np.ndarray:
        """(batch, 256) unit-length embeddings of (batch, frames, 40) mel windows."""
        batch = np.ascontiguousarray(mels, dtype=np.float32)
        if batch.shape[0] == 0:
            return np.zeros((0, EMBEDDING), dtype=np.float32)
        (out,) = self._session.run(["embeddings"], {"mels": batch})
        return np.asarray(out, dtype=np.float32)
