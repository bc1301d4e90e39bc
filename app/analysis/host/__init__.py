"""The host's view of a confidential VM: QEMU's trace events turned into a page map over the
VM's life (``view.HostView``), and the guest-against-host cross-check (``crosscheck``).

Pure like the rest of ``app.analysis``: events in (``events``), a typed ``host`` section of the
result document out (``document``).
"""
