"""Property-based tests of issue 14's invariant: whatever config or corpus file a user writes, the result is
either ONE line of error naming the key or file (before any work starts), or a run whose outputs are finite
and complete. Never a traceback, never silent garbage.

Hypothesis generates the inputs: one leaf of a valid config replaced by an odd value (NaN, infinities, huge
or negative numbers, wrong types, strings with odd characters) or deleted; poem files mixing valid
quatrains with empty, overlong, misshapen and odd-unicode lines; small valid configs trained end to end.
A failure prints the minimal example Hypothesis found. No example database is kept (Hypothesis's own
caches go to .hypothesis/, git-ignored); in CI (``$CI`` set) the examples are derandomized.
"""

from __future__ import annotations

import copy
import csv
import json
import logging
import math
import os
import re
import tempfile
from pathlib import Path

import pytest
import torch
import yaml
from cli_run import cli
from hypothesis import HealthCheck, Phase, assume, event, example, given, reject, settings
from hypothesis import strategies as st
from snakemake.utils import update_config

from seqgan import config, stages
from seqgan.config import ConfigError
from seqgan.data import poems

REPO = Path(__file__).resolve().parents[1]
CI = os.environ.get("CI", "").strip().lower() not in ("", "0", "false")


def examples(n: int, *suppress: HealthCheck):
    """Hypothesis settings of one property: ``n`` examples, no deadline (a shared 2-core machine), no
    example database in the repository, derandomized in CI."""
    return settings(
        max_examples=n,
        deadline=None,
        database=None,
        derandomize=CI,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],  # no slow "explain"
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, *suppress],
    )


# ---------------------------------------------------------------------------------------------- configs as trees


def merged(*paths: str) -> dict:
    """config/config.yaml with each file merged over it, the way Snakemake's --configfile does it."""
    data = yaml.safe_load((REPO / "config" / "config.yaml").read_text(encoding="utf-8"))
    for path in paths:
        update_config(data, yaml.safe_load((REPO / path).read_text(encoding="utf-8")))
    return data


WORKFLOW = merged(".test/config/config.yaml")  # valid, every experiment, tiny


def dotted(path: tuple) -> str:
    """``synthetic.strategies[0].name`` from (synthetic, strategies, 0, name): how errors name a key."""
    key = ""
    for part in path:
        key += f"[{part}]" if isinstance(part, int) else f".{part}" if key else part
    return key


def leaves(tree, path: tuple = ()) -> list[tuple]:
    """The paths of every value that is not a mapping: scalars, lists, and each entry of a list."""
    found = []
    if isinstance(tree, dict):
        for name, value in tree.items():
            found += leaves(value, (*path, name))
        return found
    found.append(path)
    if isinstance(tree, list):
        for i, item in enumerate(tree):
            found += leaves(item, (*path, i))
    return found


DELETE = object()  # the mutation that removes the key


def mutated(tree, path: tuple, value):
    tree = copy.deepcopy(tree)
    node = tree
    for part in path[:-1]:
        node = node[part]
    if value is DELETE:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return tree


def show(value) -> str:
    return "<deleted>" if value is DELETE else repr(value)


# Values no config key should take silently. The specials first: Hypothesis shrinks towards them.
SPECIAL_NUMBERS = [
    float("nan"), float("inf"), -float("inf"), 0, -1, 0.0, -0.5, 1e-320, 1e300, -1e300,
    10**12, 2**31, 2**63 - 1, 2**63, 2**64, 2**64 + 1, 10**30, -(2**63), -(2**64),
]  # fmt: skip
ODD_STRINGS = [
    "", " ", "a\n", "a\nb", "\n", "```", "```\n# heading", "<script>alert(1)</script>", "../../etc/passwd",
    "/", "\x00", "a\x00", "\t", "\u2028", "\u200b", "\ufeff", "ａ", "é", "e\u0301", "😀", "x" * 10_000,
    "{x}", "'", '"', "\\", "nan", "inf", "1e999", "true", "null", "~", "-", ".", "a b",
]  # fmt: skip
SCALARS = st.one_of(
    st.sampled_from(SPECIAL_NUMBERS),
    st.sampled_from(ODD_STRINGS),
    st.sampled_from([None, True, False]),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
)
# Weighted towards the special values: a random integer or text is rarely the interesting case.
VALUES = st.one_of(
    st.sampled_from(SPECIAL_NUMBERS),
    st.sampled_from(SPECIAL_NUMBERS),
    st.sampled_from(ODD_STRINGS),
    st.sampled_from([None, True, False, [], {}, DELETE]),
    SCALARS,
    st.lists(SCALARS, max_size=4),
    st.dictionaries(st.one_of(st.sampled_from(ODD_STRINGS), st.text(max_size=8)), SCALARS, max_size=3),
)

# Keys that size a tensor or a sample count: a value the machine cannot hold must be refused up front
# (issue 14, case 2: 10^12 samples ran until memory ran out; vocab_size 10^12 died with a traceback).
SIZE_KEYS = {
    "vocab_size", "emb_dim", "hidden_dim", "seq_len", "num_train", "num_test", "num_samples",
    "num_negatives", "rollouts", "filter_sizes", "num_filters",
}  # fmt: skip
SIZE_LIMIT = 10**12
SEED_KEYS = {"seed", "seeds"}
SEED_LIMIT = 2**63  # torch.Generator.manual_seed takes an int64 (issue 14: 2^64 passed, then every job failed)
# String keys whose value names a file, folder or wildcard: no space, control or line-break character.
NAME_KEYS = {"preset", "name"}


def key_name(path: tuple) -> str:
    """The last named part of a path (seeds[1] -> seeds)."""
    return next(part for part in reversed(path) if isinstance(part, str))


_QUOTED = re.compile(r"'([A-Za-z_][A-Za-z0-9_.\[\]]*(?:/[A-Za-z0-9_]+)*)'")


def keys_named(message: str) -> set[str]:
    """The dotted keys a message quotes; ``'a.b/c/d'`` (keys of one section) names a.b, a.c and a.d."""
    found = set()
    for match in _QUOTED.finditer(message):
        first, *siblings = match.group(1).split("/")
        found.add(first)
        parent = first.rpartition(".")[0]
        found.update(f"{parent}.{name}" if parent else name for name in siblings)
    return found


def names_the_key(err: ConfigError, path: tuple, prefix: str = "") -> bool:
    """Whether the error is about the mutated key: it quotes the key, a key inside it (a value replaced by
    a mapping or list), or the list the key is an entry of (e.g. "needs unique entries"); or the error
    declares the key among its ``keys`` and quotes its partners (a check across keys)."""
    key, text = prefix + dotted(path), str(err)
    if any(f"'{key}{end}" in text for end in ("'", ".", "[", "/")):
        return True
    lists = [prefix + dotted(path[:i]) for i, part in enumerate(path) if isinstance(part, int)]
    if any(f"'{name}'" in text for name in lists):
        return True
    named = keys_named(text)
    return key in named or (key in getattr(err, "keys", ()) and bool(named))


def assert_one_line(message: str, what: str) -> None:
    assert message.strip(), f"{what}: empty error message"
    assert "\n" not in message and "\r" not in message, f"{what}: error of several lines: {message!r}"
    assert len(message) <= 1000, f"{what}: error of {len(message)} characters: {message[:200]!r}..."


FLOAT32_MAX = 3.4028234663852886e38  # the models compute in float32


def assert_sane(path: tuple, value) -> None:
    """What an accepted value must be: finite; a size or seed the code can run; a name without odd characters."""
    where, name = dotted(path), key_name(path)
    values = value if isinstance(value, list) else [value]
    for item in values:
        if isinstance(item, float):
            assert math.isfinite(item), f"{where} = {item!r} was accepted: a non-finite number"
            assert abs(item) < FLOAT32_MAX, f"{where} = {item!r} was accepted: infinite in float32"
        if isinstance(item, int) and not isinstance(item, bool):
            if name in SIZE_KEYS:
                assert abs(item) < SIZE_LIMIT, f"{where} = {item!r} was accepted: no machine holds that size"
            if name in SEED_KEYS:
                assert -SEED_LIMIT <= item < SEED_LIMIT, f"{where} = {item!r} was accepted: not an int64 seed"
        if isinstance(item, str):
            odd = [c for c in item if not c.isprintable()]
            assert not odd, f"{where} = {item!r} was accepted: it holds the unprintable character(s) {odd!r}"
            if name in NAME_KEYS:
                assert not any(c.isspace() for c in item), f"{where} = {item!r} was accepted as a name"


# ---------------------------------------------------------------------------------------------- 1. the workflow config

WORKFLOW_LEAVES = leaves(WORKFLOW)


def override_of(data: dict, path: tuple) -> dict:
    """The --configfile that sets ``path`` as in ``data``: nested mappings down to it, a list whole (YAML
    merging replaces lists)."""
    head = path[: next((i for i, part in enumerate(path) if isinstance(part, int)), len(path))]
    out = data
    for part in head:
        out = out[part]
    out = copy.deepcopy(out)
    for part in reversed(head):
        out = {part: out}
    return out


def same(a, b) -> bool:
    """Equal as JSON (NaN equal to NaN): what a YAML round trip must keep."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


NAN, INF = float("nan"), float("inf")
# Always run, before Hypothesis's own examples: issue 14's cases (each accepted, or crashing later, on
# f7071f8) and the last two, which this suite found.
ISSUE_CASES = [
    (("oracle", "init_std"), INF),  # an oracle that emits one token; nll_oracle=nan in every row
    (("scheduled_sampling", "decay"), NAN),  # teacher forcing silently 0 from epoch 1
    (("scheduled_sampling", "decay"), INF),
    (("pretrain", "lr"), NAN),  # caught only inside the first job, the key not named
    (("generator", "init_std"), NAN),
    (("discriminator", "l2_reg"), NAN),
    (("oracle", "num_train"), 10**12),  # sampled until memory ran out
    (("eval", "num_samples"), 10**12),
    (("oracle", "vocab_size"), 10**12),  # an allocation traceback
    (("oracle", "seed"), 2**64 + 1),  # "Overflow when unpacking long long" in every training job
    (("strategies", 0, "name"), "a\n"),  # a folder name and a wildcard; "$" in the schema's pattern matches before "\n"
    (("oracle", "source"), {"\r": NAN}),  # was an error about the key 'oracle.source.\r': two lines
]


def issue_cases(*prefix: str):
    """The issue's cases as explicit examples of a property over (path, value); ``prefix``: the section."""

    def decorate(test):
        for path, value in ISSUE_CASES:
            test = example(path=(*prefix, *path), value=value)(test)
        return test

    return decorate


@given(path=st.sampled_from(WORKFLOW_LEAVES), value=VALUES)
@examples(200)
@example(path=("seeds", 0), value=2**64)
@example(path=("preset",), value="test\n")  # printed in the report beside every table
@issue_cases("synthetic")
def test_a_mutated_workflow_config_is_refused_in_one_line_naming_key_and_file_or_is_sane(path, value):
    """validate_workflow (what the Snakefile runs before planning) on the tiny workflow config with one
    leaf replaced (and set by a --configfile) or deleted: a ConfigError of one line naming the key and
    the file that set it, or acceptance of a value that is finite, a size or seed the code can run, and
    printable (a name: without spaces)."""
    data = mutated(WORKFLOW, path, value)
    what = f"{dotted(path)} = {show(value)}"
    with tempfile.TemporaryDirectory() as tmp:
        files = []  # the --configfile that set the mutated key (the one the error must name)
        if value is not DELETE:
            files.append(Path(tmp) / "override.yaml")
            text = yaml.safe_dump(override_of(data, path), allow_unicode=True)
            assume(same(yaml.safe_load(text), override_of(data, path)))  # what YAML cannot say, no user writes
            files[0].write_text(text, encoding="utf-8")
        try:
            config.validate_workflow(data, files)
        except ConfigError as err:
            message = str(err)
            assert_one_line(message, what)
            assert names_the_key(err, path), f"{what}: the error does not name the key: {message}"
            if files:
                assert message.startswith(f"{files[0]}: "), f"{what}: the error does not name the file: {message}"
            return
        except Exception as err:  # noqa: BLE001 (the property: nothing but a ConfigError)
            pytest.fail(f"{what}: {type(err).__name__} instead of a ConfigError: {err}")
    if value is not DELETE:
        assert_sane(path, value)


SYNTHETIC = WORKFLOW["synthetic"]  # the tiny synthetic experiment of .test/config/config.yaml


def synthetic_steps() -> list[str]:
    return [("strategy_a" if step == "strategy" else step) for step in stages.SYNTHETIC]


@given(path=st.sampled_from(leaves(SYNTHETIC)), value=VALUES)
@examples(100)
@issue_cases()
def test_a_mutated_step_file_is_refused_in_one_line_naming_file_and_key_or_is_sane(path, value):
    """Every synthetic step's load_step (what each CLI verb runs first) on the tiny config with one leaf
    replaced or deleted, written as JSON (NaN and Infinity included): a ConfigError of one line that
    starts with the file and names the key, or acceptance of a sane value. A step that does not read the
    mutated section is not affected by it."""
    config_data = mutated(SYNTHETIC, path, value)
    what = f"{dotted(path)} = {show(value)}"
    with tempfile.TemporaryDirectory() as tmp:
        for step in synthetic_steps():
            file = Path(tmp) / f"{step}.json"
            file.write_text(json.dumps(config_data), encoding="utf-8")
            reads = path[0] in stages.step_sections("synthetic", step)
            try:
                config.load_step(file, "synthetic", step)
            except ConfigError as err:
                message = str(err)
                assert_one_line(message, f"{step}: {what}")
                assert message.startswith(f"{file}: "), f"{step}: {what}: the error does not name the file: {message}"
                assert reads, f"{step}: {what}: refused, but the step does not read {path[0]!r}: {message}"
                assert names_the_key(err, path), f"{step}: {what}: the error does not name the key: {message}"
            except Exception as err:  # noqa: BLE001 (the property: nothing but a ConfigError)
                pytest.fail(f"{step}: {what}: {type(err).__name__} instead of a ConfigError: {err}")
            else:
                if reads and value is not DELETE:
                    assert_sane(path, value)


@given(text=st.one_of(st.text(max_size=50), st.sampled_from(["", "null", "[]", "5", '"x"', "{", "NaN", "{}"])))
@examples(30)
def test_a_step_file_that_is_not_a_config_is_refused_naming_the_file(text):
    with tempfile.TemporaryDirectory() as tmp:
        file = Path(tmp) / "pretrain.json"
        file.write_text(text, encoding="utf-8")
        with pytest.raises(ConfigError) as info:
            config.load_step(file, "synthetic", "pretrain")
    assert_one_line(str(info.value), repr(text))
    assert str(info.value).startswith(f"{file}: "), info.value


# ---------------------------------------------------------------------------------------------- 3. poem files

CHARS = st.sampled_from("甲乙丙丁一二三四五春夜喜雨风花雪月abcXYZ0<>&é😀\u200bｱ")
MARKS = "，。"


@st.composite
def quatrain_tokens(draw) -> list[str]:
    tokens = []
    for _ in range(4):
        for _ in range(5):
            tokens.append(draw(CHARS))
        tokens.append(draw(st.sampled_from(MARKS)))
    return tokens


class PoemFile:
    """A generated shi.txt: its lines (kind, text), line ending and trailing bytes; shown compactly when a
    property fails (a line of thousands of characters is shown by its start and length)."""

    def __init__(self, lines: tuple[tuple[str, str], ...], newline: str, final_newline: bool, ending: bytes):
        self.lines, self.newline, self.final_newline, self.ending = lines, newline, final_newline, ending

    @property
    def content(self) -> bytes:
        text = "".join(line + self.newline for _, line in self.lines)
        if not self.final_newline:
            text = text.removesuffix(self.newline)
        return text.encode("utf-8") + self.ending

    @property
    def valid(self) -> bool | None:
        """Whether every line is a valid quatrain (None: cannot say without parsing)."""
        verdicts = [VALID[kind] for kind, _ in self.lines]
        if self.ending or False in verdicts:
            return False
        return None if None in verdicts or not self.lines else True

    def __repr__(self) -> str:
        def short(text: str) -> str:
            return repr(text) if len(text) <= 60 else f"{text[:40]!r}...({len(text)} characters)"

        lines = ", ".join(f"{kind}:{short(line)}" for kind, line in self.lines)
        return (
            f"PoemFile([{lines}], newline={self.newline!r}, final_newline={self.final_newline}, ending={self.ending!r})"
        )


# Each kind of line and whether it is a valid quatrain (None: either; e.g. other whitespace between tokens).
VALID = {
    "valid": True, "tabs": None, "text": None, "empty": False, "blank": False, "short": False, "long": False,
    "huge": False, "two_chars": False, "mark_as_char": False, "char_as_mark": False, "long_token": False,
}  # fmt: skip
CHAR_SLOTS = [i for i in range(24) if i % 6 != 5]


@st.composite
def poem_line(draw) -> tuple[str, str]:
    """A line of shi.txt and its kind."""
    tokens = draw(quatrain_tokens())
    kind = draw(st.sampled_from(["valid"] * 3 + sorted(set(VALID) - {"valid"})))
    if kind == "valid":
        line = " ".join(tokens) + draw(st.sampled_from(["", " "]))
    elif kind == "tabs":  # str.split() reads other whitespace too: either outcome is fine
        line = draw(st.sampled_from(["\t", "\u3000", "  "])).join(tokens)
    elif kind == "empty":
        line = ""
    elif kind == "blank":
        line = draw(st.sampled_from([" ", "\t", "   "]))
    elif kind == "short":
        line = " ".join(tokens[: draw(st.integers(1, 23))])
    elif kind == "long":
        line = " ".join(tokens + tokens[: draw(st.integers(1, 30))])
    elif kind == "huge":
        line = " ".join(tokens * draw(st.integers(2, 300)))
    elif kind in ("two_chars", "mark_as_char", "long_token"):
        i = draw(st.sampled_from(CHAR_SLOTS))
        token = {"two_chars": tokens[i] * 2, "mark_as_char": draw(st.sampled_from(MARKS)), "long_token": "甲" * 5000}
        line = " ".join(tokens[:i] + [token[kind]] + tokens[i + 1 :])
    elif kind == "char_as_mark":
        i = draw(st.sampled_from([5, 11, 17, 23]))
        line = " ".join(tokens[:i] + [draw(st.sampled_from("甲!.、"))] + tokens[i + 1 :])
    else:  # text
        line = draw(st.text(max_size=80).filter(lambda t: "\n" not in t and "\r" not in t))
    return kind, line


@st.composite
def poem_file(draw) -> PoemFile:
    """Clean files (valid quatrains only), clean files with one line of another kind, or any mix."""
    mode = draw(st.sampled_from(["clean", "one_odd_line", "mixed"]))
    if mode == "mixed":
        lines = draw(st.lists(poem_line(), max_size=30))
    else:
        lines = [("valid", " ".join(tokens)) for tokens in draw(st.lists(quatrain_tokens(), min_size=1, max_size=40))]
        if mode == "one_odd_line":
            lines.insert(draw(st.integers(0, len(lines))), draw(poem_line()))
    final_newline = not (lines and lines[-1][1]) or draw(st.booleans())  # an empty last line needs its newline
    ending = draw(st.sampled_from([b""] * 6 + [b"\xff\xfe", b"\xe7\x94"]))  # not UTF-8; a cut character
    return PoemFile(tuple(lines), draw(st.sampled_from(["\n", "\r\n"])), final_newline, ending)


LINE = "甲 乙 丙 丁 一 ， 二 三 四 五 春 。 夜 喜 雨 风 花 ， 雪 月 甲 乙 丙 。"
BIG_TOKEN = PoemFile((("valid", LINE), ("long_token", LINE.replace("乙", "乙" * 5000, 1))), "\n", True, b"")


@given(
    file=poem_file(),
    keep_punctuation=st.booleans(),
    deduplicate=st.booleans(),
    test_fraction=st.sampled_from([0.0, 0.1, 0.25, 0.5, 0.9, 0.99]),
    valid_fraction=st.sampled_from([0.0, 0.1, 0.3]),
    seed=st.sampled_from([0, 1, 2**32, 2**63 - 1]),
)
@examples(150)
@example(file=BIG_TOKEN, keep_punctuation=False, deduplicate=True, test_fraction=0.0, valid_fraction=0.0, seed=0)
def test_a_poem_file_is_refused_in_one_line_naming_it_or_becomes_a_complete_corpus(
    file, keep_punctuation, deduplicate, test_fraction, valid_fraction, seed
):
    """poems.preprocess on a generated shi.txt: a ValueError or OSError of one line naming the file, or a
    corpus of (N, 20) / (N, 24) ids inside its vocabulary, every poem of the file in exactly one split."""
    content, verdict = file.content, file.valid
    settings_ = {
        "keep_punctuation": keep_punctuation,
        "deduplicate": deduplicate,
        "test_fraction": test_fraction,
        "valid_fraction": valid_fraction,
        "seed": seed,
    }
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "shi.txt"
        path.write_bytes(content)
        try:
            corpus = poems.preprocess(path, **settings_)
        except (ValueError, OSError) as err:
            message = str(err)
            assert_one_line(message, "poems.preprocess")
            assert str(path) in message, f"the error does not name the file: {message}"
            event("refused")
            return
        except Exception as err:  # noqa: BLE001 (the property: a ValueError/OSError or a corpus)
            pytest.fail(f"{type(err).__name__} instead of a ValueError naming the file: {err}")
    event("a corpus")
    assert verdict is not False, f"a file with a misshapen line became a corpus: {corpus.stats}"
    lines = content.decode("utf-8").splitlines()
    length = 24 if keep_punctuation else 20
    vocab = corpus.vocab
    assert len(set(vocab)) == len(vocab) and not any(not t or any(c.isspace() for c in t) for t in vocab), vocab
    rows = 0
    for split, ids in corpus.splits.items():
        assert ids.dtype == torch.long and ids.dim() == 2 and ids.shape[1] == length, (split, ids.shape)
        assert len(ids) > 0 and int(ids.min()) >= 0 and int(ids.max()) < len(vocab), split
        rows += len(ids)
    modelled = [tuple(t for t in line.split() if keep_punctuation or t not in MARKS) for line in lines]
    expected = len(set(modelled)) if deduplicate else len(modelled)
    assert corpus.stats["poems_in_file"] == len(lines)
    assert rows == expected, f"{rows} sequences in the splits, {expected} poems in the file"
    wanted = {"train"} | ({"test"} if test_fraction > 0 else set()) | ({"valid"} if valid_fraction > 0 else set())
    assert set(corpus.splits) == wanted, corpus.splits.keys()


# ---------------------------------------------------------------------------------------------- 4. end to end


def log_scale(low: float, high: float):
    return st.floats(math.log10(low), math.log10(high)).map(lambda e: float(10**e))


@st.composite
def small_synthetic(draw, make) -> dict:
    """A valid synthetic config of random small sizes (the sections oracle -> pretrain read)."""
    cfg = make()
    seq_len = draw(st.integers(1, 10))
    cfg["oracle"].update(
        vocab_size=draw(st.integers(1, 40)),
        emb_dim=draw(st.integers(1, 12)),
        hidden_dim=draw(st.integers(1, 12)),
        seq_len=seq_len,
        init_std=draw(log_scale(1e-3, 1e3)),
        seed=draw(st.sampled_from([0, 7, 2**31 - 1])),
        num_train=draw(st.integers(1, 64)),
        num_test=draw(st.integers(1, 64)),
    )
    cfg["generator"].update(
        emb_dim=draw(st.integers(1, 12)), hidden_dim=draw(st.integers(1, 12)), init_std=draw(log_scale(1e-3, 10))
    )
    cfg["pretrain"].update(
        epochs=draw(st.integers(0, 2)),
        batch_size=draw(st.integers(1, 80)),
        lr=draw(log_scale(1e-4, 1.0)),
        grad_clip=draw(log_scale(0.01, 100)),
    )
    cfg["eval"].update(
        num_samples=draw(st.integers(1, 80)), every=draw(st.integers(1, 3)), batch_size=draw(st.integers(1, 80))
    )
    cfg["checkpoint_every"] = draw(st.integers(1, 3))
    cfg["discriminator"]["filter_sizes"] = [1]  # the step files hold only their own sections; the whole is valid too
    cfg["discriminator"]["num_filters"] = [2]
    cfg["discriminator_training"]["num_negatives"] = 1
    return cfg


def error_lines(records: list[logging.LogRecord]) -> list[str]:
    return [r.getMessage() for r in records if r.levelno >= logging.ERROR]


@pytest.mark.slow
@given(data=st.data(), seed=st.sampled_from([1, 2, 2**31 - 1]))
@examples(5, HealthCheck.function_scoped_fixture)  # caplog: cleared before each verb
def test_a_small_valid_config_trains_to_a_finite_complete_curve_or_fails_in_one_line(make_config, caplog, data, seed):
    """oracle -> pretrain through the CLI on a random small valid config (written as the workflow writes
    the step files): each verb exits 0 with finite, complete outputs, or exits 1 with one error line
    and no output."""
    cfg = data.draw(small_synthetic(make_config), label="config")
    try:
        config.SyntheticConfig.from_dict(cfg)  # only valid configs: the invalid are the properties above
    except ConfigError:
        reject()
    caplog.set_level(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        files = {}
        for step in ("oracle", "pretrain"):
            files[step] = root / "config" / f"{step}.json"
            files[step].parent.mkdir(exist_ok=True)
            files[step].write_text(json.dumps(stages.step_settings(cfg, "synthetic", step)), encoding="utf-8")

        caplog.clear()
        data_dir = root / "data"
        code = cli("oracle", "--config", files["oracle"], "--out-dir", data_dir)
        if code != 0:
            assert code == 1 and len(error_lines(caplog.records)) == 1, (code, caplog.text)
            assert_one_line(error_lines(caplog.records)[0], "oracle")
            return
        assert not error_lines(caplog.records), caplog.text
        train = torch.load(data_dir / "train.pt", weights_only=True)
        test = torch.load(data_dir / "test.pt", weights_only=True)
        oracle = cfg["oracle"]
        assert train.shape == (oracle["num_train"], oracle["seq_len"]) and train.dtype == torch.long
        assert test.shape == (oracle["num_test"], oracle["seq_len"])
        assert 0 <= int(train.min()) and int(train.max()) < oracle["vocab_size"]

        caplog.clear()
        out = root / "pretrain"
        code = cli(
            "pretrain", "--config", files["pretrain"], "--oracle", data_dir / "oracle.pt",
            "--train", data_dir / "train.pt", "--test", data_dir / "test.pt", "--out", out / "generator.pt",
            "--curve", out / "curve.csv", "--seed", seed, "--checkpoint-dir", out / "checkpoints",
            "--threads", 1, "--device", "cpu",
        )  # fmt: skip
        if code != 0:
            assert code == 1 and len(error_lines(caplog.records)) == 1, (code, caplog.text)
            assert_one_line(error_lines(caplog.records)[0], "pretrain")
            assert not (out / "generator.pt").exists() and not (out / "curve.csv").exists()
            return
        assert not error_lines(caplog.records), caplog.text
        with open(out / "curve.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        epochs, every = cfg["pretrain"]["epochs"], cfg["eval"]["every"]
        expected = [0] + [e for e in range(1, epochs + 1) if e % every == 0 or e == epochs]
        assert [int(row["epoch"]) for row in rows] == expected, rows
        assert {row["phase"] for row in rows} == {"pretrain"}, rows
        for row in rows:
            for column in ("nll_oracle", "nll_test"):
                assert math.isfinite(float(row[column])), f"{column} = {row[column]} in {row}"
        saved = torch.load(out / "generator.pt", weights_only=True)
        assert saved["epoch"] == epochs
        assert all(torch.isfinite(t).all() for t in saved["state_dict"].values() if t.is_floating_point())
