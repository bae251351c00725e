"""`arledger` commands for terms, credit control, promises, dunning and bad debt.

Each sends one command through the SDK; `account` shows a customer's terms, policies,
holds, credit decisions, disputes, promises and dunning history readably (or as JSON / CSV
with --format).
"""

from __future__ import annotations

import argparse
import datetime as dt
from typing import Any

from arledger.cli import args as A
from arledger.cli import connect
from arledger.cli.output import emit, emit_sections, note
from arledger.cli.payment import METHODS
from arledger.domain.policies import PaymentTerms

OVER_LIMIT_ACTIONS = ["REJECT", "HOLD", "WARN"]
DUNNING_ACTIONS = ["REMINDER", "SECOND_NOTICE", "FINAL_NOTICE", "HOLD_ACCOUNT", "HAND_TO_AGENCY"]
TERMS_BASES = ["NET", "END_OF_MONTH", "DAYS_THEN_END_OF_MONTH"]


def _today() -> str:
    return dt.date.today().isoformat()


def pay(text: str) -> dict[str, Any]:
    """--pay DATE:AMOUNT_MINOR."""
    d, sep, amount = text.partition(":")
    if not sep or not d or not amount.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not DATE:AMOUNT_MINOR "
                                         "(e.g. 2026-05-01:50000)")
    return {"due_date": d, "amount_minor": int(amount)}


def discount(text: str) -> tuple[int, int]:
    """--discount BP:DAYS."""
    bp, sep, days = text.partition(":")
    if not sep or not bp.isdigit() or not days.isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not BP:DAYS (e.g. 200:10)")
    return int(bp), int(days)


def discount_fixed(text: str) -> tuple[int, str, int]:
    """--discount-fixed AMOUNT_MINOR:CURRENCY:DAYS."""
    parts = text.split(":")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1] or not parts[2].isdigit():
        raise argparse.ArgumentTypeError(f"{text!r} is not AMOUNT_MINOR:CURRENCY:DAYS "
                                         "(e.g. 5000:EUR:10)")
    return int(parts[0]), parts[1], int(parts[2])


def installment(text: str) -> dict[str, Any]:
    """PERCENT_BP:DAYS, or PERCENT_BP:DAYS:BASIS[:day=D][:months=M] for a line with a due-date
    rule of its own (e.g. 7000:0:END_OF_MONTH:months=1)."""
    parts = text.split(":")
    bad = argparse.ArgumentTypeError(f"{text!r} is not PERCENT_BP:DAYS[:BASIS[:day=D]"
                                     "[:months=M]]")
    if len(parts) < 2 or not parts[0].isdigit() or not parts[1].isdigit():
        raise bad
    out: dict[str, Any] = {"percent_bp": int(parts[0]), "days": int(parts[1])}
    if len(parts) > 2:
        if parts[2] not in TERMS_BASES:
            raise bad
        out["basis"] = parts[2]
        for opt in parts[3:]:
            k, _, v = opt.partition("=")
            if k not in ("day", "months") or not v.isdigit():
                raise bad
            out["day_of_month" if k == "day" else "months"] = int(v)
    return out


_LEVEL_OPTIONS = {"fee": "fee_fixed_minor", "fee_bp": "fee_bp",
                  "interest_bp": "interest_bp_per_year", "text": "text_key"}


def level(text: str) -> dict[str, Any]:
    """DAYS:ACTION[:fee=MINOR][:fee_bp=BP][:interest_bp=BP][:text=KEY]"""
    parts = text.split(":")
    bad = argparse.ArgumentTypeError(
        f"{text!r} is not DAYS:ACTION[:fee=..][:fee_bp=..][:interest_bp=..][:text=..] "
        f"with ACTION one of {', '.join(DUNNING_ACTIONS)}")
    if len(parts) < 2 or not parts[0].lstrip("-").isdigit() or parts[1] not in DUNNING_ACTIONS:
        raise bad
    out: dict[str, Any] = {"days_past_due": int(parts[0]), "action": parts[1]}
    for kv in parts[2:]:
        k, _, v = kv.partition("=")
        if k not in _LEVEL_OPTIONS or (k != "text" and not v.isdigit()):
            raise bad
        out[_LEVEL_OPTIONS[k]] = v if k == "text" else int(v)
    return out


def _terms(args: argparse.Namespace) -> int:
    disc_bp, disc_days = args.discount or (0, 0)
    fixed, fixed_cur = 0, ""
    if args.discount_fixed:
        fixed, fixed_cur, disc_days = args.discount_fixed
    return connect.send(
        args, "define_payment_terms", terms_id=args.terms_id, basis=args.basis,
        days=args.days, day_of_month=args.day_of_month, months=args.months,
        installments=args.installment or [], discount_bp=disc_bp, discount_days=disc_days,
        discount_fixed_minor=fixed, discount_currency=fixed_cur,
        effective_date=args.effective_date)


def _credit(args: argparse.Namespace) -> int:
    a, when = args.action, {"effective_date": args.effective_date}
    if a == "policy":
        return connect.send(
            args, "define_credit_policy", over_limit_action=args.over_limit,
            hold_days_past_due=args.hold_days_past_due,
            short_pay_tolerance_minor=args.tolerance, short_pay_tolerance_bp=args.tolerance_bp,
            **when)
    if a == "limit":
        return connect.send(args, "change_credit_limit", customer_id=args.customer_id,
                            new_limit_minor=args.new_limit, **when)
    if a in ("hold", "release"):
        return connect.send(args, "place_hold" if a == "hold" else "release_hold",
                            customer_id=args.customer_id, **when)
    return connect.send(
        args, "set_customer_policies", customer_id=args.customer_id,
        payment_terms_id=args.terms or "", over_limit_action=args.over_limit,
        allocation_strategy=args.strategy, dunning_policy_id=args.dunning or "", **when)


def _promise(args: argparse.Namespace) -> int:
    return connect.send(args, "record_promise", promise_id=args.promise_id,
                        customer_id=args.customer, made_date=args.made,
                        invoice_ids=args.invoice or [], installments=args.pay)


def _dunning(args: argparse.Namespace) -> int:
    if args.action == "policy":
        return connect.send(args, "define_dunning_policy", policy_id=args.policy_id,
                            levels=args.level, day_count=args.day_count,
                            effective_date=args.effective_date)
    with connect.ledger(args) as client:
        res = client.run_dunning(args.as_of or _today(),
                                 default_policy_id=args.default_policy or "",
                                 **A.envelope_of(args))
    if args.format == "json":
        emit(res, "json")
        return 0
    rows = [{"customer": n["customer_id"], "action": n["action"], "text_key": n["text_key"],
             "invoice": it["invoice_id"], "inst": it["installment"], "due": it["due_date"],
             "days_late": it["days_past_due"], "open_minor": it["open_minor"],
             "fee_minor": it["fee_minor"], "interest_minor": it["interest_minor"],
             "currency": n["currency"]}
            for n in res.notices for it in n.get("items", ())]
    if args.format == "table":
        note(f"dunning run as of {res.as_of}: {len(res.notices)} notices, {res.steps} steps, "
             f"{res.holds_placed} holds placed, {res.promises_broken} promises broken; "
             f"skipped {res.skipped_disputed} disputed, {res.skipped_promised} under promise "
             f"({res.result.status})")
    emit(rows, args.format, ["customer", "action", "text_key", "invoice", "inst", "due",
                             "days_late", "open_minor", "fee_minor", "interest_minor",
                             "currency"])
    return 0


_ACCOUNT_SECTIONS = (
    ("holds", "holds", ["date", "event", "source", "actor", "reason"]),
    ("credit-limit decisions", "limit_changes",
     ["date", "old_limit_minor", "new_limit_minor", "actor", "reason"]),
    ("credit checks", "credit_checks",
     ["date", "invoice_id", "action", "exposure_before_minor", "invoice_minor", "limit_minor"]),
    ("disputes", "disputes", ["dispute_id", "invoice_id", "amount_minor", "reason_code",
                              "opened_date", "state", "resolved_date"]),
    ("promises", "promises", ["promise_id", "made_date", "status", "promised_minor",
                              "paid_minor", "plan", "invoices"]),
    ("dunning history", "dunning", ["date", "invoice_id", "installment", "level", "action",
                                    "policy", "fee_minor", "interest_minor"]))


def _account_head(acct: dict) -> dict:
    terms = acct.get("terms") or {}
    return {"customer": acct["customer_id"], "as of": acct["as_of"],
            "currency": acct["currency"],
            "terms": f"{terms['terms_id']} v{terms['version']}: "
                     f"{PaymentTerms.from_json(terms['definition_json']).describe()}"
            if terms else "(net days of the account)",
            "credit limit_minor": acct["credit_limit_minor"],
            "exposure_minor": acct["exposure_minor"],
            "on hold": acct["on_hold"], "over-limit action": acct["over_limit_action"],
            "cash application": acct["allocation_strategy"],
            "dunning policy": acct["dunning_policy_id"] or "(the run's default)",
            "written off_minor": acct["written_off_minor"],
            "recovered_minor": acct["recovered_minor"], "sold_minor": acct["sold_minor"]}


def _account(args: argparse.Namespace) -> int:
    with connect.ledger(args) as client:
        acct = client.get_account(args.customer_id, as_of=args.as_of or None,
                                  known_at=args.known_at)
    if args.format == "json":
        emit(acct, "json")
        return 0
    head = _account_head(acct) if args.format == "table" else {
        k: v for k, v in acct.items() if not isinstance(v, (list, dict))} | {
        "terms_id": (acct.get("terms") or {}).get("terms_id", "")}
    parts: list[tuple[str, Any, list[str] | None]] = [("account", head, None)]
    for title, key, cols in _ACCOUNT_SECTIONS:
        rows = acct.get(key) or []
        if key == "promises":
            rows = [{**r, "plan": ", ".join(f"{i['due_date']}={i['amount_minor']}"
                                            for i in r["installments"]),
                     "invoices": ",".join(r["invoice_ids"]) or "(account)"} for r in rows]
        if key == "dunning":
            rows = [{**r, "policy": f"{r['policy_id']} v{r['policy_version']}"} for r in rows]
        parts.append((title, rows, cols))
    emit_sections(args.format, parts, currency=acct["currency"])
    return 0


def _bad_debt(args: argparse.Namespace) -> int:
    a = args.action
    if a == "write-off":
        return connect.send(args, "write_off_customer", customer_id=args.customer_id,
                            effective_date=args.effective_date)
    if a == "recover":
        return connect.send(
            args, "record_recovery", recovery_id=args.recovery_id, customer_id=args.customer,
            amount_minor=args.amount, currency=args.currency, method=args.method,
            value_date=args.value_date)
    if a == "sell":
        return connect.send(args, "sell_receivables", sale_id=args.sale_id,
                            agency=args.agency, invoice_ids=args.invoice,
                            price_bp=args.price_bp, sale_date=args.sale_date)
    return connect.send(args, "recall_sold_receivables", sale_id=args.sale_id,
                        invoice_ids=args.invoice, recall_date=args.recall_date)


def _refund(args: argparse.Namespace) -> int:
    return connect.send(args, "refund_unapplied", refund_id=args.refund_id,
                        payment_id=args.payment or "", credit_note_id=args.credit_note or "",
                        amount_minor=args.amount, method=args.method,
                        refund_date=args.refund_date)


def _group(sub: argparse._SubParsersAction, name: str, help_: str,
           func) -> argparse._SubParsersAction:  # type: ignore[no-untyped-def]
    p = sub.add_parser(name, help=help_)
    A.timeout(p, 30.0)
    p.set_defaults(func=func)
    return p.add_subparsers(dest="action", required=True)


def _leaf(g: argparse._SubParsersAction, name: str, help_: str,
          effective: bool = True) -> argparse.ArgumentParser:
    p = g.add_parser(name, help=help_)
    if effective:
        p.add_argument("--effective-date", default=_today(), help="YYYY-MM-DD (default: today)")
    A.envelope(p)
    return p


def _register_terms(sub: argparse._SubParsersAction) -> None:
    t = _group(sub, "terms", "define payment terms (versioned: defining an id again adds a "
               "version)", _terms)
    td = _leaf(t, "define", "net or end-of-month terms, installments, early-payment discount "
               "(needs --actor, --reason)")
    td.add_argument("terms_id")
    td.add_argument("--basis", choices=TERMS_BASES, required=True,
                    help="NET: issue + days; END_OF_MONTH: end of the issue month + days; "
                    "DAYS_THEN_END_OF_MONTH: issue + days, then the end of that month")
    td.add_argument("--days", type=A.non_negative, required=True, help="days after issue "
                    "(NET, DAYS_THEN_END_OF_MONTH) or after the end of the month "
                    "(END_OF_MONTH)")
    td.add_argument("--day-of-month", type=A.non_negative, default=0, help="end-of-month "
                    "bases: then the next such day (e.g. 10)")
    td.add_argument("--months", type=A.non_negative, default=0, help="END_OF_MONTH: the end "
                    "of the month this many months after the issue month (1: end of the "
                    "following month)")
    td.add_argument("--installment", action="append", type=installment,
                    metavar="PERCENT_BP:DAYS[:BASIS...]",
                    help="repeat; basis points add up to 10000 (e.g. 5000:30 --installment "
                    "5000:60); a line's own rule: 7000:0:END_OF_MONTH:months=1, "
                    "5000:60:DAYS_THEN_END_OF_MONTH:day=10")
    td.add_argument("--discount", type=discount, metavar="BP:DAYS",
                    help="e.g. 200:10 for 2 %% within 10 days")
    td.add_argument("--discount-fixed", type=discount_fixed,
                    metavar="AMOUNT_MINOR:CURRENCY:DAYS",
                    help="a fixed discount instead, e.g. 5000:EUR:10 for 50.00 EUR within 10 "
                    "days")


def _register_credit(sub: argparse._SubParsersAction) -> None:
    c = _group(sub, "credit", "credit control: the credit policy, limits, holds, customer "
               "policies", _credit)
    cp = _leaf(c, "policy", "a new version of the credit policy")
    cp.add_argument("--over-limit", choices=OVER_LIMIT_ACTIONS, required=True)
    cp.add_argument("--hold-days-past-due", type=A.non_negative, default=0,
                    help="a dunning run holds accounts with installments later than this")
    cp.add_argument("--tolerance", type=A.non_negative, default=0,
                    help="short-pay tolerance, minor units")
    cp.add_argument("--tolerance-bp", type=A.non_negative, default=0,
                    help="short-pay tolerance, bp")
    cl = _leaf(c, "limit", "change a credit limit (a credit decision: --actor approves)")
    cl.add_argument("customer_id")
    cl.add_argument("new_limit", type=A.non_negative, help="minor units (0 = no limit)")
    for name in ("hold", "release"):
        h = _leaf(c, name, f"{'place' if name == 'hold' else 'release'} a hold on an account")
        h.add_argument("customer_id")
    cs = _leaf(c, "set", "a customer's own terms, over-limit action, cash application, "
               "dunning policy")
    cs.add_argument("customer_id")
    cs.add_argument("--terms")
    cs.add_argument("--over-limit", choices=OVER_LIMIT_ACTIONS)
    cs.add_argument("--strategy", choices=["OLDEST_DUE_FIRST", "NEWEST_DUE_FIRST",
                                           "FEES_INTEREST_PRINCIPAL", "LEAVE_UNAPPLIED"])
    cs.add_argument("--dunning")


def _register_collections(sub: argparse._SubParsersAction) -> None:
    p = _group(sub, "promise", "record a promise to pay or a payment plan", _promise)
    pr = _leaf(p, "record", "one --pay DATE:AMOUNT for a promise, several for a plan",
               effective=False)
    pr.add_argument("promise_id")
    pr.add_argument("--customer", required=True)
    pr.add_argument("--made", required=True, help="YYYY-MM-DD the promise was made")
    pr.add_argument("--pay", action="append", type=pay, required=True, metavar="DATE:AMOUNT")
    pr.add_argument("--invoice", action="append", help="invoices it covers (default: all)")
    d = _group(sub, "dunning", "dunning ladders and runs", _dunning)
    dp = _leaf(d, "policy", "define a dunning ladder (versioned)")
    dp.add_argument("policy_id")
    dp.add_argument("--level", action="append", type=level, required=True,
                    metavar="DAYS:ACTION[:fee=MINOR][:fee_bp=BP][:interest_bp=BP][:text=KEY]",
                    help="repeat, in increasing days past due (negative = before due: "
                    f"write --level=-3:REMINDER); ACTION one of {', '.join(DUNNING_ACTIONS)}")
    dp.add_argument("--day-count", type=int, default=365, choices=(365, 360))
    dr = _leaf(d, "run", "run dunning over the partition and print the notices",
               effective=False)
    dr.add_argument("--as-of", help="YYYY-MM-DD (default: today)")
    dr.add_argument("--default-policy", help="ladder for customers without their own")
    a = sub.add_parser("account", help="a customer's terms, holds, credit decisions, "
                       "disputes, promises and dunning history")
    a.add_argument("customer_id")
    A.clocks(a)
    A.timeout(a, 30.0)
    A.common(a)
    a.set_defaults(func=_account)


def _register_bad_debt(sub: argparse._SubParsersAction) -> None:
    b = _group(sub, "bad-debt", "write off a customer, record recoveries, sell and recall "
               "receivables", _bad_debt)
    bw = _leaf(b, "write-off", "write off everything open of a customer")
    bw.add_argument("customer_id")
    br = _leaf(b, "recover", "money received for written-off debt", effective=False)
    br.add_argument("recovery_id")
    A.money_received(br, METHODS)
    bs = _leaf(b, "sell", "sell invoices to an agency at a share of face", effective=False)
    bs.add_argument("sale_id")
    bs.add_argument("--agency", required=True)
    bs.add_argument("--invoice", action="append", required=True)
    bs.add_argument("--price-bp", type=A.non_negative, required=True,
                    help="e.g. 6200 for 62 %% of face")
    bs.add_argument("--sale-date", required=True)
    bc = _leaf(b, "recall", "the agency returns sold invoices", effective=False)
    bc.add_argument("sale_id")
    bc.add_argument("--invoice", action="append", required=True)
    bc.add_argument("--recall-date", required=True)
    r = sub.add_parser("refund", help="pay back unapplied cash or credit")
    r.add_argument("refund_id")
    r.add_argument("--payment")
    r.add_argument("--credit-note")
    r.add_argument("--amount", type=A.non_negative, required=True, help="minor units")
    r.add_argument("--method", choices=METHODS, default="BANK_TRANSFER")
    r.add_argument("--refund-date", required=True)
    A.timeout(r, 30.0)
    A.envelope(r)
    r.set_defaults(func=_refund)


def register(sub: argparse._SubParsersAction) -> None:
    _register_terms(sub)
    _register_credit(sub)
    _register_collections(sub)
    _register_bad_debt(sub)
