import os

# Idle OpenMP threads spin only briefly (libgomp's default is ~300,000 spins) before they sleep: a job
# sharing its cores with another busy process otherwise stalls at every parallel region, while sleeping
# at once (OMP_WAIT_POLICY=PASSIVE) costs ~14% when the job has its cores to itself (bench/shared_cores.py,
# README). libgomp reads this once, when torch loads it, so it is set before anything imports torch;
# a policy the user set wins.
if "OMP_WAIT_POLICY" not in os.environ:
    os.environ.setdefault("GOMP_SPINCOUNT", "3000")

from seqgan.cli import main

raise SystemExit(main())
