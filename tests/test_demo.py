"""`ipnav demo --no-serve` loads every shared corpus; running it again changes nothing."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from ipnav.cli import app
from ipnav.ingest.samples import SAMPLE_CORPORA

runner = CliRunner()


@pytest.mark.slow
def test_demo_loads_every_corpus_once(tmp_path, sample_data):
    env = {
        "IPNAV_HOME": str(tmp_path / "home"),
        "IPNAV_SAMPLE_DATA": str(sample_data),
        "IPNAV_DENSE_ENCODER": "hashing",  # the real model takes minutes on the whole corpus
    }
    first = runner.invoke(app, ["demo", "--no-serve"], env=env, catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert " 0 rejected" in first.output and "record(s) rejected" not in first.output

    stats = json.loads(runner.invoke(app, ["stats", "--format", "json"], env=env).stdout)
    assert set(stats["by_source"]) == {corpus.folder for corpus in SAMPLE_CORPORA}
    assert 37_000 <= stats["total"] <= 38_000
    assert stats["by_language"]["zh"] >= 13_800 and stats["by_language"]["en"] >= 21_000
    assert stats["by_country"]["CN"] >= 13_800
    assert stats["by_applicant_type"]["university"] > 500

    again = runner.invoke(app, ["demo", "--no-serve"], env=env, catch_exceptions=False)
    assert again.exit_code == 0
    # every file is recognised by its fingerprint and skipped: nothing is parsed again
    assert again.output.count("nothing to do") == first.output.count(" read — ")
    assert json.loads(runner.invoke(app, ["stats", "--format", "json"], env=env).stdout) == stats
