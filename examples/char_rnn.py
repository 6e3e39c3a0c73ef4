"""A character-level LSTM language model trained on real text that ships with Python: the
English documentation of the language's topics (pydoc_data.topics, the text behind
`help('if')` etc., about 460k characters), so it runs offline.

Truncated back-propagation through time: the corpus is cut into --batch parallel streams;
each step reads the next --seq characters of every stream, starting from the previous
step's final (h, c), detached so the graph (and memory) stays one chunk long. The last 10%
of the text is held out; its loss is printed as training goes, then text is sampled with a
temperature.

    python examples/char_rnn.py [--steps 300] [--hidden 256] [--temperature 0.8]
"""
import argparse
import time

import numpy as np
import pydoc_data.topics

import ember
import ember.nn as nn
import ember.nn.functional as F


class CharLM(nn.Module):
    def __init__(self, vocab, embed, hidden, layers):
        super().__init__()
        self.embed = nn.Embedding(vocab, embed)
        self.lstm = nn.LSTM(embed, hidden, num_layers=layers, batch_first=True)
        self.head = nn.Linear(hidden, vocab)

    def forward(self, ids, state=None):  # ids (N, L) -> logits (N, L, vocab), (h, c)
        out, state = self.lstm(self.embed(ids), state)
        return self.head(out), state


def streams(ids, batch):
    """The text cut into `batch` contiguous rows (N, len // N)."""
    n = len(ids) // batch
    return ids[: n * batch].reshape(batch, n)


def detach(state):
    return tuple(s.detach() for s in state)


def evaluate(model, data, seq):
    """Mean cross-entropy (nats per character) over the held-out streams."""
    model.eval()
    state, total, count = None, 0.0, 0
    with ember.no_grad():
        for i in range(0, data.shape[1] - 1 - seq, seq):
            x = ember.tensor(data[:, i:i + seq])
            y = ember.tensor(data[:, i + 1:i + 1 + seq])
            logits, state = model(x, state)
            total += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1)).item()
            count += 1
    model.train()
    return total / max(count, 1)


def sample(model, chars, prime, length, temperature, rng):
    """Feeds prime, then draws `length` characters from softmax(logits / temperature)."""
    index = {c: i for i, c in enumerate(chars)}
    model.eval()
    out, state = list(prime), None
    x = ember.tensor([[index[c] for c in prime]])
    with ember.no_grad():
        for _ in range(length):
            logits, state = model(x, state)
            z = logits[0, -1].numpy().astype(np.float64) / temperature
            p = np.exp(z - z.max())
            nxt = int(rng.choice(len(chars), p=p / p.sum()))
            out.append(chars[nxt])
            x = ember.tensor([[nxt]])
    model.train()
    return "".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=300, help="training steps (chunks)")
    ap.add_argument("--batch", type=int, default=32, help="parallel streams")
    ap.add_argument("--seq", type=int, default=64, help="BPTT length (characters per step)")
    ap.add_argument("--embed", type=int, default=32)
    ap.add_argument("--hidden", type=int, default=256)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--lr", type=float, default=4e-3)
    ap.add_argument("--eval-every", type=int, default=50)
    ap.add_argument("--temperature", type=float, default=0.8)
    ap.add_argument("--sample-length", type=int, default=400)
    args = ap.parse_args()

    ember.manual_seed(0)
    rng = np.random.default_rng(0)
    text = "\n".join(pydoc_data.topics.topics[k] for k in sorted(pydoc_data.topics.topics))
    chars = sorted(set(text))
    lookup = {c: i for i, c in enumerate(chars)}
    ids = np.fromiter((lookup[c] for c in text), np.int64, len(text))
    split = int(len(ids) * 0.9)
    train = streams(ids[:split], args.batch)
    val = streams(ids[split:], args.batch)
    print(f"corpus: {len(text)} characters, vocabulary {len(chars)}; "
          f"train {train.size}, validation {val.size}")

    model = CharLM(len(chars), args.embed, args.hidden, args.layers)
    opt = ember.optim.Adam(model.parameters(), lr=args.lr)
    start, state, pos, history = time.perf_counter(), None, 0, []
    print(f"step {0:5d}  validation loss {evaluate(model, val, args.seq):.3f}")
    for step in range(1, args.steps + 1):
        if pos + args.seq + 1 > train.shape[1]:  # wrapped around: start the streams afresh
            pos, state = 0, None
        x = ember.tensor(train[:, pos:pos + args.seq])
        y = ember.tensor(train[:, pos + 1:pos + 1 + args.seq])
        pos += args.seq
        logits, state = model(x, state)
        state = detach(state)  # truncated BPTT: carry the values, cut the graph
        loss = F.cross_entropy(logits.reshape(-1, len(chars)), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % args.eval_every == 0 or step == args.steps:
            v = evaluate(model, val, args.seq)
            history.append(v)
            print(f"step {step:5d}  train loss {loss.item():.3f}  validation loss {v:.3f}  "
                  f"({time.perf_counter() - start:.0f} s)")
    if len(history) >= 2:
        print(f"validation loss went from {history[0]:.3f} to {history[-1]:.3f}")
    print(f"\n--- sample (temperature {args.temperature}) ---")
    print(sample(model, chars, "The ", args.sample_length, args.temperature, rng))


if __name__ == "__main__":
    main()
