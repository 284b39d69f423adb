"""The event-day page (issue 19): a local web app over a plan folder.

    server = make_server("plan", port=8000)      # bound to 127.0.0.1
    print(url_of(server)); server.serve_forever()

See `scheduler.serve.app` for the routes and the security rules, `live` for what the page
computes, `jobs` for the replan, publish and discard, `versions` for the plan's versions.
"""

from __future__ import annotations

from scheduler.serve.app import App, Server, make_server, url_of

__all__ = ["App", "Server", "make_server", "url_of"]
