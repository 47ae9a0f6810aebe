"""x509-signed commits (gpgsm, smimesign) count when their certificate chains to a pinned root.

A real CA hierarchy is made with ``cryptography``: a root and a signing certificate it issued
for Alice. Alice signs a commit with gpgsm through real git; golive verifies it in a fresh
GNUPGHOME that trusts only the roots the policy pins.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from git_support import Repo, gpgsm, x509_commit
from part2_support import one, policy

from golive.core.gate import Outcome
from golive.errors import UsageError
from golive.vcs import git

pytestmark = pytest.mark.skipif(shutil.which("gpgsm") is None, reason="gpgsm is not installed")

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(2036, 1, 1, tzinfo=dt.UTC)

SIGNED_X509 = policy(
    """
    environments:
      - id: production
    gates:
      - id: signed
        type: signed_commits
        params: {x509_roots: .github/x509-roots.pem}
    """
)


def _name(cn: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, cn),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example"),
        ]
    )


def _root(cn: str) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(cn))
        .issuer_name(_name(cn))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(START)
        .not_valid_after(END)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True,
                crl_sign=True, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )  # fmt: skip
    return key, cert


def _issue(root_key: rsa.RSAPrivateKey, root: x509.Certificate, csr_pem: bytes) -> x509.Certificate:
    """Alice's signing certificate, issued by the root for the key of her request."""
    csr = x509.load_pem_x509_csr(csr_pem)
    return (
        x509.CertificateBuilder()
        .subject_name(csr.subject)
        .issuer_name(root.subject)
        .public_key(csr.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(START)
        .not_valid_after(END)
        .add_extension(
            x509.SubjectAlternativeName([x509.RFC822Name("alice@example.com")]), critical=False
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False,
                crl_sign=False, encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), False)
        .sign(root_key, hashes.SHA256())
    )  # fmt: skip


def _pem(*certs: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certs)


@pytest.fixture
def world(tmp_path: Path):
    """A repository whose head commit Alice signed with gpgsm; the CA's root and another."""
    root_key, root = _root("Example Root CA")
    _, other_root = _root("Other Root CA")
    home = tmp_path / "alice-gnupg"
    home.mkdir(mode=0o700)
    (home / "gpg-agent.conf").write_text("allow-loopback-pinentry\n")
    (home / "gpgsm.conf").write_text("disable-crl-checks\ndisable-ocsp\n")
    params = tmp_path / "params"
    params.write_text(
        "Key-Type: RSA\nKey-Length: 2048\nKey-Usage: sign\n"
        "Name-DN: CN=Alice,O=Example\nName-Email: alice@example.com\n"
    )
    try:
        # Alice's key stays in her agent; the CA signs her request
        gpgsm(home, "--armor", "--gen-key", "--output", str(tmp_path / "alice.csr"), str(params))
        cert = _issue(root_key, root, (tmp_path / "alice.csr").read_bytes())
        (tmp_path / "chain.pem").write_bytes(_pem(root, cert))
        gpgsm(home, "--import", str(tmp_path / "chain.pem"))
        root_fpr = root.fingerprint(hashes.SHA1()).hex().upper()
        (home / "trustlist.txt").write_text(f"{root_fpr} S relax\n")
        repo = Repo(tmp_path / "repo")
        (repo.path / ".github").mkdir()
        (repo.path / ".github" / "x509-roots.pem").write_bytes(_pem(root))
        repo.git("add", ".github")
        base = repo.commit("base.txt")
        (repo.path / "a.txt").write_text("a")
        repo.git("add", "a.txt")
        leaf_fpr = cert.fingerprint(hashes.SHA1()).hex().upper()
        x509_commit(repo, home, leaf_fpr, "x509 change")
        yield {"repo": repo, "base": base, "root": root, "other": other_root, "tmp": tmp_path}
    finally:
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "all"], check=False)


def _facts(world: dict, roots_pem: bytes) -> object:
    roots = world["tmp"] / "pinned.pem"
    roots.write_bytes(roots_pem)
    return git.gather(
        git.GitRequest(repo=world["repo"].path, base=world["base"], x509_roots=roots, verify=True)
    )


def test_a_commit_signed_under_a_pinned_root_is_good_and_passes(world) -> None:
    facts = _facts(world, _pem(world["root"]))
    (commit,) = facts.commits
    assert commit.signature == "G"
    assert "CN=Alice" in commit.signer
    assert one(SIGNED_X509, "signed", repo=facts).outcome is Outcome.PASS


def test_a_commit_signed_under_another_root_never_counts(world) -> None:
    facts = _facts(world, _pem(world["other"]))
    (commit,) = facts.commits
    assert commit.signature != "G"
    assert one(SIGNED_X509, "signed", repo=facts).outcome is Outcome.FAIL


def test_a_roots_file_without_a_root_certificate_is_bad_input(world, tmp_path) -> None:
    with pytest.raises(UsageError, match="no self-signed x509 root certificate"):
        _facts(
            world, b"-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n"
        )


def test_the_pinned_roots_are_read_at_the_base_so_a_change_cannot_add_its_own(world) -> None:
    from golive.services import gate_facts

    repo: Repo = world["repo"]
    # the change replaces the pinned roots with another CA's: the base's file still decides
    (repo.path / ".github" / "x509-roots.pem").write_bytes(_pem(world["other"]))
    more = gate_facts.MoreFacts(repo=repo.path, base=world["base"])
    gathered = gate_facts.gather(
        more,
        SIGNED_X509.policy,
        "production",
        "pre-deploy",
        __import__("golive.core.gate", fromlist=["Candidate"]).Candidate(),
    )
    facts = gathered.fields["repo"]
    (commit,) = facts.commits
    assert commit.signature == "G"
