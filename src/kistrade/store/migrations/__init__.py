"""Numbered schema migrations: ``NNNN_name.sql``, applied in order by ``kistrade.store.migrate``.

Never edit a released migration; add the next number. Each file runs inside one transaction
together with its ``schema_version`` row.
"""
