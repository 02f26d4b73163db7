"""Our verifier against an independent one: ``pyhanko sign adesverify``, on every sample.

Both must give the same valid / not-valid answer on every signed file the verification
samples make, online (the services answer at the PKI's URLs) and offline (nothing is
fetched: ``--offline`` for us; for pyHanko, a ``--validation-time``, for which its
``NO_HISTORICAL_FETCH`` rule fetches nothing).  pyHanko's command runs in this process
through its own click entry point (the same code as the ``pyhanko`` executable, without a
second's start-up per file).

Where we are deliberately stricter, :data:`STRICTER` names the sample and the reason; a
sample where we would say valid and pyHanko would not is always a failure.
"""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner
from pyhanko.cli import cli_root
from verify_samples import EXPECTED, SampleSet

from verify import Verdict, load_trust_settings, verify_pdf

#: Samples where we say not valid and pyHanko says valid, with the reason; (sample, mode).
#: Online, pyHanko validates a signature at the current time first and, when the signer's
#: certificate is good now, reports VALID whatever else the file holds.
STRICTER: dict[tuple[str, str], str] = {
    ("es-a-stale-revinfo", "offline"):
        "its DSS was filled before the signature existed: ETSI EN 319 102-1 §5.6.2.1 needs "
        "revocation data issued after the proof of existence; pyHanko's time slide uses the "
        "data's last usable date instead (see verify/poe.py)",
    ("expired", "online"):
        "the signer's certificate expired a year before the signature time-stamp; pyHanko's "
        "bottom line says VALID although its own past validation found no control time "
        "(ETSI EN 319 102-1 §5.5.4: a signature proven made after expiry is not valid)",
    ("contents-padding", "online"):
        "non-zero bytes after the CMS structure inside /Contents: data that no signature "
        "covers; pyHanko ignores what follows the CMS structure",
    ("flipped-signature", "online"):
        "a byte of the signature time-stamp token inside the CMS is changed, so the token's "
        "signature fails; pyHanko judges the signature at the current time without it",
    ("wrong-imprint", "online"):
        "the signature time-stamp stamps other data than this signature; pyHanko judges the "
        "signature at the current time without it",
    ("trailing-garbage", "online"):
        "bytes after the last %%EOF that are no valid incremental update; pyHanko reads the "
        "last revision and ignores them",
    ("hidden-object", "online"):
        "an object appended after signing that no cross-reference section lists, behind a "
        "repeated trailer; pyHanko reads the last revision and never sees it",
}


def _pyhanko_valid(samples: SampleSet, name: str, *, offline_at: dt.datetime | None) -> bool:
    args = ["sign", "adesverify", "--trust", str(samples.root), "--trust-replace",
            "--executive-summary"]
    if offline_at is not None:
        args += ["--validation-time", offline_at.isoformat()]
    result = CliRunner().invoke(cli_root, [*args, str(samples.path(name))])
    lines = [line for line in result.stdout.splitlines() if ":" in line and line.strip()]
    verdicts = [line for line in lines if line.rsplit(":", 1)[-1] in ("VALID", "INVALID")
                or "INTACT" in line or "INVALID" in line]
    return result.exit_code == 0 and bool(verdicts) and all(
        v.endswith(":VALID") for v in verdicts)


@pytest.mark.parametrize("mode", ["online", "offline"])
@pytest.mark.parametrize("name", list(EXPECTED))
def test_same_answer_as_pyhanko(samples: SampleSet, pki_url_server: str, name: str,
                                mode: str) -> None:
    at = dt.datetime.now(dt.UTC)
    offline = mode == "offline"
    settings = load_trust_settings(trust=[samples.root], offline=offline)
    path = samples.path(name)
    ours = verify_pdf(path.read_bytes(), path=str(path), settings=settings,
                      at=at).verdict is Verdict.VALID
    theirs = _pyhanko_valid(samples, name, offline_at=at if offline else None)
    if (name, mode) in STRICTER:
        assert (ours, theirs) == (False, True), STRICTER[(name, mode)]
    else:
        assert ours == theirs, f"pdfsign says {'' if ours else 'not '}valid, pyHanko " \
                               f"{'' if theirs else 'not '}valid"
