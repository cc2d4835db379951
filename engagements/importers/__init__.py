"""Import services: parsed export records (from the `importers` package) into recorded facts.

`files.file_import` is the one entry point of the API, the admin upload and
`manage.py import_file`; `upserts` holds the batch upserts the API's list
POST uses too.
"""
