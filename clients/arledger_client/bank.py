"""Bank client (issue 19): import bank statements, run the matcher, work the exceptions
queue.

    from arledger_client.bank import BankClient
    with BankClient("127.0.0.1:50051") as bank:
        summary = bank.import_statement("statement.xml", format="CAMT053")
        for line in bank.queue():
            print(line["line_id"], line["amount_minor"], line["candidates"][:1])
        bank.confirm("BL-17", rank=1, actor="ann", reason="remittance advice by mail")
        bank.apply_to_invoices("BL-18", "ACME", {"INV-1043": 119000}, actor="ann",
                               reason="customer's e-mail")
        bank.assign_customer("BL-19", "ACME", actor="ann", reason="known payer")
        bank.leave_unapplied("BL-20", "ACME", actor="ann", reason="waiting for advice")
        bank.dismiss("BL-21", actor="ann", reason="bank interest, not a receipt")

Results are plain dicts (money as int minor units). Commands carry request ids (a retry is
never recorded twice; an import's ids derive from the file's SHA-256); errors are the SDK's
typed ArledgerError subclasses with the stable reason.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import grpc

from arledger_client.connection import Connection
from arledger_client.credentials import Credentials
from arledger_client.models import CommandResult, DateLike, _command_result, _iso, _message_data
from arledger_client.retry import call_with_retries
from arledger_client.v1 import bank_pb2 as bpb
from arledger_client.v1 import bank_pb2_grpc as bgrpc
from arledger_client.v1 import commands_pb2 as cpb

STATUSES = ("NEW", "QUEUED", "APPLIED", "DISMISSED", "DEBIT")


class BankClient(Connection):
    """A connection to an arledger server's BankService (thread-safe)."""

    def __init__(self, target: str = "127.0.0.1:50051", *, channel: grpc.Channel | None = None,
                 timeout_s: float = 600.0, retries: int = 3,
                 credentials: Credentials | None = None) -> None:
        super().__init__(target, channel, timeout_s, credentials)
        self._stub = bgrpc.BankServiceStub(self._channel)
        self.retries = retries

    def _call(self, method: str, request: Any) -> Any:
        return call_with_retries(lambda: getattr(self._stub, method)(request,
                                                                     timeout=self.timeout_s),
                                 self.retries)

    # ---- import and matching ------------------------------------------------------------

    def import_statement(self, file: str | Path | bytes, *, format: str,
                         csv_mapping: Mapping[str, str] | None = None, account: str = "",
                         statement_id: str = "", match: bool = True, actor: str = "",
                         request_id: str = "") -> dict[str, Any]:
        """Import a statement file (a path or its bytes) of `format` (CAMT053, MT940, BAI2,
        CSV; CSV needs csv_mapping, account and statement_id); the matcher runs after it
        unless match=False. Importing the same file again records nothing new."""
        content = file if isinstance(file, bytes) else Path(file).read_bytes()
        req = bpb.ImportStatementRequest(request_id=request_id, actor=actor,
                                         format=format.upper(), content=content,
                                         account=account, statement_id=statement_id,
                                         skip_match=not match)
        for k, v in (csv_mapping or {}).items():
            setattr(req.csv_mapping, k, v)
        return _message_data(self._call("ImportStatement", req))

    def match(self, *, actor: str = "") -> dict[str, Any]:
        """Run the matcher over every line not yet decided."""
        return _message_data(self._call("MatchLines", bpb.MatchLinesRequest(actor=actor)))

    # ---- reading -------------------------------------------------------------------------

    def lines(self, status: str = "", *, page_size: int = 0) -> Iterator[dict[str, Any]]:
        """Every line (of a status: NEW, QUEUED, APPLIED, DISMISSED, DEBIT), oldest first,
        fetched a page at a time."""
        token = ""
        while True:
            page = self._call("ListLines", bpb.ListLinesRequest(
                status=status, page_size=page_size, page_token=token))
            for ln in page.lines:
                yield _message_data(ln)
            token = page.next_page_token
            if not token:
                return

    def count(self, status: str = "") -> int:
        """How many lines (of a status)."""
        return int(self._call("ListLines", bpb.ListLinesRequest(status=status,
                                                                page_size=1)).total)

    def queue(self) -> list[dict[str, Any]]:
        """The exceptions queue: lines waiting for a person, with ranked candidates."""
        return list(self.lines("QUEUED"))

    def line(self, line_id: str) -> dict[str, Any]:
        return _message_data(self._call("GetLine", bpb.GetLineRequest(line_id=line_id)))

    def rules(self) -> dict[str, Any]:
        return _message_data(self._call("GetMatchRules", bpb.GetMatchRulesRequest()))

    # ---- a person's decisions -----------------------------------------------------------

    def _resolve(self, line_id: str, action: cpb.BankLineAction.ValueType, actor: str,
                 reason: str,
                 request_id: str | None, **more: Any) -> CommandResult:
        req = cpb.ResolveBankLineRequest(request_id=request_id or uuid.uuid4().hex,
                                         actor=actor, reason=reason, line_id=line_id,
                                         action=action, **more)
        return _command_result(self._call("ResolveBankLine", req))

    def confirm(self, line_id: str, *, rank: int = 1, actor: str, reason: str,
                request_id: str | None = None) -> CommandResult:
        """Apply the queue's candidate `rank` (1 = best) as proposed."""
        return self._resolve(line_id, cpb.BANK_LINE_ACCEPT_CANDIDATE, actor, reason,
                             request_id, candidate_rank=rank)

    def apply_to_invoices(self, line_id: str, customer_id: str,
                          allocations: Mapping[str, int], *, actor: str, reason: str,
                          request_id: str | None = None) -> CommandResult:
        """Apply the line to invoices of `customer_id` the person picked; the rest stays
        unapplied cash."""
        return self._resolve(line_id, cpb.BANK_LINE_APPLY_TO_INVOICES, actor, reason,
                             request_id, customer_id=customer_id,
                             allocations=[cpb.Allocation(invoice_id=i, amount_minor=a)
                                          for i, a in allocations.items()])

    def assign_customer(self, line_id: str, customer_id: str, *, actor: str, reason: str,
                        request_id: str | None = None) -> CommandResult:
        """The money is `customer_id`'s: applied by the customer's allocation strategy."""
        return self._resolve(line_id, cpb.BANK_LINE_ASSIGN_CUSTOMER, actor, reason,
                             request_id, customer_id=customer_id)

    def leave_unapplied(self, line_id: str, customer_id: str, *, actor: str, reason: str,
                        request_id: str | None = None) -> CommandResult:
        """The money is `customer_id`'s, all of it unapplied cash for now."""
        return self._resolve(line_id, cpb.BANK_LINE_LEAVE_UNAPPLIED, actor, reason,
                             request_id, customer_id=customer_id)

    def dismiss(self, line_id: str, *, actor: str, reason: str,
                request_id: str | None = None) -> CommandResult:
        """Not a customer receipt (say what it is in the reason); no money moves."""
        return self._resolve(line_id, cpb.BANK_LINE_DISMISS, actor, reason, request_id)

    def define_rules(self, definition_json: str, effective_date: DateLike, *, actor: str,
                     reason: str, request_id: str | None = None) -> CommandResult:
        """A new version of the matching rules (JSON; omitted fields keep the default)."""
        return _command_result(self._call("DefineBankMatchRules", cpb.DefineBankMatchRulesRequest(
            request_id=request_id or uuid.uuid4().hex, actor=actor, reason=reason,
            definition_json=definition_json, effective_date=_iso(effective_date))))


__all__ = ["BankClient", "STATUSES"]
