"""Cost growth of the knowledge base: load time, lookup latency and memory at N× the catalog."""

from __future__ import annotations

import gc
import shutil
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import yaml

from bench.micro import lookup_latency
from knowledge import load_knowledge


def synthesize(source: Path, target: Path, factor: int) -> int:
    """Copy the knowledge base to `target` with every article repeated `factor` times.

    Copies are named `<id>_x<n>`, keep their topic, titles and related articles, and get every
    answer file of the original. Returns the number of articles.
    """
    shutil.copytree(source / "institutions", target / "institutions")
    catalog = yaml.safe_load((source / "catalog.yml").read_text(encoding="utf-8"))
    originals = dict(catalog["articles"])
    articles = dict(originals)
    for article_id, article in originals.items():
        for n in range(1, factor):
            articles[f"{article_id}_x{n}"] = article
    catalog["articles"] = articles
    for situation in (catalog.get("situations") or {}).values():
        listed = situation.get("articles")
        if listed is not None:  # a situation answering some articles answers their copies too
            situation["articles"] = [
                *listed,
                *(f"{a}_x{n}" for a in listed for n in range(1, factor)),
            ]
    (target / "catalog.yml").write_text(
        yaml.safe_dump(catalog, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    for folder in sorted((source / "answers").iterdir()):
        if not folder.is_dir():
            continue
        out = target / "answers" / folder.name
        out.mkdir(parents=True)
        for path in folder.glob("*.yml"):
            shutil.copyfile(path, out / path.name)
            for n in range(1, factor):
                shutil.copyfile(path, out / f"{path.stem}_x{n}.yml")
    return len(articles)


def run_growth(source: Path, *, factors: tuple[int, ...], lookups: int, seed: int) -> list[Any]:
    rows: list[dict[str, Any]] = []
    for factor in factors:
        workdir = Path(tempfile.mkdtemp(prefix=f"bench-kb-{factor}x-"))
        try:
            articles = synthesize(source, workdir, factor)
            gc.collect()
            started = time.perf_counter()
            kb = load_knowledge(workdir)
            load_s = time.perf_counter() - started
            lookup = lookup_latency(kb, calls=lookups, seed=seed)
            answers = len(kb.answers)
            del kb
            gc.collect()
            tracemalloc.start()
            kb = load_knowledge(workdir)
            retained, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
            del kb
            rows.append(
                {
                    "factor": factor,
                    "articles": articles,
                    "answer_files": answers,
                    "load_s": round(load_s, 3),
                    "lookup_us": lookup["latency_us"],
                    "lookup_loop_mean_us": lookup["loop_mean_us"],
                    "memory_retained_mb": round(retained / 2**20, 2),
                    "memory_peak_mb": round(peak / 2**20, 2),
                }
            )
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
    return rows
