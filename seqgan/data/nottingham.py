"""The Nottingham music corpus: melody pitches sampled every 0.4 s, cut into windows of 32 tokens.

The paper (Yu et al. 2017, Sec. "Music generation"): "695 folk tunes in midi file format, we study the
solo track of each music", the pitch is sampled every 0.4 s, 88 pitch tokens, sequences of length 32.
Our reading of it, each choice an argument or a documented rule:

- Input: ``Nottingham_midi.zip`` (the 1,037 MIDI files of the LISA ``Nottingham.zip``, re-split by its
  uploader into ``train/`` and ``valid/`` folders, which we ignore). The original split is recovered
  from the file name by :func:`original_split`.
- Melody: track 1 of a type-1 file (track 0 holds tempo and meta events, track 2 the chords). A type-0
  file (a single track) is a melody-only tune when all its notes are on one channel; the zip holds 14
  such files. See :func:`melody_track`.
- Time: note ticks become seconds through the file's tempo map (every ``set_tempo`` event, with
  ``mido.tick2second`` per constant-tempo segment), so a tempo change moves the later samples.
- Sampling: sample ``k`` is taken at ``first_onset + k * sample_seconds`` while that time is before the
  end of the last melody note. A note sounds at ``t`` when ``start <= t < end`` (1 ns tolerance, so a
  sample that falls exactly on a note boundary sees the new note, not the old one).
- Overlaps: when several melody notes sound at once, the highest pitch is taken.
- Rests: the paper's 88-token vocabulary has no rest token, so a rest repeats the pitch that sounded
  last (the highest of the notes that ended last). A rest therefore reads as a held note.
- Tokens: MIDI pitch ``p`` in [21, 108] (piano keys A0..C8) is id ``p - 21``; the vocabulary holds note
  names (``"A0"``, ``"A#0"``, ..., ``"C8"``). A sampled pitch outside that range is an error.
- Windows: each tune's ids are cut into windows of ``seq_len`` starting every ``stride`` tokens (default
  ``stride = seq_len``: non-overlapping); the tail shorter than ``seq_len`` is dropped and a tune shorter
  than ``seq_len`` gives no window (counted as dropped). Windows never cross tunes or splits.
- Bad files: a member mido cannot read, with no time base (``ticks_per_beat`` 0, SMPTE division, a zero
  tempo), no melody notes or a pitch off the piano fails the corpus with one :class:`MidiError` naming
  ``ZIP:MEMBER``. The pinned zip has none, so one means a different file: skipping it would hide that.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath

import mido
import torch

from seqgan import atomic
from seqgan.data.corpus import SPLITS, Corpus

LOWEST_PITCH = 21  # A0, the lowest piano key
HIGHEST_PITCH = 108  # C8, the highest piano key
NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
VOCAB = tuple(f"{NOTE_NAMES[p % 12]}{p // 12 - 1}" for p in range(LOWEST_PITCH, HIGHEST_PITCH + 1))  # id -> name
EPSILON = 1e-9  # seconds: tolerance for a sample time that falls on a note boundary


class MidiError(ValueError):
    """A MIDI file that cannot be read or has no usable melody; the message names the file."""


# ----------------------------------------------------------------------------------------------- split


def original_split(filename: str) -> str:
    """The original train/valid/test split of a Nottingham file, from the number ending its name.

    Provenance: the original LISA ``Nottingham.zip`` had ``train/`` (694), ``valid/`` (173) and ``test/``
    (170) folders; the copy we download lost them. With ``n`` the trailing number of the file name
    (``jigs_simple_chords_4.mid`` -> 4), the original folder is train for ``n mod 6`` in {0, 1, 2, 3},
    valid for 4 and test for 5. This reproduces 694 / 173 / 170 and agrees with a second copy of the
    files that kept its folders (``../shared/corpora/nottingham/PROVENANCE.md``).
    """
    match = re.search(r"(\d+)$", PurePosixPath(filename).stem)
    if match is None:
        raise ValueError(f"{filename}: no trailing number in the file name, so no original split")
    return ("train", "train", "train", "train", "valid", "test")[int(match.group(1)) % 6]


# ---------------------------------------------------------------------------------------------- melody


def melody_track(midi_file: mido.MidiFile) -> mido.MidiTrack:
    """Track 1 of a type-1 file; the only track of a type-0 file whose notes are all on one channel."""
    if midi_file.type == 0:
        channels = {msg.channel for msg in midi_file.tracks[0] if msg.type == "note_on" and msg.velocity > 0}
        if len(channels) > 1:
            raise MidiError(f"no melody track (type 0 file with notes on channels {sorted(channels)})")
        track = midi_file.tracks[0]
    elif midi_file.type == 1:
        if len(midi_file.tracks) < 2:
            raise MidiError(f"no melody track (type 1 file with {len(midi_file.tracks)} track, expected >= 2)")
        track = midi_file.tracks[1]
    else:
        raise MidiError(f"type {midi_file.type} MIDI file (independent sequences) is not supported")
    if not any(msg.type == "note_on" and msg.velocity > 0 for msg in track):
        raise MidiError("no melody track (the melody track has no note_on with velocity > 0)")
    return track


def _ticks_per_beat(midi_file: mido.MidiFile) -> int:
    """The header's ticks per beat; 0 (nothing can be timed) and SMPTE time division (mido reads it as a
    negative number) are MidiErrors."""
    ticks_per_beat = midi_file.ticks_per_beat
    if not 0 < ticks_per_beat < 0x8000:
        raise MidiError(
            f"ticks_per_beat is {ticks_per_beat} (expected 1 to 32767 ticks per beat in the header;"
            " SMPTE time division is not supported)"
        )
    return ticks_per_beat


def _tempo_map(midi_file: mido.MidiFile) -> list[tuple[int, int]]:
    """(tick, microseconds per beat) at each tempo change, sorted, starting at tick 0 (120 bpm default)."""
    changes = {0: 500_000}
    for track in midi_file.tracks:  # type 0 and 1: tempo events in any track apply to all
        tick = 0
        for msg in track:
            tick += msg.time
            if msg.type == "set_tempo":
                if msg.tempo <= 0:  # every later note would start at the same time
                    raise MidiError(f"set_tempo of {msg.tempo} microseconds per beat at tick {tick} (expected > 0)")
                changes[tick] = msg.tempo  # same tick twice: the later event wins
    return sorted(changes.items())


def _seconds(ticks: int, tempo_map: list[tuple[int, int]], ticks_per_beat: int) -> float:
    """The time in seconds of ``ticks``, summing ``mido.tick2second`` over constant-tempo segments."""
    seconds = 0.0
    for i, (start, tempo) in enumerate(tempo_map):
        if start >= ticks:
            break
        end = min(ticks, tempo_map[i + 1][0]) if i + 1 < len(tempo_map) else ticks
        seconds += mido.tick2second(end - start, ticks_per_beat, tempo)
    return seconds


def melody_notes(midi_file: mido.MidiFile) -> list[tuple[float, float, int]]:
    """The melody's notes as (start seconds, end seconds, MIDI pitch), sorted.

    A note ends at the first note_off (or note_on with velocity 0) of its channel and pitch; a note still
    on at the end of the track ends there.
    """
    ticks_per_beat = _ticks_per_beat(midi_file)
    track = melody_track(midi_file)
    tempo_map = _tempo_map(midi_file)
    open_notes: dict[tuple[int, int], list[int]] = {}  # (channel, pitch) -> start ticks, oldest first
    notes_ticks: list[tuple[int, int, int]] = []
    tick = 0
    for msg in track:
        tick += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            open_notes.setdefault((msg.channel, msg.note), []).append(tick)
        elif msg.type in ("note_off", "note_on") and open_notes.get((msg.channel, msg.note)):
            notes_ticks.append((open_notes[(msg.channel, msg.note)].pop(0), tick, msg.note))
    notes_ticks += [(start, tick, pitch) for (_, pitch), starts in open_notes.items() for start in starts]
    to_s = {t: _seconds(t, tempo_map, ticks_per_beat) for n in notes_ticks for t in n[:2]}
    return sorted((to_s[start], to_s[end], pitch) for start, end, pitch in notes_ticks if end > start)


def sample_pitches(notes: Sequence[tuple[float, float, int]], sample_seconds: float) -> list[int]:
    """The pitch every ``sample_seconds`` from the first onset: highest sounding note, else the last one."""
    if sample_seconds <= 0:
        raise ValueError(f"sample_seconds must be > 0, got {sample_seconds}")
    if not notes:
        return []
    notes = sorted(notes)
    first, last_end = notes[0][0], max(end for _, end, _ in notes)
    pitches: list[int] = []
    sounding: list[tuple[float, float, int]] = []  # notes started by the current sample, not yet pruned
    last = (float("-inf"), -1)  # (end, pitch) of the note that ended last: what a rest repeats
    upcoming = 0
    k = 0
    while (t := first + k * sample_seconds) + EPSILON < last_end:
        while upcoming < len(notes) and notes[upcoming][0] <= t + EPSILON:
            sounding.append(notes[upcoming])
            upcoming += 1
        ended = [note for note in sounding if note[1] <= t + EPSILON]
        last = max([last, *((end, pitch) for _, end, pitch in ended)])
        sounding = [note for note in sounding if note[1] > t + EPSILON]
        pitches.append(max(pitch for _, _, pitch in sounding) if sounding else last[1])
        k += 1
    return pitches


def melody_pitches(midi_file: mido.MidiFile, sample_seconds: float = 0.4) -> list[int]:
    """The melody's MIDI pitch every ``sample_seconds`` (see the module docstring for the rules)."""
    return sample_pitches(melody_notes(midi_file), sample_seconds)


def pitch_ids(pitches: Iterable[int]) -> list[int]:
    """Token ids (``pitch - 21``) of MIDI pitches; a pitch off the 88 piano keys is a MidiError."""
    pitches = list(pitches)
    outside = sorted({p for p in pitches if not LOWEST_PITCH <= p <= HIGHEST_PITCH})
    if outside:
        raise MidiError(f"pitches {outside} outside the 88 piano keys [{LOWEST_PITCH}, {HIGHEST_PITCH}]")
    return [p - LOWEST_PITCH for p in pitches]


def windows(ids: Sequence[int], seq_len: int, stride: int) -> list[list[int]]:
    """Windows ``ids[s : s + seq_len]`` for ``s = 0, stride, 2 * stride, ...`` that fit entirely."""
    return [list(ids[s : s + seq_len]) for s in range(0, len(ids) - seq_len + 1, stride)]


# ------------------------------------------------------------------------------------------ preprocess


def read_midi(data: bytes, where: str) -> mido.MidiFile:
    """Parse MIDI bytes; ``where`` names the file in the error if they are truncated or undecodable."""
    try:
        return mido.MidiFile(file=io.BytesIO(data))
    except Exception as err:  # mido raises EOFError, OSError, ValueError, KeyError, ... for bad bytes
        raise MidiError(f"{where}: not a readable MIDI file ({type(err).__name__}: {err})") from err


def _members(archive: zipfile.ZipFile, zip_path: Path) -> list[str]:
    """The .mid members, sorted; two members with the same file name would be one tune twice: an error."""
    members = sorted(name for name in archive.namelist() if name.lower().endswith(".mid"))
    seen: dict[str, str] = {}
    for name in members:
        base = PurePosixPath(name).name
        if base in seen:
            raise MidiError(f"{zip_path}: {seen[base]} and {name} have the same file name")
        seen[base] = name
    if not members:
        raise MidiError(f"{zip_path}: no .mid files in the zip")
    return members


def preprocess(zip_path: str | Path, *, sample_seconds: float = 0.4, seq_len: int = 32, stride: int = 32) -> Corpus:
    """The Nottingham corpus from ``Nottingham_midi.zip``: (N, seq_len) windows of pitch ids per split."""
    zip_path = Path(zip_path)
    for name, value in (("sample_seconds", sample_seconds), ("seq_len", seq_len), ("stride", stride)):
        if value <= 0:
            raise ValueError(f"nottingham: {name} must be > 0, got {value}")
    if not zip_path.is_file():
        raise FileNotFoundError(f"{zip_path}: file not found (expected the Nottingham MIDI zip)")
    ids_by_split: dict[str, list[list[int]]] = {split: [] for split in SPLITS}
    try:
        with zipfile.ZipFile(zip_path) as archive:
            for member in _members(archive, zip_path):
                where = f"{zip_path}:{member}"
                try:
                    split = original_split(member)
                except ValueError as err:  # its message starts with the member's name
                    raise MidiError(f"{zip_path}:{err}") from err
                try:
                    data = archive.read(member)
                except (zipfile.BadZipFile, OSError, EOFError) as err:
                    raise MidiError(f"{where}: cannot be read from the zip ({err})") from err
                midi_file = read_midi(data, where)
                try:
                    ids_by_split[split].append(pitch_ids(melody_pitches(midi_file, sample_seconds)))
                except MidiError as err:
                    raise MidiError(f"{where}: {err}") from err
    except zipfile.BadZipFile as err:
        raise MidiError(f"{zip_path}: not a readable zip file ({err})") from err

    splits: dict[str, torch.Tensor] = {}
    split_stats: dict[str, dict] = {}
    for split, tunes in ids_by_split.items():
        rows = [window for ids in tunes for window in windows(ids, seq_len, stride)]
        if not rows:
            raise MidiError(
                f"{zip_path}: split {split!r} is empty ({len(tunes)} tunes, none with >= {seq_len} samples)"
            )
        splits[split] = torch.tensor(rows, dtype=torch.int64)  # (N, seq_len)
        split_stats[split] = {
            "tunes": len(tunes),
            "windows": len(rows),
            "samples": sum(len(ids) for ids in tunes),  # sampled pitches of all tunes
            "tokens": len(rows) * seq_len,  # pitches inside windows
            "dropped_tunes": sum(len(ids) < seq_len for ids in tunes),
        }
    used = sorted({i for tunes in ids_by_split.values() for ids in tunes for i in ids})
    stats = {
        "source": zip_path.name,
        "sample_seconds": sample_seconds,
        "stride": stride,
        "unknown_rate": 0.0,  # no unknown token: every sampled pitch is a piano key, or an error
        "pitch_range": [used[0] + LOWEST_PITCH, used[-1] + LOWEST_PITCH],  # MIDI pitches
        "pitch_names": [VOCAB[used[0]], VOCAB[used[-1]]],
        "distinct_pitches": len(used),
        "splits": split_stats,
    }
    return Corpus(name="nottingham", vocab=VOCAB, splits=splits, stats=stats)


# -------------------------------------------------------------------------------------------- writing


def write_midi(ids: Iterable[int], path: str | Path, sample_seconds: float = 0.4) -> None:
    """Write token ids as a one-track (type 0) MIDI file, atomically; reading it back gives the same ids.

    One beat is one sample (tempo = ``sample_seconds`` per beat, 480 ticks per beat); a run of equal ids
    becomes one held note, which is what sampling a held note gives.
    """
    ids = [int(i) for i in ids]
    if not ids:
        raise ValueError(f"{path}: no ids to write")
    if any(not 0 <= i < len(VOCAB) for i in ids):
        raise ValueError(f"{path}: ids outside the vocabulary [0, {len(VOCAB)}): {sorted(set(ids))}")
    tempo = round(sample_seconds * 1e6)  # microseconds per beat
    if not 0 < tempo < 2**24:
        raise ValueError(f"{path}: sample_seconds {sample_seconds} does not fit a MIDI tempo")
    ticks_per_beat = 480
    track = mido.MidiTrack([mido.MetaMessage("set_tempo", tempo=tempo, time=0)])
    runs: list[list[int]] = []  # [id, length in samples]
    for i in ids:
        if runs and runs[-1][0] == i:
            runs[-1][1] += 1
        else:
            runs.append([i, 1])
    for i, length in runs:
        pitch = i + LOWEST_PITCH
        track.append(mido.Message("note_on", note=pitch, velocity=100, time=0))
        track.append(mido.Message("note_off", note=pitch, velocity=0, time=length * ticks_per_beat))
    track.append(mido.MetaMessage("end_of_track", time=0))
    buffer = io.BytesIO()
    mido.MidiFile(type=0, ticks_per_beat=ticks_per_beat, tracks=[track]).save(file=buffer)
    atomic.write_bytes(path, buffer.getvalue())
