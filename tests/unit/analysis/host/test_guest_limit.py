"""The guest conversions kept for the cross-check: compact, exact below the limit, and past it
counted and reported as not checked (the host view's memory stays bounded whatever the log)."""

from __future__ import annotations

import io

from app.analysis.host.analysis import host_section
from app.analysis.host.crosscheck import MAX_GUEST_CONVERSIONS, GuestConversion
from app.analysis.host.document import CrossCheck
from app.analysis.host.view import HostView
from app.analysis.jsondata import from_json, to_json
from app.analysis.rules import new_collector
from app.analysis.scanner import Scanner
from app.synth import lines

PAGE = 0x1000


def convert(start: int, size: int, private: bool) -> str:
    way = "shared_to_private" if private else "private_to_shared"
    return f"kvm_convert_memory start 0x{start:x} size 0x{size:x} {way}"


def capture(pairs: int, unpaired_host_at_end: bool = False) -> str:
    """``pairs`` guest page-state conversions of one page each, each followed by the host's."""
    out = []
    for index in range(pairs):
        start = 0x7F000000 + index * PAGE
        out.append(lines.set_page_state("IoMmuDxe", start, start + PAGE, True))
        out.append(convert(start, PAGE, False))
    if unpaired_host_at_end:
        out.append(convert(0x10000000, PAGE, False))
    return "\n".join(out) + "\n"


def cross_check(text: str, limit: int) -> tuple[CrossCheck | None, list[str]]:
    view = HostView(guest_limit=limit)
    for event in Scanner().iter_events(io.BytesIO(text.encode())):
        view.feed(event)
    collector = new_collector()
    section = host_section(view, collector, None)
    assert section is not None
    return section.cross_check, sorted(f.rule_id for f in collector.findings())


def test_below_the_limit_the_cross_check_is_the_same_and_says_nothing_more() -> None:
    text = capture(6, unpaired_host_at_end=True)
    full, ids = cross_check(text, MAX_GUEST_CONVERSIONS)
    assert full == CrossCheck(6, 6, 0, 1)
    assert cross_check(text, 6) == (full, ids) and ids == ["HOST-002"]
    assert "guest_conversions_not_checked" not in to_json(full)


def test_past_the_limit_the_cross_check_says_how_many_it_did_not_check() -> None:
    checked, ids = cross_check(capture(6, unpaired_host_at_end=True), 4)
    # the first four paired; the host conversions of the last two, and the one no guest line
    # explains, come after the first guest line not kept: no HOST-002 is made up for them
    assert checked == CrossCheck(4, 4, 0, 0, guest_conversions_not_checked=2)
    assert ids == []
    data = to_json(checked)
    assert data["guest_conversions_not_checked"] == 2
    assert from_json(CrossCheck, data) == checked


def test_a_kept_conversion_reads_back_exactly() -> None:
    text = "\n".join(
        [
            lines.set_page_state("PlatformPei", 0x7F000800, 0x7F002001, False),
            convert(0x7F000000, 0x3000, True),
        ]
    )
    view = HostView(phase_of=lambda: None)
    for event in Scanner().iter_events(io.BytesIO(text.encode())):
        view.feed(event)
    guest = view.facts.guest
    assert len(guest) == 1  # page-aligned outwards, as the cross-check pairs it
    assert guest[0] == GuestConversion(
        1, 0x7F000000, 0x7F003000, True, "PlatformPei", "page-state", "launch"
    )


def test_any_number_of_distinct_module_names_is_kept() -> None:
    names = 70_000  # past what two bytes can number
    text = "\n".join(
        lines.set_page_state(f"M{index}", index * PAGE, (index + 1) * PAGE, True)
        for index in range(names)
    )
    view = HostView()
    for event in Scanner().iter_events(io.BytesIO(text.encode())):
        view.feed(event)
    guest = view.facts.guest
    assert len(guest) == names and guest[names - 1].module == f"M{names - 1}"
