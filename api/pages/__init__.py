"""The marketer's pages: server-rendered HTML over the same library as the API.

:mod:`api.pages.session` signs a browser in (an API key exchanged for a session cookie) and
names the caller of every page; :mod:`api.pages.shortlist` serves the shortlist and its
download, :mod:`api.pages.runs` the run report, :mod:`api.pages.render` the templates and error
pages, and :mod:`api.pages.router` gathers the routes. Pages stay thin: what they show comes from
the library (:mod:`advocates.ranking`, :mod:`advocates.reporting`).
"""
