"""seqgan-repro: SeqGAN (Yu et al., AAAI 2017) as a clean PyTorch library."""

__version__ = "0.1.0"
