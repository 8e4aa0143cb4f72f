"""The operations console: server-rendered pages (Jinja2 + htmx, live figures over
server-sent events, ECharts) mounted at /console by the API app. An entry point like api/
and cli/: its routes identify the viewer, translate input, call services and read models,
and render; no business rules here or in the templates. See docs/console.md."""
