"""A job's record of where it ran: written on this machine's CPU, read back, and every bad file refused in one
line naming the file and the key. (The verbs that write it: test_training, test_corpus_cli, test_precision.)"""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest
import torch

from seqgan import device as devices
from seqgan import job_record
from seqgan.atomic import WriteError
from seqgan.job_record import JobRecord

GOOD = {
    "device": "cuda",
    "gpu": "NVIDIA H200",
    "cuda_visible_devices": "3",
    "precision": "bf16",
    "threads": 8,
    "host": "node-1",
    "torch": "2.13.0+cu128",
}


def test_a_cpu_job_records_this_machine(tmp_path, monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    path = tmp_path / "records" / "job.json"  # its folder is made
    record = job_record.write(path, torch.device("cpu"), "bf16")
    assert json.loads(path.read_text(encoding="utf-8")) == {
        "device": "cpu",
        "gpu": None,
        "cuda_visible_devices": None,
        "precision": "bf16",  # as given: the job's resolved precision
        "threads": torch.get_num_threads(),
        "host": socket.gethostname(),
        "torch": torch.__version__,
    }
    assert job_record.read(path) == record
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "2,3")
    assert job_record.write(path, torch.device("cpu"), "fp32").cuda_visible_devices == "2,3"
    assert job_record.read(path).cuda_visible_devices == "2,3"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_cuda_job_records_its_gpu_by_name(tmp_path):
    record = job_record.write(tmp_path / "job.json", torch.device("cuda"), "bf16")
    assert record.device == "cuda" and record.gpu == torch.cuda.get_device_name()
    assert job_record.read(tmp_path / "job.json") == record


def test_a_cuda_record_reads_back_as_written(tmp_path):
    """What a GPU job writes (JobRecord.to_json), read on a machine without one."""
    path = tmp_path / "job.json"
    path.write_text(JobRecord(**GOOD).to_json(), encoding="utf-8")
    assert job_record.read(path) == JobRecord(**GOOD)
    assert list(json.loads(path.read_text())) == list(job_record.KEYS)  # the documented order


def test_a_failed_write_is_one_error_naming_the_file(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(WriteError, match=r"/file/job\.json: cannot write"):
        job_record.write(tmp_path / "file" / "job.json", torch.device("cpu"), "fp32")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"device": "mps"}, "key 'device': expected one of cpu, cuda, got 'mps'"),
        ({"gpu": None}, "key 'gpu': expected the GPU's name on cuda, got None"),
        ({"gpu": ""}, "key 'gpu': expected the GPU's name on cuda, got ''"),
        ({"device": "cpu"}, "key 'gpu': expected null on cpu, got 'NVIDIA H200'"),
        ({"cuda_visible_devices": 3}, "key 'cuda_visible_devices': expected a string or null, got 3"),
        ({"precision": "fp16"}, "key 'precision': expected one of fp32, bf16, got 'fp16'"),
        ({"threads": 0}, "key 'threads': expected a whole number >= 1, got 0"),
        ({"threads": True}, "key 'threads': expected a whole number >= 1, got True"),
        ({"threads": 2.0}, "key 'threads': expected a whole number >= 1, got 2.0"),
        ({"host": ""}, "key 'host': expected a non-empty string, got ''"),
        ({"torch": None}, "key 'torch': expected a non-empty string, got None"),
        ({"cuda": "12.8"}, "unexpected key 'cuda' (a job record has device, gpu, cuda_visible_devices,"),
    ],
)
def test_a_bad_record_is_refused_naming_the_file_and_key(tmp_path, change, message):
    path = tmp_path / "job.json"
    path.write_text(json.dumps(GOOD | change))
    with pytest.raises(ValueError) as err:
        job_record.read(path)
    assert str(err.value).startswith(f"{path}: {message}") and "\n" not in str(err.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{", "not a job record as JSON (Expecting property name"),
        ("[1]", "expected a JSON object (a job record with keys device, gpu,"),
        (json.dumps({k: v for k, v in GOOD.items() if k != "threads"}), "no key 'threads' (a job record has device,"),
    ],
)
def test_a_file_that_is_no_record_is_refused_naming_it(tmp_path, content, message):
    path = tmp_path / "job.json"
    path.write_text(content)
    with pytest.raises(ValueError, match="^" + str(path).replace("\\", "\\\\") + ": ") as err:
        job_record.read(path)
    assert message in str(err.value)
    with pytest.raises(FileNotFoundError, match="missing.json: file not found .*--provenance"):
        job_record.read(tmp_path / "missing.json")


def test_the_record_admits_every_device_and_precision_a_job_resolves():
    """device.resolve and device.choose_precision give nothing the record would refuse."""
    assert devices.resolve("cpu").type in job_record.DEVICES and "cuda" in job_record.DEVICES
    values = {
        devices.choose_precision(requested, native, device_type).value
        for requested in ("auto", "fp32", "bf16")
        for native in (True, False)
        for device_type in job_record.DEVICES
    }
    assert values == set(job_record.PRECISIONS)


def test_reading_a_record_does_not_import_torch(tmp_path):
    path = tmp_path / "job.json"
    path.write_text(json.dumps(GOOD))
    code = f"import sys; from seqgan import job_record; job_record.read({str(path)!r}); print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"
