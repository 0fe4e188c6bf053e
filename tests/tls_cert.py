"""A self-signed TLS certificate for 127.0.0.1, made once per process, for fakes that must be
served over HTTPS (msal refuses an ``http`` authority).

``ca_bundle_path()`` is a PEM file of certifi's roots plus this certificate, for
``REQUESTS_CA_BUNDLE``: requests (and so msal and botbuilder) then trust the fake and everything
they trusted before.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
import tempfile
import threading
from pathlib import Path

import certifi
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

__all__ = ["ca_bundle_path", "cert_path", "server_ssl_context"]

_lock = threading.Lock()
_files: dict[str, Path] = {}


def _make() -> dict[str, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "oncall test loopback")])
    now = dt.datetime.now(dt.UTC)
    public = key.public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    folder = Path(tempfile.mkdtemp(prefix="oncall-test-tls-"))
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    (folder / "cert.pem").write_bytes(cert_pem)
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    bundle = Path(certifi.where()).read_bytes() + b"\n" + cert_pem
    (folder / "bundle.pem").write_bytes(bundle)
    return {"cert": folder / "cert.pem", "key": folder / "key.pem", "bundle": folder / "bundle.pem"}


def _paths() -> dict[str, Path]:
    with _lock:
        if not _files:
            _files.update(_make())
        return _files


def ca_bundle_path() -> str:
    """certifi's roots plus the loopback certificate, as a file path."""
    return str(_paths()["bundle"])


def cert_path() -> str:
    """The loopback certificate alone (PEM), e.g. for an aiohttp client's ``ssl`` context."""
    return str(_paths()["cert"])


def server_ssl_context() -> ssl.SSLContext:
    """A server context presenting the loopback certificate."""
    files = _paths()
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(files["cert"], files["key"])
    return context
