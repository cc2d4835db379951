"""The shared kernel: what every app needs and no app owns.

The write pipeline (RecordedFact, guards, the acting user), months, money and
numbers, the API kit, currencies and batch upserts. It sits at the bottom of
the layers (see `make lint`): it imports no project app, and each app registers
what it adds to the shared machinery (write guards, write listeners, database
rule messages, role permissions) in its `AppConfig.ready()`.
"""
