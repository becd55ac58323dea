"""Importers: public or third-party data mapped onto the input contract."""
