"""What a bench run does: the full run (`make bench`) or a quick one (`--quick`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Any


@dataclass(frozen=True)
class E2eConfig:
    rates: tuple[float, ...] = (10.0, 30.0, 100.0)
    """Offered updates per second of the fixed-rate runs."""
    durations: tuple[float, ...] = (30.0, 60.0, 30.0)
    """Seconds each fixed-rate run offers updates for."""
    warmup_seconds: float = 5.0
    search: bool = True
    """Search for the highest sustainable rate after the fixed-rate runs."""
    search_start: float = 20.0
    search_factor: float = 1.5
    search_max: float = 400.0
    search_seconds: float = 15.0
    search_bisections: int = 2
    sustainable_p95_ms: float = 250.0
    """A rate is sustainable when p95 stays under this, nothing is lost and no backlog grows."""
    think_seconds: tuple[float, float] = (0.3, 1.5)
    """A simulated user pauses this long (uniformly random) between receiving and writing."""
    reply_timeout: float = 30.0
    escalation_share: float = 0.15
    """Share of users who press "Talk to a person" (after which their texts go to the ticket)."""
    variants: tuple[tuple[str, ...], ...] = (("--concurrent", "64", "--overall-rate", "1000"),)
    """Proposed changes measured through `python -m bench.variant` (see bench/variant.py)."""
    variant_rates: tuple[float, ...] = (30.0,)
    variant_durations: tuple[float, ...] = (30.0,)


@dataclass(frozen=True)
class BenchConfig:
    quick: bool = False
    seed: int = 20261122
    nlu_questions: int = 1000
    nlu_clients: int = 8
    train_data: str = "full"
    """"full": the repository's training data; "tiny": a few examples (quick runs)."""
    micro_calls: int = 1000
    kb_factors: tuple[int, ...] = (1, 10, 100)
    kb_lookups: int = 20000
    claim_tickets: int = 1000
    claim_staff: int = 20
    queue_rows: tuple[int, ...] = (10_000, 1_000_000)
    queue_open_share: float = 0.02
    """Share of the generated tickets still open (the rest resolved), newest ones open."""
    queue_calls: int = 200
    inbox_rows: int = 100_000
    inbox_calls: int = 100
    backends: tuple[str, ...] = ("sqlite", "postgresql")
    e2e: E2eConfig = field(default_factory=E2eConfig)
    sections: tuple[str, ...] = ("nlu", "training", "micro", "e2e", "tickets", "growth")

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


FULL = BenchConfig()

QUICK = replace(
    FULL,
    quick=True,
    nlu_questions=60,
    nlu_clients=4,
    train_data="tiny",
    micro_calls=200,
    kb_factors=(1, 2),
    kb_lookups=2000,
    claim_tickets=30,
    claim_staff=20,
    queue_rows=(1000,),
    queue_calls=10,
    inbox_rows=1000,
    inbox_calls=5,
    e2e=E2eConfig(
        rates=(5.0,),
        durations=(3.0,),
        warmup_seconds=1.0,
        search=True,
        search_start=5.0,
        search_factor=2.0,
        search_max=10.0,
        search_seconds=2.0,
        search_bisections=0,
        think_seconds=(0.05, 0.2),
        reply_timeout=20.0,
        variants=(("--concurrent", "8"),),
        variant_rates=(5.0,),
        variant_durations=(2.0,),
    ),
)
