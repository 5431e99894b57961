#!/usr/bin/python3
"""Train the static code-search model: `npm run train:model` (Debian's python3-torch, CPU).

Input: the pairs of `npm run train:data` (~/.cache/semindex-train/pairs.tsv; see
src/train/harvest.ts for the columns): a doc summary's words and its function's words, both as the
index's tokenizer (src/indexer/tokens.ts) cuts them.

Model (CodeSearchNet's neural bag of words, trained for retrieval): two token tables over one
vocabulary, a query side and a code side. A text's vector is the sum of its tokens' rows (a token
that occurs n times counts n times), each row times a learned per-token weight, then L2-normalised:
exactly what the extension computes (src/indexer/embed/staticEmbedder.ts), so the weights are baked
into the exported rows. Loss: symmetric in-batch contrastive (InfoNCE both ways), batches drawn
from one language at a time (a Go query's negatives are other Go functions, as in a Go workspace).

Output: assets/static-table.bin, format version 2 (src/indexer/embed/staticTable.ts): rows int8
with a scale per row, side 0 the code table, side 1 the query table; rows ordered by decreasing
token frequency (a row index is a frequency rank). Fixed seed and thread count: the same data gives
the same bytes.

    /usr/bin/python3 scripts/train-model.py [--pairs FILE] [--out FILE] [--vocab 50000] [--dim 256]
"""

import argparse
import hashlib
import json
import math
import os
import random
import struct
import sys
import time
from collections import Counter

import numpy as np
import torch
import torch.nn.functional as F

MAGIC = b"SMXT"
VERSION = 2
HEADER = 64


def log(msg):
    print(f"[train-model] {msg}", file=sys.stderr, flush=True)


def read_pairs(path, max_code):
    langs, pkgs, queries, codes = [], [], [], []
    with open(path, encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) != 7:
                continue
            q, c = cols[5].split(), cols[6].split()[:max_code]
            if len(q) < 2 or len(c) < 3:
                continue
            langs.append(cols[0])
            pkgs.append(cols[2])
            queries.append(q)
            codes.append(c)
    return langs, pkgs, queries, codes


def build_vocab(queries, codes, size, min_count):
    counts = Counter()
    for q in queries:
        counts.update(set(q))
    for c in codes:
        counts.update(set(c))
    words = [w for w, n in counts.items() if n >= min_count]
    words.sort(key=lambda w: (-counts[w], w))
    return words[:size], counts


def encode(bags, index):
    """Bags of words -> (flat ids, offsets), unknown words dropped; an empty bag keeps no id."""
    ids, offsets = [], []
    for bag in bags:
        offsets.append(len(ids))
        ids.extend(index[w] for w in bag if w in index)
    return torch.tensor(ids, dtype=torch.long), torch.tensor(offsets + [len(ids)], dtype=torch.long)


class Side(torch.nn.Module):
    def __init__(self, vocab, dim, idf):
        super().__init__()
        self.emb = torch.nn.Embedding(vocab, dim)
        torch.nn.init.normal_(self.emb.weight, std=1.0 / math.sqrt(dim))
        # per-token weight, softplus(a); starts at the token's IDF so common words start light
        self.a = torch.nn.Parameter(torch.log(torch.expm1(idf.clamp(min=0.05))))

    def rows(self):
        return self.emb.weight * F.softplus(self.a)[:, None]

    def forward(self, ids, offsets, lengths):
        w = F.softplus(self.a)[ids]
        bag = F.embedding_bag(ids, self.emb.weight, offsets, mode="sum", per_sample_weights=w)
        return F.normalize(bag, dim=-1)


def batch_of(ids, offs, picks):
    """Sub-bags of the picked pairs as (ids, offsets) for embedding_bag."""
    starts, ends = offs[picks], offs[picks + 1]
    lengths = ends - starts
    flat = torch.cat([ids[s:e] for s, e in zip(starts.tolist(), ends.tolist())]) if len(picks) else ids[:0]
    o = torch.zeros(len(picks), dtype=torch.long)
    o[1:] = torch.cumsum(lengths, 0)[:-1]
    return flat, o, lengths


def make_batches(langs, pkgs, n_idx, batch, rng, group, per_language):
    """One epoch's batches, each from one language; a language with more than `per_language` pairs
    gives a fresh random `per_language` of them each epoch (so the largest harvests do not drown
    the others). With group="package", a batch holds a few packages' pairs in a row (a workspace's
    functions are each other's hardest negatives)."""
    by = {}
    for i in n_idx:
        by.setdefault(langs[i], []).append(i)
    out = []
    for lang in sorted(by):
        items = list(by[lang])
        rng.shuffle(items)
        if per_language:
            items = items[:per_language]
        if group == "package":
            runs = {}
            for i in items:
                runs.setdefault(pkgs[i], []).append(i)
            order = sorted(runs)
            rng.shuffle(order)
            items = [i for p in order for i in runs[p]]
        for k in range(0, len(items) - batch // 4, batch):  # a short tail batch has too few negatives
            out.append(items[k : k + batch])
    rng.shuffle(out)
    return out


def mrr_proxy(model_q, model_c, qi, qo, ci, co, picks, pool=1000):
    """MRR of each held-out query against `pool` held-out functions (itself among them)."""
    with torch.no_grad():
        picks = picks[:pool]
        q = model_q(*batch_of(qi, qo, picks))
        c = model_c(*batch_of(ci, co, picks))
        sims = q @ c.T
        ranks = (sims > sims.diag()[:, None]).sum(1) + 1
        return float((1.0 / ranks.float()).mean())


def quantize(rows):
    rows = rows.detach().numpy().astype(np.float64)
    scale = np.abs(rows).max(axis=1) / 127.0
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(rows / scale[:, None]), -127, 127).astype(np.int8)
    return scale.astype(np.float32), q


def write_table(path, words, sides, meta):
    dim = sides[0][1].shape[1]
    meta_b = json.dumps(meta, sort_keys=True, separators=(",", ":")).encode()
    words_b = "\n".join(words).encode()
    body = bytearray(meta_b + words_b)
    body += b"\0" * ((4 - (HEADER + len(body)) % 4) % 4)
    for scale, q in sides:
        body += scale.astype("<f4").tobytes()
        body += np.ones(len(words), dtype="<f4").tobytes()  # weights are baked into the rows
        body += q.tobytes()
    cid = hashlib.sha256(body).digest()[:8]
    head = MAGIC + struct.pack("<HHII", VERSION, 0, dim, len(words)) + cid + struct.pack("<III", len(meta_b), len(words_b), len(sides))
    head += b"\0" * (HEADER - len(head))
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(head + body)
    os.replace(tmp, path)
    return cid.hex()


def main():
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    cache = os.environ.get("SEMINDEX_TRAIN_CACHE") or os.path.join(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "semindex-train")
    ap = argparse.ArgumentParser()
    ap.add_argument("--pairs", default=os.path.join(cache, "pairs.tsv"))
    ap.add_argument("--out", default=os.path.join(here, "assets", "static-table.bin"))
    ap.add_argument("--vocab", type=int, default=50000)
    ap.add_argument("--min-count", type=int, default=5)
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--batch", type=int, default=1024)
    ap.add_argument("--lr", type=float, default=0.01)
    ap.add_argument("--scale", type=float, default=20.0, help="inverse temperature of the contrastive loss")
    ap.add_argument("--max-code", type=int, default=512)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=20261201)
    ap.add_argument("--group", choices=["language", "package"], default="language", help="what a batch's pairs share")
    ap.add_argument("--per-language", type=int, default=0, help="pairs of one language per epoch at most (0: all; 60000 measured worse on the dev sets)")
    args = ap.parse_args()

    t0 = time.time()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    if not os.path.exists(args.pairs):
        sys.exit(f"train-model: {args.pairs} is missing; run `npm run train:data` first")
    digest = hashlib.sha256(open(args.pairs, "rb").read()).hexdigest()[:16]
    langs, pkgs, queries, codes = read_pairs(args.pairs, args.max_code)
    n = len(langs)
    log(f"{n} pairs from {args.pairs} (sha256 {digest}): " + ", ".join(f"{k} {v}" for k, v in sorted(Counter(langs).items())))
    words, df = build_vocab(queries, codes, args.vocab, args.min_count)
    index = {w: i for i, w in enumerate(words)}
    V = len(words)
    log(f"vocabulary {V} words (min count {args.min_count})")
    qi, qo = encode(queries, index)
    ci, co = encode(codes, index)
    idf = torch.tensor([math.log(2 * n / (1 + df[w])) for w in words], dtype=torch.float32)
    idf = idf / idf.mean()

    order = list(range(n))
    rng.shuffle(order)
    h = min(2000, n // 10)
    held = torch.tensor(order[:h])
    train = order[h:]
    mq, mc = Side(V, args.dim, idf), Side(V, args.dim, idf)
    params = list(mq.parameters()) + list(mc.parameters())
    opt = torch.optim.Adam(params, lr=args.lr)
    batches = [b for e in range(args.epochs) for b in make_batches(langs, pkgs, train, args.batch, rng, args.group, args.per_language)]
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=len(batches), pct_start=0.05)
    log(f"training: {len(batches)} batches of {args.batch}, dim {args.dim}, {args.epochs} epochs; held-out MRR@1000 before {mrr_proxy(mq, mc, qi, qo, ci, co, held):.4f}")
    labels = torch.arange(args.batch)
    for step, b in enumerate(batches):
        picks = torch.tensor(b)
        q = mq(*batch_of(qi, qo, picks))
        c = mc(*batch_of(ci, co, picks))
        sims = args.scale * (q @ c.T)
        y = labels[: len(b)]
        loss = (F.cross_entropy(sims, y) + F.cross_entropy(sims.T, y)) / 2
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        if step % 200 == 0 or step == len(batches) - 1:
            log(f"step {step}/{len(batches)} loss {loss.item():.4f} held-out MRR@1000 {mrr_proxy(mq, mc, qi, qo, ci, co, held):.4f} ({time.time() - t0:.0f} s)")

    with torch.no_grad():
        sides = [quantize(mc.rows()), quantize(mq.rows())]
    meta = {
        "model": "semindex-code-nbow",
        "source": "trained on doc-comment/function pairs from npm and Debian packages (npm run train:data)",
        "pairs": n,
        "pairsSha256": digest,
        "languages": dict(sorted(Counter(langs).items())),
        "dim": args.dim,
        "vocab": V,
        "epochs": args.epochs,
        "batch": args.batch,
        "lr": args.lr,
        "scale": args.scale,
        "seed": args.seed,
        "group": args.group,
        "perLanguage": args.per_language,
        "sides": ["code", "query"],
    }
    cid = write_table(args.out, words, sides, meta)
    log(f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.1f} MB, content id {cid}) in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
