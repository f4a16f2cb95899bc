"""One document engine: documents written once in a small model, rendered to PDF (HTML +
CSS through WeasyPrint, tagged PDF/UA-1), DOCX (python-docx) and ODT (odfpy).

    from ensemble.kernel import documents as doc

    d = doc.Document(
        title="État de refacturation",
        cover=doc.Cover("Titre", "Sous-titre", [("Chef de file", "Centre Social ECHO")]),
        blocks=[
            doc.Heading("1. Objet"),
            doc.Paragraph(["Texte ", doc.Run("gras", bold=True), "."]),
            doc.ListBlock(["un", "deux"], numbered=True),
            doc.Table(
                [doc.Column.text("Compte"), doc.Column.amount("Montant")],
                [doc.Row(["64 – Charges de personnel", french.euros(21000)])],
                caption="Budget",
            ),
            doc.Chart("Enfants accueillis", [doc.Bar("Roubaix", Decimal(155), "155", "6 centres")]),
            doc.SignatureBlock([doc.Signer("Pour l’employeur", "Association …")]),
        ],
        header="Texte en haut de chaque page", footer="Texte en bas de chaque page",
    )
    doc.to_pdf(d), doc.to_docx(d), doc.to_odt(d)

`render(d, "pdf")` goes through the document cache (`cache.py`: Redis, keyed by the hash of
the whole document): what the platform's downloads use. `render_version(version, "pdf",
build)` finds the file under a version the caller reads cheaply, building the document only
when it is missing (the joint answers' dossier: one query instead of the whole dossier).

Every string is cleaned when the model is built (`text.clean_text`: control characters
removed, French typography, long words breakable); rich text from the editors becomes
blocks with `from_html`. Table columns are fitted to their content once
(`layout.fit_columns`) and keep the same widths in the three formats.
"""

from collections.abc import Callable

from ensemble.kernel.documents.cache import cached, cached_version, is_cached_version
from ensemble.kernel.documents.chart_svg import bar_chart_svg
from ensemble.kernel.documents.docx_writer import to_docx
from ensemble.kernel.documents.html_pdf import to_html, to_pdf
from ensemble.kernel.documents.model import (
    Bar,
    Block,
    Cell,
    Chart,
    Column,
    Cover,
    Document,
    Heading,
    ListBlock,
    ListItem,
    PageBreak,
    Paragraph,
    Row,
    Run,
    SignatureBlock,
    Signer,
    Table,
    plain,
    runs,
)
from ensemble.kernel.documents.odt_writer import to_odt
from ensemble.kernel.documents.richtext import from_html
from ensemble.kernel.documents.text import clean_text, safe_href, strip_controls

DOCX_MIMETYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT_MIMETYPE = "application/vnd.oasis.opendocument.text"
PDF_MIMETYPE = "application/pdf"
MIMETYPES = {"pdf": PDF_MIMETYPE, "docx": DOCX_MIMETYPE, "odt": ODT_MIMETYPE}
RENDERERS: dict[str, Callable[[Document], bytes]] = {
    "pdf": to_pdf,
    "docx": to_docx,
    "odt": to_odt,
}


def render(document: Document, fmt: str, *, cache: bool = True) -> bytes:
    """`document` as "pdf", "docx" or "odt", from the document cache when it was rendered
    before (see cache.py)."""
    renderer = RENDERERS[fmt]
    return cached(document, fmt, renderer) if cache else renderer(document)


def warm_up() -> None:
    """Render a one-page PDF using each face (regular, bold, italics), a table and a cover,
    so that what the first PDF of a process pays for once (Pango and fontconfig set up,
    the faces and the stylesheets loaded) is paid before anyone waits for it: a worker
    calls this when it starts."""
    blocks: tuple[Block, ...] = (
        Heading("1. Texte", 1),
        Paragraph([Run("Texte "), Run("gras", bold=True), Run(" et "),
                   Run("italique", italic=True), Run(" ; 1\u202f234,50\u00a0€.")]),
        Table([Column.text("Libellé"), Column.amount("Montant")],
              [Row(["Ligne", "1\u202f000,00\u00a0€"])], caption="Tableau"),
    )  # fmt: skip
    cover = Cover("Préchauffage", "Moteur de documents", (("Étape", "démarrage"),))
    to_pdf(Document(title="Préchauffage", cover=cover, blocks=blocks))


def render_version(
    version: str, fmt: str, build: Callable[[], Document], still_current: Callable[[], bool]
) -> bytes:
    """The document `build()` makes, as "pdf", "docx" or "odt", found under `version`
    without building it when it was rendered before; kept under it when `still_current()`
    after building (see cache.py)."""
    return cached_version(version, fmt, build, RENDERERS[fmt], still_current=still_current)


__all__ = [
    "DOCX_MIMETYPE",
    "MIMETYPES",
    "ODT_MIMETYPE",
    "PDF_MIMETYPE",
    "RENDERERS",
    "Bar",
    "Block",
    "Cell",
    "Chart",
    "Column",
    "Cover",
    "Document",
    "Heading",
    "ListBlock",
    "ListItem",
    "PageBreak",
    "Paragraph",
    "Row",
    "Run",
    "SignatureBlock",
    "Signer",
    "Table",
    "bar_chart_svg",
    "clean_text",
    "from_html",
    "plain",
    "is_cached_version",
    "render",
    "render_version",
    "runs",
    "safe_href",
    "strip_controls",
    "to_docx",
    "to_html",
    "to_odt",
    "to_pdf",
    "warm_up",
]
