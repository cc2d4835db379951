"""The API kit every app's `api/` package builds on (the v1 contract of docs/api.md).

Import from its modules: `permissions`, `pagination`, `fields` (safe fields,
the strict serializers), `filters` (the month filter, sane dates), `viewsets`
(service-backed views), `batch` (list POST upserts), `errors` (the one error
shape), `parsers` (the bounded JSON parser) and `schema`. The package itself
re-exports nothing: DRF's settings load `parsers` and `errors` while
`rest_framework.views` is still loading, and re-exporting the viewsets here
would import that half-loaded module. `config/api.py` gathers the apps'
resources under `/api/v1/`.
"""
