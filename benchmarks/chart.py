"""Draw benchmarks/results/latest.png from latest.json (needs matplotlib).

python benchmarks/chart.py benchmarks/results/latest.json benchmarks/results/latest.png
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def chart(results: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = results["throughput"]
    figure, (left, right) = plt.subplots(1, 2, figsize=(13, 5))
    names = ("ours", "raw", "singer", "dlt")
    labels = {"ours": "ours", "raw": "raw ceiling", "singer": "singer-io peer", "dlt": "dlt rest_api"}
    width = 0.2
    for i, name in enumerate(names):
        values = [row[name] or 0 for row in rows]
        left.bar([x + i * width for x in range(len(rows))], values, width, label=labels[name])
    left.set_xticks([x + 1.5 * width for x in range(len(rows))], [row["api"] for row in rows])
    left.set_ylabel("records/s (median)")
    left.set_title("Throughput, no latency")
    left.legend()
    by_api: dict[str, list[tuple[int, float]]] = {}
    for row in results["memory"]:
        by_api.setdefault(row["api"], []).append((row["records"], row["peak_rss_mb"]))
    for api, points in by_api.items():
        right.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=api)
    right.set_xscale("log")
    right.set_xlabel("records")
    right.set_ylabel("peak RSS MB")
    right.set_title("Memory")
    right.legend()
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


if __name__ == "__main__":
    chart(json.loads(Path(sys.argv[1]).read_text()), Path(sys.argv[2]))
