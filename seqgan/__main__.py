import os

# Idle OpenMP threads sleep instead of spinning: a job sharing its cores with another process otherwise
# stalls at every parallel region (MLE epochs 10-20x slower; README, "Threads and shared cores").
# libgomp reads this once, when torch loads it, so it is set before anything imports torch.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from seqgan.cli import main

raise SystemExit(main())
