#!/usr/bin/env python3
"""Accuracy, macro-F1 and calibration (ECE before/after temperature scaling) of expression models and their
ensembles, from `mien eval --crops -o X.json` reports on the same images.

Usage: ensembles.py REF.json VARIANT [VARIANT ...]
  VARIANT = name=file.json                         one report as it is (a model, or an ensemble run end to end)
          | name=prob:a.json[*w][^T]+b.json+...    offline average of the reports' probabilities (weights and
          | name=log:a.json[*w][^T]+b.json+...     member temperatures optional), or of their log-probabilities
                                                   (= logit averaging); the ensemble declaration's arithmetic

Every variant is scored against REF (Human's model): the paired accuracy difference on the same images with a
percentile bootstrap interval (2,000 resamples, seed 1). Calibration: 15-bin ECE of the top-class confidence; one
temperature T (p^(1/T), renormalised) fitted by minimising NLL. "ECE after T" is cross-fitted — T fitted on the
even-numbered images scores the odd ones and vice versa — so the figure is not measured on the images that chose T.
The "T (all)" column is fitted on all images (what an ensemble declaration would carry).
"""
import json, math, random, sys

def load(path):
    doc = json.load(open(path))
    labels = doc["settings"]["labels"]
    rows = {}
    for p in doc["predictions"]:
        probs = p.get("probabilities")
        rows[p["image"]] = (p["label"], [max(probs[l], 1e-7) for l in labels] if probs else None)
    return labels, rows

def combine(parts, mode):
    labels, rows = None, None
    loaded = []
    for part in parts:
        part, _, t = part.partition("^")
        path, _, w = part.partition("*")
        l, r = load(path)
        if t:
            r = {k: (y, scaled(p, float(t))) for k, (y, p) in r.items()}
        labels = labels or l
        loaded.append((r, float(w) if w else 1.0))
    keys = loaded[0][0].keys()
    out = {}
    total = sum(w for _, w in loaded)
    for k in keys:
        label = loaded[0][0][k][0]
        if mode == "prob":
            p = [sum(w * r[k][1][i] for r, w in loaded) / total for i in range(len(labels))]
        else:
            s = [sum(w * math.log(r[k][1][i]) for r, w in loaded) / total for i in range(len(labels))]
            m = max(s)
            e = [math.exp(v - m) for v in s]
            p = [v / sum(e) for v in e]
        out[k] = (label, p)
    return labels, out

def scaled(p, t):
    logs = [math.log(max(v, 1e-7)) / t for v in p]
    m = max(logs)
    e = [math.exp(v - m) for v in logs]
    s = sum(e)
    return [v / s for v in e]

def nll(items, labels, t):
    return -sum(math.log(max(scaled(p, t)[labels.index(y)], 1e-12)) for y, p in items) / len(items)

def fit_t(items, labels):
    lo, hi = 0.25, 6.0
    g = (math.sqrt(5) - 1) / 2
    a, b = hi - g * (hi - lo), lo + g * (hi - lo)
    fa, fb = nll(items, labels, a), nll(items, labels, b)
    for _ in range(40):
        if fa < fb:
            hi, b, fb = b, a, fa
            a = hi - g * (hi - lo)
            fa = nll(items, labels, a)
        else:
            lo, a, fa = a, b, fb
            b = lo + g * (hi - lo)
            fb = nll(items, labels, b)
    return (lo + hi) / 2

def ece(items, labels, t=1.0, bins=15):
    conf, hit = [0.0] * bins, [0] * bins
    count = [0] * bins
    for y, p in items:
        q = scaled(p, t) if t != 1.0 else p
        k = max(range(len(q)), key=q.__getitem__)
        b = min(bins - 1, int(q[k] * bins))
        conf[b] += q[k]
        hit[b] += labels[k] == y
        count[b] += 1
    return sum(abs(conf[b] - hit[b]) for b in range(bins)) / len(items)

def predicted(p, labels):
    return labels[max(range(len(p)), key=p.__getitem__)]

def macro_f1(pairs, labels):
    f1 = []
    for c in labels:
        tp = sum(1 for t, y in pairs if t == c and y == c)
        fn = sum(1 for t, y in pairs if t == c and y != c)
        fp = sum(1 for t, y in pairs if t != c and y == c)
        if tp + fn + fp:
            f1.append(0 if tp == 0 else 2 * tp / (2 * tp + fn + fp))
    return sum(f1) / len(f1)

def wilson(k, n, z=1.96):
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return c - h, c + h

def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    labels, ref = load(argv[1])
    keys = sorted(ref)
    ref_hit = [predicted(ref[k][1], labels) == ref[k][0] for k in keys]
    rng = random.Random(1)
    boots = [[rng.randrange(len(keys)) for _ in keys] for _ in range(2000)]
    print("| variant | accuracy % [95 % CI] | macro-F1 | paired Δ vs reference, points [95 % CI] | NLL | ECE | T (all) | ECE after T (cross-fitted) |")
    print("|---|---|---|---|---|---|---|---|")
    for spec in argv[2:]:
        name, _, what = spec.partition("=")
        if what.startswith(("prob:", "log:")):
            mode, _, parts = what.partition(":")
            _, rows = combine(parts.split("+"), mode)
        else:
            _, rows = load(what)
        items = [(rows[k][0], rows[k][1]) for k in keys]
        hits = [predicted(p, labels) == y for y, p in items]
        n, k = len(hits), sum(hits)
        lo, hi = wilson(k, n)
        diffs = sorted(sum(hits[i] - ref_hit[i] for i in b) / n for b in boots)
        delta = (k - sum(ref_hit)) / n
        f1 = macro_f1([(y, predicted(p, labels)) for y, p in items], labels)
        t_all = fit_t(items, labels)
        even, odd = items[0::2], items[1::2]
        t_even, t_odd = fit_t(even, labels), fit_t(odd, labels)
        ece_after = (ece(odd, labels, t_even) * len(odd) + ece(even, labels, t_odd) * len(even)) / n
        print(f"| {name} | {100 * k / n:.1f} [{100 * lo:.1f}, {100 * hi:.1f}] | {f1:.3f} | {100 * delta:+.1f} [{100 * diffs[50]:+.1f}, {100 * diffs[1949]:+.1f}] "
              f"| {nll(items, labels, 1.0):.3f} | {ece(items, labels):.3f} | {t_all:.2f} | {ece_after:.3f} |")

if __name__ == "__main__":
    main(sys.argv)
