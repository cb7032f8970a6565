"""Encoder backends behind ``Embedder``: torch MiniLM, int8 ONNX Runtime MiniLM, static model2vec.

Every backend has the two methods ``Embedder`` calls: ``encode(texts, batch_size=...)`` -> float32
L2-normalised (n, dim), and ``get_embedding_dimension()``; the MiniLM backends also ``iter_encode(texts)``,
batch by batch. ``canonical`` says whether a text's vector depends on the text alone, never on the texts
encoded with it (``fixed_batches``), so that a vector computed anywhere may be reused anywhere: true for
torch and static, false for int8 ONNX.

The ONNX and static models are built from the local MiniLM (never a hub download) on first use into
``default_cache_dir() / "models"`` under a file lock, in a temporary folder renamed into place when complete,
so two processes never see a half-built model. Pre-build them with::

    python -m feedback2journey.embed.encoders build [fast|onnx|all] [--folder DIR] [--strict]
"""
from __future__ import annotations

import argparse
import functools
import hashlib
import json
import logging
import os
import shutil
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from feedback2journey.config import ConfigError
from feedback2journey.errors import opt
from feedback2journey.embed import fixed_batches
from feedback2journey.resources import default_cache_dir, default_model_path

log = logging.getLogger(__name__)

TORCH_ID = "sentence-transformers/all-MiniLM-L6-v2"
ONNX_ID = TORCH_ID + "+onnx-int8"
STATIC_ID = "f2j-static-minilm-v1"
ONNX_FOLDER = "onnx-int8-minilm-v1"  # bump the suffix (and the id) whenever the build recipe changes
STATIC_FOLDER = STATIC_ID

# model2vec distillation recipe. PCA to 256 dims scored a little better than no PCA (Bitext intent 1-NN
# 0.959 vs 0.954) and is deterministic: model2vec's PCA is an eigendecomposition with a sign rule, no random state.
STATIC_RECIPE = {"pca_dims": 256, "sif_coefficient": 1e-4, "quantize_to": "float16", "pooling": "mean"}
# sha256 of the float16 vector table of the reference build (model2vec 0.10.0, torch 2.13 CPU, transformers 5.3,
# x86-64). The sentiment head for fast mode is trained on exactly these vectors; see models/fast_static/MODEL_CARD.md.
STATIC_REFERENCE_SHA256 = "bb5863a4a6a1c818c674a214761e9382af593ee27039f16f8c0e6bcff7ee31ee"
# ONNX recipe: fuse BERT ops (onnxruntime.transformers optimizer), then per-channel int8 weights on MatMul and the
# fused Attention. Per-tensor int8 only agreed with torch at mean cosine 0.969; per-channel at 0.994.
ONNX_RECIPE = {"opset": 17, "fuse": "bert", "per_channel": True, "op_types": ["MatMul", "Attention"],
               "weight_type": "QInt8", "max_seq_length": 256}


def models_dir() -> Path:
    return default_cache_dir() / "models"


def check_device(device: str) -> None:
    """Fail early and say what to do when ``device`` can't be used."""
    if device == "cpu":
        return
    if device != "cuda":
        raise ValueError(f"device must be 'cpu' or 'cuda', not {device!r}")
    import torch

    if not torch.cuda.is_available():
        raise ConfigError(
            f"the cuda device was asked for, but torch {torch.__version__} sees no CUDA GPU on this machine. "
            f"Fix: run with {opt('device', 'cpu')} (the default), or on a machine with an NVIDIA GPU install a "
            f"CUDA-enabled torch build (and onnxruntime-gpu for {opt('backend', 'onnx')}).")


def _offline() -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    import transformers

    transformers.logging.set_verbosity_error()  # hides a harmless "position_ids UNEXPECTED" report
    transformers.logging.disable_progress_bar()


def _collect(batches, n: int, dim: int) -> np.ndarray:
    out = np.empty((n, dim), dtype=np.float32)
    for pos, vecs in batches:
        out[pos] = vecs
    return out


def _normalise(vecs: np.ndarray) -> np.ndarray:
    vecs = np.asarray(vecs, dtype=np.float32)
    return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)


# --------------------------------------------------------------------------------------------- backends
class TorchEncoder:
    """sentence-transformers MiniLM, run in fixed-shape batches (``fixed_batches``) through the model's own
    modules (transformer, mean pooling, normalisation): each vector depends only on its text."""

    def __init__(self, model):
        self.st = model.eval()  # the SentenceTransformer (eval: no dropout; encode() would set it too)
        # a text's vector does not depend on its batch-mates, so it may be reused anywhere (tested on the CPU;
        # GPU kernels are not, so there a run keeps hiding its own vectors from its later chunks)
        self.canonical = self.st.device.type == "cpu"

    @staticmethod
    def load(model_path: str, device: str) -> "TorchEncoder":
        _offline()
        from sentence_transformers import SentenceTransformer

        return TorchEncoder(SentenceTransformer(model_path, device=device))

    def get_embedding_dimension(self) -> int:
        return int(self.st.get_embedding_dimension())

    def iter_encode(self, texts: Sequence[str], tap=None):
        """Yield (positions, vectors) batch by batch.

        ``tap``: a head over an intermediate hidden state of the same pass (the fine-tuned sentiment top,
        ``feel.encoder.HiddenTap``): an object with ``layer_k`` and ``__call__(hidden, attention_mask) -> (rows, dim)``.
        The hidden state entering layer ``layer_k`` is read by a forward hook, so the vectors come from the very
        same forward as without a tap (bit-identical); then (positions, vectors, tapped rows) is yielded."""
        import torch

        ids = self.st.tokenizer(list(texts), truncation=True, max_length=self.st.max_seq_length)["input_ids"]
        seen: list = []
        hook = None
        if tap is not None:
            layer = self.st[0].auto_model.encoder.layer[int(tap.layer_k) - 1]
            hook = layer.register_forward_hook(lambda _m, _i, out: seen.append(out[0] if isinstance(out, tuple) else out))
        try:
            with torch.inference_mode():
                for pos, rows in fixed_batches.plan([len(x) for x in ids]):
                    batch = torch.tensor(fixed_batches.fill([ids[i] for i in pos], rows), device=self.st.device)
                    features = {"input_ids": batch, "attention_mask": torch.ones_like(batch),
                                "token_type_ids": torch.zeros_like(batch)}
                    vecs = self.st.forward(features)["sentence_embedding"][: len(pos)]
                    vecs = torch.nn.functional.normalize(vecs, p=2, dim=1).float().cpu().numpy()
                    if tap is None:
                        yield pos, vecs
                    else:  # fixed-shape rows, no padding: the tapped rows are canonical too
                        hidden = seen.pop()
                        yield pos, vecs, np.asarray(tap(hidden, torch.ones_like(batch)), dtype=np.float32)[: len(pos)]
        finally:
            if hook is not None:
                hook.remove()

    def encode(self, texts: Sequence[str], **_) -> np.ndarray:
        return _collect(self.iter_encode(texts), len(texts), self.get_embedding_dimension())


class OnnxEncoder:
    """The int8 ONNX export of MiniLM: ``tokenizers`` tokenizer, mean pooling and L2 norm inside the graph.

    Not canonical: dynamic int8 quantisation scales activations per batch, so batch-mates move a vector
    (measured: min cosine 0.94 between two batchings). Fixed-shape batches are kept because they pad less
    (12% faster than padded batches of 16); batches of one would be canonical but 38% slower."""

    canonical = False

    def __init__(self, folder: str | Path, device: str = "cpu"):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        folder = Path(folder)
        meta = json.loads((folder / "build.json").read_text())
        self.dim = int(meta["dim"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(int(meta["recipe"]["max_seq_length"]))
        self.tokenizer.no_padding()  # batches hold texts of one length (fixed_batches): nothing to pad
        providers = ["CPUExecutionProvider"]
        if device == "cuda":
            if "CUDAExecutionProvider" not in ort.get_available_providers():
                raise ConfigError(f"the cuda device with the onnx backend needs onnxruntime-gpu. Fix: pip install "
                                  f"onnxruntime-gpu, or use {opt('backend', 'torch')} on cuda, or {opt('device', 'cpu')}.")
            providers.insert(0, "CUDAExecutionProvider")
        opts = ort.SessionOptions()
        opts.log_severity_level = 3  # quiet about the graph's unused initialisers
        self.session = ort.InferenceSession(str(folder / "model.int8.onnx"), opts, providers=providers)
        self.inputs = {i.name for i in self.session.get_inputs()}

    def get_embedding_dimension(self) -> int:
        return self.dim

    def iter_encode(self, texts: Sequence[str]):
        """Yield (positions, vectors) batch by batch, in fixed-shape batches as ``TorchEncoder``."""
        encoded = self.tokenizer.encode_batch(list(texts))
        ids = [e.ids for e in encoded]
        for pos, rows in fixed_batches.plan([len(x) for x in ids]):
            batch = np.asarray(fixed_batches.fill([ids[i] for i in pos], rows), dtype=np.int64)
            feed = {"input_ids": batch, "attention_mask": np.ones_like(batch), "token_type_ids": np.zeros_like(batch)}
            vecs = self.session.run(None, {k: v for k, v in feed.items() if k in self.inputs})[0][: len(pos)]
            yield pos, _normalise(vecs)

    def encode(self, texts: Sequence[str], **_) -> np.ndarray:
        return _collect(self.iter_encode(texts), len(texts), self.dim)


class StaticEncoder:
    """A model2vec static model: mean of per-token vectors, 100-300x faster than MiniLM on CPU."""

    canonical = True  # a per-text mean: no batch-mates involved

    def __init__(self, folder: str | Path):
        from model2vec import StaticModel

        self.model = StaticModel.from_pretrained(str(folder), normalize=True)

    def get_embedding_dimension(self) -> int:
        return int(self.model.dim)

    def encode(self, texts: Sequence[str], batch_size: int = 4096, **_) -> np.ndarray:
        # model2vec's own thread pool only pays off past 10k sentences; Embedder hands over big chunks.
        vecs = self.model.encode(list(texts), batch_size=batch_size, show_progress_bar=False)
        return _normalise(vecs)  # float16 table -> float32, renormalised in float32


# --------------------------------------------------------------------------------------------- building
def source_fingerprint(model_path: str) -> str:
    """Short hash of the source model's weights, so a different MiniLM never reuses a built artefact."""
    h = hashlib.sha256()
    for name in ("model.safetensors", "pytorch_model.bin", "tokenizer.json"):
        p = Path(model_path) / name
        if p.exists():
            h.update(name.encode())
            h.update(str(p.stat().st_size).encode())
            with open(p, "rb") as f:
                h.update(f.read(1 << 20))  # the first MiB is enough to tell models apart, and fast
    return h.hexdigest()[:12]


def static_vectors_sha256(folder: str | Path) -> str:
    """sha256 of a built static model's vector table (the bytes the embedding space is made of)."""
    from safetensors.numpy import load_file

    tensors = load_file(str(Path(folder) / "model.safetensors"))
    return hashlib.sha256(np.ascontiguousarray(tensors["embeddings"]).tobytes()).hexdigest()


def _atomic_build(folder: Path, build, what: str, eta: str) -> Path:
    """Run ``build(tmp_folder)`` once across processes: file lock, then rename a complete folder into place."""
    from filelock import FileLock

    if (folder / "build.json").exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(folder.parent / f".{folder.name}.lock")):
        if (folder / "build.json").exists():  # another process built it while we waited
            return folder
        log.warning("building the %s once, %s -> %s", what, eta, folder)
        tmp = folder.parent / f".{folder.name}.tmp-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
        t0 = time.perf_counter()
        try:
            build(tmp)
            meta = json.loads((tmp / "build.json").read_text())
            meta["build_seconds"] = round(time.perf_counter() - t0, 1)
            (tmp / "build.json").write_text(json.dumps(meta, indent=1))
            if folder.exists():  # a leftover without build.json: incomplete, replace it
                shutil.rmtree(folder)
            os.replace(tmp, folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    return folder


def build_fast_model(folder: str | Path | None = None, model_path: str | None = None, strict: bool = False) -> Path:
    """Distil the static model from the local MiniLM into ``folder`` (default: the user cache), once.

    Verifies the vector checksum against the reference build; a mismatch is logged (or raised with ``strict``):
    a sentiment head trained on the reference vectors is then only approximately valid.
    """
    model_path = model_path or default_model_path()
    folder = Path(folder) if folder else models_dir() / STATIC_FOLDER

    def build(tmp: Path) -> None:
        _offline()
        import model2vec.distill.inference as m2v_inference
        import torch
        from model2vec.distill import distill_from_model
        from tqdm import tqdm
        from transformers import AutoModel, AutoTokenizer

        model = AutoModel.from_pretrained(model_path)
        tokenizer = AutoTokenizer.from_pretrained(model_path, use_fast=True)
        original_tqdm = m2v_inference.tqdm
        m2v_inference.tqdm = functools.partial(tqdm, disable=True)  # no 30k-token progress bar in a CLI run
        try:
            with torch.inference_mode():
                static = distill_from_model(model, tokenizer, device="cpu", **STATIC_RECIPE)
        finally:
            m2v_inference.tqdm = original_tqdm
        static.save_pretrained(str(tmp))
        sha = static_vectors_sha256(tmp)
        meta = {"model_id": STATIC_ID, "source": TORCH_ID, "source_fingerprint": source_fingerprint(model_path),
                "recipe": STATIC_RECIPE, "vocab": int(static.embedding.shape[0]), "dim": int(static.dim),
                "vectors_sha256": sha, "reference_sha256": STATIC_REFERENCE_SHA256,
                "matches_reference": sha == STATIC_REFERENCE_SHA256,
                "versions": _versions("model2vec", "torch", "transformers", "numpy")}
        (tmp / "build.json").write_text(json.dumps(meta, indent=1))

    _atomic_build(folder, build, "fast model", "~1-4 min on 2 cores")
    meta = json.loads((folder / "build.json").read_text())
    if not meta["matches_reference"]:
        msg = (f"the fast model in {folder} is not bit-identical to the reference build (vectors sha256 "
               f"{meta['vectors_sha256'][:12]}... != {STATIC_REFERENCE_SHA256[:12]}...), probably another "
               f"CPU/BLAS or library version ({meta['versions']}); heads trained on the reference are approximate")
        if strict:
            raise RuntimeError(msg)
        log.warning(msg)
    return folder


def build_onnx_model(folder: str | Path | None = None, model_path: str | None = None) -> Path:
    """Export MiniLM (+ mean pooling + L2 norm) to ONNX, fuse, quantise to int8, into ``folder``, once."""
    model_path = model_path or default_model_path()
    folder = Path(folder) if folder else models_dir() / ONNX_FOLDER

    def build(tmp: Path) -> None:
        _offline()
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
        from onnxruntime.transformers.optimizer import optimize_model
        from tokenizers import Tokenizer
        from transformers import AutoModel

        # eager attention: the legacy exporter traces it into plain ops that the BERT fuser recognises
        bert = AutoModel.from_pretrained(model_path, attn_implementation="eager").eval()

        class Pooled(torch.nn.Module):
            def __init__(self, m):
                super().__init__()
                self.m = m

            def forward(self, input_ids, attention_mask, token_type_ids):
                h = self.m(input_ids=input_ids, attention_mask=attention_mask,
                           token_type_ids=token_type_ids).last_hidden_state
                mask = attention_mask.unsqueeze(-1).to(h.dtype)
                pooled = (h * mask).sum(1) / mask.sum(1).clamp(min=1e-9)  # sentence-transformers' mean pooling
                return torch.nn.functional.normalize(pooled, p=2, dim=1)

        tok = Tokenizer.from_file(str(Path(model_path) / "tokenizer.json"))
        enc = tok.encode_batch(["an example sentence to trace the graph", "short"])
        width = max(len(e.ids) for e in enc)
        ids = torch.tensor([e.ids + [0] * (width - len(e.ids)) for e in enc])
        mask = (torch.arange(width)[None, :] < torch.tensor([[len(e.ids)] for e in enc])).long()
        axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"},
                "token_type_ids": {0: "batch", 1: "seq"}, "embedding": {0: "batch"}}
        fp32, fused = tmp / "model.fp32.onnx", tmp / "model.fused.onnx"
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer warnings about constants: the graph is checked against torch
            torch.onnx.export(Pooled(bert), (ids, mask, torch.zeros_like(ids)), str(fp32), dynamo=False,
                              opset_version=ONNX_RECIPE["opset"], input_names=list(axes)[:3],
                              output_names=["embedding"], dynamic_axes=axes)
        cfg = bert.config
        optimize_model(str(fp32), model_type="bert", num_heads=cfg.num_attention_heads,
                       hidden_size=cfg.hidden_size).save_model_to_file(str(fused))
        quantize_dynamic(str(fused), str(tmp / "model.int8.onnx"), per_channel=ONNX_RECIPE["per_channel"],
                         op_types_to_quantize=ONNX_RECIPE["op_types"], weight_type=QuantType.QInt8,
                         extra_options={"DefaultTensorType": 1})  # float: the fused ops lack shape inference
        fp32.unlink()
        fused.unlink()
        shutil.copy(Path(model_path) / "tokenizer.json", tmp / "tokenizer.json")
        pad_id = cfg.pad_token_id if cfg.pad_token_id is not None else 0
        meta = {"model_id": ONNX_ID, "source": TORCH_ID, "source_fingerprint": source_fingerprint(model_path),
                "recipe": ONNX_RECIPE, "dim": int(cfg.hidden_size), "pad_id": int(pad_id),
                "pad_token": tok.id_to_token(pad_id) or "[PAD]",
                "file_sha256": hashlib.sha256((tmp / "model.int8.onnx").read_bytes()).hexdigest(),
                "versions": _versions("torch", "onnx", "onnxruntime", "transformers")}
        (tmp / "build.json").write_text(json.dumps(meta, indent=1))

    return _atomic_build(folder, build, "int8 ONNX model", "~30 s")


def _versions(*packages: str) -> dict[str, str]:
    from importlib.metadata import version

    return {p: version(p) for p in packages}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m feedback2journey.embed.encoders",
                                 description="Build the fast (static) and/or int8 ONNX encoders ahead of time.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="build into the user cache (F2J_CACHE_DIR) or --folder")
    b.add_argument("what", nargs="?", choices=["fast", "onnx", "all"], default="all")
    b.add_argument("--folder", type=Path, help="build here instead of the cache (one model only)")
    b.add_argument("--strict", action="store_true", help="fail if the fast model is not bit-identical to the "
                   "reference build")
    c = sub.add_parser("checksum", help="print the vector sha256 of a built fast model")
    c.add_argument("folder", type=Path, nargs="?")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    if args.cmd == "checksum":
        print(static_vectors_sha256(args.folder or models_dir() / STATIC_FOLDER))
        return 0
    if args.folder and args.what == "all":
        ap.error("--folder needs 'fast' or 'onnx'")
    if args.what in ("fast", "all"):
        path = build_fast_model(args.folder, strict=args.strict)
        print(f"fast model: {path} (vectors sha256 {static_vectors_sha256(path)})")
    if args.what in ("onnx", "all"):
        path = build_onnx_model(args.folder)
        print(f"onnx int8 model: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
