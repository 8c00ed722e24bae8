#!/usr/bin/env python3
"""Draws the DermaTwin standard figure (front and back) as SVG.

The figure box is 1 stature high and 1/3 stature wide (viewBox 0 0 300 900,
so 900 px = 1 stature in both directions), with the landmarks of the header
of resources/sites/sites.yaml: chin y 0.125, acromion 0.18, nipples 0.28,
elbow crease 0.375, umbilicus 0.40, wrist crease 0.515, crotch 0.525,
knee 0.735, malleoli 0.955, sole 1.0; arms hanging, palms forward.
Run: python3 make_body_svg.py  (writes body_front.svg and body_back.svg here).
"""
import os

# Right half of the image (x >= 150), from the vertex clockwise to the crotch.
HALF = [
    (150, 0), (172, 5), (187, 22), (191, 48), (188, 72), (182, 92), (172, 106),
    (166, 116), (168, 130), (172, 142),
    (200, 152), (232, 160), (252, 168), (263, 185),
    (270, 215), (276, 255), (280, 300), (283, 337), (286, 380), (289, 430), (291, 463),
    (297, 478), (300, 500), (298, 530), (292, 556), (282, 566), (272, 560), (268, 540),
    (266, 505), (264, 470), (259, 430), (255, 390), (251, 345), (246, 300), (242, 262),
    (238, 232), (236, 250), (232, 290), (224, 330), (226, 365), (236, 400), (242, 440),
    (240, 480), (236, 530), (230, 590), (222, 640), (220, 665), (225, 700), (226, 740),
    (214, 800), (206, 850), (210, 872), (222, 888), (224, 898), (198, 900), (176, 896),
    (170, 880), (170, 852), (172, 800), (170, 740), (166, 690), (164, 662), (162, 620),
    (158, 560), (154, 510), (150, 478),
]


def smooth_path(points, closed=False):
    """Catmull-Rom spline through the points as cubic Bezier segments."""
    pts = points
    n = len(pts)
    d = "M %.1f %.1f" % pts[0]
    for i in range(n - 1):
        p0 = pts[i - 1] if i > 0 else pts[i]
        p1, p2 = pts[i], pts[i + 1]
        p3 = pts[i + 2] if i + 2 < n else pts[i + 1]
        c1 = (p1[0] + (p2[0] - p0[0]) / 6, p1[1] + (p2[1] - p0[1]) / 6)
        c2 = (p2[0] - (p3[0] - p1[0]) / 6, p2[1] - (p3[1] - p1[1]) / 6)
        d += " C %.1f %.1f %.1f %.1f %.1f %.1f" % (c1 + c2 + p2)
    return d + (" Z" if closed else "")


def mirror(points):
    return [(300 - x, y) for x, y in points]


def outline_paths():
    return smooth_path(HALF), smooth_path(mirror(HALF))


def figure(details, title):
    right, left = outline_paths()
    skin = ('<path d="%s L 150 478 L 150 0 Z" fill="url(#skin)" stroke="none"/>\n'
            '<path d="%s L 150 478 L 150 0 Z" fill="url(#skin)" stroke="none"/>\n') % (right, left)
    lines = ('<path d="%s" fill="none" stroke="#5b6770" stroke-width="2" stroke-linejoin="round"/>\n'
             '<path d="%s" fill="none" stroke="#5b6770" stroke-width="2" stroke-linejoin="round"/>\n') % (right, left)
    return """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 900" width="300" height="900">
<title>%s</title>
<defs>
  <linearGradient id="skin" x1="0" y1="0" x2="1" y2="0">
    <stop offset="0" stop-color="#f3dccb"/><stop offset="0.5" stop-color="#f8e7da"/>
    <stop offset="1" stop-color="#f3dccb"/>
  </linearGradient>
</defs>
%s%s<g fill="none" stroke="#b89a88" stroke-width="1.2" stroke-linecap="round">
%s</g>
</svg>
""" % (title, skin, lines, details)


FRONT = """  <path d="M 135 42 Q 141 38 146 42 M 154 42 Q 159 38 165 42"/>
  <path d="M 147 68 Q 150 72 153 68 M 141 86 Q 150 92 159 86 M 160 110 Q 150 116 140 110"/>
  <path d="M 152 162 Q 185 158 224 166 M 148 162 Q 115 158 76 166"/>
  <circle cx="193.5" cy="252" r="3"/><circle cx="106.5" cy="252" r="3"/>
  <path d="M 150 170 L 150 280"/>
  <path d="M 182 282 Q 205 276 228 262 M 118 282 Q 95 276 72 262"/>
  <circle cx="150" cy="364" r="2.5"/>
  <path d="M 232 398 Q 200 440 160 470 M 68 398 Q 100 440 140 470"/>
  <path d="M 176 662 Q 192 672 212 662 M 124 662 Q 108 672 88 662"/>
"""
BACK = """  <path d="M 150 120 L 150 470"/>
  <path d="M 118 182 Q 98 176 78 184 M 182 182 Q 202 176 222 184"/>
  <path d="M 116 186 L 110 250 Q 96 262 86 246 M 184 186 L 190 250 Q 204 262 214 246"/>
  <path d="M 118 360 Q 132 372 146 362 M 182 360 Q 168 372 154 362"/>
  <path d="M 150 440 L 150 478"/>
  <path d="M 150 478 Q 120 490 88 476 M 150 478 Q 180 490 212 476"/>
  <path d="M 176 662 Q 192 655 212 662 M 124 662 Q 108 655 88 662"/>
  <path d="M 112 62 Q 108 72 112 84 M 188 62 Q 192 72 188 84"/>
"""

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "body_front.svg"), "w") as f:
    f.write(figure(FRONT, "DermaTwin standard figure, front"))
with open(os.path.join(here, "body_back.svg"), "w") as f:
    f.write(figure(BACK, "DermaTwin standard figure, back"))
