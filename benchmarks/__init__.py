"""Quelle's benchmarks: ingest, retrieval scaling, HTTP answers and memory, each against a same-run reference."""
