"""Dataset manifest (counts + samples) and the daily QA report (HTML with a thumbnail grid)."""

from __future__ import annotations

import base64
import html
import io
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import rasterio
from PIL import Image


def manifest(index: pd.DataFrame, sample_limit: int, generated: str) -> dict[str, Any]:
    samples = index.drop(columns=["geometry"], errors="ignore").head(sample_limit)
    return {
        "generated": generated,
        "counts": {
            "chips": int(len(index)),
            "by_split": {str(k): int(v) for k, v in index["split"].value_counts().items()} if len(index) else {},
            "by_tile": {str(k): int(v) for k, v in index["tile"].value_counts().items()} if len(index) else {},
            "days": int(index["day"].nunique()) if len(index) else 0,
        },
        "samples": json.loads(samples.to_json(orient="records", date_format="iso")),
    }


def thumbnail_png(path: Path, size: int = 96) -> bytes:
    """RGB quick look of a chip (bands named red/green/blue), 2-98 % stretch."""
    with rasterio.open(path) as src:
        names = list(src.descriptions)
        idx = [names.index(b) + 1 for b in ("red", "green", "blue")] if all(
            b in names for b in ("red", "green", "blue")) else [1, 1, 1]
        rgb = src.read(idx).astype("float32")
    lo, hi = np.percentile(rgb, 2), np.percentile(rgb, 98)
    img = (np.clip((rgb - lo) / max(hi - lo, 1), 0, 1) * 255).astype("uint8").transpose(1, 2, 0)
    buf = io.BytesIO()
    Image.fromarray(img).resize((size, size)).save(buf, format="PNG")
    return buf.getvalue()


def qa_html(day: str, records: pd.DataFrame, failures: list[dict[str, Any]], dataset_root: Path,
            max_thumbs: int = 24, notes: list[str] | None = None) -> str:
    total = len(records)
    kept = int((records["status"] == "kept").sum()) if total else 0
    rejected = records[records["status"] == "rejected"] if total else records
    failed = int((records["status"] == "failed").sum()) if total else 0
    by_reason = rejected["reason"].value_counts() if len(rejected) else pd.Series(dtype=int)
    kpis = {"observations": total, "kept": kept, "rejected": len(rejected), "failed": failed,
            "keep rate": f"{kept / total:.0%}" if total else "n/a"}
    esc = html.escape
    parts = ["<!DOCTYPE html>",
             f"<html lang='en'><head><meta charset='utf-8'><title>ship chips QA {esc(day)}</title>",
             "<style>body{font-family:sans-serif}td,th{padding:2px 8px;border-bottom:1px solid #ddd}"
             ".grid img{margin:2px}</style></head><body>",
             f"<h1>Ship chips QA: {esc(day)}</h1>",
             *[f"<p class='note'>{esc(n)}</p>" for n in notes or []],
             "<h2>KPIs</h2><table>",
             *[f"<tr><th>{esc(k)}</th><td>{esc(str(v))}</td></tr>" for k, v in kpis.items()],
             "</table><h2>Gate rejections by reason</h2><table><tr><th>reason</th><th>chips</th></tr>",
             *[f"<tr><td>{esc(str(r))}</td><td>{int(n)}</td></tr>" for r, n in by_reason.items()],
             "</table><h2>Recent failures</h2><table><tr><th>observation</th><th>retries</th>"
             "<th>next retry</th><th>error</th></tr>",
             *[f"<tr><td>{esc(f['obs_id'])}</td><td>{f['retry_count']}</td><td>{esc(str(f['next_retry_at']))}</td>"
               f"<td>{esc(str(f['last_error'])[:200])}</td></tr>" for f in failures],
             "</table><h2>Kept chips</h2><div class='grid'>"]
    if kept:
        for row in records[records["status"] == "kept"].head(max_thumbs).itertuples():
            b64 = base64.b64encode(thumbnail_png(dataset_root / row.path)).decode()
            parts.append(f"<img title='{esc(row.chip_id)}' src='data:image/png;base64,{b64}'/>")
    parts.append("</div></body></html>")
    return "\n".join(parts)
