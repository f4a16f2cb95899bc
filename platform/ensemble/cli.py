"""`flask` commands, grouped by area."""

from __future__ import annotations

import click
from flask import Flask


def register_cli(app: Flask) -> None:
    @app.cli.group("tenants")
    def tenants_group():
        """Le réseau : centres, employeurs, personnes."""

    @tenants_group.command("load-demo")
    def load_demo():
        """Charge (ou met à jour) le réseau de démonstration. Idempotent."""
        from tenants.demo import DEMO_PASSWORD, load

        summary = load()
        click.echo(
            f"Réseau de démonstration : {summary.centres} centres, {summary.people} personnes "
            f"(mot de passe commun : {DEMO_PASSWORD})."
        )
