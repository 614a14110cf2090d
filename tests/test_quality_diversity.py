"""Quality–diversity sweeps: the sweep against direct computations, the curves' means, the reading of MLE's curve
at another method's diversity (hand cases), the summary's verdicts and the files of one experiment."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import torch
import yaml
from cli_run import cli, cli_ok

from seqgan.data.corpus import Corpus
from seqgan.metrics import corpus_scores
from seqgan.metrics.nll import sequence_nll
from seqgan.metrics.quality_diversity import check_rows, synthetic_sweep
from seqgan.models.generator import Generator
from seqgan.models.saved import load_generator, save_generator
from seqgan.report import quality_diversity as qd
from seqgan.sampling import keyed_rng

REPO = Path(__file__).resolve().parents[1]


def generator(seed: int, std: float = 1.0) -> Generator:
    return Generator(12, 4, 5, 6).init_normal(std, torch.Generator().manual_seed(seed))


def test_synthetic_sweep_equals_direct_computation():
    model, oracle = generator(1, 0.5), generator(2)
    test = oracle.sample(40, torch.Generator().manual_seed(3))
    rows = synthetic_sweep(model, oracle, test, [0.5, 1.0, 2.0], 30, 16, key=(7, "mle"))
    assert [row["temperature"] for row in rows] == [0.5, 1.0, 2.0]
    for row in rows:
        t = row["temperature"]
        samples = model.sample(30, keyed_rng(7, "mle", "quality_diversity"), 16, t)  # the same uniforms at every t
        assert row["nll_oracle"] == sequence_nll(oracle, samples).mean().item()
        assert row["nll_test"] == sequence_nll(model, test, temperature=t).mean().item()
    # A sharper generator covers less of the oracle's data: NLL-test is lowest near temperature 1 here,
    # and temperatures change the samples (the points are not one point thrice).
    assert len({row["nll_oracle"] for row in rows}) == 3


def test_check_rows_names_a_non_finite_value():
    with pytest.raises(FloatingPointError, match="mle: nll_oracle is nan at temperature 0.6"):
        check_rows([{"temperature": 0.6, "nll_oracle": float("nan"), "nll_test": 1.0}], "mle")


# The hand case: MLE's curve through (NLL-test, NLL-oracle) = (12, 8.0) at t 0.6, (10, 9.0) at t 1.0,
# (9, 10.0) at t 1.4. A method at (11, 8.2) at t 1: MLE at NLL-test 11 is halfway between t 0.6 and 1.0,
# NLL-oracle 8.5 at t 0.8, so the method is 0.3 better; at (11, 8.6) it is 0.1 worse.
MLE = [(0.6, 12.0, 8.0), (1.0, 10.0, 9.0), (1.4, 9.0, 10.0)]


def sweep(points) -> list[dict]:
    return [{"temperature": t, "nll_test": x, "nll_oracle": y} for t, x, y in points]


def test_mle_curve_read_at_another_diversity():
    ax = qd.axes("synthetic", ["temperature", "nll_oracle", "nll_test"])
    assert qd.at_diversity(sweep(MLE), ax, 11.0) == pytest.approx((8.5, 0.8))
    assert qd.at_diversity(sweep(MLE), ax, 9.0) == pytest.approx((10.0, 1.4))
    assert qd.at_diversity(sweep(MLE), ax, 13.0) is None  # outside the sweep: no extrapolation


def test_findings_say_whether_a_method_beats_mle_at_equal_diversity():
    sweeps = {
        ("mle", 1): sweep(MLE),
        ("seqgan", 1): sweep([(0.6, 12.5, 7.9), (1.0, 11.0, 8.2), (1.4, 9.5, 9.9)]),
        ("pg_bleu", 1): sweep([(0.6, 12.5, 8.3), (1.0, 11.0, 8.6), (1.4, 9.5, 9.9)]),
        ("constant_reward", 1): sweep([(0.6, 15.0, 7.0), (1.0, 14.0, 7.5), (1.4, 13.0, 8.0)]),
    }
    curves = qd.mean_curves(sweeps)
    lines = qd.findings("synthetic", curves, qd.axes("synthetic", list(curves["mle"][0])))
    by_method = dict(zip(["pg_bleu", "constant_reward", "seqgan"], lines, strict=True))  # LABELS order
    assert "MLE at temperature 0.80 reaches the same diversity with 8.5000" in by_method["seqgan"]
    assert "SeqGAN is better than MLE at equal diversity (+0.3000" in by_method["seqgan"]
    assert "PG-BLEU is no better than MLE at equal diversity (-0.1000" in by_method["pg_bleu"]
    # (14, 7.5): less diverse than MLE anywhere, better than its least diverse point (12, 8.0): no verdict.
    assert (
        "less diverse than MLE at every swept temperature (MLE at temperature 0.6 has 12.0000 and 8.0000)"
        in (by_method["constant_reward"])
    )
    assert "outside MLE's swept range, so no comparison at equal diversity" in by_method["constant_reward"]


@pytest.mark.parametrize(
    "point, verdict",
    [
        ((14.0, 8.5), ("less diverse than MLE at every swept temperature (MLE at temperature 0.6 has 12.0000 and 8.0000); "
                      "SeqGAN is both less diverse and no better: MLE dominates it.")),
        ((8.0, 9.5), ("more diverse than MLE at every swept temperature (MLE at temperature 1.4 has 9.0000 and 10.0000); "
                     "SeqGAN is both more diverse and better: it dominates MLE's sweep.")),
        ((8.0, 10.5), "outside MLE's swept range"),
    ],
)  # fmt: skip
def test_a_point_beyond_mles_sweep_is_compared_with_its_nearest_end(point, verdict):
    curves = qd.mean_curves({("mle", 1): sweep(MLE), ("seqgan", 1): sweep([(1.0, *point)])})
    (line,) = qd.findings("synthetic", curves, qd.axes("synthetic", list(curves["mle"][0])))
    assert verdict in line


def test_corpus_axes_use_the_leak_free_basis_and_higher_bleu_is_better():
    columns = [
        "temperature",
        "paper_bleu3",
        "leak_free_bleu3",
        "paper_bleu4",
        "leak_free_bleu4",
        "self_bleu3",
        "self_bleu4",
    ]
    ax = qd.axes("obama", columns)
    assert (ax.x, ax.y, ax.y_lower_is_better) == ("self_bleu4", "leak_free_bleu4", False)
    mle = [{"temperature": t, "self_bleu4": x, "leak_free_bleu4": y} for t, x, y in [(0.6, 0.9, 0.5), (1.0, 0.5, 0.3)]]
    seqgan = [{"temperature": 1.0, "self_bleu4": 0.7, "leak_free_bleu4": 0.45}]
    curves = qd.mean_curves({("mle", 1): mle, ("seqgan", 1): seqgan})
    (line,) = qd.findings("obama", curves, ax)
    assert "with 0.4000" in line and "SeqGAN is better than MLE" in line and "(+0.0500" in line


def test_mean_over_seeds_and_mismatched_temperatures():
    a = sweep([(0.5, 10.0, 8.0), (1.0, 9.0, 9.0)])
    b = sweep([(1.0, 11.0, 10.0), (0.5, 12.0, 9.0)])  # rows in another order
    curves = qd.mean_curves({("mle", 1): a, ("mle", 2): b})
    assert curves["mle"] == [
        {"n_seeds": 2, "temperature": 0.5, "nll_test": 11.0, "nll_oracle": 8.5},
        {"n_seeds": 2, "temperature": 1.0, "nll_test": 10.0, "nll_oracle": 9.5},
    ]
    with pytest.raises(ValueError, match="MLE: the seeds' sweeps have different temperatures"):
        qd.mean_curves({("mle", 1): a, ("mle", 2): sweep([(0.7, 1.0, 1.0), (1.0, 1.0, 1.0)])})
    with pytest.raises(ValueError, match="unknown method 'random_x'"):
        qd.mean_curves({("mle", 1): a, ("random_x", 1): a})


def write_sweep(path, rows) -> str:
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return str(path)


def test_read_sweep_refuses_bad_files(tmp_path):
    good = write_sweep(tmp_path / "good.csv", sweep(MLE))
    assert qd.read_sweep(good) == sweep(MLE)
    (tmp_path / "nan.csv").write_text("temperature,nll_oracle\n1.0,nan\n")
    with pytest.raises(ValueError, match=r"nan.csv:2: a non-finite value"):
        qd.read_sweep(tmp_path / "nan.csv")
    (tmp_path / "twice.csv").write_text("temperature,nll_oracle\n1.0,2\n1.0,3\n")
    with pytest.raises(ValueError, match="twice.csv: a temperature appears twice"):
        qd.read_sweep(tmp_path / "twice.csv")
    (tmp_path / "header.csv").write_text("t,nll_oracle\n1.0,2\n")
    with pytest.raises(ValueError, match="header.csv: expected a header with a temperature column"):
        qd.read_sweep(tmp_path / "header.csv")
    with pytest.raises(FileNotFoundError, match="missing.csv: file not found"):
        qd.read_sweep(tmp_path / "missing.csv")


def test_write_report_files(tmp_path):
    sweeps = {("mle", 1): sweep(MLE), ("seqgan", 1): sweep([(0.6, 12.5, 7.9), (1.0, 11.0, 8.2), (1.4, 9.5, 9.9)])}
    out = {name: tmp_path / f"qd.{name}" for name in ("csv", "md", "png")}
    qd.write_report("synthetic", sweeps, out["csv"], out["md"], out["png"])
    assert out["png"].read_bytes().startswith(b"\x89PNG")
    rows = list(csv.DictReader(out["csv"].open()))
    assert [(r["method"], float(r["temperature"])) for r in rows] == [
        ("mle", 0.6),
        ("mle", 1.0),
        ("mle", 1.4),
        ("seqgan", 0.6),
        ("seqgan", 1.0),
        ("seqgan", 1.4),
    ]
    markdown = out["md"].read_text()
    assert markdown.startswith("# Quality–diversity: Synthetic data") and "SeqGAN is better than MLE" in markdown
    with pytest.raises(ValueError, match="unknown experiment 'x'"):
        qd.write_report("x", sweeps, *out.values())


# ------------------------------------------------------------------------------------------------------ the CLI


def read_rows(path) -> list[dict]:
    return [{k: float(v) for k, v in row.items()} for row in csv.DictReader(open(path, newline=""))]


def test_cli_synthetic_sweep_is_the_library_sweep(tmp_path, make_config):
    cfg = make_config()
    config = tmp_path / "config.json"
    config.write_text(json.dumps(cfg))
    cli_ok("oracle", "--config", config, "--out-dir", tmp_path / "data")
    o = cfg["oracle"]
    model = Generator(o["vocab_size"], 4, 5, o["seq_len"]).init_normal(0.5, torch.Generator().manual_seed(3))
    save_generator(model, tmp_path / "generator.pt", epoch=1)
    argv = ["quality-diversity", "synthetic", "--config", config, "--generator", tmp_path / "generator.pt"]
    argv += ["--method", "mle", "--seed", 2, "--oracle", tmp_path / "data" / "oracle.pt"]
    cli_ok(*argv, "--test", tmp_path / "data" / "test.pt", "--out", tmp_path / "sweep.csv", "--device", "cpu")
    oracle, _ = load_generator(tmp_path / "data" / "oracle.pt", torch.device("cpu"))
    test = torch.load(tmp_path / "data" / "test.pt")
    e = cfg["eval"]
    expected = synthetic_sweep(model, oracle, test, cfg["quality_diversity"]["temperatures"], e["num_samples"],
                               e["batch_size"], key=(2, "mle"))  # fmt: skip
    assert read_rows(tmp_path / "sweep.csv") == expected  # repr round-trips every float
    # A generator of other data is refused before any sampling, naming both files.
    save_generator(Generator(7, 4, 5, o["seq_len"]), tmp_path / "other.pt", epoch=1)
    argv[5] = tmp_path / "other.pt"
    assert cli(*argv, "--test", tmp_path / "data" / "test.pt", "--out", tmp_path / "other.csv") == 1
    assert not (tmp_path / "other.csv").exists()


def test_cli_corpus_sweep_scores_like_evaluate(tmp_path):
    vocab = ("<unk>", *"abcdefgh")
    rng = torch.Generator().manual_seed(0)
    splits = {split: torch.randint(0, len(vocab), (n, 6), generator=rng) for split, n in (("train", 40), ("test", 8))}
    Corpus("poems", vocab, splits, {}).save(tmp_path / "data")
    section = yaml.safe_load((REPO / ".test" / "config" / "config.yaml").read_text())["poems"]
    section["eval"] |= {"num_samples": 20, "batch_size": 8}
    section["metrics"]["self_bleu_sample"] = 10
    (tmp_path / "config.json").write_text(json.dumps(section))
    model = Generator(len(vocab), 4, 5, 6).init_normal(0.5, torch.Generator().manual_seed(1))
    save_generator(model, tmp_path / "generator.pt", epoch=1)
    cli_ok("quality-diversity", "poems", "--config", tmp_path / "config.json", "--generator", tmp_path / "generator.pt",
           "--method", "seqgan", "--seed", 1, "--data", tmp_path / "data", "--out", tmp_path / "sweep.csv")  # fmt: skip
    rows = read_rows(tmp_path / "sweep.csv")
    assert [row["temperature"] for row in rows] == section["quality_diversity"]["temperatures"]
    for row in rows:
        samples = model.sample(20, keyed_rng(1, "seqgan", "quality_diversity"), 8, row["temperature"])
        m = section["metrics"]
        scores = corpus_scores.score(samples, splits, m["bleu"], m["smoothing"], (), (0,), m["self_bleu_sample"])
        assert row == {"temperature": row["temperature"]} | {c: scores.mean(c) for c in scores.per_sequence} | {
            f"self_bleu{n}": v for n, v in scores.self_bleu.items()
        }
    assert set(rows[0]) == {"temperature", "paper_bleu2", "leak_free_bleu2", "self_bleu2"}
