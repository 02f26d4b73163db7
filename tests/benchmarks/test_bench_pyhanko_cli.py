"""benchmarks.pyhanko_cli: the baseline commands, run for real against our PKI server."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import pikepdf
import pytest

from benchmarks.pyhanko_cli import (
    addsig_command,
    adesverify_command,
    run_checked,
    run_parallel,
)
from benchmarks.workbench import Workbench


def test_run_parallel_times_every_job_in_input_order() -> None:
    done: list[int] = []
    run = run_parallel([functools.partial(done.append, i) for i in range(5)], workers=2)
    assert sorted(done) == [0, 1, 2, 3, 4]
    assert len(run.durations) == 5
    assert run.seconds > 0
    assert run.per_second > 0


def test_run_parallel_reraises_a_failed_job() -> None:
    def fail() -> None:
        raise RuntimeError("job failed")

    with pytest.raises(RuntimeError, match="job failed"):
        run_parallel([fail], workers=1)


def test_run_checked_refuses_a_non_zero_exit() -> None:
    with pytest.raises(RuntimeError, match="exited 3: oops"):
        run_checked([sys.executable, "-c", "import sys; print('oops'); sys.exit(3)"])


def test_run_checked_refuses_output_without_the_expected_text() -> None:
    command = [sys.executable, "-c", "print('Signature1:abc:INVALID')"]
    with pytest.raises(RuntimeError, match="exited 0"):
        run_checked(command, expect=":VALID")
    assert "INVALID" in run_checked(command)


def test_baseline_signs_b_lta_that_its_verifier_accepts(tmp_path: Path,
                                                       pki_url_server: str) -> None:
    bench = Workbench(work=tmp_path)
    infile, outfile = tmp_path / "in.pdf", tmp_path / "out.pdf"
    with pikepdf.new() as pdf:
        pdf.add_blank_page()
        pdf.save(infile)
    run_checked(addsig_command(infile=infile, outfile=outfile, p12=bench.signer_p12,
                               pin_file=bench.pin_file(), tsa_url=f"{pki_url_server}/tsa",
                               root=bench.root_pem))
    with pikepdf.open(outfile) as signed:
        assert "/DSS" in signed.Root  # validation data embedded (B-LT) ...
        subfilters = [str(f.V.SubFilter) for f in signed.Root.AcroForm.Fields if "/V" in f]
    assert "/ETSI.RFC3161" in subfilters  # ... sealed by a document time-stamp (B-LTA)
    output = run_checked(adesverify_command(infile=outfile, root=bench.root_pem),
                         expect=":VALID")
    assert "Signature1" in output
