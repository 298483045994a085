"""Benchmarks (`make bench`): each module with a `main()` measures one part and writes
bench-results/<name>.json."""
