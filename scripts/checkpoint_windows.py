#!/usr/bin/env python3
"""Writes core/src/network/records/<network>-windows.csv: for every embedded checkpoint
record that the real header files of ../shared/data/headers cover, the 23 headers before
it (`height,header` in raw hex), which DarkGravityWave and the median time past need to
check the headers right after the record. Run from the repository root; the test
`network::tests::embedded_checkpoint_windows_are_the_real_headers` checks the output."""
import os
import sys

WINDOW = 23
FILES = {"mainnet": "mainnet-1737084.bin", "testnet": "testnet-942249.bin"}


def main():
    for net, name in FILES.items():
        path = os.path.join("..", "shared", "data", "headers", name)
        if not os.path.exists(path):
            sys.exit(f"missing {path}")
        first = int(name.split("-")[1].split(".")[0])
        data = open(path, "rb").read()
        last = first + len(data) // 80 - 1
        records = os.path.join("core", "src", "network", "records", f"{net}.csv")
        heights = [int(l.split(",")[0]) for l in open(records) if l[0].isdigit()]
        lines = ["height,header"]
        for h in heights:
            if h - WINDOW >= first and h <= last:
                for k in range(h - WINDOW, h):
                    i = k - first
                    lines.append(f"{k},{data[80 * i:80 * i + 80].hex()}")
        out = os.path.join("core", "src", "network", "records", f"{net}-windows.csv")
        with open(out, "w") as f:
            f.write("\n".join(lines) + "\n")
        print(out, len(lines) - 1, "headers")


if __name__ == "__main__":
    main()
