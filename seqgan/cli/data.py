"""Verbs of the data steps: fetch a pinned file, preprocess a corpus, build the oracle and its samples,
score a model's samples of a real corpus, or its real-data row, on both reference bases (Tables 2-4),
sweep a trained generator's sampling temperature (quality against diversity), render music samples."""

from __future__ import annotations

import argparse
import csv
import dataclasses
import functools
import io
import json
import logging
from collections.abc import Callable
from pathlib import Path

import torch

from seqgan import atomic, config, job_record, stages
from seqgan import device as devices
from seqgan.cli.train import model_job_args, seed, whole_number
from seqgan.data import download
from seqgan.data.corpus import Corpus, load_vocab
from seqgan.data.tokens import load_tokens, save_tokens
from seqgan.data.vocab import PAD, UNK
from seqgan.metrics import corpus_scores, quality_diversity
from seqgan.metrics.corpus_scores import CorpusScores
from seqgan.models import oracle as oracles
from seqgan.models.generator import Generator
from seqgan.models.saved import load_generator, save_generator
from seqgan.sampling import keyed_rng

log = logging.getLogger("seqgan")


def cmd_fetch(args) -> None:
    download.fetch(args.name, args.out, args.mirror)
    log.info("fetched %s -> %s (%s ok)", args.name, args.out, download.lookup(args.name).expected)


def cmd_corpus(args) -> None:
    """A real corpus from its downloaded file to token ids per split (preprocessing: seqgan/data)."""
    from seqgan.data import nottingham, obama, poems

    settings = dataclasses.asdict(config.load_step(args.config, args.name, "corpus").data)
    # data.source is the download's registry name, which the rule resolves to --source (results/downloads/NAME):
    # the file is checked against that name's pinned hash here, where it is used, as the oracle's is.
    download.verify(args.source, settings.pop("source"))
    max_train = settings.pop("max_train")
    preprocess = {"poems": poems.preprocess, "obama": obama.preprocess, "music": nottingham.preprocess}[args.name]
    corpus = preprocess(args.source, **settings).limit_train(max_train)
    corpus.save(args.out_dir)
    log.info("corpus %s from %s: %s", corpus.name, args.source, json.dumps(corpus.stats, ensure_ascii=False))


def cmd_oracle(args) -> None:
    cfg = config.load_step(args.config, "synthetic", "oracle").oracle
    devices.set_threads(args.threads)  # the oracle stays on the CPU: identical data on every machine
    rng = torch.Generator().manual_seed(cfg.seed)
    if cfg.source == "original":
        if not args.params:
            raise SystemExit("oracle.source is 'original': pass --params with the released target_params_py3.pkl")
        oracle = oracles.released_oracle(args.params, cfg.seq_len)
    else:
        oracle = oracles.random_oracle(cfg, rng)
    train = oracle.sample(cfg.num_train, rng)
    test = oracle.sample(cfg.num_test, rng)
    out = Path(args.out_dir)
    save_generator(oracle, out / "oracle.pt", epoch=0)
    save_tokens(train, out / "train.pt")
    save_tokens(test, out / "test.pt")
    log.info("oracle source=%s train=%s test=%s", cfg.source, tuple(train.shape), tuple(test.shape))


def _trained_generator(args, vocab_size: int, seq_len: int, data: str) -> Generator:
    """The generator to sample (--generator), checked to be a model of the data at ``data``."""
    if args.seed is None:
        raise ValueError(f"{args.verb}: --generator needs --seed (it seeds the samples)")
    generator, _ = load_generator(args.generator, devices.resolve(args.device))
    if (generator.vocab_size, generator.seq_len) != (vocab_size, seq_len):
        raise ValueError(f"{args.generator}: not a generator of {data} (vocabulary or length differ)")
    return generator.eval()


def _record(args, device: torch.device) -> None:
    """Where the job ran (--provenance), written after its outputs; no discriminator, so fp32."""
    if args.provenance:
        job_record.write(args.provenance, device, "fp32")


def _scorer(cfg, corpus: Corpus, corpus_key: str, many: bool = False) -> Callable[..., CorpusScores]:
    """``score(sequences, own_rows=None)`` as Tables 2-4 score: both reference bases, padding removed, <unk>
    unmatched. ``many``: the reference tables are built once here, for a caller that scores several sets."""
    m = cfg.metrics
    ids = lambda token: tuple(i for i, t in enumerate(corpus.vocab) if t == token)  # music has no <unk>
    settings = {"orders": m.bleu, "smoothing": m.smoothing, "strip": ids(PAD), "unmatched": ids(UNK)}
    tables = corpus_scores.reference_tables(corpus.splits, **settings) if many else None
    return functools.partial(
        corpus_scores.score, splits=corpus.splits, **settings, self_bleu_sample=m.self_bleu_sample,
        with_mse=corpus_key == "music", tables=tables,
    )  # fmt: skip


def cmd_evaluate(args) -> None:
    """A real corpus's scores (Tables 2-4) on both reference bases (seqgan/metrics/corpus_scores.py): the
    generator's samples, or, without a generator, as many training sequences (the paper's "real data" row)."""
    from seqgan.report import samples as rendering

    cfg = config.load_step(args.config, args.corpus, "evaluate")
    corpus = Corpus.load(args.data)
    devices.set_threads(args.threads)
    own_rows, device = None, torch.device("cpu")  # the real-data row samples nothing: scoring is on the CPU
    if args.generator:
        generator = _trained_generator(args, len(corpus.vocab), corpus.seq_len, args.data)
        device = generator.device
        # Seeded by (seed, method): each model's samples are independent of the others', as the p-values assume.
        rng = keyed_rng(args.seed, args.method, "evaluate")
        with torch.no_grad():
            sequences = generator.sample(cfg.eval.num_samples, rng, cfg.eval.batch_size).cpu()
    else:
        sequences, own_rows = corpus_scores.real_data(corpus.splits, cfg.eval.num_samples)
    scores = _scorer(cfg, corpus, args.corpus)(sequences, own_rows=own_rows)
    # scores.csv holds every per-sequence value (the tables average them); metrics.json the rest.
    metrics = {
        "corpus": corpus.name,
        "method": args.method,
        "seed": args.seed,
        "smoothing": cfg.metrics.smoothing,
        "self_bleu": {str(n): value for n, value in scores.self_bleu.items()},
        "references": scores.references,
    }
    save_tokens(sequences, args.out_sequences)
    atomic.write_text(args.out_scores, scores.to_csv())
    header = f"# {corpus.name}, {args.method}" + ("" if args.seed is None else f", seed {args.seed}") + "\n\n"
    atomic.write_text(args.out_samples, header + rendering.format_samples(args.corpus, corpus.vocab, sequences))
    atomic.write_text(args.out_metrics, json.dumps(metrics, indent=2, ensure_ascii=False) + "\n")
    means = {column: scores.mean(column) for column in scores.per_sequence}
    log.info("scores of %d sequences: means %s, %s", len(sequences), means, json.dumps(metrics, ensure_ascii=False))
    _record(args, device)


def cmd_quality_diversity(args) -> None:
    """A trained generator sampled at each of quality_diversity.temperatures: quality and diversity per
    temperature (seqgan/metrics/quality_diversity.py), one CSV row each."""
    cfg = config.load_step(args.config, args.experiment, "quality_diversity")
    devices.set_threads(args.threads)
    temperatures, e, key = cfg.quality_diversity.temperatures, cfg.eval, (args.seed, args.method)
    if args.experiment == "synthetic":
        if not (args.oracle and args.test):
            raise ValueError("quality-diversity synthetic: needs --oracle and --test (the oracle and its test set)")
        o = cfg.oracle
        generator = _trained_generator(args, o.vocab_size, o.seq_len, args.oracle)
        oracle, _ = load_generator(args.oracle, generator.device)
        test = load_tokens(args.test, o.vocab_size, o.seq_len)
        rows = quality_diversity.synthetic_sweep(
            generator, oracle, test, temperatures, e.num_samples, e.batch_size, key
        )
    else:
        if not args.data:
            raise ValueError(f"quality-diversity {args.experiment}: needs --data (the preprocessed corpus folder)")
        corpus = Corpus.load(args.data)
        generator = _trained_generator(args, len(corpus.vocab), corpus.seq_len, args.data)
        score = _scorer(cfg, corpus, args.experiment, many=True)
        rows = quality_diversity.corpus_sweep(generator, score, temperatures, e.num_samples, e.batch_size, key)
    quality_diversity.check_rows(rows, args.generator)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows({name: repr(value) for name, value in row.items()} for row in rows)
    atomic.write_text(args.out, out.getvalue())
    log.info("quality-diversity of %s: %s", args.generator, json.dumps(rows))
    _record(args, generator.device)


sample_count = whole_number("sequences", 1)  # render-music --count


def cmd_render_music(args) -> None:
    """The first --count scored music sequences as MIDI files and one piano-roll PNG."""
    from seqgan.data import nottingham
    from seqgan.report import samples as rendering

    data = config.load_step(args.config, "music", "render_music").data
    vocab = load_vocab(args.vocab)
    if vocab != nottingham.VOCAB:  # the MIDI files are written by pitch id; the piano roll labels by this file
        raise ValueError(
            f"{args.vocab}: not the music corpus's vocabulary (expected the {len(nottingham.VOCAB)} pitch names"
            f" {nottingham.VOCAB[0]}..{nottingham.VOCAB[-1]}, got {len(vocab)} tokens starting {list(vocab[:3])})"
        )
    sequences = load_tokens(args.sequences, len(vocab), data.seq_len)[: args.count]
    out = Path(args.out_midi_dir)
    with atomic.atomic_dir(out) as tmp:  # all files or none
        for i, ids in enumerate(sequences.tolist()):
            nottingham.write_midi(ids, tmp / f"sample{i + 1}.mid", data.sample_seconds)
    rendering.write_piano_roll(
        sequences, vocab, args.out_piano_roll, args.title, max_sequences=args.count, sample_seconds=data.sample_seconds
    )


def add_verbs(verbs: argparse._SubParsersAction) -> None:
    p = verbs.add_parser("fetch", help="copy or download a pinned file and verify its sha256")
    p.add_argument("name", help=f"one of: {', '.join(download.REGISTRY)}")
    p.add_argument("--out", required=True)
    p.add_argument("--mirror", help="directory with local copies under the same names")
    p.set_defaults(func=cmd_fetch)

    p = verbs.add_parser("corpus", help="preprocess a real corpus into fixed-length token sequences per split")
    p.add_argument("name", choices=config.CORPORA, help="the corpus (its config key)")
    p.add_argument("--config", required=True, help="the step's config JSON written by the workflow")
    p.add_argument("--source", required=True, help="its downloaded file, verified against data.source's pinned hash")
    p.add_argument("--out-dir", required=True, help="gets {train,valid,test}.pt, vocab.json, summary.json")
    p.set_defaults(func=cmd_corpus)

    p = verbs.add_parser("evaluate", help="BLEU, Self-BLEU (and music MSE) of a model's samples of a real corpus")
    p.add_argument("corpus", choices=config.CORPORA)
    p.add_argument("--config", required=True, help="the corpus's config JSON written by the workflow")
    p.add_argument("--data", required=True, help="the preprocessed corpus folder (python -m seqgan corpus)")
    p.add_argument("--generator", help="the model to sample; without it, training sequences (the real-data row)")
    p.add_argument("--method", required=True, help="the row's name (mle, seqgan, real): labels and seeds the samples")
    p.add_argument("--out-scores", required=True, help="per-sequence CSV: {paper,leak_free}_bleuN (music: _mse)")
    p.add_argument("--out-metrics", required=True, help="JSON: corpus, method, seed, smoothing, self_bleu, references")
    p.add_argument("--out-samples", required=True, help="the scored sequences as readable text")
    p.add_argument("--out-sequences", required=True, help="the scored sequences as token ids (.pt)")
    p.add_argument("--seed", type=seed, help="the run's seed (with --generator): seeds its samples")
    model_job_args(p)
    p.set_defaults(func=cmd_evaluate)

    p = verbs.add_parser("quality-diversity", help="a trained generator's quality and diversity at each temperature")
    p.add_argument("experiment", choices=stages.EXPERIMENTS)
    p.add_argument("--config", required=True, help="the step's config JSON written by the workflow")
    p.add_argument("--generator", required=True, help="the trained generator to sample")
    p.add_argument("--method", required=True, help="its method (mle, seqgan, ...): labels and seeds the samples")
    p.add_argument("--seed", type=seed, required=True, help="the run's seed: seeds the samples")
    p.add_argument("--oracle", help="synthetic: the oracle (oracle.pt), which scores the samples")
    p.add_argument("--test", help="synthetic: the oracle's held-out sequences (test.pt), NLL-test")
    p.add_argument("--data", help="a real corpus: its preprocessed folder")
    p.add_argument("--out", required=True, help="CSV: one row per temperature")
    model_job_args(p)
    p.set_defaults(func=cmd_quality_diversity)

    p = verbs.add_parser("render-music", help="music samples as MIDI files and a piano-roll PNG")
    p.add_argument("--config", required=True, help="the step's config JSON written by the workflow")
    p.add_argument("--vocab", required=True)
    p.add_argument("--sequences", required=True, help="token ids (.pt) written by evaluate")
    p.add_argument("--count", type=sample_count, default=5, help="how many of the sequences (>= 1)")
    p.add_argument("--title", default="", help="the piano roll's title")
    p.add_argument("--out-midi-dir", required=True)
    p.add_argument("--out-piano-roll", required=True)
    p.set_defaults(func=cmd_render_music)

    p = verbs.add_parser("oracle", help="build the oracle and sample its train and test sets")
    p.add_argument("--config", required=True)
    p.add_argument("--params", help="released target_params_py3.pkl (oracle.source: original)")
    p.add_argument("--out-dir", required=True)
    p.add_argument("--threads", type=int, default=1)
    p.set_defaults(func=cmd_oracle)
