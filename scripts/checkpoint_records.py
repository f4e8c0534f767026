#!/usr/bin/env python3
"""Writes core/src/network/records/<network>.csv from ../shared/data/checkpoints/<network>.csv
(a record every 576 blocks): every 9,216th block and the newest record, each preceded by the
record 576 blocks before it. A chain starts at the earlier record of a pair; the later one
pins the headers between by hash (`chain::trusted_start`). Run from the repository root; the
tests in `chain::start_tests` check the output against the shared CSV."""
import os
import sys

SPACING = 576
EVERY = 9216


def main():
    for net in ("mainnet", "testnet"):
        path = os.path.join("..", "shared", "data", "checkpoints", f"{net}.csv")
        if not os.path.exists(path):
            sys.exit(f"missing {path}")
        lines = [l.strip() for l in open(path) if l.strip()]
        header, rows = lines[0], lines[1:]
        by_height = {int(r.split(",")[0]): r for r in rows}
        newest = max(by_height)
        pins = sorted({h for h in by_height if h % EVERY == 0} | {newest})
        missing = [p for p in pins if p - SPACING not in by_height]
        if missing:
            sys.exit(f"{net}: no record {SPACING} blocks before {missing}")
        keep = sorted({h for p in pins for h in (p - SPACING, p)})
        out = os.path.join("core", "src", "network", "records", f"{net}.csv")
        with open(out, "w") as f:
            f.write("\n".join([header] + [by_height[h] for h in keep]) + "\n")
        print(out, len(keep), "records")


if __name__ == "__main__":
    main()
