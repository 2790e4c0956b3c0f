"""Every write to the books goes through one exactly-once machine: the `Push`.

A payment, a new bill or supplier, an invoice file, a bank account: the domain row keeps its own
states (draft, scheduled, on hold, verified…) and points at its `Push`; how to send it, how to
find it in the books and what to do once it is there is a small adapter (`adapters.PushAdapter`)
registered under the push's `kind`. Everything else is here, once:

    queued ──claim──▶ sending ──Codat accepted──▶ sent ──Success──▶ succeeded
      ▲                 │  │  │                    │  └──Failed────▶ failed
      │  nothing sent   │  │  └─Codat refused──▶ failed
      └─(transient)─────┘  │                       │ TimedOut
      ▲                    └─no answer / 409 ──▶ checking ◀── stale claim (worker died),
      │                                            │          retries exhausted
      └──absent from the books, resend is safe ────┤
                                                   ├─found in push history ─▶ sent
                                                   ├─found in the books ────▶ succeeded
                                                   └─absent, resend unsafe ─▶ failed

The policy (the strictest the three earlier machines had):
- **Claims are conditional UPDATEs** on the expected status; only the worker whose UPDATE matched
  sends. The body is stored at the first claim and sent byte for byte on every try, with the
  push's `idempotency_key` as Idempotency-Key. No transaction is open around network I/O.
- **Nothing is re-sent before a lookup.** An unknown outcome (no answer after sending, a 5xx, a
  409 "key in flight", a claim whose worker died, Codat's `TimedOut`, a task out of retries)
  always goes to `checking`. The lookup reads the push operation (if we know its key), then push
  history for an operation of ours we never heard back from, then the books themselves; when they
  lack it, it waits while push history shows pushes nobody owns still pending, asks Codat to
  re-read that data type, waits for the read, and searches once more.
- **A resend after a lookup keeps the same Idempotency-Key** and happens only when it cannot make
  a second record: nothing was ever sent, the write is an idempotent update (a PUT of the same
  body), or we are inside Codat's replay window (it answers a reused key with the first push, if
  that one arrived). Otherwise the push fails asking the user to check the books: **a push fails
  only on Codat's word (Failed, a refusal), before anything was sent, or after a lookup shows it
  absent past the replay window.** `TimedOut` is one rule for every kind: look it up.
- **Following** is by webhook (`{dataType}.write.*`) or, as its fallback, by polling with a bounded
  backoff (`PUSH_POLL_DELAYS`); when the delays are used up the sweep (beat, `PUSH_SWEEP_SECONDS`)
  takes over. The sweep re-kicks every kind of push with no news for a while.
- **Retries exhausted** never fail a push: it goes to `checking`, and the sweep keeps going.
"""
