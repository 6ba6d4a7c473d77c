#!/usr/bin/env python3
"""Zoomed sheet of a frame range, for deciding unclear frames: zoom.py FRAMES_DIR FPS FACES_JSONL FIRST LAST STEP OUT.png [eyes|face|fixed]
(eyes: the eye band; face: the whole face box, grown 20 %; fixed: the median face box grown 40 %, not following
the head, with a yellow cross at the median eye level and face centre, so head motion shows)."""
import json, os, sys
from PIL import Image, ImageDraw
d, fps, faces, a, b, step, out = sys.argv[1], float(sys.argv[2]), sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), sys.argv[7]
region = sys.argv[8] if len(sys.argv) > 8 else "eyes"
boxes = {}
for line in open(faces, encoding="utf-8"):
    r = json.loads(line)
    if r.get("type") == "face":
        boxes[r["frame"]] = r["box"]
idx = list(range(a, b + 1, step))
med = lambda v: sorted(v)[len(v) // 2]
allb = list(boxes.values())
mx, my = med([q["x"] + q["w"] / 2 for q in allb]), med([q["y"] + q["h"] / 2 for q in allb])
mw, mh = med([q["w"] for q in allb]), med([q["h"] for q in allb])
cols, tw, th = (4, 360, 120) if region == "eyes" else (8, 180, 220)
sheet = Image.new("RGB", (cols * tw, ((len(idx) + cols - 1) // cols) * (th + 12)), "black")
dr = ImageDraw.Draw(sheet)
for k, i in enumerate(idx):
    bx = next((boxes[j] for dd in range(50) for j in (i - dd, i + dd) if j in boxes), None)
    img = Image.open(os.path.join(d, f"{i:05d}.png")).convert("RGB")
    x0, x1 = bx["x"] - 0.05 * bx["w"], bx["x"] + 1.05 * bx["w"]
    y0 = bx["y"] + 0.18 * bx["h"]
    if region == "eyes":
        c = (int(x0), int(y0), int(x1), int(y0 + (x1 - x0) / 3))
    elif region == "fixed":
        c = (int(mx - 0.7 * mw), int(my - 0.7 * mh), int(mx + 0.7 * mw), int(my + 0.7 * mh))
    else:
        cx, cy = bx["x"] + bx["w"] / 2, bx["y"] + bx["h"] / 2
        c = (int(cx - 0.6 * bx["w"]), int(cy - 0.6 * bx["h"]), int(cx + 0.6 * bx["w"]), int(cy + 0.6 * bx["h"]))
    t = img.crop(c).resize((tw, th), Image.BICUBIC)
    if region == "fixed":
        tdr = ImageDraw.Draw(t)
        ey = (my - 0.1 * mh - c[1]) / (c[3] - c[1]) * th
        tdr.line((0, ey, tw, ey), fill=(255, 255, 0))
        tdr.line((tw / 2, 0, tw / 2, th), fill=(255, 255, 0))
    x, y = (k % cols) * tw, (k // cols) * (th + 12)
    sheet.paste(t, (x, y + 12))
    dr.text((x + 2, y), f"{i} {i / fps:.2f}s", fill=(255, 255, 255))
sheet.save(out)
