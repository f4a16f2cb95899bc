"""Looking at exported documents as their reader would: text read back from the PDF
(poppler's pdftotext, laid out), pages rendered to PNG (pdftoppm), DOCX and ODT rendered
by LibreOffice, the PDF's structure tree and language read from its objects."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import unicodedata
import zlib
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
SPACES = re.compile(r"[\s\u00a0\u202f\u200b]+")
# What a French amount looks like once read back: « 21 000,00 € », « −1 000,00 € ».
AMOUNT = re.compile(r"[−-]?\d{1,3}(?:[ \u00a0\u202f]\d{3})*,\d{2}[ \u00a0\u202f]?€")


def need(tool: str) -> str:
    path = shutil.which(tool)
    if path is None:
        pytest.skip(f"{tool} is not installed")
    return path


def flat(text: str) -> str:
    """Text with every kind of space as one space (pdftotext keeps no-break spaces)."""
    return SPACES.sub(" ", text).strip()


def pdf_text(data: bytes) -> str:
    need("pdftotext")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(data)
        return subprocess.run(
            ["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True
        ).stdout


def pdf_info(data: bytes, *options: str) -> str:
    need("pdfinfo")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(data)
        return subprocess.run(
            ["pdfinfo", *options, str(path)], capture_output=True, check=True, text=True
        ).stdout


def pdf_fonts(data: bytes) -> list[dict]:
    """pdffonts' table: each font's name and whether it is embedded."""
    need("pdffonts")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(data)
        listing = subprocess.run(
            ["pdffonts", str(path)], capture_output=True, check=True, text=True
        ).stdout
    fonts = []
    for row in listing.splitlines()[2:]:
        fields = row.split()
        # name type… encoding emb sub uni object ID: « emb » is the fifth field from the end.
        fonts.append({"name": fields[0], "embedded": fields[-5] == "yes"})
    return fonts


def pdf_objects(data: bytes) -> bytes:
    """The PDF's bytes with every compressed stream inflated (object streams included),
    to read the catalog's /Lang and /StructTreeRoot."""
    parts = [data]
    for match in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", match.end())
        try:
            parts.append(zlib.decompress(data[match.end() : end]))
        except zlib.error:
            continue
    return b"\n".join(parts)


def to_png(data: bytes, name: str, *, first: int = 1, last: int | None = None, dpi: int = 60):
    """Pages of a PDF as tests/artifacts/<name>-<n>.png, to look at."""
    need("pdftoppm")
    ARTIFACTS.mkdir(exist_ok=True)
    for stale in ARTIFACTS.glob(f"{name}-*.png"):
        stale.unlink()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "document.pdf"
        path.write_bytes(data)
        command = ["pdftoppm", "-r", str(dpi), "-png", "-f", str(first)]
        if last is not None:
            command += ["-l", str(last)]
        subprocess.run([*command, str(path), str(ARTIFACTS / name)], check=True)
    return sorted(ARTIFACTS.glob(f"{name}-*.png"))


def office_to_pdf(data: bytes, suffix: str) -> bytes:
    """A DOCX or ODT as LibreOffice prints it (its own profile, so parallel runs and a
    running LibreOffice do not interfere)."""
    need("soffice")
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / f"document.{suffix}"
        source.write_bytes(data)
        profile = Path(folder) / "profile"
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                folder,
                str(source),
            ],
            capture_output=True,
            check=True,
            timeout=180,
        )
        return (Path(folder) / "document.pdf").read_bytes()


def amounts_on_one_line(text: str, amounts: list[str]) -> list[str]:
    """The expected amounts that no line of the laid-out text holds whole (an amount split
    at its thousands separator or before « € » is one of them)."""
    lines = [flat(line) for line in text.splitlines()]
    return [a for a in amounts if not any(flat(a) in line for line in lines)]


def orphan_euro_signs(text: str) -> list[str]:
    """Lines where « € » does not follow its number (the sign wrapped away from it); a
    blank to fill in by hand (« ……… € ») is not one."""
    out = []
    for line in text.splitlines():
        for match in re.finditer("€", line):
            before = line[: match.start()].rstrip(" \u00a0\u202f")
            if not re.search(r"(\d,\d{2}|…)$", before):
                out.append(line)
    return out


def control_characters(text: str) -> list[str]:
    """Characters no document may carry: controls other than newline and tab, bidi
    overrides and isolates."""
    bidi = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    return [
        repr(c) for c in text if (unicodedata.category(c) == "Cc" and c not in "\n\t") or c in bidi
    ]
