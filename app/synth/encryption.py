"""The lines the encryption libraries print when IoMmuDxe flips pages shared or private.

SEV (``BaseMemEncryptSevLib``): one ``SetMemoryEncDec`` line, then the page-table walk, which
prints ``splitting 2MB page`` the first time a 2 MiB mapping must become 4 KiB pages. Under SNP a
decrypt does the page state change (``InternalSetPageState ... Shared``) *before* the walk and an
encrypt does it (``... Private``) *after* the walk (reference section 2.2).

TDX (``BaseMemEncryptTdxLib``): one ``SetMemorySharedOrPrivate`` line, then the walk, which
prints one ``SetOrClearSharedBit`` line per page-table entry it changes (a 2 MiB entry when the
range covers an aligned 2 MiB, else 4 KiB entries after a split).
"""

from __future__ import annotations

from collections.abc import Callable

from app.synth import lines

PAGE = 0x1000
LARGE = 0x200000
SEV_MASK = 0x8000000000000
TDX_SHARED_BIT = 0x8000000000000
PTE_4K = 0x63
PTE_2M = 0xE3


class PageStateLines:
    """Writes the shared/private conversion lines of one module (``IoMmuDxe``)."""

    def __init__(self, platform: str, edk2: str, emit: Callable[[str], int]) -> None:
        self.platform = platform
        self.edk2 = edk2
        self.emit = emit
        self.tdx = platform == "tdx"
        self.snp = platform == "sev-snp"
        self._split: set[int] = set()

    def convert(self, address: int, pages: int, shared: bool, module: str = "IoMmuDxe") -> int:
        """Print one conversion; returns the line number of its first line."""
        length = pages * PAGE
        if self.tdx:
            first = self.emit(lines.set_shared_or_private(module, address, length, shared))
            self._walk(module, address, length, shared, "SetMemorySharedOrPrivate")
            return first
        first = self.emit(
            lines.set_mem_enc_dec(module, self.edk2, address, length, encrypt=not shared)
        )
        if self.snp and shared:
            self.emit(lines.set_page_state(module, address, address + length, True))
        self._walk(module, address, length, shared, "SetMemoryEncDec")
        if self.snp and not shared:
            self.emit(lines.set_page_state(module, address, address + length, False))
        return first

    def _walk(self, module: str, address: int, length: int, shared: bool, function: str) -> None:
        end = address + length
        while address < end:
            frame = address & ~(LARGE - 1)
            if frame not in self._split:
                if address == frame and end - address >= LARGE:
                    if self.tdx:
                        self._entry(module, address, PTE_2M, shared)
                    address += LARGE
                    continue
                self.emit(lines.split_2m(module, function, address))
                self._split.add(frame)
            stop = min(end, frame + LARGE)
            if self.tdx:
                for page in range(address, stop, PAGE):
                    self._entry(module, page, PTE_4K, shared)
            address = stop

    def _entry(self, module: str, address: int, flags: int, shared: bool) -> None:
        pte = address | flags | (TDX_SHARED_BIT if shared else 0)
        self.emit(lines.set_or_clear_shared_bit(module, pte, TDX_SHARED_BIT, shared))
