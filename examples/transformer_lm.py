"""A small decoder-only, character-level Transformer language model, trained on the English
text of Python's own documentation (pydoc_data.topics, which ships with Python: offline).

    python examples/transformer_lm.py [--pos learned|rotary] [--steps 500] [--layers 2]

Architecture (a GPT in miniature): token embedding (+ learned position embedding with
--pos learned), `layers` pre-norm blocks of LayerNorm -> causal multi-head self-attention
(ember.nn.functional.scaled_dot_product_attention, is_causal=True; rotary position
embedding on queries and keys with --pos rotary) -> residual, LayerNorm -> MLP (GELU) ->
residual; final LayerNorm and a linear head. Trained with AdamW on 90% of the text; the
loss on the held-out 10% is compared with the unigram baseline (the entropy of the
character frequencies). Then text is generated with a KV cache: one ember.nn.KVCache per
layer, so sampling token t costs O(t) (one query attends the cached keys), and the cached
greedy generation is checked against generation that recomputes the whole prefix.
"""
import argparse
import time

import numpy as np
from pydoc_data.topics import topics

import ember
import ember.nn as nn
import ember.nn.functional as F


class Block(nn.Module):
    def __init__(self, d_model, n_head):
        super().__init__()
        self.n_head, self.head_dim = n_head, d_model // n_head
        self.ln1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.ln2 = nn.LayerNorm(d_model)
        self.fc1 = nn.Linear(d_model, 4 * d_model)
        self.fc2 = nn.Linear(4 * d_model, d_model)

    def forward(self, x, rope=None, cache=None):
        N, T, E = x.shape
        q, k, v = self.qkv(self.ln1(x)).reshape(N, T, 3, self.n_head, self.head_dim) \
                                        .permute(2, 0, 3, 1, 4)  # 3 x (N, H, T, D)
        offset = cache.size if cache is not None else 0  # positions already cached
        if rope is not None:
            q, k = rope(q, offset), rope(k, offset)
        if cache is not None:
            # Prefill on an empty cache (causal), then one token at a time: the new query
            # sees every cached key, so no mask is needed.
            assert offset == 0 or T == 1, "multi-token chunks on a filled cache need a mask"
            k, v = cache.update(k, v)
        a = F.scaled_dot_product_attention(q, k, v, is_causal=(offset == 0 and T > 1))
        x = x + self.proj(a.transpose(1, 2).reshape(N, T, E))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


class CharTransformer(nn.Module):
    def __init__(self, vocab, block_size, d_model=128, n_head=4, n_layer=2, pos="rotary"):
        super().__init__()
        self.block_size, self.pos = block_size, pos
        self.tok = nn.Embedding(vocab, d_model)
        if pos == "learned":
            self.pos_emb = nn.Embedding(block_size, d_model)  # learned positions
        else:
            self.rope = nn.RotaryEmbedding(d_model // n_head, max_seq_len=block_size)
        self.blocks = nn.ModuleList([Block(d_model, n_head) for _ in range(n_layer)])
        self.ln_f = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab)
        for name, p in self.named_parameters():  # GPT-2 style small init
            if name.endswith("weight") and p.dim() == 2:
                nn.init.normal_(p, 0.0, 0.02)

    def forward(self, idx, caches=None):
        """idx (N, T) int64 -> logits (N, T, vocab). With caches (one KVCache per block),
        idx holds the tokens after those already cached."""
        N, T = idx.shape
        offset = caches[0].size if caches else 0
        x = self.tok(idx)
        rope = None
        if self.pos == "learned":
            x = x + self.pos_emb(ember.arange(offset, offset + T))
        else:
            rope = self.rope
        for i, block in enumerate(self.blocks):
            x = block(x, rope, caches[i] if caches else None)
        return self.head(self.ln_f(x))


def batches(data, block, batch, rng):
    starts = rng.integers(0, len(data) - block - 1, size=batch)
    x = np.stack([data[s:s + block] for s in starts])
    y = np.stack([data[s + 1:s + block + 1] for s in starts])
    return ember.from_numpy(x), ember.from_numpy(y)


def evaluate(model, data, block, batch, n_batches, seed=1):
    rng = np.random.default_rng(seed)
    model.eval()
    total = 0.0
    with ember.no_grad():
        for _ in range(n_batches):
            x, y = batches(data, block, batch, rng)
            logits = model(x)
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).item()
    model.train()
    return total / n_batches


def generate(model, prompt, n_new, temperature=1.0, rng=None, use_cache=True):
    """Samples n_new tokens after prompt (1-D int64 array); greedy when rng is None.
    Returns the tokens and the logits of every step."""
    model.eval()
    n_head, head_dim = model.blocks[0].n_head, model.blocks[0].head_dim
    caches = [nn.KVCache(1, n_head, model.block_size, head_dim) for _ in model.blocks] \
        if use_cache else None
    seq, step_logits = list(prompt), []
    with ember.no_grad():
        nxt = np.array(prompt, dtype=np.int64)[None]
        for _ in range(n_new):
            if use_cache:
                logits = model(ember.from_numpy(nxt), caches)  # only the new tokens
            else:
                logits = model(ember.from_numpy(np.array(seq, dtype=np.int64)[None]))
            last = logits[0, -1].numpy().astype(np.float64)
            step_logits.append(last)
            if rng is None:
                tok = int(np.argmax(last))
            else:
                p = np.exp((last - last.max()) / temperature)
                tok = int(rng.choice(len(p), p=p / p.sum()))
            seq.append(tok)
            nxt = np.array([[tok]], dtype=np.int64)
    model.train()
    return seq, np.array(step_logits)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pos", choices=["learned", "rotary"], default="rotary")
    ap.add_argument("--steps", type=int, default=500)
    ap.add_argument("--block", type=int, default=64, help="context length")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--d-model", type=int, default=128)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--temperature", type=float, default=0.8)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()

    text = "\n".join(topics[k] for k in sorted(topics))
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    data = np.array([stoi[c] for c in text], dtype=np.int64)
    split = int(0.9 * len(data))
    train, val = data[:split], data[split:]
    print(f"corpus: pydoc_data.topics, {len(text):,} characters, vocabulary {len(chars)}; "
          f"train {len(train):,} / validation {len(val):,}")

    counts = np.bincount(train, minlength=len(chars)) + 1.0  # add-one: no log(0)
    unigram = -np.mean(np.log(counts / counts.sum())[val])
    print(f"unigram baseline loss (validation): {unigram:.3f} nats/char")

    ember.manual_seed(args.seed)
    rng = np.random.default_rng(args.seed)
    model = CharTransformer(len(chars), args.block, args.d_model, args.heads, args.layers,
                            args.pos)
    n_params = sum(p.numel() for p in model.parameters())
    print(f"model: {args.layers} blocks, d_model {args.d_model}, {args.heads} heads, "
          f"{args.pos} positions, {n_params:,} parameters")
    opt = ember.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    sched = ember.optim.lr_scheduler.OneCycleLR(opt, max_lr=args.lr, total_steps=args.steps,
                                                pct_start=0.1)
    t0 = time.time()
    for step in range(1, args.steps + 1):
        x, y = batches(train, args.block, args.batch, rng)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % 100 == 0 or step == args.steps:
            print(f"step {step:4d}  train loss {loss.item():.3f}  ({time.time() - t0:.0f} s)",
                  flush=True)
    val_loss = evaluate(model, val, args.block, 64, 8)
    verdict = "below" if val_loss < unigram else "NOT below"
    print(f"validation loss {val_loss:.3f} nats/char vs unigram baseline {unigram:.3f}: "
          f"{verdict} the baseline ({unigram - val_loss:+.3f}) after {time.time() - t0:.0f} s")

    # Cached generation must equal recomputing the whole prefix at every step.
    prompt = [stoi[c] for c in "The "]
    n_check = 12
    cached, lc = generate(model, prompt, n_check, use_cache=True)
    full, lf = generate(model, prompt, n_check, use_cache=False)
    diff = float(np.abs(lc - lf).max())
    same = cached == full and diff < 1e-3
    print(f"KV-cache check: {n_check} greedy tokens cached == uncached: {cached == full}, "
          f"max logit difference {diff:.2e} -> {'OK' if same else 'MISMATCH'}")

    n_new = args.block - len(prompt)
    t1 = time.time()
    sample, _ = generate(model, prompt, n_new, args.temperature, np.random.default_rng(args.seed))
    dt = time.time() - t1
    print(f"sample (temperature {args.temperature}, KV cache, {n_new / dt:.0f} tokens/s):")
    print("    " + "".join(chars[i] for i in sample).replace("\n", "\n    "))
    if not same:
        raise SystemExit("cached generation differs from full recomputation")


if __name__ == "__main__":
    main()
