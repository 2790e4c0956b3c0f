"""What the apps above onboarding do when something happens to a company's books.

Bills, mapping and payments import companies and connections, so onboarding may not import
them back (tests/core/test_architecture.py). They register plain callables here instead, from
their AppConfig.ready():
- webhook handlers, by event type pattern (fnmatch: `read.completed`, `billPayments.write.*`),
  called as `handler(event=<WebhookEvent>)` once onboarding has checked the event's shape;
- linked handlers, called as `handler(company=<Company>)` inside the transaction that records
  a connection as newly linked (bills starts the first sync);
- connection status handlers, called as `handler(company=…, connection=…, before=<old status>)`
  inside the transaction that records any change of a connection's status (notifications).

Registering the same handler twice is a no-op. Handlers run in registration order (the order of
INSTALLED_APPS).
"""

from collections.abc import Callable
from fnmatch import fnmatchcase

WebhookHandler = Callable[..., None]  # handler(*, event: WebhookEvent) -> None
LinkedHandler = Callable[..., None]  # handler(*, company: Company) -> None

_webhook_handlers: list[tuple[str, WebhookHandler]] = []
_linked_handlers: list[LinkedHandler] = []
_status_handlers: list[LinkedHandler] = []


def register_webhook_handler(pattern: str, handler: WebhookHandler) -> None:
    """Call `handler(event=…)` for every valid stored event whose type matches `pattern`."""
    if (pattern, handler) not in _webhook_handlers:
        _webhook_handlers.append((pattern, handler))


def webhook_handlers(event_type: str) -> list[WebhookHandler]:
    """The handlers registered for this event type, in registration order."""
    return [h for pattern, h in _webhook_handlers if fnmatchcase(event_type, pattern)]


def register_linked_handler(handler: LinkedHandler) -> None:
    """Call `handler(company=…)` whenever a company's books become linked."""
    if handler not in _linked_handlers:
        _linked_handlers.append(handler)


def linked_handlers() -> list[LinkedHandler]:
    """The handlers for a newly linked connection, in registration order."""
    return list(_linked_handlers)


def register_connection_status_handler(handler: LinkedHandler) -> None:
    """Call `handler(company=…, connection=…, before=…)` whenever a connection's status changes."""
    if handler not in _status_handlers:
        _status_handlers.append(handler)


def connection_status_handlers() -> list[LinkedHandler]:
    return list(_status_handlers)
