"""The model layer: one reader per Azure fact.

Every module here reads one family of Azure documents, in all the api-version shapes Azure
returns, into typed, frozen objects. Collection (when it follows references), analysis, the
emulator, renderers and remediation use these objects; nothing else reads raw ARM documents.
docs/architecture.md lists each fact with the module that reads it.
"""
