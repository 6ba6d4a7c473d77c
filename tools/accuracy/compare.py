#!/usr/bin/env python3
"""Figures with 95 % confidence intervals from `mien eval --json` reports, and a paired comparison of two models.

Usage: compare.py A.json [B.json]   (A = reference, e.g. Human's model; B = the candidate, scored on the same images)

Accuracy: Wilson interval. Macro-F1 and the paired differences B − A: percentile bootstrap over images
(2,000 resamples, seed 1), resampling the same images for both models.
"""
import json, math, random, sys

def load(path):
    doc = json.load(open(path))
    labels = doc["settings"]["labels"]
    rows = {}
    for p in doc["predictions"]:
        rows[p["path"] if "path" in p else p["image"]] = p
    return doc, labels, rows

def truth_pred(p, labels):
    return p["label"], p.get("predicted"), p.get("confidence") or 0.0

def ece(triples, bins=15):
    total, n = 0.0, len(triples)
    for b in range(bins):
        inside = [(t, y, c) for t, y, c in triples if min(bins - 1, int(c * bins)) == b]
        if inside:
            total += abs(sum(c for _, _, c in inside) - sum(1 for t, y, _ in inside if t == y)) / n
    return total

def macro_f1(pairs, labels):
    f1s = []
    for c in labels:
        tp = sum(1 for t, y, *_ in pairs if t == c and y == c)
        fn = sum(1 for t, y, *_ in pairs if t == c and y != c)
        fp = sum(1 for t, y, *_ in pairs if t != c and y == c)
        if tp + fn + fp == 0:
            continue
        f1s.append(0 if tp == 0 else 2 * tp / (2 * tp + fn + fp))
    return sum(f1s) / len(f1s)

def wilson(k, n, z=1.959964):
    p = k / n
    d = 1 + z * z / n
    c = (p + z * z / (2 * n)) / d
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / d
    return c - h, c + h

def pct(v):
    return f"{100 * v:.1f}"

def summary(name, pairs, labels, rng):
    n = len(pairs)
    k = sum(1 for t, y, *_ in pairs if t == y)
    lo, hi = wilson(k, n)
    f1 = macro_f1(pairs, labels)
    boots = sorted(macro_f1([pairs[rng.randrange(n)] for _ in range(n)], labels) for _ in range(2000))
    print(f"{name}: n={n} accuracy {pct(k / n)} % [{pct(lo)}, {pct(hi)}], macro-F1 {f1:.3f} [{boots[50]:.3f}, {boots[1949]:.3f}], ECE {ece(pairs):.3f}")
    for c in labels:
        support = sum(1 for t, *_ in pairs if t == c)
        if support:
            recall = sum(1 for t, y, *_ in pairs if t == c and y == c) / support
            print(f"    {c:10s} n={support:5d} recall {pct(recall)} %")

def main():
    rng = random.Random(1)
    docA, labels, a = load(sys.argv[1])
    keys = sorted(a)
    pa = [truth_pred(a[key], labels) for key in keys]
    summary(sys.argv[1], pa, labels, rng)
    if len(sys.argv) > 2:
        _, _, b = load(sys.argv[2])
        keys = [key for key in keys if key in b]
        pa = [truth_pred(a[key], labels) for key in keys]
        pb = [truth_pred(b[key], labels) for key in keys]
        summary(sys.argv[2], pb, labels, rng)
        n = len(keys)
        diffs_acc, diffs_f1 = [], []
        for _ in range(2000):
            idx = [rng.randrange(n) for _ in range(n)]
            sa = [pa[i] for i in idx]
            sb = [pb[i] for i in idx]
            diffs_acc.append(sum(t == y for t, y, *_ in sb) / n - sum(t == y for t, y, *_ in sa) / n)
            diffs_f1.append(macro_f1(sb, labels) - macro_f1(sa, labels))
        diffs_acc.sort(); diffs_f1.sort()
        acc = sum(t == y for t, y, *_ in pb) / n - sum(t == y for t, y, *_ in pa) / n
        f1 = macro_f1(pb, labels) - macro_f1(pa, labels)
        print(f"B − A on the same {n} images: accuracy {100 * acc:+.1f} points [{100 * diffs_acc[50]:+.1f}, {100 * diffs_acc[1949]:+.1f}], macro-F1 {f1:+.3f} [{diffs_f1[50]:+.3f}, {diffs_f1[1949]:+.3f}]")

main()
