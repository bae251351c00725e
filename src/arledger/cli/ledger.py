"""`arledger` commands that talk to a running server over gRPC."""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Iterator
from typing import Any

import grpc
from google.protobuf import json_format

from arledger.domain.errors import error
from arledger.v1 import columnar_pb2 as colpb
from arledger.v1 import commands_pb2 as cpb
from arledger.v1 import ledger_pb2 as lpb
from arledger.v1 import ledger_pb2_grpc as lgrpc
from arledger_client.errors import ArledgerError, from_rpc_error


def _channel(args: argparse.Namespace) -> grpc.Channel:
    """A channel to --target with the credentials of the flags, environment or client
    config file (plaintext when there are none)."""
    from arledger_client.credentials import Credentials
    try:
        creds = Credentials.load(
            ca=getattr(args, "ca_file", None), cert=getattr(args, "client_cert", None),
            key=getattr(args, "client_key", None), token_file=getattr(args, "token_file", None),
            server_name=getattr(args, "server_name", None),
            config_file=getattr(args, "client_config", None) or None)
        return creds.channel(args.target, options=[
            ("grpc.max_send_message_length", 64 << 20),
            ("grpc.max_receive_message_length", 64 << 20)])
    except (ValueError, OSError) as e:
        raise SystemExit(f"arledger: credentials: {e}") from None


def _call(args: argparse.Namespace, service: str, method: str, request: Any) -> Any:
    stub = {"ledger": lgrpc.LedgerServiceStub, "query": lgrpc.QueryServiceStub,
            "log": lgrpc.LogServiceStub}[service](_channel(args))
    try:
        return getattr(stub, method)(request, timeout=args.timeout)
    except grpc.RpcError as e:
        raise _remote(e) from None


def _remote(e: grpc.RpcError) -> ArledgerError:
    return from_rpc_error(e)  # the SDK's typed error, with the server's reason


def _dict(msg: Any) -> dict:
    """A message as plain JSON-able data, 64-bit integers as ints (not JSON strings)."""
    return _ints(msg, json_format.MessageToDict(msg, preserving_proto_field_name=True,
                                                always_print_fields_with_no_presence=True))


_INT64 = {d.FieldDescriptor.TYPE_INT64, d.FieldDescriptor.TYPE_UINT64} if (
    d := __import__("google.protobuf.descriptor", fromlist=["x"])) else set()


def _ints(msg: Any, data: Any) -> Any:
    if isinstance(data, float) and data.is_integer():
        return int(data)  # Struct numbers (log fields) are exact integers by the limits
    if isinstance(data, list):
        return [_ints(None, x) if msg is None else x for x in data]
    if not isinstance(data, dict) or msg is None or not hasattr(msg, "DESCRIPTOR"):
        return {k: _ints(None, v) for k, v in data.items()} if isinstance(data, dict) else data
    out = {}
    order = {f.name: i for i, f in enumerate(msg.DESCRIPTOR.fields)}
    for k, v in sorted(data.items(), key=lambda kv: order.get(kv[0], len(order))):
        f = msg.DESCRIPTOR.fields_by_name.get(k)
        if f is None:
            out[k] = v
        elif f.type in _INT64:
            out[k] = [int(x) for x in v] if isinstance(v, list) else int(v)
        elif f.message_type is not None and f.message_type.full_name == "google.protobuf.Struct":
            out[k] = _ints(None, v)
        elif f.message_type is not None:
            sub = getattr(msg, k)
            out[k] = ([_ints(m, x) for m, x in zip(sub, v)] if isinstance(v, list)
                      else _ints(sub, v))
        else:
            out[k] = v
    return out


def _emit(args: argparse.Namespace, obj: Any, columns: list[str] | None = None) -> None:
    from arledger.cli.app import emit
    emit(obj, args.format, columns)


def _command(args: argparse.Namespace, rpc: str, request: Any) -> int:
    request.request_id = args.request_id or uuid.uuid4().hex
    request.actor = args.actor
    request.reason = args.reason
    res = _call(args, "ledger", rpc, request)
    out = _dict(res)
    out = {k: v for k, v in out.items() if v not in ("", [], "0", 0) or k in ("status", "position")}
    _emit(args, out)
    return 0


# ---- commands ---------------------------------------------------------------------------

def _customer(args: argparse.Namespace) -> int:
    if args.action == "show":
        return _show(args, _call(args, "query", "GetCustomer",
                                 lpb.GetCustomerRequest(customer_id=args.customer_id)))
    if args.action == "open":
        return _command(args, "OpenCustomer", cpb.OpenCustomerRequest(
            customer_id=args.customer_id, name=args.name, currency=args.currency,
            billing_contact=args.contact or "", payment_terms_net_days=args.net_days,
            credit_limit_minor=args.credit_limit, opened_date=args.opened,
            address=cpb.Address(line1=args.line1 or "", city=args.city or "",
                                postal_code=args.postal_code or "", country=args.country or "")))
    if args.action == "update":
        req = cpb.UpdateCustomerRequest(customer_id=args.customer_id,
                                        effective_date=args.effective_date)
        for field, value in (("name", args.name), ("billing_contact", args.contact),
                             ("payment_terms_net_days", args.net_days),
                             ("credit_limit_minor", args.credit_limit)):
            if value is not None:
                setattr(req, field, value)
        return _command(args, "UpdateCustomer", req)
    return _command(args, "CloseCustomer", cpb.CloseCustomerRequest(
        customer_id=args.customer_id, effective_date=args.effective_date))


def _show(args: argparse.Namespace, msg: Any) -> int:
    _emit(args, _dict(msg))
    return 0


def _allocations(pairs: list[str] | None) -> list[cpb.Allocation]:
    out = []
    for p in pairs or ():
        inv, _, amt = p.partition("=")
        out.append(cpb.Allocation(invoice_id=inv, amount_minor=int(amt)))
    return out


def _invoice(args: argparse.Namespace) -> int:
    if args.action == "issue":
        lines = []
        for spec in args.line or ():
            desc, qty, price = spec.rsplit(":", 2)
            lines.append(cpb.InvoiceLine(description=desc, quantity=int(qty),
                                         unit_price_minor=int(price)))
        return _command(args, "IssueInvoice", cpb.IssueInvoiceRequest(
            invoice_id=args.invoice_id, customer_id=args.customer, po_number=args.po or "",
            issue_date=args.issue_date, due_date=args.due_date or "", currency=args.currency or "",
            amount_minor=args.amount or 0, lines=lines))
    if args.action == "void":
        return _command(args, "VoidInvoice", cpb.VoidInvoiceRequest(
            invoice_id=args.invoice_id, effective_date=args.effective_date))
    return _command(args, "WriteOffInvoice", cpb.WriteOffInvoiceRequest(
        invoice_id=args.invoice_id, amount_minor=args.amount or 0,
        effective_date=args.effective_date))


def _payment(args: argparse.Namespace) -> int:
    if args.action == "record":
        return _command(args, "RecordPayment", cpb.RecordPaymentRequest(
            payment_id=args.payment_id, customer_id=args.customer, amount_minor=args.amount,
            currency=args.currency, method=cpb.PaymentMethod.Value(args.method),
            value_date=args.value_date, remittance_reference=args.remittance or "",
            strategy=cpb.AllocationStrategy.Value(args.strategy),
            allocations=_allocations(args.allocate)))
    if args.action == "allocate":
        return _command(args, "AllocatePayment", cpb.AllocatePaymentRequest(
            payment_id=args.payment_id, effective_date=args.effective_date,
            strategy=cpb.AllocationStrategy.Value(args.strategy),
            allocations=_allocations(args.allocate)))
    return _command(args, "ReversePayment", cpb.ReversePaymentRequest(
        payment_id=args.payment_id, effective_date=args.effective_date,
        reversal_reason=cpb.ReversalReason.Value(args.reversal_reason)))


def _credit_note(args: argparse.Namespace) -> int:
    if args.action == "issue":
        return _command(args, "IssueCreditNote", cpb.IssueCreditNoteRequest(
            credit_note_id=args.credit_note_id, customer_id=args.customer,
            invoice_id=args.invoice or "", amount_minor=args.amount, currency=args.currency,
            issue_date=args.issue_date, reason_code=args.reason_code or ""))
    return _command(args, "AllocateCreditNote", cpb.AllocateCreditNoteRequest(
        credit_note_id=args.credit_note_id, effective_date=args.effective_date,
        strategy=cpb.AllocationStrategy.Value(args.strategy),
        allocations=_allocations(args.allocate)))


def _dispute(args: argparse.Namespace) -> int:
    if args.action == "open":
        return _command(args, "OpenDispute", cpb.OpenDisputeRequest(
            dispute_id=args.dispute_id, invoice_id=args.invoice, amount_minor=args.amount,
            reason_code=args.reason_code, opened_date=args.opened))
    if args.action == "review":
        return _command(args, "ReviewDispute", cpb.ReviewDisputeRequest(
            dispute_id=args.dispute_id, effective_date=args.effective_date))
    return _command(args, "ResolveDispute", cpb.ResolveDisputeRequest(
        dispute_id=args.dispute_id, outcome=cpb.DisputeOutcome.Value(args.outcome),
        credited_amount_minor=args.credited or 0, credit_note_id=args.credit_note or "",
        resolved_date=args.resolved))


def _balance(args: argparse.Namespace) -> int:
    return _show(args, _call(args, "query", "GetBalance", lpb.GetBalanceRequest(
        customer_id=args.customer_id, as_of=args.as_of or "")))


def _open_items(args: argparse.Namespace) -> int:
    items: list[dict] = []
    token = ""
    while True:
        resp = _call(args, "query", "ListOpenItems", lpb.ListOpenItemsRequest(
            customer_id=args.customer_id, as_of=args.as_of or "", page_size=1000,
            page_token=token))
        items.extend(_dict(i) for i in resp.items)
        token = resp.next_page_token
        if not token:
            break
    _emit(args, [{k: (int(v) if k.endswith("_minor") else v) for k, v in i.items()}
                 for i in items])
    return 0


def _aging(args: argparse.Namespace) -> int:
    rep = _call(args, "query", "GetAging", lpb.GetAgingRequest(
        customer_id=args.customer or "", as_of=args.as_of or "",
        basis=lpb.AgingBasis.Value(args.basis),
        bucket_edges_days=[int(x) for x in args.edges.split(",")] if args.edges else []))
    if args.format == "json":
        _emit(args, _dict(rep))
        return 0
    rows = []
    for r in rep.rows:
        row: dict[str, Any] = {"currency": r.currency}
        row.update(zip(rep.bucket_labels, r.buckets_minor))
        row.update(unapplied=r.unapplied_minor, balance=r.balance_minor,
                   disputed=r.disputed_minor, items=r.open_item_count)
        rows.append(row)
    print(f"aging as of {rep.as_of} ({lpb.AgingBasis.Name(rep.basis)} basis, position "
          f"{rep.position}); disputed is also counted in its bucket")
    _emit(args, rows)
    return 0


def _events(args: argparse.Namespace) -> int:
    stub = lgrpc.LogServiceStub(_channel(args))
    rows = []
    try:
        for e in stub.StreamEntries(lpb.StreamEntriesRequest(from_position=args.from_position,
                                                             limit=args.limit)):
            d = _dict(e)
            d["position"] = int(d["position"])
            if args.format == "json":
                print(json.dumps(d), flush=True)
            else:
                rows.append({"position": d["position"], "type": d["type"],
                             "effective_date": d["effective_date"], "request_id": d["request_id"],
                             "actor": d["actor"], "fields": json.dumps(d["fields"])[:100]})
    except grpc.RpcError as err:
        raise _remote(err) from None
    if args.format != "json":
        _emit(args, rows)
    return 0


def _verify(args: argparse.Namespace) -> int:
    if args.data_dir or args.store:
        from arledger.cli.app import cmd_verify_offline
        return cmd_verify_offline(args)
    rep = _call(args, "log", "VerifyLog", lpb.VerifyLogRequest())
    _emit(args, _dict(rep))
    return 0 if rep.ok else 1


def _head(args: argparse.Namespace) -> int:
    return _show(args, _call(args, "log", "GetLogHead",
                             lpb.GetLogHeadRequest(with_state_digest=args.digest)))


def _read_jsonl(path: str) -> Iterator[tuple[int, cpb.Command]]:
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    yield n, json_format.Parse(line, cpb.Command())
                except json_format.ParseError as e:
                    raise error("MALFORMED_JSON", f"line {n}: {e}") from None


def _submit(args: argparse.Namespace) -> int:
    """Stream a JSONL file of commands through the columnar path (SubmitColumnarStream):
    the five volume kinds as columns, any other command at its place."""
    from arledger.cli.app import Progress
    from arledger_client.columnar import ColumnarBatch
    if args.file == "-":
        raise error("MISSING_FIELD", "submit reads a file (it is checked whole before sending)")
    # A malformed line anywhere stops the submit before anything is sent.
    total = sum(1 for _ in _read_jsonl(args.file))
    bar = Progress(total, "submit", "commands")
    lines: list[list[int]] = []

    def batches() -> Iterator[colpb.ColumnarBatch]:
        b, nums = ColumnarBatch(atomic=args.atomic), []
        for n, cmd in _read_jsonl(args.file):
            b.add(cmd)
            nums.append(n)
            if len(b) >= args.batch_size:
                lines.append(nums)
                yield b.message()
                b, nums = ColumnarBatch(atomic=args.atomic), []
        if len(b):
            lines.append(nums)
            yield b.message()

    stub = lgrpc.LedgerServiceStub(_channel(args))
    counts = {"commands": 0, "accepted": 0, "duplicates": 0, "rejected": 0, "last_position": 0}
    rej = []
    try:
        for res in stub.SubmitColumnarStream(batches(), timeout=None):
            n = len(res.status)
            bar.update(n)
            counts["commands"] += n
            counts["accepted"] += res.accepted
            counts["duplicates"] += res.duplicates
            counts["rejected"] += res.rejected
            counts["last_position"] = max(counts["last_position"], res.last_position)
            rej += [{"line": lines[r.batch_index][r.command_index], "request_id": r.request_id,
                     "reason": r.reason, "message": r.message} for r in res.rejections]
    except grpc.RpcError as e:
        raise _remote(e) from None
    bar.close()
    _emit(args, counts)
    if rej:
        print(file=sys.stderr)
        _emit(args, rej)
    return 0 if not counts["rejected"] else 3


def _demo(args: argparse.Namespace) -> int:
    """Stream the synthetic demo portfolio into a running server."""
    from arledger import synthetic
    from arledger.cli.app import Progress
    spec = synthetic.PortfolioSpec(customers=args.customers, seed=args.seed)
    bar = Progress(synthetic.estimate_commands(spec), "demo", "commands")

    def batches() -> Iterator[cpb.Batch]:
        for b in synthetic.generate_batches(spec, 2000):
            bar.update(len(b))
            yield cpb.Batch(commands=b)

    try:
        s = lgrpc.LedgerServiceStub(_channel(args)).SubmitBatchStream(batches())
    except grpc.RpcError as e:
        raise _remote(e) from None
    bar.close()
    _emit(args, {"commands": s.commands, "accepted": s.accepted, "duplicates": s.duplicates,
                 "rejected": s.rejected})
    return 0


# ---- parser -----------------------------------------------------------------------------

def _common(p: argparse.ArgumentParser) -> None:
    # Also accepted after the command (`arledger balance X --format json`).
    p.add_argument("--format", choices=("table", "json", "csv"), default=argparse.SUPPRESS,
                   help="table (default) or json")
    p.add_argument("--target", default=argparse.SUPPRESS, help="server address")


def _envelope(p: argparse.ArgumentParser) -> None:
    _common(p)
    p.add_argument("--request-id", default="", help="idempotency key (default: a new uuid)")
    p.add_argument("--actor", default="", help="who decides (required for updates, "
                   "write-offs, dispute resolutions)")
    p.add_argument("--reason", default="", help="why (required where a person decides)")


def money_received_args(p: argparse.ArgumentParser) -> None:
    """--customer, --amount, --currency, --method and --value-date of money received (a
    payment, or a recovery of written-off debt)."""
    p.add_argument("--customer", required=True)
    p.add_argument("--amount", type=int, required=True)
    p.add_argument("--currency", required=True)
    p.add_argument("--method", choices=list(cpb.PaymentMethod.keys())[1:],
                   default="BANK_TRANSFER")
    p.add_argument("--value-date", required=True)


def register(sub: argparse._SubParsersAction) -> None:
    strategies = list(cpb.AllocationStrategy.keys())

    def cmd(name: str, help_: str, func) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
        p = sub.add_parser(name, help=help_)
        p.add_argument("--timeout", type=float, default=30.0, help=argparse.SUPPRESS)
        if name not in ("customer", "invoice", "payment", "credit-note", "dispute"):
            _common(p)
        p.set_defaults(func=func)
        return p

    c = cmd("customer", "open, update, close or show a customer account", _customer)
    cs = c.add_subparsers(dest="action", required=True)
    o = cs.add_parser("open", help="open an account")
    o.add_argument("customer_id")
    o.add_argument("--name", required=True)
    o.add_argument("--currency", required=True, help="ISO 4217, e.g. EUR")
    o.add_argument("--net-days", type=int, default=30, help="default payment terms (net days)")
    o.add_argument("--credit-limit", type=int, default=0, help="minor units")
    o.add_argument("--opened", required=True, help="YYYY-MM-DD")
    o.add_argument("--contact")
    o.add_argument("--line1")
    o.add_argument("--city")
    o.add_argument("--postal-code")
    o.add_argument("--country")
    _envelope(o)
    u = cs.add_parser("update", help="change master data (needs --actor and --reason)")
    u.add_argument("customer_id")
    u.add_argument("--effective-date", required=True)
    u.add_argument("--name")
    u.add_argument("--contact")
    u.add_argument("--net-days", type=int)
    u.add_argument("--credit-limit", type=int)
    _envelope(u)
    cl = cs.add_parser("close", help="close an account with nothing open")
    cl.add_argument("customer_id")
    cl.add_argument("--effective-date", required=True)
    _envelope(cl)
    sh = cs.add_parser("show", help="master data of an account")
    sh.add_argument("customer_id")
    _common(sh)

    i = cmd("invoice", "issue, void or write off an invoice", _invoice)
    isub = i.add_subparsers(dest="action", required=True)
    ii = isub.add_parser("issue", help="issue an invoice (amount or --line DESC:QTY:PRICE)")
    ii.add_argument("invoice_id")
    ii.add_argument("--customer", required=True)
    ii.add_argument("--amount", type=int, help="minor units")
    ii.add_argument("--line", action="append", help="DESCRIPTION:QUANTITY:UNIT_PRICE_MINOR")
    ii.add_argument("--issue-date", required=True)
    ii.add_argument("--due-date", help="default: issue date + the account's net days")
    ii.add_argument("--currency", help="default: the account's")
    ii.add_argument("--po", help="PO / order number")
    _envelope(ii)
    for name, help_ in (("void", "void an invoice with nothing applied (needs --reason)"),
                        ("write-off", "write off the open remainder (needs --actor, --reason)")):
        v = isub.add_parser(name, help=help_)
        v.add_argument("invoice_id")
        v.add_argument("--effective-date", required=True)
        if name == "write-off":
            v.add_argument("--amount", type=int, help="minor units (default: all open)")
        _envelope(v)

    pmt = cmd("payment", "record, allocate or reverse a payment", _payment)
    ps = pmt.add_subparsers(dest="action", required=True)
    pr = ps.add_parser("record", help="record money received")
    pr.add_argument("payment_id")
    money_received_args(pr)
    pr.add_argument("--remittance")
    pr.add_argument("--strategy", choices=strategies, default="ALLOCATION_STRATEGY_UNSPECIFIED",
                    help="default: EXPLICIT with --allocate, else OLDEST_DUE_FIRST")
    pr.add_argument("--allocate", action="append", metavar="INVOICE=AMOUNT")
    _envelope(pr)
    pa = ps.add_parser("allocate", help="allocate unapplied cash")
    pa.add_argument("payment_id")
    pa.add_argument("--effective-date", required=True)
    pa.add_argument("--strategy", choices=strategies, default="ALLOCATION_STRATEGY_UNSPECIFIED")
    pa.add_argument("--allocate", action="append", metavar="INVOICE=AMOUNT")
    _envelope(pa)
    pv = ps.add_parser("reverse", help="reverse a payment (reopens what it settled)")
    pv.add_argument("payment_id")
    pv.add_argument("--effective-date", required=True)
    pv.add_argument("--reversal-reason", choices=list(cpb.ReversalReason.keys())[1:],
                    default="RETURNED_CHEQUE")
    _envelope(pv)

    cn = cmd("credit-note", "issue or allocate a credit note", _credit_note)
    cns = cn.add_subparsers(dest="action", required=True)
    ci = cns.add_parser("issue", help="against --invoice, or as account credit")
    ci.add_argument("credit_note_id")
    ci.add_argument("--customer", required=True)
    ci.add_argument("--invoice")
    ci.add_argument("--amount", type=int, required=True)
    ci.add_argument("--currency", required=True)
    ci.add_argument("--issue-date", required=True)
    ci.add_argument("--reason-code")
    _envelope(ci)
    ca = cns.add_parser("allocate", help="allocate unapplied credit")
    ca.add_argument("credit_note_id")
    ca.add_argument("--effective-date", required=True)
    ca.add_argument("--strategy", choices=strategies, default="ALLOCATION_STRATEGY_UNSPECIFIED")
    ca.add_argument("--allocate", action="append", metavar="INVOICE=AMOUNT")
    _envelope(ca)

    d = cmd("dispute", "open, review or resolve a dispute", _dispute)
    ds = d.add_subparsers(dest="action", required=True)
    do = ds.add_parser("open", help="contest (part of) an invoice")
    do.add_argument("dispute_id")
    do.add_argument("--invoice", required=True)
    do.add_argument("--amount", type=int, required=True)
    do.add_argument("--reason-code", required=True)
    do.add_argument("--opened", required=True)
    _envelope(do)
    dv = ds.add_parser("review", help="put an open dispute under review (needs --actor, "
                       "--reason)")
    dv.add_argument("dispute_id")
    dv.add_argument("--effective-date", required=True)
    _envelope(dv)
    dr = ds.add_parser("resolve", help="resolve (needs --actor, --reason)")
    dr.add_argument("dispute_id")
    dr.add_argument("--outcome", required=True, choices=list(cpb.DisputeOutcome.keys())[1:])
    dr.add_argument("--credited", type=int, help="for DISPUTE_PARTIALLY_UPHELD")
    dr.add_argument("--credit-note", help="credit note id when credit is given")
    dr.add_argument("--resolved", required=True)
    _envelope(dr)

    b = cmd("balance", "a customer's balance as of a date", _balance)
    b.add_argument("customer_id")
    b.add_argument("--as-of", help="YYYY-MM-DD (default: today)")
    oi = cmd("open-items", "a customer's open items", _open_items)
    oi.add_argument("customer_id")
    oi.add_argument("--as-of")
    a = cmd("aging", "aging of a customer or the whole portfolio, per currency", _aging)
    a.add_argument("--customer")
    a.add_argument("--as-of")
    a.add_argument("--basis", choices=["DUE_DATE", "INVOICE_DATE"], default="DUE_DATE")
    a.add_argument("--edges", help="bucket upper edges in days, e.g. 30,60,90,120")
    e = cmd("events", "stream log entries from a position", _events)
    e.add_argument("--from", dest="from_position", type=int, default=1)
    e.add_argument("--limit", type=int, default=0, help="0 = to the head")
    h = cmd("head", "the log head (position, segment, hash)", _head)
    h.add_argument("--digest", action="store_true", help="also the state digest (slow on a big "
                   "ledger: it reads the whole state)")
    v = cmd("verify", "recompute the hash chain (server, or --data-dir offline)", _verify)
    v.add_argument("--data-dir", help="verify a data directory no server holds")
    v.add_argument("--store", default="", help="verify a PostgreSQL log (postgresql:// URL) "
                   "offline, with --namespace and --partition")
    v.add_argument("--namespace", default="arledger", help="PostgreSQL table prefix")
    v.add_argument("--partition", default="0/1", help="partition I/N (default 0/1)")
    s = cmd("submit", "stream commands from a JSONL file (protobuf JSON mapping)", _submit)
    s.add_argument("file", help="one Command per line (every line is checked before any is sent)")
    s.add_argument("--batch-size", type=int, default=1000)
    s.add_argument("--atomic", action="store_true", help="each batch all-or-nothing")
    dm = cmd("demo", "load the synthetic demo portfolio into a running server", _demo)
    dm.add_argument("--customers", type=int, default=500)
    dm.add_argument("--seed", type=int, default=7)
