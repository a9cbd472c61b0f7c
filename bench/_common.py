"""Shared bits of the benchmark scripts: timing, medians, a results table, demo databases."""

from __future__ import annotations

import compileall
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"


def compile_sources() -> None:
    """Bytecode for crm-tui's own modules, as ``pip install`` writes it for a user.

    From a source checkout (or with PYTHONDONTWRITEBYTECODE set, as on our machines) every
    fresh process compiled them again, 0.1-0.2 s, while the bare Textual app measured beside
    them starts from compiled bytecode: the figures would compare unlike with unlike.
    """
    for package in ("crm_tui", "screens"):
        compileall.compile_dir(ROOT / package, quiet=1)


compile_sources()


def median_ms(fn: Callable[[], object], runs: int = 21, warmup: int = 2) -> float:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        begun = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - begun) * 1000)
    return statistics.median(samples)


def cpu_median_ms(fn: Callable[[], object], runs: int = 21, warmup: int = 2) -> float:
    """Median CPU time of this process (not wall time): steadier on a shared machine."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(runs):
        begun = time.process_time()
        fn()
        samples.append((time.process_time() - begun) * 1000)
    return statistics.median(samples)


def wall_s(args: list[str], env: dict[str, str] | None = None) -> float:
    begun = time.perf_counter()
    subprocess.run(
        args,
        check=True,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    return time.perf_counter() - begun


def crm_args(*args: str) -> list[str]:
    return [sys.executable, "-m", "crm_tui", *args]


def demo_db(contacts: int, interactions: int | None = None) -> Path:
    """A demo database with ``contacts`` contacts, built once and kept in bench/out/."""
    OUT.mkdir(exist_ok=True)
    suffix = f"-{interactions}i" if interactions is not None else ""
    path = OUT / f"demo-{contacts}{suffix}.db"
    if not path.exists():
        extra = ["--interactions", str(interactions)] if interactions is not None else []
        print(f"building {path.name} …", flush=True)
        subprocess.run(
            crm_args("--db", str(path), "demo", "--contacts", str(contacts), *extra), check=True
        )
    return path


class Report:
    """Rows of (what, figure, reference, ratio, target) printed as an aligned table."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.rows: list[tuple[str, str, str, str, str]] = []

    def add(
        self,
        what: str,
        value: float,
        unit: str,
        reference: float | None = None,
        reference_name: str = "",
        target: str = "",
    ) -> None:
        ref = f"{reference:.2f} {unit} ({reference_name})" if reference is not None else ""
        ratio = f"{value / reference:.2f}x" if reference else ""
        self.rows.append((what, f"{value:.2f} {unit}", ref, ratio, target))

    def print(self) -> None:
        header = ("measure", "figure", "reference (same run)", "ratio", "target")
        widths = [max(len(str(r[i])) for r in [header, *self.rows]) for i in range(5)]
        print(f"\n{self.title}")
        for row in [header, *self.rows]:
            print(
                "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True))
            )
