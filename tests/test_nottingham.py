"""Nottingham preprocessing on MIDI files built here with mido: sampling, split rule, windows, bad input."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import zipfile
from pathlib import Path

import mido
import pytest
import torch
import yaml

from seqgan.cli import main
from seqgan.data.corpus import Corpus
from seqgan.data.download import REGISTRY, sha256_of
from seqgan.data.nottingham import (
    VOCAB,
    MidiError,
    melody_notes,
    melody_pitches,
    original_split,
    pitch_ids,
    preprocess,
    read_midi,
    sample_pitches,
    windows,
    write_midi,
)

TPB = 480  # ticks per beat
REPO = Path(__file__).parents[1]
MUSIC_SOURCE = "nottingham/Nottingham_midi.zip"


def _track(events: list[tuple[int, mido.Message]]) -> mido.MidiTrack:
    """A track from (absolute tick, message) pairs, converted to delta times."""
    track, now = mido.MidiTrack(), 0
    for tick, msg in sorted(events, key=lambda e: e[0]):
        track.append(msg.copy(time=tick - now))
        now = tick
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


def _notes(notes: list[tuple[int, int, int]], channel: int = 0) -> list[tuple[int, mido.Message]]:
    """(start beat, end beat, pitch) -> note_on / note_off events; note_offs sort before note_ons."""
    events = []
    for start, end, pitch in notes:
        events.append((end * TPB, mido.Message("note_off", channel=channel, note=pitch, velocity=0)))
        events.append((start * TPB, mido.Message("note_on", channel=channel, note=pitch, velocity=100)))
    return sorted(events, key=lambda e: (e[0], e[1].type != "note_off"))


def make_midi(melody, chords=(), tempo=500_000, tempo_changes=()) -> mido.MidiFile:
    """A type-1 file like Nottingham's: track 0 tempo/meta, track 1 melody, track 2 chords (beats)."""
    meta = [(0, mido.MetaMessage("set_tempo", tempo=tempo))]
    meta += [(beat * TPB, mido.MetaMessage("set_tempo", tempo=t)) for beat, t in tempo_changes]
    tracks = [_track(meta), _track(_notes(melody)), _track(_notes(chords, channel=1))]
    return mido.MidiFile(type=1, ticks_per_beat=TPB, tracks=tracks)


def midi_bytes(midi_file: mido.MidiFile) -> bytes:
    buffer = io.BytesIO()
    midi_file.save(file=buffer)
    return buffer.getvalue()


def scale_tune(beats: int, tempo: int = 400_000) -> mido.MidiFile:
    """One note per beat cycling C4..B4; at 400,000 us per beat every 0.4 s sample is one note."""
    return make_midi([(b, b + 1, 60 + b % 12) for b in range(beats)], tempo=tempo)


def make_zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


# ------------------------------------------------------------------------------------------- sampling


def test_sampled_pitches_match_a_hand_computation():
    # 0.5 s per beat. Melody (s from its onset at beat 1): 72 [0, .5), 74 [.5, 1), rest [1, 1.5), 76 [1.5, 2.5).
    # A high chord from beat 0 is on track 2 and must be ignored; sampling starts at the melody's onset.
    midi_file = make_midi([(1, 2, 72), (2, 3, 74), (4, 6, 76)], chords=[(0, 6, 84)])
    # samples at 0, .4, .8, 1.2 (rest: repeats 74), 1.6, 2.0, 2.4; 2.8 is past the end
    assert melody_pitches(midi_file, 0.4) == [72, 72, 74, 74, 76, 76, 76]
    assert melody_pitches(midi_file, 0.5) == [72, 74, 74, 76, 76]


def test_overlaps_take_the_highest_and_rests_repeat_the_note_that_ended_last():
    notes = [(0.0, 1.0, 60), (0.3, 0.7, 67), (1.5, 2.0, 62)]
    # 0: 60; .4: 60 and 67 sound -> 67; .8: 60; 1.2: rest, 60 ended last -> 60; 1.6: 62
    assert sample_pitches(notes, 0.4) == [60, 67, 60, 60, 62]
    # a short note between two samples is still what a rest repeats (the last sounded, not the last sampled)
    notes = [(0.0, 0.3, 60), (0.3, 0.35, 65), (0.9, 1.3, 62)]
    assert sample_pitches(notes, 0.4) == [60, 65, 65, 62]
    assert sample_pitches([], 0.4) == []


def test_overlapping_notes_in_the_melody_track():
    midi_file = make_midi([(0, 4, 60), (1, 2, 67)])  # 0.5 s per beat: 67 sounds in [.5, 1)
    assert melody_pitches(midi_file, 0.4) == [60, 60, 67, 60, 60]


def test_sample_on_a_note_boundary_sees_the_new_note():
    midi_file = make_midi([(0, 1, 60), (1, 2, 62)], tempo=400_000)  # boundaries at exactly 0.4 and 0.8 s
    assert melody_pitches(midi_file, 0.4) == [60, 62]


def test_tempo_change_moves_later_samples():
    melody = [(b, b + 1, p) for b, p in enumerate([60, 62, 64, 65, 67, 69])]
    steady = make_midi(melody)  # 0.5 s per beat throughout
    assert melody_pitches(steady, 0.4) == [60, 60, 62, 64, 65, 67, 67, 69]
    # From beat 2 (1.0 s) on, 0.25 s per beat: 64 [1, 1.25), 65 [1.25, 1.5), 67 [1.5, 1.75), 69 [1.75, 2)
    changed = make_midi(melody, tempo_changes=[(2, 250_000)])
    assert melody_pitches(changed, 0.4) == [60, 60, 62, 64, 67]
    # independent check of the tempo map: mido's own merged iteration yields delta times in seconds
    onsets, now = [], 0.0
    for msg in changed:
        now += msg.time
        if msg.type == "note_on" and msg.velocity > 0 and msg.channel == 0:
            onsets.append(now)
    assert [start for start, _, _ in melody_notes(changed)] == pytest.approx(onsets)


def test_type0_melody_only_file_is_its_own_melody():
    track = make_midi([(0, 2, 70), (2, 3, 72)]).tracks[1]
    track.insert(0, mido.MetaMessage("set_tempo", tempo=500_000, time=0))
    assert melody_pitches(mido.MidiFile(type=0, ticks_per_beat=TPB, tracks=[track]), 0.4) == [70, 70, 70, 72]


# ------------------------------------------------------------------------------------ tokens, windows


@pytest.mark.parametrize(
    ("name", "split"),
    [
        ("Nottingham/train/jigs_simple_chords_6.mid", "train"),
        ("Nottingham/valid/reels_simple_chords_1.mid", "train"),
        ("reels_simple_chords_3.mid", "train"),
        ("Nottingham/train/jigs_simple_chords_4.mid", "valid"),
        ("Nottingham/train/waltzes_simple_chords_11.mid", "test"),
        ("xmas_simple_chords_100.mid", "valid"),
    ],
)
def test_original_split_rule(name, split):
    assert original_split(name) == split


def test_original_split_needs_a_number():
    with pytest.raises(ValueError, match="tune.mid: no trailing number"):
        original_split("Nottingham/train/tune.mid")


def test_pitch_ids_and_vocab():
    assert len(VOCAB) == 88 and VOCAB[0] == "A0" and VOCAB[39] == "C4" and VOCAB[87] == "C8"
    assert pitch_ids([21, 60, 108]) == [0, 39, 87]
    with pytest.raises(MidiError, match=r"pitches \[20, 109\] outside"):
        pitch_ids([60, 20, 109])


def test_windows_and_stride():
    ids = list(range(10))
    assert windows(ids, 4, 4) == [[0, 1, 2, 3], [4, 5, 6, 7]]  # tail of 2 dropped
    assert windows(ids, 4, 3) == [[0, 1, 2, 3], [3, 4, 5, 6], [6, 7, 8, 9]]
    assert windows(ids, 10, 4) == [ids]
    assert windows(ids, 11, 4) == []


# ----------------------------------------------------------------------------------------- preprocess


def test_preprocess_splits_windows_and_stats(tmp_path):
    zip_path = make_zip(
        tmp_path / "Nottingham_midi.zip",
        {
            "Nottingham/": b"",
            "Nottingham/train/jigs_simple_chords_6.mid": midi_bytes(scale_tune(70)),  # train, 2 windows
            "Nottingham/train/jigs_simple_chords_7.mid": midi_bytes(scale_tune(10)),  # train, too short
            "Nottingham/valid/reels_simple_chords_4.mid": midi_bytes(scale_tune(32)),  # valid, 1 window
            "Nottingham/train/reels_simple_chords_5.mid": midi_bytes(scale_tune(40)),  # test (folder ignored)
        },
    )
    corpus = preprocess(zip_path)
    scale = [39 + b % 12 for b in range(70)]  # C4 is id 39
    assert corpus.name == "nottingham" and corpus.vocab == VOCAB and corpus.seq_len == 32
    assert corpus.splits["train"].tolist() == [scale[:32], scale[32:64]]
    assert corpus.splits["valid"].tolist() == [scale[:32]]
    assert corpus.splits["test"].tolist() == [scale[:32]]
    assert corpus.stats["splits"] == {
        "train": {"tunes": 2, "windows": 2, "samples": 80, "tokens": 64, "dropped_tunes": 1},
        "valid": {"tunes": 1, "windows": 1, "samples": 32, "tokens": 32, "dropped_tunes": 0},
        "test": {"tunes": 1, "windows": 1, "samples": 40, "tokens": 32, "dropped_tunes": 0},
    }
    assert corpus.stats["pitch_range"] == [60, 71] and corpus.stats["pitch_names"] == ["C4", "B4"]
    assert corpus.stats["distinct_pitches"] == 12

    overlapping = preprocess(zip_path, seq_len=32, stride=16)
    assert overlapping.splits["train"].tolist() == [scale[:32], scale[16:48], scale[32:64]]
    assert overlapping.splits["test"].tolist() == [scale[:32]]  # 40 samples: start 16 would need 48

    corpus.save(tmp_path / "corpus")
    loaded = Corpus.load(tmp_path / "corpus")
    assert loaded.vocab == VOCAB and all(torch.equal(loaded.splits[s], corpus.splits[s]) for s in corpus.splits)


def _zip_with(tmp_path, name: str, data: bytes):
    """A zip whose other members are fine: one tune in each split plus the member under test."""
    members = {f"Nottingham/train/jigs_simple_chords_{n}.mid": midi_bytes(scale_tune(32)) for n in (0, 4, 5)}
    return make_zip(tmp_path / "bad.zip", {**members, name: data})


def test_no_melody_track_is_an_error_naming_the_member(tmp_path):
    only_meta = mido.MidiFile(type=1, ticks_per_beat=TPB, tracks=[make_midi([(0, 1, 60)]).tracks[0]])
    silent = make_midi([])
    two_channels = make_midi([(0, 1, 60)])
    two_channels.type = 0
    two_channels.tracks = [mido.merge_tracks([two_channels.tracks[1], _track(_notes([(0, 1, 48)], channel=1))])]
    for midi_file, detail in [(only_meta, "1 track"), (silent, "no note_on"), (two_channels, "channels")]:
        zip_path = _zip_with(tmp_path, "Nottingham/train/jigs_simple_chords_12.mid", midi_bytes(midi_file))
        with pytest.raises(
            MidiError, match=rf"bad\.zip:Nottingham/train/jigs_simple_chords_12\.mid: no melody.*{detail}"
        ):
            preprocess(zip_path)


@pytest.mark.parametrize("data", [midi_bytes(scale_tune(40))[:60], b"not a midi file at all"])
def test_truncated_or_undecodable_midi_is_an_error_naming_the_member(tmp_path, data):
    zip_path = _zip_with(tmp_path, "Nottingham/valid/hpps_simple_chords_2.mid", data)
    with pytest.raises(MidiError, match=r"bad\.zip:Nottingham/valid/hpps_simple_chords_2\.mid: not a readable MIDI"):
        preprocess(zip_path)
    with pytest.raises(MidiError, match="where: not a readable MIDI"):
        read_midi(data, "where")


def with_division(data: bytes, division: bytes) -> bytes:
    """MIDI bytes with the header's time division (bytes 12-13 of MThd) replaced."""
    assert data[:4] == b"MThd" and len(division) == 2
    return data[:12] + division + data[14:]


@pytest.mark.parametrize(
    "data, detail",
    [
        (with_division(midi_bytes(scale_tune(40)), b"\x00\x00"), "ticks_per_beat is 0"),
        (
            with_division(midi_bytes(scale_tune(40)), b"\xe7\x28"),
            r"ticks_per_beat is -6360 \(.*SMPTE time division is not supported\)",
        ),
        (midi_bytes(scale_tune(40, tempo=0)), "set_tempo of 0 microseconds per beat"),
    ],
    ids=["ticks_per_beat 0", "SMPTE", "tempo 0"],
)
def test_midi_without_a_time_base_is_an_error_naming_the_member(tmp_path, data, detail):
    """Once a ZeroDivisionError traceback that named no file; one MidiError naming zip:member now."""
    zip_path = _zip_with(tmp_path, "Nottingham/train/reels_simple_chords_7.mid", data)
    with pytest.raises(MidiError, match=rf"^\S*bad\.zip:Nottingham/train/reels_simple_chords_7\.mid: {detail}") as info:
        preprocess(zip_path)
    assert "\n" not in str(info.value)


def test_cli_corpus_names_the_member_in_one_line(tmp_path, caplog, monkeypatch):
    """Through `python -m seqgan corpus music`: exit 1, one log line naming zip:member, nothing written."""
    zip_path = _zip_with(
        tmp_path, "Nottingham/train/reels_simple_chords_7.mid", with_division(midi_bytes(scale_tune(40)), b"\x00\x00")
    )
    entry = REGISTRY[MUSIC_SOURCE]
    monkeypatch.setitem(REGISTRY, MUSIC_SOURCE, dataclasses.replace(entry, sha256=sha256_of(zip_path)))
    section = yaml.safe_load((REPO / ".test" / "config" / "config.yaml").read_text())["music"]
    config = tmp_path / "corpus.json"
    config.write_text(json.dumps(section))
    out = tmp_path / "data"
    with caplog.at_level(logging.ERROR):
        assert main(["corpus", "music", "--config", str(config), "--source", str(zip_path), "--out-dir", str(out)]) == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "\n" not in errors[0]
    assert errors[0].startswith(f"{zip_path}:Nottingham/train/reels_simple_chords_7.mid: ticks_per_beat is 0")
    assert not out.exists()


def test_pitch_outside_the_piano_is_an_error_naming_the_member(tmp_path):
    zip_path = _zip_with(tmp_path, "Nottingham/train/slip_simple_chords_1.mid", midi_bytes(make_midi([(0, 2, 110)])))
    with pytest.raises(MidiError, match=r"slip_simple_chords_1\.mid: pitches \[110\] outside"):
        preprocess(zip_path)


def test_member_without_a_number_is_an_error_naming_the_zip(tmp_path):
    zip_path = _zip_with(tmp_path, "Nottingham/train/extra.mid", midi_bytes(scale_tune(32)))
    with pytest.raises(MidiError, match=r"bad\.zip:Nottingham/train/extra\.mid: no trailing number"):
        preprocess(zip_path)


def test_empty_split_is_an_error_naming_the_split_and_the_zip(tmp_path):
    members = {f"Nottingham/train/jigs_simple_chords_{n}.mid": midi_bytes(scale_tune(32)) for n in (0, 4)}
    members["Nottingham/train/jigs_simple_chords_5.mid"] = midi_bytes(scale_tune(31))  # test: too short
    zip_path = make_zip(tmp_path / "short.zip", members)
    with pytest.raises(MidiError, match=r"short\.zip: split 'test' is empty \(1 tunes"):
        preprocess(zip_path)
    del members["Nottingham/train/jigs_simple_chords_5.mid"]
    with pytest.raises(MidiError, match=r"split 'test' is empty \(0 tunes"):
        preprocess(make_zip(tmp_path / "short.zip", members))


def test_unreadable_zip_and_bad_arguments(tmp_path):
    (tmp_path / "junk.zip").write_bytes(b"PK no zip here")
    with pytest.raises(MidiError, match=r"junk\.zip: not a readable zip"):
        preprocess(tmp_path / "junk.zip")
    with pytest.raises(MidiError, match=r"empty\.zip: no \.mid files"):
        preprocess(make_zip(tmp_path / "empty.zip", {"readme.txt": b"hi"}))
    with pytest.raises(FileNotFoundError, match=r"missing\.zip: file not found"):
        preprocess(tmp_path / "missing.zip")
    with pytest.raises(ValueError, match="stride must be > 0"):
        preprocess(tmp_path / "missing.zip", stride=0)


# -------------------------------------------------------------------------------------------- writing


@pytest.mark.parametrize("sample_seconds", [0.4, 0.25])
def test_write_midi_round_trip(tmp_path, sample_seconds):
    ids = [39, 39, 41, 0, 87, 87, 87, 43, 39]
    path = tmp_path / "samples" / "tune.mid"
    write_midi(ids, path, sample_seconds)
    midi_file = mido.MidiFile(path)
    assert midi_file.type == 0 and len(midi_file.tracks) == 1
    assert pitch_ids(melody_pitches(midi_file, sample_seconds)) == ids
    assert pitch_ids(melody_pitches(read_midi(path.read_bytes(), str(path)), sample_seconds)) == ids
    assert sorted(p.name for p in path.parent.iterdir()) == ["tune.mid"]  # no temp file left behind


def test_write_midi_rejects_bad_ids_without_writing(tmp_path):
    path = tmp_path / "tune.mid"
    with pytest.raises(ValueError, match=r"tune\.mid: ids outside the vocabulary"):
        write_midi([3, 88], path)
    with pytest.raises(ValueError, match="no ids"):
        write_midi([], path)
    assert not path.exists()


def test_the_split_rule_reproduces_the_published_split_file(mirror):
    """The mirror's nottingham_midi_split.tsv lists each file's original split: the rule must agree on all."""
    path = mirror / "nottingham" / "nottingham_midi_split.tsv"
    if not path.is_file():
        pytest.skip(f"{path} not in the mirror")
    rows = [line.split("\t") for line in path.read_text().splitlines()[1:]]
    assert len(rows) == 1037
    assert all(original_split(filename) == split for filename, split, _ in rows)
