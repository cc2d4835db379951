"""File imports of every kind: parsers, the mapping of records to rows, and the import service.

It sits above the apps whose rows it writes (engagements, sla): `parsers`
read export files into plain records, `mapping` matches their names to
contractors, engagements and monitored services, and `services.file_import`
writes them through each owning app's ingest services, keeping each row's
provenance (`ImportFile`, `ImportedRow`).
"""
