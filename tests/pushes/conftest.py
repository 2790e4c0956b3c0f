# The payment fixtures (sandbox books with a mapped bank account) drive the machine here.
from tests.payments.conftest import _payment_settings, books  # noqa: F401
