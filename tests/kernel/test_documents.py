"""The document engine: what reaches a document (no control character, French typography),
fitted tables whose amounts never wrap, lists that restart, hostile text kept inert, and a
tagged PDF in French — checked by reading the files back as their readers' tools do."""

from __future__ import annotations

import io
import re
import tomllib
import zipfile
from decimal import Decimal
from pathlib import Path

from docx import Document as Docx
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from odf import teletype
from odf import text as odf_text
from odf.opendocument import load as load_odt

from ensemble.kernel import documents as doc
from ensemble.kernel import french
from ensemble.kernel.documents import layout
from ensemble.kernel.documents.identity import format_siret, luhn_ok, siret_is_valid
from ensemble.kernel.documents.text import clean_text
from kernel.document_checks import (
    AMOUNT,
    amounts_on_one_line,
    control_characters,
    flat,
    office_to_pdf,
    orphan_euro_signs,
    pdf_fonts,
    pdf_info,
    pdf_objects,
    pdf_text,
    to_png,
)

HOSTILE = [
    "<script>alert('xss')</script>",
    '"><img src=x onerror=alert(1)>',
    '=HYPERLINK("http://evil.example","Cliquez")',
    "+cmd|' /C calc'!A0",
    "Facture\u202egnp.exe",
    "Ligne\vcollée depuis Word\x00\x1b[31m",
    "x" * 10_000,
]


def _sample(extra: list[doc.Block] | None = None) -> doc.Document:
    amounts = [Decimal("21000"), Decimal("1234567.89"), Decimal("-597"), Decimal("0.5")]
    return doc.Document(
        title="Essai du moteur",
        author="Centre Social ECHO",
        header="Essai — en-tête",
        footer="Essai — pied de page",
        cover=doc.Cover("Essai du moteur", "Sous-titre", [("Chef de file", "Centre Social ECHO")]),
        blocks=[
            doc.Heading("1. Première partie"),
            doc.Paragraph("Rédigée par Centre Social ECHO", style="note"),
            doc.ListBlock(["un", "deux", "trois"], numbered=True),
            doc.Heading("2. Seconde partie"),
            doc.ListBlock(["alpha", "bêta"], numbered=True),
            doc.Paragraph(["Voir ", doc.Run("le site", href="https://lenord.fr/aap"), "."]),
            doc.Table(
                [doc.Column.text("Structure"), doc.Column.amount("Montant")],
                [doc.Row(["Centre Social Fresnoy Mackellerie", french.euros(a)]) for a in amounts],
                caption="Montants",
                show_caption=True,
            ),
            doc.SignatureBlock([doc.Signer("Pour l’employeur", "Association Centre Social Alma")]),
            *(extra or []),
        ],
    )


# --- Text -------------------------------------------------------------------------------


def test_pasted_text_is_cleaned_and_set_in_french():
    assert clean_text("Ligne\vsuivante") == "Ligne\nsuivante"
    assert clean_text("a\x00b\x1fc\x7fd") == "abcd"
    assert clean_text("Facture\u202egnp.exe") == "Facturegnp.exe"
    assert clean_text("Prêt ? « oui » : 14:30") == (
        f"Prêt{french.NNBSP}? «{french.NNBSP}oui{french.NNBSP}»{french.NBSP}: 14:30"
    )
    long = clean_text("y" * 100)
    assert "\u200b" in long and long.replace("\u200b", "") == "y" * 100
    # An amount and an ordinary long French word are left whole.
    assert "\u200b" not in clean_text("anticonstitutionnellement 1 234 567 890,00 €")


@given(st.text(max_size=300))
def test_clean_text_leaves_no_control_character_and_is_stable(value):
    cleaned = clean_text(value)
    assert control_characters(cleaned) == []
    assert not re.search("[\ud800-\udfff\ufffe\uffff]", cleaned)
    assert clean_text(cleaned) == cleaned


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(min_size=1, max_size=80), min_size=1, max_size=4))
def test_any_text_makes_a_valid_docx_and_odt(texts):
    document = doc.Document(
        title=texts[0],
        blocks=[doc.Paragraph(t) for t in texts]
        + [doc.Table([doc.Column.text("a"), doc.Column.amount("b")], [doc.Row(texts[:2])])],
    )
    opened = Docx(io.BytesIO(doc.to_docx(document)))
    assert [p.text for p in opened.paragraphs][1 : 1 + len(texts)] == [clean_text(t) for t in texts]
    odt = load_odt(io.BytesIO(doc.to_odt(document)))
    assert len(odt.getElementsByType(odf_text.P)) >= len(texts)


# --- Tables ---------------------------------------------------------------------------------

names = st.text(
    alphabet=st.characters(whitelist_categories=("Lu", "Ll"), max_codepoint=0x17F),
    min_size=1,
    max_size=14,
)


@given(
    st.lists(
        st.tuples(
            st.lists(names, min_size=1, max_size=6).map(" ".join),
            st.decimals(min_value=-(10**10), max_value=10**10, places=2, allow_nan=False),
        ),
        min_size=1,
        max_size=30,
    ),
    st.integers(min_value=1, max_value=3),
)
def test_fitted_columns_fill_the_line_and_amounts_never_wrap(rows, amount_columns):
    columns = [doc.Column.text("Libellé")] + [doc.Column.amount("Montant")] * amount_columns
    table = doc.Table(
        columns,
        [doc.Row([label] + [french.euros(amount)] * amount_columns) for label, amount in rows],
    )
    widths = layout.fit_columns(table)
    assert abs(sum(widths) - layout.TEXT_WIDTH_PT) < 0.01
    size = layout.table_size(table)
    for index in range(1, amount_columns + 1):
        longest = max(layout.text_width(r.cells[index].content[0].text, size) for r in table.rows)
        assert widths[index] >= longest + 2 * layout.CELL_PADDING_PT
    # Names keep room for their longest word.
    word = max((w for r in table.rows for w in r.cells[0].content[0].text.split()), key=len)
    assert widths[0] >= layout.text_width(word, size)


def test_a_cell_across_columns_does_not_size_them():
    table = doc.Table(
        [doc.Column.text("a"), doc.Column.amount("b")],
        [doc.Row([doc.Cell("Un très long intitulé de groupe " * 3, span=2)]), doc.Row(["x", "1"])],
    )
    assert table.rows[0].cells[0].span == 2 and len(table.rows[1].cells) == 2
    assert len(layout.fit_columns(table)) == 2


# --- The three formats, read back ---------------------------------------------------------


def test_docx_structure_lists_restart_and_amounts_stay_right():
    opened = Docx(io.BytesIO(doc.to_docx(_sample())))
    styles = [p.style.name for p in opened.paragraphs]
    assert styles.count("Heading 1") == 2
    note = next(p for p in opened.paragraphs if p.text.startswith("Rédigée par"))
    assert note.runs and all(r.italic for r in note.runs)
    # Each numbered list has its own numbering instance, starting at 1.
    numbered = [p for p in opened.paragraphs if p._p.pPr is not None and p._p.pPr.numPr is not None]
    ids = [p._p.pPr.numPr.numId.val for p in numbered]
    assert len(ids) == 5 and len(set(ids[:3])) == 1 and ids[3] != ids[0]
    numbering = opened.part.numbering_part.element.xml
    for num_id in set(ids):
        assert f'w:numId="{num_id}"' in numbering
    table = opened.tables[0]
    widths = [c.width for c in table.rows[1].cells]
    assert widths[0] > widths[1]
    amount = table.rows[1].cells[1]
    assert amount.paragraphs[0].alignment == 2  # right
    assert (
        amount._tc.tcPr.find("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}noWrap")
        is not None
    )
    assert opened.core_properties.language == "fr-FR" and opened.core_properties.title


def test_odt_structure_and_lists_restart():
    opened = load_odt(io.BytesIO(doc.to_odt(_sample())))
    headings = [teletype.extractText(h) for h in opened.getElementsByType(odf_text.H)]
    assert headings == ["1. Première partie", "2. Seconde partie"]
    lists = [
        lst
        for lst in opened.getElementsByType(odf_text.List)
        if lst.parentNode.tagName == "office:text"
    ]
    assert [len(lst.getElementsByType(odf_text.ListItem)) for lst in lists] == [3, 2]
    with zipfile.ZipFile(io.BytesIO(doc.to_odt(_sample()))) as package:
        assert package.namelist()[0] == "mimetype"
        assert package.read("mimetype") == b"application/vnd.oasis.opendocument.text"
        assert 'fo:language="fr"' in package.read("styles.xml").decode()


def test_the_pdf_is_tagged_in_french_with_its_font_embedded():
    data = doc.to_pdf(_sample())
    info = pdf_info(data)
    assert "Tagged:          yes" in info and "Title:           Essai du moteur" in info
    objects = pdf_objects(data)
    assert b"/StructTreeRoot" in objects and b"/Lang (fr-FR)" in objects
    structure = pdf_info(data, "-struct")
    assert "H1" in structure and "H2" in structure and "Table" in structure
    assert "L (block)" in structure and "Link" in structure
    fonts = pdf_fonts(data)
    assert fonts and all(f["embedded"] and "DejaVu" in f["name"] for f in fonts), fonts


def _check_laid_out(text: str, where: str) -> None:
    amounts = ["21 000,00 €", "1 234 567,89 €", "−597,00 €", "0,50 €"]
    assert amounts_on_one_line(text, amounts) == [], where
    assert orphan_euro_signs(text) == [], where
    flattened = flat(text)
    # The second numbered list starts again at 1.
    assert re.search(r"1\. ?alpha", flattened), where
    assert "Centre Social Fresnoy Mackellerie" in text, where


def test_every_format_renders_with_amounts_whole_and_lists_restarted():
    document = _sample()
    pdf = doc.to_pdf(document)
    text = pdf_text(pdf)
    _check_laid_out(text, "pdf")
    assert "Page 2 sur" in flat(text)
    to_png(pdf, "engine-pdf", last=2)
    for fmt, data in (("docx", doc.to_docx(document)), ("odt", doc.to_odt(document))):
        printed = office_to_pdf(data, fmt)
        _check_laid_out(pdf_text(printed), fmt)
        to_png(printed, f"engine-{fmt}", first=2, last=2)


def test_hostile_text_comes_out_inert_in_every_format():
    blocks = [doc.Paragraph(value) for value in HOSTILE]
    blocks += doc.from_html(
        '<p><a href="javascript:alert(1)">piège</a> <a href="https://lenord.fr">sûr</a></p>'
        "<script>alert('dans le corps')</script><p>fin</p>"
    )
    blocks.append(
        doc.Table(
            [doc.Column.text("Nom"), doc.Column.amount("Montant")],
            [doc.Row([value[:2000], french.euros(1000)]) for value in HOSTILE],
        )
    )
    document = _sample(blocks)
    html = doc.to_html(document)
    assert "<script>" not in html and "onerror=alert" not in html.replace(
        "onerror=alert(1)&gt;", ""
    )
    assert "javascript:" not in html and 'href="https://lenord.fr"' in html
    pdf = doc.to_pdf(document)
    text = pdf_text(pdf)
    flattened = flat(text).replace(" ", "")
    assert "<script>alert('xss')</script>" in flattened
    assert '=HYPERLINK("http://evil.example","Cliquez")' in flattened
    assert "dans le corps" not in text
    assert control_characters(text.replace("\f", "")) == []
    # The 10,000-letter word wraps inside the page instead of running off it.
    # (every letter printed: the paragraph's 10,000 and the table cell's 2,000)
    assert text.count("x") >= 12_000
    assert max(len(line) for line in text.splitlines()) < 200
    pages = int(re.search(r"Pages:\s+(\d+)", pdf_info(pdf)).group(1))
    assert pages < 20
    to_png(pdf, "engine-hostile", first=3, last=3)
    docx = Docx(io.BytesIO(doc.to_docx(document)))
    docx_text = "\n".join(p.text for p in docx.paragraphs)
    assert "\u202e" not in docx_text and "\x00" not in docx_text and "\x0b" not in docx_text
    assert "Ligne\ncollée depuis Word[31m" in docx_text
    odt = load_odt(io.BytesIO(doc.to_odt(document)))
    assert "piège" in "".join(teletype.extractText(p) for p in odt.getElementsByType(odf_text.P))


def test_the_cache_serves_the_same_document_and_only_it(app):
    rendered = []

    def render(document):
        rendered.append(document.title)
        return document.title.encode()

    from ensemble.kernel.documents.cache import cached

    with app.app_context():
        first = doc.Document(title=f"Cache {id(rendered)}")
        assert cached(first, "pdf", render) == cached(first, "pdf", render)
        assert rendered == [first.title]
        changed = doc.Document(title=first.title, blocks=[doc.Paragraph("un mot de plus")])
        cached(changed, "pdf", render)
        cached(first, "docx", render)
        assert len(rendered) == 3
        # Turned off: rendered every time.
        app.config["DOCUMENT_CACHE_SECONDS"] = 0
        try:
            cached(first, "pdf", render)
        finally:
            app.config["DOCUMENT_CACHE_SECONDS"] = 3600
        assert len(rendered) == 4


# --- Legal identity -------------------------------------------------------------------


def test_siret_checks_and_formatting():
    assert siret_is_valid("33188217500010") and luhn_ok("331882175")
    assert not siret_is_valid("33188217500011") and not siret_is_valid("3318821750001")
    assert siret_is_valid("35600000000006")  # La Poste: digits add up to a multiple of 5
    assert format_siret("33188217500010") == "331\u202f882\u202f175\u202f00010"


def test_the_demo_employers_have_well_formed_sirets():
    network = tomllib.loads(
        (Path(__file__).resolve().parents[2] / "tenants" / "demo_network.toml").read_text()
    )
    sirets = [e["siret"] for e in network["employers"] if e.get("siret")]
    assert len(sirets) >= 6 and len(set(sirets)) == len(sirets)
    assert all(siret_is_valid(s) for s in sirets)
    assert any(not e.get("siret") for e in network["employers"])  # « SIRET non renseigné »
    assert AMOUNT.fullmatch("21\u202f000,00\u00a0€")


# --- Charts ---------------------------------------------------------------------------------


def _chart(labels: list[str]) -> doc.Chart:
    return doc.Chart(
        "Enfants accueillis, par territoire",
        [doc.Bar("Département 59", Decimal(155), "155", "6 centres")]
        + [doc.Bar(label, Decimal(12), "12", "3 centres") for label in labels]
        + [
            doc.Bar("Département 62", None, "secret", "2 centres"),
            doc.Bar("Un nombre impossible", Decimal("NaN"), "—"),
            doc.Bar("Un nombre négatif", Decimal(-5), "−5"),
        ],
        headings=("Territoire", "Valeur", "Centres"),
    )


def test_a_chart_draws_bars_and_carries_its_data_table_in_every_format():
    chart = _chart([value[:300] for value in HOSTILE])
    document = doc.Document(title="Graphique", blocks=[doc.Heading("Par territoire"), chart])
    html = doc.to_html(document)
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    # Inert: no element, attribute or URL comes from the labels; no style attribute (CSP).
    assert not re.search(r"<(?!/?(?:text|rect|title|desc)\b)[a-z]", svg)
    assert not re.search(r"\sstyle=", svg)
    assert "&lt;script&gt;" in svg
    # One bar per known, positive figure; « secret » written where there is none.
    assert svg.count("<rect") == 1 + len(HOSTILE)
    assert "secret" in svg and "aria-hidden" in svg
    text = flat(pdf_text(doc.to_pdf(document)))
    for words in ("Département 59", "155", "6 centres", "Département 62", "secret", "Territoire"):
        assert words in text
    table = Docx(io.BytesIO(doc.to_docx(document))).tables[0]
    assert [c.text for c in table.rows[0].cells] == ["Territoire", "Valeur", "Centres"]
    assert [c.text for c in table.rows[-3].cells] == ["Département 62", "secret", "2 centres"]
    odt = teletype.extractText(load_odt(io.BytesIO(doc.to_odt(document))).text)
    assert "Département 62" in odt and "secret" in odt


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False),
        ),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from([None, Decimal(100)]),
)
def test_bars_stay_inside_the_drawing(values, maximum):
    chart = doc.Chart(
        "Parts",
        [doc.Bar(f"Ligne {i}", v, "x") for i, v in enumerate(values)],
        maximum=maximum,
    )
    svg = str(doc.bar_chart_svg(chart))
    widths = [float(w) for w in re.findall(r'<rect x="0" y="\d+" width="([\d.]+)"', svg)]
    assert len(widths) == sum(v is not None for v in values)
    assert all(0 < w <= 360 - 104 for w in widths)
    assert 'role="img"' in svg and "<title" in svg
    # Text stays readable on a phone: 15 units in a 360-unit-wide drawing.
    assert set(re.findall(r'font-size="(\d+)"', svg)) == {"15"}
