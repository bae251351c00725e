"""The synthetic portfolio (demo and benches) is deterministic, realistic and always valid."""

import collections

from arledger import synthetic
from arledger.projections import views

SPEC = synthetic.PortfolioSpec(customers=400, seed=3)


def test_the_same_spec_yields_the_same_stream_and_another_seed_another():
    a = [c.SerializeToString() for c in synthetic.generate(SPEC)]
    b = [c.SerializeToString() for c in synthetic.generate(SPEC)]
    c = [c.SerializeToString() for c in synthetic.generate(
        synthetic.PortfolioSpec(customers=400, seed=4))]
    assert a == b
    assert a != c


def test_commands_come_in_effective_date_order_with_unique_request_ids():
    cmds = list(synthetic.generate(SPEC))
    dates = []
    for c in cmds:
        m = getattr(c, c.WhichOneof("command"))
        dates.append(next(getattr(m, f) for f in ("opened_date", "issue_date", "value_date",
                                                   "effective_date", "resolved_date")
                          if m.DESCRIPTOR.fields_by_name.get(f) and getattr(m, f)))
    assert dates == sorted(dates)
    ids = [getattr(c, c.WhichOneof("command")).request_id for c in cmds]
    assert len(set(ids)) == len(ids)


def test_the_ledger_accepts_every_generated_command_and_the_mix_is_realistic(ledger):
    cmds = list(synthetic.generate(SPEC))
    kinds = collections.Counter(c.WhichOneof("command") for c in cmds)
    for kind in ("open_customer", "issue_invoice", "record_payment", "allocate_payment",
                 "issue_credit_note", "open_dispute", "resolve_dispute", "reverse_payment"):
        assert kinds[kind] > 0, kind
    outs = [o for i in range(0, len(cmds), 1000) for o in ledger.submit(cmds[i:i + 1000])]
    rejected = [(o.request_id, o.error.reason) for o in outs if o.status != "ACCEPTED"]
    assert not rejected
    with ledger.reading() as S:
        as_of = S.max_effective_day
        late = sum(1 for c in range(S.customers.n)
                   if views.balance(S, c, as_of, S.head_seq).overdue_minor > 0)
        # Most customers are current; a real minority is overdue (late, partial, defaulting).
        assert 0.05 * S.customers.n < late < 0.6 * S.customers.n
        rep = views.aging(S, None, as_of, S.head_seq)
        assert {r.currency for r in rep.rows} == {"EUR", "USD", "GBP"}
        for r in rep.rows:
            assert r.buckets_minor[0] > sum(r.buckets_minor[1:])  # mostly current
            assert r.buckets_minor[-1] > 0  # and some very old debt
