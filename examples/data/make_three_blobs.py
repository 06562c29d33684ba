#!/usr/bin/env python3
"""Writes three_blobs.csv: 30 points of the plane in three classes, for the
classifier example (softmax output, cross-entropy, Adam).

Each class is a cloud of 10 points around its own centre; the offsets come
from a fixed linear congruential generator, so the file is the same on every
machine and Python version. Targets are one-hot: c1,c2,c3.
usage: python3 make_three_blobs.py > three_blobs.csv
"""

CENTRES = [(0.0, 0.0), (2.0, 0.0), (1.0, 1.7)]
POINTS_PER_CLASS = 10
SPREAD = 0.5  # offsets lie in [-SPREAD, SPREAD)


def lcg(seed):
    """Numbers in [0, 1) from the 32-bit generator of Numerical Recipes."""
    state = seed
    while True:
        state = (1664525 * state + 1013904223) % 2**32
        yield state / 2**32


def main():
    draw = lcg(12)
    print("x1,x2,c1,c2,c3")
    for point in range(POINTS_PER_CLASS):
        for k, (cx, cy) in enumerate(CENTRES):
            x = cx + SPREAD * (2 * next(draw) - 1)
            y = cy + SPREAD * (2 * next(draw) - 1)
            onehot = ",".join("1" if j == k else "0" for j in range(len(CENTRES)))
            print(f"{x:.3f},{y:.3f},{onehot}")


if __name__ == "__main__":
    main()
