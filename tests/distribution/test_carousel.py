"""The carousel over a simulated one-way link: random 20 % chunk loss (seeded), damaged chunks, any
order — every file is rebuilt from what arrives and checked by SHA-256; the receiver never asks."""

from __future__ import annotations

import hashlib
import os
import random

import pytest

from eduplatform.distribution import carousel


@pytest.fixture
def package(tmp_path):
    path = tmp_path / "package.zip"
    path.write_bytes(os.urandom(600_000))  # ~4 segments of 180 KiB
    return path


def _link(chunks, *, loss: float, seed: int, damage: float = 0.0):
    rng = random.Random(seed)
    for chunk in chunks:
        if rng.random() < loss:
            continue
        if rng.random() < damage:
            i = rng.randrange(carousel.HEADER.size, len(chunk))
            chunk = chunk[:i] + bytes([chunk[i] ^ 0x55]) + chunk[i + 1:]
        yield chunk


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_round_at_20_percent_loss_rebuilds_the_file(package, tmp_path, seed):
    chunks = list(carousel.emit(package))
    sent = len(chunks)
    segments = -(-package.stat().st_size // (carousel.DEFAULT_K * carousel.DEFAULT_SHARE))
    assert sent == segments * carousel.DEFAULT_M  # 256 / 180: 42 % overhead
    receiver = carousel.Receiver()
    arrived = list(_link(chunks, loss=0.2, seed=seed, damage=0.01))
    random.Random(seed).shuffle(arrived)
    for chunk in arrived:
        receiver.take(chunk)
    assert len(arrived) < sent * 0.85 and receiver.damaged > 0
    file_id = carousel.file_id_of(package)
    assert receiver.done(file_id)
    out = receiver.rebuild(file_id, tmp_path / "rebuilt.zip")
    assert hashlib.sha256(out.read_bytes()).digest() == file_id and not (tmp_path / "rebuilt.zip.part").exists()


def test_too_little_is_not_rebuilt_and_leaves_nothing(package, tmp_path):
    receiver = carousel.Receiver()
    for chunk in _link(carousel.emit(package), loss=0.5, seed=7):
        receiver.take(chunk)
    file_id = carousel.file_id_of(package)
    assert not receiver.done(file_id)
    with pytest.raises(ValueError, match="不足"):
        receiver.rebuild(file_id, tmp_path / "x.zip")
    assert list(tmp_path.glob("x.zip*")) == []
    # the next round of the carousel fills the gaps: no request goes back
    for chunk in _link(carousel.emit(package), loss=0.2, seed=8):
        receiver.take(chunk)
    assert receiver.done(file_id) and receiver.duplicates > 0
    assert receiver.rebuild(file_id, tmp_path / "x.zip").read_bytes() == package.read_bytes()
