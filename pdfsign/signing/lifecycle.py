"""A signer certificate's lifecycle (DOMAIN.md, "Accounts and credentials"; seed 001).

- Signer certificates are valid :data:`CERTIFICATE_LIFETIME` (5 years) from issue.
- Renaming a signer or the organisation needs a new certificate: a certificate whose subject
  (common name and organisation) is not the signer's *registered name* does not sign.
- A certificate that has expired, or is not valid yet, does not sign; one that ends within
  :data:`EXPIRY_NOTICE` (30 days) is shown to administrators so it is replaced in time.

These are pure rules over a certificate, a registered name and a time; the registry keeps the
names (:mod:`pdfsign.keys`) and :func:`pdfsign.signing.load_signer` applies the rules before
a signer is handed out, so that a refusal comes before anything is signed or written.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from cryptography import x509
from cryptography.x509.oid import NameOID

from pdfsign.errors import SignerCertificateError
from tsa.issued import SIGNER_LIFETIME

__all__ = ["CERTIFICATE_LIFETIME", "EXPIRY_NOTICE", "RegisteredName", "certificate_problem",
           "expires_soon"]

#: How long a signer certificate is issued for (5 years, one leap day included).
CERTIFICATE_LIFETIME = SIGNER_LIFETIME
#: Certificates ending within this are listed for renewal.
EXPIRY_NOTICE = dt.timedelta(days=30)


def _normal(text: str) -> str:
    """NFKC with runs of white space as one space: ``山田　太郎`` is ``山田 太郎``."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _attribute(name: x509.Name, oid: x509.ObjectIdentifier) -> str:
    values = name.get_attributes_for_oid(oid)
    return str(values[0].value) if values else ""


@dataclass(frozen=True)
class RegisteredName:
    """Who a signer is, as registered: the person (common name) and the organisation."""

    common_name: str
    organization: str

    @classmethod
    def of(cls, certificate: x509.Certificate) -> RegisteredName:
        """The name a certificate's subject gives (CN and O)."""
        subject = certificate.subject
        return cls(_attribute(subject, NameOID.COMMON_NAME),
                   _attribute(subject, NameOID.ORGANIZATION_NAME))

    def matches(self, other: RegisteredName) -> bool:
        """The same name, compared after NFKC and white-space normalisation."""
        return (_normal(self.common_name), _normal(self.organization)) == (
            _normal(other.common_name), _normal(other.organization))

    def __str__(self) -> str:
        return f"{self.common_name} ({self.organization})" if self.organization \
            else self.common_name


def expires_soon(not_after: dt.datetime, at: dt.datetime) -> bool:
    """Whether a certificate ending at ``not_after`` ends within :data:`EXPIRY_NOTICE` of ``at``
    (or has ended)."""
    return not_after - at <= EXPIRY_NOTICE


def certificate_problem(certificate: x509.Certificate, *, registered: RegisteredName,
                        at: dt.datetime) -> SignerCertificateError | None:
    """Why ``certificate`` may not sign at ``at`` for a signer registered as ``registered``.

    RFC 5280 §4.1.2.5: valid from notBefore to notAfter, both inclusive.

    :return: the refusal (``field="signer"``), or ``None`` when it may sign.
    """
    if at.utcoffset() is None:
        raise ValueError("at must be timezone-aware")
    ends, starts = certificate.not_valid_after_utc, certificate.not_valid_before_utc
    if at > ends:
        return SignerCertificateError(
            f"署名者の証明書は{ends:%Y-%m-%d}に有効期限が切れています。新しい証明書が必要です / "
            f"the signer's certificate expired on {ends:%Y-%m-%d}: it needs a new certificate",
            field="signer")
    if at < starts:
        return SignerCertificateError(
            f"署名者の証明書は{starts:%Y-%m-%d}まで有効になりません / the signer's certificate "
            f"is not valid before {starts:%Y-%m-%d}", field="signer")
    subject = RegisteredName.of(certificate)
    if not subject.matches(registered):
        return SignerCertificateError(
            f"証明書の名義（{subject}）が登録された署名者名（{registered}）と一致しません。"
            f"氏名または組織名の変更には新しい証明書が必要です / the certificate names "
            f"{subject}, but the signer is registered as {registered}: a renamed signer or "
            "organisation needs a new certificate", field="signer")
    return None
