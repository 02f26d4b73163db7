"""The inputs every figure group shares: the test PKI, the sample documents, a work folder.

Documents are the committed samples; :meth:`Workbench.guarantee` varies the customer and
guarantee numbers so that each issue in a run gets its own file ID.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["PIN", "REPO", "SIGNER", "Workbench"]

#: The repository (``benchmarks/`` lives in it).
REPO = Path(__file__).resolve().parent.parent
#: The test signer and its PIN (``fixtures/pki/README.md``: TEST KEYS ONLY).
SIGNER, PIN = "staff", "TestPin2026"


@dataclass(frozen=True)
class Workbench:
    """Where the run reads its inputs and writes its scratch files."""

    #: A scratch folder, removed after the run.
    work: Path
    #: The PKI folder (keys, certificates, ``pki.json``).
    pki_dir: Path = REPO / "fixtures" / "pki"
    #: The sample data files, one per document kind.
    samples_dir: Path = REPO / "fixtures" / "samples"

    @property
    def signer_p12(self) -> Path:
        """The signer's PKCS#12 file."""
        return self.pki_dir / "signers" / f"{SIGNER}.p12"

    @property
    def root_pem(self) -> Path:
        """The trust anchor."""
        return self.pki_dir / "root.pem"

    def folder(self, name: str) -> Path:
        """A fresh sub-folder of the work folder."""
        path = self.work / name
        path.mkdir(parents=True, exist_ok=False)
        return path

    def sample(self, name: str) -> dict[str, Any]:
        """The committed sample ``<name>.json``."""
        text = (self.samples_dir / f"{name}.json").read_text(encoding="utf-8")
        data: dict[str, Any] = json.loads(text)
        return data

    def guarantee(self, index: int) -> dict[str, Any]:
        """The sample guarantee certificate with numbers unique to ``index``.

        The customer number (9 digits) and guarantee number (10 digits) both change, so the
        file ID ``AA_BBBBCCC_DDDDDDDDD_EEEEEEEEEE_FFF`` is new for every index.
        """
        data = copy.deepcopy(self.sample("guarantee"))
        data["customer_number"] = f"{100_000_000 + index:09d}"
        data["guarantee_number"] = 3_000_000_000 + index
        return data

    def pin_file(self) -> Path:
        """A file holding the PIN (mode 0600), for commands that read it from a file."""
        path = self.work / "pin.txt"
        if not path.exists():
            path.touch(mode=0o600)
            path.write_text(PIN, encoding="utf-8")
        return path
