"""Outside check: sev-snp-measure (virtee, PyPI) reads the same footer and ASEV values.

sev-snp-measure opens images by path, so it reads the installed files; both tools must agree
entry by entry and section by section on every Debian image with a footer table.
"""

from __future__ import annotations

import pytest

from app.analysis.firmware import read_firmware

from .conftest import EXPECTED, OVMF_DIR, debian_image

ovmf = pytest.importorskip("sevsnpmeasure.ovmf", reason="sev-snp-measure is a dev dependency")

WITH_FOOTER = sorted(name for name, image in EXPECTED.items() if image["footer"])


@pytest.mark.parametrize("name", WITH_FOOTER)
def test_footer_and_asev_agree_with_sev_snp_measure(name: str) -> None:
    ours = read_firmware(debian_image(name), name=name)
    theirs = ovmf.OVMF(str(OVMF_DIR / name))
    assert ours.footer is not None
    for entry in ours.footer.entries:
        assert bytes(theirs.table_item(str(entry.guid))) == entry.payload
    # sev-snp-measure keeps its table private; the entry count is the last thing to agree on.
    assert len(theirs._table) == len(ours.footer.entries)
    reset = next(e for e in ours.footer.entries if str(e.guid) == theirs.SEV_ES_RESET_BLOCK_GUID)
    assert reset.fields["value"] == theirs.sev_es_reset_eip()
    our_sections = [(s.base, s.size, s.type) for s in ours.sev.sections] if ours.sev else []
    their_sections = [
        (int(i.gpa), int(i.size), int(i.section_type_int)) for i in theirs.metadata_items()
    ]
    assert our_sections == their_sections
