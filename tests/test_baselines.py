"""The Table 1 baselines' training signals: Scheduled Sampling against MLE, PG-BLEU rewards against nltk,
the constant-reward control against its closed form, and the schedule and its bounds; their definitions
(paper-era scripts or ours) through the CLI, and the preset of the paper-era ones."""

from __future__ import annotations

import csv
import functools
import json
import logging
import math
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
import yaml
from cli_run import cli, cli_ok
from nltk.translate.bleu_score import SmoothingFunction, sentence_bleu
from snakemake.utils import update_config

from seqgan import config, rollout
from seqgan.config import AdversarialConfig, ConfigError, ScheduledSamplingConfig
from seqgan.metrics.bleu import ReferenceSet, orders_needed
from seqgan.models.generator import Generator
from seqgan.models.saved import load_generator, load_generator_optimizer_state
from seqgan.train import mle, pg_bleu, policy_gradient
from seqgan.train import scheduled_sampling as ss
from seqgan.train.curve import LearningCurve
from seqgan.train.optim import Adam

REPO = Path(__file__).resolve().parents[1]


def generator(vocab=40, seq_len=7, seed=0) -> Generator:
    return Generator(vocab, 6, 8, seq_len).init_normal(0.5, torch.Generator().manual_seed(seed))


def tokens(num=24, vocab=40, seq_len=7, seed=1) -> torch.Tensor:
    return torch.randint(0, vocab, (num, seq_len), generator=torch.Generator().manual_seed(seed))


# ---------------------------------------------------------------------------------------------- scheduled sampling


def test_p_one_is_mle_exactly_loss_and_gradient():
    model, data = generator(), tokens()
    trained = [p for p in model.parameters() if p.requires_grad]  # not the LSTM's frozen second bias
    loss = ss.scheduled_sampling_loss(model, data, 1.0, torch.Generator().manual_seed(2))
    grads = torch.autograd.grad(loss, trained)
    reference = mle.mle_loss(model, data)
    assert torch.equal(loss, reference)
    for a, b in zip(grads, torch.autograd.grad(reference, trained), strict=True):
        assert torch.equal(a, b)


@pytest.mark.slow
def test_p_one_epoch_trains_exactly_like_mle():
    """A whole epoch: same shuffle, same batches, same Adam steps -> the very same weights."""
    data = tokens(num=64)
    a, b = generator(), generator()
    opt_a, opt_b = torch.optim.Adam(a.parameters(), lr=0.01), torch.optim.Adam(b.parameters(), lr=0.01)
    loss_a = mle.mle_epoch(a, opt_a, data, 16, 5.0, torch.Generator().manual_seed(3))
    loss_b = ss.scheduled_sampling_epoch(b, opt_b, data, 16, 5.0, 1.0, torch.Generator().manual_seed(3))
    assert loss_a == loss_b
    assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))


def test_p_zero_feeds_the_models_own_samples():
    """With p = 0 the inputs are the model's free-running sample: the true tokens never leak in."""
    model, data = generator(), tokens(num=16)
    inputs = ss.mixed_inputs(model, data, 0.0, torch.Generator().manual_seed(4))
    rng = torch.Generator().manual_seed(4)
    torch.rand(data.shape, generator=rng)  # the keep-true draws come first
    own = model.sample(16, rng)
    assert torch.equal(inputs[:, 0], torch.zeros(16, dtype=torch.long))  # the start token
    assert torch.equal(inputs[:, 1:], own[:, :-1])
    other = ss.mixed_inputs(model, tokens(num=16, seed=9), 0.0, torch.Generator().manual_seed(4))
    assert torch.equal(other, inputs)


def test_mixing_is_drawn_per_token_and_step():
    """p = 0.5: rows mix true and sampled inputs at varying positions, about half of them true."""
    model, data = generator(vocab=500), tokens(num=200, vocab=500, seq_len=12)
    inputs = ss.mixed_inputs(model, data, 0.5, torch.Generator().manual_seed(5))
    true = inputs[:, 1:] == data[:, :-1]  # a sampled token equals the true one with probability ~1/500
    per_row = true.float().mean(dim=1)
    assert 0.45 < true.float().mean().item() < 0.55
    assert ((per_row > 0) & (per_row < 1)).float().mean().item() > 0.95
    assert len({tuple(row.tolist()) for row in true}) > 150  # not one mask for the whole batch


def test_schedule_is_linear_from_start_with_a_floor():
    schedule = ScheduledSamplingConfig("linear", 1.0, 0.002, 0.0, "pretrained", None)
    assert schedule.probability(1) == 1.0
    assert schedule.probability(201) == pytest.approx(0.6)
    floored = ScheduledSamplingConfig("linear", 0.9, 0.25, 0.2, "pretrained", None)
    assert [floored.probability(e) for e in (1, 2, 3, 4, 50)] == pytest.approx([0.9, 0.65, 0.4, 0.2, 0.2])


@pytest.mark.parametrize(
    "start, decay, floor, key",
    [(1.5, 0.0, 0.0, "start"), (0.5, 0.0, 0.6, "floor"), (1.0, -0.1, 0.0, "decay"), (1.0, 0.0, -0.1, "floor")],
)
def test_schedule_that_leaves_0_1_is_refused(start, decay, floor, key):
    data = {"schedule": "linear", "start": start, "decay": decay, "floor": floor, "init": "pretrained", "epochs": None}
    with pytest.raises(ConfigError, match=key):
        ScheduledSamplingConfig.from_dict(data, prefix="scheduled_sampling.")


# ---------------------------------------------------------------------------------------------- PG-BLEU


@pytest.mark.filterwarnings("ignore::UserWarning")  # nltk warns about zero n-gram counts without smoothing
@pytest.mark.parametrize("n, smoothing, method", [(3, "method1", 1), (4, "none", 0), (3, "method3", 3)])
def test_bleu_rewards_equal_nltk_on_the_same_completions(n, smoothing, method):
    vocab, length = 5, 6  # few tokens: plenty of n-gram matches, and some zero precisions
    model = generator(vocab=vocab, seq_len=length)
    references = tokens(num=30, vocab=vocab, seq_len=length, seed=7)
    samples = model.sample(4, torch.Generator().manual_seed(8))
    rewards = pg_bleu.bleu_rewards(
        model, samples, ReferenceSet(references, max_n=n), n, smoothing, 3, torch.Generator().manual_seed(9), 5
    )
    uniforms = rollout.draw_uniforms(samples, 3, torch.Generator().manual_seed(9))
    completions = rollout.complete_reference(model, samples, uniforms)  # (T-1, N, B, T), the slow loop
    refs = references.tolist()
    weights = (1.0 / n,) * n
    smooth = getattr(SmoothingFunction(), f"method{method}")

    def nltk_bleu(sequence) -> float:
        return sentence_bleu(refs, sequence.tolist(), weights, smoothing_function=smooth)

    for b in range(4):
        for t in range(1, length):
            expected = math.fsum(nltk_bleu(completions[t - 1, k, b]) for k in range(3)) / 3
            assert rewards[b, t - 1].item() == pytest.approx(expected, rel=1e-12, abs=1e-300)
        assert rewards[b, length - 1].item() == pytest.approx(nltk_bleu(samples[b]), rel=1e-12, abs=1e-300)
    assert rewards.dtype == torch.float64 and rewards.shape == (4, length)


# ---------------------------------------------------------------------------------------------- constant reward


def test_constant_reward_step_is_likelihood_ascent_on_own_samples():
    model = generator()
    samples = model.sample(8, torch.Generator().manual_seed(3))
    rewards = policy_gradient.constant_rewards(model, samples)
    assert torch.equal(rewards, torch.ones(8, 7))
    loss = policy_gradient.policy_gradient_loss(model, samples, rewards)
    torch.testing.assert_close(loss, -model.log_probs(samples).sum(), rtol=0, atol=0)


def test_constant_reward_lowers_the_generators_entropy():
    """Mode-seeking: the log-likelihood of the generator's own fresh samples goes up (its entropy down)."""
    model = generator()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    rng = torch.Generator().manual_seed(4)

    def own_log_likelihood() -> float:
        with torch.no_grad():
            return model.log_probs(model.sample(2000, torch.Generator().manual_seed(5))).mean().item()

    before = own_log_likelihood()
    for _ in range(50):
        policy_gradient.generator_step(model, optimizer, policy_gradient.constant_rewards, 64, 5.0, rng)
    assert own_log_likelihood() > before + 0.5


# ---------------------------------------------------------------------------------------------- evaluation samples


def test_each_run_draws_its_own_reproducible_evaluation_samples():
    """Welch's t-test assumes independent groups: two runs at the same seed and epoch must not share
    samples, while one run evaluated twice must give the same numbers."""
    oracle, model = generator(seed=3), generator(seed=4)

    def per_sequence(run: str) -> torch.Tensor:
        return LearningCurve(oracle, tokens(), 32, 1, 16, seed=1, run=run).per_sequence(model, epoch=5)

    assert torch.equal(per_sequence("mle"), per_sequence("mle"))
    assert not torch.equal(per_sequence("mle"), per_sequence("seqgan"))


# ---------------------------------------------------------------------------------------------- baseline definitions
# Issue 13: the paper-era scripts' PG-BLEU and Scheduled Sampling as options, our defaults unchanged.

PAPER = yaml.safe_load((REPO / "config" / "config.yaml").read_text())["synthetic"]
PAPER_ERA = REPO / "config" / "presets" / "paper_era_baselines.yaml"
DEFINITIONS = {"scheduled_sampling": ("init", "epochs"), "pg_bleu": ("rollouts", "reference_fraction")}


def tiny(make_config, **changes) -> dict:
    """The tiny config with config/config.yaml's baseline definitions (our defaults), then ``changes``
    ({"pg_bleu.rollouts": 1, ...})."""
    cfg = make_config()
    for section, keys in DEFINITIONS.items():
        cfg[section].update({key: PAPER[section][key] for key in keys})
    for dotted, value in changes.items():
        section, key = dotted.split(".")
        cfg[section][key] = value
    return cfg


def write_config(path: Path, cfg: dict) -> Path:
    path.write_text(json.dumps(cfg))
    return path


def load(path: Path):
    return torch.load(path, map_location="cpu", weights_only=True)


def same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory, make_config) -> SimpleNamespace:
    """The oracle's data and the pretrained generator of seed 1, on the tiny config."""
    root = tmp_path_factory.mktemp("baselines")
    config = write_config(root / "config.json", tiny(make_config))
    cli_ok("oracle", "--config", config, "--out-dir", root / "data")
    cli_ok("pretrain", *data_args(config, root / "data"), *run_args(root / "pretrain"))
    return SimpleNamespace(root=root, data=root / "data", generator=root / "pretrain" / "generator.pt")


def data_args(config: Path, data: Path, train: Path | None = None) -> list:
    return [
        "--config", config, "--oracle", data / "oracle.pt", "--train", train or data / "train.pt",
        "--test", data / "test.pt",
    ]  # fmt: skip


def run_args(out: Path, seed: int = 1) -> list:
    return [
        "--out", out / "generator.pt", "--curve", out / "curve.csv", "--checkpoint-dir", out / "checkpoints",
        "--seed", seed, "--threads", 1, "--device", "cpu",
    ]  # fmt: skip


def pg_bleu_run(cfg: dict, pretrained, out: Path, train: Path | None = None) -> dict:
    """The generator PG-BLEU trains through the CLI from the pretrained one, under ``cfg``."""
    config = write_config(out.with_suffix(".json"), cfg)
    cli_ok("pg-bleu", *data_args(config, pretrained.data, train), "--generator", pretrained.generator, *run_args(out))
    return load(out / "generator.pt")["state_dict"]


def curve_epochs(out: Path) -> list[int]:
    with open(out / "curve.csv", newline="") as f:
        return [int(row["epoch"]) for row in csv.DictReader(f)]


def test_pg_bleu_defaults_train_as_the_call_before_the_options(pretrained, make_config, tmp_path):
    """config/config.yaml's rollouts (null) and reference_fraction (1.0): the CLI trains exactly as the
    library calls it made before the two keys existed, SeqGAN's N and every training sequence."""
    cfg = tiny(make_config)
    trained = pg_bleu_run(cfg, pretrained, tmp_path / "new")
    a, b = AdversarialConfig.from_dict(cfg["adversarial"]), cfg["pg_bleu"]
    generator = load_generator(pretrained.generator)[0]
    optimizer, rng = Adam(generator.parameters(), lr=a.lr), torch.Generator().manual_seed(1)
    train = load(pretrained.data / "train.pt")
    references = ReferenceSet(train, max_n=orders_needed(b["max_n"], b["smoothing"]))
    reward = functools.partial(
        pg_bleu.bleu_rewards, references=references, n=b["max_n"], smoothing=b["smoothing"], rollouts=a.rollouts,
        rng=rng, chunk=a.rollout_chunk,
    )  # fmt: skip
    for _ in range(a.iterations * a.g_steps):
        policy_gradient.generator_step(generator, optimizer, reward, a.batch_size, a.grad_clip, rng)
    assert same_weights(trained, generator.state_dict())


def test_pg_bleu_rollouts_null_are_seqgans(pretrained, make_config, tmp_path):
    seqgans = make_config()["adversarial"]["rollouts"]
    runs = {n: pg_bleu_run(tiny(make_config, **{"pg_bleu.rollouts": n}), pretrained, tmp_path / str(n))
            for n in (None, seqgans, seqgans - 1)}  # fmt: skip
    assert same_weights(runs[None], runs[seqgans])
    assert not same_weights(runs[None], runs[seqgans - 1])


def test_pg_bleu_references_are_the_leading_fraction_of_the_training_data(pretrained, make_config, tmp_path, caplog):
    train = torch.arange(50).reshape(10, 5)
    assert torch.equal(pg_bleu.reference_sequences(train, 0.4), train[:4])
    assert torch.equal(pg_bleu.reference_sequences(train, 1.0), train)
    assert torch.equal(pg_bleu.reference_sequences(train, 0.01), train[:1])  # at least one reference
    # Through the CLI: half the references = all the references of a training file holding that half.
    caplog.set_level(logging.INFO)
    full = load(pretrained.data / "train.pt")
    half = tmp_path / "half.pt"
    torch.save(full[: len(full) // 2], half)
    leading = pg_bleu_run(tiny(make_config, **{"pg_bleu.reference_fraction": 0.5}), pretrained, tmp_path / "a")
    assert f"references: the first {len(full) // 2} of {len(full)} training sequences" in caplog.text
    assert same_weights(leading, pg_bleu_run(tiny(make_config), pretrained, tmp_path / "b", train=half))
    assert not same_weights(leading, pg_bleu_run(tiny(make_config), pretrained, tmp_path / "c"))


def scheduled_sampling_run(cfg: dict, pretrained, out: Path, *args) -> int:
    config = write_config(out.with_suffix(".json"), cfg)
    return cli("scheduled-sampling", *data_args(config, pretrained.data), *args, *run_args(out))


def test_scheduled_sampling_defaults_train_as_the_call_before_the_options(pretrained, make_config, tmp_path):
    """config/config.yaml's init (pretrained) and epochs (null = --epochs): the pretrained generator and its
    Adam state, trained exactly as the library calls the CLI made before the two keys existed."""
    cfg = tiny(make_config)
    out = tmp_path / "new"
    assert scheduled_sampling_run(cfg, pretrained, out, "--init", pretrained.generator, "--epochs", 2) == 0
    p, schedule = cfg["pretrain"], ScheduledSamplingConfig.from_dict(cfg["scheduled_sampling"])
    generator, start = load_generator(pretrained.generator)
    optimizer, rng = Adam(generator.parameters(), lr=p["lr"]), torch.Generator().manual_seed(1)
    optimizer.load_state_dict(load_generator_optimizer_state(pretrained.generator))
    train = load(pretrained.data / "train.pt")
    for n in (1, 2):
        ss.scheduled_sampling_epoch(generator, optimizer, train, p["batch_size"], p["grad_clip"],
                                    schedule.probability(n), rng)  # fmt: skip
    assert same_weights(load(out / "generator.pt")["state_dict"], generator.state_dict())
    assert curve_epochs(out) == [start, start + 1, start + 2]


def test_scheduled_sampling_from_scratch_starts_from_the_seeds_untrained_generator(pretrained, make_config, tmp_path):
    """At p = 1 Scheduled Sampling is MLE: one epoch from scratch is pretraining's first epoch, from the
    seed's untrained generator with a fresh Adam, and no pretrained generator is given. `epochs` sets
    the count, whatever --epochs says."""
    changes = {"scheduled_sampling.init": "scratch", "scheduled_sampling.start": 1.0, "scheduled_sampling.decay": 0.0}
    cfg = tiny(make_config, **changes, **{"scheduled_sampling.epochs": 1})
    assert scheduled_sampling_run(cfg, pretrained, tmp_path / "ss", "--epochs", 7) == 0
    cfg["pretrain"]["epochs"] = 1
    config = write_config(tmp_path / "pretrain.json", cfg)
    cli_ok("pretrain", *data_args(config, pretrained.data), *run_args(tmp_path / "pretrain"))
    scratch = load(tmp_path / "ss" / "generator.pt")
    assert same_weights(scratch["state_dict"], load(tmp_path / "pretrain" / "generator.pt")["state_dict"])
    assert scratch["epoch"] == 1 and curve_epochs(tmp_path / "ss") == [0, 1]


@pytest.mark.parametrize(
    "init, flags, expected",
    [
        ("scratch", ["--init", "GENERATOR"], "is 'scratch' ({config}): the run starts from the seed's untrained"),
        ("pretrained", [], "is 'pretrained' ({config}): expected --init, the pretrained generator"),
    ],
)
def test_scheduled_sampling_init_flag_must_match_the_config(pretrained, make_config, tmp_path, caplog, init, flags,
                                                            expected):  # fmt: skip
    """From scratch the pretrained generator is never read: one given is refused, as is none for init: pretrained."""
    flags = [pretrained.generator if flag == "GENERATOR" else flag for flag in flags]
    out = tmp_path / "ss"
    assert scheduled_sampling_run(tiny(make_config, **{"scheduled_sampling.init": init}), pretrained, out, *flags,
                                  "--epochs", 1) == 1  # fmt: skip
    message = f"config key 'scheduled_sampling.init' {expected.format(config=out.with_suffix('.json'))}"
    assert message in caplog.text
    assert not out.exists()


@pytest.mark.parametrize("base", [(), ("config/presets/quick.yaml",)], ids=["paper", "quick"])
def test_paper_era_preset_is_the_scripts_definitions_over_any_config(base):
    """The add-on validates over the paper config and the quick preset, and sets both sections whole (so
    the result does not depend on what it is merged over) with the paper-era scripts' numbers."""
    preset = yaml.safe_load(PAPER_ERA.read_text())
    assert preset.keys() == {"synthetic"} and preset["synthetic"].keys() == DEFINITIONS.keys()
    data = yaml.safe_load((REPO / "config" / "config.yaml").read_text())
    for path in (*base, PAPER_ERA):
        update_config(data, yaml.safe_load((REPO / path).read_text()))
    cfg = config.validate_workflow(data)["synthetic"]
    schedule, bleu = cfg.scheduled_sampling, cfg.pg_bleu
    assert schedule.to_dict() == preset["synthetic"]["scheduled_sampling"]
    assert bleu.to_dict() == preset["synthetic"]["pg_bleu"]
    assert (schedule.init, schedule.epoch_count(cfg.adversarial.iterations)) == ("scratch", 300)
    p = [schedule.probability(n) for n in (1, 2, 300)]  # the script: 1.0 - 0.002 before each epoch
    assert p == pytest.approx([0.998, 0.996, 0.4], abs=1e-12)
    assert (bleu.rollouts_of(cfg.adversarial), bleu.smoothing, bleu.reference_fraction) == (1, "none", 0.4)
