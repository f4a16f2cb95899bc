"""The shared HR toolbox (issue 13): each tool is a link, and each employer's copy
is marked with its employer."""

from __future__ import annotations

import re
from io import BytesIO

from conftest import csrf_token, sign_in

HR_MANAGER = "marion.delattre@rh.demo"


def test_a_shared_tool_is_a_link_and_each_employers_copy_is_marked(client, demo):
    sign_in(client, HR_MANAGER)
    page = "/rh/boite-a-outils"
    employers = [demo.employer(slug).id for slug in ("association-alma", "iciela")]
    response = client.post(
        page,
        data={
            "csrf_token": csrf_token(client, page),
            "title": "Liste d’accueil d’un nouveau salarié",
            "kind": "checklist",
            "employer_ids": [str(e) for e in employers],
            "file": (BytesIO(b"Accueil"), "accueil.txt"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    listing = client.get(page).get_data(as_text=True)
    rows = re.findall(r"<tr>.*?</tr>", listing, re.S)
    row = next(r for r in rows if "Liste d’accueil d’un nouveau salarié" in r)
    assert re.search(r'<a href="/e/[^"]+/rh/boite-a-outils/\d+">Liste d’accueil', row)
    assert "Exemplaire de Association Centre Social Alma" in row
    assert "Exemplaire de Association Iciela" in row
