"""The review pages: server-rendered Jinja2 views over the upload service's data."""
