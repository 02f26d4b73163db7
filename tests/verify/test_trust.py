"""verify.trust: trust only from the files given; unreadable input is named."""

from __future__ import annotations

from pathlib import Path

import pytest
from verify_samples import SampleSet

from verify import TrustInputError, TrustSettings, load_trust_settings


def test_pem_bundle_and_der_crls(samples: SampleSet, tmp_path: Path) -> None:
    bundle = tmp_path / "bundle.pem"
    ca = samples.root.with_name("ca.pem")
    bundle.write_bytes(samples.root.read_bytes() + ca.read_bytes())
    settings = load_trust_settings(trust=[bundle], crls=samples.crl_files, offline=True)
    assert len(settings.roots) == 2
    assert len(settings.crls) == len(samples.crl_files)
    assert settings.offline


@pytest.mark.parametrize("content", [b"", b"hello", b"-----BEGIN CERTIFICATE-----\nAAAA\n"
                                     b"-----END CERTIFICATE-----\n"])
def test_garbage_trust_file_is_named(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.pem"
    bad.write_bytes(content)
    with pytest.raises(TrustInputError) as info:
        load_trust_settings(trust=[bad])
    assert info.value.field == str(bad)


def test_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(TrustInputError, match="cannot read"):
        load_trust_settings(trust=[tmp_path / "missing.pem"])


def test_a_crl_is_not_a_certificate(samples: SampleSet) -> None:
    with pytest.raises(TrustInputError, match="not a certificate"):
        load_trust_settings(trust=[samples.crl_files[0]])


def test_no_trust_anchor_is_refused() -> None:
    with pytest.raises(TrustInputError, match="trust anchor"):
        TrustSettings(roots=())
