"""get-session against a bare view, in process: the same request through the same middleware.

    .venv/bin/python bench/get_session_in_process.py [--n 2000] [--rounds 8]

Serves the example's settings (``bench.apps.settings_ours``) with one more URL, a bare
view that returns ``request.user.pk``, and calls both with Django's test client as a
signed-in browser (session and CSRF cookies), alternating; prints the least CPU time per
request of each over the rounds, and their ratio. In process, without HTTP, wrk or
gunicorn, the machine's noise is smaller than over the network.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000, help="requests per round and view")
    parser.add_argument("--rounds", type=int, default=8)
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", f"sqlite:///{tempfile.mkdtemp()}/get-session.sqlite3")
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.apps.settings_ours"
    sys.path[:0] = [str(ROOT), str(ROOT / "example_project")]

    import django
    from django.conf import settings

    django.setup()
    from django.core.management import call_command
    from django.http import HttpRequest, JsonResponse
    from django.test import Client, override_settings
    from django.urls import include, path

    def bare(request: HttpRequest) -> JsonResponse:
        return JsonResponse({"id": request.user.pk})

    urls = type(sys)("bench_get_session_urls")
    urls.urlpatterns = [  # type: ignore[attr-defined]
        path("api/auth/", include("django_anonymous_auth.urls")),
        path("bare", bare),
    ]
    sys.modules[urls.__name__] = urls

    call_command("migrate", verbosity=0)
    with override_settings(ROOT_URLCONF=urls.__name__):
        browser = Client(HTTP_HOST="127.0.0.1")
        signed_in = browser.post("/api/auth/sign-in/anonymous", content_type="application/json")
        assert signed_in.status_code == 200, signed_in.content
        assert settings.CSRF_COOKIE_NAME in browser.cookies  # set by the sign-in's login()

        def cpu_ms(url: str) -> float:
            for _ in range(100):
                browser.get(url)
            started = time.process_time()
            for _ in range(args.n):
                response = browser.get(url)
            assert response.status_code == 200 and b"null" not in response.content[:8]
            return (time.process_time() - started) / args.n * 1000

        bare_ms, ours_ms = [], []
        for _ in range(args.rounds):
            bare_ms.append(cpu_ms("/bare"))
            ours_ms.append(cpu_ms("/api/auth/get-session"))
    print(
        f"bare view {min(bare_ms):.3f} ms, get-session {min(ours_ms):.3f} ms of CPU per "
        f"request (least of {args.rounds} rounds of {args.n}): "
        f"get-session serves {min(bare_ms) / min(ours_ms):.2f}x the bare view"
    )


if __name__ == "__main__":
    main()
