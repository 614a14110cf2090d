"""Quality–diversity sweeps: the sweep against direct computations, the curves' means, the reading of MLE's curve
at another method's diversity (hand cases), the summary's verdicts and the files of one experiment."""

from __future__ import annotations

import csv
import json
import math
import statistics
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
        quality, coverage = sequence_nll(oracle, samples), sequence_nll(model, test, temperature=t)
        assert row["nll_oracle"] == quality.mean().item() and row["nll_test"] == coverage.mean().item()
        assert row["nll_oracle_se"] == pytest.approx(statistics.stdev(quality.tolist()) / math.sqrt(30), rel=1e-12)
        assert row["nll_test_se"] == pytest.approx(statistics.stdev(coverage.tolist()) / math.sqrt(40), rel=1e-12)
    assert len({row["nll_oracle"] for row in rows}) == 3  # temperatures change the samples


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
    assert qd.at_diversity(sweep(MLE), ax, 11.0) == pytest.approx((8.5, 0.0, 0.8))
    assert qd.at_diversity(sweep(MLE), ax, 9.0) == pytest.approx((10.0, 0.0, 1.4))
    assert qd.at_diversity(sweep(MLE), ax, 13.0) is None  # outside the sweep: no extrapolation


def test_a_u_shaped_curve_is_read_between_neighbouring_temperatures_only():
    """A well-fit model's NLL-test is lowest near temperature 1 and rises on both sides. At NLL-test 9.5 the
    curve passes twice: between t 0.6 and 1 (NLL-oracle 8.5) and between 1 and 1.4 (9.75); never between 0.6
    and 1.4 (a segment that exists only after sorting by NLL-test). The better of the two is the comparison."""
    ax = qd.axes("synthetic", ["temperature", "nll_oracle", "nll_test"])
    u_shaped = sweep([(0.6, 10.0, 8.0), (1.0, 9.0, 9.0), (1.4, 9.8, 10.0)])
    assert qd.at_diversity(u_shaped, ax, 9.5) == pytest.approx((8.5, 0.0, 0.8))
    assert qd.at_diversity(u_shaped, ax, 8.9) is None


def test_findings_say_whether_a_method_beats_mle_at_equal_diversity():
    sweeps = {
        ("mle", 1): sweep(MLE),
        ("seqgan", 1): sweep([(0.6, 12.5, 7.9), (1.0, 11.0, 8.2), (1.4, 9.5, 9.9)]),
        ("pg_bleu", 1): sweep([(0.6, 12.5, 8.3), (1.0, 11.0, 8.6), (1.4, 9.5, 9.9)]),
        ("constant_reward", 1): sweep([(0.6, 15.0, 7.0), (1.0, 14.0, 7.5), (1.4, 13.0, 8.0)]),
    }
    curves = qd.mean_curves(sweeps)
    lines = qd.findings(curves, qd.axes("synthetic", list(curves["mle"][0])))
    by_method = dict(zip(["pg_bleu", "constant_reward", "seqgan"], lines, strict=True))  # LABELS order
    assert "MLE at temperature 0.80 reaches the same diversity with 8.5000" in by_method["seqgan"]
    assert "SeqGAN is better than MLE at equal diversity (+0.3000 in quality" in by_method["seqgan"]
    assert "PG-BLEU is worse than MLE at equal diversity (-0.1000" in by_method["pg_bleu"]
    # (14, 7.5): less diverse than every MLE point, better than the one at t 0.6 (12, 8.0): no verdict.
    assert "MLE's sweep spans 9.0000 to 12.0000, not its diversity, so no comparison" in by_method["constant_reward"]


def test_a_difference_within_two_standard_errors_is_not_called():
    mle = [row | {"nll_oracle_se": 0.1} for row in sweep(MLE)]
    seqgan = [{"temperature": 1.0, "nll_test": 11.0, "nll_oracle": 8.3, "nll_oracle_se": 0.05}]
    curves = qd.mean_curves({("mle", 1): mle, ("seqgan", 1): seqgan})
    (line,) = qd.findings(curves, qd.axes("synthetic", list(curves["mle"][0])))
    # gain 0.2 against two standard errors of the difference, 2 * hypot(0.05, 0.1) = 0.2236
    assert (
        "SeqGAN and MLE cannot be told apart at equal diversity (+0.2000 in quality; two standard errors: 0.2236)"
        in line
    )


def test_standard_errors_combine_over_seeds():
    a = [{"temperature": 1.0, "nll_test": 9.0, "nll_oracle": 9.0, "nll_oracle_se": 0.3}]
    b = [{"temperature": 1.0, "nll_test": 9.0, "nll_oracle": 9.0, "nll_oracle_se": 0.4}]
    (row,) = qd.mean_curves({("mle", 1): a, ("mle", 2): b})["mle"]
    assert row["nll_oracle_se"] == pytest.approx(0.25)  # sqrt(0.3² + 0.4²) / 2: the mean of two means


@pytest.mark.parametrize(
    "point, verdict",
    [
        ((14.0, 8.5), ("MLE at temperature 0.6 (12.0000, 8.0000) is as diverse or more and as good or better: "
                      "MLE dominates SeqGAN.")),
        ((8.0, 7.5), "SeqGAN is more diverse and better than MLE at every swept temperature: it dominates them."),
        ((8.0, 9.5), "not its diversity, so no comparison at equal diversity (widen the temperatures)."),
    ],
)  # fmt: skip
def test_a_point_beyond_mles_sweep_is_compared_by_dominance(point, verdict):
    curves = qd.mean_curves({("mle", 1): sweep(MLE), ("seqgan", 1): sweep([(1.0, *point)])})
    (line,) = qd.findings(curves, qd.axes("synthetic", list(curves["mle"][0])))
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
    (line,) = qd.findings(curves, ax)
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
        expected = {"temperature": row["temperature"]}
        for column, values in scores.per_sequence.items():
            expected |= {column: scores.mean(column), f"{column}_se": statistics.stdev(values) / math.sqrt(20)}
        assert row == pytest.approx(expected | {f"self_bleu{n}": v for n, v in scores.self_bleu.items()}, rel=1e-12)
    assert set(rows[0]) == {
        "temperature", "paper_bleu2", "paper_bleu2_se", "leak_free_bleu2", "leak_free_bleu2_se", "self_bleu2"
    }  # fmt: skip


def test_cli_report_writes_the_three_files_or_none(tmp_path):
    paths = {seed: write_sweep(tmp_path / f"mle{seed}.csv", sweep(MLE)) for seed in (1, 2)}
    seqgan = write_sweep(tmp_path / "seqgan1.csv", sweep([(0.6, 12.5, 7.9), (1.0, 11.0, 8.2), (1.4, 9.5, 9.9)]))
    out = [
        f"--out-{kind}={tmp_path / ('qd.' + ext)}" for kind, ext in (("csv", "csv"), ("md", "md"), ("figure", "png"))
    ]
    argv = [
        "report-quality-diversity",
        "synthetic",
        *out,
        "--sweep",
        f"mle:1:{paths[1]}",
        "--sweep",
        f"mle:2:{paths[2]}",
    ]
    cli_ok(*argv, "--sweep", f"seqgan:1:{seqgan}")
    assert "SeqGAN is better than MLE" in (tmp_path / "qd.md").read_text()
    rows = csv.DictReader((tmp_path / "qd.csv").read_text().splitlines())
    assert [row["n_seeds"] for row in rows] == ["2"] * 3 + ["1"] * 3
    for path in tmp_path.glob("qd.*"):
        path.unlink()
    assert cli(*argv, "--sweep", f"seqgan:1:{tmp_path / 'missing.csv'}") == 1  # a bad input: no file written
    assert not list(tmp_path.glob("qd.*"))
    with pytest.raises(SystemExit) as usage:  # argparse's usage error names the form
        cli(*argv, "--sweep", f"seqgan:one:{seqgan}")
    assert usage.value.code == 2
