"""The demo's web server: Werkzeug's, without the versions it names.

`flask run` answers « Server: Werkzeug/3.x Python/3.x »; a version in that
header tells an attacker which published flaw to try. Production runs
gunicorn, whose header says only « gunicorn ».
"""

from __future__ import annotations

import argparse

from werkzeug.serving import WSGIRequestHandler, run_simple


class VersionlessRequestHandler(WSGIRequestHandler):
    server_version = "Ensemble"
    sys_version = ""

    def version_string(self) -> str:
        return self.server_version


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ensemble.devstack.webserver")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=5000)
    args = parser.parse_args(argv)

    from ensemble import create_app

    run_simple(
        args.host,
        args.port,
        create_app(),
        threaded=True,
        request_handler=VersionlessRequestHandler,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
