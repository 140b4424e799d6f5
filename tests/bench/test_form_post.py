"""A public form page POST against a bare Flask + SQLAlchemy insert (`make bench`).

Both served by gunicorn with `dhr web`'s two workers, on the same Postgres, loaded by the same
20 concurrent clients in the same run. The service's POST is the referral form's first page
(`/refer/page/referrer`) with valid answers: the CSRF check, the rate limit (each request from
an address of its own, so none is refused), the partnership, the draft saved, the redirect.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from forms.referral import SECTION_BY_SLUG
from tests.bench import webload
from tests.bench.harness import at_least, record
from tests.conftest import DHR
from tests.referrals.factories import complete_answers
from tests.referrals.filling import form_fields

pytestmark = [pytest.mark.bench, pytest.mark.timeout(1800)]

CLIENTS = 20
SECONDS = 6.0
PAGE = "/refer/page/referrer"


def _service_client(port: int) -> webload.Client:
    client = webload.Client()
    status, html = webload.request(port, "GET", PAGE, client, headers=webload.forwarded_for())
    assert status == 200, status
    questions = SECTION_BY_SLUG["referrer"].pages[0].questions
    client.fields = {**form_fields(questions, complete_answers()),
                     "csrf_token": webload.csrf_token(html)}  # fmt: skip
    return client


def test_a_form_post_against_a_bare_insert(cli_env, settings):
    """Targets: ≥ 0.6× the bare endpoint's requests a second, p99 under 100 ms."""
    url = webload.bench_database()
    env = webload.environment(cli_env, DATABASE_URL=url, TRUST_PROXY="1")
    subprocess.run([*DHR, "db", "upgrade"], env=env, check=True, capture_output=True)
    subprocess.run([*DHR, "partnership", "load", "config/partnerships/example.yaml"], env=env,
                   check=True, capture_output=True)  # fmt: skip
    bare_env = webload.environment(cli_env, BENCH_DATABASE_URL=url)
    subprocess.run([sys.executable, "-c", "from tests.bench import bare_app; "
                    "bare_app.create_schema()"], env=bare_env, check=True)  # fmt: skip

    port = webload.free_port()
    with webload.serving([*DHR, "web", "--bind", f"127.0.0.1:{port}"], env, port):
        clients = webload.each(CLIENTS, lambda: _service_client(port))
        product = webload.run_load(port, clients, PAGE, 302, SECONDS)
    port = webload.free_port()
    with webload.serving(webload.gunicorn("tests.bench.bare_app:app", port), bare_env, port):
        clients = [webload.Client(fields=c.fields) for c in clients]
        bare = webload.run_load(port, clients, "/insert", 302, SECONDS)

    print(f"\nservice {product}\nbare    {bare}")
    oks = [
        record(f"form page POST, {CLIENTS} clients, gunicorn, Postgres (req/s)", product.rate,
               bare.rate, "req/s", "≥ 0.6× bare insert", at_least(0.6, product.rate, bare.rate)),
        record("the same: p99 latency", product.p99_ms, bare.p99_ms, "ms", "< 100 ms",
               product.p99_ms < 100),
        record("the same: p50 latency", product.p50_ms, bare.p50_ms, "ms", "< 50 ms",
               product.p50_ms < 50),
    ]  # fmt: skip
    assert product.errors == 0 and bare.errors == 0, (product, bare)
    assert all(oks), "a form POST target was missed (see the table)"
