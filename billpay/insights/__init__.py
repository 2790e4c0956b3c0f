"""The owner's overview: the AP dashboard (aging, what is due, approvals, payments that need
someone, cash per bank account) and the cash forecast of each mapped bank account.

Reads only: it imports bills, payments, mapping and onboarding, and nothing imports it but the
project's URLs (and pay runs, whose overdraw check asks `forecast.account_forecast`).
"""
