"""Plotly figures as plain JSON-able dicts, built from result documents and timeline windows.

Here rather than in ``app.web`` because the API serves them too (the timeline window's
figure). One module per chart: ``timeline``, ``devices``, ``address_space``; ``style`` holds
what they share.
"""
