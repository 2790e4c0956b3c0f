"""Constants and Codat-shaped payloads shared by the Codat client tests."""

BASE_URL = "https://codat.test"
API_KEY = "sk-test-2f6c1d0e9b"
COMPANY_ID = "8a210b68-6988-11ed-a1eb-0242ac120002"
CONNECTION_ID = "2e9d2c44-f675-40ba-8049-353bfcb5e171"


class FakeClock:
    """A monotonic clock that only moves when the client sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def url(path):
    return BASE_URL + path


def page(results, *, page_number=1, page_size=100, total=None, next_href=None):
    """A Codat list envelope (PagingInfo + results)."""
    links = {"self": {"href": "/x"}, "current": {"href": f"/x?page={page_number}"}}
    if next_href:
        links["next"] = {"href": next_href}
    return {
        "results": results,
        "pageNumber": page_number,
        "pageSize": page_size,
        "totalResults": len(results) if total is None else total,
        "_links": links,
    }


def push_operation(*, status="Pending", data_type="billPayments", **extra):
    return {
        "changes": None,
        "dataType": data_type,
        "companyId": COMPANY_ID,
        "pushOperationKey": "8e42e5f6-c596-4ddf-a5e4-fdc9977f5a99",
        "dataConnectionKey": CONNECTION_ID,
        "requestedOnUtc": "2023-03-21T17:17:58.9235368Z",
        "completedOnUtc": None,
        "timeoutInMinutes": None,
        "status": status,
        "errorMessage": None,
        "validation": {"errors": [], "warnings": []},
        "statusCode": 200,
        **extra,
    }


def error_body(status, message, correlation_id="0a40c2f31fc8f992fb88b0853e4166f3"):
    return {
        "statusCode": status,
        "service": "PublicApi",
        "error": message,
        "correlationId": correlation_id,
        "canBeRetried": "Unknown",
        "detailedErrorCode": 0,
    }
