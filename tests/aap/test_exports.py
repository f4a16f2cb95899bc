"""The dossier a funder receives, read back in its three formats as the funder's officer
would: every section numbered and « Rédigée par » in italics, lists restarting per section,
the Cerfa 12156 budget in two columns (charges left, produits right, totals level,
contributions in kind below) with no internal « Écart » row, amounts that never break, the
attestation page and the attachments; pasted control characters and hostile text inert.
DOCX and ODT are opened with python-docx and odfpy and printed by LibreOffice; the PDF is
read with pdftotext and pdfinfo; pages go to tests/artifacts/ to be looked at."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import pytest
from docx import Document
from kernel.document_checks import (
    amounts_on_one_line,
    control_characters,
    flat,
    office_to_pdf,
    orphan_euro_signs,
    pdf_info,
    pdf_objects,
    pdf_text,
    to_png,
)
from odf import table as odf_table
from odf import teletype
from odf import text as odf_text
from odf.opendocument import load as load_odt

from aap.aap_support import (
    BASSE_MASURE_DIRECTOR,
    ECHO_DIRECTOR,
    FRESNOY_DIRECTOR,
    fill_answer,
    load,
)
from ensemble.aap import exports
from ensemble.aap import operations as aap
from ensemble.kernel.documents import clean_text
from ensemble.kernel.french import euros
from ensemble.tenancy import context

from conftest import sign_in

FRESNOY = "/c/fresnoy-mackellerie/aap"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
AMOUNTS = [
    "20 000,00 €",  # ECHO's salaries, and the total of charges
    "19 000,00 €",  # the total of produits
    "14 000,00 €",
    "5 000,00 €",
    "1 250,00 €",
]
NAMES = ["Centre Social ECHO", "Centre Social Fresnoy Mackellerie", "Centre Social Basse Masure"]


def _client(app, email):
    client = app.test_client()
    assert sign_in(client, email).status_code == 302
    return client


def _write(demo, session, answer_id, email, code, body):
    with context.using(demo.context_of(email), session) as ctx:
        answer = load(session, answer_id)
        section = next(s for s in answer.sections if s.code == code)
        aap.save_section(
            session, section, base_version=section.current_version, body=body, author_id=ctx.user_id
        )


@pytest.fixture
def dossier(demo, db_session, joint_answer):
    """The test answer filled in, two sections with numbered lists (which must each
    start at 1), pasted text from Word and contributions in kind."""
    fill_answer(demo, db_session, joint_answer)
    answer_id = joint_answer.answer_id
    _write(demo, db_session, answer_id, ECHO_DIRECTOR, "objectifs",
           "<p>Objectifs <strong>prioritaires</strong> et <em>secondaires</em> :</p>"
           "<ol><li>Rompre l’isolement</li><li>Accéder aux droits</li><li>Bouger</li></ol>"
           '<p>Voir <a href="https://lenord.fr/aap">le cahier des charges</a>.</p>')  # fmt: skip
    _write(demo, db_session, answer_id, ECHO_DIRECTOR, "actions",
           "<h3>Ateliers</h3><ol><li>Mémoire</li><li>Gym douce</li></ol>"
           "<p>Texte collé depuis Word\vavec un saut de ligne manuel.</p>")  # fmt: skip
    with context.using(demo.context_of(ECHO_DIRECTOR), db_session):
        answer = load(db_session, answer_id)
        echo = demo.centre("echo")
        aap.add_budget_line(db_session, answer, echo, account="864", label="Bénévolat",
                            amount=Decimal("1250"))  # fmt: skip
        aap.add_budget_line(db_session, answer, echo, account="870", label="Bénévolat",
                            amount=Decimal("1250"))  # fmt: skip
    db_session.flush()
    db_session.expire_all()
    return joint_answer


def _download(app, answer_id, fmt, email=FRESNOY_DIRECTOR):
    response = _client(app, email).get(f"{FRESNOY}/reponses/{answer_id}/dossier.{fmt}")
    assert response.status_code == 200, response.status_code
    assert "attachment" in response.headers["Content-Disposition"]
    return response.data


def _titles(demo, session, answer_id):
    with context.using(demo.context_of(ECHO_DIRECTOR), session):
        return [s.title for s in load(session, answer_id).sections]


def _check_printed(text: str, titles: list[str], where: str) -> None:
    """What the funder reads, whatever the format."""
    flattened = flat(text)
    for number, title in enumerate(titles, start=1):
        assert flat(clean_text(f"{number}. {title}")) in flattened, (where, title)
    assert amounts_on_one_line(text, AMOUNTS) == [], where
    assert orphan_euro_signs(text) == [], where
    # The Cerfa's two columns side by side: both totals, and the header, on one line.
    lines = [flat(line) for line in text.splitlines()]
    assert any("Total des charges" in line and "Total des produits" in line for line in lines), (
        where
    )
    assert any(re.search("Charges .*Montant .*Produits .*Montant", line) for line in lines), where
    assert any("86 – Emplois" in line and "87 – Contributions" in line for line in lines), where
    # Numbered lists restart per section: « 1. Mémoire », not « 4. Mémoire ».
    assert re.search(r"1\. ?Rompre", flattened) and re.search(r"1\. ?Mémoire", flattened), where
    # Names are never cut inside a word.
    words = set(re.findall(r"\w+", text))
    for name in NAMES:
        assert set(name.split()) <= words, (where, name)
    assert "Écart" not in text and "cart (produits" not in text, where
    assert "Je soussigné(e)" in flattened and "Aucune pièce jointe" in flattened, where
    assert control_characters(text.replace("\f", "")) == [], where


def test_the_docx_has_every_section_the_cerfa_budget_and_the_attestation(
    app, demo, db_session, dossier
):
    titles = _titles(demo, db_session, dossier.answer_id)
    data = _download(app, dossier.answer_id, "docx")
    document = Document(io.BytesIO(data))
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[: len(titles)] == [clean_text(f"{n}. {t}") for n, t in enumerate(titles, 1)]
    assert clean_text("Attestation du représentant légal du chef de file") in headings
    # « Rédigée par » in italics, under every section.
    signed = [p for p in document.paragraphs if p.text.startswith("Rédigée par")]
    assert len(signed) == len(titles) and all(all(r.italic for r in p.runs) for p in signed)
    # The manual line break pasted from Word is a line break, not a control character.
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Texte collé depuis Word\navec un saut" in text
    assert control_characters(text) == []
    # Lists restart: the two sections' numbered lists are two numbering instances.
    numbered = {}
    for paragraph in document.paragraphs:
        ppr = paragraph._p.pPr
        if ppr is not None and ppr.numPr is not None and paragraph.text in ("Rompre l’isolement",
                                                                            "Mémoire"):  # fmt: skip
            numbered[paragraph.text] = ppr.numPr.numId.val
    assert len(set(numbered.values())) == 2
    # Bold, italics and a real hyperlink survive.
    runs = [r for p in document.paragraphs for r in p.runs]
    assert any(r.text == "prioritaires" and r.bold for r in runs)
    assert any(r.text == "secondaires" and r.italic for r in runs)
    assert "https://lenord.fr/aap" in [r.target_ref for r in document.part.rels.values()]
    # The Cerfa budget: four columns, charges then produits, amounts right-aligned and
    # never wrapped, the amount columns fitted (narrower than the labels).
    budget = next(t for t in document.tables if t.rows[0].cells[0].text == "Charges")
    assert [c.text for c in budget.rows[0].cells] == ["Charges", "Montant", "Produits", "Montant"]
    cells = {c.text for row in budget.rows for c in row.cells}
    assert {"64 – Charges de personnel", "74 – Subventions d’exploitation"} <= cells
    assert "Département du Nord" in cells and "Total des charges" in cells
    totals = next(r for r in budget.rows if r.cells[0].text == "Total des charges")
    assert [totals.cells[1].text, totals.cells[3].text] == [euros(20000), euros(19000)]
    first = budget.rows[1].cells
    assert first[1].paragraphs[0].alignment == 2 and first[3].paragraphs[0].alignment == 2
    assert first[1]._tc.tcPr.find(f"{W}noWrap") is not None
    assert first[0].width > first[1].width and first[2].width > first[3].width
    all_cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert not [c for c in all_cells if "Écart" in c]
    assert "Aucune pièce jointe." in text and "Je soussigné(e)" in text


def test_the_odt_has_the_same_structure(app, demo, db_session, dossier):
    titles = _titles(demo, db_session, dossier.answer_id)
    opened = load_odt(io.BytesIO(_download(app, dossier.answer_id, "odt")))
    headings = [teletype.extractText(h) for h in opened.getElementsByType(odf_text.H)]
    for number, title in enumerate(titles, start=1):
        assert clean_text(f"{number}. {title}") in headings
    paragraphs = [teletype.extractText(p) for p in opened.getElementsByType(odf_text.P)]
    assert sum(p.startswith("Rédigée par") for p in paragraphs) == len(titles)
    styles = {s.getAttribute("name"): s for s in opened.automaticstyles.childNodes}
    signed = next(
        p for p in opened.getElementsByType(odf_text.P)
        if teletype.extractText(p).startswith("Rédigée par")
    )  # fmt: skip
    written = io.StringIO()
    styles[signed.getAttribute("stylename")].toXml(0, written)
    assert 'fo:font-style="italic"' in written.getvalue()
    # Each section's numbered list is its own list (ODF restarts a new list at 1).
    items = {
        teletype.extractText(lst.getElementsByType(odf_text.ListItem)[0])
        for lst in opened.getElementsByType(odf_text.List)
        if lst.parentNode.tagName == "office:text"
    }
    assert {"Rompre l’isolement", "Mémoire"} <= items
    budget = next(
        t for t in opened.getElementsByType(odf_table.Table)
        if teletype.extractText(t.getElementsByType(odf_table.TableCell)[0]) == "Charges"
    )  # fmt: skip
    assert len(budget.getElementsByType(odf_table.TableColumn)) == 4
    cells = {teletype.extractText(c) for c in opened.getElementsByType(odf_table.TableCell)}
    assert "64 – Charges de personnel" in cells and euros(20000) in cells
    assert not [c for c in cells if "Écart" in c]
    assert control_characters("\n".join(paragraphs)) == []


def test_the_pdf_is_tagged_in_french_and_reads_as_the_cerfa(app, demo, db_session, dossier):
    titles = _titles(demo, db_session, dossier.answer_id)
    data = _download(app, dossier.answer_id, "pdf")
    info = pdf_info(data)
    assert "Tagged:          yes" in info and "Title:" in info
    objects = pdf_objects(data)
    assert b"/Lang (fr-FR)" in objects and b"/StructTreeRoot" in objects
    structure = pdf_info(data, "-struct")
    assert structure.count("H2 (block)") >= len(titles) and "Table" in structure
    text = pdf_text(data)
    _check_printed(text, titles, "pdf")
    assert "Page 2 sur" in flat(text)
    pages = to_png(data, "aap-dossier-pdf", dpi=60)
    assert len(pages) >= 4


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_docx_and_odt_print_as_the_pdf_does(app, demo, db_session, dossier, fmt):
    titles = _titles(demo, db_session, dossier.answer_id)
    printed = office_to_pdf(_download(app, dossier.answer_id, fmt), fmt)
    _check_printed(pdf_text(printed), titles, fmt)
    to_png(printed, f"aap-dossier-{fmt}", dpi=60)


def test_every_party_downloads_every_format_with_pasted_controls(app, demo, db_session, dossier):
    # The 500 of the first pass: a vertical tab (and worse) in a section broke the DOCX.
    _write(demo, db_session, dossier.answer_id, ECHO_DIRECTOR, "public",
           "<p>Collé\v depuis Word\x0b\x1b\x07 et \u202eexe.txt</p>")  # fmt: skip
    db_session.flush()
    for email, centre in (
        (ECHO_DIRECTOR, "echo"),
        (FRESNOY_DIRECTOR, "fresnoy-mackellerie"),
        (BASSE_MASURE_DIRECTOR, "basse-masure"),
    ):
        client = _client(app, email)
        for fmt in ("docx", "odt", "pdf"):
            response = client.get(f"/c/{centre}/aap/reponses/{dossier.answer_id}/dossier.{fmt}")
            assert response.status_code == 200, (email, fmt)
    docx_text = "\n".join(
        p.text for p in Document(io.BytesIO(_download(app, dossier.answer_id, "docx"))).paragraphs
    )
    assert "Collé\n depuis Word\n et exe.txt" in docx_text


def test_hostile_sections_stay_inert_and_in_the_page(app, demo, db_session, dossier):
    payloads = (
        "<p>&lt;script&gt;alert('xss')&lt;/script&gt; =HYPERLINK(\"http://evil.example\")</p>"
        '<p><img src=x onerror=alert(1)><a href="javascript:alert(1)">piège</a></p>'
        f"<p>{'m' * 10_000}</p><p>\u202egnp.exe</p>"
    )
    _write(demo, db_session, dossier.answer_id, ECHO_DIRECTOR, "calendrier", payloads)
    db_session.flush()
    data = _download(app, dossier.answer_id, "pdf")
    text = pdf_text(data)
    flattened = flat(text).replace(" ", "")
    assert "<script>alert('xss')</script>" in flattened
    assert '=HYPERLINK("http://evil.example")' in flattened
    assert text.count("m" * 20) >= 10_000 // 20 - 1
    assert max(len(line) for line in text.splitlines()) < 200
    assert "\u202e" not in text
    assert b"javascript:" not in pdf_objects(data)
    for fmt in ("docx", "odt"):
        assert _download(app, dossier.answer_id, fmt)


def test_the_dossier_model_prints_no_gap_row_even_when_partners_are_unbalanced(
    app, demo, db_session, dossier
):
    with context.using(demo.context_of(FRESNOY_DIRECTOR), db_session):
        answer = load(db_session, dossier.answer_id)
        model = exports.dossier_document(
            exports.dossier_of(answer, aap.budget_of(db_session, answer))
        )
    everything = repr(model)
    assert "Écart" not in everything
    tables = [b for b in model.blocks if hasattr(b, "columns")]
    captions = [t.caption for t in tables]
    assert captions[0] == "Budget prévisionnel du projet"
    assert any("pour information" in c for c in captions)
    # Attachments: the hook exists and is empty today.
    assert exports.attachments_of(answer) == []
