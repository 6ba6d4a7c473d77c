#!/usr/bin/env python3
"""Slit-scan images for spotting head nods and shakes: slitscan.py FRAMES_DIR FPS FACES_JSONL OUT_PREFIX [SECONDS_PER_STRIP]

Time runs left to right, one pixel column per frame. OUT_PREFIX_nod.png: each column is the vertical line of pixels
through the face centre (the median face box's rows, at the frame's box centre x), so a nod shows as the eyes, nose
and mouth moving down and back up. OUT_PREFIX_shake.png: each column is the horizontal line of pixels at the median
eye level (fixed position), transposed, so a shake shows as the face's edges and eyes swinging sideways and back.
White ticks every second, a label every 5 s. FACES_JSONL only places the slit (face box), never shows a measurement.
"""
import json, os, sys
from PIL import Image, ImageDraw
d, fps, faces, out = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
per = float(sys.argv[5]) if len(sys.argv) > 5 else 40
names = sorted(n for n in os.listdir(d) if n.endswith(".png"))
boxes = {}
for line in open(faces, encoding="utf-8"):
    r = json.loads(line)
    if r.get("type") == "face":
        boxes[r["frame"]] = r["box"]
med = lambda v: sorted(v)[len(v) // 2]
bx = list(boxes.values())
mx, my = med([b["x"] + b["w"] / 2 for b in bx]), med([b["y"] + b["h"] / 2 for b in bx])
mw, mh = med([b["w"] for b in bx]), med([b["h"] for b in bx])
y0, y1 = int(my - 0.8 * mh), int(my + 0.8 * mh)
x0, x1 = int(mx - 0.9 * mw), int(mx + 0.9 * mw)
eye_y = int(my - 0.1 * mh)
n = len(names)
w = int(per * fps)
strips = (n + w - 1) // w
for kind, height in (("nod", y1 - y0), ("shake", x1 - x0)):
    sheet = Image.new("RGB", (w, strips * (height + 14)), "black")
    dr = ImageDraw.Draw(sheet)
    for i, name in enumerate(names):
        img = Image.open(os.path.join(d, name)).convert("RGB")
        W, H = img.size
        if kind == "nod":
            b = next((boxes[j] for dd in range(50) for j in (i - dd, i + dd) if j in boxes), None)
            cx = int(b["x"] + b["w"] / 2) if b else int(mx)
            col = img.crop((max(0, cx - 2), max(0, y0), min(W, cx + 3), min(H, y1))).resize((1, height))
        else:
            row = img.crop((max(0, x0), max(0, eye_y - 2), min(W, x1), min(H, eye_y + 3))).resize((height, 1))
            col = row.transpose(Image.Transpose.ROTATE_90).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
        s, x = divmod(i, w)
        sheet.paste(col, (x, s * (height + 14) + 14))
        if i % round(fps) == 0:
            dr.line((x, s * (height + 14) + 10, x, s * (height + 14) + 13), fill="white")
        if i % round(5 * fps) == 0:
            dr.text((x + 1, s * (height + 14)), f"{i / fps:.0f}s", fill="white")
    sheet.save(f"{out}_{kind}.png")
