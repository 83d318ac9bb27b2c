"""Track C: the February 2020 breach.

``facts``     the sourced timeline and published figures (``datasets/facts/``)
``clients``   a SYNTHETIC client list generated from the published aggregates
``explore``   filters and summaries of the client list, and the ipywidgets explorer over them
``portal``    the access-control lab: a client portal on 127.0.0.1 with a broken authorisation check
"""
