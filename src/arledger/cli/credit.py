"""`arledger` commands for terms, credit control, promises, dunning and bad debt (issue 4).

They talk to a running server (ledger.py's `_call` / `_command`), and `account` shows a
customer's terms, policies, holds, credit decisions, disputes, promises and dunning history
readably (or as JSON / CSV with --format).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import uuid

from arledger.cli.ledger import (
    _call,
    _command,
    _common,
    _dict,
    _emit,
    _envelope,
    money_received_args,
)
from arledger.domain.policies import PaymentTerms
from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import ledger_pb2 as lpb


def _today() -> str:
    return dt.date.today().isoformat()


def _pairs(items: list[str] | None, what: str) -> list[tuple[str, str]]:
    out = []
    for it in items or ():
        a, sep, b = it.partition(":")
        if not sep:
            raise SystemExit(f"arledger: {what} must be A:B, got {it!r}")
        out.append((a, b))
    return out


def _installment(text: str) -> cpb.TermsInstallment:
    """PERCENT_BP:DAYS, or PERCENT_BP:DAYS:BASIS[:day=D][:months=M] for a line with a due-date
    rule of its own (e.g. 7000:0:END_OF_MONTH:months=1)."""
    parts = text.split(":")
    if len(parts) < 2:
        raise SystemExit(f"arledger: --installment must be PERCENT_BP:DAYS[:BASIS...], got "
                         f"{text!r}")
    i = cpb.TermsInstallment(percent_bp=int(parts[0]), days=int(parts[1]))
    if len(parts) > 2:
        i.basis = cpb.TermsBasis.Value(parts[2])
        for opt in parts[3:]:
            k, _, v = opt.partition("=")
            if k not in ("day", "months"):
                raise SystemExit(f"arledger: --installment option {opt!r}: day=D or months=M")
            setattr(i, "day_of_month" if k == "day" else "months", int(v))
    return i


def _terms(args: argparse.Namespace) -> int:
    disc_bp, disc_days = (int(x) for x in (args.discount or "0:0").split(":", 1))
    fixed, fixed_cur = 0, ""
    if args.discount_fixed:
        amount, cur, days = (args.discount_fixed.split(":") + ["", ""])[:3]
        if not (amount and cur and days):
            raise SystemExit("arledger: --discount-fixed must be AMOUNT_MINOR:CURRENCY:DAYS")
        fixed, fixed_cur, disc_days = int(amount), cur, int(days)
    return _command(args, "DefinePaymentTerms", cpb.DefinePaymentTermsRequest(
        terms_id=args.terms_id, basis=args.basis, days=args.days, day_of_month=args.day_of_month,
        months=args.months, installments=[_installment(t) for t in args.installment or ()],
        discount_bp=disc_bp, discount_days=disc_days, discount_fixed_minor=fixed,
        discount_currency=fixed_cur, effective_date=args.effective_date))


def _credit(args: argparse.Namespace) -> int:
    a = args.action
    if a == "policy":
        return _command(args, "DefineCreditPolicy", cpb.DefineCreditPolicyRequest(
            over_limit_action=args.over_limit, hold_days_past_due=args.hold_days_past_due,
            short_pay_tolerance_minor=args.tolerance, short_pay_tolerance_bp=args.tolerance_bp,
            effective_date=args.effective_date))
    if a == "limit":
        return _command(args, "ChangeCreditLimit", cpb.ChangeCreditLimitRequest(
            customer_id=args.customer_id, new_limit_minor=args.new_limit,
            effective_date=args.effective_date))
    if a in ("hold", "release"):
        cls = cpb.PlaceHoldRequest if a == "hold" else cpb.ReleaseHoldRequest
        return _command(args, "PlaceHold" if a == "hold" else "ReleaseHold",
                        cls(customer_id=args.customer_id, effective_date=args.effective_date))
    return _command(args, "SetCustomerPolicies", cpb.SetCustomerPoliciesRequest(
        customer_id=args.customer_id, payment_terms_id=args.terms or "",
        over_limit_action=args.over_limit or 0, allocation_strategy=args.strategy or 0,
        dunning_policy_id=args.dunning or "", effective_date=args.effective_date))


def _promise(args: argparse.Namespace) -> int:
    return _command(args, "RecordPromise", cpb.RecordPromiseRequest(
        promise_id=args.promise_id, customer_id=args.customer, made_date=args.made,
        invoice_ids=args.invoice or [],
        installments=[cpb.PromiseInstallment(due_date=d, amount_minor=int(a))
                      for d, a in _pairs(args.pay, "--pay")]))


def _level(text: str) -> cpb.DunningLevelSpec:
    """DAYS:ACTION[:fee=MINOR][:fee_bp=BP][:interest_bp=BP][:text=KEY]"""
    parts = text.split(":")
    if len(parts) < 2:
        raise SystemExit(f"arledger: --level is DAYS:ACTION[:fee=..][:fee_bp=..]"
                         f"[:interest_bp=..][:text=..], got {text!r}")
    lv = cpb.DunningLevelSpec(days_past_due=int(parts[0]), action=parts[1])
    for kv in parts[2:]:
        k, _, v = kv.partition("=")
        if k == "fee":
            lv.fee_fixed_minor = int(v)
        elif k == "fee_bp":
            lv.fee_bp = int(v)
        elif k == "interest_bp":
            lv.interest_bp_per_year = int(v)
        elif k == "text":
            lv.text_key = v
        else:
            raise SystemExit(f"arledger: unknown level option {k!r}")
    return lv


def _dunning(args: argparse.Namespace) -> int:
    if args.action == "policy":
        return _command(args, "DefineDunningPolicy", cpb.DefineDunningPolicyRequest(
            policy_id=args.policy_id, levels=[_level(x) for x in args.level],
            day_count=args.day_count, effective_date=args.effective_date))
    req = cpb.RunDunningRequest(request_id=args.request_id or uuid.uuid4().hex,
                                actor=args.actor, reason=args.reason,
                                as_of_date=args.as_of or _today(),
                                default_policy_id=args.default_policy or "")
    res = _call(args, "ledger", "RunDunning", req)
    if args.format == "json":
        print(json.dumps(_dict(res), indent=2))
        return 0
    rows = [{"customer": n.customer_id, "action": n.action, "text_key": n.text_key,
             "invoice": it.invoice_id, "inst": it.installment, "due": it.due_date,
             "days_late": it.days_past_due, "open": it.open_minor, "fee": it.fee_minor,
             "interest": it.interest_minor, "currency": n.currency}
            for n in res.notices for it in n.items]
    if args.format == "table":
        print(f"dunning run as of {res.as_of}: {len(res.notices)} notices, {res.steps} steps, "
              f"{res.holds_placed} holds placed, {res.promises_broken} promises broken; skipped "
              f"{res.skipped_disputed} disputed, {res.skipped_promised} under promise "
              f"({res.result.status and lpb.CommandStatus.Name(res.result.status)})")
    _emit(args, rows, ["customer", "action", "text_key", "invoice", "inst", "due", "days_late",
                       "open", "fee", "interest", "currency"])
    return 0


def _account(args: argparse.Namespace) -> int:
    acct = _dict(_call(args, "query", "GetAccount", lpb.GetAccountRequest(
        customer_id=args.customer_id, as_of=args.as_of or "")))
    if args.format != "table":
        _emit(args, acct)
        return 0
    terms = acct.get("terms") or {}
    head = {"customer": acct["customer_id"], "as of": acct["as_of"],
            "currency": acct["currency"],
            "terms": f"{terms['terms_id']} v{terms['version']}: "
                     f"{PaymentTerms.from_json(terms['definition_json']).describe()}"
            if terms else "(net days of the account)",
            "credit limit": acct["credit_limit_minor"], "exposure": acct["exposure_minor"],
            "on hold": "yes" if acct["on_hold"] else "no",
            "over-limit action": acct["over_limit_action"],
            "cash application": acct["allocation_strategy"],
            "dunning policy": acct["dunning_policy_id"] or "(the run's default)",
            "written off / recovered / sold": f"{acct['written_off_minor']} / "
                                              f"{acct['recovered_minor']} / {acct['sold_minor']}"}
    _emit(args, head)
    for title, key, cols in (
            ("holds", "holds", ["date", "event", "source", "actor", "reason"]),
            ("credit-limit decisions", "limit_changes",
             ["date", "old_limit_minor", "new_limit_minor", "actor", "reason"]),
            ("credit checks", "credit_checks",
             ["date", "invoice_id", "action", "exposure_before_minor", "invoice_minor",
              "limit_minor"]),
            ("disputes", "disputes", ["dispute_id", "invoice_id", "amount_minor", "reason_code",
                                      "opened_date", "state", "resolved_date"]),
            ("promises", "promises", ["promise_id", "made_date", "status", "promised_minor",
                                      "paid_minor", "plan", "invoices"]),
            ("dunning history", "dunning", ["date", "invoice_id", "installment", "level",
                                            "action", "policy", "fee_minor", "interest_minor"])):
        rows = acct.get(key) or []
        if key == "promises":
            rows = [{**r, "plan": ", ".join(f"{i['due_date']}={i['amount_minor']}"
                                            for i in r["installments"]),
                     "invoices": ",".join(r["invoice_ids"]) or "(account)"} for r in rows]
        if key == "dunning":
            rows = [{**r, "policy": f"{r['policy_id']} v{r['policy_version']}"} for r in rows]
        print(f"\n{title}:")
        _emit(args, rows, cols)
    return 0


def _bad_debt(args: argparse.Namespace) -> int:
    a = args.action
    if a == "write-off":
        return _command(args, "WriteOffCustomer", cpb.WriteOffCustomerRequest(
            customer_id=args.customer_id, effective_date=args.effective_date))
    if a == "recover":
        return _command(args, "RecordRecovery", cpb.RecordRecoveryRequest(
            recovery_id=args.recovery_id, customer_id=args.customer, amount_minor=args.amount,
            currency=args.currency, method=args.method, value_date=args.value_date))
    if a == "sell":
        return _command(args, "SellReceivables", cpb.SellReceivablesRequest(
            sale_id=args.sale_id, agency=args.agency, invoice_ids=args.invoice,
            price_bp=args.price_bp, sale_date=args.sale_date))
    return _command(args, "RecallSoldReceivables", cpb.RecallSoldReceivablesRequest(
        sale_id=args.sale_id, invoice_ids=args.invoice, recall_date=args.recall_date))


def _refund(args: argparse.Namespace) -> int:
    return _command(args, "RefundUnapplied", cpb.RefundUnappliedRequest(
        refund_id=args.refund_id, payment_id=args.payment or "",
        credit_note_id=args.credit_note or "", amount_minor=args.amount, method=args.method,
        refund_date=args.refund_date))


def register(sub: argparse._SubParsersAction) -> None:
    methods = list(cpb.PaymentMethod.keys())[1:]
    actions = list(cpb.OverLimitAction.keys())[1:]
    strategies = ["OLDEST_DUE_FIRST", "NEWEST_DUE_FIRST", "FEES_INTEREST_PRINCIPAL",
                  "LEAVE_UNAPPLIED"]

    def group(name: str, help_: str, func) -> argparse._SubParsersAction:  # type: ignore[no-untyped-def]
        p = sub.add_parser(name, help=help_)
        p.add_argument("--timeout", type=float, default=30.0, help=argparse.SUPPRESS)
        p.set_defaults(func=func)
        return p.add_subparsers(dest="action", required=True)

    def leaf(g: argparse._SubParsersAction, name: str, help_: str,
             effective: bool = True) -> argparse.ArgumentParser:
        p = g.add_parser(name, help=help_)
        if effective:
            p.add_argument("--effective-date", default=_today(), help="YYYY-MM-DD (default: today)")
        _envelope(p)
        return p

    t = group("terms", "define payment terms (versioned: defining an id again adds a version)",
              _terms)
    td = leaf(t, "define", "net or end-of-month terms, installments, early-payment discount "
              "(needs --actor, --reason)")
    td.add_argument("terms_id")
    td.add_argument("--basis", choices=["NET", "END_OF_MONTH", "DAYS_THEN_END_OF_MONTH"],
                    required=True, help="NET: issue + days; END_OF_MONTH: end of the issue "
                    "month + days; DAYS_THEN_END_OF_MONTH: issue + days, then the end of that "
                    "month")
    td.add_argument("--days", type=int, required=True, help="days after issue (NET, "
                    "DAYS_THEN_END_OF_MONTH) or after the end of the month (END_OF_MONTH)")
    td.add_argument("--day-of-month", type=int, default=0, help="end-of-month bases: then the "
                    "next such day (e.g. 10)")
    td.add_argument("--months", type=int, default=0, help="END_OF_MONTH: the end of the month "
                    "this many months after the issue month (1: end of the following month)")
    td.add_argument("--installment", action="append", metavar="PERCENT_BP:DAYS[:BASIS...]",
                    help="repeat; basis points add up to 10000 (e.g. 5000:30 --installment "
                    "5000:60); a line's own rule: 7000:0:END_OF_MONTH:months=1, "
                    "5000:60:DAYS_THEN_END_OF_MONTH:day=10")
    td.add_argument("--discount", metavar="BP:DAYS", help="e.g. 200:10 for 2 %% within 10 days")
    td.add_argument("--discount-fixed", metavar="AMOUNT_MINOR:CURRENCY:DAYS",
                    help="a fixed discount instead, e.g. 5000:EUR:10 for 50.00 EUR within 10 "
                    "days")

    c = group("credit", "credit control: the credit policy, limits, holds, customer policies",
              _credit)
    cp = leaf(c, "policy", "a new version of the credit policy")
    cp.add_argument("--over-limit", choices=actions, required=True)
    cp.add_argument("--hold-days-past-due", type=int, default=0,
                    help="a dunning run holds accounts with installments later than this")
    cp.add_argument("--tolerance", type=int, default=0, help="short-pay tolerance, minor units")
    cp.add_argument("--tolerance-bp", type=int, default=0, help="short-pay tolerance, bp")
    cl = leaf(c, "limit", "change a credit limit (a credit decision: --actor approves)")
    cl.add_argument("customer_id")
    cl.add_argument("new_limit", type=int, help="minor units (0 = no limit)")
    for name in ("hold", "release"):
        h = leaf(c, name, f"{'place' if name == 'hold' else 'release'} a hold on an account")
        h.add_argument("customer_id")
    cs = leaf(c, "set", "a customer's own terms, over-limit action, cash application, "
              "dunning policy")
    cs.add_argument("customer_id")
    cs.add_argument("--terms")
    cs.add_argument("--over-limit", choices=actions)
    cs.add_argument("--strategy", choices=strategies)
    cs.add_argument("--dunning")

    p = group("promise", "record a promise to pay or a payment plan", _promise)
    pr = leaf(p, "record", "one --pay DATE:AMOUNT for a promise, several for a plan",
              effective=False)
    pr.add_argument("promise_id")
    pr.add_argument("--customer", required=True)
    pr.add_argument("--made", required=True, help="YYYY-MM-DD the promise was made")
    pr.add_argument("--pay", action="append", required=True, metavar="DATE:AMOUNT")
    pr.add_argument("--invoice", action="append", help="invoices it covers (default: all)")

    d = group("dunning", "dunning ladders and runs", _dunning)
    dp = leaf(d, "policy", "define a dunning ladder (versioned)")
    dp.add_argument("policy_id")
    dp.add_argument("--level", action="append", required=True,
                    metavar="DAYS:ACTION[:fee=MINOR][:fee_bp=BP][:interest_bp=BP][:text=KEY]",
                    help="repeat, in increasing days past due (negative = before due: "
                    "write --level=-3:REMINDER); "
                    f"ACTION one of {', '.join(list(cpb.DunningAction.keys())[1:])}")
    dp.add_argument("--day-count", type=int, default=365, choices=(365, 360))
    dr = leaf(d, "run", "run dunning over the partition and print the notices", effective=False)
    dr.add_argument("--as-of", help="YYYY-MM-DD (default: today)")
    dr.add_argument("--default-policy", help="ladder for customers without their own")

    a = sub.add_parser("account", help="a customer's terms, holds, credit decisions, disputes, "
                       "promises and dunning history")
    a.add_argument("customer_id")
    a.add_argument("--as-of", help="YYYY-MM-DD (default: today)")
    a.add_argument("--timeout", type=float, default=30.0, help=argparse.SUPPRESS)
    _common(a)
    a.set_defaults(func=_account)

    b = group("bad-debt", "write off a customer, record recoveries, sell and recall receivables",
              _bad_debt)
    bw = leaf(b, "write-off", "write off everything open of a customer")
    bw.add_argument("customer_id")
    br = leaf(b, "recover", "money received for written-off debt", effective=False)
    br.add_argument("recovery_id")
    money_received_args(br)
    bs = leaf(b, "sell", "sell invoices to an agency at a share of face", effective=False)
    bs.add_argument("sale_id")
    bs.add_argument("--agency", required=True)
    bs.add_argument("--invoice", action="append", required=True)
    bs.add_argument("--price-bp", type=int, required=True, help="e.g. 6200 for 62 %% of face")
    bs.add_argument("--sale-date", required=True)
    bc = leaf(b, "recall", "the agency returns sold invoices", effective=False)
    bc.add_argument("sale_id")
    bc.add_argument("--invoice", action="append", required=True)
    bc.add_argument("--recall-date", required=True)

    r = sub.add_parser("refund", help="pay back unapplied cash or credit")
    r.add_argument("refund_id")
    r.add_argument("--payment")
    r.add_argument("--credit-note")
    r.add_argument("--amount", type=int, required=True)
    r.add_argument("--method", choices=methods, default="BANK_TRANSFER")
    r.add_argument("--refund-date", required=True)
    r.add_argument("--timeout", type=float, default=30.0, help=argparse.SUPPRESS)
    _envelope(r)
    r.set_defaults(func=_refund)
