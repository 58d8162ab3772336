"""Encoders: hashing fallback (exact, pinned), record text, clipping, USE on real text."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import pytest

from ipnav.ingest.base import Parsed
from ipnav.ingest.jsonl import JsonlReader
from ipnav.model.record import Claim, PatentRecord
from ipnav.search.encoders import (
    ENCODERS,
    HashingEncoder,
    UnknownEncoder,
    UseEncoder,
    clip_text,
    estimate_tokens,
    make_encoder,
    record_text,
)


def real_records(sample_data: Path, relative: str, n: int) -> list[PatentRecord]:
    items = itertools.islice(JsonlReader().read(sample_data / relative, dataset="t"), n)
    return [item.record for item in items if isinstance(item, Parsed)]


# -- hashing ---------------------------------------------------------------------


def test_hashing_is_deterministic_and_pinned() -> None:
    text = "5G communication cable fault monitoring 一种5G通讯电缆故障监控系统"
    first = HashingEncoder().encode([text])
    again = HashingEncoder().encode([text])
    assert first.dtype == np.float32 and first.shape == (1, 512)
    assert np.array_equal(first, again)
    # CRC-32 features: the same components in every process and on every platform
    # (Python's own hash() is salted per process and would change them)
    assert np.flatnonzero(HashingEncoder().encode(["cable fault"])[0]).tolist() == PINNED_CABLE


PINNED_CABLE = [174, 217, 409]  # w:cable, w:fault, b:cable fault


def test_hashing_rows_are_unit_length_and_empty_text_is_zero() -> None:
    vectors = HashingEncoder(dim=64).encode(["cable fault", "电缆故障", "", "!!"])
    norms = np.linalg.norm(vectors, axis=1)
    assert np.allclose(norms[:2], 1.0, atol=1e-6)
    assert norms[2] == 0 and norms[3] == 0


def test_hashing_is_lexical() -> None:
    enc = HashingEncoder()
    query, near, far, other_language = enc.encode(
        [
            "cable fault monitoring",
            "fault monitoring of a power cable",
            "banana peeling machine",
            "电缆故障监控",
        ]
    )
    assert query @ near > 0.3
    assert abs(query @ far) < 0.2
    assert abs(query @ other_language) < 0.2  # lexical: no cross-lingual match
    zh_query, zh_doc = enc.encode(["电缆故障监控", "一种5G通讯电缆故障监控系统"])
    assert zh_query @ zh_doc > 0.5  # Chinese through character bigrams


def test_progress_is_reported_per_batch() -> None:
    seen: list[tuple[int, int | None]] = []
    HashingEncoder().encode(
        [f"text {i}" for i in range(5)], batch_size=2, progress=lambda *a: seen.append(a)
    )
    assert seen == [(2, 5), (4, 5), (5, 5)]


def test_registry_lists_its_keys_on_unknown_name() -> None:
    assert set(ENCODERS) >= {"use-m3", "hashing"}
    assert make_encoder("hashing", dim=32).dim == 32
    with pytest.raises(UnknownEncoder, match="known encoders: hashing, use-m3"):
        make_encoder("bert")


# -- record text -------------------------------------------------------------------


def test_record_text_prefers_human_text_then_zh_then_en() -> None:
    record = PatentRecord(
        id="X1",
        title={"en": "Cable monitor", "zh": "电缆监控"},
        abstract={"en": "A monitor for cables.", "zh": "一种电缆监控装置。"},
    )
    assert record_text(record) == "电缆监控\n一种电缆监控装置。"
    translated = record.model_copy(update={"machine_translated": ["abstract.zh", "title.zh"]})
    assert record_text(translated) == "Cable monitor\nA monitor for cables."
    french = PatentRecord(id="X2", title={"fr": "Câble", "de": "Kabel"})
    assert record_text(french) == "Kabel"  # other languages A–Z


def test_record_text_falls_back_to_first_claim_then_description() -> None:
    claims = [Claim(number=2, text="The device of claim 1."), Claim(number=1, text="A device.")]
    record = PatentRecord(id="X3", title={"en": "Device"}, claims={"en": claims})
    assert record_text(record) == "Device\nA device."
    assert record_text(PatentRecord(id="X4", description={"en": "Body."})) == "Body."
    assert record_text(PatentRecord(id="X5")) == ""


def test_clip_text_keeps_short_text_and_cuts_long_text_at_a_word() -> None:
    assert clip_text("short text", 256) == "short text"
    long = "The cable monitor samples the signal. " * 100
    clipped = clip_text(long, 64)
    assert long.startswith(clipped) and clipped.endswith(".")
    assert 50 <= estimate_tokens(clipped) <= 64
    chinese = "信号采样模块对电缆信号采样。" * 50
    assert 50 <= estimate_tokens(clip_text(chinese, 64)) <= 64


# -- Universal Sentence Encoder ------------------------------------------------------


@pytest.fixture(scope="module")
def use() -> UseEncoder:
    return UseEncoder()


def test_use_ranks_a_paraphrase_above_unrelated_abstracts(
    use: UseEncoder, sample_data: Path
) -> None:
    records = real_records(
        sample_data, "us_nvidia_portfolio_patentsview/nvidia_patents.jsonl.gz", 6
    )
    abstracts = [record.text("abstract", ("en",)) or "" for record in records]
    # a hand-written paraphrase of the first abstract (runahead poison policies)
    paraphrase = (
        "While a processor runs ahead speculatively, it picks one of several policies "
        "for marking data as invalid, based on what caused the run-ahead."
    )
    assert "runahead" in abstracts[0]
    vectors = use.encode([paraphrase, *abstracts])
    assert vectors.shape == (7, 512) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    scores = vectors[1:] @ vectors[0]
    assert int(np.argmax(scores)) == 0, scores


def test_use_is_cross_lingual_and_clips_long_text(use: UseEncoder) -> None:
    en, zh, other = use.encode(
        ["cable fault monitoring system", "电缆故障监控系统", "a method of brewing beer"]
    )
    assert en @ zh > en @ other
    long = "The cable monitor samples the signal. " * 300
    clipped, cut_first = use.encode([long, clip_text(long, use.max_tokens)])
    assert clipped @ cut_first > 0.999  # same text; batching changes float rounding only


def test_document_vectors_average_title_and_body():
    import numpy as np

    from ipnav.search.encoders import EncoderError, HashingEncoder, document_vectors

    encoder = HashingEncoder()
    title = "一种5G通讯电缆故障监控系统"
    body = "本发明公开了一种信号采样模块和补偿反馈模块，运用三极管组成高频补偿电路。" * 8
    rows = document_vectors(encoder, [(title, body), (title, ""), ("", body)])
    t, b = encoder.encode([title, body])
    expected = (t + b) / np.linalg.norm(t + b)
    assert np.allclose(rows[0], expected, atol=1e-6)
    assert np.allclose(rows[1], t, atol=1e-6) and np.allclose(rows[2], b, atol=1e-6)
    # the title keeps its weight against a long body: closer than the joint text's vector
    joint = encoder.encode([f"{title}\n{body}"])[0]
    assert float(rows[0] @ t) > float(joint @ t)
    with pytest.raises(EncoderError):
        document_vectors(encoder, [("", "")])
