"""Features: per-customer figures as of a date, each a pure function over accepted tables.

Purchase (RFM, refunds, breadth), graph (audience, 2-hop reach, PageRank, engagement), listening
(sentiment evidence from mentions and reviews), behaviour (shares, invites, conversions) and fraud
flags. It may import :mod:`advocates.data` only.
"""
