"""A follower served over gRPC: queries and the log like a writer, commands refused, lag shown."""

import time

import grpc
import pytest

from arledger.server import create_server
from arledger_client import ArledgerClient, FailedPrecondition

WAIT_S = 60


@pytest.fixture
def pair(location, clock):
    """A writer and a follower of the same partition, each on its own real port."""
    writer = location.open(clock=clock)
    follower = location.open(clock=clock, follower=True, poll_interval=0.02)
    servers = []
    targets = []
    for led in (writer, follower):
        server, port = create_server(led, "127.0.0.1:0", clock=lambda: 1_790_000_000_000_000)
        server.start()
        servers.append(server)
        targets.append(f"127.0.0.1:{port}")
    try:
        yield targets
    finally:
        for s in servers:
            s.stop(0)


def test_a_follower_serves_what_the_writer_acknowledged_and_refuses_commands(pair):
    w_target, f_target = pair
    with ArledgerClient(w_target) as w, ArledgerClient(f_target) as f:
        w.open_customer("ACME", "Acme GmbH", "EUR", "2026-01-01", payment_terms_net_days=30)
        w.issue_invoice("INV-1", "ACME", "2026-01-05", amount_minor=120_000)
        w.record_payment("PAY-1", "ACME", 20_000, "EUR", "2026-02-01")
        head = w.get_log_head(with_state_digest=True)
        assert (head.role, head.partition, head.lag_segments, head.lag_ms) == \
            ("writer", "0/1", 0, 0)
        deadline = time.monotonic() + WAIT_S
        while (fh := f.get_log_head(with_state_digest=True)).segment < head.segment:
            assert time.monotonic() < deadline, fh
            time.sleep(0.01)
        assert fh.role == "follower" and fh.state_digest == head.state_digest
        assert (fh.store_segment, fh.lag_segments, fh.follow_error) == (head.segment, 0, "")
        assert f.get_balance("ACME", "2026-03-01") == w.get_balance("ACME", "2026-03-01")
        assert [e.position for e in f.stream_entries()] == [e.position for e in w.stream_entries()]
        with pytest.raises(FailedPrecondition) as e:
            f.issue_invoice("INV-2", "ACME", "2026-01-06", amount_minor=5)
        assert e.value.reason == "READ_ONLY_FOLLOWER"
        assert e.value.code == grpc.StatusCode.FAILED_PRECONDITION.name
        with pytest.raises(FailedPrecondition) as e:  # a batch is refused whole, too
            f.submit_batch([f.commands.issue_invoice("INV-3", "ACME", "2026-01-06",
                                                     amount_minor=5)])
        assert e.value.reason == "READ_ONLY_FOLLOWER"
        assert w.get_log_head().position == head.position  # nothing reached the log


def test_a_follower_that_stopped_following_reports_not_serving_and_why(location, clock):
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    location.open(clock=clock)  # the writer: an empty log to follow
    follower = location.open(clock=clock, follower=True, poll_interval=0.02)
    server, port = create_server(follower, "127.0.0.1:0")
    server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            check = health_pb2_grpc.HealthStub(ch).Check
            assert check(health_pb2.HealthCheckRequest()).status == \
                health_pb2.HealthCheckResponse.SERVING
            location.insert_raw(1, b"not a segment")  # behind the writer's back
            deadline = time.monotonic() + WAIT_S
            while check(health_pb2.HealthCheckRequest()).status != \
                    health_pb2.HealthCheckResponse.NOT_SERVING:
                assert time.monotonic() < deadline
                time.sleep(0.02)
        with ArledgerClient(f"127.0.0.1:{port}") as f:
            head = f.get_log_head()
            assert head.role == "follower" and "LOG_CORRUPT" in head.follow_error
            assert head.lag_segments == 1 and head.segment == 0
    finally:
        server.stop(0)
