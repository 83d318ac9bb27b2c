"""Track A: scraping ethics.

``sandbox``   a small social network served on 127.0.0.1, with robots.txt, privacy settings, rate limits,
              hostile pages and an access log
``crawler``   a polite, provenance-keeping crawler, and a careless "Clearview-style" one for comparison
``ledger``    the provenance ledger: one row per request or decision, saved to CSV; erasure
``collect``   from a crawl to a face gallery whose every entry links back to its ledger row
"""
