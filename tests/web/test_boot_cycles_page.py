"""The boot page of real captures with several boots and with a crash: the cycle list links
each cycle to its first line, findings name their cycle, the failure box shows the crash site."""

from __future__ import annotations

from typing import Any

from tests.unit.conftest import real_log
from tests.web.conftest import BootMaker


def test_two_boot_cycles_are_listed_with_links_to_their_first_lines(
    web_client: Any, make_boot: BootMaker
) -> None:
    boot = make_boot(real_log("105").read_bytes(), name="two-boots")
    html = web_client.get(f"/boots/{boot}").text
    assert 'id="cycles"' in html and "Boot cycles (2)" in html
    assert f'href="/boots/{boot}/log?line=2951#L2951"' in html
    assert html.count('<li data-cycle="') == 2


def test_one_boot_has_no_cycle_list(web_client: Any, make_boot: BootMaker) -> None:
    boot = make_boot(real_log("004").read_bytes(), name="one-boot")
    html = web_client.get(f"/boots/{boot}").text
    assert 'id="cycles"' not in html and 'class="cycle muted"' not in html
    assert 'id="failure"' in html and "Boot failed: assert" in html


def test_the_failure_box_shows_the_crash_site(web_client: Any, make_boot: BootMaker) -> None:
    boot = make_boot(real_log("127").read_bytes(), name="kvm-died")
    html = web_client.get(f"/boots/{boot}").text
    assert "Boot failed: vmm-error" in html
    assert "0xfff0" in html
    assert f'href="/boots/{boot}/log?line=2#L2"' in html


def test_findings_of_a_capture_with_cycles_name_their_cycle(
    web_client: Any, make_boot: BootMaker
) -> None:
    first = real_log("004").read_bytes()  # dies with an ASSERT in PEI
    second = real_log("005").read_bytes()  # a whole plain boot after it
    boot = make_boot(first + second, name="assert-then-boot")
    html = web_client.get(f"/boots/{boot}").text
    assert "Boot cycles (2)" in html
    assert 'data-cycle="0">cycle 0</span>' in html  # the ASSERT's BOOT-001
