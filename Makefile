# Shortcuts over ./hsim, which does the set-up itself.
.PHONY: run test bench

run:
	./hsim run

test:
	./hsim test

bench:
	./hsim setup
	.venv/bin/python bench/bench_engine.py
	.venv/bin/python bench/bench_write.py
