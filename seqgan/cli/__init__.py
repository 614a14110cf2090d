"""Command line: ``python -m seqgan VERB``, one verb per step of the workflow (see seqgan/stages.py).

A verb parses its arguments, loads its inputs (the config sections its step declares, data, models),
calls the library and writes its outputs, atomically. It chooses every path and seed; the library
takes them as arguments. The verbs live by kind: ``data`` (fetch, corpus, oracle, evaluate,
render-music), ``train`` (random, pretrain, mle, scheduled-sampling, pretrain-discriminator, seqgan,
pg-bleu, constant-reward) and ``report``.
"""

from __future__ import annotations

import argparse
import logging

from seqgan import config
from seqgan.cli import data, report, train
from seqgan.data import download

log = logging.getLogger("seqgan")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="seqgan", description=__doc__)
    verbs = parser.add_subparsers(dest="verb", required=True)
    for kind in (data, train, report):
        kind.add_verbs(verbs)
    return parser


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except (config.ConfigError, download.ChecksumError, OSError, ValueError, FloatingPointError) as err:
        log.error("%s", err)
        return 1
    return 0
