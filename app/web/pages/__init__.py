"""The page routes, one module per page: the boots list, a boot, its log, the comparison of two
boots, sign-in. They parse the request, ask the service layer and render a template; chart
figures come from ``app.service.figures``."""
