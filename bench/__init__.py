"""Performance benchmarks (`make bench`, `python -m bench [--quick]`).

Each module measures one part: `nlu` (Rasa parse latency, throughput, memory, training time),
`micro` (language detection, knowledge lookup), `e2e` (the real bot over the fake Bot API under
load), `tickets` (claims under contention, `/queue` at scale), `growth` (knowledge base size).
`runner` runs them and `report` writes `results.json` and `results.md`.
"""
