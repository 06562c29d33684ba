"""Reads Graphviz's 'plain' layout of a diagram on standard input and reports
every place where an edge runs through a node other than its own two ends, or
through the label of another edge, and every two nodes that overlap. Prints the problems and
exits 1 when there are any; prints the picture's size in inches otherwise."""
import re
import sys

TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|\S+')


# The plain format gives an edge label's centre but not its size: estimated
# for the 8-point font of edge labels (inches per character, per line).
LABEL_CHAR_WIDTH = 0.06
LABEL_LINE_HEIGHT = 0.14


def read_plain(text):
    """Nodes (x, y, width, height, shape), edges (tail, head, points), edge
    labels as nodes with their edge in owners, and the picture's size."""
    nodes, edges, owners, size = {}, [], {}, None
    for line in text.splitlines():
        f = [t.strip('"') for t in TOKEN.findall(line)]
        if not f:
            continue
        if f[0] == "graph":
            size = (float(f[2]), float(f[3]))
        elif f[0] == "node":
            nodes[f[1]] = (float(f[2]), float(f[3]), float(f[4]), float(f[5]), f[8])
        elif f[0] == "edge":
            n = int(f[3])
            pts = [(float(f[4 + 2 * i]), float(f[5 + 2 * i])) for i in range(n)]
            rest = f[4 + 2 * n:]
            if "invis" in rest:
                continue
            edges.append((f[1], f[2], pts))
            if len(rest) >= 5:  # a label on the edge: text, x, y, then style and colour
                text_lines = rest[0].split("\\n")
                width = LABEL_CHAR_WIDTH * max(len(t) for t in text_lines)
                height = LABEL_LINE_HEIGHT * len(text_lines)
                name = "label of %s -> %s" % (f[1], f[2])
                nodes[name] = (float(rest[1]), float(rest[2]), width, height, "box")
                owners[name] = (f[1], f[2])
    return nodes, edges, owners, size


def bezier(pts, steps=24):
    """Points along the cubic pieces p0 p1 p2 p3, p3 p4 p5 p6, ..."""
    out = []
    for s in range(0, len(pts) - 3, 3):
        p0, p1, p2, p3 = pts[s:s + 4]
        for k in range(steps + 1):
            t = k / steps
            a, b, c, d = (1 - t) ** 3, 3 * t * (1 - t) ** 2, 3 * t * t * (1 - t), t ** 3
            out.append((a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
                        a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1]))
    return out


def inside(node, p, shrink=0.9):
    x, y, w, h, shape = node
    dx, dy = (p[0] - x) / (w / 2 * shrink), (p[1] - y) / (h / 2 * shrink)
    if shape == "ellipse":
        return dx * dx + dy * dy < 1
    return abs(dx) < 1 and abs(dy) < 1


def overlap(a, b):
    return abs(a[0] - b[0]) * 2 < (a[2] + b[2]) * 0.95 and abs(a[1] - b[1]) * 2 < (a[3] + b[3]) * 0.95


def main():
    nodes, edges, owners, size = read_plain(sys.stdin.read())
    problems = []
    for tail, head, pts in edges:
        for name, node in nodes.items():
            if name in (tail, head) or owners.get(name) == (tail, head):
                continue
            if any(inside(node, p) for p in bezier(pts)):
                problems.append("edge %s -> %s runs through %s" % (tail, head, name))
    names = sorted(n for n in nodes if n not in owners)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if overlap(nodes[a], nodes[b]):
                problems.append("nodes %s and %s overlap" % (a, b))
    for p in problems:
        print(p)
    if problems:
        return 1
    print("%.2f x %.2f in, %d nodes, %d edges, no collisions" % (size[0], size[1], len(nodes), len(edges)))
    return 0


sys.exit(main())
