from django.http import HttpResponse  # noqa


def _x(request, **kw):
    return HttpResponse()


run_list = run_create = run_detail = run_progress = run_settings = run_amount = run_approve = (
    run_confirm
) = run_cancel = run_retry = _x
