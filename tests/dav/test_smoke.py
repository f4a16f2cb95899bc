from dav.dav_support import OFFICER, PROPFIND_ALL, calendar_of, vcalendar


def test_smoke(dav, device, demo, db_session):
    hugo = device(OFFICER)
    r = dav("PROPFIND", "/dav/", hugo, PROPFIND_ALL, Depth="0")
    print(r.status_code, r.get_data(as_text=True))
    r = dav("PROPFIND", hugo.home, hugo, PROPFIND_ALL, Depth="1")
    print(r.status_code, r.get_data(as_text=True))
    cal = calendar_of(demo, db_session, OFFICER)
    path = f"{hugo.home}agenda-{cal.id}/"
    r = dav("PUT", path + "x1.ics", hugo, vcalendar("x1", "20280104T100000", "20280104T110000"))
    print(r.status_code, r.get_data(as_text=True))
    r = dav("GET", path + "x1.ics", hugo)
    print(r.status_code, r.headers, r.get_data(as_text=True))
    r = dav("PUT", path + "x2.ics", hugo, vcalendar("x2", "20280104T103000", "20280104T113000"))
    print(r.status_code, r.get_data(as_text=True))
    r = dav("PROPFIND", path, hugo, PROPFIND_ALL, Depth="1")
    print(r.status_code, r.get_data(as_text=True)[:3000])
    assert 0
