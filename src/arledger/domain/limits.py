"""Every bound arledger enforces, in one place (units last in every name)."""

# Money: every amount stays far below 2**53 so it is exact in any JSON number
# and far below 2**63 so sums of many amounts cannot overflow int64.
amount_minor_max = 10**15
credit_limit_minor_max = 10**15
# Per currency, every amount ever recorded into the ledger (invoices and charges, payments,
# credit notes, recoveries, and the amounts of disputes, promises and sales, which can
# repeat over the same money) stays within this: then no balance, no total and no sum of
# flows a report or the risk model takes over any period - each a sum or difference of
# at most a few such amounts per unit - can pass int64 (2**63 ~ 9.2 * 10**18).
currency_gross_minor_max = 10**18

id_length_max = 64
text_length_max = 256
net_days_max = 3650
lines_per_invoice_max = 1000
line_quantity_max = 10**9
allocations_per_command_max = 1000

batch_commands_max = 10_000
# One group commit writes at most this many entries as one segment.
segment_entries_max = 65_536
page_size_default = 100
page_size_max = 1000
stream_chunk_entries = 1000

# Dates: the ledger accepts effective dates in this window (days since 1970-01-01).
date_year_min = 1970
date_year_max = 2200

# Every amount is exact as a JSON number (the log's Struct fields are doubles), and
# the sums inside one command (allocations, lines) cannot overflow int64.
assert amount_minor_max < 2**53
assert 8 * currency_gross_minor_max < 2**63
assert amount_minor_max * allocations_per_command_max < 2**63
assert allocations_per_command_max <= batch_commands_max
assert segment_entries_max >= 2 * batch_commands_max
assert page_size_default <= page_size_max
assert lines_per_invoice_max * line_quantity_max * amount_minor_max < 2**127

# Policies: terms, credit, dunning.
installments_per_terms_max = 24
terms_months_max = 12  # "end of the month N months after the issue month"
dunning_levels_max = 10
interest_bp_max = 10_000  # 100 % a year
tolerance_minor_max = 10**9
tolerance_bp_max = 1_000  # 10 %
invoices_per_promise_max = 100
promise_installments_max = 24
items_per_sale_max = 10_000
# A command's entry count is stored in 16 bits: every command stays below it. A dunning run
# takes at most this many steps (each writes up to 5 entries: the step, a fee and an
# interest charge of 2 each), holds and broken promises; the rest waits for the next run.
command_entries_max = 65_535
dunning_steps_per_run_max = 10_000
dunning_holds_per_run_max = 4_000
dunning_broken_promises_per_run_max = 4_000
assert installments_per_terms_max <= lines_per_invoice_max
assert 5 * dunning_steps_per_run_max + dunning_holds_per_run_max + \
    dunning_broken_promises_per_run_max <= command_entries_max
assert items_per_sale_max + 1 <= command_entries_max
assert 2 * allocations_per_command_max + 2 <= command_entries_max

# Bank statements. A statement's lines are recorded by import commands of at most
# `bank_lines_per_command_max` lines each (an atomic batch of them for a larger file); a
# match run decides at most `bank_lines_per_match_max` lines, and stops earlier when the
# next line's entries (at most 2 + 2 * `bank_invoices_per_line_max`: the payment, a discount
# and a small write-off per invoice, the decision) could pass a command's entry count; the
# rest waits for the next run.
bank_file_bytes_max = 60 * 1024 * 1024  # below the 64 MiB message limit of the API
bank_lines_per_file_max = 200_000
bank_lines_per_command_max = 10_000
bank_lines_per_match_max = 30_000
bank_invoices_per_line_max = 50
bank_text_length_max = 1_000
bank_candidates_max = 5
assert bank_lines_per_command_max + 1 <= command_entries_max
assert 2 + 2 * bank_invoices_per_line_max <= command_entries_max
assert bank_invoices_per_line_max <= allocations_per_command_max

# The API's pages, chunks and messages. A page size of 0 in a request takes the default;
# a larger one than the maximum is INVALID_PAGE_SIZE. The workspace asks for pages of its
# own size, and up to the search maximum where it shows everything (a customer's items).
grpc_message_bytes_max = 64 * 1024 * 1024  # received and sent, on the server
stream_batches_inflight_max = 16   # batches of one SubmitBatchStream decided at once
page_token_length_max = 2048
search_page_size_default = 50      # SearchService lists
search_page_size_max = 1000
bank_page_size_default = 100       # BankService lines and queue
bank_page_size_max = 1000
fx_page_size_default = 1000        # ListFxRates
fx_page_size_max = 10_000
worklist_page_size_default = 50
worklist_page_size_max = 1000
report_page_size_max = 100_000     # ReportService (0: the whole report, streamed)
report_chunk_rows = 1000           # rows per streamed ReportService message
rescore_chunk_customers_default = 10_000  # customers per RescoreChunk
rescore_chunk_customers_max = 100_000
audit_positions_max = 100_000      # positions per proof request
dunning_level_filter_max = 1000    # the worklist's dunning_level_min
workspace_page_size = 25           # the workspace's lists
workspace_kpi_rows = 20            # the portfolio page's KPI table
workspace_table_rows = 15          # a table the workspace pages itself
# What an error carries back, and what the access log keeps of a request id (both are
# built from what the caller sent: bounded before they are echoed).
error_message_length_max = 1024    # longer: cut, and marked so
error_metadata_entries_max = 16    # keys up to id_length_max, values up to text_length_max
error_quote_length_max = 80        # of an input quoted in an error message
log_request_id_length_max = 128
statement_pdf_cell_chars_max = 40  # a cell of the PDF statement's table
# Secrets: HMAC keys for tokens (JWT) and page tokens.
secret_bytes_min = 32
assert bank_file_bytes_max < grpc_message_bytes_max
assert search_page_size_default <= search_page_size_max
assert bank_page_size_default <= bank_page_size_max
assert fx_page_size_default <= fx_page_size_max
assert worklist_page_size_default <= worklist_page_size_max
assert rescore_chunk_customers_default <= rescore_chunk_customers_max
assert workspace_page_size <= min(search_page_size_max, worklist_page_size_max)
assert report_chunk_rows <= report_page_size_max
assert error_message_length_max > error_quote_length_max
