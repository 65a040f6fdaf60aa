"""The web server of `serve`: textual-serve's Server with kanban-pipe's start line and
an optional /calendar.ics.

Every use of textual-serve's internals is in this module. They are two, both checked
against textual-serve 1.1 (pyproject bounds the version to it): `Server._make_app()`
builds the aiohttp application, and the calendar route is added to what it returns; and
`Server.on_startup()` prints textual-serve's banner, which is replaced by our own lines
(the address, what is served, how to stop). A newer textual-serve that changes either
is caught by tests/serve.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable

from aiohttp import web
from textual_serve.server import Server

from kanban_pipe.cli import output as out
from kanban_pipe.domain.errors import InvalidInputError, KanbanPipeError

CalendarSource = Callable[[str | None], bytes]


class BoardServer(Server):
    """Serves the board, one board process per browser tab, and the calendar if asked."""

    def __init__(self, command: str, *, host: str, port: int, public_url: str, title: str,
                 announce: str, calendar: CalendarSource | None = None) -> None:
        super().__init__(command, host=host, port=port, title=title, public_url=public_url)
        self.announce = announce
        self.calendar = calendar

    async def _make_app(self) -> web.Application:
        """textual-serve's application, plus GET /calendar.ics when a calendar is served."""
        app = await super()._make_app()
        if self.calendar is not None:
            app.router.add_get("/calendar.ics", self.handle_calendar, name="calendar")
        return app

    async def on_startup(self, app: web.Application) -> None:
        """Say where the board is served (instead of textual-serve's banner)."""
        print(self.announce, flush=True)

    async def handle_calendar(self, request: web.Request) -> web.Response:
        """The next steps as iCalendar (`?owner=NAME`: one person's), read fresh each time."""
        assert self.calendar is not None
        owner = request.query.get("owner")
        loop = asyncio.get_running_loop()
        try:
            # Off the event loop: reading the pipeline must not hold up the boards' traffic.
            body = await loop.run_in_executor(None, self.calendar, owner)
        except InvalidInputError as error:
            raise web.HTTPBadRequest(text=out.safe(str(error))) from None
        except KanbanPipeError as error:
            print(f"kanban-pipe: error: calendar: {out.safe(str(error))}", file=sys.stderr)
            raise web.HTTPServiceUnavailable(text=out.safe(str(error))) from None
        return web.Response(body=body, content_type="text/calendar", charset="utf-8",
                            headers={"Content-Disposition": 'inline; filename="next-steps.ics"',
                                     "Cache-Control": "no-cache"})
