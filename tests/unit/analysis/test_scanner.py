"""The scanner's tolerance: compression, line endings, escapes, binary junk, timestamps, and the
counting of what it does not recognise."""

from __future__ import annotations

import gzip
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.analysis.errors import InputError
from app.analysis.model import IoMmuMapRequest, IoMmuUnmap, ModuleLoaded
from app.analysis.scanner import Scanner
from app.analysis.source import MAX_LINE
from app.analysis.textcheck import binary_reason

MAP = b"IoMmuMap: Operation=Read Host=0x7F6A5018 Bytes=0x10"
UNMAP = b"IoMmuUnmapWorker: Mapping=0x7F6B3A98 MemoryMapLocked=0"


def scan(data: bytes) -> tuple[list[object], Scanner]:
    scanner = Scanner()
    return list(scanner.iter_events(io.BytesIO(data))), scanner


def test_crlf_ansi_and_nul_bytes_are_tolerated() -> None:
    data = b"\x1b[1;32m" + MAP + b"\x1b[0m\r\n\x00\x00" + UNMAP + b"\r\n"
    events, scanner = scan(data)
    assert [type(e) for e in events] == [IoMmuMapRequest, IoMmuUnmap]
    assert [e.line for e in events] == [1, 2]  # type: ignore[attr-defined]


def test_gzip_input_gives_the_same_events_as_plain() -> None:
    plain = (MAP + b"\n" + b"some QEMU line\n" + UNMAP + b"\n") * 50
    events_plain, stats_plain = scan(plain)
    events_gz, stats_gz = scan(gzip.compress(plain))
    assert events_gz == events_plain
    assert stats_gz.stats.source.compressed and not stats_plain.stats.source.compressed
    assert stats_gz.stats.unrecognised_lines == stats_plain.stats.unrecognised_lines == 50


def test_concatenated_gzip_members_are_read_whole() -> None:
    data = gzip.compress(MAP + b"\n") + gzip.compress(UNMAP + b"\n")
    events, _ = scan(data)
    assert [type(e) for e in events] == [IoMmuMapRequest, IoMmuUnmap]


def test_truncated_gzip_is_a_clear_input_error() -> None:
    data = gzip.compress((MAP + b"\n") * 1000)
    with pytest.raises(InputError, match="gzip"):
        scan(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("prefix", "times"),
    [
        (b"[    1.500000] ", [0.0, 0.25]),
        (b"2026-11-28T10:00:01.500Z ", [0.0, 0.25]),
        (b"10:00:01.500 ", [0.0, 0.25]),
    ],
)
def test_leading_timestamps_become_event_times(prefix: bytes, times: list[float]) -> None:
    second = prefix.replace(b"1.500", b"1.750")
    data = prefix + MAP + b"\n" + second + UNMAP + b"\n"
    events, scanner = scan(data)
    assert [e.time for e in events] == times  # type: ignore[attr-defined]
    assert scanner.stats.has_timestamps


def test_interleaved_foreign_lines_are_counted_as_unrecognised() -> None:
    data = b"kvm_set_user_memory AddrSpace#0 Slot#0\n" + MAP + b"\n\n[ 0.1] random kernel\n"
    events, scanner = scan(data)
    assert len(events) == 1 and events[0].line == 2  # type: ignore[attr-defined]
    assert scanner.stats.lines == 4
    assert scanner.stats.blank_lines == 1
    assert scanner.stats.unrecognised_lines == 2
    assert scanner.stats.unrecognised_samples[0] == (1, "kvm_set_user_memory AddrSpace#0 Slot#0")


def test_a_log_without_a_final_newline_keeps_its_last_line() -> None:
    events, scanner = scan(MAP + b"\n" + UNMAP)
    assert len(events) == 2 and scanner.stats.lines == 2


def test_an_endless_line_is_cut_and_memory_stays_bounded() -> None:
    data = b"x" * (3 * MAX_LINE) + b"\n" + MAP + b"\n"
    events, scanner = scan(data)
    assert len(events) == 1
    assert scanner.stats.lines >= 2


def test_module_name_joined_across_a_block_boundary_is_not_required_but_lines_stay_right() -> None:
    text = b"".join(
        b"Loading driver at 0x0007EA1F000 EntryPoint=0x0007EA22A10 Mod%d.efi\n" % i
        for i in range(200_000)
    )
    events, scanner = scan(text)
    assert len(events) == 200_000
    assert isinstance(events[-1], ModuleLoaded) and events[-1].line == 200_000
    assert events[-1].name == "Mod199999.efi"
    assert scanner.stats.unrecognised_lines == 0


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_arbitrary_bytes_never_raise(data: bytes) -> None:
    try:
        events, scanner = scan(data)
    except InputError:
        # only a (corrupt) gzip stream or binary data (not a log) may be refused; the scanner
        # judges its first block, which ends with a newline (added when the input has none)
        first_block = data if data.endswith(b"\n") else data + b"\n"
        assert data[:2] == b"\x1f\x8b" or binary_reason(first_block) is not None
        return
    stats = scanner.stats
    assert stats.recognised_lines + stats.blank_lines <= stats.lines
    assert all(1 <= e.line <= stats.lines for e in events)  # type: ignore[attr-defined]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from([MAP, UNMAP, b"junk", b"", b"\x00\xff\x1b[2J"]), max_size=60))
def test_line_numbers_survive_any_mix_of_known_and_unknown_lines(lines: list[bytes]) -> None:
    events, scanner = scan(b"\r\n".join(lines) + b"\r\n")
    expected = [i + 1 for i, line in enumerate(lines) if line in (MAP, UNMAP)]
    assert [e.line for e in events] == expected  # type: ignore[attr-defined]
    assert scanner.stats.lines == max(1, len(lines))  # an empty input is one empty line
