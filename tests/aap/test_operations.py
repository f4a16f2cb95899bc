"""Joint answers: parties, sections and their history, conflicts, comments,
budget lines, submission and outcome, private notes."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select, text

from aap.aap_support import (
    ALMA_DIRECTOR,
    BASSE_MASURE_DIRECTOR,
    ECHO_DIRECTOR,
    ECHO_STAFF,
    FRESNOY_DIRECTOR,
    MONTREUIL_DIRECTOR,
    build_answer,
    load,
)
from ensemble.aap import operations as aap
from ensemble.aap.models import AnswerStatus, SectionStatus
from ensemble.kernel import clock
from ensemble.notifications.models import Notification
from ensemble.sharing.models import PartyStatus
from ensemble.tenancy import context


def _section(answer, code):
    return next(s for s in answer.sections if s.code == code)


def test_a_new_answer_has_the_cerfa_sections_in_order_owned_by_the_lead(
    db_session, joint_answer, as_user
):
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, joint_answer.answer_id)
        codes = [s.code for s in answer.sections]
        assert codes == [code for code, _, _ in aap.CERFA_SECTIONS]
        assert codes[:3] == ["association", "administrations", "ressources_humaines"]
        assert {s.owner_party.is_owner for s in answer.sections} == {True}
        assert {s.status for s in answer.sections} == {SectionStatus.TO_WRITE}
        assert answer.agreement.title == "Bien vieillir dans son quartier (essai)"
        assert {p.status for p in answer.agreement.parties} == {PartyStatus.ACTIVE}


def test_the_network_list_shows_the_lead_to_other_centres_of_the_network(
    demo, db_session, joint_answer, as_user
):
    with as_user(ALMA_DIRECTOR):
        listing = aap.network_calls(db_session, demo.centre("alma"), date(2027, 1, 1))
        mine = [row for row in listing if row.call.id == joint_answer.call_id]
        assert [c.slug for c in mine[0].leads] == ["echo"]
        # …but the dossier itself stays closed to a centre that is not a party.
        assert load(db_session, joint_answer.answer_id) is None
    with as_user(MONTREUIL_DIRECTOR):
        listing = aap.network_calls(db_session, demo.centre("grand-air"), date(2027, 1, 1))
        assert joint_answer.call_id not in {row.call.id for row in listing}


def test_calls_past_their_deadline_leave_the_list(demo, db_session, joint_answer, as_user):
    with as_user(ALMA_DIRECTOR):
        listing = aap.network_calls(db_session, demo.centre("alma"), date(2027, 4, 1))
        assert joint_answer.call_id not in {row.call.id for row in listing}


def test_an_invited_centre_may_decline_and_then_sees_nothing(demo, db_session, as_user):
    built = build_answer(demo, db_session, accept=False)
    with as_user(FRESNOY_DIRECTOR):
        answer = load(db_session, built.answer_id)
        assert answer is not None  # invited: it sees the answer to decide
        aap.respond(db_session, answer, demo.centre("fresnoy-mackellerie"), accept=False)
        db_session.flush()
        db_session.expire_all()
        assert load(db_session, built.answer_id) is None


def test_only_a_director_answers_an_invitation(demo, db_session, as_user):
    built = build_answer(demo, db_session, accept=False)
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, built.answer_id)
        with pytest.raises(aap.AapError):
            aap.respond(db_session, answer, demo.centre("echo"), accept=True)


def test_a_removed_partner_loses_access_and_its_sections_go_back_to_the_lead(
    demo, db_session, joint_answer, as_user
):
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, joint_answer.answer_id)
        section = _section(answer, "actions")
        aap.set_section_owner(db_session, section, joint_answer.fresnoy_party_id)
        aap.remove_partner(db_session, answer, joint_answer.fresnoy_party_id)
        db_session.flush()
        db_session.expire_all()
        assert _section(load(db_session, joint_answer.answer_id), "actions").owner_party.is_owner
    with as_user(FRESNOY_DIRECTOR):
        assert load(db_session, joint_answer.answer_id) is None
        remaining = aap.answers_of(db_session, demo.centre("fresnoy-mackellerie"))
        assert joint_answer.answer_id not in {a.id for a in remaining}


def test_a_partner_may_leave_but_the_lead_may_not(demo, db_session, joint_answer, as_user):
    with as_user(BASSE_MASURE_DIRECTOR):
        answer = load(db_session, joint_answer.answer_id)
        aap.leave(db_session, answer, demo.centre("basse-masure"))
        db_session.flush()
        db_session.expire_all()
        assert load(db_session, joint_answer.answer_id) is None
    with as_user(ECHO_DIRECTOR), pytest.raises(aap.AapError):
        aap.leave(db_session, load(db_session, joint_answer.answer_id), demo.centre("echo"))


def test_only_the_lead_invites_and_only_within_its_network(demo, db_session, joint_answer, as_user):
    with as_user(FRESNOY_DIRECTOR), pytest.raises(aap.AapError):
        aap.invite_partner(
            db_session, load(db_session, joint_answer.answer_id), demo.centre("alma")
        )
    with as_user(ECHO_DIRECTOR), pytest.raises(aap.AapError):
        aap.invite_partner(
            db_session, load(db_session, joint_answer.answer_id), demo.centre("grand-air")
        )


def test_the_invited_directors_are_notified(demo, db_session, joint_answer, as_user):
    with as_user(FRESNOY_DIRECTOR) as ctx:
        titles = db_session.scalars(
            select(Notification.title).where(Notification.user_id == ctx.user_id)
        ).all()
    assert any("Invitation à une réponse commune" in t for t in titles)


@pytest.mark.parametrize(
    ("raw", "kept", "dropped"),
    [
        ("<p>Bonjour <script>alert(1)</script></p>", "<p>Bonjour </p>", "script"),
        ('<p onclick="x()">Texte</p>', "<p>Texte</p>", "onclick"),
        ('<a href="javascript:alert(1)">lien</a>', "lien", "javascript"),
        ('<img src="x" onerror="y()"><h2>Titre</h2>', "<h2>Titre</h2>", "img"),
        ('<p style="color:red"><b>gras</b></p>', "<b>gras</b>", "style"),
    ],
)
def test_rich_text_is_sanitised_before_storage(
    db_session, joint_answer, as_user, raw, kept, dropped
):
    with as_user(ECHO_DIRECTOR) as ctx:
        section = _section(load(db_session, joint_answer.answer_id), "besoins")
        aap.save_section(db_session, section, base_version=0, body=raw, author_id=ctx.user_id)
        stored = db_session.execute(
            text("SELECT body FROM aap_sections WHERE id = :id"), {"id": section.id}
        ).scalar()
        version = aap.version_body(db_session, section.id, 1)
    assert kept in stored and dropped not in stored
    assert version == stored


def test_links_keep_their_target_and_get_a_safe_rel():
    cleaned = aap.sanitize('<p><a href="https://lenord.fr" target="_blank">Nord</a></p>')
    assert 'href="https://lenord.fr"' in cleaned and "noopener" in cleaned
    assert "target" not in cleaned


def test_every_save_is_a_version_with_its_author_and_a_readable_diff(
    db_session, joint_answer, as_user
):
    with as_user(ECHO_STAFF) as ctx:
        section = _section(load(db_session, joint_answer.answer_id), "objectifs")
        texts = [
            "<p>Rompre l’isolement.</p>",
            "<p>Rompre l’isolement.</p><ul><li>Ateliers mémoire</li></ul>",
            "<p>Rompre l’isolement des aînés.</p><ul><li>Ateliers mémoire</li></ul>",
        ]
        for base, body in enumerate(texts):
            assert (
                aap.save_section(
                    db_session, section, base_version=base, body=body, author_id=ctx.user_id
                )
                == base + 1
            )
        history = aap.versions(db_session, section)
        assert [v.number for v in history] == [3, 2, 1]
        assert {v.author_user_id for v in history} == {ctx.user_id}
        assert {v.author_name for v in history} == {"Léa Dumont"}
        assert section.status is SectionStatus.IN_PROGRESS
        lines = aap.diff(
            aap.version_body(db_session, section.id, 1), aap.version_body(db_session, section.id, 3)
        )
    assert aap.DiffLine("removed", "Rompre l’isolement.") in lines
    assert aap.DiffLine("added", "Rompre l’isolement des aînés.") in lines
    assert aap.DiffLine("added", "Ateliers mémoire") in lines


def test_restoring_an_old_version_adds_a_new_one(db_session, joint_answer, as_user):
    with as_user(ECHO_DIRECTOR) as ctx:
        section = _section(load(db_session, joint_answer.answer_id), "public")
        aap.save_section(
            db_session, section, base_version=0, body="<p>A</p>", author_id=ctx.user_id
        )
        aap.save_section(
            db_session, section, base_version=1, body="<p>B</p>", author_id=ctx.user_id
        )
        assert aap.restore(db_session, section, 1, ctx.user_id) == 3
        history = aap.versions(db_session, section)
        assert history[0].restored_from == 1
        assert section.body == "<p>A</p>" and section.current_version == 3


def test_a_save_from_a_stale_version_is_a_conflict_with_the_three_texts(
    db_session, joint_answer, as_user
):
    with as_user(ECHO_DIRECTOR) as ctx:
        section = _section(load(db_session, joint_answer.answer_id), "actions")
        aap.save_section(
            db_session, section, base_version=0, body="<p>Ancêtre</p>", author_id=ctx.user_id
        )
        aap.save_section(
            db_session, section, base_version=1, body="<p>Les leurs</p>", author_id=ctx.user_id
        )
        with pytest.raises(aap.SectionConflict) as caught:
            aap.save_section(
                db_session, section, base_version=1, body="<p>Les miens</p>", author_id=ctx.user_id
            )
        conflict = caught.value
        assert (conflict.ancestor, conflict.theirs, conflict.mine) == (
            "<p>Ancêtre</p>",
            "<p>Les leurs</p>",
            "<p>Les miens</p>",
        )
        assert conflict.theirs_version == 2
        # Nothing was lost: resolving is a save from their version.
        aap.save_section(
            db_session,
            section,
            base_version=2,
            body="<p>Les leurs</p><p>Les miens</p>",
            author_id=ctx.user_id,
        )
        assert [v.number for v in aap.versions(db_session, section)] == [3, 2, 1]


def test_a_partner_writes_only_the_sections_its_centre_owns(
    demo, db_session, joint_answer, as_user
):
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, joint_answer.answer_id)
        aap.set_section_owner(
            db_session, _section(answer, "actions"), joint_answer.fresnoy_party_id
        )
    with as_user(FRESNOY_DIRECTOR) as ctx:
        answer = load(db_session, joint_answer.answer_id)
        aap.save_section(
            db_session,
            _section(answer, "actions"),
            base_version=0,
            body="<p>Ateliers à Fresnoy</p>",
            author_id=ctx.user_id,
        )
        with pytest.raises(aap.AapError):
            aap.save_section(
                db_session,
                _section(answer, "objectifs"),
                base_version=0,
                body="<p>Non</p>",
                author_id=ctx.user_id,
            )


def test_only_directors_approve_and_writers_are_people_of_the_owner_centre(
    demo, db_session, joint_answer, as_user
):
    with as_user(ECHO_STAFF):
        section = _section(load(db_session, joint_answer.answer_id), "calendrier")
        aap.set_section_status(db_session, section, SectionStatus.TO_REVIEW)
        with pytest.raises(aap.AapError):
            aap.set_section_status(db_session, section, SectionStatus.APPROVED)
    with as_user(ECHO_DIRECTOR):
        section = _section(load(db_session, joint_answer.answer_id), "calendrier")
        aap.set_section_status(db_session, section, SectionStatus.APPROVED)
        writers = {u.email for u in aap.writer_choices(db_session, section)}
        assert ECHO_STAFF in writers and FRESNOY_DIRECTOR not in writers
        aap.assign_writer(db_session, section, demo.user(ECHO_STAFF).id)
        with pytest.raises(aap.AapError):
            aap.assign_writer(db_session, section, demo.user(FRESNOY_DIRECTOR).id)


def test_lead_adds_and_reorders_sections(db_session, joint_answer, as_user):
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, joint_answer.answer_id)
        added = aap.add_section(db_session, answer, "Annexe : lettres de soutien")
        db_session.expire_all()
        answer = load(db_session, joint_answer.answer_id)
        assert answer.sections[-1].id == added.id
        aap.move_section(db_session, answer.sections[-1], -1)
        db_session.expire_all()
        answer = load(db_session, joint_answer.answer_id)
        assert answer.sections[-2].id == added.id
    with as_user(FRESNOY_DIRECTOR), pytest.raises(aap.AapError):
        aap.add_section(db_session, load(db_session, joint_answer.answer_id), "Non")


def test_comments_form_threads_notify_the_people_concerned_and_resolve(
    demo, db_session, joint_answer, as_user
):
    with as_user(ECHO_DIRECTOR):
        section = _section(load(db_session, joint_answer.answer_id), "evaluation")
        aap.set_section_owner(db_session, section, joint_answer.basse_masure_party_id)
    with as_user(BASSE_MASURE_DIRECTOR):
        section = _section(load(db_session, joint_answer.answer_id), "evaluation")
    with as_user(FRESNOY_DIRECTOR):
        section = _section(load(db_session, joint_answer.answer_id), "evaluation")
        first = aap.add_comment(
            db_session, section, author=demo.user(FRESNOY_DIRECTOR), body="Quels indicateurs ?"
        )
    with as_user(BASSE_MASURE_DIRECTOR):
        section = _section(load(db_session, joint_answer.answer_id), "evaluation")
        aap.add_comment(
            db_session,
            section,
            author=demo.user(BASSE_MASURE_DIRECTOR),
            body="Le nombre de participants.",
            parent_id=first.id,
        )
        aap.resolve_comment(db_session, first, demo.user(BASSE_MASURE_DIRECTOR).id)
        threads = aap.comments(db_session, section)
        assert len(threads) == 1 and len(threads[0][1]) == 1
        assert threads[0][0].resolved_at is not None
    for email in (BASSE_MASURE_DIRECTOR, FRESNOY_DIRECTOR):
        with as_user(email) as ctx:
            titles = db_session.scalars(
                select(Notification.title).where(Notification.user_id == ctx.user_id)
            ).all()
            assert any("Commentaire sur" in t for t in titles), email


def _balanced_budget(demo, db_session, joint_answer, as_user):
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, joint_answer.answer_id)
        echo = demo.centre("echo")
        aap.add_budget_line(
            db_session, answer, echo, account="641", label="Salaires", amount=Decimal("20000.00")
        )
        aap.add_budget_line(
            db_session,
            answer,
            echo,
            account="74",
            label="Subvention",
            funder="Département du Nord",
            amount=Decimal("15000.00"),
        )
    with as_user(FRESNOY_DIRECTOR):
        answer = load(db_session, joint_answer.answer_id)
        fresnoy = demo.centre("fresnoy-mackellerie")
        aap.add_budget_line(
            db_session, answer, fresnoy, account="606", label="Fournitures", amount=Decimal("1000")
        )
        aap.add_budget_line(
            db_session,
            answer,
            fresnoy,
            account="74",
            label="Subvention",
            funder="CAF du Nord",
            amount=Decimal("6000.00"),
        )
    with as_user(ECHO_DIRECTOR):
        return aap.budget_of(db_session, load(db_session, joint_answer.answer_id))


def test_the_budget_consolidates_each_partys_lines(demo, db_session, joint_answer, as_user):
    budget = _balanced_budget(demo, db_session, joint_answer, as_user)
    assert budget.total_charges == budget.total_income == Decimal("21000.00")
    assert budget.balanced
    assert budget.parties[joint_answer.fresnoy_party_id].difference == Decimal("5000.00")
    assert [(c.funder, c.amount) for c in budget.cofinancing] == [
        ("Département du Nord", Decimal("15000.00")),
        ("CAF du Nord", Decimal("6000.00")),
    ]


@pytest.mark.parametrize(
    ("account", "funder", "amount", "field"),
    [
        ("512", "", Decimal("10"), "account"),
        ("74", "", Decimal("10"), "funder"),
        ("606", "", Decimal("-1"), "amount"),
        ("606", "", Decimal("1.005"), "amount"),
    ],
)
def test_budget_lines_follow_the_chart_of_accounts(
    demo, db_session, joint_answer, as_user, account, funder, amount, field
):
    with as_user(ECHO_DIRECTOR), pytest.raises(aap.AapError) as caught:
        aap.add_budget_line(
            db_session,
            load(db_session, joint_answer.answer_id),
            demo.centre("echo"),
            account=account,
            label="Ligne",
            funder=funder,
            amount=amount,
        )
    assert caught.value.field == field


def test_a_budget_line_changed_from_a_stale_version_is_a_conflict(
    demo, db_session, joint_answer, as_user
):
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, joint_answer.answer_id)
        line = aap.add_budget_line(
            db_session,
            answer,
            demo.centre("echo"),
            account="604",
            label="Prestations",
            amount=Decimal("500.00"),
        )
        fields = {"account": "604", "label": "Prestations", "funder": ""}
        assert (
            aap.update_budget_line(
                db_session, answer, line.id, base_version=1, amount=Decimal("600.00"), **fields
            )
            == 2
        )
        with pytest.raises(aap.BudgetConflict) as caught:
            aap.update_budget_line(
                db_session, answer, line.id, base_version=1, amount=Decimal("700.00"), **fields
            )
        assert caught.value.current.amount == Decimal("600.00")
        assert caught.value.current.version == 2
        with pytest.raises(aap.BudgetConflict):
            aap.delete_budget_line(db_session, answer, line.id, 1)
        aap.delete_budget_line(db_session, answer, line.id, 2)
        assert aap.budget_lines(db_session, answer) == []


def test_an_unbalanced_budget_blocks_submission(demo, db_session, joint_answer, as_user):
    _balanced_budget(demo, db_session, joint_answer, as_user)
    with as_user(ECHO_DIRECTOR) as ctx:
        answer = load(db_session, joint_answer.answer_id)
        aap.add_budget_line(
            db_session,
            answer,
            demo.centre("echo"),
            account="625",
            label="Déplacements",
            amount=Decimal("150.50"),
        )
        with pytest.raises(aap.AapError) as caught:
            aap.submit(db_session, answer, ctx.user_id, despite_unapproved=True)
        assert "150,50" in str(caught.value)
        assert answer.status is AnswerStatus.DRAFT


def test_an_empty_budget_blocks_submission(db_session, joint_answer, as_user):
    with as_user(ECHO_DIRECTOR) as ctx, pytest.raises(aap.AapError):
        aap.submit(
            db_session,
            load(db_session, joint_answer.answer_id),
            ctx.user_id,
            despite_unapproved=True,
        )


def test_submission_by_the_lead_freezes_the_dossier_down_to_sql(
    demo, db_session, joint_answer, as_user
):
    _balanced_budget(demo, db_session, joint_answer, as_user)
    with as_user(FRESNOY_DIRECTOR) as ctx, pytest.raises(aap.AapError):
        aap.submit(
            db_session,
            load(db_session, joint_answer.answer_id),
            ctx.user_id,
            despite_unapproved=True,
        )
    with as_user(ECHO_DIRECTOR) as ctx:
        answer = load(db_session, joint_answer.answer_id)
        aap.submit(db_session, answer, ctx.user_id, despite_unapproved=True)
        assert answer.status is AnswerStatus.SUBMITTED
        assert sorted(answer.submitted_centre_ids) == sorted(
            demo.centre(s).id for s in ("echo", "fresnoy-mackellerie", "basse-masure")
        )
        section = answer.sections[0]
        with pytest.raises(aap.AapError):
            aap.save_section(db_session, section, base_version=0, body="x", author_id=ctx.user_id)
        with pytest.raises(aap.AapError):
            aap.add_budget_line(
                db_session,
                answer,
                demo.centre("echo"),
                account="606",
                label="x",
                amount=Decimal(1),
            )
        # Even a direct UPDATE finds no row it may change: the policies freeze it.
        changed = db_session.execute(
            text("UPDATE aap_sections SET body = 'x' WHERE agreement_id = :a"),
            {"a": joint_answer.agreement_id},
        ).rowcount
        assert changed == 0
        changed = db_session.execute(
            text("UPDATE aap_budget_lines SET amount = 1 WHERE agreement_id = :a"),
            {"a": joint_answer.agreement_id},
        ).rowcount
        assert changed == 0
        # The versions stay readable.
        assert aap.versions(db_session, section) == []
        aap.record_outcome(
            db_session, answer, granted=True, amount=Decimal("18000.00"), on=clock.today()
        )
        assert answer.status is AnswerStatus.GRANTED
    with as_user(FRESNOY_DIRECTOR) as ctx:
        titles = db_session.scalars(
            select(Notification.title).where(Notification.user_id == ctx.user_id)
        ).all()
        assert any("Réponse déposée" in t for t in titles)


def test_an_outcome_needs_a_submitted_answer_and_an_amount(demo, db_session, joint_answer, as_user):
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, joint_answer.answer_id)
        with pytest.raises(aap.AapError):
            aap.record_outcome(db_session, answer, granted=False, amount=None, on=clock.today())
    _balanced_budget(demo, db_session, joint_answer, as_user)
    with as_user(ECHO_DIRECTOR) as ctx:
        answer = load(db_session, joint_answer.answer_id)
        aap.submit(db_session, answer, ctx.user_id, despite_unapproved=True)
        with pytest.raises(aap.AapError):
            aap.record_outcome(db_session, answer, granted=True, amount=None, on=clock.today())
        aap.record_outcome(db_session, answer, granted=False, amount=None, on=clock.today())
        assert answer.status is AnswerStatus.REFUSED


def test_private_notes_are_the_partys_own(demo, db_session, joint_answer, as_user):
    with as_user(FRESNOY_DIRECTOR):
        answer = load(db_session, joint_answer.answer_id)
        aap.save_note(db_session, answer, demo.centre("fresnoy-mackellerie"), "Négocier 20 %")
    with as_user(ECHO_DIRECTOR):
        answer = load(db_session, joint_answer.answer_id)
        assert aap.note_of(db_session, answer, demo.centre("fresnoy-mackellerie")) is None
        assert db_session.execute(text("SELECT count(*) FROM aap_notes")).scalar() == 0
    with as_user(FRESNOY_DIRECTOR):
        answer = load(db_session, joint_answer.answer_id)
        note = aap.note_of(db_session, answer, demo.centre("fresnoy-mackellerie"))
        assert note.body == "Négocier 20 %"


def test_text_lines_and_blocks_read_the_sanitised_html():
    body = aap.sanitize(
        "<h2>Constat</h2><p>Des aînés <strong>isolés</strong> et "
        '<a href="https://insee.fr">chiffres</a></p><ul><li>un</li><li>deux</li></ul>'
    )
    assert aap.text_lines(body) == ["Constat", "Des aînés isolés et chiffres", "un", "deux"]
    parsed = aap.blocks(body)
    assert [b.kind for b in parsed] == ["h2", "p", "ul", "ul"]
    assert aap.Run("isolés", bold=True) in parsed[1].runs
    assert any(r.href == "https://insee.fr" for r in parsed[1].runs)


def test_system_context_is_not_leaked_by_notifications(demo, db_session, joint_answer, as_user):
    with as_user(FRESNOY_DIRECTOR) as ctx:
        section = _section(load(db_session, joint_answer.answer_id), "besoins")
        aap.add_comment(db_session, section, author=demo.user(FRESNOY_DIRECTOR), body="Merci")
        assert context.current() == ctx


def test_three_way_merge_by_blocks():
    ancestor = aap.sanitize("<h2>Actions</h2><p>Ateliers le mardi.</p><p>Visites.</p>")
    theirs = aap.sanitize("<h2>Actions</h2><p>Ateliers le mardi et le jeudi.</p><p>Visites.</p>")
    mine = aap.sanitize("<h2>Actions</h2><p>Ateliers le mardi.</p><p>Visites à domicile.</p>")
    merged = aap.merge3(ancestor, theirs, mine)
    assert aap.text_lines(merged) == [
        "Actions",
        "Ateliers le mardi et le jeudi.",
        "Visites à domicile.",
    ]
    # The same block changed on both sides: the person decides.
    other = aap.sanitize("<h2>Actions</h2><p>Ateliers le lundi.</p><p>Visites.</p>")
    assert aap.merge3(ancestor, theirs, other) is None
    # Identical changes on both sides merge to that change.
    assert aap.merge3(ancestor, theirs, theirs) == theirs
    # An addition at the end by one side, a change at the top by the other.
    added = aap.sanitize(ancestor + "<ul><li>Repas partagés</li></ul>")
    merged = aap.merge3(ancestor, theirs, added)
    assert aap.text_lines(merged)[-2:] == ["Visites.", "Repas partagés"]
    assert "Ateliers le mardi et le jeudi." in aap.text_lines(merged)


def test_sanitised_text_has_one_block_per_line():
    body = aap.sanitize("<h2>Titre</h2><p>Un</p><ul><li>a</li><li>b</li></ul>")
    assert body.split("\n") == [
        "<h2>Titre</h2>",
        "<p>Un</p>",
        "<ul>",
        "<li>a</li>",
        "<li>b</li>",
        "</ul>",
    ]


@pytest.mark.parametrize("entity", ["&#27;", "&#x7f;", "&#7;", "&#x0C;"])
def test_control_characters_written_as_entities_never_reach_a_stored_text(entity):
    """Found from outside: control characters written as entities were stored raw. A
    vertical tab, Word's manual line break, is kept (the exports break the line there);
    « &#0; » becomes U+FFFD, as HTML says."""
    from ensemble.aap.richtext import sanitize

    stored = sanitize(f"<p>avant{entity}après</p>")
    assert stored == "<p>avantaprès</p>", repr(stored)
