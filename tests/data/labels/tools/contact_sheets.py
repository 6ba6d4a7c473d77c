#!/usr/bin/env python3
"""Contact sheets for hand-labelling eye closures, yawns and head gestures (see ../README.md).

Usage: contact_sheets.py FRAMES_DIR FPS FACES_JSONL OUT_PREFIX [full]

FRAMES_DIR holds every decoded frame as 00000.png, 00001.png, ... (ffmpeg -vsync 0 -start_number 0);
FACES_JSONL is `mien analyze` output for the same video, used ONLY to place the crops (face box per frame),
never to show any measurement. Writes two kinds of sheets:

  OUT_PREFIX_eyes_NNN.png  the eye band of the face (box-relative crop, enlarged), every 2nd frame (12 fps)
  OUT_PREFIX_head_NNN.png  the head in a FIXED crop (so its motion shows) with a fixed horizontal and vertical
                           reference line at the median eye level / face centre, 6 fps

With 'full': OUT_PREFIX_eyesfull_NNN.png, the eye band of every frame (8 x 16 per sheet) instead.

Each tile is stamped with its frame number and time in seconds (frame / FPS).
Needs Debian python3-pil and python3-numpy.
"""
import json
import os
import sys

from PIL import Image, ImageDraw

frames_dir, fps, faces_path, out = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
names = sorted(n for n in os.listdir(frames_dir) if n.endswith(".png"))
boxes = {}
with open(faces_path, encoding="utf-8") as f:
    for line in f:
        r = json.loads(line)
        if r.get("type") == "face" and "box" in r:
            boxes[r["frame"]] = r["box"]


def box_at(i):
    # nearest frame with a box (the face may be lost for a few frames)
    for d in range(0, 50):
        for j in (i - d, i + d):
            if j in boxes:
                return boxes[j]
    return None


def median(v):
    v = sorted(v)
    return v[len(v) // 2]


allb = list(boxes.values())
mx = median([b["x"] + b["w"] / 2 for b in allb])
my = median([b["y"] + b["h"] / 2 for b in allb])
mw = median([b["w"] for b in allb])
mh = median([b["h"] for b in allb])


def sheets(kind, step, cols, rows, tile, crop_of, lines=None):
    per = cols * rows
    picked = list(range(0, len(names), step))
    tw, th = tile
    for s in range(0, len(picked), per):
        sheet = Image.new("RGB", (cols * tw, rows * (th + 12)), "black")
        draw = ImageDraw.Draw(sheet)
        for k, i in enumerate(picked[s:s + per]):
            img = Image.open(os.path.join(frames_dir, names[i])).convert("RGB")
            c = crop_of(i, img)
            if c is None:
                continue
            t = img.crop(c).resize((tw, th), Image.BILINEAR)
            if lines:
                d = ImageDraw.Draw(t)
                for ln in lines(c, tw, th):
                    d.line(ln, fill=(255, 255, 0), width=1)
            x, y = (k % cols) * tw, (k // cols) * (th + 12)
            sheet.paste(t, (x, y + 12))
            draw.text((x + 2, y), f"{i} {i / fps:.2f}s", fill=(255, 255, 255))
        sheet.save(f"{out}_{kind}_{s // per:03d}.png")


def eye_crop(i, img):
    b = box_at(i)
    if b is None:
        return None
    x0, x1 = b["x"] - 0.05 * b["w"], b["x"] + 1.05 * b["w"]
    y0 = b["y"] + 0.18 * b["h"]
    y1 = y0 + (x1 - x0) / 3  # 3:1 band
    return (int(x0), int(y0), int(x1), int(y1))


half_w, half_h = 0.9 * mw, 0.9 * mh


def head_crop(i, img):
    return (int(mx - half_w), int(my - half_h), int(mx + half_w), int(my + half_h))


def head_lines(c, tw, th):
    # eye level of the median face (about 40 % down the mesh box) and the face's median centre line
    ey = (my - 0.1 * mh - c[1]) / (c[3] - c[1]) * th
    cx = (mx - c[0]) / (c[2] - c[0]) * tw
    return [((0, ey), (tw, ey)), ((cx, 0), (cx, th))]


head_step = max(1, round(fps / 6))
if len(sys.argv) > 5 and sys.argv[5] == "full":
    # every frame: short blinks close the eyes for a single frame at 24-25 fps
    sheets("eyesfull", 1, 8, 16, (180, 60), eye_crop)
else:
    sheets("eyes", max(1, round(fps / 12)), 6, 12, (240, 80), eye_crop)
    sheets("head", head_step, 10, 8, (96, 112), head_crop, head_lines)
