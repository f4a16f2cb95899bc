"""The network's key figures of one campaign, territory by territory, in the shape of
the observatory's yearly leaflets (SENACS): the centres and their share in priority
neighbourhoods, the people reached by age and sex, volunteers and board members,
employees and FTE, budget and funding by source, how common each action is.

Read from the published release only (`published.py`): every figure is published,
secret or not declared, and says how many centres answered it. A share is computed
from two published figures (a yes-or-no question's sum over the centres that
answered it; a source over the total income), so it reveals nothing the release
does not: where either is not published, the share is not either.

    leaflet = build(release, departement="59", centres_in_territory=6)
    leaflet.sections[0].figures[0].text      # « 6 »
    leaflet.actions[0].sentence()            # « 100 % des centres mènent … »
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ensemble.kernel import documents as doc
from ensemble.kernel import french
from ensemble.reporting import published as pub
from ensemble.reporting.operations import BREAKDOWN_LABELS, BREAKDOWNS

STAR = pub.STAR
HUNDRED = Decimal(100)

# The leaflet's sections: (title, [(indicator, breakdown shown as a chart or None)]).
SECTIONS: tuple[tuple[object, tuple[tuple[str, str | None], ...]], ...] = (
    (_l("Les publics"), (("ct.personnes", "age"), ("ct.adherents", "sex"))),
    (
        _l("Bénévoles et administrateurs"),
        (("va.benevoles", "sex"), ("va.administrateurs", None), ("rh.heures_benevoles", None)),
    ),
    (_l("Les salariés"), (("rh.salaries", "sex"), ("rh.etp", None))),
    (_l("Le budget"), (("fi.produits", None), ("fi.charges", None))),
)
FUNDING = ("fi.prestation_caf", "fi.communes", "fi.departement", "fi.etat", "fi.usagers")
FUNDING_LABELS: dict[str, object] = {
    "fi.prestation_caf": _l("CAF (prestations de service)"),
    "fi.communes": _l("Communes et intercommunalités"),
    "fi.departement": _l("Département"),
    "fi.etat": _l("État"),
    "fi.usagers": _l("Usagers"),
}
ACTIONS: dict[str, object] = {
    "ac.accueil_loisirs": _l("un accueil de loisirs"),
    "ac.scolarite": _l("de l’accompagnement à la scolarité"),
    "ac.parentalite": _l("des actions de soutien à la parentalité"),
    "ac.numerique": _l("de l’accompagnement au numérique"),
    "ac.acces_droits": _l("des actions d’accès aux droits"),
    "ac.seniors": _l("des actions avec les seniors"),
    "ac.vacances": _l("des départs en vacances des familles"),
    "ac.insertion": _l("des actions d’insertion socio-professionnelle"),
}
PRIORITY_NEIGHBOURHOODS = "ct.qpv"


def _respondents(centres: int) -> str:
    if not centres:
        return _("aucun centre")
    return french.plural(centres, "%(num)s centre", "%(num)s centres")


def _amount(measure: pub.Measure | None, value: Decimal) -> str:
    if measure is not None and measure.unit == "euros":
        return french.euros(value, cents=False)
    if measure is not None and measure.unit == "fte":
        return french.number(value, 1)
    return french.compact_number(value)


@dataclass(frozen=True)
class KeyFigure:
    """One figure of the leaflet: its words (« 1 234 », « 83 % », « secret »,
    « non déclaré »), its value for a chart (None when not published), and the number
    of centres that answered."""

    label: str
    status: str
    text: str
    value: Decimal | None
    respondents: int
    why: str = ""  # for a secret figure: « secret : moins de 3 centres »…

    @property
    def published(self) -> bool:
        return self.status == pub.PUBLISHED

    def coverage(self) -> str:
        return _respondents(self.respondents)

    def answers(self) -> str:
        """« réponses de 6 centres », « réponse de 1 centre », « aucune réponse »."""
        if not self.respondents:
            return _("aucune réponse")
        return french.plural(
            self.respondents, "réponse de %(num)s centre", "réponses de %(num)s centres"
        )


def _figure(label: str, figure: pub.Figure) -> KeyFigure:
    if not figure.published or figure.display is None:
        return KeyFigure(label, figure.status, figure.words(), None, figure.centres, _why(figure))
    value = figure.display
    return KeyFigure(label, figure.status, _amount(figure.measure, value), value, figure.centres)


def _share(label: str, part: pub.Figure, whole_value: Decimal | None, whole: pub.Figure):
    """`part` as a percentage of `whole_value` (both published), else its words."""
    if not part.published or part.display is None:
        return KeyFigure(label, part.status, part.words(), None, part.centres, _why(part))
    if not whole.published or not whole_value:
        return KeyFigure(label, whole.status, whole.words(), None, part.centres, _why(whole))
    share = (part.display * HUNDRED / whole_value).quantize(Decimal(1))
    return KeyFigure(label, pub.PUBLISHED, french.percent(share), share, part.centres)


def _why(figure: pub.Figure) -> str:
    return figure.why() if figure.status == pub.SECRET else ""


@dataclass(frozen=True)
class Breakdown:
    """A figure's parts (by age, by sex) as a chart with its data table."""

    title: str
    parts: tuple[KeyFigure, ...]

    def chart(self, headings: tuple[str, str, str] | None = None) -> doc.Chart:
        return doc.Chart(
            self.title,
            [doc.Bar(p.label, p.value, p.text, p.coverage()) for p in self.parts],
            headings=headings or (_("Répartition"), _("Valeur"), _("Centres")),
        )


@dataclass(frozen=True)
class Block:
    figure: KeyFigure
    breakdown: Breakdown | None = None


@dataclass(frozen=True)
class Section:
    title: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True)
class Action:
    """How common an action is: the share of the centres that answered the question."""

    label: str
    what: str
    share: KeyFigure

    def sentence(self) -> str:
        if not self.share.published:
            return _(
                "Centres menant %(what)s : %(words)s (%(centres)s).",
                what=self.what,
                words=self.share.why or self.share.text,
                centres=_answered(self.share.respondents),
            )
        return _(
            "%(share)s des centres mènent %(what)s (%(centres)s).",
            share=self.share.text,
            what=self.what,
            centres=_answered(self.share.respondents),
        )


def _answered(centres: int) -> str:
    return french.plural(centres, "%(num)s centre ayant répondu", "%(num)s centres ayant répondu")


@dataclass
class Leaflet:
    year: int
    territory: str
    departement: str | None
    centres_in_territory: int
    respondents: int
    priority: KeyFigure
    sections: list[Section] = field(default_factory=list)
    funding: list[KeyFigure] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)

    def funding_chart(self) -> doc.Chart:
        return doc.Chart(
            _("Financements par source, part du total des produits"),
            [doc.Bar(f.label, f.value, f.text, f.coverage()) for f in self.funding],
            headings=(_("Source"), _("Part des produits"), _("Centres")),
            maximum=HUNDRED,
        )

    def actions_chart(self) -> doc.Chart:
        return doc.Chart(
            _("Part des centres qui mènent chaque action"),
            [
                doc.Bar(a.label, a.share.value, a.share.text, a.share.coverage())
                for a in self.actions
            ],
            headings=(_("Action"), _("Part des centres"), _("Centres ayant répondu")),
            maximum=HUNDRED,
        )


def _territory_respondents(release: pub.PublishedRelease, departement: str | None) -> int:
    """Centres that declared: the release's count for the network; in a département,
    the count of its most answered question (every cell's count is published, secret
    or not, so this says nothing more)."""
    if departement is None:
        return release.centres
    return max(
        (
            centres
            for (_code, key, d, city), (_v, centres, _s) in release.cells.items()
            if key == "" and d == departement and city == STAR
        ),
        default=0,
    )


def _label(measure: pub.Measure) -> str:
    # « Adhérents, par sexe » is the declaration's question; the leaflet says « Adhérents ».
    return measure.label.split(", par ")[0]


def build(
    release: pub.PublishedRelease, departement: str | None, centres_in_territory: int
) -> Leaflet:
    """The leaflet of `release` for the whole network (`departement` None) or one
    département."""
    where = departement or STAR
    respondents = _territory_respondents(release, departement)
    qpv = release.figure(PRIORITY_NEIGHBOURHOODS, where)
    priority = _share(
        _("Centres en quartier prioritaire"),
        qpv,
        Decimal(qpv.centres) if qpv.centres else None,
        qpv,
    )
    leaflet = Leaflet(
        year=release.year,
        territory=_("Département %(d)s", d=departement) if departement else _("Tout le réseau"),
        departement=departement,
        centres_in_territory=centres_in_territory,
        respondents=respondents,
        priority=priority,
    )
    for title, items in SECTIONS:
        blocks = []
        for code, breakdown in items:
            measure = release.measure(code)
            total = release.figure(code, where)
            figure = _figure(_label(measure), total)
            parts = None
            if breakdown:
                parts = Breakdown(
                    _("%(label)s, par %(what)s", label=_label(measure), what=_BY[breakdown]),
                    tuple(
                        _figure(str(BREAKDOWN_LABELS[key]), release.figure(code, where, STAR, key))
                        for key in BREAKDOWNS[breakdown]
                    ),
                )
            blocks.append(Block(figure, parts))
        leaflet.sections.append(Section(str(title), tuple(blocks)))
    income = release.figure("fi.produits", where)
    for code in FUNDING:
        leaflet.funding.append(
            _share(str(FUNDING_LABELS[code]), release.figure(code, where), income.display, income)
        )
    for code, what in ACTIONS.items():
        answered = release.figure(code, where)
        share = _share(
            _label(release.measure(code)).replace(" (1 = oui, 0 = non)", ""),
            answered,
            Decimal(answered.centres) if answered.centres else None,
            answered,
        )
        leaflet.actions.append(Action(share.label, str(what), share))
    return leaflet


_BY: dict[str, object] = {"age": _l("âge"), "sex": _l("sexe")}


# --- Territory by territory -------------------------------------------------------------

# The table's columns, with headings short enough for nine columns on a page.
TERRITORY_FIGURES: dict[str, object] = {
    "ct.personnes": _l("Personnes touchées"),
    "va.benevoles": _l("Bénévoles"),
    "rh.salaries": _l("Salariés"),
    "rh.etp": _l("ETP"),
    "fi.produits": _l("Produits"),
}


@dataclass(frozen=True)
class TerritoryRow:
    """One département's line of the leaflet's table: its centres, those that answered,
    its share in priority neighbourhoods and its main figures (each with its centres)."""

    departement: str
    centres: int
    respondents: int
    priority: KeyFigure
    figures: tuple[KeyFigure, ...]

    @property
    def name(self) -> str:
        return _("Département %(d)s", d=self.departement)


def territory_headings(release: pub.PublishedRelease) -> list[str]:
    return [str(heading) for heading in TERRITORY_FIGURES.values()]


def by_territory(
    release: pub.PublishedRelease, centres_by_departement: dict[str, int]
) -> list[TerritoryRow]:
    """Every département of the release, in order, then the whole network."""
    departements = sorted(
        {d for (code, key, d, city) in release.cells if key == "" and d != STAR and city == STAR}
    )
    rows = []
    for where in [*departements, None]:
        cell = where or STAR
        qpv = release.figure(PRIORITY_NEIGHBOURHOODS, cell)
        answered = Decimal(qpv.centres) if qpv.centres else None
        rows.append(
            TerritoryRow(
                departement=where or "",
                centres=(
                    centres_by_departement.get(where, 0)
                    if where
                    else sum(centres_by_departement.values())
                ),
                respondents=_territory_respondents(release, where),
                priority=_share(_("Centres en quartier prioritaire"), qpv, answered, qpv),
                figures=tuple(
                    _figure(_label(release.measure(code)), release.figure(code, cell))
                    for code in TERRITORY_FIGURES
                ),
            )
        )
    return rows
