"""The printable report of the federation's dashboard: a leaflet in the spirit of the
observatory's (SENACS) — the territory's centres, its publics, volunteers, employees,
budget and funding by source, how common each action is, with charts that carry
their data table — then every indicator's table. Built on the kernel's document
engine (tagged PDF). Published figures only, each with the centres that answered."""

from __future__ import annotations

from flask_babel import gettext as _

from ensemble.kernel import documents as doc
from ensemble.kernel import french
from ensemble.reporting import dashboard
from ensemble.reporting.leaflet import KeyFigure, Leaflet


def _figures_table(caption: str, figures: list[KeyFigure]) -> doc.Table:
    return doc.Table(
        [doc.Column.text(_("Indicateur")), doc.Column.amount(_("Valeur")),
         doc.Column.amount(_("Centres ayant répondu"))],
        [doc.Row([f.label, f.text, f.coverage()]) for f in figures],
        caption=caption,
    )  # fmt: skip


def _territories_table(view: dict) -> doc.Table:
    """Eight columns on a page: the département's number, its centres and how many
    answered, then each figure over the centres that answered it."""
    columns = [
        doc.Column.text(_("Département")),
        doc.Column.amount(_("Centres")),
        doc.Column.amount(_("Quartier prioritaire")),
    ]
    columns += [doc.Column.amount(h) for h in view["territory_headings"]]
    rows = [
        doc.Row(
            [
                row.departement or _("Réseau"),
                f"{row.centres}\n"
                + french.plural(row.respondents, "%(num)s a répondu", "%(num)s ont répondu"),
                f"{row.priority.text}\n{row.priority.coverage()}",
            ]
            + [f"{f.text}\n{f.coverage()}" for f in row.figures],
            kind="body" if row.departement else "total",
        )
        for row in view["territory_rows"]
    ]
    return doc.Table(columns, rows, caption=_("Territoire par territoire"), small=True)


def _leaflet_blocks(leaflet: Leaflet) -> list[doc.Block]:
    blocks: list[doc.Block] = [
        doc.Heading(_("Les centres : %(territory)s", territory=leaflet.territory)),
        doc.Table(
            [doc.Column.text(_("Les centres")), doc.Column.amount(_("Valeur")),
             doc.Column.amount(_("Centres ayant répondu"))],
            [
                doc.Row([_("Centres sociaux de la fédération"),
                         str(leaflet.centres_in_territory), ""]),
                doc.Row([_("Centres ayant répondu"), str(leaflet.respondents), ""]),
                doc.Row([_("En quartier prioritaire ou le desservant"), leaflet.priority.text,
                         leaflet.priority.coverage()]),
            ],
            caption=_("Les centres"),
        ),
    ]  # fmt: skip
    for section in leaflet.sections:
        blocks.append(doc.Heading(section.title))
        blocks.append(_figures_table(section.title, [b.figure for b in section.blocks]))
        for block in section.blocks:
            if block.breakdown is not None:
                blocks.append(doc.Paragraph(block.breakdown.title, keep_with_next=True))
                blocks.append(block.breakdown.chart())
    blocks += [
        doc.Heading(_("Financements par source")),
        doc.Paragraph(
            _("Chaque source en part du total des produits des centres qui l’ont déclaré."),
            keep_with_next=True,
        ),
        leaflet.funding_chart(),
        doc.Heading(_("Les actions menées")),
        doc.ListBlock([a.sentence() for a in leaflet.actions]),
        leaflet.actions_chart(),
    ]
    return blocks


def _all_indicators(view: dict) -> list[doc.Block]:
    blocks: list[doc.Block] = [
        doc.PageBreak(),
        doc.Heading(_("Tous les indicateurs")),
        doc.Table(
            [doc.Column.text(_("Indicateur")), doc.Column.amount(_("Valeur")),
             doc.Column.amount(_("Centres")), doc.Column.text(_("Évolution sur un an"))],
            [
                doc.Row([ln.measure.label, ln.figure.words(), str(ln.figure.centres),
                         "—" if ln.change is None else ln.change.words()])
                for ln in view["lines"]
            ],
            caption=_("Tous les indicateurs"),
            small=True,
        ),
    ]  # fmt: skip
    if view.get("code"):
        label = view["label"]
        blocks += [
            doc.Heading(_("Évolution : %(label)s", label=label)),
            dashboard.trend_chart(view),
            doc.Heading(_("Par territoire : %(label)s", label=label)),
            dashboard.territory_chart(view),
        ]
    if view["cooperation"]:
        blocks += [
            doc.Heading(_("La coopération dans le réseau")),
            doc.Table(
                [doc.Column.text(_("Indicateur")), doc.Column.amount(_("Valeur")),
                 doc.Column.amount(_("Centres"))],
                [doc.Row([ln.measure.label, ln.figure.words(), str(ln.figure.centres)])
                 for ln in view["cooperation"]],
                caption=_("La coopération dans le réseau"),
            ),
        ]  # fmt: skip
    return blocks


def dashboard_document(view: dict) -> doc.Document:
    federation, year, release = view["federation"], view["year"], view["release"]
    title = _("Les centres sociaux du réseau en %(year)s", year=year or "")
    if release is None:
        blocks: list[doc.Block] = [
            doc.Paragraph(_("Aucune campagne close : aucun chiffre publié."), style="lead")
        ]
    else:
        blocks = [
            doc.Paragraph(federation.name, style="lead"),
            doc.Paragraph(
                _(
                    "Publication nº %(n)d de la campagne %(year)d du %(date)s, sur %(centres)s."
                    " « secret » : chiffre non publié (secret statistique : il permettrait"
                    " d’approcher les chiffres d’un centre) ; « non déclaré » : aucun centre"
                    " n’a donné ce chiffre. Chaque chiffre dit combien de centres ont répondu.",
                    n=release.number,
                    year=year,
                    date=french.long_date(release.published_at),
                    centres=french.plural(
                        release.centres,
                        "%(num)s centre ayant déclaré",
                        "%(num)s centres ayant déclaré",
                    ),
                ),
                style="note",
            ),
        ]
        if view.get("leaflet") is not None:
            blocks += _leaflet_blocks(view["leaflet"])
        if view.get("territory_rows"):
            blocks += [doc.Heading(_("Territoire par territoire")), _territories_table(view)]
        blocks += _all_indicators(view)
    return doc.Document(
        title=title,
        blocks=blocks,
        author=federation.name,
        subject=_("Chiffres publiés de la campagne %(year)s", year=year or ""),
        header=f"{federation.name} · {title}",
        footer=_("Chiffres publiés après contrôle du secret statistique"),
    )


def dashboard_pdf(view: dict) -> bytes:
    return doc.render(dashboard_document(view), "pdf")
