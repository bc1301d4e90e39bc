"""Attribution of mappings to devices, and the (request_line, device) accuracy API."""

from __future__ import annotations

from .factories import BootLog, run

VIRTIO = "FA920010-6785-4941-B6EC-498C579F160A"
RNG = "3152BCA5-EADE-433D-862E-C01CDC291F44"
SNP = "A19832B9-AC25-11D3-9A2D-0090273FC14D"


def blk_request(b: BootLog, data_op: str = "Write") -> list[int]:
    """VirtioBlk SynchronousRequest: status page, header Read, data, status CommonBuffer."""
    status = b.allocate(1, 0x7E200000)
    h = b.map("Read", 0x7F6A5018, 16)
    d = b.map(data_op, 0x7F000000, 0x1000)
    s = b.map("CommonBuffer", status, 1)
    lines = [e.line for e in b.events if type(e).__name__ == "IoMmuMapRequest"][-3:]
    for mp in (s, d, h):
        b.unmap(mp)
    b.free(status, 1)
    return lines


def devices_by_line(result) -> dict[int, str]:
    return dict(result.mappings)


def test_fw_cfg_signature():
    b = BootLog()
    b.allocate(1, 0x7E300000, attributes=0x8000)
    acc = b.map("CommonBuffer64", 0x7E300000, 0x10)
    data = b.map("Read64", 0x7F000000, 0x400)
    for mp in (data, acc):
        b.unmap(mp)
    result, _ = run(b.events)
    assert set(devices_by_line(result).values()) == {"fw-cfg"}
    (dev,) = result.devices
    assert dev["device"] == "fw-cfg"
    assert dev["attribution"]["method"] == "fw-cfg-signature"
    assert dev["maps_by_operation"] == {"Read64": 1, "CommonBuffer64": 1}


def test_ring_before_init_line_is_claimed_by_the_driver():
    b = BootLog()
    b.pci(2, 0x1044)  # virtio-rng, discovered first
    b.pci(3, 0x1042)  # virtio-blk
    b.protocol(VIRTIO)  # BDS connects the blk device first here
    ring = b.allocate(3, 0x7E100000)
    ring_line = b.line + 1
    b.map("CommonBuffer", ring, 0x3000)
    b.message("VirtioBlkInit", "LbaSize=0x200[B] NumBlocks=0x1400000[Lba]")
    req = blk_request(b)
    result, _ = run(b.events)
    by_line = devices_by_line(result)
    assert by_line[ring_line] == "virtio-blk 00:03.0"
    assert [by_line[x] for x in req] == ["virtio-blk 00:03.0"] * 3
    dev = next(d for d in result.devices if d["device"] == "virtio-blk 00:03.0")
    assert dev["attribution"]["methods"] == {"driver-context": 1, "request-shape": 3}
    assert dev["bounce_bytes"] == 16 + 0x1000


def test_protocol_install_claims_rng_and_transport_order_guess():
    b = BootLog()
    b.pci(2, 0x1044)
    b.pci(3, 0x1041)
    b.protocol(VIRTIO)
    rng_ring = b.allocate(1, 0x7E100000)
    first = b.line + 1
    b.map("CommonBuffer", rng_ring, 0x1000)
    b.protocol(RNG)
    b.protocol(VIRTIO)  # net: no line of its own until SimpleNetwork
    net_ring = b.allocate(2, 0x7E400000)
    second = b.line + 1
    b.map("CommonBuffer", net_ring, 0x2000)
    b.protocol(SNP)
    tx = b.line + 1
    b.map("Read", 0x7F500000, 0x5EA)  # a frame: lone Read
    result, _ = run(b.events)
    by_line = devices_by_line(result)
    assert by_line[first] == "virtio-rng 00:02.0"
    assert by_line[second] == "virtio-net 00:03.0"
    assert by_line[tx] == "virtio-net 00:03.0"


def test_lone_read_after_blk_init_goes_to_net_not_blk():
    b = BootLog()
    b.pci(3, 0x1042)
    b.pci(4, 0x1041)
    b.protocol(VIRTIO)
    b.protocol(SNP)  # net bound (its DMA comes later, at SNP Initialize)
    b.protocol(VIRTIO)
    b.message("VirtioBlkInit", "LbaSize=0x200[B]")
    blk_request(b)
    tx = b.line + 1
    b.map("Read", 0x7F500000, 0x5EA)
    result, _ = run(b.events)
    assert devices_by_line(result)[tx] == "virtio-net 00:04.0"


def test_unattributed_without_any_context():
    b = BootLog()
    line = b.line + 1
    b.map("Write", 0x7F000000, 0x200)
    result, _ = run(b.events)
    assert result.mappings == [(line, "unattributed")]
    assert result.devices[0]["attribution"]["method"] == "unattributed"


def test_mapping_records_are_capped():
    b = BootLog()
    for _ in range(10):
        mp = b.map("Read", 0x7F000000, 0x200)
        b.unmap(mp)
    result, _ = run(b.events, max_records=4)
    assert len(result.mappings) == 4
    assert result.summary["mapping_records_dropped"] == 6
