"""A throw-away PKI for the signing tests: a root CA and signing certificates made with `cryptography`, with the
key usage real signing certificates have (digitalSignature + nonRepudiation), as a .p12 and on a SoftHSM2 token."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

SOFTHSM_LIB = next((p for p in ("/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
                                "/usr/lib64/pkcs11/libsofthsm2.so") if os.path.exists(p)), None)
PIN = "123456"
SO_PIN = "12345678"
P12_PASSWORD = "mật-khẩu 1"


@dataclass
class Identity:
    key: rsa.RSAPrivateKey
    cert: x509.Certificate


def _name(common: str, organisation: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, common)])


def make_ca(common: str = "CA thử nghiệm cdht") -> Identity:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = _name(common, "Tổ chức cấp thử nghiệm")
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=3650))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return Identity(key, cert)


def make_signer(ca: Identity, common: str, organisation: str) -> Identity:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(_name(common, organisation)).issuer_name(ca.cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1)).not_valid_after(now + dt.timedelta(days=365))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
            .sign(ca.key, hashes.SHA256()))
    return Identity(key, cert)


def write_p12(identity: Identity, ca: Identity, path: Path, password: str = P12_PASSWORD) -> Path:
    path.write_bytes(pkcs12.serialize_key_and_certificates(
        b"signer", identity.key, identity.cert, [ca.cert],
        serialization.BestAvailableEncryption(password.encode())))
    return path


def write_root(ca: Identity, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / "goc.pem"
    target.write_bytes(ca.cert.public_bytes(serialization.Encoding.PEM))
    return folder


def softhsm_available() -> bool:
    return bool(SOFTHSM_LIB) and shutil.which("softhsm2-util") is not None and shutil.which("pkcs11-tool") is not None


def softhsm_token(base: Path, identity: Identity, label: str = "cdht-token", key_label: str = "ky-so") -> dict:
    """A SoftHSM2 token in `base` holding the identity's key and certificate; returns the environment to use it."""
    tokens = base / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = base / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    env = dict(os.environ, SOFTHSM2_CONF=str(conf))
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", PIN, "--so-pin", SO_PIN],
                   env=env, check=True, capture_output=True)
    key_der = base / "key.der"
    key_der.write_bytes(identity.key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                                                   serialization.NoEncryption()))
    cert_der = base / "cert.der"
    cert_der.write_bytes(identity.cert.public_bytes(serialization.Encoding.DER))
    for kind, path in (("privkey", key_der), ("cert", cert_der)):
        subprocess.run(["pkcs11-tool", "--module", SOFTHSM_LIB, "--token-label", label, "--login", "--pin", PIN,
                        "--write-object", str(path), "--type", kind, "--id", "01", "--label", key_label],
                       env=env, check=True, capture_output=True)
    key_der.unlink()
    return env
