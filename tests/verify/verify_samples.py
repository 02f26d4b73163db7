"""Signed PDFs for the verification tests, built from the committed test PKI.

Signing uses pyHanko directly with a timestamper over the fixture TSA key, and
revocation data comes from CRLs made here from the fixture CA keys (supplied to
the verifier with ``--crl``), so these samples need no server.  The broken
samples are made from the good ones with byte edits and pikepdf/pyHanko
incremental updates, one per failure class the verifier must recognise.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
from asn1crypto import crl as asn1_crl
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from pyhanko.keys import load_cert_from_pemder, load_private_key_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.timestamps import TimeStamper
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
from pyhanko_certvalidator import ValidationContext

from pdfsign.signing import Level as SigningLevel
from pdfsign.signing import load_signer, sign_pdf, signing_services
from tsa.pki import Pki

__all__ = ["EXPECTED", "SampleSet", "base_pdf", "incremental_samples", "make_crls",
           "product_signed", "sign", "sign_with_wrong_imprint", "tamper_samples", "with_dss"]


#: What each sample must be judged: name → (verdict, level).
EXPECTED: dict[str, tuple[str, str | None]] = {
    "es-t": ("valid", "B-T"),
    "es-a": ("valid", "B-LTA"),
    "xref-streams": ("valid", "B-T"),
    "b-lt": ("valid", "B-LT"),
    # pyHanko's one-pass B-LTA: its DSS was filled before the signature existed
    "es-a-stale-revinfo": ("indeterminate", None),
    "not-signed": ("not-signed", None),
    "empty": ("malformed", None),
    "not-a-pdf": ("malformed", None),
    "truncated": ("malformed", None),
    "tampered-bytes": ("invalid-integrity", None),
    "tampered-sigdict": ("malformed", None),
    "zeroed-contents": ("malformed", None),
    "garbage-contents": ("malformed", None),
    "flipped-signature": ("invalid-integrity", None),
    "contents-padding": ("invalid-integrity", None),
    "partial-byterange": ("invalid-integrity", None),
    "wrapped-byterange": ("invalid-integrity", None),
    "trailing-garbage": ("invalid-integrity", None),
    "hidden-object": ("invalid-integrity", None),
    "changed-content": ("modified-after-signing", None),
    "swapped-content": ("modified-after-signing", None),
    "added-page": ("modified-after-signing", None),
    "added-annotation": ("modified-after-signing", None),
    "es-a-changed-content": ("modified-after-signing", None),
    "es-a-swapped-content": ("modified-after-signing", None),
    "es-a-added-page": ("modified-after-signing", None),
    "es-a-added-annotation": ("modified-after-signing", None),
    "revoked": ("revoked", None),
    "expired": ("expired", None),
    "untrusted": ("untrusted", None),
    "wrong-imprint": ("invalid-integrity", None),
}


@dataclass(frozen=True)
class SampleSet:
    """The sample folder, the CRL files to supply and when the samples were signed."""

    directory: Path
    root: Path
    crl_files: tuple[Path, ...]
    signed_at: dt.datetime

    def path(self, name: str) -> Path:
        """The file of sample ``name`` (a key of :data:`EXPECTED`)."""
        return self.directory / f"{name}.pdf"


def base_pdf(*, xref_streams: bool = False) -> bytes:
    """A one-page PDF with some text, the document every sample signs.

    :param xref_streams: write cross-reference streams and object streams (PDF 1.5)
        instead of a classic xref table.
    """
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    font = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica))
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page.Contents = pdf.make_stream(b"BT /F1 24 Tf 72 760 Td (Guarantee 1,000,000 JPY) Tj ET")
    out = io.BytesIO()
    mode = pikepdf.ObjectStreamMode.generate if xref_streams else pikepdf.ObjectStreamMode.disable
    pdf.save(out, compress_streams=False, object_stream_mode=mode)
    return out.getvalue()


def _crl(pki: Pki, issuer: str, serials: list[tuple[int, dt.datetime]],
         issued: dt.datetime) -> bytes:
    builder = (x509.CertificateRevocationListBuilder()
               .issuer_name(pki.certificate(issuer).subject)
               .last_update(issued)
               .next_update(issued + dt.timedelta(days=7)))
    for serial, when in serials:
        builder = builder.add_revoked_certificate(
            x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(when).build())
    key = pki.private_key(issuer)
    return builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)


def make_crls(pki: Pki, at: dt.datetime, *,
              issued: dt.datetime | None = None) -> dict[str, bytes]:
    """Fresh CRLs of the root and the issuing CA (DER), listing the PKI's revocations.

    :param issued: their thisUpdate; default five minutes before ``at``.
    """
    revoked = [(r.serial, r.revoked_at) for r in pki.revocations if r.issuer == "ca"]
    issued = issued or at - dt.timedelta(minutes=5)
    return {"root": _crl(pki, "root", [], issued), "ca": _crl(pki, "ca", revoked, issued)}


def with_dss(signed: bytes, pki: Pki) -> bytes:
    """B-T made B-LT the right way round: CRLs issued in the second of the signature
    time-stamp (not before it) and the chain, added to the DSS as an incremental update."""
    reader = PdfFileReader(io.BytesIO(signed))
    signature = reader.embedded_regular_signatures[0]
    token = next(extract_tst_data_iter(signature.signer_info, signed=False))
    gen_time: dt.datetime = token["encap_content_info"]["content"].parsed["gen_time"].native
    crls = make_crls(pki, gen_time, issued=gen_time.replace(microsecond=0))
    out = io.BytesIO(signed)
    DocumentSecurityStore.add_dss(
        out, sig_contents=None, crls=[asn1_crl.CertificateList.load(c) for c in crls.values()],
        certs=[load_cert_from_pemder(str(pki.path(f"{name}.pem"))) for name in ("ca", "tsa")])
    return out.getvalue()


def _timestamper(pki: Pki, at: dt.datetime) -> DummyTimeStamper:
    return DummyTimeStamper(
        tsa_cert=load_cert_from_pemder(str(pki.path("tsa.pem"))),
        tsa_key=load_private_key_from_pemder(str(pki.directory / "tsa.key.pem"), None),
        certs_to_embed=None, fixed_dt=at)


def sign(pdf: bytes, pki: Pki, *, signer: str, lta: bool, at: dt.datetime,
         crls: dict[str, bytes], timestamper: TimeStamper | None = None,
         dss: bool | None = None) -> bytes:
    """Sign ``pdf`` as PAdES B-T (``lta=False``) or B-LTA, time-stamped at ``at``.

    ``dss=True`` with ``lta=False`` gives B-LT: validation data in the DSS, no archive timestamp.

    Unlike ``pdfsign.signing``, this signs with any signer (revoked, expired, untrusted),
    which the product rightly refuses to do.
    """
    entry = pki.signer(signer)
    cms_signer = signers.SimpleSigner.load_pkcs12(str(entry.p12), passphrase=entry.pin.encode())
    assert cms_signer is not None
    vc = ValidationContext(
        trust_roots=[load_cert_from_pemder(str(pki.path("root.pem")))],
        crls=list(crls.values()), allow_fetching=False, moment=at,
        other_certs=[load_cert_from_pemder(str(pki.path("ca.pem")))])
    meta = signers.PdfSignatureMetadata(
        field_name="Signature1", subfilter=SigSeedSubFilter.PADES,
        embed_validation_info=lta if dss is None else dss, use_pades_lta=lta,
        validation_context=vc if (lta or dss) else None)
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=cms_signer,
                           timestamper=timestamper or _timestamper(pki, at))
    return out.getvalue()


def _flip_in_signed_range(data: bytes) -> bytes:
    """Change one byte of the page content, inside the signed range."""
    at = data.index(b"Guarantee 1,000,000")
    return data[:at] + b"G" + data[at + 1:at + 10] + b"9" + data[at + 11:]


def _contents_span(data: bytes) -> tuple[int, int]:
    match = re.search(rb"/Contents\s*<([0-9a-fA-F]+)>", data)
    assert match is not None
    return match.start(1), match.end(1)


def tamper_samples(good: bytes) -> dict[str, bytes]:
    """Byte-edited copies of a good B-T file, one per integrity failure class."""
    start, end = _contents_span(good)
    hexsig = good[start:end]
    zeroed = good[:start] + b"0" * (end - start) + good[end:]
    garbage = good[:start] + (b"4a" * ((end - start) // 2)) + good[end:]
    # the RSA signature value is the last non-padding bytes of the CMS blob
    stripped = hexsig.rstrip(b"0")
    flip_at = start + len(stripped) - 40
    flipped = good[:flip_at] + (b"1" if good[flip_at:flip_at + 1] != b"1" else b"2") \
        + good[flip_at + 1:]
    br = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", good)
    assert br is not None
    a, b, c, d = (int(x) for x in br.groups())

    def with_byterange(values: str) -> bytes:
        text = f"/ByteRange [{values}]".encode()
        text = text.ljust(br.end() - br.start())
        return good[:br.start()] + text + good[br.end():]

    return {
        "tampered-bytes": _flip_in_signed_range(good),
        "zeroed-contents": zeroed,
        "garbage-contents": garbage,
        "flipped-signature": flipped,
        # data hidden in the zero padding of /Contents, which no signature covers
        "contents-padding": good[:end - 8] + b"cafe0001" + good[end:],
        "partial-byterange": with_byterange(f"{a} {b} {c} {d - 10}"),
        "wrapped-byterange": with_byterange(f"{a} {b + 2} {c} {d}"),
        "tampered-sigdict": good.replace(b"/SubFilter /ETSI.CAdES.detached",
                                         b"/SubFilter /ETSI.CAdES.detachex", 1),
        "truncated": good[: len(good) // 2],
        "trailing-garbage": good + b"\n% appended garbage that is not an update\n" * 3,
        # an appended object that no xref section lists, hidden behind a repeated trailer
        "hidden-object": good + b"9 0 obj\n<< /Evil true >>\nendobj\n"
        + good[good.rindex(b"startxref"):],
    }


def incremental_samples(good: bytes) -> dict[str, bytes]:
    """Incremental updates after signing: new or swapped page content, a page, an annotation."""
    return {name: _update(good, name)
            for name in ("changed-content", "swapped-content", "added-page", "added-annotation")}


def _update(good: bytes, name: str) -> bytes:
    """Apply the change ``name`` as a real incremental update with pyHanko's writer."""
    writer = IncrementalPdfFileWriter(io.BytesIO(good))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    new_text = b"BT /F1 24 Tf 72 760 Td (Guarantee 9,000,000 JPY) Tj ET"
    if name == "changed-content":
        page["/Contents"] = writer.add_object(generic.StreamObject(stream_data=new_text))
        writer.update_container(page)
    elif name == "swapped-content":
        # the same object number, redefined through the new xref section only
        ref = page.raw_get("/Contents")
        writer.objects[(ref.generation, ref.idnum)] = generic.StreamObject(stream_data=new_text)
    elif name == "added-page":
        writer.insert_page(generic.DictionaryObject({
            generic.NameObject("/Type"): generic.NameObject("/Page"),
            generic.NameObject("/MediaBox"): generic.ArrayObject(
                [generic.NumberObject(v) for v in (0, 0, 595, 842)]),
            generic.NameObject("/Resources"): generic.DictionaryObject(),
        }))
    else:
        annot = writer.add_object(generic.DictionaryObject({
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/Square"),
            generic.NameObject("/Rect"): generic.ArrayObject(
                [generic.NumberObject(v) for v in (100, 100, 300, 300)]),
        }))
        page["/Annots"] = generic.ArrayObject([annot])
        writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class _WrongImprintTimeStamper(DummyTimeStamper):
    """Stamps a different digest than it is given: a token that does not match its signature."""

    async def async_timestamp(self, message_digest: bytes, md_algorithm: str) -> Any:
        wrong = bytes(b ^ 0xFF for b in message_digest)
        return await super().async_timestamp(wrong, md_algorithm)


def sign_with_wrong_imprint(pdf: bytes, pki: Pki, *, at: dt.datetime) -> bytes:
    """A B-T file whose signature timestamp's message imprint is not its signature's."""
    entry = pki.signer("staff")
    cms_signer = signers.SimpleSigner.load_pkcs12(str(entry.p12), passphrase=entry.pin.encode())
    assert cms_signer is not None
    base = _timestamper(pki, at)
    stamper = _WrongImprintTimeStamper(tsa_cert=base.tsa_cert, tsa_key=base.tsa_key, fixed_dt=at)
    meta = signers.PdfSignatureMetadata(field_name="Signature1", subfilter=SigSeedSubFilter.PADES)
    out = signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=cms_signer,
                           timestamper=stamper)
    return out.getvalue()


def product_signed(pki: Pki, at: dt.datetime) -> dict[str, bytes]:
    """ES-T and ES-A signed by ``pdfsign.signing`` (in-process revocation services)."""
    services = signing_services(pki_dir=pki.directory, state_dir=None)
    entry = pki.signer("staff")
    signer = load_signer(entry.p12, entry.pin)
    return {name: sign_pdf(base_pdf(), signer=signer, level=level,
                           timestamper=services.timestamper,
                           validation_context_factory=services.validation_context, at=at,
                           field_name="Signature1", reason="保証書の発行", location=None)
            for name, level in (("es-t", SigningLevel.ES_T), ("es-a", SigningLevel.ES_A))}
