"""A real OpenID Connect provider for the sign-in tests: oidc-provider-mock (PyPI, in
requirements-test.txt) started as its own process. Its login form asks for the subject to sign
in as; the email claim it then gives is that subject."""
from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from live_app import free_port


@contextlib.contextmanager
def running(seconds: float = 30):
    """Yields the provider's address (its issuer); a provider that does not start raises RuntimeError."""
    port = free_port()
    log = Path(tempfile.mkdtemp(prefix="kam-oidc-")) / "provider.log"
    with open(log, "w") as out:
        provider = subprocess.Popen([sys.executable, "-m", "oidc_provider_mock", "--port", str(port)],
                                    stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + seconds
        while True:
            if provider.poll() is not None:
                raise RuntimeError(f"oidc-provider-mock exited with {provider.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/.well-known/openid-configuration", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"oidc-provider-mock did not answer within {seconds:.0f} s") from None
                time.sleep(0.2)
        yield url
    finally:
        provider.terminate()
        provider.wait(timeout=10)


def secrets(provider: str, app_port: int, first_administrator: str) -> str:
    """The app's .streamlit/secrets.toml for sign-in through this provider, as the README shows it."""
    return f"""
[auth]
redirect_uri = "http://127.0.0.1:{app_port}/oauth2callback"
cookie_secret = "a long random string that signs the sign-in cookie, for tests only"
client_id = "kam"
client_secret = "kam-secret"
server_metadata_url = "{provider}/.well-known/openid-configuration"

[kam]
first_administrator = "{first_administrator}"
"""
