"""Without sign-in the app trusts whoever reaches it, so `python -m kam serve` listens on this
computer only; another address takes sign-in, or an option that says it goes without."""
from __future__ import annotations

import ipaddress
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from kam.cli.serve import OPEN_WITHOUT_SIGN_IN, listening
from kam.cli.usage import UsageError
from live_app import serve


def listening_addresses(port: int) -> set[str]:
    """The addresses with a socket listening on the port, from the kernel's socket tables."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, hex_port = local.split(":")
            if state != "0A" or int(hex_port, 16) != port:  # 0A: LISTEN
                continue
            # the kernel writes each 32-bit word of the address in the host's (little-endian) order
            raw = b"".join(bytes.fromhex(address[i:i + 8])[::-1] for i in range(0, len(address), 8))
            found.add(str(ipaddress.ip_address(raw)))
    return found


def test_without_sign_in_the_app_listens_on_127_0_0_1_only(tmp_path):
    with serve(tmp_path / "store", options=("--secrets.files", str(tmp_path / "none.toml"))) as (url, _):
        assert listening_addresses(int(url.rsplit(":", 1)[1])) == {"127.0.0.1"}


def test_another_address_without_sign_in_is_refused_saying_how_to_insist(tmp_path):
    done = subprocess.run([sys.executable, "-m", "kam", "--data", str(tmp_path), "serve",
                           "--server.address", "0.0.0.0", "--secrets.files", str(tmp_path / "none.toml")],
                          cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 2
    assert "127.0.0.1 only" in done.stderr and OPEN_WITHOUT_SIGN_IN in done.stderr


def test_the_address_follows_the_secrets_and_the_explicit_option(tmp_path):
    signed = tmp_path / "signed.toml"
    signed.write_text('[auth]\nredirect_uri = "https://kam.example.com/oauth2callback"\n')
    plain = tmp_path / "plain.toml"
    plain.write_text('[kam]\nfirst_administrator = "boss@example.com"\n')
    assert listening(["--secrets.files", str(plain)]) == ["--secrets.files", str(plain),
                                                          "--server.address", "127.0.0.1"]
    assert listening(["--secrets.files", str(signed)]) == ["--secrets.files", str(signed)]
    assert listening([OPEN_WITHOUT_SIGN_IN, "--server.address", "0.0.0.0", "--secrets.files", str(plain)]) \
        == ["--server.address", "0.0.0.0", "--secrets.files", str(plain)]
    broken = tmp_path / "broken.toml"
    broken.write_text("[auth\n")
    with pytest.raises(UsageError, match="broken.toml"):
        listening(["--secrets.files", str(broken)])
