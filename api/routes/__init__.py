"""One router per resource: advocates, campaigns, detractors, exports and health.

A route body is a few lines that call the library; rules (which columns are features, how a
ranking is checked) live in :mod:`advocates.ranking`, never here.
"""
