"""Table 1, the curves CSV and Figures 2-3 of the synthetic report, on fixture curves and NLL files written here."""

from __future__ import annotations

import csv
import statistics
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import yaml
from scipy import stats

from seqgan.config import SyntheticConfig
from seqgan.report import curves, figures, table1
from seqgan.report.curves import CurveRun
from seqgan.report.document import fragment
from seqgan.report.tables import format_p

REPO = Path(__file__).resolve().parents[1]
PRETRAIN_END = 4
SEEDS = (1, 2)
# Per-sequence NLL-oracle means of the fixture methods (well separated, so p-values are small but not 0).
MEANS = {
    "random_untrained_generator": 11.4,
    "random_uniform_tokens": 11.5,
    "mle": 9.05,
    "scheduled_sampling": 9.0,
    "pg_bleu": 8.95,
    "seqgan": 8.75,
    "constant_reward": 8.9,
}


@pytest.fixture(scope="module")
def cfg() -> SyntheticConfig:
    data = yaml.safe_load((REPO / ".test/config/config.yaml").read_text())["synthetic"]
    return SyntheticConfig.from_dict(data)


def write_curve(path: Path, phase: str, epochs, nll_oracle, nll_test) -> str:
    lines = ["phase,epoch,nll_oracle,nll_test,wall_seconds"]
    lines += [f"{phase},{e},{o!r},{t!r},{1.5 * i}" for i, (e, o, t) in enumerate(zip(epochs, nll_oracle, nll_test))]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def write_nll(path: Path, values) -> str:
    path.write_text("nll_oracle\n" + "".join(f"{v!r}\n" for v in values))
    return str(path)


@pytest.fixture(scope="module")
def fixture(cfg, tmp_path_factory):
    """Curves (read back from their files) and final per-sequence NLLs for every method."""
    root = tmp_path_factory.mktemp("report")
    rng = np.random.default_rng(0)
    runs, final = [], {}
    for seed in SEEDS:
        start = 10.0 + 0.05 * seed
        epochs = range(PRETRAIN_END + 1)
        path = write_curve(
            root / f"pretrain{seed}.csv",
            "pretrain",
            epochs,
            [start - 0.2 * e for e in epochs],
            [start - 0.1 * e for e in epochs],
        )
        runs.append(curves.read_curve("pretrain", seed, path))
        pretrain_end = start - 0.2 * PRETRAIN_END
        for method, mean in MEANS.items():
            values = rng.normal(mean + 0.02 * seed, 0.5, size=50).tolist()
            final[method, seed] = curves.read_nll(write_nll(root / f"{method}{seed}.nll.csv", values))
            last = statistics.mean(values)  # the curve's final point is the mean of the final NLL file
            if method.startswith("random_"):
                path = write_curve(root / f"{method}{seed}.csv", method, [0], [last], [last + 0.1])
            else:
                # Starts at the pretraining's end; dips below its final value mid-way, so best != final.
                epochs = range(PRETRAIN_END, PRETRAIN_END + 4)
                oracle = [pretrain_end, (pretrain_end + last) / 2, last - 0.03 * seed, last]
                path = write_curve(root / f"{method}{seed}.csv", method, epochs, oracle, [v + 0.3 for v in oracle])
            runs.append(curves.read_curve(method, seed, path))
        for strategy in cfg.strategies:
            epochs = range(PRETRAIN_END, PRETRAIN_END + 6)
            oracle = [pretrain_end - 0.05 * i * seed for i in range(6)]
            path = write_curve(root / f"{strategy.name}{seed}.csv", "adversarial", epochs, oracle, oracle)
            runs.append(curves.read_curve(f"strategy_{strategy.name}", seed, path))
    return runs, final


def table(cfg, runs, final, tmp_path) -> tuple[dict[str, dict], str]:
    table1.write_table1(cfg, runs, final, tmp_path / "table1.csv", tmp_path / "table1.md")
    with open(tmp_path / "table1.csv", newline="") as f:
        rows = {row["method"]: row for row in csv.DictReader(f)}
    return rows, (tmp_path / "table1.md").read_text()


def curve(runs, method, seed) -> CurveRun:
    return next(run for run in runs if (run.method, run.seed) == (method, seed))


def test_table1_matches_hand_computation(cfg, fixture, tmp_path):
    runs, final = fixture
    rows, _ = table(cfg, runs, final, tmp_path)
    assert list(rows) == list(table1.TABLE1)
    seqgan_pooled = final["seqgan", 1] + final["seqgan", 2]
    seqgan_finals = [curve(runs, "seqgan", s).rows[-1]["nll_oracle"] for s in SEEDS]
    for method, row in rows.items():
        finals = [curve(runs, method, s).rows[-1]["nll_oracle"] for s in SEEDS]
        bests = [min(r["nll_oracle"] for r in curve(runs, method, s).rows) for s in SEEDS]
        tests = [curve(runs, method, s).rows[-1]["nll_test"] for s in SEEDS]
        assert row["n_seeds"] == "2"
        assert float(row["nll_oracle_mean"]) == round(statistics.mean(finals), 4)
        assert float(row["nll_oracle_std"]) == round(statistics.stdev(finals), 4)
        assert float(row["best_nll_oracle_mean"]) == round(statistics.mean(bests), 4)
        assert float(row["best_nll_oracle_std"]) == round(statistics.stdev(bests), 4)
        assert float(row["nll_test_mean"]) == round(statistics.mean(tests), 4)
        assert float(row["nll_test_std"]) == round(statistics.stdev(tests), 4)
        assert row["epochs"] == str(curve(runs, method, 1).rows[-1]["epoch"])
        if method == "seqgan":
            assert row["p_value"] == row["p_value_seeds"] == ""
            continue
        pooled = final[method, 1] + final[method, 2]
        assert row["p_value"] == f"{stats.ttest_ind(pooled, seqgan_pooled, equal_var=False).pvalue:.1e}"
        assert row["p_value_seeds"] == f"{stats.ttest_ind(finals, seqgan_finals, equal_var=False).pvalue:.1e}"
    paper = {method: row["paper_nll_oracle"] for method, row in rows.items()}
    assert paper == {
        "random_untrained_generator": "10.31",
        "random_uniform_tokens": "10.31",
        "mle": "9.038",
        "scheduled_sampling": "8.985",
        "pg_bleu": "8.946",
        "seqgan": "8.736",
        "constant_reward": "",
    }


def test_best_is_the_curve_minimum_not_the_final_row(cfg, fixture, tmp_path):
    runs, final = fixture
    rows, _ = table(cfg, runs, final, tmp_path)
    for method in ("mle", "seqgan"):
        # The fixture's curves dip 0.03 * seed below their final value: a mean dip of 0.045.
        final_mean, best_mean = float(rows[method]["nll_oracle_mean"]), float(rows[method]["best_nll_oracle_mean"])
        assert best_mean == pytest.approx(final_mean - 0.045, abs=2e-4)


def markdown_rows(md: str) -> dict[str, list[str]]:
    """The Markdown table's body rows: first cell -> the other cells."""
    rows = [line.strip("|").split(" | ") for line in md.splitlines() if line.startswith("| ") and "---" not in line]
    return {cells[0].strip(): [c.strip() for c in cells[1:]] for cells in rows[1:]}


def test_markdown_cells_are_the_csv_numbers_beside_the_papers(cfg, fixture, tmp_path):
    rows, md = table(cfg, *fixture, tmp_path)
    cells = markdown_rows(md)
    assert list(cells) == [table1.LABELS[method] for method in table1.TABLE1]
    for method, row in rows.items():
        ours, paper, best, test, p_sequences, p_seeds, n = cells[table1.LABELS[method]]
        assert ours == f"{float(row['nll_oracle_mean']):.4f} ± {float(row['nll_oracle_std']):.4f}"
        assert best == f"{float(row['best_nll_oracle_mean']):.4f} ± {float(row['best_nll_oracle_std']):.4f}"
        assert test == f"{float(row['nll_test_mean']):.4f} ± {float(row['nll_test_std']):.4f}"
        assert paper == (f"{float(row['paper_nll_oracle']):.3f}" if row["paper_nll_oracle"] else "–")
        assert (p_sequences, p_seeds) == (row["p_value"] or "–", row["p_value_seeds"] or "–")
        assert n == "2"
    assert cells["SeqGAN"][1] == "8.736" and cells["Random (uniform tokens)"][1] == "10.310"
    # The definitions' numbers come from the config.
    definitions = md[md.index("## Definitions") :]
    a, ss = cfg.adversarial, cfg.scheduled_sampling
    assert f"N(0, {cfg.generator.init_std})" in definitions
    assert f"{cfg.oracle.vocab_size}-word" in definitions and f"{cfg.oracle.num_test} held-out" in definitions
    assert f"max({ss.floor}, {ss.start} - {ss.decay}·(e - 1))" in definitions
    assert f"p = {ss.probability(a.iterations):.4g} in the last epoch" in definitions
    assert f"BLEU-{cfg.pg_bleu.max_n} (smoothing {cfg.pg_bleu.smoothing})" in definitions
    assert f"g-steps={a.g_steps}, d-steps={a.d_steps}, k={a.k_epochs}" in definitions
    assert f"{a.rollouts} rollouts" in definitions and f"for {a.iterations} epochs" in definitions
    # The report page includes the file: it holds only headings, paragraphs, lists and tables.
    assert fragment(md, "table1.md") == md.splitlines()


def test_without_seqgan_the_p_columns_are_blank(cfg, fixture, tmp_path):
    runs, final = fixture
    rows, _ = table(cfg, runs, {k: v for k, v in final.items() if k[0] != "seqgan"}, tmp_path)
    assert "seqgan" not in rows
    assert all(row["p_value"] == row["p_value_seeds"] == "" for row in rows.values())


def test_one_seed_leaves_std_and_seed_test_blank(cfg, fixture, tmp_path):
    runs, final = fixture
    rows, md = table(cfg, runs, {k: v for k, v in final.items() if k[1] == 1 and k[0] in ("mle", "seqgan")}, tmp_path)
    assert list(rows) == ["mle", "seqgan"]
    mle = rows["mle"]
    assert mle["n_seeds"] == "1" and mle["nll_oracle_std"] == mle["best_nll_oracle_std"] == mle["nll_test_std"] == ""
    assert mle["p_value_seeds"] == "" and mle["p_value"] != ""
    assert markdown_rows(md)["MLE"][0] == f"{float(mle['nll_oracle_mean']):.4f}"  # no ± std


def test_table_errors_name_the_problem(cfg, fixture, tmp_path):
    runs, final = fixture
    with pytest.raises(ValueError, match="'pretrain'"):
        table(cfg, runs, {**final, ("pretrain", 1): [9.0, 9.1]}, tmp_path)
    with pytest.raises(ValueError, match="'mle', seed 3"):
        table(cfg, runs, {**final, ("mle", 3): [9.0, 9.1]}, tmp_path)


def test_p_value_format():
    assert format_p(1.234e-7) == "1.2e-07"
    assert format_p(0.0) == "< 1e-300"
    assert format_p(5e-320) == "< 1e-300"


def test_curves_csv_round_trips(fixture, tmp_path):
    runs, _ = fixture
    curves.write_curves(runs, tmp_path / "curves.csv")
    with open(tmp_path / "curves.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == sum(len(run.rows) for run in runs)
    assert list(rows[0]) == ["method", "seed", "phase", "epoch", "nll_oracle", "nll_test", "wall_seconds"]
    seqgan2 = [row for row in rows if (row["method"], row["seed"]) == ("seqgan", "2")]
    assert [float(row["nll_oracle"]) for row in seqgan2] == [r["nll_oracle"] for r in curve(runs, "seqgan", 2).rows]
    # The columns are the curves' own; curves with different columns are not one table.
    other = CurveRun("mle", 3, [{"epoch": 1, "nll_oracle": 9.0}], ("epoch", "nll_oracle"))
    with pytest.raises(ValueError, match="same columns"):
        curves.write_curves([*runs, other], tmp_path / "bad.csv")


def assert_figures(png: Path, svg: Path) -> None:
    data = png.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000
    assert ET.parse(svg).getroot().tag == "{http://www.w3.org/2000/svg}svg"


def test_figure2(fixture, tmp_path):
    figures.write_figure2(fixture[0], tmp_path / "fig2.png", tmp_path / "fig2.svg")
    assert_figures(tmp_path / "fig2.png", tmp_path / "fig2.svg")
    svg = (tmp_path / "fig2.svg").read_text()
    assert "Constant reward (control)" in svg and "end of pretraining" in svg and "Random" not in svg


def test_figure3(cfg, fixture, tmp_path):
    figures.write_figure3(cfg, fixture[0], tmp_path / "fig3.png", tmp_path / "fig3.svg")
    assert_figures(tmp_path / "fig3.png", tmp_path / "fig3.svg")
    first = cfg.strategies[0]
    title = f"(a) g-steps={first.g_steps}, d-steps={first.d_steps}, k={first.k_epochs}"
    assert title in (tmp_path / "fig3.svg").read_text()


def test_figure3_names_a_strategy_without_runs(cfg, fixture, tmp_path):
    runs = [run for run in fixture[0] if run.method != "strategy_b"]
    with pytest.raises(ValueError, match="'b'"):
        figures.write_figure3(cfg, runs, tmp_path / "fig3.png", tmp_path / "fig3.svg")
    assert not (tmp_path / "fig3.png").exists()


def read_mle_curve(path: Path) -> CurveRun:
    return curves.read_curve("mle", 1, path)


@pytest.mark.parametrize(
    ("reader", "text"),
    [
        (curves.read_nll, ""),
        (curves.read_nll, "nll_oracle\n"),
        (curves.read_nll, "loss\n1.0\n"),
        (curves.read_nll, "nll_oracle\n1.0\nabc\n"),
        (curves.read_nll, "nll_oracle\nnan\n"),
        (read_mle_curve, ""),
        (read_mle_curve, "phase,epoch,nll_oracle,nll_test,wall_seconds\n"),
        (read_mle_curve, "phase,epoch,nll_oracle\npretrain,0,9.0\n"),
        (read_mle_curve, "phase,epoch,nll_oracle,nll_test,wall_seconds\npretrain,0,9.0\n"),
        (read_mle_curve, "phase,epoch,nll_oracle,nll_test,wall_seconds\npretrain,x,9.0,9.1,1.0\n"),
    ],
)
def test_readers_name_the_bad_file(reader, text, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match="bad.csv"):
        reader(path)


def test_definitions_follow_the_baseline_settings(cfg):
    """The paper-era baselines (config/presets/paper_era_baselines.yaml) are described as what they are."""
    preset = yaml.safe_load((REPO / "config/presets/paper_era_baselines.yaml").read_text())["synthetic"]
    data = yaml.safe_load((REPO / ".test/config/config.yaml").read_text())["synthetic"]
    for section in ("scheduled_sampling", "pg_bleu"):
        data[section] |= preset[section]
    lines = "\n".join(table1._definitions(SyntheticConfig.from_dict(data), ["scheduled_sampling", "pg_bleu"]))
    assert "from scratch (the seed's untrained generator) for 300 epochs" in lines and "p = 0.4 in the last" in lines
    assert "(1 rollouts) against the first 40% of the training set" in lines
    ours = "\n".join(table1._definitions(cfg, ["scheduled_sampling", "pg_bleu"]))
    a = cfg.adversarial
    assert f"continued from the pretrained generator for {a.iterations} epochs" in ours
    assert f"({a.rollouts} rollouts) against the first 50% of the training set" in ours  # .test: fraction 0.5
